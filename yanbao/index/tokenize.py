"""The one BM25 tokenizer: jieba (search mode) + our finance dictionary + stopwords.

Used for indexing and querying alike; `tokenizer_id()` goes into the index manifest so an
index built with another dictionary is refused. Synonyms expand queries only.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from functools import lru_cache
from importlib import resources

log = logging.getLogger(__name__)

TOKENIZER_VERSION = "jieba-search-v1"
_DATA = resources.files("yanbao") / "data"
_KEEP = re.compile(r"[0-9a-z\u3400-\u9fff]")
_lock = threading.Lock()


def _read(name: str) -> str:
    return (_DATA / name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(w.strip() for w in _read("stopwords.txt").splitlines() if w.strip())


@lru_cache(maxsize=1)
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    groups = []
    for line in _read("synonyms.txt").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            groups.append(tuple(t.lower() for t in line.split()))
    return tuple(groups)


@lru_cache(maxsize=1)
def tokenizer_id() -> str:
    """Identity of the tokenizer: version, jieba version, dictionary, stopword and synonym hashes."""
    import jieba

    h = hashlib.sha256()
        # synonyms count too: their Chinese terms are added to jieba's dictionary
    for part in (TOKENIZER_VERSION, jieba.__version__, _read("finance_dict.txt"), _read("stopwords.txt"), _read("synonyms.txt")):
        h.update(part.encode("utf-8"))
    return f"{TOKENIZER_VERSION}:{h.hexdigest()[:16]}"


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    with resources.as_file(_DATA / "finance_dict.txt") as path:
        tok.load_userdict(str(path))
    # make sure multi-word synonyms stay whole words too
    for group in synonym_groups():
        for term in group:
            if re.search(r"[\u4e00-\u9fff]", term):
                tok.add_word(term, freq=1000)
    return tok


def first_word_tag(text: str) -> str:
    """jieba's part-of-speech tag of the first word of `text` (its default dictionary): nr for a
    person's name, ns a place, nz another proper name, eng latin, n a common noun, v a verb."""
    import jieba.posseg

    with _lock:
        for pair in jieba.posseg.cut(text):
            return pair.flag
    return ""


def common_word(word: str) -> bool:
    """True when `word` is in jieba's default dictionary (调研, 股份), False for a name it does not
    know (励飞, 翱捷)."""
    import jieba

    with _lock:
        jieba.dt.check_initialized()
        return jieba.dt.FREQ.get(word, 0) > 0


def tokenize(text: str) -> list[str]:
    """BM25 tokens of `text`: lower-cased jieba search-mode words, stopwords and punctuation removed."""
    if len(text) <= _REMEMBERED_CHARS:
        return list(_short_tokens(text))
    return _tokenize(text)


_REMEMBERED_CHARS = 300  # a question or a sentence, tokenized again for every retrieval and answer; not a whole chunk


@lru_cache(maxsize=16_384)
def _short_tokens(text: str) -> tuple[str, ...]:
    return tuple(_tokenize(text))


def _tokenize(text: str) -> list[str]:
    with _lock:  # jieba's Tokenizer initialises lazily and is not thread-safe while doing so
        words = _jieba().lcut_for_search(text.lower())
    stop = stopwords()
    return [w for w in (w.strip() for w in words) if w and w not in stop and _KEEP.search(w)]


def words(text: str) -> list[str]:
    """Lower-cased jieba words of `text` in reading order (precise mode, nothing removed)."""
    with _lock:
        return [w for w in _jieba().lcut(text.lower()) if w.strip()]


def expand_query(tokens: list[str]) -> list[str]:
    """Query tokens plus the tokens of every synonym of a term the query contains."""
    out = list(tokens)
    present = set(tokens)
    for group in synonym_groups():
        if any(term in present for term in group):
            for term in group:
                for t in tokenize(term):
                    if t not in present:
                        present.add(t)
                        out.append(t)
    return out
