"""Financial tables printed without separators become tab rows under their header (pure functions),
and a question about one cell is answered from its row and column, checked."""

from __future__ import annotations

from yanbao.ingest import glued
from yanbao.ingest.chunk import chunk
from yanbao.ingest.clean import clean
from yanbao.ingest.load import RawDoc
from yanbao.qa import cite
from yanbao.qa.evidence import analyze, has_values
from yanbao.qa.extractive import cell_for
from yanbao.qa.frame import periods
from yanbao.types import ReportMeta

# as a flat text extraction of 中原证券's 上海莱士 report prints its forecast table (../shared/real-reports/08_…)
FORECAST = ("首次覆盖，暂不给予公司投资评级。(请在该控件中填写)2017A2018A2019E2020E2021E营业收入(百万元)1927.71804.22598.13595.83809.0"
            "增长比率-17.1%-6.4%44.0%38.4%5.9%净利润(百万元)835.8-1518.4616.0942.01824.6每股收益(元)0.17-0.310.120.190.37"
            "市盈率(倍)46.53-25.5265.9241.6321.38资料来源：贝格数据，中原证券-36%-30%-24%-18%-12%-6%0%2019-042019-08上海莱士")
# two statements printed side by side, integers only (中泰证券's 华东医药 report, 10_…)
SIDE_BY_SIDE = ("来源:中泰证券研究所资产负债表利润表会计年度20202021E2022E2023E会计年度20202021E2022E2023E流动资产14656170122081025306"
                "营业收入33683357403954744376财务费用34-62-160-239营业外收入12444444利润总额3453356142065385"
                "短期借款1417120120120归属母公司净利润2820289034194378EPS（元）1.611.651.952.50请务必阅读正文之后的重要声明部分")


def test_glued_cells_are_read_one_way_or_not_at_all():
    assert glued.cells("835.8-1518.4616.0942.01824.6", 5) == ["835.8", "-1518.4", "616.0", "942.0", "1824.6"]
    assert glued.cells("0.17-0.310.120.190.37", 5) == ["0.17", "-0.31", "0.12", "0.19", "0.37"]  # two decimals
    assert glued.cells("-17.1%-6.4%44.0%38.4%5.9%", 5) == ["-17.1%", "-6.4%", "44.0%", "38.4%", "5.9%"]
    assert glued.cells("1,385.8864.01,857.2", 3) == ["1,385.8", "864.0", "1,857.2"]
    assert glued.cells("-178.3-869.5-0.6--", 5) == ["-178.3", "-869.5", "-0.6", "-", "-"]  # "-": an empty cell
    assert glued.cells("33683357403954744376", 4) == ["33683", "35740", "39547", "44376"]
    assert glued.cells("98761023411000", 3) == ["9876", "10234", "11000"]  # a series crossing a digit
    assert glued.cells("34-62-160-239", 4) == ["34", "-62", "-160", "-239"]
    assert glued.cells("12444444", 4) is None  # 12 44 44 44? neighbours too far apart to be sure
    assert glued.cells("1417120120120", 4) is None  # 1417 120 120 120: the same
    assert glued.cells("0.02-0.010.010.01", 5) is None  # is "-" a cell or a minus sign? not guessed
    assert glued.cells("-36%-30%-24%-18%-12%-6%0%", 5) is None  # seven values for five columns
    assert glued.header_periods("2018-1Q2018-2Q2018-3Q") == ["2018-1Q", "2018-2Q", "2018-3Q"]
    assert glued.header_periods("201920202021") == []  # bare years glued: a chart's axis, not a table


def test_a_glued_forecast_table_becomes_rows_under_its_header_and_the_rest_stays_text():
    out = glued.unglue(FORECAST)
    lines = out.split("\n")
    assert lines[0] == "首次覆盖，暂不给予公司投资评级。(请在该控件中填写)"
    assert lines[1] == "\t2017A\t2018A\t2019E\t2020E\t2021E"
    assert "净利润(百万元)\t835.8\t-1518.4\t616.0\t942.0\t1824.6" in lines
    assert "市盈率(倍)\t46.53\t-25.52\t65.92\t41.63\t21.38" in lines
    assert lines[-1] == "资料来源：贝格数据，中原证券-36%-30%-24%-18%-12%-6%0%2019-042019-08上海莱士"  # not a row: left as it was
    assert _same_characters(out, FORECAST)  # nothing lost: only line breaks and tabs added


def _same_characters(a: str, b: str) -> bool:
    return "".join(a.split()) == "".join(b.split())


def test_side_by_side_tables_keep_every_row_and_unreadable_rows_stay_as_text():
    out = glued.unglue(SIDE_BY_SIDE)
    lines = out.split("\n")
    assert "会计年度\t2020\t2021E\t2022E\t2023E" in lines  # its first column's name kept, the neighbour's header skipped
    assert "归属母公司净利润\t2820\t2890\t3419\t4378" in lines and "EPS（元）\t1.61\t1.65\t1.95\t2.50" in lines
    assert "营业外收入12444444" in lines and "短期借款1417120120120" in lines  # kept, glued, never guessed
    assert glued.unglue("2017A2018A2019E甲1.01.11.2乙2.02.12.2丙1234丁5678戊9.09.19.2").count("\t") == 9  # 2 unread rows end it
    assert _same_characters(out.replace("会计年度", "", 1), SIDE_BY_SIDE.replace("会计年度", "", 2).replace("20202021E2022E2023E", "", 1))
    assert not has_values("会计年度\t2020\t2021E\t2022E\t2023E") and has_values("财务费用\t34\t-62\t-160\t-239")


def test_the_rows_after_an_unreadable_one_keep_the_tables_header_and_the_asked_column_is_named():
    doc = clean(RawDoc(file="hd.txt", pages=(SIDE_BY_SIDE,), paged=False, sha256="0"))
    meta = ReportMeta(file="hd.txt", broker="中泰证券", title="华东医药(000963):业绩符合预期")
    chunks = chunk(doc, meta, chunk_chars=120, overlap_chars=0)
    row = "归属母公司净利润\t2820\t2890\t3419\t4378"
    c = next(c for c in chunks if row in c.text)
    unit = next(u for u in analyze(c)[2] if u.text == row)
    assert unit.header == "会计年度\t2020\t2021E\t2022E\t2023E"  # not 短期借款's line, not the row before it
    assert cell_for("华东医药2022年预测归母净利润是多少？", unit.header, row) == ("2022E", "3419")
    assert [p.part for _, _, p in periods("2020-1Q")] == ["Q1"]


def test_a_quoted_row_is_checked_cell_by_cell_not_against_its_headers_last_period():
    doc = clean(RawDoc(file="sl.txt", pages=(FORECAST,), paged=False, sha256="0"))
    meta = ReportMeta(file="sl.txt", broker="中原证券", title="上海莱士(002252)首次覆盖报告")
    chunks = chunk(doc, meta, chunk_chars=400, overlap_chars=0)
    answer = ("中原证券《上海莱士(002252)首次覆盖报告》：（表头：2017A | 2018A | 2019E | 2020E | 2021E）净利润(百万元) | 835.8 | "
              "-1518.4 | 616.0 | 942.0 | 1824.6（2020E：净利润(百万元) 942.0）[1]；每股收益(元) | 0.17 | -0.31 | 0.12 | 0.19 | 0.37[1]。")
    text, citations = cite.check(answer, chunks[:1])
    assert cite.UNVERIFIED not in text and citations[0].verified
    wrong = answer.replace("942.0）", "952.0）")
    text, _ = cite.check(wrong, chunks[:1])
    assert cite.UNVERIFIED in text  # a cell the row does not hold is never passed
