"""Schemathesis over every operation of /api/v1/openapi.json: no 5xx, and every answer as
the document says (a small budget; ``bench/api_fuzz.py`` runs it at length)."""

from __future__ import annotations

import schemathesis

from tests.openapi_fuzz import fuzz, known_records, send, table
from web import jobs

#: generated requests per operation: about 800 in all, some 25 s on one core
CASES = 20


def test_every_operation_answers_as_documented(app, client, session):
    known = known_records(app, client, session)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)

    def call(case, headers):
        if case.path.endswith("/attestation"):  # the scheduler issues statements after writes
            jobs.issue_attestations(app)
        return send(case, headers)

    tallies = fuzz(schema, known, cases=CASES, call=call)
    report = table(tallies)
    print(report)
    documented = {
        f"{method.upper()} {path}"
        for path, item in schema.raw_schema["paths"].items()
        for method in item
        if path != "/api/v1/openapi.json"  # schemathesis leaves out the document itself
    }
    assert {t.operation for t in tallies} == documented, report
    failures = [f for t in tallies for f in t.failures]
    assert not failures, "\n".join(failures[:20])
