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
from yanbao.eval.judge import answer_verdict, key_point_verdicts, states_accepted, states_input
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
    """True when the answer is right by judge.answer_verdict (figures as quantities, competing
    values, relations); False for an item without accept strings."""
    if not item.accept:
        return False
    return bool(answer_verdict(item, answer_text, refused=False).correct)


def old_answer_correct(item: GoldItem, answer_text: str) -> bool:
    """The scorer before #18: the normalised answer contains a normalised accept string. Kept to
    compare verdicts with."""
    text = normalize(answer_text)
    return any(normalize(a) in text for a in item.accept)


def key_point_coverage(item: GoldItem, answer_text: str, similarity=None) -> float:
    """Share (0..1) of the item's key points the answer covers (judge.key_point_verdicts); 0.0 for
    an item without any."""
    if not item.key_points:
        return 0.0
    verdicts = key_point_verdicts(item, answer_text, similarity)
    return sum(bool(v.correct) for v in verdicts) / len(verdicts)


def old_key_point_coverage(item: GoldItem, answer_text: str) -> float:
    """The scorer before #18: a key point counts when most of its characters appear as one
    unbroken run in the answer (longest common substring >= 60%). Kept to compare with."""
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
    """The scores of one answered question; None means "does not apply to this item" or, for
    scored answers files, "the answers file does not give what this needs"."""

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
    key_points_covered: tuple[bool, ...] | None = None  # one per key point, in gold order
    key_point_reasons: tuple[str, ...] | None = None
    answer_verdict: dict | None = None  # {"correct": bool | None, "reason": str}
    retrieval_known: bool = True  # False: the answers file gives no retrieved passages
    llm_judgment: dict | None = None  # {"correct", "key_points_covered", "reason"} from --judge-llm
    frame: dict | None = None  # what the question was read as asking (qa.frame), when the answerer says
    coverage: str | None = None  # "full", "partial" or "none", when the answerer says

    @property
    def answerable(self) -> bool:
        """True unless the gold says the reports do not hold the answer."""
        return self.type != "unanswerable"

    def to_json(self) -> dict:
        """Plain JSON-ready values (tuples as lists)."""
        d = asdict(self)
        d["retrieved"] = [list(r) for r in self.retrieved]
        d["citations"] = [list(c) for c in self.citations]
        for k in ("key_points_covered", "key_point_reasons"):
            d[k] = list(d[k]) if d[k] is not None else None
        return d


def _name(file: str) -> str:
    return PurePath(file).name


def score_item(item: GoldItem, answer: Answer, *, retrieval_known: bool = True, citations_known: bool = True,
               similarity=None, llm_judgment: dict | None = None) -> ItemResult:
    """The ItemResult of `answer` against `item`: answer, refusal, retrieval and citation scores.

    The answer is judged by judge.answer_verdict and judge.key_point_verdicts. retrieval_known /
    citations_known False (an answers file without "retrieved" / "citations") make those metrics
    None; a citation whose chunk has no text counts toward recall only.
    """
    r = retrieval_scores(item, answer.hits) if retrieval_known else {
        "n_quotes": len(item.sources), "first_hit_rank": None, "all_sources": None}
    verdict = answer_verdict(item, answer.text, answer.refused)
    correct = None
    if item.answerable and item.accept:
        correct = bool(verdict.correct)
    coverage, covered, reasons = None, None, None
    if item.key_points:
        kps = key_point_verdicts(item, answer.text, similarity)
        covered = tuple(bool(v.correct) and not answer.refused for v in kps)
        reasons = tuple(f"{kp[:40]}: {'refused' if answer.refused else v.reason}" for kp, v in zip(item.key_points, kps))
        if item.answerable:
            coverage = sum(covered) / len(covered)
    precision = None
    with_text = [c for c in answer.citations if c.chunk.text]
    if item.answerable and with_text:
        precision = sum(states_accepted(item, c.chunk.text) or states_input(item, c.chunk.text)
                        or any(quote_hits(s.quote, c.chunk.text) for s in item.sources)
                        for c in with_text) / len(with_text)
    gold_files = {_name(s.file) for s in item.sources}
    cited = {_name(c.chunk.file) for c in answer.citations}
    recall = len(gold_files & cited) / len(gold_files) if gold_files and citations_known else None
    return ItemResult(
        id=item.id, type=item.type, difficulty=item.difficulty, question=item.question,
        gold_answer=item.answer, answer=answer.text, refused=answer.refused, correct=correct,
        key_point_coverage=coverage, n_quotes=r["n_quotes"], first_hit_rank=r["first_hit_rank"],
        all_sources_at10=r["all_sources"], citation_precision=precision, citation_recall=recall,
        latency_ms=answer.timings_ms.get("total"),
        retrieved=tuple((h.rank, h.chunk.file, h.chunk.text[:80]) for h in answer.hits[:TOP_K]),
        citations=tuple((c.n, c.chunk.file, (c.highlight or c.chunk.text)[:80]) for c in answer.citations),
        key_points_covered=covered, key_point_reasons=reasons, answer_verdict=verdict.to_json(),
        retrieval_known=retrieval_known, llm_judgment=llm_judgment,
        frame=answer.frame.to_json() if getattr(answer, "frame", None) else None,
        coverage=getattr(answer, "coverage", None) or None,
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
         for r in results if r.retrieval_known]
    )
    if not any(r.retrieval_known for r in results):
        ret = {k: None for k in ret}
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
        **_llm_metrics(results),
    }


def _llm_metrics(results: list[ItemResult]) -> dict:
    """The LLM judge's answer accuracy and key-point coverage, and how often it agrees with the
    rules, over the items it judged; {} when no item was judged by an LLM."""
    judged = [r for r in results if r.llm_judgment is not None]
    if not judged:
        return {}
    acc = [r.llm_judgment["correct"] for r in judged if r.correct is not None]
    kps = [(r.llm_judgment["key_points_covered"], r.key_points_covered) for r in judged
           if r.key_points_covered and r.answerable]
    return {
        "llm_answer_accuracy": _mean(acc),
        "llm_key_point_coverage": _mean([sum(k) / len(k) for k, _ in kps if k]),
        "llm_rule_agreement_answer": _mean([r.llm_judgment["correct"] == r.correct for r in judged
                                            if r.correct is not None and r.llm_judgment["correct"] is not None]),
        "llm_rule_agreement_key_points": _mean([a == b for k, rule in kps if k for a, b in zip(k, rule)]),
    }


def aggregate(results: list[ItemResult]) -> dict:
    """The question-set metrics: means over the items each applies to (None when none do),
    rounded to 4 places, plus `by_type`: the same dict for each question type."""
    groups: dict[str, list[ItemResult]] = defaultdict(list)
    for r in results:
        groups[r.type].append(r)
    return {**_metrics(results), "by_type": {t: _metrics(rs) for t, rs in sorted(groups.items())}}
