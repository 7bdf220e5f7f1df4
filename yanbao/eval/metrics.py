"""Scoring: one Answer against one GoldItem, then the means over a question set.

Everything here is a pure function of its arguments. Text is compared after `normalize`, the
same on both sides: chunks were NFKC-cleaned (and may have had line breaks joined) while gold
quotes are verbatim from the raw report, full-width punctuation and markdown included.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from difflib import SequenceMatcher
from pathlib import PurePath

from yanbao.eval.gold import GoldItem
from yanbao.eval.text import normalize
from yanbao.types import Answer, Hit

TOP_K = 10
MIN_SHARE = 0.6  # longest common substring must cover this share of a quote / key point
KS = (1, 3, 5, 10)

def _covers(needle: str, haystack: str) -> bool:
    """True when normalised `needle` is in normalised `haystack`, or their longest common
    substring is at least MIN_SHARE of the needle's characters."""
    if not needle:
        return False
    if needle in haystack:
        return True
    m = SequenceMatcher(None, needle, haystack, autojunk=False)
    return m.find_longest_match(0, len(needle), 0, len(haystack)).size >= MIN_SHARE * len(needle)


def quote_hits(quote: str, chunk_text: str) -> bool:
    """True when a chunk holds a gold quote: substring after normalising, or a longest common
    substring covering >= 60% of the normalised quote (a quote across a chunk boundary or page
    furniture the cleaner dropped)."""
    return _covers(normalize(quote), normalize(chunk_text))


def answer_correct(item: GoldItem, answer_text: str) -> bool:
    """True when the normalised answer contains any normalised accept string (False if none)."""
    text = normalize(answer_text)
    return any(normalize(a) in text for a in item.accept)


def key_point_coverage(item: GoldItem, answer_text: str) -> float:
    """Share (0..1) of the item's key points the answer covers; 0.0 for an item without any.

    A key point is covered when it is a normalised substring of the answer, or its longest
    common substring with the answer is >= 60% of its characters: key points are phrases
    ("AI硬件销量不及预期"), so a paraphrase that keeps most of one contiguous run still counts.
    """
    if not item.key_points:
        return 0.0
    text = normalize(answer_text)
    return sum(_covers(normalize(k), text) for k in item.key_points) / len(item.key_points)


def retrieval_scores(item: GoldItem, hits: list[Hit] | tuple[Hit, ...]) -> dict:
    """Retrieval of one item in the top 10: {"n_quotes", "first_hit_rank", "all_sources"}.

    first_hit_rank is the 1-based rank of the first hit holding any gold quote (None: a miss,
    or no quotes). all_sources is whether every quote is held by some top-10 hit, only for
    items with >= 2 quotes (else None).
    """
    quotes = [s.quote for s in item.sources]
    top = sorted((h for h in hits if h.rank <= TOP_K), key=lambda h: h.rank)
    held = [[quote_hits(q, h.chunk.text) for q in quotes] for h in top]
    first = next((h.rank for h, row in zip(top, held) if any(row)), None)
    every = all(any(row[i] for row in held) for i in range(len(quotes))) if len(quotes) >= 2 else None
    return {"n_quotes": len(quotes), "first_hit_rank": first, "all_sources": every}


@dataclass(frozen=True)
class ItemResult:
    """The scores of one answered question; None means "does not apply to this item"."""

    id: str
    type: str
    difficulty: str
    question: str
    gold_answer: str
    answer: str
    refused: bool
    correct: bool | None  # None for key-points-only and unanswerable items
    key_point_coverage: float | None
    n_quotes: int
    first_hit_rank: int | None  # 1-based, within the top 10
    all_sources_at10: bool | None  # only for items with >= 2 quotes
    citation_precision: float | None
    citation_recall: float | None
    latency_ms: float | None
    retrieved: tuple[tuple[int, str, str], ...] = ()  # (rank, file, first 80 characters)
    citations: tuple[tuple[int, str, str], ...] = ()  # (n, file, first 80 characters of highlight)

    @property
    def answerable(self) -> bool:
        """True unless the gold says the reports do not hold the answer."""
        return self.type != "unanswerable"

    def to_json(self) -> dict:
        """Plain JSON-ready values (tuples as lists)."""
        d = asdict(self)
        d["retrieved"] = [list(r) for r in self.retrieved]
        d["citations"] = [list(c) for c in self.citations]
        return d


def _name(file: str) -> str:
    return PurePath(file).name


