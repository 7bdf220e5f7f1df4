"""PDF layout: headers/footers dropped and listed, one-character sidebars joined, two columns in
reading order, the cover title by prominence, the PDF's metadata and file name as weaker hints."""

from __future__ import annotations

from pathlib import Path

from yanbao.ingest.load import load
from yanbao.ingest.pipeline import ingest_file

LEFT = ["左栏第一段：国内算力资本开支有望迎来加速增长。", "左栏第二段：豆包模型日均使用量超过四万亿。", "左栏第三段：端侧是重要落地场景。"]
RIGHT = ["右栏第一段：海外制裁加剧可能影响产业。", "右栏第二段：技术发展不及预期的风险。", "右栏第三段：关注国产链份额提升。"]


def _pdf(path: Path, pages: int = 4, title: str | None = "算力需求持续高景气，国产服务器放量在即",
         meta: dict | None = None) -> Path:
    import pymupdf

    doc = pymupdf.open()
    for n in range(pages):
        page = doc.new_page(width=595, height=842)
        page.insert_text((40, 30), "证券研究报告·行业研究", fontname="china-s", fontsize=9)
        page.insert_text((40, 825), "请务必阅读正文之后的免责声明部分", fontname="china-s", fontsize=9)
        page.insert_text((540, 825), f"{n + 1}", fontname="helv", fontsize=9)
        if n == 0 and title:
            page.insert_text((40, 90), "2025年3月14日", fontname="china-s", fontsize=10)
            page.insert_text((40, 130), title, fontname="china-s", fontsize=22)
            page.insert_text((330, 170), "分析师 林知远", fontname="china-s", fontsize=10)
            page.insert_text((330, 185), "执业证书编号：S1230520070001", fontname="china-s", fontsize=9)
        for i, (a, b) in enumerate(zip(LEFT, RIGHT)):
            y = 250 + 60 * i
            page.insert_text((40, y), a, fontname="china-s", fontsize=10)
            page.insert_text((330, y + 4), b, fontname="china-s", fontsize=10)
        for j, ch in enumerate("本报告仅供机构投资者参考"):  # a sidebar printed one character per line
            page.insert_text((575, 300 + 13 * j), ch, fontname="china-s", fontsize=10)
    if meta:
        doc.set_metadata(meta)
    doc.save(path)
    doc.close()
    return path


def test_repeated_header_footer_and_page_numbers_are_listed_not_kept(tmp_path):
    raw = load(_pdf(tmp_path / "r.pdf"))
    dropped = {(t, why) for t, why in raw.dropped}
    assert ("请务必阅读正文之后的免责声明部分", "repeated header/footer") in dropped
    assert ("证券研究报告·行业研究", "repeated header/footer") in dropped
    assert ("2", "page number") in dropped
    for page in raw.pages:
        assert "免责声明部分" not in page and "证券研究报告·行业研究" not in page


def test_two_columns_read_left_then_right(tmp_path):
    raw = load(_pdf(tmp_path / "r.pdf"))
    text = raw.pages[1]
    positions = [text.index(s) for s in LEFT + RIGHT]
    assert positions == sorted(positions), text


def test_one_character_sidebar_is_joined_and_set_after_the_body(tmp_path):
    raw = load(_pdf(tmp_path / "r.pdf"))
    text = raw.pages[1]
    assert "本报告仅供机构投资者参考" in text
    assert text.index("本报告仅供机构投资者参考") > text.index(RIGHT[-1])


def test_cover_title_is_the_most_prominent_line_not_a_footer(tmp_path):
    report = ingest_file(_pdf(tmp_path / "report.pdf"))
    m = report.meta
    assert m.title == "算力需求持续高景气,国产服务器放量在即"
    assert m.source_of("title") == "cover text"
    assert m.date == "2025-03-14" and m.source_of("date") == "cover text"
    assert [(a.name, a.cert) for a in m.analysts] == [("林知远", "S1230520070001")]
    for c in report.chunks:
        assert report.doc.text[c.start:c.end] == c.text


def test_file_name_and_pdf_metadata_are_weaker_hints(tmp_path):
    # no title on the cover: the file name gives it, and its date when the cover has none
    p = _pdf(tmp_path / "20200223_东吴证券_高频价量相关性，意想不到的选股因子.pdf", title=None)
    m = ingest_file(p).meta
    assert m.broker == "东吴证券" and m.source_of("broker") == "file name"
    assert m.date == "2020-02-23" and m.source_of("date") == "file name"
    # the file name's title is taken only when the text holds its headline
    assert m.title is None
    p = _pdf(tmp_path / "标题_2015-08-10_国泰君安.pdf", title=None,
             meta={"title": "国泰君安-算力需求持续高景气，国产服务器放量在即-150810.pdf"})
    m = ingest_file(p).meta
    assert m.date == "2015-08-10" and m.source_of("date") == "file name"
    assert m.broker == "国泰君安证券"


def test_cover_headline_completed_by_the_pdf_title(tmp_path):
    """The cover prints the headline; the PDF's own title adds the company before it."""
    p = _pdf(tmp_path / "x.pdf", title="内涵+外延双轮驱动，经营拐点已现",
             meta={"title": "西南证券-华润三九(000999)2025年三季报点评：内涵+外延双轮驱动，经营拐点已现-251029.pdf"})
    m = ingest_file(p).meta
    assert m.title == "华润三九(000999)2025年三季报点评:内涵+外延双轮驱动,经营拐点已现"
    assert m.source_of("title") == "pdf metadata"


def test_rotated_sidebar_is_one_line_after_the_body(tmp_path):
    import pymupdf

    doc = pymupdf.open()
    for _ in range(2):
        page = doc.new_page(width=595, height=842)
        for i, text in enumerate(LEFT):
            page.insert_text((40, 200 + 40 * i), text, fontname="china-s", fontsize=11)
        page.insert_text((570, 600), "行业研究报告仅供参考", fontname="china-s", fontsize=10, rotate=90)
    path = tmp_path / "rotated.pdf"
    doc.save(path)
    text = load(path).pages[0]
    assert "行业研究报告仅供参考" in text.split("\n")
    assert text.index("行业研究报告仅供参考") > text.index(LEFT[-1])
