"""What a question asks, read deterministically: subject, metric, period and answer type (a Frame).

The same readers find who and which period a passage sentence is about (qa.bind), so a question
and the text it is checked against are read by one set of rules. Subjects come from
data/entities.txt (canonical name and aliases); metrics from METRICS below; periods are
normalised to Period values (2024, 2024Q3, FY2024Q3, 2024H1, 2024Q1-Q3, 2024-12).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

from yanbao.index.tokenize import words
from yanbao.ingest.brokers import broker_short
from yanbao.qa.query import DATE_Q, FIGURE_Q, NAME_Q, catalog, content_terms, named_brokers
from yanbao.quantity import quantities
from yanbao.types import Frame, ReportMeta

_DATA = resources.files("yanbao") / "data"


# --- subjects ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mention:
    """A subject named in a text: [start, end) in the NFKC text, and its canonical name."""

    start: int
    end: int
    name: str


@lru_cache(maxsize=1)
def _entity_table() -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    names_of: dict[str, tuple[str, ...]] = {}
    parent: dict[str, str] = {}
    for line in (_DATA / "entities.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            line, _, owner = line.partition(">")
            names = tuple(n.strip() for n in line.split("|") if n.strip())
            names_of[names[0]] = names
            if owner.strip():
                parent[names[0]] = owner.strip()
    return names_of, parent


def entities() -> dict[str, tuple[str, ...]]:
    """Canonical name -> its aliases (canonical first), from data/entities.txt."""
    return _entity_table()[0]


def owners(name: str) -> tuple[str, ...]:
    """The subject and its makers or owners, nearest first (B300 -> 英伟达)."""
    out, parent = [name], _entity_table()[1]
    while out[-1] in parent and parent[out[-1]] not in out:
        out.append(parent[out[-1]])
    return tuple(out)


def _alias_pattern(alias: str) -> str:
    a = re.escape(unicodedata.normalize("NFKC", alias).lower())
    a = a.replace(r"\ ", r"[\s-]?").replace(r"\-", r"[\s-]?")  # Ray-Ban Meta / Rayban Meta / Ray Ban Meta
    # a latin name is a whole word: NV is not inside NVL72, H20 not inside H200; Rubin Ultra576 is Rubin Ultra
    first, last = alias[:1].lower(), alias[-1:].lower()
    if first.isascii() and first.isalnum():
        a = (r"(?<![a-z0-9])" if first.isdigit() else r"(?<![a-z])") + a
    if last.isascii() and last.isalnum():
        a = a + (r"(?![a-z0-9])" if last.isdigit() else r"(?![a-z])")
    return a


@lru_cache(maxsize=64)
def _matcher(extra: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> tuple[re.Pattern, dict[str, str]]:
    owner: dict[str, str] = {}
    spelled: dict[str, str] = {}
    for name, aliases in list(entities().items()) + list(extra):
        for a in aliases:
            a = unicodedata.normalize("NFKC", a).lower()
            spelled.setdefault(a, name)
            owner.setdefault(_key(a), name)
    alts = sorted(spelled, key=len, reverse=True)
    return re.compile("|".join(_alias_pattern(a) for a in alts)), owner


def _key(alias: str) -> str:
    """An alias as looked up: Ray-Ban Meta, Rayban Meta and RaybanMeta are one key."""
    return re.sub(r"[\s-]", "", alias)


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def mentions(text: str, extra: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> list[Mention]:
    """Subjects named in `text`, left to right, longest alias first (NVL144 is not NV)."""
    rx, owner = _matcher(extra)
    return [Mention(m.start(), m.end(), owner[_key(m.group(0))]) for m in rx.finditer(_norm(text))]


def aliases(name: str) -> tuple[str, ...]:
    """The names a subject goes by (itself alone when it is not in data/entities.txt)."""
    return entities().get(name, (name,))


def names_subject(text: str, name: str) -> bool:
    """True when `text` names the subject by any alias (as a substring: 英伟达Rubin names Rubin)."""
    t = _norm(text)
    return any(_norm(a) in t for a in aliases(name))


# --- periods ----------------------------------------------------------------------------------

@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: year (None when not written), part (Y, Q1..Q4, H1, H2, Q1-Q3, M01..M12),
    fiscal (FY...)."""

    year: int | None
    part: str
    fiscal: bool = False

    def __str__(self) -> str:
        y = "" if self.year is None else str(self.year)
        fy = "FY" if self.fiscal else ""
        if self.part == "Y":
            return f"{fy}{y}" if y else "全年"
        if self.part.startswith("M"):
            return f"{y}-{self.part[1:]}" if y else f"{int(self.part[1:])}月"
        return f"{fy}{y}{self.part}"

    def matches(self, other: "Period") -> bool:
        """True when a statement about `other` answers a question about this period: the parts agree,
        and so do the years when both are written (FY and calendar quarters are not told apart)."""
        if self.year is not None and other.year is not None and self.year != other.year:
            return False
        return self.part == other.part


