"""A merchant account claims a seller: with a regulator's one-time code, or by proving one
of the seller's bound domains (checked by the job, against a real local HTTP server)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import select

from registry.accounts.models import AccountSeller, DomainClaim
from registry.journal.models import AuditEntry

from ..factories import make_seller, make_token
from ..people import csrf, make_account, sign_in


def _issue(client, regulator, seller):
    response = client.post(
        f"/api/v1/sellers/{seller.public_id}/claim-codes",
        headers={"Authorization": f"Bearer {regulator}"},
    )
    assert response.status_code == 201, response.json
    assert response.headers["Cache-Control"] == "no-store"
    return response.json["data"]["code"]


def test_only_a_regulator_issues_claim_codes(client, session):
    seller = make_seller(session)
    platform = make_token(session, "platform")
    refused = client.post(
        f"/api/v1/sellers/{seller.public_id}/claim-codes",
        headers={"Authorization": f"Bearer {platform}"},
    )
    assert refused.status_code == 403
    assert client.post(f"/api/v1/sellers/{seller.public_id}/claim-codes").status_code == 401


def test_a_claim_code_binds_once_and_several_staff_may_share_a_seller(app, client, session):
    seller = make_seller(session)
    regulator = make_token(session, "regulator")
    first, second = make_account(session, "merchant"), make_account(session, "merchant")
    code = _issue(client, regulator, seller)
    staff = app.test_client()
    sign_in(staff, first)
    claimed = staff.post(
        "/account/claim-code",
        data={"csrf_token": csrf(staff, "/account"), "code": code.lower().replace("-", " ")},
    )
    assert claimed.status_code == 302
    assert seller.legal_name in staff.get("/account").get_data(as_text=True)
    # The code is used up: the second account needs its own.
    colleague = app.test_client()
    sign_in(colleague, second)
    reused = colleague.post(
        "/account/claim-code?lang=en",
        data={"csrf_token": csrf(colleague, "/account"), "code": code},
    )
    assert reused.status_code == 400
    assert "not valid, or it was used" in reused.get_data(as_text=True)
    another = _issue(client, regulator, seller)
    colleague.post(
        "/account/claim-code", data={"csrf_token": csrf(colleague, "/account"), "code": another}
    )
    session.rollback()
    bound = session.execute(
        select(AccountSeller.account_id).where(AccountSeller.seller_id == seller.id)
    ).scalars()
    assert sorted(bound) == sorted([first.id, second.id])
    actors = session.execute(
        select(AuditEntry.actor).where(AuditEntry.action == "account.bind_seller")
    ).scalars()
    assert sorted(actors) == sorted([f"user:{first.id}", f"user:{second.id}"])


def test_a_regulator_issues_a_code_on_the_account_page_shown_once(app, session):
    seller = make_seller(session)
    regulator = make_account(session, "regulator")
    client = app.test_client()
    sign_in(client, regulator)
    page = client.post(
        "/account/claim-codes?lang=en",
        data={"csrf_token": csrf(client, "/account"), "seller": seller.public_id},
    )
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "shown only now" in text and 'class="claim-code"' in text
    assert 'class="claim-code"' not in client.get("/account").get_data(as_text=True)
    unknown = client.post(
        "/account/claim-codes?lang=en",
        data={"csrf_token": csrf(client, "/account"), "seller": "s-nosuchsell"},
    )
    assert unknown.status_code == 404 and "No seller has this id." in unknown.get_data(as_text=True)
    session.rollback()
    [entry] = session.execute(
        select(AuditEntry).where(AuditEntry.action == "claim_code.issue")
    ).scalars()
    assert entry.actor == f"user:{regulator.id}"


class _ProofHandler(BaseHTTPRequestHandler):
    token = ""

    def do_GET(self):  # http.server names it
        body = (self.token + "\n").encode()
        self.send_response(200 if self.path == "/.well-known/merchant-registry.txt" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_merchant_claims_a_seller_by_proving_its_bound_domain(app, session):
    from web import jobs

    seller = make_seller(session, domains=["claim-shop.example"])
    merchant = make_account(session, "merchant")
    client = app.test_client()
    sign_in(client, merchant)
    unbound = client.post(
        "/account/claim-domain?lang=en",
        data={"csrf_token": csrf(client, "/account"), "domain": "other-shop.example"},
    )
    assert unbound.status_code == 404 and "No seller has this domain bound" in unbound.get_data(
        as_text=True
    )
    started = client.post(
        "/account/claim-domain",
        data={"csrf_token": csrf(client, "/account"), "domain": "https://Claim-Shop.example/"},
    )
    assert started.status_code == 302, started.get_data(as_text=True)
    session.rollback()
    claim = session.execute(select(DomainClaim)).scalar_one()
    assert claim.domain == "claim-shop.example" and claim.seller_id == seller.id
    assert claim.proof_token in client.get("/account").get_data(as_text=True)
    _ProofHandler.token = claim.proof_token
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ProofHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app.config.update(
        DOMAIN_PROOF_SCHEME="http",
        DOMAIN_PROOF_PORT=server.server_port,
        OUTBOUND_ALLOW_PRIVATE=True,
        OUTBOUND_RESOLVE={"claim-shop.example": "127.0.0.1"},
    )
    try:
        jobs.check_domains(app)
    finally:
        server.shutdown()
        server.server_close()
    session.rollback()
    assert session.get(DomainClaim, claim.id).state == "bound"
    bound = session.execute(select(AccountSeller.seller_id, AccountSeller.via)).all()
    assert bound == [(seller.id, "domain")]
    assert seller.legal_name in client.get("/account").get_data(as_text=True)


def test_a_wrong_proof_binds_nothing(app, session):
    from web import jobs

    make_seller(session, domains=["wrong-shop.example"])
    merchant = make_account(session, "merchant")
    client = app.test_client()
    sign_in(client, merchant)
    client.post(
        "/account/claim-domain",
        data={"csrf_token": csrf(client, "/account"), "domain": "wrong-shop.example"},
    )
    _ProofHandler.token = "mrv1-not-the-token"
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ProofHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app.config.update(
        DOMAIN_PROOF_SCHEME="http",
        DOMAIN_PROOF_PORT=server.server_port,
        OUTBOUND_ALLOW_PRIVATE=True,
        OUTBOUND_RESOLVE={"wrong-shop.example": "127.0.0.1"},
    )
    try:
        jobs.check_domains(app)
    finally:
        server.shutdown()
        server.server_close()
    session.rollback()
    claim = session.execute(select(DomainClaim)).scalar_one()
    assert claim.state == "pending" and claim.last_result == "wrong_token"
    assert session.execute(select(AccountSeller)).first() is None


def test_a_merchant_account_replies_for_its_own_seller_only(app, session):
    """The reply path merchants' desks will use: the person is the principal."""
    import pytest

    from registry.accounts.service import AccountService
    from registry.complaints.service import ComplaintService
    from registry.core.errors import Forbidden

    mine, theirs = make_seller(session), make_seller(session)
    merchant = make_account(session, "merchant", seller_ids=[mine.id])
    principal = AccountService(session).principal(merchant)
    assert principal.actor == f"user:{merchant.id}"
    assert principal.speaks_for(mine.id) and not principal.speaks_for(theirs.id)
    service = ComplaintService(session, secret="s")
    from registry.trust.tokens import Principal

    moderator = Principal(None, "m", "moderator")
    filed = []
    for i, seller in enumerate((mine, theirs)):
        complaint, _ = service.file(
            {
                "seller": seller.public_id,
                "category": "after_sales",
                "narrative": f"退货以后一直没有收到退款，第{i}次联系客服无果",
                "contact": f"1390000000{i}",
            },
            f"client{i}",
        )
        service.accept(complaint.id, moderator)
        filed.append(complaint)
    service.reply(filed[0].id, "已经安排退款，请查收。", principal=principal)
    with pytest.raises(Forbidden):
        service.reply(filed[1].id, "已经安排退款，请查收。", principal=principal)
    session.flush()
    actors = session.execute(
        select(AuditEntry.actor).where(AuditEntry.action == "complaint.reply")
    ).scalars()
    assert list(actors) == [f"user:{merchant.id}"]
