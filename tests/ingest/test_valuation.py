"""Valuation tables printed with spaces become tab rows under their header (pure functions)."""

from __future__ import annotations

from yanbao.ingest import valuation
from yanbao.ingest.clean import clean
from yanbao.ingest.load import RawDoc
from yanbao.qa import bind
from yanbao.qa.evidence import analyze, has_values
from yanbao.qa.frame import parse
from yanbao.types import Chunk, ReportMeta

TABLE = """重点公司盈利预测与估值（一）

代码 公司名称 最新收盘价（元） 市值（亿元）
PE

2024E 2025E 2026E

AI终端

688018.SH 乐鑫科技 270.24 303.21 87.53 65.99 50.24
688343.SH 云天励飞 48.30 171.53 - - -

算力云

3896.HK 金山云 7.82 297.57 -18.00 -47.17 -139.24
688256.SH 寒武纪 572.00 2,387.85 -520.71
8,895.8
"""


def test_the_header_broken_over_lines_names_every_column_and_each_row_its_group():
    out, n = valuation.rewrite(TABLE.split("\n"))
    assert n == 1
    rows = [line.split("\t") for line in out if "\t" in line]
    assert rows[0] == ["代码", "公司名称", "最新收盘价（元）", "市值（亿元）", "PE 2024E", "PE 2025E", "PE 2026E", "板块"]
    assert rows[1] == ["688018.SH", "乐鑫科技", "270.24", "303.21", "87.53", "65.99", "50.24", "AI终端"]
    assert rows[2][-4:] == ["-", "-", "-", "AI终端"]
    assert rows[3][1] == "金山云" and rows[3][-1] == "算力云"
    # the row the extraction broke (寒武纪 … / 8,895.8) keeps its first cells under the first columns
    assert rows[4] == ["688256.SH", "寒武纪", "572.00", "2,387.85", "-520.71", "", "", "算力云"]
    assert "8,895.8" in out and "重点公司盈利预测与估值（一）" in out  # its piece below is not lost
    assert len(rows) == 5


def test_a_short_row_not_broken_at_its_end_is_not_read_into_columns():
    lines = ["代码 公司名称 最新收盘价（元） 市值（亿元）", "PE", "2024E 2025E 2026E",
             "688018.SH 乐鑫科技 270.24 303.21 87.53 65.99 50.24", "688343.SH 云天励飞 48.30 171.53 -",
             "688256.SH 寒武纪 572.00 2,387.85 -520.71 8,895.80 499.56"]
    out, n = valuation.rewrite(lines)
    assert n == 0  # a cell missing inside 云天励飞's row: which column lost it is unknown, so no row is read


def test_a_table_whose_rows_do_not_fit_the_header_is_left_alone():
    lines = ["代码 公司名称 市值", "688018.SH 乐鑫科技 270.24 303.21", "688608.SH 恒玄科技 397.01 476.59"]
    assert valuation.rewrite(lines) == (lines, 0)
    assert valuation.columns(["代码 名称", "EPS PE", "2024E 2025E 2026E"]) is None  # 3 years do not split over 2 labels


def test_a_cleaned_report_reads_the_row_with_its_header_and_the_name_owns_its_figures():
    doc = clean(RawDoc(file="hx.txt", pages=(TABLE,), paged=False, sha256="0"))
    assert "代码\t公司名称\t最新收盘价(元)\t市值(亿元)\tPE 2024E" in doc.text
    row = "688018.SH\t乐鑫科技\t270.24\t303.21\t87.53\t65.99\t50.24\tAI终端"
    assert row in doc.text and has_values("3896.HK\t金山云\t7.82\t297.57\t-18.00\t-47.17\t-139.24\t算力云")
    c = Chunk(id="c", text=doc.text, file="hx.txt", start=0, end=len(doc.text), section="",
              meta=ReportMeta(file="hx.txt", broker="华西证券"))
    unit = next(u for u in analyze(c)[2] if u.text == row)
    assert unit.header.startswith("代码\t公司名称")
    frame = parse("华西估值表里乐鑫科技2025年预测市盈率是多少？")
    bound = bind.bound_claims(frame, c, unit.start, unit.end, unit.header)
    assert [x.quantity.text for x in bound] == ["65.99"]
    other = next(u for u in analyze(c)[2] if u.text.startswith("3896.HK"))
    assert not bind.bound_claims(frame, c, other.start, other.end, other.header)  # 金山云's row is not 乐鑫科技's