_CN_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_Y = r"(?P<fy>FY|财年)?\s*(?P<y>(?:19|20)\d{2}|\d{2}(?=\s*年|Q|q|H|h|E|e))"
_PERIOD_RULES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"(?P<y>(?:19|20)\d{2}|\d{2})\s*(?P<fy>财年|财务年度)\s*(?:第?(?P<q>[一二三四1-4])\s*(?:财季|季度|季)|(?:Q|q)(?P<q2>[1-4]))"), "Q"),
    (re.compile(r"(?P<y>(?:19|20)\d{2}|\d{2})\s*(?P<fy>财年|财务年度)"), "Y"),
    (re.compile(rf"{_Y}\s*年?\s*(?:前三季度|前三个季度|Q1\s*[-~–]\s*Q3|1\s*[-~–]\s*3\s*季度|1\s*[-~–]\s*3Q)", re.I), "Q1-Q3"),
    (re.compile(r"(?<![\w])(?:前三季度|前三个季度)"), "Q1-Q3"),
    (re.compile(rf"{_Y}\s*年?\s*(?:第?(?P<q>[一二三四1-4])\s*(?:季度|季)|(?:Q|q)(?P<q2>[1-4])(?!\d))"), "Q"),
    (re.compile(r"(?<![A-Za-z\d])(?P<q>[1-4])Q\s*(?P<fy>FY)?(?P<y>\d{2}|(?:19|20)\d{2})(?!\d)"), "Q"),
    (re.compile(r"(?<![A-Za-z\d])(?P<fy>FY)(?P<y>\d{2}|(?:19|20)\d{2})\s*(?:Q(?P<q2>[1-4])|H(?P<h>[12]))?(?!\d)", re.I), "FY"),
    (re.compile(r"(?<![A-Za-z\d年])(?:第?(?P<q>[一二三四])季度|(?:Q|q)(?P<q2>[1-4]))(?![\d])"), "Q"),
    (re.compile(rf"{_Y}\s*年?\s*(?:(?P<hh>上半年|下半年)|(?:H|h)(?P<h>[12]))"), "H"),
    (re.compile(r"(?P<hh>上半年|下半年)"), "H"),
    (re.compile(r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月(?!\s*\d{1,2}\s*日)"), "M"),
    (re.compile(r"(?<![\d年.])(?P<m>\d{1,2})\s*月(?=中旬|上旬|下旬|底|初|末|份)"), "M"),
    (re.compile(r"(?P<y>(?:19|20)\d{2})\s*(?:年(?:全年|度)?|E|e|A|a)(?!\s*\d{1,2}\s*月|月)"), "Y"),
    (re.compile(r"(?<![\d.])(?P<y>\d{2})\s*年(?:全年|度)?(?!\s*\d{1,2}\s*月|月)"), "Y"),
    (re.compile(r"全年|年度"), "Y"),
]


def _year(s: str | None) -> int | None:
    if not s:
        return None
    y = int(s)
    return y + 2000 if y < 100 else y


def periods(text: str) -> list[tuple[int, int, Period]]:
    """(start, end, Period) of every period written in `text` (NFKC), left to right, no overlaps."""
    t = unicodedata.normalize("NFKC", text)
    found: list[tuple[int, int, Period]] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b, _ in found)

    for rx, kind in _PERIOD_RULES:
        for m in rx.finditer(t):
            if not free(*m.span()):
                continue
            g = m.groupdict()
            fiscal = bool(g.get("fy"))
            year = _year(g.get("y"))
            if kind == "Q1-Q3":
                p = Period(year, "Q1-Q3", fiscal)
            elif kind == "Q":
                p = Period(year, f"Q{_CN_NUM[g.get('q') or g.get('q2')]}", fiscal)
            elif kind == "FY":
                part = f"Q{g['q2']}" if g.get("q2") else (f"H{g['h']}" if g.get("h") else "Y")
                p = Period(year, part, True)
            elif kind == "H":
                h = g.get("h") or ("1" if g.get("hh") == "上半年" else "2")
                p = Period(year, f"H{h}", fiscal)
            elif kind == "M":
                month = int(g["m"])
                if not 1 <= month <= 12:
                    continue
                p = Period(year, f"M{month:02d}")
            else:
                p = Period(year, "Y", fiscal)
            found.append((m.start(), m.end(), p))
    return sorted(found)


