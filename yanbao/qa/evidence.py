"""How well a sentence of a passage answers a question: shared by retrieval and the answerers.

A sentence is scored by how much of the question's content it holds (idf-weighted jieba
terms, synonyms, and plain substrings, since jieba may cut a word differently in the
question and the passage), plus character bigrams for paraphrases, plus whether it holds the
kind of fact asked for. A table row is read together with its table's header row.
Passages are cut and tokenized once and remembered (chunks are immutable).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable

from yanbao.index.tokenize import synonym_groups, tokenize
from yanbao.ingest import glued
from yanbao.ingest.valuation import STOCK_CODE
from yanbao.qa.query import content_terms, fact_kind
from yanbao.qa.text import DATE_IN_TEXT, FIGURE_IN_TEXT, MODEL_CODE, bigrams, sentence_spans
from yanbao.quantity import quantities
from yanbao.types import Chunk, Hit, ReportMeta

_STANDALONE_NUMBER = re.compile(r"(?<![A-Za-z\d.])\d+(?:\.\d+)?(?![A-Za-z\d])")  # not K100, not V3
_VALUE_CELL = re.compile(r"[-+−]?\d|[-−–]+$|N/?A$")  # 2.29, -20.73, and "-" where a value is missing
_BARE_FIGURES = re.compile(rf"^(?!(?:{STOCK_CODE.pattern})\b)[\d.]+\s*[%A-Za-z/]*[\t ]")  # a stock code starts a row


@dataclass(frozen=True)
class Query:
    """A question prepared for scoring: the fact kind, content terms and their idf weights."""

    text: str
    kind: str
    terms: tuple[str, ...]
    weights: tuple[float, ...]
    bigrams: frozenset[str]


def make_query(question: str, reports: list[ReportMeta], idf: Callable[[str], float]) -> Query:
    terms = tuple(content_terms(question, reports))
    return Query(question, fact_kind(question), terms, tuple(idf(t) for t in terms),
                 frozenset(bigrams("".join(terms)) or bigrams(question)))


@dataclass(frozen=True)
class Unit:
    """A sentence or table row of a chunk, analysed once."""

    start: int
    end: int
    text: str
    key: str  # whitespace-free text, to spot the same sentence in overlapping chunks
    row: bool
    is_header: bool
    header: str  # for a data row: the table's header row
    toks: frozenset[str]
    header_toks: frozenset[str]
    plain: str  # NFKC lower-case text, for substring matches
    bigrams: frozenset[str]


@dataclass(frozen=True)
class Scored:
    """One candidate sentence: which hit it comes from, its span in that chunk, its scores."""

    hit: int  # index into the hits list
    start: int
    end: int
    text: str
    score: float
    coverage: float  # idf-weighted share of the question's terms found (0..1)
    header: str = ""  # for a table row: the table's header row


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for group in synonym_groups():
        toks = {t for term in group for t in tokenize(term)}
        for t in toks:
            out.setdefault(t, set()).update(toks)
    return {t: frozenset(v) for t, v in out.items()}


@lru_cache(maxsize=50_000)
def alternatives(term: str) -> frozenset[str]:
    """The term and its synonyms (data/synonyms.txt); asked once per term and sentence scored."""
    return _synonyms().get(term, frozenset()) | {term}


def has_values(row: str) -> bool:
    """True when at least half the cells after the first start with a digit: a data row, not a header."""
    cells = [c.strip() for c in row.split("\t")[1:] if c.strip()]
    marked = [bool(glued.header_periods(c)) for c in cells]
    if any(marked) and all(m or c.isdigit() and len(c) == 4 for m, c in zip(marked, cells)):
        return False  # 2020 | 2021E | 2022E: a forecast table's periods, its header
    return bool(cells) and sum(bool(_VALUE_CELL.match(c)) for c in cells) * 2 >= len(cells)


def row_header(chunk: Chunk, start: int) -> str:
    """The header row of the table row at `start` in the chunk ("" for a sentence or a header)."""
    return next((u.header for u in analyze(chunk)[2] if u.start <= start < u.end), "")


def _measured(row: str) -> bool:
    """True when a cell after the first holds a figure with its unit (H20 | Hopper (阉割) | 未知 | 96GB | 400W):
    under a header, a row of the table however many of its cells are words."""
    return any(q.unit for c in row.split("\t")[1:] for q in quantities(c))


def names_columns(row: str) -> bool:
    """True when a row's cells after the first name companies, products or periods (a header of columns)."""
    from yanbao.qa.frame import mentions, periods

    rest = "\t".join(row.split("\t")[1:])
    cells = [c.strip() for c in row.split("\t")[1:] if c.strip()]
    # (DeepEdge 10 | DeepEdge 10 Max: products the entity list lacks)
    return bool(mentions(rest) or periods(rest)) or bool(cells) and all(MODEL_CODE.search(c) for c in cells)


