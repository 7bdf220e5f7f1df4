"""Report metadata: broker, title, date, analysts, type and rating, each with where it came from.

Sources, strongest first: the cover as printed (PDF layout: the most prominent line is the
title), the cover read by OCR, the head of the text (also when a whole report is one line),
the body, and last the PDF's own metadata and the file name. A field no source gives is None.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import replace
from pathlib import PurePath
from statistics import median
from typing import Sequence

from yanbao.ingest.brokers import BROKER_DOMAINS, BROKER_NAME, BROKERS, INDUSTRY, SURNAME, canonical
from yanbao.ingest.layout import CoverLine
from yanbao.types import Analyst, CleanDoc, ReportMeta

# provenance values; HEAD: the first lines of a text file, which is its cover
COVER, COVER_OCR, BODY, PDF_META, FILE_NAME = "cover text", "cover OCR", "body", "pdf metadata", "file name"
HEAD = COVER

_INSTITUTE = re.compile(r"([\u4e00-\u9fff]{2,8}?证券)(?:股份有限公司|有限责任公司|有限公司)?(?:研究所|研究院|研究部|研究中心)")
_COMPANY = re.compile(r"([\u4e00-\u9fff]{2,8}?证券)(?:股份有限公司|有限责任公司)")
_BROKER_PREFIX = re.compile(r"^.*(?:属于|归属|归|由|本报告|本公司|为|是|和|及|与|向|经|在|对)(?=[\u4e00-\u9fff]{2,}证券$)")
_EMAIL_DOMAIN = re.compile(r"[\w.+-]+@([\w-]+(?:\.[A-Za-z][\w-]*)+)")
_CERT = re.compile(r"S\d{13}")
_ROLES = "证券分析师|首席分析师|分析师|分析员|研究员|研究助理|联系人"
_NAME_END = r"(?=\s|[,，:：;；()（）/|、*]|执业|执证|SAC|证书|电话|邮箱|[Ee]-?mail|S\d{13}|[A-Za-z0-9]|$)"
_NAME_CAND = re.compile(
    rf"(?:({_ROLES})\s*[:：]?\s*|(?<![\u4e00-\u9fff]))({SURNAME}[\u4e00-\u9fff]{{1,2}}?){_NAME_END}"
)
_NOT_NAME = re.compile(r"证券|研究|分析|报告|执业|联系|助理|评级|声明|承诺|资格|投资|公司|行业|电话|邮箱|地址|团队|简介|介绍|观点|认证")
_DATE = r"((?:19|20)\d{2})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?"
_DATE_LINE = re.compile(rf"^(?:(?:报告|发布|发表|出版)?日期)?\s*[:：]?\s*{_DATE}$")
_DATE_LABELED = re.compile(rf"(?:报告日期|发布日期|发表日期|出版日期|报告发布日期)\s*[:：]?\s*{_DATE}")
_RATING_WORDS = (
    "强烈推荐|谨慎推荐|审慎推荐|推荐|谨慎增持|审慎增持|增持|买入|中性|持有|减持|卖出|回避|"
    "优于大市|同步大市|弱于大市|领先大市|落后大市|强于大市|跑赢大市|跑输大市|跑赢行业|跑输行业|同步行业|"
    "看好|未评级|无评级|超配|标配|低配"
)
_QUALIFIER = r"维持评级|首次评级|首次覆盖|维持|首次|上调|下调|调高|调低|新增"
_RATING = re.compile(rf"({_RATING_WORDS})(\s*-\s*[A-C])?\s*[(（]\s*({_QUALIFIER})\s*[)）]")
_RATING_LABELED = re.compile(rf"(?:投资|公司|行业|股票)?评级\s*[:：]\s*({_RATING_WORDS})(\s*-\s*[A-C])?(?:\s*[(（]\s*({_QUALIFIER})\s*[)）])?")
_RATING_ALONE = re.compile(rf"^({_RATING_WORDS})(\s*-\s*[A-C])?$")
_TYPES = (
    ("周报", "周报"),
    ("中期投资策略", "中期策略"),
    ("中期策略", "中期策略"),
    ("年度投资策略", "年度策略"),
    ("年度策略", "年度策略"),
    ("行业深度", "行业深度"),
    ("公司深度", "公司深度"),
    ("深度研究", "深度研究"),
    ("点评", "点评"),
    ("专题", "专题"),
    ("月报", "月报"),
    ("晨报", "晨报"),
    ("首次覆盖", "首次覆盖"),
)
# lines that are never a title: labels, disclaimers, footers, prices, contacts, dates, ratings
_NOT_TITLE = re.compile(
    r"证券研究报告|研究所|研究院|研究中心|分析师|分析员|研究员|研究助理|联系人|执业|@|^\d{4}\s*[-年/.]\s*\d|^[\d\s.,%:/-]+$|评级|"
    r"^(买入|增持|推荐|中性|减持|卖出|持有)|^(核心逻辑|核心观点|投资要点|报告摘要|摘要|目录|内容目录|CONTENTS|事件|事件简介|研究结论|主要观点|点评)$|"
    r"深度研究\s*\(|^行业|周报$|策略$|^[^，,：:/]{0,12}/[^，,：:/]{0,12}$|[(（]\d{6}(?:\.[A-Z]{2})?[)）]\s*/|^[\u4e00-\u9fff]{0,6}(?:研究|报告|点评|深度|专题|月报|晨报|简报|快报|快评|简介)$|^[\u4e00-\u9fff]{2,6}证券\s*[|·•]|"
    r"声明|免责|请务必|敬请|请阅读|请参阅|谨请|阅读正文|特别提示|风险提示|版权|仅供|本报告|本公司|本文|示例文档|"
    r"当前价|目标价|市场价格|市价|股价|收盘价|市值|总股本|流通|市净率|市盈率|数据来源|资料来源|相关研究|相关报告|"
    r"电话|传真|邮箱|地址|网址|www\.|https?:|第\s*\d+\s*页|(?<!\d)\d{8}(?!\d)|[(（][\u4e00-\u9fff]{2,6}证券[)）]|^[(（]?\d{6}(\.[A-Z]{2})?[)）]?$"
)
_SECTION_LABEL = re.compile(r"^(核心逻辑|核心观点|投资要点|报告摘要|摘要|目录|内容目录)\s*[:：]?$")
HEAD_LINES = 25  # title, date, analysts and rating sit in a report's first lines
FLAT_LINE_CHARS = 400  # a first line longer than this: a report without line breaks
_PAGE2 = re.compile(r"-\s*2\s*-|第\s*2\s*页|\b2\s*/\s*\d{1,3}\b")
_SEG_BEFORE = re.compile(
    rf"(?:{_ROLES}|执业证书|执业证号|SAC|证券研究报告|报告日期|发布日期|投资要点|投资评级|(?:公司|行业)?评级\s*[:：]|"
    r"市场数据|基础数据|基本状况|基本数据|相关报告|相关研究|请务必|请阅读|请参阅|敬请|本报告|电话|传真|地址|邮编|"
    r"Email|E-mail|邮箱|\[Table_|资料来源|数据来源|核心观点|主要观点|(?:19|20)\d{2}年\d{1,2}月\d{1,2}日)"
)
_SEG_AFTER = re.compile(
    rf"[。！？]|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z]+)+|0\d{{2,3}}-\d{{7,8}}|(?:19|20)\d{{2}}年\d{{1,2}}月\d{{1,2}}日|"
    rf"第\d+页\s*/?\s*共\d+页|S\d{{13}}|\]|声明部分|({_RATING_WORDS})\s*[(（]\s*(?:{_QUALIFIER})\s*[)）]"
)
_TABLE_TAG = re.compile(r"\[Table_\w+\]")


def extract(doc: CleanDoc, sha256: str = "", cover: Sequence[CoverLine] = (),
            hints: Sequence[tuple[str, str]] = ()) -> ReportMeta:
    """Metadata of one report: broker, title, date, analysts, type and rating, with provenance.

    `cover` are the first pages' lines with their looks (PDFs), `hints` (source, text) pairs
    such as the PDF's own title; the file name is always a hint."""
    head_lines, head_source = _head(doc, cover)
    head = "\n".join(head_lines)
    prov: dict[str, str] = {}
    hint_titles = _hint_titles(doc.file, hints)

    broker, src = _broker(doc.text, head, doc.file, hints)
    if broker:
        prov["broker"] = src
    title, src = _title(doc, cover, head_lines, head_source, hint_titles)
    if title:
        prov["title"] = src
    date, src = _date(cover, head_lines, head_source, doc.file, hints)
    if date:
        prov["date"] = src
    analysts = _analysts(doc.text, head)
    if analysts:
        prov["analysts"] = head_source if any(a.name in head for a in analysts) else BODY
    report_type = _report_type(head)
    if report_type:
        prov["report_type"] = head_source
    rating = _rating(head_lines)
    if rating:
        prov["rating"] = head_source
    return ReportMeta(
        file=doc.file,
        title=title,
        broker=broker,
        date=date,
        analysts=analysts,
        report_type=report_type,
        rating=rating,
        sha256=sha256,
        provenance=tuple(prov.items()),
    )


