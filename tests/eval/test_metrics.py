"""Scoring: normalisation, the quote-hit rule, gold-file validation, per-item and aggregate
metrics, and the four output files."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from tests.conftest import ROOT
from yanbao.errors import GoldFileError
from yanbao.eval.gold import GoldItem, Source, load_gold
from yanbao.eval.metrics import (
    aggregate,
    answer_correct,
    key_point_coverage,
    normalize,
    percentile,
    quote_hits,
    retrieval_aggregate,
    retrieval_scores,
    score_item,
)
from yanbao.eval.report import write_outputs
from yanbao.types import Answer, Chunk, Citation, Hit

METRIC_KEYS = {
    "n_items", "hit@1", "hit@3", "hit@5", "hit@10", "mrr@10", "all_sources@10", "answer_accuracy",
    "key_point_coverage", "refusal_accuracy", "false_refusal_rate", "citation_precision",
    "citation_recall", "latency_ms_p50", "latency_ms_p95",
}


def chunk(text: str, file: str = "a.txt") -> Chunk:
    return Chunk(id=f"{file}:{text[:8]}", text=text, file=file, start=0, end=len(text))


def hits(*chunks: Chunk) -> tuple[Hit, ...]:
    return tuple(Hit(chunk=c, score=1.0 / i, rank=i) for i, c in enumerate(chunks, 1))


def item(id="q1", type="numeric", accept=(), key_points=(), sources=(), answer="gold") -> GoldItem:
    return GoldItem(id, f"问题{id}", answer, tuple(accept), tuple(key_points),
                    tuple(Source(f, q) for f, q in sources), type, "easy")


FILLER = chunk("与本题无关的段落：宏观经济与利率走势。", "z.txt")


# normalize / quote_hits / answer rules

@pytest.mark.parametrize("raw, expected", [
    ("增长１２．５％", "增长12.5%"),
    ("营收 131 亿美元\n同比\u3000增长", "营收131亿美元同比增长"),
    ("收入1,234万元，共12,345,678股", "收入1234万元,共12345678股"),
    ("1,2345 与 2023,24", "1,2345与2023,24"),  # not thousands groups: kept
    ("**净利润**为 **3.2亿元**", "净利润为3.2亿元"),
    ("FY24Q3 ＡＩ Sora", "fy24q3aisora"),
])
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_quote_with_joined_line_break_and_full_width_punctuation_hits_nfkc_chunk():
    quote = "博通在 FY24Q3 实现营业收入 **131** 亿美元，\n同比增长 47％（创历史新高）"
    chunk_text = "业绩回顾:博通在 FY24Q3 实现营业收入 131 亿美元,同比增长 47%(创历史新高)。AI 收入强劲。"
    assert quote_hits(quote, chunk_text)
    assert not quote_hits(quote, FILLER.text)


def test_quote_hits_longest_common_substring_threshold():
    quote = "abcdefghij"  # 10 characters: 6 in one run is enough, 5 is not
    assert quote_hits(quote, "xx abcdef yy ghij")
    assert not quote_hits(quote, "xx abcde yy fghij")
    assert not quote_hits("", "anything")


def test_answer_correct_and_key_points():
    it = item(accept=["131亿美元", "S1130520020004"])
    assert answer_correct(it, "博通收入为 １３１ 亿美元。")
    assert answer_correct(it, "证书编号 s1130520020004")
    assert not answer_correct(it, "收入为 13.1 亿美元")
    assert not answer_correct(item(key_points=["x"]), "x")  # no accept strings: never correct
    kp = item(type="summary", key_points=["芯片制程发展与良率不及预期", "中美科技领域政策恶化", "AI硬件销量不及预期"])
    assert key_point_coverage(kp, "风险：芯片制程发展与良率不及预期；ai 硬件销量不及预期。") == pytest.approx(2 / 3)
    assert key_point_coverage(kp, "无关回答") == 0.0


# gold file

def test_load_gold_reads_the_dev_set():
    items = load_gold(ROOT / "evalsets" / "dev.jsonl")
    assert len(items) == 565 and len({i.id for i in items}) == 565
    assert all(isinstance(i.accept, tuple) and isinstance(i.sources, tuple) for i in items)
    unanswerable = [i for i in items if not i.answerable]
    assert unanswerable and all(not i.accept and not i.sources for i in unanswerable)
    assert all(s.quote and s.file for i in items for s in i.sources)


GOOD = {"id": "q1", "question": "问", "answer": "答", "accept": ["答"], "key_points": [],
        "sources": [{"file": "a.txt", "quote": "答案在此"}], "type": "numeric", "difficulty": "easy"}


@pytest.mark.parametrize("bad_line, pattern", [
    ("{not json", r"line 3: not valid JSON"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "sources"}), r"line 3: field 'sources': missing"),
    (json.dumps({**GOOD, "type": "trivia"}), r"line 3: field 'type': 'trivia' is not allowed; use one of numeric"),
    (json.dumps({**GOOD, "difficulty": "extreme"}), r"line 3: field 'difficulty'"),
    (json.dumps({**GOOD, "accept": "答"}), r"line 3: field 'accept': .* not a list"),
    (json.dumps({**GOOD, "sources": [{"file": "a.txt"}]}), r"line 3: field 'sources'"),
    (json.dumps({**GOOD, "type": "unanswerable"}), r"line 3: field 'accept': must be empty"),
    (json.dumps(GOOD), r"line 3: field 'id': 'q1' is already used on line 1; give every item a unique id"),
])
def test_load_gold_names_file_line_and_field(tmp_path, bad_line, pattern):
    path = tmp_path / "qs.jsonl"
    path.write_text(json.dumps(GOOD, ensure_ascii=False) + "\n\n" + bad_line + "\n", encoding="utf-8")
    with pytest.raises(GoldFileError, match=pattern) as e:
        load_gold(path)
    assert str(path) in str(e.value)


def test_load_gold_skips_blank_lines_and_tolerates_extra_keys(tmp_path):
    path = tmp_path / "qs.jsonl"
    lines = [json.dumps({**GOOD, "note": "额外"}, ensure_ascii=False), "", "  ",
             json.dumps({**GOOD, "id": "q2", "type": "unanswerable", "accept": [], "sources": []})]
    path.write_text("\n".join(lines), encoding="utf-8")
    items = load_gold(path)
    assert [i.id for i in items] == ["q1", "q2"] and [i.answerable for i in items] == [True, False]
    with pytest.raises(GoldFileError, match="no such question file"):
        load_gold(tmp_path / "missing.jsonl")


# scoring

Q_A = "博通在 FY24Q3 实现营业收入 131 亿美元"
Q_B = "英伟达数据中心收入 263 亿美元"
C_A = chunk("业绩:博通在 FY24Q3 实现营业收入 131 亿美元,同比增长 47%。", "a.txt")
C_B = chunk("英伟达数据中心收入 263 亿美元,环比增长 16%。", "b.txt")


def results_for_a_small_set():
    numeric = item("n1", accept=["131亿美元"], sources=[("a.txt", Q_A)])
    multi = item("m1", "multi_hop", accept=["263亿美元"], sources=[("a.txt", Q_A), ("b.txt", Q_B)])
    missed = item("n2", accept=["47%"], sources=[("a.txt", Q_A)])
    summary = item("s1", "summary", key_points=["博通营业收入", "英伟达数据中心收入"], sources=[("a.txt", Q_A)])
    unans = [item("u1", "unanswerable"), item("u2", "unanswerable")]
    answers = [
        Answer("", "博通收入131亿美元[1]", citations=(Citation(1, C_A, "131 亿美元"), Citation(2, FILLER, "")),
               hits=hits(FILLER, C_A, C_B), timings_ms={"total": 100.0}),
        Answer("", "英伟达 263 亿美元", citations=(Citation(1, C_B, ""),), hits=hits(C_B, FILLER, C_A),
               timings_ms={"total": 300.0}),
        Answer("", "报告中没有相关信息", refused=True, hits=hits(*[FILLER] * 10, C_A), timings_ms={"total": 200.0}),
        Answer("", "博通营业收入 131 亿美元", citations=(Citation(1, C_A, ""),), hits=hits(C_A)),
        Answer("", "报告中没有相关信息", refused=True, hits=hits(FILLER), timings_ms={"total": 400.0}),
        Answer("", "大约 5 亿元", hits=hits(FILLER), citations=(Citation(1, FILLER, ""),)),
    ]
    return [score_item(i, a) for i, a in zip([numeric, multi, missed, summary, *unans], answers)]


def test_score_item():
    r = {x.id: x for x in results_for_a_small_set()}
    assert (r["n1"].correct, r["n1"].first_hit_rank, r["n1"].all_sources_at10) == (True, 2, None)
    assert r["n1"].citation_precision == 0.5 and r["n1"].citation_recall == 1.0 and r["n1"].latency_ms == 100.0
    assert (r["m1"].correct, r["m1"].first_hit_rank, r["m1"].all_sources_at10) == (True, 1, True)
    assert r["m1"].citation_precision == 1.0 and r["m1"].citation_recall == 0.5
    # refused answerable: wrong; the only hit sits at rank 11, outside the top 10
    assert (r["n2"].correct, r["n2"].refused, r["n2"].first_hit_rank) == (False, True, None)
    assert r["n2"].citation_precision is None and r["n2"].citation_recall == 0.0
    assert r["s1"].correct is None and r["s1"].key_point_coverage == 0.5 and r["s1"].latency_ms is None
    assert r["s1"].key_points_covered == (True, False) and r["s1"].answer_verdict["correct"] is True
    assert r["n1"].answer_verdict == {"correct": True, "reason": "states 131亿美元 (= 131亿美元)"}
    assert r["n2"].answer_verdict["reason"] == "refused an answerable question" and r["n2"].key_points_covered is None
    assert r["u1"].answer_verdict["correct"] is True and r["u2"].answer_verdict["correct"] is False
    assert r["u1"].correct is None and r["u1"].citation_precision is None and r["u1"].citation_recall is None
    assert r["u2"].n_quotes == 0 and r["u2"].first_hit_rank is None
    assert r["n1"].retrieved[1][:2] == (2, "a.txt") and r["n1"].citations[0][:2] == (1, "a.txt")
    assert json.loads(json.dumps(r["n1"].to_json(), ensure_ascii=False))["retrieved"][0][0] == 1


def test_aggregate():
    m = aggregate(results_for_a_small_set())
    assert set(m) == METRIC_KEYS | {"by_type"}
    assert m["n_items"] == 6
    # first ranks over the 4 items with quotes: 2, 1, miss, 1
    assert (m["hit@1"], m["hit@3"], m["hit@5"], m["hit@10"]) == (0.5, 0.75, 0.75, 0.75)
    assert m["mrr@10"] == round((1 / 2 + 1 + 0 + 1) / 4, 4) and m["all_sources@10"] == 1.0
    assert m["answer_accuracy"] == round(2 / 3, 4)
    assert m["key_point_coverage"] == 0.5
    assert m["refusal_accuracy"] == 0.5 and m["false_refusal_rate"] == 0.25
    assert m["citation_precision"] == round((0.5 + 1 + 1) / 3, 4)
    assert m["citation_recall"] == round((1 + 0.5 + 0 + 1) / 4, 4)
    assert (m["latency_ms_p50"], m["latency_ms_p95"]) == (200.0, 400.0)  # nearest rank of 100..400
    bt = m["by_type"]
    assert set(bt) == {"numeric", "multi_hop", "summary", "unanswerable"}
    assert all(set(v) == METRIC_KEYS for v in bt.values())
    assert bt["numeric"]["n_items"] == 2 and bt["numeric"]["answer_accuracy"] == 0.5
    un = bt["unanswerable"]
    assert un["refusal_accuracy"] == 0.5
    assert all(un[k] is None for k in ("hit@1", "mrr@10", "answer_accuracy", "false_refusal_rate", "citation_recall"))
    assert bt["summary"]["answer_accuracy"] is None and bt["summary"]["refusal_accuracy"] is None
    assert bt["summary"]["latency_ms_p50"] is None


def test_aggregate_of_nothing_is_all_none():
    m = aggregate([])
    assert m["n_items"] == 0 and m["by_type"] == {}
    assert all(m[k] is None for k in METRIC_KEYS - {"n_items"})


def test_retrieval_aggregate_for_ablations():
    multi = item("m1", "multi_hop", accept=["x"], sources=[("a.txt", Q_A), ("b.txt", Q_B)])
    scores = [retrieval_scores(multi, hits(C_A, FILLER)), retrieval_scores(multi, hits(FILLER, FILLER, C_B, C_A)),
              retrieval_scores(item("u", "unanswerable"), hits(C_A))]
    assert scores[0] == {"n_quotes": 2, "first_hit_rank": 1, "all_sources": False}
    agg = retrieval_aggregate(scores)
    assert agg == {"n_items": 2, "hit@1": 0.5, "hit@3": 1.0, "hit@5": 1.0, "hit@10": 1.0,
                   "mrr@10": round((1 + 1 / 3) / 2, 4), "all_sources@10": 0.5}


def test_percentile_is_nearest_rank():
    assert percentile([5, 1, 3, 2, 4], 50) == 3 and percentile([1, 2], 50) == 1
    assert percentile(list(range(1, 101)), 95) == 95 and percentile([None], 50) is None


# outputs

def test_write_outputs(tmp_path):
    results = results_for_a_small_set()
    metrics = aggregate(results)
    metrics["ablations"] = {name: retrieval_aggregate([]) for name in ("bm25", "dense", "hybrid")}
    paths = write_outputs(tmp_path / "out", metrics, results)
    assert [p.name for p in paths] == ["metrics.json", "results.jsonl", "report.md", "chart.png"]
    assert json.loads(paths[0].read_text(encoding="utf-8")) == metrics
    assert "亿美元" in paths[1].read_text(encoding="utf-8")  # utf-8, not \u escapes
    rows = [json.loads(line) for line in paths[1].read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [r.id for r in results]
    md = paths[2].read_text(encoding="utf-8")
    assert "## 检索消融 Retrieval ablation" in md and "| hybrid |" in md and "| multi_hop |" in md
    assert "误拒 False refusals (1)" in md and "漏拒 Missed refusals (1)" in md and "答错 Wrong answers (0)" in md
    assert "### n2 [numeric/easy]" in md and "`z.txt`" in md
    with Image.open(paths[3]) as img:
        assert img.format == "PNG" and img.size[0] > 300 and img.size[1] > 100
