"""Small text helpers shared by the answerers and the citation check: sentences, figures, markers."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SENT = re.compile(r"[^。！？!?；;\n]*(?:[。！？!?；;]+|\n|$)")
_ANSWER_SENT = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+|\n|$)(?:[ \t]*\[[\d,，、\s]+\])*")
MARKER = re.compile(r"\[(\d+(?:\s*[,，、]\s*\d+)*)\]")
_FIGURE = re.compile(r"(?<![\d.])\d+(?:\.\d+)?")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
# a day written as eight digits (20241226, a timeline's label), not inside a longer number
YYYYMMDD = r"(?<![\d.])(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?![\d.])"
DATE_IN_TEXT = re.compile(r"\d{4}年\d{1,2}月|\d{1,2}月\d{1,2}日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{4}年|" + YYYYMMDD)
# a model's code (CM384, GB200 NVL72, DeepEdge 10 Max): letters then digits, or digits then letters
MODEL_CODE = re.compile(r"[A-Za-z]{2,}\s?-?\d|\d[A-Za-z]{2,}")
FIGURE_IN_TEXT = re.compile(r"\d(?:[\d.,]*)\s*(?:%|亿|万|千|百|美元|元|倍|个|家|台|款|只|颗|张|块|部|片|套|MW|GW|kW|W|TB|GB|nm|p|B|T|x|X|倍"
                            r"|g|秒|小时|分钟|个月)")  # 40W, 48.6g, 60秒: figures with their units


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) character spans of the sentences (and table rows) of a passage, blanks skipped."""
    spans = []
    for m in _SENT.finditer(text):
        s, e = m.span()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans


def answer_sentences(text: str) -> list[str]:
    """An answer cut into sentences, each keeping the [n] markers that follow its full stop."""
    return [m.group(0) for m in _ANSWER_SENT.finditer(text) if m.group(0)]


@lru_cache(maxsize=16_384)
def squash(text: str) -> str:
    """NFKC, lower case, no whitespace: the form in which labels and names are matched (AI 手机 = ai手机)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def plain(text: str) -> str:
    """NFKC, thousands separators dropped: the form in which figures are compared."""
    return _THOUSANDS.sub("", unicodedata.normalize("NFKC", text))


def figures(text: str) -> list[str]:
    """The numbers written in a piece of text ("1,800" -> "1800"), markers [n] excluded."""
    return _FIGURE.findall(plain(MARKER.sub("", text)))


def has_figure(text: str, figure: str) -> bool:
    """True when `figure` occurs in `text` as a whole number (47 is not found inside 147 or 4.7)."""
    return re.search(rf"(?<![\d.]){re.escape(figure)}(?![\d]|\.\d)", plain(text)) is not None


def bigrams(text: str) -> set[str]:
    """Character bigrams of the CJK and alphanumeric characters of a text."""
    chars = [c for c in unicodedata.normalize("NFKC", text).lower() if c.isalnum()]
    return {a + b for a, b in zip(chars, chars[1:])}
