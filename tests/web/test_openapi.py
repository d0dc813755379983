"""The API document: every /api/v1 route in it, valid OpenAPI 3.1, and made of the very
models that validate requests."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from registry.core.shapes import check
from registry.events.sanction_rules import ABNORMAL_REASONS, RECORD_KINDS, SanctionRecord
from registry.events.shapes import FraudReportRecord
from web.api.contract import operations_of


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.json


def _samples(path: str) -> str:
    """A concrete URL of a documented path: each ``{argument}`` given a plain value."""
    return path.replace("{event_id}", "7").replace("{", "x").replace("}", "")


def test_every_api_route_and_method_is_in_the_document(app, document):
    adapter = app.url_map.bind("localhost")
    documented = set()
    for path, item in document["paths"].items():
        for method in item:
            endpoint, _ = adapter.match(_samples(path), method=method.upper())
            documented.add((endpoint, method.upper()))
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert len(routes) >= 35
    assert routes - documented == set()


def test_every_api_view_declares_its_operation(app):
    undeclared = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and not operations_of(app.view_functions[rule.endpoint])
    ]
    assert undeclared == []


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_a_batch_is_documented_in_its_three_media_types(document):
    body = document["paths"]["/api/v1/sanctions"]["post"]["requestBody"]
    assert set(body["content"]) == {"application/json", "application/x-ndjson", "text/csv"}
    assert "GB18030" in body["description"]
    events = document["paths"]["/api/v1/events"]["post"]["requestBody"]
    assert "text/csv" not in events["content"]  # events take no CSV


def test_the_merchant_s_evidence_is_documented_as_a_form_of_files(document):
    op = document["paths"]["/api/v1/complaints/{public_id}/evidence"]["post"]
    schema = op["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["required"] == ["evidence"]
    assert schema["properties"]["evidence"]["maxItems"] == 5
    assert "5 MB" in op["requestBody"]["description"]
    assert {"201", "403", "409", "413", "422"} <= set(op["responses"])


def test_errors_and_pages_are_one_shape_everywhere(document):
    for item in document["paths"].values():
        for op in item.values():
            default = op["responses"]["default"]["content"]["application/json"]["schema"]
            assert default == {"$ref": "#/components/schemas/ErrorEnvelope"}
    queue = document["paths"]["/api/v1/moderation/queue"]["get"]
    params = {p["name"]: p for p in queue["parameters"]}
    assert params["per_page"]["schema"]["maximum"] == 100
    assert "Link" in queue["responses"]["200"]["headers"]


def test_the_published_sanction_is_the_validating_one(document):
    published = document["components"]["schemas"]["SanctionRecord"]
    assert published == SanctionRecord.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    kind = published["properties"]["kind"]["anyOf"][0]
    assert kind["enum"] == list(RECORD_KINDS)
    assert published["properties"]["reason"]["anyOf"][0]["enum"] == list(ABNORMAL_REASONS)
    assert {"seller", "kind", "decided_on"} <= set(published["required"])


def test_the_shape_refuses_with_the_rules_own_words():
    limit = SanctionRecord.model_json_schema()["properties"]["authority"]["anyOf"][0]["maxLength"]
    _, errors = check(
        SanctionRecord,
        {"kind": "ban", "authority": "x" * (limit + 1), "decided_on": "2026-13-01"},
    )
    assert errors["seller"] == "seller is required"
    assert errors["kind"].startswith("'ban' is not one of abnormal_operations")
    assert errors["authority"] == f"longer than {limit} characters"
    assert "decided_on" in errors
    record, errors = check(FraudReportRecord, {"scam_type": "other", "external_ref": " r-1 "})
    assert errors == {} and record.external_ref == "r-1"


def test_a_query_is_refused_by_its_published_bounds(client, document):
    search = document["paths"]["/api/v1/suggest"]["get"]
    limit = {p["name"]: p for p in search["parameters"]}["limit"]["schema"]
    too_many = client.get(f"/api/v1/suggest?q=ab&limit={limit['maximum'] + 1}")
    assert too_many.status_code == 422
    assert too_many.json["error"]["message"] == "limit must be at least 1 and at most 25"
    assert too_many.json["error"]["details"] == {"limit": str(limit["maximum"] + 1)}


def test_an_event_over_its_published_limit_is_rejected_by_that_limit(client, session, document):
    from tests.factories import make_seller, make_token

    shape = document["components"]["schemas"]["EventRecord"]
    limit = shape["properties"]["external_ref"]["anyOf"][0]["maxLength"]
    assert shape["properties"]["kind"]["anyOf"][0]["enum"][0] == "abnormal_operations"
    seller = make_seller(session)
    auth = {"Authorization": f"Bearer {make_token(session, 'platform')}"}
    record = {
        "seller": seller.public_id,
        "kind": "order",
        "occurred_at": "2026-11-01T08:00:00Z",
        "external_ref": "r" * (limit + 1),
    }
    answer = client.post("/api/v1/events", json=[record], headers=auth)
    assert answer.status_code == 422
    assert answer.json["data"][0]["errors"] == {"external_ref": f"longer than {limit} characters"}
    record["external_ref"] = "r" * limit
    assert client.post("/api/v1/events", json=[record], headers=auth).status_code == 200
