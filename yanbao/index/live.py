"""What a long-running reader has open over an index, kept on the live generation without making a
question wait for the reopening.

A question calls `Live.get()`, which reads CURRENT (one small file) and returns what is open. When
CURRENT names a newer generation, one background thread opens it (the caller's `open_fn`: open
the index, build the chain, ask a warm-up question) and swaps the reference once that is done;
questions meanwhile keep the generation they have, whose segments garbage collection leaves in
place while it is the previous one (index/store.py). Nothing opened is ever changed, so the swap
is one assignment. When nothing is open yet (an empty index became a real one), `get` opens in the
foreground: there is nothing else to answer with.

Used by the web UI (ui/app.Service) and the update benchmark's questioning process.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable, Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


def live_name(root: Path) -> str | None:
    """The name CURRENT gives (None when there is no index yet): read on every question, parses nothing."""
    try:
        return (Path(root) / "CURRENT").read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


class Live(Generic[T]):
    """The value `open_fn()` gave for the live generation; see the module docstring."""

    def __init__(self, root: Path, open_fn: Callable[[], T | None]):
        self.root = Path(root)
        self.open_fn = open_fn
        self._start = threading.Lock()  # held a moment: who starts the background thread
        self._opening = threading.Lock()  # one opening at a time (never taken by a question's get)
        self._thread: threading.Thread | None = None
        self._state: tuple[str | None, T | None] = (None, None)  # (generation, value), swapped as one
        self.failures = 0  # background opens that raised (logged; the next question tries again)
        self.refresh()

    @property
    def generation(self) -> str | None:
        return self._state[0]

    @property
    def value(self) -> T | None:
        return self._state[1]

    def get(self) -> T | None:
        """What is open now; starts opening a newer live generation in the background."""
        generation, value = self._state
        if live_name(self.root) == generation:
            return value
        if value is None:
            return self.refresh()
        with self._start:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._follow, name="yanbao-reopen", daemon=True)
                self._thread.start()
        return value

    def refresh(self) -> T | None:
        """Open the live generation now, in the caller's thread (after a change the caller made)."""
        self._open()
        return self.value

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a background opening to finish (tests, benchmarks)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _open(self) -> None:
        with self._opening:
            name = live_name(self.root)
            self._state = (name, self.open_fn())  # one assignment: a question sees the old pair or the new one

    def _follow(self) -> None:
        """Open until the generation opened is the live one (another change may land meanwhile)."""
        for _ in range(8):
            if live_name(self.root) == self.generation:
                return
            try:
                self._open()
            except Exception as e:  # noqa: BLE001 - a question must keep its index; logged, retried on the next one
                self.failures += 1
                log.warning("reopening the index at %s failed, questions keep the generation they have: %s", self.root, e)
                return
