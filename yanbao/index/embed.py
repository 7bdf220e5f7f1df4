"""Embedder: a sentence-transformers model loaded on first use, with per-model prefixes.

The default model is materialized offline (see model.py); any sentence-transformers name or
local path works by setting, and so does a name registered with `register_model` (a plugin's
encoder, or the tests' hash embedder). Prefixes ("query: " / "passage: " for e5) are applied here,
never by callers. Vectors come back L2-normalised float32, ready for inner-product search.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np

from yanbao.errors import ModelError
from yanbao.progress import progress
from yanbao.settings import DEFAULT_EMBED_BACKEND, DEFAULT_EMBED_MODEL

log = logging.getLogger(__name__)


# Known prefixes by model family; a setting overrides them.
_PREFIXES = (
    ("e5", "query: ", "passage: "),
    ("bge-", "为这个句子生成表示以用于检索相关文章：", ""),
)


class Encoder(Protocol):
    """A loaded model as the Embedder drives it: what ort.OrtEncoder and a registered model provide."""

    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32 unit rows."""
        ...


# name -> factory(cache_dir, batch_size) -> Encoder: models a plugin or a test adds by name
_REGISTERED: dict[str, Callable[[Path | None, int], Encoder]] = {}


def register_model(name: str, factory: Callable[[Path | None, int], Encoder]) -> Callable[[], None]:
    """Make `name` a model setting (YANBAO_EMBED_MODEL) that loads `factory(cache_dir, batch_size)`;
    returns the function that takes the name back. The name is recorded in the index manifest as
    it is (no backend tag: the factory decides how it computes)."""
    if name in _REGISTERED or name == DEFAULT_EMBED_MODEL:
        raise ModelError(f"an embedding model named {name!r} exists already; register it under another name")
    _REGISTERED[name] = factory
    return lambda: _REGISTERED.pop(name, None)


def registered_models() -> tuple[str, ...]:
    """Names registered with register_model, sorted."""
    return tuple(sorted(_REGISTERED))


def default_prefixes(model: str) -> tuple[str, str]:
    """(query prefix, passage prefix) the model family was trained with."""
    if model == DEFAULT_EMBED_MODEL:
        return "query: ", "passage: "
    name = Path(model).name.lower()
    for needle, q, p in _PREFIXES:
        if needle in name:
            return q, p
    return "", ""


