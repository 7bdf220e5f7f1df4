"""`yanbao eval`: every gold question through the same chain the UI uses, then the scores; or the
scores of answers given in a file (no index); or the scorer's agreement with human judgments."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from yanbao.eval.gold import GoldItem, load_gold
from yanbao.eval.metrics import aggregate, retrieval_aggregate, retrieval_scores, score_item
from yanbao.progress import progress
from yanbao.types import Answer

log = logging.getLogger(__name__)

EVAL_DEPTH = 10  # retrieval is scored on the top 10, answers use the chain's top k


def ensure_index(reports_dir: Path, settings, embedder) -> None:
    """Build or update the index at settings.index_dir so that it holds the reports in `reports_dir`
    (library.sync: an index built with other settings is rebuilt)."""
    from yanbao.library import sync

    sync(settings.index_dir, reports_dir, settings, embedder)


def evaluate(items: list[GoldItem], chain, mode: str = "extractive", ablations: bool = False, show_progress: bool = True,
             similarity=None, llm_judge=None):
    """(metrics dict, per-item results) of the chain on the gold items."""
    results, per_mode = [], {"bm25": [], "dense": [], "hybrid": []}
    loop = progress(items, desc="eval", unit="q") if show_progress else items
    for item in loop:
        answer = chain.ask(item.question, mode=mode)
        hits10 = chain.retriever.retrieve(answer.rewritten_question, k=EVAL_DEPTH)
        llm = llm_judge.judge(item, answer.text) if llm_judge is not None else None
        results.append(score_item(item, replace(answer, hits=tuple(hits10)), similarity=similarity, llm_judgment=llm))
        if ablations:
            per_mode["hybrid"].append(retrieval_scores(item, hits10))
            for m in ("bm25", "dense"):
                per_mode[m].append(retrieval_scores(item, chain.retriever.retrieve(item.question, k=EVAL_DEPTH, mode=m)))
    metrics = aggregate(results)
    metrics["mode"] = mode
    if ablations:
        metrics["ablations"] = {m: retrieval_aggregate(s) for m, s in per_mode.items()}
    return metrics, results


def run(gold: Path, reports_dir: Path, settings, out_dir: Path | None = None, mode: str = "extractive",
        ablations: bool = False, limit: int | None = None, threshold: float | None = None, e5: bool = False,
        judge_llm: bool = False):
    """Load the gold file, make sure the index is there, evaluate, write outputs; returns the metrics."""
    from yanbao.eval.report import write_outputs
    from yanbao.index.embed import Embedder
    from yanbao.qa.chain import QAChain

    items = load_gold(gold)[:limit] if limit else load_gold(gold)
    embedder = Embedder.from_settings(settings)
    ensure_index(reports_dir, settings, embedder)
    chain = QAChain.open(settings, embedder)
    if threshold is not None:
        chain.threshold = threshold
    similarity = None
    if e5:
        from yanbao.eval.judge import E5Similarity

        similarity = E5Similarity(embedder)
    llm_judge = None
    if judge_llm:
        from yanbao.eval.judge import LLMJudge

        llm_judge = LLMJudge.from_settings(settings)
    metrics, results = evaluate(items, chain, mode, ablations, similarity=similarity, llm_judge=llm_judge)
    metrics["gold"] = str(gold)
    if out_dir is not None:
        write_outputs(Path(out_dir), metrics, results)
    return metrics, results


def given_to_answer(item: GoldItem, given) -> Answer:
    """An Answer built from one line of an answers file: refused read from the text when not given;
    a citation takes its text from a retrieved passage that holds its span, else has none."""
    from yanbao.eval.judge import is_refusal
    from yanbao.types import Chunk, Citation, Hit

    def chunk(p, text: str) -> Chunk:
        return Chunk(id=f"{p.file}:{p.start}:{p.end}", text=text, file=p.file, start=p.start, end=p.end)

    hits = tuple(Hit(chunk(p, p.text or ""), 0.0, rank) for rank, p in enumerate(given.retrieved or (), 1))
    cites = []
    for n, c in enumerate(given.citations or (), 1):
        holder = next((p for p in given.retrieved or () if p.file == c.file and p.start <= c.start and c.end <= p.end
                       and p.text is not None), None)
        text = holder.text[c.start - holder.start:c.end - holder.start] if holder else ""
        cites.append(Citation(n, chunk(c, text), text))
    refused = given.refused if given.refused is not None else is_refusal(given.answer)
    timings = {"total": given.latency_ms} if given.latency_ms is not None else {}
    return Answer(item.question, given.answer, tuple(cites), hits, refused=refused, timings_ms=timings, coverage="")


def score_answers(items: list[GoldItem], answers: dict, similarity=None, llm_judge=None,
                  show_progress: bool = True) -> tuple[dict, list]:
    """(metrics, per-item results) of given answers against the gold items, without an index.

    An item without an answer is scored as an empty answer (a refusal) and counted in
    metrics["n_unanswered"]; answers for ids not in the gold are counted in metrics["n_unknown_ids"].
    Retrieval metrics are null unless every answer gives "retrieved", citation metrics unless it
    gives "citations"."""
    from yanbao.eval.gold import GivenAnswer

    ids = {i.id for i in items}
    results = []
    loop = progress(items, desc="score", unit="q") if show_progress else items
    for item in loop:
        given = answers.get(item.id) or GivenAnswer(item.id, "", refused=True)
        answer = given_to_answer(item, given)
        llm = llm_judge.judge(item, answer.text) if llm_judge is not None else None
        results.append(score_item(item, answer, retrieval_known=given.retrieved is not None,
                                  citations_known=given.citations is not None, similarity=similarity,
                                  llm_judgment=llm))
    metrics = aggregate(results)
    metrics["mode"] = "answers"
    metrics["n_unanswered"] = sum(1 for i in items if i.id not in answers)
    metrics["n_unknown_ids"] = sum(1 for k in answers if k not in ids)
    return metrics, results


def run_answers(gold: Path, answers_path: Path, out_dir: Path | None = None, similarity=None, llm_judge=None,
                limit: int | None = None):
    """Load the gold and the answers file, score, write outputs; returns (metrics, results)."""
    from yanbao.eval.gold import load_answers
    from yanbao.eval.report import write_outputs

    items = load_gold(gold)[:limit] if limit else load_gold(gold)
    answers = load_answers(answers_path)
    if answers and not any(i.id in answers for i in items):
        from yanbao.errors import AnswersFileError

        raise AnswersFileError(f"{answers_path}: none of its ids is in {gold}; give each answer the id of its gold item")
    metrics, results = score_answers(items, answers, similarity, llm_judge)
    metrics["gold"], metrics["answers"] = str(gold), str(answers_path)
    if out_dir is not None:
        write_outputs(Path(out_dir), metrics, results)
    return metrics, results


JUDGMENT_TYPES = ("answer", "key_point")


def load_judgments(path: Path) -> list[dict]:
    """The human judgments at `path` (JSONL), validated: id, type answer|key_point, question,
    gold_answer, accept, key_points, answer, and human {"correct"} or {"key_points_covered"} (one
    boolean per key point); AnswersFileError naming the line, the field and the fix."""
    from yanbao.errors import AnswersFileError
    from yanbao.eval.gold import json_object

    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError as e:
        raise AnswersFileError(f"{path}: no such judgments file; pass e.g. evalsets/judgments.jsonl") from e
    out = []
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path} line {lineno}"
        d = json_object(line, where)
        for name in ("id", "type", "question", "gold_answer", "accept", "key_points", "answer", "human"):
            if name not in d:
                raise AnswersFileError(f"{where}: field '{name}': missing; add \"{name}\" to the object")
        if d["type"] not in JUDGMENT_TYPES:
            raise AnswersFileError(f"{where}: field 'type': {d['type']!r} is not allowed; use answer or key_point")
        human = d["human"]
        if d["type"] == "answer" and not (isinstance(human, dict) and isinstance(human.get("correct"), bool)):
            raise AnswersFileError(f"{where}: field 'human': needs {{\"correct\": true|false}} for an answer judgment")
        if d["type"] == "key_point":
            kps = human.get("key_points_covered") if isinstance(human, dict) else None
            if not (isinstance(kps, list) and len(kps) == len(d["key_points"]) and all(isinstance(x, bool) for x in kps)):
                raise AnswersFileError(f"{where}: field 'human': needs {{\"key_points_covered\": [...]}} with one "
                                       f"true/false per key point ({len(d['key_points'])})")
        out.append(d)
    return out


def _judged_item(d: dict, gold: dict) -> GoldItem:
    """The gold item a judgment is about: the gold file's (with its quotes) when it has the
    judgment's gold_id, else one made from the fields the judgment copies."""
    item = gold.get(d.get("gold_id"))
    if item is not None:
        return item
    accept, kps = tuple(map(str, d["accept"])), tuple(map(str, d["key_points"]))
    kind = "numeric" if accept else "summary" if kps else "unanswerable"
    return GoldItem(str(d.get("gold_id") or d["id"]), d["question"], d["gold_answer"], accept, kps, (), kind, "medium")


