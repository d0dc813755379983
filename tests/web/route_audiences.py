"""Who may use each route: every endpoint of ``app.url_map`` with its audience.

Read from each route's code, not guessed. A new route fails ``test_route_matrix`` until it is
classified here. Each endpoint has one or more cases (method, path with seeded records,
audience); the personas and the records are those of ``route_world``.

``marker``: a case whose page is public but holds a private part: the audience sees the
marker, everyone else gets the page (or a refusal) without it.
"""

from __future__ import annotations

from .route_world import (
    ANY_TOKEN,
    COMPLAINANT,
    FORM_REFUSED,
    MERCHANT_A,
    MERCHANT_A_TOKEN,
    MERCHANT_B,
    MERCHANT_B_TOKEN,
    MODERATOR,
    MODERATOR_TOKEN,
    NOBODY,
    OTHER_COMPLAINANT,
    PHOTO,
    PLATFORM_TOKEN,
    PUBLIC,
    REGULATOR,
    REGULATOR_TOKEN,
    REPLY_LINK_B,
    SIGNED_IN,
    Case,
    get,
    only,
    post,
)

#: complaint A's evidence through the API: its complainant, its seller's merchant token, and
#: moderators' tokens (registry.complaints.access; regulators once a case is escalated)
EVIDENCE_PARTIES = only(COMPLAINANT, MERCHANT_A_TOKEN, MODERATOR_TOKEN)
#: and through the pages: the complainant's session, the seller's staff, moderators
PAGE_EVIDENCE_PARTIES = only(COMPLAINANT, MERCHANT_A, MODERATOR)
#: the escalated complaint about seller B (its complainant is no persona): regulators too
ESCALATED_PARTIES = only(MERCHANT_B, MODERATOR, REGULATOR)
ESCALATED_TOKENS = only(MERCHANT_B_TOKEN, MODERATOR_TOKEN, REGULATOR_TOKEN)
#: complaint B's evidence through the API: its complainant, its merchant (token or reply link)
#: and moderators
EVIDENCE_B_PARTIES = only(OTHER_COMPLAINANT, REPLY_LINK_B, MERCHANT_B_TOKEN, MODERATOR_TOKEN)
#: who adds the merchant's files to complaint B, which awaits its answer
MERCHANT_B_UPLOAD = only(REPLY_LINK_B, MERCHANT_B_TOKEN)
#: a refused upload: also 409 for the right merchant when the case is not waiting for it
UPLOAD_REFUSED = (401, 403, 404, 409)


AMENDMENT = {"resolution": "invalid", "reason": "记录有误，予以撤销。"}

# Markers: filled in by the world (``{secret}``: complaint A's narrative, which its
# complainant chose not to publish; ``{complaint_a}``: its id; ``{dispute_a}``).
# ``{complaint_pending}``: a complaint about seller A that no moderator has decided yet.
SECRET_PART = "{secret}"

