"""Every citation the scorer counts imprecise in LLM mode, with the sentence it was attached to.

Development aid (not used by the test suite): runs the real chain in LLM mode over a gold file
(point YANBAO_LLM_BASE_URL at tests.llm_replay to replay recorded replies) and prints, per
answerable item, the model's raw reply, the checked answer and, for each citation, whether its
passage states an accepted answer or a gold quote (the scorer's test), with the answer
sentences that cite it. Gold data is read here only to score, never by the chain.

    YANBAO_LLM_BASE_URL=http://127.0.0.1:8912/v1 YANBAO_LLM_MODEL=qwen YANBAO_LLM_API_KEY=x \\
      python -m tests.llm_cite_audit evalsets/dev-llm-sample.jsonl --index var/idx [--only q005,q008]
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path


def main(argv=None) -> None:
    from yanbao.eval.gold import load_gold
    from yanbao.eval.judge import states_accepted
    from yanbao.eval.metrics import quote_hits, score_item
    from yanbao.qa.chain import QAChain
    from yanbao.qa.text import MARKER, answer_sentences
    from yanbao.settings import Settings

    p = argparse.ArgumentParser()
    p.add_argument("gold", type=Path)
    p.add_argument("--index", type=Path, required=True)
    p.add_argument("--only", default="")
    p.add_argument("--json", type=Path, default=None, help="append one line per item here, as each is answered")
    p.add_argument("--answerable-first", action="store_true", help="ask the answerable items first")
    args = p.parse_args(argv)
    settings = Settings.from_env().with_(index_dir=args.index)
    chain = QAChain.open(settings)
    only = set(filter(None, args.only.split(",")))
    raw_replies: list[str] = []
    stream = chain.llm.stream

    def recording(messages):
        pieces = []
        for piece in stream(messages):
            pieces.append(piece)
            yield piece
        raw_replies.append("".join(pieces))

    chain.llm.stream = recording
    rows, precise, total = [], 0, 0
    items = load_gold(args.gold)
    if args.answerable_first:
        items = sorted(items, key=lambda i: not i.answerable)
    for item in items:
        if only and item.id not in only:
            continue
        raw_replies.clear()
        t0 = time.perf_counter()
        answer = chain.ask(item.question, mode="llm")
        r = score_item(item, answer)
        print(f"\n=== {item.id} [{item.type}] answerable={item.answerable} {item.question}")
        print(f"gold: {item.answer} | accept {item.accept}")
        print(f"raw:  {raw_replies[0] if raw_replies else '(no model call)'}")
        print(f"out:  {answer.text}")
        print(f"refused={answer.refused} correct={r.correct} precision={r.citation_precision} "
              f"recall={r.citation_recall} {time.perf_counter() - t0:.1f}s")
        cites = []
        for c in answer.citations:
            ok = states_accepted(item, c.chunk.text) or any(quote_hits(s.quote, c.chunk.text) for s in item.sources)
            said = [s.strip() for s in answer_sentences(answer.text)
                    if any(int(x) == c.n for m in MARKER.finditer(s) for x in re.split(r"[,，、]", m.group(1)))]
            if item.answerable:
                total += 1
                precise += ok
            print(f"  [{c.n}] {'OK ' if ok else 'BAD'} verified={c.verified} {c.chunk.file} | {c.highlight[:90]!r}")
            for s in said:
                print(f"       <- {s[:160]}")
            cites.append({"n": c.n, "ok": ok, "verified": c.verified, "file": c.chunk.file, "highlight": c.highlight,
                          "text": c.chunk.text, "sentences": said})
        row = {"id": item.id, "type": item.type, "answerable": item.answerable, "question": item.question,
                     "gold": item.answer, "raw": raw_replies[0] if raw_replies else None, "answer": answer.text,
                     "refused": answer.refused, "correct": r.correct, "precision": r.citation_precision,
                     "citations": cites, "seconds": round(time.perf_counter() - t0, 1)}
        rows.append(row)
        if args.json:
            with args.json.open("a", encoding="utf-8") as f:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"\ncited chunks on answerable items: {total}, precise {precise} ({precise / (total or 1):.3f})")


if __name__ == "__main__":
    main()
