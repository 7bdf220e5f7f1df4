"""Rule-based verdicts: answers (figures as quantities, the competing-value rule, swaps, several
asks, relations, refusals) and key points (figures, words, synonyms, negation, English + e5);
the LLM judge against the scripted OpenAI-protocol server."""

from __future__ import annotations

import json

import pytest

from tests.openai_server import openai_server
from yanbao.eval.gold import GoldItem, Source
from yanbao.eval.judge import (
    LLMJudge,
    answer_verdict,
    is_refusal,
    key_point_verdicts,
    parse_judgment,
    states_accepted,
    states_input,
)
from yanbao.qa.llm import LLM


def item(question="博通FY24Q3收入多少、比去年同期涨了多少？", answer="131亿美元，同比增长47%。", accept=("131亿美元",),
         key_points=(), sources=(("a.txt", "博通在 FY24Q3 实现营业收入 131 亿美元，同比增长 47%"),), type="numeric"):
    return GoldItem("q1", question, answer, tuple(accept), tuple(key_points),
                    tuple(Source(f, q) for f, q in sources), type, "easy")


def ok(it, text):
    return answer_verdict(it, text).correct


REVENUE = item()


@pytest.mark.parametrize("text", [
    "博通FY24Q3营业收入131亿美元，同比增长47%。",
    "Broadcom's FY24Q3 revenue was about 13.1 billion US dollars, up 47% year over year.",
    "「国金：博通在 FY24Q3 实现营业收入 131 亿美元，同比增长 47%[1]；运营利润 79 亿美元，同比增长 44%[1]。」",
    "营收约130.6亿美元，同比+47%。",
])
def test_right_answers_in_any_wording(text):
    assert ok(REVENUE, text), answer_verdict(REVENUE, text)


@pytest.mark.parametrize("text, why", [
    ("博通FY24Q3营收13.1亿美元，同比增长47%。", "missing 131亿美元"),
    ("博通FY24Q3营业收入1.31万亿美元，同比增长47%。", "missing"),
    ("博通FY24Q3营收131亿美元，同比增长44%。", "states 44%"),  # the growth asked is 47%
    ("博通FY24Q3营收140亿美元，也就是131亿美元，同比增长47%。", "states 140亿美元"),
    ("报告中未提及。", "refused"),
])
def test_wrong_answers(text, why):
    v = answer_verdict(REVENUE, text)
    assert v.correct is False and why in v.reason, v


def test_competing_value_needs_a_label_of_the_asked_quantity():
    """The rule of answer_verdict: a different value of the asked kind competes only when nothing
    before it in its sentence says it is about something else."""
    other_metric = "博通营收131亿美元，同比增长47%；运营利润79亿美元，同比增长44%。"
    other_subject = "英伟达收入350亿美元；博通收入131亿美元，同比增长47%。"
    same_thing = "博通营收131亿美元，同比增长47%。博通营收140亿美元。"
    alternative = "博通营收131亿美元（另据其他口径为140亿美元），同比增长47%。"
    assert ok(REVENUE, other_metric) and ok(REVENUE, other_subject)
    assert ok(REVENUE, same_thing) is False and ok(REVENUE, alternative) is False
    # a figure of another dimension never competes: 79亿元 is money in another currency
    assert ok(REVENUE, "博通营收131亿美元，同比增长47%，约合人民币950亿元。")


def test_a_figure_the_question_itself_names_is_no_rival_answer():
    layer = item(question="按市净率分层的收益表中，市净率80%~100%一层的年化收益率是多少？", answer="17.79%", accept=("17.79%",),
                 sources=(("h.pdf", "市净率80%~100%\t414.33%\t17.79%"),), type="table")
    text = "其中第五层为市净率80%~100%的股票。市净率80%~100% | 414.33% | 17.79% | 40.48%（年化收益率：市净率80%~100% 17.79%）。"
    assert ok(layer, text)
    assert ok(layer, "第五层为市净率80%~100%的股票，年化收益率为23.61%。") is False  # another value is still a rival


def test_closest_gold_value_wins():
    it = item("市场对博通FY24Q4 AI收入的预期是多少？", "市场预期34.6亿美元，低于公司隐含的35亿美元指引。", ["34.6亿美元"],
              sources=())
    assert ok(it, "市场预期34.6亿美元，低于35亿美元的隐含指引。")
    assert not ok(it, "市场预期FY24Q4 AI收入约35亿美元，与公司指引一致。")  # 约35亿 is the other gold figure
    assert not ok(it, "市场预期为34.6亿美元，高于公司隐含的35亿美元指引。")  # relation reversed