class Embedder:
    """Holds one loaded embedding model; thread-safe lazy load.

    `backend` is "onnx-int8" (the default) or "onnx" (the model exported once to ONNX Runtime,
    see ort.py), or "torch" (sentence-transformers as is). int8 vectors differ slightly from fp32
    ones, so an index records the backend in its model id when it is int8."""

    def __init__(self, model: str = DEFAULT_EMBED_MODEL, cache_dir: Path | None = None,
                 query_prefix: str | None = None, passage_prefix: str | None = None, batch_size: int = 0,
                 backend: str = DEFAULT_EMBED_BACKEND, threads: int = 0, nice: int = 0):
        from yanbao.index.ort import BACKENDS

        if backend not in BACKENDS:
            raise ModelError(f"unknown embedding backend {backend!r}; use one of {', '.join(BACKENDS)}")
        self.model_name = model
        self.cache_dir = Path(cache_dir) if cache_dir else None
        q, p = default_prefixes(model)
        self.query_prefix = q if query_prefix is None else query_prefix
        self.passage_prefix = p if passage_prefix is None else passage_prefix
        self.backend = backend
        self.registered = model in _REGISTERED  # then `backend` does not apply: the factory computes
        # measured on 2 cores: torch is fastest at small batches (4-8), ONNX Runtime at 1-2
        self.batch_size = batch_size or (8 if backend == "torch" else 1)
        self.threads = threads  # passages embedded on this many threads (ONNX backends); 0: one per core
        # ...this much below normal CPU priority (ONNX backends), so that questions asked during an
        # upload keep their core (README, "Adding and removing a report"); idle cores they still take
        self.passage_nice = nice
        self._model = None
        self._lock = threading.Lock()
        self._encode_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings) -> "Embedder":
        return cls(settings.embed_model, settings.cache_dir, settings.embed_query_prefix,
                   settings.embed_passage_prefix, settings.embed_batch, settings.embed_backend, settings.ingest_threads,
                   settings.ingest_nice)

    def with_threads(self, threads: int) -> "Embedder":
        """The same loaded model, embedding passages on `threads` threads (0: one per core)."""
        other = copy.copy(self)
        other.threads = threads
        return other

    @property
    def model_id(self) -> str:
        """What the manifest records as the model (the prefixes are recorded beside it)."""
        from yanbao.index.ort import INT8_TAG

        return self.model_name + (INT8_TAG if self.backend == "onnx-int8" and not self.registered else "")

    def _load(self):
        with self._lock:
            if self._model is None:
                if self.registered:
                    self._model = _REGISTERED[self.model_name](self.cache_dir, self.batch_size)
                else:
                    self._model = self._load_torch() if self.backend == "torch" else self._load_onnx()
            return self._model

    def _model_path(self) -> str:
        from yanbao.index.model import materialize

        if self.model_name != DEFAULT_EMBED_MODEL:
            return self.model_name
        if self.cache_dir is None:
            raise ModelError("the default model needs a cache directory (YANBAO_CACHE_DIR)")
        return str(materialize(self.cache_dir))

    def _load_torch(self):
        from sentence_transformers import SentenceTransformer

        from yanbao.index.model import quiet_transformers

        quiet_transformers()
        path = self._model_path()
        try:
            return SentenceTransformer(path, device="cpu")
        except Exception as e:  # hub errors, missing files, bad configs
            raise ModelError(
                f"cannot load embedding model '{self.model_name}': {e}. Give a local sentence-transformers "
                f"directory in YANBAO_EMBED_MODEL, or unset it to use the built-in default"
            ) from e

    def _load_onnx(self):
        from yanbao.index.model import MODEL_DIR_NAME
        from yanbao.index.ort import OrtEncoder, ensure_export, ensure_int8_from_fp32, export_dir, read_stamp

        if self.cache_dir is None:
            raise ModelError("the ONNX backend needs a cache directory for its export (YANBAO_CACHE_DIR)")
        source = MODEL_DIR_NAME if self.model_name == DEFAULT_EMBED_MODEL else self.model_name
        quantized = self.backend == "onnx-int8"
        target = export_dir(self.cache_dir, source, quantized)
        stamp = read_stamp(target)
        fp32 = export_dir(self.cache_dir, source, False)
        if stamp is None and quantized and read_stamp(fp32):  # quantize the fp32 export there is
            target = ensure_int8_from_fp32(fp32, self.cache_dir)
        elif stamp is None:  # export once, from the torch model
            target = ensure_export(self._load_torch(), source, self.cache_dir, quantized)
        return OrtEncoder(target, self.batch_size, stamp=stamp)

    def _encode(self, texts: list[str], threads: int = 0, nice: int = 0) -> np.ndarray:
        model = self._load()
        if self.backend != "torch" and not self.registered:  # no lock: a question need not wait for a passage batch
            return model.encode(texts, workers=threads or None, nice=nice)
        with self._encode_lock:  # one model shared by the UI's concurrent sessions
            if self.registered:
                return model.encode(texts)
            return model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                convert_to_numpy=True, show_progress_bar=False)

    @property
    def dim(self) -> int:
        model = self._load()
        if self.registered or self.backend != "torch":
            return model.dim
        get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get())

    def embed_passages(self, texts: list[str], show_progress: bool = True) -> np.ndarray:
        """(n, dim) float32 unit vectors for passages, group by group with a progress bar."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # groups of several batches: each group is sorted by length, so batches pad little,
        # while the progress bar still moves
        group = max(self.batch_size * 8, 32)
        starts = range(0, len(texts), group)
        if show_progress:
            starts = progress(starts, desc=f"embedding {len(texts)} chunks", unit="group")
        for start in starts:
            batch = [self.passage_prefix + t for t in texts[start:start + group]]
            out[start:start + len(batch)] = self._encode(batch, self.threads, self.passage_nice)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        """(dim,) float32 unit vector for one question."""
        return self._encode([self.query_prefix + text])[0].astype(np.float32)
