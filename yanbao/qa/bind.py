"""Claim binding: which figures of a passage sentence state the asked metric for the asked subject
and period.

Each figure of a sentence gets an owner (the subject it is about), a period and a metric, read
from the sentence itself first (the nearest name before the figure in its clause, then in the
sentence), then from its context: the paragraph before it inside the chunk, the section heading,
the table caption, and for a company report the company its title names (公司 = that company).
A table cell takes its period from its column header and its metric from its row label.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

from yanbao.ingest.valuation import row_label
from yanbao.qa.frame import (ESTIMATE, FORECASTERS, PEER_WORDS, variant_names, GENERAL, MARKS, METRICS, MUST_SAY, QUALIFIED, SEGMENTS, Mention, DAILY, Period, days_in, entities, group_of, mentions, metric_of, metric_units,
                             metric_words, named_segment, names_subject, owners, period_of, periods, qualifier_of)
from yanbao.qa.text import MODEL_CODE, YYYYMMDD, figures
from yanbao.quantity import Quantity, quantities
from yanbao.types import Chunk, Frame

_CLAUSE_END = re.compile(r"[，,；;：:。！？!?（）()]")
_METRIC_WORDS = sorted(((w, m) for m, (ws, _) in METRICS.items() for w in ws), key=lambda x: -len(x[0]))


@dataclass(frozen=True)
class Claim:
    """A figure a passage sentence states: the quantity, and whom, which period and which metric
    it is about ("" / None when neither the sentence nor its context says)."""

    quantity: Quantity
    subject: str
    period: Period | None
    metric: str
    named: bool = True  # the subject is named in the sentence itself, not taken from its context
    estimate: bool = False  # stated as a forecast, guidance or target (预计, 预期, 指引 …), not as a result
    period_named: bool = True  # the period is written in the sentence (or the table's header), not its paragraph
    label: str = ""  # the item of a slash list the figure stands for (销售/管理/研发费率分别…: 研发费率)


def clause_start(text: str, pos: int) -> int:
    starts = [m.end() for m in _CLAUSE_END.finditer(text, 0, pos)]
    return starts[-1] if starts else 0


def _last_metric(text: str) -> str:
    """The metric named last in `text` (the longest word where two end together)."""
    low = text.lower()
    best, best_end = "", -1
    for w, m in _METRIC_WORDS:
        i = low.rfind(w)
        if i >= 0 and i + len(w) > best_end:
            best, best_end = m, i + len(w)
    return best


def _last_level_metric(text: str) -> str:
    """The last metric other than 增速 named in `text`, or ""."""
    t = unicodedata.normalize("NFKC", text).lower()
    hits = [(t.rfind(w), -len(w), m) for w, m in _METRIC_WORDS if m != "增速" and w in t]
    return max(hits)[2] if hits else ""


def _first_metric(text: str) -> str:
    low = text.lower()
    hits = [(low.find(w), -len(w), m) for w, m in _METRIC_WORDS if w in low]
    return min(hits)[2] if hits else ""


def _opens_clause(sentence: str, m: Mention) -> bool:
    """True when the name starts a comma clause (…,科瑞天诚共持有…) as its subject: not one of a list
    (百度、阿里), not in brackets (BAT(百度、…))."""
    before = sentence[:m.start].rstrip()
    opened = before.count("(") + before.count("（") > before.count(")") + before.count("）")
    return (not before or before[-1] in "，,；;") and not opened and not re.match(r"\s*(?:[、和与及/]|[)）])", sentence[m.end:])


_LAUNCHED = re.compile(r"[^，,；;。]{0,12}?(?:推出|发布|研发|自研|打造)的")  # 谷歌2024年推出的TPUv6e: the maker's product
_OF = re.compile(r"\s*(?:的?|(?:芯片|公司|产品|显卡|加速卡|GPU|模型|手机|眼镜|服务器|集团)\s*的)\s*")


def _owner_at(sentence: str, pos: int, found: list[Mention], end: int | None = None) -> tuple[str, bool]:
    """(owner, named in the figure's own clause) of the figure at [pos, end): a name right after it
    (1.8万颗Blackwell), else the last name before it in its clause, else the sentence's first name (its
    topic: 小米AI眼镜…对标Ray-Ban Meta，预计售价1499元 is about 小米AI眼镜), which is a weaker reading.
    Names something is compared with (对标…, 优于…) are not owners."""
    if end is not None:
        right = [m for m in found if m.start == end or (m.start == end + 1 and sentence[end] == " ")]
        if right:
            return right[0].name, True
    of = [m for m in found if 0 <= pos - m.end <= 8 and re.fullmatch(_OF, sentence[m.end:pos])]  # B200 的 192GB, H20芯片的1万
    if of:  # 相较于谷歌的331亿美元: a figure written right after a name and 的 is that name's, compared or not
        return of[-1].name, True
    paren = max(sentence.rfind("(", 0, pos), sentence.rfind("（", 0, pos))
    if paren >= 0 and not re.search(r"[)）]", sentence[paren:pos]):
        before = [m for m in found if m.end <= paren and not sentence[m.end:paren].strip()]
        if before:  # 份额缓慢上升的 AMD(约 16%份额): a figure in brackets right after a name is that name's
            return before[-1].name, True
    clause = clause_start(sentence, pos)
    in_clause = [m for m in found if m.end <= pos and m.start >= clause and not _compared(sentence, m) and not _component(sentence, m)]
    run = _enumerated(in_clause, sentence)
    if len(run) > 1 and _JOINT.search(sentence[in_clause[-1].end:pos]):
        # 百度、阿里巴巴、腾讯三家公司的总资本开支达867.21亿元: the group's, no one member's
        return group_of(run) or "、".join(run), True
    if in_clause:
        return in_clause[-1].name, True
    group = _enumerated([m for m in found if m.end <= clause], sentence)
    if len(group) > 1 and _GROUP_REF.match(sentence[clause:pos]):
        # 华为和三星两大品牌主导,二者…合计占据了70%的份额: the pair's, no one member's
        return group_of(group) or "、".join(group), True
    if _COMPANY.match(sentence[clause:pos]) and not any(m.end <= pos for m in found):
        return "", False  # 公司2024年的资本开支将达到800亿，而BAT…: the paragraph's company, not a name written after
    made = _made_thing(sentence, pos, found)
    if made:
        return made, True
    topic = [m for m in found if not _compared(sentence, m) and not _assumed(sentence, m) and not _component(sentence, m)]
    if not topic:
        return "", False
    opening = [m for m in topic if m.end <= pos and _opens_clause(sentence, m)]
    if opening and opening[-1].name != topic[0].name:
        # …莱士中国共持有…26.29%,…,截至3月19日,科瑞天诚共持有…股,占总股本的31.07%: a name opening a clause is
        # the topic of the clauses after it, until another name opens one
        topic = [m for m in topic if m.start >= opening[-1].start]
    run = _enumerated([m for m in topic if m.end <= pos], sentence)
    last = next((m for m in reversed(topic) if m.name == run[-1]), None) if run else None
    if len(run) > 1 and last is not None and _JOINT.search(sentence[last.end:]):
        return group_of(run) or "、".join(run), False  # …三家公司的总资本开支达867.21亿元,同比增长119.80%: the group's growth
    # 英伟达最新的B300 -> B300; 苹果A18 Pro, 三星Exynos 2400: a name written right after its maker
    specific = [m for m in topic[1:] if topic[0].name in owners(m.name)[1:]
                or sentence[topic[0].end:m.start].strip() in ("", "的") or _LAUNCHED.fullmatch(sentence[topic[0].end:m.start].strip())]
    if len(specific) > 1:  # 英伟达最新的 Blackwell 架构…, B200 芯片…提供 10TB/s: the product nearest before the figure
        specific = [m for m in specific if m.end <= pos][-1:] or specific
    return (specific or topic)[0].name, False


_COMPANY = re.compile(r"^\s*(?:[-•·]\s*)?(?:该公司|公司|其)")
_JOINT = re.compile(r"^[^，,；;。]{0,4}?(?:[两三四五六七八九十几]家|合计|总计|共计|累计|加总|总|共)")
_GROUP_REF = re.compile(r"\s*(?:二者|两者|三者|双方|两家|三家|它们|他们)")  # a clause about the names listed before it
_COMPARED = re.compile(r"(?:对标|相比|相较于?|比|超过|优于|不及|低于|高于|领先|vs\.?|较|对比|媲美|比肩|接近)[^，,；;。]{0,8}$", re.I)


_ASSUMED = re.compile(r"^\s*(?:假设|假定|若|如果|按照|按)")


def _assumed(sentence: str, m: Mention) -> bool:
    """True when the name sits in an assumption (假设 H800 GPU 的租赁价格为…): not what the sentence is about."""
    return bool(_ASSUMED.match(sentence[clause_start(sentence, m.start):m.start]))


_MADE_FROM = re.compile(r"由[^，,；;。由]{0,40}$")
_MADE = re.compile(r"^[^，,；;。]{0,40}?(?:构造|构建|合成|组成|组合|复合|加总)")


def _component(sentence: str, m: Mention) -> bool:
    """True when the name is one a thing is made from (由PV_corr_avg和PV_corr_std构造的综合因子PV_corr):
    the figures after it are the made thing's, not the component's."""
    return bool(_MADE_FROM.search(sentence[clause_start(sentence, m.start):m.start]) and _MADE.match(sentence[m.end:]))


def _made_thing(sentence: str, pos: int, found: list[Mention]) -> str:
    """The thing made from names before `pos` (综合因子PV_corr of 由PV_corr_avg和PV_corr_std构造的综合因子PV_corr,
    …最大回撤为9.50%), which owns the figures after it; "" when there is none."""
    for m in reversed([m for m in found if m.end <= pos and _component(sentence, m)]):
        verb = _MADE.match(sentence[m.end:])
        rest = m.end + verb.end()
        thing = re.match(r"(?:而成|得到|出)?的?\s*([^，,；;。]{1,20})", sentence[rest:])
        if thing and rest + thing.end() <= pos:
            return thing.group(1).strip()
    return ""


_RATIO_OF = re.compile(r"(?:是|为|仅为|约为|相当于|达到)\s*$")


def _compared(sentence: str, m: Mention) -> bool:
    """True when the name is what something is compared with (对标Ray-Ban Meta, 优于…GPT-4o, API价格仅为
    Claude 3.5 Sonnet的1/15)."""
    if _COMPARED.search(sentence[max(0, m.start - 12):m.start]):
        return True
    return bool(_RATIO_OF.search(sentence[max(0, m.start - 4):m.start])
                and re.match(r"[^，,；;。]{0,12}?的\s*(?:\d+\s*/\s*\d+|\d+(?:\.\d+)?\s*(?:%|倍)|[一二三四五六七八九十]+分之)", sentence[m.end:]))


_EXAMPLES = re.compile(r"[(（]\s*(?:如|例如|比如|诸如|包括)[^()（）]*[)）]")
_EXAMPLE_OPEN = re.compile(r"[(（]\s*(?:如|例如|比如|诸如|包括)[^()（）]*$")


def _example(sentence: str, m: Mention) -> bool:
    """True when the name is an example in brackets (进口芯片(如NVIDIA和AMD产品)): what is said is of the
    whole the brackets follow, not of the name."""
    return bool(_EXAMPLE_OPEN.search(sentence[max(0, m.start - 20):m.start])) and bool(
        re.match(r"[^()（）]*[)）]", sentence[m.end:]))


_FROM_BEFORE = re.compile(r"从\s*$")
_TO_AFTER = re.compile(r"(?:下降|下滑|减少|降|增长|增加|提升|上升|升|增)\s*(?:至|到)\s*约?\s*$")


def _period_at(sentence: str, pos: int, ps: list[tuple[int, int, Period]]) -> Period | None:
    before = [(s, p) for s, e, p in ps if e <= pos]
    if len(before) >= 2 and _TO_AFTER.search(sentence[max(0, pos - 8):pos]) \
            and _FROM_BEFORE.search(sentence[max(0, before[-1][0] - 3):before[-1][0]]):
        # 2025年进口芯片的份额将从2024年的63%下降至约42%: the level moved to is the sentence's other period's
        return before[-2][1]
    if before:
        return before[-1][1]
    clause_end = _CLAUSE_END.search(sentence, pos)
    after = [p for s, e, p in ps if s >= pos and (clause_end is None or s < clause_end.start())]
    return after[0] if after else None


Extra = tuple[tuple[str, tuple[str, ...]], ...]


def frame_extra(frame: Frame) -> Extra:
    """Subjects the entity list does not know (上海莱士, 云天励飞), as extra entities to read owners with:
    the frame's subject, and the other sides of a comparison of subjects (莱士中国和科瑞天诚合计: a figure
    of 莱士中国 in a sentence about both is 莱士中国's when 科瑞天诚's side is read)."""
    extra = []
    if frame.subject and frame.subject not in entities():
        extra.append((frame.subject, frame.aliases or variant_names(frame.subject)))
    if set(frame.subjects) & set(frame.sides):  # sides that are subjects, not brokers or periods
        # (R1-Lite-Preview's column DeepSeek-R1-Lite-Preview is not DeepSeek-R1's, whichever side is read)
        extra += [(side, variant_names(side)) for side in frame.sides if side != frame.subject and side not in entities()]
    return tuple(extra)


def known(frame: Frame, name: str) -> bool:
    return name in entities() or any(name == n for n, _ in frame_extra(frame))


def context_subject(chunk: Chunk, start: int, extra: Extra = ()) -> str:
    """Whom the text before `start` is about: the paragraph inside the chunk, then the section
    heading, the table caption, and the company a report's title names."""
    para_start = chunk.text.rfind("\n", 0, start) + 1
    heading = chunk.section.split(" > ")[-1] if chunk.section else ""
    before = chunk.text[max(0, start - 160):para_start]
    order = (before, heading)
    if "公司" in chunk.text[para_start:start + 40] and mentions(heading, extra):
        order = (heading, before)  # 公司 in a paragraph under 寒武纪's heading is 寒武纪, not the last name of the paragraph before
    for text in (chunk.text[para_start:start], *order, chunk.context):
        found = mentions(text, extra)
        if found:
            return found[-1].name
    title = mentions(chunk.meta.title or "", extra)
    return title[0].name if title else ""


