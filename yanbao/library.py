"""The report library: what the CLI, the web UI and `yanbao eval` do to an index, in one place.

It sits above ingest and index: report files are read here (ingest), and the chunks go into the
index through one writer (index/store.Writer), which adds one small segment per change and never
re-reads what is already indexed.

    update(root, paths, ...)    add new reports, replace changed ones, skip unchanged ones (nothing embedded)
    remove(root, names, ...)    remove reports by file name (a tombstone in the next manifest)
    sync(root, folder, ...)     make the index hold exactly the reports in a folder
    correct / report_metadata   people's metadata corrections (index/corrections.py)
    compact(root, ...)          merge segments (index/store.compact)
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path
from typing import Iterable

from yanbao.errors import IndexMismatchError, LoadError, shown
from yanbao.index import corrections, store
from yanbao.index.store import BuildConfig, CorrectionResult, UpdateResult, compact, correct, report_metadata  # noqa: F401
from yanbao.hashing import sha256_file
from yanbao.ingest.pipeline import expand, try_ingest
from yanbao.progress import progress
from yanbao.types import ReportMeta

log = logging.getLogger(__name__)


def update(root: Path, paths: Iterable[Path], settings, embedder, rebuild: bool = False) -> UpdateResult:
    """Add new reports, replace changed ones, skip unchanged ones (no embedding) and bad ones."""
    root = Path(root)
    config = BuildConfig.from_settings(settings, embedder)
    result = UpdateResult()
    with store.Writer(root, settings, config, rebuild=rebuild) as w:
        fixes = corrections.load(root)
        if w.old is not None and not rebuild:  # corrections saved but not yet live (a crash before the swap)
            for digest, fix in fixes.items():  # only the corrected reports' metadata is parsed
                for name in w.old.files_with_digest(digest):
                    if not fix.get("fields"):
                        continue
                    meta = ReportMeta.from_json(w.entry(name)["meta"])
                    fixed = corrections.apply(meta, fix["fields"])
                    if fixed != meta:
                        log.info("applying the saved metadata correction of %s", shown(name))
                        w.set_meta(name, fixed)
        seen_paths: dict[str, Path] = {}
        for path in progress(list(expand(paths)), desc="reports", unit="file"):
            name = path.name
            if name in seen_paths:
                if seen_paths[name].resolve() == path.resolve():
                    continue  # the same file named twice (a folder and a path inside it): read once
                why = f"same file name as {seen_paths[name]}; rename one of them"
                log.warning("skip %s: %s", shown(str(path)), why)
                result.skipped.append((str(path), why))
                continue
            seen_paths[name] = path
            try:
                digest = sha256_file(path)
            except OSError as e:
                result.skipped.append((name, f"cannot read file: {e.strerror}"))
                continue
            if not rebuild and w.digest(name) == digest:
                result.unchanged.append(name)
                continue
            twin = next((f for f in [w.file_with_digest(digest)] if f and f != name), None)
            if twin:
                why = f"same content as '{twin}', already indexed (duplicate)"
                log.warning("skip %s: %s", shown(name), why)
                result.skipped.append((name, why))
                continue
            report, skip = try_ingest(path, settings.chunk_chars, settings.overlap_chars, settings.max_file_mb << 20,
                                      settings.max_report_chars)
            if skip:
                result.skipped.append(skip)
                continue
            (result.replaced if w.old is not None and name in w.old and not rebuild else result.added).append(name)
            meta = corrections.apply(report.meta, fixes.get(digest, {}).get("fields"))  # people's corrections win
            # "source": where the original was read, for the source viewer (PDF pages, downloads)
            entry = {"file": name, "sha256": digest, "chunks": len(report.chunks), "meta": meta.to_json(),
                     "source": str(path.resolve())}
            w.add(entry, list(report.chunks) if meta is report.meta else [replace(c, meta=meta) for c in report.chunks])
        if rebuild and not w.reports:
            raise LoadError(str(root), "rebuild found no readable reports in the paths given; the index was left as it was")
        if not w.changed:
            result.total_chunks = len(w.old.chunks) if w.old else 0
            result.generation = w.old.dir.name if w.old else ""
            result.segments = len(w.old.segments) if w.old else 0
            return result
        done = w.commit(_sharing_cores(embedder) if w.old is not None and len(w.old.chunks) and not rebuild else embedder)
    for k in ("embedded_chunks", "embed_s", "total_chunks", "generation", "segments"):
        setattr(result, k, getattr(done, k))
    return result


def _sharing_cores(embedder):
    """The embedder for an addition to an index that exists, one the web UI may be answering from:
    passages on every core but one, so that questions asked meanwhile keep theirs (on 2 cores at 1M
    chunks, with questions asked all along: 2.5 s for 58 chunks on one thread, 17 s on two at lower
    priority; README, "Adding and removing a report"). YANBAO_INGEST_THREADS, when set, decides; a new
    index is built on every core."""
    if embedder.threads:
        return embedder
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return embedder.with_threads(max(1, cores - 1))


def remove(root: Path, names: Iterable[str], settings=None) -> UpdateResult:
    """Remove reports by the file name `yanbao list` shows."""
    return store.remove(root, names, settings)


def sync(root: Path, folder: Path, settings, embedder) -> UpdateResult:
    """Make the index at `root` hold exactly the reports in `folder`: new and changed ones in,
    ones no longer there out; an index built with other settings (model, chunking) is rebuilt."""
    root = Path(root)
    try:
        result = update(root, [folder], settings, embedder)
    except IndexMismatchError as e:
        log.warning("rebuilding %s for the current settings: %s", root, e)
        result = update(root, [folder], settings, embedder, rebuild=True)
    for name, reason in result.skipped:
        log.warning("skip %s: %s", name, reason)
    if store.current_generation(root) is not None:
        wanted = {p.name for p in expand([folder])}
        stale = [r.file for r in store.open_index(root, settings=settings).reports() if r.file not in wanted]
        if stale:
            gone = remove(root, stale, settings)
            result.removed, result.total_chunks, result.generation = gone.removed, gone.total_chunks, gone.generation
    return result
