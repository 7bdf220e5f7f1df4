"""Fixtures for QA tests: a real local OpenAI-compatible HTTP server (see tests/openai_server.py)."""

from __future__ import annotations

import os

import pytest

from tests.openai_server import FakeOpenAIServer, down_base_url, openai_server


@pytest.fixture
def no_proxy_for_localhost(monkeypatch) -> None:
    """Keep an HTTP(S)_PROXY in the environment from routing 127.0.0.1 traffic through a proxy."""
    for var in ("NO_PROXY", "no_proxy"):
        current = os.environ.get(var, "")
        monkeypatch.setenv(var, ",".join(p for p in (current, "127.0.0.1", "localhost") if p))


@pytest.fixture
def fake_openai(no_proxy_for_localhost) -> FakeOpenAIServer:
    """A running fake OpenAI server with defaults; set .reply / .delay_s / .status etc. in the test."""
    with openai_server() as server:
        yield server


@pytest.fixture
def openai_down_url(no_proxy_for_localhost) -> str:
    """An OpenAI base_url (http://127.0.0.1:PORT/v1) where nothing listens."""
    return down_base_url()


@pytest.fixture(scope="session")
def chain(real_index_dir, embedder, test_settings):
    """The QA chain over the real index of the five reports, extractive (no LLM configured)."""
    from yanbao.qa.chain import QAChain

    return QAChain.open(test_settings.with_(index_dir=real_index_dir), embedder)
