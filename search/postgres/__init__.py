"""The seller search on PostgreSQL (SEARCH_BACKEND=postgres): a table in the registry's own
database in place of the Whoosh index, behind the same names (search/__init__.py).

Documents in (the same plain dicts), seller ids and hits out (the same search.results);
the tokens are those of search.documents, so both backends find what the other finds.
"""

from __future__ import annotations

from search.postgres.reading import PostgresSellerSearcher
from search.postgres.writing import PostgresSellerIndex, write

__all__ = ["PostgresSellerIndex", "PostgresSellerSearcher", "write"]
