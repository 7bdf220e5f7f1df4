"""The `yanbao` command itself, run as a subprocess."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPORT_FILES, ROOT, run_cli


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


def test_bench_index_suite_times_builds_and_the_embedding_alone(model_cache):
    """The suite's mechanics, on the hash embedder (the real model's figures are the bench's own job)."""
    samples = ROOT / "examples" / "reports"
    r = run_cli("bench", "--reports", str(samples), "--suite", "index", "--runs", "2", "--json",
                env={"YANBAO_CACHE_DIR": str(model_cache)}, fake_model=True)
    assert r.returncode == 0, r.stderr
    index = json.loads(r.stdout)["index"]
    assert index["runs"] == 2 and len(index["cold_build_s_runs"]) == 2 and len(index["embed_chunks_per_s_runs"]) == 2
    assert index["chunks"] > 0 and index["reingest_unchanged_s_median"] < index["cold_build_s_median"]
    # the embedding alone runs faster than the whole build around it
    assert 0 < index["index_chunks_per_s_median"] < index["embed_chunks_per_s_median"]


@pytest.mark.slow
def test_ingest_takes_odd_paths_and_skips_hostile_files_one_by_one(tmp_path, reports_dir, model_cache):
    """`yanbao ingest` with odd names, a 50 MB text file, an empty file and binary data named
    .pdf in one batch: each bad file gets its own line, the good ones all land. On the hash
    embedder: the paths are the point, not the model."""
    env = {"YANBAO_CACHE_DIR": str(model_cache), "YANBAO_INDEX_DIR": str(tmp_path / "idx")}
    assert run_cli("ingest", str(reports_dir / REPORT_FILES["004"]), env=env, fake_model=True).returncode == 0
    odd = tmp_path / "odd dir（研报）"
    odd.mkdir()
    good = {
        "报告 with spaces.txt": "测试证券认为芯片出货量为 101 万颗。",
        "-dash.txt": "测试证券认为模组出货量为 202 万只。",
        "a..b.txt": "测试证券认为光模块出货量为 303 万只。",
        "ctl\x1b[31mred\x07.txt": "测试证券认为服务器出货量为 404 万台。",
        ("长" * 78) + ".txt": "测试证券认为显卡出货量为 505 万张。",  # 238 bytes, near the 255-byte limit
    }
    for name, text in good.items():
        (odd / name).write_text(text, encoding="utf-8")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.pdf").write_bytes(bytes(range(256)) * 64)
    line = "测试证券认为芯片出货量为 100 万颗，同比增长 12%。\n".encode()
    (bad / "huge.txt").write_bytes(line * (50 * 2**20 // len(line) + 1))  # 50 MB of text
    dotted = str(odd / ".." / odd.name / "a..b.txt")  # absolute, with a '..' step in it
    r = run_cli("ingest", str(odd), dotted, str(bad), env=env, fake_model=True)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "\x1b" not in out and "\x07" not in out  # no terminal escapes from file names
    assert "added      ctl\\x1b[31mred\\x07.txt" in out
    assert out.count("added ") == 5 and out.count("a..b.txt") == 1  # named twice, read once
    skipped = {line.split(":")[0].split()[-1]: line for line in out.splitlines() if line.startswith("skipped")}
    assert set(skipped) == {"empty.txt", "binary.pdf", "huge.txt"}
    assert "limit for one report" in skipped["huge.txt"] and "YANBAO_MAX_REPORT_CHARS" in skipped["huge.txt"]
    assert "empty file" in skipped["empty.txt"] and "binary" in skipped["binary.pdf"]
    listed = json.loads(run_cli("list", "--json", env=env, fake_model=True).stdout)
    assert {r["file"] for r in listed["reports"]} == set(good) | {REPORT_FILES["004"]}
    r = run_cli("ask", "服务器出货量是多少？", "--json", env=env, fake_model=True)
    assert r.returncode == 0 and "404" in r.stdout


def test_meta_shows_and_corrects_a_report_and_names_bad_input(tmp_path, real_index_dir, model_cache):
    import shutil

    index = tmp_path / "idx"
    shutil.copytree(real_index_dir, index)
    env = {"YANBAO_CACHE_DIR": str(model_cache), "YANBAO_INDEX_DIR": str(index)}
    f = REPORT_FILES["004"]
    shown = run_cli("meta", f, env=env)
    assert shown.returncode == 0, shown.stderr
    assert "东吴证券" in shown.stdout and "2024-12-24" in shown.stdout and "人工更正" not in shown.stdout
    bad = run_cli("meta", f, "--date", "2024/12/24", env=env)
    assert bad.returncode == 1 and "yyyy-mm-dd" in bad.stderr and "Traceback" not in bad.stderr
    unknown = run_cli("meta", "nope.pdf", "--title", "x", env=env)
    assert unknown.returncode == 1 and "nope.pdf" in unknown.stderr and "yanbao list" in unknown.stderr
    fixed = run_cli("meta", f, "--broker", "测试证券", "--date", "2025-01-02", "--analysts", "王紫敬、新同事 S0600521080099", "--json",
                    env=env)
    assert fixed.returncode == 0, fixed.stderr
    data = json.loads(fixed.stdout)
    assert data["changed"] == ["broker", "date", "analysts"] and data["corrected"] == ["analysts", "broker", "date"]
    assert [(a["name"], a["cert"]) for a in data["meta"]["analysts"]] == [("王紫敬", "S0600521080005"), ("新同事", "S0600521080099")]
    assert "测试证券\t2025-01-02" in run_cli("list", env=env).stdout
    assert "(人工更正)" in run_cli("meta", f, env=env).stdout
    asked = run_cli("ask", "豆包通用模型的日均tokens使用量是多少？", "--broker", "测试", "--json", env=env)
    assert asked.returncode == 0, asked.stderr
    cites = json.loads(asked.stdout)["citations"]
    assert cites and {(c["broker"], c["date"]) for c in cites} == {("测试证券", "2025-01-02")}
