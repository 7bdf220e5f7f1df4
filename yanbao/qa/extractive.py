"""The default answerer: picks the sentences that answer a question from the retrieved chunks.

Sentences are scored by qa.evidence (question terms covered, kind of fact held) plus the
rank of their chunk. The answer quotes the best sentences with [n] markers and names broker
and report for each; different reports' figures are all shown.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from yanbao.ingest.valuation import row_label
from yanbao.qa import bind
from yanbao.qa.evidence import Query, Scored, held_terms, score_sentences
from yanbao.qa.frame import FORECASTERS, MARKS, SEGMENTS, entities, mentions, metric_of, metric_words, names_subject, owners, periods
from yanbao.qa.query import covered_companies
from yanbao.quantity import quantities
from yanbao.qa.text import FIGURE_IN_TEXT, MARKER, bigrams, figures
from yanbao.types import Chunk, Frame, Hit, ReportMeta

NOT_FOUND = "报告中未提及"
NOT_GIVEN = "报告未给出"
BOUND_SCORE_SHARE = 0.7  # a bound sentence must score this share of the best sentence (dev set)
BOUND_SHARE = 0.6  # a bound sentence may cover this share of the refusal threshold (calibrated on the dev set)
STRONG_SHARE = 0.5  # … and a strongly bound one (subject named, the fact stated outright) half of that


@dataclass(frozen=True)
class Draft:
    """An extractive answer before the citation check: text with [n] = hits[n-1]."""

    text: str
    refused: bool
    evidence: float  # best coverage seen, what the refusal threshold is compared with
    used: tuple[int, ...] = ()  # hit indexes quoted
    coverage: str = "full"  # "full", "partial" (the subject is discussed, the fact is not given) or "none"


@dataclass(frozen=True)
class Selection:
    """How many sentences an answer quotes beyond the best one (calibrated on the dev set)."""

    max_sentences: int = 3
    max_chars: int = 360
    ratio: float = 0.8  # another sentence must score this share of the best
    ratio_open: float = 0.75  # for open questions (kind "other"), which may quote 4
    ratio_other_report: float = 0.7  # a figure from another report: shown so conflicts are visible
    missing_share: float = 0.2  # … if it lacks at most this idf share of the question terms the best holds


SELECTION = Selection()


def select(scored: list[Scored], hits: list[Hit], kind: str, cfg: Selection | None = None,
           q: Query | None = None, frame: Frame | None = None) -> list[Scored]:
    """The best sentence, then others nearly as good, preferring other reports for figures. With the
    query, a sentence from another passage (a citation of its own) must hold (nearly) every question term the
    best one holds, so that a figure shown beside it is about the same thing (AIME 2025, not AIME 2024), not a
    neighbour's; within the best's report it may instead hold a term the best lacks (it may be the answer).
    None of this when the question asks for several facts (分别, 哪些), which different sentences state."""
    cfg = cfg or SELECTION
    if not scored:
        return []
    best = scored[0]
    need = needed_terms(q, frame, best)
    chosen = [best]
    files = {hits[best.hit].chunk.file}
    limit = max(cfg.max_sentences, 4) if kind == "other" else cfg.max_sentences
    ratio = cfg.ratio_open if kind == "other" else cfg.ratio
    for s in scored[1:]:
        if len(chosen) >= limit:
            break
        if sum(len(c.text) for c in chosen) + len(s.text) > cfg.max_chars:
            continue
        other_report = hits[s.hit].chunk.file not in files
        other_passage = hits[s.hit].chunk.id != hits[best.hit].chunk.id  # a citation of its own
        if other_passage and need:  # about the same thing as the best, or holding what the best lacks
            held = held_terms(q, s.text, s.header)
            if missing_share(q, need, held) > cfg.missing_share and (other_report or not _holds_more(q, frame, best, held, need)):
                continue
        floor = cfg.ratio_other_report if (kind == "figure" and other_report and figures(s.text)) else ratio
        if s.score >= floor * best.score and s.coverage >= 0.5 * best.coverage:
            chosen.append(s)
            files.add(hits[s.hit].chunk.file)
    return chosen


def _holds_more(q: Query, frame: Frame | None, best: Scored, held: frozenset[str], need: frozenset[str]) -> bool:
    """True when a sentence holds question terms the best one lacks (硬件终端, 幻觉) that weigh at least as
    much as the best's terms it lacks: it may be the one that answers, so it is shown beside the best rather
    than dropped. A generic word (调用量) does not outweigh the best's 硬件终端."""
    more = held - held_terms(q, best.text, best.header)
    if frame is not None and frame.subject:
        more = frozenset(t for t in more if not names_subject(t, frame.subject, frame.aliases))
    weight = dict(zip(q.terms, q.weights))
    more = frozenset(t for t in more if len(t) >= 2)  # (a one-character term, 量 of 调用量, weighs on neither side)
    return bool(more) and sum(weight[t] for t in more) >= sum(weight[t] for t in need - held if len(t) >= 2)


