"""Hold the published constants of the reputation model and its small pure functions.

Every number here is also served by ``model_document()``; change one only with a reason
recorded in CHANGES and a bump of ``SCORING_VERSION``.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

SCORING_VERSION = 2

# Event kinds.
ORDER = "order"
LATE_SHIPMENT = "late_shipment"
SELLER_CANCELLATION = "seller_cancellation"
NOT_AS_DESCRIBED_RETURN = "not_as_described_return"
DISPUTE_OPENED = "dispute_opened"
DISPUTE_LOST = "dispute_lost"
CHARGEBACK = "chargeback"
NON_DELIVERY = "non_delivery"
BUYER_RETURN = "buyer_return"
COMPLAINT = "complaint"
FRAUD_REPORT = "fraud_report"
SANCTION_WARNING = "sanction_warning"
SANCTION_MINOR_FINE = "sanction_minor_fine"
SANCTION_MAJOR_FINE = "sanction_major_fine"
SANCTION_CONSENT_ORDER = "sanction_consent_order"
ABNORMAL_OPERATIONS = "abnormal_operations"
SERIOUS_ILLEGAL_LIST = "serious_illegal_list"
LICENCE_REVOKED = "licence_revoked"
TRADING_BAN = "trading_ban"

SEVERITIES = ("minor", "moderate", "harm")
VERIFICATIONS = ("regulator", "platform", "purchase", "identity", "unverified")
RESOLUTIONS = ("unanswered", "unresolved", "resolved", "invalid")

DAY_SECONDS = 86400.0
LN2 = math.log(2.0)

# A. Performance.
ORDER_HALF_LIFE_DAYS = 180.0  # orders, fulfillment defects, complaints
FRAUD_HALF_LIFE_DAYS = 365.0  # fraud reports, sanctions
PRIOR_ORDERS = 300.0
PRIOR_DEFECTS = 3.0  # 300 orders at Amazon's 1 % line
DEFECT_BASE = {
    LATE_SHIPMENT: 0.3,
    SELLER_CANCELLATION: 0.5,
    NOT_AS_DESCRIBED_RETURN: 0.5,
    DISPUTE_OPENED: 0.5,
    DISPUTE_LOST: 1.0,
    CHARGEBACK: 1.0,
    NON_DELIVERY: 1.0,
    COMPLAINT: 1.0,
    BUYER_RETURN: 0.0,
}
SEVERITY_WEIGHT = {"minor": 1.0, "moderate": 1.5, "harm": 2.0}
VERIFICATION_WEIGHT = {
    "regulator": 1.0,
    "platform": 1.0,
    "purchase": 0.8,
    "identity": 0.4,
    "unverified": 0.1,
}
# None is a pending complaint (or a defect where resolution does not apply): weighed as
# "answered but unresolved"; the registry records "unanswered" once 15 days pass unanswered.
RESOLUTION_WEIGHT = {
    "unanswered": 2.0,
    "unresolved": 1.0,
    None: 1.0,
    "resolved": 0.5,
    "invalid": 0.0,
}
VERIFIED_ORDER_SOURCES = frozenset({"platform", "regulator"})
POINTS_CURVE = (
    (0.0, 100.0),
    (0.005, 90.0),
    (0.01, 75.0),
    (0.02, 60.0),
    (0.04, 35.0),
    (0.08, 0.0),
)

# B. Fraud. SCORING.md gives no identity-verified value: half of purchase-verified, as for
# complaints (0.4 is half of 0.8).
FRAUD_POINTS = 25.0
FRAUD_MAX = 60.0
FRAUD_VERIFICATION_WEIGHT = {
    "regulator": 1.0,
    "platform": 0.8,
    "purchase": 0.3,
    "identity": 0.15,
    "unverified": 0.05,
}

# C. Sanctions.
SANCTION_POINTS = {
    SANCTION_WARNING: 10.0,
    SANCTION_MINOR_FINE: 10.0,
    SANCTION_MAJOR_FINE: 25.0,
    SANCTION_CONSENT_ORDER: 25.0,
    ABNORMAL_OPERATIONS: 0.0,
    SERIOUS_ILLEGAL_LIST: 0.0,
    LICENCE_REVOKED: 0.0,
    TRADING_BAN: 0.0,
}
SANCTION_KINDS = frozenset(SANCTION_POINTS)
SANCTION_CAPS = {
    SANCTION_MAJOR_FINE: "C",
    ABNORMAL_OPERATIONS: "C",
    SERIOUS_ILLEGAL_LIST: "D",
    LICENCE_REVOKED: "F",
    TRADING_BAN: "F",
}
FRAUD_FINDING_CAP = "D"
IDENTITY_CAP = "C"
CAP_DAYS = 3 * 365  # "records stay relevant 3 years"
CAP_WINDOW = timedelta(days=CAP_DAYS)
# The highest value a capped score may keep: one display decimal under the next grade up.
CAP_CEILING = {"C": 76.9, "D": 66.9, "F": 59.9}
CAP_REASONS = {
    "identity_unverified": ("identity not verified", "身份未核实"),
    "fraud_finding": ("verified fraud finding", "经核实的欺诈认定"),
    SANCTION_MAJOR_FINE: ("major fine", "重大罚款"),
    ABNORMAL_OPERATIONS: ("abnormal-operations listing", "经营异常名录"),
    SERIOUS_ILLEGAL_LIST: ("serious illegal and dishonest list", "严重违法失信名单"),
    LICENCE_REVOKED: ("licence revoked", "吊销执照"),
    TRADING_BAN: ("trading ban", "禁止经营"),
}

GRADES = (
    ("A+", 97.0),
    ("A", 94.0),
    ("A-", 90.0),
    ("B+", 87.0),
    ("B", 84.0),
    ("B-", 80.0),
    ("C+", 77.0),
    ("C", 74.0),
    ("C-", 70.0),
    ("D+", 67.0),
    ("D", 64.0),
    ("D-", 60.0),
    ("F", 0.0),
)
GRADE_RANK = {name: i for i, (name, _) in enumerate(GRADES)}
NR_MIN_ORDERS = 30.0
NR = "NR"

# Anti-gaming windows, aligned to WINDOW_EPOCH so that a window never depends on other
# events (which keeps the score monotone and independent of arrival order).
WINDOW_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ORDERS_PER_BUYER = 5
BUYER_WINDOW_DAYS = 30
COMPLAINANT_WINDOW_DAYS = 90
BURST_WINDOW_DAYS = 7
BURST_SIGMAS = 3.0
TOP_CONTRIBUTORS = 5

_TINY = math.ulp(0.0)


def decay_weight(age_days: float, half_life_days: float) -> float:
    """Return the forgetting weight 2^(-age/h), in (0, 1]; a negative age weighs 1."""
    if age_days <= 0.0:
        return 1.0
    # Floored at the smallest positive float so that the weight stays strictly positive.
    return max(2.0 ** (-age_days / half_life_days), _TINY)


def points_for(theta: float) -> float:
    """Return the performance points of a shrunk defect rate (piecewise linear)."""
    if theta <= 0.0:
        return POINTS_CURVE[0][1]
    x0, y0 = POINTS_CURVE[0]
    for x1, y1 in POINTS_CURVE[1:]:
        if theta < x1:
            return y0 + (theta - x0) * (y1 - y0) / (x1 - x0)
        x0, y0 = x1, y1
    return POINTS_CURVE[-1][1]


def grade_for(value: float) -> str:
    """Return the letter grade of a (capped) score."""
    return _GRADE_NAMES[bisect_right(_GRADE_LOWS, value)]


_GRADE_LOWS = [low for _, low in reversed(GRADES[:-1])]  # 60, 64, ... 97
_GRADE_NAMES = [name for name, _ in reversed(GRADES)]  # F, D-, ... A+


def combine(
    orders: float, defects: float, fraud: float, sanctions: float, cap_value: float | None
) -> tuple[float, float, float, float]:
    """Return (theta, points, raw, value) from the published parts."""
    theta = (defects + PRIOR_DEFECTS) / (orders + PRIOR_ORDERS)
    points = points_for(theta)
    raw = min(100.0, max(0.0, points - fraud - sanctions))
    value = raw if cap_value is None else min(raw, cap_value)
    return theta, points, raw, value


def burst_allowance(baseline: float) -> int:
    """Return k: the count 3 standard deviations above a Poisson baseline, at least 1."""
    baseline = max(0.0, baseline)
    return max(1, math.ceil(baseline + BURST_SIGMAS * math.sqrt(baseline)))


# Published oracles: the textbook formulas the model's anchors come from.


def beta_expectation(r: float, s: float) -> float:
    """Return the Beta reputation expectation (r + 1) / (r + s + 2)."""
    return (r + 1.0) / (r + s + 2.0)


def beta_rating(r: float, s: float) -> float:
    """Return the Beta reputation rating (r - s) / (r + s + 2), in [-1, 1]."""
    return (r - s) / (r + s + 2.0)


def wilson_lower_bound(up: float, down: float, z: float = 1.959964) -> float:
    """Return the Wilson score interval's lower bound for a share of positive votes."""
    n = up + down
    if n <= 0:
        return 0.0
    p = up / n
    z2 = z * z
    centre = p + z2 / (2.0 * n)
    spread = z * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n))
    return (centre - spread) / (1.0 + z2 / n)


def bayesian_average(prior_count: float, prior_mean: float, values: Iterable[float]) -> float:
    """Return the mean of values shrunk toward prior_mean by prior_count pseudo-values."""
    total = prior_count * prior_mean
    count = prior_count
    for v in values:
        total += v
        count += 1
    return total / count if count else prior_mean
