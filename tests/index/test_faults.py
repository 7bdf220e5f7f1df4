"""Faults while the index changes: a killed ingest, questions asked during an ingest, bad uploads.
The model is not the point here: these run on the registered hash embedder (tests/fake_embed.py),
the killed `yanbao` children too (their scripts register it before the CLI runs)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading

from tests.conftest import REPORT_FILES, ROOT
from tests.fake_embed import FAKE_MODEL

QUESTION = "豆包通用模型的日均tokens使用量是多少？"


def small_index(tmp_path, reports_dir, embedder, settings, keys=("004",)):
    from yanbao.library import update

    update(settings.index_dir, [reports_dir / REPORT_FILES[k] for k in keys], settings, embedder)


def answer_text(settings, embedder) -> str:
    from yanbao.qa.chain import QAChain

    return QAChain.open(settings, embedder).ask(QUESTION).text


# Runs `yanbao` and SIGKILLs it at a given point of an ingest (no timing guesses: a fast machine
# would finish first): "embedding" as the first chunks are embedded, "writing" right after the new
# segment's chunk files are written.
KILL_INSIDE = """
import os, signal, sys
from tests.fake_embed import register
register()
import yanbao.index.embed, yanbao.index.store
def die(*args, **kw):
    os.kill(os.getpid(), signal.SIGKILL)
stage = sys.argv.pop(1)
if stage == "embedding":
    yanbao.index.embed.Embedder.embed_passages = die
else:
    write_chunks = yanbao.index.store.write_chunks
    yanbao.index.store.write_chunks = lambda *args, **kw: (write_chunks(*args, **kw), die())
from yanbao.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_ingest_killed_mid_way_leaves_the_old_index_answering(tmp_path, reports_dir, fake_embedder, fake_settings, model_cache):
    from yanbao.index.store import open_index
    from yanbao.library import update

    settings = fake_settings.with_(index_dir=tmp_path / "idx")
    small_index(tmp_path, reports_dir, fake_embedder, settings)
    before = answer_text(settings, fake_embedder)
    more = tmp_path / "more"
    more.mkdir()
    for k in ("000", "004"):
        shutil.copy(reports_dir / REPORT_FILES[k], more)
    env = {**os.environ, "YANBAO_CACHE_DIR": str(model_cache), "YANBAO_NO_PROGRESS": "1", "YANBAO_EMBED_MODEL": FAKE_MODEL}

    def run_and_kill(stage: str) -> None:
        proc = subprocess.run([sys.executable, "-c", KILL_INSIDE, stage, "ingest", str(more), "--index", str(settings.index_dir)],
                              env=env, cwd=ROOT, capture_output=True, timeout=300)
        assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()

    run_and_kill("embedding")  # killed while embedding the new chunks
    run_and_kill("writing")  # killed with the new segment's chunk files written, the rest not
    assert list(settings.index_dir.glob(".tmp-seg-*"))
    for _ in range(2):
        index = open_index(settings.index_dir)
        assert [r.file for r in index.reports()] == [REPORT_FILES["004"]]
        assert answer_text(settings, fake_embedder) == before
    result = update(settings.index_dir, [more], settings, fake_embedder)  # a re-run completes the work
    assert result.added == [REPORT_FILES["000"]] and result.unchanged == [REPORT_FILES["004"]]
    assert not list(settings.index_dir.glob(".tmp-*"))  # the crashed writers' leftovers are gone


