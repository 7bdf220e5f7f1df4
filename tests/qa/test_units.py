"""The pure parts of the QA stage: fusion, the citation check, follow-ups, question parsing."""

from __future__ import annotations

import pytest

from yanbao.errors import ModelError, SettingsError
from yanbao.ingest.brokers import broker_short
from yanbao.qa.cite import check
from yanbao.qa.extractive import cell_for
from yanbao.qa.followup import is_followup, rewrite
from yanbao.qa.query import allows, fact_kind, named_brokers, named_reports
from yanbao.qa.retrieve import rrf
from yanbao.qa.text import figures, has_figure
from yanbao.types import Chunk, Filters, ReportMeta

GUOJIN_WEEKLY = ReportMeta(file="a.txt", title="AI 周观察", broker="国金证券", date="2024-12-08")
GUOJIN_OUTLOOK = ReportMeta(file="b.txt", title="2025 AI 行业前瞻报告", broker="国金证券")
DONGWU = ReportMeta(file="c.txt", title="从字节大会看算力产业的三个趋势", broker="东吴证券", date="2024-12-24")
REPORTS = [GUOJIN_WEEKLY, GUOJIN_OUTLOOK, DONGWU]


def passage(text: str, meta: ReportMeta = GUOJIN_WEEKLY) -> Chunk:
    return Chunk(id=str(abs(hash(text))), text=text, file=meta.file, start=0, end=len(text), meta=meta)


def test_rrf_sums_reciprocal_ranks():
    fused = rrf([[7, 3, 5], [3, 9]], k=60)
    assert fused[3] == pytest.approx(1 / 62 + 1 / 61)
    assert fused[7] == pytest.approx(1 / 61) and fused[9] == pytest.approx(1 / 62)
    assert max(fused, key=fused.get) == 3


def test_figures_match_whole_numbers_only():
    assert figures("营收 1,800 亿元,同比+47%[3]") == ["1800", "47"]
    assert has_figure("收入 147 亿", "147") and not has_figure("收入 147 亿", "47")
    assert not has_figure("增长 4.7%", "4") and has_figure("增长 4.7%", "4.7")
    assert has_figure("出货 1,800 万只", "1800")  # thousands separators do not hide a figure


def test_check_renumbers_drops_bad_markers_and_flags_unsupported_figures():
    p1 = passage("博通 FY24Q3 实现营业收入 131 亿美元,同比增长 47%。")
    p2 = passage("运营利润 79 亿美元,同比增长 44%。")
    text = "收入131亿美元[2]。利润79亿美元[3]。利润率为60%[3]。另有说法[7]。"
    out, cites = check(text, [p2, p1, p2])
    assert out == "收入131亿美元[1]。利润79亿美元[2]。利润率为60%[2]（未核实）。另有说法。"
    assert [c.n for c in cites] == [1, 2]
    assert cites[0].chunk is p1 and cites[0].verified
    assert cites[1].chunk is p2 and not cites[1].verified  # cited by a sentence with a figure it lacks
    assert cites[1].highlight == "运营利润 79 亿美元,同比增长 44%。"


def test_check_handles_grouped_markers_and_report_metadata():
    p1 = passage("全年 AI 收入预计 120 亿美元。")
    p2 = passage("AI 收入 122 亿美元。", DONGWU)
    out, cites = check("国金《AI 周观察》（2024-12-08）预计120亿美元，东吴称122亿美元[1,2]。", [p1, p2])
    assert out.endswith("[1][2]。") and "未核实" not in out  # 2024-12-08 is the report's own date
    assert len(cites) == 2 and all(c.verified for c in cites)


def test_check_flags_uncited_invented_figures_only():
    p = passage("AI 眼镜 2025 年出货 550 万副。")
    assert check("报告认为出货550万副。", [p])[0] == "报告认为出货550万副。"
    assert check("报告认为出货600万副。", [p])[0] == "报告认为出货600万副（未核实）。"


def test_question_kinds():
    assert fact_kind("博通FY24Q3收入多少？") == "figure"
    assert fact_kind("o1 模型是哪天发布的？") == "date"
    assert fact_kind("哪家公司提供AI芯片？") == "name"
    assert fact_kind("国金列了哪些风险") == "name"
    assert fact_kind("简述报告的核心逻辑") == "other"


