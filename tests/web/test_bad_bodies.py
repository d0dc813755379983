"""Hostile bodies on the routes that take one: a 4xx in the envelope, never a 500, and a
batch either rejects the bad record with its line or is refused before anything is written."""

from __future__ import annotations

import json
import re

import pytest

from ..factories import make_seller, make_token, new_code

DEEP_ARRAY = b"[" * 5000 + b"]" * 5000
DEEP_OBJECT = b'{"a":' * 5000 + b"1" + b"}" * 5000
LONG_NUMBER = b"1" * 6000


@pytest.fixture
def seller(session):
    return make_seller(session)


@pytest.fixture
def tokens(session, seller):
    return {
        "regulator": make_token(session, "regulator"),
        "platform": make_token(session, "platform"),
        "merchant": make_token(session, "merchant", seller_id=seller.id),
    }


ROUTES = {
    "complaints": ("/api/v1/complaints", None),
    "events": ("/api/v1/events", "platform"),
    "registrations": ("/api/v1/registrations", "regulator"),
}


def _post(client, tokens, route, body, content_type="application/json", **headers):
    url, role = ROUTES[route]
    if role:
        headers["Authorization"] = f"Bearer {tokens[role]}"
    return client.post(url, data=body, content_type=content_type, headers=headers)


def _count(session, table: str) -> int:
    session.rollback()
    return session.connection().exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.json["error"]


def _record(seller, i: int = 0) -> dict:
    return {
        "kind": "order",
        "seller": seller.public_id,
        "occurred_at": "2026-01-01T00:00:00Z",
        "external_ref": f"o-{i}",
        "uscc": new_code(),
        "name": f"测试{i}",
    }


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
def test_json_nested_5000_deep_is_400(client, tokens, route, body):
    error = _error(_post(client, tokens, route, body), 400)
    assert error["code"] == "bad_payload" and "nested deeper than 16 levels" in error["message"]
    assert error["details"] == {"line": 1}


def test_complaint_with_a_6000_digit_number_is_400_naming_the_field(client, tokens, seller):
    body = b'{"seller": "%s", "amount": %s}' % (seller.public_id.encode(), LONG_NUMBER)
    error = _error(_post(client, tokens, "complaints", body), 400)
    assert error["details"] == {"amount": "a number of 6000 characters (the limit is 40)"}


@pytest.mark.parametrize("route", ["events", "registrations"])
def test_batch_with_a_6000_digit_number_rejects_that_record(client, session, tokens, seller, route):
    good = json.dumps(_record(seller, 1))
    bad = '{"kind": "order", "seller": "x", "severity": ' + LONG_NUMBER.decode() + "}"
    response = _post(client, tokens, route, f"{good}\n{bad}", "application/x-ndjson")
    assert response.status_code == 200, response.json
    first, second = response.json["data"]
    assert first["status"] == "created"
    assert second == {
        "line": 2,
        "status": "rejected",
        "errors": {"record": "severity: a number of 6000 characters (the limit is 40)"},
    }


@pytest.mark.parametrize("route", ["events", "registrations"])
def test_batch_of_one_record_with_a_6000_digit_number_is_422(client, tokens, route):
    response = _post(client, tokens, route, b'[{"amount": ' + LONG_NUMBER + b"}]")
    assert response.status_code == 422
    assert response.json["data"][0]["line"] == 1


@pytest.mark.parametrize(
    "body, detail",
    [
        (b'{"seller": "x", "amount": NaN}', "NaN is not a JSON number"),
        (b'{"seller": "x", "amount": 1e999}', "'1e999' is out of range"),
        (b'{"seller": "x", "seller": "y"}', "the key 'seller' appears twice"),
        (b'{"seller": "x", "narrative": "\\ud800"}', "a lone surrogate (U+D800)"),
        (b'{"seller": "x", "narrative": "a\\u0000b"}', "a NUL character"),
        (b'{"narrative": "' + b"x" * 70_000 + b'"}', "70000 characters (the limit is 65536)"),
    ],
)
def test_complaint_outside_the_limits_is_400_with_the_envelope(client, tokens, body, detail):
    error = _error(_post(client, tokens, "complaints", body), 400)
    assert error["code"] == "bad_payload" and detail in error["message"]


def test_lone_surrogate_in_a_registration_is_that_record_rejected(client, session, tokens):
    body = json.dumps([{"uscc": new_code(), "name": "甲"}, {"uscc": new_code(), "name": "\ud800"}])
    response = _post(client, tokens, "registrations", body)
    assert response.status_code == 200
    assert [r["status"] for r in response.json["data"]] == ["created", "rejected"]
    assert "lone surrogate" in response.json["data"][1]["errors"]["record"]
    assert _count(session, "seller") == 2  # the fixture's seller and the good record


@pytest.mark.parametrize("route", ROUTES)
def test_unknown_charset_is_415(client, tokens, route):
    error = _error(_post(client, tokens, route, b"[]", "application/json; charset=x-unknown"), 415)
    assert "charset" in error["message"]


@pytest.mark.parametrize("route", ROUTES)
def test_gb18030_declared_utf8_is_400_naming_the_line(client, tokens, route):
    body = '[\n{"name": "北京测试科技有限公司"}]'.encode("gb18030")
    error = _error(_post(client, tokens, route, body, "application/json; charset=utf-8"), 400)
    assert error["details"] == {"line": 2} and "not valid UTF-8" in error["message"]


