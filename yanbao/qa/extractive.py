"""The default answerer: picks the sentences that answer a question from the retrieved chunks.

Every sentence is scored by how much of the question's content it covers (idf-weighted jieba
terms and synonyms, plus character bigrams for paraphrases), whether it holds the kind of
fact asked for, and the rank of its chunk. The answer quotes the best sentences with [n]
markers and names broker and report for each; different reports' figures are all shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from yanbao.index.tokenize import synonym_groups, tokenize
from yanbao.qa.text import DATE_IN_TEXT, FIGURE_IN_TEXT, bigrams, figures, sentence_spans
from yanbao.types import Hit

NOT_FOUND = "报告中未提及"
_STANDALONE_NUMBER = re.compile(r"(?<![A-Za-z\d.])\d+(?:\.\d+)?(?![A-Za-z\d])")  # not K100, not V3
_BARE_FIGURES = re.compile(r"^[\d.]+\s*[%A-Za-z/]*[\t ]")


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


@dataclass(frozen=True)
class Draft:
    """An extractive answer before the citation check: text with [n] = hits[n-1]."""

    text: str
    refused: bool
    evidence: float  # best coverage seen, what the refusal threshold is compared with
    used: tuple[int, ...] = ()  # hit indexes quoted


def _synonyms() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for group in synonym_groups():
        toks = {t for term in group for t in tokenize(term)}
        for t in toks:
            out.setdefault(t, set()).update(toks)
    return out


_SYN: dict[str, set[str]] | None = None


def _alternatives(term: str) -> set[str]:
    global _SYN
    if _SYN is None:
        _SYN = _synonyms()
    return _SYN.get(term, set()) | {term}


def coverage(terms: list[str], weights: list[float], sources: list[tuple[set[str], float]]) -> float:
    """Weighted share of terms present; each term gets the best credit of the token sets holding it."""
    total = sum(weights) or 1.0
    got = 0.0
    for t, w in zip(terms, weights):
        alts = _alternatives(t)
        got += w * max((credit for toks, credit in sources if alts & toks), default=0.0)
    return got / total


def kind_bonus(kind: str, sentence: str) -> float:
    """Reward sentences holding the kind of fact asked for."""
    if kind == "figure":
        return 0.15 if FIGURE_IN_TEXT.search(sentence) else (0.05 if _STANDALONE_NUMBER.search(sentence) else -0.25)
    if kind == "date":
        return 0.15 if DATE_IN_TEXT.search(sentence) else -0.25
    return 0.0


def _units(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, is_table_row) of a chunk's sentences; a table row broken by the PDF (a
    line of bare figures after a row) is joined back to the row it continues."""
    out: list[tuple[int, int, bool]] = []
    for s, e in sentence_spans(text):
        row = "\t" in text[s:e]
        if row and out and out[-1][2] and _BARE_FIGURES.match(text[s:e]):
            out[-1] = (out[-1][0], e, True)
        else:
            out.append((s, e, row))
    return out


def _has_values(row: str) -> bool:
    """True when at least half the cells after the first start with a digit: a data row, not a header."""
    cells = [c.strip() for c in row.split("\t")[1:] if c.strip()]
    return bool(cells) and sum(c[:1].isdigit() for c in cells) * 2 >= len(cells)


def score_sentences(question: str, kind: str, terms: list[str], idf: Callable[[str], float], hits: list[Hit]) -> list[Scored]:
    """Every sentence (and table row) of every hit, scored against the question, best first.

    A table row is read with its header: the header row's words (the column names) count
    almost as if they were in the row, so the row holding the asked attribute wins.
    """
    weights = [idf(t) for t in terms]
    q_bigrams = bigrams("".join(terms)) or bigrams(question)
    out = []
    seen: set[str] = set()
    for i, hit in enumerate(hits):
        chunk = hit.chunk
        context = set(tokenize(chunk.index_text))
        header = chunk.context.splitlines()[-1] if chunk.context else ""
        header_toks = set(tokenize(chunk.context))
        for s, e, row in _units(chunk.text):
            text = chunk.text[s:e]
            key = "".join(text.split())
            is_header = row and not _has_values(text)
            if is_header:
                header, header_toks = text, set(tokenize(text))
            if key in seen:  # overlapping chunks repeat sentences
                continue
            seen.add(key)
            toks = set(tokenize(text))
            sources = [(toks, 1.0), (context, 0.5)] + ([(header_toks, 0.8)] if row and not is_header else [])
            cov = coverage(terms, weights, sources)
            bi = len(q_bigrams & bigrams(text)) / (len(q_bigrams) or 1)
            score = 0.7 * cov + 0.3 * bi + kind_bonus(kind, text) + 0.1 / hit.rank
            if len(key) < 8 or (is_header and kind != "name"):
                score -= 0.2
            if is_header and kind in ("figure", "date"):
                score -= 0.25  # a row of names (a header) cannot hold the figure asked for
            if chunk.boilerplate:
                score *= 0.7
            out.append(Scored(i, s, e, text, score, cov, header if row and not is_header else ""))
    out.sort(key=lambda x: -x.score)
    return out


