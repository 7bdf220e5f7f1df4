"""The lexical (BM25) index of a segmented index: per-segment postings, corpus-wide statistics.

Each segment keeps, in `lex/`, a term -> documents matrix in compressed sparse column form over
its rows (our jieba tokens, index/tokenize.py):

    lex/terms.json   the segment's vocabulary, sorted (term i = column i)
    lex/indptr.npy   (terms + 1,) int64: postings of term i are [indptr[i], indptr[i+1])
    lex/docs.npy     (postings,) int32: the row of each posting, increasing within a term
    lex/tf.npy       (postings,) uint16: how often the term occurs in that row
    lex/doclen.npy   (rows,) int32: tokens per row

Scores are BM25 as bm25s computes it by default ("lucene": idf = ln(1 + (N - df + 0.5) / (df + 0.5)),
term weight tf / (tf + k1 (1 - b + b dl / avgdl)), k1 1.5, b 0.75), but N, df and avgdl are taken
over the live rows of every segment at query time, so a score does not depend on how the corpus is
split into segments or on rows removed but not yet compacted (tests/index/test_segments.py checks
the top 10 against one big segment). A segment is never rewritten; merging reads postings, so
nothing is tokenized again.

Why not tantivy, or bm25s per segment (measured on this machine, see README "Segments"): bm25s
stores scores precomputed with its own corpus' statistics, so segments would score apart; tantivy
keeps deleted documents in its statistics until a merge and needs our row filter as a query on a
fast field, and it measured no faster per question here.
"""

from __future__ import annotations

import json
import math
from itertools import chain, islice
from functools import cached_property
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from yanbao.index import arrays

K1, B = 1.5, 0.75
DIR = "lex"


