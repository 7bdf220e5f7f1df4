"""Chunking: a cleaned report -> sentence-aware chunks with provenance.

Units are sentences (split at 。！？；!?; and line ends) and whole table rows. Chunks pack
units up to `chunk_chars` characters with about `overlap_chars` of overlap, never cross a
section or boilerplate boundary, never cut a table row, and always satisfy
`clean.text[chunk.start:chunk.end] == chunk.text`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from yanbao.types import Chunk, CleanDoc, ReportMeta, chunk_id

_SENTENCE = re.compile(r"[^。！？；!?;]*(?:[。！？；!?;]+[”’」』)\"']*|$)")
_SOFT_BREAK = re.compile(r"[,，、:：]")
_TABLE_ROW_CAP = 8  # a table row longer than this many chunk_chars is cut at cell boundaries


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    line: int  # index into CleanDoc.lines
    heading: bool = False


def sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """[start, end) spans of the sentences of one line, shifted by `offset`; spaces stay inside."""
    spans = []
    for m in _SENTENCE.finditer(text):
        if m.end() > m.start():
            spans.append((offset + m.start(), offset + m.end()))
    return spans


def _split_long(start: int, end: int, text: str, limit: int, table: bool) -> list[tuple[int, int]]:
    """Cut a span longer than `limit` characters: at cell (table) or comma boundaries when possible."""
    out = []
    while end - start > limit:
        window = text[start:start + limit]
        cut = window.rfind("\t") if table else max((m.end() for m in _SOFT_BREAK.finditer(window)), default=-1)
        if cut <= limit // 4:
            cut = limit
        out.append((start, start + cut))
        start += cut
    out.append((start, end))
    return out


def _units(doc: CleanDoc, chunk_chars: int) -> list[_Unit]:
    units = []
    for i, line in enumerate(doc.lines):
        text = doc.text
        if line.kind == "table":
            limit = chunk_chars * _TABLE_ROW_CAP
            spans = _split_long(line.start, line.end, text, limit, table=True)
        elif line.kind == "heading":
            spans = [(line.start, line.end)]
        else:
            spans = []
            for a, b in sentences(text[line.start:line.end], line.start):
                spans.extend(_split_long(a, b, text, chunk_chars, table=False))
        for a, b in spans:
            # trim spaces so chunks never start or end in whitespace
            while a < b and text[a] in " \t":
                a += 1
            while b > a and text[b - 1] in " \t":
                b -= 1
            if b > a:
                units.append(_Unit(a, b, i, line.kind == "heading"))
    return units


def _sections(doc: CleanDoc) -> list[str]:
    """The heading path in force at each line, outermost first, joined by ' > '."""
    stack: list[tuple[int, str]] = []
    paths = []
    for line in doc.lines:
        if line.kind == "heading":
            stack = [(lvl, t) for lvl, t in stack if lvl < line.level]
            stack.append((line.level, doc.text[line.start:line.end]))
        paths.append(" > ".join(t for _, t in stack))
    return paths


def _is_header_row(row: str) -> bool:
    """True for a row of labels (few numeric cells): a multi-row header continues past it."""
    if "\t" in row:  # cells as the table has them: a cell holding a figure (80GB HBM3, NVLink 600GB/s) is a value
        cells = [c.strip() for c in row.split("\t") if c.strip()]
        numeric = sum(1 for c in cells if _VALUE_IN_CELL.search(c) and not _PERIOD_CELL.fullmatch(c))
        return numeric * 10 < len(cells) * 3
    cells = [c for c in re.split(r"[\t ]", row) if c]
    numeric = sum(1 for c in cells if re.fullmatch(r"[-+]?[\d,.]+%?", c))
    return numeric * 10 < len(cells) * 3


# not A100's digits, not 4月7日, not the ordinal of a label (分组1, 第3, 表2)
_VALUE_IN_CELL = re.compile(r"(?<![A-Za-z\d.组第表图层档级])\d+(?:[.,]\d+)?(?!\s*[月日年号])(?![\d.,])")
# 2024E, 24Q3, FY2025: a column heading (a bare 2020 under 发布时间 is a value)
_PERIOD_CELL = re.compile(r"FY\d{2,4}|(?:(?:19|20)\d{2}|\d{2})(?:[AEFPH]|年度?|[-/]?[1-4]?Q[1-4]?|Q[1-4]|H[12])", re.I)


_HEADER_GAP = 2  # lines between two parts of one table whose second part has no header of its own


def _table_context(doc: CleanDoc) -> list[str]:
    """For each line of a table: its caption (the 图/表 line just before) and header row."""
    ctx = [""] * len(doc.lines)
    i = 0
    lines = doc.lines
    last: tuple[str, int, int] | None = None  # (header, its cells, the line after its table)
    while i < len(lines):
        if lines[i].kind != "table":
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].kind == "table":
            j += 1
        caption = ""
        for k in range(i - 1, max(i - 3, -1), -1):
            t = doc.text[lines[k].start:lines[k].end]
            if lines[k].kind == "caption" and not re.match(r"(资料来源|数据来源|来源)", t):
                caption = t
                break
        n_header = 0
        while n_header < min(3, j - i - 1) and _is_header_row(doc.text[lines[i + n_header].start:lines[i + n_header].end]):
            n_header += 1
        first = doc.text[lines[i].start:lines[i].end]
        if n_header == 0 and not caption and last and i - last[2] <= _HEADER_GAP and first.count("\t") + 1 == last[1]:
            header = last[0]  # a table broken by a line that is not a row (a row the extraction glued): the same columns
            # (a table under a caption of its own is another table, whatever its number of columns)
        else:
            n_header = max(n_header, 1)
            header = doc.text[lines[i].start:lines[i + n_header - 1].end]
        last = (header, header.split("\n")[-1].count("\t") + 1, j)
        for k in range(i + n_header, j):
            ctx[k] = "\n".join(p for p in (caption, header) if p)
        if caption:
            ctx[i] = caption
        i = j
    return ctx


def chunk(doc: CleanDoc, meta: ReportMeta, chunk_chars: int = 400, overlap_chars: int = 80) -> list[Chunk]:
    """Chunks of one cleaned report, in text order; ids are content hashes, stable across runs."""
    units = _units(doc, chunk_chars)
    if not units:
        return []
    paths = _sections(doc)
    table_ctx = _table_context(doc)
    page_offsets = [o for o, _ in doc.page_starts]
    ocr_pages = set(doc.ocr_pages)

    def page_of(offset: int) -> int | None:
        if not page_offsets:
            return None
        return doc.page_starts[max(bisect_right(page_offsets, offset) - 1, 0)][1]

    def segment_key(u: _Unit) -> tuple[bool, int | None]:
        """Chunks never mix disclaimer and body text, nor (at unit boundaries) two pages."""
        return doc.lines[u.line].boilerplate, page_of(u.start)

    chunks: list[Chunk] = []
    seen: dict[str, int] = {}

    def emit(group: list[_Unit]) -> None:
        start, end = group[0].start, group[-1].end
        first_body = next((u for u in group if not u.heading), group[0])
        line = doc.lines[first_body.line]
        page = page_of(start)
        text = doc.text[start:end]
        contact_chars = sum(
            min(end, doc.lines[i].end) - max(start, doc.lines[i].start)
            for i in range(group[0].line, group[-1].line + 1)
            if doc.lines[i].contact
        )
        occurrence = seen.get(text, 0)
        seen[text] = occurrence + 1
        chunks.append(
            Chunk(
                id=chunk_id(meta.file, text, occurrence),
                text=text,
                file=meta.file,
                start=start,
                end=end,
                section=paths[first_body.line],
                page=page,
                boilerplate=line.boilerplate or contact_chars * 2 >= len(text),
                context=table_ctx[first_body.line] if line.kind == "table" else "",
                ocr=bool(ocr_pages) and any(page_of(u.start) in ocr_pages for u in group),
                meta=meta,
            )
        )

    group: list[_Unit] = []
    for u in units:
        if group:
            only_headings = all(g.heading for g in group)
            new_segment = not only_headings and (u.heading or segment_key(u) != segment_key(group[-1]))
            too_long = u.end - group[0].start > chunk_chars and not only_headings
            if new_segment:
                emit(group)
                group = []
            elif too_long:
                emit(group)
                group = _overlap(group, overlap_chars)
        group.append(u)
    if group:
        emit(group)
    return chunks


def _overlap(group: list[_Unit], overlap_chars: int) -> list[_Unit]:
    """The trailing units of `group` (not all of it) that fit in `overlap_chars` characters."""
    end = group[-1].end
    keep: list[_Unit] = []
    for u in reversed(group[1:]):
        if end - u.start > overlap_chars or u.heading:
            break
        keep.insert(0, u)
    return keep
