from __future__ import annotations

import csv

import pytest

from registry.core.errors import ValidationFailed
from registry.core.identifiers import (
    clean_text,
    is_valid_uscc,
    looks_like_uscc,
    normalize_identifier,
    region_of,
    region_of_uscc,
)


def test_full_width_and_spaces_are_folded():
    assert (
        normalize_identifier("cn_uscc", " ９１１１ ００００ ６０００３７３４１ｌ ")
        == "91110000600037341L"
    )


def test_bad_checksum_is_rejected_with_the_reason():
    with pytest.raises(ValidationFailed) as info:
        normalize_identifier("cn_uscc", "91110000600037341A")
    assert "checksum" in info.value.details["identifier"].lower()


@pytest.mark.parametrize("value", ["", "123", "9111000060003734", "91110000600037341LL"])
def test_wrong_length_is_rejected(value):
    with pytest.raises(ValidationFailed):
        normalize_identifier("cn_uscc", value)


def test_unknown_scheme_is_rejected():
    with pytest.raises(ValidationFailed) as info:
        normalize_identifier("xx_tax", "123")
    assert "scheme" in info.value.details


def test_eu_vat_is_validated_by_stdnum():
    assert normalize_identifier("eu_vat", "DE 136,695 976") == "DE136695976"
    with pytest.raises(ValidationFailed):
        normalize_identifier("eu_vat", "DE136695977")


def test_region_from_area_code():
    assert region_of_uscc("91440300MA5F0JAM2X").province == "广东省"
    assert region_of_uscc("91440300MA5F0JAM2X").city == "深圳市"
    assert region_of("110108").city == "北京市"  # municipality: the city is the province
    assert region_of("419001").city == "济源市"  # county-level city under the province
    assert region_of("999999").province is None


def test_clean_text_drops_control_characters():
    assert clean_text("a\x00b\u3000 c\x1b") == "ab c"


def test_looks_like_uscc_accepts_shape_only():
    assert looks_like_uscc("91110000600037341A") and not is_valid_uscc("91110000600037341A")
    assert not looks_like_uscc("淘宝店铺")


def test_stdnum_vectors_agree(shared_data):
    with (shared_data / "cn_uscc_stdnum_vectors.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["module"] == "uscc"]
    assert len(rows) > 100
    for row in rows:
        valid = True
        try:
            normalize_identifier("cn_uscc", row["number"])
        except ValidationFailed:
            valid = False
        assert valid == (row["expected"] == "valid"), row
