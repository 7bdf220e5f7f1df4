"""OCR of PDF pages whose text is drawn as graphics or scanned: page image -> lines with boxes.

rapidocr-onnxruntime ships PP-OCRv4 Chinese detection and recognition models inside its wheel,
so nothing is downloaded. The engine is loaded once per process, on first use.
"""

from __future__ import annotations

import logging
import threading
import time

from yanbao.errors import LoadError
from yanbao.ingest.layout import PageLayout, PageLine

log = logging.getLogger(__name__)

OCR_DPI = 150  # the graphic cover of a 国金证券 report read right at 150 dpi; ~3x faster than 300
MIN_SCORE = 0.5  # recognition confidence below this is noise (chart ticks, logos)

_engine = None
_lock = threading.Lock()


def available() -> bool:
    """True when rapidocr-onnxruntime can be imported."""
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def _get_engine():
    global _engine
    with _lock:
        if _engine is None:
            try:
                from rapidocr_onnxruntime import RapidOCR
            except ImportError as e:
                raise LoadError("", "OCR needs rapidocr-onnxruntime; run 'make install' (or pip install rapidocr-onnxruntime==1.4.4)") from e
            _engine = RapidOCR()
        return _engine


def ocr_page(page, dpi: int = OCR_DPI) -> PageLayout:
    """The text lines OCR reads on one PyMuPDF page, with boxes in PDF points (like page_layout)."""
    import numpy as np

    pix = page.get_pixmap(dpi=dpi, alpha=False)
    img = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.h, pix.w, pix.n)
    if pix.n == 1:
        img = np.repeat(img, 3, axis=2)
    engine = _get_engine()
    t0 = time.perf_counter()
    result, _ = engine(img[:, :, ::-1].copy(), use_cls=False)  # RGB -> BGR, as OpenCV images are
    log.debug("OCR of page %d: %.1f s", page.number + 1, time.perf_counter() - t0)
    scale = 72.0 / dpi
    lines = []
    for i, (box, text, score) in enumerate(result or ()):
        if float(score) < MIN_SCORE or not text.strip():
            continue
        xs = [p[0] * scale for p in box]
        ys = [p[1] * scale for p in box]
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        # a text line's box is about 1.2x its font size: keep sizes comparable with the text layer's
        lines.append(PageLine(text.strip(), round((y1 - y0) / 1.25, 1), False, x0, y0, x1, y1, block=i))
    return PageLayout(tuple(lines), float(page.rect.width), float(page.rect.height))