def test_brokers_and_reports_named_in_a_question():
    assert broker_short("国金证券") == "国金" and broker_short("东吴证券股份有限公司") == "东吴"
    assert named_brokers("那东吴怎么看？", REPORTS) == ["东吴证券"]
    assert named_reports("国金的2025前瞻报告里AI眼镜出货量", REPORTS) == {"b.txt"}
    assert named_reports("国金周观察里博通收入", REPORTS) == {"a.txt"}
    assert named_reports("国金认为…", REPORTS) == {"a.txt", "b.txt"}
    assert named_reports("博通收入多少", REPORTS) == set()


def test_filters_validate_and_select():
    with pytest.raises(SettingsError, match="2024-12-31"):
        Filters(date_from="2024/12/01")
    assert Filters().empty and allows(Filters(), GUOJIN_WEEKLY)
    assert allows(Filters(brokers=("国金",)), GUOJIN_OUTLOOK) and not allows(Filters(brokers=("国金",)), DONGWU)
    between = Filters(date_from="2024-12-10", date_to="2024-12-31")
    assert allows(between, DONGWU) and not allows(between, GUOJIN_WEEKLY)
    assert not allows(between, GUOJIN_OUTLOOK)  # undated reports fail a date filter
    assert allows(Filters(files=("a.txt",)), GUOJIN_WEEKLY) and not allows(Filters(files=("a.txt",)), DONGWU)


@pytest.mark.parametrize(
    "question, previous, expect",
    [
        ("那东吴怎么看？", "国金认为2025年AI眼镜出货量是多少？", "东吴认为2025年AI眼镜出货量是多少？"),
        ("它三季度的出货量呢？", "Meta Rayban眼镜二季度出货量是多少？", "meta三季度的出货量？"),
        ("它的运营利润呢？", "国金周观察里博通FY24Q3收入多少？", "国金：博通FY24Q3运营利润？"),
        ("那2025年呢？", "AI手机2024年出货量是多少？", "AI手机2025年出货量是多少？"),
        ("博通FY24Q3收入多少？", "国金认为2025年AI眼镜出货量是多少？", "博通FY24Q3收入多少？"),  # standalone
        ("它的收入呢？", "", "它的收入呢？"),  # no history, nothing to carry
    ],
)
def test_follow_up_rules(question, previous, expect):
    assert rewrite(question, previous, REPORTS) == expect


def test_is_followup():
    assert is_followup("那东吴怎么看？") and is_followup("它的利润呢") and is_followup("其毛利率是多少")
    assert not is_followup("博通FY24Q3实现营业收入多少？")


def test_cell_for_picks_the_column_the_question_names():
    header = "GPU型号\t910B OAM\t沐曦曦云C500 OAM\t寒武纪 MLU370X8"
    row = "显存带宽\t1.6 TB/s\t1.84 TB/s\t614.4 GB/s"
    assert cell_for("沐曦曦云C500 OAM的显存带宽是多少？", header, row) == ("沐曦曦云C500 OAM", "1.84 TB/s")
    assert cell_for("显存带宽是多少？", header, row) is None  # no column named
    assert cell_for("沐曦的显存带宽", header, "显存带宽\t1.6 TB/s") is None  # cells do not line up


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory):
    """A small random cross-encoder built locally from a config: the code path, no download."""
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    d = tmp_path_factory.mktemp("tiny-ce")
    chars = sorted(set("博通收入营业亿美元同比增长豆包模型日均使用量万国金东吴民生华西0123456789abcdefghijklmnopqrstuvwxyz"))
    (d / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars]), encoding="utf-8")
    tok = BertTokenizerFast(vocab_file=str(d / "vocab.txt"))
    cfg = BertConfig(vocab_size=5 + len(chars), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=64, num_labels=1, max_position_embeddings=512)
    BertForSequenceClassification(cfg).save_pretrained(d)
    tok.save_pretrained(d)
    return d


def test_reranker_reorders_the_head_of_the_ranking(chain, tiny_cross_encoder):
    from yanbao.qa.rerank import Reranker
    from yanbao.qa.retrieve import Retriever

    reranker = Reranker(str(tiny_cross_encoder))
    scores = reranker.score("博通收入", ["博通收入 131 亿美元", "豆包模型"])
    assert len(scores) == 2 and all(isinstance(s, float) for s in scores)
    r = Retriever(chain.retriever.index, chain.retriever.embedder, chain.retriever.config, reranker=reranker)
    hits = r.retrieve("博通FY24Q3实现营业收入多少？", k=6)
    assert len(hits) == 6 and all("rerank" in h.scores for h in hits)
    assert [h.scores["rerank"] for h in hits] == sorted((h.scores["rerank"] for h in hits), reverse=True)


