"""`yanbao eval GOLD --answers FILE` (no index), `--check-judge` and `--judge-llm` end to end through
the real CLI; the answers-file reader; the scorer's speed."""

from __future__ import annotations

import json
import time

import pytest

from tests.conftest import ROOT, run_cli
from tests.openai_server import openai_server
from yanbao.errors import AnswersFileError
from yanbao.eval.gold import load_answers, load_gold
from yanbao.eval.run import check_judge, score_answers

DEV = ROOT / "evalsets" / "dev.jsonl"
SAMPLE = ROOT / "tests" / "eval" / "data" / "judgments_sample.jsonl"


def write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def small_gold(tmp_path):
    lines = DEV.read_text(encoding="utf-8").splitlines()
    keep = [line for line in lines if json.loads(line)["id"] in {"q003", "q017", "q035", "q036"}]
    keep += [line for line in lines if '"unanswerable"' in line][:1]
    return write(tmp_path / "gold.jsonl", [json.loads(line) for line in keep])


def test_eval_answers_without_an_index(tmp_path):
    gold = small_gold(tmp_path)
    unanswerable = [i for i in load_gold(gold) if not i.answerable][0]
    answers = write(tmp_path / "answers.jsonl", [
        {"id": "q003", "answer": "博通FY24Q3收入13.1 billion dollars，同比增长47%。",
         "citations": [{"file": "000_6724fe6d17e3af52.txt", "start": 10, "end": 20}]},
        {"id": "q017", "answer": "腾讯于2024年12月13日推出。", "refused": False},
        {"id": "q035", "answer": "风险：芯片制程与良率不及预期；AI硬件销量低于预期。"},
        {"id": unanswerable.id, "answer": "报告中未提及。"},
        {"id": "zzz", "answer": "不在题库里"},
    ])
    out = tmp_path / "out"
    r = run_cli("eval", str(gold), "--answers", str(answers), "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    m = json.loads(r.stdout)
    assert m["mode"] == "answers" and m["n_items"] == 5 and m["n_unanswered"] == 1 and m["n_unknown_ids"] == 1
    assert m["hit@5"] is None and m["mrr@10"] is None and m["latency_ms_p50"] is None  # no "retrieved", no latency
    assert m["citation_precision"] is None  # citations without text
    assert m["answer_accuracy"] == 0.5 and m["refusal_accuracy"] == 1.0
    rows = {x["id"]: x for x in map(json.loads, (out / "results.jsonl").read_text(encoding="utf-8").splitlines())}
    assert rows["q003"]["correct"] is True and "13.1 billion dollars" in rows["q003"]["answer_verdict"]["reason"]
    assert rows["q017"]["answer_verdict"] == {"correct": False, "reason": "missing 2024年12月3日; states 2024年12月13日"}
    assert rows["q035"]["key_points_covered"] == [True, False, True] and rows["q035"]["key_point_coverage"] == pytest.approx(2 / 3)
    assert rows["q036"]["refused"] is True and rows["q036"]["key_points_covered"] == [False] * 4  # not answered
    assert rows["q003"]["citation_recall"] == 1.0 and rows["q017"]["citation_recall"] is None
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "判定: missing 2024年12月3日" in md and "## 要点 Key points" in md


def test_answers_with_retrieved_passages_get_retrieval_and_citation_scores(tmp_path):
    items = [i for i in load_gold(DEV) if i.id == "q003"]
    quote = items[0].sources[0].quote
    text = "业绩回顾：" + quote + "。AI 收入强劲。"
    answers = {"q003": load_answers(write(tmp_path / "a.jsonl", [{
        "id": "q003", "answer": "131亿美元，同比增长47%", "latency_ms": 12.5,
        "retrieved": [{"file": "z.txt", "start": 0, "end": 8, "text": "无关的宏观段落。"},
                      {"file": "000_6724fe6d17e3af52.txt", "start": 100, "end": 100 + len(text), "text": text}],
        "citations": [{"file": "000_6724fe6d17e3af52.txt", "start": 105, "end": 100 + len(text)}]}]))["q003"]}
    m, results = score_answers(items, answers, show_progress=False)
    assert (m["hit@1"], m["hit@3"], m["mrr@10"]) == (0.0, 1.0, 0.5)
    assert m["citation_precision"] == 1.0 and m["citation_recall"] == 1.0 and m["latency_ms_p50"] == 12.5


@pytest.mark.parametrize("line, pattern", [
    ("{not json", r"line 2: not valid JSON"),
    (json.dumps({"answer": "x"}), r"line 2: field 'id': missing"),
    (json.dumps({"id": "q1", "answer": 3}), r"line 2: field 'answer'"),
    (json.dumps({"id": "q1", "answer": "x", "refused": "yes"}), r"field 'refused'"),
    (json.dumps({"id": "q1", "answer": "x", "citations": [{"file": "a.txt", "start": "0"}]}), r"field 'citations'"),
    (json.dumps({"id": "q1", "answer": "x", "retrieved": [{"file": "a.txt", "start": 0, "end": 2}]}), r"field 'retrieved'.*text"),
    (json.dumps({"id": "q0", "answer": "again"}), r"field 'id': 'q0' is answered twice"),
])
def test_bad_answers_files_name_line_and_field(tmp_path, line, pattern):
    path = tmp_path / "answers.jsonl"
    path.write_text(json.dumps({"id": "q0", "answer": "ok"}) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(AnswersFileError, match=pattern):
        load_answers(path)


def test_cli_reports_an_answers_file_for_another_gold(tmp_path):
    answers = write(tmp_path / "a.jsonl", [{"id": "nope", "answer": "x"}])
    r = run_cli("eval", str(small_gold(tmp_path)), "--answers", str(answers))
    assert r.returncode == 1 and "none of its ids" in r.stderr


def test_check_judge_prints_agreement_per_type():
    r = run_cli("eval", "--check-judge", str(SAMPLE), str(DEV))
    assert r.returncode == 0, r.stderr
    assert "answer" in r.stdout and "key_point" in r.stdout and "t05" in r.stdout
    table = check_judge(SAMPLE, DEV)
    assert table["types"]["answer"] == {"n": 5, "agree": 4, "agreement": 0.8}
    assert table["types"]["key_point"] == {"n": 2, "agree": 2, "agreement": 1.0}
    assert [d["id"] for d in table["disagreements"]] == ["t05"]
    assert table["answer_kinds"]["paraphrase"]["agreement"] == 1.0


def test_judge_llm_is_reported_beside_the_rules(tmp_path):
    gold = small_gold(tmp_path)
    answers = write(tmp_path / "answers.jsonl", [{"id": "q003", "answer": "营收131亿美元，同比增长47%"},
                                                {"id": "q017", "answer": "2024年12月13日"}])

    def reply(body):  # a judge that calls every answer right and every key point covered
        n = body["messages"][-1]["content"].count("要点")
        return json.dumps({"correct": True, "key_points_covered": [True] * n, "reason": "看起来对"}, ensure_ascii=False)

    with openai_server(reply=reply) as server:
        env = {"YANBAO_LLM_BASE_URL": server.base_url, "YANBAO_LLM_MODEL": "test-model", "YANBAO_LLM_API_KEY": "sk-test"}
        r = run_cli("eval", str(gold), "--answers", str(answers), "--judge-llm", "--json", env=env)
        assert r.returncode == 0, r.stderr
        m = json.loads(r.stdout)
        assert m["answer_accuracy"] == 0.5 and m["llm_answer_accuracy"] == 1.0  # rules first, the LLM beside
        assert m["llm_rule_agreement_answer"] == 0.5 and m["llm_key_point_coverage"] == 1.0
        assert len(server.requests) == 5
        r = run_cli("eval", "--check-judge", str(SAMPLE), str(DEV), "--judge-llm", env=env)
        assert r.returncode == 0 and "llm agreement" in r.stdout


def test_scorer_speed_without_llm():
    """At least 1,000 items a minute without an LLM: the dev set's gold answers, reworded each round so
    that no cache helps, scored 3 times."""
    from yanbao.eval.gold import GivenAnswer

    items = load_gold(DEV)
    n = 0
    t = time.perf_counter()
    for k in range(3):
        answers = {i.id: GivenAnswer(i.id, f"据第{k + 1}份报告：{i.answer}另见表{k + 7}。") for i in items}
        score_answers(items, answers, show_progress=False)
        n += len(items)
    per_min = n / (time.perf_counter() - t) * 60
    assert per_min >= 1000, per_min
