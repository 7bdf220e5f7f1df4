"""Comparisons and arithmetic over bound figures: a verdict or a computed value, with its formula.

Each side of a question (two brokers, two periods or two subjects) gets the best sentence whose
figure is bound to the asked subject, metric and that side (qa.bind). A comparison opens with a
verdict (一致 / 高于 / 低于); arithmetic (multiples, differences, growth, Q4 = full year − first
three quarters) shows its formula, marked 计算得出, and every input keeps its citation.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from yanbao.ingest.brokers import broker_short
from yanbao.qa import bind
from yanbao.qa.evidence import Query, Scored, held_terms, score_sentences
from yanbao.qa.extractive import SELECTION, Draft, _render, missing_share, needed_terms, report_label
from yanbao.qa.frame import CONSISTENT_Q, Period, COUNT_ASKED, aliases, group_of, metric_of, metric_units, metric_words, names_subject, period_of, periods
from yanbao.qa.text import bigrams
from yanbao.quantity import Quantity, fmt, quantities
from yanbao.types import Frame, Hit

COMPUTED = "计算得出"
_RATIO_Q = re.compile(r"翻了几倍|翻了多少倍|几倍|多少倍")
_DIFF_Q = re.compile(r"差多少|[贵高低大小快慢]多少|多多少|便宜多少|相差|差距|增加了多少|增长了多少|提升了多少|下降了多少|减少了多少|多出多少|多了多少|少了多少")
_SUM_Q = re.compile(r"合计|总共|加起来|之和")
_SUM_FORMULA = re.compile(r"(?P<terms>\d+(?:\.\d+)?(?:\s*\+\s*\d+(?:\.\d+)?){2,})\s*(?P<eq>[=≈])\s*(?P<c>\d+(?:\.\d+)?)")
_GROWTH_FORMULA = re.compile(r"(?P<a>\d+(?:\.\d+)?)\s*÷\s*\(1\s*(?P<op>[+−-])\s*(?P<g>\d+(?:\.\d+)?)%\)\s*≈\s*(?P<c>\d+(?:\.\d+)?)")
_FORMULA = re.compile(r"(?P<a>\d+(?:\.\d+)?)\s*(?P<op>[÷×+−-])\s*(?P<b>\d+(?:\.\d+)?)\s*(?P<eq>[=≈])\s*(?P<c>\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class Side:
    """One side of a comparison: its name, the sentence that states it and the bound figure."""

    name: str
    scored: Scored
    claim: bind.Claim


def _broker_subjects(question: str, frame: Frame) -> dict[str, str]:
    """{broker: its subject} when the question gives each broker its own subject (国金前瞻报告中R1-Lite-Preview和
    华西报告中R1: broker, subject, broker, subject); {} otherwise (民生和华西对DeepSeek-V3…相对GPT-4o: one subject)."""
    if len(frame.sides) != 2 or len(frame.subjects) != 2 or set(frame.sides) & set(frame.subjects):
        return {}
    t = unicodedata.normalize("NFKC", question)
    if any(side not in t for side in frame.sides):
        return {}
    first, second = sorted(frame.sides, key=t.find)  # as the question names them
    b1, b2 = t.find(first), t.find(second)
    names = [frame.aliases if i == 0 and frame.aliases else aliases(n) for i, n in enumerate(frame.subjects)]
    s1 = [a for a in names[0] if 0 <= t.find(a, b1) < b2]
    s2 = [a for a in names[1] if t.find(a, b2) >= 0]
    return {first: frame.subjects[0], second: frame.subjects[1]} if s1 and s2 else {}


_FORECAST = r"一致预期|指引|指导|预期|预计|预测"  # a figure stated or asked as a guidance or forecast
_ESTIMATED = re.compile(rf"^[^，,。？?；;比和与及]{{0,8}}?(?:{_FORECAST})")


def _estimate_side(question: str, side: str) -> bool:
    """True when the question asks a side's figure as a guidance or forecast: a period's (FY24Q4营收指引) or a
    broker's (国金周观察里博通对2024财年AI收入的预期，和东吴…披露的实际…)."""
    t = unicodedata.normalize("NFKC", question)
    if any(str(p) == side and _ESTIMATED.match(t[e:]) for _, e, p in periods(t)):
        return True
    at = t.find(side)
    clause = re.split(r"[，,。？?；;]", t[at:])[0] if at >= 0 and not periods(side) else ""
    return bool(re.search(_FORECAST, clause))


def _side_frames(frame: Frame, question: str = "") -> list[tuple[str, Frame, str]]:
    """(side name, frame for that side, broker the side must come from or "")."""
    out = []
    own = _broker_subjects(question, frame) if question else {}
    for side in frame.sides:
        # FY24Q4营收指引比FY24Q3实际营收: that side is a guidance, not held to 实际
        f = replace(frame, actual=False) if question and frame.actual and _estimate_side(question, side) else frame
        if side in own:  # each broker's own subject
            subject = own[side]
            names = f.aliases if subject == f.subject else aliases(subject)
            out.append((side, replace(f, subject=subject, aliases=names, subjects=(subject,)), side))
            continue
        ps = periods(side) if re.search(r"\d", side) else []
        if ps or re.match(r"^(FY)?\d{4}", side):
            out.append((side, replace(f, period=side), ""))
        elif side in f.subjects:
            out.append((side, replace(f, subject=side, aliases=(), subjects=(side,)), ""))
        else:  # a broker's side is about the primary subject (DeepSeek-V3, not the GPT-4o it is set against)
            out.append((side, replace(f, subjects=f.subjects[:1]), side))
    return out


def _best_side(q: Query, hits: list[Hit], side_frame: Frame, broker: str, scored: list[Scored],
               named_metric: bool = False) -> Side | None:
    """The best-scored sentence with a figure bound to the side (from its broker's reports when it is
    a broker); `named_metric`: only a figure whose metric the sentence names (not one taken on its unit)."""
    if not side_frame.metric and not side_frame.unit:
        return _best_worded_side(q, hits, side_frame, broker, scored)
    for s in scored:
        chunk = hits[s.hit].chunk
        if broker and broker_short(chunk.meta.broker or "") != broker:
            continue
        found = bind.bound_claims(side_frame, chunk, s.start, s.end, s.header)
        if named_metric and side_frame.metric:
            found = [c for c in found if c.metric == side_frame.metric]
        if side_frame.period and found:
            want = period_of(side_frame)
            exact = [c for c in found if c.period is not None and want is not None and want.matches(c.period)]
            found = exact
        if found:
            return Side(broker or side_frame.period or side_frame.subject, s, found[0])
    return None


WORDED_SHARE = 0.7  # with no metric asked, a side's figure is looked for in sentences scoring this share of its best


def _best_worded_side(q: Query, hits: list[Hit], side_frame: Frame, broker: str, scored: list[Scored]) -> Side | None:
    """With no metric or unit asked (完整训练GPU小时数, Codeforces成绩), the side's figure whose own clause
    holds the most of the question's words, among its best sentences; the better-scored first on a tie."""
    mine = [s for s in scored if not broker or broker_short(hits[s.hit].chunk.meta.broker or "") == broker]
    if not broker:  # a subject's best is its best sentence stating a figure of it (o1-mini's row in a table of models)
        mine = mine[next((i for i, s in enumerate(mine) if bind.bound_claims(
            side_frame, hits[s.hit].chunk, s.start, s.end, s.header)), len(mine)):]
    top = mine[0].score if mine else 0.0
    best, most = None, -1
    for s in mine:
        if s.score < WORDED_SHARE * top:
            break
        found = bind.bound_claims(side_frame, hits[s.hit].chunk, s.start, s.end, s.header)
        # a broker's row, or the side's own row (o1-mini | 63.6 | 80.0 …): the column the question names; a row of
        # one measure across subjects (AIME 2025 | 87.5 | 88.9 …) has its side's column already
        by_column = broker or names_subject(s.text.replace("\n", "\t").split("\t")[0], side_frame.subject, side_frame.aliases)
        for c in _in_asked_column(q, s, found) if by_column else found:
            if side_frame.period and (c.period is None or not period_of(side_frame).matches(c.period)):
                continue
            n = _worded(q, s, c)  # (GPU小时数: 278.8万个小时, not 2048块 GPU)
            if n > most:
                best, most = Side(broker or side_frame.period or side_frame.subject, s, c), n
    return best


def _asked_cells(question: str, s: Scored) -> set[str] | None:
    """The figures (as written) of a table row's cells under the columns naming most of the question (AIME 2024
    pass@1 and cons@64 for 在AIME 2024上的成绩, not MATH-500), or None for a sentence or a header naming none of it."""
    if "\t" not in s.text or not s.header:
        return None
    cells = s.text.replace("\n", "\t").split("\t")
    heads = bind.align_heads(s.header.split("\t"), cells)
    if len(heads) != len(cells):
        return None
    want = bigrams(question)
    overlap = [len(bigrams(h) & want) if j else 0 for j, h in enumerate(heads)]
    best = max(overlap, default=0)
    if not best:
        return None
    return {t for j, cell in enumerate(cells) if overlap[j] == best for t in [cell.strip()] + [x.text for x in quantities(cell)]}


def _in_asked_column(q: Query, s: Scored, found: list[bind.Claim]) -> list[bind.Claim]:
    """Of a table row's figures, those under the columns the question names; all of them when it names none."""
    texts = _asked_cells(q.text, s)
    return found if texts is None else [c for c in found if c.quantity.text in texts]


def _unit_asked(question: str, x: Quantity) -> bool:
    return bool(x.unit) and x.unit.lower() in unicodedata.normalize("NFKC", question).lower()


JOINT_SHARE = 0.5  # a sentence stating both sides is used for both when it scores this share of the best


def _joint_sides(hits: list[Hit], side_frames: list[tuple[str, Frame, str]], scored: list[Scored]) -> list[Side]:
    """Both sides of a comparison of two subjects from one sentence that states a figure for each
    (昇腾910D的算力达到1.2 PFLOP/s，较H100的672 TFLOP/s提升78%; 英特尔72%…AMD约16%): figures set side by
    side by the report itself are comparable, where two sentences picked apart may measure different
    things (AMD's share of AI笔电 against 英特尔's of all PC processors). [] when no such sentence."""
    if len(side_frames) != 2 or any(broker or side_frame.subject != name for name, side_frame, broker in side_frames):
        return []
    top = scored[0].score if scored else 0.0
    for s in scored[:40]:
        if s.score < JOINT_SHARE * top:
            break
        chunk = hits[s.hit].chunk
        if not all(names_subject(s.text, f.subject, f.aliases) for _, f, _ in side_frames):
            continue
        found = [[c for c in bind.bound_claims(f, chunk, s.start, s.end, s.header) if c.subject and bind.subject_matches(f, c.subject)]
                 for _, f, _ in side_frames]
        if not all(found):
            continue
        a, b = found[0][0], next((c for c in found[1] if c.quantity.start != found[0][0].quantity.start), None)
        if b is None or (a.quantity.unit != b.quantity.unit):
            continue
        return [Side(side_frames[0][0], s, a), Side(side_frames[1][0], s, b)]
    return []


def _line(side: Side, hits: list[Hit]) -> str:
    label = report_label(hits[side.scored.hit].chunk.meta)
    name = "" if side.name == label else f"{_side_name(side.name)}："
    return f"· {name}{label}：{_render([side.scored])}"


def _side_name(side: str) -> str:
    """2025-05 -> 2025年5月; FY2024Q3 and broker or company names as they are."""
    m = re.match(r"^(\d{4})-(\d{2})$", side)
    if re.fullmatch(r"\d{4}", side):
        return f"{side}年"
    return f"{m.group(1)}年{int(m.group(2))}月" if m else side