def context_period(chunk: Chunk, start: int) -> Period | None:
    """The period the paragraph before `start` (or the heading, or the table caption) is about, when
    it names exactly one; None when it names none or several (24Q2&24Q3)."""
    para_start = chunk.text.rfind("\n", 0, start) + 1
    for text in (chunk.text[para_start:start], chunk.section.split(" > ")[-1] if chunk.section else "", chunk.context):
        ps = {p for _, _, p in periods(text)}
        if ps:
            return ps.pop() if len(ps) == 1 else None
    return None


_LEVEL = re.compile(r"(?:增长|提升|下降|下滑|上升|增加|减少|降低|升)(?:至|到)")  # 提升至63.72%: a level, not a change
_RESPECTIVELY = re.compile(r"分别|依次|各为|各自")


def _respectively(sentence: str, qs: list[Quantity], found: list[Mention], ps: list, head: str = "") -> tuple[dict, dict]:
    """"A、B、C 分别为 x、y、z": figure i belongs to the i-th name and the i-th period before 分别; a
    second list (同比增速分别为…) maps the same way."""
    lists = list(_RESPECTIVELY.finditer(sentence))
    if not lists:
        return {}, _from_to(sentence, qs, ps)
    subj: dict = {}
    per: dict = {}
    for m in lists:
        stop = re.compile(r"[，,；;。](?!\s*\d)|分别").search(sentence, m.end())  # the list ends with its clause
        after = [q for q in qs if m.end() <= q.start < (stop.start() if stop else len(sentence))]
        names = _enumerated([x for x in found if x.end <= m.start()], sentence)
        pers = [p for a, b, p in ps if b <= m.start()]
        listed = period_list(head + sentence[:m.start()])
        if len(listed) == len(after) > 1 and len(pers) != len(after):
            pers = listed  # 预计2021-2023年营业收入分别为357.40亿元、395.47亿元、443.76亿元: one year each
        if len(names) == len(after) > 1:
            subj.update({id(q): n for q, n in zip(after, names)})
        if len(pers) == len(after) > 1:
            per.update({id(q): p for q, p in zip(after, pers)})
        elif len(pers) > 1:
            per.update({id(q): None for q in after})  # a range of periods (FY25Q4 至 FY26Q3): not read per figure
    return subj, per


