"""Progress bars on stderr for long work: shown on a terminal, silent in CI logs and tests."""

from __future__ import annotations

import sys
from typing import Iterable, TypeVar

T = TypeVar("T")


def enabled() -> bool:
    """True when stderr is a terminal and neither CI nor YANBAO_NO_PROGRESS is set."""
    from yanbao.settings import progress_allowed

    return progress_allowed() and sys.stderr.isatty()


def progress(items: Iterable[T], desc: str, unit: str = "it", total: int | None = None) -> Iterable[T]:
    """`items`, wrapped in a tqdm bar when enabled()."""
    if not enabled():
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit=unit, total=total, file=sys.stderr, leave=False)
