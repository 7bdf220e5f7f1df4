"""The five real reports: metadata, offsets, stable ids, nothing lost by cleaning."""

from __future__ import annotations

import re
import unicodedata

import pytest

from tests.conftest import REPORT_FILES
from yanbao.ingest import valuation
from yanbao.ingest.clean import normalize
from yanbao.ingest.pipeline import ingest_file

EXPECTED = {
    "000": dict(broker="国金证券", title="AI 周观察"),
    "001": dict(broker="国金证券", title="2025 AI 行业前瞻报告"),
    "002": dict(broker="民生证券", title="AI投资的新范式"),
    "003": dict(broker="华西证券", title=None),  # the extraction starts at 核心逻辑: no cover page, no title
    "004": dict(broker="东吴证券", title="从字节大会看算力产业的三个趋势"),
}


@pytest.fixture(scope="module")
def reports(reports_dir):
    return {k: ingest_file(reports_dir / f) for k, f in REPORT_FILES.items()}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_broker_and_title(reports, key):
    meta = reports[key].meta
    assert meta.broker == EXPECTED[key]["broker"]
    assert meta.title == EXPECTED[key]["title"]


def test_report_004_date_type_rating(reports):
    meta = reports["004"].meta
    assert meta.date == "2024-12-24"
    assert meta.report_type == "周报"
    assert meta.rating == "增持(维持)"  # NFKC turns （） into ()


def test_dates_are_none_when_not_printed(reports):
    # 000-003 print no publication date on their first page: never guessed from body text
    assert [reports[k].meta.date for k in ("000", "001", "002", "003")] == [None] * 4


@pytest.mark.parametrize("key", ["000", "001"])
def test_analysts_guojin(reports, key):
    people = {a.name: a for a in reports[key].meta.analysts}
    assert people["刘道明"].cert == "S1130520020004" and people["刘道明"].role == "分析师"
    assert people["黄晓军"].cert == "S1130122050092" and people["黄晓军"].role == "联系人"
    assert people["麦世学"].cert == "S1130123100111"


def test_analysts_004(reports):
    analysts = [(a.name, a.cert, a.role) for a in reports["004"].meta.analysts]
    assert analysts == [("王紫敬", "S0600521080005", "分析师"), ("王世杰", "S0600523080004", "分析师")]


def test_analysts_002_no_false_names(reports):
    names = [a.name for a in reports["002"].meta.analysts]
    assert names == ["方竞", "李少青", "李萌", "宋晓东", "卢瑞琪"]


@pytest.mark.parametrize("key", sorted(REPORT_FILES))
def test_chunk_offsets_point_into_cleaned_text(reports, key):
    report = reports[key]
    assert report.chunks
    for c in report.chunks:
        assert report.doc.text[c.start:c.end] == c.text
        assert c.file == REPORT_FILES[key] and c.meta.broker == EXPECTED[key]["broker"]
        assert c.text.strip() == c.text and c.text


@pytest.mark.parametrize("key", sorted(REPORT_FILES))
def test_chunks_cover_the_cleaned_text(reports, key):
    """Every non-space character of the cleaned text is inside at least one chunk."""
    report = reports[key]
    covered = bytearray(len(report.doc.text))
    for c in report.chunks:
        covered[c.start:c.end] = b"\x01" * (c.end - c.start)
    missing = [ch for ch, cov in zip(report.doc.text, covered) if not cov and not ch.isspace()]
    assert missing == []


@pytest.mark.parametrize("key", sorted(REPORT_FILES))
def test_chunk_sizes(reports, key):
    for c in reports[key].chunks:
        if "\t" not in c.text:  # table rows are never cut, so a table chunk may run longer
            assert len(c.text) <= 400 + 80


def test_ids_stable_across_runs(reports_dir, reports):
    again = ingest_file(reports_dir / REPORT_FILES["002"])
    assert [c.id for c in again.chunks] == [c.id for c in reports["002"].chunks]
    assert len({c.id for c in again.chunks}) == len(again.chunks)


def _as_cleaned_tables(raw: str) -> str:
    """The NFKC'd original with its space-printed valuation tables written as tab rows under one header,
    as the cleaner writes them on purpose (tests/ingest/test_valuation.py): the header's PE and year lines
    become PE 2024E …, each row gets its group label."""
    return "\n".join(valuation.rewrite([line.strip() for line in normalize(raw).split("\n")])[0])


def _pieces(raw: str) -> list[str]:
    """The original split at sentence ends and line ends, NFKC'd, whitespace and ** removed."""
    text = _as_cleaned_tables(raw).replace("**", "")
    out = []
    for line in text.split("\n"):
        for piece in re.split(r"(?<=[。！？；!?;])", line):
            piece = re.sub(r"\s+", "", piece)
            if piece:
                out.append(piece)
    return out


