"""Derive evalsets/real.jsonl (yanbao's gold format) from ../shared/real-reports/truth.jsonl.

    python evalsets/make_real.py [TRUTH] > evalsets/real.jsonl

Each truth question becomes one item: its answer, the answer as accepted string (plus the
figure alone where the answer carries a unit or a range), and its quote as the source.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRUTH = ROOT.parent / "shared" / "real-reports" / "truth.jsonl"


def accept(answer: str) -> list[str]:
    """The answer, and for '41家（含分站1家）' the leading figure a reader would also accept."""
    out = [answer]
    head = re.split(r"[（(]", answer)[0].strip()
    if head and head != answer and re.search(r"\d", head):
        out.append(head)
    return out


def kind(answer: str) -> str:
    return "date" if re.search(r"\d{4}年\d{1,2}月", answer) else "numeric"


def items(truth_path: Path) -> list[dict]:
    out = []
    for row in (json.loads(l) for l in truth_path.read_text(encoding="utf-8").splitlines() if l.strip()):
        number = row["file"].split("_")[0]
        for i, q in enumerate(row["questions"], 1):
            out.append({
                "id": f"real{number}-{i}",
                "question": q["question"],
                "answer": q["answer"],
                "accept": accept(q["answer"]),
                "key_points": [],
                "sources": [{"file": row["file"], "quote": q["quote"]}],
                "type": kind(q["answer"]),
                "difficulty": "easy",
            })
    return out


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else TRUTH
    for item in items(path):
        print(json.dumps(item, ensure_ascii=False))
