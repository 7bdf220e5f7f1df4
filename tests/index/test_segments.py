"""Segments: an ingest adds one, a removal tombstones rows, compaction merges; answers never depend
on how the corpus is split. Real jieba, real BM25 postings, real FAISS; the vectors come from a
small deterministic embedder (hashed tokens), as the model is not the point here."""

from __future__ import annotations

import hashlib
import json
import threading

import numpy as np
import pytest

from yanbao.errors import IndexMismatchError
from yanbao.index import store
from yanbao.index.store import BuildConfig, Writer, compact, open_index, remove
from yanbao.index.tokenize import expand_query, tokenizer_id
from yanbao.index.tokenize import tokenize as jieba_tokenize

DIM = 64
CONFIG = BuildConfig("hash-64", "query: ", "passage: ", tokenizer_id(), 400, 80)
QUESTIONS = ["豆包通用模型的日均tokens使用量是多少？", "英伟达数据中心收入同比增长多少", "公司2025年营收预测",
             "AI眼镜出货量", "PCB行业景气度", "光模块800G需求", "寒武纪毛利率", "算力租赁价格", "HBM产能", "维持买入评级"]


_TOKENS: dict[str, tuple[str, ...]] = {}


def tokenize(text: str) -> list[str]:
    """The real tokenizer (jieba), remembered per text: this module writes the same ~1,000 synthetic
    chunks into many indexes, and jieba was most of its time. A fresh list each call, as jieba's."""
    if text not in _TOKENS:
        _TOKENS[text] = tuple(jieba_tokenize(text))
    return list(_TOKENS[text])


@pytest.fixture(scope="module", autouse=True)
def remembered_tokens():
    """The writer (store.write_segment) tokenizes through the same memo while this module runs."""
    saved = store.tokenize
    store.tokenize = tokenize
    yield
    store.tokenize = saved


class HashEmbedder:
    """Unit vectors of hashed jieba tokens: similar texts get similar vectors, no model needed."""

    model_id, query_prefix, passage_prefix = CONFIG.embed_model, CONFIG.query_prefix, CONFIG.passage_prefix

    def __init__(self):
        self.embedded = 0

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(DIM, dtype=np.float32)
        for t in tokenize(text):
            h = int.from_bytes(hashlib.blake2b(t.encode("utf-8"), digest_size=4).digest(), "little")
            v[h % DIM] += 1.0 if h & 1 << 20 else -1.0
        return v / (np.linalg.norm(v) or 1.0)

    def embed_passages(self, texts):
        self.embedded += len(texts)
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, DIM), np.float32)

    def embed_query(self, text):
        return self._vec(text)


@pytest.fixture(scope="module")
def reports(reports_dir):
    """About 25 synthetic reports (1,000 chunks) as (manifest entry, chunks)."""
    from yanbao.bench.synth import sentence_pool, synth_chunks, to_chunk

    by_file: dict[str, list] = {}
    for i, s in enumerate(synth_chunks(sentence_pool(reports_dir), 1000, seed=3)):
        by_file.setdefault(s.file, []).append(to_chunk(s, i))
    return [({"file": f, "sha256": hashlib.sha256(f.encode()).hexdigest(), "chunks": len(cs), "meta": cs[0].meta.to_json()}, cs)
            for f, cs in by_file.items()]


def segmented(root, groups, embedder=None):
    """An index written by one Writer commit per group of reports: one segment each."""
    embedder = embedder or HashEmbedder()
    for group in groups:
        with Writer(root, None, CONFIG) as w:
            for entry, chunks in group:
                w.add(entry, chunks)
            w.commit(embedder)
    return open_index(root)


def single(root, reports):
    """The same reports written as one segment (a fresh build)."""
    chunks = [c for _, cs in reports for c in cs]
    store.build(root, CONFIG, [e for e, _ in reports], chunks, HashEmbedder().embed_passages([c.index_text for c in chunks]))
    return open_index(root)


def bm25_top(index, q, k=10):
    return [(index.chunks[r].id, round(s, 4)) for r, s in index.bm25_search(expand_query(tokenize(q)), k)]


def dense_top(index, q, k=10):
    return [(index.chunks[r].id, round(s, 4)) for r, s in index.dense_search(HashEmbedder().embed_query(q), k)]


def answers(index):
    return {q: (_settled(bm25_top(index, q)), _settled(dense_top(index, q))) for q in QUESTIONS}


def _settled(top):
    """A top list as it must stay across segment layouts: every score, and the ids above the last score (which
    of two chunks tied at the cut fills the last places depends on row order, not on the index's content)."""
    last = top[-1][1] if top else None
    return [s for _, s in top], sorted((i, s) for i, s in top if s != last)


