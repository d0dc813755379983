"""The evidence rule, as a table: who each viewer is to a complaint in each state."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from registry.complaints.access import EvidenceAccess, Viewer
from registry.complaints.models import Complaint
from registry.trust.tokens import Principal, digest

SELLER, OTHER = 7, 8
COMPLAINANT, REPLY = "cpt_complainant", "rpl_merchant"


def _complaint(status: str, escalated: bool = False) -> Complaint:
    return Complaint(
        public_id="c-test",
        seller_id=SELLER,
        category="after_sales",
        narrative_original="x",
        narrative_public="x",
        complainant_ref="ref",
        status=status,
        complainant_token_digest=digest(COMPLAINANT),
        reply_token_digest=digest(REPLY),
        escalated_at=datetime(2026, 12, 1, tzinfo=UTC) if escalated else None,
    )


STAFF = Principal(None, "staff@shop", "merchant", account_id=3, seller_ids=frozenset({SELLER}))
STRANGER_SHOP = Principal(None, "x@other", "merchant", account_id=4, seller_ids=frozenset({OTHER}))
SHOP_TOKEN = Principal(5, "shop", "merchant", seller_id=SELLER)
MODERATOR = Principal(None, "mod", "moderator", account_id=6)
REGULATOR = Principal(None, "amr", "regulator", account_id=7)
PLATFORM = Principal(9, "platform", "platform")

CASES = [
    # (viewer, status, escalated, party)
    (Viewer(), "merchant_notified", False, None),
    (Viewer(token="cpt_someone_else"), "merchant_notified", False, None),
    (Viewer(token=COMPLAINANT), "submitted", False, "consumer"),
    (Viewer(complainant=True), "closed", False, "consumer"),
    (Viewer(token=REPLY), "merchant_notified", False, "merchant"),
    (Viewer(principal=STAFF), "submitted", False, None),  # not handed over yet
    (Viewer(principal=STAFF), "merchant_notified", False, "merchant"),
    (Viewer(principal=SHOP_TOKEN), "rebutted", False, "merchant"),
    (Viewer(principal=STRANGER_SHOP), "merchant_notified", False, None),
    (Viewer(principal=MODERATOR), "submitted", False, "moderator"),
    (Viewer(principal=REGULATOR), "merchant_replied", False, None),
    (Viewer(principal=REGULATOR), "escalated", True, "regulator"),
    (Viewer(principal=PLATFORM), "escalated", True, None),
]


@pytest.mark.parametrize(("viewer", "status", "escalated", "party"), CASES)
def test_who_sees_evidence(viewer, status, escalated, party):
    access = EvidenceAccess(_complaint(status, escalated))
    assert access.party(viewer) == party
    assert access.may_see(viewer) is (party is not None)
    assert access.may_upload_as_merchant(viewer) is (party == "merchant")
