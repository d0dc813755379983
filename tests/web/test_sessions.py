from __future__ import annotations

from web.sessions import CookieSessions


def test_a_request_without_a_session_cookie_builds_no_signer(app, client, monkeypatch):
    assert isinstance(app.session_interface, CookieSessions)
    built = []
    real = CookieSessions.get_signing_serializer

    def counted(self, app_):
        built.append(1)
        return real(self, app_)

    monkeypatch.setattr(CookieSessions, "get_signing_serializer", counted)
    response = client.get("/")
    assert response.status_code == 200
    assert built == []
    assert "session" not in response.headers.get("Set-Cookie", "")


def test_a_form_keeps_its_session_and_a_forged_cookie_is_ignored(app, client):
    with app.test_request_context():
        interface = app.session_interface
        signed = interface.get_signing_serializer(app).dumps({"k": "v"})
    name = interface.get_cookie_name(app)
    client.set_cookie(name, signed)
    with client:
        client.get("/")
        from flask import session

        assert session.get("k") == "v"
    client.set_cookie(name, signed[:-3] + "xyz")
    with client:
        client.get("/")
        from flask import session

        assert session.get("k") is None
