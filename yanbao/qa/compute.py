"""Comparisons and arithmetic over bound figures: a verdict or a computed value, with its formula.

Each side of a question (two brokers, two periods or two subjects) gets the best sentence whose
figure is bound to the asked subject, metric and that side (qa.bind). A comparison opens with a
verdict (一致 / 高于 / 低于); arithmetic (multiples, differences, growth, Q4 = full year − first
three quarters) shows its formula, marked 计算得出, and every input keeps its citation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from yanbao.qa import bind
from yanbao.qa.evidence import Query, Scored, score_sentences
from yanbao.qa.extractive import Draft, _quote, report_label
from yanbao.qa.frame import period_of, periods
from yanbao.qa.query import broker_short
from yanbao.quantity import Quantity, fmt
from yanbao.types import Frame, Hit

COMPUTED = "计算得出"
_RATIO_Q = re.compile(r"翻了几倍|翻了多少倍|几倍|多少倍")
_DIFF_Q = re.compile(r"差多少|相差|差距|增加了多少|增长了多少|提升了多少|下降了多少|减少了多少|多出多少|多了多少|少了多少")
_SUM_Q = re.compile(r"合计|总共|加起来|之和")
_FORMULA = re.compile(r"(?P<a>\d+(?:\.\d+)?)\s*(?P<op>[÷×+−-])\s*(?P<b>\d+(?:\.\d+)?)\s*(?P<eq>[=≈])\s*(?P<c>\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class Side:
    """One side of a comparison: its name, the sentence that states it and the bound figure."""

    name: str
    scored: Scored
    claim: bind.Claim


def _side_frames(frame: Frame) -> list[tuple[str, Frame, str]]:
    """(side name, frame for that side, broker the side must come from or "")."""
    out = []
    for side in frame.sides:
        ps = periods(side) if re.search(r"\d", side) else []
        if ps or re.match(r"^(FY)?\d{4}", side):
            out.append((side, replace(frame, period=side), ""))
        elif side in frame.subjects:
            out.append((side, replace(frame, subject=side, aliases=()), ""))
        else:
            out.append((side, replace(frame, period=frame.period), side))
    return out


def _best_side(q: Query, hits: list[Hit], side_frame: Frame, broker: str, scored: list[Scored]) -> Side | None:
    for s in scored:
        chunk = hits[s.hit].chunk
        if broker and broker_short(chunk.meta.broker or "") != broker:
            continue
        found = bind.bound_claims(side_frame, chunk, s.start, s.end, s.header)
        if side_frame.period and found:
            want = period_of(side_frame)
            exact = [c for c in found if c.period is not None and want is not None and want.matches(c.period)]
            found = exact
        if found:
            return Side(broker or side_frame.period or side_frame.subject, s, found[0])
    return None


def _line(side: Side, hits: list[Hit]) -> str:
    label = report_label(hits[side.scored.hit].chunk.meta)
    return f"· {side.name}：{label}：{_quote(side.scored.text.rstrip('。；;，, '))}[{side.scored.hit + 1}]。"


def _num(q: Quantity) -> str:
    return q.text.replace(" ", "")


def answer(q: Query, hits: list[Hit], frame: Frame) -> Draft | None:
    """A verdict or computed answer for a comparison / arithmetic frame with two sides, or None
    when a side has no bound figure (the caller then answers as usual or says what is missing)."""
    if frame.answer_type not in ("comparison", "arithmetic") or len(frame.sides) < 2 or not q.terms:
        return None
    scored = score_sentences(q, hits)
    sides = []
    for name, side_frame, broker in _side_frames(frame)[:2]:
        side = _best_side(q, hits, side_frame, broker, scored)
        if side is None:
            return None
        sides.append(replace(side, name=name))
    a, b = sides
    qa, qb = a.claim.quantity, b.claim.quantity
    if qa.unit and qb.unit and qa.unit != qb.unit:
        return None
    lines = [_verdict(q.text, frame, a, b)] + [_line(s, hits) for s in sides]
    return Draft("\n".join(lines), False, 1.0, tuple(sorted({a.scored.hit, b.scored.hit})))


def _verdict(question: str, frame: Frame, a: Side, b: Side) -> str:
    qa, qb = a.claim.quantity, b.claim.quantity
    unit = qa.unit or qb.unit
    what = f"{frame.subject}{frame.metric}" if frame.metric else frame.subject
    if _RATIO_Q.search(question):
        lo, hi = (a, b) if qa.value <= qb.value else (b, a)
        r = hi.claim.quantity.value / lo.claim.quantity.value if lo.claim.quantity.value else float("nan")
        h, low = hi.claim.quantity, lo.claim.quantity
        return (f"{hi.name}的{what}约为{lo.name}的{fmt(r)}倍（{COMPUTED}：{_plain(h)} ÷ "
                f"{_plain_value(low.value, h)} ≈ {fmt(r)}）。")
    if _SUM_Q.search(question):
        total = qa.value + qb.value
        return f"合计约{fmt(total, unit)}（{COMPUTED}：{_plain(qa)} + {_plain_value(qb.value, qa)} = {_plain_value(total, qa)}）。"
    if qa.same(qb):
        same = f"{_num(qa)}" if _num(qa) == _num(qb) else f"{_num(qa)}与{_num(qb)}为同一数值"
        return f"结论：一致。{a.name}与{b.name}给出的{what}相同（{same}）。"
    diff = qb.value - qa.value
    word = "高于" if diff < 0 else "低于"
    growth = f"，变化{fmt(diff / qa.value * 100)}%" if qa.value and _DIFF_Q.search(question) else ""
    return (f"结论：不一致。{a.name}的{what}（{_num(qa)}）{word}{b.name}（{_num(qb)}），相差约{fmt(abs(diff), unit)}"
            f"（{COMPUTED}：{_plain_value(qb.value, qa)} − {_plain(qa)} = {_plain_value(diff, qa)}{growth}）。")


def _plain(q: Quantity) -> str:
    """A figure in the scale it was written in, as a bare number: 557.6万美元 -> 557.6."""
    m = re.search(r"\d+(?:,\d{3})*(?:\.\d+)?", q.text)
    return m.group(0).replace(",", "") if m else fmt(q.value)


def _plain_value(value: float, like: Quantity) -> str:
    """`value` in the scale of `like` (the same units as _plain gives)."""
    written = float(_plain(like)) or 1.0
    scale = like.value / written if like.value else 1.0
    return fmt(value / scale if scale else value)


def formula_holds(sentence: str) -> bool:
    """True when every formula "A op B =/≈ C" in the sentence computes (to C's written precision,
    ≈ allowing 1% more)."""
    for m in _FORMULA.finditer(sentence):
        a, b, c = float(m.group("a")), float(m.group("b")), float(m.group("c"))
        op = m.group("op")
        got = {"÷": a / b if b else float("nan"), "×": a * b, "+": a + b, "−": a - b, "-": a - b}[op]
        decimals = len(m.group("c").split(".")[1]) if "." in m.group("c") else 0
        tol = 0.5 * 10 ** -decimals + (0.01 * abs(got) if m.group("eq") == "≈" else 0)
        if not abs(got - c) <= tol + 1e-9:
            return False
    return True


def formula_inputs(sentence: str) -> list[float]:
    """The input figures (A and B) of the formulas in a sentence."""
    return [float(x) for m in _FORMULA.finditer(sentence) for x in (m.group("a"), m.group("b"))]


_SCALES = (1.0, 1e3, 1e4, 1e6, 1e8, 1e9, 1e12)


def input_stated(x: float, stated: list[Quantity]) -> bool:
    """True when `x` is one of the stated figures, in any of the usual scales (5.576M as 557.6万)."""
    return any(abs(q.value / s - x) <= max(q.tolerance / s, 1e-9) * 1.0001 for q in stated for s in _SCALES)