def check_judge(judgments_path: Path, gold_path: Path | None = None, similarity=None, llm_judge=None) -> dict:
    """Agreement of the scorer (and the LLM judge, when given) with human judgments.

    Returns {"types": {type: {"n", "agree", "agreement", "llm_agree", "llm_agreement"}},
    "kinds": {kind: ...} for answer judgments, "disagreements": [...]}. Each key point of a
    key_point judgment is one verdict; an answer judgment is one."""
    from yanbao.eval.judge import answer_verdict, key_point_verdicts

    judgments = load_judgments(judgments_path)
    if gold_path is None:
        sibling = Path(judgments_path).parent / "dev.jsonl"
        gold_path = sibling if sibling.exists() else None
    gold = {g.id: g for g in load_gold(gold_path)} if gold_path else {}
    rows = []  # (type, kind, id, human, rule, reason, llm)
    for d in judgments:
        item = _judged_item(d, gold)
        llm = llm_judge.judge(item, d["answer"]) if llm_judge is not None else None
        if d["type"] == "answer":
            v = answer_verdict(item, d["answer"])
            rows.append(("answer", d.get("kind", "other"), d["id"], d["human"]["correct"], v.correct, v.reason,
                         llm["correct"] if llm else None))
        else:
            vs = key_point_verdicts(item, d["answer"], similarity)
            llm_kps = (llm or {}).get("key_points_covered") or [None] * len(vs)
            for k, (v, h, lk) in enumerate(zip(vs, d["human"]["key_points_covered"], llm_kps)):
                rows.append(("key_point", d.get("kind", "other"), f"{d['id']}#{k + 1}", h, v.correct, v.reason, lk))

    def table(selected) -> dict:
        n = len(selected)
        agree = sum(r[3] == r[4] for r in selected)
        llm_rows = [r for r in selected if r[6] is not None]
        out = {"n": n, "agree": agree, "agreement": round(agree / n, 4) if n else None}
        if llm_judge is not None:
            la = sum(r[3] == r[6] for r in llm_rows)
            out.update(llm_n=len(llm_rows), llm_agree=la, llm_agreement=round(la / len(llm_rows), 4) if llm_rows else None)
        return out

    types = {t: table([r for r in rows if r[0] == t]) for t in JUDGMENT_TYPES if any(r[0] == t for r in rows)}
    kinds = {k: table([r for r in rows if r[0] == "answer" and r[1] == k])
             for k in sorted({r[1] for r in rows if r[0] == "answer"})}
    return {
        "judgments": str(judgments_path), "gold": str(gold_path) if gold_path else None,
        "e5": similarity is not None, "types": types, "answer_kinds": kinds,
        "disagreements": [{"id": r[2], "type": r[0], "kind": r[1], "human": r[3], "rule": r[4], "reason": r[5]}
                          for r in rows if r[3] != r[4]],
    }
