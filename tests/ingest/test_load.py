"""Loaders and batches: PDF/DOCX page numbers, encodings, and bad files that never sink a batch."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from yanbao.errors import LoadError, UnsupportedFileError
from yanbao.ingest.load import load
from yanbao.ingest.pipeline import ingest_file, ingest_files

PAGES = [
    "第一章 行业概览\n国内算力资本开支有望迎来加速增长。豆包模型日均使用量超过四万亿。",
    "第二章 端侧\n端侧将是人工智能的重要落地场景。闪极科技发布首款眼镜，仅售九百九十九元。",
    "第三章 风险\n海外制裁加剧可能影响整体产业发展。技术发展不及预期。",
]


def make_pdf(path: Path, pages=PAGES, encrypt: bool = False) -> Path:
    import pymupdf

    doc = pymupdf.open()
    for text in pages:
        page = doc.new_page()
        page.insert_text((72, 72), text, fontname="china-s", fontsize=11)
    kwargs = {}
    if encrypt:
        kwargs = dict(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner")
    doc.save(path, **kwargs)
    doc.close()
    return path


def make_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_heading("示例研报：算力周报", level=1)
    d.add_paragraph("国内算力资本开支有望迎来加速增长。")
    d.add_page_break()
    d.add_heading("端侧展望", level=2)
    d.add_paragraph("端侧将是人工智能的重要落地场景。")
    table = d.add_table(rows=2, cols=3)
    for i, row in enumerate([("公司", "营收(亿元)", "增速"), ("示例科技", "12.5", "30%")]):
        for j, cell in enumerate(row):
            table.rows[i].cells[j].text = cell
    d.save(path)
    return path


def test_pdf_round_trip_with_pages(tmp_path):
    report = ingest_file(make_pdf(tmp_path / "sample.pdf"))
    assert [l.kind for l in report.doc.lines if "章" in report.doc.text[l.start:l.end]]
    pages_of = {}
    for c in report.chunks:
        assert report.doc.text[c.start:c.end] == c.text
    for phrase, page in [("豆包模型日均使用量超过四万亿", 1), ("仅售九百九十九元", 2), ("海外制裁加剧", 3)]:
        offset = report.doc.text.index(phrase)
        pages_of[phrase] = report.doc.page_at(offset)
        assert pages_of[phrase] == page
        chunk = next(c for c in report.chunks if phrase in c.text)
        assert chunk.page == page


def test_docx_round_trip_with_pages_headings_and_tables(tmp_path):
    report = ingest_file(make_docx(tmp_path / "sample.docx"))
    text = report.doc.text
    assert "国内算力资本开支有望迎来加速增长。" in text
    assert report.doc.page_at(text.index("国内算力")) == 1
    assert report.doc.page_at(text.index("端侧将是")) == 2
    headings = [text[l.start:l.end] for l in report.doc.lines if l.kind == "heading"]
    assert headings == ["示例研报:算力周报", "端侧展望"]
    assert "示例科技\t12.5\t30%" in text
    chunk = next(c for c in report.chunks if "端侧将是" in c.text)
    assert chunk.section == "示例研报:算力周报 > 端侧展望" and chunk.page == 2


def test_gbk_text_is_decoded(tmp_path):
    p = tmp_path / "gbk.txt"
    p.write_bytes("东吴证券研究所\n豆包模型日均 token 使用量超 4 万亿。".encode("gbk"))
    report = ingest_file(p)
    assert "豆包模型日均 token 使用量超 4 万亿。" in report.doc.text
    assert report.meta.broker == "东吴证券"


@pytest.mark.parametrize(
    "name, data, match",
    [
        ("empty.txt", b"", "empty file"),
        ("binary.txt", bytes(range(256)) * 40, "binary data"),
        ("latin.txt", "caf\u00e9".encode("utf-16-le") * 10, "binary data|not valid UTF-8"),
        ("notes.xlsx", b"PK\x03\x04", "unsupported file type '.xlsx'"),
        ("fake.docx", b"this is not a zip", "not a valid .docx"),
    ],
)
def test_bad_files_name_the_file_and_the_reason(tmp_path, name, data, match):
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(LoadError, match=match) as e:
        load(p)
    assert e.value.file == name


def test_undecodable_bytes_say_how_to_fix(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes(b"\xff\xfe\xfa" * 200 + b"\x81\x20" * 50)
    with pytest.raises(LoadError, match="re-save the file as UTF-8"):
        load(p)


def test_unknown_extension_is_unsupported(tmp_path):
    p = tmp_path / "report.pptx"
    p.write_bytes(b"x")
    with pytest.raises(UnsupportedFileError, match=r"\.txt, \.md, \.pdf, \.docx"):
        load(p)


def test_truncated_pdf(tmp_path):
    good = make_pdf(tmp_path / "good.pdf").read_bytes()
    p = tmp_path / "truncated.pdf"
    p.write_bytes(good[: len(good) // 3])
    with pytest.raises(LoadError, match="truncated|damaged|text layer"):
        load(p)


def test_encrypted_pdf(tmp_path):
    p = make_pdf(tmp_path / "locked.pdf", encrypt=True)
    with pytest.raises(LoadError, match="encrypted PDF"):
        load(p)


def test_pdf_without_text_layer(tmp_path):
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    page.draw_rect(pymupdf.Rect(50, 50, 200, 200), color=(0, 0, 0), fill=(0.5, 0.5, 0.5))
    p = tmp_path / "scan.pdf"
    doc.save(p)
    with pytest.raises(LoadError, match="scanned PDF: text layer missing"):
        load(p)


def test_zip_bomb_docx_is_refused(tmp_path):
    import zipfile

    p = tmp_path / "bomb.docx"
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"0" * (210 * 1024 * 1024))
    assert p.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(LoadError, match="zip bomb"):
        load(p)


def test_batch_goes_on_past_bad_files(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("国金证券研究所\n## 一、行业概览\nAI 眼镜销量超预期。", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "gbk.txt").write_bytes("华西证券研究所\n端侧AI爆发元年。".encode("gbk"))
    (tmp_path / "truncated.pdf").write_bytes(make_pdf(tmp_path / "x.pdf").read_bytes()[:300])
    (tmp_path / "x.pdf").unlink()
    make_pdf(tmp_path / "locked.pdf", encrypt=True)
    (tmp_path / "table.xlsx").write_bytes(b"PK")
    result = ingest_files([tmp_path / n for n in sorted(p.name for p in tmp_path.iterdir())])
    assert sorted(r.meta.file for r in result.reports) == ["gbk.txt", "good.txt"]
    reasons = dict(result.skipped)
    assert set(reasons) == {"empty.txt", "binary.txt", "truncated.pdf", "locked.pdf", "table.xlsx"}
    assert "encrypted" in reasons["locked.pdf"] and "empty" in reasons["empty.txt"]


def test_directory_expansion_skips_other_types(tmp_path):
    (tmp_path / "a.md").write_text("# 标题\n正文内容。", encoding="utf-8")
    (tmp_path / "b.csv").write_text("x,y", encoding="utf-8")
    result = ingest_files([tmp_path])
    assert [r.meta.file for r in result.reports] == ["a.md"] and result.skipped == []


@pytest.mark.slow
def test_50mb_text_file_in_bounded_memory(tmp_path):
    """With the length limit raised, a 50 MB report is read, cleaned and chunked in a subprocess
    whose peak memory stays far below absurd (by default it is refused: see the test below)."""
    p = tmp_path / "big.txt"
    paragraph = "豆包模型日均 token 使用量超 4 万亿，较七个月前首次发布时增长了 33 倍。算力成本价格大幅降低。\n"
    block = (paragraph * 2000).encode("utf-8")
    with open(p, "wb") as f:
        while f.tell() < 50 * 1024 * 1024:
            f.write(block)
    script = textwrap.dedent(
        f"""
        import json, sys
        from pathlib import Path
        from yanbao.ingest.pipeline import ingest_file
        r = ingest_file(Path({str(p)!r}), max_chars=50_000_000)
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, so it would report pytest's size
        peak_mb = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")) / 1024
        print(json.dumps({{"chunks": len(r.chunks), "peak_mb": peak_mb, "chars": len(r.doc.text)}}))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, check=True)
    stats = json.loads(out.stdout)
    assert stats["chunks"] > 50_000
    # 50 MB of UTF-8 Chinese is ~18M characters; text, lines and chunks together stay under 3 GB
    assert stats["peak_mb"] < 3000, stats


