"""Loaders: a report file -> its raw text, page by page. Each failure names the file and the fix."""

from __future__ import annotations

import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from yanbao.errors import LoadError, UnsupportedFileError
from yanbao.hashing import sha256_file
from yanbao.ingest.layout import COVER_PAGES, CoverLine, cover_lines, furniture_keys, page_layout, page_text
from yanbao.progress import progress

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".md")
SUFFIXES = (*TEXT_SUFFIXES, ".pdf", ".docx")
# A .docx is a zip: refuse archives that would inflate beyond this (zip bombs).
MAX_DOCX_INFLATED_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class RawDoc:
    """A loaded report: text per page (one page for text files), 1-based pages when `paged`."""

    file: str
    pages: tuple[str, ...]
    paged: bool
    sha256: str
    cover: tuple[CoverLine, ...] = ()  # PDF: the first pages' lines with size, weight and position
    hints: tuple[tuple[str, str], ...] = ()  # (source, text): the PDF's own title / author / date
    dropped: tuple[tuple[str, str], ...] = ()  # (line, reason) the loader set aside as page furniture
    ocr_pages: tuple[int, ...] = ()  # 1-based pages whose text was read by OCR


def load(path: Path, max_bytes: int = 200 * 1024 * 1024) -> RawDoc:
    """Read one report file; raises LoadError (or UnsupportedFileError) with a reason."""
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UnsupportedFileError(name, f"unsupported file type '{suffix or '(none)'}'; yanbao reads {', '.join(SUFFIXES)}")
    try:
        size = path.stat().st_size
    except OSError as e:
        raise LoadError(name, f"cannot read file: {e.strerror}") from e
    if size == 0:
        raise LoadError(name, "empty file (0 bytes)")
    if size > max_bytes:
        raise LoadError(name, f"file is {size / 2**20:.0f} MB, over the {max_bytes / 2**20:.0f} MB limit; raise YANBAO_MAX_FILE_MB to ingest it")
    try:
        digest = sha256_file(path)
        if suffix in TEXT_SUFFIXES:
            return RawDoc(name, (decode_text(path.read_bytes(), name),), False, digest)
    except OSError as e:
        raise LoadError(name, f"cannot read file: {e.strerror}") from e
    if suffix == ".pdf":
        return load_pdf(path, digest)
    pages = load_docx_pages(path)
    # without explicit page breaks Word's pages are unknown: cite no page rather than "p.1"
    return RawDoc(name, pages, len(pages) > 1, digest)


def decode_text(data: bytes, name: str) -> str:
    """Decode report bytes: UTF-8 (with or without BOM), else GB18030 (a superset of GBK/GB2312)."""
    head = data[:65536]
    if b"\x00" in head:
        raise LoadError(name, "binary data, not text (NUL bytes); if it is a PDF or DOCX, give it that extension")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text[:65536]):
            if encoding != "utf-8-sig":
                log.info("%s: decoded as %s", name, encoding)
            return text
    raise LoadError(name, "not valid UTF-8 or GB18030/GBK text; re-save the file as UTF-8")


def _looks_like_text(sample: str) -> bool:
    """True when control characters (other than tab/newline) are rare, as in any real report."""
    if not sample:
        return True
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
    return bad / len(sample) < 0.01


def load_pdf_pages(path: Path) -> tuple[str, ...]:
    """Text of each PDF page in reading order, furniture removed (index 0 = page 1)."""
    return load_pdf(path, "").pages


MIN_PAGE_CHARS = 20  # a page with less text than this in its text layer is a scan: OCR it