def needed_terms(q: Query | None, frame: Frame | None, best: Scored) -> frozenset[str]:
    """The question terms the best sentence holds that another passage's sentence must hold too; not
    the subject's names (binding has placed every sentence with the subject already)."""
    if q is None or _SEVERAL.search(q.text):
        return frozenset()
    held = held_terms(q, best.text, best.header)
    if frame is not None and frame.subject:
        held = frozenset(t for t in held if not names_subject(t, frame.subject, frame.aliases)
                         and not any(t in a for a in (frame.aliases or (frame.subject,))))
    return held


def missing_share(q: Query, need: frozenset[str], held: frozenset[str]) -> float:
    """The idf-weighted share of the `need` terms that `held` lacks."""
    weight = dict(zip(q.terms, q.weights))
    if any(any(c.isdigit() for c in t) for t in need - held):
        return 1.0  # a year or a version (AIME 2024, V3) missing: another thing, whatever its weight
    total = sum(weight[t] for t in need) or 1.0
    return sum(weight[t] for t in need - held) / total


_SEVERAL = re.compile(r"分别|各自|各是|两[个家篇份张]|哪些|哪几家")  # several facts asked: each sentence holds its own terms (给几家客户 asks one count)


def report_label(m: ReportMeta) -> str:
    """国金证券《AI 周观察》（2024-12-08）: broker, title and date as the report gives them."""
    title = f"《{m.title}》" if m.title else f"《{m.file}》"
    date = f"（{m.date}）" if m.date else ""
    return f"{m.broker or ''}{title}{date}"


def source_label(hit: Hit) -> str:
    """The label of the report a hit comes from."""
    return report_label(hit.chunk.meta)


def _quote(text: str) -> str:
    """Report text as quoted in an answer: its own bracketed numbers ([1], [25,30]) become 〔…〕
    so the citation check does not take them for markers."""
    return MARKER.sub(lambda m: f"〔{m.group(1)}〕", text)


def _cells(row: str) -> str:
    return " | ".join(c.strip() for c in row.replace("\n", "\t").split("\t") if c.strip())


def cell_for(question: str, header: str, row: str) -> tuple[str, str] | None:
    """(column name, cell) of a table row for the column the question names, or None when
    the row and header do not line up or no single column matches the question."""
    cells = row.replace("\n", "\t").split("\t")
    heads = bind.align_heads(header.split("\t"), cells)
    if len(heads) != len(cells) or len(heads) < 3:
        return None
    by_period = _column_of_period(question, heads)
    if by_period is not None:
        return (heads[by_period].strip(), cells[by_period].strip()) if cells[by_period].strip() else None
    want = bigrams(question)
    overlap = [len(bigrams(h) & want) for h in heads]
    best = max(overlap[1:])
    if best == 0 or overlap[1:].count(best) > 1:
        return None
    j = overlap.index(best, 1)
    return (heads[j].strip(), cells[j].strip()) if cells[j].strip() else None


def _column_of_period(question: str, heads: list[str]) -> int | None:
    """The one column (after the label column) headed by the period the question asks (2020年 ->
    2020E, 2020年第一季度 -> 2020-1Q), or None."""
    asked = {p for _, _, p in periods(question)}
    if len(asked) != 1:
        return None
    hit = [j for j, h in enumerate(heads) if j and [p for _, _, p in periods(h)] == list(asked)]
    return hit[0] if len(hit) == 1 else None


def item_for(question: str, sentence: str) -> tuple[str, str] | None:
    """(item, figure) of a slash list in the sentence whose item the question names (研发费率 in
    销售/管理/研发费率分别27.9%/5.9%/3.8% -> 3.8%), or None."""
    if not question:
        return None
    t = unicodedata.normalize("NFKC", sentence)
    q = unicodedata.normalize("NFKC", question)
    named = [(label, start) for start, label in bind.slash_labels(sentence).items() if label in q]
    if len(named) != 1:
        return None
    label, start = named[0]
    figure = next((x.text for x in quantities(t[start:start + 20])[:1]), "")
    return (label, figure) if figure else None


def period_item(frame: Frame | None, chunk: Chunk, s: Scored) -> str:
    """"2025Q3：-4.3%" (or "2022年：34.19亿元") when the sentence states its figures for several periods
    (a list, a slash list) and only some are the asked period's; "" otherwise."""
    if frame is None or not frame.period or frame.answer_type != "figure":
        return ""
    stated = bind.claims(chunk, s.start, s.end, s.header, bind.frame_extra(frame))
    if len({str(c.period) for c in stated if c.period is not None}) < 2:
        return ""
    bound = bind.bound_claims(frame, chunk, s.start, s.end, s.header)
    want = bind.period_of(frame)
    own = [c for c in bound if c.period is not None and want is not None and want.matches(c.period)]
    if not own or len(own) == len(stated):
        return ""
    p = own[0].period
    sentence = chunk.text[s.start:s.end]
    signed = [("-" if sentence[max(0, c.quantity.start - 1):c.quantity.start] in ("-", "−") else "") + c.quantity.text.replace(" ", "")
              for c in own]
    when = f"{p.year}年" if p.part == "Y" and p.year else str(p)
    return f"{when}：" + "、".join(signed)