ROUTES: dict[str, tuple[Case, ...]] = {
    # -- consumer pages (web.pages, web.badge, web.api_docs): anyone --------------------
    "pages.index": (get("/", PUBLIC),),
    "pages.search": (get("/search?q=A", PUBLIC),),
    "pages.seller": (get("/sellers/{seller_a}", PUBLIC),),
    "pages.model": (get("/scoring", PUBLIC),),
    "static": (get("/static/site.css", PUBLIC),),
    "api_docs.api_docs": (get("/api/docs", PUBLIC),),
    "badge.badge_svg": (get("/badge/{seller_a}.svg", PUBLIC),),
    "badge.badge_js": (get("/badge/{seller_a}.js", PUBLIC),),
    "badge.embed": (get("/sellers/{seller_a}/badge", PUBLIC),),
    "badge.verify": (get("/verify/{seller_a}", PUBLIC),),
    "badge.jwks": (get("/.well-known/jwks.json", PUBLIC),),
    # -- operator endpoints (web.ops) ---------------------------------------------------
    "ops.healthz": (get("/healthz", PUBLIC),),
    "ops.security_txt": (get("/.well-known/security.txt", PUBLIC),),
    # a page, but behind a bearer token (the feeds' sources are named there)
    # a moderator's token, or a moderator signed in
    "ops.feeds": (get("/ops/feeds", only(MODERATOR_TOKEN, MODERATOR)),),
    # a regulator's token, or a regulator signed in (the regulator's desk links here)
    "ops.unidentified_sites": (get("/ops/sites", only(REGULATOR_TOKEN, REGULATOR)),),
    # -- complaints, as consumers and merchants' reply links use them --------------------
    "complaints.complain": (
        get("/sellers/{seller_a}/complain", PUBLIC),
        post("/sellers/{seller_a}/complain", PUBLIC),
    ),
    "complaints.report_site": (get("/report-site", PUBLIC), post("/report-site", PUBLIC)),
    "complaints.recover": (get("/complaints/recover", PUBLIC), post("/complaints/recover", PUBLIC)),
    # the public page; its POST (confirm) needs the complainant's token in the form
    "complaints.complaint": (
        get("/complaints/{complaint_a}", PUBLIC),
        post(
            "/complaints/{complaint_a}",
            only(COMPLAINANT),
            body={"token": "{token}", "resolved": "yes"},
            ok=(302,),
            refused=FORM_REFUSED,
        ),
    ),
    # the merchant's one-time link: the page is public, the POST needs the reply token
    # (complaint A's was used by its answer: nobody's answers it again)
    "complaints.reply": (
        get("/complaints/{complaint_a}/reply", PUBLIC),
        get("/complaints/{complaint_b}/reply", PUBLIC),
        post(
            "/complaints/{complaint_a}/reply",
            NOBODY,
            body={"token": "{token}", "reply": "我们已经退款。", "response": "explanation"},
            ok=(302,),
            refused=FORM_REFUSED,
        ),
        # complaint B still awaits its answer: nobody's token but its reply link's answers it
        # (not its complainant's)
        post(
            "/complaints/{complaint_b}/reply",
            only(REPLY_LINK_B),
            body={"token": "{token}", "reply": "我们已经退款。", "response": "explanation"},
            ok=(302,),
            refused=FORM_REFUSED,
        ),
    ),
    # the reply link's files (a photo sent by everyone): only B's link adds them to B, and
    # nobody's to A (answered: its link is used up, and it no longer waits for the merchant)
    "complaints.reply_evidence": (
        post(
            "/complaints/{complaint_b}/reply/evidence",
            only(REPLY_LINK_B),
            body={"token": "{token}"},
            files=PHOTO,
            ok=(303,),
            refused=FORM_REFUSED,
        ),
        post(
            "/complaints/{complaint_a}/reply/evidence",
            NOBODY,
            body={"token": "{token}"},
            files=PHOTO,
            ok=(303,),
            refused=FORM_REFUSED,
        ),
    ),
    # anyone gets the page that asks for the private code; only the complainant reads it
    "complaints.status": (
        get("/complaints/{complaint_a}/status", only(COMPLAINANT), marker=SECRET_PART),
        post(
            "/complaints/{complaint_a}/status",
            only(COMPLAINANT),
            body={"action": "open", "token": "{token}"},
            ok=(303,),
            marker=SECRET_PART,
        ),
        post(
            "/complaints/{complaint_a}/status",
            only(COMPLAINANT),
            body={"action": "rebut", "rebut-rebuttal": "商家说已经退款，但我没有收到。"},
            ok=(303,),
            marker=SECRET_PART,
        ),
    ),
    # the complaints of a proved contact: each complainant sees their own only
    "complaints.mine": (get("/complaints/mine", only(COMPLAINANT), marker="{complaint_a}"),),
    # registry.complaints.access: the complainant (a token in the form, or the session that
    # opened the case), the seller's staff once the case is handed over, moderators, and
    # regulators once it is escalated; signed-in people by a plain link
    "complaints.evidence": (
        get("/complaints/{complaint_a}/evidence/{evidence_a}", PAGE_EVIDENCE_PARTIES),
        post(
            "/complaints/{complaint_a}/evidence/{evidence_a}",
            PAGE_EVIDENCE_PARTIES,
            body={"token": "{token}"},
            reads=True,
        ),
        get("/complaints/{complaint_escalated}/evidence/{evidence_e}", ESCALATED_PARTIES),
        # complaint A's file asked for through complaint B, whose parties B's token opens
        get("/complaints/{complaint_b}/evidence/{evidence_a}", NOBODY),
        post(
            "/complaints/{complaint_b}/evidence/{evidence_a}",
            NOBODY,
            body={"token": "{token}"},
            reads=True,
        ),
    ),
    # -- accounts (web.account_pages): signing in is for anyone -------------------------
    "accounts.login": (get("/login", PUBLIC), post("/login", PUBLIC)),
    # without a password given first, both steps send back to /login
    "accounts.code": (get("/login/code", NOBODY), post("/login/code", PUBLIC)),
    "accounts.enrol": (get("/login/enrol", NOBODY), post("/login/enrol", PUBLIC)),
    "accounts.logout": (get("/logout", PUBLIC), post("/logout", PUBLIC)),
    "accounts.invitation": (get("/invitation", PUBLIC), post("/invitation", PUBLIC)),
    "accounts.account": (
        get("/account", SIGNED_IN),
        # the sellers the account speaks for: seller A on merchant A's page only
        get("/account", only(MERCHANT_A), marker="{seller_a}"),
    ),
    "accounts.claim_code": (post("/account/claim-code", only(MERCHANT_A, MERCHANT_B)),),
    "accounts.claim_domain": (post("/account/claim-domain", only(MERCHANT_A, MERCHANT_B)),),
    "accounts.issue_claim_code": (post("/account/claim-codes", only(REGULATOR)),),
    # -- the merchant's desk (web.merchant): staff of the seller concerned ----------------
    "merchant.home": (
        get("/merchant", only(MERCHANT_A, MERCHANT_B)),
        # each desk lists its own sellers' cases (and never one still in moderation)
        get("/merchant", only(MERCHANT_A), marker="{complaint_a}"),
        get("/merchant", NOBODY, marker="{complaint_pending}"),
    ),
    "merchant.case": (
        get("/merchant/cases/{complaint_a}", only(MERCHANT_A), marker=SECRET_PART),
        post("/merchant/cases/{complaint_a}", only(MERCHANT_A)),
        # a case no moderator has handed over yet is not the merchant's to read
        get("/merchant/cases/{complaint_pending}", NOBODY),
    ),
    # the merchant's files, while the case waits for its answer (complaint B does)
    "merchant.upload_evidence": (
        post("/merchant/cases/{complaint_b}/evidence", only(MERCHANT_B)),
        post("/merchant/cases/{complaint_pending}/evidence", NOBODY),
    ),
    "merchant.disputes": (
        get("/merchant/sellers/{seller_a}/disputes", only(MERCHANT_A)),
        post("/merchant/sellers/{seller_a}/disputes", only(MERCHANT_A)),
    ),
    # -- the moderation console (web.moderation): moderators with their second factor ----
    "moderation.queue": (get("/moderation", only(MODERATOR), marker="{complaint_pending}"),),
    "moderation.case": (get("/moderation/{complaint_a}", only(MODERATOR), marker=SECRET_PART),),
    "moderation.bulk": (post("/moderation/bulk", only(MODERATOR), body={"ids": "{complaint_b}"}),),
    "moderation.edit_text": (post("/moderation/{complaint_a}/text", only(MODERATOR)),),
    "moderation.decide": (
        post(
            "/moderation/{complaint_a}/decision",
            only(MODERATOR),
            body={"action": "reject", "reason": "spam"},
        ),
    ),
    # -- the regulator's desk (web.regulator): regulators with their second factor --------
    # the regulator account decides for the source the regulator token submits as
    "regulator.queue": (get("/regulator", only(REGULATOR), marker="{complaint_escalated}"),),
    "regulator.case": (
        get("/regulator/cases/{complaint_escalated}", only(REGULATOR)),
        get("/regulator/cases/{complaint_a}", NOBODY),  # never escalated
    ),
    "regulator.decide": (
        post(
            "/regulator/cases/{complaint_escalated}/decision",
            only(REGULATOR),
            body={"decision": "dismissed", "reason": "商家已经按约定退款。"},
        ),
    ),
    "regulator.disputes": (get("/regulator/disputes", only(REGULATOR), marker="{dispute_a}"),),
    "regulator.decide_dispute": (
        post(
            "/regulator/disputes/{dispute_a}/decision",
            only(REGULATOR),
            body={"outcome": "upheld", "reason": "维持原处罚。"},
        ),
    ),
    # -- the JSON API: public reads ------------------------------------------------------
    "api.get_seller": (get("/api/v1/sellers/{seller_a}", PUBLIC),),
    "api.lookup": (get("/api/v1/lookup?code={code_a}", PUBLIC),),
    "api.search_sellers": (get("/api/v1/sellers?q=A", PUBLIC),),
    "api.suggest": (get("/api/v1/suggest?q=A", PUBLIC),),
    "api.search_reports": (get("/api/v1/reports?q=快递", PUBLIC),),
    "api.score_history": (get("/api/v1/sellers/{seller_a}/score-history", PUBLIC),),
    "api.scoring_model": (get("/api/v1/scoring/model", PUBLIC),),
    "api.openapi_document": (get("/api/v1/openapi.json", PUBLIC),),
    "api.attestation": (get("/api/v1/sellers/{seller_a}/attestation", PUBLIC),),
    "api.revoked_attestations": (get("/api/v1/attestations/revoked", PUBLIC),),
    "api.get_complaint": (get("/api/v1/complaints/{complaint_a}", PUBLIC),),
    "api.export_sellers_jsonl": (get("/api/v1/export/sellers.jsonl", PUBLIC),),
    "api.export_sellers_csv": (get("/api/v1/export/sellers.csv", PUBLIC),),
    "api.export_complaints_jsonl": (get("/api/v1/export/complaints.jsonl", PUBLIC),),
    # the checksums exist once the nightly export ran (none has in the world): 404 for all
    "api.export_sellers_jsonl_checksum": (
        get("/api/v1/export/sellers.jsonl.sha256", PUBLIC, ok=(404,)),
    ),
    "api.export_sellers_csv_checksum": (
        get("/api/v1/export/sellers.csv.sha256", PUBLIC, ok=(404,)),
    ),
    "api.export_complaints_jsonl_checksum": (
        get("/api/v1/export/complaints.jsonl.sha256", PUBLIC, ok=(404,)),
    ),
    # -- complaints through the API -------------------------------------------------------
    "api.file_complaint": (post("/api/v1/complaints", PUBLIC),),
    "api.complaint_action": (
        *(
            post(f"/api/v1/complaints/{{complaint_a}}/{action}", only(MODERATOR_TOKEN), body=body)
            for action, body in (
                ("accept", {}),
                ("reject", {"reason": "spam"}),
                ("invalid", {"reason": "spam"}),
                ("reply-link", {}),
            )
        ),
        post(
            "/api/v1/complaints/{complaint_a}/reply",
            only(MERCHANT_A_TOKEN),
            body={"reply": "我们已经退款。", "token": "{token}"},
        ),
        post(
            "/api/v1/complaints/{complaint_b}/reply",
            only(MERCHANT_B_TOKEN, REPLY_LINK_B),
            body={"reply": "我们已经退款。", "token": "{token}"},
        ),
        post(
            "/api/v1/complaints/{complaint_a}/confirm",
            only(COMPLAINANT),
            body={"token": "{token}", "resolved": False},
        ),
        post(
            "/api/v1/complaints/{complaint_a}/rebut",
            only(COMPLAINANT),
            body={"token": "{token}", "rebuttal": "商家说已经退款，但我没有收到。"},
        ),
        post(
            "/api/v1/complaints/{complaint_a}/escalate",
            only(COMPLAINANT),
            body={"token": "{token}"},
        ),
    ),
    "api.moderation_queue": (
        get("/api/v1/moderation/queue", only(MODERATOR_TOKEN), marker="{complaint_pending}"),
    ),
    "api.list_evidence": (
        get("/api/v1/complaints/{complaint_a}/evidence", EVIDENCE_PARTIES),
        get("/api/v1/complaints/{complaint_b}/evidence", EVIDENCE_B_PARTIES),
    ),
    # the merchant's files (a photo sent by everyone): its token or its reply link, while
    # the case waits for its answer
    "api.add_evidence": (
        post(
            "/api/v1/complaints/{complaint_b}/evidence",
            MERCHANT_B_UPLOAD,
            files=PHOTO,
            ok=(201,),
            refused=UPLOAD_REFUSED,
        ),
        post(
            "/api/v1/complaints/{complaint_a}/evidence",
            NOBODY,
            files=PHOTO,
            ok=(201,),
            refused=UPLOAD_REFUSED,
        ),
    ),
    "api.get_evidence": (
        get("/api/v1/complaints/{complaint_a}/evidence/{evidence_a}", EVIDENCE_PARTIES),
        get("/api/v1/complaints/{complaint_escalated}/evidence/{evidence_e}", ESCALATED_TOKENS),
        # complaint A's file asked for through complaint B (whose parties B's token opens)
        get("/api/v1/complaints/{complaint_b}/evidence/{evidence_a}", NOBODY),
    ),
    "api.escalations": (
        get("/api/v1/escalations", only(REGULATOR_TOKEN), marker="{complaint_escalated}"),
    ),
    "api.decide_escalation": (
        post(
            "/api/v1/escalations/{complaint_escalated}/decision",
            only(REGULATOR_TOKEN),
            body={"decision": "dismissed", "reason": "商家已经按约定退款。"},
        ),
    ),
    "api.unidentified_sites": (get("/api/v1/sites/unidentified", only(REGULATOR_TOKEN)),),
    # -- records and their sources ---------------------------------------------------------
    "api.submit_registrations": (post("/api/v1/registrations", only(REGULATOR_TOKEN)),),
    "api.submit_events": (post("/api/v1/events", only(PLATFORM_TOKEN, REGULATOR_TOKEN)),),
    "api.submit_sanctions": (post("/api/v1/sanctions", only(REGULATOR_TOKEN)),),
    "api.submit_fraud_reports": (
        post("/api/v1/fraud-reports", only(PLATFORM_TOKEN, REGULATOR_TOKEN)),
    ),
    "api.submit_fulfillment": (post("/api/v1/fulfillment", only(PLATFORM_TOKEN)),),
    "api.submit_order_confirmations": (post("/api/v1/order-confirmations", only(PLATFORM_TOKEN)),),
    # the sanction is the regulator token's: only its source (or a regulator) amends it
    "api.amend_event": (
        Case("PATCH", "/api/v1/events/{event_a}", only(REGULATOR_TOKEN), body=AMENDMENT),
    ),
    "api.list_stores": (get("/api/v1/stores", only(PLATFORM_TOKEN)),),
    "api.put_store": (Case("PUT", "/api/v1/stores/shop-1", only(PLATFORM_TOKEN)),),
    "api.delete_store": (Case("DELETE", "/api/v1/stores/shop-1", only(PLATFORM_TOKEN)),),
    # -- sellers' domains, claim codes and disputes ----------------------------------------
    "api.add_domain": (
        post(
            "/api/v1/sellers/{seller_a}/domains",
            only(MERCHANT_A_TOKEN, REGULATOR_TOKEN),
            body={"domain": "shop-a.example"},
        ),
    ),
    "api.issue_claim_code": (
        post("/api/v1/sellers/{seller_a}/claim-codes", only(REGULATOR_TOKEN)),
    ),
    "api.file_dispute": (
        post(
            "/api/v1/sellers/{seller_a}/disputes",
            only(MERCHANT_A_TOKEN),
            body={
                "kind": "correction",
                "event_id": "{event_a}",
                "statement": "该处罚针对的是已经注销的同名分店。",
            },
        ),
    ),
    # a merchant's own disputes, or a source's queue: dispute A is in merchant A's list and
    # in the queue of the regulator token that recorded the sanction, nowhere else
    "api.list_disputes": (
        get("/api/v1/disputes", only(MERCHANT_A_TOKEN, REGULATOR_TOKEN), marker="{dispute_a}"),
    ),
    "api.decide_dispute": (
        post(
            "/api/v1/disputes/{dispute_a}/decision",
            only(REGULATOR_TOKEN),
            body={"outcome": "upheld", "reason": "维持原处罚。"},
        ),
    ),
    # -- watch alerts: any token, each its own subscriptions ------------------------------
    "api.create_subscription": (
        post(
            "/api/v1/subscriptions",
            ANY_TOKEN,
            body={"url": "https://hooks.example/x", "sellers": ["{seller_a}"]},
        ),
    ),
    "api.list_subscriptions": (
        get("/api/v1/subscriptions", ANY_TOKEN),
        get("/api/v1/subscriptions", only(PLATFORM_TOKEN), marker="{subscription}"),
    ),
    "api.subscription_deliveries": (
        get("/api/v1/subscriptions/{subscription}/deliveries", only(PLATFORM_TOKEN)),
    ),
    "api.delete_subscription": (
        Case("DELETE", "/api/v1/subscriptions/{subscription}", only(PLATFORM_TOKEN)),
    ),
}
