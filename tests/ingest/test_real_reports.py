"""Real broker reports (../shared/real-reports): metadata against truth.jsonl, layout, provenance."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import run_cli
from tests.ingest.real_truth import FIELDS, REAL_REPORTS, field_value, norm, same, score, truth, truth_value
from yanbao.ingest.clean import clean
from yanbao.ingest.layout import CoverLine
from yanbao.ingest.load import RawDoc
from yanbao.ingest.metadata import extract, segment
from yanbao.ingest.pipeline import ingest_file

REPO = Path(__file__).resolve().parents[2]
TARGETS = {"broker": 0.95, "title": 0.90, "date": 0.90, "analysts": 0.90, "rating": 0.90}


@pytest.fixture(scope="module")
def real_dir():
    if not (REAL_REPORTS / "truth.jsonl").exists():
        pytest.skip(f"the real reports are not at {REAL_REPORTS}; set YANBAO_TEST_REAL_REPORTS")
    return REAL_REPORTS


@pytest.fixture(scope="module")
def rows(real_dir):
    return truth(real_dir)


@pytest.fixture(scope="module")
def reports(real_dir, rows):
    return {row["file"]: ingest_file(real_dir / row["file"]) for row in rows}


def test_metadata_accuracy_meets_targets(rows, reports):
    """Per-field accuracy over the fields each report prints (`reachable`)."""
    scores = score(rows, {f: r.meta for f, r in reports.items()})
    misses = {
        name: [(row["file"][:12], field_value(reports[row["file"]].meta, name), truth_value(row, name))
               for row in rows if row["reachable"].get(name)
               and not same(field_value(reports[row["file"]].meta, name), truth_value(row, name))]
        for name in FIELDS
    }
    for name, (right, total) in scores.items():
        assert total and right / total >= TARGETS[name], (name, right, total, misses[name])


@pytest.mark.parametrize("name", FIELDS)
def test_each_reachable_field(rows, reports, name):
    """Every field a report prints is read right (the targets allow no miss on six reports)."""
    wrong = [(row["file"][:12], field_value(reports[row["file"]].meta, name), truth_value(row, name))
             for row in rows if row["reachable"].get(name)
             and not same(field_value(reports[row["file"]].meta, name), truth_value(row, name))]
    assert wrong == []


def test_every_field_found_says_where_it_came_from(reports):
    sources = {"cover text", "cover OCR", "body", "pdf metadata", "file name"}
    for report in reports.values():
        m = report.meta
        for name in ("title", "broker", "date", "analysts", "rating", "report_type"):
            if getattr(m, name):
                assert m.source_of(name) in sources, (m.file, name)
            else:
                assert m.source_of(name) is None


def test_dates_and_analysts_come_from_the_cover(reports):
    for report in reports.values():
        assert report.meta.source_of("date") == "cover text", report.meta.file
        assert report.meta.source_of("analysts") == "cover text", report.meta.file


def test_titles_without_file_name_hints(real_dir, rows, tmp_path):
    """Renamed to report.pdf / report.txt, the PDFs' titles still come from their covers (or the
    PDF's own title); a text without line breaks from its cut cover."""
    right = 0
    for row in rows:
        src = real_dir / row["file"]
        dst = tmp_path / ("r" + row["file"][:2] + src.suffix)
        dst.write_bytes(src.read_bytes())
        meta = ingest_file(dst).meta
        assert meta.source_of("title") != "file name"
        right += same(meta.title, row["title"])
    assert right == len(rows)


@pytest.mark.parametrize("prefix", ["01", "03", "05", "13"])
def test_pdf_furniture_is_dropped_and_listed(reports, prefix):
    report = next(r for f, r in reports.items() if f.startswith(prefix))
    footers = [t for t, why in report.doc.dropped if why == "repeated header/footer"]
    assert footers, "repeated headers/footers are listed"
    for footer in set(footers):
        lines = [report.doc.text[ln.start:ln.end].strip() for ln in report.doc.lines]
        assert lines.count(footer) <= 1, footer  # once in the contact block at the end, at most
    # a figure's source line repeats under every figure: it stays in the text
    assert not any(re.match(r"(资料来源|数据来源)", t) for t, _ in report.doc.dropped)


@pytest.mark.parametrize("prefix", ["01", "03", "05", "08", "10", "13"])
def test_chunks_point_into_cleaned_text(reports, prefix):
    report = next(r for f, r in reports.items() if f.startswith(prefix))
    assert report.chunks
    for c in report.chunks:
        assert report.doc.text[c.start:c.end] == c.text
        assert c.meta.title == report.meta.title and not c.ocr


def test_answers_are_in_the_text(rows, reports):
    """The quote of every truth question survives loading and cleaning (whitespace aside)."""
    for row in rows:
        text = norm(reports[row["file"]].doc.text)
        for q in row["questions"]:
            assert norm(q["quote"]) in text, (row["file"][:12], q["quote"])


def test_two_column_cover_reads_main_column_first(reports):
    """Reports 01 and 13 print the analysts in a side column: the summary is not cut by them."""
    for prefix, sentence in [("01", "CPV因子的月度IC均值为-0.053"), ("13", "公司实现营业收入219.9亿元")]:
        report = next(r for f, r in reports.items() if f.startswith(prefix))
        assert norm(sentence) in norm(report.doc.text)