def _year_row(line: str, before: str) -> bool:
    """True for a full row labelled by a year (2016 | -3.67% | …, as many cells as the row before): a row of
    its own, not the rest of a row the PDF broke."""
    cells = lambda row: len([c for c in row.split("\t") if c.strip()])  # noqa: E731
    return bool(re.match(r"(?:19|20)\d{2}\t", line.lstrip())) and cells(line) >= cells(before.split("\n")[-1])


def _spans(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, is_table_row) of a chunk's sentences; a table row broken by the PDF (a
    line of bare figures after a row) is joined back to the row it continues."""
    out: list[tuple[int, int, bool]] = []
    for s, e in sentence_spans(text):
        row = "\t" in text[s:e]
        if row and out and out[-1][2] and _BARE_FIGURES.match(text[s:e]) and not _year_row(text[s:e], text[out[-1][0]:out[-1][1]]):
            out[-1] = (out[-1][0], e, True)
            continue
        line = text.rfind("\n", 0, s) + 1
        if row and line < s and not text[line:s].strip():
            s = line  # \tA100\tH100…: a header's empty first cell keeps the columns in place
        out.append((s, e, row))
    return out


@lru_cache(maxsize=50_000)
def analyze(chunk: Chunk) -> tuple[frozenset[str], str, tuple[Unit, ...]]:
    """(context tokens, context plain text, units) of a chunk; computed once per chunk."""
    header = chunk.context.splitlines()[-1] if chunk.context else ""
    header_toks = frozenset(tokenize(chunk.context))
    units = []
    in_table = "\t" in header  # a chunk that starts inside a table goes on under the header its context gives
    for s, e, row in _spans(chunk.text):
        text = chunk.text[s:e]
        # a row without figures heads the table, unless the table already has a header naming its columns
        # (参数 | B30 | H20): 架构 | Blackwell (台积电4N工艺) and PCIe 接口 | PCIe 4.0 x16 are rows of that table
        is_header = row and not has_values(text) and not (in_table and (names_columns(header) or _measured(text)))
        products = products_of(header, text) if row and in_table and not is_header else ""
        in_table = row
        if is_header or products:  # (厂商 | 谷歌 | 亚马逊, then 加速卡 | TPUv6e | Trainium2: each column is a product)
            is_header = True
            header = products or text
            header_toks = frozenset(tokenize(header))
        units.append(Unit(
            s, e, text, "".join(text.split()), row, is_header, header if row and not is_header else "",
            frozenset(tokenize(text)), header_toks if row and not is_header else frozenset(), _plain(text),
            frozenset(bigrams(text)),
        ))
    return frozenset(tokenize(chunk.index_text)), _plain(chunk.index_text), tuple(units)


def products_of(header: str, row: str) -> str:
    """The header with a second header row merged in, when that row names under each maker the header
    names one of its products (厂商 | 谷歌 | 亚马逊 over 加速卡 | TPUv6e | Trainium2 -> 厂商 加速卡 | 谷歌 TPUv6e |
    亚马逊 Trainium2); "" otherwise (架构 | Blackwell under 参数 | B30 | H20 is a row of that table)."""
    from yanbao.qa.frame import mentions, owners

    heads, cells = header.split("\t"), row.split("\t")
    if len(heads) != len(cells) or len(cells) < 3:
        return ""
    pairs = [(mentions(h), mentions(c), c) for h, c in zip(heads[1:], cells[1:]) if h.strip() and c.strip()]
    known = [(hm, cm) for hm, cm, _ in pairs if cm]
    coded = all(re.search(r"[A-Za-z]", c) and re.search(r"\d", c) for _, cm, c in pairs if not cm)  # TPUv6e: a model code
    if not known or not coded or not all(hm and hm[-1].name in owners(cm[-1].name)[1:] for hm, cm in known):
        return ""
    return "\t".join(f"{h.strip()} {c.strip()}".strip() for h, c in zip(heads, cells))


def _holds(terms: tuple[str, ...], toks: frozenset[str], text: str) -> tuple[bool, ...]:
    """For each term: does the source hold it (or a synonym) as a token or as a substring."""
    return tuple(not alts.isdisjoint(toks) or any(a in text for a in alts) for alts in _alternatives_of(terms))


@lru_cache(maxsize=4096)
def _alternatives_of(terms: tuple[str, ...]) -> tuple[frozenset[str], ...]:
    return tuple(alternatives(t) for t in terms)


@lru_cache(maxsize=8192)
def _shared_holds(terms: tuple[str, ...], toks: frozenset[str], text: str) -> tuple[bool, ...]:
    """_holds of a source many sentences share (their chunk's context, their table's header):
    read once per question, not once per sentence under it."""
    return _holds(terms, toks, text)


def coverage(q: Query, sources: list[tuple[frozenset[str], str, float]]) -> float:
    """Weighted share of the question's terms present; each term gets the best credit among
    the (tokens, plain text, credit) sources that hold it as a token or as a substring."""
    total = sum(q.weights) or 1.0
    got = 0.0
    for t, w in zip(q.terms, q.weights):
        alts = alternatives(t)
        got += w * max((c for toks, text, c in sources if alts & toks or any(a in text for a in alts)), default=0.0)
    return got / total


def held_terms(q: Query, text: str, header: str = "") -> frozenset[str]:
    """The question's terms a sentence (with its table header) holds, as a token or a substring."""
    plain, toks = _plain(text + " " + header), frozenset(tokenize(text + " " + header))
    return frozenset(t for t in q.terms if (alts := alternatives(t)) & toks or any(_plain(a) in plain for a in alts))


