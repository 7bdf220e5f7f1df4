"""The Gradio web UI: a chat whose answers carry their own sources, a source viewer beside it,
feedback and export, filters, and a 知识库 tab.

Only wiring lives here: answers come from yanbao.qa.chain, source views from yanbao.qa.source,
feedback records from yanbao.qa.feedback, index changes from yanbao.library; what the page
shows is rendered by yanbao.ui.render. Each browser session keeps its own conversation (gr.State).

A click on a citation marker or a source card is picked up by a small script (VIEWER_JS): the
chat's HTML sanitizer drops data attributes, so a card names its citation by a class
(yb-ref-<answer>-<n>), which the script puts into a hidden textbox before pressing a hidden button.
"""

from __future__ import annotations

import html
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from yanbao.errors import YanbaoError
from yanbao.index.live import Live
from yanbao.qa import feedback as fb
from yanbao.qa import source
from yanbao.qa.chain import QAChain, answer_to_json
from yanbao.types import Answer, Filters, SourceView
from yanbao.ui import render as rd
from yanbao.ui.render import md_escape, option_label, report_label  # noqa: F401 - md_escape is part of this module's API

log = logging.getLogger(__name__)

ALLOWED_SUFFIXES = (".pdf", ".txt", ".md", ".docx")
EXAMPLES = [
    "博通FY24Q3实现营业收入多少？",
    "豆包通用模型的日均tokens使用量是多少？",
    "民生和华西给出的DeepSeek-V3训练成本一样吗？",
    "东吴认为2025年国产算力的格局如何？",
]
EMPTY_INDEX = (
    "知识库还是空的。请在「知识库」页上传研报（PDF/TXT/MD/DOCX），"
    "或在命令行运行 `yanbao ingest 报告目录 --index 索引目录`，然后再提问。"
)
THINKING = "⏳ 正在检索报告"
PREFETCH_PAGES = 3  # cited PDF passages whose pages are rendered ahead of a click
MODES = {"抽取式（无需大模型）": "extractive", "大模型（LLM）": "llm"}
VIEWER_EMPTY = '<div class="yb-viewer-empty">点击回答中的 [n] 标记或出处卡片，在这里查看原文（PDF 显示原页面并高亮所引段落）。</div>'
CSS = """
.yb-srcs {margin-top:6px; border-top:1px dashed #d0d7de; padding-top:4px}
.yb-srcs-title {color:#57606a; font-size:0.85em}
.yb-card {border:1px solid #d0d7de; border-radius:8px; padding:6px 10px; margin:6px 0; background:#fafbfc; cursor:pointer}
.yb-card:hover {border-color:#0969da}
.yb-card-head {font-size:0.9em}
.yb-card .yb-n {font-weight:700; color:#0969da}
.yb-card .yb-label {font-weight:600}
.yb-quote {margin-top:2px}
.yb-card mark, .yb-text mark.yb-sentence {background:#ffd08a; padding:0 2px}
.yb-text mark.yb-passage {background:#fff3b0}
.yb-file {color:#8c959f; font-size:0.8em}
.yb-unverified {color:#b42318; font-weight:700; margin-left:6px}
.yb-status {font-weight:700; padding:2px 8px; border-radius:6px; display:inline-block; margin-bottom:4px}
.yb-partial {background:#fff8c5; color:#7d4e00}
.yb-refused {background:#ffebe9; color:#a40e26}
.yb-time {color:#8c959f; font-size:0.75em; margin-top:4px}
a.yb-marker {text-decoration:none; font-weight:700; cursor:pointer}
.yb-vmeta {margin-bottom:6px}
.yb-vtitle {font-weight:700}
.yb-vfacts {color:#57606a; font-size:0.9em}
.yb-note {color:#9a6700; font-size:0.9em; margin:4px 0}
.yb-page {position:relative; border:1px solid #d0d7de}
.yb-page img {width:100%; display:block}
.yb-hl {position:absolute; pointer-events:none}
.yb-hl-sentence {outline:2px solid #e36209; border-radius:2px}
.yb-text {white-space:pre-wrap; max-height:640px; overflow:auto; position:relative; border:1px solid #d0d7de;
          padding:8px; line-height:1.6}
.yb-viewer-empty {color:#8c959f; padding:24px 8px}
"""
# Installed once per page: a click on a citation marker or card opens the source viewer.
VIEWER_JS = """
() => {
  if (window.__ybViewer) return;
  window.__ybViewer = true;
  document.addEventListener('click', (ev) => {
    const el = ev.target.closest && ev.target.closest('.yb-cite');
    if (!el) return;
    const ref = [...el.classList].find((c) => c.startsWith('yb-ref-'));
    const box = document.querySelector('#yb-ref textarea, #yb-ref input');
    const open = document.querySelector('#yb-open');
    if (!ref || !box || !open) return;
    ev.preventDefault();
    window.__ybClickAt = performance.now();
    box.value = ref;
    box.dispatchEvent(new Event('input', {bubbles: true}));
    open.click();
  }, true);
}
"""
# After a text view is shown: scroll its box to the supporting sentence (or the passage).
SCROLL_JS = """
() => {
  const box = document.querySelector('#yb-viewer .yb-text');
  if (!box) return;
  const m = box.querySelector('mark.yb-sentence') || box.querySelector('mark.yb-passage');
  if (m) box.scrollTop = Math.max(0, m.offsetTop - box.clientHeight / 3);
}
"""


