"""Scale benchmark: synthetic corpora of 10k to 1M chunks through the real index and retriever.

Chunks come from bench/synth.py (real report sentences, other companies, figures and dates).
Vectors: the first `subset` chunks are embedded for real; every later chunk i gets the vector of
a random embedded chunk j plus Gaussian noise, v_i = normalize(v_j + 0.5 * g / sqrt(dim)), g ~ N(0, I),
so cos(v_i, v_j) is about 0.89 - near-duplicates, as in a real library, at no embedding cost.
Queries are the development set's real questions, embedded for real.

Per size: build time of the real index, one segment (FAISS or, with YANBAO_VECTOR_STORE=milvus, an upsert
into a Milvus collection; bm25s; the chunk store), then - in a fresh subprocess, so memory is the
index's own - load time, resident memory, retrieval latency by stage through the product's own
open_index and Retriever, and recall@10 of the dense index against exact search.
"""

from __future__ import annotations

import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from yanbao.bench.qa import STAGES
from yanbao.bench.synth import sentence_pool, synth_chunks, to_chunk
from yanbao.eval.metrics import percentile

NOISE = 0.5


def synth_vectors(base: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """n unit vectors: the `base` rows first, then noisy copies of random base rows (see above)."""
    rng = np.random.default_rng(seed)
    m, dim = base.shape
    out = np.empty((n, dim), dtype=np.float32)
    out[:min(m, n)] = base[:n]
    for start in range(m, n, 100_000):
        stop = min(start + 100_000, n)
        block = base[rng.integers(0, m, stop - start)] + rng.standard_normal((stop - start, dim), dtype=np.float32) * (NOISE / np.sqrt(dim))
        out[start:stop] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int = 10) -> tuple[np.ndarray, float]:
    """(rows of the exact top k per query, median ms of one exact (flat) query)."""
    import faiss

    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    times = []
    for q in queries[:20]:
        t = time.perf_counter()
        flat.search(q.reshape(1, -1), k)
        times.append((time.perf_counter() - t) * 1000)
    _, rows = flat.search(queries, k)
    return rows, statistics.median(times)


def bench_scale(reports: Path, sizes: list[int], settings, embedder, questions: list[str],
                subset: int = 2000, seed: int = 0, workdir: Path | None = None) -> list[dict]:
    """One result row per corpus size."""
    from yanbao.index.store import BuildConfig

    if not sizes:
        return []
    pool = sentence_pool(reports)
    queries = np.stack([embedder.embed_query(q) for q in questions])
    base_chunks = list(synth_chunks(pool, min(subset, max(sizes)), seed))
    base = embedder.embed_passages([s.text for s in base_chunks])
    config = BuildConfig.from_settings(settings, embedder)
    rows = []
    for n in sizes:
        t0 = time.perf_counter()
        synth = list(synth_chunks(pool, n, seed))
        chunks = [to_chunk(s, i) for i, s in enumerate(synth)]
        tokens = [list(s.tokens) for s in synth]
        del synth
        vectors = synth_vectors(base, n, seed)
        gen_s = time.perf_counter() - t0
        exact, flat_ms = exact_top(vectors, queries)
        reports_rows = report_rows(chunks)
        with tempfile.TemporaryDirectory(prefix="yanbao-scale-", dir=workdir) as tmp:
            t1 = time.perf_counter()
            write_any(Path(tmp), settings, config, reports_rows, chunks, vectors, tokens)
            build_s = time.perf_counter() - t1
            del chunks, vectors
            probe = _in_subprocess(_probe, Path(tmp), settings, questions, queries, exact)
            disk = _disk_parts(Path(tmp))
            side = _milvus_side(Path(tmp), settings, tokens, questions)
            del tokens
        rows.append({"chunks": n, "store": settings.vector_store, "generate_s": round(gen_s, 1), "build_s": round(build_s, 1),
                     **disk, "exact_flat_ms_p50": round(flat_ms, 2), **probe, **side})
    return rows


def write_any(root: Path, settings, config, reports_rows, chunks, vectors, tokens) -> None:
    """An index of these chunks (one segment) through the product's writer, in the store the
    settings name (on Milvus: its upsert with the journal); the store is let go afterwards, so the
    probe process can open a Milvus Lite file."""
    from yanbao.index import store

    target = store.store_for(settings, root)
    store.build(root, config, reports_rows, chunks, vectors, tokens, target)
    target.close()


def bench_settings(settings, store: str):
    """Settings for one store in a benchmark: on Milvus, a collection of the benchmark's own
    (YANBAO_MILVUS_URI may name the team's server; its collection is never touched)."""
    import uuid

    return settings.with_(vector_store=store, milvus_collection=f"yanbao_bench_{uuid.uuid4().hex[:12]}")


