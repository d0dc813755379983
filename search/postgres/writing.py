"""Write side of the PostgreSQL seller table: upserts in the caller's transaction or in
one of their own, and a rebuild that COPYs into a new table and swaps it in atomically.

This package takes DB-API connections (psycopg 3) and never opens one itself: *connect*
returns a connection that ``close()`` gives back (a pool's), so that the registry's own
engine and pool are used, and a write can join the transaction of the write that changed
the seller (:func:`write`).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import traceback
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, cast

from search.engine.writing import ApplyStats
from search.errors import IndexMissingError
from search.postgres import schema as sc

Connect = Callable[[], Any]
Progress = Callable[[int], None]
#: the documents of one part of a rebuild
Part = Callable[[], Iterable[Mapping[str, Any]]]
#: COPY text, the English words of its names, and how many documents it holds
Chunk = tuple[bytes, list[str], int]
#: a rebuild reports progress every this many documents
PROGRESS_EVERY = 1000
#: documents converted into COPY text at a time (a part's process sends each chunk)
CHUNK = 500
#: no guard: an upsert replaces whatever row is there
ANY_ROW = 2**62
_NEXT = f"{sc.TABLE}_next"
_WORDS_NEXT = f"{sc.WORDS}_next"
_SET = ", ".join(f"{c} = EXCLUDED.{c}" for c in sc.COLUMNS if c != "id")
_UPSERT = (
    f"INSERT INTO {sc.TABLE} ({', '.join(sc.COLUMNS)}) VALUES "
    "(%s, %s, array_to_tsvector(%s::text[]), %s, %s, %s, %s, %s, %s, %s, %s::jsonb) "
    f"ON CONFLICT (id) DO UPDATE SET {_SET} WHERE {sc.TABLE}.touched <= %s"
)


def _missing(exc: BaseException) -> bool:
    return getattr(exc, "sqlstate", None) == "42P01"  # undefined_table


#: SQLSTATEs of a server shutting down or starting up (57P01-57P03), of a lost connection (08)
_GONE = ("57P01", "57P02", "57P03")


def out_of_reach(exc: BaseException) -> bool:
    """Whether a driver's error means the database is out of reach for now (restarting, the
    connection lost), as registry.core.db.unavailable tells for SQLAlchemy's errors."""
    if not type(exc).__module__.startswith("psycopg"):
        return False
    state = getattr(exc, "sqlstate", None)
    if state:
        return state in _GONE or state.startswith("08")
    # No state: the connection broke, or was already closed.
    return type(exc).__name__ in ("OperationalError", "InterfaceError")


@contextmanager
def connection(connect: Connect) -> Iterator[Any]:
    """A connection of *connect*, rolled back unless committed, and given back."""
    conn = connect()
    try:
        yield conn
    except BaseException:
        try:
            conn.rollback()
        except Exception:
            pass  # a connection that broke cannot roll back: the error that broke it is raised
        finally:
            conn.close()
        raise
    conn.close()


def trgm_schema(cur: Any) -> str | None:
    """The quoted schema pg_trgm is installed in, or None without it."""
    cur.execute(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
        " WHERE e.extname = 'pg_trgm'"
    )
    found = cur.fetchone()
    return None if found is None else '"' + found[0].replace('"', '""') + '"'


def table_exists(cur: Any, name: str) -> bool:
    cur.execute("SELECT to_regclass(%s) IS NOT NULL", (name,))
    return bool(cur.fetchone()[0])


def create_extension(cur: Any) -> None:
    """pg_trgm, in the schema ``public`` when there is one: not in the first schema of the
    search path, which may be dropped with everything in it (a test's, a tenant's)."""
    if trgm_schema(cur) is not None:
        return
    cur.execute("SELECT to_regnamespace('public') IS NOT NULL")
    public = bool(cur.fetchone()[0])
    cur.execute(f"CREATE EXTENSION IF NOT EXISTS pg_trgm{' SCHEMA public' if public else ''}")


def create(cur: Any) -> None:
    """Create the extension and the tables that are missing (the migration makes them)."""
    create_extension(cur)
    trgm = trgm_schema(cur)
    if not table_exists(cur, sc.TABLE):
        for statement in sc.table_ddl(sc.TABLE) + sc.index_ddl(sc.TABLE):
            cur.execute(statement)
    if not table_exists(cur, sc.WORDS):
        for statement in sc.words_ddl(sc.WORDS) + sc.words_index_ddl(sc.WORDS, trgm or "public"):
            cur.execute(statement)
    if not table_exists(cur, sc.META):
        for statement in sc.META_DDL:
            cur.execute(statement)


