"""Corrections by people: report metadata fixed by hand, kept by the report's sha256.

    INDEX/corrections.json   {"version": 1, "reports": {sha256: {"file": ..., "fields": {...},
                             "extracted": {...}, "updated": ...}}}

`fields` holds the corrected values (JSON-ready, analysts as a list of dicts; null clears a
field); `extracted` holds what the report's text gave before the first correction of each field,
so a correction can be taken back. The file sits beside the generations, not inside one: a
`--rebuild` starts from the report files again and the corrections are laid over what is read.
It is replaced atomically (a temp file, fsync, rename).

Only metadata can be corrected: the chunks' text, ids, vectors and BM25 documents never depend on
it, so a correction needs no embedding (index/store.correct writes a generation that reuses them).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path

from yanbao.errors import CorrectionError
from yanbao.types import Analyst, ReportMeta

log = logging.getLogger(__name__)

CORRECTIONS = "corrections.json"
VERSION = 1
FIELDS = ("title", "broker", "date", "rating", "analysts")  # what people may correct
PROVENANCE = "correction"  # where a corrected field came from, when ReportMeta records provenance

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CERT = re.compile(r"[Ss]\d{13}")
_ROLE = re.compile(r"[(（]\s*(分析师|证券分析师|研究助理|联系人)\s*[)）]")
_ANALYST_SEP = re.compile(r"[,，、;；\n]+")
_MAX_CHARS = {"title": 200, "broker": 40, "rating": 40}


# --------------------------------------------------------------------------- values

def check(name: str, value: str | None, current: ReportMeta | None = None):
    """The JSON-ready stored form of one corrected field, from what a person typed. An empty value
    clears the field (the report does not give it). Raises CorrectionError saying what is wrong.

    analysts: names separated by 、 , ; each optionally with its 执业证书 number (S + 13 digits)
    and role in brackets, e.g. "王紫敬 S0600521080005、李四（研究助理）". A name given without a
    number keeps the number `current` has for that name."""
    if name not in FIELDS:
        raise CorrectionError(f"'{name}' cannot be corrected; the fields are {', '.join(FIELDS)}")
    text = " ".join(str(value or "").split())  # one line, single spaces
    if not text:
        return [] if name == "analysts" else None
    if name == "date":
        if not _DATE.match(text):
            raise CorrectionError(f"date {text!r} must be yyyy-mm-dd, e.g. 2024-12-24")
        try:
            dt.date.fromisoformat(text)
        except ValueError as e:
            raise CorrectionError(f"date {text!r} is not a day of the calendar ({e}); write yyyy-mm-dd, e.g. 2024-12-24") from e
        return text
    if name == "analysts":
        return [dataclasses.asdict(a) for a in parse_analysts(str(value), current.analysts if current else ())]
    if len(text) > _MAX_CHARS[name]:
        raise CorrectionError(f"{name} is {len(text)} characters long; at most {_MAX_CHARS[name]} are kept")
    return text


def parse_analysts(text: str, known: tuple[Analyst, ...] = ()) -> tuple[Analyst, ...]:
    """Analysts from "name [S0600521080005] [（研究助理）]" items separated by 、 , ; or new lines."""
    by_name = {a.name: a for a in known}
    out: list[Analyst] = []
    for item in _ANALYST_SEP.split(text):
        item = item.strip()
        if not item:
            continue
        certs = _CERT.findall(item)
        if len(certs) > 1:
            raise CorrectionError(f"analyst {item!r} has {len(certs)} certificate numbers; give one per name, "
                                  "names separated by 、")
        role = _ROLE.search(item)
        name = _ROLE.sub("", _CERT.sub("", item))
        name = re.sub(r"执业证书编号|证书编号|执业编号|SAC|[:：]", " ", name)
        name = " ".join(name.split())
        if not name:
            raise CorrectionError(f"analyst {item!r} has no name")
        if re.search(r"\d", name):
            raise CorrectionError(f"analyst {item!r}: a certificate number is S followed by 13 digits, "
                                  "e.g. 王紫敬 S0600521080005")
        if len(name) > 30:
            raise CorrectionError(f"analyst name {name!r} is {len(name)} characters long; separate names with 、")
        before = by_name.get(name)
        cert = certs[0].upper() if certs else (before.cert if before else None)
        role_name = role.group(1).removeprefix("证券") if role else (before.role if before else "分析师")
        out.append(Analyst(name=name, cert=cert, role=role_name))
    return tuple(out)


def field_value(meta: ReportMeta, name: str):
    """A ReportMeta field in its stored, JSON-ready form."""
    value = getattr(meta, name)
    return [dataclasses.asdict(a) for a in value] if name == "analysts" else value


def apply(meta: ReportMeta, fields: Mapping | None) -> ReportMeta:
    """`meta` with the corrected fields laid over it (and their provenance set to "correction"
    when ReportMeta records provenance); `meta` itself when there is nothing to correct."""
    if not fields:
        return meta
    values = {}
    for name, value in fields.items():
        if name not in FIELDS:
            log.warning("ignoring unknown corrected field %r of %s in %s", name, meta.file, CORRECTIONS)
            continue
        try:
            values[name] = _stored(name, value)
        except (TypeError, ValueError) as e:
            raise CorrectionError(f"{CORRECTIONS}: the corrected {name} of {meta.file} is not valid ({e}); correct it "
                                  f"again with 'yanbao meta {meta.file} --{name} ...' or fix the file by hand") from e
    out = dataclasses.replace(meta, **values)
    changed = [n for n, v in values.items() if getattr(meta, n) != v]  # a value confirmed as it was keeps its source
    return _with_provenance(out, changed) if changed else out


def _stored(name: str, value):
    """A stored (JSON) value as a ReportMeta field value; ValueError/TypeError if it is not one."""
    if name == "analysts":
        return tuple(Analyst(**a) for a in value or ())
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{value!r} is not text")
    if name == "date" and value is not None and not _DATE.match(value):
        raise ValueError(f"date {value!r} is not yyyy-mm-dd")
    return value


def restore(meta: ReportMeta, extracted: Mapping, sources: Mapping | None = None) -> ReportMeta:
    """`meta` with the fields a correction replaced set back to what the report's text gave, and
    their provenance back to where the text's values came from (`sources`, as recorded at the first
    correction; a field without one loses its "correction" mark and regains its source with a re-ingest)."""
    values = {n: _stored(n, v) for n, v in extracted.items() if n in FIELDS}
    out = dataclasses.replace(meta, **values)
    if "provenance" not in {f.name for f in dataclasses.fields(out)}:
        return out
    sources = dict(sources or {})
    prov = getattr(out, "provenance")
    if isinstance(prov, Mapping):
        kept = {k: v for k, v in prov.items() if not (k in values and v == PROVENANCE)}
        return dataclasses.replace(out, provenance=type(prov)({**kept, **{k: v for k, v in sources.items() if k in values}}))
    if isinstance(prov, tuple) and all(isinstance(p, tuple) and len(p) == 2 for p in prov):
        back = {k: v for k, v in sources.items() if k in values}
        return dataclasses.replace(out, provenance=tuple(
            (k, back.get(k, v)) for k, v in prov if not (k in values and v == PROVENANCE and k not in back)))
    return out


def _source_of(meta: ReportMeta, name: str) -> str:
    prov = getattr(meta, "provenance", None)
    if isinstance(prov, Mapping):
        return str(prov.get(name) or "")
    if isinstance(prov, tuple):
        return next((str(v) for k, v in prov if k == name), "")
    return ""


def _with_provenance(meta: ReportMeta, names) -> ReportMeta:
    """Mark `names` as corrected in meta.provenance, if ReportMeta has one (a mapping field -> source,
    a tuple of (field, source) pairs, or a dataclass with one attribute per field); otherwise leave
    meta as it is."""
    if "provenance" not in {f.name for f in dataclasses.fields(meta)}:
        return meta
    prov = getattr(meta, "provenance")
    if isinstance(prov, Mapping):
        return dataclasses.replace(meta, provenance=type(prov)({**prov, **{n: PROVENANCE for n in names}}))
    if isinstance(prov, tuple) and all(isinstance(p, tuple) and len(p) == 2 for p in prov):
        have = {p[0] for p in prov}  # marked in place, so a reset gives back the same order
        return dataclasses.replace(meta, provenance=tuple((k, PROVENANCE if k in names else v) for k, v in prov)
                                   + tuple((n, PROVENANCE) for n in names if n not in have))
    if dataclasses.is_dataclass(prov) and not isinstance(prov, type):  # one attribute per field
        own = {f.name for f in dataclasses.fields(prov)}
        return dataclasses.replace(meta, provenance=dataclasses.replace(prov, **{n: PROVENANCE for n in names if n in own}))
    log.debug("ReportMeta.provenance is a %s; corrections leave it as it is", type(prov).__name__)
    return meta


# --------------------------------------------------------------------------- the file

def load(root: Path) -> dict[str, dict]:
    """sha256 -> correction entry, from INDEX/corrections.json ({} when there is none)."""
    path = Path(root) / CORRECTIONS
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise CorrectionError(f"cannot read the corrections in {path} ({e}); fix or remove the file "
                              "(without it the metadata read from the reports is used)") from e
    if not isinstance(data, dict) or not isinstance(data.get("reports"), dict):
        raise CorrectionError(f"{path} is not a corrections file (no \"reports\" object); fix or remove it")
    return data["reports"]


def save(root: Path, reports: Mapping[str, dict]) -> None:
    """Replace INDEX/corrections.json atomically: a crash leaves the old file or the new one."""
    path = Path(root) / CORRECTIONS
    tmp = path.with_name(f".{CORRECTIONS}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"version": VERSION, "reports": dict(reports)}, f, ensure_ascii=False, indent=2, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def merged(entry: dict | None, meta: ReportMeta, changes: Mapping) -> dict:
    """The correction entry for `meta`'s report after `changes` (stored forms, see `check`): the
    values extracted before the first correction of a field are remembered in "extracted"."""
    entry = {"file": meta.file, "fields": {}, "extracted": {}, **(entry or {})}
    fields, extracted = dict(entry["fields"]), dict(entry["extracted"])
    sources = dict(entry.get("sources") or {})
    for name, value in changes.items():
        if name not in fields:
            extracted[name] = field_value(meta, name)
            source = _source_of(meta, name)
            if source:
                sources[name] = source  # where the text's value came from, given back by --reset
        fields[name] = value
    return {**entry, "file": meta.file, "fields": fields, "extracted": extracted, "sources": sources,
            "updated": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
