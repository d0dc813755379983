from __future__ import annotations

import pytest
from stdnum import luhn
from stdnum.cn import ric

from registry.privacy import contact_digest, name_forms, normalize_contact, scrub

PHONE = "【电话已隐去】"
ID = "【身份证号已隐去】"
CARD = "【银行卡号已隐去】"
EMAIL = "【邮箱已隐去】"
HANDLE = "【联系方式已隐去】"
NAME = "【姓名已隐去】"

VALID_ID = "360426199101010071"
VALID_ID_X = "11010519491231002X"
CARD_19 = "622202123456789012" + luhn.calc_check_digit("622202123456789012")
VISA = "4111111111111111"


def not_luhn(body: str) -> str:
    """Return ``body`` plus a wrong check digit."""
    return body + str((int(luhn.calc_check_digit(body)) + 1) % 10)


def test_fixtures_are_what_they_claim():
    assert ric.is_valid(VALID_ID) and ric.is_valid(VALID_ID_X)
    assert luhn.is_valid(CARD_19) and luhn.is_valid(VISA)
    assert not luhn.is_valid(not_luhn("123456789012345678"))


@pytest.mark.parametrize(
    "phone",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+86-13812345678",
        "(+86)13812345678",
        "008613812345678",
        "8613812345678",
        "１３８１２３４５６７８",  # full width
    ],
)
def test_mobile_numbers_are_masked(phone):
    assert scrub(f"请联系{phone}，谢谢") == f"请联系{PHONE}，谢谢"


@pytest.mark.parametrize(
    "phone",
    [
        "0571-88886666",
        "(010)62345678",
        "010 6234 5678",
        "+86 571 8888 6666",
        "+86-10-62345678",
        "0571-88886666转123",
    ],
)
def test_landlines_with_area_code_are_masked(phone):
    assert scrub(f"座机 {phone} 白天") == f"座机 {PHONE} 白天"


def test_business_hotlines_and_short_numbers_stay():
    text = "客服 400-123-4567 或 95588,付款 1500 元,2024-03-15 12:30 下单"
    assert scrub(text) == text


@pytest.mark.parametrize(
    "number", [VALID_ID, VALID_ID_X, VALID_ID_X.lower(), "360426 19910101 0071"]
)
def test_valid_resident_ids_are_masked(number):
    assert scrub(f"身份证{number}。") == f"身份证{ID}。"


def test_id_shaped_number_with_a_bad_check_digit_is_masked_too():
    bad = VALID_ID[:-1] + "2"
    assert not ric.is_valid(bad)
    assert scrub(f"身份证 {bad}") == f"身份证 {ID}"


def test_valid_id_is_masked_even_when_called_an_order_number():
    assert scrub(f"订单号 {VALID_ID}") == f"订单号 {ID}"


def test_id_shaped_but_invalid_order_number_stays_when_labelled():
    bad = VALID_ID[:-1] + "2"
    assert scrub(f"订单号：{bad}") == f"订单号：{bad}"


@pytest.mark.parametrize("card", [CARD_19, VISA, "6222 0212 3456 7890 128", "4111-1111-1111-1111"])
def test_luhn_valid_card_numbers_are_masked(card):
    assert scrub(f"退款到卡号{card}上") == f"退款到卡号{CARD}上"


def test_luhn_invalid_long_numbers_are_kept_as_order_numbers():
    order = not_luhn("232456789012345678")
    assert scrub(f"我的单子 {order} 没发货") == f"我的单子 {order} 没发货"


def test_luhn_valid_number_labelled_as_order_is_kept():
    order = "2324567890123456" + luhn.calc_check_digit("2324567890123456")
    for label in ("订单号", "订单编号：", "快递单号 ", "Order No. "):
        assert scrub(f"{label}{order}") == f"{label}{order}"


def test_short_numbers_are_not_cards():
    assert scrub("订单 123456789012") == "订单 123456789012"  # 12 digits


@pytest.mark.parametrize(
    "email", ["buyer@example.com", "Foo.Bar+x@mail.example.com.cn", "12345@qq.com"]
)
def test_emails_are_masked(email):
    assert scrub(f"邮箱 {email} 。") == f"邮箱 {EMAIL} 。"


def test_labelled_qq_and_wechat_are_masked_keeping_the_label():
    assert scrub("QQ：123456789，微信号: wxid_abc123") == f"QQ：{HANDLE}，微信号: {HANDLE}"


def test_names_and_surname_forms_are_masked():
    text = "我是王小明，客服叫我王先生，又说王女士和王某某都不行。王 小明再次申请。"
    assert scrub(text, ["王小明"]) == (
        f"我是{NAME}，客服叫我{NAME}，又说{NAME}和{NAME}都不行。{NAME}再次申请。"
    )


def test_given_name_alone_and_other_surnames_stay():
    assert scrub("李先生在建国路的小明店", ["王小明"]) == "李先生在建国路的小明店"


def test_compound_surnames_are_recognised():
    assert "欧阳女士" in name_forms("欧阳娜娜") and "欧女士" not in name_forms("欧阳娜娜")
    assert scrub("欧阳女士和欧阳娜娜", ["欧阳娜娜"]) == f"{NAME}和{NAME}"


def test_latin_names_are_masked_case_insensitively_on_word_boundaries():
    assert scrub("Zhang  Wei wrote; zhang wei again; Zhangwei stays", ["Zhang Wei"]) == (
        f"{NAME} wrote; {NAME} again; Zhangwei stays"
    )


def test_one_character_names_are_ignored():
    assert scrub("王", ["王"]) == "王"


def test_scrub_folds_full_width_letters_but_keeps_chinese_punctuation():
    assert scrub("全角，标点：ＡＢＣ１２３") == "全角，标点：ABC123"


def test_scrub_is_idempotent_and_keeps_markup_as_text():
    text = f"<script>alert(1)</script> 电话13812345678 卡{VISA} 王小明"
    once = scrub(text, ["王小明"])
    assert once.startswith("<script>alert(1)</script>")
    assert scrub(once, ["王小明"]) == once


@pytest.mark.parametrize(
    "raw, normal",
    [
        ("138 1234 5678", "tel:+8613812345678"),
        ("+86-138-1234-5678", "tel:+8613812345678"),
        ("008613812345678", "tel:+8613812345678"),
        ("0571-88886666", "tel:+8657188886666"),
        ("+86 (0571) 8888 6666", "tel:+8657188886666"),
        ("+1 415 555 0100", "tel:+14155550100"),
        (" Buyer@Example.COM ", "mailto:buyer@example.com"),
    ],
)
def test_contacts_normalise(raw, normal):
    assert normalize_contact(raw) == normal


@pytest.mark.parametrize("raw", ["", "hello", "12345", "a@b", "138-1234-abcd", "x" * 300 + "@a.cn"])
def test_bad_contacts_are_refused(raw):
    with pytest.raises(ValueError):
        normalize_contact(raw)


def test_contact_digest_is_keyed_and_ignores_formatting():
    a = contact_digest("138 1234 5678", "k1")
    assert a == contact_digest("+86-13812345678", "k1")
    assert a != contact_digest("13812345678", "k2")
    assert len(a) == 64 and "13812345678" not in a
