"""Questions about who wrote a report (分析师, 执业证书) answered from the report's metadata.

The metadata was read from the report's own text at ingest; the answer cites the passage
where the certificate number is printed, so the citation check verifies it like any figure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from yanbao.qa.extractive import report_label
from yanbao.qa.query import named_reports
from yanbao.types import Chunk, ReportMeta

ABOUT_AUTHORS = re.compile(r"分析师|分析员|执业证|证书编号|证书号|署名|作者|研究员")
WHO = re.compile(r"谁|哪位|哪几位|(?:分析师|分析员|作者|研究员)(?:都|分别)?(?:有|是)?哪些|名字|姓名|证书|执业证|署名|编号|证号")


def asks_about_authors(question: str) -> bool:
    """True when the question asks who wrote a report ("署名分析师是谁", "李萌的执业证号"),
    not when it merely mentions analysts ("国金分析师预计出货量多少")."""
    return bool(ABOUT_AUTHORS.search(question) and WHO.search(question))


def answer(question: str, reports: list[ReportMeta], chunks_of: Callable[[str], Sequence[Chunk]],
           allowed: set[str] | None) -> tuple[str, list[Chunk]] | None:
    """(text with [n] markers, the passages they point at), or None when this is not a question
    about a report's authors that the metadata can settle. `chunks_of(file)` gives a report's
    chunks. A named report without printed analysts gives ("", []): the caller answers 报告中未提及."""
    if not asks_about_authors(question):
        return None
    pool = reports if allowed is None else [r for r in reports if r.file in allowed]  # reports: the retriever's Catalog
    named_people = [r for r in pool if any(a.name in question for a in r.analysts)]
    files = named_reports(question, pool)
    targets = [r for r in pool if r.file in files] or named_people
    if not targets:
        return None
    excluded = {a.name for r in targets for a in r.analysts if re.search(rf"除(了)?{re.escape(a.name)}", question)}
    lines, passages = [], []
    for meta in targets:
        candidates = [a for a in meta.analysts if a.name not in excluded]
        people = [a for a in candidates if a.name in question] or candidates
        if not people:
            continue
        parts = []
        own = chunks_of(meta.file)
        for a in people:
            where = next((c for c in own if a.cert and a.cert in c.text), None) or next((c for c in own if a.name in c.text), None)
            marker = ""
            if where is not None:
                if where not in passages:
                    passages.append(where)
                marker = f"[{passages.index(where) + 1}]"
            cert = f"，执业证书编号 {a.cert}" if a.cert else ""
            parts.append(f"{a.role}{a.name}{cert}{marker}")
        lines.append(f"{report_label(meta)}的署名人员：" + "；".join(parts) + "。")
    text = "\n".join(lines)
    return (text, passages) if passages else ("", [])


RATING_Q = re.compile(r"评级")


def rating_answer(question: str, reports: list[ReportMeta], chunks_of: Callable[[str], Sequence[Chunk]],
                  allowed: set[str] | None) -> tuple[str, list[Chunk]] | None:
    """(text, passages) for a question asking the rating a named report gives (东吴这篇周报给计算机行业的评级),
    from the rating read off its cover, cited to the passage printing it; None when the question asks no
    rating, names no report, or the named reports print none (the passages then answer as usual)."""
    if not RATING_Q.search(question):
        return None
    from yanbao.qa.frame import mentions
    from yanbao.qa.query import covered_companies

    pool = reports if allowed is None else [r for r in reports if r.file in allowed]
    targets = [r for r in pool if r.file in named_reports(question, pool) and r.rating]
    names = {m.name for m in mentions(question)}
    lines, passages = [], []
    for meta in targets:
        if names - set(covered_companies(meta.title or "")):
            continue  # 东吴给海光信息的评级: the report rates its industry, not a company it only mentions
        key = re.sub(r"\s+", "", meta.rating.split("(")[0].split("（")[0])
        where = next((c for c in chunks_of(meta.file) if key in re.sub(r"\s+", "", c.text)), None)
        if where is None:
            continue
        passages.append(where)
        lines.append(f"{report_label(meta)}给出的评级：{meta.rating}[{len(passages)}]。")
    return ("\n".join(lines), passages) if passages else None


PUBLISHER_Q = re.compile(r"哪家券商|哪个券商|哪家机构|哪个机构|什么机构|哪家证券|出自哪")
DATE_Q = re.compile(r"发布日期|发布时间|出版日期|发表日期|(?:哪天|哪一天|什么时候|何时|几号|哪日)(?:发布|发的|出的|发表)|发布于")
REPORT_WORD = re.compile(r"报告|周报|研报|策略|点评|这篇|那篇|这期|该篇|《")


def _date_forms(iso: str) -> list[str]:
    """2020-02-23 as reports print it: 2020-02-23, 2020年02月23日, 2020年2月23日, 20200223, 2020/02/23
    (a date of another shape only as it is)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", iso):
        return [iso]
    y, m, d = iso.split("-")
    return [iso, f"{y}年{m}月{d}日", f"{y}年{int(m)}月{int(d)}日", f"{y}{m}{d}", f"{y}/{m}/{d}", f"{y}.{m}.{d}"]


def published_answer(question: str, reports: list[ReportMeta], chunks_of: Callable[[str], Sequence[Chunk]],
                     allowed: set[str] | None) -> tuple[str, list[Chunk]] | None:
    """(text, passages) for a question asking who published a named report, or on which day, from the
    metadata read off its cover, cited to the passage printing it (the cover first); None when the question
    asks neither, names no report, or the report prints no such field."""
    asks_date, asks_broker = bool(DATE_Q.search(question)), bool(PUBLISHER_Q.search(question))
    if not (asks_date or asks_broker) or not REPORT_WORD.search(question):
        return None
    pool = reports if allowed is None else [r for r in reports if r.file in allowed]
    lines, passages = [], []
    quoted = [re.sub(r"\s+", "", t) for t in re.findall(r"《([^》]+)》", question)]
    for meta in (r for r in pool if r.file in named_reports(question, pool)):
        own = re.sub(r"\s+", "", meta.title or "")
        if quoted and not any(t in own or (own and own in t) for t in quoted):
            continue  # 东吴周报列的相关研究《医保数据要素实践和展望》是哪天发的: another report's date, not this one's
        value = (meta.date if asks_date else meta.broker) or ""
        forms = _date_forms(value) if asks_date and value else [value] if value else []
        printed = ((c, f) for c in chunks_of(meta.file) for f in forms if f and f in re.sub(r"\s+", "", c.text))
        where, form = next(printed, (None, ""))
        if where is None:
            continue
        passages.append(where)
        said = f"的发布日期为{form}" if asks_date else f"出自{meta.broker}"
        lines.append(f"{report_label(meta)}{said}[{len(passages)}]。")
    return ("\n".join(lines), passages) if passages else None
