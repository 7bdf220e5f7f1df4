"""The synthetic base that the scale, update and Milvus-BM25 benchmarks build on.

Chunks come from bench/synth.py (real report sentences, other companies, figures and dates).
Vectors: the first `subset` chunks are embedded for real; every later chunk i gets the vector of
a random embedded chunk j plus Gaussian noise, v_i = normalize(v_j + 0.5 * g / sqrt(dim)), g ~ N(0, I),
so cos(v_i, v_j) is about 0.89 - near-duplicates, as in a real library, at no embedding cost.
Queries are the development set's real questions, embedded for real.

A base of n chunks is written as one segment through the product's writer (store.build, in the
store the settings name) from generators: the synthetic stream is drawn again for each pass
(report entries, chunk lines, BM25 tokens; ~25 s per pass at 1M chunks), so no list of a million
chunks or token lists is ever held. What stays in memory is the (n, dim) vectors.
"""

from __future__ import annotations

import statistics
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from yanbao.bench.synth import SynthChunk, sentence_pool, synth_chunks, to_chunk
from yanbao.types import Chunk

NOISE = 0.5


@dataclass(frozen=True)
class SynthSource:
    """What every size of a benchmark run shares: the sentence pool, the embedded chunks and questions."""

    pool: list[tuple[str, tuple[str, ...]]]
    embedded: np.ndarray  # (subset, dim) vectors of the stream's first chunks, embedded for real
    queries: np.ndarray  # (questions, dim)
    config: object  # store.BuildConfig of the settings and embedder
    seed: int = 0

    def stream(self, n: int, seed: int | None = None) -> Iterator[SynthChunk]:
        """The first n synthetic chunks of this seed (the same ones on every call)."""
        return synth_chunks(self.pool, n, self.seed if seed is None else seed)

    def chunks(self, n: int) -> Iterator[Chunk]:
        return (to_chunk(s, i) for i, s in enumerate(self.stream(n)))

    def tokens(self, n: int) -> Iterator[tuple[str, ...]]:
        return (s.tokens for s in self.stream(n))

    def vectors(self, n: int) -> np.ndarray:
        return synth_vectors(self.embedded, n, self.seed)


def prepare(reports: Path, sizes: list[int], settings, embedder, questions: list[str], subset: int, seed: int = 0) -> SynthSource:
    """The pool of the reports' sentences, the first min(subset, largest size) chunks and the questions embedded."""
    from yanbao.index.store import BuildConfig

    pool = sentence_pool(reports)
    queries = np.stack([embedder.embed_query(q) for q in questions])
    embedded = embedder.embed_passages([s.text for s in synth_chunks(pool, min(subset, max(sizes)), seed)])
    return SynthSource(pool, embedded, queries, BuildConfig.from_settings(settings, embedder), seed)


def write_base(root: Path, settings, source: SynthSource, n: int, vectors: np.ndarray) -> float:
    """The base of n chunks as one segment at `root`, in the store the settings name; returns the
    seconds it took. The store is let go afterwards, so another process can open a Milvus Lite file."""
    from yanbao.index import store

    t = time.perf_counter()
    target = store.store_for(settings, root)
    store.build(root, source.config, report_rows(source.chunks(n)), source.chunks(n), vectors, source.tokens(n), target)
    target.close()
    return time.perf_counter() - t


def discard(root: Path, settings) -> None:
    """Drop what the benchmark's index keeps outside its directory (a Milvus collection)."""
    from yanbao.index import store

    store.store_for(settings, root).discard()


def bench_settings(settings, store: str):
    """Settings for one store in a benchmark: on Milvus, a collection of the benchmark's own
    (YANBAO_MILVUS_URI may name the team's server; its collection is never touched)."""
    return settings.with_(vector_store=store, milvus_collection=f"yanbao_bench_{uuid.uuid4().hex[:12]}")


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


def report_rows(chunks: Iterable[Chunk]) -> list[dict]:
    """The manifest's report entries for synthetic chunks: one per file, with its chunk count and metadata."""
    counts: dict[str, int] = {}
    metas = {}
    for c in chunks:
        counts[c.file] = counts.get(c.file, 0) + 1
        metas.setdefault(c.file, c.meta)
    return [{"file": f, "sha256": "", "chunks": n, "meta": metas[f].to_json()} for f, n in counts.items()]
