"""People's names: the complainant's in every form, and other people's found in the text.

Chinese names of other people are found with jieba's words and its part-of-speech table
(``nr``, ``nrfg``: person names; ``nrt``, transliterated names, only after a cue). jieba
alone is noisy (谢谢, 华为, 陈旧 are tagged ``nr``), so a name is masked on a strong signal: a
cue before it (客服, 快递员, 联系人, 叫 ...) or a title after it (先生, 经理 ...). Without one, it
takes a common surname, given-name characters from a list of common ones, no fame (a word
jieba's dictionary knows well, such as 张爱玲, names a public figure), and a person's word
beside it: a verb of speech or dealing (说, 告诉, 答应 ...), 被/跟/找 before it, a kin word
(朋友, 老公 ...), or another such name joined by 和 or 、 (王小明和李晓红).

A surname with a title alone (李先生, 张某) is how Chinese writing makes a person anonymous,
and stays, unless the text also names the person in full (我叫李小红，李女士就是我): a name
found is masked everywhere in the text, with its surname forms. English names of other
people are masked after a role (agent, driver, manager ...) or "named", and after a title
with a full name (Mr. John Smith); "Mr. Smith" stays, as 李先生 does.
"""

from __future__ import annotations

import re
import threading

from .forms import COMPOUND_SURNAMES, name_forms

# The hundred-odd commonest surnames (most of the population), then rarer ones that only a
# cue or a title makes a surname.
COMMON_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎"
    "贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧"
    "耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍"
)
SURNAMES = COMMON_SURNAMES | frozenset(
    "华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏"
    "宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
# Characters common in given names; a name found without a cue must be made of these.
GIVEN_CHARS = frozenset(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华建国志文海红玉林兰凤玲梅萍燕波辉鹏飞斌"
    "宇浩凯健俊帆帅旭宁龙欣晨雪琳晶颖慧莉倩婷雯佳怡嘉瑶璐琪蕾薇悦露岚琴云莲真珍贞菊香春秋荣"
    "彩爱淑惠巧美娇翠雅芝娥芬洁素莺媛瑞凡琼勤娣璧娅琦妍茜珊莎锦黛青姣婉娴瑾瑜婵雁蓓仪荷丹蓉"
    "眉君蕊菁梦婕馨琰韵艺咏卿聪澜纯毓昭冰爽琬茗羽希飘滢馥筠柔竹凝晓欢霄枫芸菲寒伊亚宜舒影荔"
    "妮宝贝恒鸿桦骅剑灵媚晴容睿烁唯威韦苇萱彦雨忠宗曼紫逸贤蝶菡毅峰东辉永世广义兴良山仁贵福"
    "生元全胜学祥才发武新利清彬富顺信子昌成康星光天达安岩中茂进有坚彪博诚先敬震振壮思群豪心"
    "邦承乐绍功松善厚庆民友裕河哲江亮政谦亨奇固翰朗伯宏言若鸣朋梁栋维启克伦翔泽辰士家致树炎"
    "德泰盛雄琛钧冠策腾楠榕风航弘小晓红艳敏霖萌琦钰轩昊昕涵瀚铭烨桐彤瑶琳沐阳大"
)
# Words and particles that never begin or end a given name.
FUNCTION_CHARS = frozenset(
    "的了是在和与跟说也都就还又才很太把被给让对从向往于及或而且但却呢吗吧啊呀哦嗯么着过地得个这"
    "那我你他她它们没不别要会能可以去来到上下里外前后再已经真好多少些次件块元天月年号日时分秒吃"
    "买卖送收发退换用看想做找问叫打拿等当就该将被并即"
)
# Roles whose holder a complaint names (客服张丽, 快递员王建军): a name after one is masked.
_ROLES = (
    "客服|店主|店长|老板娘|老板|掌柜|快递员|快递小哥|快递|骑手|配送员|送餐员|外卖员|司机|经理|主管|"
    "总监|负责人|联系人|收件人|收货人|寄件人|发件人|业务员|销售员|销售|导购|售后|工作人员|员工|"
    "店员|服务员|营业员|收银员|接待员|前台|技术员|维修工|维修员|安装工|师傅|律师|法定代表人|"
    "代表人|法人|股东|会计|出纳|财务|姓名|名叫|叫做|署名|签收人|经办人|操作员|投诉人|举报人|"
    "当事人|专员|代理人|委托人|户名|收款人|持卡人|本人"
)
# Words before a person that are as often before a word (女儿温馨, 叫张爱玲小说集): they count
# only for a name that already looks like a private person's.
_KIN = (
    "同事|朋友|室友|邻居|老公|老婆|丈夫|妻子|爱人|儿子|女儿|父亲|母亲|爸爸|妈妈|哥哥|姐姐|弟弟|"
    "妹妹|网友|买家|卖家|用户|会员|顾客|客户|消费者|法官|警察|民警|警官|医生|护士|老师|同学|叫"
)
_AFTER_CUE = r"[\s：:，,]{0,2}(?:名叫|叫做|叫|是|为|姓名|名字叫|名字是|名字)?[\s：:]{0,2}$"
_CUE_BEFORE = re.compile(rf"(?:{_ROLES}){_AFTER_CUE}")
_KIN_BEFORE = re.compile(rf"(?:{_KIN}){_AFTER_CUE}")
_TITLE_AFTER = re.compile(
    "先生|女士|小姐|太太|夫人|老师|总经理|经理|总监|主任|主管|师傅|律师|医生|警官|同学|阿姨|大姐|"
    "大哥|老板|店长|专员|同志|董事长|科长|处长|局长|部长|队长"
)
_PERSON_AFTER = re.compile(
    "说|讲|称|表示|告诉|答应|承诺|回复|回答|打电话|来电|联系|骂|让我|叫我|要求|拒绝|同意|签收|解释|"
    "声称|保证|通知|负责|态度|一起|和我|跟我|对我|给我"
)
_PERSON_BEFORE = re.compile("(?:跟|找|问|让|被|叫|联系|致电|委托|通知|告诉)$")
_JOIN = re.compile("[和与跟及、]")
_CONTEXT = re.compile(
    "|".join(
        (
            _ROLES,
            _KIN,
            _TITLE_AFTER.pattern,
            _PERSON_AFTER.pattern,
            "跟|找|问|让|被|叫|联系|致电|委托|通知|告诉",
            "[和与跟及、]",
        )
    )
)
_NR_TAGS = frozenset({"nr", "nrfg"})
_PUBLIC_FREQ = 20  # jieba's dictionary counts; a private person's name is rarely above it
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]{2,}")
_SURNAME_IN = re.compile("[" + "".join(sorted(SURNAMES)) + "]")

