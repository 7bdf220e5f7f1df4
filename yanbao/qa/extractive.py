"""The default answerer: picks the sentences that answer a question from the retrieved chunks.

Every sentence is scored by how much of the question's content it covers (idf-weighted jieba
terms and synonyms, plus character bigrams for paraphrases), whether it holds the kind of
fact asked for, and the rank of its chunk. The answer quotes the best sentences with [n]
markers and names broker and report for each; different reports' figures are all shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from yanbao.index.tokenize import synonym_groups, tokenize
from yanbao.qa.text import DATE_IN_TEXT, FIGURE_IN_TEXT, bigrams, figures, sentence_spans
from yanbao.types import Hit

NOT_FOUND = "报告中未提及"


@dataclass(frozen=True)
class Scored:
    """One candidate sentence: which hit it comes from, its span in that chunk, its scores."""

    hit: int  # index into the hits list
    start: int
    end: int
    text: str
    score: float
    coverage: float  # idf-weighted share of the question's terms found (0..1)


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


def coverage(terms: list[str], weights: list[float], sentence_tokens: set[str], context_tokens: set[str]) -> float:
    """Weighted share of terms present: full credit in the sentence, half in its chunk's context."""
    total = sum(weights) or 1.0
    got = 0.0
    for t, w in zip(terms, weights):
        alts = _alternatives(t)
        if alts & sentence_tokens:
            got += w
        elif alts & context_tokens:
            got += 0.5 * w
    return got / total


def kind_bonus(kind: str, sentence: str) -> float:
    """Reward sentences holding the kind of fact asked for."""
    if kind == "figure":
        return 0.15 if FIGURE_IN_TEXT.search(sentence) else (0.05 if figures(sentence) else -0.1)
    if kind == "date":
        return 0.15 if DATE_IN_TEXT.search(sentence) else -0.1
    return 0.0


def score_sentences(question: str, kind: str, terms: list[str], idf: Callable[[str], float], hits: list[Hit]) -> list[Scored]:
    """Every sentence of every hit, scored against the question, best first."""
    weights = [idf(t) for t in terms]
    q_bigrams = bigrams("".join(terms)) or bigrams(question)
    out = []
    seen: set[str] = set()
    for i, hit in enumerate(hits):
        chunk = hit.chunk
        context = set(tokenize(chunk.index_text))
        for s, e in sentence_spans(chunk.text):
            text = chunk.text[s:e]
            key = "".join(text.split())
            if key in seen:  # overlapping chunks repeat sentences
                continue
            seen.add(key)
            toks = set(tokenize(text))
            cov = coverage(terms, weights, toks, context)
            bi = len(q_bigrams & bigrams(text)) / (len(q_bigrams) or 1)
            score = 0.7 * cov + 0.3 * bi + kind_bonus(kind, text) + 0.1 / hit.rank
            if len(key) < 8:
                score -= 0.2
            if chunk.boilerplate:
                score *= 0.7
            out.append(Scored(i, s, e, text, score, cov))
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


def _with_marker(sentence: str, n: int) -> str:
    body = sentence.rstrip("。；;，, ")
    return f"{body}[{n}]。"


def compose(chosen: list[Scored], hits: list[Hit], kind: str) -> str:
    """The answer text: sentences grouped by report, each report named, markers [n] = hits[n-1]."""
    by_report: dict[str, list[Scored]] = {}
    for s in chosen:
        by_report.setdefault(hits[s.hit].chunk.file, []).append(s)
    parts = []
    for group in by_report.values():
        label = source_label(hits[group[0].hit])
        body = "".join(_with_marker(s.text, s.hit + 1) for s in sorted(group, key=lambda x: (x.hit, x.start)))
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
    return Draft(compose(chosen, hits, kind), False, evidence, tuple(sorted({s.hit for s in chosen})))