def test_bm25_over_segments_scores_as_one_segment(tmp_path, reports):
    whole = single(tmp_path / "one", reports)
    split = segmented(tmp_path / "four", [reports[i::4] for i in range(4)])
    assert len(split.segments) == 4 and len(whole.segments) == 1
    assert sorted(c.id for c in split.chunks) == sorted(c.id for c in whole.chunks)
    assert any(bm25_top(whole, q) for q in QUESTIONS)
    for q in QUESTIONS:  # same ids, same scores: N, df and avgdl are the whole corpus' in both
        assert sorted(bm25_top(split, q, 10)) == sorted(bm25_top(whole, q, 10)), q
        assert {i for i, _ in dense_top(split, q)} == {i for i, _ in dense_top(whole, q)}
    assert split.df("增长") == whole.df("增长") > 0


def test_a_segment_written_from_generators_is_the_one_written_from_lists(tmp_path, reports):
    """A million-chunk base is written from generators read once (bench/base.py): the same files."""
    chunks = [c for _, cs in reports for c in cs]
    vectors = HashEmbedder().embed_passages([c.index_text for c in chunks])
    entries = [e for e, _ in reports]
    store.build(tmp_path / "lists", CONFIG, entries, chunks, vectors)
    store.build(tmp_path / "gen", CONFIG, entries, iter(chunks), vectors)  # tokenized from the written chunk store
    store.build(tmp_path / "gen-tokens", CONFIG, entries, (c for c in chunks), vectors, (tokenize(c.index_text) for c in chunks))
    want = open_index(tmp_path / "lists")
    for name in ("gen", "gen-tokens"):
        got = open_index(tmp_path / name)
        assert got.segments[0].rows == len(got.chunks) == len(chunks) and list(got.chunks) == chunks
        files = sorted(p.relative_to(want.segments[0].dir) for p in want.segments[0].dir.rglob("*") if p.is_file())
        for f in files:
            if f.name != "segment.json":  # it records when it was written
                assert (got.segments[0].dir / f).read_bytes() == (want.segments[0].dir / f).read_bytes(), f
        assert answers(got) == answers(want)


def test_add_then_remove_answers_as_a_fresh_build(tmp_path, reports):
    keep, extra = reports[:-3], reports[-3:]
    fresh = single(tmp_path / "fresh", keep)
    root = tmp_path / "grown"
    segmented(root, [keep[:10], keep[10:], extra])
    done = remove(root, [e["file"] for e, _ in extra[:2]])
    assert len(done.removed) == 2
    remove(root, [extra[2][0]["file"]])  # its whole segment is tombstoned: the manifest drops it
    grown = open_index(root)
    assert [r.file for r in grown.reports()] == [r.file for r in fresh.reports()]
    assert len(grown.chunks) == len(fresh.chunks) and grown.chunks.ids == fresh.chunks.ids
    assert len(grown.segments) == 2
    for q in QUESTIONS:
        assert sorted(bm25_top(grown, q)) == sorted(bm25_top(fresh, q)), q
        assert sorted(dense_top(grown, q)) == sorted(dense_top(fresh, q)), q


def test_a_removed_report_never_comes_back(tmp_path, reports):
    from yanbao.types import Filters
    from yanbao.qa.retrieve import Retriever

    root = tmp_path / "idx"
    segmented(root, [reports[:12], reports[12:]])
    victim_entry, victim = reports[3]
    remove(root, [victim_entry["file"]])
    index = open_index(root)
    assert victim_entry["file"] not in index.chunk_counts()
    assert all(c.file != victim_entry["file"] for c in index.chunks)
    assert all(c.id not in index.row_of for c in victim)
    for c in victim[:5]:  # its own words, its own vector: still nothing of it
        assert all(index.chunks[r].file != victim_entry["file"] for r, _ in index.bm25_search(tokenize(c.text), 50))
        assert all(index.chunks[r].file != victim_entry["file"] for r, _ in index.dense_search(HashEmbedder().embed_query(c.text), 50))
    retriever = Retriever(index, HashEmbedder())
    other = reports[4][0]["meta"]["broker"]
    for c in victim[:3]:
        assert all(h.chunk.file != victim_entry["file"] for h in retriever.retrieve(c.text, k=20))
        assert all(h.chunk.file != victim_entry["file"] for h in retriever.retrieve(c.text, Filters(brokers=(other,)), k=20))


