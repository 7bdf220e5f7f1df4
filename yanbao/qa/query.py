"""What a question asks for: its filters, the reports it names, the kind of fact it wants."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cached_property, lru_cache

from yanbao.index.tokenize import tokenize
from yanbao.ingest.brokers import broker_short
from yanbao.types import Filters, ReportMeta

# words that say what is asked, not what about: they never count as evidence
QUESTION_WORDS = frozenset(
    "多少 几 几个 几家 哪些 哪个 哪家 哪 哪里 哪天 何时 什么 什么样 怎么 怎样 如何 为什么 为何 是否 有没有 "
    "谁 是 吗 呢 啊 了 请问 一下 提到 提及 认为 看 怎么看 如何看 观点 表示 报告 研报 这篇 那篇 该 篇 "
    "里 中 给出 给 说 列 列出 分别 各 各自 主要 一下 介绍 总结 概括 大约 约 大概 具体 情况 时候 多长 多久 多大 多高 多重 "
    "the what which who how".split()
)
_GENERIC_TITLE = frozenset("报告 行业 研究 深度 周报 点评 专题 系列 ai 的 与 和 看 从 三个 趋势 新 年度".split())

FIGURE_Q = re.compile(r"多少|几[个家款台倍成%]?|规模|增速|增长|增幅|占比|比例|份额|市占|收入|营收|利润|出货|销量|价格|金额|成本|容量|算力|参数|估值|目标价|capex|资本开支|同比|环比|倍")
DATE_Q = re.compile(r"何时|哪天|哪一天|什么时候|哪年|哪月|日期|时间|几月|几号|发布于|何日")
NAME_Q = re.compile(r"哪家|哪些|哪个|谁|什么公司|哪几|名字|名称|分析师|厂商|公司有")
# what a question asks about a report itself (its title, type, authors, publisher), not about its content;
# a certificate or a byline is only ever the report's, the others only when the question speaks of a report
AUTHOR_ASPECT = re.compile(r"执业|证书编号|证书号|证号|署名")
REPORT_ASPECT = re.compile(r"标题|题目|报告类型|什么类型|哪家券商|哪个券商|哪家机构|什么机构|分析师|分析员|作者|联系人|首席")
REPORT_WORD = re.compile(r"报告|周报|研报|策略|点评|这篇|那篇|这期|该篇|券商|《")


def allows(filters: Filters, meta: ReportMeta) -> bool:
    """True when a report passes every filter (a report without a date fails a date filter)."""
    if filters.files and meta.file not in filters.files:
        return False
    if filters.brokers and not any(_broker_matches(b, meta.broker) for b in filters.brokers):
        return False
    if filters.date_from or filters.date_to:
        if not meta.date:
            return False
        if filters.date_from and meta.date < filters.date_from:
            return False
        if filters.date_to and meta.date > filters.date_to:
            return False
    return True


def _broker_matches(wanted: str, broker: str | None) -> bool:
    if not broker:
        return False
    return broker_short(wanted) == broker_short(broker)


def fact_kind(question: str) -> str:
    """'date', 'figure', 'name' or 'other': the kind of fact a question asks for."""
    q = question.lower()
    if DATE_Q.search(q):
        return "date"
    if FIGURE_Q.search(q):
        return "figure"
    if NAME_Q.search(q):
        return "name"
    return "other"


CERTIFICATE = re.compile(r"S\d{13}")  # an analyst's SAC certificate number, as ingest.metadata reads it
_PUBLISHER = re.compile(r"哪家券商|哪个券商|哪家机构|哪个机构|什么机构|哪家证券|出自哪")


def report_aspect(question: str) -> str:
    """What a question asks about a report itself, not about its content: "authors" (署名分析师,
    执业证书编号), "publisher" (哪家券商发布的), "cover" (标题, 报告类型), or "" for a content question."""
    if AUTHOR_ASPECT.search(question):
        return "authors"
    if not (REPORT_ASPECT.search(question) and REPORT_WORD.search(question)):
        return ""
    if _PUBLISHER.search(question):
        return "publisher"
    if re.search(r"分析师|分析员|作者|联系人|首席", question):
        return "authors"
    return "cover"


_COVERED = re.compile(r"(?P<name>[\u4e00-\u9fa5A-Za-z]{2,8}?)\s*[（(]\s*(?P<code>\d{6})(?:\.[A-Za-z]{2})?\s*[）)]")


@lru_cache(maxsize=4096)
def covered_companies(title: str) -> tuple[str, ...]:
    """The companies a report title covers, written with their stock code: 华润三九(000999)… -> (华润三九,)."""
    return tuple(m.group("name") for m in _COVERED.finditer(title))


class Catalog(Sequence):
    """The indexed reports, with what questions are matched against derived once: the brokers,
    the words naming them, and which reports' titles hold each title word. A question then costs
    the same with five reports or twenty-five thousand."""

    def __init__(self, reports: Iterable[ReportMeta]):
        self.reports = tuple(reports)

    def __len__(self) -> int:
        return len(self.reports)

    def __getitem__(self, i):
        return self.reports[i]

    @cached_property
    def brokers(self) -> tuple[str, ...]:
        """Distinct broker names, sorted."""
        return tuple(sorted({r.broker for r in self.reports if r.broker}))

    @cached_property
    def broker_terms(self) -> frozenset[str]:
        """Tokens of every broker's long and short name."""
        return frozenset().union(*(_broker_terms(b) for b in self.brokers))

    @cached_property
    def companies(self) -> tuple[tuple[str, str], ...]:
        """(name, stock code) of the companies the reports' titles cover: 华润三九(000999)…, 上海莱士(002252)."""
        found = {m.group("name"): m.group("code") for r in self.reports for m in _COVERED.finditer(r.title or "")}
        return tuple(sorted(found.items(), key=lambda x: -len(x[0])))

    @cached_property
    def by_broker(self) -> dict[str, tuple[int, ...]]:
        out: dict[str, list[int]] = {}
        for i, r in enumerate(self.reports):
            if r.broker:
                out.setdefault(r.broker, []).append(i)
        return {b: tuple(v) for b, v in out.items()}

    @cached_property
    def by_title_term(self) -> dict[str, tuple[int, ...]]:
        """Distinctive title word -> positions of the reports whose title holds it."""
        out: dict[str, list[int]] = {}
        for i, r in enumerate(self.reports):
            for t in _title_terms(r.title or ""):
                out.setdefault(t, []).append(i)
        return {t: tuple(v) for t, v in out.items()}

    @cached_property
    def title_words(self) -> frozenset[str]:
        """Every word of two or more characters in any title (generic ones included)."""
        return frozenset(t for title in {r.title or "" for r in self.reports} for t in tokenize(title) if len(t) > 1)


