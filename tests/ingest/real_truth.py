"""Metadata of the real broker reports in ../shared/real-reports against its truth.jsonl.

`python -m tests.ingest.real_truth [DIR]` prints, per report, each field as extracted next to
the truth, and the per-field accuracy over the fields the text prints (`reachable`).
"""

from __future__ import annotations

import json
import os
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REAL_REPORTS = Path(os.environ.get("YANBAO_TEST_REAL_REPORTS", ROOT.parent / "shared" / "real-reports"))
FIELDS = ("broker", "title", "date", "analysts", "rating")


def truth(directory: Path = REAL_REPORTS) -> list[dict]:
    """The rows of truth.jsonl."""
    return [json.loads(line) for line in (directory / "truth.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


def norm(value) -> str:
    """Comparison form: NFKC, no whitespace, one kind of quotes, dashes and colons."""
    if value is None:
        return ""
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))
    return t.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": "-", "–": "-", "：": ":"}))


def field_value(meta, name: str):
    if name == "analysts":
        return sorted((a.name, a.cert) for a in meta.analysts)
    return getattr(meta, name)


def truth_value(row: dict, name: str):
    if name == "analysts":
        return sorted((a["name"], a["cert"]) for a in row["analysts"])
    return row[name]


def same(got, want) -> bool:
    if isinstance(want, list):
        return [(norm(n), norm(c)) for n, c in got] == [(norm(n), norm(c)) for n, c in want]
    return norm(got) == norm(want)


def score(rows: list[dict], metas: dict) -> dict[str, tuple[int, int]]:
    """field -> (right, reachable) over the reports."""
    out = {}
    for name in FIELDS:
        right = total = 0
        for row in rows:
            if not row["reachable"].get(name):
                continue
            total += 1
            right += same(field_value(metas[row["file"]], name), truth_value(row, name))
        out[name] = (right, total)
    return out


def main(argv: list[str]) -> int:
    from yanbao.ingest.pipeline import ingest_file

    directory = Path(argv[0]) if argv else REAL_REPORTS
    rows = truth(directory)
    metas = {}
    for row in rows:
        meta = ingest_file(directory / row["file"]).meta
        metas[row["file"]] = meta
        print(f"\n### {row['file']}\n")
        print("| field | extracted | truth | source | right |")
        print("|---|---|---|---|---|")
        for name in FIELDS:
            got, want = field_value(meta, name), truth_value(row, name)
            show = (lambda v: ", ".join(f"{n} {c}" for n, c in v) if isinstance(v, list) else v)
            mark = "yes" if same(got, want) else ("no" if row["reachable"].get(name) else "n/a (not printed)")
            print(f"| {name} | {show(got)} | {show(want)} | {meta.source_of(name) or ''} | {mark} |")
    print("\n| field | right / reachable |\n|---|---|")
    for name, (right, total) in score(rows, metas).items():
        print(f"| {name} | {right}/{total} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