def merge(meta: ReportMeta, other: ReportMeta) -> ReportMeta:
    """`meta` with the fields it lacks taken from `other` (and their provenance)."""
    prov = dict(meta.provenance)
    other_prov = dict(other.provenance)
    changes = {}
    for name in ("title", "broker", "date", "analysts", "report_type", "rating"):
        if not getattr(meta, name) and getattr(other, name):
            changes[name] = getattr(other, name)
            prov[name] = other_prov.get(name, "")
    if not changes:
        return meta
    return replace(meta, **changes, provenance=tuple(prov.items()))


def is_flat(doc: CleanDoc) -> bool:
    """True for a report without line structure (a whole report on one or a few lines)."""
    return bool(doc.lines) and doc.lines[0].end - doc.lines[0].start > FLAT_LINE_CHARS


def _head(doc: CleanDoc, cover: Sequence[CoverLine]) -> tuple[list[str], str]:
    """(the report's first lines, their source): the cover's lines for PDFs, the first lines of
    text, or the first page of a report without line breaks cut at its labels."""
    if cover:
        first = min(c.page for c in cover)
        ocr = any(c.ocr for c in cover if c.page == first)  # the cover page was read by OCR
        return [c.text for c in cover], COVER_OCR if ocr else COVER
    if is_flat(doc):
        return segment(_first_page(doc.text)), HEAD
    return [doc.text[ln.start:ln.end] for ln in doc.lines[:HEAD_LINES]], HEAD


