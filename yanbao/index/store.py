"""An index is a directory of generations; CURRENT names the live one.

    var/index/CURRENT            "gen-1732364000123456789"  (replaced atomically)
    var/index/gen-.../manifest.json   written last: a generation without one is not an index
    var/index/gen-.../chunks.jsonl    row i = FAISS row i = BM25 document i (with rows.npy, by_id.npy and
                                      codes.txt: read through a memory map, see index/chunkstore.py)
    var/index/gen-.../dense.faiss     inner product over unit vectors
    var/index/gen-.../bm25/           bm25s' own files (npy + json, no pickle)
    var/index/corrections.json        metadata corrected by people, by report sha256 (index/corrections.py):
                                      laid over every ingest and rebuild

With YANBAO_VECTOR_STORE=milvus there is no dense.faiss: the vectors, with the chunks and their
metadata, are in a Milvus collection the manifest names (index/milvus.py).

Every change builds a new generation in a temporary directory, renames it into place and
then swaps CURRENT: a crash at any point leaves the previous generation intact, and readers
always see a whole index. Vectors of unchanged chunks are reused (keyed by chunk id). A change of
report metadata alone (a correction) makes a generation that hard-links every file but the manifest.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

from yanbao.errors import REBUILD_HINT, CorrectionError, IndexMismatchError, IndexNotFoundError, LoadError, shown
from yanbao.hashing import sha256_file
from yanbao.index import corrections, milvus
from yanbao.index.chunkstore import CHUNKS, ChunkStore, write_chunks
from yanbao.index.ort import INT8_TAG
from yanbao.index.tokenize import tokenize, tokenizer_id
from yanbao.ingest.pipeline import expand, try_ingest
from yanbao.progress import progress
from yanbao.types import Chunk, ReportMeta

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
CURRENT = "CURRENT"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class BuildConfig:
    """What an index must agree with to be opened: the model, its prefixes, tokenizer, chunking."""

    embed_model: str
    query_prefix: str
    passage_prefix: str
    tokenizer: str
    chunk_chars: int
    overlap_chars: int

    @classmethod
    def from_settings(cls, settings, embedder) -> "BuildConfig":
        return cls(embedder.model_id, embedder.query_prefix, embedder.passage_prefix, tokenizer_id(),
                   settings.chunk_chars, settings.overlap_chars)


@dataclass
class UpdateResult:
    """What one ingest/remove did, file by file."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    embedded_chunks: int = 0  # chunks whose text had no stored vector
    embed_s: float = 0.0  # seconds spent embedding them
    total_chunks: int = 0
    generation: str = ""


@dataclass
class CorrectionResult:
    """A report's metadata after a correction (or as it is, when nothing was asked to change)."""

    file: str
    meta: ReportMeta
    corrected: list[str] = field(default_factory=list)  # fields whose value a person gave (corrections.json)
    changed: list[str] = field(default_factory=list)  # fields whose value this call changed
    milvus_rows: int = 0  # Milvus rows rewritten with the new metadata (their stored vectors, unchanged)
    generation: str = ""  # the live generation afterwards


