"""A searcher in a process of its own, as a web worker keeps one: asked through a pipe.

Each process keeps one SellerSearcher per index path for as long as it runs (so it reads
commit after commit with the same open searcher, as a worker does) and answers with plain
data: the hits' ids and fields, the total and the facet counts.
"""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: what a search answers with here: [(id, {field: value})], total, {facet: {value: count}}
Answer = tuple[list[tuple[str, dict[str, Any]]], int, dict[str, dict[str, int]]]
FIELDS = ("legal_name", "grade", "score", "version")


def _serve(conn: Any) -> None:
    from search import SellerSearcher

    searchers: dict[str, SellerSearcher] = {}
    while True:
        message = conn.recv()
        if message is None:
            break
        kind, path, *args = message
        try:
            if kind == "forget":
                found = searchers.pop(path, None)
                if found is not None:
                    found.close()
                conn.send(("ok", None))
                continue
            searcher = searchers.get(path)
            if searcher is None:
                searcher = searchers[path] = SellerSearcher(path)
            text, facets = args
            results = searcher.search(text, per_page=100, facets=facets)
            hits = [(h.seller_id, {f: h.fields.get(f) for f in FIELDS}) for h in results.hits]
            facet_counts = {k: dict(v) for k, v in results.facets.items()}
            conn.send(("ok", (hits, results.total, facet_counts)))
        except Exception as exc:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
    conn.close()


@dataclass
class SearcherProcess:
    """One process; search() asks it and waits for the answer."""

    process: Any
    conn: Any

    @classmethod
    def start(cls) -> SearcherProcess:
        # spawn: a fresh interpreter, nothing of this process's searchers or caches in it
        ctx = multiprocessing.get_context("spawn")
        mine, theirs = ctx.Pipe()
        process = ctx.Process(target=_serve, args=(theirs,), daemon=True)
        process.start()
        theirs.close()
        return cls(process, mine)

    def _ask(self, message: tuple, timeout: float = 60.0) -> Any:
        self.conn.send(message)
        if not self.conn.poll(timeout):
            raise TimeoutError(f"the searcher process did not answer {message!r}")
        status, value = self.conn.recv()
        if status != "ok":
            raise AssertionError(f"the searcher process failed: {value}")
        return value

    def search(self, path: Path, text: str, facets: tuple[str, ...] = ()) -> Answer:
        return self._ask(("search", str(path), text, facets))

    def forget(self, path: Path) -> None:
        self._ask(("forget", str(path)))

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()
        self.conn.close()