def _first_page(text: str) -> str:
    m = _PAGE2.search(text, 200)
    end = m.start() if m and m.start() < 5000 else 3000
    return text[:end]


def segment(text: str) -> list[str]:
    """Pseudo-lines of text printed without line breaks: cut before labels (分析师, 执业证书,
    证券研究报告, 评级:, dates...) and after sentence ends, e-mails, phone numbers and certificates."""
    cuts = {0, len(text)}
    for m in _SEG_BEFORE.finditer(text):
        cuts.add(m.start())
    for m in _SEG_AFTER.finditer(text):
        cuts.add(m.end())
        if m.group(1):  # a rating with its qualifier is a field of its own
            cuts.add(m.start())
    for m in re.finditer(r"\n", text):
        cuts.add(m.start())
    points = sorted(cuts)
    out = []
    for a, b in zip(points, points[1:]):
        piece = _TABLE_TAG.sub("", text[a:b]).strip(" \n\t-")
        if piece:
            out.append(piece)
    return out


# ---------------------------------------------------------------- broker

def _broker(text: str, head: str, file: str, hints: Sequence[tuple[str, str]]) -> tuple[str | None, str]:
    votes: Counter[str] = Counter()
    for m in _INSTITUTE.finditer(text):
        votes[_short_broker(m.group(1))] += 2
    for m in _COMPANY.finditer(text):
        votes[_short_broker(m.group(1))] += 2
    for m in _EMAIL_DOMAIN.finditer(text):
        domain = m.group(1).lower()
        for known, broker in BROKER_DOMAINS.items():
            if domain == known or domain.endswith("." + known):
                votes[broker] += 1
    for m in BROKER_NAME.finditer(head):
        votes[canonical(m.group(0))] += 1
    stem = PurePath(file).stem
    file_brokers = [canonical(m.group(0)) for m in BROKER_NAME.finditer(stem)] + _unknown_brokers(stem)
    for b in file_brokers:
        votes[b] += 1
    votes.pop("", None)
    if not votes:
        for source, value in hints:
            m = BROKER_NAME.search(value)
            if m:
                return canonical(m.group(0)), PDF_META
        return None, ""
    broker = votes.most_common(1)[0][0]
    if broker in head or any(a in head for a in _aliases(broker)):
        return broker, HEAD
    if broker in text or any(a in text for a in _aliases(broker)):
        return broker, BODY
    return broker, FILE_NAME if broker in file_brokers else BODY