# periods written as one list: 2021-2023年, 2025/2026/2027年, 2025E/2026E/2027E, 2025年Q1/Q2/Q3, 25Q1/Q2/Q3
_YEAR_RANGE = re.compile(r"(?<!\d)(?P<a>(?:19|20)\d{2})\s*[-~–—至到]\s*(?P<b>(?:19|20)\d{2}|\d{2})\s*(?:年|E\b)")
_YEAR_SLASH = re.compile(r"(?<!\d)(?P<ys>(?:19|20)?\d{2}[AE]?(?:\s*/\s*(?:19|20)?\d{2}[AE]?){1,5})\s*(?:年|E|A)?(?![\d/.])")
_Q_SLASH = re.compile(r"(?:(?P<y>(?:19|20)\d{2}|\d{2})\s*年?\s*)?(?P<qs>Q[1-4](?:\s*/\s*Q[1-4]){1,3})(?![\d/])", re.I)
# a list of figures written with slashes: 12.7/5.5/5.4亿元, -6.9%/-47.3%/-4.3%
_SLASH_VALUES = re.compile(r"[-+−]?\d+(?:\.\d+)?\s*(?:%|pp|pct|亿元|万元|亿|元)?(?:\s*/\s*[-+−]?\d+(?:\.\d+)?\s*(?:%|pp|pct|亿元|万元|亿|元)?)+")


def period_list(text: str) -> list[Period]:
    """The last list of periods written in `text` (2021-2023年 -> 2021, 2022, 2023; 2025年Q1/Q2/Q3 ->
    2025Q1, 2025Q2, 2025Q3), or [] when it writes none."""
    found: list[tuple[int, list[Period]]] = []
    for m in _YEAR_RANGE.finditer(text):
        a, b = int(m["a"]), int(m["b"]) if len(m["b"]) == 4 else int(m["a"][:2] + m["b"])
        if 0 < b - a <= 5:
            found.append((m.end(), [Period(y, "Y") for y in range(a, b + 1)]))
    for m in _YEAR_SLASH.finditer(text):
        raw = re.findall(r"\d+", m["ys"])
        years = [int(y) + (2000 if len(y) == 2 else 0) for y in raw]
        marked = bool(re.search(r"[年EA]\s*$", m.group()))  # 25/26/27年: two digits only with 年 (or E) after them
        if (marked or all(len(y) == 4 for y in raw)) and all(b == a + 1 for a, b in zip(years, years[1:])):
            found.append((m.end(), [Period(y, "Y") for y in years]))
    for m in _Q_SLASH.finditer(text):
        year = int(m["y"]) + (2000 if len(m["y"]) == 2 else 0) if m["y"] else None
        found.append((m.end(), [Period(year, f"Q{q}") for q in re.findall(r"[1-4]", m["qs"])]))
    return max(found, key=lambda f: f[0])[1] if found else []


def _slash_periods(head: str, sentence: str, qs: list[Quantity]) -> dict:
    """{id(figure): its period} for figures listed with slashes after a list of as many periods in the
    same sentence, across its ；-clauses (`head`: 2025年Q1/Q2/Q3营收分别68.5/79.6/71.8亿元；归母净利润12.7/5.5/5.4亿元)."""
    out: dict = {}
    for m in _SLASH_VALUES.finditer(sentence):
        items = [q for q in qs if m.start() <= q.start < m.end()]
        if len(items) > 1:
            listed = period_list(head + sentence[:m.start()])
            if len(listed) == len(items):
                out.update(zip(map(id, items), listed))
    return out


def _sentence_head(text: str, start: int) -> str:
    """The clauses of the sentence before `start` (after its 。 or line start): what a sentence cut at a
    ； said before (2025年前三季度,公司实现营业收入…；归母净利润23.5亿元 is 前三季度's)."""
    return text[max(text.rfind("。", 0, start), text.rfind("\n", 0, start)) + 1:start]


_LIST_GLUE = re.compile(r"\s*(?:[、，,和及与]|以及)\s*")


def _listed_years(sentence: str, qs: list[Quantity], ps: list) -> dict:
    """{id(figure): year} for a list of figures in one unit written after as many years, in order, with
    no period among its items (预计2019年每股收益0.12元,2020年0.19元、2021年0.37元,…市盈率为65.92倍,41.63倍和21.38倍)."""
    out: dict = {}
    i = 0
    while i < len(qs):
        j = i
        while j + 1 < len(qs) and qs[j + 1].unit == qs[i].unit and _LIST_GLUE.fullmatch(sentence[qs[j].end:qs[j + 1].start]):
            j += 1
        run = qs[i:j + 1]
        if len(run) > 1 and qs[i].unit:
            years = list(dict.fromkeys(p for a, b, p in ps if b <= run[0].start and p.part == "Y" and p.year is not None))
            if len(years) == len(run) and not any(run[0].start <= a < run[-1].end for a, b, p in ps):
                out.update({id(q): y for q, y in zip(run, years)})
        i = j + 1
    return out


