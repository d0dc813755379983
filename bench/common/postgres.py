"""A PostgreSQL copy of a cached data set, for the benchmarks' PostgreSQL deployments.

``BENCH_POSTGRES_URL`` (default the local server, user postgres) names the server, ending
with ``/``; each benchmark copies into a database of its own name.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from .paths import log

PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/")


def copy_to_postgres(sqlite_db: Path, name: str, *, search: bool = False) -> str:
    """Copy every row of the SQLite data set into a fresh PostgreSQL database ``name`` (dropped
    first if it exists); with ``search``, build its search table (SEARCH_BACKEND=postgres)
    there too. Return its URL."""
    from sqlalchemy import create_engine, select, text

    from registry.core.db import make_engine
    from registry.core.migrate import upgrade
    from registry.schema import metadata

    admin = create_engine(PG_URL + "postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    url = PG_URL + name
    target = make_engine(url)
    upgrade(target)
    source = make_engine(f"sqlite:///{sqlite_db}")
    started = time.perf_counter()
    rows = 0
    with source.connect() as src, target.begin() as dst:
        for table in reversed(metadata.sorted_tables):
            dst.execute(table.delete())
        for table in metadata.sorted_tables:
            result = src.execution_options(stream_results=True).execute(select(table))
            while chunk := result.fetchmany(5000):
                dst.execute(table.insert(), [dict(r._mapping) for r in chunk])
                rows += len(chunk)
        for table in metadata.sorted_tables:  # serial keys go on after the copied rows
            for key in table.primary_key.columns:
                if key.type.python_type is not int:
                    continue
                seq = f"pg_get_serial_sequence('{table.name}', '{key.name}')"
                dst.execute(
                    text(
                        f"SELECT setval({seq}, COALESCE((SELECT max({key.name}) FROM "
                        f"{table.name}), 0) + 1, false) WHERE {seq} IS NOT NULL"
                    )
                )
        dst.execute(text("ANALYZE"))
    log(f"  {rows:,} rows copied to PostgreSQL in {time.perf_counter() - started:.1f}s")
    source.dispose()
    target.dispose()
    if search:
        build_search(url)
    return url


def build_search(url: str) -> None:
    """Build the PostgreSQL search backend's table as ``flask reindex`` does, timed."""
    from web import create_app
    from web.db import database
    from web.indexing import rebuild

    app = create_app({"DATABASE_URL": url, "SEARCH_BACKEND": "postgres", "SECRET_KEY": "bench"})
    started = time.perf_counter()
    with app.app_context(), database().reader() as session:
        rebuild(session, None)
    log(f"  search table built in PostgreSQL in {time.perf_counter() - started:.1f}s")
