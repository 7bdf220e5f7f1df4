"""The question set: a JSONL file of gold items, validated line by line on load.

One JSON object per line, UTF-8: id, question, answer, accept (strings, any of which makes an
answer correct), key_points (for open questions; accept is then empty), sources (file + verbatim
quote), type and difficulty. Blank lines are skipped; extra keys are ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from yanbao.errors import GoldFileError

TYPES = ("numeric", "entity", "date", "multi_hop", "compare", "summary", "table", "unanswerable")
DIFFICULTIES = ("easy", "medium", "hard")


@dataclass(frozen=True)
class Source:
    """A gold passage: `quote` is a verbatim substring of the report `file`."""

    file: str
    quote: str


@dataclass(frozen=True)
class GoldItem:
    """One evaluation question with what counts as a right answer and where it is written."""

    id: str
    question: str
    answer: str
    accept: tuple[str, ...]
    key_points: tuple[str, ...]
    sources: tuple[Source, ...]
    type: str
    difficulty: str

    @property
    def answerable(self) -> bool:
        """True unless the reports do not hold the answer (type "unanswerable")."""
        return self.type != "unanswerable"


def load_gold(path: str | Path) -> list[GoldItem]:
    """Every item of the question file at `path`, in file order; GoldFileError on any bad line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError as e:
        raise GoldFileError(f"{path}: no such question file; pass the path of a JSONL question set") from e
    except UnicodeDecodeError as e:
        raise GoldFileError(f"{path}: not UTF-8 ({e.reason} at byte {e.start}); save the file as UTF-8") from e
    items: list[GoldItem] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        item = parse_item(line, where=f"{path} line {lineno}")
        if item.id in seen:
            raise GoldFileError(
                f"{path} line {lineno}: field 'id': {item.id!r} is already used on line {seen[item.id]}; "
                "give every item a unique id"
            )
        seen[item.id] = lineno
        items.append(item)
    return items


def parse_item(line: str, where: str = "<line>") -> GoldItem:
    """The GoldItem one JSONL line describes; GoldFileError naming `where`, the field and the fix."""

    def bad(field: str, problem: str, fix: str) -> GoldFileError:
        return GoldFileError(f"{where}: field '{field}': {problem}; {fix}")

    try:
        d = json.loads(line)
    except json.JSONDecodeError as e:
        raise GoldFileError(
            f"{where}: not valid JSON ({e.msg} at column {e.colno}); write one JSON object per line"
        ) from e
    if not isinstance(d, dict):
        raise GoldFileError(f"{where}: a {type(d).__name__}, not a JSON object; write one object per line")
    for name in ("id", "question", "answer", "accept", "key_points", "sources", "type", "difficulty"):
        if name not in d:
            raise bad(name, "missing", f"add \"{name}\" to the object")

    def text(name: str, value, allow_empty: bool = False) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int)) or (not allow_empty and not str(value).strip()):
            raise bad(name, f"{value!r} is not a non-empty string", "give it a text value")
        return str(value)

    def strings(name: str) -> tuple[str, ...]:
        if not isinstance(d[name], list):
            raise bad(name, f"{d[name]!r} is not a list", "write a JSON list of strings, [] when none")
        return tuple(text(name, v) for v in d[name])

    if not isinstance(d["sources"], list) or not all(
        isinstance(s, dict) and isinstance(s.get("file"), str) and isinstance(s.get("quote"), str)
        and s["file"].strip() and s["quote"].strip()
        for s in d["sources"]
    ):
        raise bad("sources", "not a list of {\"file\", \"quote\"} objects with non-empty strings",
                  "write [{\"file\": \"<report file name>\", \"quote\": \"<verbatim text>\"}], [] when none")
    for name, allowed in (("type", TYPES), ("difficulty", DIFFICULTIES)):
        if d[name] not in allowed:
            raise bad(name, f"{d[name]!r} is not allowed", "use one of " + ", ".join(allowed))
    item = GoldItem(
        id=text("id", d["id"]),
        question=text("question", d["question"]),
        answer=text("answer", d["answer"], allow_empty=True),
        accept=strings("accept"),
        key_points=strings("key_points"),
        sources=tuple(Source(s["file"], s["quote"]) for s in d["sources"]),
        type=d["type"],
        difficulty=d["difficulty"],
    )
    if not item.answerable and (item.accept or item.sources):
        raise bad("accept" if item.accept else "sources", "must be empty for an unanswerable item",
                  "set it to [] or change the type")
    if item.answerable and not (item.accept or item.key_points):
        raise bad("accept", "an answerable item needs accept strings or key_points",
                  "list the answer strings in accept (or the points in key_points)")
    return item


