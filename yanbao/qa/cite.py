"""The citation check every answer passes through, whichever answerer wrote it.

Markers [n] that point at no passage are removed; the rest are renumbered 1..m in order of
first use. A sentence whose figures do not all occur in the passages it cites (or, uncited,
in any passage) is marked 未核实. Citations are built from chunk metadata, never model text.
"""

from __future__ import annotations

import re

from yanbao.qa.text import MARKER, answer_sentences, bigrams, figures, has_figure, sentence_spans
from yanbao.types import Chunk, Citation

UNVERIFIED = "（未核实）"


def _meta_text(chunk: Chunk) -> str:
    m = chunk.meta
    return " ".join(x for x in (m.title, m.broker, m.date, chunk.section, chunk.context, chunk.file) if x)


def _strip_unverified(sentence: str) -> str:
    return sentence.replace(UNVERIFIED, "")


def highlight(chunk: Chunk, claim: str) -> tuple[int, int]:
    """[start, end) within chunk.text of the sentence that best supports `claim`."""
    spans = sentence_spans(chunk.text) or [(0, len(chunk.text))]
    want, want_figs = bigrams(MARKER.sub("", claim)), set(figures(claim))

    def support(span):
        s = chunk.text[span[0]:span[1]]
        figs = sum(1 for f in want_figs if has_figure(s, f))
        return (figs, len(bigrams(s) & want), -span[0])

    return max(spans, key=support)


def _mark(sentence: str) -> str:
    """The sentence with 未核实 after its markers and before its full stop."""
    m = re.match(r"^(.*?)([。！？!?]*)((?:\[\d+\])*)(\s*)$", sentence, re.S)
    body, stop, markers, space = m.groups()
    return body + markers + UNVERIFIED + stop + space


def check(text: str, passages: list[Chunk]) -> tuple[str, tuple[Citation, ...]]:
    """(checked answer text, its citations): bad markers dropped, unsupported figures flagged."""
    text = re.sub(r"[［【]\s*(\d+(?:\s*[,，、]\s*\d+)*)\s*[］】]", r"[\1]", text)  # ［1］ 【1】 -> [1]
    renumber: dict[int, int] = {}
    claims: dict[int, list[str]] = {}
    unverified: set[int] = set()
    out = []
    for sentence in answer_sentences(text):
        cited = []
        for m in MARKER.finditer(sentence):
            for part in m.group(1).replace("，", ",").replace("、", ",").split(","):
                n = int(part)
                if 1 <= n <= len(passages) and n not in cited:
                    cited.append(n)

        def repl(m):
            ns = [int(p) for p in m.group(1).replace("，", ",").replace("、", ",").split(",")]
            keep = [renumber.setdefault(n, len(renumber) + 1) for n in ns if 1 <= n <= len(passages)]
            return "".join(f"[{k}]" for k in dict.fromkeys(keep))

        new = MARKER.sub(repl, sentence)
        claim = _strip_unverified(MARKER.sub("", new))
        figs = figures(claim)
        if cited:
            support = " ".join(passages[n - 1].text + " " + _meta_text(passages[n - 1]) for n in cited)
            ok = all(has_figure(support, f) for f in figs)
            for n in cited:
                claims.setdefault(renumber[n], []).append(claim)
                if not ok:
                    unverified.add(renumber[n])
        else:
            everything = " ".join(p.text + " " + _meta_text(p) for p in passages)
            ok = all(has_figure(everything, f) for f in figs)
        if not ok and UNVERIFIED not in new:
            new = _mark(new)
        out.append(new)
    by_new = {new: old for old, new in renumber.items()}
    citations = []
    for n in sorted(by_new):
        chunk = passages[by_new[n] - 1]
        s, e = highlight(chunk, " ".join(claims.get(n, [])))
        citations.append(Citation(n=n, chunk=chunk, highlight=chunk.text[s:e], verified=n not in unverified))
    return "".join(out), tuple(citations)