def test_tab_indented_paragraph_is_text_not_table():
    from yanbao.ingest.clean import clean
    from yanbao.ingest.load import RawDoc

    doc = clean(RawDoc("t.txt", ("\t国内算力资本开支有望迎来加速增长，字节豆包的快速发展带来了整个互联网大厂的资本开\n支新一轮大投资。",), False, ""))
    assert [l.kind for l in doc.lines] == ["text"]
    assert "\t" not in doc.text and "资本开支新一轮大投资" in doc.text


def test_numbers_of_a_cell_per_line_table_are_kept():
    from yanbao.ingest.clean import clean
    from yanbao.ingest.load import RawDoc

    doc = clean(RawDoc("t.txt", ("营业收入\n123\n456\n789\n净利润\n12\n\n7\n\n正文继续。",), False, ""))
    assert doc.text.split("\n")[:5] == ["营业收入", "123", "456", "789", "净利润"]
    assert ("7", "page number") in doc.dropped  # alone between blank lines: a page number


def test_text_too_long_for_one_report_is_refused_before_cleaning(tmp_path):
    from yanbao.errors import SettingsError
    from yanbao.ingest.pipeline import ingest_file
    from yanbao.settings import Settings

    p = tmp_path / "长文.txt"
    p.write_text("".join(f"测试证券认为出货量为 {i:04d} 万颗。" for i in range(200)), encoding="utf-8")  # 3,800 characters
    assert ingest_file(p, max_chars=5000).chunks
    with pytest.raises(LoadError, match=r"长文.txt: 3,800 characters of text, over the 2,000 limit .*YANBAO_MAX_REPORT_CHARS"):
        ingest_file(p, max_chars=2000)
    with pytest.raises(SettingsError, match="YANBAO_MAX_REPORT_CHARS"):
        Settings(max_report_chars=10)


