"""What the page shows, as pure functions: report labels, chat messages with their own sources,
the source viewer, and the conversation as Markdown. No retrieval or answering here.

Report text is untrusted: everything taken from a report or a model is escaped (HTML in cards
and the viewer, Markdown in chat bubbles), and the chat's own HTML sanitizer stays on.
"""

from __future__ import annotations

import base64
import html
import re
import time
from dataclasses import dataclass
from pathlib import Path

from yanbao.types import Answer, ReportMeta, SourceView

FULL, PARTIAL, REFUSED, ERROR = "full", "partial", "refused", "error"
STATUS_BADGES = {
    PARTIAL: ("yb-partial", "部分回答：报告讨论了这个问题，但没有给出所问的全部内容"),
    REFUSED: ("yb-refused", "未找到答案：报告中未提及，以下是最接近的段落"),
}


@dataclass(frozen=True)
class Turn:
    """One answered question of a conversation: the Answer, where its message is in the chat,
    and how long it took in the page (ms from the question to the first text and to the end)."""

    answer: Answer
    chat_index: int
    first_ms: float
    total_ms: float
    id: str  # qa.feedback.answer_id


def report_label(meta: ReportMeta) -> str:
    """券商 · 《标题》 · 日期: how a report is named to people; its file name when none of them is known."""
    parts = [meta.broker or "", f"《{meta.title}》" if meta.title else "", meta.date or ""]
    parts = [p for p in parts if p]
    return " · ".join(parts) if parts else meta.file


def option_label(meta: ReportMeta) -> str:
    """A report's label in a list to pick from, its file name after it as secondary text."""
    label = report_label(meta)
    return label if label == meta.file else f"{label}（{meta.file}）"


def md_escape(text: str) -> str:
    """Text shown as itself in a Markdown chat bubble: report text is untrusted (no images, links, HTML)."""
    return re.sub(r"([\\`*_\[\]()#!<>|~{}])", r"\\\1", text)


def status(answer: Answer) -> str:
    """How an answer is shown: full, partial (the QA chain's coverage), refused, or error."""
    if answer.error:
        return ERROR
    if answer.refused or answer.coverage == "none":
        return REFUSED
    if answer.coverage == "partial":
        return PARTIAL
    return FULL


def seconds(ms: float) -> str:
    return f"{ms / 1000:.2f} s" if ms < 10_000 else f"{ms / 1000:.0f} s"


def message(answer: Answer, turn: int, first_ms: float | None = None, total_ms: float | None = None) -> str:
    """The chat message of answer number `turn` of a conversation: its status when not a full
    answer, the question as understood, the text with clickable [n] markers, its own source cards,
    and the time to the first text and in all."""
    parts = []
    kind = status(answer)
    if kind in STATUS_BADGES:
        cls, words = STATUS_BADGES[kind]
        parts.append(f'<div class="yb-status {cls}">{words}</div>\n\n')
    if answer.rewritten_question and answer.rewritten_question != answer.question.strip():
        parts.append(f"*理解为：{md_escape(answer.rewritten_question)}*\n\n")
    cited = {c.n for c in answer.citations}
    text = md_escape(answer.text).replace("（未核实）", " **（未核实）**")
    text = re.sub(r"\\\[(\d+)\\\]", lambda m: _marker(turn, int(m.group(1))) if int(m.group(1)) in cited else m.group(0), text)
    parts.append(text)
    cards = source_cards(answer, turn)
    if cards:
        parts.append("\n\n" + cards)
    if first_ms is not None and total_ms is not None:
        parts.append(f'\n\n<div class="yb-time">首字 {seconds(first_ms)} · 共 {seconds(total_ms)}</div>')
    return "".join(parts)


def _marker(turn: int, n: int) -> str:
    return f'<a class="yb-cite yb-marker yb-ref-{turn}-{n}" href="#yb-viewer" title="查看原文">[{n}]</a>'


def source_cards(answer: Answer, turn: int) -> str:
    """One line of HTML (no blank line: it stays one Markdown HTML block): a card per citation,
    or the closest passages of a refusal. Each card opens the source viewer when clicked."""
    if answer.error:
        return ""
    if status(answer) == REFUSED or not answer.citations:
        if not answer.hits:
            return ""
        cards = "".join(_card(f"h{h.rank}", turn, "相关", h.chunk, h.chunk.text[:120] + ("…" if len(h.chunk.text) > 120 else ""), True)
                        for h in answer.hits[:3])
        return f'<div class="yb-srcs yb-related"><div class="yb-srcs-title">相关段落（非答案出处）</div>{cards}</div>'
    cards = "".join(_card(str(c.n), turn, f"[{c.n}]", c.chunk, c.highlight or c.chunk.text[:120], c.verified)
                    for c in answer.citations)
    return f'<div class="yb-srcs"><div class="yb-srcs-title">出处</div>{cards}</div>'