def test_dates_and_yes_no():
    launch = item("腾讯哪天推出混元视频生成模型？", "2024年12月3日。", ["2024年12月3日", "2024-12-03"], sources=())
    assert ok(launch, "2024-12-03") and ok(launch, "腾讯于2024年12月3日正式推出。")
    assert not ok(launch, "腾讯于2024年12月13日推出。")
    same = item("民生和华西给出的DeepSeek-V3训练成本一样吗？是多少？", "一样，都是557.6万美元。", ["557.6万美元"], sources=())
    assert ok(same, "一致，约558万美元。") and ok(same, "两篇一样：5.576M美元")
    assert not ok(same, "不一致：民生557.6万美元。")


def test_several_asks_need_several_figures():
    it = item("字节2024年的资本开支是多少，2025年计划增加到多少？", "2024年约800亿元，2025年将增至1600亿元。",
              ["1600亿"], sources=())
    assert ok(it, "2024年约800亿元，2025年1600亿元。")
    v = answer_verdict(it, "2025年字节资本开支将增至1600亿元。")
    assert v.correct is False and "asks 2 things" in v.reason
    pair = item("TPUv6e和Trainium2的互联带宽各是多少？", "TPUv6e为3584GB/s，Trainium2为640GB/s。",
                ["3584GB/s", "640GB/s"], sources=())
    assert ok(pair, "TPUv6e为3584GB/s，Trainium2为640GB/s。")
    assert not ok(pair, "TPUv6e为3584GB/s。")
    swapped = answer_verdict(pair, "TPUv6e为640GB/s，Trainium2为3584GB/s。")
    assert swapped.correct is False and "trainium2" in swapped.reason


def test_codes_texts_and_refusals():
    people = item("东吴这篇周报的分析师是谁？执业证书号多少？", "王世杰，执业证书S0600523080004。",
                  ["王世杰", "S0600523080004"], sources=())
    assert ok(people, "王世杰，执业证书S0600523080004。")
    assert not ok(people, "王世杰，执业证书S0600521080005。")
    assert ok(people, "王世杰（S0600523080004）；研究助理王紫敬，执业证书S0600521080005。")  # another person's
    unanswerable = item("DeepSeek最新一轮融资估值多少？", "报告中未提及", [], sources=(), type="unanswerable")
    assert ok(unanswerable, "报告中未提及。") and ok(unanswerable, "The reports do not mention DeepSeek's valuation.")
    assert ok(unanswerable, "小米AI眼镜预计售价1499元；报告没有给出首月的实际销量。")
    assert not ok(unanswerable, "估值约1000亿美元。")
    assert is_refusal("报告中未提及。以下是最接近的段落") and not is_refusal("博通营收131亿美元")


TRAINIUM = item(
    "Trainium2和谷歌TPU、英伟达H100在架构上有哪些差异？", "", [],
    key_points=["Trainium2采用2D/3D环形网络拓扑，点对点连接类似TPU，不同于NVLink交换结构全互联",
                "算术强度较低（203 BF16 FLOP/字节，低于TPU和H100的300-560）",
                "最大扩展规模64颗芯片，TPU为256颗，整体峰值计算性能较低",
                "更适合内存带宽受限的推理和专家混合模型"],
    sources=(), type="summary")


def covered(it, text, similarity=None):
    return [v.correct for v in key_point_verdicts(it, text, similarity)]


def test_key_points_by_meaning():
    # the answer of the issue: a paraphrase that an analyst marks as covering 3 of the 4 points
    answer = ("Trainium2刻意把算术强度做低，是为了适配内存占用大的专家混合模型；它在内存带宽受限的负载上表现更好，"
              "适合推理和MoE；其算术强度为203 BF16 FLOP/字节，低于TPU和H100的300–560。")
    assert covered(TRAINIUM, answer) == [False, True, False, True]
    assert answer_verdict(TRAINIUM, answer).correct is True  # 2 of 4: at least half
    # figures must be there as quantities, and not swapped
    assert covered(TRAINIUM, "Trainium2最大扩展规模64颗芯片，而TPU为256颗，峰值计算性能较低。")[2] is True
    assert covered(TRAINIUM, "Trainium2最多可扩展到256颗芯片，比TPU的64颗多，峰值计算性能更高。")[2] is False
    assert covered(TRAINIUM, "Trainium2扩展规模较小，峰值计算性能较低。")[2] is False  # 64/256 missing
    # a parenthetical figure is detail, but another value for it is not allowed
    assert covered(TRAINIUM, "Trainium2算术强度较低，低于TPU和H100。")[1] is True
    assert covered(TRAINIUM, "Trainium2算术强度较低，约300 BF16 FLOP/字节。")[1] is False


