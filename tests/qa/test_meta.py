"""Questions about a report itself answered from its own cover and 风险提示 (qa.meta): the risks it lists
and the kind of report it is, in the shapes real broker reports print them."""

from __future__ import annotations

from yanbao.qa import meta
from yanbao.types import Chunk, ReportMeta


def chunk(text: str, file: str = "r.txt") -> Chunk:
    return Chunk(id=f"{file}:{hash(text)}", text=text, file=file, start=0, end=len(text),
                 meta=ReportMeta(file=file, broker="东吴证券", title="从字节大会看算力产业的三个趋势"))


def test_risks_listed_under_a_heading_a_line_each():
    assert meta.risk_items("风险提示\n- 芯片制程发展与良率不及预期\n- 中美科技领域政策恶化\n- AI 硬件销量不及预期\n内容目录") == [
        "芯片制程发展与良率不及预期", "中美科技领域政策恶化", "AI 硬件销量不及预期"]
    # a closing section explains each risk after its label: the label is the risk
    text = "5. 风险提示\n市场竞争加剧:近两年来,AI产业竞争者逐渐增多,若竞争加剧可能会造成产品同质化严重;\n产品研发不及预期:AI属于技术密集型产业。"
    assert meta.risk_items(text) == ["市场竞争加剧", "产品研发不及预期"]
    # a paragraph of prose is one risk, quoted whole
    prose = "风险提示\n本篇报告中的测试结果均基于模型与历史数据。历史数据存在不被重复验证的可能,模型存在过拟合的风险。"
    assert meta.risk_items(prose) == [prose.split("\n")[1]]


def test_risks_listed_inline_end_at_the_sentence_or_at_page_noise_run_into_them():
    assert meta.risk_items("- 风险提示: AI 技术发展不及预期;海外制裁加剧。\n行业走势") == ["AI 技术发展不及预期", "海外制裁加剧"]
    # a text without line breaks: the chart's axis and the next heading follow the last risk
    assert meta.risk_items("维持“买入”评级。风险提示:药品研发的风险;市场容量不及预期的风险;仿制药大幅降价风险-40%-20%0%华东医药沪深300") == [
        "药品研发的风险", "市场容量不及预期的风险", "仿制药大幅降价风险"]
    assert meta.risk_items("风险提示:下游需求不及预期、晶圆厂扩产不及预期、新产品研发进展不及预期海外算力:推理需求高增下的ROI闭环") == [
        "下游需求不及预期", "晶圆厂扩产不及预期", "新产品研发进展不及预期"]
    assert meta.risk_items("风险提示:销售不及预期风险,研发不及预期风险,提价不及预期风险等。") == [
        "销售不及预期风险", "研发不及预期风险", "提价不及预期风险等"]


def test_a_table_of_contents_a_bare_mention_or_a_forms_template_lists_no_risks():
    assert meta.risk_items("4. 投资建议\t6\n5. 风险提示\t6") == []
    assert meta.risk_items("风险提示.....................198") == []
    assert meta.risk_items("盈利预测及风险提示。按照增发前股本,预计公司2019年每股收益为0.12元") == []
    assert meta.risk_items("采浆量急剧下降风险提示:若缺少风险提示,则无法提交。(请在该控件中填写)") == []
    assert meta.risk_items("风险提示:对引用的数据信息、基本假设、估值方法等影响证券估值评级的风险因素作充分说明") == []
    assert meta.risk_items("投资建议\n风险提示\n01 海外算力:推理需求高增下的ROI闭环\n1.1 算力产业的新变化") == []


def test_a_named_reports_risks_are_answered_from_its_first_list_and_cited_there():
    report = ReportMeta(file="004.txt", broker="东吴证券", title="从字节大会看算力产业的三个趋势")
    toc, summary = chunk("4. 投资建议\t6\n5. 风险提示\t6", "004.txt"), chunk("- 风险提示: AI 技术发展不及预期;海外制裁加剧。", "004.txt")
    closing = chunk("5. 风险提示\nAI 技术发展不及预期:豆包等 AI 大模型技术研发属于尖端技术行业。", "004.txt")
    chunks_of = lambda f: [toc, summary, closing] if f == "004.txt" else []
    text, passages = meta.risk_answer("东吴计算机周报提示了哪些风险？", [report], chunks_of, None)
    assert text == "东吴证券《从字节大会看算力产业的三个趋势》的风险提示：AI 技术发展不及预期；海外制裁加剧[1]。"
    assert passages == [summary]
    assert meta.risk_answer("东吴这篇周报的风险提示包括哪些？", [report], chunks_of, None)[1] == [summary]
    # risks of a thing the report discusses are a content question, and an unnamed report is none to read
    assert meta.risk_answer("东吴认为核电有哪些风险？", [report], chunks_of, None) is None
    assert meta.risk_answer("国金列了哪些风险？", [report], chunks_of, None) is None
    # a report that lists none leaves the question to the passages
    assert meta.risk_answer("东吴计算机周报提示了哪些风险？", [report], lambda f: [toc], None) is None


def test_the_kind_of_a_named_report_is_the_line_its_cover_prints():
    report = ReportMeta(file="004.txt", broker="东吴证券", title="从字节大会看算力产业的三个趋势", date="2024-12-24")
    cover = chunk("计算机行业跟踪周报\n从字节大会看算力产业的三个趋势\n增持(维持)\n2024年12月24日", "004.txt")
    chunks_of = lambda f: [cover] if f == "004.txt" else []
    text, passages = meta.type_answer("东吴证券那篇讲字节火山引擎大会的报告属于什么类型？", [report], chunks_of, None)
    assert text == "东吴证券《从字节大会看算力产业的三个趋势》（2024-12-24）属于计算机行业跟踪周报[1]。" and passages == [cover]
    assert meta.type_answer("东吴这篇周报讲了什么？", [report], chunks_of, None) is None
    assert meta.type_answer("东吴证券那篇报告属于什么类型？", [report], lambda f: [chunk("正文没有类型。", "004.txt")], None) is None


def test_a_report_pointed_at_by_what_it_says_is_the_one_whose_passage_ranks_first():
    report = ReportMeta(file="003.txt", broker="华西证券")
    source = chunk("资料来源:算法工程笔记,华西证券研究所", "003.txt")
    chunks_of = lambda f: [source] if f == "003.txt" else []
    q = "那篇讲DeepSeek改变AI生态的报告是哪家券商出的？"
    assert meta.published_answer(q, [report], chunks_of, None) is None  # nothing named, nothing ranked
    text, passages = meta.published_answer(q, [report], chunks_of, None, described="003.txt")
    assert text == "这篇报告（003.txt）出自华西证券[1]。" and passages == [source]
    # without 这篇/那篇 the question asks about content, not about one report
    assert meta.published_answer("哪家机构的报告预测合成数据将超过真实数据？", [report], chunks_of, None, described="003.txt") is None