def _num(q: Quantity) -> str:
    return q.text.replace(" ", "")


_ABOUT_BEFORE = re.compile(r"(?:近|约|大约|接近|超过|超|逾|将近|约为|近乎)\s*$")
_ABOUT_AFTER = re.compile(r"^\s*(?:左右|多|余|上下)")
ROUGH = 0.02  # 近5900亿 and 5890亿 state one amount: a rounded figure agrees within 2%


def _approximate(sentence: str, q: Quantity) -> bool:
    """True when the sentence writes the figure as approximate (近5900亿, 约558万, 5000多家)."""
    t = unicodedata.normalize("NFKC", sentence)
    if t[q.start:q.end] != q.text:
        return False
    return bool(_ABOUT_BEFORE.search(t[max(0, q.start - 3):q.start]) or _ABOUT_AFTER.match(t[q.end:q.end + 3]))


def agree(a: Quantity, a_text: str, b: Quantity, b_text: str) -> bool:
    """True when two stated figures give one amount: equal at the coarser precision, or within ROUGH
    when either is written as approximate."""
    if a.same(b):
        return True
    if a.unit and b.unit and a.unit != b.unit:
        return False
    big = max(abs(a.value), abs(b.value))
    return bool(big) and (_approximate(a_text, a) or _approximate(b_text, b)) and abs(a.value - b.value) <= ROUGH * big


def consistency(q: Query, hits: list[Hit], frame: Frame, scored: list[Scored]) -> Draft | None:
    """一致 / 不一致 for "前后一致吗": the figures the passages state for the frame's subject and metric,
    compared; None unless two statements of it are found."""
    seen: list[tuple[Scored, bind.Claim]] = []
    for s in scored[:40]:
        if s.score < 0.3 * scored[0].score:
            break
        found = bind.bound_claims(frame, hits[s.hit].chunk, s.start, s.end, s.header)
        # of a sentence's figures, the first whose clause names the asked qualifier (AI 笔电销量, not AI 手机销量)
        for c in sorted(found, key=lambda c: not _names_qualifier(frame, s, c))[:1]:
            if all(s.text != t.text for t, _ in seen):
                seen.append((s, c))
    # (a mark the question says, 单卡, binding has checked already: 芯片的1万美元 is a card's price too)
    need = frozenset(t for t in needed_terms(q, frame, seen[0][0]) if t not in {m.lower() for m in frame.marks}) if seen else frozenset()
    seen = seen[:1] + [(s, c) for s, c in seen[1:] if missing_share(q, need, held_terms(q, s.text, s.header)) <= SELECTION.missing_share]
    if seen:  # the two figures' own clauses must say the same thing too (半导体部门营收 is not 营业收入), beyond the
        # metric and marks binding has read (…售价…,远低于H20芯片的1万美元: the price, though its clause says none)
        bound_words = {w.lower() for w in metric_words(frame.metric) + frame.marks}
        first = _clause_terms(q, *seen[0]) - bound_words
        seen = seen[:1] + [(s, c) for s, c in seen[1:] if _same_clause(q, first, _clause_terms(q, s, c) - bound_words)]
    if len(seen) < 2:  # the statements compared must be about the same thing (not 0.03元 and a glasses' 999元)
        return None
    first = seen[0][1].quantity
    span = range_around(seen[0][0].text, first)
    other = next(((s, c) for s, c in seen[1:] if not _same_statement(span, first, seen[0][0].text, s, c) and (
        not c.quantity.unit or not first.unit or c.quantity.unit == first.unit)), None)
    what = f"{frame.subject}{frame.metric}"
    pair = seen[:2] if other is None else [seen[0], other]
    cites = "".join(f"[{s.hit + 1}]" for s, _ in pair)
    if other is None:
        second = seen[1][1].quantity
        same = _num(first) if second.same(first) else f"{_num(first)}与{_num(second)}，约数一致"
        head = f"结论：一致。两处给出的{what}相同（{span[2] if span else same}）{cites}。"
    else:
        said = [r[2] if (r := range_around(s.text, c.quantity)) else _num(c.quantity) for s, c in pair]
        head = f"结论：不一致。一处为{said[0]}，另一处为{said[1]}{cites}。"
    lines = [head] + [_line(Side(report_label(hits[s.hit].chunk.meta), s, c), hits) for s, c in pair]
    return Draft("\n".join(lines), False, 1.0, tuple(sorted({s.hit for s, _ in pair})))


_RANGE_JOIN = re.compile(r"\s*(?:-|~|～|—|–|至|到)\s*")


def range_around(text: str, q: Quantity) -> tuple[float, float, str] | None:
    """(low, high, as written) of the range a figure is one end of (1万至1.2万美元, 1.2万-1.5万美元), or None.
    Ends are matched by text and value: a table row's figures are placed in their cell, not in the row."""
    qs = quantities(text)
    for a, b in zip(qs, qs[1:]):
        if _RANGE_JOIN.fullmatch(text[a.end:b.start]) and any(x.text == q.text and x.value == q.value for x in (a, b)):
            return a.value, b.value, text[a.start:b.end]
    return None


def _same_statement(span, first: Quantity, first_text: str, s: Scored, c: bind.Claim) -> bool:
    """True when statement (s, c) gives the first one's figure: both ends of a range alike (1万至1.2万 is not
    1.2万-1.5万, though they share 1.2万), else the figures agree (compute.agree)."""
    other = range_around(s.text, c.quantity)
    if span or other:
        lo, hi = (span or (first.value, first.value, ""))[:2]
        lo2, hi2 = (other or (c.quantity.value, c.quantity.value, ""))[:2]
        tol = max(min(first.tolerance, c.quantity.tolerance), 1e-9)  # 1万 (±0.5万) is not 1.2万
        return abs(lo - lo2) <= tol and abs(hi - hi2) <= tol
    return agree(c.quantity, s.text, first, first_text)


def _names_qualifier(frame: Frame, s: Scored, c: bind.Claim) -> bool:
    clause = bind._squash(bind._clause_of(s.text, c)).lower()
    return bool(frame.qualifier) and bind._squash(frame.qualifier).lower() in clause


def _clause_terms(q: Query, s: Scored, c: bind.Claim) -> frozenset[str]:
    """The question's content words the clause of a figure holds (its own words, not its sentence's;
    not the digits and characters of dates, which binding has read already)."""
    held = held_terms(q, bind._clause_of(s.text, c) if "\t" not in s.text else s.text, s.header)
    return frozenset(t for t in held if len(t) >= 2 and not any(ch.isdigit() for ch in t))


def _same_clause(q: Query, a: frozenset[str], b: frozenset[str]) -> bool:
    """True when neither clause lacks more than SELECTION.missing_share of the terms the other holds."""
    return (missing_share(q, a, b) <= SELECTION.missing_share if a else True) and (
        missing_share(q, b, a) <= SELECTION.missing_share if b else True)


_BACK_Q = re.compile(r"推算|倒推|反推")
_GROWTH = re.compile(r"(同比|环比|较上年|较去年|增长|增加|提升|上升|下降|下滑|减少)[^，,；;。]{0,6}$")
_FALL = re.compile(r"下降|下滑|减少")


def _rate_kind(before: str) -> str:
    """同比 or 环比 for the words before a growth rate (较去年同期 is 同比, 较上个季度 环比), or ""."""
    found = [(m.end(), kind) for kind, rx in (("同比", r"同比|较去年|较上年|同期"), ("环比", r"环比|较上个?季度|较上月"))
             for m in re.finditer(rx, before)]
    return max(found)[1] if found else ""  # the word nearest the rate: 同比+29.4%,环比+1.8% -> 环比 for 1.8%


# the figure before a change the question itself states (环比上升接近10%到1.38亿，前一周大约是多少)
_BEFORE_CHANGE_Q = re.compile(r"(?:环比|同比|上升|增长|增加|提升|下降|下滑|减少)[^？?]*[，,][^，,]*(?:前一|上一|上个)(?:周|月|季度|年)")


def wants_back_calculation(question: str) -> bool:
    return bool(_BACK_Q.search(question) or _BEFORE_CHANGE_Q.search(question))


def _quarters(p) -> int | None:
    """A quarter's running number (year × 4 + quarter), or None for anything but a dated quarter."""
    m = re.fullmatch(r"Q([1-4])", p.part) if p is not None and p.year is not None else None
    return p.year * 4 + int(m.group(1)) if m else None


def _kind_for(level_period, target) -> str:
    """环比 when `target` is the quarter before the level's, 同比 when it is the same quarter a year
    before, "" when it is neither or either is not a dated quarter."""
    a, b = _quarters(level_period), _quarters(target)
    if a is None or b is None:
        return ""
    return {1: "环比", 4: "同比"}.get(a - b, "")


def _targets(frame: Frame, level_period) -> list:
    """The periods a back-calculation is asked for: the sides other than the level's own period
    (由环比和同比增速推算，24Q4和24Q1营收各约多少 from 2025Q1 -> [2024Q4, 2024Q1]), or [None] for one."""
    if len(frame.sides) < 2 or level_period is None:
        return [None]
    ps = [period_of(replace(frame, period=side)) for side in frame.sides]
    if any(p is None for p in ps):
        return [None]
    targets = [p for p in ps if not p.matches(level_period)]
    return targets if len(targets) >= 2 and all(_kind_for(level_period, t) for t in targets) else [None]


def back_calculation(q: Query, hits: list[Hit], frame: Frame, scored: list[Scored] | None = None) -> Draft | None:
    """"由同比增速推算，2023年三季度的销量": the earlier figure from a stated level and its growth rate,
    level ÷ (1 + growth), marked 计算得出 with both inputs cited; None when no sentence states both.
    Two earlier quarters asked at once (24Q4和24Q1) each take the rate their distance from the level's
    quarter names: the quarter before 环比, the same quarter a year before 同比."""
    if not wants_back_calculation(q.text) or not q.terms:
        return None
    level_frame = replace(frame, period="", answer_type="figure")
    for s in (score_sentences(q, hits) if scored is None else scored)[:20]:
        chunk = hits[s.hit].chunk
        levels = [c for c in bind.bound_claims(level_frame, chunk, s.start, s.end, s.header)
                  if c.quantity.unit not in ("%", "x", "pct")]
        if not levels:
            continue
        source = period_of(replace(frame, period=frame.sides[0])) if len(frame.sides) >= 2 else None
        if source is not None:  # 由2025Q1资本开支推算2024Q1: the level of the period it starts from
            levels = [c for c in levels if c.period is not None and source.matches(c.period)] or levels
        level = levels[0].quantity
        text = s.text
        heads = []
        for target in _targets(frame, levels[0].period):
            kind = _kind_for(levels[0].period, target) if target is not None else next(
                (k for k in ("同比", "环比") if k in q.text), "")
            head = _back_from(text, chunk, s, level, kind)
            if head is None:
                break
            heads.append(head if target is None else f"{_side_name(str(target))}：{head}")
        else:
            label = report_label(chunk.meta)
            return Draft("\n".join(heads) + "\n" + f"· {label}：{_render([s])}", False, 1.0, (s.hit,))
    return None


