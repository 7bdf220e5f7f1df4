"""Figures and dates read as quantities: 557.6万美元 == 5.576M美元 == 约558万美元, 2024年12月3日 == 2024-12-03.

Pure functions used by the answerers (binding, comparisons, arithmetic) and by the eval. A figure
keeps the precision it was written with, so equality means "the same once rounded to the coarser
of the two figures" (558万 equals 557.6万; 560万 does not equal 557.6万 unless written 56万*10).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

# scale words after a number; longest first so 万亿 wins over 万
_SCALES = {
    "万亿": 1e12, "千亿": 1e11, "百亿": 1e10, "十亿": 1e9, "亿": 1e8, "千万": 1e7, "百万": 1e6, "十万": 1e5,
    "万": 1e4, "千": 1e3, "trillion": 1e12, "billion": 1e9, "million": 1e6, "thousand": 1e3,
    "bn": 1e9, "mn": 1e6, "t": 1e12, "b": 1e9, "m": 1e6, "k": 1e3,
}
# units, by the class they are compared in; the value is the factor into the class's base unit
_UNITS = {
    "美元": ("USD", 1.0), "美金": ("USD", 1.0), "usd": ("USD", 1.0), "dollars": ("USD", 1.0), "dollar": ("USD", 1.0),
    "元人民币": ("CNY", 1.0), "人民币": ("CNY", 1.0), "rmb": ("CNY", 1.0), "cny": ("CNY", 1.0), "元": ("CNY", 1.0),
    "港元": ("HKD", 1.0), "厘": ("CNY", 0.001), "港币": ("HKD", 1.0), "日元": ("JPY", 1.0), "欧元": ("EUR", 1.0),
    "%": ("%", 1.0), "pct": ("pct", 1.0), "个百分点": ("pct", 1.0), "百分点": ("pct", 1.0), "bp": ("pct", 0.01),
    "tb": ("GB", 1024.0), "gb": ("GB", 1.0), "mb": ("GB", 1 / 1024), "pb": ("GB", 1024.0 ** 2),
    "tb/s": ("GB/s", 1024.0), "gb/s": ("GB/s", 1.0),
    "倍": ("x", 1.0), "x": ("x", 1.0),
    "nm": ("nm", 1.0), "gw": ("W", 1e9), "kw": ("W", 1e3), "w": ("W", 1.0),
    "tokens": ("tokens", 1.0), "token": ("tokens", 1.0),
    "flops": ("FLOPS", 1.0), "tflops": ("FLOPS", 1e12), "pflops": ("FLOPS", 1e15), "eflops": ("FLOPS", 1e18),
    "exaflops": ("FLOPS", 1e18), "petaflops": ("FLOPS", 1e15), "tops": ("OPS", 1e12),
    "flop/s": ("FLOPS", 1.0), "tflop/s": ("FLOPS", 1e12), "pflop/s": ("FLOPS", 1e15), "eflop/s": ("FLOPS", 1e18),
    "gflops": ("FLOPS", 1e9), "pops": ("OPS", 1e15),
    "部": ("部", 1.0), "副": ("副", 1.0), "辆": ("辆", 1.0), "项": ("项", 1.0), "位": ("位", 1.0), "条": ("条", 1.0),
    "种": ("种", 1.0), "套": ("套", 1.0), "片": ("片", 1.0), "座": ("座", 1.0), "mw": ("W", 1e6),
    "gpu": ("GPU", 1.0), "卡": ("GPU", 1.0), "张": ("张", 1.0), "块": ("块", 1.0),
    "台": ("台", 1.0), "家": ("家", 1.0), "款": ("款", 1.0), "个": ("个", 1.0), "只": ("只", 1.0), "颗": ("颗", 1.0),
    "gpu小时": ("小时", 1.0), "gpu 小时": ("小时", 1.0), "个小时": ("小时", 1.0), "小时": ("小时", 1.0),  # 2.788M GPU 小时 = 278.8万个小时
    "km": ("km", 1.0), "公里": ("km", 1.0), "千克": ("g", 1e3), "kg": ("g", 1e3), "克": ("g", 1.0), "g": ("g", 1.0),
    "亿次": ("次", 1e8), "次": ("次", 1.0), "人": ("人", 1.0), "年": ("年", 1.0), "天": ("天", 1.0),
    "秒": ("秒", 1.0), "毫秒": ("秒", 0.001), "分钟": ("分钟", 1.0), "个月": ("个月", 1.0),  # durations: 60秒视频, 18 个月
}
_SCALE_RE = "|".join(sorted((re.escape(s) if not s.isascii() else re.escape(s) + "(?![a-z])" for s in _SCALES),
                            key=len, reverse=True))
# a latin unit is a whole word (tb is not the start of tbs); a Chinese one may run into a name (16颗Trainium2芯片)
_UNIT_RE = "|".join(re.escape(u) + ("(?![a-z])" if u[-1].isascii() and u[-1].isalpha() else "")
                    for u in sorted(_UNITS, key=len, reverse=True))
_NUMBER = re.compile(
    rf"(?P<pre>[$¥￥])?(?<![A-Za-z0-9.])(?<![A-Za-z]-)(?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?)\s*"
    rf"(?P<scale>{_SCALE_RE})?\s*(?P<unit>(?:{_UNIT_RE}))?",
    re.I,
)
_YEAR_ONLY = re.compile(r"^(19|20)\d{2}$")


@dataclass(frozen=True)
class Quantity:
    """A figure as written: value in the base unit of its class (scale applied), the class, and
    the half-width of its last written digit (its rounding tolerance), all in base units."""

    value: float
    unit: str  # "USD", "CNY", "%", "GB", "x", ... or "" for a bare number
    text: str
    start: int
    end: int
    tolerance: float

    def same(self, other: "Quantity") -> bool:
        """True when both state the same amount: same class (a bare number matches any class) and
        equal after rounding to the coarser precision."""
        if self.unit and other.unit and self.unit != other.unit:
            return False
        tol = max(self.tolerance, other.tolerance)
        return abs(self.value - other.value) <= tol * 1.0001 + 1e-12


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def quantities(text: str) -> list[Quantity]:
    """Every figure in `text` with its scale and unit; years standing alone (2024年) are not figures,
    and neither are the digits of codes such as H100 or FY24Q3."""
    t = _norm(text)
    out = []
    for m in _NUMBER.finditer(t):
        num, scale, unit = m.group("num"), (m.group("scale") or ""), (m.group("unit") or "")
        end = m.start() + len(m.group(0).rstrip())  # the figure as written, not the spaces after it
        if not scale and not unit and re.match(r"[A-Za-z]", t[m.end("num"):m.end("num") + 1]):
            continue  # 5090D, 3Q24: digits glued to letters are a code
        if unit == "G" and not scale:
            continue  # 5G, 16G: a network generation or a memory size, never grams (48.6g is)
        if unit.lower() == "年" and not scale and (_YEAR_ONLY.match(num) or re.match(r"\s*(?:[QH][1-4]|[一二三四]季度|[上下]半年|\d{1,2}\s*月)", t[m.end():], re.I)):
            continue  # 2024年, 24年Q4, 25年一季度, 24 年 9 月: a year
        if not unit and not scale and re.match(r"\s*[年月日]", t[end:]):
            continue  # a date part (12月, 2024 年 12 月)
        if not unit and not scale and not m.group("pre") and (
                (_YEAR_ONLY.match(num)) or (len(num) > 1 and num.startswith("0") and "." not in num)):
            continue  # AIME 2024, R1-0528: a year or a version, not a figure
        s = _SCALES.get(scale.lower(), 1.0) if scale else 1.0
        cls, factor = _UNITS.get(unit.lower(), ("", 1.0)) if unit else ("", 1.0)
        if m.group("pre") == "$":
            cls = "USD"
        elif m.group("pre") in ("¥", "￥"):
            cls = "CNY"
        digits = num.replace(",", "")
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        value = float(digits) * s * factor
        tolerance = 0.5 * 10 ** (-decimals) * s * factor
        out.append(Quantity(value, cls, m.group(0).strip(), m.start(), end, tolerance))
    return out


def parse(text: str) -> Quantity | None:
    """The first figure in `text`, or None."""
    qs = quantities(text)
    return qs[0] if qs else None


def same_amount(a: str, b: str) -> bool:
    """True when the first figures of `a` and `b` state the same amount (557.6万美元 vs 5.576M美元)."""
    qa, qb = parse(a), parse(b)
    return bool(qa and qb and qa.same(qb))


_DATE_FULL = re.compile(r"(?P<y>(?:19|20)\d{2})\s*(?:年|[-/.])\s*(?P<m>\d{1,2})\s*(?:月|[-/.])\s*(?P<d>\d{1,2})\s*日?")
_DATE_MONTH = re.compile(r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月(?!\s*\d)")
_DATE_MD = re.compile(r"(?<![\d年/.-])(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")


def dates(text: str) -> list[tuple[int | None, int, int | None]]:
    """(year or None, month, day or None) of every date written in `text`, in order."""
    t = _norm(text)
    found: list[tuple[int, tuple[int | None, int, int | None]]] = []
    taken: list[tuple[int, int]] = []
    for rx in (_DATE_FULL, _DATE_MONTH, _DATE_MD):
        for m in rx.finditer(t):
            if any(s <= m.start() < e for s, e in taken):
                continue
            g = m.groupdict()
            month = int(g["m"])
            day = int(g["d"]) if g.get("d") else None
            if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
                continue
            taken.append(m.span())
            found.append((m.start(), (int(g["y"]) if g.get("y") else None, month, day)))
    return [d for _, d in sorted(found)]


def same_date(a: tuple[int | None, int, int | None], b: tuple[int | None, int, int | None]) -> bool:
    """True when two dates agree on every part both give (a date without a year matches any year)."""
    return all(x is None or y is None or x == y for x, y in zip(a, b)) and a[1] == b[1]


def fmt(value: float, unit: str = "") -> str:
    """A computed value written as an analyst would: 2 significant decimals at most, 亿/万 for money."""
    counted = unit in ("USD", "CNY", "HKD", "tokens") or (unit and not unit.isascii())  # 14000台 -> 1.4万台
    if counted and abs(value) >= 1e8:
        num, scale = value / 1e8, "亿"
    elif counted and abs(value) >= 1e4:
        num, scale = value / 1e4, "万"
    elif unit in ("FLOPS", "OPS") and abs(value) >= 1e12:  # 5.28e14 FLOPS -> 528 TFLOPS
        num, scale = next((value / f, p) for f, p in ((1e18, "E"), (1e15, "P"), (1e12, "T")) if abs(value) >= f)
    else:
        num, scale = value, ""
    digits = 0 if abs(num) >= 1000 or float(num).is_integer() else (1 if abs(num) >= 100 else 2)
    s = f"{num:.{digits}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    name = {"USD": "美元", "CNY": "元", "HKD": "港元", "x": "倍", "%": "%", "pct": "个百分点"}.get(unit, unit if unit not in ("", "tokens") else "")
    if scale in ("E", "P", "T"):
        return f"{s} {scale}{name}"
    return f"{s}{scale}{name}"


def ratio_text(a: float, b: float) -> str:
    """a / b as 约N倍, or N% when below 1."""
    if b == 0 or math.isnan(a / b):
        return "无法计算"
    r = a / b
    return f"约{fmt(r)}倍" if r >= 1 else f"约{fmt(r * 100)}%"
