"""The synthetic corpus for scale benchmarks: real sentences of the five reports, varied, fast."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from datetime import date
from itertools import groupby

import numpy as np
import pytest

from yanbao.bench.synth import BROKERS, COMPANIES, SOURCE_BROKERS, SOURCE_COMPANIES, SynthChunk, sentence_pool, synth_chunks, title_company, to_chunk
from yanbao.index.tokenize import tokenize
from yanbao.ingest.pipeline import ingest_files
from yanbao.types import Chunk, chunk_id

CJK = re.compile(r"[\u3400-\u9fff]")
SENTENCE = "英伟达FY25Q3营收441.5亿美元,同比增长69%,2024年12月12日发布1,800台。"


@pytest.fixture(scope="module")
def pool(reports_dir):
    return sentence_pool(reports_dir)


@pytest.fixture(scope="module")
def chunks(pool) -> list[SynthChunk]:
    return list(synth_chunks(pool, 2000, seed=3))


def test_pool_is_the_reports_prose_tokenized_once(pool, reports_dir):
    assert len(pool) > 1000
    sentences = [s for s, _ in pool]
    assert len(set(sentences)) == len(sentences)
    assert all(len(s) >= 8 for s in sentences)
    prose = "\x00".join(c.text for r in ingest_files([reports_dir]).reports for c in r.chunks if not c.boilerplate)
    assert all(s in prose for s in sentences)  # nothing from disclaimers or made up
    assert not [s for s in sentences if "执业证书" in s or "@" in s or "\t" in s]
    for s, tokens in pool[::100]:
        assert tokens == tuple(tokenize(s))


def test_same_seed_same_chunks_and_exactly_n(pool):
    assert list(synth_chunks(pool, 300, seed=7)) == list(synth_chunks(pool, 300, seed=7))
    assert list(synth_chunks(pool, 300, seed=7)) != list(synth_chunks(pool, 300, seed=8))
    for n in (0, 1, 137):
        assert sum(1 for _ in synth_chunks(pool, n)) == n


@pytest.mark.parametrize("chunk_chars", [200, 400, 800])
def test_lengths_near_chunk_chars(pool, chunk_chars):
    lengths = [len(c.text) for c in synth_chunks(pool, 500, chunk_chars=chunk_chars)]
    assert all(chunk_chars / 2 <= n <= chunk_chars * 1.5 for n in lengths)
    assert abs(statistics.mean(lengths) - chunk_chars) < chunk_chars * 0.1


def test_text_is_chinese_report_prose(chunks):
    shares = [len(CJK.findall(c.text)) / len(re.sub(r"\s", "", c.text)) for c in chunks]
    assert min(shares) > 0.3 and statistics.mean(shares) > 0.6
    assert len({c.text for c in chunks}) == len(chunks)


def test_tokens_are_the_texts_words_close_to_jieba(chunks):
    for c in chunks:
        assert c.tokens
        assert sum(t in c.text.lower() for t in c.tokens) >= 0.9 * len(c.tokens)
    overlap = []
    for c in chunks[:100]:
        ours, jieba_tokens = set(c.tokens), set(tokenize(c.text))
        overlap.append(len(ours & jieba_tokens) / len(ours | jieba_tokens))
    assert statistics.mean(overlap) > 0.9


def test_companies_vary_and_the_originals_are_gone(chunks):
    seen = {name for c in chunks[:1000] for name in COMPANIES if name in c.text}
    assert len(seen) >= 100
    originals = [name for name in SOURCE_COMPANIES if name not in COMPANIES and len(name) >= 3]
    text = "".join(c.text for c in chunks)
    assert not [name for name in originals if name in text]
    for c in chunks:  # the reports' own brokers, cited in their text, become the synthetic report's
        assert all(b == c.broker for b in SOURCE_BROKERS if b in c.text)


def test_figures_dates_and_names_are_redrawn_in_one_sentence():
    pool = [(SENTENCE, tuple(tokenize(SENTENCE)))]
    out = list(synth_chunks(pool, 200, seed=1))
    pattern = re.compile(r"^(\w+?)FY25Q3营收(\d+\.\d)亿美元,同比增长(\d+)%,(\d{4})年(\d+)月(\d+)日发布([\d,]+)台。$")
    revenue, growth, units = [], [], []
    for c in out:
        for sentence in re.findall(r"[^。]+。", c.text):
            m = pattern.match(sentence)
            assert m, sentence
            company, rev, pct, year, month, day, n = m.groups()
            assert company == title_company(c.file) and "英伟达" not in c.text
            assert int(year) == 2024 + date.fromisoformat(c.date).year - 2025
            assert 1 <= int(month) <= 12 and 1 <= int(day) <= 28
            assert 441.5 / 2 - 0.1 <= float(rev) <= 441.5 * 2 + 0.1 and 69 / 2 - 1 <= int(pct) <= 69 * 2 + 1
            revenue.append(rev), growth.append(pct), units.append(n)
            assert {rev, f"{pct}%", year, month, day} <= set(c.tokens)
    assert sum(r != "441.5" for r in revenue) > 0.95 * len(revenue) and len(set(revenue)) > len(revenue) / 2
    assert sum(g != "69" for g in growth) > 0.9 * len(growth)
    assert sum(u != "1,800" for u in units) > 0.95 * len(units)
    assert all(re.fullmatch(r"\d{1,3}(,\d{3})*", u) for u in units)


def test_reports_of_about_40_chunks_share_broker_and_date(chunks):
    files = [(f, list(g)) for f, g in groupby(chunks, key=lambda c: c.file)]
    assert len({f for f, _ in files}) == len(files)  # a report's chunks come together
    assert [f for f, _ in files] == [f"synth_{i:06d}.txt" for i in range(len(files))]
    sizes = [len(g) for _, g in files[:-1]]
    assert all(20 <= n <= 60 for n in sizes) and 30 <= statistics.mean(sizes) <= 50
    for _, g in files:
        assert len({(c.broker, c.date) for c in g}) == 1
    assert {c.broker for c in chunks} <= set(BROKERS) and len({c.broker for c in chunks}) >= 15
    days = [date.fromisoformat(c.date) for c in chunks]
    assert all(date(2020, 1, 1) <= d <= date(2026, 10, 31) for d in days)
    assert len({d.year for d in days}) >= 5


def test_to_chunk_gives_retrievable_chunks(chunks):
    out = [to_chunk(s, i) for i, s in enumerate(chunks)]
    assert all(isinstance(c, Chunk) for c in out)
    assert len({c.id for c in out}) == len(out)
    for i, (s, c) in enumerate(zip(chunks, out)):
        assert c.id == chunk_id(s.file, s.text, i) and c.text == s.text and c.end - c.start == len(c.text)
        assert (c.meta.file, c.meta.broker, c.meta.date) == (s.file, s.broker, s.date)
        assert c.meta.title == f"{title_company(s.file)}深度报告"
    assert [c.start for c in out] == sorted(c.start for c in out)
    assert Counter(c.meta.title for c in out).most_common(1)[0][1] < len(out) / 5


def test_no_usable_sentence_says_so():
    with pytest.raises(ValueError, match="no sentence of at most 10 characters"):
        list(synth_chunks([(SENTENCE, tuple(tokenize(SENTENCE)))], 1, chunk_chars=20))


def test_scale_bench_runs_the_full_path_exact_and_hnsw(reports_dir, embedder, test_settings, monkeypatch, tmp_path):
    """Small sizes through the scale benchmark: the real index (chunk store, FAISS, bm25s) and the
    real retriever in a subprocess, exact below HNSW_FROM and HNSW above it."""
    from yanbao.bench import scale
    from yanbao.index import vectors

    monkeypatch.setattr(vectors, "HNSW_FROM", 1500)
    questions = ["博通FY24Q3实现营业收入多少？", "豆包通用模型的日均tokens使用量是多少？", "AI眼镜出货量预计多少？"]
    rows = scale.bench_scale(reports_dir, [800, 2000], test_settings, embedder, questions, subset=40, workdir=tmp_path)
    flat, hnsw = rows
    assert flat["chunks"] == 800 and flat["dense_type"] == "IndexFlatIP" and flat["dense_recall_at_10"] == 1.0
    assert hnsw["chunks"] == 2000 and hnsw["dense_type"] == "IndexHNSWFlat" and hnsw["dense_recall_at_10"] >= 0.9
    for row in rows:
        assert 0 < row["hybrid_ms_p50"] <= row["retrieve_ms_p50"] and row["rss_mb"] > 0 and row["load_s"] >= 0  # segments load lazily
        assert 0 < row["chunks_mb"] + row["dense_mb"] + row["bm25_mb"] <= row["disk_mb"] + 2  # MB, rounded
    assert not list(tmp_path.iterdir())  # the temporary indexes are gone


def test_synth_vectors_are_unit_length_noisy_copies_of_the_embedded_ones():
    from yanbao.bench.base import synth_vectors

    rng = np.random.default_rng(1)
    base = rng.standard_normal((20, 384)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    v = synth_vectors(base, 500)
    assert v.shape == (500, 384) and np.allclose(v[:20], base)
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    nearest = (v[20:] @ base.T).max(axis=1)
    assert 0.8 < nearest.mean() < 0.95  # cos about 0.89 to the chunk each was copied from


def test_a_base_is_written_from_its_stream_without_holding_it(pool, tmp_path):
    """bench/base.py draws the stream once per pass (reports, chunk lines, tokens): the index holds
    exactly those chunks, reports, tokens and vectors."""
    from yanbao.bench.base import SynthSource, report_rows, write_base
    from yanbao.index.store import BuildConfig, open_index
    from yanbao.index.tokenize import tokenizer_id
    from yanbao.settings import Settings

    embedded = np.random.default_rng(2).standard_normal((30, 16)).astype(np.float32)
    embedded /= np.linalg.norm(embedded, axis=1, keepdims=True)
    source = SynthSource(pool, embedded, embedded[:3], BuildConfig("hash-16", "query: ", "passage: ", tokenizer_id(), 400, 80), seed=5)
    n = 300
    write_base(tmp_path, Settings(index_dir=tmp_path), source, n, source.vectors(n))
    index = open_index(tmp_path)
    want = list(source.chunks(n))
    assert list(index.chunks) == want
    assert index.entries == report_rows(want)
    tokens = list(source.tokens(n))
    for term in ("增长", tokens[0][0], tokens[-1][-1]):
        assert index.df(term) == sum(term in t for t in tokens) > 0
    assert np.allclose(index.vectors(), source.vectors(n))