def safe_name(name: str) -> str:
    """A report file name safe to store: no folders, no '..', no control or shell characters."""
    base = Path(str(name).replace("\\", "/")).name
    base = re.sub(r"[\x00-\x1f<>:\"|?*/\\]", "_", base).strip(" .")
    stem, suffix = Path(base).stem, Path(base).suffix[:10]
    while len((stem + suffix).encode("utf-8")) > 180:  # file systems allow 255 bytes; leave room
        stem = stem[:-1]
    return (stem + suffix) if stem else "report"


class Service:
    """The open chain and the index behind the UI; reopened after every index change."""

    def __init__(self, settings, embedder=None):
        from yanbao.index.embed import Embedder

        self.settings = settings
        self.embedder = embedder or Embedder.from_settings(settings)
        self.uploads = Path(settings.index_dir) / "uploads"
        self.pages = Path(tempfile.mkdtemp(prefix="yanbao-pages-"))  # rendered pages, originals to download
        weakref.finalize(self, shutil.rmtree, self.pages, True)
        self.prefetch_pages = PREFETCH_PAGES
        self._write = threading.Lock()
        self.live = Live(settings.index_dir, self._open_chain)
        source.warm()

    def _open_chain(self) -> QAChain | None:
        """A warmed chain over the live index generation, or None while there is no index or it is empty."""
        from yanbao.errors import IndexNotFoundError

        try:
            chain = QAChain.open(self.settings, self.embedder)
        except IndexNotFoundError:
            return None
        if not chain.retriever.index.chunks:
            return None
        chain.warm()
        return chain

    def reload(self) -> None:
        """Open the live index generation now (after a change made here: the person who made it waits)."""
        self.live.refresh()

    @property
    def chain(self) -> QAChain | None:
        return self.live.value

    def current(self) -> QAChain | None:
        """The chain to answer a question with. When someone (say, a `yanbao ingest` run beside the
        UI) swapped in a new generation, it is opened and warmed in the background (index/live.py)
        while questions keep the chain they have."""
        return self.live.get()

    @property
    def llm_ready(self) -> bool:
        return self.chain is not None and self.chain.llm is not None

    def reports(self) -> list:
        return self.chain.retriever.reports if self.chain else []

    def add(self, paths: list[Path], on_file=lambda i, n, name: None) -> list[list[str]]:
        """Ingest uploaded files one by one; one [file, result, detail] row per file.
        `on_file(i, n, name)` is called before each file (the UI's progress bar)."""
        from yanbao.library import update

        rows, seen = [], set()
        with self._write:
            self.uploads.mkdir(parents=True, exist_ok=True)
            for i, p in enumerate(paths):
                name = safe_name(p.name)
                on_file(i, len(paths), name)
                if name in seen:
                    rows.append([name, "跳过", "本次上传中有同名文件，只处理了第一个；请改名后再上传"])
                    continue
                seen.add(name)
                if Path(name).suffix.lower() not in ALLOWED_SUFFIXES:
                    rows.append([name, "跳过", f"不支持的文件类型，请上传 {' '.join(ALLOWED_SUFFIXES)}"])
                    continue
                if p.stat().st_size > self.settings.max_file_mb << 20:
                    rows.append([name, "跳过", f"文件超过 {self.settings.max_file_mb} MB"])
                    continue
                target = self.uploads / name
                shutil.copyfile(p, target)
                result = update(self.settings.index_dir, [target], self.settings, self.embedder)
                rows += [[f, "新增", ""] for f in result.added]
                rows += [[f, "更新", "内容有变化，已重建该报告的索引"] for f in result.replaced]
                rows += [[f, "未变", "与索引中的版本相同，未重复处理"] for f in result.unchanged]
                rows += [[Path(f).name, "跳过", why] for f, why in result.skipped]
                if result.skipped:
                    target.unlink(missing_ok=True)
            self.reload()
        return rows

    def source(self, file: str, start: int, end: int, sentence: str = "", page: int | None = None) -> SourceView:
        """The source view of a passage (qa.source.view) in the live index."""
        chain = self.current()
        if chain is None:
            raise ValueError(EMPTY_INDEX)
        return source.view(chain.retriever.index, file, start, end, sentence, page, cache_dir=self.pages)

    def prefetch(self, answer: Answer) -> None:
        """Render the pages the answer's PDF citations are on, in the background once the answer
        is shown, so that opening one is a cache hit (a first render of a page is 0.2-0.4 s here)."""
        todo = list(dict.fromkeys((c.chunk.file, c.chunk.start, c.chunk.end, c.highlight) for c in answer.citations
                                  if c.chunk.file.lower().endswith(".pdf")))[:self.prefetch_pages]
        if todo:
            threading.Thread(target=self._prefetch, args=(todo,), name="yanbao-prefetch", daemon=True).start()

    def _prefetch(self, todo: list[tuple]) -> None:
        for file, start, end, sentence in todo:
            try:
                self.source(file, start, end, sentence)
            except Exception as e:  # the click will show what went wrong; nothing to tell here
                log.debug("prefetch of %s [%d:%d] failed: %s", file, start, end, e)

    def download_copy(self, original: str) -> str | None:
        """A copy of an original report in this UI's temporary folder (Gradio serves files only from
        there), linked rather than copied when it can be; None when the original is gone."""
        src = Path(original)
        if not original or not src.is_file():
            return None
        st = src.stat()
        out = self.pages / "originals" / f"{st.st_ino}-{st.st_mtime_ns}" / src.name
        if not out.exists():
            out.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(src, out)
            except OSError:
                shutil.copyfile(src, out)
        return str(out)

    def record_feedback(self, record) -> None:
        fb.record(self.settings.index_dir, record)

    def delete(self, names: list[str]) -> str:
        from yanbao.library import remove

        with self._write:
            result = remove(self.settings.index_dir, names, self.settings)
            for n in result.removed:
                (self.uploads / safe_name(n)).unlink(missing_ok=True)
            self.reload()
        done = "、".join(result.removed) or "无"
        missing = "；未找到：" + "、".join(f for f, _ in result.skipped) if result.skipped else ""
        return f"已删除：{done}{missing}"

    def correct(self, file: str, changes: dict):
        """Correct a report's metadata (index.store.correct: nothing is embedded) and reopen the index."""
        from yanbao.library import correct

        with self._write:
            result = correct(self.settings.index_dir, file, changes, self.settings)
            self.reload()
        return result


