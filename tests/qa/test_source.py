"""The source viewer's data (qa.source) on a real index: a small generated PDF and a real text report."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import REPORT_FILES
from tests.pdfgen import FIGURE, PDF_NAME, figure_rect, write_report_pdf


@pytest.fixture(scope="module")
def pdf_index(tmp_path_factory, reports_dir, embedder, test_settings):
    """An index of the generated PDF (ingested from a folder, not uploaded) and report 000."""
    from yanbao.index.store import open_index
    from yanbao.library import update

    folder = tmp_path_factory.mktemp("pdf-reports")
    pdf = write_report_pdf(folder / PDF_NAME)
    root = tmp_path_factory.mktemp("pdf-index")
    settings = test_settings.with_(index_dir=root)
    result = update(root, [pdf, reports_dir / REPORT_FILES["000"]], settings, embedder)
    assert sorted(result.added) == sorted([PDF_NAME, REPORT_FILES["000"]])
    return open_index(root), pdf


def chunk_with(index, file, text):
    return next(c for c in index.chunks.of_report(file) if text in c.text)


def intersects(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_ingest_records_where_the_original_is(pdf_index):
    index, pdf = pdf_index
    entries = {r["file"]: r for r in index.entries}
    assert entries[PDF_NAME]["source"] == str(pdf.resolve())
    assert entries[REPORT_FILES["000"]]["source"].endswith(REPORT_FILES["000"])


def test_every_chunk_stitches_back_to_its_own_text(pdf_index):
    from yanbao.qa.source import stitch

    index, _ = pdf_index
    for file in (PDF_NAME, REPORT_FILES["000"]):
        chunks = index.chunks.of_report(file)
        assert chunks
        for c in chunks:
            assert stitch(chunks, c.start, c.end) == (c.text, c.start)


def test_pdf_page_has_the_passage_and_the_sentence_highlighted_where_they_are(pdf_index, tmp_path):
    from yanbao.qa.source import view

    index, pdf = pdf_index
    c = chunk_with(index, PDF_NAME, FIGURE)
    sentence = next(s for s in c.text.split("\n") if FIGURE in s)
    v = view(index, PDF_NAME, c.start, c.end, sentence, cache_dir=tmp_path)
    assert (v.kind, v.page, v.pages, v.original) == ("pdf", 1, 2, str(pdf.resolve()))
    assert open(v.image, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    figure = figure_rect(pdf)
    strong = [(h.x0, h.y0, h.x1, h.y1) for h in v.highlights if h.kind == "sentence"]
    light = [(h.x0, h.y0, h.x1, h.y1) for h in v.highlights if h.kind == "passage"]
    assert strong and any(intersects(r, figure) for r in strong)
    assert any(intersects(r, figure) for r in light)
    # the sentence is one line of the page: every strong box is on that line, none elsewhere
    assert all(abs(r[1] - figure[1]) < 0.01 for r in strong)
    # the other page holds nothing of the passage: shown without highlights
    other = view(index, PDF_NAME, c.start, c.end, sentence, page=2, cache_dir=tmp_path)
    assert (other.page, other.highlights) == (2, ())


def test_find_matches_through_nfkc_whitespace_and_lost_characters():
    from yanbao.qa.source import _norm, find

    page = _norm("测试证券认为，光子芯片 Q7 在 2024 年的出货量为 ４５６７ 万颗，同比增长 89%。")
    target = _norm("测试证券认为,光子芯片Q7在2024年的出货量为4567万颗,同比增长89%。")
    assert find(page, target) == list(range(len(page)))
    # a character the page does not have (a page number the cleaner dropped): the rest still matches
    lost = find(page, _norm("光子芯片Q7在2024年的出货量为①4567万颗,同比增长89%"))
    assert "".join(page[i] for i in lost) == "光子芯片Q7在2024年的出货量为4567万颗,同比增长89%"
    assert find(page, "光子芯片") == [page.index("光子芯片") + i for i in range(4)]  # whole: found
    assert find(page, "光子芯片X") == []  # not whole, and a 4-character run alone is no match
    assert find(page, "完全不在这一页") == []


def test_a_gone_original_is_shown_as_text_with_a_note_and_an_upload_is_found(pdf_index, tmp_path):
    from yanbao.index.store import open_index
    from yanbao.qa.source import view

    index, pdf = pdf_index
    root = tmp_path / "index"
    shutil.copytree(index.root, root)
    moved = tmp_path / "elsewhere.pdf"
    shutil.copyfile(pdf, moved)
    copy = open_index(root)
    c = chunk_with(copy, PDF_NAME, FIGURE)
    pdf.rename(tmp_path / "away.pdf")
    try:
        v = view(copy, PDF_NAME, c.start, c.end, "", cache_dir=tmp_path)
        assert v.kind == "text" and v.original == "" and "已不在" in v.note and "yanbao ingest" in v.note
        assert c.text in v.text and v.page == 1
        (root / "uploads").mkdir()
        shutil.copyfile(moved, root / "uploads" / PDF_NAME)
        v = view(copy, PDF_NAME, c.start, c.end, "", cache_dir=tmp_path)
        assert v.kind == "pdf" and v.original == str(root / "uploads" / PDF_NAME) and v.highlights
    finally:
        (tmp_path / "away.pdf").rename(pdf)


def test_text_report_shows_the_section_around_the_passage(pdf_index):
    from yanbao.qa.source import CONTEXT_CHARS, view

    index, _ = pdf_index
    c = chunk_with(index, REPORT_FILES["000"], "131 亿美元")
    sentence = next(s for s in c.text.replace("。", "。\n").split("\n") if "131 亿美元" in s)
    v = view(index, REPORT_FILES["000"], c.start, c.end, sentence)
    assert v.kind == "text" and v.note == ""
    assert v.text[c.start - v.text_start:c.end - v.text_start] == c.text
    assert v.text[v.sentence[0] - v.text_start:v.sentence[1] - v.text_start] == sentence
    assert len(v.text) <= len(c.text) + 2 * CONTEXT_CHARS + 2


def test_unknown_report_or_offsets_are_refused(pdf_index):
    from yanbao.qa.source import view

    index, _ = pdf_index
    with pytest.raises(ValueError, match="yanbao list"):
        view(index, "nope.pdf", 0, 10)
    with pytest.raises(ValueError, match="no text"):
        view(index, PDF_NAME, 10_000_000, 10_000_010)