def test_replacing_a_report_embeds_only_its_changed_chunks(tmp_path, reports):
    from dataclasses import replace

    root = tmp_path / "idx"
    segmented(root, [reports[:5]])
    entry, chunks = reports[2]
    changed = [*chunks[:-1], replace(chunks[-1], id="changed-" + chunks[-1].id, text=chunks[-1].text + "新增一句。")]
    emb = HashEmbedder()
    with Writer(root, None, CONFIG) as w:
        w.add({**entry, "sha256": "new"}, changed)
        w.commit(emb)
    assert emb.embedded == 1
    index = open_index(root)
    assert len(index.chunks) == sum(len(cs) for _, cs in reports[:5])
    assert [c.id for c in index.chunks.of_report(entry["file"])] == [c.id for c in changed]


def test_compaction_keeps_answers_and_drops_tombstones(tmp_path, reports):
    root = tmp_path / "idx"
    segmented(root, [reports[i::5] for i in range(5)])
    remove(root, [reports[0][0]["file"], reports[7][0]["file"]])
    before = open_index(root)
    want = answers(before)
    small = compact(root, full=False)
    assert small.segments == 2
    assert answers(open_index(root)) == want
    result = compact(root)
    assert result.segments == 1 and result.total_chunks == len(before.chunks)
    after = open_index(root)
    assert not after.manifest["segments"][0]["deleted"] and after.segments[0].rows == len(before.chunks)
    assert answers(after) == want
    assert answers(before) == want  # a reader of the old manifest goes on answering from its segments
    live = {s["name"] for s in after.manifest["segments"]}
    prev = json.loads((root / small.generation / store.MANIFEST).read_text(encoding="utf-8"))
    assert {p.name for p in root.glob("seg-*")} == live | {s["name"] for s in prev["segments"]}  # older ones collected


def test_many_small_ingests_merge_themselves(tmp_path, reports, monkeypatch):
    monkeypatch.setattr(store, "MAX_SEGMENTS", 3)
    root = tmp_path / "idx"
    index = segmented(root, [[r] for r in reports[:6]])
    assert len(index.segments) <= 3
    # reports are in segment order: a merge of the segments around the largest puts theirs together
    assert sorted(r.file for r in index.reports()) == [e["file"] for e, _ in reports[:6]]
    assert [r.file for r in index.reports()] == index.chunks.files == list(dict.fromkeys(c.file for c in index.chunks))


def test_readers_during_adds_and_compaction_never_fail(tmp_path, reports):
    root = tmp_path / "idx"
    segmented(root, [reports[:5]])
    errors, seen = [], set()

    def write():
        try:
            for i in range(5, 13, 2):
                segmented(root, [reports[i:i + 2]])
            compact(root)
            remove(root, [reports[0][0]["file"]])
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    writer = threading.Thread(target=write)
    writer.start()
    while writer.is_alive():
        try:
            index = open_index(root)
            for q in QUESTIONS[:3]:
                assert bm25_top(index, q) and dense_top(index, q)
            seen.add(len(index.chunks))
        except Exception as e:  # noqa: BLE001 - any error at all fails the test
            errors.append(repr(e))
    writer.join()
    assert not errors
    assert len(seen) >= 2


def test_an_index_written_before_segments_is_refused_with_the_fix(tmp_path):
    root = tmp_path / "old"
    gen = root / "gen-1"
    gen.mkdir(parents=True)
    (gen / store.MANIFEST).write_text(json.dumps({"schema_version": 1, "reports": []}), encoding="utf-8")
    (root / store.CURRENT).write_text("gen-1\n", encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="before segments.*--rebuild"):
        open_index(root)


def test_bm25_scores_are_bm25s_scores(tmp_path, reports):
    """The postings score as bm25s did before segments (its default "lucene" BM25, k1 1.5, b 0.75),
    so retrieval quality does not move with the change of engine."""
    import bm25s

    index = single(tmp_path / "one", reports)
    tokens = [tokenize(c.index_text) for _, cs in reports for c in cs]
    ref = bm25s.BM25()
    ref.index([t or [""] for t in tokens], show_progress=False)
    for q in QUESTIONS:
        qt = expand_query(tokenize(q))
        want = np.asarray(ref.get_scores([ref.vocab_dict[t] for t in qt if t in ref.vocab_dict]), dtype=np.float32)
        assert np.allclose(index.bm25_scores(qt), want, rtol=1e-4, atol=1e-5), q


