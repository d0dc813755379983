"""On PostgreSQL, which refuses NUL in text: the sign-in and console pages answer such
input with 400, never a 500 (SQLite would take it)."""

from __future__ import annotations

import pytest

from ..people import csrf, make_account, sign_in

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_app(app, pg_engine):
    from registry.core.db import session_factory, writer
    from web.db import Database

    app.extensions["registry_db"].dispose()
    app.extensions["registry_db"] = Database(
        pg_engine, session_factory(pg_engine), session_factory(writer(pg_engine))
    )
    return app


def test_nul_characters_get_a_400_page(pg_app):
    with pg_app.extensions["registry_db"].writer() as s:
        moderator = make_account(s, "moderator")
    client = pg_app.test_client()
    token = csrf(client, "/login")
    login = client.post(
        "/login", data={"csrf_token": token, "email": "a\x00@example.org", "password": "x" * 12}
    )
    assert login.status_code == 400
    assert sign_in(client, moderator).status_code == 302
    for path in ("/moderation/c-%00", "/moderation?seller=s-%00", "/complaints/c-%00"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert response.mimetype == "text/html"
    assert client.get("/api/v1/sellers/s-%00").status_code == 400
