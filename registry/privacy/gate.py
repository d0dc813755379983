"""The one gate a third party's text passes to become public: scrubbed on the way in.

Consumers, merchants, platforms, regulators and moderators write text the registry publishes
(complaint narratives, merchant replies, event summaries, a moderator's reasons). Each such
field is stored twice: the public column holds ``scrub``'s output and is what every public
view reads; a private twin holds the words as submitted, for moderators, for disputes and for
``rescrub`` (a better scrubber re-derives the public copies from the originals).

``PUBLIC_TEXT`` names every public column with its private twin; ``PUBLISHED_AS_IS`` names
the columns published unscrubbed because they are the registry's own facts about a business
(names, codes, addresses of record); ``PRIVATE`` names what no public view may read. A test
holds every text column of the schema to exactly one of the three, so a new field cannot
reach the public without a decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from ..registration.models import Seller, Store
from . import scrub


@dataclass(frozen=True)
class PublicText:
    """A text as submitted (private) and as published (scrubbed)."""

    original: str | None
    public: str | None


def fit(text: str, limit: int) -> str:
    """*text* cut to *limit* characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def public_text(
    original: str | None,
    *,
    limit: int,
    names: Iterable[str | None] = (),
    keep: Iterable[str | None] = (),
) -> PublicText:
    """Scrub *original* for publication (at most *limit* characters) and keep it beside.

    ``names``: people the text is about who must not be named (the complainant); ``keep``:
    the seller's own public names and numbers, which are no personal data.
    """
    if original is None or not original.strip():
        return PublicText(None, None)
    public = scrub(original, [n for n in names if n], keep=[k for k in keep if k])
    return PublicText(original, fit(public, limit))


def seller_names(session: Session, seller_ids: Iterable[int]) -> dict[int, list[str]]:
    """The public names of these sellers (legal, former, English, aliases, stores): what a
    text about them may name, and the scrubber must not take for a person."""
    ids = list(dict.fromkeys(seller_ids))
    out: dict[int, list[str]] = {sid: [] for sid in ids}
    if not ids:
        return out
    for sid, legal, english, former, aliases in session.execute(
        select(
            Seller.id, Seller.legal_name, Seller.english_name, Seller.former_names, Seller.aliases
        ).where(Seller.id.in_(ids))
    ):
        out[sid] += [legal, *(former or []), *(aliases or [])] + ([english] if english else [])
    for sid, name in session.execute(
        select(Store.seller_id, Store.store_name).where(Store.seller_id.in_(ids))
    ):
        out[sid].append(name)
    return out


# table -> public column -> private twin holding the submitted words
PUBLIC_TEXT: dict[str, dict[str, str]] = {
    "event": {"summary": "summary_original"},
    "complaint": {
        "narrative_public": "narrative_original",
        "merchant_reply": "merchant_reply_original",
        "status_reason": "status_reason_original",
        "rebuttal": "rebuttal_original",
        "rebuttal_answer": "rebuttal_answer_original",
        "escalation_reason": "escalation_reason_original",
        "decision_reason": "decision_reason_original",
    },
    # A seller's statement disputing a record, and its source's reason for the decision.
    "dispute": {"statement": "statement_original", "reason": "reason_original"},
}

# table -> public column -> a moderator's correction, which rescrub starts from when present
EDITED: dict[str, dict[str, str]] = {"complaint": {"narrative_public": "narrative_moderated"}}

# Published as submitted: a business's registered facts, checked by regulators, and words the
# registry writes itself. Personal data has no place in them by law or by construction.
PUBLISHED_AS_IS: dict[str, frozenset[str]] = {
    "seller": frozenset(
        {
            "public_id",
            "legal_name",
            "english_name",
            "former_names",
            "aliases",
            "entity_type",
            "status",
            "legal_representative",  # published by the national publicity system
            "registered_address",  # the address of record of a business, not of a person
            "registration_authority",
            "area_code",
            "province",
            "city",
            "business_scope",
            "category",
        }
    ),
    "identity": frozenset({"scheme", "value", "verified_by", "verifier_role"}),
    "store": frozenset({"platform", "store_key", "store_name", "store_url"}),
    "domain": frozenset({"domain", "icp_number", "state"}),
    "event": frozenset({"kind", "severity", "verification", "resolution", "category"}),
    "complaint": frozenset(
        # ``decision``: a regulator's decision (upheld, settled, dismissed) is published.
        # ``merchant_response``: what the merchant's answer does (CFPB publishes it too).
        # ``site_domain``: the registrable domain a report names, counted in public under it.
        {
            "public_id",
            "category",
            "verification",
            "status",
            "outcome",
            "decision",
            "merchant_response",
            "site_domain",
        }
    ),
    # What the registry computes and signs itself.
    "seller_score": frozenset({"grade", "display_grade", "caps", "parts"}),
    "score_history": frozenset({"grade", "display_grade"}),
    "attestation": frozenset({"jti", "kid", "claims", "revoked_reason"}),
    # A regulator's published decision: its number, the authority's name, a reason code.
    "sanction": frozenset({"kind", "decision_number", "authority", "reason"}),
    "fraud_detail": frozenset({"currency"}),
    "dispute": frozenset({"public_id", "kind", "status"}),
    # Webhook alerts, built by the registry from the public columns above only.
    "alert_event": frozenset({"public_id", "type", "payload"}),
}

