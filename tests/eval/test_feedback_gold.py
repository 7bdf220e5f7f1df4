"""👎 feedback with a corrected answer becomes gold items that eval.gold reads (eval.feedback)."""

from __future__ import annotations

from yanbao.eval.feedback import accepted, export_gold
from yanbao.eval.gold import load_gold
from yanbao.types import Feedback

CITES = ({"n": 1, "file": "000.txt", "broker": "国金证券", "title": "AI周观察", "date": None, "page": None, "start": 0,
          "end": 40, "quote": "博通在 FY24Q3 实现营业收入 131 亿美元，同比增长 47%"},
         {"n": 2, "file": "001.txt", "broker": "民生证券", "title": "t", "date": None, "page": 2, "start": 5, "end": 9,
          "quote": "与问题无关的一句"})


def item(fid, verdict, correction, question="博通上季度收入多少？") -> Feedback:
    return Feedback(id=fid, time="2026-12-02T03:00:00+0000", question=question, rewritten_question=question,
                    answer="79 亿美元[1]。", verdict=verdict, correction=correction, citations=CITES)


def test_thumbs_down_with_a_correction_becomes_a_gold_item(tmp_path):
    out = tmp_path / "gold.jsonl"
    n = export_gold([item("a", "down", "131 亿美元"), item("b", "down", ""), item("c", "up", "131 亿美元"),
                     item("d", "down", "华西证券认为国产算力的格局会在明年明显改善，主要是供应链本土化")], out)
    assert n == 2
    gold = load_gold(out)
    assert [g.id for g in gold] == ["fb-a", "fb-d"]
    a, d = gold
    assert a.accept == ("131 亿美元",) and a.type == "numeric" and a.answerable
    assert [(s.file, s.quote) for s in a.sources] == [("000.txt", CITES[0]["quote"])]  # only the quote holding it
    assert d.accept == () and d.key_points and d.type == "summary" and d.sources == ()


def test_what_a_correction_accepts():
    assert accepted("131亿美元，同比增长47%") == (("131亿美元", "47%"), ())
    assert accepted("刘道明") == (("刘道明",), ())
    assert accepted("3.43") == (("3.43",), ())
    long = "公司认为国产算力格局会在2025年明显改善，主要因为供应链本土化带来的机会较多。"
    assert accepted(long) == ((), (long.rstrip("。"),))  # a bare year inside a sentence is not the answer


def test_feedback_export_command(tmp_path):
    from tests.conftest import run_cli
    from yanbao.qa.feedback import record

    record(tmp_path, item("a", "down", "131 亿美元"))
    record(tmp_path, item("b", "up", ""))
    gold = tmp_path / "out" / "gold.jsonl"
    out = run_cli("feedback", "export", "--gold", str(gold), "--index", str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert "2 verdicts, 1 👎" in out.stdout and "wrote 1 gold items" in out.stdout and "yanbao eval" in out.stdout
    assert [g.id for g in load_gold(gold)] == ["fb-a"]
    assert run_cli("feedback", "--gold", str(gold)).returncode == 2  # the action is required
