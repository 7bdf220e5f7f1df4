"""The Gradio web UI: a chat over the index, source cards, filters, and a 知识库 tab.

Only wiring lives here: answers come from yanbao.qa.chain, index changes from
yanbao.index.store. Each browser session keeps its own conversation (gr.State).
"""

from __future__ import annotations

import html
import logging
import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from yanbao.errors import YanbaoError
from yanbao.qa.chain import QAChain, answer_to_json
from yanbao.qa.query import Filters
from yanbao.types import Answer

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
MODES = {"抽取式（无需大模型）": "extractive", "大模型（LLM）": "llm"}
CSS = """
.yb-card {border:1px solid #d0d7de; border-radius:8px; padding:8px 12px; margin:8px 0; background:#fafbfc}
.yb-card summary {cursor:pointer; font-weight:600}
.yb-card mark {background:#fff3b0; padding:0 2px}
.yb-unverified {color:#b42318; font-weight:700; margin-left:6px}
.yb-meta {color:#57606a; font-size:0.9em}
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
        self._write = threading.Lock()
        self.chain: QAChain | None = None
        self.reload()

    def reload(self) -> None:
        """Open the live index generation (or note that there is none yet)."""
        from yanbao.errors import IndexNotFoundError
        from yanbao.index.store import current_generation

        self._gen = current_generation(self.settings.index_dir)
        try:
            chain = QAChain.open(self.settings, self.embedder)
        except IndexNotFoundError:
            chain = None
        if chain is not None and not chain.retriever.index.chunks:
            chain = None
        if chain is not None:
            chain.warm()
        self.chain = chain

    def current(self) -> QAChain | None:
        """The chain over the live index generation, reopened when someone (say, a `yanbao ingest`
        run beside the UI) swapped in a new one."""
        from yanbao.index.store import current_generation

        if current_generation(self.settings.index_dir) != self._gen:
            with self._write:
                if current_generation(self.settings.index_dir) != self._gen:
                    self.reload()
        return self.chain

    @property
    def llm_ready(self) -> bool:
        return self.chain is not None and self.chain.llm is not None

    def reports(self) -> list:
        return self.chain.retriever.reports if self.chain else []

    def add(self, paths: list[Path], on_file=lambda i, n, name: None) -> list[list[str]]:
        """Ingest uploaded files one by one; one [file, result, detail] row per file.
        `on_file(i, n, name)` is called before each file (the UI's progress bar)."""
        from yanbao.index.store import update

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

    def delete(self, names: list[str]) -> str:
        from yanbao.index.store import remove

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
        from yanbao.index.store import correct

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
    """One browser session's conversation: the standalone questions asked so far."""

    questions: list[str]


def source_cards(answer: Answer) -> str:
    """HTML cards for an answer's citations, the supporting sentence highlighted; 相关段落 when refused."""
    if answer.error:
        return ""
    if answer.refused or not answer.citations:
        if not answer.hits:
            return ""
        items = "".join(_card(i, h.chunk, "", True, "相关段落") for i, h in enumerate(answer.hits[:3], 1))
        return f"<div><b>相关段落</b>（报告中没有直接回答，以下是最接近的内容）{items}</div>"
    return "".join(_card(c.n, c.chunk, c.highlight, c.verified) for c in answer.citations)


def _card(n: int, chunk, highlight: str, verified: bool, label: str = "") -> str:
    m = chunk.meta
    where = " · ".join(x for x in (
        html.escape(m.broker or ""), f"《{html.escape(m.title or chunk.file)}》", html.escape(m.date or ""),
        html.escape(chunk.section), f"第{chunk.page}页" if chunk.page else "", f"字符 {chunk.start}–{chunk.end}",
    ) if x)
    body = html.escape(chunk.text)
    if highlight:
        body = body.replace(html.escape(highlight), f"<mark>{html.escape(highlight)}</mark>", 1)
    flag = "" if verified else '<span class="yb-unverified">未核实</span>'
    tag = label or f"[{n}]"
    return (f'<details class="yb-card" open data-file="{html.escape(chunk.file)}"><summary>{tag} {where}{flag}</summary>'
            f'<div class="yb-meta">{html.escape(chunk.file)}</div><div style="white-space:pre-wrap">{body}</div></details>')


def md_escape(text: str) -> str:
    """Text shown as itself in a Markdown chat bubble: report text is untrusted (no images, links, HTML)."""
    return re.sub(r"([\\`*_\[\]()#!<>|~{}])", r"\\\1", text)


def render(answer: Answer) -> str:
    """The chat message for an answer: the rewritten question for follow-ups, then the text."""
    parts = []
    if answer.rewritten_question and answer.rewritten_question != answer.question.strip():
        parts.append(f"*理解为：{md_escape(answer.rewritten_question)}*\n\n")
    parts.append(md_escape(answer.text).replace("（未核实）", " **（未核实）**"))
    return "".join(parts)


def build(service: Service) -> gr.Blocks:
    """The Blocks app wired to `service`."""

    def filters_of(files, brokers, date_from, date_to) -> Filters:
        return Filters(files=tuple(files or ()), brokers=tuple(brokers or ()),
                       date_from=(date_from or "").strip() or None, date_to=(date_to or "").strip() or None)

    def respond(message, chat, convo, files, brokers, date_from, date_to, mode_label):
        chat = list(chat or [])
        convo = convo or Conversation([])
        message = (message or "").strip()
        if not message:
            yield chat, convo, gr.update(), ""
            return
        chat.append({"role": "user", "content": md_escape(message)})
        chain = service.current()  # read once: an upload or delete elsewhere may swap it meanwhile
        if chain is None:
            chat.append({"role": "assistant", "content": EMPTY_INDEX})
            yield chat, convo, "", ""
            return
        chat.append({"role": "assistant", "content": THINKING})
        yield chat, convo, "", ""
        try:
            mode = MODES.get(mode_label, "extractive")
            text = ""
            for piece in chain.stream(message, history=convo.questions,
                                              filters=filters_of(files, brokers, date_from, date_to), mode=mode):
                if isinstance(piece, str):
                    text += piece
                    chat[-1] = {"role": "assistant", "content": md_escape(text)}
                    yield chat, convo, "", ""
                else:
                    convo = Conversation(convo.questions + [piece.rewritten_question])
                    chat[-1] = {"role": "assistant", "content": render(piece)}
                    yield chat, convo, "", source_cards(piece)
        except YanbaoError as e:
            chat[-1] = {"role": "assistant", "content": f"⚠ {e}"}
            yield chat, convo, "", ""
        except Exception:  # never a stack trace in the page; the log has it
            log.exception("answering %r failed", message)
            chat[-1] = {"role": "assistant", "content": "⚠ 回答时出错，请稍后重试；详细信息见服务日志。"}
            yield chat, convo, "", ""

    def clear():
        return [], Conversation([]), ""

    def report_rows():
        counts = service.chain.retriever.index.chunk_counts() if service.chain else {}
        return [[m.file, m.broker or "-", m.date or "-", m.title or "-",
                 "、".join(a.name for a in m.analysts) or "-", counts.get(m.file, 0)] for m in service.reports()]

    def choices():
        files = [m.file for m in service.reports()]
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

    files, brokers = choices()
    with gr.Blocks(title="研报问答 yanbao") as app:
        gr.Markdown("## 研报问答 · yanbao\n基于已入库券商研报回答问题，每个数字都有可核对的出处；报告没有说的，会回答「报告中未提及」。")
        convo = gr.State(Conversation([]))
        with gr.Tab("问答"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(label="对话", height=480, buttons=["copy", "copy_all"], elem_id="chat",
                                         placeholder=EMPTY_INDEX if service.chain is None else "请输入问题，例如下方示例。")
                    with gr.Row():
                        box = gr.Textbox(placeholder="输入问题，回车发送", show_label=False, scale=5, elem_id="question")
                        send = gr.Button("发送", variant="primary", scale=1, elem_id="send")
                        clear_btn = gr.Button("清空对话", scale=1, elem_id="clear")
                    gr.Examples(EXAMPLES, inputs=box, label="示例问题")
                    sources = gr.HTML(elem_id="sources")
                with gr.Column(scale=1):
                    gr.Markdown("#### 筛选")
                    f_files = gr.Dropdown(files, multiselect=True, label="报告", elem_id="filter-reports")
                    f_brokers = gr.Dropdown(brokers, multiselect=True, label="券商", elem_id="filter-brokers")
                    f_from = gr.Textbox(label="起始日期", placeholder="2024-01-01")
                    f_to = gr.Textbox(label="截止日期", placeholder="2025-12-31")
                    modes = list(MODES) if service.llm_ready else list(MODES)[:1]
                    f_mode = gr.Radio(modes, value=modes[0], label="回答方式",
                                      info=None if service.llm_ready else "配置 YANBAO_LLM_BASE_URL 和 YANBAO_LLM_MODEL 后可用大模型")
        with gr.Tab("知识库"):
            gr.Markdown("上传研报（PDF/TXT/MD/DOCX，可多选）。新增或有变化的报告会被索引，未变的不会重复处理。")
            up = gr.File(file_count="multiple", file_types=list(ALLOWED_SUFFIXES), label="上传报告", elem_id="upload")
            up_btn = gr.Button("入库", variant="primary", elem_id="ingest")
            up_result = gr.Dataframe(headers=["文件", "结果", "说明"], label="入库结果", interactive=False, elem_id="ingest-result")
            table = gr.Dataframe(report_rows(), headers=["文件", "券商", "日期", "标题", "分析师", "块数"],
                                 label="已入库报告", interactive=False, elem_id="reports")
            with gr.Row():
                del_pick = gr.Dropdown(files, multiselect=True, label="选择要删除的报告", elem_id="delete-pick")
                del_btn = gr.Button("删除", variant="stop", elem_id="delete")
            del_msg = gr.Markdown(elem_id="delete-result")
            editor = meta_editor(files)

        inputs = [box, chatbot, convo, f_files, f_brokers, f_from, f_to, f_mode]
        outputs = [chatbot, convo, box, sources]
        box.submit(respond, inputs, outputs, api_visibility="private")
        send.click(respond, inputs, outputs, api_visibility="private")
        clear_btn.click(clear, None, [chatbot, convo, sources], api_visibility="private")
        refreshed = [table, f_files, f_brokers, del_pick]
        up_btn.click(upload, [up], [up_result, *refreshed], api_visibility="private")
        del_btn.click(delete, [del_pick], [del_msg, *refreshed], api_visibility="private")
        wire_meta_editor(service, editor, refresh, refreshed)
        gr.api(ask_api, api_name="ask")
    return app


def launch_options(settings, host: str = "127.0.0.1", port: int = 7860) -> dict:
    """Keyword arguments for Blocks.launch: no sharing link ever, login when YANBAO_AUTH is set,
    uploads limited to YANBAO_MAX_FILE_MB, errors as messages (no tracebacks in the page)."""
    return {
        "server_name": host, "server_port": port, "share": False, "show_error": False, "quiet": True,
        "auth": tuple(settings.auth.split(":", 1)) if settings.auth else None,
        "max_file_size": f"{settings.max_file_mb}mb", "css": CSS, "footer_links": ["api"],
    }


def serve(settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Start the web UI (blocking)."""
    service = Service(settings)
    app = build(service)
    app.queue(default_concurrency_limit=8, max_size=64)  # 8 questions answered at once
    log.info("yanbao UI on http://%s:%d (index %s)", host, port, settings.index_dir)
    app.launch(**launch_options(settings, host, port))
