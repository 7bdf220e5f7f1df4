"""Update benchmark: what adding and removing one report costs on a big index, and what questions
asked meanwhile see.

Per size: a synthetic base of `n` chunks written as one segment (bench/base.py, shared with the
scale benchmark: the product's writer, the store the settings name); then six small synthetic
reports added one by one through the library (each its own segment, embedded for real); then, while a reader in another process asks the development
questions over and over (reopening the index when the manifest changes, as the web UI does), one
real report is added end to end (read, chunk, embed with the settings' model, write its segment,
swap the manifest: library.update) and later removed (library.remove), then added and removed
again with passages embedded on one thread (YANBAO_INGEST_THREADS=1). Last, the small segments
are merged (`compact --small`) and, when `full_compact`, everything (`compact`).

Latencies are the reader's "hybrid" retrieval (query embedding + BM25 + dense + fusion, no
sentence rerank), as `--suite scale` reports them; recall@10 is the dense search of the
segmented index against exact search over the same live vectors.
"""

from __future__ import annotations

import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from yanbao.bench.base import discard, exact_top, prepare, write_base
from yanbao.eval.metrics import percentile

SMALL_SEGMENTS = 6  # + the base + the real report = 8 segments while questions are timed


def pick_report(reports: Path, settings, want_chunks: int = 60) -> tuple[Path, int]:
    """The report under `reports` whose chunk count is nearest `want_chunks`, and that count."""
    from yanbao.ingest.pipeline import expand, try_ingest

    best = None
    for path in expand([reports]):
        report, _ = try_ingest(path, settings.chunk_chars, settings.overlap_chars, settings.max_file_mb << 20)
        if report is not None and (best is None or abs(len(report.chunks) - want_chunks) < abs(best[1] - want_chunks)):
            best = (path, len(report.chunks))
    if best is None:
        raise ValueError(f"no readable report under {reports}")
    return best


def bench_update(reports: Path, sizes: list[int], settings, embedder, questions: list[str], subset: int = 2000,
                 seed: int = 0, workdir: Path | None = None, full_compact: bool = False,
                 other_threads: tuple[int, ...] = (1,)) -> list[dict]:
    """One result row per base size. `other_threads`: after the timed add and removal, the same
    again with passages embedded on each of these thread counts (keys `add_s_threads1`, ...)."""
    if not sizes:
        return []
    source = prepare(reports, sizes, settings, embedder, questions, subset, seed)
    report, report_chunks = pick_report(reports, settings)
    rows = []
    for n in sizes:
        row: dict = {"chunks": n, "store": settings.vector_store, "add_report": report.name, "add_report_chunks": report_chunks}
        extra = list(source.stream(SMALL_SEGMENTS * 60, seed + 1))  # the small reports: another draw
        with tempfile.TemporaryDirectory(prefix="yanbao-update-", dir=workdir) as tmp:
            root = Path(tmp) / "index"
            settings_here = settings.with_(index_dir=root)
            row["build_s"] = round(write_base(root, settings_here, source, n, source.vectors(n)), 1)
            try:
                row.update(_grow(root, settings_here, embedder, extra, questions, source.queries, report, full_compact, other_threads))
            finally:
                discard(root, settings_here)
        rows.append(row)
    return rows


