"""The QA chain the CLI, the UI and the eval all use: rewrite, retrieve, answer, check citations.

Retrieval is a LangChain retriever (`YanbaoRetriever`) invoked inside a LangChain runnable;
hits are turned into Documents only at that boundary and back into our Hits straight away.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import replace
from typing import Any, Iterator

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnableLambda, RunnablePassthrough
from pydantic import ConfigDict

from yanbao.errors import LLMError, SettingsError
from yanbao.qa import extractive
from yanbao.qa.cite import check, unchecked
from yanbao.qa.text import MARKER
from yanbao.qa import frame as frames
from yanbao.qa.followup import is_followup, rewrite
from yanbao.qa.query import allows, named_brokers, named_reports
from yanbao.qa.retrieve import Retriever
from yanbao.types import Answer, Filters, Hit

log = logging.getLogger(__name__)

# Calibrated on evalsets/dev.jsonl with `yanbao eval` (see README): below this share of the
# question's idf-weighted terms found in any retrieved sentence, the answer is 报告中未提及.
REFUSAL_THRESHOLD = 0.35
MODES = ("extractive", "llm")
MAX_QUESTION_CHARS = 1000
HALF_WIDTH = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF5B) if chr(c).isalnum()}  # ０-９Ａ-Ｚａ-ｚ only


def to_document(hit: Hit) -> Document:
    """A LangChain Document for a hit; metadata keeps what is needed to get the chunk back."""
    c = hit.chunk
    return Document(
        page_content=c.text,
        metadata={
            "chunk_id": c.id, "rank": hit.rank, "score": hit.score, "scores": hit.scores, "file": c.file,
            "title": c.meta.title, "broker": c.meta.broker, "date": c.meta.date, "section": c.section,
            "page": c.page, "start": c.start, "end": c.end,
        },
    )


def to_hit(doc: Document, retriever: Retriever) -> Hit:
    """The Hit a Document stands for, with the chunk taken from the index, not from the Document."""
    md = doc.metadata
    chunk = retriever.index.chunks[retriever.row_of[md["chunk_id"]]]
    return Hit(chunk=chunk, score=md["score"], rank=md["rank"], scores=dict(md.get("scores") or {}))


class YanbaoRetriever(BaseRetriever):
    """Hybrid BM25 + dense retrieval over a yanbao index, as a LangChain retriever."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    retriever: Any
    filters: Filters = Filters()
    k: int | None = None
    mode: str = "hybrid"
    timings: Any = None  # a dict filled with the milliseconds of each retrieval stage (Any: pydantic would copy a dict)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [to_document(h) for h in self.retriever.retrieve(query, self.filters, self.k, self.mode, timings=self.timings)]


def _unanswerable_input(question: str) -> str:
    """A polite reply for input that is not a question we can search for, else ""."""
    q = question.strip() if isinstance(question, str) else ""
    if not q:
        return "请输入一个问题，例如：博通FY24Q3实现营业收入多少？"
    if len(q) > MAX_QUESTION_CHARS:
        return f"问题太长（{len(q)} 字），请精简到 {MAX_QUESTION_CHARS} 字以内再问。"
    if not any(c.isalnum() for c in q):
        return "没有识别到问题内容，请用文字描述您想了解的内容。"
    return ""


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 1)


