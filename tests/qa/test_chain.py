"""The QA chain end to end with the real model over the five real reports."""

from __future__ import annotations

import json
import re
import unicodedata

import pytest

from tests.conftest import REPORT_FILES, run_cli
from yanbao.errors import SettingsError
from yanbao.types import Filters


def squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def assert_cited(answer, expect: str, report: str) -> None:
    """Not refused, the answer holds `expect`, and a verified citation from `report` holds it too."""
    assert not answer.refused, answer.text
    assert squash(expect) in squash(answer.text), answer.text
    supporting = [c for c in answer.citations if c.chunk.file == REPORT_FILES[report] and squash(expect) in squash(c.chunk.text)]
    assert supporting, f"no citation from {report} holds {expect!r}: {[c.chunk.file for c in answer.citations]}"
    assert all(c.verified for c in supporting)


def assert_well_formed(answer) -> None:
    """Invariants of every answer: markers match citations 1..m, highlights lie in their passages."""
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    assert markers == {c.n for c in answer.citations}
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for c in answer.citations:
        assert c.highlight and c.highlight in c.chunk.text
    assert answer.timings_ms["total"] >= answer.timings_ms["retrieve"]


@pytest.mark.parametrize(
    "question, expect, report",
    [
        ("博通FY24Q3实现营业收入多少？", "131 亿美元", "000"),  # a figure
        ("腾讯哪天正式推出开源的混元视频生成模型？", "2024 年 12 月 3 日", "000"),  # a date
        ("字节AI+硬件智跃计划的合作伙伴里，哪家提供AI芯片？", "乐鑫", "003"),  # a name
        ("沐曦曦云C500 OAM的显存带宽是多少？", "1.84 TB/s", "002"),  # a table cell
        ("国金的2025前瞻报告里，微软重启的三哩岛核电站容量多大？", "835MW", "001"),  # named report
        ("民生电子团队分析师李萌的执业证号是多少？", "S0100522080001", "002"),  # report metadata
        ("东吴计算机周报提示了哪些风险？", "海外制裁加剧", "004"),  # the report's 风险提示
        ("国金的2025 AI前瞻报告属于什么报告类型？", "行业深度研究", "001"),  # the kind its cover prints
        ("那篇讲DeepSeek改变AI生态的报告是哪家券商出的？", "华西证券", "003"),  # a report named by what it says
        ("DeepSeek-V3是什么时候开源发布的？", "20241226:DeepSeek-V3", "003"),  # a timeline's line, one per model
        ("东吴认为受益于大厂算力资本支出增加的标的有哪些？", "润泽科技、欧陆通", "004"),  # the list under 相关标的
    ],
)
def test_answers_with_citations_that_hold_the_answer(chain, question, expect, report):
    answer = chain.ask(question)
    assert_cited(answer, expect, report)
    assert_well_formed(answer)


def test_table_answer_names_the_cell_asked_for(chain):
    answer = chain.ask("沐曦曦云C500 OAM的显存带宽是多少？")
    assert "沐曦曦云C500 OAM：显存带宽 1.84 TB/s" in answer.text


def test_comparison_across_two_reports_cites_both(chain):
    answer = chain.ask("民生和华西给出的DeepSeek-V3训练成本一样吗？是多少？")
    assert_cited(answer, "557.6万美元", "002")
    assert {REPORT_FILES["002"], REPORT_FILES["003"]} <= {c.chunk.file for c in answer.citations}
    assert_well_formed(answer)


def test_figures_that_differ_between_reports_are_both_shown(chain):
    answer = chain.ask("豆包通用模型的日均tokens使用量是多少？")
    assert_cited(answer, "4 万亿", "004")
    assert_cited(answer, "16.4万亿", "002")
    assert "各报告给出的数字不同" in answer.text
    assert "东吴证券" in answer.text and "民生证券" in answer.text  # each figure names its broker


