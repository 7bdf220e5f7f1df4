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
from functools import lru_cache, wraps
from importlib import resources

from yanbao.index.tokenize import common_word, first_word_tag, words
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
def _entity_table() -> tuple[dict[str, tuple[str, ...]], dict[str, str], dict[str, tuple[str, ...]]]:
    names_of: dict[str, tuple[str, ...]] = {}
    parent: dict[str, str] = {}
    members: dict[str, tuple[str, ...]] = {}
    for line in (_DATA / "entities.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            line, _, owner = line.partition(">")
            line, _, group = line.partition("=")
            names = tuple(n.strip() for n in line.split("|") if n.strip())
            names_of[names[0]] = names
            if owner.strip():
                parent[names[0]] = owner.strip()
            if group.strip():
                members[names[0]] = tuple(m.strip() for m in group.split("+") if m.strip())
    return names_of, parent, members


def group_of(names: tuple[str, ...] | list[str]) -> str:
    """The group the names make up together (百度、阿里巴巴、腾讯 -> BAT), or ""."""
    want = set(names)
    return next((g for g, ms in _entity_table()[2].items() if set(ms) == want), "")


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
    return re.compile(_by_first_char(alts)), owner


def _by_first_char(alts: list[str]) -> str:
    """The alternation of the aliases' patterns, tried longest first, as one regex that looks at a
    character's aliases only: an alias can match only where the text holds its first character,
    so grouping the aliases by first character (each group in the same order) matches the same."""
    if any(not a or a[0].isspace() or a[0] == "-" for a in alts):  # the first character is optional: no grouping
        return "|".join(_alias_pattern(a) for a in alts)
    groups: dict[str, list[str]] = {}
    for a in alts:
        groups.setdefault(a[0], []).append(_alias_pattern(a))
    first = "".join(re.escape(c) for c in groups)
    return f"(?=[{first}])(?:" + "|".join(f"(?={re.escape(c)})(?:{'|'.join(ps)})" for c, ps in groups.items()) + ")"


def _key(alias: str) -> str:
    """An alias as looked up: Ray-Ban Meta, Rayban Meta and RaybanMeta are one key."""
    return re.sub(r"[\s-]", "", alias)


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def mentions(text: str, extra: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> list[Mention]:
    """Subjects named in `text`, left to right, longest alias first (NVL144 is not NV)."""
    return list(_mentions(text, extra))


@lru_cache(maxsize=16_384)
def _mentions(text: str, extra: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[Mention, ...]:
    """mentions(), remembered: the same sentences, headings and captions are read for many figures."""
    rx, owner = _matcher(extra)
    return tuple(Mention(m.start(), m.end(), owner[_key(m.group(0))]) for m in rx.finditer(_norm(text)))


def aliases(name: str) -> tuple[str, ...]:
    """The names a subject goes by (itself alone when it is not in data/entities.txt)."""
    return entities().get(name, (name,))


def names_subject(text: str, name: str, names: tuple[str, ...] = ()) -> bool:
    """True when `text` names the subject by any alias (as a substring: 英伟达Rubin names Rubin);
    `names` are the frame's own aliases where the entity list does not know the subject (芯原股份, 芯原)."""
    t = _norm(text)
    if any(_norm(a) in t for a in (names or aliases(name))):
        return True
    # Ray Ban Meta for Ray-Ban Meta / Rayban-Meta: a name written with other spaces or hyphens
    joined = [_key(_norm(a)) for a in (names or aliases(name)) if re.search(r"[\s-]", a)]
    return bool(joined) and any(k in _key(t) for k in joined)


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
    (re.compile(r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m1>1|4|7|10)\s*[-~–至到]\s*(?P<m2>3|6|9|12)\s*月"), "MR"),
    (re.compile(rf"{_Y}\s*年?\s*(?:前三季度|前三个季度|Q1\s*[-~–]\s*Q3|1\s*[-~–]\s*3\s*季度|1\s*[-~–]\s*3Q)", re.I), "Q1-Q3"),
    (re.compile(r"(?<![\w])(?:前三季度|前三个季度)"), "Q1-Q3"),
    (re.compile(rf"{_Y}\s*年?\s*(?:第?(?P<q>[一二三四1-4])\s*(?:季度|季)|(?:Q|q)(?P<q2>[1-4])(?!\d))"), "Q"),
    (re.compile(r"(?<![A-Za-z\d])(?P<q>[1-4])Q\s*(?P<fy>FY)?(?P<y>\d{2}|(?:19|20)\d{2})(?!\d)"), "Q"),
    (re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})-(?P<q>[1-4])Q(?![A-Za-z\d])"), "Q"),  # 2020-1Q (a quarterly table's column)
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
            if not free(*m.span()) or (kind == "Q" and t[max(0, m.start() - 1):m.start()] in ("上", "下")):
                continue  # 下一季度 is the next quarter, not Q1
            g = m.groupdict()
            fiscal = bool(g.get("fy"))
            year = _year(g.get("y"))
            if kind == "MR":  # 2024年7-9月 is 2024Q3, 1-6月 H1
                span = (int(g["m1"]), int(g["m2"]))
                part = {(1, 3): "Q1", (4, 6): "Q2", (7, 9): "Q3", (10, 12): "Q4", (1, 6): "H1", (7, 12): "H2", (1, 9): "Q1-Q3", (1, 12): "Y"}.get(span)
                if part is None:
                    continue
                p = Period(year, part, fiscal)
            elif kind == "Q1-Q3":
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
    "出货量": (("出货量", "出货", "出了多少货", "销量", "交付量", "交付", "装机量", "卖了", "卖出", "售出"),
             ("", "台", "个", "颗", "张", "块", "GPU", "只", "款", "部", "副", "辆", "片", "套")),
    "功耗": (("功耗", "功率", "tdp"), ("W",)),
    "容量": (("显存容量", "存储容量", "容量", "显存", "内存", "hbm"), ("GB", "W")),
    "带宽": (("带宽",), ("GB/s",)),
    "价格": (("价格", "售价", "定价", "单价", "均价", "报价", "当前价", "收盘价", "收报", "报收", "股价", "现价", "价钱", "收费"),
             ("USD", "CNY", "HKD", "")),
    "目标价": (("目标价", "目标价格", "target price"), ("USD", "CNY", "HKD", "")),  # a forecast: 当前价 is no answer
    "每股收益": (("每股收益", "每股盈利", "摊薄每股收益", "eps(", "eps是", "eps为"), ("USD", "CNY", "HKD", "")),  # not deepseek's eps
    "经营现金流": (("经营活动现金流净额", "经营活动产生的现金流量净额", "经营活动现金流", "经营性现金流", "经营现金流"),
              ("USD", "CNY", "HKD", "")),
    "市盈率": (("市盈率", "估值倍数", "pe 20", "pe(", "p/e"), ("", "x")),  # PE 2025E: a valuation table's column
    # a quantitative (金工) report's performance measures: 信息比率 is not 夏普比率, 最大回撤 not 年化收益
    "信息比率": (("信息比率", "信息比"), ("", "x")),
    "夏普比率": (("夏普比率", "夏普比", "sharpe"), ("", "x")),
    "最大回撤": (("最大回撤率", "最大回撤"), ("%",)),
    "年化收益": (("年化收益率", "年化收益"), ("%",)),
    # a win rate of one grain is not another's (日胜率55.02%,周胜率61.57%,月胜率为66.12); 胜率 alone takes any
    "日胜率": (("日胜率",), ("%",)), "周胜率": (("周胜率",), ("%",)), "月胜率": (("月度胜率", "月胜率"), ("%",)),
    "开仓胜率": (("开仓胜率",), ("%",)), "胜率": (("胜率",), ("%",)),
    "波动率": (("年化波动率", "波动率"), ("%",)),
    "产能利用率": (("产能利用率", "稼动率", "利用率"), ("%",)),
    "费用率": (("期间费用率", "销售费用率", "管理费用率", "研发费用率", "财务费用率", "费用率", "期间费率", "销售费率",
             "管理费率", "研发费率", "财务费率"), ("%",)),
    "参数量": (("参数量", "参数规模", "参数"), ("",)),
    "物料成本": (("物料成本", "bom成本", "bom", "硬件成本", "总成本", "成本拆解"), ("USD", "CNY", "HKD", "")),
    "训练成本": (("训练成本", "训练费用", "成本"), ("USD", "CNY", "HKD", "")),
    "算力": (("算力", "tflops", "pflops", "flops", "tops"), ("FLOPS", "OPS", "")),
    "用量": (("调用量", "使用量", "用量"), ("tokens", "")),
    "市占率": (("市占率", "市场份额", "份额", "占比", "比例", "比重"), ("%",)),
    "增速": (("同比增长", "同比", "增速", "增幅", "增长率", "yoy", "环比", "增长", "提升", "下降", "下滑",
             "涨幅", "跌幅", "涨", "跌"), ("%", "pct", "x")),
    "用户数": (("月活", "日活", "mau", "dau", "用户数", "用户"), ("", "人")),
    "研发投入": (("研发投入", "研发费用", "研发支出"), ("USD", "CNY", "HKD", "")),
    "市场规模": (("市场规模",), ("USD", "CNY", "HKD", "", "张", "台", "颗", "片", "块", "个")),
    "投资规模": (("投资规模", "总投资", "投资额", "投资金额"), ("USD", "CNY", "HKD", "")),
    "存货": (("存货",), ("USD", "CNY", "HKD", "")),  # balance-sheet items: an amount beside them is no revenue
    "合同负债": (("合同负债",), ("USD", "CNY", "HKD", "")),
    "上下文窗口": (("上下文窗口", "上下文长度", "上下文"), ("tokens", "")),
    "制程": (("制程", "工艺节点", "纳米工艺"), ("nm",)),
    "重量": (("重量", "多重", "多少克"), ("g", "")),
    "时长": (("时长", "多长时间", "多长的视频", "期限", "为期", "多久", "周期", "响应时间"), ("", "秒", "分钟", "小时", "天", "个月", "年")),
}
GENERAL = {"日胜率": "胜率", "周胜率": "胜率", "月胜率": "胜率", "开仓胜率": "胜率"}  # a kind of metric -> the metric it is one of
_METRIC_ORDER = sorted(((w, m) for m, (ws, _) in METRICS.items() for w in ws), key=lambda x: -len(x[0]))


_ASK = re.compile(r"多少|几|多大|多高|多长|多久|多少钱|哪|何|什么|是否|吗|分别")


_GENERIC_QUALIFIER = frozenset("的 总 全年 年度 单季 季度 公司 实现 业务 营业 整体 合计 累计 实际 预计 同比 环比 其 该 它 一共 总共 共计 加起来".split())


QUALIFIED = frozenset({"营收", "净利润", "运营利润", "资本开支", "出货量"})  # metrics reported by segment too


# the segments a metric is reported by (AI收入, 数据中心业务收入); other words before a metric (手机出货量,
# 上个财季收入, 全渠道销售额) narrow nothing a passage would have to repeat
SEGMENTS = frozenset("ai 数据中心 云计算 云 软件 基础设施软件 半导体 游戏 广告 网络 服务器 存储 汽车 终端 定制 授权 ip asic "
                     "医美 医药 工业 商业 消费 企业 政府 海外 国内 自研芯片 硬件 订阅 电商 金融科技".split())


def qualifier_of(text: str, metric: str, segments_only: bool = True) -> str:
    """The word that narrows the asked metric (AI收入 -> "ai", 数据中心业务收入 -> "数据中心",
    云计算业务收入 -> "云计算"), or "". With `segments_only` False, any such word (AR眼镜销量 -> "眼镜"):
    for a question naming no subject, where the product asked about is that word."""
    if metric not in QUALIFIED:
        return ""
    t = _norm(text)
    for w in metric_words(metric):
        i = t.find(w)
        if i <= 0:
            continue
        ws = [x for x in words(t[max(0, i - 12):i]) if x not in ("业务", "部门", "板块", "的")]
        last = ws[-1] if ws else ""
        if not segments_only and len(ws) >= 2 and re.fullmatch(r"[a-z]{2}", ws[-2]) and re.fullmatch(r"[\u4e00-\u9fff]+", last):
            last = ws[-2] + last  # AI手机销量: AI phones, not phones
        if (len(last) >= 2 and re.fullmatch(r"[a-z0-9]+|(?:[a-z]{2})?[\u4e00-\u9fff]+", last) and last not in _GENERIC_QUALIFIER
                and not periods(last) and not mentions(last) and not _ASK.search(last) and (last in SEGMENTS or not segments_only)):
            return last
        return named_segment(t) if segments_only else ""
    return named_segment(t) if segments_only else ""


def named_segment(t: str) -> str:
    """A business segment the question names apart from its metric (软件板块，上个财季收入多少 -> "软件")."""
    for m in re.finditer(r"([a-z]+|[\u4e00-\u9fff]{1,5}?)(?:业务|部门|板块)", t):
        for k in range(len(m.group(1))):
            if m.group(1)[k:] in SEGMENTS:
                return m.group(1)[k:]
    return ""


@lru_cache(maxsize=16_384)
def metric_of(text: str) -> str:
    """The canonical metric a text names, or "": of several, the one named last before the first
    question word (营收有多大比例 -> 市占率; 营收同比增长了多少 -> 增速); the longest word wins a tie."""
    t = re.sub(r"高带宽内存(?!带宽)", "hbm", _norm(text))  # 高带宽内存 is HBM (its capacity), not a bandwidth
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
ARITH_Q = re.compile(r"比[^，,。？?；;]{2,30}?(?:增长|增加|提升|提高|上升|下降|减少)多少|翻了几倍|翻了多少倍|几倍|多少倍|差多少|相差多少|相差|差距|[贵高低大小快慢]多少|多多少|便宜多少|增加了多少|增长了多少|提升了多少|下降了多少|减少了多少|多出多少|多了多少|少了多少|合计|总共|加起来|之和")
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
    if re.search(r"原因|为什么|为何", q) and not re.search(r"多少|几[个家款台倍成%]?", q):
        return "reason"  # 延迟出货的核心原因是什么: a reason, though 出货 is a metric word
    if re.search(r"是谁|哪家|哪位", q) and not re.search(r"多少|几[个家款台倍成%]?", q):
        return "name"  # 国产算力的领头羊是谁
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


_COMPANY_SUFFIX = re.compile(r"(?:股份|科技|集团|控股|公司|技术)$")
# words of how a question is put, never a name (由同比增速推算…, 根据…报告, 特朗普官宣的…)
_NOT_NAMES = frozenset("推算 计算 估算 测算 换算 根据 按照 给出 提到 提及 认为 预计 官宣 宣布 发布 推出 表示 披露 显示 大约 大概 "
                       "正式 最终 最早 最新 目前 当前 其中 分别 一共 总共 表里 表中 图中 文中 报告 里面 "
                       # sources a figure is quoted from (按TrendForce数据, 大摩预计, 麦肯锡调研说): not what is asked about
                       "trendforce idc omdia counterpoint canalys gartner bloomberg 彭博 集邦 维深 wellsenn 财联社 壹零社 "
                       "大摩 小摩 摩根士丹利 高盛 麦肯锡 中金 中信 海通 华泰 国金 民生 东吴 华西 西南".split())


def _subject_word(t: str, cat, brokers: set[str]) -> bool:
    """True when content word `t` can be (part of) a subject's name: no period, metric, broker,
    report-title, question or unit word."""
    metric_tokens = {w for ws, _ in METRICS.values() for w in ws}
    if (len(t) < 2 or t in _GENERIC or t in _NOT_NAMES or t in metric_tokens or metric_of(t) or _PERIODISH.search(t)
            or re.search(r"\d", t) or t in cat.title_words or any(b in t for b in brokers)):
        return False
    if COMPARE_Q.search(t) or ARITH_Q.search(t) or DATE_Q.search(t) or FIGURE_Q.search(t) or _ASK.search(t):
        return False
    return not any(q.unit for q in quantities("1" + t))  # 亿元, 万台: a unit, not a name


_NAME_TAGS = frozenset({"nr", "nrt", "nrfg", "ns", "nt", "nz", "eng"})


def _name_like(name: str) -> bool:
    """True when a word the entity list does not know reads as a name (云天励飞, 上海莱士, 芯原股份,
    Trainium) rather than a concept (原生应用, 智算服务): a company suffix, or a first word jieba tags
    as a proper name or latin."""
    if re.match(r"(?:ai|pc|app|api|gpu|cpu|npu|tpu|asic|hbm|llm|aigc|agent|idc|ar|5g)(?![a-z0-9])", _norm(name)):
        return False  # AI原生应用, PC出货量: a latin word of the trade, not a name
    return bool(_COMPANY_SUFFIX.search(name)) or first_word_tag(name) in _NAME_TAGS


def _fallback_subject(question: str, reports) -> tuple[str, ...]:
    """A subject the entity list does not know, with its short name: the first content word that
    is no period, metric, broker or report-title word, joined with the name words right after it
    (云天励飞 from 云天 + 励飞; 芯原股份, also called 芯原). () when there is none."""
    cat = catalog(reports)
    brokers = {broker_short(b) for b in cat.brokers}
    for s, e, _ in reversed(periods(question)):
        question = question[:s] + " " + question[e:]
    for w, _ in _METRIC_ORDER:
        question = re.sub(re.escape(w), " ", question, flags=re.I)
    terms = [t for t in content_terms(question, cat) if _subject_word(t, cat, brokers)]
    if not terms:
        return ()
    q = _norm(question)
    start = q.find(terms[0])
    end = start + len(terms[0])
    while True:  # join the name words written right after it, in the same script (云天励飞, not 云天励飞DeepEdge)
        joint = 1 if q[end:end + 1] in ("_", "-") and re.match(r"[a-z0-9]", q[end + 1:end + 2]) else 0  # PV_corr_std
        nxt = next((q[end:end + joint] + t for t in sorted(terms, key=len, reverse=True) if q.startswith(t, end + joint)), None)
        if (nxt is None or end - start >= 12 or nxt[:1].isascii() != q[end - 1:end].isascii()
                or (common_word(nxt) and not _COMPANY_SUFFIX.fullmatch(nxt))):
            break  # 麦肯锡调研, 武藏山梨县: a common word after a name is not part of it
        end += len(nxt)
    name = question[start:end] if start >= 0 and _norm(question[start:end]) == q[start:end] else terms[0]
    if not _name_like(name):
        return ()  # 原生应用, 智算服务, 加速芯片: a concept, whose figures no name owns
    short = _COMPANY_SUFFIX.sub("", name)
    return (name, short) if short != name and len(short) >= 2 else (name,)


# 英伟达B40, 小米YU7, 英伟达的H20E: a model code written right after its maker is the subject, even
# when the entity list does not know it
_CODE_AFTER_MAKER = r"\s*(?:的|推出的|发布的)?\s*([A-Za-z]{1,6}[\s-]?\d[A-Za-z0-9.+-]{0,8})(?![A-Za-z0-9])"  # B40, YU7
_TRADE_WORDS = frozenset("gpu cpu ai hbm ceo cfo api asic npu tpu dpu cuda nvlink pc app capex token tokens".split())


# a model written right after a maker the entity list lacks (云天励飞DeepEdge 10 Max): its letters, number and variant word
_PRODUCT_AFTER = r"\s*(?:的|推出的|发布的)?\s*([A-Za-z][A-Za-z-]{1,15}\s?\d[A-Za-z0-9.+-]*(?:\s(?:Max|Pro|Ultra|Plus|Mini|Lite|Air|[A-Z])(?![A-Za-z]))?)"


# a model named after its maker and its kind (DeepSeek多模态模型Janus-Pro, 英伟达的AI芯片Rubin-CPX): a hyphened latin name
_NAMED_AFTER_KIND = (r"\s*(?:的)?\s*[\u4e00-\u9fff]{0,6}(?:模型|芯片|产品|眼镜|手机|平台|加速卡|服务器)\s*"
                     r"([A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+)(?![A-Za-z0-9-])")


_SPEC = re.compile(r"(?:int|fp|bf|tf|hbm|ddr|lpddr|gddr|pcie|nvlink|usb|wifi|fy|q|h)\d", re.I)  # INT8, HBM3e: specs, not models


_JOINED = re.compile(r"([\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9-]{1,11}?)(?:和|与|及|、)([\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9-]{1,11}?)"
                     r"(?:两家|两者|二者|双方)?(?:合计|一共|总共|加起来|共计|之和)")


def joined_names(question: str) -> tuple[str, ...]:
    """The two names joined before 合计 (莱士中国和科瑞天诚合计持有…), when both read as names and the
    entity list knows at most one of them; () otherwise (营收和利润合计 joins two metrics)."""
    m = _JOINED.search(question)
    if not m:
        return ()
    pair = tuple(re.sub(r"^.*?(?:[年月日号的]|\d)(?=[^\d年月日号的]*$)", "", n) for n in m.groups())  # 3月19日莱士中国 -> 莱士中国
    known = [n for n in pair if mentions(n)]
    if len(known) == 2 or any(len(n) < 2 or not (mentions(n) or (_name_like(n) and not common_word(n))) for n in pair):
        return ()
    return tuple(mentions(n)[0].name if mentions(n) else n for n in pair)


_HYPHENED = re.compile(r"(?:-[A-Za-z0-9][A-Za-z0-9.]*)+")


def _variant_subject(question: str, found: list[Mention]) -> tuple[str, dict[str, tuple[int, int]]]:
    """A known model's latin name continued by hyphened words names a model of its own (DeepSeek-R1-Distill-Qwen-7B
    is R1's distilled 7B, DeepSeek-R1-0528 its May version): (that full name, {each known name inside it: the
    full name's span}), or ("", {}) when the question writes none."""
    for m in found:
        rest = _HYPHENED.match(question, m.end)
        if not rest or not question[m.start:m.end].isascii() or re.fullmatch(r"-\d{1,3}", rest.group()):
            continue  # no hyphened words, a Chinese name, or a range (7-8)
        if not any(f.start > m.end and f.end == rest.end() and question[f.start - 1] == "-" for f in found):  # H100-H800: two names
            return question[m.start:rest.end()], {f.name: (m.start, rest.end()) for f in found if m.start <= f.start and f.end <= rest.end()}
    return "", {}


def variant_names(name: str) -> tuple[str, ...]:
    """The names of a model variant: as written, and with each name of the known model it extends
    (R1-Lite-Preview is also written DeepSeek-R1-Lite-Preview); (name,) for any other name."""
    found = mentions(name)
    if not found or found[0].start != 0 or not _HYPHENED.fullmatch(name, found[0].end):
        return (name,)
    suffix = name[found[0].end:]
    return tuple(dict.fromkeys((name,) + tuple(a + suffix for a in aliases(found[0].name))))


def _code_subject(question: str, found: list[Mention]) -> tuple[str, str]:
    """(the unknown model code written right after a named maker, the maker): 英伟达B40 ->
    ("B40", "英伟达"), or ("", "")."""
    q = unicodedata.normalize("NFKC", question)  # as written: a product name is capitalised
    for m in found:
        if len(owners(m.name)) > 1:
            continue  # 昇腾910C的INT8: only a maker's name (英伟达, 小米) is followed by its model's code
        code = (re.match(_CODE_AFTER_MAKER, q[m.end:]) or re.match(_PRODUCT_AFTER, q[m.end:])  # B40; DeepEdge 10 Max
                or re.match(_NAMED_AFTER_KIND, q[m.end:]))  # 多模态模型Janus-Pro
        if (code and not mentions(code.group(1)) and not periods(code.group(1)) and not _SPEC.match(code.group(1))
                and code.group(1).lower() not in _TRADE_WORDS):
            return q[m.end + code.start(1):m.end + code.end(1)].strip(), m.name
    return "", ""


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


# a word of the question and the words that, said instead of it, make a passage about something else
MARKS: dict[str, tuple[str, ...]] = {
    "输出": ("输入",), "输入": ("输出",),
    "全球": ("中国", "国内", "我国"), "中国": ("全球", "海外", "美国"), "国内": ("全球", "海外"), "海外": ("国内", "中国"),
    "单芯片": ("总", "园区", "集群", "整机", "机柜", "服务器"), "单卡": ("总", "园区", "集群", "整机", "机柜", "服务器"),
    "正式版": ("preview", "预览版", "beta", "mini"), "国行": (),
    "总市值": ("蒸发", "缩水", "下跌", "减少", "增加"),
    "样本外": ("样本内",), "样本内": ("样本外",),  # a back-test's out-of-sample result is not its in-sample one
    # a chip's compute at one precision is not its compute at another (Trainium2 BF16 431 TFLOPS, FP8 83.2 PFLOPS)
    "BF16": ("FP8", "INT8", "FP4", "FP32", "TF32"), "FP16": ("FP8", "INT8", "FP4", "FP32", "TF32"),
    "FP8": ("BF16", "FP16", "INT8", "FP4", "FP32", "TF32"), "INT8": ("BF16", "FP16", "FP8", "FP4", "FP32", "TF32"),
    "FP4": ("BF16", "FP16", "FP8", "INT8", "FP32", "TF32"),
}
MUST_SAY = frozenset({"国行", "正式版", "输出", "BF16", "FP16", "FP8", "INT8", "FP4"})  # a price with no 输出 is the (input) price models are quoted at  # a passage must say these words itself to answer
_UNIT_ASKED = re.compile(r"多少(?P<u>块|台|颗|张|片|部|辆|副|套|个(?!百分点)|家|款|人|次|元|美元|亿元|万元|钱)|花了多少|(?P<m>多少钱)")
COUNT_ASKED = re.compile(r"(?:图片|客户|用户|员工|门店|芯片|机柜|产品|模型|型号|专利)(?:的)?(?:数量|数目|个数|张数)")
_DAY_Q = re.compile(r"哪一?天|几号|几月几日|具体日期|哪日|何日")


def base_of(question: str, metric: str) -> str:
    """For a change (增速), the metric whose change is asked (营收同比增长了多少 -> 营收), else ""."""
    if metric != "增速":
        return ""
    t = _norm(question)
    named = [(t.rfind(w), m) for w, m in _METRIC_ORDER if m != "增速" and w in t]
    return max(named)[1] if named else ""


def marks_of(question: str) -> tuple[str, ...]:
    """The MARKS words a question uses (输出价格 -> ("输出",))."""
    t = _norm(question)
    return tuple(w for w in MARKS if w.lower() in t)


# markets and indexes a question may restrict to; 沪深300 is left out: the universe most figures of a
# quantitative report are about, often named only in its paragraph or table header
MARKET = re.compile(r"创业板指?|科创板|北交所|中小板|中证\s*\d{3,4}|上证\s*\d{2,3}|深证\s*\d{2,3}|恒生指数|恒生科技|纳斯达克|标普\s*500")


def markets_of(question: str) -> tuple[str, ...]:
    """The markets the question restricts to (创业板指, 中证1000): a passage must say the one asked, since a
    figure of another universe answers nothing about it."""
    return tuple(dict.fromkeys(re.sub(r"\s+", "", m) for m in MARKET.findall(unicodedata.normalize("NFKC", question))))


# research houses whose forecasts reports quote (大摩预计…): the canonical name first, then how reports write it
FORECASTERS: dict[str, tuple[str, ...]] = {
    "摩根士丹利": ("摩根士丹利", "大摩", "Morgan Stanley", "摩根斯坦利"), "高盛": ("高盛", "Goldman Sachs", "Goldman"),
    "摩根大通": ("摩根大通", "小摩", "JPMorgan", "J.P. Morgan", "摩根大通证券"), "IDC": ("IDC",), "Gartner": ("Gartner", "高德纳"),
    "Canalys": ("Canalys",), "TrendForce": ("TrendForce", "集邦咨询", "集邦"), "Counterpoint": ("Counterpoint",),
    "Omdia": ("Omdia",), "彭博": ("彭博", "Bloomberg"), "Semianalysis": ("Semianalysis", "SemiAnalysis"),
}
_FORECAST_VERB = r"(?:的)?(?:预计|预测|估计|估算|认为|称|数据|统计|测算)"


def forecaster_of(question: str) -> tuple[str, ...]:
    """The research house a question attributes its figure to (大摩预计… -> ("摩根士丹利",)): a passage must
    name it, since 博通 CEO's 600亿至900亿美元 is not Morgan Stanley's forecast."""
    t = unicodedata.normalize("NFKC", question)
    for name, aliases_ in FORECASTERS.items():
        if any(re.search(rf"(?:据|根据)?{re.escape(a)}{_FORECAST_VERB}", t, re.I) for a in aliases_):
            return (name,)
    return ()


PEER_WORDS = re.compile(r"可比公司|同行业公司|同业公司|竞争对手|竞品公司")  # how reports name comparable companies


def peers_of(question: str) -> tuple[str, ...]:
    """The comparable companies a question asks about, as the word it names them by (可比公司的毛利率 ->
    ("可比公司",)): then their figures answer, which otherwise are never the issuer's (qa.bind)."""
    m = PEER_WORDS.search(question)
    return (m.group(0),) if m else ()


_SCENE = re.compile(r"在([\u4e00-\u9fffA-Za-z]{2,8}?)(?:的)?(?:场景|领域|板块|业务)")


def scene_of(question: str) -> tuple[str, ...]:
    """The scene a question restricts its figure to (在硬件终端场景…增长了几倍 -> ("硬件终端",)): a passage must
    say it, since the 客服和销售场景's 16 倍 is not the 硬件终端场景's 13 倍."""
    m = _SCENE.search(_norm(question))
    return (m.group(1),) if m and not mentions(m.group(1)) else ()


_FEE_KIND = re.compile(r"(期间|销售|管理|研发|财务)费(?:用)?率")


def fee_kind_of(question: str, metric: str) -> tuple[str, ...]:
    """For a 费用率 question, the kind of expense asked (研发费率 -> ("研发",)): a passage must say it,
    since the 期间费用率 is no answer for the 研发费用率."""
    m = _FEE_KIND.search(_norm(question)) if metric == "费用率" else None
    return (m.group(1),) if m else ()


_VARIANT = re.compile(r"\s*(Premier|Pro|Max|Ultra|Lite|Mini|Plus|Air|Nano|Flash|Turbo|Preview|Micro)(?![A-Za-z])")


def variant_of(question: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """The model variant written right after the subject (Nova Premier -> ("Premier",)): a passage must
    say it to answer, since Nova Micro's 128k is not Nova Premier's."""
    for a in sorted(names, key=len, reverse=True):
        i = question.find(a)
        if i >= 0:
            m = _VARIANT.match(question, i + len(a))
            if m and not any(m.group(1).lower() in n.lower() for n in names):
                return (m.group(1),)
    return ()


def unit_asked(question: str) -> str:
    """The unit class the question asks its figure in: 多少块 -> "块", 花了多少钱 -> "money", else ""."""
    m = _UNIT_ASKED.search(question)
    if not m:
        # 能处理的720P图片数量一样吗: a count of things is asked, never a price or a share
        return "count" if COUNT_ASKED.search(question) else ""
    u = m.group("u") or ""
    return "money" if (m.group("m") or "花了" in m.group(0) or u in ("元", "美元", "亿元", "万元", "钱")) else u


def _per_catalog(parse_fn):
    """parse(), remembered per question over a Catalog (the indexed reports of a retriever, which do
    not change while it lives): retrieval, the answer and each computed side parse one question."""
    from yanbao.qa.query import Catalog

    remembered = lru_cache(maxsize=4096)(parse_fn)

    @wraps(parse_fn)
    def parse_once(question: str, reports: list[ReportMeta] | tuple = ()) -> Frame:
        return remembered(question, reports) if isinstance(reports, Catalog) else parse_fn(question, reports)

    return parse_once


def _asking(q: str) -> list[str]:
    """The question's clauses that ask something (多少, 哪, 吗 …), in order."""
    return [c for c in re.split(r"[，,。；;？?]", q) if _ASK.search(c)]


def _asked_period(q: str) -> str:
    """Of several periods, the one of the clause that asks (结合…前三季度…和全年数据，BAT 2024年四季度资本开支大约多少
    -> 2024Q4; the others are what it is worked out from); "" unless exactly one clause asks and names one period."""
    asking = _asking(q)
    if len(asking) != 1:
        return ""
    named = list(dict.fromkeys(str(p) for _, _, p in periods(asking[0])))
    return named[0] if len(named) == 1 else ""


_NEXT_Q = re.compile(r"(?P<d>[上下])(?:一|个|一个)?(?:财季|季度|季)")


def _relative_quarter(q: str, period: str) -> str:
    """The quarter a clause asks relative to the one stated before it (博通FY24Q3营收131亿美元；那它对下一季度
    半导体营收的指引 -> FY2024Q4); `period` unchanged unless the asking clause names no period of its own."""
    asking = _asking(q)
    m = _NEXT_Q.search(asking[-1]) if asking else None
    if not m or periods(asking[-1]):
        return period
    p = period_of(Frame(subject="", period=period)) if period else None
    if p is None or p.year is None or not re.fullmatch(r"Q[1-4]", p.part):
        return period
    n = p.year * 4 + int(p.part[1]) - 1 + (1 if m.group("d") == "下" else -1)
    return str(Period(n // 4, f"Q{n % 4 + 1}", p.fiscal))


@_per_catalog
def parse(question: str, reports: list[ReportMeta] | tuple = ()) -> Frame:
    """The Frame of a question: who, which metric, which period, what kind of answer. A report's
    title in 《》 names the report, not what is asked about, and is read past."""
    q = re.sub(r"《[^》]*》", "《》", unicodedata.normalize("NFKC", question))
    q = re.sub(r"\((?:自然年|日历年|公历年|财年)\)\s*", "", q)  # 2024年(自然年)前三季度 is one period
    found = mentions(q)
    subject, subjects = _primary(found)
    names: tuple[str, ...] = aliases(subject) if subject else ()
    code, maker = _code_subject(q, found)
    if code:  # 英伟达B40: B40, made by 英伟达; a figure about 英伟达 or B300 is not one about B40
        subject, names = code, (code,)
        subjects = tuple(dict.fromkeys((code,) + tuple(n for n in subjects if n != maker)))
    variant, inside = _variant_subject(q, found)
    if variant:  # DeepSeek-R1-Distill-Qwen-7B: the distilled model asked, not R1 nor Qwen
        subject, names = variant, variant_names(variant)
        subjects = tuple(dict.fromkeys((variant,) + tuple(n for n in subjects if n not in inside or any(
            f.name == n and not (f.start >= inside[n][0] and f.end <= inside[n][1]) for f in found))))
    if not subject and reports:  # a company a report covers (华润三九(000999)…), by name or stock code
        covered = next(((n, c) for n, c in catalog(reports).companies if n in q or c in q), None)
        if covered:
            subject, names, subjects = covered[0], covered, (covered[0],)
    if not subject:
        names = _fallback_subject(q, reports)
        subject = names[0] if names else ""
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
    elif kind == "figure" and len(subjects) == 2 and EACH_Q.search(q):
        sides = subjects  # 谷歌TPUv6e和亚马逊Trainium2的互联带宽各是多少: one figure each
    elif kind == "figure" and len(brokers) == 2 and EACH_Q.search(q):
        sides = tuple(sorted(brokers, key=lambda b: q.find(b) % (len(q) + 1)))  # 国金…的预期，和东吴…披露的实际…各是多少: each broker's figure, in the question's order
    if kind in ("comparison", "arithmetic") and len(sides) < 2 and not brokers and (joined := joined_names(q)):
        sides = joined  # 莱士中国和科瑞天诚合计: two holders the entity list does not know
        subjects = tuple(dict.fromkeys(joined + subjects))
        if subject not in joined:
            subject, names = joined[0], (joined[0],)
    years = {p.part for _, _, p in ps if p.year is not None}
    ps = [x for x in ps if x[2].year is not None or x[2].part not in years]  # 2024财年全年 is FY2024
    distinct = list(dict.fromkeys(str(p) for _, _, p in ps))
    if len(distinct) >= 2 and not sides:
        sides = tuple(distinct)
    period = distinct[0] if len(distinct) == 1 else _asked_period(q) if kind == "figure" else ""
    shifted = _relative_quarter(q, period) if len(distinct) == 1 else period
    asked_clause = q.split("；")[-1].split(";")[-1] if shifted != period else q  # the stated quarter's clause is context
    period = shifted
    if kind in ("comparison", "arithmetic") and len(sides) < 2 and not CONSISTENT_Q.search(q):
        kind = "figure" if FIGURE_Q.search(q) or ARITH_Q.search(q) else "other"
    metric = metric_of(q)
    if metric == "增速" and kind in ("arithmetic", "comparison", "figure") and sides:
        named = [m for w, m in _METRIC_ORDER if m != "增速" and w in _norm(q)]
        metric = named[0] if named else metric  # 毛利率从2019年到2024年提升了多少: the change of 毛利率
    if unit_asked(q) == "count" and metric in ("营收", "价格"):
        metric = ""  # 产品收入超百万美元的客户数量: the customers are counted, the revenue only qualifies them
    if metric == "出货量" and unit_asked(q) == "money":
        metric = "营收"  # 卖了多少钱 asks the sales amount, not the units
    if metric not in ("市占率", "增速", "") and _SHARE_ASKED.search(q):
        metric = "市占率"  # SoC占整机硬件成本多少: the share of the cost, not the cost
    if kind == "other" and metric and metric != "制程" and re.search(r"多少|多长|多久|多大|多重|多高|几", q):
        kind = "figure"  # 上下文窗口有多长, 采用什么制程: the answer is a figure
    return Frame(subject=subject, aliases=names, metric=metric,
                 period=period, answer_type=kind, subjects=subjects, sides=sides, actual=bool(ACTUAL_Q.search(q)),
                 qualifier=qualifier_of(asked_clause, metric, segments_only=bool(subject)),
                 marks=marks_of(q) + variant_of(q, names) + markets_of(q) + fee_kind_of(q, metric) + scene_of(q) + forecaster_of(q) + peers_of(q),
                 unit=unit_asked(q),
                 day=kind == "date" and bool(_DAY_Q.search(q)), base=base_of(q, metric),
                 on=day_asked(q) if metric in DAILY or not metric else "")


_SHARE_ASKED = re.compile(r"占[^，,。？?；;占]{1,12}?(?:的)?(?:多少|几成|百分之几|多大比例|比例|比重)")
EACH_Q = re.compile(r"各是|各为|各有|各自|分别是|分别为|分别有|分别多少")
DAILY = frozenset({"价格", "市值"})  # figures of a day: a close on 4月7日 is not one on 5月1日
_MONTH_DAY = re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")


def days_in(text: str) -> list[str]:
    """The month-days written in `text` (4月7日, 6 月 13 日), as M-D."""
    return [f"{int(m.group(1))}-{int(m.group(2))}" for m in _MONTH_DAY.finditer(unicodedata.normalize("NFKC", text))]


def day_asked(q: str) -> str:
    """The one month-day a question names, as M-D, or ""."""
    found = list(dict.fromkeys(days_in(q)))
    return found[0] if len(found) == 1 else ""


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
        marks=frame.marks or previous.marks,
        unit=frame.unit or previous.unit,
        day=frame.day if frame.answer_type != "other" else previous.day,
        base=frame.base or (previous.base if not frame.metric else ""),
        on=frame.on or (previous.on if not frame.period else ""),
    )
