"""Questions about who wrote a report (分析师, 执业证书) answered from the report's metadata.

The metadata was read from the report's own text at ingest; the answer cites the passage
where the certificate number is printed, so the citation check verifies it like any figure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

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


DESCRIBED = re.compile(r"(?:这|那|该)(?:篇|份|期)")  # 那篇讲DeepSeek改变AI生态的报告: a report named by what it says


def published_answer(question: str, reports: list[ReportMeta], chunks_of: Callable[[str], Sequence[Chunk]],
                     allowed: set[str] | None, described: str | None = None) -> tuple[str, list[Chunk]] | None:
    """(text, passages) for a question asking who published a named report, or on which day, from the
    metadata read off its cover, cited to the passage printing it (the cover first); None when the question
    asks neither, names no report, or the report prints no such field. `described` is the file of the
    report whose passage ranks first: it is the one meant when the question names none but points at
    one by what it says (那篇讲…的报告是哪家券商出的)."""
    asks_date, asks_broker = bool(DATE_Q.search(question)), bool(PUBLISHER_Q.search(question))
    if not (asks_date or asks_broker) or not REPORT_WORD.search(question):
        return None
    pool = reports if allowed is None else [r for r in reports if r.file in allowed]
    lines, passages = [], []
    quoted = [re.sub(r"\s+", "", t) for t in re.findall(r"《([^》]+)》", question)]
    files = named_reports(question, pool) or ({described} if described and DESCRIBED.search(question) else set())
    for meta in (r for r in pool if r.file in files):
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
        label = report_label(meta) if asks_date else report_label(replace(meta, broker=None)) if meta.title \
            else f"这篇报告（{meta.file}）"  # 《…》出自东吴证券, not 东吴证券《…》出自东吴证券
        lines.append(f"{label}{said}[{len(passages)}]。")
    return ("\n".join(lines), passages) if passages else None


RISK_Q = re.compile(r"风险提示|风险因素|(?:列|提示|提|指出|揭示|提醒|写)了?(?:哪些|什么|哪几|哪两|哪三|几)(?:条|点|项|个)?风险"
                    r"|风险(?:点)?(?:有|包括|是)(?:哪些|什么|哪几)")
_RISK_HEAD = re.compile(r"风险提示|风险因素")
_TOC_AFTER = re.compile(r"[.…·]{2,}|\t?\s*\d+\s*(?:\n|$)")
_BULLET = re.compile(r"^\s*(?:[-•·●▪◆]|\d{1,2}\s*[.、)）]|[（(]\d{1,2}[)）])\s*")
_RISKY = re.compile(r"不及预期|低于预期|超出预期|超预期|风险|加剧|恶化|下降|下滑|波动|变化|不确定|失效|降价|竞争|制裁|减值|质押|冻结"
                    r"|过拟合|延迟|放缓|收紧|滞后|不达|失败|摩擦|短缺|上涨|冲击")
_ITEM_NOISE = re.compile(r"请务必|请阅读|本报告|\[Table|-?\d+(?:\.\d+)?%|第\s*\d+\s*页|www\.|[:：]")
_NOT_RISK = re.compile(r"风险提示|风险因素|请在|控件|无法提交")  # a template's own words (若缺少风险提示,则无法提交), not a risk


def _trimmed(item: str) -> tuple[str, bool]:
    """(the item without a page's noise run into it, True when noise was cut): 仿制药大幅降价风险-40%-20%… ->
    仿制药大幅降价风险; 新产品研发进展不及预期海外算力:… -> 新产品研发进展不及预期 (cut after the last risk word)."""
    noise = _ITEM_NOISE.search(item)
    if not noise:
        return item.strip(" *-—"), False
    head = item[:noise.start()]
    ends = [m.end() for m in _RISKY.finditer(head)]
    return (head[:ends[-1]] if ends else "").strip(" *-—"), True


def _listed_risks(body: str) -> list[str]:
    """The risks of an inline list (风险提示:A;B、C。), up to the sentence's end or the first page noise."""
    body = re.split(r"[。\n]", body, maxsplit=1)[0]
    items, cut = [], False
    for part in re.split(r"[;；、]", body):
        item, cut = _trimmed(part)
        if item:
            items.append(item)
        if cut:
            break
    if len(items) == 1 and not cut:  # 销售不及预期风险,研发不及预期风险,提价不及预期风险等: a list written with commas
        parts = [p.strip() for p in re.split(r"[,，]", items[0]) if p.strip()]
        if len(parts) > 1 and all(len(p) <= 20 and _RISKY.search(p) for p in parts):
            items = parts
    return items


def _risk_lines(body: str) -> list[str]:
    """The risks of a section under a 风险提示 heading, a line each (the label before a colon when one
    explains it: 市场竞争加剧:近两年来… -> 市场竞争加剧); a paragraph of prose is one risk, quoted whole."""
    items, bulleted = [], False
    for raw in body.split("\n"):
        line = _BULLET.sub("", raw.replace("**", "")).strip()
        if not line:
            if items:
                break
            continue
        if items and (bulleted and line == raw.replace("**", "").strip() or not _RISKY.search(line)):
            break  # the list ended: a line without the list's bullet, or one naming no risk (内容目录)
        bulleted = bulleted or not items and line != raw.replace("**", "").strip()
        label = re.split(r"[:：]", line, maxsplit=1)[0].strip()
        if label != line and len(label) <= 30:
            items.append(label)
        elif len(line) <= 30:
            items.append(line)
        else:
            if not items:
                items.append(line[:200])
            break
    return items


def risk_items(text: str) -> list[str]:
    """The risks a passage lists under its 风险提示 (or 风险因素), in its own words; [] when the passage has
    none: a table of contents (风险提示.....32), a heading with nothing after it, a form's template text."""
    for m in _RISK_HEAD.finditer(text):
        after = text[m.end():].lstrip("*")
        if not after or after[0] in "。.，," or _TOC_AFTER.match(after):
            continue
        items = _risk_lines(after) if after[0] in "\n\r" or after[0] in " \t" and "\n" in after[:2] else \
            _listed_risks(after.lstrip(":： \t*"))
        items = [i for i in items if i]
        if items and not any(_NOT_RISK.search(i) for i in items) and all(_RISKY.search(i) for i in items):
            return items
    return []


def risk_answer(question: str, reports: list[ReportMeta], chunks_of: Callable[[str], Sequence[Chunk]],
                allowed: set[str] | None) -> tuple[str, list[Chunk]] | None:
    """(text, passages) for a question asking the risks a named report lists (国金《AI周观察》列了哪些风险,
    民生中期策略的风险提示包括哪些): the first 风险提示 in the report's own order (its summary's list before
    the closing section), cited to that passage; None when the question asks no such thing, names no
    report, or the report lists none (the passages then answer as usual)."""
    if not RISK_Q.search(question):
        return None

    def say(meta: ReportMeta) -> tuple[Chunk, str] | None:
        found = next(((c, items) for c in chunks_of(meta.file) if (items := risk_items(c.text))), None)
        return (found[0], f"{report_label(meta)}的风险提示：{'；'.join(found[1])}") if found else None

    return _each_named(question, reports, allowed, say)


def _each_named(question: str, reports: list[ReportMeta], allowed: set[str] | None,
                say: Callable[[ReportMeta], tuple[Chunk, str] | None]) -> tuple[str, list[Chunk]] | None:
    """(text, passages): a line for each report the question names that `say` answers for, with `say`'s
    passage cited; None when it answers for none."""
    pool = reports if allowed is None else [r for r in reports if r.file in allowed]
    lines, passages = [], []
    for meta in (r for r in pool if r.file in named_reports(question, pool)):
        said = say(meta)
        if said is not None:
            passages.append(said[0])
            lines.append(f"{said[1]}[{len(passages)}]。")
    return ("\n".join(lines), passages) if passages else None


TYPE_Q = re.compile(r"(?:什么|哪种|哪类|何种|哪一类|哪个)(?:报告)?类型|报告类型|属于(?:什么|哪种|哪类|哪一类)(?:报告|研报)?[？?]?$")
_TYPE_WORDS = re.compile(r"周报|月报|晨报|日报|策略|深度|点评|专题|首次覆盖|跟踪报告|行业研究|公司研究|调研|快评|简评")


def _type_line(chunks: Sequence[Chunk]) -> tuple[Chunk, str] | None:
    """The cover line naming a report's kind (行业深度研究(深度), 计算机行业跟踪周报), from its first two passages."""
    for c in chunks[:2]:
        for line in c.text.split("\n"):
            line = re.sub(r"^[#\s—–-]+", "", line).strip()
            if 2 < len(line) <= 24 and _TYPE_WORDS.search(line) and not re.search(r"[，。,:：]", line):
                return c, line
    return None


def type_answer(question: str, reports: list[ReportMeta], chunks_of: Callable[[str], Sequence[Chunk]],
                allowed: set[str] | None) -> tuple[str, list[Chunk]] | None:
    """(text, passages) for a question asking what kind of report a named report is (属于什么报告类型),
    from the line its cover prints, cited to that passage; None when the question asks no such thing,
    names no report, or the cover prints no kind."""
    if not (TYPE_Q.search(question) and REPORT_WORD.search(question)):
        return None

    def say(meta: ReportMeta) -> tuple[Chunk, str] | None:
        found = _type_line(list(chunks_of(meta.file)))
        return (found[0], f"{report_label(meta)}属于{found[1]}") if found else None

    return _each_named(question, reports, allowed, say)