_lock = threading.Lock()
_jieba: tuple | None = None


def _tagger() -> tuple:
    """Return (jieba tokenizer, word -> tag, word -> count), loading jieba on first use."""
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                import jieba
                import jieba.posseg

                jieba.dt.check_initialized()
                _jieba = (jieba.dt, jieba.posseg.dt.word_tag_tab, jieba.dt.FREQ)
    return _jieba


def _is_han(word: str) -> bool:
    return all("\u3400" <= ch <= "\u9fff" for ch in word)


def _candidates(words: list[tuple[str, int, int]], tags: dict, freq: dict):
    """Yield (start, end, surname, given, count) of each possible name among jieba's words."""
    for k, (w, s, e) in enumerate(words):
        if 2 <= len(w) <= 4 and tags.get(w) in _NR_TAGS:
            surname = w[:2] if w[:2] in COMPOUND_SURNAMES else w[0]
            given = w[len(surname) :]
            # 师傅, 华为, 陈旧 are tagged as names: a known word needs a common surname
            # and a given name of given-name characters even after a cue.
            common = surname in COMMON_SURNAMES or surname in COMPOUND_SURNAMES
            if common and 1 <= len(given) <= 2 and set(given) <= GIVEN_CHARS:
                yield s, e, surname, given, freq.get(w, 0)
            continue
        if w not in SURNAMES and w not in COMPOUND_SURNAMES or k + 1 == len(words):
            continue
        g1, _, e1 = words[k + 1]
        if len(g1) == 2 and _is_han(g1):
            if tags.get(g1) in _NR_TAGS or tags.get(g1) == "nrt":
                yield s, e1, w, g1, 0
        elif len(g1) == 1 and _is_han(g1) and g1 not in FUNCTION_CHARS:
            # Characters jieba left single after a surname: 张/丽, 曲/黎/敏. Both the two- and
            # the three-character reading go on; the longer wins where both pass.
            yield s, e1, w, g1, 0
            if k + 2 < len(words):
                g2, _, e2 = words[k + 2]
                if len(g2) == 1 and _is_han(g2) and g2 not in FUNCTION_CHARS:
                    yield s, e2, w, g1 + g2, 0