def _enumerated(before: list[Mention], sentence: str) -> list[str]:
    """The names a 分别 list maps to: the last run of names written as a list (腾讯、阿里巴巴和百度);
    英伟达表示,H20禁令对Q1、Q2… names no list (its figures go by period)."""
    run: list[Mention] = []
    for m in before:
        if run and not re.fullmatch(r"[、，,和及与以及\s]*", sentence[run[-1].end:m.start]):
            run = []
        run.append(m)
    return list(dict.fromkeys(m.name for m in run)) if len(run) > 1 else []


def _listed(sentence: str, qs: list[Quantity], found: list[Mention]) -> list[Quantity]:
    """`qs` with a 分别 list's figures split where a comma separated them (see _split_listed)."""
    m = _RESPECTIVELY.search(sentence)
    if not m:
        return qs
    stop = re.compile(r"[，,；;。](?!\s*\d)|分别").search(sentence, m.end())
    end = stop.start() if stop else len(sentence)
    after = [q for q in qs if m.end() <= q.start < end]
    names = _enumerated([x for x in found if x.end <= m.start()], sentence)
    if not after:
        return qs
    if len(after) >= len(names):
        return _unit_of_list(qs, after)
    split = _split_listed(after, len(names))
    if split is after:
        return qs
    return [q for q in qs if q.start < m.end()] + split + [q for q in qs if q.start >= end]


def _unit_of_list(qs: list[Quantity], listed: list[Quantity]) -> list[Quantity]:
    """分别为25、80亿美元: the bare numbers of a list take the scale and unit written once at its end."""
    last = listed[-1]
    digits = re.match(r"[\d.]+", last.text.replace(",", ""))
    if not last.unit or not digits or not float(digits.group(0)) or any(q.unit for q in listed[:-1]):
        return qs
    factor = last.value / float(digits.group(0))
    bare = {id(q) for q in listed[:-1] if re.fullmatch(r"[\d.,]+", q.text)}
    return [Quantity(q.value * factor, last.unit, q.text, q.start, q.end, q.tolerance * factor) if id(q) in bare else q
            for q in qs]


def _split_listed(qs: list[Quantity], want: int) -> list[Quantity]:
    """分别为275,246.12和29亿人民币: the comma there separates list items, not thousands; the figures
    split at it, each in the unit and scale of the last one, when that gives one per name."""
    if not qs or not any("," in q.text for q in qs[:-1]):
        return qs
    last = qs[-1]
    digits = re.match(r"[\d.,]+", last.text)
    if not digits:
        return qs
    factor = last.value / float(digits.group(0).replace(",", "")) if float(digits.group(0).replace(",", "") or 0) else 1.0
    out: list[Quantity] = []
    for q in qs[:-1]:
        parts = q.text.split(",")
        pos = q.start
        for part in parts:
            out.append(Quantity(float(part) * factor, last.unit, part, pos, pos + len(part), last.tolerance))
            pos += len(part) + 1
    out.append(last)
    return out if len(out) == want else qs


_FROM_TO = re.compile(r"从[^，,；;。]*?(?:至|到)")


def _from_to(sentence: str, qs: list[Quantity], ps: list) -> dict:
    """"2021年至2024年…从494.95亿元跃升至725.13亿元": the first figure is the first period's, the second the
    second's."""
    m = _FROM_TO.search(sentence)
    if not m or len(ps) < 2:
        return {}
    inside = [q for q in qs if m.start() <= q.start < m.end()]
    after = [q for q in qs if q.start >= m.end()]
    before = [p for a, b, p in ps if b <= m.start()]
    if len(inside) == 1 and after and len(before) >= 2:
        return {id(inside[0]): before[-2], id(after[0]): before[-1]}
    return {}


def _fitting_metric(text: str, unit: str) -> str:
    """The metric named last in `text` whose figures come in `unit` (366亿元 after 同比增长386%至
    belongs to 资本开支, not to 增速)."""
    low = text.lower()
    best, best_end = "", -1
    for w, m in _METRIC_WORDS:
        i = low.rfind(w)
        if i >= 0 and i + len(w) > best_end and unit in metric_units(m):
            best, best_end = m, i + len(w)
    return best


def _is_version(sentence: str, q: Quantity, found: list[Mention]) -> bool:
    """True when a bare number is a model's version written after its name (Gemini 2.5, 豆包大模型1.6),
    or counts names (相当于略超3个AMD或近18个寒武纪): no figure of a metric."""
    counted = re.match(r"\s*个?", sentence[q.end:])
    if q.unit in ("", "个") and any(m.start == q.end + len(counted.group(0)) for m in found):
        return True
    if q.unit or not re.fullmatch(r"\d{1,2}(?:\.\d{1,2})?", q.text):
        return False
    return any(0 <= q.start - m.end <= 1 and not sentence[m.end:q.start].strip() for m in found)


_CHANGE_BEFORE = re.compile(r"较[^，,；;。]{0,10}?(?:大幅|大)?(?:增加|增长|大增|增|减少|下降|减)了?\s*$")


_INDEX_NAME = re.compile(r"(?:中证|沪深|上证|深证|国证|创业板|科创|标普|纳指|恒生)\s*\d{2,4}(?![\d.%])")


