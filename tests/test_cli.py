"""The `yanbao` command itself, run as a subprocess."""

from __future__ import annotations

import json

from tests.conftest import REPORT_FILES, run_cli


def test_help_is_instant_and_lists_commands():
    out = run_cli("--help")
    assert out.returncode == 0
    assert "inspect" in out.stdout


def test_inspect_json_shows_metadata_of_004(reports_dir):
    out = run_cli("inspect", str(reports_dir / REPORT_FILES["004"]), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    meta = data["meta"]
    assert meta["broker"] == "东吴证券"
    assert meta["date"] == "2024-12-24"
    assert meta["title"] == "从字节大会看算力产业的三个趋势"
    assert meta["rating"] == "增持(维持)"
    assert [a["name"] for a in meta["analysts"]] == ["王紫敬", "王世杰"]
    assert [a["cert"] for a in meta["analysts"]] == ["S0600521080005", "S0600523080004"]
    text = data["cleaned_text"]
    for c in data["chunks"]:
        assert text[c["start"]:c["end"]] == c["text"]
    assert "豆包模型日均 token 使用量超 4 万亿" in text


def test_inspect_human_output(reports_dir):
    out = run_cli("inspect", str(reports_dir / REPORT_FILES["001"]))
    assert out.returncode == 0
    assert "国金证券" in out.stdout and "刘道明" in out.stdout


def test_inspect_bad_file_exits_1_with_reason(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    out = run_cli("inspect", str(p))
    assert out.returncode == 1
    assert "empty.txt" in out.stderr and "empty file" in out.stderr
    assert "Traceback" not in out.stderr


def test_usage_error_exits_2():
    out = run_cli("inspect")
    assert out.returncode == 2


def test_bench_qa_suite_reports_latency(reports_dir, real_index_dir, model_cache):
    import json

    r = run_cli("bench", "--reports", str(reports_dir), "--suite", "qa", "--index", str(real_index_dir),
                "--limit", "5", "--json", env={"YANBAO_CACHE_DIR": str(model_cache)})
    assert r.returncode == 0, r.stderr
    qa = json.loads(r.stdout)["qa"]
    assert qa["questions"] == 5 and len(qa["passes"]) == 2
    assert 0 < qa["passes"][0]["total_ms_p50"] <= qa["passes"][0]["total_ms_p95"]
