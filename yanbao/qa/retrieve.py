"""Hybrid retrieval: BM25 and dense candidates fused by reciprocal rank, filtered and boosted."""

from __future__ import annotations

import logging
import math
import re
import time
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from yanbao.errors import SettingsError
from yanbao.index.chunkstore import ASCII_WORD
from yanbao.index.store import Index
from yanbao.index.tokenize import expand_query, tokenize
from yanbao.qa import frame as frames
from yanbao.ingest.brokers import broker_short
from yanbao.qa.evidence import Query, alternatives, analyze, best_in_chunk, make_query, score_unit
from yanbao.qa.text import squash
from yanbao.qa.query import CERTIFICATE, Catalog, allows, content_terms, covered_companies, named_reports, report_aspect
from yanbao.types import Chunk, Filters, Hit

log = logging.getLogger(__name__)

MODES = ("hybrid", "bm25", "dense")
NAMED_REPORT_BOOST = 2.0  # fused score multiplier for chunks of a report the question names
SUBJECT_BOOST = 1.5  # for chunks naming the question's subject (qa.frame), and again for its period
PERIOD_BOOST = 1.15
BOUND_BONUS = 0.1  # added to the best-sentence score of a sentence or row naming the subject and the asked metric
BM25_SHARE_WEIGHT = 0.01  # second stage: weight of a chunk's BM25 score as a share of the best one's
COVER_BOOST = 3.0  # for the chunks showing what a question about a report itself asks: its cover, certificates, own broker name
_PERIOD = re.compile(r"^(fy)?\d*[qh][1-4]$|^[1-4][qh]$|^fy\d*$|^\d+[ef]$")  # Q3, 24Q3, H1, FY25, 2025E: periods, not names