def test_a_table_of_contents_is_set_aside_and_names_the_headings():
    from yanbao.ingest.clean import clean
    from yanbao.ingest.load import RawDoc

    toc = ("目录\n华泰低市净率FFScore 模型策略回测结果分析 ...................................................... 22\n"
           "图表31: 12 个财务指标低PB 选股的绩效 ........................................................ 25\n")
    body = "华泰低市净率FFScore 模型策略回测结果分析\n回测时间为2006 年4 月30 日到2016 年4 月30 日。\n"
    doc = clean(RawDoc("t.pdf", (toc, body), True, ""))
    assert "......" not in doc.text and "回测时间为2006 年4 月30 日到2016 年4 月30 日。" in doc.text
    assert sum(reason == "table of contents" for _, reason in doc.dropped) == 2
    heading = next(ln for ln in doc.lines if doc.text[ln.start:ln.end].startswith("华泰低市净率FFScore"))
    assert heading.kind == "heading"


def test_a_list_of_figures_or_names_broken_after_its_separator_is_joined():
    from yanbao.ingest.clean import clean
    from yanbao.ingest.load import RawDoc

    text = ("盈利预测与投资建议:预计公司2025-2027 年归母净利润分别为37.5 亿元、\n42.2 亿元、47.2 亿元,对应PE 分别为13、11、10 倍。\n"
            "2025 年前三季度,公司期间费用率37.7%,同增5.7pp。其中销售/管理/研发费率分别\n27.9%/5.9%/3.8%,分别同比+3.8/+0.5/+1.2pp。\n"
            "营业收入\n123\n456\n")
    doc = clean(RawDoc("t.txt", (text,), False, ""))
    assert "分别为37.5 亿元、42.2 亿元、47.2 亿元" in doc.text
    assert "研发费率分别27.9%/5.9%/3.8%" in doc.text
    assert doc.text.rstrip().split("\n")[-3:] == ["营业收入", "123", "456"]  # a label and its figures stay lines
    names = clean(RawDoc("n.txt", ("据a16z全球Top 100 AI应用榜单，字节旗下Cici、Coze、\nGauth、Hypic、CapCut五款产品名列前茅。\n"
                                   "重点公司\nNVIDIA 英伟达\n",), False, ""))
    assert "字节旗下Cici、Coze、Gauth、Hypic、CapCut五款产品" in names.text  # a list of names broken after 、
    assert "重点公司\nNVIDIA 英伟达" in names.text  # a short label and a name stay apart


def test_a_timelines_day_joins_what_it_dates_and_a_name_broken_at_its_hyphen_is_whole():
    from yanbao.ingest.clean import clean
    from yanbao.ingest.load import RawDoc

    text = "DeepSeek开源模型时间轴\n\n20241213：\nDeepSeek-VL2\n\n20241226：\nDeepSeek-V3\n\n20250127：\nDeepSeek-Janus-\n\nPro\n\n2024年12月：\n豆包视觉理解模型\n"
    lines = clean(RawDoc("t.txt", (text,), False, "")).text.rstrip().split("\n")
    assert [ln for ln in lines if ln] == ["DeepSeek开源模型时间轴", "20241213:DeepSeek-VL2", "20241226:DeepSeek-V3",
                                          "20250127:DeepSeek-Janus-Pro", "2024年12月:豆包视觉理解模型"]
    # a figure or a sentence ending in a colon is no timeline's day: what follows stays its own line
    lines = clean(RawDoc("u.txt", ("营业收入 12345678：\n同比增长\n- 风险提示：\n下游需求不及预期\n",), False, "")).text
    assert "12345678:同比增长" not in lines and "风险提示:下游需求不及预期" not in lines