# --- metrics ----------------------------------------------------------------------------------

# canonical metric -> (words that name it, unit classes its figures come in ("" = any))
METRICS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "净利润": (("归母净利润", "归母净利", "净利润", "净利", "net income"), ("USD", "CNY", "HKD", "")),
    "运营利润": (("运营利润", "经营利润", "营业利润", "operating income", "operating profit"), ("USD", "CNY", "HKD", "")),
    "毛利率": (("毛利率",), ("%",)),
    "利润率": (("成本利润率", "利润率", "利润空间"), ("%",)),
    "渗透率": (("渗透率",), ("%",)),
    "市值": (("市值", "估值"), ("USD", "CNY", "HKD", "")),
    "净利率": (("净利率",), ("%",)),
    "营收": (("营业收入", "营业总收入", "营收", "销售收入", "销售金额", "销售额", "收入", "revenue", "arr"), ("USD", "CNY", "HKD", "")),
    "资本开支": (("资本开支", "资本支出", "资本性支出", "capex"), ("USD", "CNY", "HKD", "")),
    "出货量": (("出货量", "出货", "销量", "交付量", "交付", "装机量", "卖了", "卖出", "售出"),
             ("", "台", "个", "颗", "张", "块", "GPU", "只", "款", "部", "副", "辆", "片", "套")),
    "功耗": (("功耗", "功率", "tdp"), ("W",)),
    "容量": (("显存容量", "存储容量", "容量", "显存", "内存", "hbm"), ("GB", "W")),
    "带宽": (("带宽",), ("GB/s",)),
    "价格": (("价格", "售价", "定价", "单价", "均价", "报价", "目标价", "多少钱", "价钱", "收费"), ("USD", "CNY", "HKD", "")),
    "参数量": (("参数量", "参数规模", "参数"), ("",)),
    "训练成本": (("训练成本", "训练费用", "成本"), ("USD", "CNY", "HKD", "")),
    "算力": (("算力", "tflops", "pflops", "flops", "tops"), ("FLOPS", "OPS", "")),
    "用量": (("调用量", "使用量", "用量"), ("tokens", "")),
    "市占率": (("市占率", "市场份额", "份额", "占比", "比例", "比重"), ("%",)),
    "增速": (("同比增长", "同比", "增速", "增幅", "增长率", "yoy", "环比", "增长", "提升", "下降", "下滑",
             "涨幅", "跌幅", "涨", "跌"), ("%", "pct", "x")),
    "用户数": (("月活", "日活", "mau", "dau", "用户数", "用户"), ("", "人")),
}
_METRIC_ORDER = sorted(((w, m) for m, (ws, _) in METRICS.items() for w in ws), key=lambda x: -len(x[0]))


_ASK = re.compile(r"多少|几|多大|多高|多长|多久|多少钱|哪|何|什么|是否|吗|分别")


_GENERIC_QUALIFIER = frozenset("的 总 全年 年度 单季 季度 公司 实现 业务 营业 整体 合计 累计 实际 预计 同比 环比 其 该 它".split())


_QUALIFIED = frozenset({"营收", "净利润", "运营利润", "资本开支", "出货量"})  # metrics reported by segment too


