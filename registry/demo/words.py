"""The invented words the demo registry is made of: places, brand syllables and their
pinyin, trades, people's names, platforms, complaint narratives and fraud types."""

from __future__ import annotations

AREAS = [
    ("110105", "北京"),
    ("310115", "上海"),
    ("440300", "深圳"),
    ("330106", "杭州"),
    ("440106", "广州"),
    ("320505", "苏州"),
    ("510107", "成都"),
    ("420106", "武汉"),
    ("350203", "厦门"),
    ("370202", "青岛"),
    ("610113", "西安"),
    ("430104", "长沙"),
]
BRANDS = [
    "云帆",
    "星禾",
    "青柚",
    "木棉湾",
    "拾光",
    "朗悦",
    "橙屿",
    "栖枝",
    "知鹿",
    "野莓",
    "岚山",
    "暖橘",
    "澄波",
    "松果",
    "白鹭汀",
    "麦穗",
    "蓝鲸湾",
    "桔梗",
    "雪松岭",
    "晴川",
]
TRADES = [
    ("数码", "electronics", "Digital"),
    ("服饰", "apparel", "Apparel"),
    ("母婴用品", "baby", "Baby Goods"),
    ("食品", "food", "Foods"),
    ("家居", "home", "Home"),
    ("美妆", "beauty", "Beauty"),
    ("户外用品", "outdoor", "Outdoor"),
    ("图书", "books", "Books"),
]
PINYIN = {
    "云帆": "yunfan",
    "星禾": "xinghe",
    "青柚": "qingyou",
    "木棉湾": "mumianwan",
    "拾光": "shiguang",
    "朗悦": "langyue",
    "橙屿": "chengyu",
    "栖枝": "qizhi",
    "知鹿": "zhilu",
    "野莓": "yemei",
    "岚山": "lanshan",
    "暖橘": "nuanju",
    "澄波": "chengbo",
    "松果": "songguo",
    "白鹭汀": "bailuting",
    "麦穗": "maisui",
    "蓝鲸湾": "lanjingwan",
    "桔梗": "jiegeng",
    "雪松岭": "xuesongling",
    "晴川": "qingchuan",
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
]
PLATFORMS = [
    ("taobao", "https://shop{n}.taobao.com/"),
    ("jd", "https://mall.jd.com/index-{n}.html"),
    ("pinduoduo", "https://mobile.yangkeduo.com/mall_page.html?mall_id={n}"),
]
FALLBACK_NARRATIVES = [
    "付款后一直不发货，客服不回复消息。",
    "收到的商品与页面描述严重不符，申请退货被拒绝。",
    "要求先付定金才能发货，付款后对方失联。",
    "物流显示已签收但本人没有收到，商家拒绝处理。",
    "商品质量很差，用了两天就坏了，售后推诿。",
    "以超低价吸引下单，随后以缺货为由要求加价。",
    "发票一直没有开具，多次催促无果。",
    "退款承诺三天到账，一个月过去仍未退款。",
]
FRAUD_TYPES = ["low_price_trap", "deposit_scam", "counterfeit", "phishing_shop"]