def test_key_point_words_synonyms_and_negation():
    hvdc = item("相比UPS，HVDC供电有哪些优势？", "", [], key_points=["高效节能", "稳定可靠", "灵活扩展", "节约空间", "降低成本"],
                sources=(), type="summary")
    assert covered(hvdc, "HVDC更节能、故障点少更可靠、模块化易扩容，可节省约50%的占地面积，建设成本更低。") == [True] * 5
    assert covered(hvdc, "HVDC更节能，但可靠性不如UPS。")[:2] == [True, False]
    risks = item("国金《AI周观察》列了哪些风险？", "", [],
                 key_points=["芯片制程发展与良率不及预期", "中美科技领域政策恶化", "AI硬件销量不及预期"], sources=(), type="summary")
    # "不及预期" is in every point: it says nothing about any one of them
    assert covered(risks, "风险：下游需求不及预期；晶圆厂扩产不及预期。") == [False, False, False]
    assert covered(risks, "半导体先进工艺推进及良率不达预期、中美科技政策环境恶化、AI硬件销量低于预期。") == [True, True, True]


def test_english_answers_need_e5_for_chinese_key_points():
    risks = item("东吴计算机周报提示了哪些风险？", "", [], key_points=["AI技术发展不及预期", "海外制裁加剧"], sources=(),
                 type="summary")
    text = "Risks flagged: AI technology developing slower than expected, and intensifying overseas sanctions."
    assert covered(risks, text) == [False, False]
    assert "enable e5" in key_point_verdicts(risks, text)[0].reason
    assert covered(risks, text, similarity=lambda kp, answer: 0.85) == [True, True]
    assert covered(risks, text, similarity=lambda kp, answer: 0.7) == [False, False]


def test_states_accepted_for_citation_precision():
    assert states_accepted(REVENUE, "营业收入 13.1 billion dollars") and not states_accepted(REVENUE, "营收140亿美元")


def test_a_passage_stating_an_input_of_a_computed_answer_supports_it():
    tokens = item("从2024年12月中旬到2025年5月底，豆包大模型的日均tokens用量大约翻了几倍？",
                  "约4.1倍（计算得出）：16.4万亿 ÷ 4万亿 ≈ 4.1。东吴：截至2024年12月中旬日均tokens超4万亿。", ("4.1倍",),
                  type="multi_hop")
    assert states_input(tokens, "截至2024年12月中旬,豆包模型日均 token 使用量超4万亿。")  # the 东吴 input, in its summary
    assert not states_input(tokens, "截至2024年12月中旬,豆包模型日均 token 使用量超4万亿。".replace("4万亿", "3万亿"))
    assert not states_input(tokens, "2024年12月中旬,火山引擎大会召开。")  # a date of the sources named after the formula is no input
    assert not states_input(REVENUE, "营业收入 131 亿美元")  # nothing computed: the accepted value and the quotes decide
    # the result (after = or ≈) is the answer, and a bare one-digit number is in any passage
    ratio = item("B300的HBM容量是B200的几倍？", "1.5倍（计算得出）：288GB ÷ 192GB = 1.5；7 × 2 = 14。", ("1.5倍",), type="multi_hop")
    assert states_input(ratio, "B200 的 192GB") and not states_input(ratio, "第 7 页、14 家公司")


def test_parse_judgment():
    assert parse_judgment('好的：{"correct": true, "key_points_covered": [true, false], "reason": "ok"}', 2) == {
        "correct": True, "key_points_covered": [True, False], "reason": "ok"}
    assert parse_judgment('{"correct": false, "key_points_covered": [true]}', 2)["key_points_covered"] is None
    assert parse_judgment("不知道", 0)["correct"] is None


