"""Embedder: a sentence-transformers model loaded on first use, with per-model prefixes.

The default model is materialized offline (see model.py); any sentence-transformers name or
local path works by setting. Prefixes ("query: " / "passage: " for e5) are applied here,
never by callers. Vectors come back L2-normalised float32, ready for inner-product search.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from yanbao.errors import ModelError
from yanbao.progress import progress
from yanbao.settings import DEFAULT_EMBED_MODEL

log = logging.getLogger(__name__)

# Known prefixes by model family; a setting overrides them.
_PREFIXES = (
    ("e5", "query: ", "passage: "),
    ("bge-", "为这个句子生成表示以用于检索相关文章：", ""),
)


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
    """Holds one loaded embedding model; thread-safe lazy load."""

    def __init__(self, model: str = DEFAULT_EMBED_MODEL, cache_dir: Path | None = None,
                 query_prefix: str | None = None, passage_prefix: str | None = None, batch_size: int = 32):
        self.model_name = model
        self.cache_dir = Path(cache_dir) if cache_dir else None
        q, p = default_prefixes(model)
        self.query_prefix = q if query_prefix is None else query_prefix
        self.passage_prefix = p if passage_prefix is None else passage_prefix
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()
        self._encode_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings) -> "Embedder":
        return cls(settings.embed_model, settings.cache_dir, settings.embed_query_prefix,
                   settings.embed_passage_prefix, settings.embed_batch)

    @property
    def model_id(self) -> str:
        """What the manifest records as the model (the prefixes are recorded beside it)."""
        return self.model_name

    def _load(self):
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                from yanbao.index.model import materialize, quiet_transformers

                quiet_transformers()
                if self.model_name == DEFAULT_EMBED_MODEL:

                    if self.cache_dir is None:
                        raise ModelError("the default model needs a cache directory (YANBAO_CACHE_DIR)")
                    path = str(materialize(self.cache_dir))
                else:
                    path = self.model_name
                try:
                    self._model = SentenceTransformer(path, device="cpu")
                except Exception as e:  # hub errors, missing files, bad configs
                    raise ModelError(
                        f"cannot load embedding model '{self.model_name}': {e}. Give a local sentence-transformers "
                        f"directory in YANBAO_EMBED_MODEL, or unset it to use the built-in default"
                    ) from e
            return self._model

    @property
    def dim(self) -> int:
        model = self._load()
        get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get())

    def embed_passages(self, texts: list[str], show_progress: bool = True) -> np.ndarray:
        """(n, dim) float32 unit vectors for passages, batch by batch with a progress bar."""
        model = self._load()
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # groups of several batches: sentence-transformers sorts each group by length, so
        # batches pad little, while the progress bar still moves
        group = self.batch_size * 8
        starts = range(0, len(texts), group)
        if show_progress:
            starts = progress(starts, desc=f"embedding {len(texts)} chunks", unit="group")
        for start in starts:
            batch = [self.passage_prefix + t for t in texts[start:start + group]]
            with self._encode_lock:
                out[start:start + len(batch)] = model.encode(
                    batch, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
                )
        return out

    def embed_query(self, text: str) -> np.ndarray:
        """(dim,) float32 unit vector for one question."""
        model = self._load()
        with self._encode_lock:  # one tokenizer shared by the UI's concurrent sessions
            v = model.encode([self.query_prefix + text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return v[0].astype(np.float32)