@lru_cache(maxsize=100_000)
def claims(chunk: Chunk, start: int, end: int, header: str = "", extra: Extra = ()) -> tuple[Claim, ...]:
    """The figures stated in chunk.text[start:end] (a sentence or a table row), each bound to its
    subject, period and metric; `extra` names subjects beyond the entity list."""
    sentence = chunk.text[start:end]
    if "\t" in sentence and (header or mentions(sentence.split("\t", 1)[0], extra)):
        return _row_claims(chunk, start, sentence, header, extra)  # a table row, with or without its header
    found = _with_acronyms(sentence, mentions(sentence, extra))
    labels = slash_labels(sentence)
    ps = periods(sentence)
    indexes = [m.span() for m in _INDEX_NAME.finditer(unicodedata.normalize("NFKC", sentence))]
    qs = [q for q in quantities(sentence) if not any(m.start < q.end and q.start < m.end for m in found)  # 910B is a name
          and not any(s < q.end and q.start < e for s, e in indexes)  # 中证500, 沪深300: an index's name
          and not _is_version(sentence, q, found)]
    found = [m for m in found if not _example(sentence, m)]  # 进口芯片(如NVIDIA和AMD产品)的份额: neither one's
    qs = _listed(sentence, qs, found)
    for m in _SLASH_VALUES.finditer(sentence):  # 12.7/5.5/5.4亿元: the unit written once is every item's
        items = [q for q in qs if m.start() <= q.start < m.end()]
        if len(items) > 1:
            qs = _unit_of_list(qs, items)
    head_text = _sentence_head(chunk.text, start)
    by_name, by_period = _respectively(sentence, qs, found, ps, head_text)
    by_period = {**_listed_years(sentence, qs, ps), **by_period, **_slash_periods(head_text, sentence, qs)}
    in_head = periods(head_text) if head_text.strip() else []
    head = in_head[-1][2] if in_head else None
    ctx_subject = None
    ctx_period: Period | None | bool = False
    out = []
    for q in qs:
        subject, named = (by_name[id(q)], True) if id(q) in by_name else _owner_at(sentence, q.start, found, q.end)
        # an acronym owning results (GDS的营业收入…，净利润分别为…) is the sentence's own topic, not a paragraph's guess
        named = named or bool(subject and re.fullmatch(r"[A-Z]{2,6}", subject) and subject not in entities())
        if not subject:
            ctx_subject = context_subject(chunk, start, extra) if ctx_subject is None else ctx_subject
            subject = ctx_subject
        period = by_period[id(q)] if id(q) in by_period else _period_at(sentence, q.start, ps)
        period_named = period is not None or id(q) in by_period
        if period is None and id(q) not in by_period and head is not None:
            period = head  # 2025年前三季度,公司实现营业收入…；归母净利润23.5亿元: the sentence's period, written in a clause before
        if period is None or period.year is None:
            ctx_period = context_period(chunk, start) if ctx_period is False else ctx_period
            if period is None and id(q) not in by_period:
                period = ctx_period
            elif period is not None and ctx_period is not None and ctx_period.year is not None:
                period = replace(period, year=ctx_period.year, fiscal=ctx_period.fiscal)  # 全年 under FY24Q3: FY2024
        clause = _LEVEL.sub("至", sentence[clause_start(sentence, q.start):q.end])
        stop = _CLAUSE_END.search(sentence, q.end)
        rest = sentence[q.end:stop.start() if stop else len(sentence)]
        metric = _last_metric(clause) or _first_metric(rest) or _last_metric(_LEVEL.sub("至", sentence[:q.end]))
        if metric == "增速" and q.unit == "%" and sentence[max(0, q.start - 1):q.start] == "的" and periods(sentence[max(0, q.start - 8):q.start]):
            # 毛利率…由2019年的37.31%提升至2024年的63.72%: a level in a period, of the metric named before
            metric = _last_level_metric(sentence[:q.start]) or metric
        if metric and q.unit and q.unit not in metric_units(metric):
            metric = _fitting_metric(sentence[:q.end], q.unit) or metric
        if q.unit not in ("%", "pct", "x") and _CHANGE_BEFORE.search(sentence[clause_start(sentence, q.start):q.start]):
            metric = "增速"  # 较24年末大增9.81亿: a change since then, not the level of that period or metric
        estimate = bool(ESTIMATE.search(sentence[clause_start(sentence, q.start):q.start]))
        label = labels.get(q.start, "")
        if label:
            metric = _last_metric(label) or metric
        out.append(Claim(q, subject, period, metric, named, estimate, period_named, label))
    return tuple(out)


# 销售/管理/研发费率分别27.9%/5.9%/3.8%: items and values, each list written with slashes
_SLASH_LIST = re.compile(r"(?P<items>(?:[\u4e00-\u9fa5A-Za-z]{1,8}/){1,7}[\u4e00-\u9fa5A-Za-z]{1,8}?)(?P<suffix>费用率|费率|毛利率|净利率|"
                         r"利润率|收入|营收|净利润|增速|占比|市盈率|PE|EPS)?(?:分别|依次)(?:为|是|达到?)?\s*"
                         r"(?P<values>(?:[-+−]?\d+(?:\.\d+)?\s*(?:%|pp|亿元|万元|元)?\s*/\s*){1,7}[-+−]?\d+(?:\.\d+)?)")


def slash_labels(sentence: str) -> dict[int, str]:
    """{start of a figure in the NFKC sentence: the item it stands for} for lists written with slashes
    (销售/管理/研发费率分别27.9%/5.9%/3.8% -> 3.8% is 研发费率); items and values must pair one to one."""
    t = unicodedata.normalize("NFKC", sentence)
    out: dict[int, str] = {}
    for m in _SLASH_LIST.finditer(t):
        items = re.sub(r"^(?:其中|以及|及|和|与|包括)", "", m.group("items")).split("/")
        qs = [q for q in quantities(m.group("values"))]
        if len(items) != len(qs):
            continue
        suffix = m.group("suffix") or ""
        for item, q in zip(items, qs):
            out[m.start("values") + q.start] = item + suffix if not item.endswith(suffix) else item
    return out


# GDS的营业收入, BPL公司的净利润: a company the entity list does not know, written as an acronym before its results
_ACRONYM_OWNER = re.compile(r"(?<![A-Za-z])([A-Z]{2,6})(?=(?:公司的?|的)(?:营业收入|营业总收入|营收|收入|归母净利润|净利润|毛利率|净利率|EBITDA|股权))")
_NOT_OWNERS = frozenset("AI GPU CPU ASIC HBM IDC IT PC AR VR XR MR SOC EDA AIGC LLM API".split())  # AI的收入 is a segment


def _with_acronyms(sentence: str, found: list[Mention]) -> list[Mention]:
    """The sentence's mentions, with acronyms that own a company's results (GDS的营业收入) added as names."""
    t = unicodedata.normalize("NFKC", sentence)
    extra = [Mention(m.start(1), m.end(1), m.group(1)) for m in _ACRONYM_OWNER.finditer(t)
             if m.group(1).upper() not in _NOT_OWNERS and not any(x.start < m.end(1) and m.start(1) < x.end for x in found)]
    return sorted(found + extra, key=lambda x: x.start) if extra else found


def _segment_named(clause: str, metric: str) -> str:
    """The business segment a clause states its figure for (基础设施软件部门的收入, AI 收入), or ""."""
    return named_segment(clause.lower()) or qualifier_of(clause, metric)


def _squash(text: str) -> str:
    """Lower case without spaces: AI 手机 reads as ai手机."""
    return "".join(text.lower().split())


_VALUE = re.compile(r"^\s*[-+−]?\d")


_LABEL_HEAD = re.compile(r"年份|年度|时间|日期|期间|季度|项目|指标|名称|代码|证券代码|证券简称|公司|公司名称|股票|分组|分层")


def align_heads(heads: list[str], cells: list[str]) -> list[str]:
    """The header's cells lined up with a row's: a header that lost a label column (the PDF kept one of
    two: \tDoubao-1.5-pro\tLlama… over Knowledge\tMMLU\t88.6\t…) names the value columns, so its first
    name goes over the row's first value; a header one cell short (no label column) lines up from the right,
    and one shorter still names no column."""
    if len(heads) < 2:
        return heads
    if not heads[0].strip():
        first_name = next((i for i, h in enumerate(heads) if h.strip()), 0)
        first_value = next((i for i, c in enumerate(cells) if i and _VALUE.match(c)), first_name)
        if first_value > first_name:
            return [""] * (first_value - first_name) + heads
    if len(heads) == len(cells) - 1:
        # one cell short: the label column's name was lost (lines up from the right), unless the header names
        # the label column itself (年份 | 分组1 | … | 月度胜率最大回撤率: two names glued at the end)
        return heads + [""] if _LABEL_HEAD.fullmatch(heads[0].strip()) else [""] + heads
    if len(heads) < len(cells):
        # a header two or more cells short of the row (年化收益率 | 分组1对冲分组5绩效指标 over eight cells) is
        # another table's or a broken one: which column each name heads is unknown, so none is named
        return [""] * len(cells)
    return heads


