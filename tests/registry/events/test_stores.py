"""The store mapping: each platform keeps and sees only its own store ids."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.core.errors import NotFound, ValidationFailed
from registry.core.shapes import read
from registry.events.shapes import StoreMapping
from registry.events.stores import StoreService
from registry.journal.models import AuditEntry

from ...factories import make_seller


def test_a_mapping_is_created_changed_and_listed_by_its_source_only(session):
    seller, other = make_seller(session), make_seller(session)
    a, b = StoreService(session, "platform:a"), StoreService(session, "platform:b")
    _, created = a.put("S-1", seller.public_id)
    assert created
    _, created = a.put("S-1", other.public_id)
    assert not created
    b.put("S-1", seller.public_id)
    session.commit()
    assert [(m.store, m.seller) for m in a.list()] == [("S-1", other.public_id)]
    assert [(m.store, m.seller) for m in b.list()] == [("S-1", seller.public_id)]
    assert a.sellers_of(["S-1", "S-2"]) == {"S-1": other.public_id}


def test_one_platform_cannot_delete_anothers_mapping(session):
    seller = make_seller(session)
    StoreService(session, "platform:a").put("S-1", seller.public_id)
    session.commit()
    with pytest.raises(NotFound):
        StoreService(session, "platform:b").delete("S-1")
    StoreService(session, "platform:a").delete("S-1")
    session.commit()
    assert StoreService(session, "platform:a").list() == []


@pytest.mark.parametrize(
    ("store", "data", "field"),
    [
        ("S-1", {"seller": "nobody"}, "seller"),
        ("S-1", {}, "seller"),
        (" ", {"seller": "x"}, "store"),
        ("x" * 129, {"seller": "x"}, "store"),
        ("S-1", {"seller": "x", "owner": "y"}, "owner"),
    ],
)
def test_bad_mappings_are_rejected(session, store, data, field):
    with pytest.raises(ValidationFailed) as info:
        # The body's fields are its shape's to refuse; the store id and the seller, the service's.
        asked = read(StoreMapping, data, "store mapping rejected")
        StoreService(session, "platform:a").put(store, asked.seller)
    assert field in info.value.details


def test_mapping_changes_are_audited(session):
    seller = make_seller(session)
    StoreService(session, "platform:a").put("S-1", seller.public_id)
    session.commit()
    actions = list(session.execute(select(AuditEntry.action)).scalars())
    assert "store_mapping.create" in actions
