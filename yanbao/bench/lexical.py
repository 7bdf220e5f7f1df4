"""Lexical engines compared on N synthetic chunks: our postings (index/lexical.py) vs tantivy vs bm25s.

    python -m yanbao.bench.lexical 100000        (needs `pip install tantivy`, not a yanbao dependency)

Prints one JSON object: build seconds, seconds to add one 60-chunk report, query p50 (ms, top 50,
10 questions x 3) and top-10 overlap with our postings. The README's "Segments" table came from it.
"""
import sys, time, tempfile, statistics, json
from pathlib import Path
import numpy as np
from yanbao.bench.synth import sentence_pool, synth_chunks
from yanbao.index.tokenize import tokenize, expand_query
from yanbao.index import lexical


def main() -> None:
    n = int(sys.argv[1])
    pool = sentence_pool(Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).resolve().parents[3] / "shared" / "reports")
    toks = [list(s.tokens) for s in synth_chunks(pool, n + 60, 0)]
    base, extra = toks[:n], toks[n:]
    qs = [expand_query(tokenize(q)) for q in ["豆包通用模型的日均tokens使用量是多少？", "英伟达数据中心收入同比增长多少", "公司2025年营收预测", "AI眼镜出货量", "PCB行业景气度", "光模块800G需求", "小米汽车交付量", "寒武纪毛利率", "算力租赁价格", "HBM产能"]]
    out = {}
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        t = time.perf_counter(); lexical.write(d / "a", base); out["csc_build_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter(); lexical.write(d / "b", extra); out["csc_add_report_s"] = round(time.perf_counter() - t, 3)
        pa, pb = lexical.Postings(d / "a"), lexical.Postings(d / "b")
        lex = lexical.Lexical([(pa, None, 0, None), (pb, None, n, None)], n + 60)
        lex.search(qs[0], 50)
        ts = []
        for _ in range(3):
            for q in qs:
                t = time.perf_counter(); lex.search(q, 50); ts.append((time.perf_counter() - t) * 1000)
        out["csc_query_p50_ms"] = round(statistics.median(ts), 2)
        import tantivy
        sb = tantivy.SchemaBuilder()
        sb.add_text_field("body", stored=False, tokenizer_name="whitespace")
        sb.add_integer_field("row", stored=True, fast=True, indexed=True)
        schema = sb.build()
        t = time.perf_counter()
        ix = tantivy.Index(schema, path=str(d / "tv") if (d / "tv").mkdir() is None else None)
        w = ix.writer(heap_size=200_000_000, num_threads=2)
        for i, tk in enumerate(base):
            w.add_document(tantivy.Document(body=" ".join(tk), row=i))
        w.commit(); w.wait_merging_threads()
        out["tantivy_build_s"] = round(time.perf_counter() - t, 2)
        ix.reload()
        t = time.perf_counter()
        w = ix.writer(heap_size=50_000_000, num_threads=1)
        for i, tk in enumerate(extra):
            w.add_document(tantivy.Document(body=" ".join(tk), row=n + i))
        w.commit(); w.wait_merging_threads(); ix.reload()
        out["tantivy_add_report_s"] = round(time.perf_counter() - t, 3)
        searcher = ix.searcher()
        def tq(q):
            sub = [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "body", tok)) for tok in q]
            return tantivy.Query.boolean_query(sub)
        ts = []; overlap = []
        for _ in range(3):
            for q in qs:
                t = time.perf_counter()
                res = searcher.search(tq(q), 50)
                rows = [searcher.doc(a)["row"][0] for _, a in res.hits]
                ts.append((time.perf_counter() - t) * 1000)
                mine = [r for r, _ in lex.search(q, 10)]
                overlap.append(len(set(rows[:10]) & set(mine)) / max(1, len(mine)))
        out["tantivy_query_p50_ms"] = round(statistics.median(ts), 2)
        out["tantivy_top10_overlap_with_csc"] = round(statistics.fmean(overlap), 3)
        import bm25s
        t = time.perf_counter(); bm = bm25s.BM25(); bm.index([x or [""] for x in base], show_progress=False); out["bm25s_build_s"] = round(time.perf_counter() - t, 2)
        ts = []; ov = []
        for _ in range(3):
            for q in qs:
                ids = [bm.vocab_dict[x] for x in q if x in bm.vocab_dict]
                t = time.perf_counter(); s = bm.get_scores(ids); top = np.argsort(-s)[:50]; ts.append((time.perf_counter() - t) * 1000)
                mine = [r for r, _ in lexical.Lexical([(pa, None, 0, None)], n).search(q, 10)]
                ov.append(len(set(top[:10].tolist()) & set(mine)) / max(1, len(mine)))
        out["bm25s_query_p50_ms"] = round(statistics.median(ts), 2)
        out["bm25s_top10_overlap_with_csc_single"] = round(statistics.fmean(ov), 3)
    print(json.dumps({"chunks": n, **out}))


if __name__ == "__main__":
    main()