def qualifier_of(text: str, metric: str) -> str:
    """The word that narrows the asked metric (AI收入 -> "ai", 数据中心业务收入 -> "数据中心",
    云计算业务收入 -> "云计算"), or ""."""
    if metric not in _QUALIFIED:
        return ""
    t = _norm(text)
    for w in metric_words(metric):
        i = t.find(w)
        if i <= 0:
            continue
        ws = [x for x in words(t[max(0, i - 12):i]) if x not in ("业务", "部门", "板块", "的")]
        last = ws[-1] if ws else ""
        if (len(last) >= 2 and re.fullmatch(r"[a-z0-9]+|[\u4e00-\u9fff]+", last) and last not in _GENERIC_QUALIFIER
                and not periods(last) and not mentions(last) and not _ASK.search(last)):
            return last
        return ""
    return ""


def metric_of(text: str) -> str:
    """The canonical metric a text names, or "": of several, the one named last before the first
    question word (营收有多大比例 -> 市占率; 营收同比增长了多少 -> 增速); the longest word wins a tie."""
    t = _norm(text)
    ask = _ASK.search(t)
    if ask:
        near = []
        for w, m in _METRIC_ORDER:
            for hit in re.finditer(re.escape(w), t):
                gap = ask.start() - hit.end() if hit.end() <= ask.start() else hit.start() - ask.end()
                if gap >= 0:
                    near.append((gap, -len(w), m))
        if near:
            return min(near)[2]
    for w, m in _METRIC_ORDER:
        if w in t:
            return m
    return ""


def metric_words(metric: str) -> tuple[str, ...]:
    return METRICS.get(metric, ((metric,), ()))[0] if metric else ()


def metric_units(metric: str) -> tuple[str, ...]:
    return METRICS.get(metric, ((), ()))[1]


# --- answer type ------------------------------------------------------------------------------

CONSISTENT_Q = re.compile(r"一样吗|相同吗|一致吗|是否一致|是否相同|一样不|相同不|对得上吗|吻合吗|算得对吗")
COMPARE_Q = re.compile(CONSISTENT_Q.pattern + r"|有何不同|有什么不同|哪个更|哪家更|谁更|谁的更|更高|更低|更大|更小|更多|更少|高于|低于|对比|比较|差异|区别")
ARITH_Q = re.compile(r"翻了几倍|翻了多少倍|几倍|多少倍|差多少|相差多少|相差|差距|增加了多少|增长了多少|提升了多少|下降了多少|减少了多少|多出多少|多了多少|少了多少|合计|总共|加起来|之和")
REASON_Q = re.compile(r"为什么|为何|原因|怎么看|如何看|逻辑|意义|影响|如何|怎样")
YESNO_Q = re.compile(r"是否|有没有|是不是|能否|会不会|(?<![一相])样吗|吗[？?]?$")
LIST_Q = re.compile(r"哪些|哪几|列举|分别|有什么")

ACTUAL_Q = re.compile(r"实际|实现|已经|最终|真实")
ESTIMATE = re.compile(r"预计|预期|有望|目标|指引|预测|展望|计划|将达|将会|将在|或将|估计|一致预期")


def answer_type(question: str) -> str:
    """figure, date, name, list, yesno, comparison, arithmetic, reason or other."""
    q = question
    if re.search(r"哪几|哪些", q) and not ARITH_Q.search(q):
        return "list"
    if ARITH_Q.search(q) and not DATE_Q.search(q):
        return "arithmetic"
    if COMPARE_Q.search(q):
        return "comparison"
    if DATE_Q.search(q):
        return "date"
    if FIGURE_Q.search(q):
        return "figure"
    if LIST_Q.search(q):
        return "list"
    if NAME_Q.search(q):
        return "name"
    if YESNO_Q.search(q):
        return "yesno"
    if REASON_Q.search(q):
        return "reason"
    return "other"


# --- the frame --------------------------------------------------------------------------------

_GENERIC = frozenset("公司 行业 市场 产业 报告 我们 国内 海外 全球 中国 美国 整体 相关 领域 方面 板块 龙头 厂商 企业 产品 模型 芯片 大模型".split())
_PERIODISH = re.compile(r"^(fy)?\d+[年qh]?|^[qh]\d$|^[一二三四上下前]|季度$|^全年$|^年$|^月$")