def kind_bonus(kind: str, sentence: str) -> float:
    """Reward sentences holding the kind of fact asked for; punish those that cannot hold it."""
    if kind == "figure":
        return 0.15 if FIGURE_IN_TEXT.search(sentence) else (0.05 if _STANDALONE_NUMBER.search(sentence) else -0.25)
    if kind == "date":
        return 0.15 if DATE_IN_TEXT.search(sentence) else -0.25
    return 0.0


@lru_cache(maxsize=65_536)
def score_unit(q: Query, u: Unit, context: tuple[frozenset[str], str], boilerplate: bool) -> tuple[float, float]:
    """(score, coverage) of one sentence or table row, without any retrieval-rank prior; remembered
    (retrieval's rerank and the answer score the same sentences for one question)."""
    # the same credits as coverage(q, [(u.toks, u.plain, 1.0), (context, 0.5), (header, 0.8)]),
    # with the context and the header read once for all the sentences under them
    own, ctx = _holds(q.terms, u.toks, u.plain), _shared_holds(q.terms, context[0], context[1])
    head = _shared_holds(q.terms, u.header_toks, _plain(u.header)) if u.header else (False,) * len(q.terms)
    got = 0.0
    for w, o, c, h in zip(q.weights, own, ctx, head):
        got += w * (1.0 if o else 0.8 if h else 0.5 if c else 0.0)  # the best credit of a source holding it
    cov = got / (sum(q.weights) or 1.0)
    bi = len(q.bigrams & u.bigrams) / (len(q.bigrams) or 1)
    score = 0.7 * cov + 0.3 * bi + kind_bonus(q.kind, u.text)
    if len(u.key) < 8 or (u.is_header and q.kind != "name"):
        score -= 0.2
    if u.is_header and q.kind in ("figure", "date"):
        score -= 0.25  # a row of names (a header) cannot hold the figure asked for
    if boilerplate:
        score *= 0.7
    return score, cov


@lru_cache(maxsize=65_536)
def best_in_chunk(q: Query, chunk: Chunk) -> float:
    """The best sentence score in a chunk: how directly the chunk answers (used to rerank);
    remembered, as a question is retrieved for more than once (the answer, eval's top 10)."""
    if not q.terms:
        return 0.0
    ctx_toks, ctx_plain, units = analyze(chunk)
    return max((score_unit(q, u, (ctx_toks, ctx_plain), chunk.boilerplate)[0] for u in units), default=0.0)


def score_sentences(q: Query, hits: list[Hit]) -> list[Scored]:
    """Every sentence (and table row) of every hit, scored against the question, best first."""
    out: list[Scored] = []
    seen: dict = {}
    for i, hit in enumerate(hits):
        ctx_toks, ctx_plain, units = analyze(hit.chunk)
        for u in units:
            if u.key in seen:  # overlapping chunks repeat sentences: the one with its paragraph before it
                j = seen[u.key]  # in its chunk (whom it is about) is kept, at the better of the two scores
                if u.start > out[j].start:
                    out[j] = replace(out[j], hit=i, start=u.start, end=u.end, header=u.header)
                continue
            seen[u.key] = len(out)
            score, cov = score_unit(q, u, (ctx_toks, ctx_plain), hit.chunk.boilerplate)
            out.append(Scored(i, u.start, u.end, u.text, score + 0.1 / hit.rank, cov, u.header))
    out.sort(key=lambda x: -x.score)
    return out
