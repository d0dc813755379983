"""Private links in a browser: the token in the fragment fills the forms through the page's
own script, under a policy that runs no inline script; an old ?token= link still works."""

from __future__ import annotations

import io
import itertools

import pytest

from .conftest import save_screenshot

pytestmark = pytest.mark.browser

FORM = {"category": "contract_fulfillment"}
NARRATIVES = (
    "付款后一直没有发货，客服不回复。",
    "收到的耳机是二手的，包装已被拆开，申请退货被拒绝。",
    "说好七天内退款，已经过去一个月了，电话一直打不通。",
    "商品页面写着正品保证，实物却是仿冒品，商家拒绝承认。",
    "预付了三个月的健身课程，门店突然关门，商家不退剩余费用。",
    "买的冰箱送货时外壳有凹痕，送货员不让开箱验货就要签收。",
    "网店承诺的赠品一直没有寄出，联系客服只说在安排。",
    "定制的窗帘尺寸和下单时填写的不一致，商家要求我自己承担运费。",
)
NUMBERS = itertools.count(1)  # one complainant, narrative and address per complaint


def _post(registry, path: str, body: dict, token: str | None = None, n: int = 0) -> dict:
    """Through the app in-process, from an address of its own: filing is rate-limited per
    client, and the browser tests share 127.0.0.1."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with registry.app.test_client() as client:
        response = client.post(
            path, json=body, headers=headers, environ_base={"REMOTE_ADDR": f"192.0.2.{n}"}
        )
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    return response.json["data"]


def _watch_policy(page) -> list[str]:
    """Console messages about blocked content (an inline script or style, say)."""
    blocked: list[str] = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return blocked


def _pastes_hidden(page) -> bool:
    """Whether every form's paste field is hidden: the script filled the token in (the
    reply page has two: the answer's and the files')."""
    pastes = page.locator("[data-token-paste]").all()
    return bool(pastes) and all(p.is_hidden() for p in pastes)


def _filed_and_accepted(registry) -> tuple[str, str, str]:
    n = next(NUMBERS)
    body = {
        **FORM,
        "narrative": NARRATIVES[n % len(NARRATIVES)],
        "contact": f"1390000{n:04d}",
        "seller": registry.seller.public_id,
    }
    filed = _post(registry, "/api/v1/complaints", body, n=n)
    accepted = _post(
        registry, f"/api/v1/complaints/{filed['id']}/accept", {}, registry.moderator_token
    )
    return filed["id"], filed["follow_url"], accepted["reply_url"]


def test_the_merchant_and_the_consumer_answer_through_their_private_links(page, registry):
    blocked = _watch_policy(page)
    cid, follow_url, reply_url = _filed_and_accepted(registry)
    assert "#token=crt_" in reply_url and "?" not in reply_url

    page.goto(reply_url)
    assert _pastes_hidden(page)  # the script filled it in
    page.get_by_label("您的公开答复").fill("已补发，快递单号 SF123")
    with page.expect_navigation():
        page.get_by_role("button", name="发布答复").click()
    assert page.url == f"{registry.base}/complaints/{cid}"
    assert "已补发" in page.locator("section.reply").inner_text()

    page.goto(follow_url)
    confirm = page.locator("details#confirm")
    assert confirm.get_attribute("open") is not None
    assert page.locator("[data-token-paste]").is_hidden()
    page.get_by_label("是的，已经解决").check()
    with page.expect_navigation():
        confirm.get_by_role("button", name="提交").click()
    assert page.url == f"{registry.base}/complaints/{cid}"
    assert page.locator("p.notice.ok").count() == 1
    assert page.errors == [] and blocked == []


def test_without_a_token_in_the_address_the_code_can_be_pasted(page, registry):
    cid, follow_url, reply_url = _filed_and_accepted(registry)
    page.goto(f"{registry.base}/complaints/{cid}/reply")
    # each form asks for it (the reply's and the files'); the reply's is filled in here
    assert page.get_by_label("私密代码").count() == 2
    paste = page.locator("#reply-form").get_by_label("私密代码")
    assert paste.is_visible()
    paste.fill(reply_url.split("#token=", 1)[1])
    page.get_by_label("您的公开答复").fill("请提供订单号，我们马上处理。")
    with page.expect_navigation():
        page.get_by_role("button", name="发布答复").click()
    assert page.url == f"{registry.base}/complaints/{cid}"


def test_an_old_link_with_the_token_in_the_query_is_moved_to_the_fragment(page, registry):
    cid, follow_url, reply_url = _filed_and_accepted(registry)
    token = reply_url.split("#token=", 1)[1]
    page.goto(f"{registry.base}/complaints/{cid}/reply?token={token}")
    assert page.url == f"{registry.base}/complaints/{cid}/reply#token={token}"
    assert _pastes_hidden(page)
    # The language links keep the fragment: the page in English still has the token.
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**lang=en**")
    assert page.url.endswith(f"#token={token}")
    assert _pastes_hidden(page)


NOTICE = {"zh": "文件已上传", "en": "Your files are attached"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_reply_link_attaches_files_and_still_answers(
    page, registry, screenshot_dir, tmp_path, lang
):
    """The merchant with only its reply link: the page's script puts the token into both
    forms, a photo is attached (the page comes back with the link as it was), and the same
    link then publishes the answer."""
    from PIL import Image

    blocked = _watch_policy(page)
    cid, _, reply_url = _filed_and_accepted(registry)
    token = reply_url.split("#token=", 1)[1]
    photo = tmp_path / "waybill.png"
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (30, 120, 200)).save(out, "PNG")
    photo.write_bytes(out.getvalue())

    page.goto(f"{registry.base}/complaints/{cid}/reply?lang={lang}#token={token}")
    assert page.locator("[data-token-paste]").count() == 2 and _pastes_hidden(page)
    page.locator("#evidence-form input[type=file]").set_input_files(str(photo))
    with page.expect_navigation():
        page.locator("#evidence-form button[type=submit]").click()
    assert page.url == f"{registry.base}/complaints/{cid}/reply#token={token}"
    assert NOTICE[lang] in page.locator("p.notice.ok").inner_text()
    save_screenshot(page, screenshot_dir, f"complaint-reply-{lang}")

    page.locator("#reply-form textarea[name=reply]").fill("已补发，快递单号见附件。")
    with page.expect_navigation():
        page.locator("#reply-form button[type=submit]").click()
    assert page.url == f"{registry.base}/complaints/{cid}"
    with registry.app.test_client() as client:
        files = client.get(
            f"/api/v1/complaints/{cid}/evidence",
            headers={"Authorization": f"Bearer {registry.moderator_token}"},
        ).json["data"]
    assert [f["party"] for f in files] == ["merchant"]
    assert page.errors == [] and blocked == []