def _back_from(text: str, chunk, s: Scored, level: Quantity, kind: str) -> str | None:
    """约X（计算得出：level ÷ (1 + g%) ≈ X …） from the sentence's growth rate of `kind` (or any), or None."""
    rates = [c.quantity for c in bind.claims(chunk, s.start, s.end, s.header)
             if c.quantity.unit == "%" and _GROWTH.search(text[max(0, c.quantity.start - 12):c.quantity.start])
             and (not kind or _rate_kind(text[max(0, c.quantity.start - 12):c.quantity.start]) in (kind, ""))]
    if not rates:
        return None
    # the rate said to be of the asked kind, then one after the level, then the nearest
    g = min(rates, key=lambda r: (bool(kind) and _rate_kind(text[max(0, r.start - 12):r.start]) != kind,
                                  r.start < level.start, abs(r.start - level.start)))
    sign = -1 if _FALL.search(text[max(0, g.start - 12):g.start]) else 1
    base = level.value / (1 + sign * g.value / 100)
    written, value, shown = _reworded(base, level)
    op = "+" if sign > 0 else "−"
    return (f"约{shown}（{COMPUTED}：{written} ÷ (1 {op} {_plain(g)}%) ≈ {value}，"
            f"由{_num(level)}与增速{_num(g)}推算）。")


_YEAR_END_Q = re.compile(r"(?P<y>(?:20)?\d{2})\s*年\s*(?:末|底)")
_SINCE = re.compile(r"[，,\s]*较\s*(?P<when>去年末|上年末|年初|(?:20)?\d{2}\s*年\s*(?:末|底))\s*(?:大幅|大)?\s*"
                    r"(?P<dir>增加|增长|增|上升|减少|下降|减)\s*了?\s*(?=\d)")


def wants_year_end(question: str, frame: Frame) -> bool:
    """True for an amount asked at a year's end (2024年末的合同负债), which a later level and its change
    since that year's end give."""
    return _asked_year_end(question, frame) is not None and len(frame.sides) < 2


_STOCKS = frozenset({"存货", "合同负债"})  # balance-sheet amounts: a year's figure is its year-end's


def _asked_year_end(question: str, frame: Frame) -> int | None:
    """The two-digit year whose end the question asks an amount at (2024年末的合同负债; 2024年存货), or None."""
    m = _YEAR_END_Q.search(question)
    if m and frame.metric:
        return int(m.group("y")) % 100
    p = period_of(frame)
    return p.year % 100 if frame.metric in _STOCKS and p is not None and p.year is not None and p.part == "Y" else None


def year_end(q: Query, hits: list[Hit], frame: Frame, scored: list[Scored]) -> Draft | None:
    """An amount at a year's end from a later level and the change since then the same sentence states
    (25Q1末合同负债32.37亿元，较去年末大增23.33亿元 -> 2024年末约9.04亿元: 32.37 − 23.33), 计算得出 with the
    sentence cited; None when no best sentence states both for the asked year's end."""
    want = _asked_year_end(q.text, frame)
    level_frame = replace(frame, period="", answer_type="figure")
    top = scored[0].score if scored else 0.0
    for s in scored[:12]:
        if s.score < 0.5 * top:
            break
        chunk = hits[s.hit].chunk
        text = unicodedata.normalize("NFKC", s.text)
        for c in bind.bound_claims(level_frame, chunk, s.start, s.end, s.header):
            level = c.quantity
            since = _SINCE.match(text, level.end)
            if level.unit in ("%", "x", "pct") or since is None or c.period is None or c.period.year is None:
                continue
            d = next((x for x in quantities(text) if x.start == since.end()), None)
            if d is None or d.unit not in (level.unit, ""):  # 较24年末大增9.81亿: the unit written once
                continue
            when = since.group("when")
            year = c.period.year - 1 if when in ("去年末", "上年末", "年初") else int(re.match(r"\d+", when).group()) % 100
            if year % 100 != want:
                continue
            sign = -1 if since.group("dir") in ("减少", "下降", "减") else 1
            base = level.value - sign * d.value
            value = _plain_value(base, level)
            shown = level.text.replace(" ", "").replace(_plain(level), value, 1)
            op = "−" if sign > 0 else "+"
            head = (f"约{shown}（{COMPUTED}：{_plain(level)} {op} {_plain_value(d.value, level)} = {value}，"
                    f"由{_num(level)}与较{when}{'减少' if sign < 0 else '增加'}的{_num(d)}推算）。")
            return Draft(head + "\n" + f"· {report_label(chunk.meta)}：{_render([s])}", False, 1.0, (s.hit,))
    return None


_COMPLEMENT = {"Q1-Q3": "Q4", "Q4": "Q1-Q3", "H2": "H1", "H1": "H2"}  # a part of a year and the rest of it
_PART_NAMES = {"Q1-Q3": "前三季度", "Q4": "第四季度", "H1": "上半年", "H2": "下半年"}


def wants_complement(question: str, frame: Frame) -> bool:
    """True for an amount asked of part of a year (前三季度, 第四季度, 下半年), which the full year less
    the rest of the year gives when the reports state no figure for the part itself."""
    p = period_of(frame)
    return (p is not None and p.year is not None and p.part in _COMPLEMENT and bool(frame.metric)
            and "%" not in metric_units(frame.metric) and len(frame.sides) < 2)


def complement(q: Query, hits: list[Hit], frame: Frame, scored: list[Scored]) -> Draft | None:
    """腾讯2024年前三季度资本开支 = 全年768亿元 − 24Q4的366亿元: the full year's bound figure less the rest
    of the year's, 计算得出 with both cited; None when a sentence states the asked part itself (the
    extractive answer quotes it) or either input is not found."""
    p = period_of(frame)
    for s in scored[:12]:
        found = bind.bound_claims(frame, hits[s.hit].chunk, s.start, s.end, s.header)
        if any(c.period is not None and c.period_named and p.matches(c.period) for c in found):
            return None
    whole = Period(p.year, "Y", p.fiscal)
    rest = Period(p.year, _COMPLEMENT[p.part], p.fiscal)
    sides = []
    for want in (whole, rest):
        side_frame = replace(frame, period=str(want))
        side = next((Side(str(want), t, c) for t in scored[:40]
                     for c in bind.bound_claims(side_frame, hits[t.hit].chunk, t.start, t.end, t.header)
                     if c.period is not None and c.period.part == want.part and c.quantity.unit not in ("%", "x", "pct")), None)
        if side is None:
            return None
        sides.append(side)
    a, b = sides[0].claim.quantity, sides[1].claim.quantity
    if a.unit != b.unit or b.value >= a.value:
        return None
    value = _plain_value(a.value - b.value, a)
    shown = a.text.replace(" ", "").replace(_plain(a), value, 1)
    head = (f"约{shown}（{COMPUTED}：{_plain(a)} − {_plain_value(b.value, a)} = {value}，{p.year}年全年{_num(a)}减去"
            f"{_PART_NAMES[rest.part]}的{_num(b)}）。")
    lines = [head] + [_line(replace(side, name=f"{p.year}年" + ("全年" if side is sides[0] else _PART_NAMES[rest.part])), hits)
                      for side in sides]
    return Draft("\n".join(lines), False, 1.0, tuple(sorted({x.scored.hit for x in sides})))


_SHARE_OF_REVENUE = re.compile(r"(?P<x>[\u4e00-\u9fa5]{2,6}?)占(?:营收|收入|营业收入|总收入|营业总收入)的?(?:比例|比重|比|占比)")
_MONEY_UNITS = ("USD", "CNY", "HKD")


@dataclass(frozen=True)
class RatioAsk:
    """A ratio asked for: its name in the answer, the metric a stated ratio would carry, and the two amounts."""

    name: str
    metric: str
    numerator: str
    denominator: str = "营收"


def ratio_asks(question: str, frame: Frame) -> list[RatioAsk]:
    """The ratios a figure question asks that reports state as two amounts: 归母净利率 = 归母净利润 ÷ 营收,
    运营利润率 = 运营利润 ÷ 营收, 研发投入占营收比例 = 研发投入 ÷ 营收 (several when asked together)."""
    if frame.answer_type != "figure" or not frame.subject:
        return []
    t = unicodedata.normalize("NFKC", question)
    out = []
    if "净利率" in t:
        out.append(RatioAsk("归母净利率" if "归母净利率" in t else "净利率", "净利率", "净利润"))
    m = re.search(r"(?:运营|经营|营业)利润率", t)
    if m:
        out.append(RatioAsk(m.group(0), "利润率", "运营利润"))
    for m in _SHARE_OF_REVENUE.finditer(t):
        x = re.split(r"[和及与、]", m.group("x"))[-1]  # 净利率和研发投入占营收比例 -> 研发投入
        num = metric_of(x)
        if num and num != "营收":
            out.append(RatioAsk(f"{x}占营收比例", "市占率", num))
    return out


def wants_ratio(question: str, frame: Frame) -> bool:
    return bool(ratio_asks(question, frame))


def _amounts(frame: Frame, metric: str, hits: list[Hit], s: Scored) -> list[bind.Claim]:
    """The sentence's amounts (money) of `metric` for the frame's subject and period, the metric named beside them."""
    f = replace(frame, metric=metric, answer_type="figure", qualifier="", unit="")
    return [c for c in bind.bound_claims(f, hits[s.hit].chunk, s.start, s.end, s.header)
            if c.metric == metric and c.quantity.unit in _MONEY_UNITS]


def _stated_ratio(ask: RatioAsk, frame: Frame, hits: list[Hit], scored: list[Scored]) -> bool:
    """True when a passage sentence states the ratio itself (a % of its metric, beside its amount's name)."""
    f = replace(frame, metric=ask.metric, answer_type="figure")
    words = metric_words(ask.numerator) if ask.metric == "市占率" else ()
    return any(c.metric == ask.metric and (not words or any(w in s.text for w in words))
               for s in scored[:20] for c in bind.bound_claims(f, hits[s.hit].chunk, s.start, s.end, s.header))


def _computed_ratio(ask: RatioAsk, frame: Frame, hits: list[Hit], scored: list[Scored]) -> tuple[str, list[Scored]] | None:
    for s in scored:
        nums = _amounts(frame, ask.numerator, hits, s)
        if not nums:
            continue
        # the base in the same sentence, else in a sentence of the same passage
        for t in sorted((t for t in scored if t.hit == s.hit), key=lambda t: (t is not s, abs(t.start - s.start))):
            dens = [c for c in _amounts(frame, ask.denominator, hits, t) if c.quantity.unit == nums[0].quantity.unit
                    and (c.period is None or nums[0].period is None or c.period.matches(nums[0].period))]
            if dens and dens[0].quantity.value:
                num, den = nums[0].quantity, dens[0].quantity
                r = num.value / den.value
                ratio = f"{r:.4f}".rstrip("0").rstrip(".")
                line = (f"{ask.name}约{fmt(r * 100)}%（{COMPUTED}：{_plain(num)} ÷ {_plain_value(den.value, num)} ≈ {ratio}，"
                        f"即约{fmt(r * 100)}%；由{_num(num)}与{_num(den)}计算）。")
                return line, [s] if t is s else [s, t]
    return None


def derived_ratio(q: Query, hits: list[Hit], frame: Frame, scored: list[Scored]) -> Draft | None:
    """Ratios the reports do not state, each computed from the two amounts they do state for the same
    subject and period in one passage (中芯国际2024年归母净利率: 4.93亿美元 ÷ 80.3亿美元); None when a
    sentence states an asked ratio itself (that answers as usual) or a ratio's amounts are not found."""
    asks = ratio_asks(q.text, frame)
    if not asks or not q.terms:
        return None
    scored = scored[:40]
    lines, used = [], []
    for ask in asks:
        if _stated_ratio(ask, frame, hits, scored):
            return None  # stated: quoted, not recomputed
        found = _computed_ratio(ask, frame, hits, scored)
        if found is None:
            return None
        lines.append(found[0])
        used += found[1]
    return Draft("\n".join(lines + _quoted_by_passage(used, hits)), False, 1.0, tuple(sorted({x.hit for x in used})))


