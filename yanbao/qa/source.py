"""The source viewer's data: a cited passage shown where it stands in the original report.

PDF: the cited page rendered with PyMuPDF, the passage highlighted and the supporting sentence
more strongly (highlight annotations drawn on a copy opened for the rendering, never saved).
The passage is found on the page character by character: the page's characters are NFKC-
normalised and stripped of whitespace exactly as the cleaned text was, so a passage whose lines
were joined or whose full-width digits were folded still matches; where the whole passage is not
on the page (it runs on to the next one, or the cleaner dropped a page number inside it) the
runs it shares with the page are matched in order. TXT/MD/DOCX: the surrounding section of the cleaned text, stitched
from the report's chunks (`cleaned[c.start:c.end] == c.text`), so the original is not re-read.

The original is found where the index recorded it at ingest (the manifest's report entry
`source`), else in INDEX/uploads/; a report whose original is gone is shown as text, with a note.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
import threading
import unicodedata
from collections import OrderedDict
from difflib import SequenceMatcher
from pathlib import Path

from yanbao.types import Chunk, Highlight, ReportMeta, SourceView

log = logging.getLogger(__name__)

PAGE_ZOOM = 1.5  # 72 dpi * 1.5: an A4 page is 893 px wide
CONTEXT_CHARS = 1500  # at most this much of the section before and after the passage
MIN_RUN_CHARS = 8  # a passage not on the page whole is highlighted where runs this long match (4 caught 光子芯片 anywhere)
PASSAGE_RGB = (1.0, 0.93, 0.35)
SENTENCE_RGB = (1.0, 0.55, 0.05)
_SPACE = re.compile(r"\s+")
_RENDER = threading.Lock()  # MuPDF is not thread-safe and the UI answers from several threads
_CACHE: OrderedDict = OrderedDict()
CACHED_VIEWS = 64


def original_path(index, file: str) -> Path | None:
    """Where the original of `file` is now: the path recorded at ingest, else INDEX/uploads/; None when gone."""
    entry = index.entry(file)
    candidates = []
    if entry is not None and entry.get("source"):
        candidates.append(Path(entry["source"]))
    candidates.append(Path(index.root) / "uploads" / file)
    return next((p for p in candidates if p.is_file()), None)


def report_meta(index, file: str) -> ReportMeta | None:
    """The metadata of the report `file` in the index, or None when it is not there."""
    return next((m for m in index.reports() if m.file == file), None)


def stitch(chunks: list[Chunk], start: int, end: int) -> tuple[str, int]:
    """(text, offset of its first character): the cleaned text over [start, end) rebuilt from
    chunks (sorted by start); a stretch no chunk covers comes out as a line break."""
    out, pos, first = [], None, None
    for c in sorted(chunks, key=lambda c: c.start):
        if c.end <= start or c.start >= end:
            continue
        lo = max(c.start, start, pos if pos is not None else start)
        hi = min(c.end, end)
        if hi <= lo:
            continue
        if first is None:
            first = lo
        elif lo > pos:
            out.append("\n")  # a gap between chunks (blank lines dropped by the chunker)
            pos = lo
        out.append(c.text[lo - c.start:hi - c.start])
        pos = hi
    return "".join(out), (first if first is not None else start)


def view(index, file: str, start: int, end: int, sentence: str = "", page: int | None = None,
         cache_dir: Path | None = None) -> SourceView:
    """The view of the passage [start, end) of report `file` (offsets into its cleaned text):
    its page of the original PDF (`page`, 1-based, else the passage's first page) with the
    passage and `sentence` highlighted, or the surrounding cleaned text. ValueError when the
    report is not in the index or the offsets hold no text of it."""
    meta = report_meta(index, file)
    if meta is None:
        raise ValueError(f"report {file!r} is not in the index at {index.root} (see 'yanbao list')")
    chunks = index.chunks.of_report(file)
    start, end = int(start), int(end)
    passage, p_start = stitch(chunks, start, end)
    if not passage:
        raise ValueError(f"report {file!r} has no text at characters {start}-{end}")
    sent = _sentence_span(passage, p_start, sentence)
    original = original_path(index, file)
    note = ""
    if file.lower().endswith(".pdf"):
        if original is not None:
            try:
                return _pdf_view(original, meta, file, start, end, passage, sentence, page, chunks, sent, cache_dir)
            except Exception as e:  # a PDF replaced or damaged since ingest: show the text instead
                log.warning("cannot render %s: %s", original, e)
                note = f"原文件 {original} 无法显示（{type(e).__name__}: {e}）；以下是索引中的文本。"
        else:
            note = (f"原文件 {file} 已不在入库时的位置，也不在 {Path(index.root) / 'uploads'}；以下是索引中的文本。"
                    f"把原文件放回原处，或重新上传 / `yanbao ingest` 它，即可查看原页面。")
    text, t_start = _context(chunks, start, end)
    return SourceView(file=file, meta=meta, start=start, end=end, kind="text", page=_page_at(chunks, start),
                      text=text, text_start=t_start, sentence=sent, original=str(original) if original else "", note=note)


def _sentence_span(passage: str, p_start: int, sentence: str) -> tuple[int, int] | None:
    s = (sentence or "").strip()
    i = passage.find(s) if s else -1
    return (p_start + i, p_start + i + len(s)) if i >= 0 else None


def _page_at(chunks: list[Chunk], offset: int) -> int | None:
    holding = [c for c in chunks if c.start <= offset < c.end and c.page]
    return holding[0].page if holding else None


def _context(chunks: list[Chunk], start: int, end: int) -> tuple[str, int]:
    """The section around [start, end): the chunks under the same heading, at most CONTEXT_CHARS
    either side."""
    at = [c for c in chunks if c.start <= start < c.end] or [min(chunks, key=lambda c: abs(c.start - start))]
    section = at[0].section
    same = [c for c in chunks if c.section == section]
    lo = max(min(c.start for c in same), start - CONTEXT_CHARS)
    hi = min(max(c.end for c in same), end + CONTEXT_CHARS)
    return stitch(chunks, min(lo, start), max(hi, end))


# ----------------------------------------------------------------------------- PDF pages

def _norm(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def page_chars(page) -> tuple[str, list[tuple[float, float, float, float]], list[int]]:
    """(text, box of each character, line number of each character) of a PDF page, the text
    NFKC-normalised without whitespace, as the cleaner leaves it."""
    text, boxes, lines, line_no = [], [], [], 0
    for block in page.get_text("rawdict")["blocks"]:
        for line in block.get("lines", ()):
            line_no += 1
            for span in line["spans"]:
                for ch in span["chars"]:
                    for c in _norm(ch["c"]):
                        text.append(c)
                        boxes.append(tuple(ch["bbox"]))
                        lines.append(line_no)
    return "".join(text), boxes, lines


def find(page_text: str, target: str, min_run: int = MIN_RUN_CHARS) -> list[int]:
    """Positions in `page_text` of the characters of `target` (both normalised by _norm): the
    whole of it where it is there, else the runs of at least `min_run` characters the two share,
    in order (difflib's matching blocks: a passage that runs on to the next page, or lost a page
    number to the cleaner, is highlighted where it is, and a repeat elsewhere is not)."""
    if not target:
        return []
    i = page_text.find(target)
    if i >= 0:
        return list(range(i, i + len(target)))
    blocks = SequenceMatcher(None, page_text, target, autojunk=False).get_matching_blocks()
    return [p for b in blocks if b.size >= min_run for p in range(b.a, b.a + b.size)]


def line_rects(positions: list[int], boxes, lines) -> list[tuple[float, float, float, float]]:
    """One rectangle per run of found characters on one line."""
    rects, run = [], None
    for p in positions:
        x0, y0, x1, y1 = boxes[p]
        if run is not None and run[4] == lines[p] and run[5] == p - 1:
            run = [min(run[0], x0), min(run[1], y0), max(run[2], x1), max(run[3], y1), lines[p], p]
        else:
            if run is not None:
                rects.append(tuple(run[:4]))
            run = [x0, y0, x1, y1, lines[p], p]
    if run is not None:
        rects.append(tuple(run[:4]))
    return rects


def _pdf_view(original: Path, meta: ReportMeta, file: str, start: int, end: int, passage: str, sentence: str,
              page: int | None, chunks: list[Chunk], sent, cache_dir: Path | None) -> SourceView:
    import pymupdf

    first_page = _page_at(chunks, start) or 1
    stat = original.stat()
    key = (str(original), stat.st_mtime_ns, stat.st_size, start, end, sentence, page or first_page)
    with _RENDER:
        if key in _CACHE and Path(_CACHE[key].image).is_file():
            _CACHE.move_to_end(key)
            return _CACHE[key]
        with pymupdf.open(original) as doc:  # a fresh copy: the highlights drawn on it are never saved
            pages = doc.page_count
            shown = min(max(int(page or first_page), 1), pages)
            pg = doc[shown - 1]
            text, boxes, lines = page_chars(pg)
            passage_at = find(text, _norm(passage))
            sentence_at = find(text, _norm(sentence)) if sentence.strip() else []
            highlights = []
            for kind, at, rgb, opacity in (("passage", passage_at, PASSAGE_RGB, 0.6), ("sentence", sentence_at, SENTENCE_RGB, 0.75)):
                rects = [pymupdf.Rect(r) for r in line_rects(at, boxes, lines)]
                if not rects:
                    continue
                annot = pg.add_highlight_annot(rects)
                annot.set_colors(stroke=rgb)
                annot.set_opacity(opacity)
                annot.update()
                for r in rects:
                    highlights.append(_fraction(kind, r * pg.rotation_matrix, pg.rect))
            pix = pg.get_pixmap(matrix=pymupdf.Matrix(PAGE_ZOOM, PAGE_ZOOM), alpha=False)
            png = pix.tobytes("png")
        out_dir = Path(cache_dir) if cache_dir else Path(tempfile.gettempdir()) / "yanbao-pages"
        out_dir.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256(repr(key).encode("utf-8")).hexdigest()[:20]
        image = out_dir / f"{name}.png"
        image.write_bytes(png)
        result = SourceView(file=file, meta=meta, start=start, end=end, kind="pdf", page=shown, pages=pages,
                            image=str(image), highlights=tuple(highlights), sentence=sent, original=str(original))
        _CACHE[key] = result
        while len(_CACHE) > CACHED_VIEWS:
            _CACHE.popitem(last=False)
        return result


def _fraction(kind: str, r, page_rect) -> Highlight:
    w, h = page_rect.width or 1.0, page_rect.height or 1.0
    return Highlight(kind, round((r.x0 - page_rect.x0) / w, 5), round((r.y0 - page_rect.y0) / h, 5),
                     round((r.x1 - page_rect.x0) / w, 5), round((r.y1 - page_rect.y0) / h, 5))


def warm() -> None:
    """Import PyMuPDF now (about a second on 2 cores), so the first page opened is not the slow one."""
    import pymupdf  # noqa: F401