# --------------------------------------------------------------------------- 知识库: correcting metadata

META_FIELDS = {"title": "标题", "broker": "券商", "date": "日期", "rating": "评级", "analysts": "分析师"}


def analysts_text(analysts) -> str:
    """Analysts as the edit form shows them: 王紫敬 S0600521080005、李四（研究助理）."""
    return "、".join(a.name + (f" {a.cert}" if a.cert else "") + (f"（{a.role}）" if a.role != "分析师" else "")
                    for a in analysts)


def meta_form(service: Service, file: str | None) -> list[str]:
    """The edit form's values for one report, in META_FIELDS order ("" for a field it lacks)."""
    m = next((m for m in service.reports() if m.file == file), None)
    if m is None:
        return [""] * len(META_FIELDS)
    return [analysts_text(m.analysts) if n == "analysts" else (getattr(m, n) or "") for n in META_FIELDS]


def save_meta(service: Service, file: str | None, *values: str) -> str:
    """Save the fields of the edit form that differ from the report's metadata; the message to show."""
    if not file:
        return "请先选择报告"
    current = meta_form(service, file)
    changes = {n: (v or "").strip() for n, v, was in zip(META_FIELDS, values, current) if (v or "").strip() != was}
    if not changes:
        return "没有改动"
    try:
        result = service.correct(file, changes)
    except YanbaoError as e:
        return f"⚠ {md_escape(str(e))}"
    done = "、".join(META_FIELDS[n] for n in result.changed) or "无变化"
    return f"已保存 {md_escape(file)}：{done}（人工更正，重新入库后仍然有效；无需重新向量化）"