def _card(key: str, turn: int, tag: str, chunk, quote: str, verified: bool) -> str:
    where = " · ".join(x for x in (f"第{chunk.page}页" if chunk.page else "", html.escape(chunk.section.split(" > ")[-1])) if x)
    flag = "" if verified else '<span class="yb-unverified">未核实</span>'
    return (f'<div class="yb-card yb-cite yb-ref-{turn}-{key}" title="点击查看原文">'
            f'<div class="yb-card-head"><span class="yb-n">{html.escape(tag)}</span> '
            f'<span class="yb-label">{html.escape(report_label(chunk.meta))}</span>'
            f'{" · " + where if where else ""}{flag}</div>'
            f'<div class="yb-quote"><mark>{html.escape(quote.strip())}</mark></div>'
            f'<div class="yb-file">{html.escape(chunk.file)} · 字符 {chunk.start}–{chunk.end}</div></div>')


def viewer(view: SourceView) -> str:
    """The source viewer: the report's metadata, then its page with the highlights drawn in (and
    outlined, one box per highlighted line) or the surrounding text with the passage marked."""
    m = view.meta
    facts = []
    if m.analysts:
        facts.append("分析师：" + "、".join(html.escape(a.name) for a in m.analysts))
    if m.rating:
        facts.append("评级：" + html.escape(m.rating))
    if m.report_type:
        facts.append("类型：" + html.escape(m.report_type))
    where = f"第 {view.page} / {view.pages} 页" if view.kind == "pdf" else (f"第 {view.page} 页" if view.page else "")
    head = (f'<div class="yb-vmeta"><div class="yb-vtitle">{html.escape(report_label(m))}</div>'
            + (f'<div class="yb-vfacts">{" · ".join(facts)}</div>' if facts else "")
            + f'<div class="yb-file">{html.escape(view.file)}{" · " + where if where else ""} · 字符 {view.start}–{view.end}</div></div>')
    note = f'<div class="yb-note">⚠ {html.escape(view.note)}</div>' if view.note else ""
    if view.kind == "pdf":
        data = base64.b64encode(Path(view.image).read_bytes()).decode("ascii")
        boxes = "".join(
            f'<div class="yb-hl yb-hl-{h.kind}" data-kind="{h.kind}" style="left:{h.x0 * 100:.3f}%;top:{h.y0 * 100:.3f}%;'
            f'width:{(h.x1 - h.x0) * 100:.3f}%;height:{(h.y1 - h.y0) * 100:.3f}%"></div>' for h in view.highlights)
        missing = "" if view.highlights else '<div class="yb-note">这一页上没有找到所引段落。</div>'
        body = (f'{missing}<div class="yb-page" data-page="{view.page}"><img class="yb-page-img" alt="第{view.page}页" '
                f'src="data:image/png;base64,{data}">{boxes}</div>')
    else:
        body = f'<div class="yb-text">{_marked_text(view)}</div>'
    return f'<div class="yb-viewer" data-kind="{view.kind}" data-file="{html.escape(view.file)}">{head}{note}{body}</div>'


def _marked_text(view: SourceView) -> str:
    """The context text with the passage in mark.yb-passage and the sentence in mark.yb-sentence."""
    t, base = view.text, view.text_start
    cuts = sorted({0, len(t), *(max(0, min(len(t), x - base)) for x in (view.start, view.end)),
                   *((max(0, min(len(t), x - base)) for x in view.sentence) if view.sentence else ())})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        piece = html.escape(t[a:b])
        in_passage = view.start - base <= a and b <= view.end - base
        in_sentence = view.sentence is not None and view.sentence[0] - base <= a and b <= view.sentence[1] - base
        if in_sentence:
            piece = f'<mark class="yb-sentence">{piece}</mark>'
        if in_passage:
            piece = f'<mark class="yb-passage">{piece}</mark>'
        out.append(piece)
    return "".join(out)


def conversation_markdown(turns: list[Turn], exported_at: float | None = None) -> str:
    """The conversation as Markdown: every question, its answer and status, and every citation
    with broker, title, date, page and the quoted sentence."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(exported_at or time.time()))
    out = [f"# 研报问答 · 对话导出\n\n导出时间：{when}，共 {len(turns)} 个问题。\n"]
    for i, turn in enumerate(turns, 1):
        a = turn.answer
        out.append(f"\n## 问题 {i}：{a.question.strip()}\n")
        if a.rewritten_question and a.rewritten_question != a.question.strip():
            out.append(f"\n*理解为：{a.rewritten_question}*\n")
        kind = status(a)
        if kind in STATUS_BADGES:
            out.append(f"\n> **{STATUS_BADGES[kind][1]}**\n")
        out.append(f"\n{a.text.strip()}\n")
        if a.citations:
            out.append("\n**出处**\n")
            for c in a.citations:
                m = c.chunk.meta
                fields = [m.broker or "券商未知", f"《{m.title}》" if m.title else "（无标题）", m.date or "日期未知"]
                if c.chunk.page:
                    fields.append(f"第{c.chunk.page}页")
                flag = "（未核实）" if not c.verified else ""
                quote = (c.highlight or c.chunk.text).strip().replace("\n", " ")
                out.append(f"\n{c.n}. {'，'.join(fields)}{flag}  \n   文件：{c.chunk.file}，字符 {c.chunk.start}–{c.chunk.end}  \n"
                           f"   > {quote}\n")
        out.append(f"\n<sub>首字 {seconds(turn.first_ms)} · 共 {seconds(turn.total_ms)} · {a.mode}</sub>\n")
    return "".join(out)
