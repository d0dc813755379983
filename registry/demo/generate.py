"""Generate the deterministic demo registry: fictional sellers, stores, domains and events.

Every name is invented (the syllables of ``words``, ``.example`` domains, the word 演示 in the
business scope); credit codes carry valid check digits but are generated, not real.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session
from stdnum.cn import uscc

from ..core.types import new_public_id
from ..events.service import EventService
from ..read.display import DEMO_VERIFIER
from ..registration.importing import RawRecord
from ..registration.models import Seller
from ..registration.service import RegistrationService
from ..scores.service import ScoreService
from .words import (
    AREAS,
    BRANDS,
    FALLBACK_NARRATIVES,
    FRAUD_TYPES,
    GIVEN,
    PINYIN,
    PLATFORMS,
    SURNAMES,
    TRADES,
)

SEED = 20261129


def make_code(rng: random.Random, area: str, kind: str = "1") -> str:
    """Return a generated USCC with a valid check digit (9 = market regulator)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "9" + kind + area + "".join(rng.choice(alphabet) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def is_empty(session: Session) -> bool:
    return session.execute(select(func.count()).select_from(Seller)).scalar_one() == 0


def default_shared_data() -> Path:
    return Path(__file__).resolve().parents[3] / "shared" / "data"


def narratives(shared_data: str | Path | None) -> list[str]:
    """Return complaint texts: real negative reviews when shared data is present."""
    path = Path(shared_data or default_shared_data()) / "zh_online_shopping_10_cats_sample.csv"
    if not path.exists():
        return FALLBACK_NARRATIVES
    with path.open(encoding="utf-8") as fh:
        texts = [
            row["review"].strip()
            for row in csv.DictReader(fh)
            if row.get("label") == "0" and 12 <= len(row.get("review", "").strip()) <= 200
        ]
    return texts[:2000] or FALLBACK_NARRATIVES


def today() -> datetime:
    """Midnight UTC today: the demo's dates are fixed relative to the day it is loaded."""
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def registrations(
    count: int = 300, seed: int = SEED, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Return ``count`` fictional registrations in the publicity system's shape."""
    now = now or today()
    rng = random.Random(seed)
    out = []
    used: set[str] = set()
    for i in range(count):
        area, city = rng.choice(AREAS)
        brand = rng.choice(BRANDS)
        trade, category, trade_en = rng.choice(TRADES)
        individual = rng.random() < 0.15
        name = (
            f"{city}市{brand}{trade}经营部"
            if individual
            else f"{city}{brand}{trade}{'电子商务' if rng.random() < 0.5 else '贸易'}有限公司"
        )
        if name in used:
            name = name.replace(brand, brand + rng.choice("甲乙丙丁戊己庚辛"), 1)
        used.add(name)
        code = make_code(rng, area, "2" if individual else "1")
        established = now.date() - timedelta(days=rng.randint(200, 4000))
        platform, pattern = rng.choice(PLATFORMS)
        slug = f"{PINYIN[brand]}-{category}-{i}"
        # An individual business has no English name: the field is absent, not None.
        english = (
            {} if individual else {"english_name": f"{PINYIN[brand].title()} {trade_en} Co., Ltd."}
        )
        out.append(
            {
                "identifier": code,
                "legal_name": name,
                **english,
                "entity_type": "个体工商户" if individual else "有限责任公司(自然人投资或控股)",
                "legal_representative": rng.choice(SURNAMES) + rng.choice(GIVEN),
                "established_on": established.isoformat(),
                "registration_authority": f"{city}市市场监督管理局",
                "registered_address": f"{city}市演示路{rng.randint(1, 999)}号",
                "status": "存续" if rng.random() > 0.04 else "吊销",
                "business_scope": f"演示数据，非真实企业。{trade}零售；网上销售。",
                "category": category,
                "aliases": [f"{brand}{trade}旗舰店"],
                "stores": [
                    {
                        "url": pattern.format(n=900000 + i),
                        "name": f"{brand}{trade}旗舰店",
                    }
                ],
                "domains": [f"{slug}.example"] if rng.random() < 0.6 else [],
                "verified_at": (now - timedelta(days=rng.randint(1, 300))).isoformat(),
                "_platform": platform,
            }
        )
    return out


def events_for(
    rng: random.Random, public_id: str, texts: list[str], now: datetime
) -> tuple[list, list]:
    """Return (platform events, regulator events) for one fictional seller."""
    # Most sellers are decent; a tail is not (quality near 1 is bad).
    quality = rng.random() ** 2
    platform, regulator = [], []
    orders = int(rng.choice([0, 10, 60, 250, 800, 1800]) * (0.5 + rng.random()))
    for k in range(orders):
        at = now - timedelta(days=rng.random() * 400)
        ref = f"{public_id}-o{k}"
        platform.append(
            {
                "seller": public_id,
                "kind": "order",
                "occurred_at": at,
                "verification": "platform",
                "order_ref": ref,
                "buyer_ref": f"b{rng.randint(1, 10 * orders + 10)}",
                "external_ref": f"demo:{ref}",
            }
        )
        if rng.random() < 0.001 + 0.04 * quality**3:
            kind = rng.choice(
                [
                    "late_shipment",
                    "late_shipment",
                    "seller_cancellation",
                    "not_as_described_return",
                    "dispute_lost",
                    "chargeback",
                    "non_delivery",
                ]
            )
            platform.append(
                {
                    "seller": public_id,
                    "kind": kind,
                    "occurred_at": min(at + timedelta(days=2), now),
                    "verification": "platform",
                    "order_ref": ref,
                    "external_ref": f"demo:{ref}:{kind}",
                }
            )
    for k in range(int(quality * 5 * rng.random() + 0.3)):
        platform.append(
            {
                "seller": public_id,
                "kind": "complaint",
                "occurred_at": now - timedelta(days=rng.random() * 500),
                "category": rng.choice(
                    [
                        "contract_fulfillment",
                        "after_sales",
                        "false_advertising",
                        "fraud",
                    ]
                ),
                "severity": rng.choice(["minor", "minor", "moderate", "harm"]),
                "verification": "purchase",
                # Good sellers mostly resolve what they are told about; bad ones ignore it.
                "resolution": (
                    "resolved"
                    if rng.random() > quality
                    else rng.choice(["unresolved", "unanswered"])
                ),
                "complainant_ref": f"c{rng.randint(1, 10**6)}",
                "summary": rng.choice(texts),
                "external_ref": f"demo:{public_id}:c{k}",
            }
        )
    if quality > 0.95:
        regulator.append(
            {
                "seller": public_id,
                "kind": "fraud_report",
                "occurred_at": now - timedelta(days=rng.randint(10, 400)),
                "category": rng.choice(FRAUD_TYPES),
                "verification": "regulator",
                "severity": "harm",
                "summary": "经核查，该经营者存在收取定金后不发货的行为。",
                "external_ref": f"demo:{public_id}:fraud",
            }
        )
    if 0.88 < quality <= 0.95 or rng.random() < 0.02:
        kind = rng.choice(["sanction_minor_fine", "sanction_major_fine", "abnormal_operations"])
        start = now - timedelta(days=rng.randint(30, 900))
        regulator.append(
            {
                "seller": public_id,
                "kind": kind,
                "occurred_at": start,
                "ends_at": start + timedelta(days=180),
                "verification": "regulator",
                "summary": "因虚假宣传被处以行政处罚。"
                if "fine" in kind
                else "通过登记的住所或者经营场所无法联系，被列入经营异常名录。",
                "external_ref": f"demo:{public_id}:sanction",
            }
        )
    return platform, regulator


def register(session: Session, count: int, now: datetime) -> list:
    """Register ``count`` fictional sellers through the regulators' service (ids seeded)."""
    id_rng = random.Random(SEED + 2)
    service = RegistrationService(
        session,
        actor=f"regulator:{DEMO_VERIFIER}",
        now=now,
        id_factory=lambda: new_public_id(rand=id_rng),
        demo=True,
    )
    return list(
        service.submit(
            RawRecord(i, {k: v for k, v in r.items() if k[0] != "_"})
            for i, r in enumerate(registrations(count, now=now), start=1)
        )
    )


def load(
    session: Session,
    count: int = 300,
    shared_data: str | Path | None = None,
    now: datetime | None = None,
) -> dict:
    """Load the demo set through the same services regulators and platforms use."""
    now = now or today()
    results = register(session, count, now)
    rng = random.Random(SEED + 1)
    texts = narratives(shared_data)
    platform_events, regulator_events = [], []
    for result in results:
        if result.seller_id:
            p, r = events_for(rng, result.seller_id, texts, now)
            platform_events += p
            regulator_events += r
    created = sum(1 for r in results if r.status == "created")
    ev = list(
        EventService(session, "platform:演示电商平台", "platform", now=now).submit(platform_events)
    )
    ev += list(
        EventService(session, f"regulator:{DEMO_VERIFIER}", "regulator", now=now).submit(
            regulator_events
        )
    )
    # A year of monthly history, so that the charts show how scores moved.
    ids = list(session.execute(select(Seller.id)).scalars())
    ScoreService(session, now=now).backfill_history(
        ids, [now - timedelta(days=30 * k) for k in range(12, 0, -1)]
    )
    rejected = [r for r in ev if r.status == "rejected"]
    if rejected:
        raise RuntimeError(f"demo events rejected: {rejected[:3]}")
    return {"sellers": created, "events": len(ev)}


def sample_csv(count: int = 20, encoding: str = "gb18030") -> bytes:
    """Return a CSV the way the publicity system exports it (Chinese headers, GB18030)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "统一社会信用代码",
            "企业名称",
            "类型",
            "法定代表人",
            "成立日期",
            "登记机关",
            "住所",
            "登记状态",
            "经营范围",
            # Known and not kept (registry.registration.columns.IGNORED_COLUMNS): the import
            # says so.
            "核准日期",
            "营业期限至",
        ]
    )
    for r in registrations(count, seed=SEED + 7, now=datetime(2026, 1, 1, tzinfo=UTC)):
        writer.writerow(
            [
                r["identifier"],
                r["legal_name"],
                r["entity_type"],
                r["legal_representative"],
                r["established_on"].replace("-", "/"),
                r["registration_authority"],
                r["registered_address"],
                r["status"],
                r["business_scope"],
                r["verified_at"][:10].replace("-", "/"),
                "长期",
            ]
        )
    return out.getvalue().encode(encoding)