def test_a_removal_writes_only_a_tombstone(tmp_path, reports):
    """A removal writes no segment and no per-report listing: a new manifest naming the removed
    file in its segment's "deleted" list. The manifest never lists the reports themselves."""
    root = tmp_path / "idx"
    before = segmented(root, [reports[:20], reports[20:22]])
    victim = reports[3][0]["file"]
    segs = {p.name for p in root.glob("seg-*")}
    remove(root, [victim])
    after = open_index(root)
    assert {p.name for p in root.glob("seg-*")} == segs  # no segment written, none collected
    assert [s["deleted"] for s in after.manifest["segments"]] == [[victim], []]
    assert after.manifest[store.CHANGED] == {} and "reports" not in after.manifest
    assert len((after.dir / store.MANIFEST).read_bytes()) < 2000  # segments and tombstones only, whatever the reports
    assert after.chunks.files == [f for f in before.chunks.files if f != victim]
    assert after.manifest["counts"] == {"reports": len(before.chunks.files) - 1, "chunks": len(before.chunks) - reports[3][0]["chunks"]}


def test_a_writer_parses_no_old_report_metadata(tmp_path, reports):
    """Adding and removing reports reads the old segments' file lists (segment.json) only: their
    reports.json, with every report's metadata, is never parsed by the writer."""
    root = tmp_path / "idx"
    segmented(root, [reports[:20]])
    with Writer(root, None, CONFIG) as w:
        w.add(*reports[20])
        w.remove(reports[1][0]["file"])
        w.commit(HashEmbedder())
        base = w.old.segments[0]
        assert "entries" not in base.__dict__ and "metas" not in base.__dict__  # cached_property never computed
    index = open_index(root)
    assert [r.file for r in index.reports()] == [e["file"] for e, _ in reports[:21] if e["file"] != reports[1][0]["file"]]
    assert index.entry(reports[20][0]["file"]) == reports[20][0]


def test_an_index_of_schema_2_opens_and_grows(tmp_path, reports):
    """An index written before reports moved into their segments (every entry in the manifest,
    segment.json with metadata and no reports.json) still opens, answers alike and takes changes;
    a compaction rewrites it in the current form."""
    root = tmp_path / "idx"
    index = segmented(root, [reports[:6], reports[6:9]])
    want = answers(index)
    manifest = json.loads((index.dir / store.MANIFEST).read_text(encoding="utf-8"))
    entries = index.entries
    for seg in index.segments:  # the segments as schema 2 wrote them
        info = json.loads((seg.dir / store.SEGMENT).read_text(encoding="utf-8"))
        mine = [e for e in entries if e["file"] in info["files"]]
        info = {"rows": info["rows"], "files": info["files"], "metas": [e["meta"] for e in mine], "dense": info["dense"]}
        (seg.dir / store.SEGMENT).write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
        (seg.dir / store.REPORTS).unlink()
        store._segments.pop(str(seg.dir.resolve()), None)
    del manifest[store.CHANGED]
    manifest.update(schema_version=2, reports=[{**e, "segment": index.segments[index.segment_of(e["file"])].name} for e in entries])
    (index.dir / store.MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    del index, seg
    old = open_index(root)
    assert old.entries == entries and answers(old) == want
    remove(root, [reports[2][0]["file"]])
    segmented(root, [reports[9:10]])
    grown = open_index(root)
    assert [r.file for r in grown.reports()] == [e["file"] for e, _ in reports[:10] if e["file"] != reports[2][0]["file"]]
    assert grown.entry(reports[4][0]["file"]) == reports[4][0]
    compact(root)
    merged = open_index(root)
    assert merged.manifest[store.CHANGED] == {} and merged.entries == grown.entries


def test_an_addition_to_a_live_index_leaves_questions_a_core(tmp_path, reports_dir, fake_embedder, fake_settings, monkeypatch):
    """A new index is embedded on every core; an addition to one that exists (the web UI may be
    answering from it) on every core but one, unless YANBAO_INGEST_THREADS says otherwise."""
    import os
    import shutil

    from tests.conftest import REPORT_FILES
    from yanbao import library

    cores = len(os.sched_getaffinity(0))
    assert library._sharing_cores(fake_embedder).threads == max(1, cores - 1)
    assert library._sharing_cores(fake_embedder.with_threads(3)).threads == 3  # the setting decides
    seen = []
    real = library._sharing_cores
    monkeypatch.setattr(library, "_sharing_cores", lambda e: seen.append(e) or real(e))
    lib = tmp_path / "lib"
    lib.mkdir()
    shutil.copy(reports_dir / REPORT_FILES["004"], lib)
    settings = fake_settings.with_(index_dir=tmp_path / "idx")
    library.update(settings.index_dir, [lib], settings, fake_embedder)
    assert seen == []  # built anew: every core
    shutil.copy(reports_dir / REPORT_FILES["000"], lib)
    result = library.update(settings.index_dir, [lib], settings, fake_embedder)
    assert result.added == [REPORT_FILES["000"]] and len(seen) == 1
