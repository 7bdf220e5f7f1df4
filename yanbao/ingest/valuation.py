"""Valuation tables printed with spaces (重点公司盈利预测与估值): rows of cells with their header.

PDF-to-text extraction writes a broker's valuation table as lines of space-separated cells, with
its header broken over several lines far from most rows:

    代码 公司名称 最新收盘价（元） 市值（亿元）
    PE
    2024E 2025E 2026E
    AI终端
    688018.SH 乐鑫科技 270.24 303.21 87.53 65.99 50.24

Read that way, 65.99 belongs to no column. Here such a table becomes tab-separated rows under one
header row ("代码\t公司名称\t最新收盘价（元）\t市值（亿元）\tPE 2024E\tPE 2025E\tPE 2026E\t板块"),
the group label of each row (AI终端) in a last column, so a row and its header read together like
any other table. A table whose rows have more cells than its header has columns is left as it was.
A row the extraction broke (its last cells on the lines below) keeps its first cells, under the first
columns, and empty cells after them; the broken pieces stay below it as they were.
"""

from __future__ import annotations

import re

STOCK_CODE = re.compile(r"\d{6}\.(?:SH|SZ|BJ)|\d{4,5}\.HK|[A-Z]{1,5}\.(?:O|N|US)")  # 688018.SH, 0981.HK, NVDA.O
ROW = re.compile(rf"^(?:{STOCK_CODE.pattern})\s+\S+(?:\s+(?:[-+]?[\d,]*\.?\d+%?|-+|NA|N/A))+$")
_HEADER_START = re.compile(r"^(?:证券|股票)?代码\s+(?:公司|证券|股票)?(?:名称|简称)")
_YEARS = re.compile(r"^(?:(?:19|20)\d{2}[AEFT]?\s*)+$")
_FRAGMENT = re.compile(r"[-+]?[\d,]*\.?\d+%?")  # a lone number: a piece of a row the extraction broke
_LOOK_BACK = 8  # lines searched above a table's first row for its header
GROUP_COLUMN = "板块"


def row_label(cells: list[str]) -> tuple[str, int]:
    """A table row's label and the index of its first value cell: the name after a stock code
    (688018.SH 乐鑫科技 …), otherwise the first cell."""
    coded = len(cells) > 2 and bool(STOCK_CODE.fullmatch(cells[0].strip()))
    return (cells[1] if coded else cells[0]), 1 + coded


def columns(header_lines: list[str]) -> list[str] | None:
    """The column names of a header broken over lines: the first line's names, then each metric
    label (PE, EPS) with the years under it ("PE 2024E"); None when the years do not divide."""
    if not header_lines:
        return None
    names = header_lines[0].split()
    labels: list[str] = []
    years: list[str] = []
    for line in header_lines[1:]:
        if _YEARS.match(line):
            years += line.split()
        else:
            labels += line.split()
    if not years:
        return names + labels
    if not labels:
        return names + years
    if len(years) % len(labels):
        return None
    per = len(years) // len(labels)
    return names + [f"{lab} {y}" for i, lab in enumerate(labels) for y in years[i * per:(i + 1) * per]]


def rewrite(lines: list[str]) -> tuple[list[str], int]:
    """The lines with every space-printed valuation table rewritten as tab rows under a tab header
    (lines the header spread over become empty), and how many tables were rewritten."""
    out = list(lines)
    n = 0
    i = 0
    while i < len(out):
        if not ROW.match(out[i]):
            i += 1
            continue
        found = _header_above(out, i)
        if found is None:
            i += 1
            continue
        top, cols = found
        rows, group, end = [], "", i
        j = i
        while j < len(out):
            line = out[j]
            if ROW.match(line):
                cells = line.split()
                if len(cells) > len(cols) or (len(cells) < len(cols) and not _broken_at_end(out, j)):
                    break
                # a row the extraction broke (572.00 2,387.85 -520.71 / 8,895.8 / 0 / 499.56) keeps its first
                # cells, which are its first columns; the pieces below it stay as they were
                rows.append((j, cells + [""] * (len(cols) - len(cells)), group))
                end = j
            elif line and _FRAGMENT.fullmatch(line) and rows and any(not c for c in rows[-1][1]):
                pass  # a piece of the broken row above
            elif line and _is_group_label(line):
                group = line
            elif line:
                break
            j += 1
        if len(rows) < 2:
            i = j + 1
            continue
        groups = any(g for _, _, g in rows) or any(out[k] and _is_group_label(out[k]) for k in range(top + 1, i))
        if groups:  # a label between the header's years and the first row names the first rows' group
            first = next((out[k] for k in range(i - 1, top, -1) if out[k]), "")
            first = "" if _YEARS.match(first) or not _is_group_label(first) else first
            rows = [(k, cells, g or first) for k, cells, g in rows]
        for k in range(top, end + 1):
            if k <= i or not _FRAGMENT.fullmatch(out[k]):
                out[k] = ""
        out[top] = "\t".join(cols + ([GROUP_COLUMN] if groups else []))
        for k, cells, g in rows:
            out[k] = "\t".join(cells + ([g] if groups else []))
        n += 1
        i = end + 1
    return out, n


def _broken_at_end(lines: list[str], row: int) -> bool:
    """True when the next line after a short row is a lone number: its last cells went below it, so its
    cells present are its first columns (a row missing a cell inside is not read at all)."""
    after = next((ln for ln in lines[row + 1:row + 4] if ln), "")
    return bool(_FRAGMENT.fullmatch(after))


def _is_group_label(line: str) -> bool:
    """A short line of words between rows (AI终端, AI agent应用): the group of the rows below it."""
    return len(line) <= 16 and not re.search(r"[。，,:：]", line) and not line[:1].isdigit() and not ROW.match(line)


def _header_above(lines: list[str], first_row: int) -> tuple[int, list[str]] | None:
    """(line index, column names) of the header above a table's first row, or None. The lines
    after the header's first one, down to its last line of years, are metric labels and years;
    a line after the years (AI终端) is the first rows' group, no part of the header."""
    for top in range(first_row - 1, max(first_row - _LOOK_BACK, 0) - 1, -1):
        if _HEADER_START.match(lines[top]):
            parts = [ln for ln in lines[top + 1:first_row] if ln]
            last_years = max((k for k, p in enumerate(parts) if _YEARS.match(p)), default=-1)
            cols = columns([lines[top]] + parts[:last_years + 1])
            return (top, cols) if cols else None
    return None
