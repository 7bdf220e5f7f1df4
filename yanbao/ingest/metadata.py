"""Report metadata read from the cleaned text itself. A field the text does not give is None."""

from __future__ import annotations

import re
from collections import Counter

from yanbao.types import Analyst, CleanDoc, ReportMeta

# E-mail domains of brokers' research departments, for reports whose institute name is absent.
BROKER_DOMAINS = {
    "gjzq.com.cn": "国金证券",
    "dwzq.com.cn": "东吴证券",
    "mszq.com": "民生证券",
    "hx168.com.cn": "华西证券",
    "htsec.com": "海通证券",
    "citics.com": "中信证券",
    "csc.com.cn": "中信建投证券",
    "gtjas.com": "国泰君安证券",
    "cmschina.com.cn": "招商证券",
    "gf.com.cn": "广发证券",
    "xyzq.com.cn": "兴业证券",
    "tfzq.com": "天风证券",
    "cicc.com.cn": "中金公司",
    "swsresearch.com": "申万宏源证券",
    "essence.com.cn": "安信证券",
    "cczq.com": "长城证券",
    "hfzq.com.cn": "华福证券",
    "zts.com.cn": "中泰证券",
    "gszq.com": "国盛证券",
    "kysec.cn": "开源证券",
}
_INSTITUTE = re.compile(r"([\u4e00-\u9fff]{2,6}?证券)(?:股份有限公司|有限责任公司)?(?:研究所|研究院|研究部)")
_COMPANY = re.compile(r"([\u4e00-\u9fff]{2,6}?证券)股份有限公司")
_EMAIL_DOMAIN = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
_CERT = re.compile(r"S\d{13}")
_ROLE = re.compile(r"(证券分析师|分析师|研究助理|联系人)")
_NAME = r"([\u4e00-\u9fff]{2,4})"
# "分析师:刘道明(执业 S1130520020004)", "证券分析师王紫敬\n执业证书:S0600521080005", "分析师方竞\n执业证号:S..."
_PERSON = re.compile(
    r"(证券分析师|分析师|研究助理|联系人)\s*[:：]?\s*" + _NAME + r"(?![\u4e00-\u9fff])\s*(?:[(（]\s*执业\s*(?:证书|证号|编号)?\s*[:：]?\s*(S\d{13})|[\s\S]{0,12}?执业\s*(?:证书|证号|编号)?\s*[:：]?\s*(S\d{13}))?"
)
_DATE_LINE = re.compile(r"^(?:报告日期|发布日期|日期)?\s*[:：]?\s*(20\d{2})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?$")
_RATING = re.compile(
    r"(买入|增持|推荐|谨慎推荐|强烈推荐|中性|减持|卖出|优于大市|同步大市|跑赢行业|看好)\s*[(（]\s*(维持|首次|上调|下调|首次覆盖)\s*[)）]"
)
_TYPES = (
    ("周报", "周报"),
    ("中期投资策略", "中期策略"),
    ("中期策略", "中期策略"),
    ("年度投资策略", "年度策略"),
    ("年度策略", "年度策略"),
    ("行业深度", "行业深度"),
    ("公司深度", "公司深度"),
    ("深度研究", "深度研究"),
    ("点评", "点评"),
    ("专题", "专题"),
    ("月报", "月报"),
    ("晨报", "晨报"),
    ("首次覆盖", "首次覆盖"),
)
_NOT_TITLE = re.compile(
    r"证券研究报告|研究所|研究院|分析师|联系人|执业|@|^\d{4}\s*[-年/.]\s*\d|^[\d\s.,%-]+$|评级|^(买入|增持|推荐|中性|减持|卖出)|"
    r"^(核心逻辑|核心观点|投资要点|报告摘要|目录|内容目录|CONTENTS)$|深度研究\s*\(|^行业|周报$|策略$"
)
HEAD_LINES = 25  # title, date, analysts and rating sit in a report's first lines


def extract(doc: CleanDoc, sha256: str = "") -> ReportMeta:
    """Metadata of one report: broker, title, date, analysts, type and rating."""
    head_lines = [doc.text[ln.start:ln.end] for ln in doc.lines[:HEAD_LINES]]
    head = "\n".join(head_lines)
    return ReportMeta(
        file=doc.file,
        title=_title(head_lines),
        broker=_broker(doc.text),
        date=_date(head_lines),
        analysts=_analysts(doc.text),
        report_type=_report_type(head),
        rating=_rating(head),
        sha256=sha256,
    )


def _broker(text: str) -> str | None:
    votes: Counter[str] = Counter()
    for m in _INSTITUTE.finditer(text):
        votes[m.group(1)] += 2
    for m in _COMPANY.finditer(text):
        votes[m.group(1)] += 2
    for m in _EMAIL_DOMAIN.finditer(text):
        domain = m.group(1).lower()
        for known, broker in BROKER_DOMAINS.items():
            if domain == known or domain.endswith("." + known):
                votes[broker] += 1
    if not votes:
        return None
    return votes.most_common(1)[0][0]


_SECTION_LABEL = re.compile(r"^(核心逻辑|核心观点|投资要点|报告摘要|摘要|目录|内容目录)\s*[:：]?$")
_NOT_NAMES = {"声明", "承诺", "简介", "介绍", "团队", "认证", "观点"}


def _title(head_lines: list[str]) -> str | None:
    if head_lines and _SECTION_LABEL.match(head_lines[0].strip()):
        return None  # the text starts at a section: the cover page (and its title) is missing
    for line in head_lines[:8]:
        t = line.strip()
        if 4 <= len(t) <= 40 and not _NOT_TITLE.search(t) and not t.startswith(("-", "图", "表")):
            return t
    return None


def _date(head_lines: list[str]) -> str | None:
    for line in head_lines:
        m = _DATE_LINE.match(line.strip())
        if m:
            y, mo, d = (int(g) for g in m.groups())
            if 1 <= mo <= 12 and 1 <= d <= 31:
                return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


def _analysts(text: str) -> tuple[Analyst, ...]:
    found: dict[str, Analyst] = {}
    for m in _PERSON.finditer(text):
        role, name = m.group(1), m.group(2)
        if name in _NOT_NAMES or name.endswith(("声明", "承诺")):
            continue
        cert = m.group(3) or m.group(4)
        role = "分析师" if "分析师" in role else role
        if name in found:
            if cert and not found[name].cert:
                found[name] = Analyst(name, cert, found[name].role)
            continue
        if cert or role == "分析师":
            found[name] = Analyst(name, cert, role)
    return tuple(found.values())


def _report_type(head: str) -> str | None:
    for needle, label in _TYPES:
        if needle in head:
            return label
    return None


def _rating(head: str) -> str | None:
    m = _RATING.search(head)
    return f"{m.group(1)}({m.group(2)})" if m else None
