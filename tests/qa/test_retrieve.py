"""Ranking rules of the retriever, on real jieba, real BM25 and a real (fake-model) FAISS index."""

from __future__ import annotations

from dataclasses import replace

import pytest

from yanbao.index.store import open_index
from yanbao.library import update
from yanbao.qa.evidence import best_in_chunk, make_query
from yanbao.qa.query import report_aspect
from yanbao.qa.retrieve import RetrievalConfig, Retriever, binds_metric, bound_best_in_chunk, shows_report_aspect
from yanbao.types import Chunk, ReportMeta


def _chunk(text: str, section: str = "", context: str = "", start: int = 0) -> Chunk:
    return Chunk(id=f"c{hash((text, section, context)) & 0xffff}", text=text, file="r.txt", start=start,
                 end=start + len(text), section=section, context=context)


def _query(question: str):
    return make_query(question, [], lambda t: 1.0)


# --- questions about a report itself -------------------------------------------------------------

@pytest.mark.parametrize("question, aspect", [
    ("国金证券《AI周观察》的署名分析师是谁？执业证书编号是多少？", "authors"),
    ("民生电子团队分析师李萌的执业证号是多少？", "authors"),  # a certificate is only ever a report's
    ("华西证券那篇DeepSeek报告的署名分析师是谁？", "authors"),
    ("国金这期AI周观察的标题是什么？", "cover"),
    ("东吴证券那篇讲字节火山引擎大会的报告属于什么类型？", "cover"),
    ("《从字节大会看算力产业的三个趋势》这篇周报是哪家券商发布的？", "publisher"),
    ("博通FY24Q3实现营业收入多少？", ""),
    ("国金分析师预计2025年AI眼镜出货量多少？", ""),  # an analyst's forecast is the report's content
    ("这款芯片属于什么类型？", ""),  # no report in sight
])
def test_what_a_question_asks_about_the_report_itself(question, aspect):
    assert report_aspect(question) == aspect


def test_where_a_report_shows_its_authors_publisher_and_cover():
    meta = ReportMeta(file="r.txt", broker="东吴证券")
    cover = _chunk("计算机行业跟踪周报\n增持(维持)\n证券分析师王紫敬", start=0)
    authors = _chunk("民生电子研究团队：分析师方竞 执业证号：S0100521120004", start=900)
    source = replace(_chunk("数据来源：火山引擎 FORCE 原动力大会，东吴证券研究所", start=500), meta=meta)
    body = replace(_chunk("豆包模型日均 token 使用量超 4 万亿。", start=300), meta=meta)
    assert shows_report_aspect(authors, "authors") and not shows_report_aspect(cover, "authors")
    assert shows_report_aspect(source, "publisher") and shows_report_aspect(replace(cover, meta=meta), "publisher")
    assert not shows_report_aspect(body, "publisher")
    assert shows_report_aspect(cover, "cover") and not shows_report_aspect(source, "cover")


# a cover as brokers print it: mostly contact lines, so ingest tags it boilerplate (down-weighted for content)
COVER = ("算力周观察\n行业深度研究(深度)\n证券研究报告\n分析师：张三（执业 S0000000000001）\n"
         "zhangsan@example-securities.com.cn\nlisi@example-securities.com.cn\nwangwu@example-securities.com.cn\n"
         "电话：021-80234211\n电话：010-85950438\n电话：0755-86695353\n一、本期要点\n")
BODY = ("本期周观察聚焦推理算力。{n}号数据中心的建设进度加快，推理需求持续上升，"
        "云厂商资本开支保持高位，国产芯片的订单在本周继续增加。")