def _render(group: list[Scored], question: str = "", frame: Frame | None = None, hits: list[Hit] | None = None) -> str:
    """Sentences of one report with their markers; table rows as cells joined by " | ", each
    table's header row written once before its first row, and the asked-for cell named."""
    out, last_header = [], None
    for s in group:
        if "\t" in s.text:
            if s.header and s.header != last_header:
                out.append(f"（表头：{_quote(_cells(s.header))}）")
            last_header = s.header
            cell = cell_for(question, s.header, s.text) if s.header else None
            label = row_label(s.text.replace("\n", "\t").split("\t"))[0].strip()  # the name after a stock code
            named = f"（{cell[0]}：{label} {cell[1]}）" if cell else ""
            out.append(f"{_quote(_cells(s.text))}{_quote(named)}[{s.hit + 1}]；")
        else:
            last_header = None
            item = item_for(question, s.text)
            named = f"（{item[0]}：{item[1]}）" if item else ""
            if not named and hits is not None:
                said = period_item(frame, hits[s.hit].chunk, s)
                named = f"（{said}）" if said else ""
            out.append(f"{_quote(s.text.rstrip('。；;，, '))}{named}[{s.hit + 1}]。")
    text = "".join(out)
    return text[:-1] + "。" if text.endswith("；") else text


def compose(chosen: list[Scored], hits: list[Hit], kind: str, question: str = "", frame: Frame | None = None) -> str:
    """The answer text: sentences grouped by report, each report named, markers [n] = hits[n-1]."""
    by_report: dict[str, list[Scored]] = {}
    for s in chosen:
        by_report.setdefault(hits[s.hit].chunk.file, []).append(s)
    parts = []
    for group in by_report.values():
        label = source_label(hits[group[0].hit])
        body = _render(sorted(group, key=lambda x: (x.hit, x.start)), question, frame, hits)
        parts.append(f"{label}：{body}")
    if len(parts) == 1:
        return parts[0]
    head = ""
    if kind == "figure":
        # only when every report states a figure with a unit, no two reports share one, and every two share
        # a unit (7个客户 beside 600亿美元 of demand is another fact, not a conflict)
        figs = [{"".join(m.group(0).split()) for s in g for m in FIGURE_IN_TEXT.finditer(s.text)} for g in by_report.values()]
        units = [{f[-1] for f in fs} for fs in figs]
        pairs = [(i, j) for i in range(len(figs)) for j in range(i + 1, len(figs))]
        if all(figs) and all(not (figs[i] & figs[j]) and units[i] & units[j] for i, j in pairs):
            head = "各报告给出的数字不同，分别列出：\n"
    return head + "\n".join("· " + p for p in parts)


def refusal_text(hits: list[Hit], n: int = 3, unknown: list[str] = ()) -> str:
    """报告中未提及, then the closest passages (no markers: nothing is claimed from them)."""
    lines = [f"{NOT_FOUND}。" + (f"（已入库的报告中没有出现：{'、'.join(unknown)}）" if unknown else "")]
    if hits:
        lines.append("\n相关段落：")
        for h in hits[:n]:
            snippet = " ".join(h.chunk.text.split())[:80]
            page = f" 第{h.chunk.page}页" if h.chunk.page else ""
            lines.append(f"· {source_label(h)}{page}：{snippet}…")
    return "\n".join(lines)