def _quoted_by_passage(used: list[Scored], hits: list[Hit]) -> list[str]:
    """One quoted line per passage the answer used, its sentences once each and in text order."""
    by_hit: dict[int, dict[int, Scored]] = {}
    for x in used:
        by_hit.setdefault(x.hit, {}).setdefault(x.start, x)
    return [f"· {report_label(hits[h].chunk.meta)}：{_render(sorted(group.values(), key=lambda x: x.start))}"
            for h, group in by_hit.items()]


_SHARE_TOTAL_Q = re.compile(r"(?:占比|比例|比重|份额)[^？?]*[，,][^，,？?]*(?:总|整体|全部|合计|一共)[^，,？?]{0,8}(?:大约|约|大概)?(?:是|有)?多少")
_SHARE_OF = re.compile(r"(?:占比|占|比例|比重|份额)[^，,；;。\d]{0,6}$")


def wants_total_from_share(question: str) -> bool:
    """True for a whole asked from a part and its share (根据中国区收入及占比，总收入大约是多少)."""
    return bool(_SHARE_TOTAL_Q.search(unicodedata.normalize("NFKC", question)))


def total_from_share(q: Query, hits: list[Hit], frame: Frame, scored: list[Scored]) -> Draft | None:
    """The whole from a part and the share it is, both stated in one sentence (中国大陆及香港地区销售额为170.1亿
    美元，占比已达到13.11%): part ÷ share, marked 计算得出 with the sentence cited; None when no sentence has both."""
    for s in scored[:12]:
        chunk = hits[s.hit].chunk
        text = unicodedata.normalize("NFKC", s.text)
        if frame.subject and not bind.about(frame, chunk, s.start, s.end):
            continue  # another company's part and share
        claims = bind.claims(chunk, s.start, s.end, s.header)
        want = period_of(frame)
        if want is not None and any(c.period is not None and not want.matches(c.period) for c in claims):
            continue  # another period's
        stated = [c.quantity for c in claims]
        shares = [x for x in stated if x.unit == "%" and 0 < x.value < 100 and _SHARE_OF.search(text[max(0, x.start - 10):x.start])]
        parts = [x for x in stated if x.unit and x.unit not in ("%", "x", "pct") and x.value]
        if not shares or not parts:
            continue
        g = shares[0]
        part = max((x for x in parts if x.start < g.start), key=lambda x: x.start, default=None)  # the amount the share is of
        if part is None:
            continue
        whole = part.value / (g.value / 100)
        written, value, shown = _reworded(whole, part)
        head = f"约{shown}（{COMPUTED}：{written} ÷ {_plain(g)}% ≈ {value}，由{_num(part)}及其占比{_num(g)}推算）。"
        return Draft(head + "\n" + f"· {report_label(chunk.meta)}：{_render([s])}", False, 1.0, (s.hit,))
    return None


_PART_SHARE_Q = re.compile(r"(?P<whole>[\u4e00-\u9fa5A-Za-z]{2,8}?)(?:中|里|当中)(?:用于|来自|投向|投入|花在)(?P<part>[\u4e00-\u9fa5A-Za-z]{2,10}?)"
                           r"的?(?:部分|金额|资金)?的?(?:占比|比例|比重|占多少)")


def wants_part_share(question: str) -> bool:
    return bool(_PART_SHARE_Q.search(unicodedata.normalize("NFKC", question)))


def part_share(q: Query, hits: list[Hit], frame: Frame, scored: list[Scored]) -> Draft | None:
    """资本开支中用于算力采购的部分占比多少: the part a sentence states after 其中 (其中900亿元用于算力采购) over the
    whole it states for the subject (资本开支将增至1600亿元), in percent, marked 计算得出 with the sentence cited;
    None when no sentence states both."""
    asked = _PART_SHARE_Q.search(unicodedata.normalize("NFKC", q.text))
    metric = metric_of(asked.group("whole")) if asked else ""
    if not metric:
        return None
    whole_frame = replace(frame, metric=metric, answer_type="figure", qualifier="", unit="")
    for s in scored[:12]:
        chunk = hits[s.hit].chunk
        text = unicodedata.normalize("NFKC", s.text)
        wholes = [c.quantity for c in bind.bound_claims(whole_frame, chunk, s.start, s.end, s.header) if c.quantity.unit in _MONEY_UNITS]
        for m in re.finditer(r"其中\s*", text):
            part = next(iter(quantities(text[m.end():m.end() + 16])), None)
            rest = text[m.end() + (part.end if part else 0):][:24]
            if part is None or part.start or part.unit not in _MONEY_UNITS or not re.match(r"\s*(?:用于|来自|投向|投入)", rest) \
                    or not held_terms(q, rest) & held_terms(q, asked.group("part")):
                continue
            whole = next((w for w in reversed(wholes) if w.end <= m.start() and w.unit == part.unit and w.value > part.value), None)
            if whole is None:
                continue
            r = part.value / whole.value * 100
            head = f"约{fmt(r)}%（{COMPUTED}：{_plain(part)} ÷ {_plain_value(whole.value, part)} ≈ {fmt(r)}%，由{_num(part)}及{_num(whole)}推算）。"
            return Draft(head + "\n" + f"· {report_label(chunk.meta)}：{_render([s])}", False, 1.0, (s.hit,))
    return None


_PER_Q = re.compile(r"平均(?:每|单)(?:个|台|颗|座|家|张|块|套|部|片|项)")
_PER_TOTAL = re.compile(r"(?:累计|合计|共计|总计|总共|共|总)\s*$")


def wants_per_unit(question: str) -> bool:
    """True for an average per item asked (平均每个容量约多大) that reports state as a total and a count."""
    return bool(_PER_Q.search(question))


def per_unit(q: Query, hits: list[Hit], frame: Frame, scored: list[Scored]) -> Draft | None:
    """The average per item from a total and the count it is a total of, both in one sentence or table cell
    (开发 4 个 SMR 小型核反应堆项目,累计 960MW -> 960 ÷ 4 = 240MW); of such places, the one holding most of the
    question's words. None when no place states both."""
    units = tuple(u for u in metric_units(frame.metric) if u) if frame.metric else ()
    top = scored[0].score if scored else 0.0
    best = None
    for s in scored[:20]:
        if s.score < 0.5 * top:
            break
        for part in s.text.split("\t"):
            t = unicodedata.normalize("NFKC", part)
            qs = quantities(t)
            counts = [x for x in qs if x.unit in _COUNT_UNITS and x.value >= 2]
            totals = [x for x in qs if x.unit and x.unit not in _COUNT_UNITS and x.unit != "%" and (not units or x.unit in units)
                      and _PER_TOTAL.search(t[:x.start])]
            if len(counts) != 1 or not totals or totals[0].start < counts[0].start:
                continue
            n = len(held_terms(q, part))
            if best is None or n > best[0]:
                best = (n, s, counts[0], totals[0])
    if best is None:
        return None
    _, s, count, whole = best
    each = whole.value / count.value
    written = re.sub(r"^[\d.,\s]+", "", whole.text)  # 960MW: the average in the total's own scale and unit
    head = (f"平均每{count.text[len(_plain(count)):].strip() or '个'}约{_plain_value(each, whole)}{written}（{COMPUTED}：{_plain(whole)} ÷ "
            f"{_plain(count)} = {_plain_value(each, whole)}；{_num(whole)}共{_num(count)}）。")
    return Draft(head + "\n" + f"· {report_label(hits[s.hit].chunk.meta)}：{_render([s])}", False, 1.0, (s.hit,))


def wants(question: str, frame: Frame) -> bool:
    """True when the question asks something this module computes or compares."""
    return (frame.answer_type in ("comparison", "arithmetic") or wants_back_calculation(question) or wants_per_unit(question)
            or wants_total_from_share(question) or wants_part_share(question) or wants_each(question, frame) or wants_ratio(question, frame) or wants_pair(question, frame)
            or wants_move(question, frame) or wants_year_end(question, frame) or wants_complement(question, frame))


_QUOTED_SHARE = re.compile(r"[“\"「]([^”\"」]{1,40}?(\d+(?:\.\d+)?)\s*%[^”\"」]{0,10})[”\"」]")
_CUT = re.compile(r"降低|下降|减少|降了|低了|便宜|节省|节约")


def quoted_complement(q: Query, hits: list[Hit], scored: list[Scored]) -> Draft | None:
    """两种说法一致吗 for two quoted shares, one a cut (“比行业平均价格降低85%”) and one what is left (“成本仅行业
    价格的15%”): they agree when the two add up to 100%, shown as a formula, each quote cited where a passage
    states its figure; None for any other question."""
    if not CONSISTENT_Q.search(q.text):
        return None
    quoted = _QUOTED_SHARE.findall(q.text)
    if len(quoted) != 2 or [bool(_CUT.search(t)) for t, _ in quoted].count(True) != 1:
        return None
    (cut_text, cut), (left_text, left) = sorted(quoted, key=lambda x: not _CUT.search(x[0]))
    where = []
    for text, value in ((cut_text, cut), (left_text, left)):
        found = next((s for s in scored if re.search(rf"(?<![\d.]){re.escape(value)}\s*%", s.text)
                      and len(held_terms(q, s.text) & held_terms(q, text)) >= 2), None)
        if found is None:
            return None
        where.append(found)
    total = float(cut) + float(left)
    same = abs(total - 100) < 0.5
    rest = fmt(100 - float(cut))
    cites = "".join(f"[{h + 1}]" for h in dict.fromkeys(s.hit for s in where))
    head = (f"结论：{'一致' if same else '不一致'}。降低{cut}%即为原来的{rest}%（{COMPUTED}：100% − {cut}% = {rest}%）"
            f"{'，与另一说法相同' if same else f'，而另一说法为{left}%'}{cites}。")
    lines = [head] + [f"· {report_label(hits[s.hit].chunk.meta)}：{_render([s])}" for s in dict.fromkeys(where)]
    return Draft("\n".join(lines), False, 1.0, tuple(sorted({s.hit for s in where})))


