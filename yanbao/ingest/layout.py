"""PDF page layout -> body text in reading order, page furniture set aside, cover lines with their looks.

PyMuPDF gives each text line's box, font size and weight. From those this module:
- drops headers, footers and disclaimer lines that repeat on several pages (listed, not lost);
- joins sidebars printed one character per line (or rotated) into one line, set after the body;
- reads two-column pages column by column;
- keeps the first pages' lines with size, weight and position, for the title and cover fields.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

EDGE_BAND = 0.085  # top/bottom share of the page height where running headers and footers sit
COVER_PAGES = 2


@dataclass(frozen=True)
class CoverLine:
    """One line of a report's first pages as printed: text, 1-based page, size in points, bold, box."""

    text: str
    page: int
    size: float
    bold: bool
    x0: float
    y0: float
    x1: float
    y1: float
    ocr: bool = False  # read by OCR from the page image, not from the text layer


@dataclass(frozen=True)
class PageLine:
    """A text line of one page (block number groups lines PyMuPDF put in one block)."""

    text: str
    size: float
    bold: bool
    x0: float
    y0: float
    x1: float
    y1: float
    block: int
    vertical: bool = False


@dataclass(frozen=True)
class PageLayout:
    """Lines of one page and its size in points."""

    lines: tuple[PageLine, ...]
    width: float
    height: float


def page_layout(page) -> PageLayout:
    """The non-blank text lines of one PyMuPDF page with size, weight, box and direction."""
    out = []
    for block in page.get_text("dict").get("blocks", ()):
        if block.get("type") != 0:
            continue
        for line in block.get("lines", ()):
            spans = [s for s in line.get("spans", ()) if s.get("text")]
            text = "".join(s["text"] for s in spans)
            if not text.strip():
                continue
            inked = [s for s in spans if s["text"].strip()] or spans
            size = max(s.get("size", 0.0) for s in inked)  # blank spans are often set larger
            bold = any((s.get("flags", 0) & 16) or "bold" in s.get("font", "").lower() for s in spans if s["text"].strip())
            dx, dy = line.get("dir", (1.0, 0.0))
            x0, y0, x1, y1 = line["bbox"]
            out.append(PageLine(text, round(size, 1), bool(bold), x0, y0, x1, y1, block.get("number", 0),
                                vertical=abs(dx) < 0.5 and abs(dy) > 0.5))
    return PageLayout(tuple(out), float(page.rect.width), float(page.rect.height))


