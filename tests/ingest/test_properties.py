"""Property tests: cleaning and chunking never crash and keep their invariants on any Unicode."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yanbao.ingest.chunk import chunk
from yanbao.ingest.clean import clean
from yanbao.ingest.load import RawDoc
from yanbao.types import ReportMeta

# Arbitrary Unicode, biased towards what reports contain: CJK, punctuation, digits, tabs, breaks.
report_alphabet = st.one_of(
    st.characters(),
    st.sampled_from(list("。！？；，、：:\t\n\n  #*-图表资料来源数据来源12345豆包算力博通英伟达%亿元\u3000\ue000\u200b")),
)
texts = st.text(alphabet=report_alphabet, max_size=3000)


def _check(pages: list[str], chunk_chars: int, overlap: int, paged: bool) -> None:
    doc = clean(RawDoc("x.txt", tuple(pages), paged, "0" * 64))
    for line in doc.lines:
        assert 0 <= line.start <= line.end <= len(doc.text)
        assert "\n" not in doc.text[line.start:line.end]
    chunks = chunk(doc, ReportMeta(file="x.txt"), chunk_chars, overlap)
    for c in chunks:
        assert doc.text[c.start:c.end] == c.text
        assert c.text and c.text == c.text.strip()
        if paged:
            assert c.page is not None and 1 <= c.page <= len(pages)
    starts = [c.start for c in chunks]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    again = chunk(clean(RawDoc("x.txt", tuple(pages), paged, "0" * 64)), ReportMeta(file="x.txt"), chunk_chars, overlap)
    assert [c.id for c in again] == [c.id for c in chunks]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, st.integers(50, 500), st.integers(0, 24))
def test_text_files(text, chunk_chars, overlap):
    _check([text], chunk_chars, overlap, paged=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(texts, min_size=1, max_size=5), st.integers(50, 500))
def test_paged_documents(pages, chunk_chars):
    _check(pages, chunk_chars, 10, paged=True)