def binds(frame: Frame | None, s: Scored, hits: list[Hit]) -> bool:
    """True when sentence `s` answers the frame: for a figure, one of its figures states the asked
    metric for the asked subject and period (qa.bind); for a date, it dates the subject; otherwise
    it is about the subject. A question naming no subject, metric or period binds every sentence."""
    if frame is None:
        return True
    chunk = hits[s.hit].chunk
    houses = tuple(m for m in frame.marks if m in FORECASTERS)
    if houses and not bind.marks_agree(replace(frame, marks=houses), _line_until(chunk.text, s.end)):
        return False  # 大摩预计…: a forecast its paragraph does not attribute to 摩根士丹利 (博通 CEO's) is not the one asked
    known = bool(frame.subject)
    if frame.answer_type in ("comparison", "arithmetic") and frame.period:
        # a comparison or sum not computed is answered by what the passages state, never a figure of another
        # period only (2024年前三季度的867.21亿元 for 2025年一季度)
        want = bind.period_of(frame)
        stated = bind.claims(chunk, s.start, s.end, s.header, bind.frame_extra(frame))
        return not (want and stated and all(c.period is not None and not want.matches(c.period) for c in stated))
    if frame.answer_type == "figure" and bind.peers_only(frame, chunk, s.start, s.end, s.header):
        return False  # 同行业可比公司…成新率:中科芯微58.10%: the peers' figures, whoever the question names
    if frame.answer_type == "figure" and (frame.subject or frame.metric or frame.period):
        stated = bind.claims(chunk, s.start, s.end, s.header, bind.frame_extra(frame))
        if not stated:  # no figure bind can read (一万美金): it must write one in words, be about the subject, name the metric
            about = not known or names_subject(s.text, frame.subject, frame.aliases) or (  # 这款新版本…时长可达一分钟
                all(m.name in owners(frame.subject) for m in mentions(s.text))  # none but its maker (OpenAI) named
                and bind.subject_matches(frame, bind.context_subject(chunk, s.start, bind.frame_extra(frame))))
            return bool(_WORD_FIGURE.search(s.text)) and about and (not frame.metric or metric_of(s.text) == frame.metric)
        return bool(bind.bound_claims(frame, chunk, s.start, s.end, s.header))
    if frame.answer_type == "date" and (frame.subject or frame.day or frame.marks):
        return bind.date_bound(frame, chunk, s.start, s.end)
    if frame.subject and known and frame.answer_type in ("name", "list", "yesno", "reason", "other"):
        return bind.about(frame, chunk, s.start, s.end)
    return True


_RATING_Q = re.compile(r"评级")
_RATING = re.compile(r"买入|增持|减持|卖出|中性|持有|[优强弱]于大市|同步大市|跑赢行业|跑输行业|推荐|评级")
_PROCESS = re.compile(r"制程|工艺|\d\s*nm|纳米")


def says_what_is_asked(question: str, frame: Frame | None, sentence: str) -> bool:
    """For a question asking a rating or a process node, the sentence must name one (a list of
    beneficiaries gives no 评级; a product's launch gives no 制程)."""
    if _RATING_Q.search(question) and not _RATING.search(sentence):
        return False
    if frame is not None and frame.metric == "制程" and not _PROCESS.search(sentence):
        return False
    return True


_WORD_FIGURE = re.compile(r"[一二两三四五六七八九十几]+[十百千]?(?:万|亿|千|百|倍|分之|成|分钟|小时|秒|个月)")  # not 下半年
_HEADING_LIKE = re.compile(r"^(?:[\d.]+\s|图表|表\s*\d|资料来源|来源)")


def _discusses(frame: Frame | None, scored: list[Scored], hits: list[Hit]) -> list[Scored]:
    """The sentences that name the frame's subject, best first: those naming the asked metric,
    then the rest; headings, captions and fragments are left out."""
    if frame is None or not frame.subject:
        return []
    said = [s for s in scored if names_subject(s.text, frame.subject, frame.aliases) and len(s.text) >= 14
            and "\t" not in s.text and not _HEADING_LIKE.match(s.text)]
    words = metric_words(frame.metric)
    return sorted(said, key=lambda s: not any(w in s.text.lower() for w in words))


def missing_fact(frame: Frame) -> str:
    """"Rubin的容量" / "寒武纪2024年营收": the fact a partial answer says the reports do not give."""
    period = frame.period
    if period and period[:4].isdigit() and len(period) == 4:
        period += "年"
    if frame.on:  # 5-1 -> 5月1日
        period += "{}月{}日".format(*frame.on.split("-"))
    what = frame.metric or {"date": "日期", "name": "名称"}.get(frame.answer_type, "这一信息")
    subject = " ".join((frame.subject, *(w for w in frame.marks if w not in MARKS)))  # Nova Premier
    return f"{subject}{period}{'的' if frame.subject or period else ''}{what}"


def partial_text(frame: Frame, said: list[Scored], hits: list[Hit]) -> str:
    """报告未给出…, then what the reports do say about the subject, cited."""
    lines = [f"{NOT_GIVEN}{missing_fact(frame)}。"]
    by_report: dict[str, list[Scored]] = {}
    for s in said:
        by_report.setdefault(hits[s.hit].chunk.file, []).append(s)
    for group in by_report.values():
        m = hits[group[0].hit].chunk.meta
        who = f"{m.broker or ''}《{m.title or m.file}》"
        body = "".join(f"{_quote(s.text.rstrip('。；;，, '))}[{s.hit + 1}]。" for s in sorted(group, key=lambda x: (x.hit, x.start)))
        lines.append(f"{who}提到：{body}")
    return "\n".join(lines)


