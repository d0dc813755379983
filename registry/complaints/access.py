"""Who may see a complaint's evidence, and who may add to it: the one rule every route asks.

The parties, and how each proves it is one:

- the complainant: their private token (``/complaints/<id>#token=...``), or a web session
  that proved it before (the private link opened once, or a one-time code sent to the
  contact given at filing; the web layer says so with ``complainant=True``);
- the merchant: the one-time reply token, or a principal (a staff account or an API token)
  that speaks for the complaint's seller, once a moderator handed the case over;
- moderators;
- regulators, once the complaint is escalated (``escalated_at`` set): the case reaches
  their queue "with everything attached".

Nobody else, and no other role. A refusal never says whether the file exists: the rule is
asked before the file is looked up.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from ..trust.tokens import Principal, digest
from .models import Complaint
from .rules import MERCHANT_TURN

#: states in which no merchant has been told of the complaint
BEFORE_MERCHANT = ("unidentified", "submitted", "rejected")
#: states in which the merchant may add evidence: those in which the case waits for its
#: answer (``Transitions`` hands it over at ``merchant_notified``; ``no_response`` still takes
#: a late reply; ``rebutted`` waits for its answer to the rebuttal). Once it has answered,
#: the case is the consumer's (or the regulator's) again.
MERCHANT_UPLOAD_STATES = MERCHANT_TURN


@dataclass(frozen=True)
class Viewer:
    """Who asks: a private token, a principal (a signed-in person or an API token), and
    whether the web session proved to be the complainant's."""

    token: str | None = None
    principal: Principal | None = None
    complainant: bool = False


def _matches(token: str, known: str | None) -> bool:
    return known is not None and secrets.compare_digest(digest(token), known)


class EvidenceAccess:
    """The evidence rule for one complaint."""

    def __init__(self, complaint: Complaint) -> None:
        self.complaint = complaint

    def party(self, viewer: Viewer) -> str | None:
        """What *viewer* is to the complaint: ``consumer``, ``merchant``, ``moderator``,
        ``regulator``, or None (nobody it shows evidence to)."""
        complaint = self.complaint
        if viewer.complainant:
            return "consumer"
        if viewer.token:
            if _matches(viewer.token, complaint.complainant_token_digest):
                return "consumer"
            if _matches(viewer.token, complaint.reply_token_digest):
                return "merchant"
        principal = viewer.principal
        if principal is None:
            return None
        if principal.role == "moderator":
            return "moderator"
        if principal.role == "regulator":
            return "regulator" if complaint.escalated_at is not None else None
        if principal.role == "merchant" and self._handed_over():
            if complaint.seller_id is not None and principal.speaks_for(complaint.seller_id):
                return "merchant"
        return None

    def _handed_over(self) -> bool:
        return self.complaint.seller_id is not None and (
            self.complaint.status not in BEFORE_MERCHANT
        )

    def may_see(self, viewer: Viewer) -> bool:
        """Tell whether *viewer* may list and download the complaint's evidence."""
        return self.party(viewer) is not None

    def may_upload_as_merchant(self, viewer: Viewer) -> bool:
        """Tell whether *viewer* is the complaint's merchant (its state is checked apart,
        so that a refusal can say the case is not waiting for the merchant)."""
        return self.party(viewer) == "merchant"
