"""The source viewer, answers with their own sources, export and feedback, in a real headless Chromium.

Writes test-artifacts/viewer-timings.json (click on a citation -> page image loaded, measured in
the browser) and screenshots (viewer-pdf.png, viewer-real-pdf.png, viewer-two-answers.png).
"""

from __future__ import annotations

import re

import json
import shutil

import pytest

from tests.conftest import REPORT_FILES, ROOT, run_cli
from tests.pdfgen import PDF_NAME, figure_rect, write_report_pdf
from tests.ui.test_app import ARTIFACTS, free_port
from yanbao.ui.app import PREFETCH_PAGES

REAL = ROOT.parent / "shared" / "real-reports" / "13_2025年三季报点评：内涵+外延双轮驱动，经营拐点已现.pdf"
PDF_QUESTION = "光子芯片Q7在2024年的出货量是多少？"
TEXT_QUESTION = "博通FY24Q3实现营业收入多少？"
TIMES: dict[str, list[float]] = {}


@pytest.fixture(scope="module")
def viewer_server(tmp_path_factory, real_index_dir, embedder, test_settings):
    """The app over the five reports, the generated PDF (ingested from its folder) and, where
    ../shared/real-reports is present, one real PDF report."""
    from yanbao.library import update
    from yanbao.ui.app import Service, build, launch_options

    base = tmp_path_factory.mktemp("viewer")
    index = base / "index"
    shutil.copytree(real_index_dir, index)
    folder = base / "pdf"
    folder.mkdir()
    pdf = write_report_pdf(folder / PDF_NAME)
    settings = test_settings.with_(index_dir=index)
    paths = [pdf] + ([REAL] if REAL.exists() else [])
    result = update(index, paths, settings, embedder)
    assert not result.skipped, result.skipped
    service = Service(settings, embedder)
    app = build(service)
    app.queue(default_concurrency_limit=8, max_size=64)
    port = free_port()
    app.launch(**launch_options(settings, "127.0.0.1", port), prevent_thread_lock=True)
    yield {"url": f"http://127.0.0.1:{port}/", "service": service, "pdf": pdf, "folder": folder, "index": index}
    app.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "viewer-timings.json").write_text(json.dumps(TIMES, ensure_ascii=False, indent=2), encoding="utf-8")


@pytest.fixture
def vpage(browser, viewer_server):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(viewer_server["url"])
    page.locator("#question textarea").wait_for()
    yield page
    page.close()