def rrf(rankings: list[list[int]], k: int) -> dict[int, float]:
    """Reciprocal-rank fusion: row -> sum over rankings of 1 / (k + rank), rank 1-based."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, row in enumerate(ranking, start=1):
            fused[row] = fused.get(row, 0.0) + 1.0 / (k + rank)
    return fused


@dataclass(frozen=True)
class RetrievalConfig:
    k: int = 6
    candidates: int = 50
    rrf_k: int = 60
    boilerplate_weight: float = 0.3
    named_boost: float = NAMED_REPORT_BOOST
    sentence_weight: float = 0.1  # weight of the best-sentence score in the second stage, 0 = off
    sentence_depth: int = 30  # fused candidates the second stage reorders
    subject_boost: float = SUBJECT_BOOST
    period_boost: float = PERIOD_BOOST
    bound_bonus: float = BOUND_BONUS
    cover_boost: float = COVER_BOOST
    bm25_share_weight: float = BM25_SHARE_WEIGHT

    @classmethod
    def from_settings(cls, settings) -> "RetrievalConfig":
        return cls(settings.top_k, settings.candidates, settings.rrf_k, settings.boilerplate_weight,
                   sentence_weight=settings.sentence_weight)




class Retriever:
    """Holds an open index and the query embedder; `retrieve` returns ranked hits."""

    def __init__(self, index: Index, embedder, config: RetrievalConfig = RetrievalConfig(), reranker=None):
        self.index = index
        self.embedder = embedder
        self.config = config
        self.reranker = reranker
        self.row_of = index.row_of
        self._dfs: dict[str, int] = {}

    @cached_property
    def reports(self) -> Catalog:
        return Catalog(self.index.reports())

    def _df(self, token: str) -> int:
        """How many chunks hold this BM25 token (the index's lexical statistics, no re-tokenizing)."""
        if token not in self._dfs:
            self._dfs[token] = self.index.df(token)
        return self._dfs[token]

    def query(self, question: str) -> Query:
        """The question prepared for sentence scoring against this index."""
        return make_query(question, self.reports, self.idf)

    def idf(self, token: str) -> float:
        """BM25-style idf; a token no chunk holds gets the highest idf (it is strong evidence of absence)."""
        n, d = len(self.index.chunks), self._df(token)
        return math.log(1 + (n - d + 0.5) / (d + 0.5))

    @cached_property
    def _codes(self) -> str:
        return self.index.chunks.codes()

    def _absent(self, term: str) -> bool:
        """True when `term` occurs nowhere in the chunks as a word (no latin letter before it, no
        letter or digit after it). Each ASCII part with a letter is looked up in the index's code
        words; for a term of ASCII alone that is exact, for one like "ai眼镜" it errs towards present."""
        parts = [w for w in ASCII_WORD.findall(term) if re.search(r"[a-z]", w)]
        return any(not re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z0-9])", self._codes) for w in parts)

    def unknown_codes(self, question: str) -> list[str]:
        """Names with latin letters or digits (X9, MI355X, Ironwood) in the question that occur
        nowhere in the index: the reports cannot be about them."""
        terms = content_terms(question, self.reports)
        coded = [t for t in terms if re.search(r"[a-z]", t) and not _PERIOD.match(t) and not any(self._df(a) for a in alternatives(t))]
        named = [unicodedata.normalize("NFKC", question).lower()[m.start:m.end] for m in frames.mentions(question)]
        # a word of a name the entity list knows (PS of 索尼PS VR2, written PlayStation VR2 in the reports) is no unknown
        missing = [t for t in coded if self._absent(t) and not any(t in n for n in named)]
        spelled = (re.search(re.escape(t), question, re.I) for t in missing)  # as the question writes it
        return [m.group(0) if m else t for m, t in zip(spelled, missing)]

    @staticmethod
    def unknown_markets(question: str, hits: list[Hit]) -> list[str]:
        """Markets or indexes the question restricts to (创业板, 科创板, 中证1000) that no retrieved passage names:
        a figure of another universe (沪深300成分股) is no answer for them."""
        said = [squash(h.chunk.text) for h in hits]
        return [m for m in dict.fromkeys(frames.MARKET.findall(unicodedata.normalize("NFKC", question)))
                if not any(squash(m) in t for t in said)]

    def allowed_rows(self, filters: Filters) -> np.ndarray | None:
        """Boolean mask of rows that pass the filters, or None when nothing is filtered."""
        if filters.empty:
            return None
        ok = {r.file for r in self.reports if allows(filters, r)}
        if not ok:
            known = "、".join(f"{r.file}（{r.broker or '-'}，{r.date or '无日期'}）" for r in self.reports)
            raise SettingsError(f"筛选条件排除了所有报告，请放宽筛选。已入库：{known}")
        return self.index.chunks.rows_of_reports(ok)

    def bm25_ranking(self, question: str, mask: np.ndarray | None, n: int) -> list[int]:
        return [row for row, _ in self.bm25_hits(question, mask, n)]

    def bm25_hits(self, question: str, mask: np.ndarray | None, n: int) -> list[tuple[int, float]]:
        """(row, BM25 score) of the n best chunks for the question, best first."""
        return self.index.bm25_search(expand_query(tokenize(question)), n, mask)

    def dense_ranking(self, question: str, mask: np.ndarray | None, n: int, timings: dict | None = None,
                      filters: Filters | None = None) -> list[int]:
        if self.embedder is None or not self.index.chunks:
            return []
        t0 = time.perf_counter()
        vec = self.embedder.embed_query(question)
        t1 = time.perf_counter()
        rows = [r for r, _ in self.index.dense_search(vec, n, mask, filters)]
        if timings is not None:
            timings["embed"], timings["dense"] = _ms(t1 - t0), _ms(time.perf_counter() - t1)
        return rows

    def retrieve(self, question: str, filters: Filters = Filters(), k: int | None = None, mode: str = "hybrid",
                 timings: dict | None = None) -> list[Hit]:
        """The top k chunks for a question, best first, 1-based ranks, fused scores. With `timings`,
        the milliseconds of each stage go into it: embed, dense, bm25, fuse (RRF and weights), sentence
        (the second-stage sentence rerank, and a cross-encoder when one is set)."""
        if mode not in MODES:
            raise SettingsError(f"retrieval mode must be one of {MODES}, got {mode!r}")
        k = k or self.config.k
        n = self.config.candidates
        mask = self.allowed_rows(filters)
        rankings = {}
        t0 = time.perf_counter()
        share: dict[int, float] = {}
        if mode in ("hybrid", "bm25"):
            lexical_hits = self.bm25_hits(question, mask, n)
            rankings["bm25"] = [row for row, _ in lexical_hits]
            share = bm25_share(lexical_hits)
        t1 = time.perf_counter()
        if mode in ("hybrid", "dense"):
            rankings["dense"] = self.dense_ranking(question, mask, n, timings, filters)
        t2 = time.perf_counter()
        fused = rrf(list(rankings.values()), self.config.rrf_k)
        named = named_reports(question, self.reports) if len(self.reports) > 1 else set()
        chunks = self.index.chunks
        frame = frames.parse(question, self.reports)
        want = frames.period_of(frame)
        aspect = report_aspect(question)  # a question about a report itself: its cover and author pages are evidence
        for row in fused:
            c = chunks[row]
            if c.boilerplate and not aspect:
                fused[row] *= self.config.boilerplate_weight
            if aspect and shows_report_aspect(c, aspect):
                fused[row] *= self.config.cover_boost
            if c.file in named:
                fused[row] *= self.config.named_boost
            if frame.subject and (frames.names_subject(c.index_text, frame.subject, frame.aliases) or _covers(c, frame)):
                fused[row] *= self.config.subject_boost
        order = sorted(fused, key=lambda r: (-fused[r], r))
        if want is not None:  # the period, on the head only: reading periods costs ~0.1 ms a chunk, once
            head = order[: self.config.sentence_depth]
            for row in head:
                if any(want.matches(p) for p in chunk_periods(chunks[row])):
                    fused[row] *= self.config.period_boost
            order = sorted(head, key=lambda r: (-fused[r], r)) + order[len(head):]
        t3 = time.perf_counter()
        lexical: dict[int, float] = {}
        if self.config.sentence_weight and order:
            # second stage: a chunk with one sentence holding the question's terms (and the kind
            # of fact asked for) beats one that merely mentions them here and there
            q = self.query(question)
            head = order[: self.config.sentence_depth]
            if self.config.bound_bonus and frame.subject and frame.metric:
                # a sentence or table row stating the asked metric of the asked subject beats one about
                # a neighbour (Instinct's HBM next to H200's) or one naming the subject only
                names = frame.aliases or frames.aliases(frame.subject)
                words = frames.metric_words(frame.metric)
                lexical = {r: bound_best_in_chunk(q, chunks[r], names, words, self.config.bound_bonus, _covers(chunks[r], frame))
                           for r in head}
            else:
                lexical = {r: best_in_chunk(q, chunks[r]) for r in head}
            # RRF keeps only ranks: a chunk whose BM25 score is close to the best one's keeps credit for it
            second = {r: fused[r] + self.config.sentence_weight * lexical[r] + self.config.bm25_share_weight * share.get(r, 0.0)
                      for r in head}
            order = sorted(head, key=lambda r: (-second[r], r)) + order[len(head):]
        rerank_scores: dict[int, float] = {}
        if self.reranker is not None:
            head = order[: max(k * 3, 20)]
            rerank_scores = dict(zip(head, self.reranker.score(question, [chunks[r].index_text for r in head])))
            order = sorted(head, key=lambda r: -rerank_scores[r]) + order[len(head):]
        if timings is not None:
            timings.update(bm25=_ms(t1 - t0), fuse=_ms(t3 - t2), sentence=_ms(time.perf_counter() - t3))
        positions = {name: {row: i + 1 for i, row in enumerate(rk)} for name, rk in rankings.items()}
        if lexical:
            positions["sentence"] = {row: round(s, 4) for row, s in lexical.items()}
        if rerank_scores:
            positions["rerank"] = {row: s for row, s in rerank_scores.items()}
        return [
            Hit(
                chunk=chunks[row],
                score=round(fused[row], 6),
                rank=i + 1,
                scores={name: float(pos[row]) for name, pos in positions.items() if row in pos},
            )
            for i, row in enumerate(order[:k])
        ]