def write(out_dir: Path, token_lists: Iterable[Sequence[str]], block: int = 50_000) -> None:
    """Write the postings of these rows' tokens into out_dir/lex. `token_lists` may be any
    iterable (a generator over a million rows): it is read once, `block` rows at a time, and only
    each block's distinct (term, row) pairs are kept, as int32/uint16 arrays (tests/index/
    test_segments.py checks the arrays against one block)."""
    vocab: dict[str, int] = {}
    blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (term, row, tf) of each block
    lengths: list[np.ndarray] = []
    rows = iter(token_lists)
    start = 0
    while part := list(islice(rows, block)):
        lens = np.fromiter(map(len, part), dtype=np.int64, count=len(part))
        tokens = list(chain.from_iterable(part))  # C loops only: a million chunks hold ~10^8 tokens
        del part
        new = [t for t in dict.fromkeys(tokens) if t not in vocab]
        vocab.update(zip(new, range(len(vocab), len(vocab) + len(new))))
        flat = np.fromiter(map(vocab.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        del tokens
        row = np.repeat(np.arange(start, start + len(lens), dtype=np.int64), lens)
        pairs, tf = np.unique(row << 32 | flat, return_counts=True)  # by row, then term
        del row, flat
        blocks.append(((pairs & 0xFFFFFFFF).astype(np.int32), (pairs >> 32).astype(np.int32),
                       np.minimum(tf, 65_535).astype(np.uint16)))
        lengths.append(lens.astype(np.int32))
        start += len(lens)
    _write_blocks(out_dir, list(vocab), blocks, np.concatenate(lengths) if lengths else np.zeros(0, np.int32))


def _write_blocks(out_dir: Path, terms: list[str], blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
                  doclen: np.ndarray) -> None:
    """The CSC files from blocks of (term, row, tf) postings whose rows all come after the previous
    block's: each block is sorted by (term rank, row) and copied into its terms' slots, so the
    postings of a term stay in row order without one sort over all of them."""
    order_terms = np.argsort(np.array(terms, dtype=object), kind="stable") if terms else np.zeros(0, np.int64)
    rank = np.empty(len(terms), dtype=np.int32)
    rank[order_terms] = np.arange(len(terms), dtype=np.int32)
    df = np.zeros(len(terms), dtype=np.int64)
    for term, _, _ in blocks:
        df += np.bincount(term, minlength=len(terms))[order_terms]  # in rank order
    indptr = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    docs = np.empty(int(indptr[-1]), dtype=np.int32)
    tf = np.empty(int(indptr[-1]), dtype=np.uint16)
    filled = indptr[:-1].copy()  # next free slot of each term
    while blocks:
        term, row, counts = blocks.pop(0)  # let each block go once copied
        col = rank[term]
        order = np.argsort(col, kind="stable")  # rows already increase within the block
        col, row, counts = col[order], row[order], counts[order]
        first = np.flatnonzero(np.r_[True, col[1:] != col[:-1]]) if len(col) else np.zeros(0, np.int64)
        run = np.diff(np.r_[first, len(col)])
        at = np.repeat(filled[col[first]] - first, run) + np.arange(len(col))
        docs[at], tf[at] = row, counts
        filled[col[first]] += run
    _save(out_dir, [terms[i] for i in order_terms], indptr, docs, tf, doclen)


def _save(out_dir: Path, sorted_terms: list[str], indptr: np.ndarray, docs: np.ndarray, tf: np.ndarray,
          doclen: np.ndarray) -> None:
    d = Path(out_dir) / DIR
    d.mkdir(parents=True, exist_ok=True)
    (d / "terms.json").write_text(json.dumps(sorted_terms, ensure_ascii=False), encoding="utf-8")
    np.save(d / "indptr.npy", indptr.astype(np.int64), allow_pickle=False)
    np.save(d / "docs.npy", docs.astype(np.int32), allow_pickle=False)
    np.save(d / "tf.npy", np.minimum(tf, 65_535).astype(np.uint16), allow_pickle=False)
    np.save(d / "doclen.npy", doclen.astype(np.int32), allow_pickle=False)


def _write_arrays(out_dir: Path, terms: list[str], term_of: np.ndarray, docs: np.ndarray, tf: np.ndarray,
                  doclen: np.ndarray) -> None:
    """Sort postings by (term in sorted-vocabulary order, row) and save them."""
    order_terms = np.argsort(np.array(terms, dtype=object), kind="stable") if terms else np.zeros(0, np.int64)
    rank = np.empty(len(terms), dtype=np.int64)
    rank[order_terms] = np.arange(len(terms))
    col = rank[term_of] if len(term_of) else np.zeros(0, np.int64)
    order = np.lexsort((docs, col)) if not _rows_sorted(docs) else np.argsort(col, kind="stable")
    col, docs, tf = col[order], docs[order], tf[order]
    indptr = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(np.bincount(col, minlength=len(terms)), out=indptr[1:])
    _save(out_dir, [terms[i] for i in order_terms], indptr, docs, tf, doclen)


def _rows_sorted(docs: np.ndarray) -> bool:
    return bool(len(docs) < 2 or (np.diff(docs) >= 0).all())


class Postings:
    """One segment's postings, memory-mapped; the vocabulary is read on first use."""

    def __init__(self, seg_dir: Path):
        d = Path(seg_dir) / DIR
        self.dir = d
        self.indptr = arrays.load(d / "indptr.npy", mmap=True)
        self.docs = arrays.load(d / "docs.npy", mmap=True)
        self.tf = arrays.load(d / "tf.npy", mmap=True)
        self.doclen = arrays.load(d / "doclen.npy")
        self._terms_text = (d / "terms.json").read_text(encoding="utf-8")  # read now: the files may be collected later

    @cached_property
    def column(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(json.loads(self._terms_text))}

    @cached_property
    def terms(self) -> list[str]:
        return json.loads(self._terms_text)

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(rows, tf) of the rows holding `term` (empty arrays when none)."""
        i = self.column.get(term)
        if i is None:
            return np.zeros(0, np.int32), np.zeros(0, np.uint16)
        a, b = int(self.indptr[i]), int(self.indptr[i + 1])
        return np.asarray(self.docs[a:b]), np.asarray(self.tf[a:b])


def merge(out_dir: Path, parts: Sequence[tuple[Postings, np.ndarray]]) -> None:
    """Postings of several segments' rows as one segment's, read from their postings (no
    tokenizing). `parts`: (postings, new row of each old row, -1 for a row left out)."""
    vocab: dict[str, int] = {}
    term_parts, doc_parts, tf_parts, lens = [], [], [], []
    for post, new_row in parts:
        new_row = np.asarray(new_row, dtype=np.int64)
        cols = np.fromiter((vocab.setdefault(t, len(vocab)) for t in post.terms), dtype=np.int64, count=len(post.terms))
        counts = np.diff(np.asarray(post.indptr))
        term_of = np.repeat(cols, counts)
        docs = new_row[np.asarray(post.docs)]
        keep = docs >= 0
        term_parts.append(term_of[keep])
        doc_parts.append(docs[keep])
        tf_parts.append(np.asarray(post.tf)[keep])
        kept = new_row >= 0
        lens.append((new_row[kept], post.doclen[kept]))
    n = sum(len(r) for r, _ in lens)
    doclen = np.zeros(n, dtype=np.int32)
    for rows, dl in lens:
        doclen[rows] = dl
    # drop terms no kept row holds
    term_of = np.concatenate(term_parts) if term_parts else np.zeros(0, np.int64)
    used = np.zeros(len(vocab), dtype=bool)
    used[term_of] = True
    remap = np.cumsum(used) - 1
    terms = [t for t, u in zip(vocab, used) if u]
    _write_arrays(out_dir, terms, remap[term_of] if len(term_of) else term_of,
                  np.concatenate(doc_parts) if doc_parts else np.zeros(0, np.int64),
                  np.concatenate(tf_parts) if tf_parts else np.zeros(0, np.uint16), doclen)


class Lexical:
    """BM25 over several segments' postings with statistics of all their live rows.

    `parts`: per segment (postings, live: bool mask of its rows or None when all live, first global
    row of the segment, global row of each local row (-1 for a dead one) or None when all live and
    global = first + local)."""

    def __init__(self, parts: Sequence[tuple[Postings, np.ndarray | None, int, np.ndarray | None]], n_rows: int):
        self.parts = parts
        self.n = n_rows
        total = 0
        for post, live, _, _ in parts:
            total += int(post.doclen.sum() if live is None else post.doclen[live].sum())
        self.avgdl = total / n_rows if n_rows else 0.0

    def _live_postings(self, term: str):
        for post, live, first, global_of in self.parts:
            rows, tf = post.postings(term)
            if live is not None and len(rows):
                keep = live[rows]
                rows, tf = rows[keep], tf[keep]
            yield post, rows, tf, first, global_of

    def df(self, term: str) -> int:
        """How many live rows hold `term`."""
        return sum(len(rows) for _, rows, _, _, _ in self._live_postings(term))

    def idf(self, df: int) -> float:
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """(n_rows,) float32 BM25 score of every live row for these query tokens (a token given twice counts twice)."""
        out = np.zeros(self.n, dtype=np.float32)
        if not self.n:
            return out
        for term in dict.fromkeys(tokens):
            times = sum(1 for t in tokens if t == term)
            found = list(self._live_postings(term))
            df = sum(len(rows) for _, rows, _, _, _ in found)
            if not df:
                continue
            idf = self.idf(df) * times
            for post, rows, tf, first, global_of in found:
                if not len(rows):
                    continue
                tf = tf.astype(np.float32)
                norm = K1 * (1 - B + B * post.doclen[rows] / self.avgdl)
                w = (idf * tf / (tf + norm)).astype(np.float32)
                at = first + rows if global_of is None else global_of[rows]
                out[at] += w  # rows of one term are distinct: no add.at needed
        return out

    def search(self, tokens: Sequence[str], k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(global row, score) of the k best rows with a score above zero; with `allowed`, only those rows."""
        scores = self.scores(tokens)
        if not len(scores) or k <= 0:
            return []
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(r), float(scores[r])) for r in top if scores[r] > 0]