def select(scored: list[Scored], hits: list[Hit], kind: str, max_sentences: int = 3, max_chars: int = 360) -> list[Scored]:
    """The best sentence, then others nearly as good, preferring other reports for figures."""
    if not scored:
        return []
    best = scored[0]
    chosen = [best]
    files = {hits[best.hit].chunk.file}
    limit = 4 if kind == "other" else max_sentences
    ratio = 0.75 if kind == "other" else 0.8
    for s in scored[1:]:
        if len(chosen) >= limit or sum(len(c.text) for c in chosen) + len(s.text) > max_chars:
            break
        other_report = hits[s.hit].chunk.file not in files
        floor = 0.7 if (kind == "figure" and other_report and figures(s.text)) else ratio
        if s.score >= floor * best.score and s.coverage >= 0.5 * best.coverage:
            chosen.append(s)
            files.add(hits[s.hit].chunk.file)
    return chosen


def source_label(hit: Hit) -> str:
    """国金证券《AI 周观察》（2024-12-08）: broker, title and date as the report gives them."""
    m = hit.chunk.meta
    title = f"《{m.title}》" if m.title else f"《{hit.chunk.file}》"
    date = f"（{m.date}）" if m.date else ""
    return f"{m.broker or ''}{title}{date}"


def _cells(row: str) -> str:
    return " | ".join(c.strip() for c in row.replace("\n", "\t").split("\t") if c.strip())


def cell_for(question: str, header: str, row: str) -> tuple[str, str] | None:
    """(column name, cell) of a table row for the column the question names, or None when
    the row and header do not line up or no single column matches the question."""
    heads, cells = header.split("\t"), row.replace("\n", "\t").split("\t")
    if len(heads) != len(cells) or len(heads) < 3:
        return None
    want = bigrams(question)
    overlap = [len(bigrams(h) & want) for h in heads]
    best = max(overlap[1:])
    if best == 0 or overlap[1:].count(best) > 1:
        return None
    j = overlap.index(best, 1)
    return (heads[j].strip(), cells[j].strip()) if cells[j].strip() else None


def _render(group: list[Scored], question: str = "") -> str:
    """Sentences of one report with their markers; table rows as cells joined by " | ", each
    table's header row written once before its first row, and the asked-for cell named."""
    out, last_header = [], None
    for s in group:
        if "\t" in s.text:
            if s.header and s.header != last_header:
                out.append(f"（表头：{_cells(s.header)[:160]}）")
            last_header = s.header
            cell = cell_for(question, s.header, s.text) if s.header else None
            named = f"（{cell[0]}：{s.text.split(chr(9))[0].strip()} {cell[1]}）" if cell else ""
            out.append(f"{_cells(s.text)}{named}[{s.hit + 1}]；")
        else:
            last_header = None
            out.append(f"{s.text.rstrip('。；;，, ')}[{s.hit + 1}]。")
    text = "".join(out)
    return text[:-1] + "。" if text.endswith("；") else text


def compose(chosen: list[Scored], hits: list[Hit], kind: str, question: str = "") -> str:
    """The answer text: sentences grouped by report, each report named, markers [n] = hits[n-1]."""
    by_report: dict[str, list[Scored]] = {}
    for s in chosen:
        by_report.setdefault(hits[s.hit].chunk.file, []).append(s)
    parts = []
    for group in by_report.values():
        label = source_label(hits[group[0].hit])
        body = _render(sorted(group, key=lambda x: (x.hit, x.start)), question)
        parts.append(f"{label}：{body}")
    if len(parts) == 1:
        return parts[0]
    head = ""
    if kind == "figure":
        # only when every report states a figure with a unit and no two reports share one
        figs = [{"".join(m.group(0).split()) for s in g for m in FIGURE_IN_TEXT.finditer(s.text)} for g in by_report.values()]
        if all(figs) and all(not (a & b) for i, a in enumerate(figs) for b in figs[i + 1:]):
            head = "各报告给出的数字不同，分别列出：\n"
    return head + "\n".join("· " + p for p in parts)


def refusal_text(hits: list[Hit], n: int = 3) -> str:
    """报告中未提及, then the closest passages (no markers: nothing is claimed from them)."""
    lines = [f"{NOT_FOUND}。"]
    if hits:
        lines.append("\n相关段落：")
        for h in hits[:n]:
            snippet = " ".join(h.chunk.text.split())[:80]
            page = f" 第{h.chunk.page}页" if h.chunk.page else ""
            lines.append(f"· {source_label(h)}{page}：{snippet}…")
    return "\n".join(lines)


def answer(question: str, kind: str, terms: list[str], idf: Callable[[str], float], hits: list[Hit], threshold: float) -> Draft:
    """An extractive draft, or a refusal when the best evidence covers less than `threshold`."""
    scored = score_sentences(question, kind, terms, idf, hits) if terms else []
    evidence = max((s.coverage for s in scored), default=0.0)
    if not scored or evidence < threshold:
        return Draft(refusal_text(hits), True, evidence)
    chosen = select(scored, hits, kind)
    return Draft(compose(chosen, hits, kind, question), False, evidence, tuple(sorted({s.hit for s in chosen})))
