"""The dense store behind one protocol: FAISS files in the segments, or a Milvus collection.

`store.py` and `bench/` talk to a `VectorStore` and never ask which one it is. Rows are the
index's global live rows (index/store.py: segments in manifest order, removed rows left out).

Write side, in the order a writer calls it (store.Writer): `recover` (undo what a crashed
writer left), `delete(ids)` (ids that stop being live), `add(segment_dir, chunks, vectors)` (a new
segment's vectors), then the manifest swap, then `commit()`.
 - FAISS: `add` writes dense.faiss into the new segment (flat below HNSW_FROM vectors, HNSW
   above); `delete` and `commit` do nothing: a removed row is a tombstone in the manifest, and
   compaction drops it.
 - Milvus: natively incremental. `add` upserts the new chunks' rows and nothing else; the ids of
   `add` and `delete` are journalled (milvus-pending.json) before Milvus is written, `commit` deletes
   the ids no longer live after the swap and clears the journal; `recover` deletes what a crash
   left (index/milvus.py).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Mapping, Protocol, Sequence, runtime_checkable

import numpy as np

from yanbao.errors import REBUILD_HINT, IndexMismatchError
from yanbao.index import milvus
from yanbao.progress import progress
from yanbao.types import Chunk

log = logging.getLogger(__name__)

DENSE_FILE = "dense.faiss"
# Exact search below this many chunks, HNSW above: measured with `yanbao bench --suite scale`
# (exact search costs about 0.2-0.5 us per chunk per query on 2 cores: 2 ms at 10k, 21-47 ms at 100k).
HNSW_FROM = 30_000
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 80, 160  # recall@10 at 1M: .942 with efSearch 96, .975 with 160


@runtime_checkable
class VectorStore(Protocol):
    """What the index needs from a dense store."""

    kind: str  # "faiss" or "milvus", for messages and the manifest

    def search(self, query_vec: np.ndarray, k: int, allowed: np.ndarray | None = None, filters=None) -> list[tuple[int, float]]:
        """(row, cosine) of the k nearest live rows; `allowed` (bool per row) or `filters` (the
        qa Filters it came from) narrow them: each store translates what it can use."""

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        """(len(rows), dim) stored vectors of these rows."""

    def vectors_by_id(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors of these chunk ids (ids not stored are absent)."""

    def add(self, segment_dir: Path, chunks: Sequence[Chunk], vectors: np.ndarray) -> dict:
        """Store a new segment's vectors before it goes live; returns the segment's dense entry."""

    def carry(self, segment_dir: Path, rows: Sequence[int]) -> dict:
        """A merged segment's vectors: these stored rows', in order (compaction; nothing embedded)."""

    def delete(self, ids: Sequence[str]) -> None:
        """Ids that stop being live with the next manifest."""

    def commit(self) -> None:
        """After the manifest swap: finish what add/delete started."""

    def entry(self) -> dict:
        """What the manifest records about the store (never a secret)."""

    def recover(self, live_ids) -> int:
        """Before a write: undo what a crashed writer left (`live_ids`: anything that answers `id in
        live_ids`, such as Index.row_of); returns how many rows it removed."""

    def update_metadata(self, chunks: Sequence[Chunk]) -> int:
        """Rewrite what the store keeps of these chunks' report metadata; returns rows rewritten."""

    def close(self) -> None:
        """Let go of what this process holds open (a Milvus Lite file admits one process at a time)."""

    def discard(self) -> None:
        """Drop what the store keeps outside the index directory (a benchmark's throwaway index), then close."""


# --------------------------------------------------------------------------- FAISS