def answer(q: Query, hits: list[Hit], frame: Frame) -> Draft | None:
    """A verdict or computed answer for a comparison / arithmetic frame (or a figure推算 from a level
    and its growth), or None when a side has no bound figure (the caller then answers as usual or
    says what is missing)."""
    if not q.terms:
        return None
    scored = score_sentences(q, hits)  # once: every computation below reads the same ranked sentences
    if (shares := quoted_complement(q, hits, scored)) is not None:
        return shares
    back = back_calculation(q, hits, frame, scored)
    if back is not None:
        return back
    if wants_total_from_share(q.text) and (whole := total_from_share(q, hits, frame, scored)) is not None:
        return whole
    if wants_part_share(q.text):
        return part_share(q, hits, frame, scored)
    if wants_per_unit(q.text) and (each := per_unit(q, hits, frame, scored)) is not None:
        return each
    if wants_year_end(q.text, frame) and (earlier := year_end(q, hits, frame, scored)) is not None:
        return earlier
    if wants_complement(q.text, frame) and (part := complement(q, hits, frame, scored)) is not None:
        return part
    if wants_ratio(q.text, frame):
        return derived_ratio(q, hits, frame, scored)
    if wants_pair(q.text, frame):
        pair = in_sentence_pair(q, hits, frame, scored)
        if pair is not None or frame.answer_type not in ("comparison", "arithmetic"):
            return pair
    if wants_move(q.text, frame) and (move := stated_move(q, hits, frame, scored)) is not None:
        return move
    if CONSISTENT_Q.search(q.text) and (parts := part_sum(q, hits, frame, scored)) is not None:
        return parts
    if frame.answer_type not in ("comparison", "arithmetic") and not wants_each(q.text, frame):
        return None
    if wants_each(q.text, frame):
        return each_side(q, hits, frame, scored)
    if len(frame.sides) < 2:
        return consistency(q, hits, frame, scored) if frame.metric or frame.subject else None
    if len(frame.sides) > 2:
        return sum_check(q, hits, frame, scored) or total(q, hits, frame, scored)
    sides = _joint_sides(hits, _side_frames(frame), scored) or _every_side(q, hits, frame, scored, named_metric=False)
    if sides is None or sides[0].claim.quantity.unit != sides[1].claim.quantity.unit:
        # no two sides bound alike on their own: one sentence may still set the two against each other
        # (豆包1.6的综合成本(2.6元)比…DeepSeek R1的综合成本(7元)下降63%, not R1's 560万美元 training cost)
        pair = in_sentence_pair(q, hits, frame, scored) if _PAIR_Q.search(unicodedata.normalize("NFKC", q.text)) else None
        if pair is not None or sides is None:
            return pair
    a, b = sides
    if CONSISTENT_Q.search(q.text) and not agree(a.claim.quantity, a.scored.text, b.claim.quantity, b.scored.text):
        a, b = _agreeing(q, hits, frame, scored, a, b)
        sides = [a, b]
    qa, qb = a.claim.quantity, b.claim.quantity
    if qa.unit != qb.unit and not ((_table_bare(q.text, a, b) or _table_bare(q.text, b, a)) and qa.same(qb)):
        return None  # 3 (厘?) against 0.03元: not comparable as written (a bare cell only where it states the same amount)
    if not qa.unit and not frame.metric and not frame.unit and (a.scored.hit, a.scored.start) != (b.scored.hit, b.scored.start) \
            and not _measured_alike(q, frame, a, b):
        return None  # two bare numbers from two places, nothing asked to tell what they measure (32B against 91.4)
    if (a.scored.hit, a.scored.start, qa.start, qa.text) == (b.scored.hit, b.scored.start, qb.start, qb.text):
        return None  # both sides read the same figure: the passages do not tell them apart
    lines = [_verdict(q.text, frame, a, b)] + _side_lines(sides, hits)
    return Draft("\n".join(lines), False, 1.0, tuple(sorted({a.scored.hit, b.scored.hit})))


def _table_bare(question: str, a: Side, b: Side) -> bool:
    """True when `a` is a bare table cell under a column the question names (its unit in a header the row does
    not repeat: 55.5 under AIME 2024 pass@1) and `b` a figure with a unit: the two compare as written."""
    cells = _asked_cells(question, a.scored) if not a.claim.quantity.unit and b.claim.quantity.unit else None
    return cells is not None and a.claim.quantity.text in cells


def _worded(q: Query, s: Scored, c: bind.Claim) -> int:
    """How many of the question's words a figure's clause holds, one more in the unit the question names."""
    return len(_clause_terms(q, s, c)) + _unit_asked(q.text, c.quantity)


def _agreeing(q: Query, hits: list[Hit], frame: Frame, scored: list[Scored], a: Side, b: Side) -> tuple[Side, Side]:
    """For "两家给出的…一致吗" when the two best figures differ: a broker's other figure that states the other's
    amount, in a sentence among its best whose clause holds as many of the question's words (民生's 64颗 of its
    Trainium2 Ultra rack beside its 16颗 server, against 国金's 64颗 最大扩展规模), is the one set against it;
    (a, b) unchanged when there is none."""
    named = {name: (side_frame, broker) for name, side_frame, broker in _side_frames(frame, q.text)}
    for keep, swap in ((a, b), (b, a)):
        side_frame, broker = named.get(swap.name, (None, ""))
        if side_frame is None or not broker:
            return a, b  # sides by period or subject: two figures of two things, not two reports' words
        mine = [s for s in scored if broker_short(hits[s.hit].chunk.meta.broker or "") == broker]
        top = mine[0].score if mine else 0.0
        least = _worded(q, swap.scored, swap.claim)
        for s in mine:
            if s.score < WORDED_SHARE * top:
                break
            for c in bind.bound_claims(side_frame, hits[s.hit].chunk, s.start, s.end, s.header):
                if agree(keep.claim.quantity, keep.scored.text, c.quantity, s.text) and _worded(q, s, c) >= least \
                        and (not side_frame.metric or c.metric == side_frame.metric):
                    other = Side(swap.name, s, c)
                    return (keep, other) if keep is a else (other, keep)
    return a, b


def _asked_after_subject(question: str, frame: Frame) -> str:
    """What the question asks of its subject when it names no metric: the words after the subject's name
    up to the comparison (…DeepSeek-R1 Codeforces成绩一致吗 -> Codeforces成绩); "" when there are none."""
    t = unicodedata.normalize("NFKC", question)
    ends = [t.rfind(a) + len(a) for a in (frame.aliases or (frame.subject,)) if a and a in t]
    if not ends:
        return ""
    rest = re.split(r"[，,。？?]|" + CONSISTENT_Q.pattern + r"|分别|各是|是多少|几倍|多少|谁|哪|(?<![相对])比|较", t[max(ends):], maxsplit=1)[0]
    rest = re.sub(r"^[\s的在]+|(?:相比|相较于?|对比|比较|而言|上|中)+$", "", rest).strip()
    return rest if 2 <= len(rest) <= 16 else ""


def _measured_alike(q: Query, frame: Frame, a: Side, b: Side) -> bool:
    """True when both figures' own clauses (or rows) hold one of the question's words besides its subject's
    names (Codeforces: 2441分 in a sentence, 2029 in a table's CodeForces Elo Rating row)."""
    names = {unicodedata.normalize("NFKC", n).lower() for n in (frame.aliases or (frame.subject,)) if n}
    words = _clause_terms(q, a.scored, a.claim) & _clause_terms(q, b.scored, b.claim)
    return any(w.lower() not in names and not any(w.lower() in n for n in names) for w in words)


def _side_lines(sides: list[Side], hits: list[Hit]) -> list[str]:
    """One quoted line per sentence: sides stated in one sentence (英特尔…72%…AMD约16%) are quoted once."""
    by_sentence: dict[tuple[int, int, int], list[Side]] = {}
    for side in sides:
        by_sentence.setdefault((side.scored.hit, side.scored.start, side.scored.end), []).append(side)
    return [_line(replace(group[0], name="、".join(_side_name(g.name) for g in group)), hits) for group in by_sentence.values()]


_EACH_Q = re.compile(r"分别|各(?:是|为|约|自|有)|各[^，,。？?]{0,6}多少")


def wants_each(question: str, frame: Frame) -> bool:
    """True for a figure asked of two sides at once (2024年…多少，2025年计划增加到多少; …和…分别是多少)."""
    return frame.answer_type == "figure" and len(frame.sides) == 2 and bool(
        _EACH_Q.search(question) or len(re.findall(r"多少|几", question)) >= 2)


def _every_side(q: Query, hits: list[Hit], frame: Frame, scored: list[Scored],
                named_metric: bool = True) -> list[Side] | None:
    """Each side's best sentence with a bound figure (whose metric it names, with `named_metric`), or
    None when a side has none."""
    sides = []
    for name, side_frame, broker in _side_frames(frame, q.text):
        side = _best_side(q, hits, side_frame, broker, scored, named_metric)
        if side is None:
            return None
        sides.append(replace(side, name=name))
    return sides


def each_side(q: Query, hits: list[Hit], frame: Frame, scored: list[Scored]) -> Draft | None:
    """Each side's figure, one line each with its citation; None unless both sides have a bound figure
    (the caller then answers as usual, or says what is missing)."""
    sides = _every_side(q, hits, frame, scored)
    if sides is None:
        return None
    a, b = sides
    if (a.scored.hit, a.scored.start, a.claim.quantity.start) == (b.scored.hit, b.scored.start, b.claim.quantity.start):
        return None
    head = "；".join(f"{_side_name(s.name)}{f'（{w}）' if (w := _guessed(s, q.text)) else ''}为{_num(s.claim.quantity)}[{s.scored.hit + 1}]"
                    for s in sides) + "。"
    lines = [head] + _side_lines(sides, hits)
    return Draft("\n".join(lines), False, 1.0, tuple(sorted({a.scored.hit, b.scored.hit})))


# 新版…是旧版的几倍, 售价比总成本高多少: the two things set against each other, named in the question
_PAIR_Q = re.compile(r"(?P<a>[^，,。？?；;]{1,40}?)(?:是|为)(?P<b>[^，,。？?；;的]{1,20})的?(?:几倍|多少倍)"
                     r"|(?P<a2>[^，,。？?；;]{1,40}?)(?:比|相比|相较于?|较)(?P<b2>[^，,。？?；;]{1,20}?)(?:[，,][^，,。？?；;]{0,16}?)?"
                     r"(?P<how>高|低|多|少|贵|便宜|快|慢|大|小|提高|提升|增加|上升|下降|降低|减少)(?:了)?多少")
_SHARE_ASKED = re.compile(r"几分之几|百分之几|几成|的多少比例")
PAIR_SHARE = 0.5  # a sentence holding both figures may score this share of the best


def _keys(text: str, other: str, frame: Frame) -> set[str]:
    """The words of one side that the other side lacks (新版 against 旧版), subject names and numbers left out."""
    from yanbao.index.tokenize import tokenize

    mine, theirs = set(tokenize(text)), set(tokenize(other))
    mine -= set(metric_words(frame.metric)) if frame.metric else set()  # 份额 is what both are measured by
    names = [unicodedata.normalize("NFKC", a).lower() for a in (frame.aliases or (frame.subject,)) if a]
    words = {w for w in mine - theirs if len(w) >= 2 and not re.fullmatch(r"[\d.]+", w)
             and not any(w.lower() in n for n in names)}  # Ray-Ban Meta's ray, ban, meta are the subject's name
    words = {w for w in words if not any(w != v and w in v for v in words)}  # 总成本, not its 成本 and 总成
    whole = unicodedata.normalize("NFKC", text).strip().lower()
    if not words and 2 <= len(whole) <= 8 and whole not in unicodedata.normalize("NFKC", other).lower():
        words = {whole}  # 改进前 (jieba: 改进 + 前, the 改进 shared with 改进后): the side as written
    return words


def _expand(words: set[str]) -> set[str]:
    """The words with their synonyms (售价 -> 定价, 价格 …)."""
    from yanbao.index.tokenize import synonym_groups

    out = set(words)
    for group in synonym_groups():
        if out & set(group):
            out |= set(group)
    return out


def wants_pair(question: str, frame: Frame) -> bool:
    """True for a multiple or difference asked between two things of one subject (no sides parsed)."""
    return len(frame.sides) < 2 and bool(_PAIR_Q.search(unicodedata.normalize("NFKC", question)))


_COUNT_UNITS = frozenset({"颗", "个", "台", "块", "张", "GPU", "家", "款", "只", "部", "副", "辆", "项", "位", "条", "种", "套", "片", "座"})


def _windows(text: str, qs: list[Quantity]) -> list[str]:
    """For each figure, the words that tell whose it is: from the figure before it (or the sentence
    start) to the end of its clause (…去年9月初…重挫超9%、市值蒸发2790亿美元的纪录 -> 、市值蒸发…的纪录)."""
    out = []
    for x in qs:
        # a bare 5 (5 分组) is a label, and a count of another kind (整合了16颗芯片,具备20.8 PFLOPS) describes what the
        # figure after it measures: neither is a boundary
        start = max([0] + [y.end for y in qs if y.end <= x.start and y.unit and (y.unit == x.unit or y.unit not in _COUNT_UNITS)])
        stop = bind._CLAUSE_END.search(text, x.end)
        out.append(text[start:x.start] + " " + text[x.end:stop.start() if stop else len(text)])
    return out