def _key(text: str) -> str:
    """A line's identity across pages: digits (page numbers, dates) and spaces ignored."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


_PAGE_NO = re.compile(r"\s*(?:\d{1,4}|第\s*\d{1,4}\s*页(?:\s*/?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4}|[-–—]\s*\d{1,4}\s*[-–—]|page\s*\d{1,4})\s*", re.I)


_SOURCE_LINE = re.compile(r"^(?:资料来源|数据来源|来源)\s*[:：]")
_NOTICE = re.compile(r"声明|免责|请务必|敬请|请仔细|谨请|请阅读|请参阅|版权|本报告|证券研究报告")


@dataclass(frozen=True)
class Furniture:
    """Keys of repeated page furniture: `edge` lines are dropped where they sit near the top or
    bottom edge, `anywhere` lines (disclaimer notices) wherever they are."""

    edge: frozenset[str] = frozenset()
    anywhere: frozenset[str] = frozenset()


def furniture_keys(layouts: list[PageLayout]) -> Furniture:
    """Lines that repeat on several pages near the top or bottom edge (headers, footers, page
    numbers), and notices ('请务必阅读正文之后的免责声明部分') repeated on most pages."""
    n = len(layouts)
    if n < 2:
        return Furniture()
    edge: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    for lay in layouts:
        band = lay.height * EDGE_BAND
        keys_edge, keys_any = set(), set()
        for ln in lay.lines:
            k = _key(ln.text)
            if not k or len(k) > 80 or _SOURCE_LINE.match(k):
                continue  # a figure's source line repeats under every figure: it is content
            if _NOTICE.search(k):
                keys_any.add(k)
            if ln.y1 <= band * 1.6 or ln.y0 >= lay.height - band * 1.6:
                keys_edge.add(k)
        edge.update(keys_edge)
        anywhere.update(keys_any)
    need_edge = max(2, -(-n * 3 // 10))  # on at least 30% of the pages (and 2)
    need_any = max(2, -(-n * 6 // 10))  # a notice on most pages
    return Furniture(frozenset(k for k, c in edge.items() if c >= need_edge),
                     frozenset(k for k, c in anywhere.items() if c >= need_any))


def _sidebars(lines: list[PageLine]) -> tuple[list[PageLine], list[PageLine]]:
    """(other lines, sidebar lines joined): rotated text, and runs of 1-2 character lines stacked
    at one x (a side column printed one character per line) become one line each."""
    side: list[PageLine] = []
    vertical = [ln for ln in lines if ln.vertical]
    if vertical:
        vertical.sort(key=lambda ln: (round(ln.x0), -ln.y1))
        side.append(_merge(vertical, ""))
    stack: dict[int, list[PageLine]] = {}
    for ln in lines:
        if not ln.vertical and len(ln.text.strip()) <= 2:
            stack.setdefault(round(ln.x0 / 4), []).append(ln)
    in_side: set[int] = set()
    for group in stack.values():
        group.sort(key=lambda ln: ln.y0)
        run: list[PageLine] = []
        for ln in group + [None]:
            if ln is not None and run and ln.y0 - run[-1].y1 <= max(ln.size, 4) * 1.2:
                run.append(ln)
                continue
            if len(run) >= 4:
                side.append(_merge(run, ""))
                in_side.update(id(r) for r in run)
            run = [ln] if ln is not None else []
    rest = [ln for ln in lines if not ln.vertical and id(ln) not in in_side]
    return rest, side


def _merge(lines: list[PageLine], sep: str) -> PageLine:
    text = sep.join(ln.text.strip() for ln in lines)
    return PageLine(text, max(ln.size for ln in lines), any(ln.bold for ln in lines), min(ln.x0 for ln in lines),
                    min(ln.y0 for ln in lines), max(ln.x1 for ln in lines), max(ln.y1 for ln in lines), lines[0].block)


def _gutter(lines: list[PageLine], width: float) -> float | None:
    """x of a vertical gap between two columns of text, or None for a one-column page. Both
    sides must hold prose (a table's columns are not page columns)."""
    boxes = [ln for ln in lines if ln.x1 - ln.x0 < width * 0.6]
    if len(boxes) < 6:
        return None
    lo, hi = width * 0.25, width * 0.75
    covered = sorted((ln.x0, ln.x1) for ln in boxes)
    best, best_w = None, 4.0
    reach = covered[0][1]
    for x0, x1 in covered[1:]:
        if x0 > reach and lo <= (x0 + reach) / 2 <= hi and x0 - reach > best_w:
            best, best_w = (x0 + reach) / 2, x0 - reach
        reach = max(reach, x1)
    if best is None:
        return None
    prose_left = sum(1 for ln in boxes if ln.x1 <= best and len(ln.text.strip()) >= 12)
    prose_right = sum(1 for ln in boxes if ln.x0 >= best and len(ln.text.strip()) >= 12)
    return best if prose_left >= 3 and prose_right >= 3 else None


def reading_order(lines: list[PageLine], width: float) -> list[PageLine]:
    """Lines in reading order: lines across the gutter split the page into bands; inside a band
    the left column is read before the right one. One-column pages keep the PDF's own order."""
    gutter = _gutter(lines, width)
    if gutter is None:
        return list(lines)
    order = {id(ln): i for i, ln in enumerate(lines)}
    spanning = sorted((ln for ln in lines if ln.x0 < gutter < ln.x1), key=lambda ln: ln.y0)
    rest = [ln for ln in lines if not (ln.x0 < gutter < ln.x1)]
    out: list[PageLine] = []
    top = float("-inf")
    for cut in [*spanning, None]:
        bottom = cut.y0 if cut is not None else float("inf")
        band = [ln for ln in rest if top <= (ln.y0 + ln.y1) / 2 < bottom]
        key = lambda ln: (ln.y0, order[id(ln)])  # noqa: E731
        out.extend(sorted((ln for ln in band if ln.x1 <= gutter), key=key))
        out.extend(sorted((ln for ln in band if ln.x0 >= gutter), key=key))
        if cut is not None:
            out.append(cut)
            top = (cut.y0 + cut.y1) / 2
    placed = {id(ln) for ln in out}
    out.extend(ln for ln in lines if id(ln) not in placed)
    return out


def _row_text(lines: list[PageLine]) -> list[str]:
    """Lines of one block that share a baseline become one line (cells joined by a tab)."""
    rows: list[list[PageLine]] = []
    for ln in lines:
        if rows:
            prev = rows[-1][-1]
            same_row = abs((ln.y0 + ln.y1) / 2 - (prev.y0 + prev.y1) / 2) < max(2.0, 0.3 * (ln.y1 - ln.y0)) and ln.x0 >= prev.x1 - 1
            if same_row:
                rows[-1].append(ln)
                continue
        rows.append([ln])
    out = []
    for row in rows:
        text = row[0].text
        for prev, ln in zip(row, row[1:]):
            gap = ln.x0 - prev.x1
            text = text.rstrip() + ("\t" if gap > max(ln.size, 6) * 1.5 else ("" if gap < 1 else " ")) + ln.text.lstrip()
        out.append(text)
    return out


def page_text(layout: PageLayout, furniture: Furniture) -> tuple[str, list[tuple[str, str]], list[PageLine]]:
    """(body text of one page, [(line, reason)] set aside as furniture, the body lines kept)."""
    dropped: list[tuple[str, str]] = []
    kept: list[PageLine] = []
    band = layout.height * EDGE_BAND * 1.6

    def edge(ln: PageLine) -> bool:
        return ln.y1 <= band or ln.y0 >= layout.height - band

    # more than two bare numbers near an edge are a chart's axis, not page numbers
    numbers = sum(1 for ln in layout.lines if edge(ln) and _PAGE_NO.fullmatch(ln.text))
    for ln in layout.lines:
        k = _key(ln.text)
        at_edge = edge(ln)
        if at_edge and numbers <= 2 and _PAGE_NO.fullmatch(ln.text):
            dropped.append((ln.text.strip(), "page number"))
        elif (at_edge and k in furniture.edge and k.strip("#")) or k in furniture.anywhere:
            dropped.append((ln.text.strip(), "repeated header/footer"))
        else:
            kept.append(ln)
    body, side = _sidebars(kept)
    ordered = reading_order(body, layout.width)
    lines_out: list[str] = []
    by_block: list[list[PageLine]] = []
    for ln in ordered:
        if by_block and by_block[-1][-1].block == ln.block:
            by_block[-1].append(ln)
        else:
            by_block.append([ln])
    for group in by_block:
        lines_out.extend(_row_text(group))
    lines_out.extend(s.text for s in side)
    return "\n".join(lines_out), dropped, ordered + side


def cover_lines(page_no: int, lines: list[PageLine], ocr: bool = False) -> list[CoverLine]:
    """The kept lines of a cover page as CoverLines, top to bottom."""
    return [CoverLine(ln.text.strip(), page_no, ln.size, ln.bold, ln.x0, ln.y0, ln.x1, ln.y1, ocr)
            for ln in sorted(lines, key=lambda ln: (round(ln.y0), ln.x0))]
