"""The persisted index: real model, real FAISS, real jieba BM25; consistency after every change."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from tests.conftest import REPORT_FILES, ROOT, run_cli
from yanbao.errors import IndexMismatchError, IndexNotFoundError
from yanbao.index.store import BuildConfig, current_generation, open_index, remove
from yanbao.library import update
from yanbao.index.tokenize import expand_query, tokenize

SAMPLES = ROOT / "examples" / "reports"


def test_default_model_ranks_the_answer_first(embedder):
    q = embedder.embed_query("豆包大模型每天的 token 调用量有多少？")
    passages = [
        "豆包模型日均 token 使用量超 4 万亿。",  # the answer
        "海外制裁加剧：AI 算力训练卡等产品依旧依赖海外产品。",
        "博通将于 12 月 12 日周四盘后发布其 FY24Q4 财报。",
        "DeepSeek是一家中国人工智能公司，成立于2023年7月17日，总部位于浙江杭州。",
    ]
    scores = embedder.embed_passages(passages, show_progress=False) @ q
    assert int(np.argmax(scores)) == 0
    assert embedder.dim == 384
    assert np.allclose(np.linalg.norm(embedder.embed_passages(passages[:1], show_progress=False), axis=1), 1, atol=1e-4)


def test_prefixes_applied_by_embedder(embedder):
    assert (embedder.query_prefix, embedder.passage_prefix) == ("query: ", "passage: ")


def test_tokenizer_uses_finance_dictionary_and_stopwords():
    tokens = tokenize("国内算力资本开支有望迎来加速增长，昇腾和豆包的需求是多少？")
    assert {"算力", "资本开支", "昇腾", "豆包"} <= set(tokens)
    assert "的" not in tokens and "多少" not in tokens and "，" not in tokens


def test_synonyms_expand_queries_only():
    assert "笔记本电脑" in expand_query(tokenize("笔电出货量"))
    assert "资本开支" in expand_query(tokenize("capex 指引"))
    assert "nvidia" in expand_query(tokenize("英伟达"))
    assert "笔记本电脑" not in tokenize("笔电出货量")


def _consistent(root):
    index = open_index(root)
    n = len(index.chunks)
    assert all(seg.dense.ntotal == seg.rows for seg in index.segments)  # FAISS row i = chunk row i in each segment
    assert all(len(seg.postings.doclen) == seg.rows for seg in index.segments)  # and BM25 document i
    assert index.lexical.n == n
    assert len({c.id for c in index.chunks}) == n
    assert index.manifest["counts"]["chunks"] == n
    assert sum(index.chunk_counts().values()) == n
    assert {c.file for c in index.chunks} == set(index.chunk_counts())
    return index


def test_real_index_reopens_and_retrieves(real_index_dir, embedder):
    index = _consistent(real_index_dir)
    assert len(index.reports()) == 5
    manifest = index.manifest
    assert manifest["config"]["embed_model"] == embedder.model_id and manifest["dim"] == 384
    assert {r["file"] for r in index.entries} == set(REPORT_FILES.values())
    # BM25: a literal question
    hits = index.bm25_search(expand_query(tokenize("豆包模型日均 token 使用量")), 5)
    assert any("4 万亿" in index.chunks[r].text for r, _ in hits[:3])
    # dense: a paraphrase without the report's words
    hits = index.dense_search(embedder.embed_query("DeepSeek 这家公司是什么时候成立的？"), 5)
    assert any("成立于2023年7月17日" in index.chunks[r].text for r, _ in hits)
    # FAISS row i is chunk i: the stored vector of a chunk is its own embedding
    i = 7
    again = embedder.embed_passages([index.chunks[i].index_text], show_progress=False)[0]
    assert float(index.vectors()[i] @ again) > 0.999


def test_unchanged_reingest_embeds_nothing(real_index_dir, reports_dir, embedder, test_settings):
    before = current_generation(real_index_dir)
    result = update(real_index_dir, [reports_dir], test_settings, embedder)
    assert sorted(result.unchanged) == sorted(REPORT_FILES.values())
    assert result.embedded_chunks == 0 and not result.added and not result.replaced
    assert current_generation(real_index_dir) == before  # nothing rewritten


@pytest.fixture
def small_corpus(tmp_path, reports_dir):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(reports_dir / REPORT_FILES["004"], src / REPORT_FILES["004"])
    for p in SAMPLES.glob("*"):
        shutil.copy(p, src / p.name)
    return src


def test_add_change_remove_keep_indexes_in_step(tmp_path, small_corpus, fake_embedder, fake_settings):
    root = tmp_path / "index"
    first = update(root, [small_corpus], fake_settings, fake_embedder)
    assert len(first.added) == len(list(small_corpus.iterdir()))
    index = _consistent(root)
    n_before = len(index.chunks)

    # change one report: only its new chunks are embedded
    target = small_corpus / REPORT_FILES["004"]
    target.write_text(target.read_text(encoding="utf-8") + "\n补充说明：本周新增示例段落，寒武纪订单超预期。\n", encoding="utf-8")
    changed = update(root, [small_corpus], fake_settings, fake_embedder)
    assert changed.replaced == [REPORT_FILES["004"]]
    assert 0 < changed.embedded_chunks <= 3
    index = _consistent(root)
    assert any("寒武纪订单超预期" in c.text for c in index.chunks)
    assert len(index.chunks) >= n_before

    # remove it: it never comes back, through either retriever
    gone = remove(root, [REPORT_FILES["004"]])
    assert gone.removed == [REPORT_FILES["004"]]
    index = _consistent(root)
    assert REPORT_FILES["004"] not in index.chunk_counts()
    for r, _ in index.bm25_search(tokenize("豆包模型日均 token 使用量 寒武纪订单超预期"), 50):
        assert index.chunks[r].file != REPORT_FILES["004"]
    for r, _ in index.dense_search(fake_embedder.embed_query("豆包模型日均 token 使用量超 4 万亿"), 50):
        assert index.chunks[r].file != REPORT_FILES["004"]

    # duplicate content under another name is refused
    shutil.copy(small_corpus / next(p.name for p in SAMPLES.glob("*.txt")), tmp_path / "renamed_copy.txt")
    dup = update(root, [tmp_path / "renamed_copy.txt"], fake_settings, fake_embedder)
    assert dup.skipped and "duplicate" in dup.skipped[0][1]


def test_failure_mid_build_leaves_old_index(tmp_path, small_corpus, fake_embedder, fake_settings, monkeypatch):
    from yanbao.index import lexical

    root = tmp_path / "index"
    update(root, [small_corpus], fake_settings, fake_embedder)
    gen = current_generation(root)
    snapshot = {p.name: p.read_bytes() for p in gen.rglob("*") if p.is_file()}

    def boom(*a, **k):
        raise RuntimeError("disk full (injected)")

    monkeypatch.setattr(lexical, "write", boom)
    extra = tmp_path / "new_report.txt"
    extra.write_text("示例证券研究所\n新报告：光模块出货量预计增长 50%。\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="injected"):
        update(root, [extra], fake_settings, fake_embedder)
    monkeypatch.undo()
    assert current_generation(root) == gen
    assert {p.name: p.read_bytes() for p in gen.rglob("*") if p.is_file()} == snapshot
    assert not list(root.glob(".tmp-*"))
    index = _consistent(root)
    assert "new_report.txt" not in index.chunk_counts()
    # a re-run completes the work
    done = update(root, [extra], fake_settings, fake_embedder)
    assert done.added == ["new_report.txt"]


def test_mismatched_settings_say_how_to_rebuild(real_index_dir, embedder, test_settings):
    index = open_index(real_index_dir)
    other = BuildConfig(**{**index.manifest["config"], "chunk_chars": 300})
    with pytest.raises(IndexMismatchError, match=r"chunk_chars.*--rebuild"):
        open_index(real_index_dir, other)
    other = BuildConfig(**{**index.manifest["config"], "embed_model": "BAAI/bge-small-zh-v1.5"})
    with pytest.raises(IndexMismatchError, match=r"embedding model.*bge-small-zh.*--rebuild"):
        open_index(real_index_dir, other)


def test_missing_index_says_how_to_create(tmp_path):
    with pytest.raises(IndexNotFoundError, match="yanbao ingest"):
        open_index(tmp_path / "nothing")


@pytest.mark.slow
def test_cli_ingest_list_remove(tmp_path, model_cache):
    """The commands' mechanics, on the hash embedder (a child process that registers it)."""
    env = {"YANBAO_CACHE_DIR": str(model_cache), "YANBAO_INDEX_DIR": str(tmp_path / "idx")}
    out = run_cli("ingest", str(SAMPLES), "--json", env=env, fake_model=True)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert len(data["added"]) == 3 and data["embedded_chunks"] == data["total_chunks"] > 0
    out = run_cli("list", "--json", env=env, fake_model=True)
    listing = json.loads(out.stdout)
    files = [r["file"] for r in listing["reports"]]
    assert len(files) == 3 and all(r["chunks"] > 0 for r in listing["reports"])
    out = run_cli("remove", files[0], "--json", env=env, fake_model=True)
    assert json.loads(out.stdout)["removed"] == [files[0]]
    out = run_cli("list", "--json", env=env, fake_model=True)
    assert files[0] not in [r["file"] for r in json.loads(out.stdout)["reports"]]
    # a changed chunking is refused with the rebuild hint, and --rebuild does it
    out = run_cli("ingest", str(SAMPLES), "--chunk-chars", "300", env=env, fake_model=True)
    assert out.returncode == 1 and "--rebuild" in out.stderr and "Traceback" not in out.stderr
    out = run_cli("ingest", str(SAMPLES), "--chunk-chars", "300", "--rebuild", "--json", env=env, fake_model=True)
    assert out.returncode == 0 and len(json.loads(out.stdout)["added"]) == 3