def test_llm_judge_against_the_openai_protocol_server():
    def reply(body):
        user = body["messages"][-1]["content"]
        return json.dumps({"correct": "131亿美元" in user.split("待评回答：")[1], "key_points_covered": [],
                           "reason": "比对数值"}, ensure_ascii=False)

    with openai_server(reply=reply) as server:
        judge = LLMJudge(LLM(server.base_url, "test-model", "sk-test", timeout_s=10))
        assert judge.judge(REVENUE, "营收131亿美元") == {"correct": True, "key_points_covered": [], "reason": "比对数值"}
        assert judge.judge(REVENUE, "营收140亿美元")["correct"] is False
        sent = server.requests[0]["body"]["messages"]
        assert sent[0]["role"] == "system" and "标准答案：131亿美元" in sent[1]["content"]


def test_e5_similarity_with_the_real_model(embedder):
    from yanbao.eval.judge import KP_MIN_SIM_CROSS, E5Similarity

    sim = E5Similarity(embedder)
    kp = "海外制裁加剧"
    right = sim(kp, "Risks: AI technology developing slower than expected, and intensifying overseas sanctions.")
    wrong = sim(kp, "On-device AI keeps all data on the device, so privacy is much better.")
    assert right > wrong and right >= KP_MIN_SIM_CROSS > wrong


def test_a_formulas_inputs_are_not_answers():
    it = item(question="腾讯、阿里、百度三家1Q2025资本开支加总，与民生给出的BAT合计一致吗？",
              answer="一致：275+246.12+29=550.12亿元，与BAT合计550.12亿元相同。", accept=("一致", "550.12亿"),
              sources=(("a.txt", "1Q2025 BAT合计资本开支同比提升99.38%至550.12亿人民币"),), type="compare")
    computed = ("结论：一致。腾讯、阿里巴巴、百度的资本开支合计约550.1亿元（计算得出：275 + 246.12 + 29 = 550.12）。"
                "BAT为550.12亿人民币[1]。")
    assert ok(it, computed)
    assert ok(it, "结论：一致。资本开支合计约550.1亿元。BAT为275亿人民币。") is False  # outside a formula it competes


DOUBAO = item(question="从2024年12月中旬到2025年5月底，豆包大模型的日均tokens用量大约翻了几倍？",
              answer="约4.1倍（计算得出）：16.4万亿 ÷ 4万亿 ≈ 4.1。东吴：截至2024年12月中旬日均tokens超4万亿；"
                     "民生：截至2025年5月底超16.4万亿。", accept=("4.1倍", "约4.1倍"), sources=(), type="multi_hop")


def test_the_reports_quoted_lines_under_a_right_claim_are_not_swaps():
    """The answer's claim comes first; the lines under it quote the reports in their own words
    ("日均 tokens 使用量超过16.4万亿"), which the gold happens to give only to 4万亿."""
    right = ("2025年5月的豆包用量约为2024年12月的4.1倍（计算得出：16.4 ÷ 4 ≈ 4.1）。\n"
             "· 2024年12月：东吴证券《从字节大会看算力产业的三个趋势》（2024-12-24）：截至2024年12月中旬,豆包模型日均 token 使用量超4万亿[1]。\n"
             "· 2025年5月：民生证券《AI投资的新范式》：截至2025年5月底,豆包大模型日均 tokens 使用量超过16.4万亿[2]。")
    assert ok(DOUBAO, right), answer_verdict(DOUBAO, right)
    # the claim itself swapping the two periods' values stays wrong
    swapped = answer_verdict(DOUBAO, "2024年12月日均tokens为16.4万亿，2025年5月为4万亿，约4.1倍。")
    assert swapped.correct is False and "16.4万亿" in swapped.reason
    # a quote that is the whole answer is its claim: still checked
    pair = item("TPUv6e和Trainium2的互联带宽各是多少？", "TPUv6e为3584GB/s，Trainium2为640GB/s。",
                ["3584GB/s", "640GB/s"], sources=())
    assert not ok(pair, "· 民生证券《AI投资的新范式》：TPUv6e为640GB/s，Trainium2为3584GB/s[1]。")
    assert not ok(pair, "TPUv6e为640GB/s，Trainium2为3584GB/s。\n· 民生证券《AI投资的新范式》：TPUv6e为3584GB/s[1]。")