def bump(cur: Any) -> int:
    """Move the table's version on (every reader's cache key) and return it."""
    cur.execute(f"UPDATE {sc.META} SET version = version + 1 RETURNING version")
    return int(cur.fetchone()[0])


def current_version(cur: Any) -> int:
    cur.execute(f"SELECT version FROM {sc.META}")
    return int(cur.fetchone()[0])


def write(
    cur: Any,
    upserts: Iterable[Mapping[str, Any]] = (),
    deletes: Iterable[str] = (),
    *,
    skip_unchanged: bool = False,
    written_before: int = ANY_ROW,
) -> ApplyStats:
    """Upsert and delete rows in the transaction *cur* is in (the caller commits).

    With *skip_unchanged*, a row whose version is the document's is left as it is. A row
    written after version *written_before* (by a write that joined the seller's own
    transaction, while the caller read its documents) is newer than the caller's document
    and is kept.
    """
    gone = list(dict.fromkeys(deletes))
    if not all(isinstance(d, str) for d in gone):
        raise ValueError("deletes must be string ids")
    rows: dict[str, dict[str, Any]] = {}
    for doc in upserts:
        converted = sc.row(doc)
        rows[converted["id"]] = converted
    for doc_id in gone:
        rows.pop(doc_id, None)
    before = len(rows)
    if not rows and not gone:
        return ApplyStats(0, 0, None, 0)
    # The version first, before any table is touched: a rebuild's swap takes it first too,
    # then the tables, so the two never wait for each other in the opposite order.
    touched = bump(cur)
    if skip_unchanged and rows:
        cur.execute(f"SELECT id, version FROM {sc.TABLE} WHERE id = ANY(%s)", (list(rows),))
        for doc_id, version in cur.fetchall():
            if rows[doc_id]["version"] == version:
                del rows[doc_id]
    if rows or gone:
        if gone:
            cur.execute(f"DELETE FROM {sc.TABLE} WHERE id = ANY(%s)", (gone,))
        if rows:
            cur.executemany(
                _UPSERT,
                [
                    (
                        *(r[c] for c in sc.COLUMNS if c not in ("touched", "doc")),
                        touched,
                        r["doc"],
                        written_before,
                    )
                    for r in rows.values()
                ],
            )
            words = sorted({w for r in rows.values() for w in r["words"]})
            if words:
                cur.execute(
                    f"INSERT INTO {sc.WORDS} (word) SELECT unnest(%s::text[])"
                    " ON CONFLICT DO NOTHING",
                    (words,),
                )
    return ApplyStats(len(rows), len(gone), None, before - len(rows))


