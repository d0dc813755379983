from __future__ import annotations

import json

from registry.demo.generate import sample_csv

from ..factories import make_token, new_code

URL = "/api/v1/registrations"


def post(client, token, body, content_type="application/json"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body, ensure_ascii=False)
    return client.post(URL, data=body, headers=headers, content_type=content_type)


def test_created_then_unchanged(client, regulator_token):
    body = [{"统一社会信用代码": new_code(), "企业名称": "接口测试有限公司"}]
    first = post(client, regulator_token, body)
    assert first.status_code == 200, first.json
    assert first.json["data"][0]["status"] == "created"
    assert first.json["meta"]["summary"]["created"] == 1
    second = post(client, regulator_token, body)
    assert second.json["data"][0]["status"] == "unchanged"


def test_gb18030_csv_from_the_publicity_system(client, regulator_token):
    response = post(client, regulator_token, sample_csv(5), "text/csv")
    assert response.status_code == 200, response.json
    assert [r["status"] for r in response.json["data"]] == ["created"] * 5
    assert [r["line"] for r in response.json["data"]] == [2, 3, 4, 5, 6]


def test_jsonl_reports_line_numbers(client, regulator_token):
    body = "\n".join(
        [
            json.dumps({"uscc": new_code(), "name": "一"}),
            json.dumps({"uscc": "91110000600037341A", "name": "二"}),
            "{oops",
        ]
    )
    response = post(client, regulator_token, body, "application/x-ndjson")
    assert response.status_code == 200
    rows = response.json["data"]
    assert [(r["line"], r["status"]) for r in rows] == [
        (1, "created"),
        (2, "rejected"),
        (3, "rejected"),
    ]
    assert "checksum" in rows[1]["errors"]["identifier"].lower()


def test_all_rejected_is_422_with_field_errors(client, regulator_token):
    response = post(client, regulator_token, [{"uscc": new_code()}])
    assert response.status_code == 422
    assert response.json["data"][0]["errors"]["legal_name"]


def test_missing_token_is_401(client):
    response = post(client, None, [])
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"


def test_bad_token_is_401(client, regulator_token):
    assert post(client, regulator_token + "x", []).status_code == 401
    assert post(client, "mrt_nonsense", []).status_code == 401


def test_token_of_another_role_is_403(client, session):
    token = make_token(session, "platform")
    response = post(client, token, [{"uscc": new_code(), "name": "x"}])
    assert response.status_code == 403 and "regulator" in response.json["error"]["message"]


def test_wrong_content_type_is_415(client, regulator_token):
    response = post(client, regulator_token, "hello", "text/plain")
    assert response.status_code == 415 and response.json["error"]["message"]


def test_oversize_body_is_413(app, client, regulator_token):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = post(client, regulator_token, b"[" + b" " * 2000 + b"]")
    assert response.status_code == 413 and "too large" in response.json["error"]["message"]


def test_too_many_records_is_413(app, client, regulator_token):
    app.config["MAX_BATCH_RECORDS"] = 2
    response = post(
        client, regulator_token, [{"uscc": new_code(), "name": str(i)} for i in range(3)]
    )
    assert response.status_code == 413


def test_malformed_json_is_400(client, regulator_token):
    response = post(client, regulator_token, b"[{")
    assert response.status_code == 400 and "invalid JSON" in response.json["error"]["message"]


def test_empty_body_is_400(client, regulator_token):
    assert post(client, regulator_token, b"").status_code == 400


def test_non_utf8_non_gb_bytes_is_400_not_500(client, regulator_token):
    response = post(client, regulator_token, b"\x80\x81\xff" * 10, "text/csv; charset=utf-8")
    assert response.status_code == 400


def test_unknown_scheme_is_rejected(client, regulator_token):
    response = post(client, regulator_token, [{"scheme": "xx", "code": "1", "name": "x"}])
    assert response.status_code == 422 and "scheme" in response.json["data"][0]["errors"]
