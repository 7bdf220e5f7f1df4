"""Optional cross-encoder reranking: any sentence-transformers CrossEncoder name or path."""

from __future__ import annotations

import logging

from yanbao.errors import ModelError

log = logging.getLogger(__name__)


class Reranker:
    """A CrossEncoder loaded on first use; `score` gives one relevance score per passage."""

    def __init__(self, name_or_path: str, batch_size: int = 16):
        self.name = name_or_path
        self.batch_size = batch_size
        self._model = None

    def _load(self):
        if self._model is None:
            from sentence_transformers import CrossEncoder

            from yanbao.index.model import quiet_transformers

            quiet_transformers()
            try:
                self._model = CrossEncoder(self.name, device="cpu")
            except (OSError, ValueError) as e:
                raise ModelError(
                    f"cannot load reranker {self.name!r}: {e}. YANBAO_RERANKER must be a local CrossEncoder "
                    "directory or a model name already in the sentence-transformers cache; unset it to rank without one."
                ) from e
        return self._model

    def score(self, question: str, passages: list[str]) -> list[float]:
        """Relevance of each passage to the question, higher is better."""
        if not passages:
            return []
        scores = self._load().predict([(question, p) for p in passages], batch_size=self.batch_size, show_progress_bar=False)
        return [float(s) for s in scores]


def from_settings(settings) -> Reranker | None:
    """The configured reranker, or None when YANBAO_RERANKER is empty (the default)."""
    return Reranker(settings.reranker) if settings.reranker else None