@pytest.fixture
def small_index(tmp_path, fake_settings, fake_embedder):
    """Two reports, each a cover and body paragraphs that repeat the title's words, indexed for real."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(COVER + "\n".join(BODY.format(n=i) for i in range(12)), encoding="utf-8")
    other = COVER.replace("算力周观察", "存储芯片月报").replace("张三", "赵六")
    (src / "b.txt").write_text(other + "\n".join(BODY.format(n=i + 50) for i in range(12)), encoding="utf-8")
    root = tmp_path / "index"
    update(root, [src], fake_settings, fake_embedder)
    return open_index(root, settings=fake_settings)


def test_cover_ranks_first_when_the_question_asks_about_the_report(small_index, fake_embedder):
    question = "算力周观察这篇的标题和报告类型是什么？"
    hits = Retriever(small_index, fake_embedder).retrieve(question, k=5, mode="bm25")
    assert hits[0].chunk.start == 0 and hits[0].chunk.file == "a.txt"
    assert "行业深度研究" in hits[0].chunk.text


def test_cover_rule_leaves_content_questions_alone(small_index, fake_embedder):
    question = "本期周观察里推理需求怎么样？"
    on = Retriever(small_index, fake_embedder).retrieve(question, k=5, mode="bm25")
    off = Retriever(small_index, fake_embedder, RetrievalConfig(cover_boost=1.0)).retrieve(question, k=5, mode="bm25")
    assert [h.chunk.id for h in on] == [h.chunk.id for h in off]


# --- a sentence binding the subject and the metric ----------------------------------------------

BONUS = 0.1
H200 = ("H200",)
CAPACITY = ("显存容量", "容量", "显存", "hbm")


def test_a_sentence_naming_subject_and_metric_gets_the_bonus():
    q = _query("H200的HBM容量有多少GB？")
    bound = _chunk("英伟达H200的HBM容量为141GB。其他厂商的产品也在追赶。")
    assert bound_best_in_chunk(q, bound, H200, CAPACITY, BONUS) == pytest.approx(best_in_chunk(q, bound) + BONUS)


def test_a_neighbours_figure_gets_no_bonus():
    # H200 is named, but the capacity stated is MI325X's: no sentence binds H200 and 容量
    q = _query("H200的HBM容量有多少GB？")
    neighbour = _chunk("AMD MI325X的HBM容量为256GB。英伟达H200同样面向数据中心。")
    assert bound_best_in_chunk(q, neighbour, H200, CAPACITY, BONUS) == pytest.approx(best_in_chunk(q, neighbour))


def test_a_table_row_binds_through_its_header_row():
    # a transposed table: the products are columns (the header row travels as the chunk's context)
    q = _query("H200的HBM容量有多少GB？")
    row = _chunk("HBM (GB)\t80\t80\t141\t192\t288", context="\tA100\tH100\tH200\tB200\tB300")
    assert bound_best_in_chunk(q, row, H200, CAPACITY, BONUS) == pytest.approx(best_in_chunk(q, row) + BONUS)


def test_a_section_heading_names_the_subject_of_its_sentences():
    q = _query("寒武纪2025年一季度营收多少？")
    words = ("营业收入", "营收", "收入")
    under = _chunk("25年Q1公司实现营收11.11亿元，同比大幅增长4230.22%。", section="2.3 > 2.3.3 寒武纪:软硬协同发力")
    elsewhere = _chunk("25年Q1公司实现营收11.11亿元，同比大幅增长4230.22%。", section="2.3 > 2.3.4 云天励飞")
    assert bound_best_in_chunk(q, under, ("寒武纪", "Cambricon"), words, BONUS) > bound_best_in_chunk(
        q, elsewhere, ("寒武纪", "Cambricon"), words, BONUS)


def test_metric_words_match_case_and_width_folded():
    assert binds_metric("ＨＢＭ 容量 (GB)", ("hbm",))
    assert binds_metric("Capex guidance", ("capex",))
    assert not binds_metric("功耗 (W)", CAPACITY)


def test_without_the_rule_the_cover_is_not_first(small_index, fake_embedder):
    """The test corpus is one where the rule matters: the body outranks the cover on words alone."""
    off = RetrievalConfig(cover_boost=1.0)
    hits = Retriever(small_index, fake_embedder, off).retrieve("算力周观察这篇的标题和报告类型是什么？", k=5, mode="bm25")
    assert hits[0].chunk.start != 0


@pytest.mark.parametrize("question, word", [
    ("DeepSeek-V3是什么时候开源发布的？", "时候"),  # 什么时候 is cut 什么 / 时候
    ("长期协议期限是多久？", "多久"),
    ("AWS计划为客户提供多大的AI算力性能？", "多大"),
])
def test_question_words_are_not_evidence(question, word):
    from yanbao.qa.query import content_terms

    assert word not in content_terms(question)


def test_bm25_share_is_relative_to_the_best_hit():
    """RRF keeps ranks only; the second stage gets each chunk's BM25 score as a share of the best."""
    from yanbao.qa.retrieve import bm25_share

    assert bm25_share([(7, 12.0), (3, 6.0), (9, 3.0)]) == {7: 1.0, 3: 0.5, 9: 0.25}
    assert bm25_share([]) == {} and bm25_share([(1, 0.0)]) == {}
