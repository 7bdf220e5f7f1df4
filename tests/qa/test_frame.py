"""The question frame, claim binding, quantities and computed answers: pure functions, no index."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import ROOT
from yanbao.qa import bind, compute, extractive
from yanbao.qa import frame as frames
from yanbao.qa.cite import check
from yanbao.qa.evidence import Scored, make_query
from yanbao.qa.frame import names_subject, parse, period_of, periods
from yanbao.quantity import dates, quantities, same_amount, same_date
from yanbao.types import Chunk, Hit, ReportMeta


def chunk(text: str, file: str = "r.txt", broker: str = "民生证券", title: str = "AI投资的新范式", section: str = "") -> Chunk:
    return Chunk(id=f"{file}:{hash(text)}", text=text, file=file, start=0, end=len(text), section=section,
                 meta=ReportMeta(file=file, broker=broker, title=title))


def claims_of(frame, c: Chunk):
    return [(x.quantity.text, bind.bound(frame, x, c.text, c.text)) for x in bind.claims(c, 0, len(c.text))]


# --- the frame --------------------------------------------------------------------------------

@pytest.mark.parametrize("question, subject, metric, period, kind", [
    ("英伟达Rubin GPU单卡配备多少GB的HBM4？", "Rubin", "容量", "", "figure"),
    ("寒武纪2024年全年实现营业收入多少？", "寒武纪", "营收", "2024", "figure"),
    ("海光信息2024年全年归母净利润是多少？", "海光信息", "净利润", "2024", "figure"),
    ("腾讯的混元视频生成模型是哪一天正式开源推出的？", "混元", "", "", "date"),
    ("OpenAI的Sora最终是在哪一天正式向公众开放使用的？", "Sora", "", "", "date"),
    ("博通FY24Q3实现营业收入多少？", "博通", "营收", "FY2024Q3", "figure"),
    ("博通在2024财年第三季度收入多少？", "博通", "营收", "FY2024Q3", "figure"),
    ("寒武纪2025年一季度营收同比暴增了多少？", "寒武纪", "增速", "2025Q1", "figure"),
    ("25年一季度中芯国际的营收有多大比例来自中国区？", "中芯国际", "市占率", "2025Q1", "figure"),
    ("英伟达对华特供的H800有多少个CUDA核心？", "H800", "", "", "figure"),
    ("亚马逊新出的Nova基础模型家族有哪几个型号？", "Nova", "", "", "list"),
    ("腾讯2024年第四季度单季资本支出有多少？", "腾讯", "资本开支", "2024Q4", "figure"),
    ("国金前瞻报告说，截至2024年第二季度，Meta雷朋眼镜出了多少货？", "Rayban-Meta", "出货量", "2024Q2", "figure"),
    ("华西报告估值表中寒武纪的最新收盘价是多少？", "寒武纪", "价格", "", "figure"),  # 估值表 is no 估值
    ("国金说博通FY24Q3营收131亿美元；那它对下一季度半导体营收的指引是多少？", "博通", "营收", "FY2024Q4", "figure"),
    ("博通2024年第四季度营收，上一季度是多少？", "博通", "营收", "2024Q3", "figure"),
])
def test_frame_of_analyst_questions(question, subject, metric, period, kind):
    f = parse(question)
    assert (f.subject, f.metric, f.period, f.answer_type) == (subject, metric, period, kind)
    assert parse(question) == f  # deterministic


def test_comparisons_name_their_sides():
    f = parse("从2024年12月中旬到2025年5月底，豆包大模型的日均tokens用量大约翻了几倍？")
    assert f.answer_type == "arithmetic" and f.sides == ("2024-12", "2025-05") and f.subject == "豆包"
    f = parse("腾讯和阿里2024年全年资本开支谁更高？")
    assert f.answer_type == "comparison" and f.sides == ("腾讯", "阿里巴巴") and f.period == "2024"
    f = parse("腾讯和阿里2024年全年资本开支谁更高？高多少？")  # a gap asked for is computed: arithmetic
    assert f.answer_type == "arithmetic" and f.sides == ("腾讯", "阿里巴巴") and f.period == "2024"
    reports = [ReportMeta(file="a", broker="民生证券"), ReportMeta(file="b", broker="华西证券")]
    f = parse("民生和华西给出的DeepSeek-V3训练成本一样吗？", reports)
    assert f.answer_type == "comparison" and set(f.sides) == {"民生", "华西"} and f.metric == "训练成本"


def test_metric_qualifier_and_actual():
    assert parse("国金预计博通全年AI收入多少？").qualifier == "ai"
    assert parse("5月29日英伟达披露的那一季数据中心业务收入是多少？").qualifier == "数据中心"
    assert parse("博通FY24Q3实现营业收入多少？").qualifier == ""
    assert parse("小米AI眼镜发布后首月的实际销量是多少？").actual


def test_periods_are_normalised():
    got = [str(p) for _, _, p in periods("FY24Q3、2025年一季度、25Q1、3Q24、2024年上半年、前三季度、2024年12月、2024E")]
    assert got == ["FY2024Q3", "2025Q1", "2025Q1", "2024Q3", "2024H1", "Q1-Q3", "2024-12", "2024"]
    assert period_of(parse("博通FY24Q3营收")).matches(periods("FY24Q3")[0][2])
    assert not period_of(parse("寒武纪2024年营收")).matches(periods("2025年Q1")[0][2])


def test_latin_names_are_whole_words():
    assert names_subject("Vera Rubin NVL144", "Rubin")
    assert [m.name for m in bind.mentions("NVL72 和 H200")] == ["NVL72", "H200"]  # not NV, not H20


def _dev_items():
    return [json.loads(line) for line in (ROOT / "evalsets" / "dev.jsonl").read_text(encoding="utf-8").splitlines()]


def test_frame_subjects_are_in_the_gold_passages_of_the_dev_set():
    """On the dev set, a subject the frame reads from the entity list is named in the report its
    answer comes from (alias or maker), for nearly every answerable item."""
    reports = ROOT.parent / "shared" / "reports"
    if not reports.is_dir():
        pytest.skip("../shared/reports not present")
    texts = {p.name: p.read_text(encoding="utf-8") for p in reports.iterdir()}
    checked = found = 0
    for item in _dev_items():
        f = parse(item["question"])
        if item["type"] == "unanswerable" or not item["sources"] or f.subject not in bind.entities():
            continue
        checked += 1
        found += any(names_subject(texts[s["file"]], f.subject) for s in item["sources"] if s["file"] in texts)
    assert checked > 250 and found / checked >= 0.97


# --- claim binding ----------------------------------------------------------------------------

def test_a_figure_belongs_to_the_name_before_it_in_its_clause():
    c = chunk("英伟达B300配备288GB HBM3e，Rubin将搭载HBM4。")
    assert claims_of(parse("英伟达Rubin GPU单卡配备多少GB的HBM4？"), c) == [("288GB", False)]
    assert claims_of(parse("英伟达B300配备多少GB的HBM？"), c) == [("288GB", True)]


def test_a_figure_of_another_period_is_not_bound():
    c = chunk("寒武纪2025年一季度实现营收11.11亿元，同比增长4230%。")
    assert claims_of(parse("寒武纪2024年全年实现营业收入多少？"), c) == [("11.11亿元", False), ("4230%", False)]
    assert claims_of(parse("寒武纪2025年一季度营收多少？"), c) == [("11.11亿元", True), ("4230%", False)]
    assert claims_of(parse("寒武纪2025年一季度营收同比增长多少？"), c) == [("11.11亿元", False), ("4230%", True)]


def test_respectively_lists_and_ranges():
    c = chunk("苹果、AMD、高通核的 AI 笔电销量分别为 540 万、134 万、55 万台。")
    assert [x.subject for x in bind.claims(c, 0, len(c.text))] == ["苹果", "AMD", "高通"]
    c = chunk("阿里巴巴2021年至2024年的资本开支从494.95亿元跃升至725.13亿元。")
    assert [str(x.period) for x in bind.claims(c, 0, len(c.text))] == ["2021", "2024"]


def test_compared_names_and_forecasts():
    c = chunk("小米AI眼镜的产品形态预计将对标Ray-Ban Meta,预计售价 1499 元起,公司对产品预期销量30万台+。")
    owners = {x.quantity.text: x.subject for x in bind.claims(c, 0, len(c.text))}
    assert owners == {"1499 元": "小米AI眼镜", "30万台": "小米AI眼镜"}
    assert claims_of(parse("小米AI眼镜发布后首月的实际销量是多少？"), c)[1] == ("30万台", False)
    assert claims_of(parse("小米AI眼镜预计销量是多少？"), c)[1] == ("30万台", True)


def test_a_qualified_metric_needs_its_qualifier():
    c = chunk("博通全年 AI 收入预计 120 亿美元，半导体解决方案部门营收 73 亿美元。")
    assert claims_of(parse("博通全年AI收入多少？"), c) == [("120 亿美元", True), ("73 亿美元", False)]


# --- quantities -------------------------------------------------------------------------------

def test_quantities_compare_across_wordings():
    assert same_amount("557.6万美元", "5.576M美元") and same_amount("约558万美元", "557.6万美元")
    assert same_amount("131亿美元", "13.1 billion dollars") and not same_amount("131亿美元", "1.31万亿美元")
    assert not same_amount("560万美元", "557.6万美元")
    assert [q.text for q in quantities("H100 的 80GB，FY24Q3 营收 131 亿美元，GPT-4 成本 506 美元")] == [
        "80GB", "131 亿美元", "506 美元"]
    assert same_date(dates("2024年12月3日")[0], dates("2024-12-03")[0])


# --- computed answers and the check -----------------------------------------------------------

def _hits(*chunks: Chunk) -> list[Hit]:
    return [Hit(chunk=c, score=1.0, rank=i + 1) for i, c in enumerate(chunks)]


def _compute(q: str, *chunks: Chunk):
    """compute.answer for question `q` over passages `chunks`, with no report catalog."""
    return compute.answer(make_query(q, [], lambda t: 1.0), _hits(*chunks), parse(q))


def _compare(q: str, *chunks: Chunk):
    """compute.answer for question `q` over passages `chunks`, their reports the catalog (brokers name sides)."""
    reports = [c.meta for c in chunks]
    return compute.answer(make_query(q, reports, lambda t: 1.0), _hits(*chunks), parse(q, reports))


def _extract(q: str, *chunks: Chunk, threshold: float = 0.1):
    """extractive.answer for question `q` over passages `chunks`, their reports the catalog."""
    return extractive.answer(make_query(q, [c.meta for c in chunks], lambda t: 1.0), _hits(*chunks), threshold, frame=parse(q))


def test_a_comparison_of_two_brokers_opens_with_its_verdict_and_cites_both_sides():
    a = chunk("得益于技术路线优化,DeepSeek-V3仅使用2048块NVIDIA H800 GPU,耗费557.6万美元。", "a.txt", "民生证券")
    b = chunk("DeepSeek-V3的训练成本:假设租赁价格为每小时 2 美元,DeepSeek-V3总训练成本仅为5.576M 美元。", "b.txt", "华西证券")
    reports = [a.meta, b.meta]
    q = "民生和华西给出的DeepSeek-V3训练成本一样吗？"
    frame = parse(q, reports)
    draft = _compare(q, a, b)
    assert draft.text.startswith("结论：一致。")
    text, cites = check(draft.text, [a, b], frame)
    assert {c.chunk.file for c in cites} == {"a.txt", "b.txt"} and all(c.verified for c in cites)
    assert "未核实" not in text


def test_a_multiple_shows_its_formula_and_the_formula_is_checked():
    a = chunk("截至2024年12月中旬,豆包模型日均 token 使用量超4万亿。", "a.txt", "东吴证券")
    b = chunk("截至2025年5月底,豆包大模型日均 tokens 使用量超过16.4万亿。", "b.txt")
    q = "从2024年12月中旬到2025年5月底，豆包大模型的日均tokens用量大约翻了几倍？"
    frame = parse(q)
    draft = _compute(q, a, b)
    assert "4.1倍" in draft.text and "计算得出：16.4 ÷ 4 ≈ 4.1" in draft.text
    text, _ = check(draft.text, [a, b], frame)
    assert "未核实" not in text
    assert compute.formula_holds("计算得出：16.4 ÷ 4 ≈ 4.1") and not compute.formula_holds("计算得出：16.4 ÷ 4 ≈ 5.1")
    wrong, _ = check("约为5.1倍（计算得出：16.4 ÷ 4 ≈ 5.1）。", [a, b], frame)
    assert "未核实" in wrong


def test_a_figure_said_of_another_subject_is_not_verified():
    c = chunk("英伟达最新的B300加速卡单芯片FP4稠密算力达到15PFlops,且在HBM容量上进一步提升至288GB。")
    frame = parse("英伟达Rubin GPU单卡配备多少GB的HBM4？")
    text, cites = check("英伟达Rubin GPU单卡配备288GB的HBM4[1]。", [c], frame)
    assert text == "英伟达Rubin GPU单卡配备288GB的HBM4[1]（未核实）。" and not cites[0].verified
    text, cites = check("英伟达B300配备288GB的HBM[1]。", [c], parse("英伟达B300配备多少GB的HBM？"))
    assert "未核实" not in text and cites[0].verified


def test_a_different_value_for_the_bound_fact_is_marked_contradicted():
    c = chunk("博通在 FY24Q3 实现营业收入 131 亿美元，同比增长 47%。", title="AI 周观察")
    text, cites = check("博通FY24Q3营业收入为141亿美元。", [c], parse("博通FY24Q3实现营业收入多少？"), attach=True)
    # the wrong figure keeps no citation of its own: only the reported one is cited
    assert text == "博通FY24Q3营业收入为141亿美元（与报告不符：报告为131亿美元[1]）。"
    assert len(cites) == 1 and cites[0].verified  # [1] supports the reported 131亿美元, which it states


def test_an_earlier_figure_is_back_calculated_from_a_level_and_its_growth():
    c = chunk("根据 IDC 数据, 2024 年三季度全球 VR/MR 设备销量约为 152 万台, 同比增长 13%。", "a.txt", "国金证券")
    q = "由同比增速推算，2023年三季度全球VR/MR设备销量大约多少？"
    frame = parse(q)
    draft = _compute(q, c)
    assert draft.text.startswith("约134.5万台（计算得出：152 ÷ (1 + 13%) ≈ 134.5")
    text, cites = check(draft.text, [c], frame)
    assert "未核实" not in text and cites[0].verified
    assert not compute.formula_holds("计算得出：152 ÷ (1 + 13%) ≈ 140")


# --- names the entity list lacks, model codes, words an answer must not contradict -------------

@pytest.mark.parametrize("question, subject, aliases", [
    ("云天励飞2024年全年营业收入是多少？", "云天励飞", ("云天励飞",)),
    ("芯原股份2024年归母净利润是多少？", "芯原股份", ("芯原股份", "芯原", "VeriSilicon")),
    ("上海莱士2024年营收多少？", "莱士", ("莱士",)),
    ("英伟达B40芯片的显存容量是多少？", "B40", ("B40",)),  # a model code after its maker
    ("小米YU7的正式售价是多少？", "YU7", ("YU7",)),
    ("昇腾910C的INT8算力是多少？", "昇腾910C", None),  # INT8 is a spec, not a model
    ("博通FY24Q3实现营业收入多少？", "博通", None),  # FY24Q3 is a period
    ("麦肯锡调研说，用生成式AI写代码说明文档能省下多少工时？", "", ()),  # a source quoted, not the subject
    ("到2025年2月底，国内AI原生应用的用户有多少？", "", ()),  # a concept, which no name owns
])
def test_subjects_the_entity_list_lacks(question, subject, aliases):
    f = parse(question)
    assert f.subject == subject
    if aliases is not None:
        assert f.aliases == aliases


def test_periods_asks_for_the_fiscal_year_and_the_next_quarter():
    assert parse("博通2024财年全年总营收是多少？").period == "FY2024"
    assert parse("英伟达给出的下一季度（Q2）营收指引金额是多少？").period == "Q2"


def test_a_figure_of_an_unknown_company_is_not_another_companys():
    c = chunk("2024 年中芯国际实现营收80.3 亿美元,实现归母净利润为4.93亿美元,同比-23.3%。")
    assert claims_of(parse("云天励飞2024年全年营业收入是多少？"), c) == [("80.3 亿美元", False), ("4.93亿美元", False), ("23.3%", False)]


def test_words_the_answer_must_not_contradict():
    price = chunk("豆包视觉理解模型千tokens输入价格为3厘,1元钱可处理284张720P的图片。")
    assert claims_of(parse("豆包视觉理解模型的输出价格是每千tokens多少钱？"), price)[0] == ("3厘", False)
    assert claims_of(parse("豆包视觉理解模型的输入价格是每千tokens多少钱？"), price)[0] == ("3厘", True)
    sales = chunk("2024年,中国 AR 眼镜市场全年销量达到 28.6 万台。")
    assert claims_of(parse("2024年全球AR眼镜销量是多少？"), sales) == [("28.6 万台", False)]
    assert claims_of(parse("2024年中国AR眼镜销量是多少？"), sales) == [("28.6 万台", True)]
    power = chunk("该数据中心园区规划总 IT 功率达到 1,040MW,展现了 AWS 对 Trainium2 的高需求。")
    assert claims_of(parse("亚马逊Trainium2单芯片的功耗是多少？"), power) == [("1,040MW", False)]


def test_the_unit_asked_for_must_fit():
    c = chunk("2025年,字节跳动的资本开支将增至1600亿元,其中900亿元用于算力采购。")
    assert not any(ok for _, ok in claims_of(parse("字节跳动2025年计划采购多少块英伟达芯片？"), c))
    chips = chunk("字节跳动2024年订购了约 23 万块英伟达芯片。")
    assert claims_of(parse("字节跳动2024年订购英伟达芯片共花了多少钱？"), chips) == [("23 万块", False)]
    assert claims_of(parse("字节跳动2024年订购了多少块英伟达芯片？"), chips) == [("23 万块", True)]


def test_a_ratio_belongs_to_what_is_measured_not_to_its_base():
    c = chunk("更令人瞩目的是,DeepSeek-V3的API价格仅为Claude 3.5 Sonnet的1/15,堪称性价比之王。")
    assert {x.quantity.text: x.subject for x in bind.claims(c, 0, len(c.text))}.get("1/15", "DeepSeek-V3") == "DeepSeek-V3"
    assert not any(ok for _, ok in claims_of(parse("Claude 3.5 Sonnet的API价格是每百万tokens多少美元？"), c))


def test_a_day_is_asked_for_and_a_year_does_not_answer_it():
    c = chunk("谷歌2024年推出的TPUv6e单卡BF16算力达到918TFLOPs,而亚马逊的Trainium2则支持更多的加速卡高速互联。")
    frame = parse("AWS re:Invent大会是在哪一天发布Trainium2的？")
    assert frame.day and frame.answer_type == "date"
    assert not bind.date_bound(frame, c, 0, len(c.text))
    dated = chunk("亚马逊于2024年12月3日发布Trainium2。")
    assert bind.date_bound(frame, dated, 0, len(dated.text))


def test_an_unknown_company_no_passage_names_is_refused_not_answered_with_another():
    c = chunk("2024 年中芯国际实现营收80.3 亿美元,同比+ 27%,实现归母净利润为4.93亿美元,同比-23.3%。")
    q = "芯原股份2024年归母净利润是多少？"
    frame = parse(q)
    draft = extractive.answer(make_query(q, [], lambda t: 1.0), _hits(c), 0.1, frame=frame)
    assert draft.refused and draft.coverage == "none" and draft.text.startswith("报告中未提及")


def test_month_ranges_sales_amounts_and_segment_qualifiers():
    assert parse("2024年7-9月全球虚拟现实/混合现实头显一共卖了多少台？").period == "2024Q3"
    f = parse("vivo X200系列开卖后全渠道卖了多少钱？")
    assert (f.metric, f.unit, f.qualifier) == ("营收", "money", "")  # the sales amount, not units; 渠道 is no segment
    assert parse("博通数据中心业务收入多少？").qualifier == "数据中心"
    assert parse("博通上一个财季的经营利润有多少？").qualifier == ""
    assert parse("2024年全球AR眼镜销量是多少？").qualifier == "ar眼镜"  # no subject: the product asked about


def test_a_table_row_without_its_header_belongs_to_its_label():
    c = chunk("H800\tHopper\t16896\t528\t80GB\t700W")
    assert {x.quantity.text: x.subject for x in bind.claims(c, 0, len(c.text))}["16896"] == "H800"
    assert ("16896", True) in claims_of(parse("英伟达对华特供的H800有多少个CUDA核心？"), c)


def test_lists_a_comma_ran_together_and_a_second_list():
    c = chunk("其中,腾讯,阿里巴巴和百度1Q2025资本开支分别为275,246.12和29亿人民币,同比增速分别为9%、107%和-38%。")
    got = [(x.quantity.text, x.subject) for x in bind.claims(c, 0, len(c.text))]
    assert got == [("275", "腾讯"), ("246.12", "阿里巴巴"), ("29亿人民币", "百度"), ("9%", "腾讯"), ("107%", "阿里巴巴"), ("38%", "百度")]
    assert [x.quantity.value for x in bind.claims(c, 0, len(c.text))][:2] == [275e8, 246.12e8]


def test_parts_summed_against_their_total_show_the_formula_and_check():
    parts = chunk("其中,腾讯,阿里巴巴和百度1Q2025资本开支分别为275,246.12和29亿人民币。")
    total = chunk("1Q2025 BAT合计资本开支同比提升99.38%至550.12亿人民币。", "b.txt")
    q = "腾讯、阿里、百度三家1Q2025资本开支加总，与民生给出的BAT合计一致吗？"
    frame = parse(q)
    draft = _compute(q, parts, total)
    assert draft.text.startswith("结论：一致。") and "275 + 246.12 + 29 = 550.12" in draft.text
    text, _ = check(draft.text, [parts, total], frame)
    assert "未核实" not in text
    assert compute.formula_holds("合计（计算得出：275 + 246.12 + 29 = 550.12）")
    assert not compute.formula_holds("合计（计算得出：275 + 246.12 + 29 = 560.12）")


def test_a_rounded_figure_agrees_with_the_exact_one():
    from yanbao.qa.compute import agree

    a, b = "市值蒸发近5900亿美元", "市值蒸发5890亿美元"
    qa, qb = quantities(a)[0], quantities(b)[0]
    assert not qa.same(qb) and agree(qa, a, qb, b)
    c = "市值蒸发2000亿美元"
    assert not agree(qa, a, quantities(c)[0], c)


def test_periods_listed_with_one_name_and_a_unit_written_once():
    c = chunk("英伟达表示,H20禁令对Q1、Q2收入影响分别为25、80亿美元,Q2业绩指引低于预期。")
    got = {x.quantity.text: (x.subject, str(x.period), x.quantity.value) for x in bind.claims(c, 0, len(c.text))}
    assert got["25"] == ("H20", "Q1", 25e8) and got["80亿美元"] == ("H20", "Q2", 80e8)
    q = "美国H20禁令对英伟达Q1和Q2收入的影响合计多少？"
    draft = _compute(q, c)
    assert draft.text.startswith("合计约105亿美元（计算得出：25 + 80 = 105）")


def test_a_share_changes_by_percentage_points():
    c = chunk("海光盈利能力持续增强,毛利率呈上升趋势,由2019年的37.31%提升至2024年的63.72%。")
    q = "海光信息毛利率从2019年到2024年提升了多少个百分点？"
    frame = parse(q)
    assert (frame.metric, frame.unit) == ("毛利率", "")
    draft = _compute(q, c)
    assert "相差约26.41个百分点（计算得出：63.72 − 37.31 = 26.41）" in draft.text


def test_a_figure_after_a_compared_name_and_de_is_that_names():
    c = chunk("但从云计算业务收入来看,亚马逊2023年云计算业务收入为908亿美元,相较于谷歌的331亿美元具有显著优势。")
    assert {x.quantity.text: x.subject for x in bind.claims(c, 0, len(c.text))} == {"908亿美元": "亚马逊", "331亿美元": "谷歌"}
    q = "2023年亚马逊云计算业务收入是谷歌的几倍？"
    draft = _compute(q, c)
    assert draft.text.startswith("亚马逊的云计算业务营收约为谷歌的2.74倍（计算得出：908 ÷ 331 ≈ 2.74）")


def test_a_version_is_no_figure_and_one_figure_is_no_comparison():
    c = chunk("以谷歌的Gemini 2.5为例,月均Token数从9.7万亿增至480万亿。")
    assert "2.5" not in [x.quantity.text for x in bind.claims(c, 0, len(c.text))]
    row = chunk("加速卡\tTPUv6e\tTrainium2\n互联带宽 (GB/s)\t3584\t640")
    q = "谷歌TPUv6e的互联带宽是亚马逊Trainium2的几倍？"
    draft = _compute(q, row)
    assert draft is None or "3584 ÷ 3584" not in draft.text


def test_a_change_asked_of_one_metric_is_not_another_metrics_change():
    frame = parse("做AI芯片的寒武纪今年一季度营收增长了多少？")
    assert (frame.metric, frame.base) == ("增速", "营收")
    other = chunk("在存储架构方面,思元590的MTP Cluster的访存带宽较上代提升4倍,支持大规模数据处理。", section="寒武纪")
    assert not any(ok for _, ok in claims_of(frame, other))
    own = chunk("寒武纪2025年一季度实现营收11.11亿元，同比增长4230%。")
    assert ("4230%", True) in claims_of(frame, own)
    scene = chunk("在客服和销售场景,豆包大模型的调用量增长16倍。在硬件终端场景豆包增长13倍。")
    s = scene.text.index("在硬件")
    stated = bind.claims(scene, s, len(scene.text))
    assert bind.bound(parse("在硬件终端场景，豆包调用量增长了几倍？"), stated[0], scene.text[s:], scene.text)


def test_a_models_citation_goes_to_the_passage_that_says_it():
    a = chunk("博通在 FY24Q3 实现营业收入 131 亿美元，同比增长 47%。", "a.txt", "国金证券")
    b = chunk("英伟达FY25Q3营收441亿美元,同比+69%。", "b.txt")
    c = chunk("寒武纪是全球知名的智能芯片企业,聚焦芯片技术突破与商业化落地。", "c.txt")
    frame = parse("博通FY24Q3实现营业收入多少？")
    text, cites = check("博通FY24Q3实现营业收入131亿美元[2]。", [a, b, c], frame, attach=True)
    assert [x.chunk.file for x in cites] == ["a.txt"] and cites[0].verified and "未核实" not in text
    text, cites = check("寒武纪是全球知名的智能芯片企业，聚焦芯片技术突破[2][3]。", [a, b, c], parse("寒武纪是做什么的？"), attach=True)
    assert [x.chunk.file for x in cites] == ["c.txt"]


def test_counted_names_are_no_figures_and_an_output_price_must_say_so():
    c = chunk("英伟达周一收跌16.97%,市值蒸发近5900亿美元(相当于略超3个AMD或近18个寒武纪)。")
    assert [x.quantity.text for x in bind.claims(c, 0, len(c.text))] == ["16.97%", "5900亿美元"]
    assert not any(ok for _, ok in claims_of(parse("1月27日收盘后英伟达的总市值是多少？"), c))
    price = chunk("豆包视觉理解模型定价是每千 tokens 0.03 元。")
    assert claims_of(parse("豆包视觉理解模型的输出价格是每千tokens多少钱？"), price) == [("0.03 元", False)]


def test_a_strongly_bound_sentence_answers_with_fewer_shared_words():
    c = chunk("DeepSeek是一家中国人工智能公司,成立于2023年7月17日,总部位于浙江杭州。", "d.txt", "华西证券")
    q = "深度求索（DeepSeek）公司成立于哪一天？"
    frame = parse(q)
    draft = extractive.answer(make_query(q, [], lambda t: 1.0), _hits(c), 0.9, frame=frame)
    assert not draft.refused and "2023年7月17日" in draft.text


@pytest.mark.parametrize("question, kind", [
    ("据Cerebras联合创始人的说法，Blackwell延迟出货的核心原因是什么？", "reason"),
    ("东吴认为2025年国产算力的领头羊是谁？", "name"),
    ("华西估值表里乐鑫科技2025年预测市盈率是多少？", "figure"),
])
def test_answer_types_before_metric_words(question, kind):
    assert parse(question).answer_type == kind


def test_a_repeated_sentence_is_read_where_its_paragraph_says_whom_it_is_about():
    from yanbao.qa.evidence import score_sentences

    head = chunk("DeepSeek-V3 的完整训练成本仅为 2.788M GPU 小时。假设 H800 GPU 的租赁价格为每 GPU 小时 2 美元,总训练成本仅为5.576M 美元。",
                 "h.txt", "华西证券", section="Deepseek:算法能力被突出(DeepSeek R1)")
    tail = replace_text(head, "假设 H800 GPU 的租赁价格为每 GPU 小时 2 美元,总训练成本仅为5.576M 美元。")
    q = "华西给出的DeepSeek-V3训练成本是多少？"
    scored = [s for s in score_sentences(make_query(q, [], lambda t: 1.0), _hits(tail, head)) if "5.576M" in s.text]
    assert len(scored) == 1 and scored[0].hit == 1  # the copy in the chunk that holds its paragraph
    claims = bind.bound_claims(parse(q), head, scored[0].start, scored[0].end)
    assert [c.quantity.text for c in claims] == ["5.576M 美元"]


def replace_text(c: Chunk, text: str) -> Chunk:
    from dataclasses import replace

    return replace(c, id=c.id + ":tail", text=text, start=c.end - len(text), end=c.end)


def test_another_reports_figure_is_shown_only_when_it_is_about_the_same_thing():
    a = chunk("在更具挑战性的AIME 2024上,R1的准确率达到71.3%,超过了o1的71.0%。", "a.txt", "华西证券")
    b = chunk("例如在 AIME 2025 测试中,R1新版模型准确率由旧版的 70% 提升至 87.5%。", "b.txt", "民生证券")
    q = "R1在AIME 2024上的准确率是多少？"
    draft = _extract(q, a, b)
    assert "71.3%" in draft.text and "87.5%" not in draft.text  # AIME 2025 is another test, not a conflict
    c = chunk("豆包通用模型的日均 tokens 使用量已超过 4 万亿。", "c.txt", "东吴证券")
    d = chunk("截至2025年5月底,豆包大模型日均 tokens 使用量超过16.4万亿。", "d.txt", "民生证券")
    q = "豆包通用模型的日均tokens使用量是多少？"
    draft = _extract(q, c, d)
    assert "4 万亿" in draft.text and "16.4万亿" in draft.text and "各报告给出的数字不同" in draft.text


def test_a_sentence_naming_the_subject_goes_before_one_placed_with_it_by_its_paragraph():
    from yanbao.qa.evidence import Scored
    from yanbao.qa.extractive import _named_first

    frame = parse("2024年第三季度苹果头显卖了多少台？")
    laptops = Scored(0, 0, 30, "24 年三季度,全球 AI 笔电销量达到约 1400 万台", 1.0, 0.8)
    vision = Scored(1, 0, 30, "苹果 Vision Pro 销量约为 9.6 万台, 占比约为 6%", 0.9, 0.6)
    hits = _hits(chunk(laptops.text), chunk(vision.text))
    assert _named_first(frame, [laptops, vision], hits) == [vision, laptops]
    weak = Scored(1, 0, 30, "苹果 Vision Pro 销量约为 9.6 万台, 占比约为 6%", 0.5, 0.3)
    assert _named_first(frame, [laptops, weak], hits) == [laptops, weak]  # far weaker: the order stands


def test_a_segment_named_apart_from_the_metric_qualifies_it():
    assert parse("博通并入VMware后的软件板块，上个财季收入多少，同比涨幅多大？").qualifier == "软件"
    c = chunk("但从云计算业务收入来看,亚马逊2023年云计算业务收入为908亿美元,相较于谷歌的331亿美元具有显著优势。")
    frame = parse("2023年谷歌云计算业务收入是多少？")
    assert frame.qualifier == "云计算"
    assert ("331亿美元", True) in claims_of(frame, c)  # the clause takes its sentence's 云计算业务收入


def test_a_segments_figure_does_not_answer_the_total_and_a_products_kind_is_kept():
    total = parse("博通2024财年全年总营收是多少？")
    c = chunk("CEO Hock Tan 表示,在创纪录的 2024 财年营收中,基础设施软件部门的收入增至 215 亿美元。"
              "博通全年 AI 收入预计 120 亿美元,高于此前指引。")
    assert total.qualifier == "" and not any(ok for _, ok in claims_of(total, c))  # a segment's revenue is not 总营收
    assert parse("2024年全年全球AI手机销量是多少？").qualifier == "ai手机"
    phones = chunk("2024年,据IDC,全球智能手机出货量的同比增长6.4%,达到12.39亿部。")
    assert ("12.39亿部", False) in claims_of(parse("2024年全球AI手机销量是多少？"), phones)
    ai_phones = chunk("24 年三季度,AI 手机销量达到 1.47 亿台。")
    assert ("1.47 亿台", True) in claims_of(parse("2024年第三季度AI手机卖了多少台？"), ai_phones)  # AI 手机, spaced, is AI手机


def test_a_model_variant_must_be_said_and_a_rating_or_process_question_needs_one_named():
    q = "Amazon Nova Premier模型的上下文窗口有多长？"
    frame = parse(q)
    assert frame.subject == "Nova" and "Premier" in frame.marks
    c = chunk("Micro 是纯文本模型,拥有 128k 的上下文窗口。Amazon Nova 系列基础模型包括 Micro、Lite、Pro 和 Premier 四款。", "a.txt", "国金证券")
    draft = extractive.answer(make_query(q, [c.meta], lambda t: 1.0), _hits(c), 0.1, frame=frame)
    assert draft.refused and "128k" not in draft.text and draft.text.startswith("报告未给出Nova Premier的上下文窗口")
    assert parse("Nova Pro的价格？").marks == ()  # Nova Pro is a name the entity list knows
    listing = "ASIC 和推理算力卡占比提升:寒武纪、海光信息、景嘉微、中科曙光等。"
    assert not extractive.says_what_is_asked("东吴证券给海光信息的投资评级是什么？", parse("东吴证券给海光信息的投资评级是什么？"), listing)
    assert extractive.says_what_is_asked("东吴给计算机行业的评级是什么？", None, "计算机行业 增持(维持)")
    node = parse("云天励飞DeepEdge 10芯片采用什么制程工艺？")
    assert not extractive.says_what_is_asked("云天励飞DeepEdge 10芯片采用什么制程工艺？", node, "公司陆续推出DeepEdge 10系列SoC芯片。")
    assert extractive.says_what_is_asked("…", node, "DeepEdge 10 采用 14nm 工艺。")


def test_a_consistency_verdict_compares_statements_of_the_same_thing_only():
    a = chunk("豆包视觉理解模型定价是每千 tokens 0.03 元, 比行业的平均价格降低 85%。", "a.txt", "东吴证券")
    b = chunk("2024年12月19日,闪极科技发布首款 AI 眼镜“闪极 AI 拍拍镜”,价格仅售999元。", "a.txt", "东吴证券")
    q = "东吴周报中“比行业平均价格降低85%”和“成本仅行业价格的15%”两种说法一致吗？"
    frame = parse(q)
    assert (frame.subject, frame.answer_type) == ("", "comparison")
    draft = compute.answer(make_query(q, [a.meta], lambda t: 1.0), _hits(a, b), frame)
    assert draft is None or "999" not in draft.text  # a glasses' price is no second statement of the model's


def test_a_back_calculation_uses_the_growth_rate_of_the_kind_asked():
    c = chunk("1Q2025 BAT合计资本开支同比提升99.38%至550.12亿人民币,环比较4Q24的707.08亿人民币下降了22.2%。")
    q = "根据同比增速推算，BAT三家2024年一季度合计资本开支大约是多少？"
    draft = compute.back_calculation(make_query(q, [c.meta], lambda t: 1.0), _hits(c), parse(q))
    assert draft is not None and "550.12 ÷ (1 + 99.38%) ≈ 275.9" in draft.text  # 同比, not the 环比 22.2% after it


# --- two sides in one sentence, a figure the report derived, several sides asked at once -------

def test_two_subjects_stated_in_one_sentence_are_compared_from_it():
    a = chunk("虽然,在全球所有 PC 设备处理器市场中,英特尔依旧保持着领先地位,72%左右的市占率虽然相比之前有所下滑,"
              "但依旧遥遥领先份额缓慢上升的 AMD(约 16%份额)。", "a.txt", "国金证券")
    b = chunk("苹果、AMD、高通核的 AI 笔电销量分别为 540 万、134 万、55 万台,占比分别为 37%、9%、4%。", "b.txt", "国金证券")
    assert {x.quantity.text: x.subject for x in bind.claims(a, 0, len(a.text))}["16%"] == "AMD"  # in brackets after its name
    q = "在全球PC处理器市场，英特尔的份额是AMD的几倍？"
    # the AI笔电 share (9%) measures another market: the sentence naming both sides is read for both
    draft = _compute(q, b, a)
    assert draft.text.startswith("英特尔的市占率约为AMD的4.5倍（计算得出：72 ÷ 16 ≈ 4.5）")
    assert draft.text.count("· ") == 1  # one sentence, quoted once for both sides


def test_a_figure_the_report_derived_is_recomputed_and_judged():
    c = chunk("这种架构革新让昇腾910D的理论峰值算力达到1.2 PFLOP/s,较H100的672 TFLOP/s提升78%。")
    assert [(x.value, x.unit) for x in quantities("1.2 PFLOP/s,672 TFLOP/s")] == [(1.2e15, "FLOPS"), (6.72e14, "FLOPS")]
    q = "昇腾910D的理论峰值算力比H100高多少？报告的78%算得对吗？"
    frame = parse(q)
    draft = _compute(q, c)
    assert draft.text.startswith("结论：基本一致。按报告数据，昇腾910D的算力比H100高约78.57%（计算得出：1.2 ÷ 0.672 ≈ 1.7857")
    assert "与报告的78%相符" in draft.text
    text, _ = check(draft.text, [c], frame)
    assert "未核实" not in text
    wrong = chunk("昇腾910D的理论峰值算力达到1.2 PFLOP/s,较H100的672 TFLOP/s提升95%。")
    q2 = "昇腾910D的理论峰值算力比H100高多少？报告的95%算得对吗？"
    draft = compute.answer(make_query(q2, [], lambda t: 1.0), _hits(wrong), parse(q2))
    assert draft.text.startswith("结论：不一致。按报告数据计算为78.57%") and "报告写的是95%" in draft.text


def test_two_earlier_quarters_take_the_rate_their_distance_names():
    c = chunk("2025年Q1中芯国际实现营收22.47亿美元,同比+29.4%,环比+1.8%,实现归母净利润为1.88亿美元,同比+166.5%,环比+36.7%。")
    q = "由环比和同比增速推算，中芯国际24Q4和24Q1营收各约多少？"
    draft = _compute(q, c)
    lines = draft.text.splitlines()
    assert lines[0].startswith("2024Q4：约22.07亿美元（计算得出：22.47 ÷ (1 + 1.8%) ≈ 22.07")  # the quarter before: 环比
    assert lines[1].startswith("2024Q1：约17.36亿美元（计算得出：22.47 ÷ (1 + 29.4%) ≈ 17.36")  # a year before: 同比


def test_each_side_of_a_two_part_figure_question_gets_its_own_figure():
    a = chunk("字节 2025 年资本开支有望大幅增长。根据 AI 范儿数据, 字节跳动正在掀起一场前所未有的数据中心基础设施建设浪潮。"
              "公司 2024 年的资本开支将达到 800 亿人民币, 而 BAT 三家公司总开支才约 1000 亿人民币。", "a.txt", "东吴证券")
    b = chunk("根据壹零社,2025年,字节跳动的资本开支将增至1600亿元,其中900亿元用于算力采购。", "b.txt", "华西证券")
    start = a.text.index("公司 2024")
    # 公司 is the company the paragraph is about (not BAT, named in the next clause; 建设浪潮 is no 浪潮信息)
    assert bind.claims(a, start, len(a.text))[0].subject == "字节跳动"
    q = "字节跳动2024年的资本开支是多少，2025年计划增加到多少？"
    frame = parse(q)
    assert compute.wants_each(q, frame)
    draft = _compute(q, a, b)
    assert draft.text.startswith("2024年为800亿人民币[1]；2025年为1600亿元[2]。")


def test_a_price_gap_between_two_products():
    a = chunk("小米AI眼镜的产品形态预计将对标Ray-Ban Meta,预计售价 1499 元起。", "a.txt", "民生证券")
    b = chunk("2024年12月19日,闪极科技发布首款 AI 眼镜“闪极 AI 拍拍镜 A1”,功能与Ray-ban Meta类似,但最低售价仅999元。", "b.txt", "华西证券")
    q = "小米AI眼镜预计起售价比闪极AI拍拍镜A1贵多少？"
    frame = parse(q)
    assert frame.answer_type == "arithmetic" and frame.sides == ("小米AI眼镜", "闪极AI拍拍镜")
    draft = _compute(q, a, b)
    assert "相差约500元（计算得出：1499 − 999 = 500" in draft.text


def test_a_ratio_the_reports_do_not_state_is_computed_from_its_two_amounts():
    c = chunk("- 收入创历史新高,净利润显著改善:2024 年中芯国际实现营收80.3 亿美元,同比+ 27%,创历史新高,"
              "实现归母净利润为4.93亿美元,同比-23.3%。")
    q = "中芯国际2024年的归母净利率大约是多少？"
    frame = parse(q)
    assert compute.wants_ratio(q, frame)
    draft = _compute(q, c)
    assert draft.text.startswith("归母净利率约6.14%（计算得出：4.93 ÷ 80.3 ≈ 0.0614，即约6.14%")
    text, cites = check(draft.text, [c], frame)
    assert "未核实" not in text and cites[0].verified
    # two ratios asked together, the base in another sentence of the passage
    d = chunk("- 2025年Q1,海光实现营业收入24亿元,同比增长50.76%;归母净利润为5.06亿元,同比增长75.33%。"
              "同时,海光Q1研发投入达7.64亿元,同比增长16.26%。")
    q = "海光信息2025年一季度的归母净利率和研发投入占营收比例各约多少？"
    draft = _compute(q, d)
    lines = draft.text.splitlines()
    assert lines[0].startswith("归母净利率约21.08%") and lines[1].startswith("研发投入占营收比例约31.83%")
    # a ratio a passage states is quoted, not recomputed
    stated = chunk("2024年中芯国际营收80.3亿美元,归母净利润4.93亿美元,净利率为6.1%。")
    assert compute.answer(make_query("中芯国际2024年的净利率是多少？", [], lambda t: 1.0), _hits(stated),
                          parse("中芯国际2024年的净利率是多少？")) is None


def test_a_count_asked_for_is_never_a_price():
    a = chunk("豆包视觉理解模型定价是每千 tokens 0.03 元, 比行业的平均价格降低 85%, 用这样的价格相当于用一块钱就可以"
              "一起同时处理 284 张 720P 的图片。", "a.txt", "东吴证券")
    b = chunk("字节跳动推出的豆包视觉理解模型千tokens输入价格为3厘,1元钱可处理284张720P的图片。", "b.txt", "华西证券")
    reports = [a.meta, b.meta]
    q = "东吴和华西说豆包视觉理解模型1元钱能处理的720P图片数量一样吗？"
    frame = parse(q, reports)
    assert frame.unit == "count"
    draft = compute.answer(make_query(q, reports, lambda t: 1.0), _hits(a, b), frame)
    assert draft.text.startswith("结论：一致。") and "284张" in draft.text.splitlines()[0]
    assert parse("Snowflake产品收入超百万美元的大客户数量从多少增加到了多少？").metric == ""  # counted, not revenue


def test_two_bare_numbers_from_two_reports_are_not_compared():
    a = chunk("DeepSeek-R1成功蒸馏出多个小型推理模型,其中 32B & 70B版本可媲美OpenAI o1-mini。", "a.txt", "华西证券")
    b = chunk("DeepSeek-R1在该项评测中为91.4。", "b.txt", "民生证券")
    reports = [a.meta, b.meta]
    q = "华西和民生给出的DeepSeek-R1成绩一致吗？"
    assert compute.answer(make_query(q, reports, lambda t: 1.0), _hits(a, b), parse(q, reports)) is None


def test_a_later_clause_opening_with_its_metric_is_the_topics_result():
    from yanbao.qa.chain import REFUSAL_THRESHOLD
    from yanbao.qa.extractive import answer as extract

    c = chunk("博通将于 12 月 12 日周四盘后发布其 FY24Q4 财报,回顾上一财季,博通在 FY24Q3 实现营业收入 131 亿美元,"
              "同比增长 47%,运营利润 79 亿美元,同比增长 44%。", title="AI 周观察")
    q = "那家做网络芯片的美国公司（博通）上一个财季的经营利润有多少？"
    draft = extract(make_query(q, [], lambda t: 1.0), _hits(c), threshold=REFUSAL_THRESHOLD, frame=parse(q))
    assert not draft.refused and "79 亿美元" in draft.text


def test_a_table_keeps_the_header_that_names_its_columns():
    c = chunk("海光K100与K100 AI版性能对比\n规格参数分类\t\tK100\tK100_AI\n芯片计算核心\t\t120\t-\n显存\t\t64GB\t64GB\n"
              "PCIe 接口\t\tPCIe 4.0 x16\tPCIe 5.0 x16\nTDP\t\t300W\t350 - 400W\n")
    from yanbao.qa.evidence import row_header

    tdp = c.text.index("TDP")
    assert row_header(c, tdp) == "规格参数分类\t\tK100\tK100_AI"  # not the PCIe row, which names no column
    q = "海光K100_AI的TDP是多少？"
    frame = parse(q)
    text, cites = check("（表头：规格参数分类 | K100 | K100_AI）TDP | 300W | 350 - 400W[1]。", [c], frame)
    assert "未核实" not in text and cites[0].verified  # the checker reads the row under the same header


def test_a_date_that_only_qualifies_another_fact_does_not_date_an_event():
    row = chunk("对比\tRayban-Meta 二代眼镜\tOla Friend 豆包耳机\n销量\t截至2024年H1, 累计出货超100万台\t截至2025年1月9日, 天猫旗舰店销量仅6000+\n")
    start = row.text.index("销量")
    frame = parse("字节的AI耳机Ola Friend是哪天发布的？")
    assert not bind.date_bound(frame, row, start, len(row.text))
    timed = chunk("云厂\t时间\t核电站情况\n谷歌\t2024 年 10 月\t达成协议,待建\n")
    start = timed.text.index("谷歌\t")
    assert bind.date_bound(parse("谷歌和Kairos的核反应堆协议是什么时候签的？"), timed, start, len(timed.text))


def test_a_header_that_lost_a_label_column_names_the_value_columns():
    c = chunk("豆包Doubao-1.5-pro与其他大模型性能对比\n\tDoubao-1.5-pro\tLlama3.1-405B\tGPT4o-0806\n"
              "Knowledge\tMMLU\t88.6\t88.6\t88.7\n\tC-Eval\t91.8\t72.7\t76.0\n")
    from yanbao.qa.evidence import analyze

    row = next(u for u in analyze(c)[2] if "C-Eval" in u.text)
    assert row.header == "\tDoubao-1.5-pro\tLlama3.1-405B\tGPT4o-0806"  # its empty first cell is kept
    owners = {x.quantity.text: x.subject for x in bind.claims(c, row.start, row.end, row.header)}
    assert owners["91.8"] == "豆包" and owners["72.7"] == "Llama"
    assert bind.align_heads(["", "A", "B"], ["x", "y", "1", "2"]) == ["", "", "A", "B"]
    assert bind.align_heads(["代码", "公司名称", "PE"], ["688018.SH", "乐鑫科技", "65.99"]) == ["代码", "公司名称", "PE"]


def test_a_period_written_in_a_cell_dates_its_figure():
    c = chunk("对比\tRayban-Meta 二代眼镜\tOla Friend 豆包耳机\n销量\t截至2024年H1, 累计出货超100万台\t截至2025年1月9日, 天猫旗舰店销量仅6000+\n")
    from yanbao.qa.evidence import analyze

    row = next(u for u in analyze(c)[2] if u.text.startswith("销量"))
    claim = next(x for x in bind.claims(c, row.start, row.end, row.header) if x.quantity.text.startswith("100万"))
    assert str(claim.period) == "2024H1"
    assert not bind.bound(parse("2024年7-9月，Meta雷朋智能眼镜全球卖出去多少？"), claim, row.text, c.text)


def test_a_sum_over_a_groups_members_is_the_total_stated_for_the_group():
    from yanbao.qa.frame import group_of

    assert group_of(["腾讯", "百度", "阿里巴巴"]) == "BAT" and group_of(["腾讯", "百度"]) == ""
    total = chunk("1Q2025 BAT合计资本开支同比提升99.38%至550.12亿人民币,环比较4Q24的707.08亿人民币下降了22.2%。")
    other = chunk("2024年前三季度,百度、阿里巴巴、腾讯三家公司的总资本开支达867.21亿元,同比增长119.80%。", "b.txt", "华西证券")
    q = "2025年一季度百度、阿里、腾讯三家的资本支出加起来是多少？"
    frame = parse(q)
    draft = _compute(q, other, total)
    assert draft.text.startswith("BAT合计资本开支为550.12亿人民币[2]")
    text, cites = check(draft.text, [other, total], frame)
    assert "未核实" not in text and cites[0].verified
    # not computed: the passage stating another period only does not answer it
    from yanbao.qa.extractive import binds

    s = next(x for x in __import__("yanbao.qa.evidence", fromlist=["score_sentences"]).score_sentences(
        make_query(q, [], lambda t: 1.0), _hits(other)))
    assert not binds(frame, s, _hits(other))


def test_parts_are_summed_when_no_total_is_stated():
    a = chunk("腾讯2025年Q1资本开支达到275亿元。阿里巴巴2025年Q1资本开支为246.12亿元。百度2025年Q1资本开支为29亿元。")
    q = "2025年一季度百度、阿里、腾讯三家的资本支出加起来是多少？"
    draft = _compute(q, a)
    assert draft.text.startswith("合计约550.1亿元（计算得出：29 + 246.12 + 275 = 550.12）")


def test_a_multiple_between_two_things_one_passage_states():
    c = chunk("这一进步得益于模型在推理过程中的思维深度增强:在 AIME 2025 测试集上,旧版模型平均每题使用 12K tokens,"
              "而新版模型平均每题使用 23K tokens,表明其在解题过程中进行了更为详尽和深入的思考。")
    q = "新版DeepSeek R1在AIME 2025上平均每题用的tokens是旧版的几倍？"
    frame = parse(q)
    assert compute.wants_pair(q, frame)
    draft = _compute(q, c)
    assert draft.text.startswith("约1.92倍（计算得出：23 ÷ 12 ≈ 1.92")
    # the asked metric decides which figures: 市值蒸发, not the 17% and 9% falls beside them
    d = chunk("截至1月27日美股收盘,英伟达下跌近17%,收报118.42美元,单日市值蒸发达5890亿美元,为美国股市历史新高,"
              "打破了去年9月初英伟达单日重挫超9%、市值蒸发2790亿美元的纪录。", "d.txt", "华西证券")
    q = "英伟达1月27日的市值蒸发额是去年9月初那次纪录的几倍？"
    draft = _compute(q, d)
    assert draft.text.startswith("约2.11倍（计算得出：5890 ÷ 2790 ≈ 2.11")
    # a difference, the second thing's words (总成本) telling its figure from a cost of a part (55美元)
    e = chunk("根据Wellsenn XR,以Ray-Ban Meta为例,仅主控芯片高通骁龙AR Gen 1成本即达到55美元,占比超1/3,"
              "总成本达164美元,定价则达到299美元。", "e.txt", "华西证券")
    q = "按华西的拆解，Ray-Ban Meta的售价比总成本高多少美元？"
    draft = _compute(q, e)
    assert draft.text.startswith("高约135美元（计算得出：299 − 164 = 135")
    text, _ = check(draft.text, [e], parse(q))
    assert "未核实" not in text


# --- real company reports: the covered company, its forecasts, the market a figure is of --------

def test_the_company_a_report_covers_is_the_subject_and_its_forecasts_are_their_own_metrics():
    from yanbao.qa.query import covered_companies

    report = ReportMeta(file="13.pdf", broker="西南证券", title="华润三九(000999)2025年三季报点评:内涵+外延双轮驱动,经营拐点已现")
    assert covered_companies(report.title) == ("华润三九",)
    frame = parse("2025年前三季度华润三九归母净利润多少？", [report])
    assert (frame.subject, frame.metric, frame.period) == ("华润三九", "净利润", "2025Q1-Q3")
    assert parse("西南证券给华润三九的6个月目标价是多少？", [report]).metric == "目标价"  # 当前价 is no answer
    assert parse("报告预测上海莱士2022年的每股收益是多少？").metric == "每股收益"
    assert parse("DeepSeek-V3完整训练总共消耗多少GPU小时？").metric != "每股收益"  # the eps inside DeepSeek
    c = chunk("当前价: 28.94 元", "13.pdf", "西南证券", report.title)
    target = parse("西南证券给华润三九的6个月目标价是多少？", [report])
    assert not any(bind.bound(target, x, c.text, c.text) for x in bind.claims(c, 0, len(c.text), "", bind.frame_extra(target)))


def test_a_market_no_retrieved_passage_names_is_unknown():
    from yanbao.qa.retrieve import Retriever

    c = chunk("以回看20 日为例,在沪深300 成分股中,CPV 因子的5 分组多空对冲年化收益为12.3%。")
    hits = _hits(c)
    assert Retriever.unknown_markets("CPV因子在创业板成分股中的5分组多空对冲年化收益是多少？", hits) == ["创业板"]
    assert Retriever.unknown_markets("CPV因子在沪深300成分股中的年化收益是多少？", hits) == []
    assert Retriever.unknown_markets("CPV因子在中证 500成分股中的年化收益是多少？", _hits(chunk("在中证500 成分股中…"))) == []


def test_a_change_between_two_periods_is_not_a_sum_and_is_a_share_of_the_earlier():
    c = chunk("2020年,国内外医美业务合计实现收入9.43亿元(2019年13.28亿元)。", "10.txt", "中泰证券",
              "华东医药(000963):业绩符合预期,创新药和医美布局同步加速")
    q = "2020年华东医药国内外医美业务合计收入较2019年下降了多少？"
    frame = parse(q, [c.meta])
    draft = compute.answer(make_query(q, [c.meta], lambda t: 1.0), _hits(c), frame)
    assert "下降约3.85亿元，降幅约28.99%（计算得出：13.28 − 9.43 = 3.85；3.85 ÷ 13.28 ≈ 0.2899）" in draft.text
    text, _ = check(draft.text, [c], frame)
    assert "未核实" not in text


def test_two_sides_named_by_their_words_in_a_respectively_list_or_a_tables_columns():
    c = chunk("FScore 策略与低市净率策略的年化收益率分别为31.85%和33.77%。", "03.pdf", "华泰证券")
    q = "比乔斯基9指标FScore策略的年化收益率比低市净率（前20%）策略低多少个百分点？"
    draft = _compute(q, c)
    assert draft.text.startswith("低约1.92个百分点（计算得出：33.77 − 31.85 = 1.92")
    t = chunk("图表20: 改进前后QRS 指标择时模型统计数据对比\n\t改进前QRS指标\t改进后QRS指标\t沪深300指数\n年化收益\t13.20%\t16.10%\t0.70%\n",
              "05.pdf", "中金公司")
    q = "改进后的QRS指标相比改进前，全样本年化收益率提高了多少个百分点？"
    draft = _compute(q, t)
    assert draft.text.startswith("提高约2.9个百分点（计算得出：16.10 − 13.2 = 2.9")


def test_a_consistency_verdict_compares_figures_whose_own_clauses_say_the_same_thing():
    a = chunk("24 年三季度,AI 手机销量达到 1.47 亿台,同比增长约 8%,AI 笔电销量达约 1450 万台,同比增长 110%。", "a.txt", "国金证券")
    b = chunk("24 年三季度,全球 AI 笔电销量达到约 1400 万台,同比增长 105%。", "b.txt", "国金证券")
    q = "国金前瞻报告里24年三季度AI笔电的销量前后一致吗？"
    draft = _compute(q, a, b)
    assert draft.text.startswith("结论：不一致。一处为1450万台，另一处为1400万台")  # never AI 手机's 1.47亿台
    seg = chunk("半导体解决方案部门营收 73 亿美元,AI 产品销售表现亮眼。博通在 FY24Q3 实现营业收入 131 亿美元,同比增长 47%。",
                title="AI 周观察")
    q = "博通FY24Q3的半导体和基础设施软件两个部门营收加起来，与公司总营收对得上吗？"
    draft = _compute(q, seg)
    assert draft is None or "不一致。一处为73亿美元" not in draft.text  # a segment's revenue is not the total's


def test_who_the_analysts_are_is_asked_with_哪些_and_分析员_too():
    from yanbao.qa import meta

    assert meta.asks_about_authors("中金这篇量化择时报告的分析员有哪些？")
    assert not meta.asks_about_authors("国金分析师认为哪些公司受益？")  # what they think, not who they are


def test_a_pair_is_never_computed_from_bare_counts_or_from_figures_of_another_unit():
    c = chunk("以回看10 日为例,CPV 因子的5 分组多空对冲年化收益较传统反转因子更高。", "01.pdf", "东吴证券")
    q = "CPV因子5分组多空对冲年化收益比传统反转因子高多少个百分点？"
    assert _compute(q, c) is None  # not 10 − 5


def test_an_acronym_owning_results_is_the_sentences_subject_not_the_covered_company():
    report = ReportMeta(file="08.txt", broker="中原证券", title="血制品领先企业,业绩恢复增长——上海莱士(002252)首次覆盖报告")
    c = chunk("收购完成后,上海莱士的盈利水平会有较大提升。2017年-2019年上半年,GDS的营业收入分别为50.89亿元、51.29亿元和24.35亿元,"
              "净利润分别为11.83亿元、15.55亿元和6.13亿元。", "08.txt", "中原证券", report.title)
    start = c.text.index("2017年")
    owners = {x.quantity.text: (x.subject, x.named) for x in bind.claims(c, start, len(c.text))}
    assert owners["11.83亿元"] == ("GDS", True)
    frame = parse("中原证券预测上海莱士2020年净利润是多少（百万元）？", [report])
    assert not bind.bound_claims(frame, c, start, len(c.text))  # GDS's profit is not 上海莱士's


def test_an_item_of_a_slash_list_is_labelled_and_named_in_the_answer():
    from yanbao.qa.extractive import item_for

    s = "其中销售/管理/研发费率分别27.9%/5.9%/3.8%,分别同比+3.8/+0.5/+1.2pp。"
    assert sorted(bind.slash_labels(s).values()) == ["研发费率", "管理费率", "销售费率"]
    c = chunk(s)
    claim = next(x for x in bind.claims(c, 0, len(s)) if x.quantity.text == "3.8%")
    assert (claim.label, claim.metric) == ("研发费率", "费用率")
    assert item_for("2025年前三季度华润三九研发费率是多少？", s) == ("研发费率", "3.8%")
    assert item_for("费率是多少？", s) is None  # no single item named


def test_a_reports_rating_is_read_off_its_cover_for_the_report_not_for_a_company_it_mentions():
    from yanbao.qa import meta

    report = ReportMeta(file="004.txt", broker="东吴证券", title="从字节大会看算力产业的三个趋势", rating="增持(维持)")
    cover = chunk("计算机行业跟踪周报 从字节大会看算力产业的三个趋势 增持(维持) 2024年12月24日", "004.txt", "东吴证券", report.title)
    chunks_of = lambda f: [cover] if f == "004.txt" else []
    text, passages = meta.rating_answer("东吴这篇周报给计算机行业的评级是什么？", [report], chunks_of, None)
    assert text.endswith("给出的评级：增持(维持)[1]。") and passages == [cover]
    assert meta.rating_answer("东吴证券给海光信息的投资评级是什么？", [report], chunks_of, None) is None
    assert meta.rating_answer("东吴这篇周报讲了什么？", [report], chunks_of, None) is None


def test_a_segment_written_as_an_acronym_is_no_owner():
    for text in ("博通2024财年AI收入为122亿美元。", "公司AI的收入达到31亿美元。"):
        c = chunk(text)
        assert all(x.subject != "AI" for x in bind.claims(c, 0, len(text)))


def test_period_lists_date_each_figure_of_a_list_that_follows():
    from yanbao.qa.frame import Period

    assert bind.period_list("我们预计2021-2023年公司营业收入") == [Period(2021, "Y"), Period(2022, "Y"), Period(2023, "Y")]
    assert bind.period_list("预计公司25/26/27年归母净利润") == [Period(2025, "Y"), Period(2026, "Y"), Period(2027, "Y")]
    assert bind.period_list("2025 年Q1/Q2/Q3 营收") == [Period(2025, "Q1"), Period(2025, "Q2"), Period(2025, "Q3")]
    assert bind.period_list("销售/管理/研发费率分别27.9%/5.9%/3.8%") == []  # no periods: items, not periods
    assert bind.period_list("12/13/14") == []  # two digits are years only with 年 after them
    # a forecast written as a range, then a list: each figure its own year (all three were read as 2023)
    c = chunk("盈利预测与估值:我们预计2021-2023年公司营业收入分别为357.40亿元、395.47亿元、443.76亿元,同比分别增长6.11%、10.65%、12.21%。",
              broker="中泰证券", title="华东医药(000963):业绩符合预期")
    got = {x.quantity.text: str(x.period) for x in bind.claims(c, 0, len(c.text))}
    assert got["357.40亿元"] == "2021" and got["395.47亿元"] == "2022" and got["443.76亿元"] == "2023"
    assert got["10.65%"] == "2022"
    # quarters listed once, figures listed in the next ；-clause too (西南证券's 华润三九 report)
    text = ("2025 年前三季度,公司实现营业收入219.9亿元,同比+11.4%;归母净利润23.5 亿元,同比-20.5%。2025 年Q1/Q2/Q3 营收分别"
            "68.5/79.6/71.8 亿元,分别同比-6%/+16.8%/+27.4%;归母净利润12.7/5.5/5.4 亿元,分别同比-6.9%/-47.3%/-4.3%。")
    c = chunk(text, broker="西南证券", title="华润三九(000999)2025年三季报点评")
    start = text.index("归母净利润12.7")
    got = {x.quantity.text.replace(" ", ""): str(x.period) for x in bind.claims(c, start, len(text))}
    assert got["5.4亿元"] == "2025Q3" and got["4.3%"] == "2025Q3" and got["12.7"] == "2025Q1"
    assert [round(x.quantity.value / 1e8, 1) for x in bind.claims(c, start, len(text))][:3] == [12.7, 5.5, 5.4]  # 亿元 each
    first = bind.claims(c, text.index("归母净利润23.5"), text.index("。"))
    assert [str(x.period) for x in first if "23.5" in x.quantity.text] == ["2025Q1-Q3"]
    frame = parse("2025年前三季度华润三九归母净利润多少？")
    assert not any(bind.bound(frame, x, text[start:], text) for x in bind.claims(c, start, len(text)))  # a quarter is not 前三季度


def test_the_asked_period_of_a_listed_sentence_is_named_and_checked():
    text = ("事件:华润三九发布2025 年三季报。2025 年前三季度,公司实现营业收入219.9亿元,同比+11.4%;归母净利润23.5 亿元,同比-20.5%。"
            "2025 年Q1/Q2/Q3 营收分别68.5/79.6/71.8 亿元,分别同比-6%/+16.8%/+27.4%;归母净利润12.7/5.5/5.4 亿元,分别同比-6.9%/-47.3%/-4.3%。")
    c = chunk(text, broker="西南证券", title="华润三九(000999)2025年三季报点评")
    q = "华润三九2025年Q3单季归母净利润同比变化多少？"
    draft = _extract(q, c)
    assert "（2025Q3：-4.3%）" in draft.text and "23.5" not in draft.text  # the 前三季度 figure is not Q3's
    checked, citations = check(draft.text, [c], parse(q))
    assert "未核实" not in checked and citations[0].verified
    wrong = draft.text.replace("（2025Q3：-4.3%）", "（2025Q3：-6.9%）")
    assert "未核实" in check(wrong, [c], parse(q))[0]  # the note names Q1's figure: not what the passage says of Q3
    q = "2025年前三季度华润三九归母净利润多少？"
    draft = _extract(q, c)
    assert "23.5" in draft.text and "12.7/5.5/5.4" not in draft.text


def test_a_quantitative_reports_measures_markets_and_samples_are_told_apart():
    assert parse("华泰FFScore策略相对沪深300全收益指数的信息比率是多少？").metric == "信息比率"
    assert parse("表1中，PV_corr_std因子5分组多空对冲的最大回撤率是多少？").metric == "最大回撤"
    assert parse("QRS择时模型在创业板指上的动态参数模型年化收益是多少？").marks == ("创业板指",)
    table = chunk("表3:华泰FFScore策略回测绩效\n\t总收益率\t年化收益率\t波动率\t夏普比率\t最大回撤\n"
                  "华泰FFScore\t3685.51%\t43.82%\t42.68%\t1.03\t66.27%\n", broker="华泰证券", title="华泰价值选股之FFScore模型")
    q = "华泰FFScore策略的信息比率是多少？"  # the table gives 夏普比率, not 信息比率
    draft = _extract(q, table)
    assert draft.refused and "1.03" not in draft.text.split("\n")[0]
    text = ("在该参数下,QRS 择时模型在样本内年化收益14.0%,最大回撤49.5%,开仓胜率54.3%;"
            "样本外模型的择时效果依旧显著,年化收益11.1%,最大回撤仅13.7%,开仓胜率53.3%。")
    c = chunk(text, broker="中金公司", title="量化择时系列(1)")
    q = "QRS择时模型在样本外的最大回撤是多少？"
    draft = _extract(q, c)
    assert "13.7%" in draft.text and "49.5%" not in draft.text
    q = "QRS择时模型在创业板指上的最大回撤是多少？"  # no sentence says 创业板指: not 沪深300's figures
    draft = _extract(q, c)
    assert draft.refused


def test_the_kind_of_expense_asked_must_be_said():
    assert parse("2025年前三季度华润三九研发费率是多少？").marks == ("研发",)
    text = ("2025 年前三季度,华润三九期间费用率37.7%,同增5.7pp。其中销售/管理/研发费率分别27.9%/5.9%/3.8%,"
            "分别同比+3.8/+0.5/+1.2pp。")
    c = chunk(text, broker="西南证券", title="华润三九(000999)2025年三季报点评")
    q = "华润三九的研发费率是多少？"
    draft = _extract(q, c)
    assert "（研发费率：3.8%）" in draft.text and "37.7%" not in draft.text  # 期间费用率 is not 研发费率


def test_a_precision_asked_must_be_said_so_no_verdict_compares_servers():
    assert parse("民生报告两张表里亚马逊Trainium2的BF16算力一致吗？").marks == ("BF16",)
    frame = parse("亚马逊Trainium2的BF16算力是多少？")
    assert not bind.marks_agree(frame, "每台Trainium2服务器整合了16颗Trainium2芯片,具备20.8 PFLOPS的算力")  # no precision said
    assert not bind.marks_agree(frame, "Trainium2 Ultra机架方案FP8峰值算力可达83.2PFLOPS")
    assert bind.marks_agree(frame, "Trainium2\tBF16/FP16算力431 TFLOPS")


def test_a_move_one_sentence_states_is_computed_as_a_change_or_a_multiple():
    c = chunk("Snowflake 产品收入达到 9.003 亿美元,同比增长 29%,产品收入超过 100 万美元的客户相比上一季度的 510 个增加到 542 个。",
              broker="国金证券", title="2025 AI 行业前瞻报告")
    q = "Snowflake产品收入超过100万美元的客户环比增加了多少个？增幅多少？"
    draft = _compute(q, c)
    assert draft.text.startswith("增加约32个（计算得出：542 − 510 = 32；由510个变为542个），增幅约6.27%（计算得出：32 ÷ 510 ≈ 6.27%）")
    text, _ = check(draft.text, [c], parse(q))
    assert "未核实" not in text  # a share written in percent is checked as one (32 ÷ 510 ≈ 6.27%)
    assert not compute.formula_holds("计算得出：32 ÷ 510 ≈ 7.27%")
    capex = chunk("上个季度它们在不动产和设备上的支出,达到了惊人的506亿美元,相比之下上年同期是305亿美元。")
    assert "增幅约65.9%" in _compute("亚马逊、微软和谷歌上个季度在不动产和设备上的支出同比增长了多少？", capex).text
    tokens = chunk("Gemini 2.5的Token消耗量快速增长,5月的月均Token数从9.7万亿激增至480万亿,同比增长50倍。")
    draft = _compute("谷歌Gemini 2.5的月均Token数从9.7万亿增至480万亿，是多少倍？与报告说的50倍吻合吗？", tokens)
    assert "49.48倍" in draft.text and "基本吻合" in draft.text
    # a period the question names must be in the move's own clause (从20万颗提高至150万颗 is 1Q25's, not 2026's)
    plant = chunk("武藏于1Q25将产量从20万颗电芯提高至150万颗；2026年9月预计开始运营山梨县新厂，产量进一步扩张至650万颗。")
    assert compute.stated_move(make_query("2026年山梨新厂投产后产能扩大多少倍？", [], lambda t: 1.0), _hits(plant),
                               parse("2026年山梨新厂投产后产能扩大多少倍？"), []) is None
    # two things set against each other are no move of one
    assert not compute.wants_move("英伟达B300的HBM容量比B200多多少？", parse("英伟达B300的HBM容量比B200多多少？"))


def test_a_difference_and_a_multiple_asked_together_are_both_computed():
    a = chunk("英伟达最新的B300加速卡在HBM容量上进一步提升至288GB。")
    b = chunk("MI355X 存储容量将达到 288GB,而存储容量将显著高于 B200 的 192GB。", "b.txt", "国金证券", "2025 AI 行业前瞻报告")
    draft = _compute("英伟达B300的HBM容量比B200多多少？是几倍？", a, b)
    assert "多约96GB（计算得出：288 − 192 = 96）" in draft.text and "1.5倍（计算得出：288 ÷ 192 ≈ 1.5）" in draft.text


def test_a_figure_after_a_name_and_a_spaced_de_is_that_names_and_an_unknown_products_column_is_its_own():
    c = chunk("MI355X 存储容量将达到 288GB,而存储容量将显著高于 B200 的 192GB。")
    owners = {x.quantity.text: x.subject for x in bind.claims(c, 0, len(c.text))}
    assert owners["192GB"] == "B200"  # PDF text puts spaces around 的
    table = chunk("ZX384 与 NVL 72 性能对比\n标准\t单位\tNvidia GB200 NVL72\tZeta ZX384\tHuawei vs Nvidia\n"
                  "高带宽内存容量\tTB\t13.8\t49.2\t3.6x\n")
    from yanbao.qa.evidence import analyze

    row = next(u for u in analyze(table)[2] if "高带宽内存容量" in u.text)
    found = {x.quantity.text: x.subject for x in bind.claims(table, row.start, row.end, row.header)}
    assert found["49.2"] == "Zeta ZX384"  # a column the entity list does not know is still no one else's
    assert not [x for x in bind.claims(table, row.start, row.end, row.header)
                if bind.bound(parse("英伟达B200的显存容量是多少？"), x, row.text, table.text)]
    assert parse("华为384超节点一共有多少高带宽内存？").metric == "容量"  # 高带宽内存 is HBM, not a bandwidth


def test_a_quoted_table_row_is_verified_as_the_passages_own_cells():
    c = chunk("昇腾910B与英伟达B200性能对比\n参数\t昇腾910B\t英伟达B200\n内存支持\t64GBHBM内存,400GB/s内存带宽\t192GB内存，达到了8TB/s内存带宽\n")
    frame = parse("国金和民生给出的英伟达B200显存容量一致吗？")
    text, cites = check("· 民生：民生证券《AI投资的新范式》：（表头：昇腾910B | 英伟达B200）内存支持 | 64GBHBM内存,400GB/s内存带宽 | "
                        "192GB内存,达到了8TB/s内存带宽[1]。", [c], frame)
    assert "未核实" not in text and cites[0].verified


def test_with_no_metric_asked_each_side_takes_the_figure_its_clause_words_as_asked():
    hx = chunk("DeepSeek-V3 的预训练阶段花费了 2664K GPU 小时。加上 119K GPU 小时的上下文长度扩展和 5K GPU 小时的后训练,"
               "DeepSeek-V3 的完整训练成本仅为 2.788M GPU 小时。", "hx.txt", "华西证券", "AI新范式")
    ms = chunk("得益于技术路线优化,DeepSeek-V3仅使用2048块NVIDIA H800 GPU,累计训练278.8万个小时,耗费557.6万美元。")
    draft = _compare("民生和华西给出的DeepSeek-V3完整训练GPU小时数一致吗？", hx, ms)
    assert draft.text.startswith("结论：一致。") and "完整训练GPU小时数" in draft.text and "2.788M" in draft.text
    assert quantities("278.8万个小时")[0].same(quantities("2.788M GPU 小时")[0])


def test_a_rating_that_looks_like_a_year_is_a_figure_in_its_table_cell():
    hx = chunk("在代码领域,R1在Codeforces评测中达到了2441分的水平,高于96.3%的人类参与者。", "hx.txt", "华西证券", "AI新范式")
    ms = chunk("Qwen3与其他主流模型对比\n\tQwen3-32B Dense\tDeepseek-R1\tGemini2.5-Pro\nArenaHard\t93.8\t93.2\t96.4\n"
               "CodeForces Elo Rating\t1977\t2029\t2001\n")
    q = "华西和民生给出的DeepSeek-R1 Codeforces成绩一致吗？"
    draft = _compare(q, hx, ms)
    assert draft.text.startswith("结论：不一致。华西的DeepSeek-R1的Codeforces成绩（2441）高于民生（2029）")
    text, _ = check(draft.text, [hx, ms], parse(q))
    assert "未核实" not in text  # 2029 is stated, as a whole cell
    timed = chunk("事件\t年份\n发布\t2024\n")
    assert not bind._bare_year_like("2024", "发布", "年份")


def test_company_in_a_paragraph_under_a_companys_heading_is_that_company():
    text = ("- 搭载思元590的阿里云智能计算集群在Llama-3训练任务中已实现训练成本下降40%。\n"
            "- 在业绩层面,公司积极把握国产算力需求所带来的市场机遇。25年Q1公司实现营收11.11亿元,同比大幅增长4230.22%;"
            "25年Q1在存货端27.55亿元,较24年末大增9.81亿。")
    c = Chunk(id="k", text=text, file="r.txt", start=0, end=len(text), section="2.3 算力芯片 > 2.3.3 寒武纪:软硬协同发力",
              meta=ReportMeta(file="r.txt", broker="民生证券", title="AI投资的新范式"))
    start = text.index("25年Q1公司")
    assert bind.context_subject(c, start) == "寒武纪"  # not Llama, the last name of the paragraph before
    frame = parse("2025年一季度寒武纪的营收是多少？")
    bound = [x.quantity.text for x in bind.claims(c, start, len(text)) if bind.bound(frame, x, text[start:], text)]
    assert bound == ["11.11亿元"]  # 存货端27.55亿元 is an inventory, no revenue


def test_who_is_higher_and_how_many_times_opens_with_the_verdict():
    hg = chunk("- 2025年Q1,海光实现营业收入24亿元,同比增长50.76%;")
    hw = chunk("25年Q1寒武纪实现营收11.11亿元,同比大幅增长4230.22%;", "b.txt")
    draft = _compute("2025年一季度海光信息和寒武纪谁的营收更高？是对方的几倍？", hg, hw)
    assert draft.text.startswith("结论：海光信息的营收更高（24亿元，寒武纪为11.11亿元）。海光信息的营收约为寒武纪的2.16倍")


def test_a_subjects_side_is_searched_without_the_other_subjects_names():
    from yanbao.qa.chain import _side_query

    q = "2025年一季度海光信息和寒武纪谁的营收更高？"
    frame = parse(q)
    assert _side_query(q, "寒武纪", frame) == "2025年一季度和寒武纪谁的营收更高？ 寒武纪"
    assert _side_query(q, "国金", frame) == f"{q} 国金"


def test_a_year_ends_amount_is_the_later_level_less_the_change_since_then():
    hg = chunk("海光25Q1合同负债32.37亿元,较去年末大增23.33亿元,订单需求持续旺盛。")
    q = "按民生的数据，海光信息2024年末的合同负债大约是多少？"
    draft = _compute(q, hg)
    assert draft.text.startswith("约9.04亿元（计算得出：32.37 − 23.33 = 9.04，由32.37亿元与较去年末增加的23.33亿元推算）")
    text, _ = check(draft.text, [hg], parse(q))
    assert "未核实" not in text
    hw = chunk("25年Q1寒武纪在存货端27.55亿元,较24年末大增9.81亿,未来良好放量支撑。")
    assert _compute("寒武纪2024年存货是多少？", hw).text.startswith("约17.74亿元（计算得出：27.55 − 9.81 = 17.74")
    # the change is no level: 9.81亿 never answers the 2024 inventory by itself
    frame = parse("寒武纪2024年存货是多少？")
    assert not [x for x in bind.claims(hw, 0, len(hw.text)) if bind.bound(frame, x, hw.text, hw.text)]
    assert _compute("按民生的数据，寒武纪2023年末存货大约是多少？", hw) is None  # 较24年末 says nothing of 2023's end


def test_an_amount_of_several_companies_together_is_the_groups_not_a_members():
    c = chunk("2024年前三季度,百度、阿里巴巴、腾讯三家公司的总资本开支达867.21亿元,同比增长119.80%。", "h.txt", "华西证券")
    owners = {x.quantity.text: x.subject for x in bind.claims(c, 0, len(c.text))}
    assert owners == {"867.21亿元": "BAT", "119.80%": "BAT"}
    apart = chunk("阿里巴巴和腾讯的资本开支分别为725亿元和768亿元。")
    assert [x.subject for x in bind.claims(apart, 0, len(apart.text))] == ["阿里巴巴", "腾讯"]


def test_part_of_a_year_is_the_full_year_less_the_rest_when_no_figure_is_stated_for_it():
    full = chunk("- 腾讯资本开支从2020年340亿元增长到2024年768亿元,年均复合增长率(CAGR)约为22.59%。")
    q4 = chunk("腾讯资本开支大幅跃升,其中24Q4资本支出增加十分显著,同比增长386%至366亿元。", "b.txt")
    bat = chunk("2024年前三季度,百度、阿里巴巴、腾讯三家公司的总资本开支达867.21亿元。", "h.txt", "华西证券")
    q = "腾讯2024年前三季度资本开支合计是多少？"
    draft = _compute(q, bat, full, q4)
    assert draft.text.startswith("约402亿元（计算得出：768 − 366 = 402，2024年全年768亿元减去第四季度的366亿元）")
    text, _ = check(draft.text, [bat, full, q4], parse(q))
    assert "未核实" not in text
    stated = chunk("2024年前三季度,腾讯资本开支合计402亿元。", "c.txt")
    assert _compute(q, full, q4, stated) is None  # a figure stated for the part itself is quoted, not recomputed
    assert parse("阿里巴巴2024年（自然年）前三季度资本开支合计是多少？").period == "2024Q1-Q3"


def test_of_several_periods_the_asking_clauses_is_the_asked_one():
    frame = parse("结合华西给的BAT 2024年前三季度资本开支和民生给的全年数据，BAT 2024年四季度资本开支大约多少？")
    assert frame.period == "2024Q4" and frame.answer_type == "figure"
    assert parse("2024年资本开支多少，2025年计划增加到多少？").period == ""  # two asking clauses: both sides asked


def test_a_row_labelled_with_the_subject_answers_the_column_the_question_names():
    text = ("英伟达出口中国GPU系列解析\nGPU型号\t架构\tCUDA核心数\tTensor核心数\t显存(HBM)\t功耗\n"
            "A800\tAmpere\t6912\t432\t40GB HBM2\t400W\nH800\tHopper\t16896\t528\t80GB\t700W\n")
    c = chunk(text)
    from yanbao.qa.evidence import analyze

    row = next(u for u in analyze(c)[2] if u.text.startswith("A800"))
    found = {x.quantity.text: (x.subject, x.metric) for x in bind.claims(c, row.start, row.end, row.header)}
    assert found["6912"] == ("A800", "")  # an unknown model's row is its own; CUDA核心数 is no 功耗
    q = "英伟达对华特供的H800有多少个CUDA核心？"
    draft = _extract(q, c)
    assert "16896" in draft.text and "6912" not in draft.text and not draft.refused


def test_a_price_change_in_a_table_is_the_change_of_its_closing_prices():
    text = ("图:美股AI软硬件公司2025年4月7日以来涨幅\n代码\t公司名称\t收盘价-4月7日\t收盘价-6月13日\t涨跌幅\n"
            "AVGO.O\t博通\t154.14\t248.70\t61%\n")
    c = chunk(text)
    q = "博通从4月7日到6月13日股价涨了多少？"
    from yanbao.qa.evidence import analyze

    row = next(u for u in analyze(c)[2] if u.text.startswith("AVGO"))
    assert "61%" in [x.quantity.text for x in bind.bound_claims(parse(q), c, row.start, row.end, row.header)]


def test_a_pair_is_read_across_a_paragraphs_sentences_and_a_figure_in_a_sides_name_is_no_side():
    c = chunk("以回看20 日为例,在沪深300 成分股中,传统反转因子的5 分组多空对冲年化收益为7.07%,信息比率为0.30;"
              "CPV 因子的5 分组多空对冲年化收益为12.11%,信息比率为1.19。在中证500 成分股中,传统反转因子的5 分组多空对冲"
              "年化收益为7.36%,信息比率为0.43;CPV 因子的5 分组多空对冲年化收益为15.67%,信息比率为1.86。",
              broker="东吴证券", title="高频价量相关性")
    draft = _compute("在中证500成分股中，CPV因子5分组多空对冲年化收益比传统反转因子高多少个百分点？", c)
    assert draft.text.startswith("高约8.31个百分点（计算得出：15.67 − 7.36 = 8.31")
    assert quantities("5 分组")[0].end == 1  # a figure ends where it is written, not after the space
    ff = chunk("比乔斯基低市净率(前20%)组合中选取FScore 高分股票。FScore 策略与低市净率策略的年化收益率分别为31.85%和33.77%。",
               broker="华泰证券")
    draft = _compute("比乔斯基9指标FScore策略的年化收益率比低市净率（前20%）策略低多少个百分点？", ff)
    assert draft.text.startswith("低约1.92个百分点")


def test_another_passage_is_quoted_only_about_the_same_thing_or_holding_what_the_best_lacks():
    q = "24Q3能在本地做推理的AI手机里，苹果占多少份额？"
    local = chunk("而在可以完成本地推理的AI手机中,苹果24年三季度占据约60%的份额,安卓系厂商约占到40%。")
    basic = replace_text(chunk("24年三季度,在具备基础AI功能的手机中,苹果占约42%的份额,安卓系厂商占到约58%的份额。"),
                         "24年三季度,在具备基础AI功能的手机中,苹果占约42%的份额,安卓系厂商占到约58%的份额。")
    draft = _extract(q, local, basic)
    assert "60%" in draft.text and "42%" not in draft.text and draft.used == (0,)  # 基础AI功能 is another market
    q = "在硬件终端场景，豆包调用量增长了几倍？"
    service = chunk("在客服和销售场景,豆包大模型的调用量增长 16 倍,帮助越来越多的企业更好的服务客户扩大销售。")
    device = replace_text(service, "豆包的调用量全面开花。在硬件终端场景豆包增长 13 倍,在 AI 工具场景增长 9 倍。")
    draft = _extract(q, service, device)
    assert "13 倍" in draft.text  # it lacks 调用量 but holds 硬件终端, which the best lacks


def test_how_many_customers_is_one_count_and_other_facts_are_no_conflict():
    q = "博通现在在给几家客户做定制AI芯片？"
    count = chunk("博通在6月的业绩会上表示目前已经与7个客户展开定制化ASIC业务合作,包括谷歌、Meta、OpenAI等客户;")
    demand = chunk("CEO Hock Tan 预计2027年市场对定制款 AI 芯片的需求规模为600亿至900亿美元。", "d.txt", "东吴证券", "从字节大会看算力产业的三个趋势")
    draft = _extract(q, count, demand)
    assert "7个客户" in draft.text and "600亿" not in draft.text and "各报告给出的数字不同" not in draft.text
    assert extractive.compose([Scored(0, 0, len(count.text), count.text, 1.0, 1.0),
                               Scored(1, 0, len(demand.text), demand.text, 0.9, 0.9)], _hits(count, demand), "figure", q
                              ).startswith("· ")  # two reports' different facts are listed, not called a conflict


def test_in_total_narrows_nothing_and_a_close_is_a_price():
    assert parse("2024年7-9月全球虚拟现实/混合现实头显一共卖了多少台？").qualifier == ""  # 一共 is no segment
    q = "1月27日英伟达收盘价是多少？"
    c = chunk("截至1月27日美股收盘,英伟达下跌近17%,收报118.42美元,单日市值蒸发达5890亿美元。", "h.txt", "华西证券")
    assert [t for t, ok in claims_of(parse(q), c) if ok] == ["118.42美元"]


def test_a_difference_takes_the_subjects_figures_from_two_passages_of_one_report():
    q = "24年三季度，苹果在可本地推理的AI手机中的份额比在具备基础AI功能的手机中高多少？"
    basic = chunk("24年三季度,在具备基础AI功能的手机中,苹果占约42%的份额,安卓系厂商占到约58%的份额。", "g.txt", "国金证券", "2025 AI 行业前瞻报告")
    local = replace_text(basic, "而在可以完成本地推理的AI手机中,苹果24年三季度占据约60%的份额,安卓系厂商约占到40%。")
    draft = _compute(q, basic, local)
    assert draft is not None and "60 − 42 = 18" in draft.text and "58" not in draft.text.split("\n")[0]
    assert draft.used == (0, 1)
    alone = _compute(q, basic)  # 安卓系厂商's 58% is never 苹果's share in local-inference phones
    assert alone is None or "58" not in alone.text.split("\n")[0]


def test_the_figure_before_a_change_the_question_states_is_back_calculated():
    c = chunk("从 AI 应用活跃度看,上周聊天助手类应用热度仍在持续上升,ChatGPT 周均日访问量环比上升接近 10%,达到 1.38 亿。",
              "g.txt", "国金证券", "AI 周观察")
    draft = _compute("ChatGPT周均日访问量环比上升接近10%到1.38亿，前一周大约是多少？", c)
    assert draft is not None and draft.text.startswith("约1.25亿（计算得出：1.38 ÷ (1 + 10%) ≈ 1.25")
    assert _compute("ChatGPT周均日访问量是多少？", c) is None  # nothing before a change asked: quoted, not computed


def test_a_whole_is_computed_from_a_part_and_its_share_of_the_asked_subject_and_period():
    c = chunk("从英伟达2025财年收入上看,中国大陆及香港地区销售额为170.1亿美元,占比已达到13.11%。")
    draft = _compute("根据民生给出的中国区收入及占比，英伟达2025财年总收入大约是多少？", c)
    assert draft is not None and draft.text.startswith("约1297亿美元（计算得出：170.1 ÷ 13.11% ≈ 1297")
    assert "[1]" in draft.text and "170.1亿美元" in draft.text
    assert _compute("根据民生给出的中国区收入及占比，英伟达2024财年总收入大约是多少？", c) is None  # another year's
    assert _compute("根据中国区收入及占比，AMD 2025财年总收入大约是多少？", c) is None  # another company's


def test_one_sentence_setting_two_sides_against_each_other_beats_figures_of_another_kind():
    q = "豆包大模型1.6的综合成本比DeepSeek R1低多少元？大约是后者的几分之几？"
    both = chunk("豆包大模型1.6的综合成本(2.6元)比豆包大模型1.5·深度思考模型、DeepSeek R1的综合成本(7元)下降63%。")
    training = chunk("深度求索公司R1模型训练成本仅为560万美元,远远低于美国科技巨头。", "x.txt", "华西证券", "DeepSeek")
    draft = _compute(q, both, training)
    assert draft is not None and draft.text.startswith("低约4.4元（计算得出：7 − 2.6 = 4.4")
    assert "2.6 ÷ 7 ≈ 37.14%" in draft.text and "560万" not in draft.text


def test_the_next_quarters_segment_figure_stated_outright_beats_the_last_quarters_from_its_paragraph():
    q = "国金说博通FY24Q3营收131亿美元；那它对下一季度半导体营收的指引是多少？"
    assert parse(q).qualifier == "半导体"  # of the asking clause, not the stated quarter's 营收
    text = ("回顾上一财季,博通在 FY24Q3 实现营业收入 131 亿美元,同比增长 47%。半导体解决方案部门营收 73 亿美元,AI 产品销售表现亮眼。"
            "展望 Q4,博通指引营收 140 亿美元,同比增长 51%,其中半导体营收 80 亿美元,软件营收 60 亿美元。")
    draft = _extract(q, chunk(text, "g.txt", "国金证券", "AI 周观察"))
    assert "80 亿美元" in draft.text and "73 亿美元" not in draft.text and "131 亿美元" not in draft.text
    last = chunk("回顾上一财季,博通在 FY24Q3 实现营业收入 131 亿美元。半导体解决方案部门营收 73 亿美元,指引营收表现亮眼。", "g.txt", "国金证券", "AI 周观察")
    outlook = replace_text(last, "展望 Q4,博通指引营收 140 亿美元,同比增长 51%,其中半导体营收 80 亿美元,软件营收 60 亿美元。")
    draft = _extract(q, last, outlook)
    assert "80 亿美元" in draft.text and "73 亿美元" not in draft.text  # Q3's segment revenue is not Q4's guidance


def test_a_level_moved_to_is_the_other_periods_and_examples_in_brackets_own_nothing():
    text = ("在中国,人工智能服务器市场正逐步适应新出口管制政策。"
            "据TrendForce预测,这些措施将导致2025年进口芯片(如NVIDIA和AMD产品)的市场份额从2024年的63%下降至约42%。")
    c = chunk(text)
    start = text.index("据")
    q = "TrendForce预计2025年进口芯片在中国AI服务器市场的份额会降到多少？"
    assert [(x.quantity.text, str(x.period)) for x in bind.claims(c, start, len(text))] == [("63%", "2024"), ("42%", "2025")]
    assert [x.quantity.text for x in bind.bound_claims(parse(q), c, start, len(text))] == ["42%"]
    nvidia = parse("英伟达2025年在中国AI服务器市场的份额是多少？")
    assert not bind.bound_claims(nvidia, c, start, len(text))  # imported chips' share, NVIDIA only an example


def test_a_header_far_shorter_than_its_row_names_no_cell():
    header = "年化收益率\t分组1 对冲分组5 绩效指标"
    row = "2019\t27.86%\t23.30%\t3.69%\t2.26%\t1.63\t66.67%\t0.95%"
    assert extractive.cell_for("2019年分组1对冲分组5的年化收益率是多少？", header, row) is None  # not 0.95%
    assert bind.align_heads(["", "2024A", "2025E"], ["营收", "100", "120"]) == ["", "2024A", "2025E"]
    assert bind.align_heads(["2024A", "2025E"], ["营收", "100", "120"]) == ["", "2024A", "2025E"]  # no label column


def test_a_sentence_referring_back_to_a_list_is_quoted_with_the_list():
    text = ("组合中入选的3632 只股票从行业分布来看,入选次数排前五名的行业为1.房地产,2.基础化工,3.交通运输。"
            "所占比例分别为11.07%、10.38%、10.02%。合计占比全部入选的股票的45.40%。")
    draft = _extract("FFScore策略组合入选的股票中，入选次数最多的行业占比多少？", chunk(text, "h.txt", "华泰证券", "FFScore"))
    assert "所占比例分别为11.07%" in draft.text and "1.房地产" in draft.text  # whose 11.07% it is
    assert draft.text.index("房地产") < draft.text.index("11.07%")
    c = chunk(text, "h.txt", "华泰证券", "FFScore")
    a, b = text.index("组合"), text.index("所占")
    names = Scored(0, a, b, text[a:b], 0.4, 0.3)
    shares = Scored(0, b, text.index("合计"), text[b:text.index("合计")], 0.9, 0.6)
    assert extractive._with_antecedents([shares], [shares, names], _hits(c)) == [names, shares]
    assert extractive._with_antecedents([names], [shares, names], _hits(c)) == [names]


def test_a_close_asked_for_a_day_the_table_does_not_hold_is_not_given():
    header = "代码\t公司名称\t收盘价-4月7日\t收盘价-6月13日\t涨跌幅"
    row = "NVDA.O\t英伟达\t97.63\t141.97\t45%"
    c = Chunk(id="t", text=row, file="m.txt", start=0, end=len(row), context=header,
              meta=ReportMeta(file="m.txt", broker="民生证券", title="AI投资的新范式"))
    may = parse("5月1日英伟达收盘价是多少？")
    assert may.on == "5-1" and not bind.bound_claims(may, c, 0, len(row), header)  # neither column is 5月1日's
    assert bind.bound_claims(parse("4月7日英伟达收盘价是多少？"), c, 0, len(row), header)
    assert extractive.missing_fact(may) == "英伟达5月1日的价格"
    assert parse("5月29日英伟达披露的那一季营收是多少？").on == ""  # a quarter's revenue is no figure of a day
    follow = frames.with_followup(parse("6月13日呢？"), parse("4月7日英伟达收盘价是多少？"))
    assert (follow.metric, follow.on) == ("价格", "6-13")


def test_two_holders_the_entity_list_lacks_are_summed_each_from_its_own_clause():
    q = "截至2020年3月19日，莱士中国和科瑞天诚合计持有上海莱士总股本的比例是多少？"
    frame = parse(q)
    assert frames.joined_names(q) == ("莱士中国", "科瑞天诚") and frame.sides == ("莱士中国", "科瑞天诚")
    assert frame.answer_type == "arithmetic"
    assert frames.joined_names("公司营收和利润合计多少？") == ()  # two metrics, no names
    c = chunk("截至2020年3月19日,莱士中国共持有上海莱士股份1,307,674,264股,占上海莱士总股本的26.29%,累计质押所持有的"
              "上海莱士股份1,281,334,800股,占上海莱士总股本的25.76%,截至2020年3月19日,科瑞天诚共持有上海莱士股份"
              "1,545,739,564股,占上海莱士总股本的31.07%。")
    owners = {x.quantity.text: x.subject for x in bind.claims(c, 0, len(c.text), extra=bind.frame_extra(frame))}
    assert (owners["26.29%"], owners["25.76%"], owners["31.07%"]) == ("莱士中国", "莱士中国", "科瑞天诚")
    draft = _compute(q, c)
    assert draft.text.startswith("合计约57.36%（计算得出：26.29 + 31.07 = 57.36）")


def test_a_name_in_brackets_or_a_list_opens_no_clause():
    # BAT(百度、阿里、腾讯)合计…: 百度 opens no clause of its own, the group's total is not 百度's
    c = chunk("- BAT(百度、阿里、腾讯)合计资本开支从2022年687.4亿元到2024年1574.47亿元,在两年内实现了较快增长。")
    got = {x.quantity.text: x.subject for x in bind.claims(c, 0, len(c.text))}
    assert got["1574.47亿元"] == "BAT"


def test_a_reports_publisher_and_date_are_read_off_its_metadata_and_cited_where_printed():
    from yanbao.qa import meta

    report = ReportMeta(file="01.pdf", broker="东吴证券", title="高频价量相关性,意想不到的选股因子", date="2020-02-23")
    cover = chunk("“技术分析拥抱选股因子”系列研究(一)\n2020 年02 月23 日\n证券分析师 高子剑", "01.pdf", "东吴证券", report.title)
    source = chunk("数据来源:Wind 资讯,东吴证券研究所", "01.pdf", "东吴证券", report.title)
    chunks_of = lambda f: [cover, source] if f == "01.pdf" else []
    text, passages = meta.published_answer("东吴证券这篇高频价量相关性选股因子报告的发布日期是哪天？", [report], chunks_of, None)
    assert text.endswith("的发布日期为2020年02月23日[1]。") and passages == [cover]
    text, passages = meta.published_answer("《高频价量相关性,意想不到的选股因子》这篇报告是哪家券商发布的？", [report], chunks_of, None)
    assert text.endswith("出自东吴证券[1]。") and passages == [source]
    assert meta.published_answer("东吴这篇报告讲了什么？", [report], chunks_of, None) is None
    # a report the named one lists (相关研究《…》) is another report: its date is not this one's
    assert meta.published_answer("东吴证券这篇报告列的相关研究《医保数据要素实践和展望》是哪天发的？", [report], chunks_of, None) is None


def test_a_win_rate_of_one_grain_answers_only_for_that_grain():
    c = chunk("日胜率55.02%,周胜率61.57%,月胜率为66.12%。熊市:2015年7月1日到2016年4月30日,策略相对中证500的月胜率为80.00%;")
    assert [x for x, ok in claims_of(parse("选股策略的日胜率是多少？"), c) if ok] == ["55.02%"]
    assert [x for x, ok in claims_of(parse("选股策略的月胜率是多少？"), c) if ok] == ["66.12%", "80.00%"]
    assert [x for x, ok in claims_of(parse("选股策略的胜率是多少？"), c) if ok] == ["55.02%", "61.57%", "66.12%", "80.00%"]


def test_a_clause_about_the_pair_named_before_it_is_the_pairs():
    c = chunk("当前该市场仍被华为和三星两大品牌主导,二者在2023年和2024年的面板采购市场中合计占据了70%的份额。")
    got = {x.quantity.text: x.subject for x in bind.claims(c, 0, len(c.text))}
    assert got["70%"] == "华为、三星"
    assert claims_of(parse("2024年国内折叠屏手机市场华为份额多少？"), c) == [("70%", False)]


def test_a_figure_after_a_name_and_its_kind_is_that_names_even_when_compared():
    c = chunk("B30售价预计在6500美元至8000美元之间,远低于H20芯片的1万至1.2万美元。")
    got = {x.quantity.text: x.subject for x in bind.claims(c, 0, len(c.text))}
    assert got["6500美元"] == "B30" and got["1万"] == "H20"


def test_durations_and_names_written_with_other_spaces():
    assert [(q.value, q.unit) for q in quantities("单次最长可拍60秒视频")] == [(60.0, "秒")]
    frame = parse("Rayban-Meta二代一次最多能录多长的视频？")
    assert (frame.metric, frame.answer_type) == ("时长", "figure")
    assert parse("微软从三哩岛核电站买电的长期协议期限是多久？").metric == "时长"
    assert names_subject("在Ray Ban Meta眼镜的成本拆解中", "Rayban-Meta")
    assert not names_subject("在Ray Ban眼镜中", "Rayban-Meta", ("Rayban-Meta",))


def test_a_duration_in_words_is_the_subjects_when_its_paragraph_is_about_it():
    text = ("OpenAI 在伦敦 C21Media 大会上透露,公司的 Sora 视频生成器即将推出更新版本。OpenAI 的代表在会上表示,"
            "这款新版本将会支持三种视频生成方式,每个视频的时长可达一分钟。")
    c = chunk(text)
    s = text.index("OpenAI 的代表")
    said = Scored(0, s, len(text), text[s:], 1.0, 1.0)
    assert extractive.binds(parse("Sora新版本生成的单个视频最长能有多久？"), said, _hits(c))
    rubin = "2026年下半年,英伟达将推出全新的Vera Rubin NVL144机柜,并且推出全新的CPU,NVLink6.0以及HBM4.0。"
    assert not extractive.binds(parse("英伟达Rubin GPU单卡配备多少GB的HBM4？"),
                                Scored(0, 0, len(rubin), rubin, 1.0, 1.0), _hits(chunk(rubin)))  # 下半年 is no duration


def test_two_statements_of_a_range_agree_only_when_both_ends_do():
    row = chunk("参数\tB30\tH20\n单卡售价\t6500-8000美元 (降价40%-50% vs H20)\t1.2万-1.5万美元 (2024年预订价)", "m.txt")
    text = "B30售价预计在6500美元至8000美元之间,远低于H20芯片的1万至1.2万美元。"
    assert compute.range_around(text, quantities(text)[-1])[:2] == (10000.0, 12000.0)
    draft = _compute("民生报告中英伟达H20的单卡价格前后说法一致吗？", row, chunk(text, "m.txt"))
    assert draft.text.startswith("结论：不一致。一处为1.2万-1.5万美元，另一处为1万至1.2万美元")


def test_a_second_header_row_naming_each_makers_product_heads_the_columns():
    from yanbao.qa.evidence import products_of

    assert products_of("厂商\t谷歌\t亚马逊", "加速卡\tTPUv6e\tTrainium2") == "厂商 加速卡\t谷歌 TPUv6e\t亚马逊 Trainium2"
    assert products_of("参数\tB30\tH20", "架构\tBlackwell (台积电4N工艺)\tHopper") == ""  # a row of that table
    text = "厂商\t谷歌\t亚马逊\n加速卡\tTPUv6e\tTrainium2\nBF16算力 (TFLOPs)\t918\t650\n互联带宽 (GB/s)\t3584\t640"
    draft = _compute("谷歌TPUv6e的互联带宽是亚马逊Trainium2的几倍？", chunk(text))
    assert "3584 ÷ 640 ≈ 5.6" in draft.text


def test_another_passage_is_quoted_beside_the_best_only_when_it_holds_more_of_the_question_than_it_lacks():
    q = "在硬件终端场景，豆包调用量增长了几倍？"
    weights = {"硬件": 1.8, "终端": 2.5, "场景": 2.1, "豆包": 2.8, "调用": 4.0, "量": 5.0, "增长": 1.6, "几倍": 6.9}
    query = make_query(q, [], lambda t: weights.get(t, 1.0))
    frame = parse(q)
    best_text = "在客服和销售场景,豆包大模型的调用量增长 16 倍。"
    best = Scored(0, 0, len(best_text), best_text, 0.86, 0.66)
    held = lambda t: frozenset(x for x in query.terms if x in t)  # noqa: E731
    need = extractive.needed_terms(query, frame, best)
    # 硬件终端 outweighs 调用 (量, one character, counts on neither side): the sentence that answers is kept
    assert extractive._holds_more(query, frame, best, held("在硬件终端场景豆包增长 13 倍。"), need)
    # another scene's figure holds nothing the best lacks but a word of little weight: not quoted beside it
    assert not extractive._holds_more(query, frame, best, held("比如信息处理场景,最近三个月豆包增长 39 倍。"), need)


def test_a_product_launched_by_its_maker_and_a_cell_in_its_labels_unit():
    c = chunk("谷歌2024年推出的TPUv6e单卡BF16算力达到918TFLOPs,互联带宽则达到3584GB/s。")
    frame = parse("谷歌TPUv6e的互联带宽是多少？")
    got = {x.quantity.text: x.subject for x in bind.claims(c, 0, len(c.text), extra=bind.frame_extra(frame))}
    assert got["3584GB/s"] == "TPUv6e"
    table = "厂商\t谷歌\t亚马逊\n互联带宽 (GB/s)\t3584\t640\n互联数量\t2~8\t16~64"
    t = chunk(table)
    row = table.index("互联带宽")
    cells = {x.quantity.text: (x.quantity.value, x.quantity.unit) for x in bind.claims(t, row, table.index("\n", row), "厂商\t谷歌\t亚马逊")}
    assert cells["640"] == (640.0, "GB/s")
    assert names_subject("Meta 与 Rayban 联名推出的眼镜", "Rayban-Meta")


def test_two_products_asked_each_get_their_own_figure_and_both_are_verified():
    q = "谷歌TPUv6e和亚马逊Trainium2的互联带宽各是多少？"
    assert parse(q).sides == ("TPUv6e", "Trainium2")
    sentence = chunk("从加速看产品性能来看:谷歌2024年推出的TPUv6e单卡BF16算力达到918TFLOPs,互联带宽则达到3584GB/s。")
    table = chunk("厂商\t谷歌\t亚马逊\n加速卡\tTPUv6e\tTrainium2\n互联带宽 (GB/s)\t3584\t640\n互联数量\t2~8\t16~64")
    draft = _compute(q, sentence, table)
    assert draft.text.startswith("TPUv6e为3584GB/s[1]；Trainium2为640[2]。")
    text, _ = check(draft.text.splitlines()[0], [sentence, table], parse(q))
    assert "未核实" not in text  # TPUv6e, no entity, is read as the asked name in the passages too


def test_a_sentence_naming_only_the_subject_and_its_maker_states_its_one_figure_outright():
    text = "从具体产品看,Meta 与 Rayban 联名推出的眼镜在 2024 年 4 月开放 Meta AI 功能已经有放量的趋势,到 2024 年 Q2 有约 80 万的出货量。"
    frame = parse("国金前瞻报告说，截至2024年第二季度，Meta雷朋眼镜出了多少货？")
    s = Scored(0, 0, len(text), text, 1.0, 1.0)
    assert extractive._outright(frame, s, _hits(chunk(text)))
    listed = "博通在 FY24Q3 实现营业收入 131 亿美元,同比增长 47%,运营利润 79 亿美元,同比增长 44%。"
    growth = parse("博通FY24Q3的定制芯片业务收入同比增长了几倍？")
    # two growth rates of the topic's results: which one is asked is not outright
    assert not extractive._outright(growth, Scored(0, 0, len(listed), listed, 1.0, 1.0), _hits(chunk(listed)))


def test_a_cut_and_what_is_left_agree_when_they_add_up_to_a_whole():
    c = chunk("豆包视觉理解模型定价是每千 tokens 0.03 元, 比行业的平均价格降低 85%。\n图2: 字节视觉模型成本仅行业价格的 15%", "d.txt")
    draft = _compute("东吴周报中“比行业平均价格降低85%”和“成本仅行业价格的15%”两种说法一致吗？", c)
    assert draft.text.startswith("结论：一致。降低85%即为原来的15%（计算得出：100% − 85% = 15%）")
    draft = _compute("东吴周报中“比行业平均价格降低85%”和“成本仅行业价格的20%”两种说法一致吗？", c)
    assert draft is None or not draft.text.startswith("结论：一致")  # no passage states 20%: nothing to set against


def test_the_share_of_a_part_stated_after_qi_zhong_is_computed():
    c = chunk("根据壹零社,2025年,字节跳动的资本开支将增至1600亿元,其中900亿元用于算力采购,700亿元用于IDC基建及网络设备。", "h.txt")
    draft = _compute("字节跳动2025年资本开支中用于算力采购的部分占比多少？", c)
    assert draft.text.startswith("约56.25%（计算得出：900 ÷ 1600 ≈ 56.25%")
    assert _compute("字节跳动2025年资本开支中用于人才招聘的部分占比多少？", c) is None  # no such part stated


def test_a_row_of_the_asked_metric_answers_for_the_product_its_column_names_and_no_other():
    assert [(q.text, q.unit) for q in quantities("重量\t600-650g\t119g\t48.6g")][1:] == [("650g", "g"), ("119g", "g"), ("48.6g", "g")]
    assert quantities("5G手机和16G内存") == []  # a network generation and a memory size, never grams
    text = ("表:apple vision pro、雷鸟X2、Xreal Air2产品对比\n代表产品\tApple Vision pro\t雷鸟X2\tXREAL Air2\n"
            "重量\t600-650g\t119g\t72g\n价格\t3499美元起\t4999元\t2599元")
    c = chunk(text)
    q = "雷鸟X2 AR眼镜有多重？"
    draft = _extract(q, c, threshold=0.5)
    assert not draft.refused and "119g" in draft.text
    checked, _ = check(draft.text, [c], parse(q))
    assert "未核实" not in checked  # X2, no entity of its own, is read as the asked name in the quoted row's note
    nvl = chunk("标准\t单位\tNvidia GB200 NVL72\tCloudMatrix CM384\n系统总功耗\tW\t145000\t559378")
    row = nvl.text.split("\n")[1]
    s = Scored(0, nvl.text.index(row), len(nvl.text), row, 1.0, 1.0, nvl.text.split("\n")[0])
    asked = "英伟达GB300 NVL72单机柜功耗是多少？"
    assert not extractive._row_answers(make_query(asked, [], lambda t: 1.0), parse(asked), s)  # GB200's column


def test_a_chunk_that_starts_inside_a_table_reads_its_first_row_under_the_contexts_header():
    from yanbao.qa.evidence import row_header

    c = replace(chunk("接口\tRGMII、RMII\tPCIe 3.0\tPCIe 3.0\n功耗\t10W\t-\t40W"),
                context="性能\tDeepEdge 10\tDeepEdge 10 C\tDeepEdge 10 Max")
    assert row_header(c, 0) == "性能\tDeepEdge 10\tDeepEdge 10 C\tDeepEdge 10 Max"  # not a header of its own
    assert row_header(c, c.text.index("功耗")) == c.context


def test_a_chinese_unit_before_a_name_is_read_and_a_year_before_its_quarter_is_no_figure():
    assert [(q.text, q.unit) for q in quantities("每台Trainium2服务器整合了16颗Trainium2芯片")] == [("16颗", "颗")]
    assert [(q.text, q.unit) for q in quantities("完整训练成本仅为 2.788M GPU 小时")] == [("2.788M GPU 小时", "小时")]
    assert [q.text for q in quantities("较24年Q1 -0.08亿美元,25年一季度")] == ["0.08亿美元"]
    assert [q.text for q in quantities("协议期限为20年")] == ["20年"]
    assert [q.text for q in quantities("24 年 9 月,宣布了一项为期 20 年的购电协议")] == ["20 年"]  # 24 年 9 月 is a month


def test_two_brokers_agree_when_one_states_the_others_amount_in_a_sentence_as_much_about_the_question():
    gj = chunk("此外,Trainium2-Ultra 的最大扩展规模为 64 颗芯片,而 TPU 的最大规模为 256 颗芯片。", "a.txt", "国金证券", "AI 周观察")
    ms = chunk("每台Trainium2服务器整合了16颗Trainium2芯片,具备20.8 PFLOPS的算力。"
               "- 2) 64卡服务器:Trainium2 Ultra机架方案集成 64颗Trainium2芯片,将4台Trn2服务器连接成1台巨型服务器。", "b.txt", "民生证券")
    q = "国金和民生给出的Trainium2最大扩展芯片数一致吗？"
    draft = _compare(q, gj, ms)
    assert draft.text.startswith("结论：一致。") and "64颗" in draft.text.splitlines()[0]
    # a count before a measure describes it: 16颗 does not cut the server's words off its 20.8 PFLOPS
    draft = _compute("Trainium2 Ultra 64卡机架的FP8峰值算力是16卡Trainium2服务器的几倍？", chunk(
        "- 2) 64卡服务器:Trainium2 Ultra机架方案集成 64颗Trainium2芯片,将4台Trn2服务器连接成1台巨型服务器,"
        "可提供相比当前EC2 AI服务器多达5倍的算力和10倍的内存,FP8峰值算力可达83.2PFLOPS。"), chunk(
        "每台Trainium2服务器整合了16颗Trainium2芯片,具备20.8 PFLOPS的算力,适合数十亿参数大语言模型的训练与部署;"))
    assert draft is not None and "83.2 ÷ 20.8 ≈ 4" in draft.text


def test_a_sides_figure_in_the_unit_the_question_names_is_the_one_compared():
    hx = chunk("加上 119K GPU 小时的上下文长度扩展和 5K GPU 小时的后训练,DeepSeek-V3 的完整训练成本仅为 2.788M GPU 小时。",
               "a.txt", "华西证券", "DeepSeek")
    ms = chunk("得益于技术路线优化,DeepSeek-V3仅使用2048块NVIDIA H800 GPU,累计训练278.8万个小时,耗费557.6万美元。", "b.txt")
    draft = _compare("民生和华西给出的DeepSeek-V3完整训练GPU小时数一致吗？", hx, ms)
    assert draft.text.startswith("结论：一致。") and "278.8万个小时" in draft.text.splitlines()[0]


def test_a_cell_naming_its_own_metric_beside_its_figure_is_that_metrics():
    table = "昇腾910B\t英伟达B200\n内存支持\t64GBHBM内存,400GB/s内存带宽\t192GB内存,达到了8TB/s内存带宽"
    row = table.split("\n")[1]
    found = {c.quantity.text: (c.subject, c.metric) for c in bind.claims(chunk(table), table.index(row), len(table), table.split("\n")[0])}
    assert found["8TB/s"] == ("B200", "带宽") and found["192GB"] == ("B200", "容量")
    gj = chunk("在 AMD 的路线图中,MI355X 将采用 HBM3E,存储容量将达到 288GB,带宽将达到和 B200 相同的 8TB/s,"
               "而存储容量将显著高于 B200 的 192GB。英伟达 B200 芯片将两个芯片通过 NV-HBI 技术连接在一起, 提供高达 10TB/s 的带宽。",
               "a.txt", "国金证券", "2025 AI 行业前瞻报告")
    draft = _compare("国金和民生给出的英伟达B200内存带宽一致吗？", gj, chunk(table, "b.txt"))
    assert draft.text.startswith("结论：一致。") and "8TB/s" in draft.text.splitlines()[0]


def test_a_known_models_name_continued_by_hyphened_words_is_a_model_of_its_own():
    f = parse("蒸馏小模型DeepSeek-R1-Distill-Qwen-7B在AIME 2024上的成绩一样吗？")
    assert (f.subject, f.subjects) == ("DeepSeek-R1-Distill-Qwen-7B", ("DeepSeek-R1-Distill-Qwen-7B",))
    assert parse("H100-H800的价格是多少？").subject == "H100"  # two names, no variant
    assert parse("DeepSeek-V3的训练成本是多少？").subject == "DeepSeek-V3"
    assert quantities("使用 2024 年 12 月所发布的基座") == []  # a date part, spaces or none


def test_a_distilled_models_row_is_its_own_and_agrees_with_a_sentence_stating_its_score():
    head = "\tAIME 2024 pass@1\tAIME 2024 cons@64\tMATH- 500 pass@1\tCodeForces rating"
    row = "DeepSeek-R1-Distill-Qwen-7B\t55.5\t83.3\t92.8\t1189.0"
    ms = chunk(head + "\n" + row, "b.txt")
    f = parse("DeepSeek-R1-Distill-Qwen-7B在AIME 2024上的成绩是多少？")
    # AIME 2024 pass@1 heads a benchmark of a year, not a model: the row's cells are the distilled model's
    assert {c.quantity.text: c.subject for c in bind.claims(ms, len(head) + 1, len(ms.text), head, bind.frame_extra(f))}["55.5"] \
        == "DeepSeek-R1-Distill-Qwen-7B"
    hx = chunk("DeepSeek-R1-Distill-Qwen-7B在AIME 2024上得分55.5%,超过QwQ-32B-Preview(参考P6)。", "a.txt", "华西证券", "DeepSeek")
    draft = _compare("蒸馏小模型DeepSeek-R1-Distill-Qwen-7B在AIME 2024上的成绩，华西正文和民生表格给的数一样吗？", hx, ms)
    assert draft.text.startswith("结论：一致。") and "55.5%与55.5" in draft.text.splitlines()[0]


def test_quoted_rows_as_the_passage_has_them_are_verified_whatever_columns_their_cells_fall_under():
    text = ("Doubao-1.5-pro\tLlama3.1-405B\tGPT4o-0806\nInstruction Following\tIFEval\t89.5\t86.0\t86.7\n"
            "Chinese\tC-Eval\t91.8\t72.7\t76.0")
    c = chunk(text)
    answer = ("民生证券《AI投资的新范式》：（表头：Doubao-1.5-pro | Llama3.1-405B | GPT4o-0806）Instruction Following | IFEval | "
              "89.5 | 86.0 | 86.7[1]；C-Eval | 91.8 | 72.7 | 76.0[1]。")
    checked, _ = check(answer, [c], parse("字节的Doubao-1.5-pro在C-Eval上得分多少？"))
    assert "未核实" not in checked
    sided = "· DeepSeek-R1-0528、o3、Doubao：" + answer  # a side line's names, however long, are its label
    assert "未核实" not in check(sided, [c], parse("字节的Doubao-1.5-pro在C-Eval上得分多少？"))[0]
    forged = answer.replace("72.7", "77.7")
    assert "未核实" in check(forged, [c], parse("字节的Doubao-1.5-pro在C-Eval上得分多少？"))[0]


def test_two_models_rows_are_read_in_the_column_the_question_names_and_their_gap_as_precisely_as_written():
    head = "\tAIME 2024 pass@1\tAIME 2024 cons@64\tMATH- 500 pass@1\tCodeForces rating"
    rows = ["GPT-4o-0513\t9.3\t13.4\t74.6\t759.0", "o1-mini\t63.6\t80.0\t90.0\t1820.0", "QwQ-32B\t44.0\t60.0\t90.6\t1316.0",
            "DeepSeek-R1-Distill-Qwen-32B\t72.6\t83.3\t94.3\t1691.0"]
    draft = _compute("民生的蒸馏模型表里，DeepSeek-R1-Distill-Qwen-32B在AIME 2024 pass@1上比o1-mini高多少？",
                     chunk("Deepseek蒸馏小模型能力突出\n" + head + "\n" + "\n".join(rows)))
    assert draft is not None and "72.6 − 63.6 = 9.0" in draft.text and "相差约9.0" in draft.text


def test_a_variant_is_read_under_its_full_name_and_each_broker_keeps_the_subject_the_question_gives_it():
    assert frames.variant_names("R1-Lite-Preview") == ("R1-Lite-Preview", "DeepSeek-R1-Lite-Preview")
    gj = chunk("\tDeepSeek-R1-Lite-Preview\tOpenAI o1-preview\tGPT-4o\nCodeforces (Rating) 世界级编程竞赛\t1450\t1428\t759",
               "a.txt", "国金证券", "2025 AI 行业前瞻报告")
    hx = chunk("在代码领域,R1在Codeforces评测中达到了2441分的水平,高于96.3%的人类参与者。", "b.txt", "华西证券", "DeepSeek")
    draft = _compare("国金前瞻报告中R1-Lite-Preview和华西报告中R1的Codeforces成绩分别是多少？", gj, hx)
    assert draft.text.startswith("R1-Lite-Preview为1450[1]；DeepSeek-R1为2441[2]")  # 1450 is not R1's
    draft = _compare("国金报告中R1-Lite-Preview和华西报告中R1的Codeforces成绩一致吗？", gj, hx)
    assert "1450" in draft.text.splitlines()[0] and "2441" in draft.text.splitlines()[0] and "不一致" in draft.text


def test_a_guidance_set_against_an_actual_quarter_is_a_computed_change_marked_as_guidance():
    q = "博通FY24Q4营收指引比FY24Q3实际营收环比增长多少？"
    f = parse(q)
    assert f.answer_type == "arithmetic" and f.sides == ("FY2024Q4", "FY2024Q3") and f.actual
    a = chunk("回顾上一财季,博通在 FY24Q3 实现营业收入 131 亿美元,同比增长 47%。展望 FY24Q4,博通指引营收 140 亿美元,同比增长 51%。",
              "a.txt", "国金证券", "AI 周观察")
    draft = _compute(q, a)
    head = draft.text.splitlines()[0]
    assert "指引：140亿美元" in head and "增长约9亿美元" in head and "140 − 131 = 9" in head
    assert "未核实" not in check(draft.text, [a], f)[0]
    assert parse("2024年营收同比增长多少？").answer_type == "figure"  # one period: the stated growth


def test_parts_the_question_lists_are_summed_and_set_against_the_whole_it_names():
    c = chunk("IDC数据显示, 2024上半年中国智算服务整体市场同比增长79.6%,市场规模达到146.1亿元人民币。其中,智算集成服务市场同比增长168.4%,"
              "市场规模达57.0亿元人民币;GenAI IaaS市场同比增长203.6%,市场规模达52.0亿元人民币;Non-GenAI IaaS市场同比缩减13.7%,"
              "市场规模达37.1亿元人民币。", "a.txt", "华西证券", "DeepSeek")
    q = "IDC数据中，2024上半年中国智算集成服务、GenAI IaaS和Non-GenAI IaaS三块规模加起来与整体智算服务市场规模一致吗？"
    draft = _compute(q, c)
    head = draft.text.splitlines()[0]
    assert head.startswith("结论：一致。") and "57 + 52 + 37.1 = 146.1" in head  # GenAI IaaS is not Non-GenAI IaaS's 37.1
    assert "未核实" not in check(draft.text, [c], parse(q))[0]
    b = chunk("回顾上一财季,博通在 FY24Q3 实现营业收入 131 亿美元,同比增长 47%。基础设施软件部门营收 58 亿美元,同比增长 200%。"
              "半导体解决方案部门营收 73 亿美元,AI 产品销售表现亮眼。", "b.txt", "国金证券", "AI 周观察")
    head = _compute("博通FY24Q3的半导体和基础设施软件两个部门营收加起来，与公司总营收对得上吗？", b).text.splitlines()[0]
    assert head.startswith("结论：一致。") and "73 + 58 = 131" in head


def test_each_brokers_figure_is_given_in_the_questions_order_with_its_forecast_said_so():
    gj = chunk("展望 Q4,博通指引营收 140 亿美元,同比增长 51%。全年 AI 收入预计 120 亿美元,高于此前指引。", "a.txt", "国金证券", "AI 周观察")
    dw = chunk("博通2024财年同创新高的半导体业务收入中来自 AI 收入的 122 亿美元。", "b.txt", "东吴证券", "从字节大会看算力产业的三个趋势")
    q = "国金周观察里博通对2024财年AI收入的预期，和东吴周报里披露的实际AI收入，各是多少？"
    assert parse(q, [dw.meta, gj.meta]).sides == ("国金", "东吴")
    draft = _compare(q, gj, dw)
    assert draft.text.startswith("国金（预计）为120亿美元[1]；东吴为122亿美元[2]。")
    assert "未核实" not in check(draft.text, [gj, dw], parse(q, [gj.meta, dw.meta]))[0]


def test_a_row_of_mostly_words_under_a_header_is_a_row_and_a_kind_is_no_size():
    from yanbao.qa.evidence import row_header

    head = "GPU型号\t架构\tCUDA核心数\tTensor核心数\t显存(HBM)\t带宽\tNVLink\t功耗\t主要用途"
    c = replace(chunk("H800\tHopper\t16896\t528\t80GB\t3.35TB/s\tNVLink 400GB/s\t700W\t中国市场AI训练\n"
                      "H20\tHopper (阉割)\t未知\t未知\t96GB\t受限 4.0TB/s\tNVLink 900GB/s\t400W\t中国市场中等规模训练&推理"), context=head)
    assert row_header(c, c.text.index("H20")) == head  # 96GB and 400W make it a row, not a header of its own
    kinds = chunk("参数\tB30\tH20\n显存类型\tGDDR7\tHBM3 (部分版本为141GB HBM3e)")
    row = kinds.text.split("\n")[1]
    s = Scored(0, kinds.text.index(row), len(kinds.text), row, 1.0, 1.0, "参数\tB30\tH20")
    q = "英伟达中国特供版H20的显存多大？"
    assert not extractive._row_answers(make_query(q, [], lambda t: 1.0), parse(q), s)  # the memory's kind, not its size


def test_a_product_after_its_makers_name_is_the_subject_and_its_watts_are_a_figure():
    from yanbao.qa.text import FIGURE_IN_TEXT

    f = parse("云天励飞DeepEdge 10 Max的功耗是多少？")
    assert (f.subject, f.metric) == ("DeepEdge 10 Max", "功耗")
    assert parse("云天励飞2025年Q1营收多少？").subject == "云天励飞"
    assert FIGURE_IN_TEXT.search("功耗\t10W\t-\t40W") and FIGURE_IN_TEXT.search("重量 48.6g")
    c = replace(chunk("接口\tRGMII、RMII\tPCIe 3.0\tPCIe 3.0\n功耗\t10W\t-\t40W\n封装\tFCBGA 封装: 23nm * 23nm\tFCCSP 封装\tFCBGA 封装"),
                context="性能\tDeepEdge 10\tDeepEdge 10 C\tDeepEdge 10 Max")
    draft = _extract("云天励飞DeepEdge 10 Max的功耗是多少？", c, threshold=0.5)
    assert "（DeepEdge 10 Max：功耗 40W）" in draft.text



def test_an_average_per_item_is_computed_from_a_total_and_its_count_in_one_place():
    c = chunk("亚马逊\t2024 年 10 月\t签署协议,待建\t弗吉尼亚州北安娜核电站\t5 亿美元合作开发 SMR 小型核反应堆项目,累计 300MW\n"
              "亚马逊\t2024 年 10 月\t签署协议,待建\t华盛顿州\t由亚马逊投资的 X-energy 开发 4 个 SMR 小型核反应堆项目,累计 960MW", "a.txt", "国金证券")
    q = "亚马逊投资的X-energy在华盛顿州的小型核反应堆，平均每个容量约多大？"
    draft = _compute(q, c)
    assert draft.text.startswith("平均每个约240MW（计算得出：960 ÷ 4 = 240；960MW共4个）")
    assert "未核实" not in check(draft.text, [c], parse(q))[0]


def test_a_part_asked_as_its_share_of_a_whole_asks_the_share():
    assert parse("Ray-Ban Meta眼镜里SoC占整机硬件成本多少？").metric == "市占率"
    assert parse("Ray-Ban Meta眼镜的硬件成本是多少？").metric == "物料成本"
    c = chunk("根据Wellsenn XR数据,在Ray Ban Meta眼镜的成本拆解中,SoC处理器是占比最大的单一硬件结构,占比约34%。"
              "- Rayban-Meta成本:根据维深 wellsenn XR拆解,总BOM成本约164美元,核心硬件成本达75美元,合计占比约45.73%"
              "(包括SoC成本55美元、ROM+RAM成本11美元、摄像头成本9美元)")
    draft = _extract("Ray-Ban Meta眼镜里SoC占整机硬件成本多少？", c, threshold=0.3)
    assert "34%" in draft.text.split("。")[0]


def test_a_market_total_or_an_unknown_products_figure_is_not_the_subjects():
    # 全球 AI 笔电 is every maker's total, not 英特尔's; the 720 万台 said of 英特尔核 is
    c = chunk("24 年三季度,全球 AI 笔电销量达到约 1400 万台,同比增长 105%。其中英特尔核 AI 笔电销量约为 720 万台,占比约 50%。",
              "001.txt", "国金证券", "2025 AI 行业前瞻报告")
    ok = [x for x, b in claims_of(parse("2024年三季度用英特尔处理器的AI笔记本电脑卖了多少台？"), c) if b]
    assert "1400 万台" not in ok and "720 万台" in ok
    # Pico 4 is no name the entity list knows, but its clause says the 7.5 万台 is its own, not Vision Pro's before it
    c = chunk("苹果 Vision Pro 销量约为 9.6 万台, 占比约为 6%; Pico 4 系列销量总计约为 7.5 万台, 占比约为 5%。",
              "000.txt", "国金证券", "AI 周观察")
    ok = [x for x, b in claims_of(parse("2024年第三季度苹果头显卖了多少台？"), c) if b]
    assert "9.6 万台" in ok and "7.5 万台" not in ok


def test_a_timelines_line_dates_the_model_it_names_and_no_other_of_its_family():
    janus = parse("DeepSeek多模态模型Janus-Pro是哪天发布的？")
    assert janus.subject == "Janus-Pro"  # a hyphened model named after its maker and its kind
    v3 = parse("DeepSeek-V3是什么时候开源发布的？")
    timeline = "20241017:DeepSeek-Janus\n20241213:DeepSeek-VL2\n20241226:DeepSeek-V3\n20250127:DeepSeek-Janus-Pro"
    c = chunk(timeline, "003.txt", "华西证券", None)
    dated = lambda f: [line for line in timeline.split("\n") if bind.date_bound(
        f, c, timeline.index(line), timeline.index(line) + len(line))]
    assert dated(janus) == ["20250127:DeepSeek-Janus-Pro"] and dated(v3) == ["20241226:DeepSeek-V3"]
    assert bind.dated_entry(v3, "20241226:DeepSeek-V3") and not bind.dated_entry(v3, "20241213:DeepSeek-VL2")
    # DeepSeek LLM is a model of DeepSeek's, not the day DeepSeek was founded
    assert not bind.dated_entry(parse("深度求索（DeepSeek）公司成立于哪一天？"), "20240105:DeepSeek LLM")


def test_a_list_question_is_answered_by_the_list_under_the_word_it_asks_with():
    q = "东吴认为受益于大厂算力资本支出增加的标的有哪些？"
    assert extractive._enumerates(q, "相关标的:国内大厂算力资本开支增加:润泽科技、欧陆通、亚康股份、光迅科技等。")
    assert not extractive._enumerates(q, "公司 2024 年的资本开支将达到 800 亿人民币, 而 BAT 三家公司总开支才约 1000 亿人民币。")
    # a list headed by what the question names, its line's 受益标的 said before the chunk began
    assert extractive._enumerates("华西列出的算力云受益标的有哪些？", "寒武纪、中科曙光;算力云:金山云、品高股份、优刻得、青云科技等。")
    assert not extractive._enumerates("华西列出的算力云受益标的有哪些？", "寒武纪、中科曙光;AI终端:乐鑫科技。")
    assert not extractive._enumerates("哪些公司受益？", "公司:甲、乙、丙。")  # too common a word to place the list


def test_a_scene_the_question_names_is_one_the_passage_must_say():
    f = parse("在硬件终端场景，豆包调用量增长了几倍？")
    assert "硬件终端" in f.marks
    c = chunk("在客服和销售场景,豆包大模型的调用量增长 16 倍。在硬件终端场景豆包增长 13 倍,在 AI 工具场景增长 9 倍。",
              "004.txt", "东吴证券", "从字节大会看算力产业的三个趋势")
    sentences = c.text.split("。")[:2]
    bound_in = lambda s: [x.quantity.text for x in bind.bound_claims(f, c, c.text.index(s), c.text.index(s) + len(s))]
    assert bound_in(sentences[0]) == [] and "13 倍" in bound_in(sentences[1])
    assert frames.scene_of("英伟达在数据中心业务的收入是多少？") == ("数据中心",)
    assert frames.scene_of("豆包调用量增长了几倍？") == ()


def test_a_forecast_attributed_to_a_research_house_is_one_its_passage_attributes_to_it():
    assert frames.forecaster_of("大摩预计2027年AI ASIC市场能有多大？") == ("摩根士丹利",)
    assert frames.forecaster_of("按TrendForce数据，2024年进口芯片的份额是多少？") == ("TrendForce",)
    assert frames.forecaster_of("2027年AI ASIC市场能有多大？") == ()
    f = parse("大摩预计2027年AI ASIC市场能有多大？")
    assert bind.marks_agree(f, "摩根士丹利预计,AI ASIC市场规模将从2024年的120亿美元增长至2027年的300亿美元")
    assert not bind.marks_agree(f, "CEO Hock Tan 预计2027年市场对定制款 AI 芯片的需求规模为600亿至900亿美元")


def test_comparable_companies_figures_are_theirs_not_the_issuers():
    c = chunk("2023年,公司实现营业收入98,765.43万元。同行业可比公司中,中科芯微2023年营业收入为123,456.78万元。",
              "p.pdf", "示例证券", "华芯微电子股份有限公司")
    ok = [x for x, b in claims_of(parse("2023年营业收入是多少？"), c) if b]
    assert "98,765.43万元" in ok and "123,456.78万元" not in ok
    peers = "同行业可比公司机器设备成新率:中科芯微58.10%、芯原微电72.40%。"
    c = chunk(peers, "p.pdf", "示例证券", "华芯微电子股份有限公司")
    assert bind.peers_only(parse("华芯微电子的机器设备成新率是多少？"), c, 0, len(peers))
    assert not bind.peers_only(parse("可比公司的机器设备成新率是多少？"), c, 0, len(peers))  # asked of the peers
