"""Registration columns through the API and the CLI: nothing dropped without a word; a missing
status is "not provided", never in business."""

from __future__ import annotations

from ..factories import new_code

HEADER = "Unified Social Credit Code,Name,registration_date,Legal Representative,Colour,核准日期"


def _post(client, token, body: str):
    return client.post(
        "/api/v1/registrations",
        data=body.encode("utf-8"),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
    )


def test_the_api_keeps_every_known_column_and_warns_once_of_the_others(client, regulator_token):
    rows = "".join(
        f"{new_code()},杭州列测试{i}有限公司,2019-03-04,王伟,红,2025/01/02\n" for i in range(3)
    )
    response = _post(client, regulator_token, HEADER + "\n" + rows)
    assert response.status_code == 200
    body = response.json
    assert body["meta"]["summary"]["created"] == 3
    warnings = {w["code"]: w for w in body["meta"]["warnings"]}
    assert warnings["unknown_columns"]["columns"] == ["Colour"]
    assert warnings["ignored_columns"]["columns"] == ["核准日期"]
    seller = client.get(f"/api/v1/sellers/{body['data'][0]['seller_id']}").json["data"]
    assert seller["established_on"] == "2019-03-04"
    assert seller["legal_representative"] == "王伟"


def test_a_batch_of_known_columns_has_no_warnings(client, regulator_token):
    response = _post(client, regulator_token, f"统一社会信用代码,企业名称\n{new_code()},甲\n")
    assert "warnings" not in response.json["meta"]


def test_a_missing_status_is_not_provided_in_the_api_and_on_the_profile(client, regulator_token):
    response = _post(
        client, regulator_token, f"统一社会信用代码,企业名称\n{new_code()},杭州无状态有限公司\n"
    )
    seller_id = response.json["data"][0]["seller_id"]
    assert client.get(f"/api/v1/sellers/{seller_id}").json["data"]["status"] == "unknown"
    chinese = client.get(f"/sellers/{seller_id}?lang=zh").get_data(as_text=True)
    assert "<dd>未提供</dd>" in chinese and "存续" not in chinese
    english = client.get(f"/sellers/{seller_id}?lang=en").get_data(as_text=True)
    assert "<dd>Not provided</dd>" in english and "In business" not in english


def test_the_cli_names_unknown_columns_once(runner, tmp_path):
    path = tmp_path / "batch.csv"
    rows = "".join(
        f"{new_code()},杭州命令行{i}有限公司,2019-03-04,王伟,红,2025/01/02\n" for i in range(4)
    )
    path.write_text(HEADER + "\n" + rows, encoding="utf-8")
    result = runner.invoke(args=["import-registrations", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.count("not recognised") == 1
    assert "batch.csv: warning: columns not recognised, their values were not imported: Colour" in (
        result.output
    )
    assert "核准日期" in result.output and "4 created" in result.output
