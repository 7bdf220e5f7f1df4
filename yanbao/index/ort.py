"""ONNX Runtime backend for the embedder: exported locally from the sentence-transformers model.

No download: the model already on disk (the materialized default, or any local/named
sentence-transformers model) is exported once with torch.onnx, its graph fused for BERT-style
encoders by onnxruntime's transformer optimizer (attention, skip-LayerNorm, GELU), and for
`onnx-int8` its weights quantized to int8 (dynamic quantization). The result lives under the
cache dir beside a stamp recording the source, pooling and the sha256 of model.onnx, which is
checked on every load: a truncated or altered file is rebuilt, never used.

    CACHE/onnx/<model>-<int8|fp32>-v1/model.onnx, tokenizer files, yanbao-onnx.json

Kept over sentence-transformers' own `backend="onnx"` by measurement. That path is 2.2x slower
per chunk here with the same MRR@10, it cannot fuse before quantizing, and its optimum-onnx needs
transformers < 4.58. See README, "sentence-transformers' own ONNX backend", and
`yanbao bench --suite encoders`.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from yanbao.errors import ModelError
from yanbao.hashing import sha256_file

log = logging.getLogger(__name__)

BACKENDS = ("torch", "onnx", "onnx-int8")
INT8_TAG = " [onnx-int8]"  # after the model name in an index's manifest: int8 vectors are not fp32 ones
EXPORT_VERSION = 1
STAMP = "yanbao-onnx.json"
MODEL_FILE = "model.onnx"


@dataclass(frozen=True)
class OnnxStamp:
    """What an exported model was made from and how to pool its output."""

    source: str
    quantized: bool
    pooling: str  # "mean" or "cls"
    dim: int
    max_seq_length: int
    sha256: str
    export_version: int = EXPORT_VERSION


def export_dir(cache_dir: Path, source_id: str, quantized: bool) -> Path:
    """Where the export of `source_id` lives: a readable slug plus a short hash of the full id."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(source_id).name)[:60] or "model"
    digest = hashlib.sha256(source_id.encode("utf-8")).hexdigest()[:8]
    return Path(cache_dir) / "onnx" / f"{slug}-{digest}-{'int8' if quantized else 'fp32'}-v{EXPORT_VERSION}"


