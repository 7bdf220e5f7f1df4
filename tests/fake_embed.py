"""A deterministic embedding model for tests where the model is not the point: character bigrams
hashed into 64 signed buckets, unit length. Texts sharing words land near each other, so
retrieval still behaves like retrieval; nothing is loaded, so an index of the five reports is
built in well under a second. Registered by name (tests/conftest.py), like a plugin's model."""

from __future__ import annotations

import zlib

import numpy as np

FAKE_MODEL = "fake-hash-64"


class HashEncoder:
    """The Encoder a registered model returns (yanbao.index.embed.Encoder)."""

    def __init__(self, dim: int = 64):
        self.dim = dim

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            grams = [text[j:j + 2] for j in range(len(text) - 1)] or [text]
            for g in grams:
                h = zlib.crc32(g.encode("utf-8"))
                out[i, h % self.dim] += 1.0 if h & (1 << 20) else -1.0
            norm = float(np.linalg.norm(out[i]))
            if norm == 0.0:  # "" or grams that cancel out: still a unit vector
                out[i, 0], norm = 1.0, 1.0
            out[i] /= norm
        return out


def register():
    """Register FAKE_MODEL (yanbao.index.embed.register_model); returns the function that takes it
    back. The session fixture calls it, and so does a test's `python -c` child before the CLI runs."""
    from yanbao.index.embed import register_model

    return register_model(FAKE_MODEL, lambda cache_dir, batch_size: HashEncoder())