class QAChain:
    """Answers questions over one open index; `stream` yields text pieces, then the final Answer."""

    def __init__(self, retriever: Retriever, llm=None, threshold: float = REFUSAL_THRESHOLD):
        self.retriever = retriever
        self.llm = llm
        self.threshold = threshold

    @classmethod
    def open(cls, settings, embedder=None, llm=None) -> "QAChain":
        """A chain over the index at settings.index_dir, checked against the settings' model and chunking."""
        from yanbao.index.embed import Embedder
        from yanbao.index.store import BuildConfig, open_index
        from yanbao.qa import rerank
        from yanbao.qa.llm import LLM
        from yanbao.qa.retrieve import RetrievalConfig

        embedder = embedder or Embedder.from_settings(settings)
        index = open_index(settings.index_dir, BuildConfig.from_settings(settings, embedder), settings)
        if llm is None and settings.llm_base_url and settings.llm_model:
            llm = LLM.from_settings(settings)
        retriever = Retriever(index, embedder, RetrievalConfig.from_settings(settings), rerank.from_settings(settings))
        return cls(retriever, llm)

    def warm(self) -> None:
        """Load the model, jieba and the idf table now, so the first question is not the slow one."""
        self.retriever.retrieve("预热")

    def lc_retriever(self, filters: Filters = Filters(), k: int | None = None, mode: str = "hybrid",
                     timings: dict | None = None) -> YanbaoRetriever:
        """This chain's retrieval as a LangChain retriever with the given filters."""
        return YanbaoRetriever(retriever=self.retriever, filters=filters, k=k, mode=mode, timings=timings)

    def retrieval_chain(self, filters: Filters = Filters(), k: int | None = None, mode: str = "hybrid",
                        timings: dict | None = None):
        """LCEL: {"question"} -> {"question", "hits"}, through the LangChain retriever (which fills
        `timings` with its stages when given)."""
        lc = self.lc_retriever(filters, k, mode, timings)
        to_hits = RunnableLambda(lambda docs: [to_hit(d, self.retriever) for d in docs])
        return RunnablePassthrough.assign(hits=(lambda x: x["question"]) | lc | to_hits)

    def rewrite(self, question: str, history: list[str], mode: str) -> str:
        """The standalone form of a follow-up: LLM condensation in LLM mode, carry-over rules otherwise."""
        previous = history[-1] if history else ""
        if not previous or not is_followup(question):
            return question.strip()
        if mode == "llm" and self.llm is not None:
            try:
                return self.llm.condense(question, history)
            except LLMError as e:
                log.warning("follow-up condensation failed, using the rules: %s", e)
        return rewrite(question, previous, self.retriever.reports)

    def ask(self, question: str, **kwargs) -> Answer:
        """The final Answer (see `stream` for the arguments)."""
        result = None
        for result in self.stream(question, **kwargs):
            pass
        return result

    def stream(self, question: str, history: list[str] = (), filters: Filters = Filters(), mode: str = "extractive",
               k: int | None = None, retrieval: str = "hybrid") -> Iterator[str | Answer]:
        """Yield answer text pieces as they are written, then the checked Answer.

        `history` holds the previous standalone questions of the conversation (Answer.rewritten_question).
        """
        if mode not in MODES:
            raise SettingsError(f"answer mode must be one of {MODES}, got {mode!r}")
        if mode == "llm" and self.llm is None:
            raise SettingsError("LLM mode needs YANBAO_LLM_BASE_URL and YANBAO_LLM_MODEL; without them use extractive mode")
        t0 = time.perf_counter()
        polite = _unanswerable_input(question)
        if polite:
            yield polite
            yield Answer(question=question, text=polite, refused=True, rewritten_question=question.strip(), mode=mode,
                         timings_ms={"retrieve": 0.0, "answer": 0.0, "total": _ms(t0)})
            return
        # letters and digits typed full-width (２０２５, ＭＩ３５５Ｘ) read as in the NFKC-cleaned reports
        standalone = self.rewrite(question.translate(HALF_WIDTH), list(history), mode)
        stages: dict = {}
        hits = self.retrieval_chain(filters, k, retrieval, stages).invoke({"question": standalone})["hits"]
        t_retrieve = _ms(t0)
        t1 = time.perf_counter()
        focus = self._focus(standalone, hits)
        frame = self.frame(standalone, question, list(history))
        unknown = self.retriever.unknown_codes(standalone) + self.retriever.unknown_markets(standalone, hits)
        draft = extractive.answer(self.retriever.query(standalone), focus, self.threshold, unknown, frame)
        base = Answer(question=question, text="", hits=tuple(hits), rewritten_question=standalone, mode=mode,
                      evidence=round(draft.evidence, 4), frame=frame, coverage=draft.coverage)
        authors = self._authors(standalone, filters, hits)
        if authors is not None:
            text, passages = authors
            if not passages:
                text = extractive.refusal_text(hits)
                yield text
                answer = replace(base, text=text, refused=True, coverage="none")
            else:
                text, citations = check(text, passages)
                yield text
                answer = replace(base, text=text, citations=citations, evidence=1.0, coverage="full")
        elif not unknown and (computed := self._computed(standalone, frame, hits, filters, k)) is not None:
            passages, cdraft = computed
            text, citations = check(cdraft.text, passages, frame)
            yield text
            answer = replace(base, text=text, citations=citations, refused=False, coverage="full",
                             hits=tuple(hits))
        elif draft.refused:
            text, citations = check(draft.text, [h.chunk for h in focus], frame) if draft.used else (draft.text, ())
            yield text
            answer = replace(base, text=text, citations=citations, refused=True)
        elif mode == "extractive":
            text, citations = check(draft.text, [h.chunk for h in focus], frame)
            yield text
            answer = replace(base, text=text, citations=citations)
        else:
            answer = yield from self._llm_answer(base, standalone, hits, draft, frame)
        t_answer = _ms(t1)
        yield replace(answer, timings_ms={"retrieve": t_retrieve, "answer": t_answer, "total": _ms(t0), **stages})

    def frame(self, standalone: str, question: str, history: list[str]):
        """What the question asks (qa.frame); a follow-up keeps what the previous question asked
        and replaces only what it names itself."""
        frame = frames.parse(standalone, self.retriever.reports)
        if history and is_followup(question):
            frame = frames.with_followup(frame, frames.parse(history[-1], self.retriever.reports))
        return frame

    def _computed(self, question: str, frame, hits: list[Hit], filters: Filters, k: int | None):
        """(passages, draft) of a comparison or arithmetic answer (qa.compute), with each side's
        passages retrieved on their own (a broker's side from that broker's reports); or None."""
        from yanbao.qa import compute

        if not compute.wants(question, frame):
            return None
        pool = list(hits)
        brokers = set(named_brokers(question, self.retriever.reports))
        for side in frame.sides:
            try:
                side_filters = Filters(files=filters.files, brokers=(side,), date_from=filters.date_from,
                                       date_to=filters.date_to) if any(side in b for b in brokers) else filters
                pool += self.retriever.retrieve(question if side_filters is not filters else _side_query(question, side, frame),
                                                side_filters, k)
            except SettingsError:
                continue
        seen, merged = set(), []
        for h in pool:
            if h.chunk.id not in seen:
                seen.add(h.chunk.id)
                merged.append(replace(h, rank=len(merged) + 1))
        draft = compute.answer(self.retriever.query(question), merged, frame)
        return ([h.chunk for h in merged], draft) if draft is not None else None

    def _focus(self, question: str, hits: list[Hit]) -> list[Hit]:
        """The hits from the reports a question names ("东吴认为…"), when there are any; else all."""
        named = named_reports(question, self.retriever.reports)
        focused = [h for h in hits if h.chunk.file in named]
        return focused if focused else hits

    def _authors(self, question: str, filters: Filters, hits: list[Hit] = ()):
        """The answer to a question about a report itself (its analysts, rating, publisher, date, kind or listed
        risks), read off its metadata or its own cover and 风险提示, or None (see qa.meta)."""
        from yanbao.qa import meta

        allowed = None if filters.empty else {r.file for r in self.retriever.reports if allows(filters, r)}
        chunks_of = self.retriever.index.chunks.of_report
        found = meta.answer(question, self.retriever.reports, chunks_of, allowed)
        for answer in (meta.rating_answer, meta.type_answer, meta.risk_answer):
            if found is None:
                found = answer(question, self.retriever.reports, chunks_of, allowed)
        if found is None:
            described = hits[0].chunk.file if hits else None
            found = meta.published_answer(question, self.retriever.reports, chunks_of, allowed, described)
        return found

    def _llm_answer(self, base: Answer, question: str, hits: list[Hit], draft=None, frame=None):
        """The model's answer, streamed, then checked: its figures verified against what the passages
        state about the subject, its uncited claims given the citation of the passage that supports
        them. A reply that runs on or repeats itself is cut; one in another language yields the
        extractive answer (the reports' own words) instead; a reply of 报告中未提及 without citations is a refusal."""
        from yanbao.qa.llm import build_messages, runaway, without_copied_labels

        pieces = []
        try:
            for piece in self.llm.stream(build_messages(question, hits, frame)):
                pieces.append(piece)
                yield piece
                if runaway("".join(pieces)):
                    log.warning("LLM reply cut after %d characters: it ran on or repeated itself", sum(map(len, pieces)))
                    break
        except LLMError as e:
            return replace(base, text=f"⚠ {e}", error=str(e))
        raw = without_copied_labels(cut_repeats("".join(pieces)), hits).strip()
        if not raw:
            msg = f"LLM 服务 {self.llm.base_url} 返回了空回答。请检查 YANBAO_LLM_MODEL，或改用抽取式回答。"
            return replace(base, text=f"⚠ {msg}", error=msg)
        chunks = [h.chunk for h in hits]
        if (extractive.NOT_FOUND in raw[:40] or raw.startswith(extractive.NOT_GIVEN)) and not MARKER.search(raw):
            return self._fallback(base, draft, hits, frame, note="（模型回答报告中未提及；以下为报告原文中与问题对应的内容）")
        if not chinese(raw):
            log.warning("LLM reply is not in Chinese; answering from the passages instead")
            return self._fallback(base, draft, hits, frame, note="（模型未用中文作答，以下为报告原文摘录）")
        text, citations = check(raw, chunks, frame, attach=True)
        if unchecked(text):  # every claim unsupported: an answer that looks checked but is not is never shown
            log.warning("no claim of the LLM reply is stated in the passages; answering from the passages instead")
            return self._fallback(base, draft, hits, frame, note="（模型的回答未能在报告中核实，以下为报告原文中与问题对应的内容）")
        return replace(base, text=text, citations=citations)

    def _fallback(self, base: Answer, draft, hits: list[Hit], frame, note: str = "") -> Answer:
        """The extractive answer (or refusal) in place of an unusable model reply."""
        if draft is None:
            return replace(base, text=extractive.refusal_text(hits), refused=True, coverage="none")
        text, citations = check(draft.text, [h.chunk for h in hits], frame) if draft.used else (draft.text, ())
        return replace(base, text=(note + "\n" if note else "") + text, citations=citations, refused=draft.refused,
                       coverage=draft.coverage)


