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