@dataclass
class MetaEditor:
    pick: gr.Dropdown
    fields: list
    save: gr.Button
    message: gr.Markdown


def meta_editor(files: list[str]) -> MetaEditor:
    """The 知识库 tab's form for correcting a report's title, broker, date, rating and analysts."""
    with gr.Accordion("修改报告信息（标题、券商、日期、评级、分析师）", open=False, elem_id="meta-editor"):
        pick = gr.Dropdown(files, value=None, label="报告", elem_id="meta-pick")
        with gr.Row():
            boxes = [gr.Textbox(label=label, elem_id=f"meta-{name}",
                                placeholder={"date": "2024-12-24", "analysts": "王紫敬 S0600521080005、王世杰"}.get(name))
                     for name, label in META_FIELDS.items()]
        save = gr.Button("保存修改", elem_id="meta-save")
        message = gr.Markdown(elem_id="meta-result")
    return MetaEditor(pick, boxes, save, message)


def wire_meta_editor(service: Service, editor: MetaEditor, refresh, refreshed: list) -> None:
    """Fill the form when a report is picked; on save, correct it and refresh the tables and filters."""

    def choices():
        return gr.update(choices=[m.file for m in service.reports()])

    def save(file, *values):
        message = save_meta(service, file, *values)
        return message, *meta_form(service, file), *refresh()

    editor.pick.focus(choices, None, editor.pick, api_visibility="private")
    editor.pick.change(lambda f: meta_form(service, f), editor.pick, editor.fields, api_visibility="private")
    editor.save.click(save, [editor.pick, *editor.fields], [editor.message, *editor.fields, *refreshed],
                      api_visibility="private")


@dataclass
class Conversation:
    """One browser session's conversation: the standalone questions asked so far, and each
    answered question with its Answer (so every answer keeps its own sources)."""

    questions: list[str]
    turns: list[rd.Turn] = field(default_factory=list)


def source_cards(answer: Answer, turn: int = 0) -> str:
    """HTML cards of an answer's citations (see render.source_cards)."""
    return rd.source_cards(answer, turn)


def render(answer: Answer, turn: int = 0) -> str:
    """The chat message of an answer (see render.message)."""
    return rd.message(answer, turn)


REF = re.compile(r"yb-ref-(\d+)-(h?)(\d+)$")


