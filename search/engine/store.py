"""Where an index lives on disk: generations, the CURRENT pointer, the sequence, the lock.

Layout of an index directory ``path``::

    path/CURRENT          name of the live generation, replaced atomically (os.replace)
    path/WRITER_LOCK      Whoosh file lock held by the one writer of the live generation
                          (an apply of changes, or a rebuild's switch)
    path/BUILD_LOCK       held by the one rebuild filling a new generation
    path/gen-<ns>-<pid>/  a Whoosh index, plus META.json and SEQUENCE.json

A rebuild fills a new generation off to the side, holding only BUILD_LOCK: the live one
keeps taking changes meanwhile. It then takes WRITER_LOCK just to swap CURRENT, so a reader
sees the old index or the new one, never a half-built one, and the new one replays the
change log from the sequence it was built at. A rebuild that was killed leaves a partial
generation that never became live; the next rebuild deletes it (it holds BUILD_LOCK, so no
other rebuild is filling it) and keeps the last live ones.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage

from search.errors import IndexBusyError, IndexMissingError

POINTER = "CURRENT"
LOCK_NAME = "WRITER_LOCK"
BUILD_LOCK_NAME = "BUILD_LOCK"
META = "META.json"
SEQUENCE = "SEQUENCE.json"
#: written into a generation as it becomes live: one without it never was (a killed rebuild)
LIVE_SINCE = "LIVE_SINCE"
GEN_PREFIX = "gen-"


def _write_atomically(path: Path, data: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _identity(path: str | Path) -> tuple:
    """Which file is at *path*: an atomic replace gives another inode and time."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return ()
    return (st.st_ino, st.st_mtime_ns, st.st_size)


class IndexStore:
    """One index directory of a given kind (``sellers`` or ``narratives``)."""

    def __init__(
        self, path: str | os.PathLike[str], kind: str, schema: Callable[[], Schema], version: int
    ) -> None:
        self.path = Path(path)
        self.kind = kind
        self.schema = schema
        self.version = version
        self._pointer = os.path.join(self.path, POINTER)  # a str: stat() asks it per request

    # -- pointer ---------------------------------------------------------
    def current_dir(self) -> Path | None:
        """Return the live generation directory, or None when there is none yet."""
        try:
            name = (self.path / POINTER).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return self.path / name if name else None

    def pointer_stamp(self) -> tuple | None:
        """Return a cheap identity of CURRENT that changes on every switch."""
        return _identity(self._pointer) or None

    def exists(self) -> bool:
        """Tell whether a readable index of this kind and schema version is here."""
        gen = self.current_dir()
        if gen is None or not whoosh_index.exists_in(str(gen)):
            return False
        return self._meta_ok(gen)

    def _meta_ok(self, gen: Path) -> bool:
        try:
            meta = json.loads((gen / META).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return False
        return meta.get("kind") == self.kind and meta.get("schema_version") == self.version

    def open(self) -> tuple[whoosh_index.Index, Path]:
        """Open the live generation; raise IndexMissingError when there is none."""
        gen = self.current_dir()
        if gen is None or not whoosh_index.exists_in(str(gen)):
            raise IndexMissingError(f"no {self.kind} index at {self.path}")
        if not self._meta_ok(gen):
            raise IndexMissingError(
                f"the {self.kind} index at {self.path} has another schema version: rebuild it"
            )
        return whoosh_index.open_dir(str(gen)), gen

    # -- generations -----------------------------------------------------
    def new_generation(self) -> tuple[whoosh_index.Index, Path]:
        """Create an empty index in a new sibling generation directory (not live yet)."""
        self.path.mkdir(parents=True, exist_ok=True)
        gen = self.path / f"{GEN_PREFIX}{time.time_ns():020d}-{os.getpid()}"
        gen.mkdir()
        ix = whoosh_index.create_in(str(gen), self.schema())
        meta = {"kind": self.kind, "schema_version": self.version}
        _write_atomically(gen / META, json.dumps(meta))
        return ix, gen

    def switch(self, gen: Path) -> None:
        """Make *gen* the live generation in one atomic rename."""
        _write_atomically(gen / LIVE_SINCE, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        _write_atomically(self.path / POINTER, gen.name + "\n")

    def generations(self) -> list[Path]:
        """Return the generation directories, oldest first."""
        if not self.path.is_dir():
            return []
        return sorted(p for p in self.path.iterdir() if p.name.startswith(GEN_PREFIX))

    def remove_old(self, keep: int = 1) -> None:
        """Delete what no reader needs: generations that were live before, but the newest
        *keep* (for slow readers, and the last good one), and every generation that never
        became live (a rebuild killed mid-way). Call it holding BUILD_LOCK."""
        live = self.current_dir()
        if live is None:
            return
        others = [g for g in self.generations() if g.name != live.name]
        were_live = [g for g in others if (g / LIVE_SINCE).exists()]
        partial = [g for g in others if not (g / LIVE_SINCE).exists()]
        for gen in [*were_live[: max(0, len(were_live) - keep)], *partial]:
            shutil.rmtree(gen, ignore_errors=True)

    # -- sequence --------------------------------------------------------
    def read_sequence(self, gen: Path | None = None) -> int | None:
        """Return the last change-log sequence number applied to the live index."""
        gen = gen or self.current_dir()
        if gen is None:
            return None
        try:
            data: dict[str, Any] = json.loads((gen / SEQUENCE).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None
        value = data.get("sequence")
        return value if isinstance(value, int) else None

    def write_sequence(self, sequence: int, gen: Path | None = None) -> None:
        """Record *sequence* as applied (after the commit that applied it)."""
        if isinstance(sequence, bool) or not isinstance(sequence, int):
            raise ValueError(f"a sequence number must be an int, got {sequence!r}")
        gen = gen or self.current_dir()
        if gen is None:
            raise IndexMissingError(f"no {self.kind} index at {self.path}")
        data = {
            "sequence": sequence,
            "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        _write_atomically(gen / SEQUENCE, json.dumps(data))

    # -- the one writer --------------------------------------------------
    @contextmanager
    def writer_lock(self, timeout: float) -> Iterator[None]:
        """Hold the index's writer lock, waiting up to *timeout* seconds for it."""
        with self._lock(LOCK_NAME, timeout, "writing"):
            yield

    @contextmanager
    def build_lock(self, timeout: float) -> Iterator[None]:
        """Hold the lock of the one rebuild, waiting up to *timeout* seconds for it."""
        with self._lock(BUILD_LOCK_NAME, timeout, "rebuilding"):
            yield

    @contextmanager
    def _lock(self, name: str, timeout: float, doing: str) -> Iterator[None]:
        self.path.mkdir(parents=True, exist_ok=True)
        lock = FileStorage(str(self.path)).lock(name)
        deadline = time.monotonic() + max(0.0, timeout)
        while not lock.acquire(blocking=False):
            if time.monotonic() >= deadline:
                raise IndexBusyError(
                    f"another process is {doing} the {self.kind} index at {self.path}"
                )
            time.sleep(0.02)
        try:
            yield
        finally:
            lock.release()
