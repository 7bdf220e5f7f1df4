"""`yanbao feedback export --gold OUT.jsonl`: 👎 answers with a corrected answer become gold items.

The item asks the standalone question (a follow-up as it was understood), accepts the figures
and dates the correction states (or the whole correction when it states none and is short;
a longer one becomes a key point), and names as sources the cited sentences that hold what it
accepts. Every item is checked with eval.gold.parse_item before it is written, so
`yanbao eval OUT.jsonl` reads the file as it reads evalsets/dev.jsonl.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from yanbao.eval.gold import parse_item
from yanbao.eval.metrics import normalize
from yanbao.types import Feedback

# a figure with its unit or a date, as the correction writes it: 131亿美元, 47%, 2024年9月, 3.43
FIGURE = re.compile(r"\d[\d,.]*\s*(?:%|％|个百分点|倍|[万亿千百]?(?:美元|元|人民币|港元|颗|台|片|张|家|人|个|辆|吨|瓦|GW|MW|TB|GB|PFLOPS|tokens)|[万亿])?"
                    r"(?:\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?")
SHORT_ANSWER_CHARS = 30


def accepted(correction: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(accept strings, key points) of a corrected answer."""
    figures = [m.group(0).strip() for m in FIGURE.finditer(correction)]
    # a bare number (2025 in a sentence) says little; it counts when it is the whole correction
    bare = re.compile(r"[\d,.]+")
    figures = [f for f in dict.fromkeys(figures) if not bare.fullmatch(f) or normalize(f) == normalize(correction.rstrip("。."))]
    if figures:
        return tuple(figures), ()
    text = correction.strip().rstrip("。.")
    return ((text,), ()) if len(text) <= SHORT_ANSWER_CHARS else ((), (text,))


def gold_item(fb: Feedback) -> dict:
    """The gold item (JSON object) one 👎-with-correction feedback becomes."""
    accept, key_points = accepted(fb.correction)
    wanted = [normalize(a) for a in accept + key_points]
    sources = []
    for c in fb.citations:
        quote = str(c.get("quote") or "")
        if quote and any(w and w in normalize(quote) for w in wanted):
            sources.append({"file": c["file"], "quote": quote})
    if accept and all(re.search(r"\d\s*[年月日]", a) for a in accept):
        kind = "date"
    elif accept and all(any(ch.isdigit() for ch in a) for a in accept):
        kind = "numeric"
    else:
        kind = "entity" if accept else "summary"
    return {"id": f"fb-{fb.id}", "question": fb.rewritten_question or fb.question, "answer": fb.correction,
            "accept": list(accept), "key_points": list(key_points), "sources": sources, "type": kind,
            "difficulty": "medium", "feedback": {"time": fb.time, "note": fb.note, "answer_given": fb.answer}}


def export_gold(feedback: list[Feedback], out: Path) -> int:
    """Write the gold items of the 👎 feedback that has a corrected answer to `out` (JSONL);
    returns how many. Each line is parsed back with eval.gold.parse_item first."""
    lines = []
    for fb in feedback:
        if fb.verdict != "down" or not fb.correction.strip():
            continue
        line = json.dumps(gold_item(fb), ensure_ascii=False)
        parse_item(line, where=f"feedback {fb.id}")
        lines.append(line)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(lines)
