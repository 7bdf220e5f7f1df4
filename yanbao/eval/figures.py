"""Figures in text as quantities: numbers with scale and unit, ranges, and dates.

"557.6万美元", "5.576M美元" and "$5.576 million" are one amount; "131亿美元", "131 亿美元" and
"13.1 billion dollars" are another; "2024年12月3日" and "2024-12-03" are one date. `figures`
finds them in a text and `same` compares two of them.

Everything works on `prepare`d text (NFKC, lower case, a space kept only between two latin
letters or digits), so offsets point into that, not into the raw string. What is not a figure: digits inside names and periods ("H200",
"FY24Q3", "Qwen3-235B", "R1-0528"), and a number glued to letters that are no unit ("910B").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from yanbao.eval.text import prepare, prepare_cased

# scale words, written after the number: value multipliers
_SCALES = {
    "万亿": 1e12, "千亿": 1e11, "百亿": 1e10, "十亿": 1e9, "亿": 1e8, "千万": 1e7, "百万": 1e6, "十万": 1e5, "万": 1e4,
    "千": 1e3, "trillion": 1e12, "billion": 1e9, "bn": 1e9, "million": 1e6, "mn": 1e6, "thousand": 1e3, "k": 1e3,
    "b": 1e9, "m": 1e6,
}
# units: written form -> (dimension, multiplier to the dimension's base unit)
_UNITS: dict[str, tuple[str, float]] = {}
for _forms, _dim, _mult in (
    (("美元", "美金", "usd", "dollars", "dollar", "us dollars", "us$"), "USD", 1.0),
    (("元人民币", "元", "人民币", "rmb", "cny", "块钱"), "CNY", 1.0),
    (("港元", "港币", "hkd"), "HKD", 1.0),
    (("欧元", "eur"), "EUR", 1.0),
    (("日元", "jpy"), "JPY", 1.0),
    (("%", "percent"), "%", 1.0),
    (("个百分点", "百分点", "pct", "pp"), "pp", 1.0),
    (("倍", "x", "×"), "x", 1.0),
    (("pb/s",), "B/s", 1e15), (("tb/s",), "B/s", 1e12), (("gb/s",), "B/s", 1e9), (("mb/s",), "B/s", 1e6),
    (("pb",), "B", 1e15), (("tb",), "B", 1e12), (("gb",), "B", 1e9), (("mb",), "B", 1e6), (("kb",), "B", 1e3),
    (("eflops",), "FLOPS", 1e18), (("pflops",), "FLOPS", 1e15), (("tflops",), "FLOPS", 1e12),
    (("gflops",), "FLOPS", 1e9), (("flops",), "FLOPS", 1.0), (("tops",), "OPS", 1e12),
    (("gw", "吉瓦"), "W", 1e9), (("mw", "兆瓦"), "W", 1e6), (("kw", "千瓦"), "W", 1e3), (("w", "瓦"), "W", 1.0),
    (("nm", "纳米"), "m", 1e-9), (("mm", "毫米"), "m", 1e-3), (("cm", "厘米"), "m", 1e-2),
    (("km", "公里", "千米"), "m", 1e3), (("m", "米"), "m", 1.0),
    (("kg", "公斤", "千克"), "g", 1e3), (("g", "克"), "g", 1.0),
    (("秒", "sec", "seconds", "second"), "s", 1.0), (("分钟", "min", "minutes", "minute"), "s", 60.0),
    (("小时", "hours", "hour"), "s", 3600.0), (("天", "days", "day"), "s", 86400.0), (("周", "weeks", "week"), "s", 604800.0),
    (("个月", "months", "month"), "month", 1.0), (("年", "years", "year"), "year", 1.0),
    (("tokens", "token"), "token", 1.0),
    (("个", "颗", "台", "块", "部", "家", "张", "人", "次", "款", "件", "片", "只", "条", "辆", "座", "项", "篇",
      "位", "名", "户", "股", "套", "份", "分", "票", "笔", "场", "种", "类", "所", "帧", "units", "unit",
      "images", "chips", "models"), "n", 1.0),
):
    for _f in _forms:
        _UNITS[_f] = (_dim, _mult)
_MONEY = ("USD", "CNY", "HKD", "EUR", "JPY")

_ENGLISH = frozenset("about of to is was are were at by from than vs and with over under nearly around roughly "
                     "approximately only just up down some scored score reached reach hit rose fell grew be "
                     "in on for as costs cost sold hits top tops".split())
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = "倍|分钟|小时|秒|天|周|个月|年|美元|美金|元|人民币|港元"


def _alt(words) -> str:
    """A regex alternation, longest first; single latin letters only where no letter follows."""
    return "|".join(re.escape(w) + ("(?![a-z])" if re.fullmatch(r"[a-z]", w) else "")
                    for w in sorted(words, key=len, reverse=True))


_NUM = r"\d+(?:\.\d+)?"
_SCALE = _alt(_SCALES)
_UNIT = _alt(_UNITS)
_SEP = r"(?:-|~|～|至|到|—|–|－)"
_FIGURE = re.compile(
    rf"(?P<cur>us\$|\$|¥|rmb|usd)?\s?(?P<a>{_NUM})\s?(?P<sa>{_SCALE})?\s?(?P<unit>{_UNIT})?"
)
_HEDGE = re.compile(r"(?:约|近|接近|大约|约为|将近|约合|超|超过|逾|~|≈|about |around |roughly |nearly |approximately |almost )$")
_HEDGE_AFTER = re.compile(r"左右|余|多")
_FRACTION = re.compile(r"(?<![\d./])(?P<a>\d+)/(?P<b>\d+)(?![\d/])|(?P<cb>[一二两三四五六七八九十百]+)分之(?P<ca>[一二两三四五六七八九十]+)")
_RANGE_SEP = re.compile(rf"\s?{_SEP}\s?$")
_CN_FIGURE = re.compile(rf"(?P<cn>[零〇一二两三四五六七八九十百千]+)(?P<scale>万亿|亿|万|千)?(?P<unit>{_CN_UNITS})")
_CN_COUNTED = re.compile(r"(?P<cn>[零〇一二两三四五六七八九十百千]*[十百千][零〇一二两三四五六七八九十百千]*)(?P<unit>个|颗|台|块|部|家|张|款|项|人)")
# dates: year-month-day in the common spellings, year-month, month-day, year (with a half or quarter)
_DATES = (
    re.compile(r"(?P<y>(?:19|20)\d{2})年(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]?"),
    re.compile(r"(?P<y>(?:19|20)\d{2})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])(?!\d)"),
    re.compile(r"(?P<y>(?:19|20)\d{2})年(?P<m>\d{1,2})月(?:份)?"),
    re.compile(r"(?P<y>(?:19|20)\d{2})[-/.](?P<m>0?[1-9]|1[0-2])(?![\d.])"),
    re.compile(r"(?<![\d.])(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]"),
    re.compile(r"(?P<y>(?:19|20)\d{2})年?(?P<part>上半年|下半年|h1|h2|q[1-4]|第?[一二三四1-4]季度)"),
    re.compile(r"(?<![\d.])(?P<y>(?:19|20)\d{2})年(?!\d)"),
    re.compile(r"(?<![\d.])(?P<m>1[0-2]|0?[1-9])月(?:份)?(?![\d日号])"),
)
_PARTS = {"上半年": "H1", "下半年": "H2", **{f"{p}{n}季度": f"Q{q}" for q, n in enumerate("一二三四", 1) for p in ("", "第")},
          **{f"{p}{q}季度": f"Q{q}" for q in range(1, 5) for p in ("", "第")}}
# names and periods that hold digits: masked before numbers are read
_NAMES = re.compile(
    r"(?<![a-z0-9$])[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*"  # h200, fy24q3, qwen3-235b-a22b, doubao-1.5-pro: masked when holding a digit
    r"|(?<![a-z0-9])\d[qh]\d{2,4}(?![0-9])|(?<![a-z0-9])\d{2}[qh]\d(?![0-9])"  # 4q24, 24q3 (2024q3 is a date)
    r"|\[\d{1,3}\]"  # citation markers [1]
    r"|(?:沪深|中证|上证|深证|国证|科创|标普|恒生|纳斯达克)\s*\d{2,4}(?![0-9.%])"  # index names: 沪深300, 中证 500
)


@dataclass(frozen=True)
class Figure:
    """One figure read from prepared text (text.prepare).

    kind "number": `value` (and `hi` for a range) in the base unit of `unit` (USD, CNY, %, pp, x for
    倍, B for bytes, B/s, W, FLOPS, m, g, s, n for counted things, "" for none), `mantissa` the number
    as written (before scale and unit), `step` one unit of its last written digit in base units.
    `bare` is a number written without scale or unit ("141"). kind "date": `date` = (year, month,
    day, part) with None for what is not written; part is H1/H2/Q1..Q4.
    start/end are offsets into the prepared text.
    """

    kind: str
    text: str
    start: int
    end: int
    value: float = 0.0
    hi: float | None = None
    mantissa: float = 0.0
    step: float = 1.0
    unit: str = ""
    bare: bool = False
    date: tuple | None = None
    approx: bool = False  # written with 约/近/about...: it may be rounded coarser
    decimals: int = 0  # decimal places of the number as written
    factor: float = 1.0  # value / mantissa: scale times unit multiplier
    hi_mantissa: float | None = None


def _decimals(num: str) -> int:
    return len(num.split(".")[1]) if "." in num else 0


def _cn_number(s: str) -> int | None:
    """The value of a small Chinese numeral (一, 两, 十二, 三十, 一百二十); None when not one."""
    if all(c in _CN_DIGITS for c in s):
        return int("".join(str(_CN_DIGITS[c]) for c in s)) if len(s) > 1 else _CN_DIGITS[s]
    total, cur = 0, 0
    for c in s:
        if c in _CN_DIGITS:
            cur = _CN_DIGITS[c]
        elif c == "十":
            total += (cur or 1) * 10
            cur = 0
        elif c == "百":
            total += (cur or 1) * 100
            cur = 0
        elif c == "千":
            total += (cur or 1) * 1000
            cur = 0
        else:
            return None
    return total + cur


def _scale_ok(scale: str | None, unit: str | None, cur: str | None, before: str, after: str) -> bool:
    """The latin scale letters b/m are scales only beside money or a count of parameters/tokens:
    "13b美元", "$14b", "参数量13b", "13b参数"; "910b" (a chip) and "7m" (metres) are not."""
    if scale not in ("b", "m"):
        return True
    return (bool(cur) or (unit is not None and _UNITS[unit][0] in _MONEY + ("token",))
            or after.startswith(("参数", "个参数", "param", "token", "美元", "dollar")) or "参数" in before)


@lru_cache(maxsize=4096)
def figures(text: str) -> tuple[Figure, ...]:
    """Every figure in `text` (after `prepare`), in order: dates first claim their digits, then
    numbers with scale and unit (two joined by -/~/至 make a range); digits inside names ("H200",
    "FY24Q3") are no figures."""
    t = prepare(text)
    cased = prepare_cased(text)
    if len(cased) != len(t):
        cased = t
    taken = [False] * len(t)
    out: list[Figure] = []

    def free(a: int, b: int) -> bool:
        return not any(taken[a:b])

    def claim(a: int, b: int) -> None:
        for i in range(a, b):
            taken[i] = True

    for m in _NAMES.finditer(t):
        if re.search(r"\d", m.group(0)):
            claim(m.start(), m.end())
    for rx in _DATES:
        for m in rx.finditer(t):
            if not free(m.start(), m.end()):
                continue
            g = m.groupdict()
            y = int(g["y"]) if g.get("y") else None
            mo = int(g["m"]) if g.get("m") else None
            d = int(g["d"]) if g.get("d") else None
            part = g.get("part")
            part = _PARTS.get(part, part.upper()) if part else None
            if (mo is not None and not 1 <= mo <= 12) or (d is not None and not 1 <= d <= 31):
                continue
            claim(m.start(), m.end())
            out.append(Figure("date", m.group(0), m.start(), m.end(), date=(y, mo, d, part)))
    numbers: list[Figure] = []
    for m in _FRACTION.finditer(t):  # "1/30", "三十分之一": a share, compared exactly
        if not free(m.start(), m.end()):
            continue
        a_, b_ = (int(m.group("a")), int(m.group("b"))) if m.group("a") else (
            _cn_number(m.group("ca")), _cn_number(m.group("cb")))
        if not a_ or not b_ or a_ >= b_:
            continue
        claim(m.start(), m.end())
        numbers.append(Figure("number", m.group(0), m.start(), m.end(), value=a_ / b_, mantissa=a_ / b_,
                              step=1e-6, unit="", bare=True, decimals=6))
    for m in _FIGURE.finditer(t):
        a, b = m.start(), m.end()
        if t[a] == " ":
            a += 1
        while b > a and t[b - 1] == " ":
            b -= 1
        if not free(a, b):
            continue
        before, after = t[max(0, a - 6):a], t[b:b + 8]
        if re.match(r"[a-z0-9.]", before[-1:]) and not m.group("cur"):
            continue  # part of a word or of a longer number
        unit, scale = m.group("unit"), m.group("sa")
        if scale in ("b", "m") and not _scale_ok(scale, unit, m.group("cur"), before, after):
            if scale == "m" and not unit:  # "7m": metres
                unit, scale = "m", None
            else:
                continue
        if re.match(r"[a-z0-9]", after) and (not unit or re.fullmatch(r"[a-z$ ]+", unit)) and t[b - 1] != " ":
            continue  # "910b", "3a090a", "128kbit": the letters run on
        if re.match(r"[@#]", before[-1:]) or re.search(r"[a-z]\+$", before):
            continue  # "pass@1", "n+3"
        if (not (unit or scale or m.group("cur")) and "." not in m.group("a") and re.match(r"[.)、]", t[b:b + 1])
                and (a == 0 or t[a - 1] in "。;；:：!?！？ ([]")):
            continue  # "2." or "3)" numbering a list
        lead = re.search(r"([A-Za-z]+) $", cased[max(0, a - 20):a])
        if (not (unit or scale or m.group("cur")) and lead and lead.group(1).lower() not in _ENGLISH
                and not lead.group(1).islower()):
            continue  # "Claude 3.5 Sonnet", "Seedance 1.0的": a version inside a name
        dim, mult = _UNITS[unit] if unit else (("USD", 1.0) if m.group("cur") in ("$", "us$", "usd") else
                                               ("CNY", 1.0) if m.group("cur") else ("", 1.0))
        sa = _SCALES[scale] if scale else 1.0
        num = m.group("a")
        claim(a, b)
        numbers.append(Figure(
            "number", t[a:b], a, b, value=float(num) * sa * mult, mantissa=float(num),
            approx=bool(_HEDGE.search(before)) or bool(_HEDGE_AFTER.match(t[b:b + 3])),
            step=10.0 ** -_decimals(num) * sa * mult, unit=dim,
            bare=not (unit or scale or m.group("cur")), decimals=_decimals(num), factor=sa * mult,
        ))
    for m in [*_CN_FIGURE.finditer(t), *_CN_COUNTED.finditer(t)]:
        if not free(m.start(), m.end()):
            continue
        n = _cn_number(m.group("cn"))
        if n is None:
            continue
        dim, mult = _UNITS[m.group("unit")]
        sa = _SCALES[m.group("scale")] if "scale" in m.groupdict() and m.group("scale") else 1.0
        claim(m.start(), m.end())
        numbers.append(Figure("number", m.group(0), m.start(), m.end(), value=n * sa * mult, mantissa=float(n),
                              step=sa * mult, unit=dim, factor=sa * mult,
                              approx=bool(_HEDGE.search(t[max(0, m.start() - 3):m.start()]))))
    numbers.sort(key=lambda f: f.start)
    merged: list[Figure] = []
    for f in numbers:
        prev = merged[-1] if merged else None
        if (prev is not None and prev.hi is None and _RANGE_SEP.fullmatch(t[prev.end:f.start] or "x")
                and (prev.unit == f.unit or not prev.unit or not f.unit)):
            factor = prev.factor if prev.factor != 1.0 else f.factor  # "600至900亿", "us$60-90 billion"
            lo = prev.mantissa * factor
            if f.value >= lo:  # "1574.47-867.21" is a difference, not a range
                merged[-1] = Figure("number", t[prev.start:f.end], prev.start, f.end, value=lo, hi=f.value,
                                    mantissa=prev.mantissa, hi_mantissa=f.mantissa,
                                    step=min(10.0 ** -prev.decimals * factor, f.step),
                                    unit=f.unit or prev.unit, bare=prev.bare and f.bare,
                                    decimals=max(prev.decimals, f.decimals), factor=factor)
                continue
        merged.append(f)
    return tuple(sorted(out + merged, key=lambda f: f.start))


ROUNDED_MAX = 0.01  # an answer rounded coarser than the gold may be off by at most this share
ROUNDED_MAX_APPROX = 0.05  # ... or this share when it says so (约/近/about)


def _close(answer: float, gold: float, step: float, answer_step: float = 0.0, approx: bool = False) -> bool:
    """True when `answer` states `gold`: it rounds to the gold at the gold's precision (half a `step`),
    or the gold rounds to it at its own coarser precision (half `answer_step`) and they differ by at
    most ROUNDED_MAX of the gold, ROUNDED_MAX_APPROX for an answer marked approximate (558万 states
    557.6万; 近四倍 states 3.9倍; 35亿 does not state 34.6亿)."""
    d, eps = abs(answer - gold), 1e-9 * max(abs(gold), 1.0)
    if d <= step / 2 + eps:
        return True
    if approx:  # "约5890亿" states 5900亿, "近四倍" states 3.9倍
        return d <= max(answer_step / 2, ROUNDED_MAX * abs(gold)) + eps and d <= ROUNDED_MAX_APPROX * abs(gold) + eps
    return d <= answer_step / 2 + eps and d <= ROUNDED_MAX * abs(gold) + eps


def same(answer: Figure, gold: Figure) -> bool:
    """True when the answer's figure states the gold figure.

    Numbers: same dimension (or either side without a unit), and the answer's value rounds to the
    gold value at the gold's precision: 130.6亿 states 131亿, 35亿 does not state 34.6亿, 13.1
    billion states 131亿. A bare gold number ("141") is compared with the number as written
    ("141GB", "141"). Ranges match ranges, end by end. Dates: every field the gold gives must be
    given the same, except that an answer may leave out the year of a day ("12月3日" states
    2024-12-03) and may add what the gold leaves out ("2024-12-12" states "12月12日").
    """
    if answer.kind != gold.kind:
        year = gold if gold.kind == "number" else answer  # "2025：端侧AI爆发元年" and "2025年"
        other = answer if year is gold else gold
        return (year.bare and year.mantissa == int(year.mantissa) and 1900 <= year.mantissa <= 2100
                and other.date[0] == year.mantissa and other.date[1] is None)
    if gold.kind == "date":
        ya, ma, da, pa = answer.date
        yg, mg, dg, pg = gold.date
        if yg is not None and ya is not None and ya != yg:
            return False
        if yg is not None and ya is None and (mg is None or da is None and dg is not None):
            return False  # a bare month or "下半年" needs its year
        if mg is not None and ma != mg:
            return False
        if dg is not None and da != dg:
            return False
        if pg is not None and pa != pg:
            return False
        return not (mg is None and dg is None and pg is None and ma is None and (ya is None or yg is None))
    if (gold.hi is None) != (answer.hi is None):
        return False
    if gold.bare or answer.bare:
        if gold.unit and answer.unit and gold.unit != answer.unit:
            return False
        step, astep = 10.0 ** -gold.decimals, 10.0 ** -answer.decimals
        if _close(answer.mantissa, gold.mantissa, step, astep, answer.approx):  # "141" and "141GB"
            return gold.hi is None or _close(answer.hi_mantissa, gold.hi_mantissa, step, astep, answer.approx)
        # "96000" for 9.6万台: the bare number is the whole value
        return (answer.bare and gold.hi is None and _close(answer.value, gold.value, gold.step, astep, answer.approx)) or (
            gold.bare and answer.hi is None and _close(answer.value, gold.value, step, answer.step, answer.approx))
    if {gold.unit, answer.unit} == {"%", "x"}:  # growth "增长42倍" and "+4230%"
        to_pct = 100.0 if answer.unit == "x" else 0.01
        return gold.hi is None and answer.hi is None and _close(
            answer.value * to_pct, gold.value, gold.step, answer.step * to_pct, answer.approx)
    if gold.unit and answer.unit and gold.unit != answer.unit:
        return False
    if not _close(answer.value, gold.value, gold.step, answer.step, answer.approx):
        return False
    return gold.hi is None or _close(answer.hi, gold.hi, gold.step, answer.step, answer.approx)


def states(answer: Figure, gold: Figure, others) -> bool:
    """True when the answer's figure states `gold` and not, more exactly, another gold figure of
    `others`: "约35亿" beside a gold 34.6亿 and 35亿 states 35亿 only."""
    if not same(answer, gold):
        return False
    exact = replace(answer, approx=False)
    return same(exact, gold) or not any(same(exact, o) for o in others if not same(o, gold))


def comparable(a: Figure, b: Figure) -> bool:
    """True when two figures measure the same kind of thing, so that a different value contradicts:
    both dates, or numbers of one dimension (a number without scale or unit only with another)."""
    if a.kind != b.kind:
        return False
    if a.kind == "date":
        return True
    if a.bare or b.bare:
        return a.bare and b.bare
    return a.unit == b.unit