class PostgresSellerIndex:
    """Write side of the seller table (SEARCH_BACKEND=postgres), as SellerIndex is of the
    Whoosh index: apply, rebuild, the change-log sequence applied."""

    def __init__(self, connect: Connect) -> None:
        self.connect = connect

    def _run(self, work: Callable[[Any], Any]) -> Any:
        with connection(self.connect) as conn:
            with conn.cursor() as cur:
                result = work(cur)
            conn.commit()
            return result

    def _read(self, work: Callable[[Any], Any]) -> Any:
        try:
            return self._run(work)
        except Exception as exc:
            if _missing(exc):
                raise IndexMissingError("there is no seller search table") from exc
            raise

    def create(self) -> None:
        """Create the tables (and pg_trgm) unless they exist."""
        self._run(create)

    def exists(self) -> bool:
        """Whether the table exists and was built, or had changes applied with a sequence."""

        def built(cur: Any) -> bool:
            if not table_exists(cur, sc.META) or not table_exists(cur, sc.TABLE):
                return False
            cur.execute(f"SELECT generation > 0 OR sequence IS NOT NULL FROM {sc.META}")
            found = cur.fetchone()
            return found is not None and bool(found[0])

        return bool(self._run(built))

    def last_sequence(self) -> int | None:
        """The change-log sequence number recorded with the table."""

        def read(cur: Any) -> int | None:
            cur.execute(f"SELECT sequence FROM {sc.META}")
            found = cur.fetchone()
            return None if found is None or found[0] is None else int(found[0])

        return self._read(read)  # type: ignore[no-any-return]

    def record_sequence(self, sequence: int) -> None:
        self._run(lambda cur: cur.execute(f"UPDATE {sc.META} SET sequence = %s", (sequence,)))

    def version(self) -> int:
        """The version every write moves on; see :func:`write` (*written_before*)."""
        return self._read(current_version)  # type: ignore[no-any-return]

    def apply(
        self,
        upserts: Iterable[Mapping[str, Any]] = (),
        deletes: Iterable[str] = (),
        *,
        sequence: int | None = None,
        merge: bool = False,
        skip_unchanged: bool = False,
        written_before: int = ANY_ROW,
    ) -> ApplyStats:
        """Upsert and delete in one transaction, and record *sequence* in the same one."""
        upserts, deletes = list(upserts), list(deletes)

        def work(cur: Any) -> ApplyStats:
            create(cur)
            stats = write(
                cur,
                upserts,
                deletes,
                skip_unchanged=skip_unchanged,
                written_before=written_before,
            )
            if sequence is not None:
                cur.execute(f"UPDATE {sc.META} SET sequence = %s", (sequence,))
            return ApplyStats(stats.added, stats.deleted, sequence, stats.unchanged)

        return self._run(work)  # type: ignore[no-any-return]

    def doc_count(self) -> int:
        def count(cur: Any) -> int:
            cur.execute(f"SELECT count(*) FROM {sc.TABLE}")
            return int(cur.fetchone()[0])

        return self._read(count)  # type: ignore[no-any-return]

    def copies(self) -> dict[str, list[Any]]:
        """{id: [version]} of every row (one each: the id is the primary key)."""

        def read(cur: Any) -> dict[str, list[Any]]:
            cur.execute(f"SELECT id, version FROM {sc.TABLE}")
            return {doc_id: [version] for doc_id, version in cur.fetchall()}

        return self._read(read)  # type: ignore[no-any-return]

    def doc_ids_and_versions(self) -> dict[str, str | None]:
        return {k: v[0] for k, v in self.copies().items()}

    def needs_compaction(self) -> bool:
        """Never: PostgreSQL's autovacuum keeps the table and its GIN index in shape."""
        return False

    def rebuild(
        self,
        docs: Iterable[Mapping[str, Any]],
        *,
        progress: Progress | None = None,
        sequence: int | None = None,
    ) -> int:
        """Fill a new table from *docs* with COPY, index it, and swap it in atomically.

        Writes keep reaching the live table meanwhile; in the swap's transaction (the live
        table locked against writes, not reads) every row written since the rebuild began
        is carried over, so no change made during it is lost. Record *sequence* (taken
        before reading *docs*) so the change log is replayed from there too.
        """
        return self.rebuild_parts([lambda: docs], progress=progress, sequence=sequence)

    def rebuild_parts(
        self,
        parts: Sequence[Part],
        *,
        progress: Progress | None = None,
        sequence: int | None = None,
    ) -> int:
        """As rebuild(), from the documents of every part. One part is converted in this
        process; several each in a forked process of its own (a part must then open its
        own database connections), their rows COPYed by this one as they come."""
        if not parts:
            raise ValueError("a rebuild needs at least one part")
        self._run(create)
        started = self.version()
        with connection(self.connect) as conn:
            with conn.cursor() as cur:
                cur.execute(f"DROP TABLE IF EXISTS {_NEXT}")
                cur.execute(f"DROP TABLE IF EXISTS {_WORDS_NEXT}")
                for statement in sc.table_ddl(_NEXT):
                    cur.execute(statement)
                count, words = _copy(cur, parts, progress)
                cur.execute(f"ANALYZE {_NEXT}")
                cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
                try:
                    for statement in sc.index_ddl(_NEXT, _NEXT):
                        cur.execute(statement)
                except Exception as exc:
                    if getattr(exc, "sqlstate", None) == "23505":  # unique_violation
                        raise ValueError("a document id appears twice in a rebuild") from exc
                    raise
                for statement in sc.words_ddl(_WORDS_NEXT, _WORDS_NEXT):
                    cur.execute(statement)
                with cur.copy(f"COPY {_WORDS_NEXT} (word) FROM STDIN") as copy:
                    for word in sorted(words):
                        copy.write_row((word,))
                # Indexed once filled: one sorted build, not a row at a time.
                trgm = trgm_schema(cur) or "public"
                for statement in sc.words_index_ddl(_WORDS_NEXT, trgm, _WORDS_NEXT):
                    cur.execute(statement)
            conn.commit()
            with conn.cursor() as cur:
                _swap(cur, started, sequence)
            conn.commit()
        if progress is not None:
            progress(count)
        return count


def _copy(cur: Any, parts: Sequence[Part], progress: Progress | None) -> tuple[int, set[str]]:
    count = 0
    words: set[str] = set()
    columns = ", ".join(sc.COLUMNS)
    chunks = _converted(parts[0]) if len(parts) == 1 else _converted_apart(parts)
    try:
        with cur.copy(f"COPY {_NEXT} ({columns}) FROM STDIN (FREEZE)") as copy:
            for data, found, n in chunks:
                copy.write(data)
                words.update(found)
                before, count = count, count + n
                if progress is not None and count // PROGRESS_EVERY > before // PROGRESS_EVERY:
                    progress(count)
    finally:
        chunks.close()
    return count, words


