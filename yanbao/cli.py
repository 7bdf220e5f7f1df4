"""The `yanbao` command: one subcommand per stage. Heavy imports happen inside commands."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from yanbao.errors import YanbaoError, shown

log = logging.getLogger("yanbao")


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2)


def cmd_inspect(args: argparse.Namespace) -> int:
    from yanbao.ingest.pipeline import ingest_file

    settings = _settings(args)
    report = ingest_file(Path(args.file), settings.chunk_chars, settings.overlap_chars, settings.max_file_mb << 20,
                         settings.max_report_chars)
    if args.json:
        out = {
            "file": report.meta.file,
            "meta": report.meta.to_json(),
            "joined_breaks": report.doc.joined_breaks,
            "ocr_pages": list(report.doc.ocr_pages),
            "dropped": [{"line": t, "reason": r} for t, r in report.doc.dropped],
            "cleaned_text": report.doc.text,
            "chunks": [
                {
                    "id": c.id,
                    "start": c.start,
                    "end": c.end,
                    "page": c.page,
                    "section": c.section,
                    "boilerplate": c.boilerplate,
                    "context": c.context,
                    "ocr": c.ocr,
                    "text": c.text,
                }
                for c in report.chunks
            ],
        }
        print(_dump(out))
        return 0
    m = report.meta

    def src(name: str) -> str:
        return f"   [{m.source_of(name)}]" if m.source_of(name) else ""

    print(f"文件     {m.file}")
    print(f"标题     {m.title or '-'}{src('title')}")
    print(f"券商     {m.broker or '-'}{src('broker')}")
    print(f"日期     {m.date or '-'}{src('date')}")
    print(f"类型     {m.report_type or '-'}{src('report_type')}")
    print(f"评级     {m.rating or '-'}{src('rating')}")
    people = ", ".join(f"{a.name}({a.role}{', ' + a.cert if a.cert else ''})" for a in m.analysts)
    print(f"分析师   {people or '-'}{src('analysts')}")
    if report.doc.ocr_pages:
        print(f"OCR      第 {', '.join(map(str, report.doc.ocr_pages))} 页的文字由 OCR 识别")
    print(f"清洗后   {len(report.doc.text)} 字符, 合并断行 {report.doc.joined_breaks} 处, 去除页眉页码 {len(report.doc.dropped)} 行")
    print(f"分块     {len(report.chunks)} 块 (chunk_chars={settings.chunk_chars}, overlap_chars={settings.overlap_chars})")
    print()
    for i, c in enumerate(report.chunks, 1):
        flag = (" [免责/声明]" if c.boilerplate else "") + (" [OCR]" if c.ocr else "")
        page = f" p.{c.page}" if c.page else ""
        print(f"--- #{i} {c.id} [{c.start}:{c.end}]{page} {c.section}{flag}")
        print(c.text)
    return 0


def _settings(args: argparse.Namespace):
    from yanbao.settings import Settings

    return Settings.from_env(
        index_dir=getattr(args, "index", None),
        embed_model=getattr(args, "embed_model", None),
        chunk_chars=getattr(args, "chunk_chars", None),
        overlap_chars=getattr(args, "overlap_chars", None),
    )


def _result_dict(r) -> dict:
    return {
        "added": r.added, "replaced": r.replaced, "unchanged": r.unchanged, "removed": r.removed,
        "skipped": [{"file": f, "reason": why} for f, why in r.skipped],
        "embedded_chunks": r.embedded_chunks, "total_chunks": r.total_chunks, "generation": r.generation,
    }


def _print_result(r, settings) -> None:
    for name in r.added:
        print(f"added      {shown(name)}")
    for name in r.replaced:
        print(f"updated    {shown(name)}")
    for name in r.unchanged:
        print(f"unchanged  {shown(name)}")
    for name in r.removed:
        print(f"removed    {shown(name)}")
    for name, why in r.skipped:
        print(f"skipped    {shown(name)}: {why}")
    print(
        f"index {settings.index_dir}: {r.total_chunks} chunks; embedded {r.embedded_chunks} new; "
        f"{len(r.added)} added, {len(r.replaced)} updated, {len(r.unchanged)} unchanged, "
        f"{len(r.removed)} removed, {len(r.skipped)} skipped"
    )


def cmd_ingest(args: argparse.Namespace) -> int:
    from yanbao.index.embed import Embedder
    from yanbao.library import update

    settings = _settings(args)
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        print(f"error: no such file or directory: {', '.join(map(shown, missing))}", file=sys.stderr)
        return 1
    result = update(settings.index_dir, [Path(p) for p in args.paths], settings, Embedder.from_settings(settings), rebuild=args.rebuild)
    if args.json:
        print(_dump(_result_dict(result)))
    else:
        _print_result(result, settings)
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from yanbao.library import remove

    settings = _settings(args)
    result = remove(settings.index_dir, args.reports, settings)
    if args.json:
        print(_dump(_result_dict(result)))
    else:
        _print_result(result, settings)
    return 0 if result.removed or not result.skipped else 1


def cmd_compact(args: argparse.Namespace) -> int:
    from yanbao.library import compact

    settings = _settings(args)
    t0 = time.perf_counter()
    result = compact(settings.index_dir, settings, full=not args.small)
    took = round(time.perf_counter() - t0, 2)
    if args.json:
        print(_dump({"chunks": result.total_chunks, "segments": result.segments, "generation": result.generation, "seconds": took}))
    else:
        print(f"index {settings.index_dir}: {result.segments} segment(s), {result.total_chunks} chunks ({took} s)")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from yanbao.index.store import open_index

    settings = _settings(args)
    index = open_index(settings.index_dir, settings=settings)
    counts = index.chunk_counts()
    rows = [{**m.to_json(), "chunks": counts[m.file]} for m in index.reports()]
    if args.json:
        print(_dump({"index": str(settings.index_dir), "reports": rows, "chunks": len(index.chunks)}))
        return 0
    if not rows:
        print(f"index {settings.index_dir} is empty; add reports with 'yanbao ingest PATH'")
    for r in rows:
        people = "、".join(a["name"] for a in r["analysts"] if a["role"] == "分析师") or "-"
        print(f"{r['file']}\t{r['broker'] or '-'}\t{r['date'] or '-'}\t{r['title'] or '-'}\t{people}\t{r['chunks']} 块")
    return 0


META_LABELS = {"title": "标题", "broker": "券商", "date": "日期", "rating": "评级", "analysts": "分析师"}


def cmd_meta(args: argparse.Namespace) -> int:
    from yanbao.library import correct, report_metadata

    settings = _settings(args)
    changes = {n: getattr(args, n) for n in META_LABELS if getattr(args, n) is not None}
    if changes or args.reset:
        result = correct(settings.index_dir, args.file, changes, settings, reset=args.reset)
    else:
        result = report_metadata(settings.index_dir, args.file, settings)
    if args.json:
        print(_dump({"file": result.file, "meta": result.meta.to_json(), "corrected": result.corrected,
                     "changed": result.changed, "generation": result.generation}))
        return 0
    m = result.meta
    print(f"文件     {shown(result.file)}")
    for name, label in META_LABELS.items():
        if name == "analysts":
            value = "、".join(f"{a.name}({a.role}{', ' + a.cert if a.cert else ''})" for a in m.analysts)
        else:
            value = getattr(m, name)
        mark = "  (人工更正)" if name in result.corrected else ""
        print(f"{label}{' ' * (9 - 2 * len(label))}{value or '-'}{mark}")
    if changes or args.reset:
        what = ", ".join(result.changed) if result.changed else "nothing (the values were already these)"
        print(f"changed {what}; index {settings.index_dir} generation {result.generation}; nothing embedded")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from yanbao.index.embed import Embedder

    settings = _settings(args)
    result = {}
    if args.suite == "encoders":
        from yanbao.bench.encoders import bench_encoders, print_table

        names = [x.strip() for x in args.encoders.split(",") if x.strip()]
        result["encoders"] = bench_encoders(Path(args.reports), settings, names, Path(args.questions), rounds=args.runs)
        if args.json:
            print(_dump(result))
        else:
            print(f"encoder benchmark over {args.reports} and {args.questions} ({len(names)} encoders, "
                  f"{args.runs} round(s), order alternated); retrieval on the top 10, hybrid = BM25 + dense")
            print_table(result["encoders"])
        return 0
    embedder = Embedder.from_settings(settings)
    embedder.dim  # materialize the default model once, outside the timings
    if args.suite in ("index", "all"):
        from yanbao.bench.index import bench_index

        result["index"] = bench_index(Path(args.reports), settings, runs=args.runs)
    if args.suite in ("qa", "all"):
        from yanbao.bench.qa import bench_qa, questions_from
        from yanbao.eval.run import ensure_index
        from yanbao.qa.chain import QAChain

        if args.index is None:
            settings = settings.with_(index_dir=Path("var/bench-index"))
        ensure_index(Path(args.reports), settings, embedder)
        chain = QAChain.open(settings, embedder)
        result["qa"] = bench_qa(chain, questions_from(Path(args.questions) if args.questions else None, args.limit))
    if args.suite == "scale":
        from yanbao.bench.qa import questions_from
        from yanbao.bench.base import bench_settings
        from yanbao.bench.scale import bench_scale

        sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
        result["scale"] = bench_scale(Path(args.reports), sizes, bench_settings(settings, settings.vector_store), embedder,
                                      questions_from(Path(args.questions), min(args.limit, 100)), subset=args.subset)
    if args.suite == "store":
        from yanbao.bench.qa import questions_from
        from yanbao.bench.base import bench_settings
        from yanbao.bench.scale import bench_scale, reports_row

        sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
        questions = questions_from(Path(args.questions), min(args.limit, 100))
        result["store"] = []
        for store in ("faiss", "milvus"):
            s = bench_settings(settings, store)
            result["store"].append(reports_row(Path(args.reports), s, embedder, questions))
            result["store"] += bench_scale(Path(args.reports), sizes, s, embedder, questions, subset=args.subset)
    if args.suite == "milvus-bm25":
        from yanbao.bench.milvus_bm25 import bench_milvus_bm25
        from yanbao.bench.qa import questions_from

        sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
        result["milvus_bm25"] = bench_milvus_bm25(Path(args.reports), sizes, settings, embedder,
                                                  questions_from(Path(args.questions), min(args.limit, 100)), subset=args.subset)
    if args.suite == "update":
        from yanbao.bench.qa import questions_from
        from yanbao.bench.base import bench_settings
        from yanbao.bench.update import bench_update

        sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
        rows = bench_update(Path(args.reports), sizes, bench_settings(settings, settings.vector_store), embedder,
                            questions_from(Path(args.questions), min(args.limit, 100)), subset=args.subset,
                            full_compact=args.full_compact)
        if args.json:
            for row in rows:  # one JSON object per size, a line each
                print(json.dumps(row, ensure_ascii=False))
        else:
            from yanbao.bench.scale import print_table
            from yanbao.bench.update import COLUMNS

            print_table(rows, COLUMNS)
        return 0
    if args.json:
        print(_dump(result))
        return 0
    if "store" in result:
        from yanbao.bench.scale import print_table

        print(f"vector-store benchmark: the reports (first row of each store; build = ingest incl. embedding) and "
              f"synthetic chunks ({args.subset} embedded for real, {settings.embed_backend}); hybrid retrieval over the development questions")
        print_table(result["store"])
    if "milvus_bm25" in result:
        from yanbao.bench.milvus_bm25 import COLUMNS
        from yanbao.bench.scale import print_table

        print("BM25 inside Milvus (its BM25 function over our jieba tokens) against our postings, synthetic chunks:")
        print_table(result["milvus_bm25"], COLUMNS)
    if "scale" in result:
        from yanbao.bench.scale import print_table

        print(f"scale benchmark: synthetic chunks, {args.subset} embedded for real ({settings.embed_backend}), "
              f"hybrid retrieval over the development questions")
        print_table(result["scale"])
    if "index" in result:
        r = result["index"]
        print(f"index benchmark over {r['reports']} ({r['chunks']} chunks, median of {r['runs']} runs, "
              f"embedding backend {r['embed_backend']})")
        print(f"  cold build incl. model load   {r['cold_build_s_median']:.1f} s")
        print(f"  re-ingest unchanged           {r['reingest_unchanged_s_median']:.2f} s")
        print(f"  indexing throughput           {r['index_chunks_per_s_median']:.1f} chunks/s (reading, embedding, FAISS, BM25)")
        print(f"  embedding throughput          {r['embed_chunks_per_s_median']:.1f} chunks/s (runs: "
              + ", ".join(f"{x:.1f}" for x in r["embed_chunks_per_s_runs"]) + ")")
        print(f"  peak memory (RSS)             {r['peak_rss_mb']:.0f} MB")
    if "qa" in result:
        r = result["qa"]
        print(f"QA benchmark: {r['questions']} questions, extractive, index and model loaded")
        for p in r["passes"]:
            print(f"  pass {p['pass']}: p50 {p['total_ms_p50']:.0f} ms, p95 {p['total_ms_p95']:.0f} ms, "
                  f"max {p['total_ms_max']:.0f} ms")
            print("    stage p50 / p95 ms:  " + ",  ".join(
                f"{s} {p[s + '_ms_p50']:.1f} / {p[s + '_ms_p95']:.1f}" for s in ("embed", "dense", "bm25", "fuse", "sentence", "answer")))
        print(f"  peak memory (RSS)             {r['peak_rss_mb']:.0f} MB")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from yanbao.ui.app import serve

    settings = _settings(args)
    if args.host not in ("127.0.0.1", "localhost", "::1") and not settings.auth:
        log.warning("serving on %s without a login: anyone who can reach this address can read the reports "
                    "(set YANBAO_AUTH=user:password)", args.host)
    serve(settings, args.host, args.port)
    return 0


def _filters(args: argparse.Namespace):
    from yanbao.types import Filters

    return Filters(
        files=tuple(args.report or ()), brokers=tuple(args.broker or ()),
        date_from=getattr(args, "date_from", None), date_to=getattr(args, "date_to", None),
    )


def cmd_ask(args: argparse.Namespace) -> int:
    from yanbao.qa.chain import QAChain, answer_to_json

    settings = _settings(args)
    if args.k:
        settings = settings.with_(top_k=args.k, candidates=max(settings.candidates, args.k))
    chain = QAChain.open(settings)
    mode = "llm" if args.llm else "extractive"
    history: list[str] = []
    for question in args.questions:
        if args.json:
            answer = chain.ask(question, history=history, filters=_filters(args), mode=mode)
            print(json.dumps(answer_to_json(answer), ensure_ascii=False), flush=True)  # JSON Lines
        else:
            answer = None
            live = mode == "llm" and sys.stderr.isatty()  # the model's draft as it streams, on the terminal only
            for piece in chain.stream(question, history=history, filters=_filters(args), mode=mode):
                if isinstance(piece, str):
                    if live:
                        print(piece, end="", file=sys.stderr, flush=True)
                else:
                    answer = piece
            if live:
                print("\n（以上为模型草稿；核对后的回答：）", file=sys.stderr, flush=True)
            _print_answer(answer)  # stdout holds the checked answer once
        history.append(answer.rewritten_question)
    return 0


def _print_answer(answer) -> None:
    if answer.rewritten_question and answer.rewritten_question != answer.question.strip():
        print(f"（理解为：{answer.rewritten_question}）")
    print(answer.text)
    if answer.citations:
        print()
    for c in answer.citations:
        m = c.chunk.meta
        where = " ".join(x for x in (m.broker, f"《{m.title or c.chunk.file}》", m.date, c.chunk.section,
                                     f"第{c.chunk.page}页" if c.chunk.page else "") if x)
        flag = "" if c.verified else " 未核实"
        print(f"[{c.n}] {where} [{c.chunk.start}:{c.chunk.end}]{flag}")
        print(f"    {c.highlight}")
    t = answer.timings_ms
    print(f"\n({t.get('total', 0):.0f} ms: retrieve {t.get('retrieve', 0):.0f}, answer {t.get('answer', 0):.0f})", file=sys.stderr)


def cmd_eval(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.check_judge:
        return _check_judge(args, settings)
    if args.gold is None:
        print("error: give the gold question file (e.g. evalsets/dev.jsonl), or --check-judge FILE", file=sys.stderr)
        return 2
    if args.answers:
        return _eval_answers(args, settings)
    from yanbao.eval.run import run

    if args.index is None:
        settings = settings.with_(index_dir=Path("var/eval-index"))
    if args.reports is None:
        print("error: --reports DIR is needed to answer the questions (or score a file with --answers)", file=sys.stderr)
        return 2
    if not Path(args.reports).is_dir():
        print(f"error: --reports {args.reports} is not a directory", file=sys.stderr)
        return 1
    metrics, _ = run(Path(args.gold), Path(args.reports), settings, Path(args.out) if args.out else None,
                     "llm" if args.llm else "extractive", args.ablations, args.limit, args.threshold,
                     e5=args.e5, judge_llm=args.judge_llm)
    return _show_metrics(args, metrics)


def _show_metrics(args: argparse.Namespace, metrics: dict) -> int:
    if args.json:
        print(_dump(metrics))
        return 0
    _print_metrics(metrics)
    if args.out:
        print(f"\nwrote {args.out}/metrics.json, report.md, results.jsonl, chart.png")
    return 0


def _similarity(args: argparse.Namespace, settings):
    if not args.e5:
        return None
    from yanbao.eval.judge import E5Similarity
    from yanbao.index.embed import Embedder

    return E5Similarity(Embedder.from_settings(settings))


def _llm_judge(args: argparse.Namespace, settings):
    if not args.judge_llm:
        return None
    from yanbao.eval.judge import LLMJudge

    return LLMJudge.from_settings(settings)


def _eval_answers(args: argparse.Namespace, settings) -> int:
    from yanbao.eval.run import run_answers

    if args.reports or args.llm or args.ablations or args.threshold is not None:
        print("error: --answers scores given answers: --reports, --llm, --ablations and --threshold do not apply",
              file=sys.stderr)
        return 2
    metrics, _ = run_answers(Path(args.gold), Path(args.answers), Path(args.out) if args.out else None,
                             _similarity(args, settings), _llm_judge(args, settings), args.limit)
    return _show_metrics(args, metrics)


def _check_judge(args: argparse.Namespace, settings) -> int:
    from yanbao.eval.run import check_judge

    table = check_judge(Path(args.check_judge), Path(args.gold) if args.gold else None,
                        _similarity(args, settings), _llm_judge(args, settings))
    if args.json:
        print(_dump(table))
        return 0
    llm = args.judge_llm
    print(f"agreement with human judgments in {table['judgments']}"
          + (f" (gold {table['gold']})" if table["gold"] else "") + (", e5 on" if table["e5"] else ""))
    head = f"{'type':14s} {'n':>5s} {'agree':>6s} {'agreement':>10s}" + (f" {'llm n':>6s} {'llm agreement':>14s}" if llm else "")
    print(head)

    def line(name: str, t: dict) -> str:
        f = "-" if t["agreement"] is None else f"{t['agreement']:.3f}"
        out = f"{name:14s} {t['n']:5d} {t['agree']:6d} {f:>10s}"
        if llm:
            lf = "-" if t["llm_agreement"] is None else f"{t['llm_agreement']:.3f}"
            out += f" {t['llm_n']:6d} {lf:>14s}"
        return out

    for name, t in table["types"].items():
        print(line(name, t))
    if table["answer_kinds"]:
        print("\nanswer judgments by kind")
        for name, t in table["answer_kinds"].items():
            print(line("  " + name, t))
    if table["disagreements"]:
        print(f"\ndisagreements ({len(table['disagreements'])})")
        for d in table["disagreements"]:
            print(f"  {d['id']:10s} {d['type']:9s} {d['kind']:13s} human {str(d['human']):5s} rule {str(d['rule']):5s} {d['reason']}")
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    from yanbao.eval.feedback import export_gold
    from yanbao.qa.feedback import FEEDBACK, load

    settings = _settings(args)
    feedback = load(settings.index_dir)
    n = export_gold(feedback, Path(args.gold))
    down = sum(fb.verdict == "down" for fb in feedback)
    if args.json:
        print(_dump({"feedback": len(feedback), "down": down, "gold_items": n, "out": args.gold}))
        return 0
    print(f"{Path(settings.index_dir) / FEEDBACK}: {len(feedback)} verdicts, {down} 👎; "
          f"wrote {n} gold items (👎 with a corrected answer) to {args.gold}")
    if n:
        print(f"score them with: yanbao eval {args.gold} --reports REPORTS")
    return 0


def _print_metrics(m: dict) -> None:
    def f(v):
        return "-" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))

    keys = ["n_items", "hit@1", "hit@3", "hit@5", "hit@10", "mrr@10", "all_sources@10", "answer_accuracy",
            "key_point_coverage", "refusal_accuracy", "false_refusal_rate", "citation_precision",
            "citation_recall", "latency_ms_p50", "latency_ms_p95"]
    for k in keys:
        print(f"{k:22s} {f(m.get(k))}")
    print("\nby type            n    hit@5  mrr@10  answer  refusal  false_ref  cite_prec")
    for t, b in sorted(m.get("by_type", {}).items()):
        print(f"{t:15s} {b['n_items']:4d}   {f(b['hit@5']):>6} {f(b['mrr@10']):>7} {f(b['answer_accuracy']):>7} "
              f"{f(b['refusal_accuracy']):>8} {f(b['false_refusal_rate']):>10} {f(b['citation_precision']):>10}")
    for name, a in (m.get("ablations") or {}).items():
        print(f"ablation {name:7s} hit@1 {f(a['hit@1'])}  hit@5 {f(a['hit@5'])}  hit@10 {f(a['hit@10'])}  mrr@10 {f(a['mrr@10'])}")
    llm_keys = [k for k in ("llm_answer_accuracy", "llm_key_point_coverage", "llm_rule_agreement_answer",
                            "llm_rule_agreement_key_points") if k in m]
    if llm_keys:
        print("\nLLM judge (beside the rule-based scores above)")
        for k in llm_keys:
            print(f"{k:30s} {f(m.get(k))}")
    if m.get("n_unanswered"):
        print(f"\n{m['n_unanswered']} gold items had no answer in the file (scored as refusals)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yanbao", description="研报问答: question answering over Chinese research reports.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("inspect", help="show one report's cleaned text, metadata and chunks (touches no index)")
    p.add_argument("file", help="a .txt/.md/.pdf/.docx report")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--chunk-chars", type=int, default=None)
    p.add_argument("--overlap-chars", type=int, default=None)
    p.set_defaults(func=cmd_inspect)

    def index_opts(p):
        p.add_argument("--index", default=None, help="index directory (default: YANBAO_INDEX_DIR or var/index)")
        p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("ingest", help="add new and changed reports to the index (unchanged ones cost nothing)")
    p.add_argument("paths", nargs="+", help="report files or directories")
    index_opts(p)
    p.add_argument("--rebuild", action="store_true", help="rebuild from scratch with the current settings")
    p.add_argument("--embed-model", default=None, help="sentence-transformers model name or local path")
    p.add_argument("--chunk-chars", type=int, default=None)
    p.add_argument("--overlap-chars", type=int, default=None)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("remove", help="remove reports (by the file name 'yanbao list' shows)")
    p.add_argument("reports", nargs="+")
    index_opts(p)
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("compact", help="merge the index's segments into one, dropping removed reports' rows (readers go on answering)")
    p.add_argument("--small", action="store_true", help="merge all segments but the largest (what an ingest does past 8 segments)")
    index_opts(p)
    p.set_defaults(func=cmd_compact)

    p = sub.add_parser("list", help="list indexed reports with metadata and chunk counts")
    index_opts(p)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("meta", help="show or correct a report's metadata (kept across re-ingests; nothing is embedded)")
    p.add_argument("file", help="the report's file name as 'yanbao list' shows it")
    index_opts(p)
    p.add_argument("--title", default=None, help="the report's title")
    p.add_argument("--date", default=None, help="publication date, yyyy-mm-dd")
    p.add_argument("--broker", default=None, help="the broker, e.g. 东吴证券")
    p.add_argument("--rating", default=None, help="the rating as printed, e.g. 买入（维持）")
    p.add_argument("--analysts", default=None,
                   help="names separated by 、 each with its certificate number, e.g. '王紫敬 S0600521080005、王世杰'")
    p.add_argument("--reset", action="store_true", help="take back this report's corrections (the values read from it return)")
    p.epilog = "An empty value ('') clears a field. Without field options the current metadata is printed."
    p.set_defaults(func=cmd_meta)

    p = sub.add_parser("ask", help="answer questions from the indexed reports, with citations")
    p.add_argument("questions", nargs="+", help="one or more questions; later ones may be follow-ups")
    index_opts(p)
    p.add_argument("--k", type=int, default=None, help="passages to answer from (default: YANBAO_TOP_K or 6)")
    p.add_argument("--report", action="append", help="only this report file (repeatable)")
    p.add_argument("--broker", action="append", help="only this broker, e.g. 国金 (repeatable)")
    p.add_argument("--date-from", default=None, help="only reports dated on or after yyyy-mm-dd")
    p.add_argument("--date-to", default=None, help="only reports dated on or before yyyy-mm-dd")
    p.add_argument("--llm", action="store_true", help="answer with the LLM at YANBAO_LLM_BASE_URL (default: extractive)")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("serve", help="start the web UI (chat, sources, 知识库)")
    p.add_argument("--index", default=None, help="index directory (default: YANBAO_INDEX_DIR or var/index)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=7860)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("eval", help="score retrieval, answers, citations and refusals on a gold question set")
    p.add_argument("gold", nargs="?", default=None, help="gold questions (JSONL), e.g. evalsets/dev.jsonl")
    p.add_argument("--reports", default=None, help="directory of the reports the questions are about (answers them with yanbao)")
    p.add_argument("--answers", default=None, metavar="ANSWERS.jsonl",
                   help="score these answers instead ({\"id\", \"answer\"} lines, optional refused/citations/retrieved): no index")
    p.add_argument("--check-judge", default=None, metavar="JUDGMENTS.jsonl",
                   help="print the scorer's agreement with human judgments per judgment type (GOLD, if given, supplies quotes)")
    index_opts(p)
    p.add_argument("--out", default=None, help="write metrics.json, report.md, results.jsonl, chart.png here")
    p.add_argument("--llm", action="store_true", help="answer with the configured LLM")
    p.add_argument("--ablations", action="store_true", help="also score BM25-only and dense-only retrieval")
    p.add_argument("--limit", type=int, default=None, help="only the first N questions (smoke runs)")
    p.add_argument("--threshold", type=float, default=None, help="refusal threshold to try (calibration)")
    p.add_argument("--e5", action="store_true", help="key points: also judge answers in English by e5 similarity (loads the model)")
    p.add_argument("--judge-llm", action="store_true",
                   help="also have the LLM at YANBAO_LLM_BASE_URL judge each answer and key point (reported beside the rules)")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("feedback", help="what analysts said about answers in the web UI (INDEX/feedback.jsonl)")
    p.add_argument("action", choices=("export",), help="export: 👎 answers with a corrected answer as gold items")
    p.add_argument("--gold", required=True, help="gold question file to write (JSONL, read by 'yanbao eval')")
    index_opts(p)
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("bench", help="measure indexing speed and memory on this machine")
    p.add_argument("--reports", required=True, help="directory of reports to index")
    p.add_argument("--runs", type=int, default=3, help="cold index builds to time (encoders suite: rounds)")
    p.add_argument("--suite", choices=("index", "qa", "all", "scale", "store", "update", "milvus-bm25", "encoders"), default="all",
                   help="all = index + qa over --reports; scale = synthetic corpora of --sizes chunks; "
                        "store = FAISS vs Milvus (YANBAO_MILVUS_URI, default a Milvus Lite file) on --reports and --sizes; "
                        "update = add and remove one report on synthetic bases of --sizes chunks, questions asked meanwhile; "
                        "encoders = our ONNX export vs sentence-transformers' ONNX backend (--encoders, --runs rounds)")
    p.add_argument("--full-compact", action="store_true", help="update suite: also time merging every segment into one")
    p.add_argument("--encoders", default="onnx-int8,st-onnx-int8",
                   help="encoders suite: onnx-int8, onnx, torch (ours) and st-onnx-int8, st-onnx (the library's), comma-separated")
    p.add_argument("--sizes", default="10000,100000", help="scale suite: corpus sizes in chunks, comma-separated")
    p.add_argument("--subset", type=int, default=2000, help="scale suite: chunks embedded for real (the rest are perturbed copies)")
    p.add_argument("--index", default=None, help="index for the QA suite (default var/bench-index, built if needed)")
    p.add_argument("--questions", default="evalsets/dev.jsonl", help="gold JSONL whose questions the QA suite asks")
    p.add_argument("--limit", type=int, default=200, help="at most this many questions")
    p.add_argument("--json", action="store_true")
    p.add_argument("--embed-model", default=None)
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("yanbao").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    try:
        return args.func(args)
    except YanbaoError as e:
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
