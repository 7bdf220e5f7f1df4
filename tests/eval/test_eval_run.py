"""`yanbao eval` end to end on a few dev questions: the outputs are well formed (no thresholds)."""

from __future__ import annotations

import json

from PIL import Image

from tests.conftest import ROOT, run_cli

KEYS = {"n_items", "hit@1", "hit@3", "hit@5", "hit@10", "mrr@10", "all_sources@10", "answer_accuracy",
        "key_point_coverage", "refusal_accuracy", "false_refusal_rate", "citation_precision", "citation_recall",
        "latency_ms_p50", "latency_ms_p95", "by_type", "ablations"}


def test_eval_smoke(tmp_path, reports_dir, real_index_dir, model_cache):
    gold = tmp_path / "gold.jsonl"
    lines = (ROOT / "evalsets" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    unanswerable = [line for line in lines if '"unanswerable"' in line][:2]
    gold.write_text("\n".join(lines[:6] + unanswerable) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    r = run_cli("eval", str(gold), "--reports", str(reports_dir), "--index", str(real_index_dir),
                "--out", str(out), "--ablations", "--json", env={"YANBAO_CACHE_DIR": str(model_cache)})
    assert r.returncode == 0, r.stderr
    metrics = json.loads(r.stdout)
    assert KEYS <= set(metrics) and metrics["n_items"] == 8
    for name in ("hit@5", "mrr@10", "answer_accuracy", "refusal_accuracy", "citation_precision"):
        assert 0.0 <= metrics[name] <= 1.0
    assert set(metrics["ablations"]) == {"bm25", "dense", "hybrid"}
    assert "unanswerable" in metrics["by_type"] and metrics["latency_ms_p50"] > 0
    assert json.loads((out / "metrics.json").read_text(encoding="utf-8")) == metrics
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 8 and {"id", "question", "answer", "refused"} <= set(rows[0])
    assert "hit@5" in (out / "report.md").read_text(encoding="utf-8")
    with Image.open(out / "chart.png") as img:
        assert img.format == "PNG" and img.width > 100


def test_eval_reports_a_bad_gold_file(tmp_path, reports_dir):
    gold = tmp_path / "bad.jsonl"
    gold.write_text('{"id": "x", "question": "q"}\n', encoding="utf-8")
    r = run_cli("eval", str(gold), "--reports", str(reports_dir), "--index", str(tmp_path / "idx"))
    assert r.returncode == 1 and "bad.jsonl line 1" in r.stderr


def test_results_carry_the_frame_and_the_coverage(tmp_path):
    from yanbao.eval.gold import GoldItem
    from yanbao.eval.metrics import score_item
    from yanbao.qa.frame import parse
    from yanbao.types import Answer

    item = GoldItem(id="x", question="寒武纪2024年全年实现营业收入多少？", answer="报告中未提及", accept=(), key_points=(),
                    sources=(), type="unanswerable", difficulty="hard")
    answer = Answer(question=item.question, text="报告未给出寒武纪2024年的营收。", refused=True, coverage="partial",
                    frame=parse(item.question))
    r = score_item(item, answer)
    assert r.coverage == "partial" and r.frame["subject"] == "寒武纪" and r.frame["period"] == "2024"