@dataclass(frozen=True)
class Passage:
    """A span of a report an answer cites or retrieved: [start, end) characters of `file`'s cleaned
    text, with the text itself when given."""

    file: str
    start: int
    end: int
    text: str | None = None


@dataclass(frozen=True)
class GivenAnswer:
    """One answer another system (or yanbao elsewhere) produced: a line of an answers file.

    None means the file does not say: refused is then read from the text, citations and retrieved
    make their metrics null."""

    id: str
    answer: str
    refused: bool | None = None
    citations: tuple[Passage, ...] | None = None
    retrieved: tuple[Passage, ...] | None = None
    latency_ms: float | None = None


def json_object(line: str, where: str) -> dict:
    """One line of an answers or judgments file as a JSON object; AnswersFileError naming `where` otherwise."""
    from yanbao.errors import AnswersFileError

    try:
        d = json.loads(line)
    except json.JSONDecodeError as e:
        raise AnswersFileError(f"{where}: not valid JSON ({e.msg} at column {e.colno}); write one JSON object per line") from e
    if not isinstance(d, dict):
        raise AnswersFileError(f"{where}: a {type(d).__name__}, not a JSON object; write one object per line")
    return d


def load_answers(path: str | Path) -> dict[str, GivenAnswer]:
    """The answers at `path` by id: JSONL of {"id", "answer"} plus optional "refused",
    "citations": [{"file","start","end"}], "retrieved": [{"file","start","end","text"}] (best first)
    and "latency_ms"; AnswersFileError naming the line, the field and the fix."""
    from yanbao.errors import AnswersFileError

    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError as e:
        raise AnswersFileError(f"{path}: no such answers file; pass a JSONL file of {{\"id\", \"answer\"}} lines") from e
    except UnicodeDecodeError as e:
        raise AnswersFileError(f"{path}: not UTF-8 ({e.reason} at byte {e.start}); save the file as UTF-8") from e
    out: dict[str, GivenAnswer] = {}
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path} line {lineno}"

        def bad(field: str, problem: str, fix: str) -> AnswersFileError:
            return AnswersFileError(f"{where}: field '{field}': {problem}; {fix}")

        d = json_object(line, where)
        for name in ("id", "answer"):
            if name not in d:
                raise bad(name, "missing", f"add \"{name}\" to the object")
        if not isinstance(d["id"], (str, int)) or isinstance(d["id"], bool):
            raise bad("id", f"{d['id']!r} is not a string", "use the gold item's id")
        if not isinstance(d["answer"], str):
            raise bad("answer", f"{d['answer']!r} is not a string", "give the answer text")
        if "refused" in d and d["refused"] is not None and not isinstance(d["refused"], bool):
            raise bad("refused", f"{d['refused']!r} is not true/false", "write true, false or leave it out")

        def passages(name: str, need_text: bool) -> tuple[Passage, ...] | None:
            if d.get(name) is None:
                return None
            rows = d[name]
            if not isinstance(rows, list):
                raise bad(name, "not a list", "write a JSON list of {\"file\", \"start\", \"end\"} objects")
            out_rows = []
            for r in rows:
                ok = (isinstance(r, dict) and isinstance(r.get("file"), str)
                      and all(isinstance(r.get(k), int) and not isinstance(r.get(k), bool) for k in ("start", "end"))
                      and (not need_text or isinstance(r.get("text"), str)))
                if not ok:
                    want = '{"file", "start", "end", "text"}' if need_text else '{"file", "start", "end"}'
                    raise bad(name, f"{r!r} is not a {want} object", f"give each entry {want} (offsets are integers)")
                out_rows.append(Passage(r["file"], r["start"], r["end"], r.get("text")))
            return tuple(out_rows)

        latency = d.get("latency_ms")
        if latency is not None and (isinstance(latency, bool) or not isinstance(latency, (int, float))):
            raise bad("latency_ms", f"{latency!r} is not a number", "give milliseconds or leave it out")
        key = str(d["id"])
        if key in out:
            raise bad("id", f"{key!r} is answered twice", "keep one answer per id")
        out[key] = GivenAnswer(key, d["answer"], d.get("refused"), passages("citations", False),
                               passages("retrieved", True), float(latency) if latency is not None else None)
    return out
