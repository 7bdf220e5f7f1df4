"""OCR (rapidocr-onnxruntime, models inside its wheel): a scanned copy of a real report and a
cover drawn as an image are read; OCR'd chunks say so; pages and offsets still hold."""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.ingest.real_truth import REAL_REPORTS, norm, truth
from yanbao.ingest.load import load
from yanbao.ingest.pipeline import ingest_file

pytest.importorskip("rapidocr_onnxruntime")
pymupdf = pytest.importorskip("pymupdf")
pytestmark = pytest.mark.slow  # the OCR models load, and every page is rendered and read


def scanned_copy(src: Path, dst: Path, pages: list[int], dpi: int = 150) -> Path:
    """`dst`: the given pages (0-based) of `src` rendered to images, rebuilt without a text layer."""
    with pymupdf.open(src) as doc, pymupdf.open() as out:
        for i in pages:
            page = doc[i]
            pix = page.get_pixmap(dpi=dpi, alpha=False)
            new = out.new_page(width=page.rect.width, height=page.rect.height)
            new.insert_image(new.rect, stream=pix.tobytes("png"))
        out.save(dst)
    return dst


@pytest.fixture(scope="module")
def report13():
    if not (REAL_REPORTS / "truth.jsonl").exists():
        pytest.skip(f"the real reports are not at {REAL_REPORTS}")
    row = next(r for r in truth() if r["file"].startswith("13_"))
    return REAL_REPORTS / row["file"], row


@pytest.fixture(scope="module")
def scanned(report13, tmp_path_factory):
    """Page 1 of report 13 (it holds the cover and the three questions' answers), scanned."""
    src, row = report13
    path = scanned_copy(src, tmp_path_factory.mktemp("scan") / "scanned_13.pdf", [0])
    assert not pymupdf.open(path)[0].get_text().strip()  # no text layer at all
    t0 = time.perf_counter()
    report = ingest_file(path)
    return report, time.perf_counter() - t0


def test_scanned_pdf_is_read_by_ocr(scanned):
    report, seconds = scanned
    assert report.doc.ocr_pages == (1,)
    assert report.chunks and all(c.ocr for c in report.chunks)
    for c in report.chunks:
        assert report.doc.text[c.start:c.end] == c.text and c.page == 1
    assert seconds < 300  # one page at 150 dpi on 2 shared cores


def test_scanned_pdf_answers_what_the_original_answers(scanned, report13):
    """The answers and the figures quoted for the three questions are in the OCR'd text."""
    report, _ = scanned
    _, row = report13
    text = norm(report.doc.text)
    found = [q for q in row["questions"] if norm(q["answer"]) in text]
    assert len(found) == len(row["questions"]), [q["answer"] for q in row["questions"] if q not in found]


def test_scanned_cover_fields_come_from_ocr(scanned, report13):
    report, _ = scanned
    _, row = report13
    m = report.meta
    assert m.broker == row["broker"]
    assert m.date == row["date"] and m.source_of("date") == "cover OCR"
    assert norm(m.rating) == norm(row["rating"])
    assert [(a.name, a.cert) for a in m.analysts] == [(a["name"], a["cert"]) for a in row["analysts"]]


def ocr_accuracy(layer: str, ocr: str) -> dict[str, float]:
    """How OCR text compares with the text layer of the same page: character precision, recall
    and F1 (as multisets: reading order aside), and the share of the layer's lines and table
    cells (>= 4 characters) found verbatim in the OCR text (whitespace, bullets and NFKC aside)."""
    def chars(t: str) -> str:
        return re.sub(r"[\s\uf000-\uf8ff●•·]", "", norm(t))

    a, b = Counter(chars(layer)), Counter(chars(ocr))
    common = sum((a & b).values())
    p, r = common / max(sum(b.values()), 1), common / max(sum(a.values()), 1)
    cells = [chars(x) for line in layer.split("\n") for x in line.split("\t") if len(chars(x)) >= 4]
    flat = chars(ocr)
    return {"char_precision": p, "char_recall": r, "char_f1": 2 * p * r / max(p + r, 1e-9),
            "cells_found": sum(1 for x in cells if x in flat) / max(len(cells), 1)}


def test_ocr_accuracy_against_the_text_layer(scanned, report13):
    """The same page read by OCR and from its text layer (measured: char F1 0.987, 106 of 107
    cells verbatim; the miss is '——元' read as '一一元')."""
    report, _ = scanned
    src, _ = report13
    acc = ocr_accuracy(load(src).pages[0], report.doc.text)
    assert acc["char_f1"] >= 0.95 and acc["cells_found"] >= 0.95, acc


def test_graphic_cover_with_little_text_is_read_by_ocr(tmp_path):
    """A cover drawn as an image over a text layer holding only a footer: OCR fills the fields."""
    cover = pymupdf.open()
    page = cover.new_page(width=595, height=842)
    page.insert_text((40, 80), "2025年10月26日", fontname="china-s", fontsize=12)
    page.insert_text((40, 140), "算力需求持续高景气，国产服务器放量在即", fontname="china-s", fontsize=24)
    page.insert_text((40, 190), "买入（维持评级）", fontname="china-s", fontsize=14)
    page.insert_text((40, 230), "分析师：刘道明 执业证书编号：S1130520020004", fontname="china-s", fontsize=12)
    png = page.get_pixmap(dpi=150, alpha=False).tobytes("png")
    doc = pymupdf.open()
    first = doc.new_page(width=595, height=842)
    first.insert_image(first.rect, stream=png)
    first.insert_text((40, 825), "请务必阅读正文之后的免责声明部分", fontname="china-s", fontsize=9)
    for text in ("国内算力资本开支有望迎来加速增长。豆包模型日均使用量超过四万亿。", "海外制裁加剧可能影响整体产业发展。"):
        p = doc.new_page(width=595, height=842)
        p.insert_text((40, 100), text, fontname="china-s", fontsize=11)
    path = tmp_path / "graphic_cover.pdf"
    doc.save(path)
    report = ingest_file(path)
    m = report.meta
    assert m.title == "算力需求持续高景气,国产服务器放量在即" and m.source_of("title") == "cover OCR"
    assert m.date == "2025-10-26" and m.source_of("date") == "cover OCR"
    assert [(a.name, a.cert) for a in m.analysts] == [("刘道明", "S1130520020004")]
    assert m.rating == "买入(维持评级)"
    assert report.doc.ocr_pages == (1,)
    ocr_chunks = [c for c in report.chunks if c.ocr]
    assert ocr_chunks and all(c.page == 1 for c in ocr_chunks)
    assert all(not c.ocr for c in report.chunks if c.page != 1)
    for c in report.chunks:
        assert report.doc.text[c.start:c.end] == c.text