def _row_windows(row: str, header: str) -> list[tuple[Quantity, str]]:
    """Each figure of a table row with its column's head as the words that tell whose it is."""
    cells = row.replace("\n", "\t").split("\t")
    heads = bind.align_heads(header.split("\t"), cells)
    out = []
    for j, cell in enumerate(cells[1:], start=1):
        head = unicodedata.normalize("NFKC", heads[j] if j < len(heads) else "").lower()
        out += [(x, head) for x in quantities(cell)] if head.strip() else []
    return out


def _respective_windows(text: str, qs: list[Quantity], key_a: set[str], key_b: set[str]) -> list[str]:
    """FScore策略与低市净率策略的年化收益率分别为31.85%和33.77%: the figures after 分别 take, in order, the words
    of the two sides as written before it; [] when the sentence lists nothing so."""
    m = re.search(r"分别|依次", text)
    after = [x for x in qs if m and x.start > m.end()]
    if not m or len(after) != 2:
        return []
    before = text[:m.start()]
    pa = min((before.find(k) for k in key_a if k in before), default=-1)
    pb = min((before.find(k) for k in key_b if k in before), default=-1)
    if pa < 0 or pb < 0 or pa == pb:
        return []
    first, second = (sorted(key_a)[0], sorted(key_b)[0]) if pa < pb else (sorted(key_b)[0], sorted(key_a)[0])
    return ["" if x not in after else (first if x is after[0] else second) for x in qs]


def in_sentence_pair(q: Query, hits: list[Hit], frame: Frame, scored: list[Scored]) -> Draft | None:
    """A multiple or difference between two figures a passage states for the two things the question
    sets against each other (旧版模型平均每题使用12K tokens，而新版模型…23K tokens: 23 ÷ 12). The second
    thing's figure is the one with its words around it; the first's, another with the first's words and
    none of the second's. Sentences of one passage among the best are read together; None when none holds both."""
    m = _PAIR_Q.search(unicodedata.normalize("NFKC", q.text))
    if not m:
        return None
    a, b = (m.group("a"), m.group("b")) if m.group("a") else (m.group("a2"), m.group("b2"))
    key_a, key_b = _expand(_keys(a, b, frame)), _expand(_keys(b, a, frame))
    if not key_a or not key_b:
        return None
    top = scored[0].score if scored else 0.0
    best = [x for x in scored[:12] if x.score >= PAIR_SHARE * top]
    units = tuple(u for u in metric_units(frame.metric) if u) if frame.metric else ()
    # the sentences of one passage; failing that, of one report's passages (a report's two figures may sit
    # in two passages: 本地推理 AI手机中约60%, 基础AI功能手机中约42%)
    groups = [[s] + [t for t in best if t.hit == s.hit and t is not s] for s in best]
    groups += [[s] + [t for t in best if t is not s and t.hit != s.hit and hits[t.hit].chunk.file == hits[s.hit].chunk.file]
               for s in best]
    for group in groups:
        s = group[0]
        found: list[tuple[Scored, Quantity, str]] = []
        for t in group:
            text = unicodedata.normalize("NFKC", t.text).lower()
            stated = bind.claims(hits[t.hit].chunk, t.start, t.end, t.header)
            # a figure named as another's (安卓系厂商占到约58%) is not the subject's, whatever words surround it
            qs = [c.quantity for c in stated if not (frame.subject and c.named and c.subject and not bind.subject_matches(frame, c.subject))]
            spans = [(p0, p1) for p0, p1, _ in periods(text)]  # 24年 of 24年三季度 is a period, no figure ending a window
            qs = [x for x in qs if not any(p0 <= x.start < p1 for p0, p1 in spans)]
            if "\t" in t.text and t.header:  # a table row: a figure's column head tells whose it is
                found += [(t, x, w) for x, w in _row_windows(t.text, t.header)]
            elif qs and text[qs[0].start:qs[0].start + len(qs[0].text)] == qs[0].text.lower():  # (end may hold a space)
                # in a sentence a bare number is a count or a label (5分组, 回看20日), not a measure to compare
                found += [(t, x, w) for x, w in zip(qs, _respective_windows(text, qs, key_a, key_b) or _windows(text, qs)) if x.unit]
        if "百分点" in q.text:
            found = [(t, x, w) for t, x, w in found if x.unit in ("%", "pct")]
        named = unicodedata.normalize("NFKC", a + b).replace(" ", "")
        found = [(t, x, w) for t, x, w in found if _num(x) not in named]  # 低市净率(前20%)策略: 20% names a side
        if units:
            found = [(t, x, w) for t, x, w in found if x.unit in units]
        fb = next(((t, x) for t, x, w in found if any(k in w for k in key_b)), None)
        if fb is None:
            continue
        # the figure with the most of the first thing's words; of equals, the one written nearest after the
        # second's (在中证500成分股中,传统反转因子…7.36%; CPV因子…15.67%: not the 沪深300 paragraph's 12.11%)
        fa = max(((t, x, sum(k in w for k in key_a)) for t, x, w in found
                  if x is not fb[1] and x.unit == fb[1].unit and not any(k in w for k in key_b) and any(k in w for k in key_a)),
                 key=lambda c: (c[2], c[0].start >= fb[0].start, -abs(c[0].start - fb[0].start)), default=None)
        if fa is not None and units and fa[1].unit not in units:
            continue  # 市值蒸发 asked: not the share prices' 17% and 9% written beside them
        if fa is None or not fb[1].value:
            continue
        qa_, qb_ = fa[1], fb[1]
        if m.group("a"):
            r = qa_.value / qb_.value
            head = (f"约{fmt(r)}倍（{COMPUTED}：{_plain(qa_)} ÷ {_plain_value(qb_.value, qa_)} ≈ {fmt(r)}；"
                    f"{a.strip()}为{_num(qa_)}，{b.strip()}为{_num(qb_)}）。")
        else:
            gap = qa_.value - qb_.value
            big, small = (qa_, qb_) if gap >= 0 else (qb_, qa_)
            apart = f"{fmt(abs(gap))}个百分点" if qa_.unit == "%" else fmt(abs(gap), qa_.unit)
            changed = m.group("how") in ("提高", "提升", "增加", "上升", "下降", "降低", "减少")
            more = ("提高" if gap >= 0 else "下降") if changed else ("高" if gap >= 0 else "低")
            head = (f"{more}约{apart}（{COMPUTED}：{_plain(big)} − {_plain_value(small.value, big)} = "
                    f"{_plain_value(abs(gap), big)}；{a.strip()}为{_num(qa_)}，{b.strip()}为{_num(qb_)}）。")
            if _SHARE_ASKED.search(q.text) and qa_.unit != "%":  # …大约是后者的几分之几: the ratio too
                r = qa_.value / qb_.value
                head += f"前者约为后者的{fmt(r * 100)}%（{COMPUTED}：{_plain(qa_)} ÷ {_plain_value(qb_.value, qa_)} ≈ {fmt(r * 100)}%）。"
        used = sorted({(fa[0].start, id(fa[0])): fa[0], (fb[0].start, id(fb[0])): fb[0]}.values(), key=lambda x: x.start)
        label = report_label(hits[s.hit].chunk.meta)
        return Draft(head + "\n" + f"· {label}：{_render(used)}", False, 1.0, tuple(sorted({x.hit for x in used})))
    return None


# a move stated in one sentence: 从9.7万亿激增至480万亿; 相比上一季度的510个增加到542个; 达到506亿美元，相比之下上年同期是305亿美元
_FIG = r"\d+(?:,\d{3})*(?:\.\d+)?\s*[^\d\s，,；;。、]{0,4}"
_MOVE = tuple(re.compile(p.replace("{n}", _FIG)) for p in (
    r"从\s*(?P<a>{n})[^，,；;。从至到]{0,8}?(?:增至|增长至|增长到|增加到|增加至|提升至|提升到|提高至|提高到|扩大至|扩张至|"
    r"上升至|上升到|降至|下降至|下降到|减少至|减少到|至|到)\s*(?P<b>{n})",
    r"(?:相比|相较于?|较)[^，,；;。]{0,10}?的\s*(?P<a>{n})\s*(?:增加|增长|提升|提高|上升|下降|减少)(?:至|到)\s*(?P<b>{n})",
    r"(?P<b>{n})[^。；;]{0,10}?(?:相比之下|而)?(?:上年同期|去年同期|上一季度|上季度|上一年|前一年|上月|上周)(?:是|为)\s*(?P<a>{n})"))
_MOVE_Q = re.compile(r"(?:增长|增加|提升|提高|上升|下降|减少|扩大|多)了?(?:多少|几)|增幅|降幅|翻了几倍|是(?:之前|此前|原来|当时)?的?(?:几|多少)倍|(?:几|多少)倍")
_MOVE_TIMES = re.compile(r"倍")


def wants_move(question: str, frame: Frame) -> bool:
    """True for a change asked of one thing (增加了多少个？增幅多少？是多少倍？), no two sides named."""
    set_against = re.search(r"(?<![同环])比|相比|相较|谁|哪|分别|各", question)  # 比B200多多少: two things, not a move
    return bool(_MOVE_Q.search(question)) and (len(frame.sides) < 2 or not set_against)


def _moves(text: str) -> list[tuple[Quantity, Quantity, int, int]]:
    """(before, after, span start, span end) of each move the sentence states, both figures in one unit."""
    t = unicodedata.normalize("NFKC", text)
    qs = quantities(t)
    out = []
    for pattern in _MOVE:
        for m in pattern.finditer(t):
            a = next((x for x in qs if x.start == m.start("a")), None)
            b = next((x for x in qs if x.start == m.start("b")), None)
            if a and b and a.unit == b.unit and a.value and a.value != b.value:
                out.append((a, b, m.start(), m.end()))
    return out


def _suffix(q: Quantity) -> str:
    return re.sub(r"^[\d.,\s]+", "", q.text)


def stated_move(q: Query, hits: list[Hit], frame: Frame, scored: list[Scored]) -> Draft | None:
    """The change between the two figures of a move one of the best sentences states (from before to
    after): the difference and growth, or the multiple when 几倍 is asked; with the formula, 计算得出.
    A period the question names must be in the move's clause. None when no best sentence states one."""
    top = scored[0].score if scored else 0.0
    asked = [p for _, _, p in periods(q.text)]
    for s in scored[:6]:
        if s.score < 0.8 * top:
            break
        text = unicodedata.normalize("NFKC", s.text)
        for a, b, start, end in _moves(text):
            clause = text[bind.clause_start(text, start):end]
            if asked and not any(p.matches(x) for p in asked for _, _, x in periods(clause)):
                continue
            if _MOVE_TIMES.search(_MOVE_Q.search(q.text).group()):
                r = b.value / a.value
                head = f"约为此前的{fmt(r)}倍（{COMPUTED}：{_plain(b)} ÷ {_plain_value(a.value, b)} ≈ {fmt(r)}；由{_num(a)}变为{_num(b)}）。"
                quoted = _QUOTED.search(unicodedata.normalize("NFKC", q.text))
                if quoted and quoted.group("unit") == "倍":
                    said = float(quoted.group("fig"))
                    close = abs(r - said) <= max(1.0, 0.02 * r)
                    head += (f"与报告的{quoted.group('fig')}倍基本吻合（报告取约数）。" if close
                             else f"与报告的{quoted.group('fig')}倍不符。")
            else:
                gap = b.value - a.value
                word = "增加" if gap > 0 else "减少"
                apart = f"{fmt(abs(gap))}个百分点" if b.unit == "%" else f"{_plain_value(abs(gap), b)}{_suffix(b)}"
                moved = f"由{_num(a)}变为{_num(b)}"
                head = f"{word}约{apart}（{COMPUTED}：{_plain(b)} − {_plain_value(a.value, b)} = {_plain_value(gap, b)}；{moved}）"
                if b.unit != "%":  # a share moves by points; an amount also by a growth rate
                    g = fmt(abs(gap) / a.value * 100)
                    head += f"，{'增幅' if gap > 0 else '降幅'}约{g}%（{COMPUTED}：{_plain_value(abs(gap), b)} ÷ {_plain_value(a.value, b)} ≈ {g}%）"
                head += "。"
            label = report_label(hits[s.hit].chunk.meta)
            return Draft(head + "\n" + f"· {label}：{_render([s])}", False, 1.0, (s.hit,))
    return None


