"""Cleaning: raw extracted pages -> one normalised text with typed lines.

Everything that changes characters happens here, once; every offset downstream points into
the text this returns. Page furniture (bare page numbers, repeated headers/footers) is
dropped and listed; lines broken inside a sentence are joined; boilerplate is tagged, not cut.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from yanbao.ingest.load import RawDoc
from yanbao.ingest import glued, valuation
from yanbao.types import CleanDoc, Line

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
SENTENCE_END = "。！？；!?;"
CLOSERS = "”’」』)】》\"'"
_CJK_RE = re.compile(f"[{CJK}]")
_SPACES = re.compile(r"[ \f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
_CJK_SPACE = re.compile(f"(?<=[{CJK}]) (?=[{CJK}])")
_MD_HEADING = re.compile(r"^(#{1,6})\s*(.*)$")
_PAGE_NUMBER = re.compile(r"\d{1,3}|第\s*\d{1,4}\s*页|[-–—]\s*\d{1,4}\s*[-–—]|\d{1,4}\s*/\s*\d{1,4}|page\s*\d{1,4}", re.I)
_LEADING_PAGE_NO = re.compile(r"^\d{1,3}(?=(?:资料来源|数据来源|来源)\s*:)")
_TRAILING_PAGE_NO = re.compile(r"(?<=[。！？])\s+\d{1,3}$")
_CAPTION = re.compile(r"^(?:(?:图表|图|表)\s*\d*(?:[-.]\d+)*\s*[:：.、]|(?:图|表)\s*\d+|(?:资料来源|数据来源|来源)\s*[:：])")
_NUMBERED_HEADING = re.compile(
    r"^(\d{1,2}(?:\.\d{1,2}){0,3})(?:\.|、)?\s*(?![年月日%万亿元个倍美人台款只家项])([^\d\s.、,，].{0,38})$"
)
_CN_HEADING = re.compile(r"^(?:[一二三四五六七八九十]{1,3}、\S|第[一二三四五六七八九十\d]{1,3}[章节部分篇])")
_SECTION_WORDS = (
    "投资要点|报告摘要|核心观点|核心逻辑|风险提示|投资建议|内容目录|图表目录|相关研究|行业走势|相关标的|受益标的|"
    "研究结论|主要观点|报告要点|事件|点评|事件点评|事件简介"
)
_BOILERPLATE_WORDS = (
    "免责声明|特别声明|分析师声明|法律声明|重要声明|一般声明|版权声明|分析师承诺|评级说明|投资评级说明|信息披露|重要提示"
)
_KEYWORD_HEADING = re.compile(rf"^(?:{_SECTION_WORDS}|{_BOILERPLATE_WORDS})\s*[:：]?$")
_BOILERPLATE_START = re.compile(rf"^(?:{_BOILERPLATE_WORDS})\s*[:：]?|投资评级标准\s*[:：]?$|^评级标准\s*[:：]?$")
_CONTACT = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:电话|传真|邮编|邮政编码|地址|邮箱|公司网址|网址)\s*[:：]|执业证书|执业证号|执业\s*S\d|https?://"
)
_LIST_ITEM = re.compile(r"^(?:[-•·●▪◆■]\s|\d{1,2}[)）]\s*\S)")
_NUMERIC_CELL = re.compile(r"[-+]?[\d,.]+%?[A-Za-z]?|-|--|[\d.]+\.(?:SH|SZ|HK|BJ|O|N|US)|\d{4}[AEF]", re.I)


@dataclass
class _L:
    text: str
    page: int | None
    kind: str = "text"
    level: int = 0
    indented: bool = False  # the raw line began with whitespace: a new paragraph in PDF text
    # (offset within text, page) where a later page's text starts inside this joined line
    page_marks: tuple[tuple[int, int | None], ...] = ()


def normalize(text: str) -> str:
    """NFKC, unified line ends, no private-use glyphs, zero-width or control characters."""
    text = unicodedata.normalize("NFKC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _ZERO_WIDTH.sub("", text)
    return _dropped().sub(_keep_astral, text)


def _is_dropped_char(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return ch not in "\t\n" and (cat in ("Co", "Cc", "Cs", "Cn") or (cat == "Cf" and ch not in "\u200e\u200f"))


@functools.cache
def _dropped() -> re.Pattern:
    """Every BMP character _is_dropped_char drops, as one character class (a 50 MB report is
    ~18M characters: one regex pass instead of a Python call per character), and any character
    beyond the BMP, which _keep_astral judges one by one."""
    ranges, start = [], None
    for cp in range(0x10001):
        dropped = cp < 0x10000 and _is_dropped_char(chr(cp))
        if dropped and start is None:
            start = cp
        elif not dropped and start is not None:
            ranges.append(f"\\u{start:04x}-\\u{cp - 1:04x}" if cp - 1 > start else f"\\u{start:04x}")
            start = None
    return re.compile("[" + "".join(ranges) + "\\U00010000-\\U0010ffff]")


def _keep_astral(m: re.Match) -> str:
    ch = m.group()
    return "" if _is_dropped_char(ch) else ch


def normalize_line(line: str) -> str:
    """One line: whitespace collapsed (tabs kept as cell separators), markdown bold dropped."""
    line = line.replace("**", "").replace("__", "")
    line = _SPACES.sub(" ", line)
    line = re.sub(r" *\t *", "\t", line).strip(" ")
    if "\t" not in line.strip("\t"):
        line = line.strip("\t")  # a tab-indented paragraph is not a table row
    return _CJK_SPACE.sub("", line)


def classify(text: str) -> tuple[str, int, str]:
    """(kind, heading level, text without markup) for one normalised line."""
    m = _MD_HEADING.match(text)
    if m and m.group(2):
        body = m.group(2).strip()
        return ("heading", len(m.group(1)), body) if len(body) <= 80 else ("text", 0, body)
    if "\t" in text:
        return "table", 0, text
    if _CAPTION.match(text):
        return "caption", 0, text
    if _KEYWORD_HEADING.match(text) or (_BOILERPLATE_START.search(text) and len(text) <= 20):
        return "heading", 1, text
    if _CN_HEADING.match(text) and len(text) <= 60 and "。" not in text:
        return "heading", 1, text
    m = _NUMBERED_HEADING.match(text)
    if m and not any(p in text for p in "。；;") and not text.endswith(("，", ",", "、")):
        return "heading", m.group(1).count(".") + 1, text
    if _is_space_table_row(text):
        return "table", 0, text
    if _LIST_ITEM.match(text):
        return "list", 0, text
    return "text", 0, text


def _is_space_table_row(text: str) -> bool:
    cells = text.split(" ")
    if len(cells) < 4 or "。" in text:
        return False
    numeric = sum(1 for c in cells if _NUMERIC_CELL.fullmatch(c))
    return numeric * 2 >= len(cells)


def is_open_ended(text: str) -> bool:
    """True when a line stops mid-sentence (no sentence-final punctuation or colon at its end)."""
    t = text.rstrip()
    while t and t[-1] in CLOSERS and len(t) > 1 and t[-2] in SENTENCE_END:
        return False
    return bool(t) and t[-1] not in SENTENCE_END + ":：…"


_FIELD_LINE = re.compile(
    r"^(?:买入|增持|推荐|谨慎推荐|强烈推荐|中性|持有|减持|卖出|优于大市|同步大市|领先大市|强于大市|未评级)(?:-[A-C])?"
    r"\s*[(（]\s*(?:维持|首次|首次覆盖|上调|下调|维持评级|首次评级)\s*[)）]$|^(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$"
)


# a timeline's label: 20241226: or 2024年12月26日: or 2024-12: alone on its line
_DATE_LABEL = re.compile(r"(?:(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])|(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}"
                         r"(?:\s*[-/.月]\s*\d{1,2}\s*日?|\s*月)?)\s*[:：]")
_HYPHEN_BROKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*-$")
_AWAITS_VALUE = re.compile(r"(?:[、，,/]|分别(?:为|是)?|分别达到?|依次为)\s*$")


def _continues(prev: _L, nxt: _L) -> bool:
    """True when `nxt` is the rest of a sentence that `prev` broke off."""
    if prev.kind not in ("text", "list") or nxt.kind != "text" or nxt.indented:
        return False
    if _FIELD_LINE.match(nxt.text):
        return False  # a cover's rating or date line under its title is a field of its own
    if _DATE_LABEL.fullmatch(prev.text) and len(nxt.text) <= 40:
        return True  # a timeline's 20241226: + DeepSeek-V3: the day and what it dates
    if _HYPHEN_BROKEN.search(prev.text) and nxt.text[:1].isascii() and nxt.text[:1].isalnum() and len(prev.text) <= 40:
        return True  # DeepSeek-Janus- + Pro: a name broken at its hyphen
    if not is_open_ended(prev.text) or not _CJK_RE.search(prev.text):
        return False
    if _CONTACT.search(prev.text) or _CONTACT.search(nxt.text):
        return False  # contact blocks (names, e-mails, phone numbers) are lists, not sentences
    long_enough = len(prev.text) >= 20 or any(p in prev.text for p in "，、,")
    if not long_enough:
        return False  # a short unpunctuated line is a label or heading, not a broken sentence
    first = nxt.text[0]
    if _CJK_RE.match(first) or first in "，。、；：！？）」』”%,.;:!?)":
        return True
    if _AWAITS_VALUE.search(prev.text) and (first.isdigit() or first in "-+−"):
        return True  # 归母净利润分别为37.5 亿元、 + 42.2 亿元…; 研发费率分别 + 27.9%/5.9%/3.8%: a list broken mid-way
    if prev.text.rstrip()[-1:] in "、，" and first.isascii() and first.isalpha() and _CJK_RE.search(nxt.text[:24]):
        return True  # 字节旗下Cici、Coze、 + Gauth、Hypic、CapCut五款产品…: a list of names broken mid-way
    # "...将在" + "2025 年..." : a CJK-ended long line continued by a digit or Latin word
    return bool(_CJK_RE.match(prev.text[-1])) and len(prev.text) >= 25 and bool(_CJK_RE.search(nxt.text[:12]))


def _glue(a: str, b: str) -> str:
    return " " if a[-1:].isascii() and a[-1:].isalnum() and b[:1].isascii() and b[:1].isalnum() else ""


def _furniture(lines: list[_L], paged: bool, n_pages: int) -> set[str]:
    """Normalised texts of repeated page headers/footers to drop."""
    if paged and n_pages >= 3:
        edge: Counter[str] = Counter()
        by_page: dict[int | None, list[_L]] = {}
        for ln in lines:
            if ln.text:
                by_page.setdefault(ln.page, []).append(ln)
        for page_lines in by_page.values():
            seen = {re.sub(r"\d+", "#", ln.text) for ln in page_lines[:2] + page_lines[-2:] if len(ln.text) <= 60}
            edge.update(seen)
        need = max(3, n_pages // 2)
        return {t for t, c in edge.items() if c >= need}
    counts = Counter(ln.text for ln in lines if ln.text and len(ln.text) <= 30)
    return {t for t, c in counts.items() if c >= 5 and classify(t)[0] == "text"}


_TOC_ENTRY = re.compile(r"^(?!图|表)(.+?)\s*(?:\.{2,}|…+|·{2,})?\s*\t\s*\d{1,3}$")
# a line of a table of contents with its dot leader ("回测结果分析 ........ 22", "图表31: … ...... 25"): it
# repeats a heading or caption of the body and, kept, outranks the section it points to
_TOC_LEADER = re.compile(r"^(?P<title>.+?)\s*(?:\.{5,}|…{3,}|·{5,}|\s(?:\.\s?){5,})\s*\d{1,3}$")


def _page_edges(lines: list[_L]) -> set[int]:
    """Indices of the first and last two non-empty lines of each page."""
    by_page: dict[int | None, list[int]] = {}
    for i, ln in enumerate(lines):
        if ln.text:
            by_page.setdefault(ln.page, []).append(i)
    return {i for idx in by_page.values() for i in idx[:2] + idx[-2:]}


def toc_titles(lines: list[_L]) -> set[str]:
    """Section titles listed in a table of contents ("标题.....\t3"): those lines are headings."""
    titles = set()
    for ln in lines:
        if "\t" not in ln.text and not any(c in ln.text for c in ".…·"):
            continue  # neither pattern can match (most lines of a long report): no regex run
        m = _TOC_ENTRY.match(ln.text) or _TOC_LEADER.match(ln.text)
        if m and len(m.group(1)) >= 2:
            titles.add(m.group(1).strip())
    return titles


def clean(doc: RawDoc) -> CleanDoc:
    """Cleaned text of a report, with its typed lines, joined-break count and dropped furniture."""
    dropped: list[tuple[str, str]] = list(doc.dropped)  # furniture the PDF layout already set aside
    lines: list[_L] = []
    for i, page_text in enumerate(doc.pages):
        page = i + 1 if doc.paged else None
        raws = glued.unglue(normalize(page_text)).split("\n")  # tables printed without separators -> tab rows
        tables, _ = valuation.rewrite([r.strip() for r in raws])  # space-printed valuation tables -> tab rows
        for raw, table in zip(raws, tables):
            text = normalize_line(raw) if table == raw.strip() else normalize_line(table)
            lines.append(_L(text, page, indented=raw[:1] in (" ", "\t", "\u3000", "\u00a0")))

    furniture = _furniture(lines, doc.paged, len(doc.pages))
    toc = toc_titles(lines)
    kept: list[_L] = []
    edges = _page_edges(lines) if doc.paged else set()
    for i, ln in enumerate(lines):
        text = ln.text
        if not text:
            continue
        # a bare number is a page number at a page's edge or alone between blank lines;
        # inside runs of lines (a table extracted one cell per line) it is data
        alone = (i == 0 or not lines[i - 1].text) and (i + 1 == len(lines) or not lines[i + 1].text)
        if _PAGE_NUMBER.fullmatch(text) and (alone or i in edges):
            dropped.append((text, "page number"))
            continue
        key = re.sub(r"\d+", "#", text) if doc.paged and len(doc.pages) >= 3 else text
        if key in furniture:
            dropped.append((text, "repeated header/footer"))
            continue
        if _TOC_LEADER.match(text):
            dropped.append((text, "table of contents"))
            continue
        m = _LEADING_PAGE_NO.match(text) or _TRAILING_PAGE_NO.search(text)
        if m:
            dropped.append((m.group(0).strip(), "page number"))
            text = text[: m.start()] + text[m.end():]
        kind, level, text = classify(text)
        if kind in ("text", "list") and text in toc:
            kind, level = "heading", max(level, 1)
        if text:
            kept.append(_L(text, ln.page, kind, level, ln.indented))

    joined: list[_L] = []
    n_joined = 0
    for ln in kept:
        if joined and _continues(joined[-1], ln):
            prev = joined[-1]
            glue = _glue(prev.text, ln.text)
            marks = prev.page_marks
            if ln.page != (marks[-1][1] if marks else prev.page):
                marks = marks + ((len(prev.text) + len(glue), ln.page),)
            joined[-1] = _L(prev.text + glue + ln.text, prev.page, prev.kind, prev.level, prev.indented, marks)
            n_joined += 1
        else:
            joined.append(ln)

    return _assemble(doc.file, joined, n_joined, dropped, doc.ocr_pages)


def _assemble(file: str, lines: list[_L], n_joined: int, dropped: list[tuple[str, str]],
              ocr_pages: tuple[int, ...] = ()) -> CleanDoc:
    parts: list[str] = []
    out: list[Line] = []
    pos = 0
    in_boilerplate = False
    page_starts: list[tuple[int, int]] = []
    for ln in lines:
        if _BOILERPLATE_START.search(ln.text) and (ln.kind == "heading" or len(ln.text) <= 30):
            in_boilerplate = True
        elif ln.kind == "heading" and in_boilerplate and not _KEYWORD_HEADING.match(ln.text) and _NUMBERED_HEADING.match(ln.text):
            in_boilerplate = False
        contact = bool(_CONTACT.search(ln.text) and len(ln.text) <= 200)
        out.append(Line(pos, pos + len(ln.text), ln.kind, ln.level, in_boilerplate, contact))
        if ln.page is not None:
            for offset, page in ((0, ln.page), *ln.page_marks):
                if not page_starts or page_starts[-1][1] != page:
                    page_starts.append((pos + offset, page))
        parts.append(ln.text)
        pos += len(ln.text) + 1
    text = "\n".join(parts)
    return CleanDoc(file, text, tuple(out), tuple(page_starts), n_joined, tuple(dropped), tuple(ocr_pages))
