"""The 知识库 tab's metadata form, through the functions its events call (no browser)."""

from __future__ import annotations

import shutil

from tests.conftest import REPORT_FILES

F004 = REPORT_FILES["004"]


def test_the_form_shows_saves_and_refuses_a_bad_date(tmp_path, real_index_dir, embedder, test_settings):
    from yanbao.index.store import current_generation
    from yanbao.ui.app import META_FIELDS, Service, build, meta_form, save_meta

    index = tmp_path / "index"
    shutil.copytree(real_index_dir, index)
    service = Service(test_settings.with_(index_dir=index), embedder)
    app = build(service)  # the tab builds with the form in it
    assert {"meta-pick", "meta-save", *(f"meta-{n}" for n in META_FIELDS)} <= {
        getattr(b, "elem_id", None) for b in app.blocks.values()}

    form = meta_form(service, F004)
    assert form[:4] == ["从字节大会看算力产业的三个趋势", "东吴证券", "2024-12-24", "增持(维持)"]
    assert form[4] == "王紫敬 S0600521080005、王世杰 S0600523080004"
    assert meta_form(service, None) == [""] * 5
    assert save_meta(service, F004, *form) == "没有改动"
    assert save_meta(service, None, *form) == "请先选择报告"

    gen = current_generation(index)
    msg = save_meta(service, F004, form[0], form[1], "2024/12/24", form[3], form[4])
    assert msg.startswith("⚠") and "yyyy-mm-dd" in msg and current_generation(index) == gen

    msg = save_meta(service, F004, "字节大会与算力产业三趋势", "东吴证券", "2024-12-25", "", form[4])
    assert msg.startswith("已保存") and "标题" in msg and "日期" in msg and "评级" in msg and "券商" not in msg
    assert meta_form(service, F004)[:4] == ["字节大会与算力产业三趋势", "东吴证券", "2024-12-25", ""]
    answer = service.current().ask("豆包通用模型的日均tokens使用量是多少？")
    cited = {(c.chunk.meta.title, c.chunk.meta.date) for c in answer.citations if c.chunk.file == F004}
    assert cited == {("字节大会与算力产业三趋势", "2024-12-25")}


def test_the_form_in_the_browser_corrects_the_list_and_the_source_cards(browser, tmp_path, real_index_dir, embedder,
                                                                        test_settings):
    from tests.ui.test_app import ARTIFACTS, free_port
    from yanbao.ui.app import Service, build, launch_options

    index = tmp_path / "index"
    shutil.copytree(real_index_dir, index)
    settings = test_settings.with_(index_dir=index)
    app = build(Service(settings, embedder))
    port = free_port()
    app.launch(**launch_options(settings, "127.0.0.1", port), prevent_thread_lock=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"http://127.0.0.1:{port}/")
        page.locator("#question textarea").wait_for()
        page.get_by_role("tab", name="知识库").click()
        page.get_by_text("修改报告信息").click()
        pick = page.locator("#meta-pick input")
        pick.click()
        pick.fill("004")
        page.get_by_role("option", name=F004).click()
        page.wait_for_function("() => document.querySelector('#meta-broker textarea').value === '东吴证券'", timeout=60000)
        page.locator("#meta-broker textarea").fill("测试证券")
        page.locator("#meta-save").click()
        page.wait_for_function("() => document.querySelector('#meta-result').innerText.includes('已保存')", timeout=60000)
        assert "测试证券" in page.locator("#reports").inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "ui-meta-corrected.png"), full_page=True)
        page.get_by_role("tab", name="问答").click()
        page.locator("#question textarea").fill("豆包通用模型的日均tokens使用量是多少？")
        page.locator("#send").click()
        cards = page.locator("#chat .bot-row").last.locator(".yb-card")  # the answer's own sources, under it
        cards.first.wait_for(timeout=120000)
        assert "测试证券" in cards.first.inner_text()
    finally:
        page.close()
        app.close()