_CODE_LABEL = re.compile(r"[A-Za-z]{1,6}[\s-]?\d{2,}[A-Za-z0-9-]*")  # a row labelled A800: that product's row


def _model_head(head: str) -> str:
    """A column headed by a product the entity list does not know (CloudMatrix CM384 beside Nvidia GB200
    NVL72) is that product's: its cells are no one else's. "" for a head that is a period or no model code."""
    head = head.strip()
    code = MODEL_CODE.search(re.sub(r"(?<!\d)(?:19|20)\d{2}(?!\d)", "", head))  # AIME 2024 pass@1: a benchmark of a year
    return head if head and code and not periods(head) else ""


_YEAR_LIKE = re.compile(r"(?:19|20)\d{2}")  # a four-digit number that would read as a year outside a table cell


def _bare_year_like(cell: str, label: str, head: str) -> list[Quantity]:
    """A cell holding only a four-digit number (CodeForces Elo Rating: 2029) is a figure, not a year,
    unless its row or column is about time (年份, 时间, 日期)."""
    t = cell.strip()
    if not _YEAR_LIKE.fullmatch(t) or re.search(r"年|时间|日期|year|date", label + head, re.I):
        return []
    return [_year_like(t, cell.index(t))]


def year_like_cells(text: str) -> list[Quantity]:
    """The four-digit figures that stand as whole table cells in `text` (see _bare_year_like), as quantities."""
    return [_year_like(m.group(), m.start()) for m in re.finditer(rf"(?<=\t){_YEAR_LIKE.pattern}(?=\t|\n|$)", text)]


def _year_like(digits: str, start: int) -> Quantity:
    return Quantity(float(digits), "", digits, start, start + len(digits), 0.5)


_UNIT_NOTE = re.compile(r"[(（]\s*([A-Za-z][A-Za-z/]{0,8}|[\u4e00-\u9fa5]{1,4}|%)\s*[)）]")


def _in_unit(q: Quantity, label: str) -> Quantity:
    """A bare cell figure in the unit its row label notes beside the metric it names (互联带宽 (GB/s) | 3584 |
    640: 640 GB/s), so that it compares with the same figure written with its unit. A label naming no metric
    gives none: its cells must not pass for any amount of that unit."""
    if q.unit or not _last_metric(label):
        return q
    for note in (m.group(1) for m in _UNIT_NOTE.finditer(label)):
        unit = quantities("1 " + note)
        if unit and unit[0].unit and unit[0].text.replace(" ", "") == "1" + note.replace(" ", ""):
            return replace(q, value=q.value * unit[0].value, unit=unit[0].unit, tolerance=q.tolerance * unit[0].value)
    return q


_YEAR_LABEL = re.compile(r"(?:19|20)\d{2}")  # a row labelled by a bare year: that year's row


def _cell_metric(cell: str, q: Quantity) -> str:
    """The metric a cell names beside its figure, in the figure's own unit (内存支持 | …,达到了8TB/s内存带宽: 带宽,
    not the row's 内存), or ""."""
    t = unicodedata.normalize("NFKC", cell)
    lo = max([0] + [m.end() for m in _CLAUSE_END.finditer(t, 0, q.start)])
    hi = next((m.start() for m in _CLAUSE_END.finditer(t, q.end)), len(t))
    metric = _last_metric(t[lo:q.start] + " " + t[q.end:hi])
    return metric if metric and q.unit and q.unit in metric_units(metric) else ""


def _row_claims(chunk: Chunk, start: int, row: str, header: str, extra: Extra = ()) -> tuple[Claim, ...]:
    cells = row.replace("\n", "\t").split("\t")
    heads = header.split("\t")
    label, first = row_label(cells)  # 688018.SH 乐鑫科技 …: the name labels it, and owns the row when unknown
    found = mentions(label, extra)
    row_subject = found[-1].name if found else (label.strip() if first > 1 or _CODE_LABEL.fullmatch(label.strip()) else "")
    # a table whose caption or paragraph names several companies (芯原股份 and 翱捷科技, columns by year)
    # does not tell whose a row is: no owner rather than the last one named
    para = chunk.text[chunk.text.rfind("\n", 0, start) + 1:start]
    around = {m.name for m in mentions(" ".join((chunk.context, chunk.section.split(" > ")[-1] if chunk.section else "",
                                                     chunk.text[max(0, start - 160):start], para)), extra)}
    table_subject = context_subject(chunk, start, extra) if len(around) <= 1 else ""
    out = []
    heads = align_heads(heads, cells)
    for j, cell in enumerate(cells[first:], start=first):
        head = heads[j] if j < len(heads) else ""
        head_names = mentions(head, extra)
        subject = head_names[-1].name if head_names else (_model_head(head) or row_subject)
        named = bool(subject)
        subject = subject or table_subject
        ps = periods(head) or periods(label) or (periods(label.strip() + "年") if _YEAR_LABEL.fullmatch(label.strip()) else [])  # 2016 | …
        # a column headed by what it holds (CUDA核心数) is not the caption's or the last column's metric (功耗)
        metric = _last_metric(label) or _last_metric(head) or ("" if head.strip() else _last_metric(chunk.context))
        for q in [_in_unit(q, label) for q in quantities(cell)] or _bare_year_like(cell, label, head):
            own = periods(unicodedata.normalize("NFKC", cell)[:q.start])  # 截至2024年H1, 累计出货超100万台
            p = own[-1][2] if own else (ps[0][2] if ps else None)
            out.append(Claim(q, subject, p, _cell_metric(cell, q) or metric, named))
    return tuple(out)


def _names_metric(sentence: str, metric: str, claim: Claim, passage: str = "") -> bool:
    """True when the sentence, up to the claim's figure, names `metric`; or names no other metric
    and its passage names it (在硬件终端场景豆包增长13倍, after a sentence about 调用量)."""
    if not sentence:
        return True
    t = unicodedata.normalize("NFKC", sentence).lower()
    q = claim.quantity
    upto = t[:q.end] if t[q.start:q.end] == q.text else t
    words = metric_words(metric) + _BASE_WORDS.get(metric, ())
    if any(w in upto for w in words):
        return True
    if any(w in upto for w, m in _METRIC_WORDS if m not in (metric, "增速")):
        return False  # 访存带宽较上代提升4倍: the change of another metric
    return any(w in unicodedata.normalize("NFKC", passage).lower() for w in words)


# what a change is of, named in other words: 股价涨了多少 is answered by a table's 涨跌幅 beside its 收盘价 columns
_BASE_WORDS = {"价格": ("收盘价", "开盘价")}


def subject_matches(frame: Frame, subject: str) -> bool:
    """True when a statement about `subject` is one about the frame's subject (B300 for 英伟达)."""
    if not frame.subject:
        return True
    return frame.subject in owners(subject) if subject else False


def _clause_of(sentence: str, claim: Claim) -> str:
    """The clause of the NFKC sentence that holds the claim's figure, with a few characters after it."""
    t = unicodedata.normalize("NFKC", sentence)
    q = claim.quantity
    if t[q.start:q.end] != q.text:
        return t
    return t[clause_start(t, q.start):q.end + 8]


