"""/.well-known/security.txt (RFC 9116): served when the operator names a contact."""

from __future__ import annotations

from datetime import UTC, datetime


def test_no_contact_no_file(client):
    assert client.get("/.well-known/security.txt").status_code == 404


def test_the_contact_the_operator_names(app, client):
    app.config["SECURITY_CONTACT"] = "security@registry.example"
    answer = client.get("/.well-known/security.txt")
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    fields = dict(line.split(": ", 1) for line in answer.get_data(as_text=True).splitlines())
    assert fields["Contact"] == "mailto:security@registry.example"
    expires = datetime.fromisoformat(fields["Expires"].replace("Z", "+00:00"))
    assert 300 < (expires - datetime.now(UTC)).days <= 366
    assert fields["Canonical"].endswith("/.well-known/security.txt")