def ask(page, question: str):
    """Send a question and wait for its answer (the message ends with its times); the answer's message.

    Gradio ignores a click on 发送 while the previous answer's event is still finishing (its last
    update can reach the page just before the event ends), and the question then stays in the box:
    the click is repeated until the question shows in the chat."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    n = page.locator("#chat .yb-time").count()
    asked = page.locator("#chat .user-row").count()
    page.locator("#question textarea").fill(question)
    for attempt in range(5):
        page.locator("#send").click()
        try:
            page.wait_for_function(f"() => document.querySelectorAll('#chat .user-row').length > {asked}", timeout=3000)
            break
        except PlaywrightTimeout:
            assert attempt < 4, "the question never reached the chat"
    page.wait_for_function(f"() => document.querySelectorAll('#chat .yb-time').length > {n}", timeout=60000)
    return page.locator("#chat .bot-row").last


def click_to_image_ms(page, locator) -> float:
    """Click `locator` and return the milliseconds, measured in the browser, until a new page image
    has loaded in the viewer."""
    old = page.evaluate("() => { const i = document.querySelector('#yb-viewer img.yb-page-img');"
                        " return i ? i.src.length + ':' + i.src.slice(-64) : ''; }")
    ms = page.evaluate("""async ([el, old]) => {
        const t0 = performance.now();
        el.click();
        while (performance.now() - t0 < 20000) {
            const img = document.querySelector('#yb-viewer img.yb-page-img');
            if (img && img.complete && img.naturalWidth > 0 && img.src.length + ':' + img.src.slice(-64) !== old)
                return performance.now() - t0;
            await new Promise((r) => setTimeout(r, 5));
        }
        return -1;
    }""", [locator.element_handle(), old])
    assert ms > 0, "the page image did not appear within 20 s"
    return round(ms, 1)


def highlight_boxes(page) -> list[dict]:
    """Each highlight box in the viewer as fractions of the shown page image, with its kind."""
    return page.evaluate("""() => {
        const img = document.querySelector('#yb-viewer img.yb-page-img').getBoundingClientRect();
        return [...document.querySelectorAll('#yb-viewer .yb-hl')].map((e) => {
            const r = e.getBoundingClientRect();
            return {kind: e.dataset.kind, x0: (r.left - img.left) / img.width, y0: (r.top - img.top) / img.height,
                    x1: (r.right - img.left) / img.width, y1: (r.bottom - img.top) / img.height};
        });
    }""")


def mean_rgb(page, rect) -> list[float]:
    """Mean colour of the shown page image over `rect` (fractions of the page), read from its pixels."""
    return page.evaluate("""([x0, y0, x1, y1]) => {
        const img = document.querySelector('#yb-viewer img.yb-page-img');
        const c = document.createElement('canvas');
        c.width = img.naturalWidth; c.height = img.naturalHeight;
        const g = c.getContext('2d');
        g.drawImage(img, 0, 0);
        const X = Math.floor(x0 * c.width), Y = Math.floor(y0 * c.height);
        const d = g.getImageData(X, Y, Math.max(1, Math.floor(x1 * c.width) - X), Math.max(1, Math.floor(y1 * c.height) - Y)).data;
        const s = [0, 0, 0];
        for (let i = 0; i < d.length; i += 4) { s[0] += d[i]; s[1] += d[i + 1]; s[2] += d[i + 2]; }
        const n = d.length / 4;
        return s.map((v) => v / n);
    }""", list(rect))


def scroll_chat_to_top(page) -> None:
    """Scroll the chat back to its first message (whatever element of it scrolls)."""
    page.evaluate("""() => { for (const e of document.querySelectorAll('#chat *'))
        if (e.scrollHeight > e.clientHeight + 4 && getComputedStyle(e).overflowY !== 'visible') e.scrollTop = 0; }""")
    page.wait_for_timeout(200)


def intersects(a: dict, b) -> bool:
    return a["x0"] < b[2] and b[0] < a["x1"] and a["y0"] < b[3] and b[1] < a["y1"]


def test_pdf_citation_opens_its_page_with_the_passage_highlighted(vpage, viewer_server):
    answer = ask(vpage, PDF_QUESTION)
    assert "4567 万颗" in answer.inner_text()
    marker = answer.locator("a.yb-marker").first
    TIMES.setdefault("generated_pdf_click_to_image_ms", []).append(click_to_image_ms(vpage, marker))
    viewer = vpage.locator("#yb-viewer .yb-viewer")
    assert viewer.get_attribute("data-kind") == "pdf" and viewer.get_attribute("data-file") == PDF_NAME
    meta = vpage.locator("#yb-viewer .yb-vmeta").inner_text()
    assert re.search(r"测试证券 · 《光子芯片深度报告:Q7 ?量产在即》 · 2025-04-08", meta) and "第 1 / 2 页" in meta and "王测试" in meta
    figure = figure_rect(viewer_server["pdf"])
    boxes = highlight_boxes(vpage)
    assert any(b["kind"] == "sentence" and intersects(b, figure) for b in boxes)
    assert any(b["kind"] == "passage" and intersects(b, figure) for b in boxes)
    # the image itself has the highlight drawn in: warm colour over the figure, grey over the title line
    r, g, b = mean_rgb(vpage, figure)
    assert r - b > 40, (r, g, b)
    title = figure_rect(viewer_server["pdf"], "测试证券研究所")
    r, g, b = mean_rgb(vpage, title)
    assert abs(r - b) < 10, (r, g, b)
    ARTIFACTS.mkdir(exist_ok=True)
    vpage.screenshot(path=str(ARTIFACTS / "viewer-pdf.png"), full_page=True)

    # next page: the passage is not there; previous page: back with its highlights
    vpage.locator("#yb-next").click()
    vpage.wait_for_function("() => document.querySelector('#yb-viewer .yb-page')?.dataset.page === '2'")
    assert vpage.locator("#yb-viewer .yb-hl").count() == 0 and "第 2 / 2 页" in vpage.locator("#yb-viewer .yb-vmeta").inner_text()
    assert vpage.locator("#yb-next").is_disabled()
    vpage.locator("#yb-prev").click()
    vpage.wait_for_function("() => document.querySelector('#yb-viewer .yb-page')?.dataset.page === '1'")
    assert vpage.locator("#yb-viewer .yb-hl").count() == len(boxes)

    # the original downloads as it is
    link = vpage.locator("#yb-download")
    link.wait_for()
    with vpage.expect_download() as dl:
        link.click()
    assert open(dl.value.path(), "rb").read() == viewer_server["pdf"].read_bytes()


@pytest.mark.skipif(not REAL.exists(), reason="../shared/real-reports is not present")
def test_real_report_pdf_page_with_its_highlight(vpage, viewer_server):
    import pymupdf

    answer = ask(vpage, "2025年前三季度华润三九实现营业收入多少？")
    assert "219.9" in answer.inner_text()
    card = answer.locator(".yb-card").first
    assert REAL.name in card.locator(".yb-file").inner_text()
    TIMES.setdefault("real_pdf_click_to_image_ms", []).append(click_to_image_ms(vpage, card))
    page_no = int(vpage.locator("#yb-viewer .yb-page").get_attribute("data-page"))
    with pymupdf.open(str(REAL)) as doc:
        pg = doc[page_no - 1]
        w, h = pg.rect.width, pg.rect.height
        spots = [(r.x0 / w, r.y0 / h, r.x1 / w, r.y1 / h) for r in pg.search_for("219.9")]
    boxes = highlight_boxes(vpage)
    assert spots and any(b["kind"] == "sentence" and any(intersects(b, s) for s in spots) for b in boxes)
    vpage.screenshot(path=str(ARTIFACTS / "viewer-real-pdf.png"), full_page=True)
    # pages not rendered ahead: the next page, and a citation opened with prefetching off
    TIMES.setdefault("real_pdf_next_page_click_to_image_ms", []).append(click_to_image_ms(vpage, vpage.locator("#yb-next")))
    service = viewer_server["service"]
    service.prefetch_pages = 0
    try:
        answer = ask(vpage, "2025年前三季度华润三九期间费用率是多少？")
        assert "37.7%" in answer.inner_text()
        TIMES.setdefault("real_pdf_click_to_image_not_prefetched_ms", []).append(
            click_to_image_ms(vpage, answer.locator(".yb-card").first))
    finally:
        service.prefetch_pages = PREFETCH_PAGES


def test_text_report_shows_its_context_scrolled_to_the_sentence(vpage):
    answer = ask(vpage, TEXT_QUESTION)
    answer.locator(".yb-card").first.click()
    vpage.locator("#yb-viewer .yb-text mark.yb-sentence").wait_for()
    assert vpage.locator("#yb-viewer .yb-viewer").get_attribute("data-kind") == "text"
    assert "131 亿美元" in vpage.locator("#yb-viewer mark.yb-sentence").inner_text()
    assert "国金证券" in vpage.locator("#yb-viewer .yb-vmeta").inner_text()
    assert REPORT_FILES["000"] in vpage.locator("#yb-viewer .yb-vmeta .yb-file").inner_text()
    # the sentence is inside the visible part of the scrolled text box
    vpage.wait_for_timeout(300)
    inside = vpage.evaluate("""() => {
        const box = document.querySelector('#yb-viewer .yb-text').getBoundingClientRect();
        const m = document.querySelector('#yb-viewer mark.yb-sentence').getBoundingClientRect();
        return m.top >= box.top && m.bottom <= box.bottom;
    }""")
    assert inside
    assert vpage.locator("#yb-prev").is_disabled() and vpage.locator("#yb-next").is_disabled()


def test_an_earlier_answer_keeps_its_own_sources(vpage):
    first = ask(vpage, PDF_QUESTION)
    second = ask(vpage, TEXT_QUESTION)
    answers = vpage.locator("#chat .bot-row")
    assert answers.count() == 2
    scroll_chat_to_top(vpage)
    assert answers.first.locator(".yb-card").first.is_visible()
    own = [[c.locator(".yb-file").inner_text().split(" · ")[0] for c in a.locator(".yb-card").all()] for a in (answers.first, answers.last)]
    assert own[0] == [PDF_NAME] and own[1] and all(f == REPORT_FILES["000"] for f in own[1])
    assert "测试证券" in answers.first.locator(".yb-card .yb-label").first.inner_text()
    assert "国金证券" in answers.last.locator(".yb-card .yb-label").first.inner_text()
    # times under each answer
    assert all("首字" in a.locator(".yb-time").inner_text() and "共" in a.locator(".yb-time").inner_text()
               for a in (answers.first, answers.last))
    # the earlier answer's card still opens its own report, after the later answer
    TIMES.setdefault("earlier_answer_click_to_image_ms", []).append(
        click_to_image_ms(vpage, answers.first.locator(".yb-card").first))
    assert vpage.locator("#yb-viewer .yb-viewer").get_attribute("data-file") == PDF_NAME
    scroll_chat_to_top(vpage)
    vpage.screenshot(path=str(ARTIFACTS / "viewer-two-answers.png"), full_page=True)
    del first, second


def test_export_lists_every_citation(vpage):
    ask(vpage, PDF_QUESTION)
    ask(vpage, TEXT_QUESTION)
    vpage.locator("#export").click()
    link = vpage.locator("#export-file a").first
    link.wait_for()
    md = vpage.request.get(link.get_attribute("href")).text()
    assert md.count("## 问题") == 2 and PDF_QUESTION in md and TEXT_QUESTION in md
    assert re.search(r"1\. 测试证券，《光子芯片深度报告:Q7 ?量产在即》，2025-04-08，第1页", md)
    assert "> 测试证券认为,光子芯片 Q7 在 2024 年的出货量为 4567 万颗,同比增长 89%。" in md
    assert f"文件：{PDF_NAME}" in md and f"文件：{REPORT_FILES['000']}" in md and "国金证券" in md and "131 亿美元" in md


def test_thumbs_down_with_a_correction_becomes_gold_that_eval_accepts(vpage, viewer_server, tmp_path, model_cache):
    from yanbao.qa.feedback import FEEDBACK

    ask(vpage, TEXT_QUESTION)
    ask(vpage, PDF_QUESTION)
    vpage.locator("#chat button[aria-label='Dislike']").last.click()  # on the PDF answer
    vpage.locator("#fb-what").first.wait_for()
    assert PDF_QUESTION in vpage.locator("#fb-what").first.inner_text()
    vpage.locator("#fb-note textarea").fill("应只回答出货量")
    vpage.locator("#fb-correction textarea").fill("4567 万颗")
    vpage.locator("#fb-submit").click()
    vpage.wait_for_function("() => document.querySelector('#fb-status').innerText.includes('已保存')")
    stored = [json.loads(x) for x in (viewer_server["index"] / FEEDBACK).read_text(encoding="utf-8").splitlines()]
    mine = [x for x in stored if x["question"] == PDF_QUESTION and x["correction"] == "4567 万颗"]
    assert mine and mine[-1]["verdict"] == "down" and mine[-1]["note"] == "应只回答出货量"
    assert mine[-1]["citations"][0]["file"] == PDF_NAME and mine[-1]["citations"][0]["page"] == 1

    gold = tmp_path / "gold.jsonl"
    out = run_cli("feedback", "export", "--gold", str(gold), "--index", str(viewer_server["index"]))
    assert out.returncode == 0, out.stderr
    items = [json.loads(x) for x in gold.read_text(encoding="utf-8").splitlines()]
    item = next(i for i in items if i["question"] == PDF_QUESTION)
    assert item["accept"] == ["4567 万颗"] and item["sources"][0]["file"] == PDF_NAME
    scored = run_cli("eval", str(gold), "--reports", str(viewer_server["folder"]), "--index", str(tmp_path / "eval-index"),
                     "--json", env={"YANBAO_CACHE_DIR": str(model_cache)}, timeout=600)
    assert scored.returncode == 0, scored.stderr
    metrics = json.loads(scored.stdout)
    assert metrics["n_items"] == len(items) and metrics["answer_accuracy"] == 1.0


def test_source_api_through_gradio_client(viewer_server):
    from gradio_client import Client

    client = Client(viewer_server["url"], verbose=False)
    assert "/source" in client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    answer = client.predict(PDF_QUESTION, None, "extractive", api_name="/ask")
    c = answer["citations"][0]
    got = client.predict(c["file"], c["start"], c["end"], c["highlight"], 0, api_name="/source")
    assert got["kind"] == "pdf" and got["page"] == 1 and got["pages"] == 2
    assert open(got["image"], "rb").read(4) == b"\x89PNG" and got["original"] == str(viewer_server["pdf"].resolve())
    figure = figure_rect(viewer_server["pdf"])
    assert any(h["kind"] == "sentence" and intersects(h, figure) for h in got["highlights"])
    text = client.predict(TEXT_QUESTION, None, "extractive", api_name="/ask")["citations"][0]
    got = client.predict(text["file"], text["start"], text["end"], text["highlight"], 0, api_name="/source")
    assert got["kind"] == "text" and got["image"] is None and 'class="yb-sentence"' in got["html"] and "131 亿美元" in got["html"]
    assert "error" in client.predict("nope.pdf", 0, 10, "", 0, api_name="/source")


def test_llm_answers_stream_and_show_their_times(browser, tmp_path, real_index_dir, embedder, test_settings):
    import re

    from tests.openai_server import openai_server
    from yanbao.ui.app import Service, build, launch_options

    def reply(body):
        user = body["messages"][-1]["content"]
        n = next(int(m.group(1)) for m in re.finditer(r"\[(\d+)\] ", user) if "131 亿美元" in user[m.end():m.end() + 2000].split("\n\n[")[0])
        return f"国金证券认为，博通FY24Q3实现营业收入131亿美元，同比增长47%[{n}]。"

    with openai_server(reply=reply, chunk_delay_s=0.03) as fake:
        settings = test_settings.with_(index_dir=real_index_dir, llm_base_url=fake.base_url, llm_model="test-model",
                                       llm_api_key="sk-test")
        app = build(Service(settings, embedder))
        port = free_port()
        app.launch(**launch_options(settings, "127.0.0.1", port), prevent_thread_lock=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"http://127.0.0.1:{port}/")
            page.get_by_label("大模型（LLM）").check()
            page.locator("#question textarea").fill(TEXT_QUESTION)
            page.locator("#send").click()
            # streaming: part of the answer is on the page before the answer is done (no times yet)
            page.wait_for_function("""() => { const b = [...document.querySelectorAll('#chat .bot-row')].pop();
                return b && b.innerText.includes('国金证券') && !b.querySelector('.yb-time'); }""", timeout=60000)
            page.wait_for_function("() => document.querySelector('#chat .yb-time')", timeout=60000)
            answer = page.locator("#chat .bot-row").last
            assert "131亿美元" in answer.inner_text() and answer.locator(".yb-card").count() == 1
            times = re.fullmatch(r"首字 ([\d.]+) s · 共 ([\d.]+) s", answer.locator(".yb-time").inner_text().strip())
            first, total = float(times.group(1)), float(times.group(2))
            assert 0 < first < total  # about 15 pieces 30 ms apart come after the first
        finally:
            page.close()
            app.close()
