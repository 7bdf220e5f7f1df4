"""Feedback records in INDEX/feedback.jsonl (qa.feedback)."""

from __future__ import annotations

import json

from yanbao.qa import feedback as fb
from yanbao.types import Answer, Chunk, Citation, ReportMeta


def answer(question="博通FY24Q3营收多少？", text="131 亿美元[1]。") -> Answer:
    meta = ReportMeta(file="000.txt", title="AI周观察", broker="国金证券", date="2024-12-15")
    c = Chunk(id="c1", text="博通在 FY24Q3 实现营业收入 131 亿美元。", file="000.txt", start=10, end=34, page=3, meta=meta)
    return Answer(question=question, text=text, citations=(Citation(1, c, "博通在 FY24Q3 实现营业收入 131 亿美元。"),),
                  rewritten_question=question)


def test_a_later_line_replaces_an_earlier_one_and_an_empty_verdict_withdraws(tmp_path):
    a, b = answer(), answer("豆包的日均tokens？", "4 万亿[1]。")
    fb.record(tmp_path, fb.make(a, "id-a", "down"))
    fb.record(tmp_path, fb.make(b, "id-b", "up"))
    fb.record(tmp_path, fb.make(a, "id-a", "down", note="单位错了", correction="131亿美元"))
    with open(tmp_path / fb.FEEDBACK, "a", encoding="utf-8") as f:
        f.write("{damaged\n")
    got = fb.load(tmp_path)
    assert [(x.id, x.verdict, x.note, x.correction) for x in got] == [("id-a", "down", "单位错了", "131亿美元"), ("id-b", "up", "", "")]
    assert got[0].citations[0] == {"n": 1, "file": "000.txt", "broker": "国金证券", "title": "AI周观察", "date": "2024-12-15",
                                   "page": 3, "start": 10, "end": 34, "quote": "博通在 FY24Q3 实现营业收入 131 亿美元。"}
    fb.record(tmp_path, fb.make(b, "id-b", ""))
    assert [x.id for x in fb.load(tmp_path)] == ["id-a"]
    lines = (tmp_path / fb.FEEDBACK).read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["question"] == "博通FY24Q3营收多少？"  # Chinese kept as is (ensure_ascii=False)
    assert "博通" in lines[0]


def test_no_feedback_file_is_no_feedback(tmp_path):
    assert fb.load(tmp_path) == []