KILL_AT_LEXICAL_SAVE = """
import os, signal, sys
from tests.fake_embed import register
register()
from pathlib import Path
import yanbao.index.lexical as lexical
real = lexical._save
def save(out_dir, *args, **kw):  # write the BM25 postings, cut one file in half, then die like a power cut
    real(out_dir, *args, **kw)
    victim = max((Path(out_dir) / lexical.DIR).iterdir(), key=lambda p: p.stat().st_size)
    with open(victim, "r+b") as f:
        f.truncate(victim.stat().st_size // 2)
    os.kill(os.getpid(), signal.SIGKILL)
lexical._save = save
from yanbao.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_ingest_killed_during_the_bm25_save_leaves_the_old_index_answering(tmp_path, reports_dir, fake_embedder, fake_settings, model_cache):
    from yanbao.index.store import open_index
    from yanbao.library import update

    settings = fake_settings.with_(index_dir=tmp_path / "idx")
    small_index(tmp_path, reports_dir, fake_embedder, settings)
    before = answer_text(settings, fake_embedder)
    env = {**os.environ, "YANBAO_CACHE_DIR": str(model_cache), "YANBAO_NO_PROGRESS": "1", "YANBAO_EMBED_MODEL": FAKE_MODEL}
    new = reports_dir / REPORT_FILES["000"]
    proc = subprocess.run([sys.executable, "-c", KILL_AT_LEXICAL_SAVE, "ingest", str(new), "--index", str(settings.index_dir)],
                          env=env, cwd=ROOT, capture_output=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    assert list(settings.index_dir.glob(".tmp-seg-*"))  # it died half-way through writing a segment
    assert [r.file for r in open_index(settings.index_dir).reports()] == [REPORT_FILES["004"]]
    assert answer_text(settings, fake_embedder) == before
    result = update(settings.index_dir, [new], settings, fake_embedder)  # a re-run completes the work
    assert result.added == [REPORT_FILES["000"]]
    assert not list(settings.index_dir.glob(".tmp-*"))


# SIGKILLs `yanbao compact` after the merged segment's chunk files are written ("copying"), or once
# the merged segment is renamed into place but before a manifest names it ("publishing").
KILL_COMPACT = """
import os, signal, sys
from tests.fake_embed import register
register()
import yanbao.index.store as store
def die(*args, **kw):
    os.kill(os.getpid(), signal.SIGKILL)
stage = sys.argv.pop(1)
if stage == "copying":
    copy_rows = store.copy_rows
    store.copy_rows = lambda *args, **kw: (copy_rows(*args, **kw), die())
else:
    store.publish_manifest = die
from yanbao.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_compaction_killed_mid_way_leaves_the_index_answering(tmp_path, reports_dir, fake_embedder, fake_settings, model_cache):
    from yanbao.index.store import compact, open_index
    from yanbao.library import remove, update

    settings = fake_settings.with_(index_dir=tmp_path / "idx")
    small_index(tmp_path, reports_dir, fake_embedder, settings, keys=("004", "001"))
    update(settings.index_dir, [reports_dir / REPORT_FILES["000"]], settings, fake_embedder)  # a second segment
    remove(settings.index_dir, [REPORT_FILES["001"]])  # and a tombstone
    before, files = answer_text(settings, fake_embedder), [r.file for r in open_index(settings.index_dir).reports()]
    assert len(open_index(settings.index_dir).segments) == 2
    env = {**os.environ, "YANBAO_CACHE_DIR": str(model_cache), "YANBAO_NO_PROGRESS": "1", "YANBAO_EMBED_MODEL": FAKE_MODEL}
    for stage in ("copying", "publishing"):
        proc = subprocess.run([sys.executable, "-c", KILL_COMPACT, stage, "compact", "--index", str(settings.index_dir)],
                              env=env, cwd=ROOT, capture_output=True, timeout=300)
        assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
        index = open_index(settings.index_dir)
        assert len(index.segments) == 2 and [r.file for r in index.reports()] == files
        assert answer_text(settings, fake_embedder) == before
    assert list(settings.index_dir.glob(".tmp-seg-*")) and len(list(settings.index_dir.glob("seg-*"))) == 3  # leftovers
    done = compact(settings.index_dir)  # a re-run completes the work and collects what the crashes left
    assert done.segments == 1 and [r.file for r in open_index(settings.index_dir).reports()] == files
    assert answer_text(settings, fake_embedder) == before
    assert not list(settings.index_dir.glob(".tmp-*")) and len(list(settings.index_dir.glob("seg-*"))) == 3  # new + previous two