def answer(q: Query, hits: list[Hit], threshold: float, unknown: list[str] = (), frame: Frame | None = None) -> Draft:
    """An extractive draft, or a refusal when the question names something no report mentions
    (`unknown`) or the best evidence covers less than `threshold`. With a frame, only sentences
    bound to its subject, metric and period may answer; when none is but some discuss the subject,
    the draft says the fact is not given and quotes what is said (coverage "partial")."""
    if unknown:
        return Draft(refusal_text(hits, unknown=list(unknown)), True, 0.0, coverage="none")
    if frame is not None and frame.subject and frame.subject not in entities() and not any(
            names_subject(h.chunk.index_text, frame.subject, frame.aliases) for h in hits):
        # a name the entity list lacks (芯原股份, 云天励飞) that no passage found holds: no passage is about
        # it, and a figure of another company must not stand in for its own
        return Draft(refusal_text(hits), True, 0.0, coverage="none")
    scored = score_sentences(q, hits) if q.terms else []
    evidence = max((s.coverage for s in scored), default=0.0)
    bound = [s for s in scored if binds(frame, s, hits) and says_what_is_asked(q.text, frame, s.text)]
    if frame is not None and frame.answer_type == "figure":  # a sentence stating a bound figure beats one stating none
        stating = [s for s in bound if bind.claims(hits[s.hit].chunk, s.start, s.end, s.header, bind.frame_extra(frame))]
        bound = stating or bound
    if frame is not None and frame.metric and frame.answer_type in ("figure", "comparison", "arithmetic"):
        # … and one naming the asked metric beside its figure (日胜率55.02%; HBM总容量达49.2TB for a multiple of
        # 容量, not 总功率559.4kW beside it) beats one naming none
        named = [s for s in bound if any(c.metric == frame.metric for c in bind.bound_claims(
            replace(frame, answer_type="figure"), hits[s.hit].chunk, s.start, s.end, s.header))]
        bound = named + [s for s in bound if s not in named]
    tabled = _in_named_table(q.text, bound, hits)  # 表7中…: the named table's rows answer first, however they score
    merits = []
    if frame is not None and frame.answer_type == "reason" and _ASKS_MERIT.search(q.text) and scored:
        # 为什么…是最优解: the sentences giving its merits (运营成本低, 契合…, 能够确保…) answer, not those on its risks
        merits = [s for s in bound if _MERIT.search(s.text) and not _DRAWBACK.search(s.text)
                  and s.score >= STRONG_SHARE * scored[0].score]
    if bound and scored:  # binding vetoes sentences; it does not promote a weak one over the best …
        top = scored[0].score
        # … unless it names the subject and states the asked fact outright, while the best is about another
        # (o1's 2024年9月12日 under a sentence about MiMo and o1-mini)
        bound = tabled + [s for s in bound if s not in tabled and (s.score >= BOUND_SCORE_SHARE * top or (
            s.score >= STRONG_SHARE * top and not binds(frame, scored[0], hits)
            and (_strongly_bound(frame, s, hits) or _row_answers(q, frame, s))))]
    bound = bound if tabled else _named_first(frame, bound, hits)
    if frame is not None and frame.answer_type == "list" and not tabled:
        # 受益…的标的有哪些: the sentence enumerating them under that word (相关标的:…:润泽科技、欧陆通、…) answers, alone
        line = lambda s: _line_until(hits[s.hit].chunk.text, s.end)[-len(s.text) - 200:]
        # … holding every question word the best bound sentence holds (算力云 of 算力云受益标的, not the AI终端 list)
        want = held_terms(q, bound[0].text, bound[0].header) if bound else frozenset()
        listing = [s for s in bound if _enumerates(q.text, line(s)) and want <= held_terms(q, line(s))]
        bound = listing or bound
    if merits:  # (several merits answer alone; one is shown with what else holds no drawback)
        bound = merits if len(merits) >= 2 else merits + [s for s in bound if s not in merits and not _DRAWBACK.search(s.text)]
    if frame is not None and frame.answer_type == "date":  # a timeline's 20241226:DeepSeek-V3 states the day most directly
        entries = [s for s in bound if bind.dated_entry(frame, s.text)]
        bound = entries + [s for s in bound if s not in entries]
    strong = [s for s in bound[:1] if _strongly_bound(frame, s, hits) or _row_answers(q, frame, s)]
    floor = BOUND_SHARE * threshold
    if evidence < threshold:
        bound = []
    if not bound and evidence < threshold and strong and strong[0].coverage >= STRONG_SHARE * floor:
        bound = strong  # it names the subject and states the asked fact outright: fewer shared words suffice
    if not bound or max(s.coverage for s in bound) < floor * (STRONG_SHARE if bound is strong else 1.0):
        said = _discusses(frame, scored, hits)[:2]
        if said:
            return Draft(partial_text(frame, said, hits), True, evidence, tuple(sorted({s.hit for s in said})), "partial")
        return Draft(refusal_text(hits), True, evidence, coverage="none")
    tabled = [s for s in tabled if s in bound]
    chosen = _with_antecedents(select(tabled or _stated_outright(frame, bound, hits), hits, q.kind, q=q, frame=frame), scored, hits)
    chosen = _without_loose(q, frame, chosen, hits)
    return Draft(compose(chosen, hits, q.kind, q.text, frame), False, evidence, tuple(sorted({s.hit for s in chosen})))


