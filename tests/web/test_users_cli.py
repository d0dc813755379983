"""``flask users create|list|disable``: passwords from standard input, invitations."""

from __future__ import annotations

from sqlalchemy import select

from registry.accounts.models import Account, AccountSeller

from ..factories import make_seller
from ..people import PASSWORD, csrf, sign_in


def test_create_reads_the_password_from_standard_input(runner, session, client):
    result = runner.invoke(
        args=["users", "create", "--role", "merchant", "--email", "Shop@Example.org"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    account = session.execute(select(Account)).scalar_one()
    assert account.email == "shop@example.org"
    assert account.password_hash.startswith("$argon2id$")
    assert sign_in(client, account).status_code == 302


def test_create_binds_a_merchant_to_its_sellers(runner, session):
    seller = make_seller(session)
    result = runner.invoke(
        args=["users", "create", "--role", "merchant", "--email", "a@example.org"]
        + ["--seller", seller.public_id],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    bound = session.execute(select(AccountSeller.seller_id, AccountSeller.via)).all()
    assert bound == [(seller.id, "operator")]


def test_a_short_password_or_a_taken_email_is_refused(runner):
    short = runner.invoke(
        args=["users", "create", "--role", "moderator", "--email", "m@example.org"],
        input="short\n",
    )
    assert short.exit_code != 0 and "password" in short.output
    runner.invoke(
        args=["users", "create", "--role", "moderator", "--email", "m@example.org"],
        input=PASSWORD + "\n",
    )
    again = runner.invoke(
        args=["users", "create", "--role", "moderator", "--email", "M@example.org"],
        input=PASSWORD + "\n",
    )
    assert again.exit_code != 0 and "exists" in again.output


def test_an_unknown_seller_is_refused(runner):
    result = runner.invoke(
        args=["users", "create", "--role", "merchant", "--email", "a@example.org"]
        + ["--seller", "s-nosuchsell"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code != 0


def test_an_invitation_link_sets_the_password_once(runner, client, session):
    result = runner.invoke(
        args=["users", "create", "--role", "merchant", "--email", "inv@example.org", "--invite"]
    )
    assert result.exit_code == 0, result.output
    link = next(line for line in result.output.splitlines() if "/invitation#token=" in line)
    token = link.split("#token=", 1)[1]
    form = {"token": token, "password": PASSWORD, "confirm": PASSWORD}
    first = client.post("/invitation", data={"csrf_token": csrf(client, "/invitation"), **form})
    assert first.status_code == 302 and first.headers["Location"].endswith("/login")
    second = client.post(
        "/invitation?lang=en", data={"csrf_token": csrf(client, "/invitation"), **form}
    )
    assert second.status_code == 400
    account = session.execute(select(Account)).scalar_one()
    assert account.invite_digest is None
    assert sign_in(client, account).status_code == 302


def test_list_shows_the_accounts_never_a_secret(runner, session):
    seller = make_seller(session)
    runner.invoke(
        args=["users", "create", "--role", "merchant", "--email", "m@example.org"]
        + ["--seller", seller.public_id],
        input=PASSWORD + "\n",
    )
    runner.invoke(
        args=["users", "create", "--role", "regulator", "--email", "r@example.org", "--invite"]
    )
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines[0].split("\t")[1:] == [
        "m@example.org",
        "merchant",
        "-",
        seller.public_id,
        "active",
    ]
    assert lines[1].split("\t")[1:] == ["r@example.org", "regulator", "-", "-", "invited"]
    assert "argon2" not in result.output


def test_disable_ends_the_accounts_sessions(runner, client, session):
    runner.invoke(
        args=["users", "create", "--role", "merchant", "--email", "m@example.org"],
        input=PASSWORD + "\n",
    )
    account = session.execute(select(Account)).scalar_one()
    session.rollback()
    sign_in(client, account)
    assert client.get("/account").status_code == 200
    result = runner.invoke(args=["users", "disable", "m@example.org"])
    assert result.exit_code == 0 and "disabled" in result.output
    assert client.get("/account").status_code == 302
    assert runner.invoke(args=["users", "disable", "nobody@example.org"]).exit_code != 0
