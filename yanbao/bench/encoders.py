"""Encoder benchmark: our ONNX export (index/ort.py) against sentence-transformers' own ONNX backend.

Same run, same machine, same texts. For each encoder: model load with the export uncached
(export + quantization included) and cached (in this process, and in a fresh process with its
imports), the export's size on disk, embedding throughput over the reports' chunks (the real
ingest path, `library.update`), queries per second, and dense-only and hybrid hit@5 / MRR@10 on
the development questions through the project's own retriever and metrics.

Encoders, by name:
    onnx-int8, onnx, torch     yanbao's own backends (Embedder)
    st-onnx-int8, st-onnx      sentence-transformers' `backend="onnx"` (optimum-onnx export) and
                               `export_dynamic_quantized_onnx_model` (dynamic int8, the config
                               for this CPU); needs the optional packages, see README
                               ("sentence-transformers' ONNX backend")
    st-onnx-o2-int8            the same, with the library's `export_optimized_onnx_model(..., "O2")`
                               graph fusion before quantizing (what ort.py does by hand)

Each export goes to a private cache (the materialized model is linked, not rebuilt), so the
user's cache is never touched and "uncached" really is.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from yanbao.errors import ModelError
from yanbao.index.embed import Embedder
from yanbao.hashing import sha256_file
from yanbao.settings import DEFAULT_EMBED_MODEL

log = logging.getLogger(__name__)

OURS = ("onnx-int8", "onnx", "torch")
LIBRARY = ("st-onnx-int8", "st-onnx-o2-int8", "st-onnx")
DEFAULT_ENCODERS = ("onnx-int8", "st-onnx-int8")
LIBRARY_STAMP = "yanbao-st-onnx.json"
LIBRARY_EXPORT_VERSION = 1


def library_quantization_config() -> str:
    """The dynamic-int8 preset of sentence-transformers/optimum that fits this CPU."""
    import platform

    if platform.machine().lower() in ("arm64", "aarch64"):
        return "arm64"
    try:
        flags = set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        flags = set()
    if "avx512_vnni" in flags:
        return "avx512_vnni"
    return "avx512" if "avx512f" in flags else "avx2"


@dataclass(frozen=True)
class LibraryStamp:
    source: str
    onnx_file: str  # relative to the export dir, e.g. onnx/model_qint8_avx512_vnni.onnx
    sha256: str
    export_version: int = LIBRARY_EXPORT_VERSION


class LibraryOnnxEmbedder(Embedder):
    """The default model run by sentence-transformers' own ONNX backend.

    `SentenceTransformer(path, backend="onnx")` exports the locally materialized model with
    optimum-onnx (nothing is downloaded), `export_dynamic_quantized_onnx_model` writes its int8
    copy, and the directory is kept under CACHE/st-onnx/ with a stamp holding the sha256 of the
    ONNX file, checked on every load. Pooling, normalisation and batching are the library's."""

    def __init__(self, cache_dir: Path, quantized: bool = True, batch_size: int = 8, model: str = DEFAULT_EMBED_MODEL,
                 optimize: str = ""):
        super().__init__(model, cache_dir, batch_size=batch_size, backend="torch")  # encode() is SentenceTransformer's
        self.quantized = quantized
        self.optimize = optimize  # "" or an optimum level, "O1".."O4"

    @property
    def model_id(self) -> str:
        kind = "st-onnx" + (f"-{self.optimize.lower()}" if self.optimize else "") + ("-int8" if self.quantized else "")
        return f"{self.model_name} [{kind}]"

    def export_dir(self) -> Path:
        from yanbao.index.model import MODEL_DIR_NAME

        source = MODEL_DIR_NAME if self.model_name == DEFAULT_EMBED_MODEL else self.model_name
        digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:8]
        kind = (f"{self.optimize.lower()}-" if self.optimize else "") + ("int8" if self.quantized else "fp32")
        return Path(self.cache_dir) / "st-onnx" / f"{Path(source).name[:60]}-{digest}-{kind}-v{LIBRARY_EXPORT_VERSION}"

    def _load(self):
        with self._lock:
            if self._model is None:
                self._model = self._load_library()
            return self._model

    def _load_library(self):
        from sentence_transformers import SentenceTransformer

        target = self.export_dir()
        stamp = read_library_stamp(target)
        if stamp is None:
            stamp = self._export(target)
        return SentenceTransformer(str(target), backend="onnx", device="cpu",
                                   model_kwargs={"file_name": stamp.onnx_file, "provider": "CPUExecutionProvider"})

    def _export(self, target: Path) -> LibraryStamp:
        from sentence_transformers import SentenceTransformer
        from sentence_transformers.backend import export_dynamic_quantized_onnx_model, export_optimized_onnx_model

        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
        try:
            try:
                model = SentenceTransformer(self._model_path(), backend="onnx", device="cpu",
                                            model_kwargs={"provider": "CPUExecutionProvider"})
            except Exception as e:  # optimum-onnx missing, or it cannot export this model
                raise ModelError(
                    f"sentence-transformers' ONNX backend cannot load {self.model_name}: {e}. Its optimum-onnx needs "
                    "transformers < 4.58: install it into a separate --target folder (README, \"sentence-transformers' "
                    "own ONNX backend\"), not into this environment"
                ) from e
            model.save(str(tmp))
            onnx_file = "onnx/model.onnx"
            if self.optimize:
                export_optimized_onnx_model(model, self.optimize, str(tmp))
                onnx_file = f"onnx/model_{self.optimize}.onnx"
                model = SentenceTransformer(str(tmp), backend="onnx", device="cpu",
                                            model_kwargs={"file_name": onnx_file, "provider": "CPUExecutionProvider"})
            if self.quantized:
                config = library_quantization_config()
                export_dynamic_quantized_onnx_model(model, config, str(tmp))
                onnx_file = onnx_file.removesuffix(".onnx") + f"_qint8_{config}.onnx"
            for f in (tmp / "onnx").glob("*.onnx"):  # only the file that is used stays
                if f != tmp / onnx_file:
                    f.unlink()
            stamp = LibraryStamp(self.model_name, onnx_file, sha256_file(tmp / onnx_file))
            (tmp / LIBRARY_STAMP).write_text(json.dumps(asdict(stamp), indent=2), encoding="utf-8")
            shutil.rmtree(target, ignore_errors=True)
            os.replace(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return stamp


def read_library_stamp(target: Path) -> LibraryStamp | None:
    """The stamp of a finished library export whose ONNX file still has its sha256, else None."""
    try:
        stamp = LibraryStamp(**json.loads((target / LIBRARY_STAMP).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    path = target / stamp.onnx_file
    if stamp.export_version != LIBRARY_EXPORT_VERSION or not path.is_file() or sha256_file(path) != stamp.sha256:
        log.warning("library ONNX export at %s is incomplete or altered; exporting it again", target)
        return None
    return stamp


def make_encoder(name: str, cache_dir: Path) -> Embedder:
    """An encoder by its bench name (see the module docstring), not loaded yet."""
    if name in OURS:
        return Embedder(cache_dir=cache_dir, backend=name)
    if name in LIBRARY:
        return LibraryOnnxEmbedder(cache_dir, quantized=name.endswith("-int8"), optimize="O2" if "-o2-" in name else "")
    raise ModelError(f"unknown encoder {name!r}; use one of {', '.join(OURS + LIBRARY)}")


def export_path(encoder: Embedder) -> Path | None:
    """Where the encoder's export lives (None for torch, which has none)."""
    if isinstance(encoder, LibraryOnnxEmbedder):
        return encoder.export_dir()
    if encoder.backend == "torch":
        return None
    from yanbao.index.model import MODEL_DIR_NAME
    from yanbao.index.ort import export_dir

    return export_dir(encoder.cache_dir, MODEL_DIR_NAME, encoder.backend == "onnx-int8")


def dir_mb(path: Path | None) -> float | None:
    if path is None or not path.exists():
        return None
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


def process_load_s(name: str, cache_dir: Path) -> float:
    """Wall time of a fresh Python process that imports yanbao, loads the cached export and embeds one query."""
    code = ("import sys; from pathlib import Path; from yanbao.bench.encoders import make_encoder; "
            "make_encoder(sys.argv[1], Path(sys.argv[2])).embed_query('博通FY24Q3的营业收入是多少？')")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, name, str(cache_dir)], check=True, env=os.environ.copy(),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def bench_encoder(name: str, reports: Path, settings, items: list, cache_dir: Path) -> dict:
    """One row of the encoder benchmark (see the module docstring); its export is deleted first."""
    from yanbao.eval.metrics import retrieval_aggregate, retrieval_scores
    from yanbao.library import update
    from yanbao.qa.chain import QAChain

    row: dict = {"encoder": name, "loadavg_before": round(os.getloadavg()[0], 2)}
    where = export_path(make_encoder(name, cache_dir))
    if where is not None:
        shutil.rmtree(where, ignore_errors=True)
    t0 = time.perf_counter()
    encoder = make_encoder(name, cache_dir)
    encoder.dim  # exports (uncached) and loads
    row["load_uncached_s"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    encoder = make_encoder(name, cache_dir)
    encoder.dim
    row["load_cached_s"] = round(time.perf_counter() - t0, 2)
    row["load_cached_process_s"] = round(process_load_s(name, cache_dir), 2)
    row["model_id"] = encoder.model_id
    row["disk_mb"] = dir_mb(where)
    with tempfile.TemporaryDirectory(prefix="yanbao-bench-enc-") as tmp:
        s = settings.with_(index_dir=Path(tmp), cache_dir=cache_dir)
        result = update(Path(tmp), [reports], s, encoder)
        row["chunks"] = result.embedded_chunks
        row["chunks_per_s"] = round(result.embedded_chunks / result.embed_s, 2) if result.embed_s else None
        questions = [it.question for it in items]
        t0 = time.perf_counter()
        for q in questions:
            encoder.embed_query(q)
        row["queries"] = len(questions)
        row["queries_per_s"] = round(len(questions) / (time.perf_counter() - t0), 1)
        chain = QAChain.open(s, encoder)
        for mode in ("dense", "hybrid"):
            scores = [retrieval_scores(it, chain.retriever.retrieve(it.question, k=10, mode=mode)) for it in items]
            agg = retrieval_aggregate(scores)
            row[f"{mode}_hit@5"] = round(agg["hit@5"], 4)
            row[f"{mode}_mrr@10"] = round(agg["mrr@10"], 4)
        row["scored_items"] = agg["n_items"]
    row["loadavg_after"] = round(os.getloadavg()[0], 2)
    return row


def paired_throughput(names: list[str], cache_dir: Path, passages: list[str], questions: list[str],
                      group: int = 32) -> list[dict]:
    """Chunks/s and queries/s with every encoder loaded and the work interleaved: each group of
    passages, and each question, goes through every encoder in turn (the first one rotating), so a
    load spike on the shared machine falls on all of them alike."""
    encoders = [make_encoder(n, cache_dir) for n in names]
    for e in encoders:
        e.embed_query("预热")
    spent = {n: [0.0, 0.0] for n in names}
    turn = 0
    for start in range(0, len(passages), group):
        batch = passages[start:start + group]
        for i in range(len(names)):
            n, e = names[(turn + i) % len(names)], encoders[(turn + i) % len(names)]
            t0 = time.perf_counter()
            e.embed_passages(batch, show_progress=False)
            spent[n][0] += time.perf_counter() - t0
        turn += 1
    for q in questions:
        for i in range(len(names)):
            n, e = names[(turn + i) % len(names)], encoders[(turn + i) % len(names)]
            t0 = time.perf_counter()
            e.embed_query(q)
            spent[n][1] += time.perf_counter() - t0
        turn += 1
    return [{"encoder": n, "paired_chunks_per_s": round(len(passages) / spent[n][0], 2),
             "paired_queries_per_s": round(len(questions) / spent[n][1], 1)} for n in names]


def bench_encoders(reports: Path, settings, names: list[str], gold: Path, rounds: int = 1) -> dict:
    """{"rows": one per encoder and round, the order alternated by round (the machine's load
    drifts), "paired": interleaved throughput of all of them, "machine": what else ran}."""
    from yanbao.eval.gold import load_gold
    from yanbao.index.model import materialize
    from yanbao.ingest.pipeline import ingest_files

    items = load_gold(gold)
    source = materialize(settings.cache_dir)  # once, outside every timing
    rows = []
    with tempfile.TemporaryDirectory(prefix="yanbao-enc-cache-") as cache:
        (Path(cache) / "models").mkdir()
        os.symlink(source, Path(cache) / "models" / source.name)
        for r in range(rounds):
            order = names if r % 2 == 0 else list(reversed(names))
            for name in order:
                try:
                    row = bench_encoder(name, reports, settings, items, Path(cache))
                except Exception as e:  # the library path failing on our model is itself a result
                    log.warning("encoder %s failed: %s", name, e)
                    row = {"encoder": name, "error": f"{type(e).__name__}: {str(e)[:400]}"}
                row["round"] = r + 1
                log.info("encoder bench: %s", row)
                rows.append(row)
        ingested = ingest_files([reports], settings.chunk_chars, settings.overlap_chars)
        passages = [c.index_text for rep in ingested.reports for c in rep.chunks]
        working = [n for n in names if not any(r["encoder"] == n and "error" in r for r in rows)]
        paired = paired_throughput(working, Path(cache), passages, [it.question for it in items])
    return {"rows": rows, "paired": paired, "machine": {"cpus": os.cpu_count(), "loadavg_end": os.getloadavg()}}


COLUMNS = (("encoder", "encoder"), ("round", "round"), ("chunks_per_s", "chunks/s"), ("queries_per_s", "queries/s"),
           ("dense_mrr@10", "dense MRR@10"), ("dense_hit@5", "dense hit@5"), ("hybrid_mrr@10", "hybrid MRR@10"),
           ("hybrid_hit@5", "hybrid hit@5"), ("load_uncached_s", "load uncached s"), ("load_cached_s", "load cached s"),
           ("load_cached_process_s", "new process s"), ("disk_mb", "disk MB"), ("loadavg_before", "load avg"))


def print_table(result: dict) -> None:
    print(" | ".join(h for _, h in COLUMNS))
    for row in result["rows"]:
        if "error" in row:
            print(f"{row['encoder']} | {row['round']} | failed: {row['error']}")
            continue
        print(" | ".join("-" if row.get(k) is None else str(row[k]) for k, _ in COLUMNS))
    print("\ninterleaved (all loaded, work alternated between them):")
    for row in result["paired"]:
        print(f"  {row['encoder']:<16} {row['paired_chunks_per_s']:>7} chunks/s  {row['paired_queries_per_s']:>7} queries/s")
