"""YANBAO_VECTOR_STORE=milvus against FAISS, on a real Milvus Lite file: the same retrieval and
answers over the five reports, filters inside Milvus, updates and removals, a crashed write.
Filters, updates and removals run on a real Milvus server too (the `milvus_place` fixture)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPORT_FILES, ROOT
from yanbao.qa.query import allows
from yanbao.types import Filters

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")
DEV = ROOT / "evalsets" / "dev.jsonl"


def milvus_ids(index) -> set[str]:
    """Every chunk id in the index's collection (read from Milvus itself)."""
    from yanbao.index import milvus

    cl = milvus.client(index.milvus)
    return {r["id"] for r in cl.query(index.milvus.collection, filter='id != ""', output_fields=["id"], limit=16384)}


class SameQueryOnce:
    """The real embedder, asked once per question text: the four retrievals per question in the
    comparison below embed the same text, and the real vectors are what both stores must agree on."""

    def __init__(self, embedder):
        self._embedder, self._seen = embedder, {}

    def embed_query(self, text):
        if text not in self._seen:
            self._seen[text] = self._embedder.embed_query(text)
        return self._seen[text]

    def __getattr__(self, name):
        return getattr(self._embedder, name)


@pytest.fixture(scope="module")
def both_on(tmp_path_factory, real_index_dir, reports_dir, embedder, test_settings):
    """place (milvus_place's settings) -> (FAISS chain, Milvus chain) over the five reports, built
    once per place. The Milvus index is the FAISS one moved over with --rebuild, which carries the
    stored vectors instead of embedding again."""
    from yanbao.library import update
    from yanbao.qa.chain import QAChain

    made, once = {}, SameQueryOnce(embedder)

    def make(place: dict):
        key = place.get("milvus_uri", "lite")
        if key not in made:
            root = tmp_path_factory.mktemp("milvus") / "idx"
            shutil.copytree(real_index_dir, root)
            settings = test_settings.with_(index_dir=root, vector_store="milvus", **place)
            result = update(root, [reports_dir], settings, embedder, rebuild=True)
            from yanbao.index.store import open_index

            assert result.embedded_chunks == 0 and result.total_chunks == len(open_index(real_index_dir).chunks)
            faiss_chain = QAChain.open(test_settings.with_(index_dir=real_index_dir), once)
            milvus_chain = QAChain.open(settings, once)
            assert faiss_chain.retriever.index.store == "faiss" and milvus_chain.retriever.index.store == "milvus"
            made[key] = faiss_chain, milvus_chain
        return made[key]

    return make


@pytest.fixture(scope="module")
def both(both_on):
    """(FAISS chain, Milvus Lite chain) over the five reports."""
    return both_on({})


def test_filter_expressions_mean_what_the_filters_mean():
    from yanbao.index.milvus import filter_expr, key

    assert filter_expr(Filters()) == ""
    expr = filter_expr(Filters(files=('a"b\\c.txt', "../x/报告 1.txt"), brokers=("国金证券",), date_from="2024-01-01"))
    assert expr == (f'file_key in ["{key(chr(97) + chr(34) + "b" + chr(92) + "c.txt")}", "{key("报告 1.txt")}"] and '
                    f'broker_key in ["{key("国金")}"] and date != "" and date >= "2024-01-01"')
    assert filter_expr(Filters(brokers=("国金",))) == filter_expr(Filters(brokers=("国金证券",)))


def test_manifest_records_a_lite_file_relative_to_the_index_and_never_the_token(tmp_path):
    from yanbao.index.milvus import MilvusTarget, target_from_manifest

    t = MilvusTarget(str(tmp_path / "idx" / "milvus.db"), "c1", token="root:secret")
    entry = t.entry(tmp_path / "idx")
    assert entry["uri"] == "milvus.db" and "secret" not in str(entry)
    assert target_from_manifest(entry, tmp_path / "moved").uri == str(tmp_path / "moved" / "milvus.db")
    server = MilvusTarget("http://milvus.internal:19530", "c1")
    assert server.entry(tmp_path)["uri"] == "http://milvus.internal:19530" and not server.lite
    assert "secret" not in repr(t)


