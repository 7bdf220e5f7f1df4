"""`yanbao eval`: every gold question through the same chain the UI uses, then the scores."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from yanbao.eval.gold import GoldItem, load_gold
from yanbao.eval.metrics import aggregate, retrieval_aggregate, retrieval_scores, score_item
from yanbao.progress import progress

log = logging.getLogger(__name__)

EVAL_DEPTH = 10  # retrieval is scored on the top 10, answers use the chain's top k


def ensure_index(reports_dir: Path, settings, embedder) -> None:
    """Build or update the index at settings.index_dir so that it holds the reports in `reports_dir`;
    an index built with other settings (model, backend, chunking) is rebuilt."""
    from yanbao.errors import IndexMismatchError
    from yanbao.index.store import current_generation, open_index, remove, update
    from yanbao.ingest.pipeline import expand

    try:
        result = update(settings.index_dir, [reports_dir], settings, embedder)
    except IndexMismatchError as e:
        log.warning("rebuilding %s for the current settings: %s", settings.index_dir, e)
        result = update(settings.index_dir, [reports_dir], settings, embedder, rebuild=True)
    for name, reason in result.skipped:
        log.warning("skip %s: %s", name, reason)
    if current_generation(settings.index_dir) is not None:
        wanted = {p.name for p in expand([reports_dir])}
        stale = [r.file for r in open_index(settings.index_dir, settings=settings).reports() if r.file not in wanted]
        if stale:
            remove(settings.index_dir, stale, settings)


def evaluate(items: list[GoldItem], chain, mode: str = "extractive", ablations: bool = False, show_progress: bool = True):
    """(metrics dict, per-item results) of the chain on the gold items."""
    results, per_mode = [], {"bm25": [], "dense": [], "hybrid": []}
    loop = progress(items, desc="eval", unit="q") if show_progress else items
    for item in loop:
        answer = chain.ask(item.question, mode=mode)
        hits10 = chain.retriever.retrieve(answer.rewritten_question, k=EVAL_DEPTH)
        results.append(score_item(item, replace(answer, hits=tuple(hits10))))
        if ablations:
            per_mode["hybrid"].append(retrieval_scores(item, hits10))
            for m in ("bm25", "dense"):
                per_mode[m].append(retrieval_scores(item, chain.retriever.retrieve(item.question, k=EVAL_DEPTH, mode=m)))
    metrics = aggregate(results)
    metrics["mode"] = mode
    if ablations:
        metrics["ablations"] = {m: retrieval_aggregate(s) for m, s in per_mode.items()}
    return metrics, results


def run(gold: Path, reports_dir: Path, settings, out_dir: Path | None = None, mode: str = "extractive",
        ablations: bool = False, limit: int | None = None, threshold: float | None = None):
    """Load the gold file, make sure the index is there, evaluate, write outputs; returns the metrics."""
    from yanbao.eval.report import write_outputs
    from yanbao.index.embed import Embedder
    from yanbao.qa.chain import QAChain

    items = load_gold(gold)[:limit] if limit else load_gold(gold)
    embedder = Embedder.from_settings(settings)
    ensure_index(reports_dir, settings, embedder)
    chain = QAChain.open(settings, embedder)
    if threshold is not None:
        chain.threshold = threshold
    metrics, results = evaluate(items, chain, mode, ablations)
    metrics["gold"] = str(gold)
    if out_dir is not None:
        write_outputs(Path(out_dir), metrics, results)
    return metrics, results