def _aliases(broker: str) -> tuple[str, ...]:
    return BROKERS.get(broker, ())


def _short_broker(name: str) -> str:
    """'版权属于中原证券' -> '中原证券'; '本报告由安和证券' -> '安和证券' (an unknown firm)."""
    known = list(BROKER_NAME.finditer(name))
    if known:
        return canonical(known[-1].group(0))
    short = _BROKER_PREFIX.sub("", name)
    return short if 4 <= len(short) <= 8 else ""


def _unknown_brokers(stem: str) -> list[str]:
    """Firms named 'XX证券' in a file name between separators ('示例_安和证券_光模块点评')."""
    out = []
    for part in re.split(r"[_\-\s—]+", stem):
        if re.fullmatch(r"[\u4e00-\u9fff]{2,6}证券", part) and not BROKER_NAME.fullmatch(part):
            out.append(part)
    return out


# ---------------------------------------------------------------- title

def _norm(text: str) -> str:
    """Comparison form of a title: NFKC, no spaces, one kind of quotes and dashes."""
    t = unicodedata.normalize("NFKC", text)
    t = re.sub(r"\s+", "", t)
    return t.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": "-", "–": "-", "：": ":"}))


def tidy_title(text: str, pdf: bool = False) -> str:
    """A title as shown: ends stripped; from a PDF, spaces next to CJK characters (artefacts of
    its text layer: 'FFScore 模型', 'A 股') removed."""
    t = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip(" -_|·•")
    if not pdf:
        return t
    t = re.sub(r"(?<=[\u4e00-\u9fff（）：，、“”])\s+|\s+(?=[\u4e00-\u9fff（）：，、“”])", "", t)
    return t


