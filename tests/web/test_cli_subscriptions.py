"""``flask subscriptions list|add|remove``: the API's subscriptions, from the command line."""

from __future__ import annotations

from ..factories import make_seller, make_token


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_add_list_and_remove_a_subscription(app, runner, client, session):
    app.config["OUTBOUND_ALLOW_PRIVATE"] = True  # a local receiver address
    seller = make_seller(session)
    token = make_token(session, "platform", name="watcher")
    prefix = token[:12]
    added = runner.invoke(
        args=[
            "subscriptions",
            "add",
            "http://127.0.0.1:9/hook",
            "--token",
            prefix,
            "--seller",
            seller.public_id,
        ]
    )
    assert added.exit_code == 0, added.output
    assert "whsec_" in added.output and "created" in added.output
    sub_id = added.output.split()[1]
    # the same subscription the API shows to its token
    [shown] = client.get("/api/v1/subscriptions", headers=bearer(token)).json["data"]
    assert shown["id"] == sub_id and shown["sellers"] == [seller.public_id]
    listed = runner.invoke(args=["subscriptions", "list", "--token", prefix])
    assert listed.exit_code == 0 and sub_id in listed.output and seller.public_id in listed.output
    assert "whsec_" not in listed.output
    # another token's subscription is not this one's to remove
    other = make_token(session, "platform", name="other")
    refused = runner.invoke(args=["subscriptions", "remove", sub_id, "--token", other[:12]])
    assert refused.exit_code != 0 and "no subscription" in refused.output
    removed = runner.invoke(args=["subscriptions", "remove", sub_id, "--token", prefix])
    assert removed.exit_code == 0, removed.output
    assert client.get("/api/v1/subscriptions", headers=bearer(token)).json["data"] == []
    empty = runner.invoke(args=["subscriptions", "list", "--token", prefix])
    assert "no subscriptions" in empty.output


def test_add_refuses_what_the_api_refuses(runner, session):
    token = make_token(session, "platform")
    for args in (
        ["http://example.com/hook", "--region", "浙江省"],  # not https
        ["https://127.0.0.1/hook", "--region", "浙江省"],  # a private address
        ["https://hooks.example.com/x"],  # nothing watched
    ):
        result = runner.invoke(args=["subscriptions", "add", *args, "--token", token[:12]])
        assert result.exit_code != 0 and "Error" in result.output
        assert "Traceback" not in result.output


def test_an_unknown_token_prefix_is_an_error(runner):
    result = runner.invoke(args=["subscriptions", "list", "--token", "nosuchprefix"])
    assert result.exit_code != 0 and "Traceback" not in result.output
