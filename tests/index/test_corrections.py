"""Corrections by people (`yanbao meta`): kept by sha256, laid over every ingest and rebuild, live
at once in `list`, citations, answers' labels and filters, and never embedding anything."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

from tests.conftest import REPORT_FILES, run_cli
from yanbao.errors import CorrectionError, SettingsError
from yanbao.index import corrections
from yanbao.index.store import correct, current_generation, open_index, report_metadata
from yanbao.library import update
from yanbao.types import Filters
from yanbao.types import Analyst, ReportMeta

F004 = REPORT_FILES["004"]  # 东吴证券, 2024-12-24, 增持(维持): the only dated report of the five
QUESTION = "豆包通用模型的日均tokens使用量是多少？"  # answered from 004
FIX = {"broker": "测试证券", "title": "更正后的算力趋势报告", "date": "2025-01-02", "rating": "买入（首次）"}


class CountingEmbedder:
    """The real embedder, counting the passages it is asked to embed."""

    def __init__(self, embedder):
        self._embedder, self.passages = embedder, 0

    def embed_passages(self, texts, *a, **k):
        self.passages += len(texts)
        return self._embedder.embed_passages(texts, *a, **k)

    def __getattr__(self, name):
        return getattr(self._embedder, name)


@pytest.fixture
def index_copy(tmp_path, real_index_dir):
    """A copy of the real five-report index that a test may change."""
    root = tmp_path / "idx"
    shutil.copytree(real_index_dir, root)
    return root


# --------------------------------------------------------------------------- values

def test_values_are_checked_and_named():
    assert corrections.check("date", " 2025-01-02 ") == "2025-01-02"
    for bad in ("2025/01/02", "2025-1-2", "20250102", "明年"):
        with pytest.raises(CorrectionError, match="must be yyyy-mm-dd"):
            corrections.check("date", bad)
    with pytest.raises(CorrectionError, match="not a day of the calendar"):
        corrections.check("date", "2025-02-30")
    with pytest.raises(CorrectionError, match="cannot be corrected; the fields are title, broker, date"):
        corrections.check("sha256", "x")
    assert corrections.check("title", "  新的\n标题 ") == "新的 标题"
    assert corrections.check("rating", "") is None and corrections.check("analysts", " ") == []  # empty clears
    with pytest.raises(CorrectionError, match="at most 40"):
        corrections.check("broker", "证" * 41)


def test_analysts_are_parsed_with_numbers_roles_and_known_numbers_kept():
    known = (Analyst("王世杰", "S0600523080004"),)
    got = corrections.parse_analysts("王紫敬 执业证书编号：s0600521080005、王世杰，李四（研究助理）; 张三:S0600521080006", known)
    assert got == (Analyst("王紫敬", "S0600521080005"), Analyst("王世杰", "S0600523080004"),
                   Analyst("李四", None, "研究助理"), Analyst("张三", "S0600521080006"))
    with pytest.raises(CorrectionError, match="S followed by 13 digits"):
        corrections.parse_analysts("王紫敬 S06005210")
    with pytest.raises(CorrectionError, match="2 certificate numbers"):
        corrections.parse_analysts("王紫敬 S0600521080005 S0600523080004")


def test_apply_lays_fields_over_and_marks_provenance_when_meta_has_it():
    meta = ReportMeta(file="a.pdf", title="请务必阅读正文之后的免责声明部分", broker="版权属于中原证券", sha256="ab")
    fixed = corrections.apply(meta, {"title": "真正的标题", "broker": "中原证券", "analysts": [{"name": "王紫敬", "cert": None}]})
    assert (fixed.title, fixed.broker, fixed.analysts, fixed.date) == ("真正的标题", "中原证券", (Analyst("王紫敬"),), None)
    assert corrections.apply(meta, None) is meta

    @dataclasses.dataclass(frozen=True)
    class WithProvenance(ReportMeta):  # what ReportMeta may grow: where each field came from
        provenance: dict = dataclasses.field(default_factory=dict)

    meta = WithProvenance(file="a.pdf", title="深度研究", provenance={"title": "cover", "date": "file name"})
    fixed = corrections.apply(meta, {"title": "真正的标题"})
    assert fixed.provenance == {"title": "correction", "date": "file name"}
    back = corrections.restore(fixed, {"title": "深度研究"})
    assert back.title == "深度研究" and back.provenance == {"date": "file name"}


def test_the_file_is_replaced_whole_and_a_broken_one_is_named(tmp_path):
    assert corrections.load(tmp_path) == {}
    corrections.save(tmp_path, {"ab": {"file": "a.pdf", "fields": {"title": "标题"}}})
    assert corrections.load(tmp_path) == {"ab": {"file": "a.pdf", "fields": {"title": "标题"}}}
    assert "标题" in (tmp_path / corrections.CORRECTIONS).read_text(encoding="utf-8")  # readable Chinese
    assert [p.name for p in tmp_path.iterdir()] == [corrections.CORRECTIONS]  # no temp file left
    (tmp_path / corrections.CORRECTIONS).write_text("{half", encoding="utf-8")
    with pytest.raises(CorrectionError, match="corrections.json.*fix or remove"):
        corrections.load(tmp_path)


# --------------------------------------------------------------------------- on a real index

def test_a_correction_is_live_at_once_in_list_citations_labels_and_filters(index_copy, embedder, test_settings):
    from yanbao.qa.chain import QAChain

    before = open_index(index_copy)
    old_gen = before.dir
    r = correct(index_copy, F004, FIX)
    assert r.changed == ["title", "broker", "date", "rating"] and r.corrected == sorted(FIX)
    after = open_index(index_copy)
    assert after.dir != old_gen and after.dir.name == r.generation == current_generation(index_copy).name
    # only the manifest was written: the new generation names the same segments (chunks, rows,
    # FAISS vectors, BM25 postings), and a generation is its manifest alone
    assert [s.dir for s in after.segments] == [s.dir for s in before.segments]
    assert after.manifest["segments"] == before.manifest["segments"]
    assert [p.name for p in after.dir.iterdir()] == ["manifest.json"]
    meta = next(m for m in after.reports() if m.file == F004)
    assert (meta.broker, meta.title, meta.date, meta.rating) == tuple(FIX[k] for k in ("broker", "title", "date", "rating"))
    assert meta.analysts == next(m for m in before.reports() if m.file == F004).analysts  # untouched fields stay
    assert {c.meta.broker for c in after.chunks if c.file == F004} == {"测试证券"}
    assert [m for m in after.reports() if m.file != F004] == [m for m in before.reports() if m.file != F004]

    chain = QAChain.open(test_settings.with_(index_dir=index_copy), embedder)
    answer = chain.ask(QUESTION)
    cited = [c.chunk.meta for c in answer.citations if c.chunk.file == F004]
    assert cited and all((m.broker, m.title, m.date) == ("测试证券", FIX["title"], "2025-01-02") for m in cited)
    assert "测试证券《更正后的算力趋势报告》（2025-01-02）" in answer.text and "东吴" not in answer.text
    for f in (Filters(brokers=("测试证券",)), Filters(brokers=("测试",)), Filters(date_from="2025-01-01")):
        hits = chain.retriever.retrieve(QUESTION, f, k=10)
        assert hits and {h.chunk.file for h in hits} == {F004}, f
    with pytest.raises(SettingsError, match="排除了所有报告.*004_535c958186802a5d.txt（测试证券，2025-01-02）"):
        chain.retriever.retrieve(QUESTION, Filters(brokers=("东吴证券",)), k=10)  # its old broker matches no report now

    listed = run_cli("list", "--json", "--index", str(index_copy))
    row = next(x for x in json.loads(listed.stdout)["reports"] if x["file"] == F004)
    assert (row["broker"], row["title"], row["date"], row["rating"]) == ("测试证券", FIX["title"], "2025-01-02", "买入（首次）")


def test_a_correction_survives_reingest_and_rebuild_and_embeds_nothing(index_copy, tmp_path, reports_dir, embedder,
                                                                      test_settings):
    settings = test_settings.with_(index_dir=index_copy)
    correct(index_copy, F004, {"title": FIX["title"], "analysts": "王紫敬、李四 S0600521080099"})
    counting = CountingEmbedder(embedder)
    again = update(index_copy, [reports_dir], settings, counting)
    assert len(again.unchanged) == 5 and again.embedded_chunks == 0
    rebuilt = update(index_copy, [reports_dir], settings, counting, rebuild=True)
    assert len(rebuilt.added) == 5 and rebuilt.embedded_chunks == 0
    assert counting.passages == 0
    meta = next(m for m in open_index(index_copy).reports() if m.file == F004)
    assert meta.title == FIX["title"] and meta.broker == "东吴证券"  # the corrected field, and what the text gives
    assert meta.analysts == (Analyst("王紫敬", "S0600521080005"), Analyst("李四", "S0600521080099"))
    # kept by content, not by name: the same report under another name in a rebuild keeps it too
    lib = tmp_path / "lib"
    lib.mkdir()
    for k, name in REPORT_FILES.items():
        shutil.copy(reports_dir / name, lib / ("东吴_改名.txt" if k == "004" else name))
    renamed = update(index_copy, [lib], settings, counting, rebuild=True)
    assert renamed.embedded_chunks == 0 and counting.passages == 0
    assert report_metadata(index_copy, "东吴_改名.txt").meta.title == FIX["title"]


def test_reset_takes_a_correction_back(index_copy):
    extracted = report_metadata(index_copy, F004).meta
    correct(index_copy, F004, {"date": "2025-01-02", "rating": ""})
    assert (report_metadata(index_copy, F004).meta.date, report_metadata(index_copy, F004).meta.rating) == ("2025-01-02", None)
    correct(index_copy, F004, {"date": "2025-01-03"})  # a second correction of a field remembers the first value read
    r = correct(index_copy, F004, {}, reset=True)
    assert r.meta == extracted and r.corrected == [] and sorted(r.changed) == ["date", "rating"]
    assert corrections.load(index_copy) == {}


def test_a_crash_before_the_swap_leaves_the_index_whole_and_the_next_ingest_applies_it(index_copy, reports_dir, embedder,
                                                                                        test_settings, monkeypatch):
    from yanbao.index import store

    gen = current_generation(index_copy)

    def die(*a, **k):
        raise KeyboardInterrupt  # as a Ctrl-C between saving the correction and the new generation

    monkeypatch.setattr(store, "write_metadata_generation", die)
    with pytest.raises(KeyboardInterrupt):
        correct(index_copy, F004, {"broker": "测试证券"})
    monkeypatch.undo()
    assert current_generation(index_copy) == gen and open_index(index_copy).reports()[4].broker == "东吴证券"
    r = update(index_copy, [reports_dir], test_settings.with_(index_dir=index_copy), embedder)
    assert r.embedded_chunks == 0 and len(r.unchanged) == 5
    assert report_metadata(index_copy, F004).meta.broker == "测试证券"


def test_bad_values_and_unknown_reports_change_nothing(index_copy):
    gen = current_generation(index_copy)
    with pytest.raises(CorrectionError, match=r"no report 'nope.pdf'.*yanbao list --index"):
        correct(index_copy, "nope.pdf", {"title": "x"})
    with pytest.raises(CorrectionError, match="yyyy-mm-dd"):
        correct(index_copy, F004, {"title": "新标题", "date": "2024年12月24日"})
    assert current_generation(index_copy) == gen and corrections.load(index_copy) == {}
    r = correct(index_copy, str(index_copy / "some" / "dir" / F004), {"title": report_metadata(index_copy, F004).meta.title})
    assert r.changed == [] and current_generation(index_copy) == gen  # same value: recorded, no new generation
    assert r.corrected == ["title"]


def test_a_hand_edited_correction_that_is_not_valid_is_named():
    meta = ReportMeta(file="a.pdf", date="2024-12-24")
    with pytest.raises(CorrectionError, match="corrected date of a.pdf is not valid.*yanbao meta a.pdf --date"):
        corrections.apply(meta, {"date": "2024/12/24"})
    with pytest.raises(CorrectionError, match="corrected analysts of a.pdf"):
        corrections.apply(meta, {"analysts": [{"nom": "王紫敬"}]})
