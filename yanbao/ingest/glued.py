"""Financial tables printed without separators: rows of cells under their header again.

Text extracted from a broker PDF with no line breaks and no spaces (the flat text files of
report datasets) glues a forecast table's periods, labels and cells together:

    2017A2018A2019E2020E2021E营业收入(百万元)1927.71804.22598.13595.83809.0增长比率-17.1%-6.4%…

Read that way, 942.0 (the 2020E net profit) is nowhere a figure of its own. Here such a run becomes
tab-separated lines under one header line,

    \t2017A\t2018A\t2019E\t2020E\t2021E
    营业收入(百万元)\t1927.7\t1804.2\t2598.1\t3595.8\t3809.0

so that a row reads with its header like any other table. A row is cut into cells only when its
digits can be read one way: one number of decimals for every cell, a % after each, a minus sign
before each, or integers of (nearly) one length whose neighbours differ less than threefold. A row
that cannot be read so stays a line of its own text; two such rows end the table.
"""

from __future__ import annotations

import math
import re

# periods glued into a header: 2017A2018A2019E, 20202021E2022E2023E, 2018-1Q2018-2Q…; three or more
_PERIOD = r"(?:19|20)\d{2}(?:[AEF]|-?[1-4]Q|Q[1-4])?"
HEADER = re.compile(rf"(?:{_PERIOD}){{3,}}")
_ONE_PERIOD = re.compile(_PERIOD)
# a row label: no digits or number signs (a "(%)" unit, or a % ending it, aside), at most 24 characters
_LABEL = re.compile(r"(?:\(%\)|（%）|[^\d\-+.,%\s])(?:\(%\)|（%）|[^\d\-+.,%])*?%?(?=[\d-])")  # 增长率yoy%: a unit
_RUN = re.compile(r"[\d.,%\-]+")
_MAX_LABEL = 24
_MAX_RATIO = 3.0  # neighbouring integer cells read from one digit run differ less than this


def header_periods(text: str) -> list[str]:
    """The periods of a glued header ("20202021E2022E2023E" -> 2020, 2021E, 2022E, 2023E), or []
    when none is marked as actual, estimate or quarter (a bare run of years is a chart's axis)."""
    got = _ONE_PERIOD.findall(text)
    return got if "".join(got) == text and any(not p.isdigit() for p in got) else []


def cells(run: str, n: int) -> list[str] | None:
    """The `n` cells of one row's glued digits, or None when they cannot be read one way."""
    run = run.rstrip(",")
    if "%" in run:
        got = re.findall(r"-?\d+(?:\.\d+)?%|-(?=-|$|\d)", run)
        return got if len(got) == n and "".join(got) == run else None
    if "." in run:
        ways = []
        for d in (1, 2, 3, 4):
            got = re.findall(rf"-?(?:\d{{1,3}}(?:,\d{{3}})+|\d+)\.\d{{{d}}}|-(?=-|$|\d)", run)
            if len(got) == n and "".join(got) == run:
                ways.append(got)
        return ways[0] if len(ways) == 1 else None
    return _integers(run, n)


def _integers(run: str, n: int) -> list[str] | None:
    """Integer cells: one per minus sign when the signs say so (34-62-160-239), else digits of
    nearly one length whose neighbours are close (2820289034194378 -> 2820 2890 3419 4378)."""
    pieces = re.findall(r"-?\d+|-", run)
    if "".join(pieces) != run:
        return None
    if len(pieces) == n:
        return pieces
    if len(pieces) != 1 or not run.isdigit():
        return None
    fits = [s for s in _length_splits(run, n) if _smooth(s)]
    return fits[0] if len(fits) == 1 else None


def _length_splits(digits: str, n: int) -> list[list[str]]:
    """Splits of `digits` into n numbers whose lengths are one length, or step up (or down) by one
    digit once, as a growing (or shrinking) series does; no number with a leading zero."""
    total = len(digits)
    out, seen = [], set()
    for base in range(1, total // n + 1):
        for k in range(n + 1):
            for up in (True, False):
                lengths = [base] * k + [base + 1] * (n - k) if up else [base + 1] * k + [base] * (n - k)
                if sum(lengths) != total or tuple(lengths) in seen:
                    continue
                seen.add(tuple(lengths))
                parts, at = [], 0
                for size in lengths:
                    parts.append(digits[at:at + size])
                    at += size
                if all(p == "0" or not p.startswith("0") for p in parts):
                    out.append(parts)
    return out


def _smooth(parts: list[str]) -> bool:
    values = [abs(int(p)) for p in parts]
    return all(a and b and abs(math.log(a / b)) < math.log(_MAX_RATIO) for a, b in zip(values, values[1:]))


def unglue(text: str) -> str:
    """`text` with each glued financial table rewritten as a header line and one line per row
    (tab-separated); text that is not such a table, or rows that cannot be read, stay as they were."""
    out, at = [], 0
    for m in HEADER.finditer(text):
        if m.start() < at:
            continue
        periods = header_periods(m.group())
        if not periods:
            continue
        rows, end = _rows(text, m.end(), periods)
        if len(rows) < 2:
            continue
        label = _header_label(text, at, m.start())
        out.append(text[at:m.start() - len(label)])
        out.append("\n" + "\t".join([label, *periods]) + "\n" + "\n".join(rows) + "\n")
        at = end
    out.append(text[at:])
    return "".join(out)


def _header_label(text: str, start: int, end: int) -> str:
    """The words glued before a header that name its first column (会计年度, 资产负债表), if short."""
    m = re.search(r"(?:会计年度|单位[:：]?[^\d\s]{0,6}|资产负债表|利润表|现金流量表|主要财务比率)$", text[start:end])
    return m.group() if m else ""


def _rows(text: str, at: int, periods: list[str]) -> tuple[list[str], int]:
    """The rows that follow a header at `at`, and where the last readable one ends. A header repeated
    beside it (two tables printed side by side) is skipped. A row that cannot be read is kept as one
    line of its own text (DPS 0.02-0.010.010.01: is "-" a cell or a sign?); two in a row end the table."""
    rows, n, end, unread = [], len(periods), at, 0
    while unread < 2:
        label = _LABEL.match(text, at)
        if not label or len(label.group()) > _MAX_LABEL:
            break
        after = label.end()
        again = HEADER.match(text, after)
        if again and len(header_periods(again.group())) == n:
            at = end = again.end()  # 会计年度20202021E…会计年度20202021E…: the neighbour table's header
            continue
        run = _RUN.match(text, after)
        got = cells(run.group(), n) if run else None
        if run is None:
            break
        unread = unread + 1 if got is None else 0
        rows.append(label.group().strip() + run.group() if got is None else "\t".join([label.group().strip(), *got]))
        at = run.end()
        if got is not None:
            end = at
    while rows and "\t" not in rows[-1]:
        rows.pop()  # unreadable rows after the last readable one stay in the text
    return rows, end
