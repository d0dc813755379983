"""Schemathesis at length against a real gunicorn server: every operation of the API
document, ``--cases`` generated requests each (default 30: over 1,000 in all; an
operation without parameters has one distinct request).

Usage::

    python bench/api_fuzz.py               # writes bench/results/api_fuzz.json
    python bench/api_fuzz.py --cases 5     # a quick look (JSON in /tmp/bench)

The server is the real app under gunicorn (2 sync workers, ``bench.common.serve``) on a
fresh SQLite registry of its own: one seller with a merchant token, a filed complaint, an
order event and a store id, scored and indexed, with its signed statement issued, plus a
token of every role. Each operation's cases (hypothesis, no shrinking) are sent with a token
of its first role, about half with the path argument of a record that exists. Checked on
every answer: ``not_a_server_error`` (no 5xx; a 503 the operation documents with a
``Retry-After`` is its answer) and ``response_schema_conformance`` (the body is what the
document says for that status). A correctness run, not a timing one; the table shows each
operation's cases and failures, the JSON also the statuses seen and the first failures.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import schemathesis
from common.server import serve

from registry.core.db import make_engine
from registry.core.migrate import upgrade
from tests.openapi_fuzz import CHECK_NAMES, fuzz, known_records, send, table
from web import create_app, jobs


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=30, help="generated requests per operation")
    parser.add_argument("--output", type=Path, help="the JSON result (default: bench/results)")
    return parser.parse_args()


def registry(folder: Path):
    """A migrated SQLite registry under ``folder``, as the benchmark server will read it."""
    db = folder / "registry.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    engine.dispose()
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{db}",
            "SEARCH_INDEX_DIR": str(folder / "index"),
            "SIGNING_KEY_DIR": str(folder / "keys"),
            "SECRET_KEY": "bench",
            "DIGEST_SECRET": "bench-digest",
        }
    )
    app.instance_path = str(folder / "instance")
    return app


def main() -> int:
    args = arguments()
    quick = args.cases < 30
    out = args.output or (
        Path(tempfile.gettempdir()) / "bench" / "api_fuzz.json"
        if quick
        else common.RESULTS / "api_fuzz.json"
    )
    with tempfile.TemporaryDirectory(prefix="api-fuzz-") as tmp:
        folder = Path(tmp)
        app = registry(folder)
        session = app.extensions["registry_db"].reader()
        known = known_records(app, app.test_client(), session)
        session.close()
        data = common.Dataset(folder, 1, [], 1, 0.0)
        started = time.monotonic()
        with serve(data) as server:
            common.log(f"fuzzing {server.base}/api/v1/openapi.json, {args.cases} cases each")
            schema = schemathesis.openapi.from_url(f"{server.base}/api/v1/openapi.json")

            def call(case, headers):
                if case.path.endswith("/attestation"):  # as the scheduler would, after writes
                    jobs.issue_attestations(app)
                return send(case, headers, base_url=server.base)

            tallies = fuzz(schema, known, cases=args.cases, call=call)
        seconds = time.monotonic() - started
        app.extensions["registry_db"].dispose()
    print(table(tallies))
    total = sum(t.cases for t in tallies)
    failures = sum(len(t.failures) for t in tallies)
    result = {
        "benchmark": "api_fuzz",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "schemathesis": schemathesis.SCHEMATHESIS_VERSION,
        "server": "gunicorn, 2 sync workers (bench.common.serve), fresh SQLite registry",
        "checked": {
            "checks": CHECK_NAMES,
            "what": (
                "every operation of /api/v1/openapi.json but the document itself; generated "
                "requests (schemathesis positive mode, hypothesis without shrinking) sent with "
                "a token of the operation's first role, about half with the path argument of "
                "an existing record; every answer must not be a 5xx (a documented 503 with "
                "Retry-After excepted) and must conform to the document's schema for its status"
            ),
            "cases_per_operation": args.cases,
        },
        "operations": len(tallies),
        "cases": total,
        "failures": failures,
        "seconds": round(seconds, 1),
        "rows": [t.as_dict() for t in tallies],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    common.log(f"{total} cases, {failures} failures in {seconds:.0f} s; wrote {out}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
