"""The `yanbao` command: one subcommand per stage. Heavy imports happen inside commands."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path

from yanbao.errors import YanbaoError

log = logging.getLogger("yanbao")


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2)


def meta_dict(meta) -> dict:
    """A ReportMeta as plain JSON-ready values."""
    d = asdict(meta)
    d["analysts"] = [asdict(a) for a in meta.analysts]
    return d


def cmd_inspect(args: argparse.Namespace) -> int:
    from yanbao.ingest.pipeline import ingest_file
    from yanbao.settings import Settings

    settings = Settings.from_env(chunk_chars=args.chunk_chars, overlap_chars=args.overlap_chars)
    report = ingest_file(Path(args.file), settings.chunk_chars, settings.overlap_chars, settings.max_file_mb << 20)
    if args.json:
        out = {
            "file": report.meta.file,
            "meta": meta_dict(report.meta),
            "joined_breaks": report.doc.joined_breaks,
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
                    "text": c.text,
                }
                for c in report.chunks
            ],
        }
        print(_dump(out))
        return 0
    m = report.meta
    print(f"文件     {m.file}")
    print(f"标题     {m.title or '-'}")
    print(f"券商     {m.broker or '-'}")
    print(f"日期     {m.date or '-'}")
    print(f"类型     {m.report_type or '-'}")
    print(f"评级     {m.rating or '-'}")
    people = ", ".join(f"{a.name}({a.role}{', ' + a.cert if a.cert else ''})" for a in m.analysts)
    print(f"分析师   {people or '-'}")
    print(f"清洗后   {len(report.doc.text)} 字符, 合并断行 {report.doc.joined_breaks} 处, 去除页眉页码 {len(report.doc.dropped)} 行")
    print(f"分块     {len(report.chunks)} 块 (chunk_chars={settings.chunk_chars}, overlap_chars={settings.overlap_chars})")
    print()
    for i, c in enumerate(report.chunks, 1):
        flag = " [免责/声明]" if c.boilerplate else ""
        page = f" p.{c.page}" if c.page else ""
        print(f"--- #{i} {c.id} [{c.start}:{c.end}]{page} {c.section}{flag}")
        print(c.text)
    return 0


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
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
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