def test_settings_name_the_bad_value():
    from yanbao.errors import SettingsError
    from yanbao.settings import Settings

    with pytest.raises(SettingsError, match="YANBAO_VECTOR_STORE"):
        Settings.from_env({"YANBAO_VECTOR_STORE": "pinecone"})
    with pytest.raises(SettingsError, match="YANBAO_MILVUS_COLLECTION"):
        Settings.from_env({"YANBAO_MILVUS_COLLECTION": "my-chunks"})
    s = Settings.from_env({"YANBAO_VECTOR_STORE": "milvus", "YANBAO_MILVUS_TOKEN": "u:p"})
    assert s.vector_store == "milvus" and "u:p" not in repr(s)
    with pytest.raises(SettingsError, match="YANBAO_MILVUS_URI must be a server address") as e:
        Settings.from_env({"YANBAO_MILVUS_URI": "localhost:19530"})
    with pytest.raises(SettingsError, match="YANBAO_MILVUS_TOKEN") as e:
        Settings.from_env({"YANBAO_MILVUS_URI": "https://root:s3cret@milvus.internal:19530"})
    assert "s3cret" not in str(e.value)
    relative = Settings.from_env({"YANBAO_MILVUS_URI": "var/team.db"})
    assert relative.milvus_uri == str(Path("var/team.db").resolve())  # one file, wherever yanbao runs from
    assert Settings.from_env({"YANBAO_MILVUS_URI": "http://milvus.internal:19530"}).milvus_uri == "http://milvus.internal:19530"


@pytest.mark.slow
def test_both_stores_retrieve_the_same_top10_and_give_the_same_answers(both):
    from yanbao.eval.gold import load_gold

    faiss_chain, milvus_chain = both
    items = load_gold(DEV)
    overlaps, same, differ = [], 0, []
    for item in items:  # the top 10 of every dev question
        a = [h.chunk.id for h in faiss_chain.retriever.retrieve(item.question, k=10)]
        b = [h.chunk.id for h in milvus_chain.retriever.retrieve(item.question, k=10)]
        overlaps.append(len(set(a) & set(b)) / max(len(a), 1))
    asked = items[::5]  # whole answers of every fifth (every type and report; the answerer is the same code)
    for item in asked:
        ta, tb = faiss_chain.ask(item.question).text, milvus_chain.ask(item.question).text
        same += ta == tb
        if ta != tb:
            differ.append(item.id)
    mean = float(np.mean(overlaps))
    print(f"{len(items)} dev questions: top-10 overlap mean {mean:.4f}, min {min(overlaps):.2f}; "
          f"identical answers {same}/{len(asked)}; differ: {differ}")
    assert mean >= 0.9 and min(overlaps) >= 0.7
    assert same >= 0.97 * len(asked)


@pytest.mark.slow
def test_filters_run_inside_milvus_and_agree_with_faiss(both_on, milvus_place):
    faiss_chain, milvus_chain = both_on(milvus_place)
    reports = milvus_chain.retriever.reports
    dated = sorted(r.date for r in reports if r.date)  # only 004 has a date: a date filter drops the dateless
    cases = [Filters(files=(REPORT_FILES["001"], REPORT_FILES["003"])), Filters(brokers=("国金",)),
             Filters(date_from=dated[0]), Filters(date_to="2030-12-31", brokers=("民生证券", "东吴"))]
    index = milvus_chain.retriever.index
    vec = milvus_chain.retriever.embedder.embed_query("AI算力芯片的市场规模")
    for f in cases:
        allowed = {r.file for r in reports if allows(f, r)}
        assert 0 < len(allowed) < len(reports), f
        mask = milvus_chain.retriever.allowed_rows(f)
        got = index.dense_search(vec, 20, mask, f)
        want = faiss_chain.retriever.index.dense_search(vec, 20, mask)
        assert {index.chunks[r].file for r, _ in got} <= allowed
        assert len({r for r, _ in got} & {r for r, _ in want}) >= 18, f  # same rows: both indexes list chunks in one order
        hits = milvus_chain.retriever.retrieve("AI算力芯片的市场规模", f, k=10)
        assert hits and {h.chunk.file for h in hits} <= allowed