def _side_query(question: str, side: str, frame) -> str:
    """The question as asked of one side: the other subjects' names taken out (海光信息和寒武纪谁的营收更高 ->
    寒武纪's passages, not more of 海光's), the side's name added."""
    if side not in frame.subjects:
        return f"{question} {side}"
    for other in frame.subjects:
        if other != side:
            for name in sorted(frames.aliases(other) or (other,), key=len, reverse=True):
                question = question.replace(name, "")
    return f"{question} {side}"


def chinese(text: str) -> bool:
    """True when the text is written in Chinese: at least four Chinese characters, and no fewer
    than its Latin words (B30 的 FP32 算力为 44 TFLOPS is Chinese with technical terms)."""
    cjk = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    latin = len(re.findall(r"[A-Za-z]+", text))
    return cjk >= 4 and cjk >= latin


def cut_repeats(text: str) -> str:
    """The text with sentences it already said dropped (a small model loops)."""
    seen, out = set(), []
    for sentence in re.split(r"(?<=[。！？\n])", text):
        key = MARKER.sub("", sentence).strip()
        if key and key in seen:
            continue
        seen.add(key)
        out.append(sentence)
    return "".join(out)


def answer_to_json(answer: Answer) -> dict:
    """The documented JSON form of an answer (`yanbao ask --json`, the UI's `ask` API)."""
    def cite(c):
        m = c.chunk.meta
        return {
            "n": c.n, "file": c.chunk.file, "title": m.title, "broker": m.broker, "date": m.date,
            "section": c.chunk.section, "page": c.chunk.page, "start": c.chunk.start, "end": c.chunk.end,
            "text": c.chunk.text, "highlight": c.highlight, "verified": c.verified,
        }

    return {
        "question": answer.question,
        "rewritten_question": answer.rewritten_question,
        "frame": answer.frame.to_json() if answer.frame else None,
        "answer": answer.text,
        "refused": answer.refused,
        "coverage": answer.coverage,
        "citations": [cite(c) for c in answer.citations],
        "retrieved": [
            {"rank": h.rank, "chunk_id": h.chunk.id, "file": h.chunk.file, "score": h.score,
             "start": h.chunk.start, "end": h.chunk.end, "text": h.chunk.text}
            for h in answer.hits
        ],
        "timings_ms": answer.timings_ms,
        "mode": answer.mode,
        "error": answer.error or None,
    }
