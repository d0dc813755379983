"""Record regulators' sanctions: a typed decision beside each finding's score event.

Idempotency: a record is named by ``(source, external_ref)``; a record without an
external_ref by ``(source, seller, kind, decision_number)``. Re-sending a record changes only
what it states (dates, amount, authority, reason, summary) and only the sender's own record:
another source's equal key is another record. A removal or a credit repair ends a finding of
the same source only (a regulator changes another source's record with
``PATCH /api/v1/events/<id>`` and a reason, audited).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session

import scoring

from .. import journal
from ..core.db import lock_for_write
from ..core.errors import Forbidden, ValidationFailed
from ..core.types import utcnow
from ..journal import Change, ChangeKind
from ..privacy.gate import public_text, seller_names
from ..registration.importing import RawRecord
from .fields import end_of, start_of
from .models import Event, Sanction
from .sanction_rules import ABNORMAL_REMOVED, ACTIONS, CREDIT_REPAIR, SUMMARY_LIMIT
from .sanction_rules import validate_sanction as validate
from .service import EventResult, resolve_sellers

#: the decision's facts a re-sent record may restate
DETAIL = (
    "decision_number",
    "authority",
    "decided_on",
    "effective_from",
    "effective_until",
    "amount",
    "reason",
)


@dataclass
class SanctionResult(EventResult):
    sanction_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.sanction_id is not None:
            out["sanction_id"] = self.sanction_id
        return out


class SanctionService:
    """Records sanctions (a regulator's only); the caller commits."""

    def __init__(self, session: Session, actor: str, role: str, now: datetime | None = None):
        self.session = session
        self.actor = actor
        self.role = role
        self.now = now or utcnow()

    def submit(self, records: Iterable[RawRecord | dict[str, Any]]) -> Iterator[SanctionResult]:
        """Apply each record on its own, in order (a removal may follow its listing)."""
        if self.role != "regulator":
            raise Forbidden("only a regulator records sanctions")
        for i, record in enumerate(records, start=1):
            raw = record if isinstance(record, RawRecord) else RawRecord(i, record)
            if raw.error:
                yield SanctionResult(raw.line, "rejected", errors={"record": raw.error})
                continue
            try:
                yield self._apply(raw.line, raw.data)
            except ValidationFailed as exc:
                yield SanctionResult(raw.line, "rejected", errors=exc.details)

    def _apply(self, line: int, data: dict[str, Any]) -> SanctionResult:
        row = validate(data, self.now)
        sid = resolve_sellers(self.session, {row["seller_ref"]}).get(row["seller_ref"])
        if sid is None:
            raise ValidationFailed("no such seller", {"seller": "no such seller"})
        lock_for_write(self.session)
        existing = self._existing(row, sid)
        if existing is not None:
            if existing.seller_id != sid or existing.kind != row["kind"]:
                raise ValidationFailed(
                    "key in use",
                    {"external_ref": "already used for another seller or kind"},
                )
            return self._update(line, existing, row)
        if row["kind"] in ACTIONS:
            return self._act(line, sid, row)
        return self._find(line, sid, row)

    def _existing(self, row: dict[str, Any], sid: int) -> Sanction | None:
        query = select(Sanction).where(Sanction.source == self.actor)
        if row["external_ref"]:
            query = query.where(Sanction.external_ref == row["external_ref"])
        else:
            query = query.where(
                Sanction.decision_number == row["decision_number"],
                Sanction.kind == row["kind"],
                Sanction.seller_id == sid,
            )
        return self.session.execute(query.order_by(Sanction.id).limit(1)).scalar()

    def _summary(self, sid: int, text: str | None):
        keep = seller_names(self.session, [sid])[sid] if text else ()
        return public_text(text, limit=SUMMARY_LIMIT, keep=keep)

    def _find(self, line: int, sid: int, row: dict[str, Any]) -> SanctionResult:
        """A new finding: its score event and its decision."""
        shown = self._summary(sid, row["summary"])
        until = row["effective_until"]
        event = Event(
            seller_id=sid,
            kind=row["score_kind"],
            occurred_at=start_of(row["decided_on"]),
            ends_at=end_of(until) if until else None,
            verification="regulator",
            source=self.actor,
            summary=shown.public,
            summary_original=shown.original,
            created_at=self.now,
        )
        self.session.add(event)
        self.session.flush()
        sanction = self._new(sid, row, event_id=event.id)
        values = {**_facts(sanction), "score_kind": event.kind, "event_id": event.id}
        if shown.original:
            values["summary_original"] = shown.original
        self._record(
            [Change(self.actor, "sanction.create", "sanction", str(sanction.id), None, values)],
            ChangeKind.EVENT,
            sid,
        )
        return SanctionResult(line, "created", event.id, sanction_id=sanction.id)

    def _new(self, sid: int, row: dict[str, Any], **extra: Any) -> Sanction:
        sanction = Sanction(
            seller_id=sid,
            kind=row["kind"],
            source=self.actor,
            external_ref=row["external_ref"],
            created_at=self.now,
            **{k: row[k] for k in DETAIL},
            **extra,
        )
        self.session.add(sanction)
        self.session.flush()
        return sanction

    def _act(self, line: int, sid: int, row: dict[str, Any]) -> SanctionResult:
        """A removal or a repair: a decision about an earlier finding of this source."""
        target, event = self._target(sid, row)
        action = self._new(sid, row, target_id=target.id)
        changes = [
            Change(
                self.actor,
                "sanction.create",
                "sanction",
                str(action.id),
                None,
                {**_facts(action), "target_id": target.id, "summary": row["summary"]},
            ),
            self._end(action, target, event),
        ]
        self._record(changes, ChangeKind.EVENT_UPDATE, sid)
        return SanctionResult(line, "created", event.id, sanction_id=action.id)

    def _target(self, sid: int, row: dict[str, Any]) -> tuple[Sanction, Event]:
        query = (
            select(Sanction, Event)
            .join(Event, Event.id == Sanction.event_id)
            .where(Sanction.seller_id == sid, Sanction.source == self.actor)
        )
        removal = row["kind"] == ABNORMAL_REMOVED
        if removal:
            query = query.where(Sanction.kind == scoring.ABNORMAL_OPERATIONS)
        ref = row["refers_to"]
        if ref:
            query = query.where(or_(Sanction.external_ref == ref, Sanction.decision_number == ref))
        else:  # a removal without a reference: the seller's one open listing (for the reason)
            query = query.where(Event.lifted_at.is_(None))
            if row["reason"]:
                query = query.where(Sanction.reason == row["reason"])
        found = self.session.execute(query.order_by(Sanction.id)).all()
        what = "abnormal-operations listing" if removal else "sanction"
        key = "refers_to" if ref or not removal else "seller"
        if not found:
            raise ValidationFailed(
                f"no {what} to end",
                {key: f"no {what} of this seller recorded by this source matches"},
            )
        if len(found) > 1:
            raise ValidationFailed(
                "ambiguous", {key: f"{len(found)} of its records match: give refers_to"}
            )
        target, event = found[0]
        if removal and event.lifted_at is not None:
            raise ValidationFailed("already removed", {key: "that listing is already removed"})
        if not removal and target.repaired_at is not None:
            raise ValidationFailed("already repaired", {key: "that sanction is already repaired"})
        return target, event

    def _end(self, action: Sanction, target: Sanction, event: Event) -> Change:
        """End ``target`` as ``action`` decides (its cap ends; a repair stops publication)."""
        at = start_of(action.effective_from or action.decided_on)
        old = {"lifted_at": event.lifted_at}
        if action.kind == CREDIT_REPAIR:
            old["repaired_at"] = target.repaired_at
            target.repaired_at = at
            # A listing removed earlier stays removed from then.
            at = min(at, event.lifted_at) if event.lifted_at else at
        event.lifted_at = at
        new: dict[str, Any] = {"lifted_at": at, "by_sanction": action.id}
        if action.kind == CREDIT_REPAIR:
            new["repaired_at"] = target.repaired_at
        return Change(self.actor, "event.update", "event", str(event.id), old, new)

    def _update(self, line: int, sanction: Sanction, row: dict[str, Any]) -> SanctionResult:
        """A re-sent record: what it restates changes, its kind, seller and target do not."""
        diff = {
            k: (getattr(sanction, k), row[k])
            for k in DETAIL
            if row[k] is not None and getattr(sanction, k) != row[k]
        }
        event = self.session.get(Event, sanction.event_id) if sanction.event_id else None
        event_diff: dict[str, tuple[Any, Any]] = {}
        if event is not None:
            shown = self._summary(sanction.seller_id, row["summary"])
            wanted = {
                "kind": row["score_kind"],
                "occurred_at": start_of(row["decided_on"]),
                "ends_at": end_of(row["effective_until"]) if row["effective_until"] else None,
                "summary_original": shown.original,
            }
            event_diff = {
                k: (getattr(event, k), v)
                for k, v in wanted.items()
                if v is not None and getattr(event, k) != v
            }
            if "summary_original" in event_diff:  # the public copy follows its original
                event_diff["summary"] = (event.summary, shown.public)
        if not (diff or event_diff):
            return SanctionResult(line, "unchanged", sanction.event_id, sanction_id=sanction.id)
        for key, (_old, new) in diff.items():
            setattr(sanction, key, new)
        changes = [
            Change(
                self.actor,
                "sanction.update",
                "sanction",
                str(sanction.id),
                {k: v[0] for k, v in (diff | event_diff).items()},
                {k: v[1] for k, v in (diff | event_diff).items()},
            )
        ]
        if event is not None:
            for key, (_old, new) in event_diff.items():
                setattr(event, key, new)
        elif sanction.target_id and {"decided_on", "effective_from"} & set(diff):
            target = self.session.get(Sanction, sanction.target_id)
            ended = self.session.get(Event, target.event_id)  # type: ignore[union-attr]
            ended.lifted_at = None  # type: ignore[union-attr]
            if sanction.kind == CREDIT_REPAIR:
                target.repaired_at = None  # type: ignore[union-attr]
            changes.append(self._end(sanction, target, ended))  # type: ignore[arg-type]
            event = ended
        self._record(changes, ChangeKind.EVENT_UPDATE, sanction.seller_id)
        return SanctionResult(line, "updated", event.id if event else None, sanction_id=sanction.id)

    def _record(self, changes: list[Change], kind: ChangeKind, sid: int) -> None:
        self.session.flush()
        journal.record(self.session, changes, at=self.now, changed={kind: [sid]})


def _facts(sanction: Sanction) -> dict[str, Any]:
    values = {"kind": sanction.kind, "seller_id": sanction.seller_id}
    values |= {k: getattr(sanction, k) for k in ("external_ref", *DETAIL)}
    return {k: v for k, v in values.items() if v is not None}
