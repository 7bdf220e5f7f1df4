"""Scale benchmark: synthetic corpora of 10k to 1M chunks through the real index and retriever.

The base of each size is bench/base.py's (synthetic chunks, one segment written through the
product's writer in the store the settings name). Per size: build time, then - in a fresh
subprocess, so memory is the index's own - load time, resident memory, retrieval latency by stage
through the product's own open_index and Retriever, and recall@10 of the dense index against exact
search. (Milvus' own BM25 is compared with ours by `--suite milvus-bm25`, bench/milvus_bm25.py.)
"""

from __future__ import annotations

import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from yanbao.bench.base import discard, exact_top, prepare, write_base
from yanbao.bench.qa import STAGES
from yanbao.eval.metrics import percentile


def bench_scale(reports: Path, sizes: list[int], settings, embedder, questions: list[str],
                subset: int = 2000, seed: int = 0, workdir: Path | None = None) -> list[dict]:
    """One result row per corpus size."""
    if not sizes:
        return []
    source = prepare(reports, sizes, settings, embedder, questions, subset, seed)
    rows = []
    for n in sizes:
        t0 = time.perf_counter()
        vectors = source.vectors(n)
        gen_s = time.perf_counter() - t0
        exact, flat_ms = exact_top(vectors, source.queries)
        with tempfile.TemporaryDirectory(prefix="yanbao-scale-", dir=workdir) as tmp:
            build_s = write_base(Path(tmp), settings, source, n, vectors)
            del vectors
            probe = _in_subprocess(_probe, Path(tmp), settings, questions, source.queries, exact)
            disk = _disk_parts(Path(tmp))
            discard(Path(tmp), settings)
        rows.append({"chunks": n, "store": settings.vector_store, "generate_s": round(gen_s, 1), "build_s": round(build_s, 1),
                     **disk, "exact_flat_ms_p50": round(flat_ms, 2), **probe})
    return rows


def reports_row(reports: Path, settings, embedder, questions: list[str], workdir: Path | None = None) -> dict:
    """The real reports ingested (chunking, embedding, the store's write) and probed like a synthetic size."""
    from yanbao.index.store import open_index
    from yanbao.library import update

    queries = np.stack([embedder.embed_query(q) for q in questions])
    with tempfile.TemporaryDirectory(prefix="yanbao-store-", dir=workdir) as tmp:
        t0 = time.perf_counter()
        update(Path(tmp), [reports], settings, embedder)
        ingest_s = time.perf_counter() - t0
        index = open_index(Path(tmp), settings=settings)
        exact, flat_ms = exact_top(index.vectors(), queries)
        n = len(index.chunks)
        index.dense.close()
        probe = _in_subprocess(_probe, Path(tmp), settings, questions, queries, exact)
        row = {"chunks": n, "store": settings.vector_store, "build_s": round(ingest_s, 1),
               **_disk_parts(Path(tmp)), "exact_flat_ms_p50": round(flat_ms, 2), "source": str(reports), **probe}
        discard(Path(tmp), settings)
        return row


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


def print_table(rows: list[dict], columns=COLUMNS) -> None:
    """A Markdown table, one row per size; times in ms unless the header says s."""
    print("| " + " | ".join(h for _, h in columns) + " |")
    print("|" + "---|" * len(columns))
    for r in rows:
        print("| " + " | ".join(str(round(v, 2)) if isinstance(v, float) else str(v)
                                for v in (r.get(k, "-") for k, _ in columns)) + " |")
