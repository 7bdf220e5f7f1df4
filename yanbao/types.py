"""The types that cross module boundaries: nothing else travels between stages."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from yanbao.errors import SettingsError

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Analyst:
    """One analyst named on a report, with the 执业证书 number when printed."""

    name: str
    cert: str | None = None
    role: str = "分析师"  # 分析师, 联系人 or 研究助理, as printed


@dataclass(frozen=True)
class ReportMeta:
    """Metadata read from a report's own text; a field the text does not give is None."""

    file: str
    title: str | None = None
    broker: str | None = None
    date: str | None = None  # ISO 8601, yyyy-mm-dd
    analysts: tuple[Analyst, ...] = ()
    report_type: str | None = None
    rating: str | None = None
    sha256: str = ""
    # (field, source) for each field found: source is "cover text", "cover OCR", "body",
    # "pdf metadata" or "file name" (see ingest.metadata)
    provenance: tuple[tuple[str, str], ...] = ()

    def source_of(self, name: str) -> str | None:
        """Where field `name` came from, or None when it was not found."""
        return dict(self.provenance).get(name)

    def to_json(self) -> dict:
        """Plain JSON-ready values (analysts as a list of dicts, provenance as {field: source})."""
        return {**asdict(self), "analysts": [asdict(a) for a in self.analysts], "provenance": dict(self.provenance)}

    @classmethod
    def from_json(cls, d: dict) -> "ReportMeta":
        prov = d.get("provenance") or {}
        prov = prov.items() if isinstance(prov, dict) else prov  # written before provenance existed: absent
        return cls(**{**d, "analysts": tuple(Analyst(**a) for a in d.get("analysts", ())),
                      "provenance": tuple((str(k), str(v)) for k, v in prov)})


@dataclass(frozen=True)
class Line:
    """One line of cleaned text: [start, end) character offsets and what kind of line it is.

    kind is one of: text, heading, caption, table, list; boilerplate (disclaimers, rating
    definitions, contact blocks) is flagged, not removed. level is the heading depth (1 = top).
    """

    start: int
    end: int
    kind: str
    level: int = 0
    boilerplate: bool = False  # inside a disclaimer / rating-definition section
    contact: bool = False  # a contact line: e-mail, phone, address, 执业证书 number


@dataclass(frozen=True)
class CleanDoc:
    """A report after cleaning: the text all offsets point into, and its lines."""

    file: str
    text: str
    lines: tuple[Line, ...]
    page_starts: tuple[tuple[int, int], ...] = ()  # (offset, 1-based page) where each page begins
    joined_breaks: int = 0  # lines broken inside a sentence that were joined
    dropped: tuple[tuple[str, str], ...] = ()  # (line, reason) removed as page furniture
    ocr_pages: tuple[int, ...] = ()  # 1-based pages whose text was read by OCR

    def page_at(self, offset: int) -> int | None:
        """1-based page holding the character at `offset`; None for unpaged text files."""
        page = None
        for start, p in self.page_starts:
            if start > offset:
                break
            page = p
        return page


@dataclass(frozen=True)
class Chunk:
    """A retrievable span of one report: `text == cleaned[start:end]` always holds."""

    id: str
    text: str
    file: str
    start: int  # character offset into the cleaned text
    end: int
    section: str = ""  # heading path, outermost first, joined by " > "
    page: int | None = None  # 1-based page of the chunk's first character (PDF/DOCX pages)
    boilerplate: bool = False
    context: str = ""  # table caption/header row that travels with a chunk of that table
    ocr: bool = False  # the chunk's text was read by OCR from a page image (may hold OCR errors)
    meta: ReportMeta = field(default_factory=lambda: ReportMeta(file=""))

    @property
    def index_text(self) -> str:
        """The text given to the retrievers: section heading and table context, then the chunk."""
        parts = [p for p in (self.section.split(" > ")[-1] if self.section else "", self.context) if p]
        return "\n".join(parts + [self.text])


def chunk_id(file: str, text: str, occurrence: int = 0) -> str:
    """Content-hash id of a chunk: its report's file name, its text, and which repeat of that text
    it is in the report. Stable across rebuilds, and across edits elsewhere in the report."""
    h = hashlib.sha256(f"{file}\x00{occurrence}\x00{text}".encode("utf-8"))
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class Hit:
    """A chunk returned by retrieval, 1-based rank, with its fused score."""

    chunk: Chunk
    score: float
    rank: int
    scores: dict[str, float] = field(default_factory=dict)  # per-retriever, for debugging


@dataclass(frozen=True)
class Citation:
    """A passage an answer cites, built from chunk metadata, never from model text."""

    n: int
    chunk: Chunk
    highlight: str  # the supporting sentence inside chunk.text
    verified: bool = True


