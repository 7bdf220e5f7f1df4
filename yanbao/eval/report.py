"""Eval outputs: metrics.json, results.jsonl, a Markdown report and a per-type bar chart (Pillow)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from yanbao.eval.metrics import ItemResult

SUMMARY_KEYS = (
    "n_items", "hit@1", "hit@3", "hit@5", "hit@10", "mrr@10", "all_sources@10", "answer_accuracy",
    "key_point_coverage", "refusal_accuracy", "false_refusal_rate", "citation_precision",
    "citation_recall", "latency_ms_p50", "latency_ms_p95",
)
TYPE_KEYS = (
    "n_items", "hit@1", "hit@5", "mrr@10", "answer_accuracy", "key_point_coverage",
    "refusal_accuracy", "false_refusal_rate", "citation_precision", "citation_recall",
)
LLM_KEYS = ("llm_answer_accuracy", "llm_key_point_coverage", "llm_rule_agreement_answer", "llm_rule_agreement_key_points")
ABLATION_KEYS = ("n_items", "hit@1", "hit@3", "hit@5", "hit@10", "mrr@10", "all_sources@10")
FONT_PATHS = (  # a CJK-capable font if the machine has one; labels are ASCII either way
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)


def write_outputs(out_dir: Path, metrics: dict, results: list[ItemResult]) -> list[Path]:
    """The paths written into `out_dir` (created if missing): metrics.json, results.jsonl,
    report.md and chart.png, in that order."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / n for n in ("metrics.json", "results.jsonl", "report.md", "chart.png")]
    paths[0].write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths[1].write_text("".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in results), encoding="utf-8")
    paths[2].write_text(render_markdown(metrics, results), encoding="utf-8")
    draw_chart(metrics).save(paths[3], format="PNG")
    return paths


def _fmt(v) -> str:
    return "–" if v is None else str(v)