_COUNTS = frozenset({"", "个", "家", "只", "款", "人", "次", "项", "位", "条", "种"})
# units that tell a figure's metric when its sentence names none (耗费557.6万美元 is a cost; 7个客户 is no shipment)
_TELLING_UNITS = {"出货量": frozenset({"台", "部", "副", "颗", "片", "张", "块", "辆", "套", "GPU"})}
_SHARE_METRICS = frozenset({"毛利率", "净利率", "利润率", "渗透率", "市占率"})


_MARKET = re.compile(r"^(?:\d{2,4}\s*年\S{0,8}?)?(?:全球|全国|我国|全行业)(?!地区|业务|收入|营收|市场收入|销售)")
_NAMED_TOPIC = re.compile(r"^([A-Za-z][A-Za-z0-9\s.+-]*?)\s*(?:系列|系列的|的)?\s*(?:总|累计|全球|整体)?(?:销量|出货量|营收|收入|份额|占比|价格|售价)")


def _own_topic(frame: Frame, clause: str) -> bool:
    """True when a figure's clause opens with whose figure it is, and that is not the frame's subject: a
    market's total (全球 AI 笔电销量达到约), or a product the entity list does not know (Pico 4 系列销量总计约为):
    a subject read from the sentences around it does not own it."""
    clause = clause.strip()
    if _MARKET.match(clause):
        return True
    m = _NAMED_TOPIC.match(clause)
    return bool(m) and not names_subject(m.group(1), frame.subject, frame.aliases) and \
        not any(names_subject(m.group(1), s, ()) for s in frame.subjects)


def undated_figures(text: str) -> list[str]:
    """The numbers a text writes outside its dates and periods (26年, 2024 年 12 月, 24Q3 are left out)."""
    dated = {f for a, b, _ in periods(text) for f in figures(text[a:b])}
    return [f for f in figures(text) if f not in dated]


def _about_peers(frame: Frame, sentence: str, claim: Claim) -> bool:
    """True when the sentence, before the figure, says it is about comparable companies (同行业可比公司…) and the
    question asks about none: the figure is a peer's, whoever the paragraph is about."""
    if PEER_WORDS.search(f"{frame.subject} {frame.qualifier} {' '.join(frame.marks)}"):
        return False
    t = unicodedata.normalize("NFKC", sentence)
    before = t[:claim.quantity.start] if t[claim.quantity.start:claim.quantity.end] == claim.quantity.text else t
    return bool(PEER_WORDS.search(before)) and not (
        frame.subject and names_subject(_clause_of(sentence, claim), frame.subject, frame.aliases))


def peers_only(frame: Frame, chunk: Chunk, start: int, end: int, header: str = "") -> bool:
    """True when every figure the sentence states is said of comparable companies the question does not ask about."""
    sentence = chunk.text[start:end]
    stated = claims(chunk, start, end, header, frame_extra(frame))
    return bool(stated) and all(_about_peers(frame, sentence, c) for c in stated)


def _subject_ok(frame: Frame, claim: Claim, sentence: str, chunk_text: str, context: str | None) -> bool:
    if sentence and _about_peers(frame, sentence, claim):
        return False  # 同行业可比公司中,中科芯微2023年营业收入为…: a peer's figure beside the issuer's, not the issuer's
    # a name given as an example (进口芯片(如NVIDIA和AMD产品)) names no owner
    sentence, chunk_text = _EXAMPLES.sub("", sentence), _EXAMPLES.sub("", chunk_text)
    subjects = [s for s in (frame.subjects or (frame.subject,)) if known(frame, s)]
    if subjects and not claim.named and sentence and _own_topic(frame, _clause_of(sentence, claim)):
        return False  # 全球 AI 笔电销量…1400 万台, Pico 4 系列销量…7.5 万台: the clause says whose figure it is
    if not subjects or any(subject_matches(replace(frame, subject=s), claim.subject) for s in subjects):
        return True
    if claim.named:
        return False
    # a subject read from outside the figure's clause is weaker: it yields to the paragraph or heading
    # being about the frame's subject, or, when nobody is named at all, to the sentence or passage naming it
    if claim.subject and not names_subject(sentence, frame.subject, frame.aliases):
        return False  # 博通…市值蒸发近2000亿美元 under a paragraph about 英伟达: the sentence's own topic owns it
    if context is not None and context and subject_matches(frame, context):
        return True
    if claim.subject:
        return False
    return bool(names_subject(sentence, frame.subject, frame.aliases) or names_subject(chunk_text, frame.subject, frame.aliases))


def bound(frame: Frame, claim: Claim, sentence: str = "", chunk_text: str = "", context: str | None = None) -> bool:
    """True when the claim states the frame's metric for its subject and period. A subject taken
    from the context yields to the sentence naming the frame's subject; a subject the entity list
    does not know (a fallback word) is not checked; a figure whose metric is not named counts when
    its unit is one the asked metric comes in; a period read from the paragraph (not the sentence)
    does not rule a figure out."""
    if not _subject_ok(frame, claim, sentence, chunk_text, context):
        return False
    want = period_of(frame)
    if want is not None and claim.period is not None and not want.matches(claim.period):
        return False
    if claim.estimate and frame.actual:
        return False  # 实际销量 is not answered by 预期销量
    # a table row's label qualifies it; a product asked about with no subject (AR眼镜销量) may be named
    # anywhere in the sentence (全球智能手机出货量…，达到12.39亿部)
    clause = sentence if "\t" in sentence or frame.qualifier not in SEGMENTS else _clause_of(sentence, claim)
    if claim.label:  # an item of a slash list: its own label says what it is, not the whole list
        clause = claim.label
        if frame.qualifier and _squash(frame.qualifier) not in _squash(clause):
            return False
    if frame.qualifier and sentence and frame.qualifier not in _squash(clause) and (
            frame.qualifier not in _squash(sentence) or metric_of(clause)):
        return False  # AI收入 is not answered by 营收; 相较于谷歌的331亿美元 takes its sentence's 云计算业务收入
    if not frame.qualifier and frame.metric in QUALIFIED and sentence and "\t" not in sentence and _segment_named(_clause_of(sentence, claim), frame.metric):
        return False  # 总营收 is not answered by 基础设施软件部门的收入
    if sentence and not marks_agree(frame, sentence, _clause_of(sentence, claim)):
        return False  # 输出价格 is not answered by 输入价格, 全球销量 not by 中国销量
    if frame.metric == "训练成本" and _OTHER_COST.search(clause):
        return False  # 日均成本, 租赁成本, BOM成本: not what training cost
    if frame.unit and not _unit_fits(frame.unit, claim.quantity.unit):
        return False  # 多少块 is not answered by 1600亿元
    if frame.unit and frame.unit != "money" and _same_count(frame.unit, claim.quantity.unit):
        return True  # 一块钱能处理多少张图片 -> 284张: the unit asked for tells, whatever metric is named near it
    if frame.metric:
        units = metric_units(frame.metric)
        unit = claim.quantity.unit
        if frame.metric == "增速" and unit in ("%", "x", "pct") and claim.metric not in _SHARE_METRICS:
            # a change answers 同比增长多少 (运营性资本开支 … +299%), but 营收增长了多少 only when the
            # sentence says what grew is 营收 (not 访存带宽较上代提升4倍)
            return not frame.base or _names_metric(sentence or "", frame.base, claim, chunk_text)
        if claim.metric and claim.metric != frame.metric and GENERAL.get(claim.metric) != frame.metric:
            return False  # (胜率 asked: a 月度胜率 answers; 日胜率 asked: a 月胜率 does not)
        if not claim.metric and unit not in _TELLING_UNITS.get(frame.metric, units if unit not in _COUNTS else ()):
            return False  # no metric named for it: only a figure in a unit telling of the asked metric may stand
        if units and unit and unit not in units and (unit != "%" or "\t" in sentence):
            return False  # a table row of percentages under an amount's name is its growth (成长能力: 净利润 18.3%)
    return True