def chinese_name_spans(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, "name") of other people's Chinese names in ``text``."""
    spans: list[tuple[int, int, str]] = []
    # Every name needs a word beside it (a cue, a title, a person's verb, 和): a text
    # without one has no name to find, and jieba need not cut it.
    context = [m.span() for m in _CONTEXT.finditer(text)]
    if not context:
        return spans
    runs = []
    k = 0
    for m in _HAN_RUN.finditer(text):
        # a cue up to 14 characters before a name, the rest inside its run or right after
        start, end = m.start() - 14, m.end() + 2
        while k < len(context) and context[k][1] <= start:
            k += 1
        if k < len(context) and context[k][0] < end and _SURNAME_IN.search(m.group(0)):
            runs.append(m)
    if not runs:
        return spans
    dt, tags, freq = _tagger()
    for run in runs:
        words, at = [], run.start()
        for w in dt.cut(run.group(0), HMM=False):
            words.append((w, at, at + len(w)))
            at += len(w)
        likely = []
        for s, e, surname, given, count in _candidates(words, tags, freq):
            if any(ch in FUNCTION_CHARS for ch in given):
                continue
            common = surname in COMMON_SURNAMES or surname in COMPOUND_SURNAMES
            # A title after a name vouches for all of it (曲黎敏老师); a cue before it only
            # for a common surname and a given name that begins like one (送餐员连句抱歉 is
            # no name).
            if _TITLE_AFTER.match(text, e) or (
                common and given[0] in GIVEN_CHARS and _CUE_BEFORE.search(text, max(0, s - 14), s)
            ):
                spans.append((s, e, "name"))
            elif surname in COMMON_SURNAMES and set(given) <= GIVEN_CHARS and count <= _PUBLIC_FREQ:
                likely.append((s, e))
        for n, (s, e) in enumerate(likely):
            # 王小明和李晓红: two names joined are each other's evidence
            joined = any(
                _JOIN.fullmatch(text, a, b)
                for a, b in (
                    (likely[n - 1][1], s) if n else (0, 0),
                    (e, likely[n + 1][0]) if n + 1 < len(likely) else (0, 0),
                )
                if b > a
            )
            if (
                joined
                or _PERSON_AFTER.match(text, e)
                or _PERSON_BEFORE.search(text, max(0, s - 2), s)
                or _KIN_BEFORE.search(text, max(0, s - 8), s)
            ):
                spans.append((s, e, "name"))
    return _everywhere(text, spans)


def _everywhere(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Add every other occurrence of a name found (孙瑞雪老师 ... 孙瑞雪教育机构), and for a
    Chinese one its surname forms (李小红 ... 李女士)."""
    found = {text[s:e] for s, e, _ in spans}
    words = []
    for name in found:
        if name.isascii():  # John, not Johnson nor John138
            words.append(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])")
        else:  # and 李女士 once 李小红 is named: the same person
            words += [re.escape(form) for form in name_forms(name)]
    if words:
        pattern = re.compile("|".join(sorted(words, key=len, reverse=True)))
        spans += [(m.start(), m.end(), "name") for m in pattern.finditer(text)]
    return spans


_EN_ROLE = (
    r"agent|rep|representative|manager|supervisor|driver|courier|owner|clerk|cashier|"
    r"technician|employee|associate|staff(?:\s+member)?|delivery\s+(?:man|guy|driver|person)|"
    r"contact(?:\s+person)?|officer|lawyer|landlord|salesman|saleswoman|salesperson|"
    r"guy|man|woman|lady|person|someone|friend|husband|wife|neighbou?r"
)
_EN_NAME = r"[A-Z][a-z]{1,20}(?:[\s\-][A-Z][a-z]{1,20}){0,2}"
_EN_PERSON = re.compile(
    rf"(?:(?i:(?<![A-Za-z])(?:{_EN_ROLE}))[,:]?\s+(?i:named\s+|called\s+)?|(?i:(?<![A-Za-z])(?:named|name\s+is|name\s+was|"
    rf"signed\s+by)\s+))(?:(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+)?(?P<n>{_EN_NAME})(?![A-Za-z0-9])"
    rf"|(?<![A-Za-z])(?:Mr|Mrs|Ms|Miss|Dr|Mister)\.?\s+(?P<full>[A-Z][a-z]{{1,20}}\s+[A-Z][a-z]{{1,20}})(?![A-Za-z0-9])"
)
_CAPITALISED = re.compile("[A-Z][a-z]")
_EN_NOT_NAMES = frozenset(
    "I The A An And Or But He She They We You It This That My Our Your His Her Their Customer "
    "Service Support Team Store Shop Seller Company Manager Agent Department Office Center Centre "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May "
    "June July August September October November December Amazon Taobao Tmall Jd Ebay Said Told "
    "Was Is Never Still Then Today Yesterday Tomorrow Sir Madam Hello Hi Please Thanks Mr Mrs "
    "Ms Miss Dr Mister Apt Suite Unit Street Road Avenue".split()
)


def english_name_spans(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, "name") of other people's names in English text, after a cue."""
    spans: list[tuple[int, int, str]] = []
    if not _CAPITALISED.search(text):
        return spans
    for m in _EN_PERSON.finditer(text):
        group = "n" if m.group("n") else "full"
        words = m.group(group).replace("-", " ").split()
        while words and words[-1] in _EN_NOT_NAMES:
            words.pop()
        if not words or words[0] in _EN_NOT_NAMES:
            continue
        start = m.start(group)
        end = start + len(" ".join(words))
        spans.append((start, end, "name"))
    return _everywhere(text, spans)
