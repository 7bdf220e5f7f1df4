"""The chunks of one index generation, read row by row from a memory map.

    chunks.jsonl   one JSON object a line: row i = FAISS row i = BM25 document i (report metadata
                   lives once per report in the manifest, not on every line)
    rows.npy       per row: byte offset of its line, its report (position in the manifest's
                   report list) and its chunk id; plus `by_id`, the rows in chunk-id order
    codes.txt      every ASCII word holding a latin letter that the chunks contain (X9, mi355x,
                   gpt-4o...), lower-cased, one a line: what the unknown-code check reads

Opening parses nothing: a row is decoded when asked for (a question touches about a hundred),
so a million-chunk index opens in well under a second and costs memory only for what it reads.
A generation written before rows.npy existed is indexed by one pass over chunks.jsonl at open.
"""

from __future__ import annotations

import json
import mmap
import re
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import fields
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from yanbao.errors import REBUILD_HINT, IndexMismatchError
from yanbao.index import arrays
from yanbao.types import Chunk, ReportMeta

CHUNKS, ROWS, BY_ID, CODES = "chunks.jsonl", "rows.npy", "by_id.npy", "codes.txt"
_ROW_FIELDS = tuple(f.name for f in fields(Chunk) if f.name != "meta")
CACHED_ROWS = 8192  # decoded rows kept: a question's candidates, fused hits and their neighbours

# an ASCII word (no spaces) of the lower-cased text; one holding a latin letter is a "code"
ASCII_WORD = re.compile(r"[!-~]+")
_LETTER = re.compile(r"[a-z]")


def code_words(texts: Iterable[str]) -> set[str]:
    """The distinct lower-cased ASCII words with a latin letter in these texts. An ASCII term with
    a letter occurs in the lower-cased texts (no letter before it, no letter or digit after it)
    exactly when it occurs so in these words, one a line (tests/index/test_chunkstore.py)."""
    out: set[str] = set()
    for text in texts:
        out.update(w for w in ASCII_WORD.findall(text.lower()) if _LETTER.search(w))
    return out


def write_chunks(out_dir: Path, chunks: Iterable[Chunk], files: list[str]) -> int:
    """chunks.jsonl, rows.npy, by_id.npy and codes.txt for `chunks` (any iterable, read once: a
    generator over a million rows is never held whole); `files` are the manifest's reports in
    order (every chunk's file must be one of them). Returns how many rows were written."""
    report_of = {f: i for i, f in enumerate(files)}
    offsets, reports, ids = array("q"), array("i"), []
    codes: set[str] = set()
    pos = 0
    with open(out_dir / CHUNKS, "wb") as f:
        for c in chunks:
            row = {k: getattr(c, k) for k in _ROW_FIELDS}
            line = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
            offsets.append(pos)
            reports.append(report_of[c.file])
            ids.append(c.id.encode("ascii"))
            f.write(line)
            pos += len(line)
            codes |= code_words((c.index_text,))
    if len(set(ids)) != len(ids):
        raise ValueError("two chunks share an id: ids must be unique within an index")
    rows, by_id = _row_table(np.frombuffer(offsets, dtype=np.int64), np.frombuffer(reports, dtype=np.int32), ids)
    np.save(out_dir / ROWS, rows, allow_pickle=False)
    np.save(out_dir / BY_ID, by_id, allow_pickle=False)
    (out_dir / CODES).write_text("".join(w + "\n" for w in sorted(codes)), encoding="utf-8")
    return len(ids)