def _title_like(text: str, min_chars: int = 4) -> bool:
    t = text.strip()
    if not (min_chars <= len(t) <= 80) or _NOT_TITLE.search(t):
        return False
    if t.endswith(("。", "；", ";")) or t.startswith(("-", "图", "表", "●", "■", "◆", "•", "【", "\uf06c", "\uf0d8", "\uf075")):
        return False
    if BROKER_NAME.fullmatch(t) or re.fullmatch(r"[\u4e00-\u9fff]{2,6}证券", t):
        return False
    if _RATING.search(t) or re.search(_DATE, t):
        return False  # a rating or a full date glued to the line: labels, not a title
    cjk = len(re.findall(r"[\u4e00-\u9fff]", t))
    digits = len(re.findall(r"\d", t))
    return cjk >= 3 and digits <= max(10, len(t) // 3)


def _title(doc: CleanDoc, cover: Sequence[CoverLine], head_lines: list[str], head_source: str,
           hint_titles: list[tuple[str, str]]) -> tuple[str | None, str]:
    found, source = None, head_source
    if cover:
        found = _cover_title(cover)
    if found is None and not cover:
        if is_flat(doc):
            found = _flat_title(head_lines)
        elif not (head_lines and _SECTION_LABEL.match(head_lines[0].strip())):
            found = _text_title(head_lines)
    if found is None and cover:
        found = _text_title([doc.text[ln.start:ln.end] for ln in doc.lines[:HEAD_LINES]])
        source = COVER
    if found:
        found = tidy_title(found, pdf=bool(cover))
        n = _norm(found)
        # the cover printed the headline; a file name / PDF title that holds it adds the series or company
        longer = [(h, s) for h, s in hint_titles if n in _norm(h) and len(_norm(h)) > len(n)]
        if longer:
            h, s = max(longer, key=lambda p: len(p[0]))
            return h, s
        if any(_norm(h) == n for h, _ in hint_titles):
            return found, source  # the file name / PDF title agrees with the cover
        for h, s in hint_titles:
            head = _headline(h)
            if head and n.endswith(_norm(head)) and len(n) > len(_norm(head)) and not n.startswith(_norm(head)):
                return h, s  # labels glued before the headline (text without line breaks)
        return found, source
    if head_source == HEAD and head_lines and _SECTION_LABEL.match(head_lines[0].strip()):
        return None, ""  # the text starts at a section: the cover page (and its title) is missing
    text_head = _norm(doc.text[:6000])
    for h, s in hint_titles:
        if _norm(_headline(h)) in text_head:
            return h, s
    return None, ""


def _headline(title: str) -> str:
    """The part of 'series or company：headline' after the last colon (the whole title otherwise)."""
    parts = re.split(r"[:：]", title)
    return parts[-1].strip() if len(parts[-1].strip()) >= 6 else title


def _text_title(head_lines: list[str]) -> str | None:
    for line in head_lines[:8]:
        t = line.strip()
        if 4 <= len(t) <= 40 and _title_like(t):
            return t
    return None


_COMPANY_INDUSTRY = re.compile(rf"^([\u4e00-\u9fffA-Za-z]{{2,10}}[(（]\d{{6}}(?:\.[A-Z]{{2}})?[)）])\s*/\s*{INDUSTRY}\s*(.+)$")


def _flat_title(segments: list[str]) -> str | None:
    for t in segments:
        m = _COMPANY_INDUSTRY.match(t)
        if m:  # '华东医药(000963)/化学制药' printed before the headline, glued without a break
            t = f"{m.group(1)}：{m.group(2)}"
        if 8 <= len(t) <= 60 and _title_like(t, 8) and re.search(r"[，,：:—]", t) and len(re.findall(r"[\u4e00-\u9fff]", t)) >= 6:
            return t
    return None


def _cover_title(cover: Sequence[CoverLine]) -> str | None:
    """The most prominent title-like line of the first cover page with text (largest, then
    bold, then highest), with a subtitle printed right below it or a wrapped second line."""
    for page in sorted({c.page for c in cover}):
        lines = [c for c in cover if c.page == page]
        sizes = [c.size for c in lines for _ in range(min(len(c.text), 40))]
        if not sizes:
            continue
        body = median(sizes)
        cands = [c for c in lines if _title_like(c.text) and c.size >= body * 1.15]
        if not cands:
            continue
        best = max(cands, key=lambda c: (round(c.size, 0), c.bold, -c.y0))
        text = best.text
        above = [c for c in lines if c.y1 <= best.y0 + 1 and best.y0 - c.y1 < best.size * 1.5
                 and c.x0 < best.x1 and c.x1 > best.x0 and "系列" in c.text and _title_like(c.text)]
        if above and "系列" not in text:  # '“…”系列研究（一）' printed above the headline
            series = max(above, key=lambda c: c.y1).text.strip()
            text = series + ("" if series.endswith(("：", ":")) else "：") + text
        below = sorted((c for c in lines if c.y0 >= best.y1 - 1 and c is not best), key=lambda c: c.y0)
        last = best
        for nxt in below[:3]:
            if nxt.y0 - last.y1 > max(best.size, nxt.size) * 1.0 or nxt.x0 > last.x1 or nxt.x1 < last.x0:
                break
            if not _title_like(nxt.text) or nxt.size < body * 1.15:
                break
            if abs(nxt.size - best.size) < 0.6:
                if re.search(r"系列.{0,8}$", text.strip()):  # '“…”系列研究（一）' over the headline
                    text = text.rstrip() + "：" + nxt.text.strip()
                else:
                    text += nxt.text  # the title wrapped onto a second line
            elif nxt.size < best.size:
                sep = "" if text.rstrip().endswith(("：", ":", "——", "—")) or nxt.text.startswith(("——", "—", "-")) else "："
                text = text.rstrip() + sep + nxt.text.strip()
            else:
                break
            last = nxt
        return text
    return None


_HINT_JUNK = re.compile(
    r"\.pdf$|^\d{1,3}(?=[_\-\s])|(?:19|20)\d{2}[-.]?\d{2}[-.]?\d{2}|(?<=[-_])\d{6}$|^\d{6}(?=[-_])|示例|[(（]?\d{8}[)）]?"
)


def _hint_titles(file: str, hints: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """(title, source) from the file name and the PDF's own title, with dates, broker names and
    numbering removed ('20200223_东吴证券_标题.pdf' -> '标题'); only those that look like a title."""
    out = []
    raw = [(PurePath(file).stem, FILE_NAME)] + [(v, PDF_META) for s, v in hints if s == "pdf metadata title"]
    for value, source in raw:
        t = unicodedata.normalize("NFKC", value).strip()
        t = re.sub(r"\.pdf$", "", t, flags=re.I)
        for _ in range(3):
            t = _HINT_JUNK.sub("_", t)
            t = BROKER_NAME.sub("_", t)
            t = re.sub(r"(?:^|(?<=[_\-]))[\u4e00-\u9fff]{2,6}证券(?=$|[_\-])", "_", t)
            t = re.sub(r"^[\s_\-—]+|[\s_\-—]+$", "", t)
        parts = [p for p in re.split(r"_+", t) if p.strip()]
        if not parts:
            continue
        t = max(parts, key=len).strip(" -—")
        if _title_like(t, 6) or (len(t) >= 6 and re.search(r"[\u4e00-\u9fff]{4}", t) and not re.search(r"声明|免责|研究所", t)):
            out.append((tidy_title(t, pdf=True), source))
    return out


# ---------------------------------------------------------------- date

def _iso(y: str, mo: str, d: str) -> str | None:
    y_, m_, d_ = int(y), int(mo), int(d)
    if 1 <= m_ <= 12 and 1 <= d_ <= 31:
        return f"{y_:04d}-{m_:02d}-{d_:02d}"
    return None


def _date(cover: Sequence[CoverLine], head_lines: list[str], head_source: str, file: str,
          hints: Sequence[tuple[str, str]]) -> tuple[str | None, str]:
    for line in head_lines:
        m = _DATE_LABELED.search(line)
        if m and _iso(*m.groups()):
            return _iso(*m.groups()), head_source
    for line in head_lines:
        m = _DATE_LINE.match(line.strip())
        if m and _iso(*m.groups()):
            return _iso(*m.groups()), head_source
    stem = PurePath(file).stem
    m = re.search(r"(?<!\d)((?:19|20)\d{2})[-.]?(\d{2})[-.]?(\d{2})(?!\d)", stem)
    if m and _iso(*m.groups()):
        return _iso(*m.groups()), FILE_NAME
    return None, ""


# ---------------------------------------------------------------- analysts

def _analysts(text: str, head: str) -> tuple[Analyst, ...]:
    """People with a certificate number (the name before it, with its role), then 分析师 named
    on the cover without one. A name starts with a common surname and is never a label."""
    found: dict[str, Analyst] = {}
    prev_end = 0
    for m in _CERT.finditer(text):
        window_start = max(prev_end, m.start() - 60)
        prev_end = m.end()
        window = text[window_start:m.start()]
        cands = [c for c in _NAME_CAND.finditer(window) if not _NOT_NAME.search(c.group(2))]
        if not cands:
            continue
        c = cands[-1]
        name, role = c.group(2), _role(c.group(1))
        if c.group(1) is None:
            before = window[max(0, c.start() - 8):c.start()]
            r = re.search(rf"({_ROLES})\s*[:：]?\s*$", before)
            role = _role(r.group(1)) if r else "分析师"
        if name in found:
            if not found[name].cert:
                found[name] = Analyst(name, m.group(0), found[name].role)
            continue
        found[name] = Analyst(name, m.group(0), role)
    for c in _NAME_CAND.finditer(head):
        if c.group(1) and _role(c.group(1)) == "分析师" and not _NOT_NAME.search(c.group(2)) and c.group(2) not in found:
            found[c.group(2)] = Analyst(c.group(2), None, "分析师")
    return tuple(found.values())


def _role(word: str | None) -> str:
    if not word or "分析" in word or word == "研究员":
        return "分析师"
    return word


# ---------------------------------------------------------------- type, rating

def _report_type(head: str) -> str | None:
    for needle, label in _TYPES:
        if needle in head:
            return label
    return None


def _rating(head_lines: list[str]) -> str | None:
    def fmt(word: str, grade: str | None, qual: str | None) -> str:
        g = re.sub(r"\s+", "", grade or "")
        return f"{word}{g}({qual})" if qual else f"{word}{g}"

    head = "\n".join(head_lines)
    m = _RATING.search(head)
    if m:
        return fmt(m.group(1), m.group(2), m.group(3))
    m = _RATING_LABELED.search(head)
    if m:
        return fmt(m.group(1), m.group(2), m.group(3))
    for line in head_lines:
        m = _RATING_ALONE.match(line.strip())
        if m:
            return fmt(m.group(1), m.group(2), None)
    return None