def shows_report_aspect(chunk: Chunk, aspect: str) -> bool:
    """True when the chunk is where a report shows `aspect` (qa.query.report_aspect): its authors print
    their certificate numbers, its publisher names itself, and its cover (the first chunk) holds the
    title, the type, and usually both."""
    if aspect == "authors":
        return bool(CERTIFICATE.search(chunk.text))
    broker = chunk.meta.broker
    if aspect == "publisher" and broker and (broker in chunk.text or broker_short(broker) + "证券" in chunk.text):
        return True
    return chunk.start == 0


def bm25_share(hits: list[tuple[int, float]]) -> dict[int, float]:
    """row -> its BM25 score as a share of the best score among `hits` (0..1)."""
    top = max((s for _, s in hits), default=0.0)
    return {row: s / top for row, s in hits} if top > 0 else {}


def _covers(chunk: Chunk, frame) -> bool:
    """True when the chunk's report covers the frame's subject (its title names the company: 华润三九(000999)…):
    there 公司 is the subject, named or not."""
    return bool(frame.subject and chunk.meta.title and frame.subject in covered_companies(chunk.meta.title))


@lru_cache(maxsize=65_536)
def bound_best_in_chunk(q: Query, chunk: Chunk, names: tuple[str, ...], words: tuple[str, ...], bonus: float,
                        covered: bool = False) -> float:
    """The best sentence score in a chunk (evidence.best_in_chunk), where a sentence or table row that
    binds the subject and the metric gets `bonus` more: it names one of the subject's `names` (in
    itself, its table's header row, or the chunk's section heading) and one of the metric's `words`
    (in itself or its header row)."""
    if not q.terms:
        return 0.0
    ctx_toks, ctx_plain, units = analyze(chunk)
    heading = chunk.section.split(" > ")[-1] if chunk.section else ""
    heading_names = covered or frames.names_subject(heading, "", names)  # a company report: its 公司 is the subject
    scores = []
    for u in units:
        score = score_unit(q, u, (ctx_toks, ctx_plain), chunk.boilerplate)[0]
        text = u.text + " " + u.header
        if (heading_names or frames.names_subject(text, "", names)) and binds_metric(text, words):
            score += bonus
        scores.append(score)
    return max(scores, default=0.0)


def binds_metric(text: str, words: tuple[str, ...]) -> bool:
    """True when `text` names the metric by one of its words (case and width folded)."""
    t = unicodedata.normalize("NFKC", text).lower()
    return any(unicodedata.normalize("NFKC", w).lower() in t for w in words)


@lru_cache(maxsize=50_000)
def chunk_periods(chunk) -> tuple:
    """The periods a chunk's text (with its heading and table context) mentions."""
    return tuple(p for _, _, p in frames.periods(chunk.index_text))


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)
