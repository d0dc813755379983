"""The PostgreSQL seller search, written in the transaction of each change.

With SEARCH_BACKEND=postgres, every session of the app writes, just before it commits, the
search rows of the sellers its transaction marked changed (registry.journal.changelog): a
change is found by search the moment it is committed, on every node. A failure to write
them leaves the change itself to commit, and the change-log consumer (web.indexing) to
write the rows a moment later; so does a transaction that changes very many sellers (a
nightly rescore, a bulk import), which would otherwise hold the write lock while their
documents are read.
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import event

from registry.journal.changelog import take_changed
from registry.read.search_docs import seller_documents
from search import postgres_write

log = logging.getLogger(__name__)

#: a transaction that marks more sellers than this leaves their rows to the consumer
SYNC_LIMIT = 2000


def init_app(app: Flask) -> None:
    """Write search rows at each commit of the app's sessions (SEARCH_BACKEND=postgres)."""
    if app.config.get("SEARCH_BACKEND") != "postgres":
        return
    db = app.extensions["registry_db"]
    for factory in (db.reader, db.writer):
        event.listen(factory, "before_commit", write_changed)


def write_changed(session) -> int:
    """Write the search rows of the sellers this transaction changed; return how many."""
    ids = take_changed(session)
    if not ids or len(ids) > SYNC_LIMIT:
        return 0
    session.flush()  # what the documents are read from
    raw = session.connection().connection.dbapi_connection
    with raw.cursor() as cur:
        cur.execute("SAVEPOINT search_rows")
        try:
            stats = postgres_write(cur, seller_documents(session, sorted(ids)), skip_unchanged=True)
        except Exception:
            cur.execute("ROLLBACK TO SAVEPOINT search_rows")
            log.exception("search rows of %d sellers left to the change-log consumer", len(ids))
            return 0
        cur.execute("RELEASE SAVEPOINT search_rows")
    return stats.added
