"""Compute the published, reproducible merchant reputation score (SCORING.md, version 2).

Plain data in, a ``Score`` out: no clock (``now`` is a parameter), no I/O, stdlib only.

Choices SCORING.md leaves open (also in README.md and ``model_document()``):

- Times are aware UTC datetimes (rows may also carry POSIX seconds). An event dated after
  ``now`` moves the scoring instant to that event (clock skew), so nothing is ignored.
- Orders count only with verification "platform" or "regulator". "At most 5 per buyer per
  30 days": per buyer and 30-day window aligned to ``WINDOW_EPOCH``, the 5 latest count.
  Orders without a buyer_ref are not limited.
- A pending complaint (resolution None) weighs 1.0, like "unresolved". The registry records
  "unanswered" (2.0) once 15 days pass without an answer; scoring keeps no answer clock.
  None on a fulfillment defect means "not applicable" (1.0). "invalid" weighs 0 everywhere.
- Every defect or complaint belongs to exactly one group, chosen from its own references:
  complaint with complainant_ref -> the largest per (complainant, 90-day window);
  else order_ref -> the largest per order (shared with fulfillment defects on that order);
  else an unverified complaint -> its 7-day burst window, where the k largest count and the
  rest are held for review (``Parts.held_for_review``); else it counts as it is. Groups that
  never depend on other events are what keep the score monotone (property 3) and let a more
  verified complaint always weigh at least as much (property 6).
- Anti-gaming windows (30, 90 and 7 days) are aligned to ``WINDOW_EPOCH`` rather than
  sliding: a sliding window lets an added complaint regroup others and raise the score.
  "Within 90 days" therefore means "within the same 90-day window"; shifting all times
  (property 10) shifts the epoch with them (``epoch=`` argument).
- Burst allowance k = max(1, ceil(lam + 3 sqrt(lam))), lam = the seller's verified-complaint
  rate per 7 days (decayed count outside the window x 7 x ln2 / 180): unverified complaints
  never raise their own allowance. A complainant window counts as one unit, at its start.
- Defects on one order: the largest decayed weight counts (the ordering of decayed weights
  never changes over time, so "largest" is well defined).
- Fraud: identity-verified reports weigh 0.15 (half of purchase-verified, as for complaints);
  an "invalid" report counts 0. A regulator-verified report is a verified fraud finding:
  cap D for 3 years or until ``lifted_at``. Complaint anti-gaming rules do not apply to fraud.
- Sanctions: warning/minor fine 10, major fine/consent order 25, at full weight until the
  window ends (``ends_at``, else occurred_at; ``lifted_at`` ends it early), then decaying
  with h = 365. Caps last max(occurred_at + 3 x 365 days, ends_at), ended by ``lifted_at``:
  major fine C, serious illegal list D (as a fraud finding), licence revoked and trading ban
  F; abnormal operations C until lifted_at (or ends_at), with no 3-year limit. Listings,
  revocations and bans deduct nothing beyond their cap; an "invalid" sanction is ignored.
- Identity: without a regulator-verified identity, ``verified`` is False and a C cap applies.
- A cap lowers the value to its ceiling: C 76.9, D 66.9, F 59.9 (one display decimal under
  the next grade), so ``grade`` is always ``grade_for(value)``.
- NR: fewer than 30 weighted verified orders and no counted defect, fraud, sanction or cap.
  ``grade`` keeps the letter; ``display_grade`` is "NR" (what the public sees).
- Top contributors: up to 5 events ranked by the points they cost (for a defect, the points
  regained without its counted weight; fraud points are scaled to the 60 cap).
"""

from __future__ import annotations

from .document import model_document
from .engine import score, score_rows
from .events import EVENT_KINDS, FULFILLMENT_KINDS, ROW_FIELDS, Event
from .model import (
    ABNORMAL_OPERATIONS,
    BUYER_RETURN,
    CHARGEBACK,
    COMPLAINT,
    DISPUTE_LOST,
    DISPUTE_OPENED,
    FRAUD_REPORT,
    LATE_SHIPMENT,
    LICENCE_REVOKED,
    NON_DELIVERY,
    NOT_AS_DESCRIBED_RETURN,
    ORDER,
    SANCTION_CONSENT_ORDER,
    SANCTION_KINDS,
    SANCTION_MAJOR_FINE,
    SANCTION_MINOR_FINE,
    SANCTION_WARNING,
    SCORING_VERSION,
    SELLER_CANCELLATION,
    SERIOUS_ILLEGAL_LIST,
    TRADING_BAN,
    WINDOW_EPOCH,
    bayesian_average,
    beta_expectation,
    beta_rating,
    decay_weight,
    grade_for,
    points_for,
    wilson_lower_bound,
)
from .result import Cap, Contributor, Parts, Score, recompute
from .state import SellerState

__all__ = [
    "ABNORMAL_OPERATIONS",
    "BUYER_RETURN",
    "CHARGEBACK",
    "COMPLAINT",
    "DISPUTE_LOST",
    "DISPUTE_OPENED",
    "EVENT_KINDS",
    "FRAUD_REPORT",
    "FULFILLMENT_KINDS",
    "LATE_SHIPMENT",
    "LICENCE_REVOKED",
    "NON_DELIVERY",
    "NOT_AS_DESCRIBED_RETURN",
    "ORDER",
    "ROW_FIELDS",
    "SANCTION_CONSENT_ORDER",
    "SANCTION_KINDS",
    "SANCTION_MAJOR_FINE",
    "SANCTION_MINOR_FINE",
    "SANCTION_WARNING",
    "SCORING_VERSION",
    "SELLER_CANCELLATION",
    "SERIOUS_ILLEGAL_LIST",
    "TRADING_BAN",
    "WINDOW_EPOCH",
    "Cap",
    "Contributor",
    "Event",
    "Parts",
    "Score",
    "SellerState",
    "bayesian_average",
    "beta_expectation",
    "beta_rating",
    "decay_weight",
    "grade_for",
    "model_document",
    "points_for",
    "recompute",
    "score",
    "score_rows",
    "wilson_lower_bound",
]