def test_a_stated_fact_is_cited_alone_not_beside_passages_that_do_not_state_it(chain):
    # the day is stated outright in 国金's passage: 华西's market sizes for AI PCs are not shown beside it
    answer = chain.ask("英伟达和联发科合作的AI PC芯片预计什么时候上市？")
    assert_cited(answer, "2025 年下半年", "001")
    assert {c.chunk.file for c in answer.citations} == {REPORT_FILES["001"]}
    # a figure's caption from another passage adds a citation and nothing else
    answer = chain.ask("测试时训练（TTT）是谁提出的？")
    assert_cited(answer, "MIT", "001")
    assert "图表5" not in answer.text and len(answer.citations) == 1
    # the table row the question names (中芯京城) states the fact: not beside it a sentence on 中芯国际's own holders
    answer = chain.ask("中芯国际对中芯京城的持股比例是多少？")
    assert_cited(answer, "54.04", "002")
    assert len(answer.citations) == 1 and "最大股东" not in answer.text
    # an amount asked: another passage's sentence with nothing but a year (苹果预计26年将推出折叠iPhone) answers nothing
    answer = chain.ask("苹果折叠iPhone的内外屏分别多大？")
    assert_cited(answer, "8英寸", "002")
    assert len(answer.citations) == 1
    # a forecast asked of 大摩 is Morgan Stanley's, not 博通 CEO's for the same year
    answer = chain.ask("大摩预计2027年AI ASIC市场能有多大？")
    assert_cited(answer, "300亿美元", "002")
    assert "Hock Tan" not in answer.text and {c.chunk.file for c in answer.citations} == {REPORT_FILES["002"]}
    # a premise the question gives (宣称…30倍) states nothing asked: the passage saying 18 倍 stays
    answer = chain.ask("英伟达宣称GB200推理性能是H200的30倍，Semianalysis模拟出来的实际提升是多少？")
    assert_cited(answer, "18 倍", "001")


def test_why_something_is_best_is_answered_by_its_merits_not_its_risks(chain):
    answer = chain.ask("为什么国金认为核电可能是数据中心供电的最优解？")
    assert "相对稳定" in answer.text and "不直接排放二氧化碳" in answer.text
    assert "威胁" not in answer.text and "问题" not in answer.text  # the section on nuclear power's risks answers nothing asked
    assert_well_formed(answer)


def test_follow_up_carries_the_subject_over(chain):
    first = chain.ask("博通FY24Q3实现营业收入多少？")
    answer = chain.ask("它的运营利润呢？", history=[first.rewritten_question])
    assert "博通" in answer.rewritten_question and "运营利润" in answer.rewritten_question
    assert_cited(answer, "79 亿美元", "000")


def test_follow_up_asks_another_broker(chain):
    first = chain.ask("东吴认为豆包通用模型的日均tokens使用量是多少？")
    assert {c.chunk.file for c in first.citations} == {REPORT_FILES["004"]}
    answer = chain.ask("那民生怎么看？", history=[first.rewritten_question])
    assert answer.rewritten_question.startswith("民生") and "豆包" in answer.rewritten_question
    assert_cited(answer, "16.4万亿", "002")
    assert {c.chunk.file for c in answer.citations} == {REPORT_FILES["002"]}


@pytest.mark.parametrize(
    "question",
    [
        "DeepSeek最近一轮融资的估值是多少？",
        "东吴证券那篇周报给寒武纪设定的目标价是多少？",
        "华西证券那篇DeepSeek报告的署名分析师是谁？执业证书编号多少？",
    ],
)
def test_refuses_what_the_reports_do_not_say(chain, question):
    answer = chain.ask(question)
    assert answer.refused and answer.coverage in ("none", "partial")
    if answer.coverage == "none":
        assert answer.text.startswith("报告中未提及")
        assert "相关段落" in answer.text  # the closest passages are offered instead
        assert not answer.citations
        assert not re.search(r"\[\d+\]", answer.text)
    else:  # the subject is discussed: say what is not given, then what is said, cited
        subject = answer.frame.subject
        assert answer.text.startswith(f"报告未给出{subject}")
        assert answer.citations and all(subject.lower() in c.highlight.lower() for c in answer.citations)


def test_filters_restrict_every_passage(chain):
    only = REPORT_FILES["004"]
    answer = chain.ask("豆包大模型日均tokens使用量是多少？", filters=Filters(files=(only,)))
    assert answer.hits and {h.chunk.file for h in answer.hits} == {only}
    assert "4 万亿" in answer.text
    answer = chain.ask("豆包大模型日均tokens使用量是多少？", filters=Filters(brokers=("民生",)))
    assert {h.chunk.file for h in answer.hits} == {REPORT_FILES["002"]}
    assert "16.4万亿" in answer.text
    # a path is cut to the file name `yanbao list` shows
    answer = chain.ask("豆包大模型日均tokens使用量是多少？", filters=Filters(files=(f"../shared/reports/{only}",)))
    assert {h.chunk.file for h in answer.hits} == {only}
    # filters that leave no report are an error that lists what there is, not a silent 报告中未提及
    with pytest.raises(SettingsError, match="筛选条件排除了所有报告"):
        chain.ask("豆包大模型日均tokens使用量是多少？", filters=Filters(date_from="2030-01-01"))


