"""QA latency benchmark: extractive answers end to end with the index and model loaded."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from yanbao.bench.index import peak_rss_mb
from yanbao.errors import SettingsError
from yanbao.eval.metrics import percentile

# query embedding, dense search, BM25, fusion (RRF and weights), second-stage sentence rerank
STAGES = ("embed", "dense", "bm25", "fuse", "sentence")
FALLBACK_QUESTIONS = [
    "博通FY24Q3实现营业收入多少？",
    "豆包通用模型的日均tokens使用量是多少？",
    "DeepSeek-V3的训练成本是多少？",
    "2025年AI眼镜出货量预计多少？",
    "腾讯哪天推出开源的混元视频生成模型？",
]


def questions_from(path: Path | None, limit: int) -> list[str]:
    """Questions of a gold JSONL file (the dev set), or a few built-in ones when there is none."""
    if path is None or not path.exists():
        return FALLBACK_QUESTIONS[:limit]
    with open(path, encoding="utf-8") as f:
        qs = [json.loads(line)["question"] for line in f if line.strip()]
    return qs[:limit]


def bench_qa(chain, questions: list[str], passes: int = 2) -> dict:
    """p50/p95 of whole extractive answers; pass 1 meets every passage for the first time."""
    if not questions:
        raise SettingsError("the QA benchmark needs at least one question (--limit >= 1)")
    chain.warm()  # model load and first-use set-up are not part of answering
    out = {"questions": len(questions), "passes": []}
    for i in range(passes):
        totals, retrieve, answer = [], [], []
        stages: dict[str, list[float]] = {s: [] for s in STAGES}
        for q in questions:
            a = chain.ask(q)
            totals.append(a.timings_ms["total"])
            retrieve.append(a.timings_ms["retrieve"])
            answer.append(a.timings_ms["answer"])
            for s in STAGES:  # the stages of the answer's own retrieval
                stages[s].append(a.timings_ms.get(s, 0.0))
        out["passes"].append({
            "pass": i + 1,
            "total_ms_p50": percentile(totals, 50), "total_ms_p95": percentile(totals, 95),
            "total_ms_mean": round(statistics.fmean(totals), 1), "total_ms_max": max(totals),
            "retrieve_ms_p50": percentile(retrieve, 50), "answer_ms_p50": percentile(answer, 50),
            "answer_ms_p95": percentile(answer, 95),
            **{f"{s}_ms_p50": percentile(v, 50) for s, v in stages.items()},
            **{f"{s}_ms_p95": percentile(v, 95) for s, v in stages.items()},
        })
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return out
