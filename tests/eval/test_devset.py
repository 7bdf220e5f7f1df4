"""The development question set: well formed, and every quote verbatim in its report."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.conftest import ROOT

DEVSET = ROOT / "evalsets" / "dev.jsonl"
TYPES = {"numeric", "entity", "date", "multi_hop", "compare", "summary", "table", "unanswerable"}


@pytest.fixture(scope="module")
def items():
    with open(DEVSET, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_fields_and_counts(items):
    assert len(items) >= 120
    assert len({i["id"] for i in items}) == len(items)
    for i in items:
        assert set(i) >= {"id", "question", "answer", "accept", "key_points", "sources", "type", "difficulty"}
        assert i["type"] in TYPES and i["difficulty"] in {"easy", "medium", "hard"}
        if i["type"] == "unanswerable":
            assert i["accept"] == [] and i["sources"] == []
        elif i["key_points"]:
            assert i["accept"] == []
        else:
            assert i["accept"] and i["sources"]
    types = Counter(i["type"] for i in items)
    assert set(types) == TYPES
    assert types["unanswerable"] >= 12 and types["table"] >= 8
    assert sum(1 for i in items if len({s["file"] for s in i["sources"]}) >= 2) >= 10


def test_every_quote_is_verbatim_in_its_report(items, reports_dir):
    texts = {}
    for i in items:
        for s in i["sources"]:
            if s["file"] not in texts:
                texts[s["file"]] = (reports_dir / s["file"]).read_text(encoding="utf-8")
            assert s["quote"] in texts[s["file"]], (i["id"], s["quote"])