def build_dense(vectors: np.ndarray, hnsw_from: int | None = None):
    """(FAISS index, its entry): exact inner product below `hnsw_from` vectors (default
    HNSW_FROM), HNSW from there on."""
    import faiss

    hnsw_from = HNSW_FROM if hnsw_from is None else hnsw_from
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape
    if n < hnsw_from:
        dense = faiss.IndexFlatIP(dim)
        dense.add(vectors)
        return dense, {"type": "IndexFlatIP", "metric": "inner_product", "normalized": True}
    dense = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    dense.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    dense.hnsw.efSearch = HNSW_EF_SEARCH
    for start in progress(range(0, n, 50_000), desc=f"HNSW over {n} vectors", unit="block"):
        dense.add(vectors[start:start + 50_000])
    return dense, {"type": "IndexHNSWFlat", "metric": "inner_product", "normalized": True,
                   "M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION, "efSearch": HNSW_EF_SEARCH}


def read_dense(path: Path, entry: dict):
    """A FAISS index written by build_dense, with the search depth its entry records."""
    import faiss

    dense = faiss.read_index(str(path))
    if hasattr(dense, "hnsw"):
        dense.hnsw.efSearch = int(entry.get("efSearch", HNSW_EF_SEARCH))
    return dense


def search_one(dense, query: np.ndarray, k: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
    """(local row, cosine) of the k nearest rows of one FAISS index, only among `allowed` rows
    when given (searched inside FAISS with an ID selector, so HNSW never walks the whole corpus)."""
    import faiss

    if dense is None or dense.ntotal == 0 or k <= 0:
        return []
    params, bits = None, None
    if allowed is not None:
        rows = np.flatnonzero(allowed)
        if not len(rows):
            return []
        if hasattr(dense, "hnsw") and len(rows) <= HNSW_FROM:
            # a narrow filter on a big segment: exact search over the allowed rows, as HNSW
            # walking a graph that is mostly filtered out would miss some of them
            scores = dense.reconstruct_batch(rows) @ query[0]
            top = np.argsort(-scores, kind="stable")[:k]
            return [(int(rows[i]), float(scores[i])) for i in top]
        bits = np.packbits(allowed, bitorder="little")  # kept alive here while FAISS reads it
        selector = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bits))
        params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(dense.hnsw.efSearch, k)) \
            if hasattr(dense, "hnsw") else faiss.SearchParameters(sel=selector)
    scores, rows = dense.search(query, min(k, dense.ntotal), params=params)
    return [(int(r), float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]


class FaissVectors:
    """The vectors of each segment in its own dense.faiss; a search asks each and merges.

    `parts`: per segment (a function giving its FAISS index, read on first use; live bool mask or
    None when all live; first global row; global row of each local row or None when all live);
    `row_of`: chunk id -> global row."""

    kind = "faiss"

    def __init__(self, parts: Sequence[tuple] = (), n_rows: int = 0, dim: int | None = None,
                 row_of: Mapping[str, int] | None = None, root: Path | None = None):
        self.parts = list(parts)
        self.n = n_rows
        self.dim = dim
        self.row_of = row_of or {}
        self.root = root

    def search(self, query_vec, k, allowed=None, filters=None):
        query = np.asarray(query_vec, dtype=np.float32).reshape(1, -1)
        if self.dim and query.shape[-1] != self.dim:
            raise IndexMismatchError(
                f"query vector has dimension {query.shape[-1]} but the index at {self.root} has {self.dim}. "
                + REBUILD_HINT.format(dir=self.root))
        found: list[tuple[int, float]] = []
        for get_dense, live, first, global_of in self.parts:
            dense = get_dense()
            if dense is None:
                continue
            local_ok = live
            if allowed is not None:
                if global_of is None:
                    local_ok = np.asarray(allowed[first:first + dense.ntotal])
                else:
                    local_ok = np.zeros(dense.ntotal, dtype=bool)
                    alive = global_of >= 0
                    local_ok[alive] = allowed[global_of[alive]]
                if not local_ok.any():
                    continue
            for r, s in search_one(dense, query, k, local_ok):
                found.append((first + r if global_of is None else int(global_of[r]), s))
        found.sort(key=lambda x: (-x[1], x[0]))
        return found[:k]

    def _locate(self, rows: Sequence[int]):
        firsts = np.array([p[2] for p in self.parts], dtype=np.int64)
        lives = [p[3] for p in self.parts]
        rows = np.asarray(rows, dtype=np.int64)
        seg = np.searchsorted(firsts, rows, side="right") - 1
        local = np.empty(len(rows), dtype=np.int64)
        for s in np.unique(seg):
            at = seg == s
            gl = lives[s]
            local[at] = rows[at] - firsts[s] if gl is None else _live_rows(gl)[rows[at] - firsts[s]]
        return seg, local

    def vectors(self, rows):
        if not len(rows):
            return np.zeros((0, self.dim or 0), dtype=np.float32)
        seg, local = self._locate(rows)
        out = np.empty((len(rows), self.dim), dtype=np.float32)
        for s in np.unique(seg):
            at = np.flatnonzero(seg == s)
            out[at] = self.parts[s][0]().reconstruct_batch(local[at])
        return out

    def vectors_by_id(self, ids):
        known = [(i, self.row_of[i]) for i in ids if i in self.row_of]
        return dict(zip((i for i, _ in known), self.vectors([r for _, r in known]))) if known else {}

    def add(self, segment_dir, chunks, vectors):
        import faiss

        if not len(chunks):
            return {"type": "IndexFlatIP", "metric": "inner_product", "normalized": True}
        dense, entry = build_dense(vectors)
        faiss.write_index(dense, str(Path(segment_dir) / DENSE_FILE))
        return entry

    def carry(self, segment_dir, rows):
        return self.add(segment_dir, range(len(rows)), self.vectors(rows))

    def delete(self, ids):
        pass  # a tombstone in the manifest: compaction drops the rows

    def commit(self):
        pass

    def entry(self):
        return {"type": "faiss-segments", "metric": "inner_product", "normalized": True, "hnsw_from": HNSW_FROM}

    def recover(self, live_ids):
        return 0

    def update_metadata(self, chunks):
        return 0  # FAISS keeps vectors only: report metadata lives in the manifest

    def close(self):
        pass

    def discard(self):
        pass  # everything is in the segments' files


def _live_rows(global_of: np.ndarray) -> np.ndarray:
    """Local rows that are live, in order (global_of >= 0)."""
    return np.flatnonzero(global_of >= 0)


# --------------------------------------------------------------------------- Milvus

class MilvusVectors:
    """Every live chunk's vector in one Milvus collection (index/milvus.py); filters run as
    Milvus expressions, rows are mapped by chunk id."""

    kind = "milvus"

    def __init__(self, target: milvus.MilvusTarget, root: Path, uid: str = "", dim: int | None = None,
                 row_of: Mapping[str, int] | None = None, ids=None, rebuild: bool = False):
        self.target = target
        self.root = Path(root)
        self.uid = uid
        self.dim = dim
        self.row_of = row_of or {}
        self._ids = ids
        self.rebuild = rebuild
        self._journal: set[str] = set()
        self._stale: set[str] = set()

    def search(self, query_vec, k, allowed=None, filters=None):
        expr = milvus.filter_expr(filters) if filters is not None else ""
        if allowed is not None and not expr:
            raise ValueError("a Milvus search filters by `filters`, not by a row mask")
        want = k
        while True:
            hits = milvus.search(self.target, query_vec, want, expr)
            # an id not live here is a row an unfinished write left (see milvus.recover): ask
            # for as many more as were dropped, so k live rows still come back
            live = [(self.row_of[i], s) for i, s in hits if i in self.row_of]
            if len(live) >= k or len(hits) < want or want >= k + 16_384:
                return live[:k]
            want += len(hits) - len(live)

    def vectors(self, rows):
        if not len(rows):
            return np.zeros((0, self.dim or 0), dtype=np.float32)
        if callable(self._ids):  # every row's id, listed on first use
            self._ids = self._ids()
        ids = [self._ids[r] for r in rows]
        by_id = milvus.vectors_of(self.target, ids)
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise IndexMismatchError(f"Milvus collection {self.target.collection} lacks {len(missing)} chunks of the index at "
                                     f"{self.root} (first: {missing[0]}). " + REBUILD_HINT.format(dir=self.root))
        return np.stack([by_id[i] for i in ids])

    def vectors_by_id(self, ids):
        return milvus.vectors_of(self.target, list(ids))

    def add(self, segment_dir, chunks, vectors):
        if len(chunks):  # first: is the collection there and ours (a journal must never name another index's rows)
            milvus.create(self.target, int(vectors.shape[1]), self.uid, rebuild=self.rebuild)
        self._journal |= {c.id for c in chunks}
        milvus.write_journal(self.root, self.target, self._journal | self._stale)
        if len(chunks):
            milvus.upsert(self.target, list(chunks), vectors)
        return self.target.entry(self.root)

    def carry(self, segment_dir, rows):
        return self.target.entry(self.root)  # the rows are in the collection already, under the same ids

    def delete(self, ids):
        if not ids:
            return  # no journal yet: add() checks the collection is ours before writing one
        self._stale |= set(ids)
        milvus.write_journal(self.root, self.target, self._journal | self._stale)

    def entry(self):
        return self.target.entry(self.root)

    def commit(self):
        if self._stale and milvus.exists(self.target):
            milvus.delete(self.target, sorted(self._stale))
        milvus.clear_journal(self.root)
        self._journal, self._stale = set(), set()

    def recover(self, live_ids):
        return milvus.recover(self.root, self.target, live_ids)

    def update_metadata(self, chunks):
        return milvus.update_metadata(self.target, list(chunks))

    def close(self):
        milvus.close(self.target)

    def discard(self):
        if milvus.exists(self.target):
            milvus.client(self.target).drop_collection(self.target.collection)
        milvus.close(self.target)