_ASKS_MERIT = re.compile(r"(?:为什么|为何|原因).{0,30}(?:最优|最佳|更好|更适合|优势|首选|受益|看好|青睐)")
_MERIT = re.compile(r"因为|由于|契合|优势|确保|吸引力|得益于|有利于|有助于|成本(?:较|更)?低|更低|稳定|降低|节省|不直接排放")
_DRAWBACK = re.compile(r"风险|问题|威胁|否决|并非|不足|难以|挑战|隐患|制约|瓶颈")


_ASKED_NOUN = re.compile(r"([\u4e00-\u9fff]{2})(?:都|分别)?(?:有|包括|是)?(?:哪些|哪几家|哪几个)")


def _line_until(text: str, end: int) -> str:
    """The text of the line that ends at `end`, from the line's start (a sentence with what its line says before it)."""
    return text[text.rfind("\n", 0, end) + 1:end]


def _enumerates(question: str, text: str) -> bool:
    """True when a sentence (with its line before it) lists what a list question asks for under the word it asks
    with: 标的有哪些 -> 相关标的:国内大厂算力资本开支增加:润泽科技、欧陆通、亚康股份…, or 受益标的:…;算力云:金山云、
    品高股份、优刻得… (the word, then three or more items in the sentence's own list)."""
    m = _ASKED_NOUN.search(question)
    if not m or m.group(1) in ("公司", "方面", "因素", "原因", "方向", "优势", "特点", "措施", "内容"):
        return False  # 哪些公司/方面: too common a word to say where the list is
    at = text.find(m.group(1))
    last = max(text.rfind(";"), text.rfind("；"), text.rfind("。", 0, len(text) - 1))
    if at >= 0 and text.count("、", max(at, last + 1)) >= 2:
        return True
    own = text[last + 1:]  # 算力云:金山云、品高股份、优刻得…: a list headed by what the question names (算力云受益标的)
    label = re.split(r"[:：]", own, maxsplit=1)[0].strip(" -*")
    return label != own.strip(" -*") and 2 <= len(label) <= 10 and label in question and own.count("、") >= 2


_CAPTION = re.compile(r"^\s*(?:图表|图|表)\s*\d*\s*[:：]")


_HOW_MUCH = re.compile(r"多少|多大|多高|多长|多重|多快|几[倍个颗张家台款]")


def _without_loose(q: Query, frame: Frame | None, chosen: list[Scored], hits: list[Hit]) -> list[Scored]:
    """The chosen sentences less those that would cite a passage for nothing: a figure's caption beside the
    answer (图表5: 测试时训练 (TTT) 合成数据的原理), and, for a single fact that a chosen sentence states outright
    (the figure with its metric, the day, the table row), a sentence of another passage that does not."""
    out = [s for i, s in enumerate(chosen) if i == 0 or not _CAPTION.match(s.text)]
    if _HOW_MUCH.search(q.text) and out and bind.undated_figures(out[0].text):
        # an amount asked and the best states one: a sentence of another passage stating none but dates (苹果预计26年
        # 将推出折叠iPhone beside the screens' 6英寸 and 8英寸) cannot be the answer, only cite a passage for nothing
        first = hits[out[0].hit].chunk.id
        out = [s for s in out if hits[s.hit].chunk.id == first or bind.undated_figures(s.text)]
    if _SEVERAL.search(q.text) or frame is None:
        return out
    firm = [s for s in out if (_strongly_bound(frame, s, hits) or _row_answers(q, frame, s) or _named_row(q, s))
            and not _premise(q, frame, s, hits)]
    firm = [s for s in firm if bind.dated_entry(frame, s.text)] or firm  # a timeline's line for the subject: the day itself
    firm = [s for s in firm if _named_row(q, s)] or firm  # the row the question names (中芯京城), over a sentence on 中芯国际
    if not firm:
        return out
    passages = {hits[s.hit].chunk.id for s in firm}
    return [s for s in out if hits[s.hit].chunk.id in passages]


def _named_row(q: Query, s: Scored) -> bool:
    """True for a table row the question names by its label (自由现金流, 中芯京城) whose asked column holds a
    figure (2025Q1: 3743): the fact stated as the table states it."""
    if "\t" not in s.text or not s.header:
        return False
    label = unicodedata.normalize("NFKC", s.text.replace("\n", "\t").split("\t")[0]).strip().lower()
    cell = cell_for(q.text, s.header, s.text)
    return len(label) >= 2 and label in unicodedata.normalize("NFKC", q.text).lower() and cell is not None \
        and bool(re.search(r"\d", cell[1]))


def _premise(q: Query, frame: Frame, s: Scored, hits: list[Hit]) -> bool:
    """True when every figure the sentence states of the subject is one the question gives itself (宣称…30倍，
    实际提升多少: the 30倍 is the premise, not the answer)."""
    given = set(figures(q.text))
    claims = bind.bound_claims(frame, hits[s.hit].chunk, s.start, s.end, s.header)
    return bool(claims) and all(set(figures(c.quantity.text)) <= given for c in claims)


