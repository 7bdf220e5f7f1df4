"""A small real PDF report with Chinese text, written with PyMuPDF's built-in CJK font (china-s)."""

from __future__ import annotations

from pathlib import Path

PDF_NAME = "010_测试证券_光子芯片深度报告.pdf"
PAGE1 = [
    "测试证券研究所",
    "光子芯片深度报告：Q7 量产在即",
    "2025年4月8日",
    "分析师：王测试（执业证书编号：S0000000000001）",
    "",
    "核心观点",
    "测试证券认为，光子芯片 Q7 在 2024 年的出货量为 4567 万颗，同比增长 89%。",
    "我们预计 2025 年 Q7 的出货量将达到 9876 万颗，主要受益于数据中心的需求。",
]
PAGE2 = ["风险提示", "光子芯片技术进展不及预期；下游需求不及预期。", "第二页的数据：Q7 单价为 321 美元。"]
FIGURE = "4567"  # on page 1, inside the sentence a question about 2024 shipments cites


def write_report_pdf(path: Path) -> Path:
    """Write the two-page report to `path` (the file name should be PDF_NAME)."""
    import pymupdf

    doc = pymupdf.open()
    for lines in (PAGE1, PAGE2):
        page = doc.new_page()  # A4 portrait, 595 x 842 points
        y = 72
        for text in lines:
            if text:
                page.insert_text((72, y), text, fontname="china-s", fontsize=11)
            y += 20
    doc.save(str(path))
    doc.close()
    return Path(path)


def figure_rect(path: Path, text: str = FIGURE, page: int = 1) -> tuple[float, float, float, float]:
    """Where `text` is on `page` of the PDF, as fractions (x0, y0, x1, y1) of the page's width and height."""
    import pymupdf

    with pymupdf.open(str(path)) as doc:
        pg = doc[page - 1]
        r = pg.search_for(text)[0]
        w, h = pg.rect.width, pg.rect.height
        return r.x0 / w, r.y0 / h, r.x1 / w, r.y1 / h
