"""What the page shows for an answer (ui.render): labels, status, own sources, export."""

from __future__ import annotations

from dataclasses import replace

from yanbao.types import Answer, Chunk, Citation, Hit, ReportMeta
from yanbao.ui import render as rd

META = ReportMeta(file="003_8d6ec54ac7c1a58b.txt", title="AI周观察", broker="国金证券", date="2024-12-15")


def answer() -> Answer:
    c1 = Chunk(id="1", text="博通在 FY24Q3 实现营业收入 131 亿美元。", file=META.file, start=0, end=25, page=3, meta=META)
    c2 = Chunk(id="2", text="运营利润 79 亿美元。", file=META.file, start=30, end=41, section="财报 > 博通", meta=META)
    return Answer(question="博通营收和利润？", text="营收 131 亿美元[1]，利润 79 亿美元[2]，另见[7]。",
                  citations=(Citation(1, c1, "博通在 FY24Q3 实现营业收入 131 亿美元。"), Citation(2, c2, "运营利润 79 亿美元。", False)),
                  hits=(Hit(c1, 1.0, 1),), rewritten_question="博通营收和利润？")


def test_reports_are_named_by_broker_title_and_date_not_by_file():
    assert rd.report_label(META) == "国金证券 · 《AI周观察》 · 2024-12-15"
    assert rd.option_label(META) == f"国金证券 · 《AI周观察》 · 2024-12-15（{META.file}）"
    assert rd.report_label(ReportMeta(file="x.pdf", broker="东吴证券")) == "东吴证券"
    assert rd.report_label(ReportMeta(file="x.pdf")) == rd.option_label(ReportMeta(file="x.pdf")) == "x.pdf"


def test_an_answer_message_carries_its_own_sources_and_times():
    html = rd.message(answer(), 4, 120.0, 350.0)
    assert 'class="yb-cite yb-marker yb-ref-4-1"' in html and "yb-ref-4-2" in html
    assert "\\[7\\]" in html and "yb-ref-4-7" not in html  # a marker naming no citation stays text
    assert html.count('class="yb-card yb-cite') == 2 and "国金证券 · 《AI周观察》 · 2024-12-15" in html
    assert "第3页" in html and "未核实" in html and META.file in html
    assert "首字 0.12 s · 共 0.35 s" in html
    assert "yb-status" not in html


def test_partial_answers_and_refusals_are_shown_as_such():
    partial = replace(answer(), coverage="partial")
    assert rd.status(partial) == rd.PARTIAL and "部分回答" in rd.message(partial, 0)
    for refused in (replace(answer(), refused=True, citations=()), replace(answer(), coverage="none")):
        assert rd.status(refused) == rd.REFUSED
        html = rd.message(refused, 0)
        assert "未找到答案" in html and "相关段落" in html and "yb-ref-0-h1" in html
    assert rd.status(replace(answer(), error="boom")) == rd.ERROR


def test_export_lists_every_citation():
    turn = rd.Turn(answer(), 1, 120.0, 350.0, "abc")
    md = rd.conversation_markdown([turn, replace(turn, answer=replace(answer(), coverage="partial"))])
    assert md.count("## 问题") == 2 and "部分回答" in md
    assert md.count("1. 国金证券，《AI周观察》，2024-12-15，第3页") == 2
    assert md.count("2. 国金证券，《AI周观察》，2024-12-15（未核实）") == 2
    assert "> 博通在 FY24Q3 实现营业收入 131 亿美元。" in md and "> 运营利润 79 亿美元。" in md
    assert f"文件：{META.file}，字符 0–25" in md