_OTHER_COST = re.compile(r"(?:日均|每日|单位|租赁|硬件|物料|BOM|推理|运营|采购)\s*成本", re.I)
_COUNT_FAMILIES = (frozenset({"块", "张", "颗", "片", "GPU", "卡"}), frozenset({"台", "部"}))


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


_MONEY = frozenset({"USD", "CNY", "HKD", "JPY", "EUR"})


def _unit_fits(asked: str, unit: str) -> bool:
    """True when a figure in `unit` can answer a question asking its figure in `asked`: money must be
    money; a count (块, 张, 家 …) must not be money or a share (4096个芯片 answers 多少颗芯片)."""
    if asked == "money":
        return unit in _MONEY
    if asked == "count":  # 图片数量: a number of things (284张), bare or counted, never GB or 元
        return not unit or (not unit.isascii() and unit not in ("%",)) or unit == "GPU"
    return unit not in _MONEY and unit not in ("%", "pct")


def _same_count(asked: str, unit: str) -> bool:
    return unit == asked or any(asked in f and unit in f for f in _COUNT_FAMILIES)


def marks_agree(frame: Frame, sentence: str, clause: str = "") -> bool:
    """False when the passage says the opposite of a word the question insists on (输入 for 输出,
    中国 for 全球, 园区总功率 for 单芯片) without the word itself, or lacks a word it must say (国行, 正式版)."""
    s, c = _norm(sentence), _norm(clause or sentence)
    s = s + "\n" + re.sub(r"\s+", "", s)  # 中证 1000 says 中证1000
    for w in frame.marks:
        w_ = w.lower()
        if w in FORECASTERS:  # 大摩预计: the passage names the house, by any of its names
            if not any(a.lower() in s for a in FORECASTERS[w]):
                return False
            continue
        if (w in MUST_SAY or w not in MARKS) and w_ not in s:  # not in MARKS: a variant (Nova Premier)
            return False
        if w_ not in s and any(o.lower() in (s if w in WHOLE_SENTENCE else c) for o in MARKS.get(w, ())):
            return False
    return True


WHOLE_SENTENCE = frozenset({"样本外", "样本内"})  # the opposite anywhere in the sentence sets its every figure apart


def bound_claims(frame: Frame, chunk: Chunk, start: int, end: int, header: str = "") -> list[Claim]:
    """The claims of one sentence that answer the frame."""
    sentence = chunk.text[start:end]
    extra = frame_extra(frame)
    stated = claims(chunk, start, end, header, extra)
    context = context_subject(chunk, start, extra) if any(not c.named for c in stated) else None
    passage = f"{chunk.context}\n{chunk.text}" if "\t" in sentence else chunk.text  # a row's table: its caption and header
    if frame.on and frame.metric in DAILY and (said := days_in(f"{sentence}\n{header}")) and frame.on not in said:
        return []  # a close on 4月7日 or 6月13日 (a row under those columns) is not the 5月1日 one asked
    return [c for c in stated if bound(frame, c, sentence, passage, context)]


def about(frame: Frame, chunk: Chunk, start: int, end: int) -> bool:
    """True when the sentence is about the frame's subject: it names the subject, or it names no
    one and its paragraph, heading or report does."""
    if not frame.subject:
        return True
    sentence = chunk.text[start:end]
    if names_subject(sentence, frame.subject, frame.aliases):
        return True
    named = {m.name for m in mentions(sentence, frame_extra(frame))}
    return not named or any(frame.subject in owners(n) or n in owners(frame.subject) for n in named)


_DATEISH = re.compile(r"\d{4}\s*年|\d{1,2}\s*月|\d{4}[-/.]\d{1,2}|\d{1,2}\s*日|[上下]半年|季度|Q[1-4]|" + YYYYMMDD)


DAY = re.compile(r"\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}\s*[日号]|\b\d{1,2}/\d{1,2}\b|" + YYYYMMDD)


_DATE_ROW = re.compile(r"时间|日期|发布|上市|推出|开源|成立|时点|年份|\d{4}")


_TIMELINE_ENTRY = re.compile(r"^(?:" + YYYYMMDD + r"|\d{4}\s*[-/.年]\s*\d{1,2}(?:\s*[-/.月]\s*\d{1,2}\s*日?|\s*月)?)\s*[:：]\s*(\S.{0,40})$")


def _longer_name(name: str, frame: Frame) -> bool:
    """True when `name` does not end with the subject (DeepSeek-Janus-Pro for Janus, DeepSeek LLM for DeepSeek):
    another model of the family, not the subject itself."""
    low, plain = unicodedata.normalize("NFKC", name).lower(), [unicodedata.normalize("NFKC", a).lower() for a in frame.aliases or (frame.subject,)]
    return not any(re.search(r"(?:^|[\s:：-])" + re.escape(a) + r"$", low.strip()) for a in plain)


def dated_entry(frame: Frame, sentence: str) -> bool:
    """True for a timeline's line that dates the frame's subject itself (20241226:DeepSeek-V3), not a
    model of its family (20241213:DeepSeek-VL2): the date stated as directly as a report can."""
    entry = _TIMELINE_ENTRY.match(sentence.strip())
    return bool(entry and frame.subject and names_subject(entry.group(1), frame.subject, frame.aliases)
                and not _longer_name(entry.group(1), frame))


def date_bound(frame: Frame, chunk: Chunk, start: int, end: int) -> bool:
    """True when the sentence states a date or period (a day when the question asks 哪一天) and
    names the frame's subject (or, for a subject the entity list does not know, is about it)."""
    sentence = chunk.text[start:end]
    if not _DATEISH.search(sentence) or (frame.day and not DAY.search(sentence)):
        return False
    if frame.subject and _TIMELINE_ENTRY.match(sentence.strip()):  # 20241017:DeepSeek-Janus dates Janus, not Janus-Pro
        return dated_entry(frame, sentence)
    label = sentence.split("\t", 1)[0] if "\t" in sentence else ""
    if label and metric_of(label) and not _DATE_ROW.search(label):
        return False  # 销量 | 截至2025年1月9日…6000+: a row of another fact, its date only qualifies it
    if not marks_agree(frame, sentence):
        return False
    if not frame.subject:
        return True
    named = {m.name for m in mentions(sentence, frame_extra(frame))}
    if named:  # the date must be said of the subject itself (o1-mini's date is not o1's)
        return frame.subject in named or any(frame.subject in owners(n)[1:] for n in named if n != frame.subject
                                             and frame.subject not in entities())
    return about(frame, chunk, start, end)