def _table(header: list[str], rows: list[list]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + [
        "| " + " | ".join(_fmt(c) for c in row) + " |" for row in rows
    ]


def _one_line(text: str, limit: int) -> str:
    """`text` on one line (whitespace runs collapsed), cut to `limit` characters with an ellipsis."""
    t = re.sub(r"\s+", " ", text).strip()
    return t if len(t) <= limit else t[:limit] + "…"


def failures(results: list[ItemResult]) -> dict[str, list[ItemResult]]:
    """The failed items by kind: wrong answers, false refusals, missed refusals, retrieval misses."""
    return {
        "答错 Wrong answers": [r for r in results if r.correct is False and not r.refused],
        "误拒 False refusals": [r for r in results if r.answerable and r.refused],
        "漏拒 Missed refusals": [r for r in results if not r.answerable and not r.refused],
        "检索未命中 Retrieval misses (no gold quote in top 10)": [
            r for r in results if r.n_quotes and r.first_hit_rank is None
        ],
    }


def render_markdown(metrics: dict, results: list[ItemResult]) -> str:
    """The Markdown report: summary, by-type and ablation tables, then every failed item."""
    out = ["# yanbao eval 评测报告", "", "## 总体 Summary", ""]
    out += _table(["metric", "value"], [[k, metrics.get(k)] for k in SUMMARY_KEYS])
    if any(k in metrics for k in LLM_KEYS):
        out += ["", "## LLM 评判 LLM judge (beside the rule-based scores)", ""]
        out += _table(["metric", "value"], [[k, metrics.get(k)] for k in LLM_KEYS])
    by_type = metrics.get("by_type", {})
    if by_type:
        out += ["", "## 按题型 By type", ""]
        out += _table(["type", *TYPE_KEYS], [[t, *(m.get(k) for k in TYPE_KEYS)] for t, m in by_type.items()])
    if metrics.get("ablations"):
        out += ["", "## 检索消融 Retrieval ablation", ""]
        out += _table(["retriever", *ABLATION_KEYS],
                      [[name, *(m.get(k) for k in ABLATION_KEYS)] for name, m in metrics["ablations"].items()])
    for title, items in failures(results).items():
        out += ["", f"## {title} ({len(items)})", ""] + ([] if items else ["(none)"])
        for r in items:
            out += [
                f"### {r.id} [{r.type}/{r.difficulty}]",
                f"- 问题: {_one_line(r.question, 300)}",
                f"- 标准答案: {_one_line(r.gold_answer, 300) or '–'}",
                f"- 回答{' (拒答)' if r.refused else ''}: {_one_line(r.answer, 300) or '–'}",
                *([f"- 判定: {r.answer_verdict['reason']}"] if r.answer_verdict else []),
                *([f"- 理解为: 主体 {r.frame['subject'] or '–'} · 指标 {r.frame['metric'] or '–'} · 时期 "
                   f"{r.frame['period'] or '–'} · {r.frame['answer_type']} · coverage {r.coverage}"] if r.frame else []),
                "- 检索 top-3:" if r.retrieved else "- 检索 top-3: (none)",
                *(f"  {rank}. `{file}` {_one_line(text, 80)}" for rank, file, text in r.retrieved[:3]),
                "",
            ]
    with_kps = [r for r in results if r.key_points_covered and r.answerable]
    if with_kps:
        out += ["", f"## 要点 Key points ({len(with_kps)})", ""]
        for r in with_kps:
            out.append(f"### {r.id} covered {sum(r.key_points_covered)}/{len(r.key_points_covered)}")
            out += [f"- {'✓' if c else '✗'} {why}" for c, why in zip(r.key_points_covered, r.key_point_reasons or ())]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _font(size: int):
    for path in FONT_PATHS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default()


def _answer_score(m: dict) -> float | None:
    """The per-type answer score the chart shows: accuracy, refusal accuracy or key-point coverage."""
    keys = ("answer_accuracy", "refusal_accuracy", "key_point_coverage")
    return next((m[k] for k in keys if m.get(k) is not None), None)


def draw_chart(metrics: dict) -> Image.Image:
    """A horizontal bar chart, one row per question type: answer score and hit@5 (0..1)."""
    rows = list(metrics.get("by_type", {}).items())
    series = (("answer acc / refusal acc / kp coverage", _answer_score, (52, 101, 164)),
              ("hit@5", lambda m: m.get("hit@5"), (230, 145, 56)))
    left, bar_w, bar_h, top = 170, 520, 16, 70
    row_h = bar_h * len(series) + 14
    img = Image.new("RGB", (left + bar_w + 80, top + row_h * max(len(rows), 1) + 40), "white")
    d, font, small = ImageDraw.Draw(img), _font(15), _font(12)
    d.text((10, 10), "yanbao eval: scores by question type", fill="black", font=font)
    for i, (label, _, color) in enumerate(series):
        x = 10 + i * 330
        d.rectangle([x, 38, x + 12, 50], fill=color)
        d.text((x + 18, 37), label, fill="black", font=small)
    for i, (name, m) in enumerate(rows):
        y = top + i * row_h
        d.text((10, y + bar_h // 2), f"{name} (n={m.get('n_items', 0)})", fill="black", font=small)
        for j, (_, score, color) in enumerate(series):
            v, yy = score(m), y + j * bar_h
            if v is None:
                d.text((left + 4, yy + 2), "n/a", fill="gray", font=small)
                continue
            d.rectangle([left, yy, left + max(1, round(bar_w * v)), yy + bar_h - 2], fill=color)
            d.text((left + round(bar_w * v) + 6, yy + 1), f"{v:.2f}", fill="black", font=small)
    y_axis = top + row_h * max(len(rows), 1)
    d.line([left, top - 4, left, y_axis], fill="black")
    for t in (0, 0.5, 1):
        x = left + round(bar_w * t)
        d.line([x, y_axis, x, y_axis + 4], fill="black")
        d.text((x - 8, y_axis + 8), f"{t:g}", fill="black", font=small)
    return img
