"""Index benchmark: cold build (model load included), unchanged re-ingest, indexing and embedding
throughput, memory."""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
from pathlib import Path

from yanbao.index.embed import Embedder
from yanbao.library import update


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_index(reports: Path, settings, runs: int = 3) -> dict:
    """Times of `runs` cold builds and unchanged re-ingests over `reports`, with medians."""
    cold, reingest, throughput, embed_rate, chunks = [], [], [], [], 0
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="yanbao-bench-") as tmp:
            embedder = Embedder.from_settings(settings)  # a fresh model load each run: "cold"
            t0 = time.perf_counter()
            embedder.dim  # loads the model (materialized once into the cache before the first run)
            t_loaded = time.perf_counter()
            result = update(Path(tmp), [reports], settings, embedder)
            t1 = time.perf_counter()
            chunks = result.total_chunks
            cold.append(t1 - t0)
            embed_s = (t1 - t_loaded)
            throughput.append(result.embedded_chunks / embed_s if embed_s else 0.0)
            embed_rate.append(result.embedded_chunks / result.embed_s if result.embed_s else 0.0)
            t2 = time.perf_counter()
            again = update(Path(tmp), [reports], settings, embedder)
            reingest.append(time.perf_counter() - t2)
            assert again.embedded_chunks == 0
    return {
        "reports": str(reports),
        "embed_backend": settings.embed_backend,
        "runs": runs,
        "chunks": chunks,
        "cold_build_s_median": statistics.median(cold),
        "cold_build_s_runs": cold,
        "reingest_unchanged_s_median": statistics.median(reingest),
        "index_chunks_per_s_median": statistics.median(throughput),
        "embed_chunks_per_s_median": statistics.median(embed_rate),  # the embedding alone
        "embed_chunks_per_s_runs": embed_rate,
        "peak_rss_mb": peak_rss_mb(),
    }
