"""Analysts' verdicts on answers, kept beside the index in INDEX/feedback.jsonl.

One JSON object a line (types.Feedback), appended under a lock: a later line with the same id
replaces an earlier one (a 👎 first, then its note and corrected answer), and a line with an
empty verdict withdraws it. The file belongs to the index directory, never to the browser.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import time
from pathlib import Path

from yanbao.errors import YanbaoError
from yanbao.types import Answer, Feedback

log = logging.getLogger(__name__)

FEEDBACK = "feedback.jsonl"
VERDICTS = ("up", "down", "")


def answer_id(answer: Answer, asked_at: float) -> str:
    """A stable id for one answer given at `asked_at` (seconds since the epoch)."""
    h = hashlib.sha256(f"{asked_at:.6f}\x00{answer.question}\x00{answer.text}".encode("utf-8"))
    return h.hexdigest()[:16]


def citations_of(answer: Answer) -> tuple[dict, ...]:
    """The answer's citations as stored with feedback: report, page, offsets and the quoted sentence."""
    return tuple({"n": c.n, "file": c.chunk.file, "broker": c.chunk.meta.broker, "title": c.chunk.meta.title,
                  "date": c.chunk.meta.date, "page": c.chunk.page, "start": c.chunk.start, "end": c.chunk.end,
                  "quote": c.highlight or c.chunk.text} for c in answer.citations)


def make(answer: Answer, fid: str, verdict: str, note: str = "", correction: str = "") -> Feedback:
    """The Feedback record of `verdict` ("up", "down", or "" to withdraw) on `answer`."""
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {VERDICTS}, got {verdict!r}")
    return Feedback(id=fid, time=time.strftime("%Y-%m-%dT%H:%M:%S%z"), question=answer.question,
                    rewritten_question=answer.rewritten_question or answer.question, answer=answer.text,
                    verdict=verdict, note=(note or "").strip(), correction=(correction or "").strip(),
                    citations=citations_of(answer), mode=answer.mode)


def record(index_dir: Path, fb: Feedback) -> Path:
    """Append `fb` to INDEX/feedback.jsonl (created when missing); returns the file's path."""
    path = Path(index_dir) / FEEDBACK
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                f.write(json.dumps(fb.to_json(), ensure_ascii=False) + "\n")
                f.flush()
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)
    except OSError as e:
        raise YanbaoError(f"cannot write feedback to {path}: {e.strerror}; check that the index directory is writable") from e
    log.info("feedback %s on %r stored in %s", fb.verdict or "withdrawn", fb.question, path)
    return path


def load(index_dir: Path) -> list[Feedback]:
    """The feedback in INDEX/feedback.jsonl, the latest line of each id, withdrawn ones left out,
    in the order first given; [] when there is none. A damaged line is skipped with a warning."""
    path = Path(index_dir) / FEEDBACK
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    latest: dict[str, Feedback] = {}
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            fb = Feedback.from_json(json.loads(line))
        except (ValueError, TypeError) as e:
            log.warning("skip %s line %d: %s", path, n, e)
            continue
        latest[fb.id] = fb
    return [fb for fb in latest.values() if fb.verdict]