def _fallback_subject(question: str, reports) -> str:
    """A subject the entity list does not know: the first content word that is no period, metric,
    broker or report-title word (寒武纪 when it were missing from entities.txt)."""
    cat = catalog(reports)
    brokers = {broker_short(b) for b in cat.brokers}
    for s, e, _ in reversed(periods(question)):
        question = question[:s] + " " + question[e:]
    for w, _ in _METRIC_ORDER:
        question = re.sub(re.escape(w), " ", question, flags=re.I)
    metric_tokens = {w for ws, _ in METRICS.values() for w in ws}
    for t in content_terms(question, cat):
        if (len(t) < 2 or t in _GENERIC or t in metric_tokens or metric_of(t) or _PERIODISH.search(t)
                or re.search(r"\d", t) or t in cat.title_words or any(b in t for b in brokers)):
            continue
        if COMPARE_Q.search(t) or ARITH_Q.search(t) or DATE_Q.search(t) or FIGURE_Q.search(t) or quantities("1" + t):
            continue
        return t
    return ""


def _primary(found: list[Mention]) -> tuple[str, tuple[str, ...]]:
    """(subject, all subjects): of two names written together (英伟达Rubin, 腾讯的混元) the
    latter is the subject; otherwise the first named."""
    names = list(dict.fromkeys(m.name for m in found))
    if not found:
        return "", ()
    subject = found[0].name
    # a product named with its maker is the subject (英伟达对华特供的H800 -> H800; 英伟达…Blackwell芯片（B30） -> B30)
    children = [n for n in names if any(o in names for o in owners(n)[1:])]
    if children:
        subject = children[-1]
    makers = {o for n in names for o in owners(n)[1:] if o in names}  # AMD in "AMD MI355X和英伟达B300"
    return subject, tuple(n for n in names if n == subject or n not in makers)


def parse(question: str, reports: list[ReportMeta] | tuple = ()) -> Frame:
    """The Frame of a question: who, which metric, which period, what kind of answer. A report's
    title in 《》 names the report, not what is asked about, and is read past."""
    q = re.sub(r"《[^》]*》", "《》", unicodedata.normalize("NFKC", question))
    found = mentions(q)
    subject, subjects = _primary(found)
    if not subject:
        subject = _fallback_subject(q, reports)
        subjects = (subject,) if subject else ()
    ps = periods(q)
    kind = answer_type(q)
    brokers = tuple(broker_short(b) for b in named_brokers(q, reports)) if reports else ()
    sides: tuple[str, ...] = ()
    if kind in ("comparison", "arithmetic"):
        if len(brokers) >= 2:
            sides = brokers
        elif len(subjects) >= 2:
            sides = subjects
    distinct = list(dict.fromkeys(str(p) for _, _, p in ps))
    if len(distinct) >= 2 and not sides:
        sides = tuple(distinct)
    period = distinct[0] if len(distinct) == 1 else ""
    if kind in ("comparison", "arithmetic") and len(sides) < 2 and not CONSISTENT_Q.search(q):
        kind = "figure" if FIGURE_Q.search(q) or ARITH_Q.search(q) else "other"
    return Frame(subject=subject, aliases=aliases(subject) if subject else (), metric=metric_of(q),
                 period=period, answer_type=kind, subjects=subjects, sides=sides, actual=bool(ACTUAL_Q.search(q)),
                 qualifier=qualifier_of(q, metric_of(q)))


_PERIOD_STR = re.compile(r"^(?P<fy>FY)?(?P<y>\d{4})?(?:-(?P<m>\d{2})|(?P<part>Q1-Q3|Q[1-4]|H[12]))?$")


def period_of(frame: Frame) -> Period | None:
    """The frame's period as a Period (the inverse of str(Period)), or None."""
    m = _PERIOD_STR.match(frame.period or "-")
    if not frame.period or not m or not (m.group("y") or m.group("part")):
        ps = periods(frame.period) if frame.period else []
        return ps[0][2] if ps else None
    part = f"M{m.group('m')}" if m.group("m") else (m.group("part") or "Y")
    return Period(int(m.group("y")) if m.group("y") else None, part, bool(m.group("fy")))


def with_followup(frame: Frame, previous: Frame) -> Frame:
    """A follow-up's frame: the previous frame with what the follow-up names replaced."""
    return replace(
        previous,
        subject=frame.subject or previous.subject,
        aliases=frame.aliases if frame.subject else previous.aliases,
        metric=frame.metric or previous.metric,
        period=frame.period or previous.period,
        answer_type=frame.answer_type if frame.answer_type != "other" else previous.answer_type,
        subjects=frame.subjects or previous.subjects,
        sides=frame.sides or previous.sides,
    )
