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
EN_NAME = "[name removed]"

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


def test_latin_names_are_masked_in_every_form_on_word_boundaries():
    text = "Zhang  Wei wrote; zhang wei again; Zhangwei, Wei Zhang; Zhangweixin stays"
    assert scrub(text, ["Zhang Wei"]) == (
        f"{EN_NAME} wrote; {EN_NAME} again; {EN_NAME}, {EN_NAME}; Zhangweixin stays"
    )


@pytest.mark.parametrize(
    "form",
    ["Zhang Wei", "Wei Zhang", "zhangwei", "ZHANG Wei", "W. Zhang", "Zhang, Wei", "Mr. Zhang"],
)
def test_a_chinese_name_is_masked_in_pinyin(form):
    assert scrub(f"Complaint filed by {form} today", ["张伟"]) == (
        f"Complaint filed by {EN_NAME} today"
    )


def test_short_pinyin_names_do_not_mask_english_words():
    # 胡歌 joined is "huge", 马丽 "mali": joined forms of short names would hit words
    assert scrub("a huge box from Mali", ["胡歌", "马丽"]) == "a huge box from Mali"
    assert scrub("Hu Ge and Ma Li", ["胡歌", "马丽"]) == f"{EN_NAME} and {EN_NAME}"


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


def test_english_text_gets_english_placeholders_and_chinese_text_chinese_ones():
    assert scrub("Call me on 138 1234 5678 please") == "Call me on [phone removed] please"
    assert scrub("请打 138 1234 5678") == "请打 【电话已隐去】"
    # an English product name does not make a Chinese complaint English, nor an e-mail
    assert scrub("买的 Apple iPhone 15 Pro Max，电话13812345678") == (
        "买的 Apple iPhone 15 Pro Max，电话【电话已隐去】"
    )
    assert scrub("邮箱 Foo.Bar+x@mail.example.com.cn") == "邮箱 【邮箱已隐去】"


def test_a_kept_number_survives_in_any_formatting():
    text = "客服热线 0571 8888 6666，另一个 0571-8888-7777"
    assert scrub(text, keep=["(0571) 88886666"]) == f"客服热线 0571 8888 6666，另一个 {PHONE}"
    assert scrub("call +86 571 8888 6666", keep=["0571-88886666"]) == "call +86 571 8888 6666"


def test_a_kept_number_survives_after_a_handle_label_too():
    assert scrub("店铺QQ：8888 6666，微信 138-0013-8000", keep=["88886666", "13800138000"]) == (
        "店铺QQ：8888 6666，微信 138-0013-8000"
    )


def test_a_kept_name_is_never_a_person_but_does_not_unmask_a_longer_one():
    assert scrub("陈志强说会补发", keep=["陈志强"]) == "陈志强说会补发"
    assert scrub("陈志强说会补发") == f"{NAME}说会补发"
    # a shop called 小明 does not protect the complainant 王小明
    assert scrub("王小明在小明店买的", ["王小明"], keep=["小明"]) == f"{NAME}在小明店买的"


def test_one_character_keep_strings_protect_nothing():
    assert scrub("电话13812345678", keep=["1", "3", "电"]) == f"电话{PHONE}"


@pytest.mark.parametrize(
    "text, names, keep",
    [
        (None, (), ()),
        (12345678901, (), ()),
        ("电话13812345678", None, None),
        ("王小明投诉", "王小明", "小明店"),
        ("王小明投诉", [None, 3, "", "王小明"], [None, b"x"]),
        ("\x00\ud800 13812345678", (), ()),
    ],
)
def test_scrub_never_raises_on_odd_arguments(text, names, keep):
    out = scrub(text, names, keep)
    assert isinstance(out, str) and "13812345678" not in out


def test_importing_the_module_does_not_load_jieba():
    import subprocess
    import sys

    code = "import sys, registry.privacy; assert 'jieba' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_name_found_is_masked_everywhere_with_its_surname_forms():
    text = "我叫李小红，李女士就是我。王女士是另一个人"
    assert scrub(text) == f"我叫{NAME}，{NAME}就是我。王女士是另一个人"
