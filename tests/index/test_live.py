"""A long-running reader follows the live generation without a question ever waiting for the
reopening (index/live.Live): real segments, real BM25 and FAISS (the hashed-token embedder of
test_segments)."""

from __future__ import annotations

import os
import threading

from yanbao.index.live import Live
from yanbao.index.store import open_index, remove
from tests.index.test_segments import HashEmbedder, bm25_top, dense_top, segmented  # noqa: F401 - fixtures below
from tests.index.test_segments import reports, remembered_tokens  # noqa: F401


def test_questions_keep_the_old_generation_while_the_new_one_opens(tmp_path, reports):  # noqa: F811
    root = tmp_path / "idx"
    segmented(root, [reports[:5]])
    release = threading.Event()
    opened: list[str] = []

    def open_slowly():
        index = open_index(root)
        if opened:  # every reopen after the first waits until the test lets it finish
            release.wait(30)
        opened.append(index.dir.name)
        return index

    live = Live(root, open_slowly)
    first = live.get()
    segmented(root, [reports[5:7]])  # a new generation, as an ingest beside the reader makes
    for _ in range(20):  # questions during the reopening: answered at once, from the old generation
        index = live.get()
        assert index is first and bm25_top(index, "AI眼镜出货量") and dense_top(index, "HBM产能")
    assert live._thread is not None and live._thread.is_alive()  # one opener in the background
    release.set()
    live.wait(30)
    new = live.get()
    assert new is not first and new.dir.name == live.generation == opened[-1]
    assert len(new.chunks.files) == len(first.chunks.files) + 2
    assert live.get() is new and live.failures == 0  # nothing changed: nothing reopened


def test_a_reader_follows_several_changes_and_a_failed_open(tmp_path, reports):  # noqa: F811
    root = tmp_path / "idx"
    segmented(root, [reports[:5]])
    fail = threading.Event()

    def open_or_fail():
        if fail.is_set():
            raise OSError("disk went away")
        return open_index(root)

    live = Live(root, open_or_fail)
    first = live.get()
    fail.set()
    remove(root, [reports[0][0]["file"]])
    assert live.get() is first
    live.wait(30)
    assert live.get() is first and live.failures >= 1  # a failed reopen keeps the old generation, logged
    live.wait(30)
    fail.clear()
    segmented(root, [reports[5:6]])
    live.get()
    live.wait(30)
    assert live.get().chunks.files == [e["file"] for e, _ in reports[1:6]]


def test_an_empty_reader_opens_in_the_foreground(tmp_path, reports):  # noqa: F811
    root = tmp_path / "idx"
    live = Live(root, lambda: open_index(root) if (root / "CURRENT").exists() else None)
    assert live.get() is None
    segmented(root, [reports[:2]])
    assert live.get() is not None  # nothing to answer with meanwhile: no background wait


def test_passage_threads_run_below_normal_priority(tmp_path):
    """OrtEncoder's passage batches run on fresh threads niced by `nice`; the caller's priority stays."""
    from yanbao.index.ort import _lower_priority

    seen = []

    def worker():
        _lower_priority(7)
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen == [min(19, before + 7)] and os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before