@pytest.mark.parametrize("key", sorted(REPORT_FILES))
def test_no_sentence_lost(reports_dir, reports, key):
    """Each original sentence (whitespace removed) is in the cleaned text, bar dropped page furniture."""
    report = reports[key]
    raw = (reports_dir / REPORT_FILES[key]).read_text(encoding="utf-8")
    cleaned = re.sub(r"\s+", "", report.doc.text)
    dropped = {re.sub(r"\s+", "", t) for t, _ in report.doc.dropped}
    toc = {re.sub(r"\s+", "", t) for t, why in report.doc.dropped if why == "table of contents"}
    lost = []
    for p in _pieces(raw):
        p = p.lstrip("#")
        if p in cleaned or p in dropped or any(p in d for d in toc):
            continue
        # a page number glued to a caption ("7资料来源:...") or after a sentence ("。 2") was dropped
        m = re.fullmatch(r"(\d{1,3})?(.+?)(\d{1,3})?", p)
        if m and m.group(2) in cleaned and all(g is None or g in dropped for g in (m.group(1), m.group(3))):
            continue
        lost.append(p)
    assert lost == []
    # furniture is only page numbers, short repeated headers and the table of contents, never real content
    assert all(reason in ("page number", "repeated header/footer", "table of contents") for _, reason in report.doc.dropped)
    assert all(len(t) <= 30 for t, reason in report.doc.dropped if reason != "table of contents")
    assert all(re.search(r"(\.{5,}|…{3,}|·{5,})\s*\d{1,3}$", t) for t, reason in report.doc.dropped if reason == "table of contents")


def test_nothing_duplicated_by_joining(reports_dir, reports):
    """Joining broken lines adds no characters: cleaned length matches the kept originals."""
    raw = (reports_dir / REPORT_FILES["003"]).read_text(encoding="utf-8")
    cleaned = report_text = reports["003"].doc.text
    for ch in "DeepSeek是一家中国人工智能公司":
        assert ch in cleaned
    assert report_text.count("成立于2023年7月17日") == raw.count("成立于2023年7月17日") == 1
    raw_chars = len(re.sub(r"\s+", "", _as_cleaned_tables(raw).replace("**", "")))
    dropped_chars = sum(len(re.sub(r"\s+", "", t)) for t, _ in reports["003"].doc.dropped)
    assert len(re.sub(r"\s+", "", cleaned)) == raw_chars - dropped_chars


def test_report_003_broken_lines_joined(reports):
    doc = reports["003"].doc
    assert doc.joined_breaks > 100
    # a sentence that the PDF broke across a blank line is whole again
    assert "一方面是中国在全球AI产业的竞争形态" in doc.text
    assert "对于训练而言,最引人注目的自然是FP8的使用" in doc.text.replace("\n", "")
    assert "1)对于训练而言,最引人注目的自然是FP8的使用" in doc.text


def test_headings_captions_tables_not_joined(reports):
    doc = reports["004"].doc
    lines = [doc.text[ln.start:ln.end] for ln in doc.lines]
    assert "1. 国内算力资本开支有望迎来加速增长" in lines  # heading kept on its own line
    assert any(ln.startswith("数据来源:") for ln in lines)  # caption kept on its own line
    assert "行业走势" in lines and "相关研究" in lines  # short labels are not glued together
    doc = reports["002"].doc
    table_rows = [doc.text[ln.start:ln.end] for ln in doc.lines if ln.kind == "table"]
    assert "NVDA.O\t英伟达\t97.63\t141.97\t45%\tMSFT.O\t微软\t357.20\t474.96\t33%" in table_rows


def test_sections_and_boilerplate(reports):
    chunks = reports["004"].chunks
    sections = {c.section for c in chunks}
    assert "1. 国内算力资本开支有望迎来加速增长" in sections
    disclaimer = [c for c in chunks if "本研究报告仅供东吴证券" in c.text]
    assert disclaimer and all(c.boilerplate for c in disclaimer)
    body = [c for c in chunks if "豆包模型日均 token 使用量超 4 万亿" in c.text]
    assert body and not any(c.boilerplate for c in body)


def test_table_header_travels_with_each_chunk(reports):
    chunks = reports["002"].chunks
    rows = [c for c in chunks if "NVDA.O\t英伟达" in c.text]
    assert rows
    for c in rows:
        assert "代码\t公司名称" in c.text or "代码\t公司名称" in c.context


def test_cjk_text_is_nfkc_and_free_of_markup(reports):
    for r in reports.values():
        assert "**" not in r.doc.text
        assert unicodedata.normalize("NFKC", r.doc.text) == r.doc.text