class Index:
    """One opened generation: chunks, FAISS (or a Milvus collection) and BM25, read-only."""

    def __init__(self, root: Path, gen_dir: Path, manifest: dict, chunks: Sequence[Chunk], dense, bm25,
                 milvus_target: milvus.MilvusTarget | None = None):
        self.root = root
        self.dir = gen_dir
        self.manifest = manifest
        self.chunks = chunks
        self.dense = dense
        self.bm25 = bm25
        self.milvus = milvus_target

    @cached_property
    def row_of(self) -> Mapping[str, int]:
        """Chunk id -> row."""
        return self.chunks.row_of

    @property
    def store(self) -> str:
        return "milvus" if self.milvus is not None else "faiss"

    @property
    def uid(self) -> str:
        """The index's identity, kept across generations (a Milvus collection records its owner)."""
        return self.manifest.get("uid", "")

    @property
    def config(self) -> BuildConfig:
        return BuildConfig(**self.manifest["config"])

    def reports(self) -> list[ReportMeta]:
        """The reports in manifest order (parsed once, at open, for the chunk store)."""
        return list(self.chunks.metas)

    def chunk_counts(self) -> dict[str, int]:
        return {r["file"]: r["chunks"] for r in self.manifest["reports"]}

    def vectors(self) -> np.ndarray:
        """(n, dim) stored vectors, row i for chunk i."""
        return self.vectors_at(list(range(len(self.chunks))))

    def vectors_at(self, rows: list[int]) -> np.ndarray:
        """(len(rows), dim) stored vectors of these rows."""
        dim = self.manifest.get("dim") or 0
        if not rows:
            return np.zeros((0, dim), dtype=np.float32)
        if self.milvus is not None:
            stored = self.chunks.rows["id"]
            ids = [stored[r].decode("ascii") for r in rows]
            by_id = milvus.vectors_of(self.milvus, ids)
            missing = [i for i in ids if i not in by_id]
            if missing:
                raise IndexMismatchError(f"Milvus collection {self.milvus.collection} lacks {len(missing)} chunks of the index at "
                                         f"{self.root} (first: {missing[0]}). " + REBUILD_HINT.format(dir=self.root))
            return np.stack([by_id[i] for i in ids])
        return self.dense.reconstruct_batch(np.asarray(rows, dtype=np.int64))

    def dense_search(self, query_vec: np.ndarray, k: int, mask: np.ndarray | None = None,
                     filters=None) -> list[tuple[int, float]]:
        """(row, cosine) of the k nearest chunks; with `mask`, only among the rows it allows
        (searched inside FAISS with an ID selector, so HNSW never walks the whole corpus).
        On Milvus the `filters` (types.Filters) the mask came from run as a filter expression."""
        import faiss

        if self.milvus is not None:
            expr = milvus.filter_expr(filters) if filters is not None else ""
            if mask is not None and not expr:
                raise ValueError("a Milvus search filters by `filters`, not by a row mask")
            want = k
            while True:
                hits = milvus.search(self.milvus, query_vec, want, expr)
                # an id not live here is a row an unfinished write left (see milvus.recover): ask
                # for as many more as were dropped, so k live rows still come back
                live = [(self.row_of[i], s) for i, s in hits if i in self.row_of]
                if len(live) >= k or len(hits) < want or want >= k + 16_384:
                    return live[:k]
                want += len(hits) - len(live)
        if self.dense is None or self.dense.ntotal == 0:
            return []
        if query_vec.shape[-1] != self.dense.d:
            raise IndexMismatchError(
                f"query vector has dimension {query_vec.shape[-1]} but the index at {self.root} has {self.dense.d}. "
                + REBUILD_HINT.format(dir=self.root)
            )
        query = query_vec.reshape(1, -1).astype(np.float32)
        params, bits = None, None
        if mask is not None:
            allowed = np.flatnonzero(mask)
            if hasattr(self.dense, "hnsw") and len(allowed) <= HNSW_FROM:
                # a narrow filter on a big index: exact search over the allowed rows, as HNSW
                # walking a graph that is mostly filtered out would miss some of them
                scores = self.dense.reconstruct_batch(allowed) @ query[0]
                top = np.argsort(-scores, kind="stable")[:k]
                return [(int(allowed[i]), float(scores[i])) for i in top]
            bits = np.packbits(mask, bitorder="little")  # kept alive here while FAISS reads it
            selector = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bits))
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(self.dense.hnsw.efSearch, k)) \
                if hasattr(self.dense, "hnsw") else faiss.SearchParameters(sel=selector)
        scores, rows = self.dense.search(query, min(k, self.dense.ntotal), params=params)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]

    def bm25_scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every chunk for these query tokens (unknown tokens ignored)."""
        if self.bm25 is None:
            return np.zeros(len(self.chunks), dtype=np.float32)
        vocab = self.bm25.vocab_dict
        ids = [vocab[t] for t in tokens if t in vocab]
        if not ids:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(ids), dtype=np.float32)

    def bm25_search(self, tokens: list[str], k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(row, score) of the k best BM25 chunks with a score above zero; with `mask`, only rows it allows."""
        scores = self.bm25_scores(tokens)
        if not len(scores):
            return []
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(r), float(scores[r])) for r in top if scores[r] > 0]