_BACK_REF = re.compile(r"^\s*(?:所占比例|占比|比例|份额|规模|金额)?\s*(?:分别|依次)(?:为|是)")


def _with_antecedents(chosen: list[Scored], scored: list[Scored], hits: list[Hit]) -> list[Scored]:
    """The chosen sentences, each one that refers back to a list (所占比例分别为11.07%、10.38%…) preceded by
    the sentence naming the list (入选次数排前五名的行业为1.房地产,2.基础化工…), from the same passage."""
    out: list[Scored] = []
    for s in chosen:
        if _BACK_REF.match(s.text):
            text = hits[s.hit].chunk.text
            before = [t for t in scored if t.hit == s.hit and t.end <= s.start and not text[t.end:s.start].strip()]
            if before and before[0] not in chosen and before[0] not in out:
                out.append(before[0])
        if s not in out:
            out.append(s)
    return out


NAMED_SHARE = 0.85  # a sentence naming the subject goes first when it scores this share of a best that does not


_TABLE_NAMED = re.compile(r"(?<![图\w])(?:图表|表)\s*(\d{1,3})(?!\d)")


def _caption_of(chunk: Chunk, start: int) -> str:
    """The caption over the text at `start`: the last 表/图表 caption line before it in the chunk, else the
    caption the chunk's table context carries."""
    before = [m for m in re.finditer(r"(?m)^(?:图表|表)\s*\d{1,3}\s*[:：.、 ]", chunk.text[:start])]
    if before:
        return chunk.text[before[-1].start():chunk.text.find("\n", before[-1].start())]
    return chunk.context.splitlines()[0] if chunk.context else ""


def _in_named_table(question: str, bound: list[Scored], hits: list[Hit]) -> list[Scored]:
    """The bound table rows of the table the question names (表1中…, 表7), best first; [] when it names
    none. Two tables of one report may hold the same row label (2019, 最大回撤率) for different things."""
    named = _TABLE_NAMED.search(unicodedata.normalize("NFKC", question))
    if not named:
        return []

    def under(s: Scored) -> bool:
        caption = _TABLE_NAMED.match(unicodedata.normalize("NFKC", _caption_of(hits[s.hit].chunk, s.start)))
        return bool(re.search(r"\t\s*[-+−]?\d", s.text) and caption and caption.group(1) == named.group(1))  # a row of values

    return [s for s in bound if under(s)]


def _says_subject(frame: Frame, s: Scored, hits: list[Hit]) -> bool:
    """True when the sentence names the frame's subject, or says 公司 in a report covering it (上海莱士(002252)…)."""
    if names_subject(s.text, frame.subject, frame.aliases):
        return True
    return "公司" in s.text and frame.subject in covered_companies(hits[s.hit].chunk.meta.title or "")


def _named_first(frame: Frame | None, bound: list[Scored], hits: list[Hit]) -> list[Scored]:
    """Bound sentences, with one that names the subject itself put before a best bound only through its
    paragraph (苹果 Vision Pro 销量 before the section's AI笔电 sales), when it scores nearly as well."""
    if frame is None or not frame.subject or frame.answer_type != "figure" or len(bound) < 2:
        return bound
    best = bound[0]
    if _says_subject(frame, best, hits):
        return bound
    said = _marks_said(frame, best)
    for s in bound[1:]:
        if s.score < NAMED_SHARE * best.score:
            break
        if _says_subject(frame, s, hits) and _marks_said(frame, s) >= said:  # not over one saying 样本外 as asked
            return [s] + [x for x in bound if x is not s]
    return bound


def _marks_said(frame: Frame, s: Scored) -> int:
    text = unicodedata.normalize("NFKC", s.text).lower()
    return sum(m.lower() in text for m in frame.marks)


def _strongly_bound(frame: Frame | None, s: Scored, hits: list[Hit]) -> bool:
    """True when the sentence names the frame's subject and states what is asked outright: the figure
    with its metric and period, or (for a date) a date of the asked precision."""
    if frame is None or not frame.subject or not _says_subject(frame, s, hits):
        return False
    if frame.answer_type == "figure" and frame.metric:
        return _outright(frame, s, hits)
    if frame.answer_type == "date":
        return bind.date_bound(frame, hits[s.hit].chunk, s.start, s.end) and bool(bind.DAY.search(s.text) or not frame.day)
    return False