def sum_check(q: Query, hits: list[Hit], frame: Frame, scored: list[Scored]) -> Draft | None:
    """腾讯、阿里、百度三家加总，与BAT合计一致吗: the parts (all sides but the last) summed and set against
    the total (the last side); None for more than two sides asked anything else (no pairwise verdict)."""
    if not (_SUM_Q.search(q.text) or re.search(r"加总|总和", q.text)) or not CONSISTENT_Q.search(q.text):
        return None
    sides = _every_side(q, hits, frame, scored, named_metric=False)
    if sides is None:
        return None
    *parts, total = sides
    units = {s.claim.quantity.unit for s in sides}
    if len(units) > 1:
        return None
    first = parts[0].claim.quantity
    value = sum(s.claim.quantity.value for s in parts)
    inputs = " + ".join(_plain_value(s.claim.quantity.value, first) for s in parts)
    summed = Quantity(value, first.unit, fmt(value, first.unit), 0, 0, max(s.claim.quantity.tolerance for s in parts))
    same = agree(summed, "", total.claim.quantity, total.scored.text) or abs(value - total.claim.quantity.value) <= summed.tolerance * len(parts)
    names = "、".join(_side_name(s.name) for s in parts)
    head = (f"结论：{'一致' if same else '不一致'}。{names}的{frame.metric or '数值'}合计约{fmt(value, first.unit)}"
            f"（{COMPUTED}：{inputs} = {_plain_value(value, first)}）。{_side_name(total.name)}为{_num(total.claim.quantity)}"
            f"[{total.scored.hit + 1}]。")
    lines = [head] + _side_lines(sides, hits)  # sides stated in one sentence (腾讯,阿里巴巴和百度…分别为…) are quoted once
    return Draft("\n".join(lines), False, 1.0, tuple(sorted({s.scored.hit for s in sides})))


# 半导体和基础设施软件两个部门营收加起来，与公司总营收对得上吗; A、B和C三块规模加起来与整体市场规模一致吗
_PARTS_Q = re.compile(r"(?P<parts>[^，,。？?；;]+?(?:(?:、|和|及|与)[^、，,。？?；;]+?)+?)(?:[两三四五六七八九]\s*(?:块|个部门|个业务|项|部分|家))?"
                      r"的?(?:规模|营收|收入|营业收入|金额)?(?:加起来|合计|之和|加总|相加)[，,]?\s*(?:与|和|跟|同)(?P<whole>[^，,。？?；;]+?)"
                      r"(?:" + CONSISTENT_Q.pattern + r"|一致|对得上|相符|吻合)")
_PART_END = re.compile(r"[；;。]")


def _part_names(parts: str, frame: Frame) -> list[str]:
    """The parts a question lists, each without the period, the subject and the words before 的 (博通FY24Q3的半导体
    -> 半导体; 2024上半年中国智算集成服务 -> 智算集成服务)."""
    out = []
    for name in re.split(r"、|和|及|与", parts):
        for _, e, _ in reversed(periods(name)):
            name = name[e:]
        name = name.split("的")[-1]
        for a in sorted(frame.aliases + frame.marks, key=len, reverse=True):
            name = name.replace(a, "")
        name = name.strip()
        if len(name) >= 2:
            out.append(name)
    return out


def _part_figure(name: str, hits: list[Hit], frame: Frame, scored: list[Scored], units: tuple[str, ...]) -> tuple[Scored, Quantity] | None:
    """The first figure in the asked units written after a part's name in its sentence (智算集成服务市场同比增长168.4%，
    市场规模达57.0亿元: 57.0亿元), of the asked period, from the best sentences naming it."""
    want = period_of(frame)
    key = re.compile(r"(?<![a-z0-9-])" + re.escape(unicodedata.normalize("NFKC", name).lower()))  # GenAI IaaS is not in Non-GenAI IaaS
    for s in scored[:40]:
        t = unicodedata.normalize("NFKC", s.text).lower()
        named = key.search(t)
        if named is None:
            continue
        at = named.start()
        stop = _PART_END.search(t, at)
        stated = bind.claims(hits[s.hit].chunk, s.start, s.end, s.header)
        for c in sorted(stated, key=lambda c: c.quantity.start):
            x = c.quantity
            if x.start < at or (stop and x.start > stop.start()) or x.unit not in units:
                continue
            if want is not None and c.period is not None and not want.matches(c.period):
                break
            return s, x
    return None


def part_sum(q: Query, hits: list[Hit], frame: Frame, scored: list[Scored]) -> Draft | None:
    """Parts listed in the question (two segments, three markets) summed and set against the whole it names:
    一致 / 不一致 with the sum computed and each figure quoted; None unless every part and the whole are found."""
    m = _PARTS_Q.search(unicodedata.normalize("NFKC", q.text))
    if not m or len(frame.sides) >= 2:
        return None  # (腾讯、阿里、百度三家…与BAT合计: sides of their own, summed by sum_check)
    names = _part_names(m.group("parts"), frame)
    units = tuple(u for u in metric_units(frame.metric) if u) if frame.metric else _MONEY_UNITS
    units = tuple(u for u in units if u != "%") or _MONEY_UNITS
    found = [_part_figure(n, hits, frame, scored, units) for n in names]
    if len(names) < 2 or any(f is None for f in found):
        return None
    whole_words = [w for w in ("整体", "总体", "全部", "合计", "总") if w in m.group("whole")]
    whole = None
    for s in scored[:40]:
        if any(s.text == f[0].text for f in found):
            continue  # the whole is stated apart from its parts
        t = unicodedata.normalize("NFKC", s.text)
        if frame.subject:
            claims = [c.quantity for c in bind.bound_claims(replace(frame, answer_type="figure"), hits[s.hit].chunk, s.start, s.end, s.header)
                      if c.quantity.unit in units]
        else:
            at = min((t.find(w) for w in whole_words if w in t), default=-1)
            claims = [c.quantity for c in bind.claims(hits[s.hit].chunk, s.start, s.end, s.header)
                      if at >= 0 and c.quantity.start > at and c.quantity.unit in units and (
                          c.period is None or period_of(frame) is None or period_of(frame).matches(c.period))]
        if claims:
            whole = (s, claims[0])
            break
    if whole is None or len({x.unit for _, x in found} | {whole[1].unit}) > 1:
        return None
    first = found[0][1]
    value = sum(x.value for _, x in found)
    summed = Quantity(value, first.unit, fmt(value, first.unit), 0, 0, max(x.tolerance for _, x in found))
    same = agree(summed, "", whole[1], whole[0].text) or abs(value - whole[1].value) <= summed.tolerance * len(found)
    inputs = " + ".join(_plain_value(x.value, first) for _, x in found)
    head = (f"结论：{'一致' if same else '不一致'}。{'、'.join(names)}合计约{fmt(value, first.unit)}（{COMPUTED}：{inputs} = "
            f"{_plain_value(value, first)}），{m.group('whole').strip()}为{_num(whole[1])}[{whole[0].hit + 1}]。")
    used = [f[0] for f in found] + [whole[0]]
    return Draft("\n".join([head] + _quoted_by_passage(used, hits)), False, 1.0, tuple(sorted({u.hit for u in used})))


def total(q: Query, hits: list[Hit], frame: Frame, scored: list[Scored]) -> Draft | None:
    """百度、阿里、腾讯三家…加起来是多少: the total the reports state for the group the sides make up (BAT
    合计550.12亿), else the sides' own figures summed (计算得出); None when neither is found."""
    if not _SUM_Q.search(q.text) or CONSISTENT_Q.search(q.text):
        return None
    group = group_of(frame.sides)
    if group:
        whole = replace(frame, subject=group, aliases=aliases(group), subjects=(group,), sides=(), answer_type="figure")
        side = _best_side(q, hits, whole, "", scored, named_metric=True)
        if side is not None:
            head = f"{group}合计{frame.metric or ''}为{_num(side.claim.quantity)}[{side.scored.hit + 1}]（{group}即{'、'.join(frame.sides)}）。"
            return Draft(head + "\n" + _line(replace(side, name=group), hits), False, 1.0, (side.scored.hit,))
    sides = _every_side(q, hits, frame, scored)
    if sides is None:
        return None
    if len({s.claim.quantity.unit for s in sides}) > 1:
        return None
    first = sides[0].claim.quantity
    value = sum(s.claim.quantity.value for s in sides)
    inputs = " + ".join(_plain_value(s.claim.quantity.value, first) for s in sides)
    head = f"合计约{fmt(value, first.unit)}（{COMPUTED}：{inputs} = {_plain_value(value, first)}）。"
    return Draft("\n".join([head] + _side_lines(sides, hits)), False, 1.0, tuple(sorted({s.scored.hit for s in sides})))


def _verdict(question: str, frame: Frame, a: Side, b: Side) -> str:
    qa, qb = a.claim.quantity, b.claim.quantity
    unit = qa.unit or qb.unit
    by_subject = a.name in frame.subjects
    counted = COUNT_ASKED.search(question)
    named = frame.metric or (counted.group(0) if counted else "") or _asked_after_subject(question, frame)  # 图片数量 when no metric word is asked
    named = f"{frame.qualifier}业务{named}" if frame.qualifier and named and frame.qualifier.isascii() is False and not named.startswith(frame.qualifier) else named
    what = (named or "数值") if by_subject else (f"{frame.subject}{'的' if not frame.metric and named else ''}{named}" if named else frame.subject)
    na, nb = _side_name(a.name), _side_name(b.name)
    if _RATIO_Q.search(question):
        hi, lo = (b, a) if qb.value >= qa.value else (a, b)
        h, low = hi.claim.quantity, lo.claim.quantity
        r = h.value / low.value if low.value else float("nan")
        times = (f"{_side_name(hi.name)}的{what}约为{_side_name(lo.name)}的{fmt(r)}倍（{COMPUTED}：{_plain(h)} ÷ "
                 f"{_plain_value(low.value, h)} ≈ {fmt(r)}）。")
        if re.search(r"谁|哪", question):  # 谁的营收更高？是对方的几倍？: the verdict first
            times = f"结论：{_side_name(hi.name)}的{what}更高（{_num(h)}，{_side_name(lo.name)}为{_num(low)}）。" + times
        if not _DIFF_Q.search(_RATIO_Q.sub("", question)):
            return times
        gap = h.value - low.value  # 多多少？是几倍？: both asked, both computed
        apart = f"{fmt(gap)}个百分点" if h.unit == "%" else fmt(gap, h.unit)
        return (f"{_side_name(hi.name)}的{what}（{_num(h)}）比{_side_name(lo.name)}（{_num(low)}）多约{apart}（{COMPUTED}："
                f"{_plain(h)} − {_plain_value(low.value, h)} = {_plain_value(gap, h)}）；" + times)
    change = _CHANGE_Q.search(question)
    if _SUM_Q.search(question) and not CONSISTENT_Q.search(question) and not change:  # 合计收入较2019年下降了多少: a change
        total = qa.value + qb.value
        return f"合计约{fmt(total, unit)}（{COMPUTED}：{_plain(qa)} + {_plain_value(qb.value, qa)} = {_plain_value(total, qa)}）。"
    if agree(qa, a.scored.text, qb, b.scored.text):
        same = _num(qa) if _num(qa) == _num(qb) else (f"{_num(qa)}与{_num(qb)}为同一数值" if qa.same(qb)
                                                     else f"{_num(qa)}与{_num(qb)}，约数一致")
        return f"结论：一致。{na}与{nb}给出的{what}相同（{same}）。"
    diff = qb.value - qa.value
    hi, lo = (a, b) if diff < 0 else (b, a)
    gap = abs(diff)
    checked = _quoted_check(question, hi, lo, what)
    if checked:
        return checked
    periods_ = [period_of(replace(frame, period=s.name)) for s in (a, b)]
    if change and not by_subject and all(periods_) and periods_[0] != periods_[1] and unit != "%":
        return _change(question, frame, what, *((a, b) if periods_[0] < periods_[1] else (b, a)))
    growth = f"，高出约{fmt(gap / lo.claim.quantity.value * 100)}%" if lo.claim.quantity.value else ""
    apart = fmt(gap, unit)
    result = _plain_value(gap, hi.claim.quantity)
    if not unit and (places := _places(hi.claim.quantity, lo.claim.quantity)):  # 72.6 − 63.6 = 9.0, as precise as they are
        apart = result = f"{gap:.{places}f}"
    if unit == "%":  # two shares differ by percentage points (63.72% vs 37.31%: 26.41个百分点)
        apart, growth = f"{fmt(gap)}个百分点", ""
    verdict = "结论：不一致。" if CONSISTENT_Q.search(question) else "结论："
    return (f"{verdict}{_side_name(hi.name)}的{what}（{_num(hi.claim.quantity)}）高于{_side_name(lo.name)}"
            f"（{_num(lo.claim.quantity)}），相差约{apart}（{COMPUTED}：{_plain(hi.claim.quantity)} − "
            f"{_plain_value(lo.claim.quantity.value, hi.claim.quantity)} = {result}{growth}）。")