# --------------------------------------------------------------------------- reading

def current_generation(root: Path) -> Path | None:
    """The live generation directory of an index, or None when there is no index at `root`.

    A CURRENT naming a missing or manifest-less generation is an error, never "no index":
    treating it as empty would let the next ingest silently wipe the reports.
    """
    root = Path(root)
    try:
        name = (root / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    gen = root / name
    if (gen / MANIFEST).is_file():
        return gen
    raise IndexMismatchError(
        f"index at {root} is damaged: {root / CURRENT} names '{name}', which has no manifest. "
        + REBUILD_HINT.format(dir=root)
    )


def open_index(root: Path, expect: BuildConfig | None = None, settings=None) -> Index:
    """Open the live generation; with `expect`, refuse one built with other settings. `settings`
    may give the Milvus URI and token of an index on Milvus (else the manifest's URI is used)."""
    import bm25s

    root = Path(root)
    gen = current_generation(root)
    if gen is None:
        raise IndexNotFoundError(f"no index at {root}. Run 'yanbao ingest REPORTS... --index {root}' first.")
    try:
        manifest = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise IndexMismatchError(f"index at {root} is damaged: unreadable {gen / MANIFEST} ({e}). " + REBUILD_HINT.format(dir=root)) from e
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise IndexMismatchError(
            f"index at {root} has schema version {manifest.get('schema_version')}, this yanbao reads {SCHEMA_VERSION}. "
            + REBUILD_HINT.format(dir=root)
        )
    if expect is not None:
        check(manifest, expect, root)
    try:
        chunks = ChunkStore(gen, [ReportMeta.from_json(r["meta"]) for r in manifest["reports"]])
        if len(chunks) != manifest["counts"]["chunks"]:
            raise ValueError(f"{len(chunks)} rows, the manifest counts {manifest['counts']['chunks']}")
        if len(chunks):
            chunks[0], chunks[-1]  # noqa: B018 - the first and last rows decode
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise IndexMismatchError(f"index at {root} is damaged: bad {gen / CHUNKS} ({e}). " + REBUILD_HINT.format(dir=root)) from e
    dense, target = None, None
    if manifest["dense"].get("type") == "milvus":
        target = milvus.target_from_manifest(manifest["dense"], root, settings)
        if chunks and not milvus.exists(target):
            raise IndexMismatchError(
                f"index at {root} keeps its vectors in Milvus collection {target.collection} at {target.uri}, "
                "which does not exist there. Check YANBAO_MILVUS_URI, or " + REBUILD_HINT.format(dir=root)
            )
        if chunks:
            milvus.create(target, int(manifest["dim"]), manifest.get("uid", ""))  # checks the owner, loads it for search
    elif (gen / "dense.faiss").exists():
        dense = read_dense(gen / "dense.faiss", manifest["dense"])
    bm25 = bm25s.BM25.load(str(gen / "bm25"), load_corpus=False, mmap=True, show_progress=False) if (gen / "bm25").exists() else None
    if dense is not None and dense.ntotal != len(chunks):
        raise IndexMismatchError(f"index at {gen} is inconsistent ({dense.ntotal} vectors, {len(chunks)} chunks). " + REBUILD_HINT.format(dir=root))
    return Index(root, gen, manifest, chunks, dense, bm25, target)


def check(manifest: dict, expect: BuildConfig, root: Path) -> None:
    """Raise IndexMismatchError naming the first setting that differs from the index's."""
    built = manifest["config"]
    labels = {
        "embed_model": "embedding model", "query_prefix": "query prefix", "passage_prefix": "passage prefix",
        "tokenizer": "BM25 tokenizer/dictionary", "chunk_chars": "chunk_chars", "overlap_chars": "overlap_chars",
    }
    for key, label in labels.items():
        want = getattr(expect, key)
        have = built.get(key)
        if have != want:
            hint = REBUILD_HINT.format(dir=root)
            if key == "embed_model" and str(have).removesuffix(INT8_TAG) == want.removesuffix(INT8_TAG):
                hint += f" Or keep it as it is: set YANBAO_EMBED_BACKEND={'onnx-int8' if str(have).endswith(INT8_TAG) else 'torch'}."
            raise IndexMismatchError(f"index at {root} was built with {label} {have!r} but settings ask for {want!r}. " + hint)


# --------------------------------------------------------------------------- writing

@contextmanager
def _writer_lock(root: Path):
    """One writer at a time per index directory (readers never need the lock)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# Exact search below this many chunks, HNSW above: measured with `yanbao bench --suite scale`
# (exact search costs about 0.2-0.5 us per chunk per query on 2 cores: 2 ms at 10k, 21-47 ms at 100k).
HNSW_FROM = 30_000
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 80, 160  # recall@10 at 1M: .942 with efSearch 96, .975 with 160


def build_dense(vectors: np.ndarray, hnsw_from: int | None = None):
    """(FAISS index, its manifest entry): exact inner product below `hnsw_from` vectors (default
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
    """A FAISS index written by build_dense, with the search depth its manifest entry records."""
    import faiss

    dense = faiss.read_index(str(path))
    if hasattr(dense, "hnsw"):
        dense.hnsw.efSearch = int(entry.get("efSearch", HNSW_EF_SEARCH))
    return dense


def build_bm25(token_lists: list[list[str]]):
    """A bm25s index over pre-tokenized chunks (an empty chunk counts as one empty token)."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every build at DEBUG
    bm25 = bm25s.BM25()
    bm25.index([t or [""] for t in token_lists], show_progress=False)
    return bm25


def write_generation(root: Path, config: BuildConfig, reports: list[dict], chunks: list[Chunk], vectors: np.ndarray | None,
                     tokens: list[list[str]] | None = None, dense_entry: dict | None = None, dim: int | None = None,
                     uid: str = "") -> Path:
    """Write a complete new generation and make it live; returns its directory. `tokens` are the
    chunks' BM25 tokens when the caller has them already (the scale benchmark), else tokenized here.
    With `dense_entry` (and `dim`) the vectors are elsewhere (Milvus) and no FAISS index is written.
    `uid` is the index's identity (a new one when empty)."""
    import faiss

    root = Path(root)
    tmp = _new_generation_dir(root)
    try:
        write_chunks(tmp, chunks, [r["file"] for r in reports])
        if dense_entry is None:
            dim = int(vectors.shape[1]) if vectors.ndim == 2 and vectors.shape[1] else None
            dense_entry = {"type": "IndexFlatIP", "metric": "inner_product", "normalized": True}
            if chunks:
                dense, dense_entry = build_dense(vectors)
                faiss.write_index(dense, str(tmp / "dense.faiss"))
        if chunks:
            if tokens is None:
                tokens = [tokenize(c.index_text) for c in progress(chunks, desc="BM25", unit="chunk")]
            build_bm25(tokens).save(str(tmp / "bm25"), show_progress=False)
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "uid": uid or uuid.uuid4().hex,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "config": asdict(config),
            "dim": dim,
            "dense": dense_entry,
            "bm25": {"library": "bm25s", "tokenizer": config.tokenizer},
            "counts": {"reports": len(reports), "chunks": len(chunks)},
            "reports": reports,
        }
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return _publish(root, tmp, manifest)


def _new_generation_dir(root: Path) -> Path:
    """An empty temporary directory in `root` for a generation being written."""
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-gen-", dir=root))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700: a UI running as another user must read it
    return tmp


def _publish(root: Path, tmp: Path, manifest: dict) -> Path:
    """Write the manifest into the temporary generation `tmp` (last), flush it all, rename it into
    place and make it live; returns its directory. On any failure `tmp` is removed."""
    try:
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        _fsync_tree(tmp)
        name = f"gen-{time.time_ns()}"
        os.replace(tmp, root / name)
        _fsync_dir(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    previous = _live_name(root)
    _swap_current(root, name)
    _collect_garbage(root, keep={name, previous} - {None})
    return root / name


def write_metadata_generation(root: Path, old: Index, reports: list[dict]) -> Path:
    """Make live a generation that differs from `old` only in its manifest's report metadata
    (`reports`: the same files, in the same order, with the same chunk counts). Every other file
    (chunks, rows, FAISS, BM25) is hard-linked from `old` (copied where links are not possible):
    report metadata lives once per report in the manifest, and no chunk text, id, vector or BM25
    document depends on it. Files of a generation are never written after it is made, so sharing
    them is safe, and removing the old generation later leaves this one whole."""
    root = Path(root)
    if [r["file"] for r in reports] != [r["file"] for r in old.manifest["reports"]] or \
            [r["chunks"] for r in reports] != [r["chunks"] for r in old.manifest["reports"]]:
        raise ValueError("a metadata-only generation must list the same reports and chunk counts as the one it replaces")
    tmp = _new_generation_dir(root)
    try:
        for src in sorted(old.dir.rglob("*")):
            dst = tmp / src.relative_to(old.dir)
            if src.is_dir():
                dst.mkdir(parents=True, exist_ok=True)
            elif src.name != MANIFEST or src.parent != old.dir:
                dst.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(src, dst)
                except OSError:  # a file system without hard links
                    shutil.copy2(src, dst)
        manifest = {**old.manifest, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "reports": reports}
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return _publish(root, tmp, manifest)


def _live_name(root: Path) -> str | None:
    try:
        return (root / CURRENT).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    """Flush every file of a new generation to disk before it can become live."""
    for p in sorted(path.rglob("*"), reverse=True):
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())
        else:
            _fsync_dir(p)
    _fsync_dir(path)


def _swap_current(root: Path, name: str) -> None:
    tmp = root / f".{CURRENT}.{os.getpid()}"
    tmp.write_text(name + "\n", encoding="utf-8")
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, root / CURRENT)
    _fsync_dir(root)


