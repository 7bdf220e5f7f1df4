"""Reading .npy files safely from several threads."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

_lock = threading.Lock()


def load(path: Path, mmap: bool = False) -> np.ndarray:
    """The array stored at `path` (memory-mapped read-only with `mmap`), read under one process-wide
    lock: numpy parses an .npy header with ast.literal_eval, and CPython 3.11 raises SystemError
    ("AST constructor recursion depth mismatch") when two threads do that at once, as a question
    and an ingest in the web UI can."""
    with _lock:
        return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