def test_inspect_json_shows_provenance(real_dir):
    f = next(real_dir.glob("13_*.pdf"))
    r = run_cli("inspect", str(f), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["meta"]["provenance"]["date"] == "cover text"
    assert out["meta"]["provenance"]["title"] in ("cover text", "pdf metadata", "file name")
    assert out["ocr_pages"] == [] and all(c["ocr"] is False for c in out["chunks"])


# ------------------------------------------------------------ no footer ever becomes a title

# Footers, disclaimers and labels printed on real reports (these six and the fifteen the issue
# was tried on); none of them is ever a report's title.
NOT_TITLES = [
    "请务必阅读正文之后的免责声明部分",
    "敬请关注文后特别声明与免责条款",
    "请务必阅读正文后的重要声明部分",
    "请仔细阅读在本报告尾部的重要法律声明",
    "谨请参阅尾页重要声明及华泰证券股票和行业评级标准",
    "请阅读最后一页各项声明",
    "本报告版权属于中原证券股份有限公司",
    "深度研究",
    "金工研究/深度研究",
    "当前价: 28.94 元",
    "事件简介",
    "东吴证券研究所",
    "证券研究报告·金融工程·金工专题报告",
    "【示例文档】本文为 yanbao 项目编写的示例研报,内容虚构,仅供演示。",
    "市场价格:43.38",
    "买入(维持)",
    "2025年10月29日",
]
_filler = st.text(alphabet=st.sampled_from(list("算力需求持续高景气国产服务器放量在即业绩符合预期，。")), min_size=0, max_size=30)


_NOTICE = re.compile(r"请务必|敬请|谨请|请仔细|请阅读|版权|示例文档|声明")


def _bad_title(title: str | None) -> bool:
    """A title that is one of the strings, or holds a notice (labels may be part of a real title)."""
    if title is None:
        return False
    return any(norm(t) == norm(title) or (_NOTICE.search(t) and norm(t) in norm(title)) for t in NOT_TITLES)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(NOT_TITLES), _filler), min_size=1, max_size=12), st.booleans())
def test_no_footer_becomes_a_title_in_text(lines, flat):
    sep = "" if flat else "\n"
    doc = clean(RawDoc("report.txt", (sep.join(lines),), False, ""))
    if doc.text.strip():
        assert not _bad_title(extract(doc).title)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(NOT_TITLES), st.floats(6, 40)), min_size=1, max_size=8),
       st.lists(st.tuples(_filler, st.floats(6, 12)), max_size=6))
def test_no_footer_becomes_a_title_on_a_cover(footers, body):
    """Even printed larger than anything else on the cover, a footer or label is not the title."""
    cover = []
    y = 40.0
    for text, size in [*footers, *body]:
        if text.strip():
            cover.append(CoverLine(text, 1, size, False, 40, y, 400, y + size))
        y += 30
    text = "\n".join(c.text for c in cover) or "空"
    doc = clean(RawDoc("report.pdf", (text,), True, ""))
    if doc.text.strip():
        assert not _bad_title(extract(doc, cover=cover).title)


def test_segment_cuts_a_cover_without_line_breaks():
    flat = ("本报告版权属于中原证券股份有限公司www.ccnew.com请阅读最后一页各项声明第1页/共22页生物医药分析师:李琳琳"
            "执业证书编号：S0730511010010lill@ccnew.com021-50586983血制品领先企业，业绩恢复增长——上海莱士(002252)"
            "首次覆盖报告证券研究报告-首次覆盖报告未评级（首次）市场数据(2020-03-30)收盘价(元)7.91")
    parts = segment(flat)
    assert "血制品领先企业，业绩恢复增长——上海莱士(002252)首次覆盖报告" in parts
    assert "未评级（首次）" in parts


# ------------------------------------------------------------ the gold file derived from truth.jsonl

def test_real_gold_file_is_derived_from_truth(rows):
    """evalsets/real.jsonl holds the 18 truth questions in the gold format, as make_real.py writes it."""
    import importlib.util

    from yanbao.eval.gold import load_gold

    repo = REPO
    spec = importlib.util.spec_from_file_location("make_real", repo / "evalsets" / "make_real.py")
    make_real = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_real)
    items = load_gold(repo / "evalsets" / "real.jsonl")
    derived = make_real.items(REAL_REPORTS / "truth.jsonl")
    assert [i.id for i in items] == [d["id"] for d in derived]
    assert [(i.question, i.answer, i.accept) for i in items] == [(d["question"], d["answer"], tuple(d["accept"])) for d in derived]
    assert len(items) == sum(len(r["questions"]) for r in rows) == 18


def test_real_gold_quotes_are_in_the_ingested_reports(reports):
    """Every gold quote is in its report's cleaned text (so hit@k and citations can be scored)."""
    from yanbao.eval.gold import load_gold
    from yanbao.eval.metrics import normalize

    repo = REPO
    for item in load_gold(repo / "evalsets" / "real.jsonl"):
        for s in item.sources:
            assert normalize(s.quote) in normalize(reports[s.file].doc.text), (item.id, s.quote)