def test_a_value_the_gold_states_twice_has_both_labels():
    pair = item("TPUv6e和Trainium2的互联带宽各是多少？", "TPUv6e为3584GB/s，Trainium2互联带宽为640GB/s；谷歌互联带宽3584GB/s领先。",
                ["3584GB/s", "640GB/s"], sources=())
    assert ok(pair, "谷歌互联带宽3584GB/s，Trainium2为640GB/s。")  # the gold's second wording of 3584GB/s
    v = answer_verdict(pair, "Trainium2互联带宽3584GB/s，TPUv6e为640GB/s。")
    assert v.correct is False and "trainium2" in v.reason


ALI = item(question="由阿里2025Q1资本开支和同比增速推算，阿里2024Q1资本开支大约多少？和季报表一致吗？",
           answer="约111.5亿元（计算得出）：246.12 ÷ (1 + 120.68%) ≈ 111.53亿元；与季报表中2024Q1“与资本支出有关的净现金流出”"
                  "11153百万元一致。", accept=("111.5", "一致"), sources=(), type="multi_hop")


def test_a_shown_formula_with_nested_parentheses_and_the_asked_agreement():
    formula = "约111.5亿元（计算得出：246.12 ÷ (1 + 120.68%) ≈ 111.5，由246.12亿元与增速120.68%推算）"
    quote = "\n· 民生证券《AI投资的新范式》：阿里巴巴2025年Q1(自然年)资本开支为246.12亿元,同比增长120.68%[1]。"
    assert ok(ALI, formula + "，与季报表2024Q1的11153百万元一致。" + quote), answer_verdict(ALI, formula + "，一致。" + quote)
    # the question asks two things: an estimate without the asked comparison is not the answer
    v = answer_verdict(ALI, formula + "。" + quote)
    assert v.correct is False and "agree" in v.reason
    assert not ok(ALI, formula + "，与季报表不一致。" + quote)


def test_asked_agreement_is_answered_or_shown():
    it = item("国金和民生给出的Trainium2最大扩展芯片数一致吗？",
              "一致：国金称Trainium2-Ultra最大扩展规模为64颗芯片；民生称Trainium2 Ultra机架方案集成64颗Trainium2芯片。",
              ["一致", "64颗"], sources=())
    one_source = "国金证券《AI 周观察》：Trainium2-Ultra 的最大扩展规模为 64 颗芯片[1]。"
    assert answer_verdict(it, one_source).correct is False
    assert ok(it, "结论：一致，都是64颗。") and ok(it, "Both give 64 chips; they agree.")
    assert ok(it, "· 国金证券《AI 周观察》：最大扩展规模为 64 颗芯片[1]。\n· 民生证券《AI投资的新范式》：机架方案集成64颗Trainium2芯片[2]。")
    assert not ok(it, "结论：不一致。国金为64颗。") and not ok(it, "They do not match: 64 chips vs 256.")
    # the gold's side can be in its accepted texts: "对得上" with accept 一致
    sums = item("博通两个部门营收加起来，与公司总营收对得上吗？", "对得上：73亿美元 + 58亿美元 = 131亿美元，等于总营收131亿美元。",
                ["131亿美元", "一致"], sources=())
    assert not ok(sums, "结论：不一致。一处为73亿美元，另一处为131亿美元。")
    assert ok(sums, "对得上：73 + 58 = 131亿美元，等于总营收131亿美元。")