def load_pdf(path: Path, digest: str, ocr: bool = True) -> RawDoc:
    """A PDF read with its layout: body text per page in reading order, repeated headers and
    footers set aside, cover lines with their looks, the PDF's own metadata as hints; pages
    without a text layer are read by OCR (when `ocr` and rapidocr-onnxruntime is installed)."""
    import pymupdf

    name = path.name
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as e:  # pymupdf raises its own FileDataError/RuntimeError variants
        raise LoadError(name, f"damaged or truncated PDF ({e}); re-export or re-download it") from e
    with doc:
        if doc.needs_pass or doc.is_encrypted:
            raise LoadError(name, "encrypted PDF (password protected); save an unprotected copy and ingest that")
        layouts = []
        try:
            for page in doc:
                layouts.append(page_layout(page))
        except Exception as e:
            raise LoadError(name, f"damaged or truncated PDF: page {len(layouts) + 1} unreadable ({e})") from e
        if not layouts:
            raise LoadError(name, "PDF has no pages (damaged or truncated?)")
        # a page with (almost) no text layer but an image or drawn shapes on it is a scan
        scanned = [i for i, lay in enumerate(layouts)
                   if sum(len(ln.text.strip()) for ln in lay.lines) < MIN_PAGE_CHARS and _has_ink(doc[i])]
        ocr_pages: list[int] = []
        if scanned and ocr:
            from yanbao.ingest import ocr as ocr_mod

            if ocr_mod.available():
                for i in progress(scanned, desc=f"OCR {name[:30]}", unit="page"):
                    try:
                        layouts[i] = ocr_mod.ocr_page(doc[i])
                    except LoadError as e:
                        raise LoadError(name, e.reason) from e
                    if layouts[i].lines:
                        ocr_pages.append(i + 1)
            else:
                log.warning("%s: %d page(s) without a text layer; install rapidocr-onnxruntime to read them", name, len(scanned))
        hints = _pdf_hints(doc.metadata or {})
    if not any(lay.lines for lay in layouts):
        why = "and OCR found no text in the page images" if ocr_pages or (scanned and ocr) else "run OCR on it first"
        raise LoadError(name, f"scanned PDF: text layer missing (no extractable text); {why}")
    furniture = furniture_keys(layouts)
    pages, dropped, cover = [], [], []
    for i, lay in enumerate(layouts):
        text, gone, kept = page_text(lay, furniture)
        pages.append(text)
        dropped.extend(gone)
        if i < COVER_PAGES:
            cover.extend(cover_lines(i + 1, kept, ocr=(i + 1) in ocr_pages))
    if ocr_pages:
        log.info("%s: read %d page(s) by OCR", name, len(ocr_pages))
    return RawDoc(name, tuple(pages), True, digest, tuple(cover), hints, tuple(dropped), tuple(ocr_pages))


def _has_ink(page) -> bool:
    """True when a page shows an image or vector drawings (what OCR could read)."""
    try:
        return bool(page.get_images(full=False)) or bool(page.get_drawings())
    except Exception:  # a damaged page: let OCR try
        return True


def _pdf_hints(meta: dict) -> tuple[tuple[str, str], ...]:
    """(source, text) for the PDF's own title, author and creation date, where set."""
    out = []
    for key, source in (("title", "pdf metadata title"), ("author", "pdf metadata author")):
        value = (meta.get(key) or "").strip()
        if value:
            out.append((source, value))
    created = meta.get("creationDate") or ""
    m = re.match(r"D:(\d{4})(\d{2})(\d{2})", created)
    if m:
        out.append(("pdf metadata date", f"{m.group(1)}-{m.group(2)}-{m.group(3)}"))
    return tuple(out)


def load_docx_pages(path: Path) -> tuple[str, ...]:
    """Paragraphs and tables of a .docx in document order, split into pages at explicit page breaks.

    Headings (Word styles 'Heading N' / '标题 N') come out as '#'-prefixed lines; table rows
    as tab-separated cells, so the cleaner treats both like their text-file equivalents.
    """
    name = path.name
    _check_zip(path, name)
    import docx
    from docx.oxml.ns import qn

    try:
        document = docx.Document(str(path))
    except Exception as e:
        raise LoadError(name, f"not a readable .docx ({e}); re-save it from Word as .docx") from e
    try:
        texts = _docx_pages(document, docx, qn)
    except Exception as e:  # python-docx raises assorted errors on malformed XML
        raise LoadError(name, f"malformed .docx body ({e}); re-save it from Word") from e
    if not any(t.strip() for t in texts):
        raise LoadError(name, ".docx holds no text")
    return texts


def _docx_pages(document, docx, qn) -> tuple[str, ...]:
    pages: list[list[str]] = [[]]
    body = document.element.body
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            para = docx.text.paragraph.Paragraph(child, document)
            style = (para.style.name if para.style is not None else "") or ""
            level = _heading_level(style)
            text = para.text
            if level and text.strip():
                text = "#" * level + " " + text.strip()
            pages[-1].append(text)
            breaks = len(child.findall(".//" + qn("w:br") + "[@" + qn("w:type") + "='page']"))
            for _ in range(breaks):
                pages.append([])
        elif child.tag == qn("w:tbl"):
            table = docx.table.Table(child, document)
            for row in table.rows:
                pages[-1].append("\t".join(cell.text.replace("\n", " ").strip() for cell in row.cells))
    return tuple("\n".join(lines) for lines in pages)


def _heading_level(style: str) -> int:
    for prefix in ("Heading ", "标题 "):
        if style.startswith(prefix) and style[len(prefix):].strip().isdigit():
            return int(style[len(prefix):].strip())
    return 1 if style == "Title" else 0


def _check_zip(path: Path, name: str) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            inflated = sum(info.file_size for info in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as e:
        raise LoadError(name, "not a valid .docx (not a readable zip archive); re-save it from Word as .docx") from e
    if inflated > MAX_DOCX_INFLATED_BYTES:
        raise LoadError(name, f".docx would inflate to {inflated / 2**20:.0f} MB (zip bomb?); refused")