def _collect_garbage(root: Path, keep: set[str]) -> None:
    """Remove temp dirs and generations other than the live one and the one it replaced.

    Called with the writer lock held, so any .tmp-gen-* is a crashed writer's leftover.
    The replaced generation stays for readers that opened it a moment ago.
    """
    for g in root.glob("gen-*"):
        if g.is_dir() and g.name not in keep:
            shutil.rmtree(g, ignore_errors=True)
    for t in root.glob(".tmp-gen-*"):
        shutil.rmtree(t, ignore_errors=True)


def update(root: Path, paths: Iterable[Path], settings, embedder, rebuild: bool = False) -> UpdateResult:
    """Add new reports, replace changed ones, skip unchanged ones (no embedding) and bad ones."""
    root = Path(root)
    config = BuildConfig.from_settings(settings, embedder)
    result = UpdateResult()
    with _writer_lock(root):
        old = None
        target = milvus.target_from_settings(settings, root) if settings.vector_store == "milvus" else None
        try:
            if current_generation(root) is not None:
                old = open_index(root, None if rebuild else config, settings)
        except IndexMismatchError:
            if not rebuild:
                raise
            log.warning("rebuilding %s from scratch: the old index cannot be read", root)
        if old is not None and not rebuild:
            _check_store(old, target, root)
        if target is not None:
            milvus.recover(root, target, set(old.chunks.ids) if old is not None else set())
        entries: dict[str, dict] = {} if (old is None or rebuild) else {r["file"]: r for r in old.manifest["reports"]}
        by_file: dict[str, list[Chunk]] = {}
        if old is not None and not rebuild:
            for c in old.chunks:
                by_file.setdefault(c.file, []).append(c)
        changed = rebuild and old is not None
        fixes = corrections.load(root)
        for name, entry in list(entries.items()):  # corrections saved but not yet live (a crash before the swap)
            meta = ReportMeta.from_json(entry["meta"])
            fixed = corrections.apply(meta, fixes.get(entry["sha256"], {}).get("fields"))
            if fixed != meta:
                log.info("applying the saved metadata correction of %s", shown(name))
                entries[name] = {**entry, "meta": fixed.to_json()}
                by_file[name] = [replace(c, meta=fixed) for c in by_file.get(name, [])]
                changed = True
        seen_paths: dict[str, Path] = {}
        for path in progress(list(expand(paths)), desc="reports", unit="file"):
            name = path.name
            if name in seen_paths:
                if seen_paths[name].resolve() == path.resolve():
                    continue  # the same file named twice (a folder and a path inside it): read once
                why = f"same file name as {seen_paths[name]}; rename one of them"
                log.warning("skip %s: %s", shown(str(path)), why)
                result.skipped.append((str(path), why))
                continue
            seen_paths[name] = path
            try:
                digest = sha256_file(path)
            except OSError as e:
                result.skipped.append((name, f"cannot read file: {e.strerror}"))
                continue
            if name in entries and entries[name]["sha256"] == digest:
                result.unchanged.append(name)
                continue
            twin = next((f for f, r in entries.items() if r["sha256"] == digest and f != name), None)
            if twin:
                why = f"same content as '{twin}', already indexed (duplicate)"
                log.warning("skip %s: %s", shown(name), why)
                result.skipped.append((name, why))
                continue
            report, skip = try_ingest(path, settings.chunk_chars, settings.overlap_chars, settings.max_file_mb << 20,
                                      settings.max_report_chars)
            if skip:
                result.skipped.append(skip)
                continue
            (result.replaced if name in entries else result.added).append(name)
            meta = corrections.apply(report.meta, fixes.get(digest, {}).get("fields"))  # people's corrections win
            # "source": where the original was read, for the source viewer (PDF pages, downloads)
            entries[name] = {"file": name, "sha256": digest, "chunks": len(report.chunks), "meta": meta.to_json(),
                             "source": str(path.resolve())}
            by_file[name] = list(report.chunks) if meta is report.meta else [replace(c, meta=meta) for c in report.chunks]
            changed = True
        if rebuild and not entries:
            raise LoadError(str(root), "rebuild found no readable reports in the paths given; the index was left as it was")
        if not changed:
            result.total_chunks = len(old.chunks) if old else 0
            result.generation = old.dir.name if old else ""
            return result
        result.embedded_chunks, result.embed_s, result.total_chunks, result.generation = _rebuild(
            root, config, entries, by_file, old, embedder, target, replace=rebuild)
    return result


