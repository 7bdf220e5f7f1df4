"""The fake OpenAI server, exercised through the real langchain_openai.ChatOpenAI / openai clients."""

from __future__ import annotations

import time

import httpx
import openai
import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI

from tests.openai_server import DEFAULT_REPLY, openai_server

REPLY = "根据研报，2024年光伏组件出货量同比增长约35%，行业集中度继续提升。"
SYSTEM = "你是研报问答助手，只根据给定材料回答。"
QUESTION = "2024年光伏组件出货量增长多少？"


def make_llm(base_url: str, timeout: float = 5.0, **kwargs) -> ChatOpenAI:
    return ChatOpenAI(
        base_url=base_url, api_key="sk-test", model="test-model", max_retries=0, timeout=timeout, **kwargs
    )


def test_invoke_returns_reply_and_records_request(fake_openai):
    fake_openai.reply = lambda body: REPLY
    result = make_llm(fake_openai.base_url).invoke([SystemMessage(SYSTEM), HumanMessage(QUESTION)])

    assert result.content == REPLY
    assert result.response_metadata["finish_reason"] == "stop"
    assert result.usage_metadata["output_tokens"] > 0

    [req] = fake_openai.requests
    assert req["path"] == "/v1/chat/completions"
    assert req["headers"]["Authorization"] == "Bearer sk-test"
    assert req["headers"]["authorization"] == "Bearer sk-test"  # case-insensitive lookup
    body = req["body"]
    assert body["model"] == "test-model"
    assert not body.get("stream")
    assert body["messages"] == [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": QUESTION},
    ]


def test_default_reply_and_reply_sees_body(fake_openai):
    assert make_llm(fake_openai.base_url).invoke("hi").content == DEFAULT_REPLY
    fake_openai.reply = lambda body: "你问的是：" + body["messages"][-1]["content"]
    assert make_llm(fake_openai.base_url).invoke(QUESTION).content == "你问的是：" + QUESTION
    assert len(fake_openai.requests) == 2


def test_stream_yields_several_chunks_concatenating_to_reply(fake_openai):
    fake_openai.reply = lambda body: REPLY
    chunks = list(make_llm(fake_openai.base_url).stream([SystemMessage(SYSTEM), HumanMessage(QUESTION)]))

    texts = [c.content for c in chunks if c.content]
    assert len(texts) >= 5
    assert all(len(t) <= fake_openai.chunk_chars for t in texts)
    assert "".join(texts) == REPLY
    assert fake_openai.last_body["stream"] is True
    assert fake_openai.last_body["messages"][0] == {"role": "system", "content": SYSTEM}


def test_stream_with_usage_chunk(fake_openai):
    fake_openai.reply = lambda body: REPLY
    llm = make_llm(fake_openai.base_url, stream_usage=True)
    chunks = list(llm.stream(QUESTION))

    assert fake_openai.last_body["stream_options"] == {"include_usage": True}
    total = chunks[0]
    for c in chunks[1:]:
        total = total + c
    assert total.content == REPLY
    assert total.usage_metadata is not None
    assert total.usage_metadata["output_tokens"] == len(REPLY)


def test_raw_openai_client_stream_and_models(fake_openai):
    client = openai.OpenAI(base_url=fake_openai.base_url, api_key="sk-test", max_retries=0, timeout=5)
    assert [m.id for m in client.models.list()] == ["test-model"]

    fake_openai.reply = "纯字符串回答也可以"
    stream = client.chat.completions.create(
        model="test-model", messages=[{"role": "user", "content": "?"}], stream=True
    )
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "纯字符串回答也可以"


def test_raw_http_roundtrip():
    """Without any OpenAI SDK: a plain httpx client sees chunked SSE ending in [DONE]."""
    with openai_server(reply=lambda body: "你好世界") as server:
        with httpx.Client(timeout=5, trust_env=False) as http:
            r = http.post(
                server.base_url + "/chat/completions",
                json={"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": True},
            )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    events = [line for line in r.text.split("\n\n") if line]
    assert events[-1] == "data: [DONE]"
    assert all(e.startswith("data: ") for e in events)


@pytest.mark.parametrize(
    ("status", "exc_type"),
    [(500, openai.InternalServerError), (401, openai.AuthenticationError), (429, openai.RateLimitError)],
)
def test_error_status_raises_quickly(fake_openai, status, exc_type):
    fake_openai.status = status
    fake_openai.error_message = "模拟的错误"
    start = time.monotonic()
    with pytest.raises(exc_type) as info:
        make_llm(fake_openai.base_url).invoke(QUESTION)
    assert time.monotonic() - start < 2
    assert isinstance(info.value, openai.APIStatusError)
    assert info.value.status_code == status
    assert "模拟的错误" in str(info.value)
    assert info.value.body["message"] == "模拟的错误"  # the client unwraps {"error": {...}}
    assert len(fake_openai.requests) == 1  # max_retries=0: no retry


def test_error_status_while_streaming(fake_openai):
    fake_openai.status = 500
    with pytest.raises(openai.InternalServerError):
        list(make_llm(fake_openai.base_url).stream(QUESTION))


def test_delay_beyond_timeout_raises_timeout_and_teardown_is_fast():
    start = time.monotonic()
    with openai_server(reply=lambda body: REPLY, delay_s=3) as server:
        with pytest.raises(openai.APITimeoutError):
            make_llm(server.base_url, timeout=0.5).invoke(QUESTION)
        assert time.monotonic() - start < 2
        assert len(server.requests) == 1  # recorded on arrival, before the delay
    # leaving the block shut the server down while its handler was still sleeping
    assert time.monotonic() - start < 2.5
    assert issubclass(openai.APITimeoutError, openai.APIConnectionError)


def test_delay_within_timeout_still_answers():
    with openai_server(reply=lambda body: REPLY, delay_s=0.2) as server:
        assert make_llm(server.base_url, timeout=5).invoke(QUESTION).content == REPLY


def test_stream_chunk_delay_beyond_timeout():
    with openai_server(reply=lambda body: REPLY, chunk_delay_s=3) as server:
        start = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            list(make_llm(server.base_url, timeout=0.5).stream(QUESTION))
        assert time.monotonic() - start < 2


def test_endpoint_down_raises_connection_error(openai_down_url):
    start = time.monotonic()
    with pytest.raises(openai.APIConnectionError) as info:
        make_llm(openai_down_url).invoke(QUESTION)
    assert not isinstance(info.value, openai.APITimeoutError)
    assert time.monotonic() - start < 2


def test_server_is_gone_after_the_block():
    with openai_server() as server:
        url = server.base_url
    with pytest.raises(openai.APIConnectionError):
        make_llm(url, timeout=1).invoke(QUESTION)