@dataclass(frozen=True)
class Frame:
    """What a question asks, parsed deterministically (qa.frame): about whom, which metric, which
    period, and what kind of answer. Empty strings mean the question does not say."""

    subject: str = ""  # canonical name of the company, product, model, organisation or person
    aliases: tuple[str, ...] = ()  # the names the subject goes by in reports, canonical first
    metric: str = ""  # canonical metric: 营收, 净利润, 资本开支, 出货量, 容量, 价格, 参数量, 日期 ...
    period: str = ""  # as normalised: 2024, 2024Q3, FY2024Q3, 2025Q1, 2024H1, 2024Q1-Q3, 截至2024-12 ...
    answer_type: str = "other"  # figure, date, name, list, yesno, comparison, arithmetic, reason, other
    subjects: tuple[str, ...] = ()  # every subject named, in order (a comparison names two)
    sides: tuple[str, ...] = ()  # the brokers or periods a comparison sets side by side
    actual: bool = False  # asks for a result (实际, 实现), which a forecast (预计, 预期) does not answer
    qualifier: str = ""  # the part of the metric asked for: AI收入 -> "ai", 数据中心业务收入 -> "数据中心"
    marks: tuple[str, ...] = ()  # words an answer must not contradict: 输出 (not 输入), 全球 (not 中国), 单芯片, 正式版
    unit: str = ""  # the unit class the asked figure comes in when the question says it: 块, 台, money
    day: bool = False  # a date asked to the day (哪一天, 几号): a year or month alone does not answer it
    base: str = ""  # for a change (增速): the metric that changed (营收同比增长多少 -> 营收)
    on: str = ""  # the one day the question names (5月1日 -> "5-1"); a daily figure (a close) must be of it

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """What the QA chain returns to the CLI, the UI and the eval alike."""

    question: str
    text: str
    citations: tuple[Citation, ...] = ()
    hits: tuple[Hit, ...] = ()
    refused: bool = False
    rewritten_question: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)
    mode: str = "extractive"  # or "llm"
    evidence: float = 0.0  # share of the question's weighted terms found in the best passage sentence
    error: str = ""  # the LLM endpoint failed: what happened and how to fix it (text says it too)
    coverage: str = "full"  # "full": answered; "partial": the subject is discussed, the fact is not given; "none"
    frame: Frame | None = None  # what the question was read as asking


@dataclass(frozen=True)
class Highlight:
    """A highlighted area of a rendered page, as fractions (0..1) of the page image's width and height."""

    kind: str  # "passage" (the cited chunk) or "sentence" (the supporting sentence inside it)
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class SourceView:
    """What the source viewer shows for a cited passage (qa.source.view): a rendered PDF page with
    the passage highlighted, or the surrounding section of the cleaned text."""

    file: str
    meta: ReportMeta
    start: int  # the passage: character offsets into the cleaned text
    end: int
    kind: str  # "pdf": a page image; "text": the surrounding cleaned text
    page: int | None = None  # 1-based page shown (kind "pdf")
    pages: int = 0  # pages in the PDF
    image: str = ""  # path of the rendered page (PNG, highlights drawn in)
    highlights: tuple[Highlight, ...] = ()
    text: str = ""  # kind "text": the surrounding section of the cleaned text
    text_start: int = 0  # offset of `text` in the cleaned text
    sentence: tuple[int, int] | None = None  # the supporting sentence, offsets into the cleaned text
    original: str = ""  # path of the original file; "" when it is no longer there
    note: str = ""  # why the original is not shown, and how to get it back


@dataclass(frozen=True)
class Feedback:
    """An analyst's verdict on one answer, as stored in INDEX/feedback.jsonl (qa.feedback)."""

    id: str  # one answer's id: the same id again replaces its earlier verdict
    time: str  # ISO 8601, when it was given
    question: str
    rewritten_question: str  # the standalone question (a follow-up read with its history)
    answer: str
    verdict: str  # "up" or "down"
    note: str = ""
    correction: str = ""  # the corrected answer, as the analyst wrote it
    citations: tuple[dict, ...] = ()  # n, file, broker, title, date, page, start, end, quote
    mode: str = "extractive"

    def to_json(self) -> dict:
        return {**asdict(self), "citations": [dict(c) for c in self.citations]}

    @classmethod
    def from_json(cls, d: dict) -> "Feedback":
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        return cls(**{**known, "citations": tuple(dict(c) for c in d.get("citations", ()))})


@dataclass(frozen=True)
class Filters:
    """Which reports a question may be answered from; empty means all. qa.query.allows tests a
    report against it; each vector store translates it for its own search (index.milvus.filter_expr)."""

    files: tuple[str, ...] = ()  # file names as `yanbao list` shows them (a path is cut to its name)
    brokers: tuple[str, ...] = ()
    date_from: str | None = None  # ISO yyyy-mm-dd, inclusive
    date_to: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "files", tuple(Path(f).name for f in self.files))
        for d in (self.date_from, self.date_to):
            if d is not None and not _DATE.match(d):
                raise SettingsError(f"date filter {d!r} must look like 2024-12-31")

    @property
    def empty(self) -> bool:
        return not (self.files or self.brokers or self.date_from or self.date_to)