def report_metadata(root: Path, file: str, settings=None) -> CorrectionResult:
    """One report's metadata as the live index has it, and which fields people corrected. `file`
    is the name `yanbao list` shows (a path is cut to its name)."""
    index = open_index(root, settings=settings)
    at = _report_position(index, file)
    fix = corrections.load(root).get(index.manifest["reports"][at]["sha256"]) or {}
    return CorrectionResult(index.manifest["reports"][at]["file"], index.chunks.metas[at],
                            sorted(fix.get("fields", {})), generation=index.dir.name)


def correct(root: Path, file: str, changes: Mapping[str, str | None], settings=None, reset: bool = False) -> CorrectionResult:
    """Correct a report's metadata (title, broker, date, rating, analysts; see
    index/corrections.check for the forms) without embedding anything; with `reset`, take the
    report's corrections back. The correction is saved by the report's sha256 (INDEX/corrections.json)
    first, so later ingests and rebuilds apply it too; then, on Milvus, the report's rows are
    rewritten with their stored vectors; then a generation that differs only in its manifest goes
    live (write_metadata_generation). A crash in between leaves the previous generation live, and
    the next ingest or correction finishes the job."""
    root = Path(root)
    if current_generation(root) is None:
        raise IndexNotFoundError(f"no index at {root}. Run 'yanbao ingest REPORTS... --index {root}' first.")
    with _writer_lock(root):
        old = open_index(root, settings=settings)
        at = _report_position(old, file)
        entry = old.manifest["reports"][at]
        meta = old.chunks.metas[at]
        fixes = corrections.load(root)
        fix = fixes.get(entry["sha256"])
        if reset:
            new = corrections.restore(meta, fix.get("extracted") or {}, fix.get("sources")) if fix else meta
            if fix:
                del fixes[entry["sha256"]]
                corrections.save(root, fixes)
        else:
            values = {n: corrections.check(n, v, meta) for n, v in changes.items()}
            new = corrections.apply(meta, values)
            if values and (fix or {}).get("fields") != {**(fix or {}).get("fields", {}), **values}:
                fixes[entry["sha256"]] = corrections.merged(fix, meta, values)
                corrections.save(root, fixes)
        result = CorrectionResult(entry["file"], new, sorted((fixes.get(entry["sha256"]) or {}).get("fields", {})),
                                  [n for n in corrections.FIELDS if getattr(new, n) != getattr(meta, n)], generation=old.dir.name)
        if old.milvus is not None:
            milvus.recover(root, old.milvus, set(old.chunks.ids))
            result.milvus_rows = milvus.update_metadata(old.milvus, [replace(c, meta=new) for c in old.chunks.of_report(entry["file"])])
        if new != meta:
            reports = [dict(r) for r in old.manifest["reports"]]
            reports[at] = {**entry, "meta": new.to_json()}
            result.generation = write_metadata_generation(root, old, reports).name
            log.info("corrected %s of %s: %s", ", ".join(result.changed) or "provenance", shown(entry["file"]), result.generation)
    return result