def test_swaps_of_figures_labelled_after_them():
    """A figure written first is labelled by the words after it in its clause."""
    parallel = item("DeepSeek-V3训练用了几路专家并行和几路流水线并行？", "64路专家并行，16路流水线并行（以及ZeRO1数据并行）。",
                    ["64路"], sources=())
    assert ok(parallel, "DeepSeek-V3使用64路的专家并行、16路的流水线并行。")
    v = answer_verdict(parallel, "16路专家并行、64路流水线并行。")
    assert v.correct is False and "专家" in v.reason
    capex = item("字节跳动2025年资本开支计划多少？怎么分配？", "1600亿元，其中900亿元用于算力采购，700亿元用于IDC基建及网络设备。",
                 ["1600亿元"], sources=())
    assert ok(capex, "1600亿元，其中900亿元用于算力采购，700亿元用于IDC基建。")
    assert not ok(capex, "1600亿元，其中700亿元用于算力采购，900亿元用于IDC基建。")
    # the rest of a unit ("/s") or a "vs" names nothing
    speed = item("跑ResNet-50训练时，昇腾920单卡比H20快多少？", "2800 vs 1550 images/s，提升80.6%。", ["80.6%"], sources=())
    assert ok(speed, "昇腾920单卡处理2800 images/s，H20为1550 images/s，提升约80.6%[1]。")
    # a year before a figure is part of its label (东吴：2024财年AI收入122亿美元), not a figure ending it
    brokers = item("国金周观察里博通对2024财年AI收入的预期，和东吴周报里披露的实际AI收入，各是多少？",
                   "国金：全年AI收入预计120亿美元；东吴：2024财年AI收入122亿美元，略高于预期。", ["120亿美元", "122亿美元"], sources=())
    assert ok(brokers, "国金（预计）为120亿美元[1]；东吴为122亿美元[2]。")
    assert not ok(brokers, "国金为122亿美元[1]；东吴为120亿美元[2]。")
    # a sum labelled by its parts (A、B合计X) names X's parts: no swap with the parts' own figures
    parts = item("博通FY24Q3的半导体和基础设施软件两个部门营收加起来，与公司总营收对得上吗？",
                 "对得上：半导体解决方案73亿美元 + 基础设施软件58亿美元 = 131亿美元（计算得出），等于FY24Q3总营收131亿美元。",
                 ["131亿美元"], sources=())
    assert ok(parts, "结论：一致。半导体、基础设施软件合计约131亿美元（计算得出：73 + 58 = 131），公司总营收为131亿美元[1]。")
    assert not ok(parts, "结论：对得上。半导体解决方案131亿美元，基础设施软件58亿美元。")  # the total passed off as one part


def test_a_quoted_reports_own_words_do_not_answer_the_asked_agreement():
    b200 = item("国金和民生给出的英伟达B200显存容量一致吗？", "一致，都是192GB（HBM）。", ["192GB"], sources=())
    one_report = ("国金证券《2025 AI 行业前瞻报告》：MI355X 存储容量将达到 288GB,带宽将达到和 B200 相同的 8TB/s,"
                  "而存储容量将显著高于 B200 的 192GB[1]。")
    v = answer_verdict(b200, one_report)
    assert v.correct is False and "agree" in v.reason
    assert ok(b200, "结论：一致，都是192GB。\n" + one_report)


def test_one_place_and_another_name_no_other_quantity():
    """"一处为X，另一处为Y" says nothing about what X is: X competes with the gold's figures."""
    laptops = item("国金前瞻报告里24年三季度AI笔电的销量前后一致吗？",
                   "不一致：第五章开头写AI笔电销量约1450万台、同比增长110%；5.2节写全球AI笔电销量约1400万台、同比增长105%。",
                   ["不一致"], sources=(), type="compare")
    assert ok(laptops, "结论：不一致。一处为1450万台，另一处为1400万台[1][2]。")
    v = answer_verdict(laptops, "结论：不一致。一处为1.47亿台，另一处为1400万台[1][2]。")  # 1.47亿台 is AI phones
    assert v.correct is False and "1.47亿台" in v.reason


def test_an_index_name_is_no_figure_of_the_answer():
    from yanbao.eval.figures import figures

    assert [f.text for f in figures("β取值与沪深300 指数10 天后预期收益率的相关系数为0.63")] == ["10天", "0.63"]
    assert [f.text for f in figures("在中证 500成分股中年化收益为12.11%")] == ["12.11%"]


def test_a_coarser_form_of_the_accepted_date_is_not_a_competing_date():
    import json

    from yanbao.eval.gold import parse_item
    from yanbao.eval.judge import answer_verdict

    item = parse_item(json.dumps({"id": "x", "question": "Sinclair的少女针Ellansé何时获NMPA批准上市？", "answer": "2021年4月13日",
                                  "accept": ["2021年4月13日"], "key_points": [], "sources": [{"file": "a", "quote": "x"}],
                                  "type": "date", "difficulty": "easy"}, ensure_ascii=False))
    assert answer_verdict(item, "2021年4月13日,Ellansé获NMPA批准上市[1]。2021年4月,Ellansé获批[2]。", False).correct
    assert not answer_verdict(item, "2021年5月,Ellansé获批[2]。", False).correct  # another month is another date