def test_damaged_current_is_an_error_not_an_empty_index(tmp_path, small_corpus, fake_embedder, fake_settings):
    root = tmp_path / "index"
    update(root, [small_corpus], fake_settings, fake_embedder)
    gen = current_generation(root)
    (root / "CURRENT").write_text("gen-does-not-exist\n", encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="damaged.*--rebuild"):
        open_index(root)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        update(root, [small_corpus], fake_settings, fake_embedder)
    assert gen.is_dir()  # nothing was wiped
    rebuilt = update(root, [small_corpus], fake_settings, fake_embedder, rebuild=True)
    assert len(rebuilt.added) == len(list(small_corpus.iterdir()))
    _consistent(root)


def test_same_file_name_twice_in_one_batch(tmp_path, fake_embedder, fake_settings):
    for sub, text in (("a", "甲证券研究所\n豆包日均使用量超4万亿。"), ("b", "乙证券研究所\n光模块出货量增长50%。")):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "周报.txt").write_text(text, encoding="utf-8")
    result = update(tmp_path / "index", [tmp_path / "a", tmp_path / "b"], fake_settings, fake_embedder)
    assert result.added == ["周报.txt"]
    assert len(result.skipped) == 1 and "same file name" in result.skipped[0][1]


def test_large_corpora_get_hnsw_with_good_recall_and_filtered_search(monkeypatch):
    import faiss

    from yanbao.index import vectors
    from yanbao.index.vectors import FaissVectors, build_dense

    rng = np.random.default_rng(0)
    v = rng.standard_normal((3000, 64)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    small, entry_small = build_dense(v, hnsw_from=10_000)
    big, entry = build_dense(v, hnsw_from=1000)
    assert entry_small["type"] == "IndexFlatIP" and entry["type"] == "IndexHNSWFlat" and entry["efSearch"] > 10
    assert isinstance(big, faiss.IndexHNSWFlat)
    exact, approx = (FaissVectors([(lambda d=d: d, None, 0, None)], 3000, 64) for d in (small, big))
    queries = v[:50] + 0.3 * rng.standard_normal((50, 64)).astype(np.float32)
    recall = np.mean([len({r for r, _ in exact.search(q, 10)} & {r for r, _ in approx.search(q, 10)}) / 10
                      for q in queries])
    assert recall >= 0.95
    mask = np.zeros(3000, dtype=bool)
    mask[1::5] = True  # a filter: only every fifth row
    for index in (exact, approx):
        hits = index.search(queries[0], 10, mask)
        assert len(hits) == 10 and all(r % 5 == 1 for r, _ in hits)
    monkeypatch.setattr(vectors, "HNSW_FROM", 100)  # a filter wider than exact search covers: HNSW with a selector
    hits = approx.search(queries[0], 10, mask)
    assert len(hits) == 10 and all(r % 5 == 1 for r, _ in hits)
    assert len({r for r, _ in hits} & {r for r, _ in exact.search(queries[0], 10, mask)}) >= 8
    assert np.allclose(approx.vectors(range(5)), v[:5])  # vectors can still be reused on update