def _report_position(index: Index, file: str) -> int:
    """Position of the report named `file` in the index's manifest; CorrectionError naming `yanbao list` if none."""
    name = Path(str(file)).name
    for i, r in enumerate(index.manifest["reports"]):
        if r["file"] == name:
            return i
    raise CorrectionError(f"no report '{shown(name)}' in the index at {index.root}; "
                          f"'yanbao list --index {index.root}' shows the file names it has")


def _check_store(old: Index, target: milvus.MilvusTarget | None, root: Path) -> None:
    """An ingest without --rebuild must write where the index already is."""
    where = "FAISS" if old.milvus is None else f"Milvus collection {old.milvus.collection} at {old.milvus.uri}"
    wanted = "FAISS" if target is None else f"Milvus collection {target.collection} at {target.uri}"
    if (old.milvus is None) != (target is None) or (target is not None and old.milvus.place != target.place):
        raise IndexMismatchError(
            f"index at {root} keeps its vectors in {where}, but the settings (YANBAO_VECTOR_STORE, YANBAO_MILVUS_URI, "
            f"YANBAO_MILVUS_COLLECTION) ask for {wanted}. " + REBUILD_HINT.format(dir=root)
            + " The stored vectors are moved over, not embedded again."
        )


def remove(root: Path, names: Iterable[str], settings=None) -> UpdateResult:
    """Remove reports (by the file name `yanbao list` shows) from both indexes. `settings` give
    the Milvus URI and token of an index on Milvus (else the manifest's URI is used)."""
    root = Path(root)
    result = UpdateResult()
    if current_generation(root) is None:
        raise IndexNotFoundError(f"no index at {root}. Run 'yanbao ingest REPORTS... --index {root}' first.")
    with _writer_lock(root):
        old = open_index(root, settings=settings)
        if old.milvus is not None:
            milvus.recover(root, old.milvus, set(old.chunks.ids))
        entries = {r["file"]: r for r in old.manifest["reports"]}
        by_file: dict[str, list[Chunk]] = {}
        for c in old.chunks:
            by_file.setdefault(c.file, []).append(c)
        for name in names:
            name = Path(name).name
            if name in entries:
                del entries[name]
                by_file.pop(name, None)
                result.removed.append(name)
            else:
                result.skipped.append((name, "not in the index (see 'yanbao list')"))
        if result.removed:
            _, _, result.total_chunks, result.generation = _rebuild(root, old.config, entries, by_file, old, None, old.milvus)
        else:
            result.total_chunks = len(old.chunks)
    return result