def _row_table(offsets, reports, ids: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """(rows: byte offset, report and id of each row; by_id: the rows in id order)."""
    id_array = np.array(ids, dtype=f"S{max(map(len, ids), default=1)}")
    rows = np.zeros(len(ids), dtype=[("offset", "<i8"), ("report", "<i4"), ("id", id_array.dtype)])
    rows["offset"], rows["report"], rows["id"] = offsets, reports, id_array
    return rows, np.argsort(id_array, kind="stable").astype(np.int64)


class ChunkStore(Sequence):
    """Chunks of a generation as a read-only sequence: store[i] is row i, decoded on demand."""

    def __init__(self, gen_dir: Path, metas: list[ReportMeta]):
        self.dir = Path(gen_dir)
        self.metas = metas
        path = self.dir / CHUNKS
        with open(path, "rb") as f:
            size = f.seek(0, 2)
            self._data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        if (self.dir / ROWS).exists():
            self.rows = arrays.load(self.dir / ROWS, mmap=True)
            self._by_id = arrays.load(self.dir / BY_ID, mmap=True)
        else:  # written before rows.npy: index the lines once
            self.rows, self._by_id = self._scan()
        self._ends = np.append(np.asarray(self.rows["offset"][1:]), len(self._data)) if len(self.rows) else np.zeros(0, np.int64)
        self._row = lru_cache(maxsize=CACHED_ROWS)(self._decode)
        try:  # read now: a long-running reader's generation may be collected once a newer one is live
            self._codes = (self.dir / CODES).read_text(encoding="utf-8")
        except FileNotFoundError:
            self._codes = None

    def _scan(self) -> tuple[np.ndarray, np.ndarray]:
        report_of = {m.file: i for i, m in enumerate(self.metas)}
        offsets, reports, ids, pos = [], [], [], 0
        while (end := self._data.find(b"\n", pos)) >= 0:
            row = json.loads(self._data[pos:end])
            offsets.append(pos)
            reports.append(report_of[row["file"]])
            ids.append(row["id"].encode("ascii"))
            pos = end + 1
        return _row_table(offsets, reports, ids)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._row(j) for j in range(*i.indices(len(self)))]
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"chunk row {i} out of range ({n} rows)")
        return self._row(int(i) % n)

    def __iter__(self) -> Iterator[Chunk]:
        # a full pass (ingest, removal) decodes straight through, without filling the cache
        for i in range(len(self)):
            yield self._decode(i)

    def check(self, i: int) -> None:
        """Raise IndexMismatchError when row i cannot be read (its line parsed, no metadata touched)."""
        self._decode(i, with_meta=False)

    def _decode(self, i: int, with_meta: bool = True) -> Chunk | None:
        try:
            row = json.loads(self._data[int(self.rows["offset"][i]):int(self._ends[i])])
            if not with_meta:
                if set(row) - set(_ROW_FIELDS):
                    raise ValueError(f"unknown fields {sorted(set(row) - set(_ROW_FIELDS))}")
                return None
            return Chunk(meta=self.metas[int(self.rows["report"][i])], **row)
        except (ValueError, TypeError, IndexError) as e:  # a damaged file, or rows.npy not of this chunks.jsonl
            raise IndexMismatchError(f"index at {self.dir.parent} is damaged: row {i} of {self.dir / CHUNKS} cannot be read "
                                     f"({e}). " + REBUILD_HINT.format(dir=self.dir.parent)) from e

    @property
    def report_of_row(self) -> np.ndarray:
        """(n,) int32: each row's report, as a position in the manifest's report list."""
        return self.rows["report"]

    def rows_of_reports(self, files: set[str]) -> np.ndarray:
        """Boolean mask of the rows whose report is one of `files`."""
        wanted = [i for i, m in enumerate(self.metas) if m.file in files]
        return np.isin(np.asarray(self.report_of_row), np.asarray(wanted, dtype=np.int32))

    def of_report(self, file: str) -> list[Chunk]:
        """The chunks of one report, in row order."""
        return [self._row(int(r)) for r in np.flatnonzero(self.rows_of_reports({file}))]

    @property
    def row_of(self) -> "RowsById":
        return RowsById(self)

    @property
    def ids(self) -> list[str]:
        """Every row's chunk id, in row order (read from rows.npy, no row decoded)."""
        return [i.decode("ascii") for i in self.rows["id"]]

    def codes(self) -> str:
        """codes.txt as one string, a word a line (computed from the chunks for an older generation)."""
        if self._codes is None:
            self._codes = "".join(w + "\n" for w in sorted(code_words(c.index_text for c in self)))
        return self._codes


class IdRows(Mapping):
    """Chunk id -> row through a `_find(chunk_id) -> row or None` of the subclass."""

    def _find(self, chunk_id: str) -> int | None:
        raise NotImplementedError

    def __getitem__(self, chunk_id: str) -> int:
        row = self._find(chunk_id)
        if row is None:
            raise KeyError(chunk_id)
        return row

    def __contains__(self, chunk_id) -> bool:
        return isinstance(chunk_id, str) and self._find(chunk_id) is not None


class RowsById(IdRows):
    """Chunk id -> row, by binary search over the stored id order (no million-entry dict)."""

    def __init__(self, store: ChunkStore):
        self._ids = store.rows["id"]
        self._order = store._by_id

    def _find(self, chunk_id: str) -> int | None:
        try:
            key = np.array(chunk_id.encode("ascii"), dtype=self._ids.dtype)
        except (UnicodeEncodeError, AttributeError):
            return None
        if len(key.item()) != len(chunk_id):  # longer than any stored id: it was cut to fit
            return None
        at = int(np.searchsorted(self._ids, key, sorter=self._order))
        if at < len(self._order) and self._ids[self._order[at]] == key:
            return int(self._order[at])
        return None

    def __len__(self) -> int:
        return len(self._order)

    def __iter__(self) -> Iterator[str]:
        return (i.decode("ascii") for i in self._ids)


def copy_rows(out_dir: Path, parts: Sequence[tuple["ChunkStore", np.ndarray, np.ndarray]]) -> None:
    """chunks.jsonl, rows.npy, by_id.npy and codes.txt of rows taken from other chunk stores, their
    lines copied as bytes (nothing decoded). `parts`: (store, its rows to copy in order, the new
    report position of each of its report positions). The
    code words are the union of the parts' (a word only a left-out row held stays: the unknown-code
    check then errs towards present)."""
    offsets, reports, ids, codes = [], [], [], set()
    pos = 0
    with open(out_dir / CHUNKS, "wb") as f:
        for store, rows, report_map in parts:
            rows = np.asarray(rows, dtype=np.int64)
            if not len(rows):
                continue
            starts = np.asarray(store.rows["offset"])[rows]
            ends = store._ends[rows]
            for a, b in zip(starts.tolist(), ends.tolist()):
                f.write(store._data[a:b])
            lengths = ends - starts
            offsets.append(pos + np.concatenate(([0], np.cumsum(lengths)[:-1])))
            pos += int(lengths.sum())
            reports.append(np.asarray(report_map, dtype=np.int32)[np.asarray(store.rows["report"])[rows]])
            ids.extend(np.asarray(store.rows["id"])[rows].tolist())
            codes.update(store.codes().split())
    table, by_id = _row_table(np.concatenate(offsets) if offsets else np.zeros(0, np.int64),
                              np.concatenate(reports) if reports else np.zeros(0, np.int32), ids)
    if len(set(ids)) != len(ids):
        raise ValueError("two chunks share an id: ids must be unique within an index")
    np.save(out_dir / ROWS, table, allow_pickle=False)
    np.save(out_dir / BY_ID, by_id, allow_pickle=False)
    (out_dir / CODES).write_text("".join(w + "\n" for w in sorted(codes)), encoding="utf-8")