@pytest.mark.parametrize("route", ROUTES)
def test_json_content_type_without_a_body_is_400(client, tokens, route):
    assert _error(_post(client, tokens, route, b""), 400)["code"] == "bad_payload"


@pytest.mark.parametrize("route", ROUTES)
def test_content_length_longer_than_the_body_is_400(client, tokens, route):
    url, role = ROUTES[route]
    headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
    response = client.post(
        url,
        data=b"[]",
        content_type="application/json",
        headers=headers,
        environ_overrides={"CONTENT_LENGTH": "1000"},
    )
    assert 400 <= response.status_code < 500 and response.json["error"]


@pytest.mark.parametrize("route", ROUTES)
def test_content_length_past_the_limit_is_413(client, tokens, route):
    url, role = ROUTES[route]
    headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
    response = client.post(
        url,
        data=b"[]",
        content_type="application/json",
        headers=headers,
        environ_overrides={"CONTENT_LENGTH": str(10**12)},
    )
    assert _error(response, 413)["message"]


def test_csv_with_a_10_mb_field_is_refused_before_anything_is_written(client, session, tokens):
    rows = [f"{new_code()},第{i}号测试有限公司" for i in range(3)]
    body = "uscc,name\n" + "\n".join(rows) + '\n"' + "x" * 10_000_000 + '",y\n'
    before = _count(session, "seller")
    error = _error(_post(client, tokens, "registrations", body.encode(), "text/csv"), 400)
    assert error["details"] == {"line": 5} and "line 5" in error["message"]
    assert _count(session, "seller") == before


def test_csv_with_a_million_columns_is_400_at_line_1(client, tokens):
    body = ("uscc,name" + ",x" * 1_000_000 + "\n").encode()
    error = _error(_post(client, tokens, "registrations", body, "text/csv"), 400)
    assert error["details"] == {"line": 1}


def test_jsonl_line_past_the_limit_is_that_line_rejected(client, tokens, seller):
    good = json.dumps(_record(seller, 2))
    huge = json.dumps({"summary": "x" * 1_100_000})
    response = _post(client, tokens, "events", f"{good}\n{huge}", "application/x-ndjson")
    assert response.status_code == 200
    assert response.json["data"][1]["line"] == 2
    assert "the limit is 1000000" in response.json["data"][1]["errors"]["record"]


def test_domain_claim_with_a_deep_body_is_400(client, tokens, seller):
    response = client.post(
        f"/api/v1/sellers/{seller.public_id}/domains",
        data=DEEP_OBJECT,
        content_type="application/json",
        headers={"Authorization": f"Bearer {tokens['merchant']}"},
    )
    assert _error(response, 400)["code"] == "bad_payload"


def test_complaint_action_with_a_long_number_is_400(client, session, tokens, seller):
    moderator = make_token(session, "moderator")
    response = client.post(
        "/api/v1/complaints/c-nobody/accept",
        data=b'{"severity": ' + LONG_NUMBER + b"}",
        content_type="application/json",
        headers={"Authorization": f"Bearer {moderator}"},
    )
    assert _error(response, 400)["details"] == {
        "severity": "a number of 6000 characters (the limit is 40)"
    }


@pytest.mark.parametrize("amount", ["sNaN", "-sNaN", "NaN", "Infinity", "-inf"])
def test_complaint_form_with_a_non_finite_amount_is_the_form_again(client, seller, amount):
    page = client.get(f"/sellers/{seller.public_id}/complain")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    response = client.post(
        f"/sellers/{seller.public_id}/complain",
        data={
            "csrf_token": token.group(1),
            "category": "fraud",
            "narrative": "付款后一直没有发货，也不退款。",
            "contact": "13800138000",
            "amount": amount,
        },
    )
    assert response.status_code == 400 and "csrf_token" in response.get_data(as_text=True)


def test_events_whose_external_ref_cleans_to_nothing_are_all_recorded(client, tokens, seller):
    # " " and a lone U+202E clean to "": kept as "", the second was a unique violation (500).
    events = [{**_record(seller, i), "external_ref": ref} for i, ref in enumerate([" ", "\u202e"])]
    response = _post(client, tokens, "events", json.dumps(events))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert [r["status"] for r in response.json["data"]] == ["created", "created"]


@pytest.mark.parametrize(
    "field, value",
    [("verified_at", "9999-12-31"), ("expires_at", "0001-01-01T00:00:00+14:00")],
)
def test_registration_dates_at_the_edge_of_the_calendar_are_field_errors(
    client, tokens, field, value
):
    body = [{"uscc": new_code(), "name": "边界日期有限公司", field: value}]
    response = _post(client, tokens, "registrations", json.dumps(body))
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert field in response.json["data"][0]["errors"]


def test_event_dated_before_utc_can_hold_it_is_a_field_error(client, tokens, seller):
    event = {**_record(seller, 9), "occurred_at": "0001-01-01T00:00:00+14:00"}
    response = _post(client, tokens, "events", json.dumps([event]))
    assert response.status_code == 422
    assert "out of range" in response.json["data"][0]["errors"]["occurred_at"]