def _row_answers(q: Query, frame: Frame | None, s: Scored) -> bool:
    """True for a table row whose label names the subject and whose one column the question names holds
    a figure (H800 | Hopper | 16896 | … under CUDA核心数): the fact stated outright, as a table states it,
    though the row itself shares few of the question's words."""
    if frame is None or not frame.subject or "\t" not in s.text or not s.header:
        return False
    label = s.text.replace("\n", "\t").split("\t")[0]
    if frame.metric and any(w in label for w in metric_words(frame.metric)):
        # (显存类型 | GDDR7 | HBM3 names the memory's kind, not its size)
        return not re.search(r"(?:类型|型号|种类|方案|架构|工艺)\s*$", label) and _column_answers(q, frame, s)
    found = cell_for(q.text, s.header, s.text) if names_subject(label, frame.subject, frame.aliases) else None
    if found is None or not re.search(r"\d", found[1]):
        return False
    names = {unicodedata.normalize("NFKC", a).lower() for a in frame.aliases or (frame.subject,)}
    return any(t.lower() not in names and len(t) >= 2 for t in held_terms(q, found[0]))  # the column is what is asked


def _column_answers(q: Query, frame: Frame, s: Scored) -> bool:
    """True for a row labelled by the asked metric in a table of products by column (重量 | 600-650g |
    119g | … under 代表产品 | Apple Vision pro | 雷鸟X2 | …) whose column the question names heads the
    subject and holds a figure: the fact stated outright, as such a table states it."""
    found = cell_for(q.text, s.header, s.text)
    if found is None or not re.search(r"\d", found[1]):
        return False
    head = unicodedata.normalize("NFKC", found[0]).lower()
    # every name the question gives is in the column's head (GB300 NVL72 is not the column Nvidia GB200 NVL72)
    return names_subject(found[0], frame.subject, frame.aliases) and all(
        unicodedata.normalize("NFKC", n).lower() in head for n in frame.subjects)


def _outright(frame: Frame, s: Scored, hits: list[Hit]) -> bool:
    """True when the sentence states the asked figure outright: its metric named beside it, its subject
    named in the sentence, its period written there (when one is asked)."""
    chunk = hits[s.hit].chunk
    covered = "公司" in s.text  # 公司 in a company report is the company it covers, whose figure it states
    topic = next(iter(bind.mentions(s.text, bind.frame_extra(frame))), None)
    bound = bind.bound_claims(frame, chunk, s.start, s.end, s.header)
    single = sum(c.metric == frame.metric for c in bound) == 1  # one figure of the metric: no list of the topic's results
    return any(c.metric == frame.metric and (c.named or covered or (topic is not None and c.subject == topic.name and (
        _listed_metric(s.text, c) or (single and _sole_topic(frame, s.text, c)))))
               and (c.period_named or not frame.period) for c in bound)


def _sole_topic(frame: Frame, sentence: str, c: bind.Claim) -> bool:
    """True when every name the sentence writes before the figure is the subject or its maker (Meta 与 Rayban
    联名推出的眼镜在…开放 Meta AI 功能…,到 2024 年 Q2 有约 80 万的出货量): nobody else it could be about."""
    t = unicodedata.normalize("NFKC", sentence)
    if t[c.quantity.start:c.quantity.end] != c.quantity.text:
        return False
    before = bind.mentions(t[:c.quantity.start], bind.frame_extra(frame))
    return bool(before) and all(m.name == frame.subject or m.name in owners(frame.subject) for m in before)


def _listed_metric(sentence: str, c: bind.Claim) -> bool:
    """True when the figure's clause opens with its metric, one more item in the topic's list of results
    (博通在FY24Q3实现营业收入131亿美元，…，运营利润79亿美元), not a clause about someone else (二者…合计70%)."""
    if c.metric in ("", "增速"):
        return False
    t = unicodedata.normalize("NFKC", sentence)
    if t[c.quantity.start:c.quantity.end] != c.quantity.text:
        return False
    clause = t[bind.clause_start(t, c.quantity.start):c.quantity.start].strip().lower()
    clause = re.sub(r"^(?:其中|其)\s*", "", clause)  # 其中半导体营收80亿美元: a part of the topic's figure before it
    return any(clause.startswith(w) for w in metric_words(c.metric)) or any(
        clause.startswith(seg) and clause[len(seg):].lstrip().startswith(w) for seg in SEGMENTS for w in metric_words(c.metric))


def _stated_outright(frame: Frame | None, bound: list[Scored], hits: list[Hit]) -> list[Scored]:
    """For a figure question whose best sentence states the figure outright, only the sentences that
    do so too (other reports' figures for the same fact, conflicts visible), not the neighbours bound
    more loosely (a subsidiary's revenue, the same report's gross margin)."""
    if frame is None or frame.answer_type != "figure" or not frame.metric or not bound:
        return bound
    if not _outright(frame, bound[0], hits):
        # a best whose period is only its paragraph's (上一财季…半导体解决方案部门营收73亿美元) yields to a sentence
        # nearly as good stating the asked period outright (展望Q4…其中半导体营收80亿美元)
        stated = [s for s in bound if s.score >= NAMED_SHARE * bound[0].score and _outright(frame, s, hits)] if frame.period else []
        return [s for s in bound if _outright(frame, s, hits)] if stated else bound
    return [s for s in bound if s is bound[0] or _outright(frame, s, hits)]
