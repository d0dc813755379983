"""Publish the model: every number needed to recompute a score, as JSON-ready data."""

from __future__ import annotations

from typing import Any

from . import model as m


def model_document() -> dict[str, Any]:
    """Return every weight, half-life, threshold, prior, cap and grade boundary of the model."""
    return {
        "version": m.SCORING_VERSION,
        "decay": {
            "formula": "weight = 2^(-age_days / half_life_days)",
            "half_life_days": {
                "orders_defects_complaints": m.ORDER_HALF_LIFE_DAYS,
                "fraud_sanctions": m.FRAUD_HALF_LIFE_DAYS,
            },
        },
        "performance": {
            "formula": "theta = (D + defects_prior) / (N + orders_prior); P = points(theta)",
            "orders_prior": m.PRIOR_ORDERS,
            "defects_prior": m.PRIOR_DEFECTS,
            "verified_order_sources": sorted(m.VERIFIED_ORDER_SOURCES),
            "defect_weight": "base x severity x verification x resolution",
            "defect_base": dict(m.DEFECT_BASE),
            "severity": dict(m.SEVERITY_WEIGHT),
            "verification": dict(m.VERIFICATION_WEIGHT),
            "resolution": {
                ("pending" if k is None else k): v for k, v in m.RESOLUTION_WEIGHT.items()
            },
            "points_curve": [list(p) for p in m.POINTS_CURVE],
            "points_beyond_curve": m.POINTS_CURVE[-1][1],
        },
        "fraud": {
            "formula": "F = min(max, sum of points x verification x decay)",
            "points": m.FRAUD_POINTS,
            "max": m.FRAUD_MAX,
            "verification": dict(m.FRAUD_VERIFICATION_WEIGHT),
            "invalid_counts": 0,
        },
        "sanctions": {
            "formula": "S = sum of points x 2^(-max(0, now - window_end) / half_life)",
            "points": dict(m.SANCTION_POINTS),
            "window_end": "min(ends_at or occurred_at, lifted_at), not before occurred_at",
        },
        "caps": {
            "by_kind": dict(m.SANCTION_CAPS),
            "regulator_verified_fraud_report": m.FRAUD_FINDING_CAP,
            "identity_not_verified": m.IDENTITY_CAP,
            "years": m.CAP_DAYS // 365,
            "days": m.CAP_DAYS,
            "until": "min(max(occurred_at + days, ends_at), lifted_at); "
            "abnormal_operations: until lifted_at (or ends_at)",
            "ceiling": dict(m.CAP_CEILING),
        },
        "score": {
            "formula": "value = min(clamp(P - F - S, 0, 100), lowest cap ceiling)",
            "grades": [{"grade": g, "min": low} for g, low in m.GRADES],
            "limited_history": {
                "display": m.NR,
                "rule": "N < min_orders and no counted negative event or sanction cap",
                "min_orders": m.NR_MIN_ORDERS,
            },
        },
        "anti_gaming": {
            "window_epoch": m.WINDOW_EPOCH.isoformat(),
            "orders_per_buyer": m.ORDERS_PER_BUYER,
            "buyer_window_days": m.BUYER_WINDOW_DAYS,
            "complainant_window_days": m.COMPLAINANT_WINDOW_DAYS,
            "burst_window_days": m.BURST_WINDOW_DAYS,
            "burst_sigmas": m.BURST_SIGMAS,
            "burst_allowance": "k = max(1, ceil(lambda + sigmas x sqrt(lambda))); lambda = "
            "decayed count of verified complaint units outside the window "
            "x window_days x ln2 / half_life",
            "grouping": [
                "a complaint with a complainant_ref: the largest per complainant and window",
                "else an event with an order_ref: the largest per order",
                "else an unverified complaint: the k largest per burst window",
                "else: counted as it is",
            ],
        },
        "aggregates": {
            "field": "count",
            "kinds": [m.ORDER, *sorted(k for k in m.DEFECT_BASE if k != m.COMPLAINT)],
            "rule": "an event with count c weighs c times one such event; it names no order "
            "and no buyer, so neither the per-order nor the per-buyer rule applies to it",
            "dated": "the start of its day, 00:00 UTC",
        },
        "top_contributors": m.TOP_CONTRIBUTORS,
    }
