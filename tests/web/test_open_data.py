"""The open data routes: streamed before the first night, the nightly file after it."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime

import pytest

from registry.opendata import EXPORTS, Export
from web import jobs
from web.config import open_data_dir

from ..factories import make_seller

ROUTES = [f"/api/v1/export/{name}" for name in EXPORTS]


def _get(client, url, **kwargs):
    response = client.get(url, **kwargs)
    body = response.get_data()
    response.close()
    return response, body


@pytest.mark.parametrize("url", ROUTES)
def test_an_export_streams_from_the_database_before_the_first_night(client, session, url):
    make_seller(session, legal_name="杭州开放数据流式有限公司")
    response = client.get(url)
    assert response.status_code == 200
    assert response.is_streamed  # a generator response, not a body built in memory
    assert response.headers["Content-Type"].endswith("charset=utf-8")
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    response.close()
    if "sellers" in url:
        assert "杭州开放数据流式有限公司" in body.decode("utf-8-sig")


def test_the_checksum_is_404_before_the_first_night(client):
    response, body = _get(client, "/api/v1/export/sellers.jsonl.sha256")
    assert response.status_code == 404
    assert json.loads(body)["error"]["code"] == "not_found"


def test_the_nightly_job_writes_every_export_with_its_checksum(app, session):
    make_seller(session)
    assert jobs.write_open_data(app) == len(EXPORTS)
    folder = open_data_dir(app)
    for name in EXPORTS:
        data = (folder / name).read_bytes()
        line = (folder / f"{name}.sha256").read_text()
        assert line == f"{hashlib.sha256(data).hexdigest()}  {name}\n"  # sha256sum format
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [*EXPORTS, *(f"{n}.sha256" for n in EXPORTS)]
    )  # no temporary file left behind
    assert "open-data" in jobs.SCHEDULE


@pytest.mark.parametrize("name", list(EXPORTS))
def test_the_nightly_file_is_served_with_validators_and_conditional_get(app, client, session, name):
    make_seller(session, legal_name="杭州开放数据夜间有限公司")
    jobs.write_open_data(app)
    path = open_data_dir(app) / name
    make_seller(session, legal_name="杭州白天新登记有限公司")  # after the night: not in the file
    response, body = _get(client, f"/api/v1/export/{name}")
    assert response.status_code == 200 and not response.is_streamed
    assert body == path.read_bytes()
    assert "杭州白天新登记有限公司" not in body.decode("utf-8-sig")
    etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
    assert parsedate_to_datetime(modified).timestamp() == int(path.stat().st_mtime)
    again, again_body = _get(client, f"/api/v1/export/{name}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again_body == b""
    since, _ = _get(client, f"/api/v1/export/{name}", headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(days=1), usegmt=True)
    old, _ = _get(client, f"/api/v1/export/{name}", headers={"If-Modified-Since": earlier})
    assert old.status_code == 200


def test_the_checksum_route_serves_the_sha256sum_line(app, client, session):
    make_seller(session)
    jobs.write_open_data(app)
    _, data = _get(client, "/api/v1/export/sellers.jsonl")
    response, body = _get(client, "/api/v1/export/sellers.jsonl.sha256")
    assert response.status_code == 200
    assert body.decode() == f"{hashlib.sha256(data).hexdigest()}  sellers.jsonl\n"


def test_a_failed_night_leaves_yesterdays_file_whole(app, session, monkeypatch):
    make_seller(session)
    jobs.write_open_data(app)
    path = open_data_dir(app) / "sellers.jsonl"
    before = path.read_bytes()

    def broken(_session):
        yield b'{"id": "half a line'
        raise RuntimeError("the database went away")

    monkeypatch.setitem(EXPORTS, "sellers.jsonl", Export("sellers.jsonl", "text/plain", broken))
    with pytest.raises(RuntimeError):
        jobs.write_open_data(app)
    assert path.read_bytes() == before
    assert not [p for p in os.listdir(path.parent) if p.endswith(".part")]