def catalog(reports: Iterable[ReportMeta]) -> Catalog:
    """`reports` as a Catalog (itself, when it is one already)."""
    return reports if isinstance(reports, Catalog) else Catalog(reports)


def named_brokers(question: str, reports: Iterable[ReportMeta]) -> list[str]:
    """Brokers of the indexed reports that the question names (long or short form)."""
    return [b for b in catalog(reports).brokers if b in question or broker_short(b) in question]


@lru_cache(maxsize=65536)
def _title_terms(title: str) -> frozenset[str]:
    return frozenset(t for t in tokenize(title) if t not in _GENERIC_TITLE and len(t) > 1)


@lru_cache(maxsize=4096)
def _broker_terms(broker: str) -> frozenset[str]:
    return frozenset(tokenize(broker)) | frozenset(tokenize(broker_short(broker)))


def named_reports(question: str, reports: Iterable[ReportMeta]) -> set[str]:
    """Files of the reports a question points at, by broker name and words of the title.

    A broker alone picks all its reports; title words then narrow down among them
    ("国金的2025前瞻报告" -> the 2025 outlook, not the weekly). A title alone needs two
    distinctive words, so common words do not pick a report by accident.
    """
    cat = catalog(reports)
    title_hits = Counter(i for t in set(tokenize(question)) for i in cat.by_title_term.get(t, ()))
    brokers = named_brokers(question, cat)
    if brokers:
        scored = [(title_hits[i], cat[i].file) for b in brokers for i in cat.by_broker[b]]
    else:
        scored = [(n, cat[i].file) for i, n in title_hits.items() if n >= 2]
    if not scored:
        return set()
    best = max(s for s, _ in scored)
    return {f for s, f in scored if s == best}


def content_terms(question: str, reports: Iterable[ReportMeta] = ()) -> list[str]:
    """The question's tokens that must be found in evidence: no question words, no broker names."""
    drop = catalog(reports).broker_terms
    seen, out = set(), []
    for t in tokenize(question):
        if t not in QUESTION_WORDS and t not in drop and t not in seen:
            seen.add(t)
            out.append(t)
    return out
