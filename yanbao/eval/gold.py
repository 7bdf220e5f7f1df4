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
