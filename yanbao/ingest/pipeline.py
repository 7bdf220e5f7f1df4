"""Files -> Reports: load, clean, extract metadata, chunk; one bad file never sinks the batch."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Iterator

from yanbao.errors import LoadError, shown
from yanbao.ingest.chunk import chunk
from yanbao.ingest.clean import clean
from yanbao.ingest.load import SUFFIXES, RawDoc, load
from yanbao.ingest.metadata import extract, merge
from yanbao.progress import progress
from yanbao.settings import MAX_REPORT_CHARS
from yanbao.types import Chunk, CleanDoc, ReportMeta

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Report:
    """One ingested report: its metadata, cleaned text and chunks."""

    meta: ReportMeta
    doc: CleanDoc
    chunks: tuple[Chunk, ...]


@dataclass
class IngestResult:
    """Reports that made it, and (file, reason) for each that did not."""

    reports: list[Report] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def check_length(raw, max_chars: int, chunk_chars: int, overlap_chars: int) -> None:
    """Refuse a text too long to be one report before cleaning and embedding it for hours."""
    n = sum(len(p) for p in raw.pages)
    if n > max_chars:
        chunks = n // max(chunk_chars - overlap_chars, 1)
        seconds = chunks / 10  # ~10 chunks/s with the default model on 2 cores
        took = f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"
        raise LoadError(
            raw.file,
            f"{n:,} characters of text, over the {max_chars:,} limit for one report (about {chunks:,} chunks, "
            f"~{took} of embedding on 2 CPU cores); split it into separate reports, "
            f"or raise YANBAO_MAX_REPORT_CHARS",
        )


def ingest_file(path: Path, chunk_chars: int = 400, overlap_chars: int = 80, max_bytes: int = 200 << 20,
                max_chars: int = MAX_REPORT_CHARS) -> Report:
    """One report file -> Report; raises LoadError naming the file when it cannot be read."""
    raw = load(path, max_bytes=max_bytes)
    check_length(raw, max_chars, chunk_chars, overlap_chars)
    doc = clean(raw)
    if not doc.text.strip():
        raise LoadError(raw.file, "no text left after cleaning (only page numbers or blank lines?)")
    meta = extract(doc, raw.sha256, raw.cover, raw.hints)
    if path.suffix.lower() == ".pdf" and 1 not in raw.ocr_pages and weak_cover(raw, meta):
        raw, doc, meta = _ocr_cover(path, raw, doc, meta)
    return Report(meta, doc, tuple(chunk(doc, meta, chunk_chars, overlap_chars)))


COVER_MIN_CHARS = 200  # a first page with less text than this is likely drawn as graphics


def weak_cover(raw: RawDoc, meta: ReportMeta) -> bool:
    """True when the cover's text layer is too thin to hold the cover fields: neither title,
    date nor analysts found in it, or little text on page 1 and one of them missing."""
    first = sum(len(c.text) for c in raw.cover if c.page == 1)
    found = [meta.source_of(f) == "cover text" for f in ("title", "date", "analysts")]
    return not any(found) or (first < COVER_MIN_CHARS and not all(found))


def _ocr_cover(path: Path, raw: RawDoc, doc: CleanDoc, meta: ReportMeta) -> tuple[RawDoc, CleanDoc, ReportMeta]:
    """OCR page 1: its lines fill the fields the text layer lacks (provenance 'cover OCR'); when
    OCR reads twice the text the layer holds, page 1's text is the OCR text (chunks say so)."""
    from yanbao.ingest import ocr

    if not ocr.available():
        log.warning("%s: the cover has little text; install rapidocr-onnxruntime to read it by OCR", shown(raw.file))
        return raw, doc, meta
    import pymupdf

    try:
        with pymupdf.open(path, filetype="pdf") as pdf:
            layout = ocr.ocr_page(pdf[0])
    except LoadError as e:
        raise LoadError(raw.file, e.reason) from e
    except Exception as e:  # OCR of one page failing never loses the text layer
        log.warning("%s: OCR of the cover failed (%s); using its text layer", shown(raw.file), e)
        return raw, doc, meta
    from yanbao.ingest.layout import Furniture, cover_lines, page_text

    text, _, kept = page_text(layout, Furniture())
    cover = tuple(cover_lines(1, kept, ocr=True))
    ocr_meta = extract(doc, raw.sha256, cover, raw.hints)
    if len(re.sub(r"\s+", "", text)) >= 2 * len(re.sub(r"\s+", "", raw.pages[0])):
        pages = (text, *raw.pages[1:])
        raw = replace(raw, pages=pages, ocr_pages=tuple(sorted({1, *raw.ocr_pages})),
                      cover=cover + tuple(c for c in raw.cover if c.page != 1))
        doc = clean(raw)
        meta = extract(doc, raw.sha256, raw.cover, raw.hints)
    meta = merge(meta, ocr_meta)
    log.info("%s: cover read by OCR", shown(raw.file))
    return raw, doc, meta


def try_ingest(path: Path, chunk_chars: int, overlap_chars: int, max_bytes: int,
               max_chars: int = MAX_REPORT_CHARS) -> tuple[Report | None, tuple[str, str] | None]:
    """(report, None), or (None, (file, reason)) after logging 'skip <file>: <reason>'."""
    try:
        return ingest_file(path, chunk_chars, overlap_chars, max_bytes, max_chars), None
    except LoadError as e:
        log.warning("skip %s: %s", shown(e.file), e.reason)
        return None, (e.file, e.reason)
    except Exception as e:  # one odd file never sinks the batch
        log.exception("skip %s: internal error", shown(path.name))
        return None, (path.name, f"internal error while reading it: {type(e).__name__}: {e}")


def expand(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named, plus report files found (recursively, sorted) under directories named."""
    for p in paths:
        p = Path(p)
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES and not f.name.startswith("."))
        else:
            yield p


def ingest_files(paths: Iterable[Path], chunk_chars: int = 400, overlap_chars: int = 80, max_bytes: int = 200 << 20) -> IngestResult:
    """Ingest many files; failures are logged as 'skip <file>: <reason>' and collected."""
    result = IngestResult()
    files = list(expand(paths))
    for path in progress(files, desc="reading reports", unit="file"):
        report, skip = try_ingest(path, chunk_chars, overlap_chars, max_bytes)
        if report:
            result.reports.append(report)
        else:
            result.skipped.append(skip)
    return result
