"""the seller search table on PostgreSQL (SEARCH_BACKEND=postgres)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 21:30:00

On PostgreSQL only: pg_trgm, the table of seller search rows (a tsvector of each seller's
tokens, GIN-indexed), the lexicon of English words of names (trigram-indexed) and the
search's one row of state. Nothing on SQLite, where sellers are searched in Whoosh. The
tables hold only what the search index holds (published names, codes, domains, grades);
``flask reindex`` fills them. The statements are a frozen copy of search.postgres.schema.
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _trgm_schema(bind) -> str:
    name = bind.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
        " WHERE e.extname = 'pg_trgm'"
    ).scalar_one()
    return '"' + name.replace('"', '""') + '"'


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # In ``public`` when there is one, not in the first schema of the search path, which may
    # be dropped with everything in it.
    public = bind.exec_driver_sql("SELECT to_regnamespace('public') IS NOT NULL").scalar_one()
    op.execute(f"CREATE EXTENSION IF NOT EXISTS pg_trgm{' SCHEMA public' if public else ''}")
    trgm = _trgm_schema(bind)
    op.execute(
        """CREATE TABLE search_seller (
            id text NOT NULL,
            version text,
            tokens tsvector NOT NULL,
            verified boolean NOT NULL DEFAULT false,
            grade text,
            province text,
            city text,
            category text,
            rank integer NOT NULL DEFAULT -1,
            touched bigint NOT NULL DEFAULT 0,
            doc jsonb NOT NULL
        ) WITH (toast_tuple_target = 8160)"""
    )
    op.execute("ALTER TABLE search_seller ALTER COLUMN tokens SET STATISTICS 1000")
    op.execute("ALTER TABLE search_seller ADD CONSTRAINT search_seller_pkey PRIMARY KEY (id)")
    op.execute(
        "CREATE INDEX search_seller_tokens ON search_seller USING gin (tokens)"
        " WITH (fastupdate = off)"
    )
    op.execute("CREATE INDEX search_seller_touched ON search_seller (touched)")
    op.execute("CREATE INDEX search_seller_rank ON search_seller (rank DESC, id)")
    op.execute(
        "CREATE TABLE search_word (word text NOT NULL,"
        " CONSTRAINT search_word_pkey PRIMARY KEY (word))"
    )
    op.execute(
        f"CREATE INDEX search_word_trgm ON search_word USING gin (word {trgm}.gin_trgm_ops)"
        " WITH (fastupdate = off)"
    )
    op.execute(
        """CREATE TABLE search_meta (
            id integer PRIMARY KEY CHECK (id = 1),
            generation bigint NOT NULL DEFAULT 0,
            version bigint NOT NULL DEFAULT 0,
            sequence bigint
        )"""
    )
    op.execute("INSERT INTO search_meta (id) VALUES (1)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # The extension stays: other tables or databases' objects may use it.
    for table in ("search_meta", "search_word", "search_seller", "search_seller_next"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
    op.execute("DROP TABLE IF EXISTS search_word_next")
