"""The citation check every answer passes through, whichever answerer wrote it.

Markers [n] that point at no passage are removed; the rest are renumbered 1..m in order of
first use. A figure counts as verified only when a passage the sentence cites (or, uncited, any
passage) states it about the sentence's subject (qa.bind: the passage's own owner of that figure
is the subject or one of its products) and, when the sentence gives one, its period. Otherwise
the sentence is marked 未核实; when the passages state the asked fact with another value, it is
marked 与报告不符 with the reported figure. A computed sentence (计算得出) is exempt from the
verbatim check, but its formula must compute and its inputs must be stated in the passages.
With `attach` (LLM answers), every citation kept points to a passage that supports its sentence:
one that states the sentence's figures about its subject (and period), or, for a sentence without
figures, holds its names and most of its content words. A model's marker to any other passage is
moved to a passage that does, or dropped; a sentence no passage supports keeps no citation and is
marked 未核实 (an unsupported claim must never look checked). Citations are built from chunk
metadata, never model text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from functools import lru_cache

from yanbao.index.tokenize import tokenize
from yanbao.qa import bind
from yanbao.qa.evidence import row_header
from yanbao.qa.compute import COMPUTED, formula_holds, formula_inputs, input_stated
from yanbao.qa.frame import mentions, metric_of, names_subject, owners
from yanbao.qa.query import QUESTION_WORDS
from yanbao.qa.text import MARKER, answer_sentences, bigrams, figures, has_figure, sentence_spans
from yanbao.quantity import quantities
from yanbao.types import Chunk, Citation, Frame

UNVERIFIED = "（未核实）"
CONTRADICTED = "与报告不符"
NOT_FOUND = "报告中未提及"
NOT_GIVEN = "报告未给出"
# the label an extractive answer puts before a quote: 国金证券《AI 周观察》（2024-12-08）：
_NOTE = re.compile(r"（[^（）：]{1,24}：[^（）]{1,60}）$")  # （2025年Q3：5.4亿元、-4.3%） after a quoted sentence
_TABLE_HEAD = re.compile(r"（表头：[^）]*）")  # the header the extractive answer writes before a table's first row
_LABEL = re.compile(r"^[·\s]*(?:[^《》\n：:]{1,40}[：:])?[^《》\n：:]{0,24}《[^》\n]*》(?:（[^）]*）)?(?:提到)?[：:]")


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


def _mark(sentence: str, note: str = UNVERIFIED) -> str:
    """The sentence with `note` after its markers and before its full stop."""
    m = re.match(r"^(.*?)([。！？!?]*)((?:\[\d+\])*)(\s*)$", sentence, re.S)
    body, stop, markers, space = m.groups()
    return body + markers + note + stop + space


@lru_cache(maxsize=50_000)
def _owners_of(chunk: Chunk, figure: str, strict: bool = False, extra: bind.Extra = ()) -> tuple[tuple[str, object, bool], ...]:
    """(owner, period, read from its place) of each statement of `figure` in the chunk; ("", None) where a sentence
    holds the figure but not as a quantity bind can read (a code, a year, a date). `strict` (a
    model's claims): such a figure belongs to the name that owns its place in the sentence (bind's
    reading: 4月30日,小米推出… is 小米's date), else to the paragraph's subject; such an owner also
    answers for its products and its maker (see _related)."""
    out = []
    for s, e in sentence_spans(chunk.text):
        if not has_figure(chunk.text[s:e], figure):
            continue
        header = row_header(chunk, s) if "\t" in chunk.text[s:e] else ""  # a row's columns name its owners
        found = [c for c in bind.claims(chunk, s, e, header, extra) if has_figure(c.quantity.text, figure)]  # extra: the asked names
        if not found:
            out.append((_owner_of_figure(chunk, s, e, figure) if strict else "", None, True))
        for c in found:  # a subject read outside the figure's clause may also be the paragraph's
            out.append((c.subject, c.period, False))
            context = "" if c.named else bind.context_subject(chunk, s)
            if context and context != c.subject:
                out.append((context, c.period, False))
    return tuple(out)


def _owner_of_figure(chunk: Chunk, start: int, end: int, figure: str) -> str:
    sentence = chunk.text[start:end]
    m = re.search(rf"(?<![\d.]){re.escape(figure)}(?![\d]|\.\d)", sentence)
    owner = bind._owner_at(sentence, m.start(), mentions(sentence), m.end())[0] if m else ""
    return owner or bind.context_subject(chunk, start)


def _related(subject: str, owner: str) -> bool:
    """True when the owner is the subject, a product of it, or its maker (a date said of DeepSeek
    is a date of its model DeepSeek-R1's release as written)."""
    return subject in owners(owner) or owner in owners(subject)


def _claim_subject(claim: str, pos: int, frame: Frame | None) -> str:
    body = _LABEL.sub("", claim)
    shift = len(claim) - len(body)
    found = mentions(body, bind.frame_extra(frame) if frame is not None else ())  # TPUv6e, asked though no entity
    before = [m for m in found if m.end <= max(pos - shift, 0)]
    if before:
        return before[-1].name
    if found:
        return found[0].name
    return frame.subject if frame is not None else ""


def _states(passages: list[Chunk], figure: str, subject: str, period, strict: bool = False, extra: bind.Extra = ()) -> bool:
    """True when one of the passages states `figure` about `subject` (or a product of it) and,
    when `period` is given, for a period that matches. `strict`: see _owners_of."""
    for chunk in passages:
        if has_figure(_meta_text(chunk), figure):  # the report's own date, title or section
            return True
        for owner, p, placed in _owners_of(chunk, figure, strict, extra):
            if subject and owner and subject not in owners(owner) and not (placed and _related(subject, owner)):
                continue
            if period is not None and p is not None and not period.matches(p):
                continue
            return True
    return False


def _verbatim(body: str, passages: list[Chunk]) -> bool:
    """True when the claim is a passage's own words (a quote: its figures are stated as quoted)."""
    key = re.sub(r"[\s。；;，,|]", "", _TABLE_HEAD.sub("", body))  # a quoted row: its cells as the passage has them
    return len(key) >= 6 and any(key in re.sub(r"[\s。；;，,|]", "", c.text) for c in passages)


def _supported(claim: str, passages: list[Chunk], frame: Frame | None, strict: bool = False) -> bool:
    """True when every figure of the claim is stated, about its subject, in the passages
    (`strict`: see _owners_of)."""
    quote = _LABEL.sub("", claim).strip().rstrip("。；;，, ")
    note = _NOTE.search(quote)
    if _verbatim(quote[:note.start()] if note else quote, passages):  # a quote, and the asked item named after it
        return note is None or _note_holds(note.group()[1:-1], passages, frame, strict)
    if COMPUTED in claim:
        stated = [q for c in passages for q in (*quantities(c.text), *bind.year_like_cells(c.text))]  # 2029 as a rating cell
        return formula_holds(claim) and all(input_stated(x, stated) for x in formula_inputs(claim))
    body = _TABLE_HEAD.sub("", _LABEL.sub("", claim))  # a quoted row's figures are dated by their cells, not its header
    for part in body.split("；") if " | " in body else [body]:  # quoted table rows, joined by ；: each read in its own row
        quoted = MARKER.sub("", part).strip().rstrip("。；;，, ")
        note = _NOTE.search(quoted)
        if " | " in quoted and _verbatim(_NOTE.sub("", quoted), passages) and (
                note is None or _note_holds(note.group()[1:-1], passages, frame, strict)):
            continue  # a row as a passage has it (its cells are its columns', not the subject's)
        ps = bind.periods(part)
        for f in figures(part):
            pos = _figure_pos(part, f)
            subject = _claim_subject(part, pos, frame)
            period = bind._period_at(part, pos, ps) if pos >= 0 else None
            if not _states(passages, f, subject, period, strict, bind.frame_extra(frame) if frame is not None else ()):
                return False
    return True


def _note_holds(note: str, passages: list[Chunk], frame: Frame | None, strict: bool = False) -> bool:
    """True when the passages state the figures a note names for its item ("2022年：34.19亿元",
    "2020E：净利润(百万元) 942.0", "研发费率：3.8%"), for the note's period when it names one."""
    label, _, values = note.partition("：")
    ps = bind.periods(label)
    period = ps[0][2] if ps else None
    subject = frame.subject if frame is not None else ""
    extra = bind.frame_extra(frame) if frame is not None else ()  # the asked names, as _supported reads them (X2 of 雷鸟X2)
    return all(_states(passages, f, subject, period, strict, extra) for f in figures(values))


def _figure_pos(text: str, figure: str) -> int:
    m = re.search(rf"(?<![\d.]){re.escape(figure)}(?![\d]|\.\d)", text.replace(",", ""))
    return m.start() if m else -1


def _reported(frame: Frame | None, claim: str, passages: list[Chunk]) -> tuple[str, int] | None:
    """(figure, passage number) the passages state for the frame's fact, when the claim gives a
    different value for it; None when they state none or agree."""
    if frame is None or COMPUTED in claim:
        return None
    body = _LABEL.sub("", claim)
    own = [m.name for m in mentions(body)]
    frame = replace(frame, subject=own[0] if own else frame.subject, subjects=(), metric=metric_of(body) or frame.metric,
                    period="" if not bind.periods(body) else str(bind.periods(body)[0][2]))
    if not frame.metric or not frame.subject:
        return None
    said = [q for q in quantities(body)]
    everything = " ".join(c.text for c in passages)
    if not said or all(has_figure(everything, f) for f in figures(_LABEL.sub("", claim))):
        return None  # every figure is written in the passages: unverified for its subject, not contradicted
    for n, chunk in enumerate(passages, start=1):
        for s, e in sentence_spans(chunk.text):
            for c in bind.bound_claims(frame, chunk, s, e):
                if not any(c.quantity.same(q) for q in said):
                    if any(q.unit == c.quantity.unit for q in said):
                        return c.quantity.text.replace(" ", ""), n
    return None


_ENUM = re.compile(r"^\s*(?:\d{1,2}(?:[、)）]|\.(?!\d))|[(（]\d{1,2}[)）]|[-•·*])\s*")  # "1. " "2、" "(3)" "- ": a list item's number


def _is_claim(sentence: str) -> bool:
    """True when a sentence says something to check: it has figures (a list item's number aside) or
    eight Chinese characters, and is not a lead-in to a list (…如下：)."""
    body = _ENUM.sub("", MARKER.sub("", _strip_unverified(sentence))).strip()
    if body.endswith(("：", ":")):
        return False
    return bool(figures(body)) or sum(1 for ch in body if "\u4e00" <= ch <= "\u9fff") >= 8


def check(text: str, passages: list[Chunk], frame: Frame | None = None,
          attach: bool = False) -> tuple[str, tuple[Citation, ...]]:
    """(checked answer text, its citations): bad markers dropped, figures checked against what the
    cited passages state about the sentence's subject, unsupported ones flagged. With `attach`,
    uncited claims get the citation of the passage that supports them."""
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
        not_given = sentence.lstrip().startswith(NOT_GIVEN)
        if not_given and not (attach and (figures(MARKER.sub("", sentence)) or cited)):
            out.append(sentence)  # what the reports do not give: nothing is claimed (a model's figures are checked)
            continue
        plain = _strip_unverified(MARKER.sub("", sentence))
        attached_ok = None
        if attach and passages:  # a model's sentence keeps only the citations of passages that say it
            claimed = _is_claim(sentence) and NOT_FOUND not in sentence and not (not_given and not figures(plain))
            kept = _supporting(_ENUM.sub("", plain), cited, passages, frame, anywhere=claimed)
            if kept != cited:
                sentence = _with_marker(MARKER.sub("", sentence), *kept)
            cited = kept
            attached_ok = bool(kept) or not claimed
        def repl(m):
            ns = [int(p) for p in m.group(1).replace("，", ",").replace("、", ",").split(",")]
            keep = [renumber.setdefault(n, len(renumber) + 1) for n in ns if 1 <= n <= len(passages)]
            return "".join(f"[{k}]" for k in dict.fromkeys(keep))

        new = MARKER.sub(repl, sentence)
        claim = _strip_unverified(MARKER.sub("", new))
        if attached_ok is not None:
            ok = attached_ok
            for n in cited:
                claims.setdefault(renumber[n], []).append(claim)
        elif cited:
            support = [passages[n - 1] for n in cited]
            ok = _supported(claim, support, frame) if figures(claim) or COMPUTED in claim else True
            for n in cited:
                claims.setdefault(renumber[n], []).append(claim)
                if not ok:
                    unverified.add(renumber[n])
        else:
            ok = _supported(claim, passages, frame) if figures(claim) else True
        if not ok and UNVERIFIED not in new and CONTRADICTED not in new:
            reported = _reported(frame, claim, passages)
            if reported:
                fig, n = reported
                k = renumber.setdefault(n, len(renumber) + 1)
                claims.setdefault(k, []).append(fig)
                new = _mark(new, f"（{CONTRADICTED}：报告为{fig}[{k}]）")
            else:
                new = _mark(new)
        out.append(new)
    by_new = {new: old for old, new in renumber.items()}
    citations = []
    for n in sorted(by_new):
        chunk = passages[by_new[n] - 1]
        s, e = highlight(chunk, " ".join(claims.get(n, [])))
        citations.append(Citation(n=n, chunk=chunk, highlight=chunk.text[s:e], verified=n not in unverified))
    return "".join(out), tuple(citations)


def unchecked(text: str) -> bool:
    """True when an answer makes claims and every one of them is marked 未核实: nothing in it was
    found in the passages."""
    said = [s for s in answer_sentences(text)
            if _is_claim(s) and NOT_FOUND not in s and not s.lstrip().startswith(NOT_GIVEN)]
    return bool(said) and all(UNVERIFIED in s for s in said)


def _with_marker(sentence: str, *ns: int) -> str:
    """The sentence with [n]… before its full stop's trailing space (after the stop, as answers write it)."""
    m = re.match(r"^(.*?)([。！？!?]*)(\s*)$", sentence, re.S)
    return f"{m.group(1)}{''.join(f'[{n}]' for n in ns)}{m.group(2)}{m.group(3)}"


SHARED = 0.5  # a passage supports a claim without figures when it holds this share of the claim's content words


def _content_words(claim: str) -> list[str]:
    """The claim's own words that a passage must hold to support it: jieba terms of two or more
    characters (or a code such as B300), without question words, hedges and the answer's labels."""
    body = _LABEL.sub("", MARKER.sub("", _strip_unverified(claim)))
    out = []
    for t in tokenize(body):
        if t in QUESTION_WORDS or t in _HEDGES or t in out:
            continue
        if len(t) >= 2 or (t.isascii() and t.isalnum() and not t.isdigit()):
            out.append(t)
    return out


_HEDGES = frozenset("根据 依据 据 指出 显示 提到 提及 表示 认为 预计 报告 段落 资料 内容 方面 相关 进行 可以 能够 "
                    "以下 如下 下列 列出 目前 已经 正在 主要 包括 以及 通过 具有 其中 此外 同时 另外 并且 而且 因此 所以 但是 然而".split())


def _shares_content(claim: str, chunk: Chunk) -> bool:
    """True when a passage holds a claim without figures: every name the claim mentions (by any
    alias, in the passage or its report's title) and at least SHARED of its content words in the
    passage's text (the words of its report's broker and title are attribution, not content)."""
    meta = _plain_lower(_meta_text(chunk))
    text = _plain_lower(chunk.text)
    body = _LABEL.sub("", MARKER.sub("", claim))
    for m in mentions(body):
        if not names_subject(text + " " + meta, m.name):
            return False
    words = [w for w in _content_words(claim) if w not in meta]
    return bool(words) and sum(1 for w in words if w in text) >= SHARED * len(words)


def _plain_lower(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _stating(claim: str, passages: list[Chunk], cited: list[int], frame: Frame | None) -> list[int]:
    """Of the cited passages, those stating at least one of the claim's figures about its subject
    (and period): the ones a claim whose figures are spread over several passages keeps."""
    body = _LABEL.sub("", claim)
    ps = bind.periods(body)
    out = []
    for n in cited:
        for f in figures(body):
            pos = _figure_pos(body, f)
            period = bind._period_at(body, pos, ps) if pos >= 0 else None
            if _states([passages[n - 1]], f, _claim_subject(body, pos, frame), period, strict=True):
                out.append(n)
                break
    return out


def _dated_only(claim: str) -> bool:
    """True when every figure of the claim is part of a period or date it writes (2025 年, 24Q3)."""
    body = _LABEL.sub("", MARKER.sub("", claim))
    return bool(figures(body)) and not bind.undated_figures(body)


def _holds(claim: str, chunk: Chunk, frame: Frame | None) -> bool:
    """True when the passage alone supports the claim: it states the claim's figures about its
    subject (and period), the period possibly written another way."""
    return _supported(claim, [chunk], frame, strict=True) or _supported_reading_periods(claim, chunk, frame)


def _supported_reading_periods(claim: str, chunk: Chunk, frame: Frame | None) -> bool:
    """True when the passage states the claim's figures about its subject for the claim's own
    period written another way (a model's 2024Q3 for the passage's 24 年三季度): the digits of the
    claim's periods are read as periods, and each other figure must be stated with a period that
    matches (a statement without a period does not do)."""
    if COMPUTED in claim:
        return False
    body = _TABLE_HEAD.sub("", _LABEL.sub("", claim))
    ps = bind.periods(body)
    in_periods = {f for s, e, _ in ps for f in figures(body[s:e])}
    rest = [f for f in figures(body) if f not in in_periods]
    if not ps or not rest:
        return False
    for f in rest:
        pos = _figure_pos(body, f)
        period = bind._period_at(body, pos, ps) if pos >= 0 else None
        subject = _claim_subject(body, pos, frame)
        stated = [(o, p) for o, p, _ in _owners_of(chunk, f, True) if not (subject and o and subject not in owners(o))]
        if not any(p is not None and (period is None or period.matches(p)) for _, p in stated):
            return False
    return True


def _supporting(claim: str, cited: list[int], passages: list[Chunk], frame: Frame | None,
                anywhere: bool = True) -> list[int]:
    """The passages a model's sentence may cite, of those it cited (or, citing none or the wrong
    ones and `anywhere`, of all): for a sentence with figures, those stating them about its subject
    and period; else those holding its names and content words. Empty when no passage supports
    it: the sentence then keeps no citation (an unsupported claim never looks checked)."""
    if figures(claim) or COMPUTED in claim:
        if COMPUTED not in claim and _dated_only(claim):
            # AI 搜索有望在 2025 年诞生超级 APP: a year is no figure of the claim's own, its words must be held too
            held = lambda n: _holds(claim, passages[n - 1], frame) and _shares_content(claim, passages[n - 1])
            own = [n for n in cited if held(n)]
            return own or next(([n] for n in range(1, len(passages) + 1) if anywhere and held(n)), [])
        own = [n for n in cited if _holds(claim, passages[n - 1], frame)]
        if own:
            return own
        if cited and _supported(claim, [passages[n - 1] for n in cited], frame, strict=True):
            return _stating(claim, passages, cited, frame) or cited  # the figures are spread over the cited passages
        for n, chunk in enumerate(passages if anywhere else (), start=1):  # a model citing a neighbouring passage, or none
            if _holds(claim, chunk, frame):
                return [n]
        return []
    close = [n for n in cited if _shares_content(claim, passages[n - 1])]
    if close or not anywhere:
        return close
    want = bigrams(claim)
    ranked = sorted(range(1, len(passages) + 1), key=lambda n: -len(want & bigrams(passages[n - 1].text)))
    return next(([n] for n in ranked if _shares_content(claim, passages[n - 1])), [])
