"""Follow-up questions ("那东吴怎么看？", "它三季度的出货量呢？") rewritten into standalone ones.

Extractive mode uses the entity carry-over rules here; LLM mode asks the model to condense
(see llm.condense) and falls back to these rules when the model fails.
"""

from __future__ import annotations

import re

from yanbao.ingest.brokers import broker_short
from yanbao.qa.query import catalog, content_terms, named_brokers
from yanbao.types import ReportMeta

PRONOUN = re.compile(r"它们的|它们|它的|它|(?<![尤极])其(?![他中实余次])|该公司|这家公司|这家|他们的|他们")
_LEAD = re.compile(r"^(那么|那|还有|另外|再问一下|再问|以及|然后)[，,\s]*")
_TAIL = re.compile(r"(呢|的呢|啊|吗)?[？?。!！]*$")
_OPINION = re.compile(r"^(怎么看|如何看|怎么说|的看法|看法|观点|的观点|认为|怎么认为|如何认为|是怎么看的|的判断)?$")
_TIME = re.compile(r"(20\d{2}年?|\d{2}年|[一二三四1-4]季度|Q[1-4]|[1-4]Q|上半年|下半年|全年|前三季度|\d{1,2}月)")
_PERIODISH = re.compile(r"^(\d+|[一二三四]?季度|年|月|q\d|\dq|fy\d+.*|h[12])$")


_ASKS_VIEW = re.compile(r"(怎么说|怎么看|如何看|怎么认为|如何认为|看法|观点|的判断)[？?。]?$")


def is_followup(question: str) -> bool:
    """True for short questions that lean on the previous one (pronoun, leading 那, trailing 呢,
    or a broker's view asked alone: 东吴怎么说？)."""
    q = question.strip()
    return len(q) <= 24 and bool(PRONOUN.search(q) or _LEAD.match(q) or re.search(r"呢[？?]?$", q)
                                 or (len(q) <= 12 and _ASKS_VIEW.search(q)))


def subject(question: str, reports: list[ReportMeta]) -> str:
    """The first content term of a question that is not a period, a figure or a report-title word."""
    cat = catalog(reports)
    brokers = {broker_short(b) for b in cat.brokers}
    for t in content_terms(question, cat):
        about_report = t in cat.title_words or any(b in t for b in brokers) or any(w in t for w in cat.title_words)
        if not about_report and not _PERIODISH.match(t) and not re.search(r"\d", t):
            return t
    return ""


def _periods(text: str) -> list:
    from yanbao.qa.frame import periods

    return periods(text)


def _period_text(text: str) -> str:
    """The first period as the question wrote it (FY24Q3, 2024年), or ""."""
    found = _periods(text)
    return text[found[0][0]:found[0][1]] if found else ""


def _strip_brokers(question: str, reports: list[ReportMeta]) -> str:
    for b in named_brokers(question, reports):
        for form in (b, broker_short(b)):
            question = re.sub(re.escape(form) + r"(的|认为|指出|表示|报告中|报告里|里)?", "", question)
    return question


def rewrite(question: str, previous: str, reports: list[ReportMeta]) -> str:
    """A standalone form of `question` given the previous standalone question; unchanged if not a follow-up."""
    q = question.strip()
    if not previous or not is_followup(q):
        return q
    core = _TAIL.sub("", _LEAD.sub("", q)).strip()
    prev = previous.strip()
    prev_body = _TAIL.sub("", prev).strip()
    brokers = named_brokers(core, reports)
    if brokers:
        rest = _strip_brokers(core, reports).strip("，, ")
        if _OPINION.match(rest):  # 那东吴怎么看？ -> the previous question, asked of 东吴
            return f"{broker_short(brokers[0])}认为{_strip_brokers(prev_body, reports).lstrip('，, ')}？"
    prev_brokers = named_brokers(prev, reports)
    carry = "" if brokers or not prev_brokers else broker_short(prev_brokers[0])
    subj = subject(prev, reports)
    period = "" if _periods(core) or _TIME.search(core) else _period_text(prev_body)  # 运营利润呢？ keeps FY24Q3
    if PRONOUN.search(core) and subj:
        core = PRONOUN.sub(subj + period, core, count=1)
    elif subj and subj not in core:
        times = _TIME.findall(core)
        if times and _TIME.search(prev_body) and _TIME.sub("", core).strip("的，, ") == "":
            # 那2025年呢？ -> the previous question with its period swapped
            return _TIME.sub(times[0], prev_body, count=1) + "？"
        core = f"{subj}{period}{core}"
    if carry and carry not in core:
        core = f"{carry}：{core}"
    return core + "？"