def cited_passage(convo: Conversation, ref: str) -> tuple[str, int, int, str] | None:
    """(file, start, end, sentence) of the citation a card's class names: yb-ref-<answer>-<n>
    for citation [n], yb-ref-<answer>-h<rank> for a refusal's related passage."""
    m = REF.match((ref or "").strip())
    if m is None or convo is None or int(m.group(1)) >= len(convo.turns):
        return None
    answer = convo.turns[int(m.group(1))].answer
    n = int(m.group(3))
    if m.group(2):
        hit = next((h for h in answer.hits if h.rank == n), None)
        return (hit.chunk.file, hit.chunk.start, hit.chunk.end, "") if hit else None
    c = next((c for c in answer.citations if c.n == n), None)
    return (c.chunk.file, c.chunk.start, c.chunk.end, c.highlight) if c else None


def build(service: Service) -> gr.Blocks:
    """The Blocks app wired to `service`."""

    def filters_of(files, brokers, date_from, date_to) -> Filters:
        return Filters(files=tuple(files or ()), brokers=tuple(brokers or ()),
                       date_from=(date_from or "").strip() or None, date_to=(date_to or "").strip() or None)

    def respond(message, chat, convo, files, brokers, date_from, date_to, mode_label):
        t0, asked_at = time.perf_counter(), time.time()
        chat = list(chat or [])
        convo = convo or Conversation([])
        message = (message or "").strip()
        if not message:
            yield chat, convo, gr.update()
            return
        chat.append({"role": "user", "content": md_escape(message)})
        chain = service.current()  # read once: an upload or delete elsewhere may swap it meanwhile
        if chain is None:
            chat.append({"role": "assistant", "content": EMPTY_INDEX})
            yield chat, convo, ""
            return
        chat.append({"role": "assistant", "content": THINKING})
        yield chat, convo, ""
        first_ms = None
        try:
            mode = MODES.get(mode_label, "extractive")
            text = ""
            for piece in chain.stream(message, history=convo.questions,
                                      filters=filters_of(files, brokers, date_from, date_to), mode=mode):
                if first_ms is None:
                    first_ms = (time.perf_counter() - t0) * 1000
                if isinstance(piece, str):
                    text += piece
                    chat[-1] = {"role": "assistant", "content": md_escape(text)}
                    yield chat, convo, ""
                else:
                    total_ms = (time.perf_counter() - t0) * 1000
                    turn = rd.Turn(piece, len(chat) - 1, round(first_ms, 1), round(total_ms, 1), fb.answer_id(piece, asked_at))
                    convo = Conversation(convo.questions + [piece.rewritten_question], convo.turns + [turn])
                    chat[-1] = {"role": "assistant", "content": rd.message(piece, len(convo.turns) - 1, turn.first_ms, turn.total_ms)}
                    yield chat, convo, ""
                    service.prefetch(piece)  # after the answer is on its way: it never waits for this
        except YanbaoError as e:
            chat[-1] = {"role": "assistant", "content": f"⚠ {e}"}
            yield chat, convo, ""
        except Exception:  # never a stack trace in the page; the log has it
            log.exception("answering %r failed", message)
            chat[-1] = {"role": "assistant", "content": "⚠ 回答时出错，请稍后重试；详细信息见服务日志。"}
            yield chat, convo, ""

    def clear():
        return [], Conversation([]), gr.update(value=None, visible=False), gr.update(visible=False)

    # ------------------------------------------------------------------ the source viewer
    def show(where: dict | None):
        """(viewer HTML, viewer state, prev button, next button) for {file, start, end, sentence, page}."""
        idle = gr.update(interactive=False)
        if not where:
            return VIEWER_EMPTY, None, idle, idle
        try:
            view = service.source(where["file"], where["start"], where["end"], where.get("sentence", ""), where.get("page"))
        except (ValueError, YanbaoError) as e:
            return f'<div class="yb-note">⚠ {html.escape(str(e))}</div>', None, idle, idle
        where = {**where, "page": view.page, "pages": view.pages, "kind": view.kind, "original": view.original}
        paged = view.kind == "pdf"
        return (rd.viewer(view), where, gr.update(interactive=paged and view.page > 1),
                gr.update(interactive=paged and view.page < view.pages))

    def open_ref(ref, convo):
        passage = cited_passage(convo, ref)
        if passage is None:
            return show(None)
        file, start, end, sentence = passage
        return show({"file": file, "start": start, "end": end, "sentence": sentence, "page": None})

    def turn_page(where, step: int):
        if not where or where.get("kind") != "pdf":
            return show(where)
        return show({**where, "page": max(1, min(where["pages"], where["page"] + step))})

    def download(where):
        path = service.download_copy(where.get("original", "")) if where else None
        return gr.update(value=path, visible=path is not None)

    # ------------------------------------------------------------------ feedback and export
    def turn_at(convo, index) -> rd.Turn | None:
        index = index[0] if isinstance(index, (list, tuple)) else index
        return next((t for t in (convo.turns if convo else []) if t.chat_index == index), None)

    def on_like(convo, data: gr.LikeData):
        turn = turn_at(convo, data.index)
        if turn is None:
            return gr.update(visible=False), None, "", "", ""
        liked = data.liked
        verdict = {True: "up", False: "down", "Like": "up", "Dislike": "down"}.get(liked, "")
        try:
            service.record_feedback(fb.make(turn.answer, turn.id, verdict))
        except YanbaoError as e:
            return gr.update(visible=True), None, f"⚠ {e}", "", ""
        if not verdict:
            return gr.update(visible=False), None, "", "", ""
        what = (f"已记录 {'👍' if verdict == 'up' else '👎'}：「{md_escape(turn.answer.question)}」。"
                "可以补充说明" + ("，以及正确的答案" if verdict == "down" else "") + "（可选），然后提交。")
        return gr.update(visible=True), {"id": turn.id, "verdict": verdict}, what, "", ""

    def submit_feedback(convo, target, note, correction):
        turn = next((t for t in (convo.turns if convo else []) if target and t.id == target["id"]), None)
        if turn is None:
            return "请先点 👍 或 👎 选择一条回答。"
        try:
            service.record_feedback(fb.make(turn.answer, turn.id, target["verdict"], note, correction))
        except YanbaoError as e:
            return f"⚠ {e}"
        return f"已保存到 {Path(service.settings.index_dir) / fb.FEEDBACK}，谢谢！"

    def export(convo):
        turns = convo.turns if convo else []
        if not turns:
            return gr.update(value=None, visible=False)
        out = service.pages / "exports" / f"对话-{time.strftime('%Y%m%d-%H%M%S')}.md"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(rd.conversation_markdown(turns), encoding="utf-8")
        return gr.update(value=str(out), visible=True)

    # ------------------------------------------------------------------ 知识库
    def report_rows():
        counts = service.chain.retriever.index.chunk_counts() if service.chain else {}
        return [[report_label(m), "、".join(a.name for a in m.analysts) or "-", counts.get(m.file, 0), m.file]
                for m in service.reports()]

    def choices():
        files = [(option_label(m), m.file) for m in service.reports()]
        brokers = sorted({m.broker for m in service.reports() if m.broker})
        return files, brokers

    def refresh():
        files, brokers = choices()
        return (report_rows(), gr.update(choices=files, value=[]), gr.update(choices=brokers, value=[]),
                gr.update(choices=files, value=[]))

    def upload(paths, progress=gr.Progress()):
        if not paths:
            return [["-", "-", "请先选择文件"]], *refresh()
        try:
            rows = service.add([Path(p) for p in paths],
                               on_file=lambda i, n, name: progress((i, n), desc=f"索引 {name}", unit="个文件"))
        except YanbaoError as e:
            rows = [["-", "失败", str(e)]]
        progress(1)
        return rows, *refresh()

    def delete(names):
        if not names:
            return "请选择要删除的报告", *refresh()
        try:
            msg = service.delete(list(names))
        except YanbaoError as e:
            msg = f"⚠ {e}"
        return msg, *refresh()

    # ------------------------------------------------------------------ named APIs
    def ask_api(question: str, reports: list[str] | None = None, mode: str = "extractive") -> dict:
        """Answer one question with citations (the same chain as the chat)."""
        chain = service.current()
        if chain is None:
            return {"error": EMPTY_INDEX}
        if not isinstance(question, str) or not question.strip():
            return {"error": "question must be a non-empty string"}
        try:
            answer = chain.ask(question, filters=Filters(files=tuple(reports or ())), mode=mode)
        except YanbaoError as e:
            return {"error": str(e)}
        return answer_to_json(answer)

    def source_api(file: str, start: int, end: int, sentence: str = "", page: int = 0) -> dict:
        """The cited passage [start, end) of a report (offsets into its cleaned text, as `ask` gives
        them): for a PDF the path of its page image with the passage highlighted (page 0 = the
        passage's own page), else the surrounding text as HTML."""
        try:
            view = service.source(file, int(start), int(end), sentence or "", int(page) or None)
        except (ValueError, TypeError, YanbaoError) as e:
            return {"error": str(e)}
        return {"kind": view.kind, "file": view.file, "label": report_label(view.meta), "page": view.page,
                "pages": view.pages, "image": view.image or None,
                "highlights": [{"kind": h.kind, "x0": h.x0, "y0": h.y0, "x1": h.x1, "y1": h.y1} for h in view.highlights],
                "html": rd.viewer(view) if view.kind == "text" else None, "original": view.original or None,
                "note": view.note or None}

    files, brokers = choices()
    with gr.Blocks(title="研报问答 yanbao") as app:
        gr.Markdown("## 研报问答 · yanbao\n基于已入库券商研报回答问题，每个数字都有可核对的出处；报告没有说的，会回答「报告中未提及」。")
        convo = gr.State(Conversation([]))
        where = gr.State(None)
        fb_target = gr.State(None)
        with gr.Tab("问答"):
            with gr.Row():
                with gr.Column(scale=5):
                    chatbot = gr.Chatbot(label="对话", height=620, buttons=["copy", "copy_all"], elem_id="chat",
                                         feedback_options=("Like", "Dislike"),
                                         placeholder=EMPTY_INDEX if service.chain is None else "请输入问题，例如下方示例。")
                    with gr.Row():
                        box = gr.Textbox(placeholder="输入问题，回车发送", show_label=False, scale=5, elem_id="question")
                        send = gr.Button("发送", variant="primary", scale=1, elem_id="send")
                        clear_btn = gr.Button("清空对话", scale=1, elem_id="clear")
                        export_btn = gr.Button("导出对话", scale=1, elem_id="export")
                    export_file = gr.File(label="对话记录（Markdown）", visible=False, elem_id="export-file")
                    with gr.Group(visible=False, elem_id="feedback") as fb_box:
                        fb_what = gr.Markdown(elem_id="fb-what")
                        fb_note = gr.Textbox(label="说明（可选）", lines=1, elem_id="fb-note")
                        fb_correction = gr.Textbox(label="正确的答案（可选）", lines=2, elem_id="fb-correction")
                        fb_send = gr.Button("提交反馈", elem_id="fb-submit")
                        fb_status = gr.Markdown(elem_id="fb-status")
                    gr.Examples(EXAMPLES, inputs=box, label="示例问题")
                with gr.Column(scale=4):
                    gr.Markdown("#### 原文")
                    viewer = gr.HTML(VIEWER_EMPTY, elem_id="yb-viewer")
                    with gr.Row():
                        prev_btn = gr.Button("◀ 上一页", size="sm", interactive=False, elem_id="yb-prev")
                        next_btn = gr.Button("下一页 ▶", size="sm", interactive=False, elem_id="yb-next")
                        down_btn = gr.DownloadButton("下载原文", size="sm", visible=False, elem_id="yb-download")
                    with gr.Accordion("筛选", open=True):
                        f_files = gr.Dropdown(files, multiselect=True, label="报告", elem_id="filter-reports")
                        f_brokers = gr.Dropdown(brokers, multiselect=True, label="券商", elem_id="filter-brokers")
                        f_from = gr.Textbox(label="起始日期", placeholder="2024-01-01")
                        f_to = gr.Textbox(label="截止日期", placeholder="2025-12-31")
                        modes = list(MODES) if service.llm_ready else list(MODES)[:1]
                        f_mode = gr.Radio(modes, value=modes[0], label="回答方式",
                                          info=None if service.llm_ready else "配置 YANBAO_LLM_BASE_URL 和 YANBAO_LLM_MODEL 后可用大模型")
                    ref_box = gr.Textbox(visible="hidden", elem_id="yb-ref")
                    open_btn = gr.Button(visible="hidden", elem_id="yb-open")
        with gr.Tab("知识库"):
            gr.Markdown("上传研报（PDF/TXT/MD/DOCX，可多选）。新增或有变化的报告会被索引，未变的不会重复处理。")
            up = gr.File(file_count="multiple", file_types=list(ALLOWED_SUFFIXES), label="上传报告", elem_id="upload")
            up_btn = gr.Button("入库", variant="primary", elem_id="ingest")
            up_result = gr.Dataframe(headers=["文件", "结果", "说明"], label="入库结果", interactive=False, elem_id="ingest-result")
            table = gr.Dataframe(report_rows(), headers=["报告", "分析师", "块数", "文件"],
                                 label="已入库报告", interactive=False, elem_id="reports")
            with gr.Row():
                del_pick = gr.Dropdown(files, multiselect=True, label="选择要删除的报告", elem_id="delete-pick")
                del_btn = gr.Button("删除", variant="stop", elem_id="delete")
            del_msg = gr.Markdown(elem_id="delete-result")
            editor = meta_editor(files)

        inputs = [box, chatbot, convo, f_files, f_brokers, f_from, f_to, f_mode]
        outputs = [chatbot, convo, box]
        box.submit(respond, inputs, outputs, api_visibility="private")
        send.click(respond, inputs, outputs, api_visibility="private")
        clear_btn.click(clear, None, [chatbot, convo, export_file, fb_box], api_visibility="private")
        shown = [viewer, where, prev_btn, next_btn]
        (open_btn.click(open_ref, [ref_box, convo], shown, api_visibility="private")
         .then(None, None, None, js=SCROLL_JS).then(download, [where], [down_btn], api_visibility="private"))
        prev_btn.click(lambda w: turn_page(w, -1), [where], shown, api_visibility="private")
        next_btn.click(lambda w: turn_page(w, 1), [where], shown, api_visibility="private")
        chatbot.like(on_like, [convo], [fb_box, fb_target, fb_what, fb_note, fb_correction], api_visibility="private")
        fb_send.click(submit_feedback, [convo, fb_target, fb_note, fb_correction], [fb_status], api_visibility="private")
        export_btn.click(export, [convo], [export_file], api_visibility="private")
        refreshed = [table, f_files, f_brokers, del_pick]
        up_btn.click(upload, [up], [up_result, *refreshed], api_visibility="private")
        del_btn.click(delete, [del_pick], [del_msg, *refreshed], api_visibility="private")
        wire_meta_editor(service, editor, refresh, refreshed)
        gr.api(ask_api, api_name="ask")
        gr.api(source_api, api_name="source")
    return app


def launch_options(settings, host: str = "127.0.0.1", port: int = 7860) -> dict:
    """Keyword arguments for Blocks.launch: no sharing link ever, login when YANBAO_AUTH is set,
    uploads limited to YANBAO_MAX_FILE_MB, errors as messages (no tracebacks in the page)."""
    return {
        "server_name": host, "server_port": port, "share": False, "show_error": False, "quiet": True,
        "auth": tuple(settings.auth.split(":", 1)) if settings.auth else None,
        "max_file_size": f"{settings.max_file_mb}mb", "css": CSS, "js": VIEWER_JS, "footer_links": ["api"],
    }


def serve(settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Start the web UI (blocking)."""
    service = Service(settings)
    app = build(service)
    app.queue(default_concurrency_limit=8, max_size=64)  # 8 questions answered at once
    log.info("yanbao UI on http://%s:%d (index %s)", host, port, settings.index_dir)
    app.launch(**launch_options(settings, host, port))