def _converted(part: Part) -> Generator[Chunk, None, None]:
    """The COPY text of *part*'s documents, CHUNK documents at a time."""
    lines: list[str] = []
    words: set[str] = set()
    for doc in part():
        line, found = sc.copy_line(doc)
        lines.append(line)
        words.update(found)
        if len(lines) >= CHUNK:
            yield "".join(lines).encode(), sorted(words), len(lines)
            lines, words = [], set()
    if lines:
        yield "".join(lines).encode(), sorted(words), len(lines)


def _convert_child(part: Part, conn: Any) -> None:
    """Send *part*'s COPY text to the parent (runs in a forked process)."""
    try:
        for chunk in _converted(part):
            conn.send(("rows", *chunk))
        conn.send(("done",))
    except BaseException as exc:
        message = str(exc) if isinstance(exc, ValueError) else traceback.format_exc()
        conn.send(("error", type(exc).__name__, message))
    finally:
        conn.close()


def _converted_apart(parts: Sequence[Part]) -> Generator[Chunk, None, None]:
    """The COPY text of every part, each converted in a forked process of its own (a part
    opens its own database connections), in the order the chunks arrive.

    A bad document in any part (ValueError) fails the whole copy with that message.
    """
    ctx = multiprocessing.get_context("fork")
    pipes: list[Any] = []
    procs: list[Any] = []
    try:
        for part in parts:
            mine, theirs = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_convert_child, args=(part, theirs))
            proc.start()
            theirs.close()
            pipes.append(mine)
            procs.append(proc)
        waiting = set(range(len(pipes)))
        while waiting:
            for ready in multiprocessing.connection.wait([pipes[i] for i in waiting]):
                conn = cast(multiprocessing.connection.Connection, ready)  # only pipes wait
                i = pipes.index(conn)
                try:
                    message: tuple[Any, ...] = conn.recv()
                except EOFError:  # the process died without a word (killed, out of memory)
                    raise RuntimeError(f"converting part {i} died") from None
                if message[0] == "rows":
                    yield message[1], message[2], message[3]
                    continue
                waiting.discard(i)
                if message[0] == "error":
                    kind, text = message[1], message[2]
                    raise (ValueError if kind == "ValueError" else RuntimeError)(text)
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()  # failed or interrupted: the new table is thrown away
            proc.join()
        for pipe in pipes:
            pipe.close()


def _swap(cur: Any, started: int, sequence: int | None) -> None:
    """Carry over what was written since *started*, then put the new tables in place."""
    live, words = sc.TABLE, sc.WORDS
    columns = ", ".join(sc.COLUMNS)
    # The version row first, as every writer takes it before any table (write()): writers
    # then wait for this transaction, and find the new table by name when it commits.
    cur.execute(
        f"UPDATE {sc.META} SET generation = generation + 1, version = version + 1, sequence = %s",
        (sequence,),
    )
    # Readers go on until the tables are dropped.
    cur.execute(f"LOCK TABLE {live}, {words} IN EXCLUSIVE MODE")
    cur.execute(
        f"INSERT INTO {_NEXT} ({columns}) SELECT {columns} FROM {live} WHERE touched > %s"
        f" ON CONFLICT (id) DO UPDATE SET {_SET}",
        (started,),
    )
    cur.execute(
        f"INSERT INTO {_WORDS_NEXT} (word) SELECT DISTINCT substr(u.lexeme, 3)"
        f" FROM {live} t, unnest(t.tokens) u WHERE t.touched > %s AND u.lexeme LIKE 'w:%%'"
        " ON CONFLICT DO NOTHING",
        (started,),
    )
    cur.execute(f"DROP TABLE {live}")
    cur.execute(f"DROP TABLE {words}")
    cur.execute(f"ALTER TABLE {_NEXT} RENAME TO {live}")
    cur.execute(f"ALTER TABLE {_WORDS_NEXT} RENAME TO {words}")
    cur.execute(f"ALTER TABLE {live} RENAME CONSTRAINT {_NEXT}_pkey TO {live}_pkey")
    cur.execute(f"ALTER TABLE {words} RENAME CONSTRAINT {_WORDS_NEXT}_pkey TO {words}_pkey")
    for suffix in ("tokens", "touched", "rank"):
        cur.execute(f"ALTER INDEX {_NEXT}_{suffix} RENAME TO {live}_{suffix}")
    cur.execute(f"ALTER INDEX {_WORDS_NEXT}_trgm RENAME TO {words}_trgm")