def test_questions_during_an_ingest_see_old_or_new_never_half(tmp_path, reports_dir, fake_embedder, fake_settings):
    from yanbao.library import update
    from yanbao.ui.app import Service

    settings = fake_settings.with_(index_dir=tmp_path / "idx")
    small_index(tmp_path, reports_dir, fake_embedder, settings)
    service = Service(settings, fake_embedder)
    errors, seen = [], set()
    writer = threading.Thread(target=lambda: update(settings.index_dir, [reports_dir / REPORT_FILES["000"]], settings, fake_embedder))
    writer.start()
    while writer.is_alive():
        try:
            chain = service.current()
            answer = chain.ask(QUESTION)
            assert "4 万亿" in answer.text
            seen.add(len(chain.retriever.reports))
        except Exception as e:  # noqa: BLE001 - any error at all fails the test
            errors.append(repr(e))
    writer.join()
    assert not errors
    service.current()  # sees the new generation: it opens in the background, questions keep the old one
    service.live.wait(60)
    assert len(service.current().retriever.reports) == 2 and seen <= {1, 2}


def hostile_documents(d):
    """An encrypted, a truncated and a scanned (no text layer) PDF, and a zip bomb named .docx."""
    import zipfile

    import pymupdf

    from tests.ingest.test_load import make_pdf

    make_pdf(d / "locked.pdf", encrypt=True)
    good = make_pdf(d / "whole.pdf").read_bytes()
    (d / "whole.pdf").unlink()
    (d / "truncated.pdf").write_bytes(good[: len(good) // 3])
    doc = pymupdf.open()
    doc.new_page().draw_rect(pymupdf.Rect(50, 50, 200, 200), color=(0, 0, 0), fill=(0.5, 0.5, 0.5))
    doc.save(d / "scan.pdf")
    with zipfile.ZipFile(d / "bomb.docx", "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"0" * (210 * 1024 * 1024))
    return [d / "locked.pdf", d / "truncated.pdf", d / "scan.pdf", d / "bomb.docx"]


def test_hostile_uploads_get_a_message_each_and_good_ones_still_land(tmp_path, reports_dir, fake_embedder, fake_settings):
    from yanbao.index.store import open_index
    from yanbao.ui.app import Service

    settings = fake_settings.with_(index_dir=tmp_path / "idx")
    small_index(tmp_path, reports_dir, fake_embedder, settings)
    service = Service(settings, fake_embedder)
    up = tmp_path / "up"
    up.mkdir()
    files = {
        "empty.txt": b"",
        "binary.pdf": os.urandom(2048),
        "not-really.txt": b"\x00\x01\x02" * 500,
        "copy-of-004.txt": (reports_dir / REPORT_FILES["004"]).read_bytes(),  # same content, other name
        "tool.exe": b"MZ",
        ("长" * 80) + ".txt": "一份正常的测试报告。测试证券认为芯片出货量为 100 万颗。".encode(),
        "ctl\x07name.txt": "测试证券认为模组出货量为 200 万只。".encode(),
    }
    paths = []
    for name, data in files.items():
        p = up / name.replace("\x07", "_")
        p.write_bytes(data)
        paths.append(p)
    line = "测试证券认为芯片出货量为 100 万颗。\n".encode()
    (up / "huge.txt").write_bytes(line * (50 * 2**20 // len(line) + 1))  # 50 MB of text
    paths.append(up / "huge.txt")
    paths += hostile_documents(up)
    rows = service.add(paths)
    result = {r[0]: (r[1], r[2]) for r in rows}
    assert all(r[1] in ("新增", "跳过") for r in rows) and len(rows) == len(files) + 5
    assert result["huge.txt"][0] == "跳过" and "limit for one report" in result["huge.txt"][1]
    assert "encrypted PDF" in result["locked.pdf"][1] and "scanned PDF" in result["scan.pdf"][1]
    assert "zip bomb" in result["bomb.docx"][1] and result["truncated.pdf"][0] == "跳过"
    assert result["empty.txt"][0] == "跳过" and result["binary.pdf"][0] == "跳过"
    assert result["not-really.txt"][0] == "跳过" and result["tool.exe"][0] == "跳过"
    assert result["copy-of-004.txt"][0] == "跳过" and "duplicate" in result["copy-of-004.txt"][1]
    assert sum(r[1] == "新增" for r in rows) == 2  # the two good files landed
    names = {r.file for r in open_index(settings.index_dir).reports()}
    assert REPORT_FILES["004"] in names and len(names) == 3
    assert all(p.parent == service.uploads for p in service.uploads.iterdir())