def read_stamp(target: Path) -> OnnxStamp | None:
    """The stamp of a finished export whose model.onnx still has the recorded sha256, else None."""
    try:
        stamp = OnnxStamp(**json.loads((target / STAMP).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    model = target / MODEL_FILE
    if stamp.export_version != EXPORT_VERSION or not model.is_file() or sha256_file(model) != stamp.sha256:
        log.warning("ONNX export at %s is incomplete or altered; exporting it again", target)
        return None
    return stamp


def ensure_export(st_model, source_id: str, cache_dir: Path, quantized: bool) -> Path:
    """The verified export dir for this model, exporting it once (about 40 s for e5-small)."""
    target = export_dir(cache_dir, source_id, quantized)
    if read_stamp(target):
        return target
    log.info("exporting %s to ONNX%s (one time, ~40 s)", source_id, " int8" if quantized else "")
    return _publish(target, lambda tmp: _export(st_model, source_id, tmp, quantized))


def ensure_int8_from_fp32(fp32: Path, cache_dir: Path) -> Path:
    """The int8 export of the model whose verified fp32 export is `fp32`, quantized from that file:
    the fp32 model.onnx is the fused graph an export from torch quantizes, so the result is the
    same, without loading torch, exporting and fusing again (most of the ~40 s)."""
    stamp = read_stamp(fp32)
    if stamp is None or stamp.quantized:
        raise ModelError(f"no verified fp32 ONNX export at {fp32}; delete it and run again to re-export")
    target = export_dir(cache_dir, stamp.source, True)
    if read_stamp(target):
        return target
    log.info("quantizing the fp32 ONNX export of %s to int8 (one time)", stamp.source)

    def make(tmp: Path) -> OnnxStamp:
        for f in fp32.iterdir():  # the tokenizer files
            if f.is_file() and f.name not in (MODEL_FILE, STAMP):
                shutil.copyfile(f, tmp / f.name)
        _quantize(fp32 / MODEL_FILE, tmp / MODEL_FILE)
        return OnnxStamp(stamp.source, True, stamp.pooling, stamp.dim, stamp.max_seq_length, sha256_file(tmp / MODEL_FILE))

    return _publish(target, make)


def _publish(target: Path, make) -> Path:
    """`make(tmp)` writes an export into a fresh directory beside `target` and returns its stamp;
    the stamped directory then replaces `target` (unless another process finished first)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
    try:
        stamp = make(tmp)
        (tmp / STAMP).write_text(json.dumps(asdict(stamp), indent=2), encoding="utf-8")
        if read_stamp(target):  # another process finished first: use theirs
            return target
        shutil.rmtree(target, ignore_errors=True)  # a stale or damaged export
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _pooling(st_model) -> str:
    pool = next((m for m in st_model if type(m).__name__ == "Pooling"), None)
    mode = pool.get_config_dict().get("pooling_mode") if pool is not None else None
    if mode not in ("mean", "cls"):
        raise ModelError(f"the ONNX backend handles mean or CLS pooling, this model uses {mode!r}; "
                         "set YANBAO_EMBED_BACKEND=torch")
    return mode


def _export(st_model, source_id: str, out: Path, quantized: bool) -> OnnxStamp:
    import torch

    transformer = st_model[0]
    model = transformer.auto_model.eval()
    pooling = _pooling(st_model)
    if hasattr(model, "set_attn_implementation"):
        model.set_attn_implementation("eager")  # the graph onnxruntime's optimizer knows how to fuse
    takes_types = "token_type_ids" in inspect.signature(model.forward).parameters

    class Encoder(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask):
            extra = {"token_type_ids": torch.zeros_like(input_ids)} if takes_types else {}
            return self.m(input_ids=input_ids, attention_mask=attention_mask, **extra).last_hidden_state

    sample = transformer.tokenizer(["query: 样例", "passage: 一段更长一些的样例文本"], padding=True, return_tensors="pt")
    raw = out / "raw.onnx"
    axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
            "last_hidden_state": {0: "batch", 1: "seq"}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy exporter's deprecation and tracer notes
        torch.onnx.export(Encoder(model), (sample["input_ids"], sample["attention_mask"]), str(raw),
                          input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)
    fused = _optimize(raw, model.config, out / "fused.onnx")
    final = out / MODEL_FILE
    if quantized:
        _quantize(fused, final)
    else:
        shutil.copyfile(fused, final)
    for f in (raw, fused):
        f.unlink(missing_ok=True)
    transformer.tokenizer.save_pretrained(str(out))
    dim = int(model.config.hidden_size)
    return OnnxStamp(source_id, quantized, pooling, dim, int(transformer.max_seq_length), sha256_file(final))


def _quantize(fused: Path, out: Path) -> None:
    """int8 weights (dynamic quantization) of a fused fp32 graph."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fused), str(out), weight_type=QuantType.QInt8,
                     extra_options={"DefaultTensorType": 1})  # 1 = float, for fused ops


def _optimize(raw: Path, config, out: Path) -> Path:
    """Fuse attention/LayerNorm/GELU for BERT-like encoders; other models stay as exported."""
    if config.model_type not in ("bert", "xlm-roberta", "roberta"):
        return raw
    from onnxruntime.transformers import optimizer

    fused = optimizer.optimize_model(str(raw), model_type="bert", num_heads=int(config.num_attention_heads),
                                     hidden_size=int(config.hidden_size), opt_level=1)
    fused.save_model_to_file(str(out))
    return out


class OrtEncoder:
    """Encodes texts with an exported model: tokenizer, ONNX Runtime, pooling, L2 normalisation.

    The session runs each call on one thread, without spin-waiting, and a list of texts is
    spread over one caller thread per core: on 2 cores that embedded about 10% more chunks a
    second than one call at a time on two intra-op threads (whose per-operator hand-offs cost
    more than they gain at batch size 1), for about 2 ms more on a lone query."""

    def __init__(self, target: Path, batch_size: int = 1, workers: int | None = None, stamp: OnnxStamp | None = None):
        import onnxruntime as ort
        from transformers import AutoTokenizer

        stamp = stamp or read_stamp(target)  # given when the caller has just verified it: hashed once per load
        if stamp is None:
            raise ModelError(f"no verified ONNX export at {target}; delete it and run again to re-export")
        self.stamp = stamp
        self.batch_size = batch_size
        self.workers = workers or len(os.sched_getaffinity(0)) or 1  # the cores this process may use
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(target / MODEL_FILE), options, providers=["CPUExecutionProvider"])
        self.tokenizer = AutoTokenizer.from_pretrained(str(target))
        self._tokenizer_lock = threading.Lock()

    @property
    def dim(self) -> int:
        return self.stamp.dim

    def encode(self, texts: list[str], workers: int | None = None, nice: int = 0) -> np.ndarray:
        """(n, dim) float32 unit vectors; texts run longest first so batches pad little; on
        `workers` caller threads (default: one per core). With `nice` > 0 the batches run on
        threads of that lower CPU priority (Linux: a nice value is per thread), so a question
        asked meanwhile, on normal priority, keeps its core. Safe to call from several threads:
        only the tokenizer is shared under a lock (ONNX Runtime sessions run concurrently)."""
        workers = workers or self.workers
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        batches = []
        with self._tokenizer_lock:  # the fast tokenizer is not thread-safe
            for start in range(0, len(order), self.batch_size):
                rows = order[start:start + self.batch_size]
                enc = self.tokenizer([texts[i] for i in rows], padding=True, truncation=True,
                                     max_length=self.stamp.max_seq_length, return_tensors="np")
                batches.append((rows, enc["input_ids"].astype(np.int64), enc["attention_mask"].astype(np.int64)))

        def run(batch):
            rows, ids, mask = batch
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            return rows, pool(hidden, mask, self.stamp.pooling)

        if nice > 0 or (len(batches) > 1 and workers > 1):  # fresh threads: a lowered priority cannot be raised again
            with ThreadPoolExecutor(min(workers, len(batches)) or 1, initializer=_lower_priority, initargs=(nice,)) as ex:
                done = list(ex.map(run, batches))
        else:
            done = [run(b) for b in batches]
        for rows, vectors in done:
            out[rows] = vectors
        return out


def _lower_priority(nice: int) -> None:
    """Run the calling thread `nice` steps below its priority now (at most 19; nothing when 0 or not allowed)."""
    if nice > 0:
        try:
            me = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, me, min(19, os.getpriority(os.PRIO_PROCESS, me) + nice))
        except (OSError, AttributeError):  # not Linux, or not permitted: run at normal priority
            pass


def pool(hidden: np.ndarray, mask: np.ndarray, mode: str) -> np.ndarray:
    """Mean over real tokens (or the first token for CLS), then L2-normalised."""
    if mode == "cls":
        v = hidden[:, 0]
    else:
        m = mask[..., None].astype(np.float32)
        v = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
    return (v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)).astype(np.float32)