def test_named_broker_boosts_its_report(chain):
    plain = chain.retriever.retrieve("豆包大模型日均tokens使用量")
    named = chain.retriever.retrieve("民生认为豆包大模型日均tokens使用量")
    assert named[0].chunk.file == REPORT_FILES["002"]
    share = lambda hits: sum(h.chunk.file == REPORT_FILES["002"] for h in hits)  # noqa: E731
    assert share(named) >= share(plain)


def test_langchain_retriever_returns_documents_for_the_same_hits(chain):
    from langchain_core.documents import Document

    docs = chain.lc_retriever(k=4).invoke("博通FY24Q3实现营业收入多少？")
    assert len(docs) == 4 and all(isinstance(d, Document) for d in docs)
    hits = chain.retriever.retrieve("博通FY24Q3实现营业收入多少？", k=4)
    assert [d.metadata["chunk_id"] for d in docs] == [h.chunk.id for h in hits]
    assert docs[0].metadata["file"] == REPORT_FILES["000"] and docs[0].page_content == hits[0].chunk.text


def test_retrieval_modes_and_scores(chain):
    for mode in ("bm25", "dense", "hybrid"):
        hits = chain.retriever.retrieve("博通FY24Q3实现营业收入多少？", k=5, mode=mode)
        assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
        assert hits[0].chunk.file == REPORT_FILES["000"], mode
    hybrid = chain.retriever.retrieve("博通FY24Q3实现营业收入多少？", k=5)
    assert {"bm25", "dense", "sentence"} <= set(hybrid[0].scores)


def test_stream_yields_text_then_the_answer(chain):
    from yanbao.types import Answer

    items = list(chain.stream("博通FY24Q3实现营业收入多少？"))
    assert isinstance(items[-1], Answer) and all(isinstance(i, str) for i in items[:-1])
    assert "".join(items[:-1]) == items[-1].text


def test_ask_cli_json(real_index_dir, model_cache):
    r = run_cli("ask", "博通FY24Q3实现营业收入多少？", "它的运营利润呢？", "--index", str(real_index_dir), "--json",
                env={"YANBAO_CACHE_DIR": str(model_cache)})
    assert r.returncode == 0, r.stderr
    objs = [json.loads(line) for line in r.stdout.splitlines()]  # one JSON object per line
    assert len(objs) == 2
    first, follow = objs
    assert set(first) >= {"question", "rewritten_question", "answer", "refused", "citations", "retrieved", "timings_ms"}
    t = first["timings_ms"]
    assert set(t) == {"retrieve", "answer", "total", "embed", "dense", "bm25", "fuse", "sentence"}
    assert 0 < sum(t[s] for s in ("embed", "dense", "bm25", "fuse", "sentence")) <= t["retrieve"] <= t["total"]
    c = first["citations"][0]
    assert set(c) >= {"n", "file", "title", "broker", "date", "section", "page", "start", "end", "text", "highlight", "verified"}
    assert c["broker"] == "国金证券" and c["verified"] is True and "131" in c["highlight"]
    assert set(first["retrieved"][0]) == {"rank", "chunk_id", "file", "score", "start", "end", "text"}
    assert "博通" in follow["rewritten_question"] and "79" in follow["answer"]


def test_ask_cli_text_and_errors(real_index_dir, model_cache, tmp_path):
    env = {"YANBAO_CACHE_DIR": str(model_cache)}
    r = run_cli("ask", "DeepSeek最近一轮融资的估值是多少？", "--index", str(real_index_dir), env=env)
    assert r.returncode == 0 and r.stdout.startswith(("报告中未提及", "报告未给出DeepSeek"))
    r = run_cli("ask", "博通收入", "--index", str(tmp_path / "none"), env=env)
    assert r.returncode == 1 and "yanbao ingest" in r.stderr
    r = run_cli("ask", "博通收入", "--llm", "--index", str(real_index_dir), env={**env, "YANBAO_LLM_BASE_URL": ""})
    assert r.returncode == 1 and "YANBAO_LLM_BASE_URL" in r.stderr


def test_full_width_letters_and_digits_are_read_as_half_width(chain):
    answer = chain.ask("博通ＦＹ２４Ｑ３实现营业收入多少？")
    assert_cited(answer, "131 亿美元", "000")
    assert answer.rewritten_question == "博通FY24Q3实现营业收入多少？"