def _grow(root: Path, settings, embedder, extra, questions, queries, report: Path, full_compact: bool,
          other_threads: tuple[int, ...]) -> dict:
    """Small segments, then the timed add/remove with a reader process asking meanwhile."""
    from yanbao import library
    from yanbao.index.store import open_index

    out: dict = {}
    files: dict[str, list] = {}
    for s in extra:
        files.setdefault(s.file, []).append(s)
    drop = Path(root).parent / "small"
    drop.mkdir()
    t = time.perf_counter()
    for k, (name, items) in enumerate(list(files.items())[:SMALL_SEGMENTS]):
        path = drop / f"small_{k}.txt"
        path.write_text("\n\n".join(s.text for s in items), encoding="utf-8")
        library.update(root, [path], settings, embedder)
    out["small_adds_s"] = round(time.perf_counter() - t, 1)
    index = open_index(root, settings=settings)
    segments_before = len(index.segments)
    exact, _ = exact_top(index.vectors(), queries)
    out["recall_at_10"] = round(statistics.fmean(
        len({r for r, _ in index.dense_search(q, 10)} & set(e.tolist())) / 10 for q, e in zip(queries, exact)), 4)
    index.dense.close()
    del index

    ctx = multiprocessing.get_context("spawn")
    marks = ctx.Queue()
    stop = ctx.Event()
    reader = ctx.Process(target=_reader, args=(root, settings, questions, marks, stop))
    reader.start()
    ready = marks.get(timeout=600)  # the reader opened the index and warmed up
    assert ready == "ready"
    time.sleep(10.0)  # questions before the add
    t_add = time.time()
    added = library.update(root, [report], settings, embedder)
    t_added = time.time()
    out["add_s"] = round(t_added - t_add, 2)
    out["add_embed_s"] = round(added.embed_s, 2)
    out["add_embedded_chunks"] = added.embedded_chunks
    out["segments"] = added.segments
    time.sleep(10.0)  # questions with 8 segments
    t_remove = time.time()
    library.remove(root, [report.name], settings)
    t_removed = time.time()
    out["remove_s"] = round(t_removed - t_remove, 2)
    time.sleep(3.0)
    cycles = []  # the same add and remove again, embedding on fewer threads (YANBAO_INGEST_THREADS)
    for threads in other_threads:
        t0 = time.time()
        again = library.update(root, [report], settings, embedder.with_threads(threads))
        t1 = time.time()
        library.remove(root, [report.name], settings)
        cycles.append((threads, t0, t1, again.embed_s))
        time.sleep(3.0)
    stop.set()
    timings, errors, reopen_failures = marks.get(timeout=600)
    reader.join(timeout=60)
    before = [ms for at, ms, _ in timings if at < t_add]
    during = [ms for at, ms, _ in timings if t_add <= at <= t_added]
    after_add = [ms for at, ms, segs in timings if t_added < at < t_remove and segs == out["segments"]]
    out.update({
        "segments_before_add": segments_before,
        "query_p50_before_add_ms": percentile(before, 50), "query_p95_before_add_ms": percentile(before, 95),
        "questions_during_add": len(during), "query_p95_during_add_ms": percentile(during, 95),
        "query_p50_ms": percentile(after_add, 50), "query_p95_ms": percentile(after_add, 95),
        "questions_after_add": len(after_add), "reader_errors": len(errors), "reader_first_error": errors[0] if errors else "",
        "reader_reopen_failures": reopen_failures,
    })
    for threads, t0, t1, embed_s in cycles:
        during = [ms for at, ms, _ in timings if t0 <= at <= t1]
        out.update({f"add_s_threads{threads}": round(t1 - t0, 2), f"add_embed_s_threads{threads}": round(embed_s, 2),
                    f"questions_during_add_threads{threads}": len(during),
                    f"query_p95_during_add_threads{threads}_ms": percentile(during, 95)})
    t = time.perf_counter()
    small = library.compact(root, settings, full=False)
    out["compact_small_s"], out["segments_after_compact_small"] = round(time.perf_counter() - t, 2), small.segments
    if full_compact:
        t = time.perf_counter()
        full = library.compact(root, settings, full=True)
        out["compact_full_s"], out["segments_after_compact_full"] = round(time.perf_counter() - t, 2), full.segments
    return out


def _reader(root: Path, settings, questions: list[str], marks, stop) -> None:
    """Another process asking questions in a loop and following the live generation as the web UI
    does (index/live.Live: a new manifest is opened and warmed in a background thread while the
    questions keep the index they have); sends (time, hybrid ms, segments) per question and errors."""
    from yanbao.index.embed import Embedder
    from yanbao.index.live import Live
    from yanbao.index.store import open_index
    from yanbao.qa.retrieve import RetrievalConfig, Retriever

    embedder = Embedder.from_settings(settings)
    embedder.embed_query("预热")

    def open_retriever() -> Retriever:
        retriever = Retriever(open_index(root, settings=settings), embedder, RetrievalConfig.from_settings(settings))
        retriever.retrieve("预热")  # caches filled before any question sees it (as QAChain.warm)
        return retriever

    live = Live(root, open_retriever)
    for q in questions[:20]:
        live.get().retrieve(q)
    marks.put("ready")
    timings, errors, i = [], [], 0
    while not stop.is_set():
        q = questions[i % len(questions)]
        i += 1
        start = time.time()
        t = time.perf_counter()
        try:
            retriever = live.get()
            stages: dict = {}
            retriever.retrieve(q, timings=stages)
            ms = (time.perf_counter() - t) * 1000 - stages.get("sentence", 0.0)
            timings.append((start, ms, len(retriever.index.segments)))
        except Exception as e:  # noqa: BLE001 - counted and reported: a question must never fail
            errors.append(f"{type(e).__name__}: {e}")
    live.wait(60)
    marks.put((timings, errors, live.failures))


COLUMNS = (("chunks", "chunks"), ("build_s", "base build s"), ("add_report_chunks", "report chunks"), ("add_s", "add s"),
           ("add_embed_s", "of which embed s"), ("remove_s", "remove s"), ("segments", "segments"),
           ("query_p50_before_add_ms", "p50 before"), ("query_p95_before_add_ms", "p95 before"),
           ("query_p95_during_add_ms", "p95 during add"), ("query_p50_ms", "p50 (8 seg)"), ("query_p95_ms", "p95 (8 seg)"),
           ("reader_errors", "errors"), ("add_s_threads1", "add s, 1 thread"),
           ("query_p95_during_add_threads1_ms", "p95 during add, 1 thread"), ("recall_at_10", "recall@10"), ("compact_small_s", "compact small s"),
           ("compact_full_s", "compact all s"))