def test_reranker_that_cannot_load_names_the_setting(tmp_path, monkeypatch):
    from yanbao.qa.rerank import Reranker

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError, match="YANBAO_RERANKER"):
        Reranker(str(tmp_path / "no-such-model")).score("q", ["p"])


def test_check_reads_bracket_styles_llms_use():
    p = passage("博通 FY24Q3 实现营业收入 131 亿美元。")
    out, cites = check("收入131亿美元［1］。又见【1】。", [p])
    assert out == "收入131亿美元[1]。又见[1]。" and len(cites) == 1


def test_quoted_report_brackets_are_not_markers():
    from yanbao.qa.extractive import _quote

    assert _quote("估值区间[25,30]倍，见注[1]") == "估值区间〔25,30〕倍，见注〔1〕"


def test_pronoun_rule_ignores_words_with_qi():
    assert not is_followup("AI眼镜还有其他厂商吗？")
    assert rewrite("其中哪家份额最高？", "博通收入多少？", REPORTS) == "其中哪家份额最高？"


def test_analyst_questions_need_a_who():
    from yanbao.qa.meta import asks_about_authors

    assert asks_about_authors("署名分析师是谁？") and asks_about_authors("李萌的执业证号是多少")
    assert not asks_about_authors("国金证券分析师预计2025年AI眼镜出货量多少？")


def test_a_named_broker_wins_over_title_words():
    other = ReportMeta(file="d.txt", title="国产算力 国产化 算力 趋势", broker="某某证券")
    assert named_reports("东吴认为国产算力趋势如何", [*REPORTS, other]) == {"c.txt"}


def _named_reports_by_scan(question: str, reports: list[ReportMeta]) -> set[str]:
    """The rule of named_reports written as a scan of every report (the catalog must agree)."""
    from yanbao.index.tokenize import tokenize
    from yanbao.qa.query import _title_terms

    q_terms = set(tokenize(question))
    brokers = set(named_brokers(question, reports))
    scored = [(len(_title_terms(r.title or "") & q_terms), r.file) for r in reports]
    scored = [(n, f) for (n, f), r in zip(scored, reports) if ((r.broker in brokers) if brokers else n >= 2)]
    best = max((n for n, _ in scored), default=None)
    return {f for n, f in scored if n == best}


def _content_terms_by_scan(question: str, reports: list[ReportMeta]) -> list[str]:
    """The rule of content_terms with the broker words gathered from every report."""
    from yanbao.index.tokenize import tokenize
    from yanbao.qa.query import QUESTION_WORDS, _broker_terms

    drop = set(QUESTION_WORDS).union(*(_broker_terms(r.broker) for r in reports if r.broker))
    return list(dict.fromkeys(t for t in tokenize(question) if t not in drop))


def test_the_catalog_names_the_same_reports_as_a_scan_among_many():
    import random

    from yanbao.qa.query import Catalog, content_terms

    rng = random.Random(7)
    words = ["算力", "AI", "眼镜", "前瞻", "周观察", "光模块", "博通", "豆包", "2025", "国产", "芯片", "深度"]
    brokers = ["国金证券", "东吴证券", "民生证券", "华西证券", None]
    reports = [ReportMeta(file=f"r{i}.txt", title="".join(rng.sample(words, rng.randint(1, 4))), broker=rng.choice(brokers))
               for i in range(300)]
    cat = Catalog(reports)
    questions = ["国金的2025前瞻报告里AI眼镜出货量", "东吴认为国产算力芯片如何", "光模块博通深度", "豆包周观察", "华西怎么看", "无关的问题"]
    questions += ["".join(rng.sample(words + ["国金", "东吴", "的"], 4)) for _ in range(40)]
    for q in questions:
        assert named_reports(q, cat) == _named_reports_by_scan(q, reports), q
        assert content_terms(q, cat) == _content_terms_by_scan(q, reports), q
    assert cat.brokers == tuple(sorted(b for b in brokers if b))