def _rebuild(root: Path, config: BuildConfig, entries: dict, by_file: dict, old: Index | None, embedder,
             target: milvus.MilvusTarget | None = None, replace: bool = False) -> tuple[int, float, int, str]:
    """Assemble chunks in report order, reuse known vectors, embed the rest, write a generation;
    returns (chunks embedded, seconds embedding them, chunks in all, the generation's name).

    FAISS: every chunk's vector goes into the new generation's dense.faiss. Milvus: chunks whose
    row is not in the collection as they are now (new id, or new heading, date, broker...) are
    upserted before the swap, and ids no longer live are deleted after it; a rebuild (`replace`)
    writes every row again."""
    chunks = [c for name in entries for c in by_file.get(name, [])]
    uid = old.uid if old is not None else ""
    same_collection = target is not None and old is not None and old.milvus is not None and old.milvus.place == target.place
    stored = {c.id: milvus.fields(c) for c in old.chunks} if same_collection and not replace else {}
    need = [i for i, c in enumerate(chunks) if c.id not in stored or stored[c.id] != milvus.fields(c)]
    # vectors are keyed by the exact text embedded, so unchanged chunks are never embedded again
    old_row: dict[str, int] = {}
    if old is not None and old.chunks and old.config.embed_model == config.embed_model and old.config.passage_prefix == config.passage_prefix:
        old_row = {c.index_text: r for r, c in enumerate(old.chunks)}
    from_old = [i for i in need if chunks[i].index_text in old_row]
    missing = [i for i in need if chunks[i].index_text not in old_row]
    found: dict[int, np.ndarray] = {}
    if from_old:
        found.update(zip(from_old, old.vectors_at([old_row[chunks[i].index_text] for i in from_old])))
    t_embed = time.perf_counter()
    if missing:
        found.update(zip(missing, embedder.embed_passages([chunks[i].index_text for i in missing])))
    embed_s = time.perf_counter() - t_embed
    dim = len(next(iter(found.values()))) if found else (old.manifest.get("dim") if old is not None else None)
    vectors = np.stack([found[i] for i in need]).astype(np.float32) if need else np.zeros((0, dim or 0), dtype=np.float32)
    if target is None:
        gen = write_generation(root, config, list(entries.values()), chunks, vectors, uid=uid)
        return len(missing), embed_s, len(chunks), gen.name
    uid = uid or uuid.uuid4().hex
    stale = (set(old.chunks.ids) if same_collection else set()) - {c.id for c in chunks}
    if need:  # first: is the collection there and ours (a journal must never name another index's rows)
        milvus.create(target, int(dim), uid, rebuild=replace)
    milvus.write_journal(root, target, {chunks[i].id for i in need} | stale)
    if need:
        milvus.upsert(target, [chunks[i] for i in need], vectors)
    gen = write_generation(root, config, list(entries.values()), chunks, None, dense_entry=target.entry(root), dim=dim, uid=uid)
    milvus.delete(target, sorted(stale))
    milvus.clear_journal(root)
    return len(missing), embed_s, len(chunks), gen.name
