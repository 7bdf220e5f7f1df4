"""The BM25 postings writer: written block by block from any iterable, the files are exactly
those of one pass over all rows at once (a plain reference computed here), whatever the block size."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from yanbao.index import lexical
from yanbao.index.tokenize import tokenize

TEXTS = ["英伟达数据中心收入同比增长", "公司2025年营收预测上调，维持买入评级", "", "光模块800G需求旺盛，光模块价格稳定",
         "HBM产能紧张，HBM价格上涨", "寒武纪毛利率提升", "算力租赁价格回落", "维持买入评级", "AI眼镜出货量", "PCB行业景气度"] * 7


def reference(token_lists):
    """(sorted terms, indptr, docs, tf, doclen) computed the slow, obvious way."""
    terms = sorted({t for toks in token_lists for t in toks})
    postings = {t: [] for t in terms}
    for row, toks in enumerate(token_lists):
        for t, n in sorted(Counter(toks).items()):
            postings[t].append((row, n))
    indptr = np.cumsum([0] + [len(postings[t]) for t in terms]).astype(np.int64)
    docs = np.array([r for t in terms for r, _ in postings[t]], dtype=np.int32)
    tf = np.array([n for t in terms for _, n in postings[t]], dtype=np.uint16)
    return terms, indptr, docs, tf, np.array([len(t) for t in token_lists], dtype=np.int32)


def read(d):
    d = d / lexical.DIR
    return (json.loads((d / "terms.json").read_text(encoding="utf-8")), *(np.load(d / f"{n}.npy") for n in ("indptr", "docs", "tf", "doclen")))


@pytest.mark.parametrize("block", [1, 3, 16, 50_000])
def test_block_wise_write_gives_the_one_pass_arrays(tmp_path, block):
    token_lists = [tokenize(t) + [f"row{i % 5}"] * (i % 3) for i, t in enumerate(TEXTS)]
    lexical.write(tmp_path, (tuple(t) for t in token_lists), block=block)  # a generator, read once
    got, want = read(tmp_path), reference(token_lists)
    assert got[0] == want[0]
    for g, w in zip(got[1:], want[1:]):
        assert g.dtype == w.dtype and np.array_equal(g, w)


def test_no_rows_write_empty_postings(tmp_path):
    lexical.write(tmp_path, iter(()))
    terms, indptr, docs, tf, doclen = read(tmp_path)
    assert terms == [] and indptr.tolist() == [0] and len(docs) == len(tf) == len(doclen) == 0


def test_a_term_more_than_65535_times_in_a_row_is_capped(tmp_path):
    lexical.write(tmp_path, [["涨"] * 70_000, ["涨"]], block=1)
    _, _, docs, tf, doclen = read(tmp_path)
    assert docs.tolist() == [0, 1] and tf.tolist() == [65_535, 1] and doclen.tolist() == [70_000, 1]
