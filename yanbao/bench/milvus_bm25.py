"""Milvus' own BM25 against ours: `yanbao bench --suite milvus-bm25`.

The alternative to our postings files (index/lexical.py) would be Milvus' BM25: a sparse field
filled by its BM25 function over our jieba tokens. Per size, a synthetic base (bench/base.py) is
written into a Milvus collection of the benchmark's own (YANBAO_MILVUS_URI: a server, else Milvus
Lite); its tokens go into a second collection with the BM25 function; the development questions
are asked of both. Reported: that collection's build time, query latency of each and the top-10
agreement. Both collections are dropped afterwards.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from itertools import islice
from pathlib import Path

from yanbao.bench.base import bench_settings, discard, prepare, write_base
from yanbao.eval.metrics import percentile

COLUMNS = (("chunks", "chunks"), ("milvus_bm25_questions", "questions"), ("bm25_ms_p50", "ours p50"),
           ("milvus_bm25_ms_p50", "Milvus BM25 p50"), ("milvus_bm25_ms_p95", "p95"), ("milvus_bm25_build_s", "build s"),
           ("milvus_bm25_top10_vs_ours", "top-10 overlap with ours"))


def bench_milvus_bm25(reports: Path, sizes: list[int], settings, embedder, questions: list[str], subset: int = 2000,
                      seed: int = 0, workdir: Path | None = None) -> list[dict]:
    """One result row per size."""
    if not sizes:
        return []
    settings = bench_settings(settings, "milvus")
    source = prepare(reports, sizes, settings, embedder, questions, subset, seed)
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="yanbao-milvus-bm25-", dir=workdir) as tmp:
            write_base(Path(tmp), settings, source, n, source.vectors(n))
            try:
                rows.append({"chunks": n, **compare(Path(tmp), settings, source.tokens(n), n, questions)})
            finally:
                discard(Path(tmp), settings)
    return rows


def hashed_tokens(tokens) -> str:
    """Our jieba tokens as ASCII words that Milvus' "standard" analyzer keeps whole (it would cut
    Chinese into single characters; Milvus Lite offers no whitespace analyzer)."""
    from yanbao.index.milvus import key

    return " ".join("t" + key(t) for t in tokens)


def compare(root: Path, settings, tokens, n: int, questions: list[str]) -> dict:
    """Milvus' BM25 over `tokens` (the index's rows' tokens, in row order) against the index at
    `root`: build time, query latency and top-10 agreement."""
    from pymilvus import DataType, Function, FunctionType

    from yanbao.index import milvus
    from yanbao.index.store import open_index
    from yanbao.index.tokenize import expand_query, tokenize

    index = open_index(root, settings=settings)
    milvus.close(index.milvus)  # reopened below, under another collection name
    target = milvus.MilvusTarget(index.milvus.uri, index.milvus.collection + "_bm25", index.milvus.token)
    cl = milvus.client(target)
    if cl.has_collection(target.collection):
        cl.drop_collection(target.collection)
    schema = cl.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("tokens", DataType.VARCHAR, max_length=65_535, enable_analyzer=True, analyzer_params={"tokenizer": "standard"})
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["tokens"],
                                 output_field_names=["sparse"]))
    params = cl.prepare_index_params()
    params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                     params={"bm25_k1": 1.5, "bm25_b": 0.75})  # bm25s' defaults, and ours
    cl.create_collection(target.collection, schema=schema)
    cl.create_index(target.collection, params, sync=False)
    t0 = time.perf_counter()
    rows, start = iter(tokens), 0
    while part := list(islice(rows, 2000)):
        cl.insert(target.collection, [{"id": start + i, "tokens": hashed_tokens(t)} for i, t in enumerate(part)])
        start += len(part)
    cl.load_collection(target.collection)
    build_s = time.perf_counter() - t0
    times, ours, overlaps = [], [], []
    asked = questions[:max(5, 300_000 // max(n, 1))]  # Milvus Lite's BM25 takes ~0.2 ms per 1k chunks a query
    for q in asked:
        qt = expand_query(tokenize(q))
        t = time.perf_counter()
        res = cl.search(target.collection, [hashed_tokens(qt)], anns_field="sparse", limit=10,
                        search_params={"metric_type": "BM25"}, output_fields=[])
        times.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        want = {r for r, _ in index.bm25_search(qt, 10)}
        ours.append((time.perf_counter() - t) * 1000)
        if want:
            overlaps.append(len({int(h["id"]) for h in res[0]} & want) / len(want))
    cl.drop_collection(target.collection)
    milvus.close(target)
    return {"milvus_bm25_questions": len(asked), "milvus_bm25_build_s": round(build_s, 1), "bm25_ms_p50": percentile(ours, 50),
            "milvus_bm25_ms_p50": percentile(times, 50), "milvus_bm25_ms_p95": percentile(times, 95),
            "milvus_bm25_top10_vs_ours": round(statistics.fmean(overlaps), 4) if overlaps else 0.0}