@pytest.mark.slow
def test_update_and_removal_keep_the_collection_and_the_index_in_step(tmp_path, reports_dir, fake_embedder, fake_settings,
                                                                      milvus_place):
    """Ingest, a changed report, questions with filters, a removal: Milvus and FAISS in step. On the
    hash embedder (the stores are the point here, not the model)."""
    from yanbao.index import milvus
    from yanbao.index.store import open_index, remove
    from yanbao.library import update
    from yanbao.qa.chain import QAChain

    lib = tmp_path / "lib"
    lib.mkdir()
    for k in ("000", "004"):
        shutil.copy(reports_dir / REPORT_FILES[k], lib)
    ms = fake_settings.with_(index_dir=tmp_path / "m", vector_store="milvus", **milvus_place)
    fs = fake_settings.with_(index_dir=tmp_path / "f")
    for s in (ms, fs):
        update(s.index_dir, [lib], s, fake_embedder)
    # a changed report: a new paragraph, a few words changed, and a new date, which changes the
    # metadata of chunks whose text (and so whose id) stayed the same; then a report removed
    path = lib / REPORT_FILES["004"]
    text = path.read_text(encoding="utf-8").replace("2024年12月24日", "2024年12月25日", 1)
    cut = text.index("\n", len(text) // 3)  # in the body, before the closing disclaimers
    path.write_text(text[:cut].replace("豆包", "豆包（字节跳动）", 3) + "\n补充：数据中心液冷渗透率达到37.5%。\n" + text[cut:],
                    encoding="utf-8")
    for s in (ms, fs):
        r = update(s.index_dir, [lib], s, fake_embedder)
        assert r.replaced == [REPORT_FILES["004"]] and r.unchanged == [REPORT_FILES["000"]]
    m = open_index(ms.index_dir)
    assert milvus_ids(m) == {c.id for c in m.chunks}  # old chunks of the replaced report are gone
    assert m.reports()[1].date == "2024-12-25"
    stored = milvus.stored_fields(m.milvus, [c.id for c in m.chunks])
    assert all(stored[c.id] == milvus.fields(c) for c in m.chunks)  # every row as the chunk is now, dates included
    assert {m.chunks[r].file for r, _ in m.dense_search(fake_embedder.embed_query("豆包"), 10, None, Filters(date_from="2024-12-25"))} \
        == {REPORT_FILES["004"]}
    chains = [QAChain.open(s, fake_embedder) for s in (ms, fs)]
    q = "数据中心液冷渗透率达到多少？"
    answers = [c.ask(q) for c in chains]
    assert all("37.5%" in a.text for a in answers), [a.text for a in answers]
    assert answers[0].text == answers[1].text
    by_broker = [c.ask(q, filters=Filters(brokers=("东吴",))) for c in chains]  # 004 is 东吴's report
    assert by_broker[0].text == by_broker[1].text and "37.5%" in by_broker[0].text
    assert {c.chunk.file for c in by_broker[0].citations} == {REPORT_FILES["004"]}
    hits = chains[0].retriever.retrieve(q, Filters(brokers=("国金",)), k=10)  # 000 is 国金's
    assert hits and {h.chunk.file for h in hits} == {REPORT_FILES["000"]}
    for s in (ms, fs):
        assert remove(s.index_dir, [REPORT_FILES["000"]], s).removed == [REPORT_FILES["000"]]
    m = open_index(ms.index_dir)
    assert milvus_ids(m) == {c.id for c in m.chunks} and {c.file for c in m.chunks} == {REPORT_FILES["004"]}
    f = open_index(fs.index_dir)
    assert [c.id for c in m.chunks] == [c.id for c in f.chunks]
    assert np.allclose(m.vectors(), f.vectors(), atol=1e-5)
    from yanbao.index.store import store_for  # a benchmark's throwaway index lets go of its collection

    store_for(ms, ms.index_dir).discard()
    assert not milvus.exists(milvus.target_from_settings(ms, ms.index_dir))
    store_for(fs, fs.index_dir).discard()  # FAISS: nothing outside the directory
    assert open_index(fs.index_dir).chunks


@pytest.mark.slow
def test_a_store_other_than_the_index_is_refused_until_rebuild(tmp_path, reports_dir, fake_embedder, fake_settings):
    from yanbao.errors import IndexMismatchError
    from yanbao.index.store import open_index
    from yanbao.library import update

    fs = fake_settings.with_(index_dir=tmp_path / "idx")
    update(fs.index_dir, [reports_dir / REPORT_FILES["004"]], fs, fake_embedder)
    ms = fs.with_(vector_store="milvus")
    with pytest.raises(IndexMismatchError, match="keeps its vectors in FAISS.*YANBAO_VECTOR_STORE"):
        update(ms.index_dir, [reports_dir / REPORT_FILES["000"]], ms, fake_embedder)
    r = update(ms.index_dir, [reports_dir / REPORT_FILES["004"], reports_dir / REPORT_FILES["000"]], ms, fake_embedder, rebuild=True)
    assert r.embedded_chunks == len([c for c in open_index(ms.index_dir).chunks if c.file == REPORT_FILES["000"]])  # 004 moved over
    assert open_index(ms.index_dir).store == "milvus"
    with pytest.raises(IndexMismatchError, match="keeps its vectors in Milvus collection yanbao_chunks"):
        update(fs.index_dir, [reports_dir / REPORT_FILES["004"]], fs, fake_embedder)
    other = ms.with_(milvus_collection="another")
    with pytest.raises(IndexMismatchError, match="ask for Milvus collection another"):
        update(other.index_dir, [reports_dir / REPORT_FILES["004"]], other, fake_embedder)
    # a rebuild in place keeps the collection (no moment without vectors) and ends with exactly the live rows
    live = open_index(ms.index_dir)
    r = update(ms.index_dir, [reports_dir / REPORT_FILES["004"]], ms, fake_embedder, rebuild=True)
    assert r.embedded_chunks == 0 and [x.file for x in open_index(ms.index_dir).reports()] == [REPORT_FILES["004"]]
    assert milvus_ids(open_index(ms.index_dir)) == {c.id for c in open_index(ms.index_dir).chunks} != {c.id for c in live.chunks}
    # a second index may not write into this index's collection
    second = ms.with_(index_dir=tmp_path / "second", milvus_uri=str(ms.index_dir / "milvus.db"))
    with pytest.raises(IndexMismatchError, match="belongs to another yanbao index.*YANBAO_MILVUS_COLLECTION"):
        update(second.index_dir, [reports_dir / REPORT_FILES["000"]], second, fake_embedder)
    assert not (second.index_dir / "milvus-pending.json").exists()
    assert milvus_ids(open_index(ms.index_dir)) == {c.id for c in open_index(ms.index_dir).chunks}


KILL_AFTER_UPSERT = """
import os, signal, sys
from tests.fake_embed import register
register()
from yanbao.index import milvus
real_upsert = milvus.upsert
def upsert(target, chunks, vectors):  # write the new rows to Milvus, then die before the swap
    real_upsert(target, chunks, vectors)
    os.kill(os.getpid(), signal.SIGKILL)
milvus.upsert = upsert
from yanbao.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_ingest_killed_after_writing_to_milvus_leaves_rows_the_next_ingest_removes(tmp_path, reports_dir, fake_embedder,
                                                                                  fake_settings, model_cache, milvus_place):
    """On Milvus Lite and on a server; on the hash embedder, the killed child too: the journal is
    the point, not the model."""
    from tests.fake_embed import FAKE_MODEL
    from yanbao.index import milvus
    from yanbao.index.store import open_index
    from yanbao.library import update
    from yanbao.qa.chain import QAChain

    settings = fake_settings.with_(index_dir=tmp_path / "idx", vector_store="milvus", **milvus_place)
    update(settings.index_dir, [reports_dir / REPORT_FILES["004"]], settings, fake_embedder)
    question = "豆包通用模型的日均tokens使用量是多少？"
    before = QAChain.open(settings, fake_embedder).ask(question).text
    milvus.close(milvus.target_from_settings(settings, settings.index_dir))  # Lite: one process per file
    env = {**os.environ, "YANBAO_CACHE_DIR": str(model_cache), "YANBAO_NO_PROGRESS": "1", "YANBAO_VECTOR_STORE": "milvus",
           "YANBAO_EMBED_MODEL": FAKE_MODEL, **{"YANBAO_" + k.upper(): v for k, v in milvus_place.items()}}
    proc = subprocess.run([sys.executable, "-c", KILL_AFTER_UPSERT, "ingest", str(reports_dir / REPORT_FILES["000"]),
                           "--index", str(settings.index_dir)], env=env, cwd=ROOT, capture_output=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    assert (settings.index_dir / milvus.JOURNAL).exists()
    index = open_index(settings.index_dir, settings=settings)
    assert [r.file for r in index.reports()] == [REPORT_FILES["004"]]
    orphans = milvus_ids(index) - {c.id for c in index.chunks}
    assert orphans  # the killed ingest's rows are in the collection but not in the live index ...
    assert QAChain.open(settings, fake_embedder).ask(question).text == before  # ... and never reach an answer
    vec, n = fake_embedder.embed_query("AI眼镜销量超预期，自研芯片加速部署"), len(index.chunks)  # about the killed ingest's report
    assert {i for i, _ in milvus.search(index.milvus, vec, n)} & orphans  # orphans rank among the first n ...
    assert sorted(r for r, _ in index.dense_search(vec, n)) == list(range(n))  # ... yet all n live rows come back
    result = update(settings.index_dir, [reports_dir / REPORT_FILES["000"]], settings, fake_embedder)
    assert result.added == [REPORT_FILES["000"]]
    index = open_index(settings.index_dir, settings=settings)
    assert milvus_ids(index) == {c.id for c in index.chunks} and not (settings.index_dir / milvus.JOURNAL).exists()


def test_a_lite_file_held_by_another_process_is_named_with_the_fix(tmp_path):
    from yanbao.errors import YanbaoError
    from yanbao.index import milvus

    target = milvus.MilvusTarget(str(tmp_path / "milvus.db"), "c")
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom pymilvus import MilvusClient\n"
                               f"MilvusClient({str(target.uri)!r}); print('open', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(YanbaoError, match=r"Milvus Lite admits one process per file.*YANBAO_MILVUS_URI"):
            milvus.client(target)
    finally:
        holder.kill()
        holder.wait()
    assert Path(target.uri).exists()


@pytest.mark.slow
def test_a_correction_rewrites_the_reports_rows_in_milvus_with_their_vectors(tmp_path, real_index_dir, reports_dir,
                                                                            embedder, test_settings):
    from yanbao.index import milvus
    from yanbao.index.store import correct, open_index
    from yanbao.library import update

    root = tmp_path / "idx"
    shutil.copytree(real_index_dir, root)
    settings = test_settings.with_(index_dir=root, vector_store="milvus")
    assert update(root, [reports_dir], settings, embedder, rebuild=True).embedded_chunks == 0
    f = REPORT_FILES["004"]
    before = open_index(root, settings=settings)
    vectors = before.vectors_at([r for r, c in enumerate(before.chunks) if c.file == f])
    r = correct(root, f, {"broker": "测试证券", "date": "2025-01-02", "title": "更正后的标题"}, settings)
    assert r.milvus_rows == len(vectors) > 0
    index = open_index(root, settings=settings)
    stored = milvus.stored_fields(index.milvus, [c.id for c in index.chunks])
    assert all(stored[c.id] == milvus.fields(c) for c in index.chunks)  # every row as its chunk is now
    assert {stored[c.id]["broker"] for c in index.chunks if c.file == f} == {"测试证券"}
    rows = [r for r, c in enumerate(index.chunks) if c.file == f]
    assert np.allclose(index.vectors_at(rows), vectors)  # the same vectors, nothing embedded
    vec = embedder.embed_query("豆包通用模型的日均tokens使用量")
    for flt in (Filters(brokers=("测试",)), Filters(date_from="2025-01-01")):
        hits = index.dense_search(vec, 10, None, flt)
        assert hits and {index.chunks[r].file for r, _ in hits} == {f}, flt
    assert not index.dense_search(vec, 10, None, Filters(brokers=("东吴",)))
    assert correct(root, f, {"broker": "测试证券"}, settings).milvus_rows == 0  # nothing left to rewrite
    # a rebuild writes every row again, with the correction laid over what the report says
    assert update(root, [reports_dir], settings, embedder, rebuild=True).embedded_chunks == 0
    index = open_index(root, settings=settings)
    stored = milvus.stored_fields(index.milvus, [c.id for c in index.chunks if c.file == f])
    assert {(s["broker"], s["date"], s["title"]) for s in stored.values()} == {("测试证券", "2025-01-02", "更正后的标题")}


@pytest.mark.slow
def test_a_correction_cut_short_after_milvus_is_finished_by_the_next_ingest(tmp_path, real_index_dir, reports_dir,
                                                                           embedder, test_settings, monkeypatch):
    from yanbao.index import milvus, store
    from yanbao.index.store import correct, current_generation, open_index
    from yanbao.library import update

    root = tmp_path / "idx"
    shutil.copytree(real_index_dir, root)
    settings = test_settings.with_(index_dir=root, vector_store="milvus")
    update(root, [reports_dir], settings, embedder, rebuild=True)
    gen, f = current_generation(root), REPORT_FILES["004"]

    def die(*a, **k):
        raise KeyboardInterrupt  # after the Milvus rows were rewritten, before the new generation

    monkeypatch.setattr(store, "write_metadata_generation", die)
    with pytest.raises(KeyboardInterrupt):
        correct(root, f, {"date": "2025-01-02"}, settings)
    monkeypatch.undo()
    index = open_index(root, settings=settings)
    assert current_generation(root) == gen and index.reports()[4].date == "2024-12-24"  # the live index is whole
    result = update(root, [reports_dir], settings, embedder)
    assert result.embedded_chunks == 0 and len(result.unchanged) == 5
    index = open_index(root, settings=settings)
    assert index.reports()[4].date == "2025-01-02"
    stored = milvus.stored_fields(index.milvus, [c.id for c in index.chunks])
    assert all(stored[c.id] == milvus.fields(c) for c in index.chunks)