def _places(a: Quantity, b: Quantity) -> int:
    """The decimals two bare figures of one scale are written with (72.6 and 63.6: 1), or 0."""
    if a.tolerance != b.tolerance:
        return 0
    return max(len(p.split(".")[1]) if "." in p else 0 for p in (_plain(a), _plain(b)))


# 报告的78%算得对吗, 与报告说的50倍吻合吗: the question quotes a figure the report derived from the two sides
_QUOTED = re.compile(r"(?:报告|文中|原文)[^，,。？?\d]{0,6}?(?P<fig>\d+(?:\.\d+)?)\s*(?P<unit>%|倍)[^，,。？?]{0,10}?"
                     r"(?:算得对|对吗|对不对|吻合|一致|准确|正确|相符|对得上)")


def _quoted_check(question: str, hi: Side, lo: Side, what: str) -> str:
    """The verdict on a figure the question quotes from the report (a growth in % or a multiple in 倍),
    recomputed from the two sides; "" when the question quotes none. A quoted figure agrees when it is
    the computed one rounded to the quoted precision, or within 1% of it (报告 often truncates: 78.57% -> 78%)."""
    m = _QUOTED.search(unicodedata.normalize("NFKC", question))
    h, low = hi.claim.quantity.value, lo.claim.quantity.value
    if not m or not low:
        return ""
    quoted = float(m.group("fig"))
    got = (h / low - 1) * 100 if m.group("unit") == "%" else h / low
    decimals = len(m.group("fig").split(".")[1]) if "." in m.group("fig") else 0
    close = abs(got - quoted) <= max(10 ** -decimals, 0.01 * abs(got))
    formula = f"{_plain(hi.claim.quantity)} ÷ {_plain_value(low, hi.claim.quantity)} ≈ {h / low:.4f}".rstrip("0").rstrip(".")
    if m.group("unit") == "%":
        formula += f"，即高出约{fmt(got)}%"
    said = f"{m.group('fig')}{m.group('unit')}"
    result = f"{fmt(got)}{m.group('unit')}"
    verdict = (f"结论：基本一致。按报告数据，{_side_name(hi.name)}的{what}比{_side_name(lo.name)}高约{result}"
               if m.group("unit") == "%" else f"结论：基本一致。按报告数据，{_side_name(hi.name)}的{what}约为{_side_name(lo.name)}的{result}")
    if close:
        return f"{verdict}（{COMPUTED}：{formula}），与报告的{said}相符（报告取约数）。"
    return (f"结论：不一致。按报告数据计算为{result}（{COMPUTED}：{formula}），报告写的是{said}。"
            f"{_side_name(hi.name)}为{_num(hi.claim.quantity)}，{_side_name(lo.name)}为{_num(lo.claim.quantity)}。")


_CHANGE_Q = re.compile(r"(?:较|比|相比)[^，,。？?]{0,12}?(?:增长|增加|提升|提高|上升|下降|下滑|减少|降低|变化)了?多少"
                       r"|(?:增长|增加|提升|提高|上升|下降|下滑|减少|降低)了多少|增幅|降幅|变化多少")


def _change(question: str, frame: Frame, what: str, before: Side, after: Side) -> str:
    """The change from an earlier period's figure to a later one's, as an amount and a share of the earlier
    (2020年较2019年下降约3.85亿元，降幅约29%), each step a formula the checker can verify."""
    q0, q1 = before.claim.quantity, after.claim.quantity
    gap = q1.value - q0.value
    word, amount = ("增长", "增幅") if gap >= 0 else ("下降", "降幅")
    big, small = (after, before) if gap >= 0 else (before, after)
    step = f"{_plain(big.claim.quantity)} − {_plain_value(small.claim.quantity.value, big.claim.quantity)} = {_plain_value(abs(gap), big.claim.quantity)}"
    if not q0.value:
        return f"结论：{_side_name(after.name)}较{_side_name(before.name)}{word}约{fmt(abs(gap), q1.unit)}（{COMPUTED}：{step}）。"
    share = abs(gap) / q0.value
    ratio = f"{share:.4f}".rstrip("0").rstrip(".")
    g1, g0 = (f"{w}：" if (w := _guessed(s, question)) else "" for s in (after, before))
    return (f"结论：{_side_name(after.name)}的{what}（{g1}{_num(q1)}）较{_side_name(before.name)}（{g0}{_num(q0)}）{word}约"
            f"{fmt(abs(gap), q1.unit)}，{amount}约{fmt(share * 100)}%（{COMPUTED}：{step}；"
            f"{_plain_value(abs(gap), big.claim.quantity)} ÷ {_plain_value(q0.value, big.claim.quantity)} ≈ {ratio}）。")


def _guessed(side: Side, question: str) -> str:
    """指引 (or 预期, 预计…): the word its sentence states a side's figure as a guidance or forecast with, written
    beside the figure so that it is never read as reported; "" for a reported figure."""
    if not side.claim.estimate or not re.search(rf"实际|{_FORECAST}", question):
        return ""  # (only where the question sets forecasts against reported figures)
    words = re.findall(_FORECAST, side.scored.text[:max(side.claim.quantity.start, 0)])
    return words[-1] if words else "预测"


def _reworded(value: float, like: Quantity) -> tuple[str, str, str]:
    """(the input as written plain, the computed value in its magnitude, the value in the input's own
    wording): 1.38亿 and 1.2545 -> ("1.38", "1.25", "1.25亿")."""
    written = _plain(like)
    shown = fmt(float(_plain_value(value, like)))
    return written, shown, like.text.replace(" ", "").replace(written, shown, 1)


def _plain(q: Quantity) -> str:
    """A figure in the scale it was written in, as a bare number: 557.6万美元 -> 557.6."""
    m = re.search(r"\d+(?:,\d{3})*(?:\.\d+)?", q.text)
    return m.group(0).replace(",", "") if m else fmt(q.value)


def _plain_value(value: float, like: Quantity) -> str:
    """`value` in the scale of `like` (the same units as _plain gives), to 4 decimals at most."""
    written = float(_plain(like)) or 1.0
    scale = like.value / written if like.value else 1.0
    v = value / scale if scale else value
    return f"{v:.4f}".rstrip("0").rstrip(".")


def formula_holds(sentence: str) -> bool:
    """True when every formula "A op B =/≈ C" (or "A ÷ (1 + g%) ≈ C") in the sentence computes (to C's
    written precision, ≈ allowing 1% more)."""
    for m in _GROWTH_FORMULA.finditer(sentence):
        a, g, c = float(m.group("a")), float(m.group("g")), float(m.group("c"))
        got = a / (1 + (g if m.group("op") == "+" else -g) / 100)
        if abs(got - c) > 0.01 * abs(got) + 0.5 * 10 ** -(len(m.group("c").split(".")[1]) if "." in m.group("c") else 0):
            return False
    for m in _SUM_FORMULA.finditer(sentence):  # A + B + C = D
        terms = [float(x) for x in m.group("terms").split("+")]
        c = float(m.group("c"))
        decimals = len(m.group("c").split(".")[1]) if "." in m.group("c") else 0
        tol = 0.5 * 10 ** -decimals + (0.01 * abs(c) if m.group("eq") == "≈" else 0)
        if abs(sum(terms) - c) > tol + 1e-9:
            return False
    text = _SUM_FORMULA.sub(" ", sentence)
    for m in _FORMULA.finditer(text):
        a, b, c = float(m.group("a")), float(m.group("b")), float(m.group("c"))
        op = m.group("op")
        got = {"÷": a / b if b else float("nan"), "×": a * b, "+": a + b, "−": a - b, "-": a - b}[op]
        if op == "÷" and text[m.end():m.end() + 1] == "%":
            got *= 100  # 32 ÷ 510 ≈ 6.27%: a share written in percent
        decimals = len(m.group("c").split(".")[1]) if "." in m.group("c") else 0
        tol = 0.5 * 10 ** -decimals + (0.01 * abs(got) if m.group("eq") == "≈" else 0)
        if not abs(got - c) <= tol + 1e-9:
            return False
    return True


def formula_inputs(sentence: str) -> list[float]:
    """The input figures (A and B, or A and g) of the formulas in a sentence; a result of one of its
    formulas used in the next (13.28 − 9.43 = 3.85；3.85 ÷ 13.28 ≈ 0.2899) is computed, not an input."""
    results = {float(m.group("c")) for rx in (_SUM_FORMULA, _FORMULA, _GROWTH_FORMULA) for m in rx.finditer(sentence)}
    inputs = ([float(x) for m in _SUM_FORMULA.finditer(sentence) for x in m.group("terms").split("+")]
              + [float(x) for m in _FORMULA.finditer(_SUM_FORMULA.sub(" ", sentence)) for x in (m.group("a"), m.group("b"))]
              + [float(x) for m in _GROWTH_FORMULA.finditer(sentence) for x in (m.group("a"), m.group("g"))])
    return [x for x in inputs if x not in results]


_SCALES = (1.0, 1e3, 1e4, 1e6, 1e8, 1e9, 1e12, 1e15, 1e18)


def input_stated(x: float, stated: list[Quantity]) -> bool:
    """True when `x` is one of the stated figures, in any of the usual scales (5.576M as 557.6万), or
    an item of a list a comma ran together (分别为275,246.12和29亿: 275 and 246.12)."""
    if any(abs(float(part) - x) <= 0.5 * 10 ** -(len(part.split(".")[1]) if "." in part else 0) + 1e-9
           for q in stated if "," in q.text for part in re.findall(r"\d+(?:\.\d+)?", q.text)):
        return True
    return any(abs(q.value / s - x) <= max(q.tolerance / s, 1e-9) * 1.0001 for q in stated for s in _SCALES)