def score_item(item: GoldItem, answer: Answer) -> ItemResult:
    """The ItemResult of `answer` against `item`: answer, refusal, retrieval and citation scores."""
    r = retrieval_scores(item, answer.hits)
    correct = None
    if item.answerable and item.accept:
        correct = not answer.refused and answer_correct(item, answer.text)
    coverage = None
    if item.answerable and item.key_points:
        coverage = 0.0 if answer.refused else key_point_coverage(item, answer.text)
    precision = None
    if item.answerable and answer.citations:
        accept = [normalize(a) for a in item.accept]

        def supports(text: str) -> bool:
            norm = normalize(text)
            return any(a in norm for a in accept) or any(quote_hits(s.quote, text) for s in item.sources)

        precision = sum(supports(c.chunk.text) for c in answer.citations) / len(answer.citations)
    gold_files = {_name(s.file) for s in item.sources}
    cited = {_name(c.chunk.file) for c in answer.citations}
    recall = len(gold_files & cited) / len(gold_files) if gold_files else None
    return ItemResult(
        id=item.id, type=item.type, difficulty=item.difficulty, question=item.question,
        gold_answer=item.answer, answer=answer.text, refused=answer.refused, correct=correct,
        key_point_coverage=coverage, n_quotes=r["n_quotes"], first_hit_rank=r["first_hit_rank"],
        all_sources_at10=r["all_sources"], citation_precision=precision, citation_recall=recall,
        latency_ms=answer.timings_ms.get("total"),
        retrieved=tuple((h.rank, h.chunk.file, h.chunk.text[:80]) for h in answer.hits[:TOP_K]),
        citations=tuple((c.n, c.chunk.file, (c.highlight or c.chunk.text)[:80]) for c in answer.citations),
    )


def _mean(values) -> float | None:
    """Mean of the values that are not None, rounded to 4 places; None when there are none."""
    vals = [float(v) for v in values if v is not None]
    return round(sum(vals) / len(vals), 4) if vals else None


def percentile(values, p: float) -> float | None:
    """The nearest-rank p-th percentile (0 < p <= 100) of the non-None values: the smallest
    value with at least p% of values at or below it; None when there are none."""
    vals = sorted(v for v in values if v is not None)
    if not vals:
        return None
    return round(float(vals[max(0, math.ceil(p / 100 * len(vals)) - 1)]), 4)


def retrieval_aggregate(scores: list[dict]) -> dict:
    """hit@1/3/5/10, mrr@10 and all_sources@10 over `retrieval_scores` dicts; n_items counts
    the items with at least one gold quote (the denominator), items without quotes are skipped."""
    rows = [s for s in scores if s["n_quotes"] > 0]
    ranks = [s["first_hit_rank"] for s in rows]
    out: dict = {"n_items": len(rows)}
    for k in KS:
        out[f"hit@{k}"] = _mean([r is not None and r <= k for r in ranks])
    out["mrr@10"] = _mean([1 / r if r is not None and r <= TOP_K else 0.0 for r in ranks])
    out["all_sources@10"] = _mean([s["all_sources"] for s in rows])
    return out


def _metrics(results: list[ItemResult]) -> dict:
    ret = retrieval_aggregate(
        [{"n_quotes": r.n_quotes, "first_hit_rank": r.first_hit_rank, "all_sources": r.all_sources_at10}
         for r in results]
    )
    answerable = [r for r in results if r.answerable]
    return {
        "n_items": len(results),
        **{k: ret[k] for k in ("hit@1", "hit@3", "hit@5", "hit@10", "mrr@10", "all_sources@10")},
        "answer_accuracy": _mean([r.correct for r in results]),
        "key_point_coverage": _mean([r.key_point_coverage for r in results]),
        "refusal_accuracy": _mean([r.refused for r in results if not r.answerable]),
        "false_refusal_rate": _mean([r.refused for r in answerable]),
        "citation_precision": _mean([r.citation_precision for r in results]),
        "citation_recall": _mean([r.citation_recall for r in results]),
        "latency_ms_p50": percentile([r.latency_ms for r in results], 50),
        "latency_ms_p95": percentile([r.latency_ms for r in results], 95),
    }


def aggregate(results: list[ItemResult]) -> dict:
    """The question-set metrics: means over the items each applies to (None when none do),
    rounded to 4 places, plus `by_type`: the same dict for each question type."""
    groups: dict[str, list[ItemResult]] = defaultdict(list)
    for r in results:
        groups[r.type].append(r)
    return {**_metrics(results), "by_type": {t: _metrics(rs) for t, rs in sorted(groups.items())}}