def _milvus_side(root: Path, settings, tokens: list[list[str]], questions: list[str]) -> dict:
    """On Milvus: the BM25-inside-Milvus measurement, then the benchmark's collection dropped (on a
    server it would outlive the temporary directory). Nothing on FAISS."""
    from yanbao.index import milvus

    if settings.vector_store != "milvus":
        return {}
    side = milvus_bm25_side(root, settings, tokens, questions)
    if settings.milvus_collection.startswith("yanbao_bench_"):
        target = milvus.target_from_settings(settings, root)
        if milvus.exists(target):
            milvus.client(target).drop_collection(target.collection)
        milvus.close(target)
    return side


def hashed_tokens(tokens: list[str]) -> str:
    """Our jieba tokens as ASCII words that Milvus' "standard" analyzer keeps whole (it would cut
    Chinese into single characters; Milvus Lite offers no whitespace analyzer)."""
    from yanbao.index.milvus import key

    return " ".join("t" + key(t) for t in tokens)


def milvus_bm25_side(root: Path, settings, tokens: list[list[str]], questions: list[str]) -> dict:
    """The alternative to bm25s files: Milvus' own BM25 (a sparse field filled by its BM25 function)
    over our jieba tokens. Build time, query latency and top-10 agreement with bm25s."""
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
                     params={"bm25_k1": 1.5, "bm25_b": 0.75})  # bm25s' defaults
    cl.create_collection(target.collection, schema=schema)
    cl.create_index(target.collection, params, sync=False)
    t0 = time.perf_counter()
    for start in range(0, len(tokens), 2000):
        cl.insert(target.collection, [{"id": start + i, "tokens": hashed_tokens(t)} for i, t in enumerate(tokens[start:start + 2000])])
    cl.load_collection(target.collection)
    build_s = time.perf_counter() - t0
    times, overlaps = [], []
    asked = questions[:max(5, 300_000 // max(len(tokens), 1))]  # Milvus Lite's BM25 takes ~0.2 ms per 1k chunks a query
    for q in asked:
        qt = expand_query(tokenize(q))
        t = time.perf_counter()
        res = cl.search(target.collection, [hashed_tokens(qt)], anns_field="sparse", limit=10,
                        search_params={"metric_type": "BM25"}, output_fields=[])
        times.append((time.perf_counter() - t) * 1000)
        got = {int(h["id"]) for h in res[0]}
        want = {r for r, _ in index.bm25_search(qt, 10)}
        if want:
            overlaps.append(len(got & want) / len(want))
    cl.drop_collection(target.collection)
    milvus.close(target)
    return {"milvus_bm25_questions": len(asked), "milvus_bm25_build_s": round(build_s, 1), "milvus_bm25_ms_p50": percentile(times, 50),
            "milvus_bm25_ms_p95": percentile(times, 95), "milvus_bm25_top10_vs_bm25s": round(statistics.fmean(overlaps), 4)}


def reports_row(reports: Path, settings, embedder, questions: list[str], workdir: Path | None = None) -> dict:
    """The real reports ingested (chunking, embedding, the store's write) and probed like a synthetic size."""
    from yanbao.index.store import open_index
    from yanbao.index.tokenize import tokenize
    from yanbao.library import update

    queries = np.stack([embedder.embed_query(q) for q in questions])
    with tempfile.TemporaryDirectory(prefix="yanbao-store-", dir=workdir) as tmp:
        t0 = time.perf_counter()
        update(Path(tmp), [reports], settings, embedder)
        ingest_s = time.perf_counter() - t0
        index = open_index(Path(tmp), settings=settings)
        exact, flat_ms = exact_top(index.vectors(), queries)
        n = len(index.chunks)
        tokens = [tokenize(c.index_text) for c in index.chunks] if settings.vector_store == "milvus" else []  # for the Milvus BM25 side
        index.dense.close()
        probe = _in_subprocess(_probe, Path(tmp), settings, questions, queries, exact)
        side = _milvus_side(Path(tmp), settings, tokens, questions)
        return {"chunks": n, "store": settings.vector_store, "build_s": round(ingest_s, 1),
                **_disk_parts(Path(tmp)), "exact_flat_ms_p50": round(flat_ms, 2), "source": str(reports), **probe, **side}


def _dense_recall(index, queries: np.ndarray, exact: np.ndarray) -> float:
    """Mean share of the exact top 10 that the index's dense search finds, over the queries."""
    found = [len({r for r, _ in index.dense_search(vec, 10)} & set(want.tolist())) / 10 for vec, want in zip(queries, exact)]
    return round(statistics.fmean(found), 4)


def _disk_mb(paths) -> int:
    return round(sum(f.stat().st_size for p in paths for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file()) / 2**20)


def _disk_parts(root: Path) -> dict:
    """MB on disk of the index at `root`: all of it, and its segments' chunk stores, FAISS and BM25
    files (the chunk store and BM25 are memory-mapped, so this bounds what they can hold in memory)."""
    from yanbao.index.chunkstore import BY_ID, CHUNKS, CODES, ROWS
    from yanbao.index.lexical import DIR
    from yanbao.index.store import current_generation, read_manifest
    from yanbao.index.vectors import DENSE_FILE

    segs = [root / s["name"] for s in read_manifest(root, current_generation(root))["segments"]]
    return {"disk_mb": _disk_mb([root]), "chunks_mb": _disk_mb([g / n for g in segs for n in (CHUNKS, ROWS, BY_ID, CODES)]),
            "dense_mb": _disk_mb([g / DENSE_FILE for g in segs if (g / DENSE_FILE).exists()]),
            "bm25_mb": _disk_mb([g / DIR for g in segs])}


def report_rows(chunks) -> list[dict]:
    """The manifest's report entries for synthetic chunks: one per file, with its chunk count and metadata."""
    counts: dict[str, int] = {}
    metas = {}
    for c in chunks:
        counts[c.file] = counts.get(c.file, 0) + 1
        metas.setdefault(c.file, c.meta)
    return [{"file": f, "sha256": "", "chunks": n, "meta": metas[f].to_json()} for f, n in counts.items()]


def peak_rss_since_exec_mb() -> int:
    """Peak resident memory of this process's own image (VmHWM). Not ru_maxrss: Linux carries that
    over exec, so a spawned child would report its parent's size."""
    with open("/proc/self/status", encoding="ascii") as f:
        kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    return round(kb / 1024)


def _in_subprocess(fn, *args):
    """fn(*args) in a fresh (spawned) Python, so its peak memory is its own."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(fn, args)


def _probe(index_dir: Path, settings, questions: list[str], queries: np.ndarray, exact: np.ndarray) -> dict:
    """Load the index, ask every question twice (hybrid), measure; runs in the subprocess."""
    from yanbao.index.embed import Embedder
    from yanbao.index.store import open_index
    from yanbao.qa.retrieve import RetrievalConfig, Retriever

    embedder = Embedder.from_settings(settings)
    embedder.embed_query("预热")  # model load is not index load
    t0 = time.perf_counter()
    index = open_index(index_dir, settings=settings)
    load_s = time.perf_counter() - t0
    retriever = Retriever(index, embedder, RetrievalConfig.from_settings(settings))
    retriever.retrieve(questions[0])  # first-use set-up (idf, report names)
    totals, hybrid, stages = [], [], {s: [] for s in STAGES}
    for _ in range(2):
        for q in questions:
            timings: dict = {}
            t = time.perf_counter()
            retriever.retrieve(q, timings=timings)
            totals.append((time.perf_counter() - t) * 1000)
            hybrid.append(totals[-1] - timings.get("sentence", 0.0))
            for s in stages:
                stages[s].append(timings.get(s, 0.0))
    return {
        "dense_type": index.segments[0].info["dense"]["type"] if index.segments else "",
        "load_s": round(load_s, 2),
        "rss_mb": peak_rss_since_exec_mb(),
        "hybrid_ms_p50": percentile(hybrid, 50), "hybrid_ms_p95": percentile(hybrid, 95),
        "retrieve_ms_p50": percentile(totals, 50), "retrieve_ms_p95": percentile(totals, 95),
        **{f"{s}_ms_p50": percentile(v, 50) for s, v in stages.items()},
        "dense_recall_at_10": _dense_recall(index, queries, exact),
    }


COLUMNS = (("chunks", "chunks"), ("store", "store"), ("dense_type", "dense"), ("build_s", "build s"), ("load_s", "load s"),
           ("rss_mb", "RSS MB"), ("chunks_mb", "chunks MB"), ("dense_mb", "FAISS MB"), ("bm25_mb", "BM25 MB"),
           ("hybrid_ms_p50", "hybrid p50"), ("hybrid_ms_p95", "p95"),
           ("retrieve_ms_p50", "+sentence p50"), ("embed_ms_p50", "embed"), ("dense_ms_p50", "dense"),
           ("bm25_ms_p50", "bm25"), ("fuse_ms_p50", "fuse"), ("sentence_ms_p50", "sentence"),
           ("dense_recall_at_10", "recall@10"), ("exact_flat_ms_p50", "exact ms"))


BM25_SIDE_COLUMNS = (("chunks", "chunks"), ("milvus_bm25_questions", "questions"), ("bm25_ms_p50", "bm25s p50"), ("milvus_bm25_ms_p50", "Milvus BM25 p50"),
                     ("milvus_bm25_ms_p95", "p95"), ("milvus_bm25_build_s", "build s"),
                     ("milvus_bm25_top10_vs_bm25s", "top-10 overlap with bm25s"))


def print_table(rows: list[dict], columns=COLUMNS) -> None:
    """A Markdown table, one row per size; times in ms unless the header says s."""
    print("| " + " | ".join(h for _, h in columns) + " |")
    print("|" + "---|" * len(columns))
    for r in rows:
        print("| " + " | ".join(str(round(v, 2)) if isinstance(v, float) else str(v)
                                for v in (r.get(k, "-") for k, _ in columns)) + " |")
