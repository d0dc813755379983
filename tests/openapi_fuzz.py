"""Schemathesis over every operation of the API document: the short run of the test suite
(``tests/web/test_openapi_fuzz.py``) and the long one of ``bench/api_fuzz.py``.

Each operation gets ``cases`` generated requests (hypothesis, no shrinking: each failure is
kept as found), sent with a real token of the operation's first role, and about half of them
with the path argument of a record that exists, so that routes answer more than 404. Every
answer is checked: no 5xx (``not_a_server_error``) and its body conforms to the document's
schema for its status (``response_schema_conformance``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.factories import make_seller, make_token
from tests.web.helpers import settle
from web import jobs

CHECKS = [not_a_server_error, response_schema_conformance]
CHECK_NAMES = ["not_a_server_error", "response_schema_conformance"]


@schemathesis.serializer("text/csv", "application/x-ndjson")
def _text_body(ctx: Any, value: Any) -> bytes | None:
    """CSV and JSON Lines bodies are strings in the document: sent as their UTF-8 bytes."""
    if value is None:
        return None
    return (value if isinstance(value, str) else str(value)).encode("utf-8", "surrogatepass")


@dataclass
class Tally:
    operation: str
    cases: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "cases": self.cases,
            "failures": len(self.failures),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "checks": CHECK_NAMES,
            "first_failures": self.failures[:5],
        }


@dataclass
class Known:
    """Records that exist, by what names them in a path, and a token per role."""

    tokens: dict[str, str]
    sellers: list[str] = field(default_factory=list)
    complaints: list[str] = field(default_factory=list)
    subscriptions: list[str] = field(default_factory=list)
    events: list[int] = field(default_factory=list)
    stores: list[str] = field(default_factory=list)

    def for_path(self, path: str, name: str) -> list[Any]:
        if name == "event_id":
            return self.events
        if name == "store_id":
            return self.stores
        if path.startswith("/api/v1/complaints/"):
            return self.complaints
        if path.startswith("/api/v1/subscriptions/"):
            return self.subscriptions
        return self.sellers


def known_records(app, client, session) -> Known:
    """A seller with a merchant token, a complaint, an event and a store id."""
    seller = make_seller(session)
    tokens = {
        role: make_token(session, role, seller_id=seller.id if role == "merchant" else None)
        for role in ("regulator", "platform", "moderator", "merchant")
    }
    known = Known(tokens, sellers=[seller.public_id])
    platform = {"Authorization": f"Bearer {tokens['platform']}"}
    filed = client.post(
        "/api/v1/complaints",
        json={
            "seller": seller.public_id,
            "category": "after_sales",
            "narrative": "商品收到后一直无法使用，联系客服没有回应。",
            "contact": "13800138000",
        },
    )
    assert filed.status_code == 201, filed.json
    known.complaints.append(filed.json["data"]["id"])
    events = client.post(
        "/api/v1/events",
        json=[{"seller": seller.public_id, "kind": "order", "occurred_at": "2026-11-01T08:00:00Z"}],
        headers=platform,
    )
    assert events.status_code == 200, events.json
    known.events.append(events.json["data"][0]["event_id"])
    settle(app)  # the scheduler's jobs: scores, the search index, signed statements
    jobs.issue_attestations(app)
    store = client.put("/api/v1/stores/shop-1", json={"seller": seller.public_id}, headers=platform)
    assert store.status_code in (200, 201), store.json
    known.stores.append("shop-1")
    return known


def _roles(operation: Any) -> list[str]:
    return list(operation.definition.raw.get("x-roles") or [])


def fuzz(
    schema: Any,
    known: Known,
    *,
    cases: int,
    seed: int = 15,
    call: Callable[[Any, dict[str, str]], Any] | None = None,
    only: Callable[[str], bool] | None = None,
) -> list[Tally]:
    """Run every operation ``cases`` times; return what each did."""
    rng = random.Random(seed)
    tallies = []
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        if only is not None and not only(label):
            continue
        tally = Tally(label)
        roles = _roles(operation)
        token = known.tokens.get(roles[0] if roles and roles[0] != "any" else "platform")
        headers = {"Authorization": f"Bearer {token}"} if roles and token else {}

        _runner(operation, tally, headers, known, rng, cases, call or send)()
        tallies.append(tally)
    return tallies


def _runner(
    operation: Any,
    tally: Tally,
    headers: dict[str, str],
    known: Known,
    rng: random.Random,
    cases: int,
    call: Callable[[Any, dict[str, str]], Any],
) -> Callable[[], None]:
    @settings(
        max_examples=cases,
        phases=[Phase.explicit, Phase.generate],
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        for name in list(case.path_parameters or {}):
            existing = known.for_path(case.path, name)
            if existing and rng.random() < 0.6:
                case.path_parameters[name] = rng.choice(existing)
        tally.cases += 1
        try:
            response = call(case, headers)
            tally.statuses[response.status_code] = tally.statuses.get(response.status_code, 0) + 1
        except (Exception, BaseExceptionGroup) as exc:  # a failed check: kept, the run goes on
            text = " ".join(str(exc).split())[:600]
            tally.failures.append(f"{case.method} {case.formatted_path}: {text}")

    return run


def send(case: Any, headers: dict[str, str], base_url: str | None = None) -> Any:
    """Send the case and check its answer.

    A 503 that the operation documents and that says when to come back (``Retry-After``: a
    signed statement in the seconds before the scheduler issues it) is the route's answer,
    not a server error; its body is still held to the document.
    """
    response = case.call(base_url=base_url, headers=headers)
    checks = CHECKS
    documented = str(response.status_code) in (case.operation.definition.raw.get("responses") or {})
    retry = any(k.lower() == "retry-after" for k in response.headers)
    if response.status_code == 503 and documented and retry:
        checks = [response_schema_conformance]
    case.validate_response(response, checks=checks)
    return response


def table(tallies: list[Tally]) -> str:
    """A plain table: operation, cases, failures, checks."""
    width = max(len(t.operation) for t in tallies)
    lines = [f"{'operation':<{width}}  {'cases':>6}  {'failures':>8}  checks"]
    for t in tallies:
        lines.append(
            f"{t.operation:<{width}}  {t.cases:>6}  {len(t.failures):>8}  {', '.join(CHECK_NAMES)}"
        )
    total = sum(t.cases for t in tallies)
    failed = sum(len(t.failures) for t in tallies)
    lines.append(f"{'total':<{width}}  {total:>6}  {failed:>8}")
    return "\n".join(lines)
