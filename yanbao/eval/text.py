"""Text normalisation shared by every scorer: the same on both sides of a comparison."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_DROP = re.compile(r"[\s\u200b-\u200d\u2060\ufeff\u00ad]+|\*\*")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


@lru_cache(maxsize=8192)
def normalize(text: str) -> str:
    """`text` for comparison: NFKC, no whitespace, no `**`, no thousands commas, latin lowercased.

    "１，２３４ ％" -> "1234%"; 万 and 亿 stay as written ("131亿美元" is not rewritten).
    """
    t = text
    for _ in range(4):  # removing spaces or lowercasing can make NFKC apply again: run to a fixed point
        n = _THOUSANDS.sub("", _DROP.sub("", unicodedata.normalize("NFKC", t))).lower()
        if n == t:
            break
        t = n
    return t


_ZW = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]+|\*\*")
_SPACE = re.compile(r"[^\S\n]+")
_BREAKS = re.compile(r"\s*\n\s*")


@lru_cache(maxsize=8192)
def prepare(text: str) -> str:
    """`text` for reading figures: NFKC, lower case, no thousands commas, line breaks kept, a single space only
    between two latin letters or digits ("13.1 billion us dollars" keeps its spaces, "131 亿美元"
    becomes "131亿美元")."""
    return prepare_cased(text).lower()


@lru_cache(maxsize=8192)
def prepare_cased(text: str) -> str:
    """`prepare` before lower-casing (same length for all but a few exotic letters)."""
    t = unicodedata.normalize("NFKC", _ZW.sub("", text))
    t = _THOUSANDS.sub("", _SPACE.sub(" ", _BREAKS.sub("\n", t)))  # a line break stays: it ends a sentence
    return re.sub(r"(?<![A-Za-z0-9$.,%]) | (?![A-Za-z0-9$])", "", t).strip()