# Amounts published as decided: a regulator's fine is part of its public decision, and what a
# scam took in a regulator's or platform's fraud report is the size of the harm (no victim
# is named; registry.read.display.fraud_loss). What a complainant paid stays private.
PUBLISHED_AMOUNTS: dict[str, frozenset[str]] = {
    "sanction": frozenset({"amount"}),
    "fraud_detail": frozenset({"amount"}),
}

# Never read by a public view (moderators, the audit, jobs and digests only).
PRIVATE: dict[str, frozenset[str]] = {
    "event": frozenset({"source", "order_ref", "complainant_ref", "buyer_ref", "external_ref"}),
    "complaint": frozenset(
        {
            "order_ref",
            "desired_resolution",
            "complainant_name",
            "contact",
            "site_host",
            "narrative_moderated",
            "complainant_ref",
            "reply_token_digest",
            "complainant_token_digest",
            "client_digest",
            "locale",
            "decided_by",
        }
    ),
    # A complainant's one-time codes and the outbox: their recipients' only.
    "complaint_access_code": frozenset({"complainant_ref", "client_digest", "code_digest"}),
    "complaint_reminder": frozenset({"kind"}),
    "notification": frozenset(
        {"audience", "recipient", "locale", "template", "context", "status", "last_error"}
    ),
    # Where the registry writes to a seller about complaints: never shown.
    "seller": frozenset({"contact_email"}),
    "identity": frozenset({"evidence_ref"}),
    "sanction": frozenset({"source", "external_ref"}),
    "fraud_detail": frozenset({"evidence_ref"}),
    # Who filed and who decides: accounts and sources, named only to them and moderators.
    "dispute": frozenset({"queue", "filed_by", "decided_by"}),
    "identity_revision": frozenset({"field", "old_value", "new_value", "changed_by"}),
    "domain": frozenset({"proof_token", "last_check_result", "verified_by"}),
    "api_token": frozenset({"name", "role", "prefix", "digest"}),
    "audit_log": frozenset(
        {"actor", "action", "entity", "entity_id", "old", "new", "prev_hash", "entry_hash"}
    ),
    "change_log": frozenset({"kind"}),
    "seller_score": frozenset({"state"}),
    "job_cursor": frozenset({"name"}),
    # An operator's configuration: a feed's URL may carry its publisher's key.
    "feed": frozenset({"name", "url", "kind", "format", "role", "etag", "last_modified"}),
    "feed_run": frozenset({"outcome", "error"}),
    # A platform's own fulfillment records: shown to that platform only, never publicly.
    "fulfillment_day": frozenset({"source", "external_ref"}),
    "platform_store": frozenset({"source", "store_ref"}),
    "order_confirmation": frozenset({"source", "order_ref", "buyer_ref"}),
    # A subscription and its deliveries are shown to the token that owns them, to no one else.
    "alert_subscription": frozenset(
        {"public_id", "url", "region", "category", "secret_encrypted", "disabled_reason"}
    ),
    "alert_event": frozenset({"key"}),
    "alert_delivery": frozenset({"status"}),
    "alert_attempt": frozenset({"error"}),
    # Evidence is shown to the complaint's parties and moderators only, never publicly.
    "complaint_evidence": frozenset({"public_id", "media_type", "stored_name", "sha256", "party"}),
    # People who sign in, and how merchants claimed their sellers: for operators only.
    "account": frozenset(
        {"email", "role", "password_hash", "totp_secret", "invite_digest", "source"}
    ),
    "account_seller": frozenset({"via"}),
    "claim_code": frozenset({"digest", "issued_by"}),
    "domain_claim": frozenset({"domain", "proof_token", "state", "last_result"}),
}


def rescrub(session: Session, batch: int = 1000) -> dict[str, int]:
    """Derive every public text again from its original (after the scrubber improved, or
    after an upgrade that found unscrubbed text); mark the sellers whose record changed.

    Returns how many public copies changed per table; the caller commits.
    """
    from .. import journal
    from ..complaints.models import Complaint
    from ..events.models import Event
    from ..journal import ChangeKind

    counts = {"event": 0, "complaint": 0}
    changed: set[int] = set()
    complainants = dict(session.execute(select(Complaint.id, Complaint.complainant_name)).all())
    for model, table in ((Event, "event"), (Complaint, "complaint")):
        last = 0
        while True:
            rows = list(
                session.execute(
                    select(model).where(model.id > last).order_by(model.id).limit(batch)
                ).scalars()
            )
            if not rows:
                break
            last = rows[-1].id
            keep = seller_names(session, {r.seller_id for r in rows if r.seller_id is not None})
            for row in rows:
                if table == "event":
                    names = [complainants.get(row.complaint_id)]
                else:
                    names = [row.complainant_name]
                for public, private in PUBLIC_TEXT[table].items():
                    limit = getattr(model, public).property.columns[0].type.length or 4000
                    edited = EDITED.get(table, {}).get(public)
                    source = (edited and getattr(row, edited)) or getattr(row, private)
                    shown = public_text(
                        source, limit=limit, names=names, keep=keep.get(row.seller_id, ())
                    )
                    # An original retention deleted ("" or None) leaves its public copy as is.
                    if getattr(row, private) and getattr(row, public) != shown.public:
                        setattr(row, public, shown.public)
                        counts[table] += 1
                        if row.seller_id is not None:  # an unidentified site's is unpublished
                            changed.add(row.seller_id)
            session.flush()
    journal.record(session, changed={ChangeKind.PUBLIC_TEXT: sorted(changed)})
    return counts
