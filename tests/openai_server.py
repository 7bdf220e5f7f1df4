"""A real local HTTP server speaking the OpenAI chat-completions protocol, for tests.

Stdlib only: a ``ThreadingHTTPServer`` on 127.0.0.1 (free port) served from a daemon thread.
Point any OpenAI-compatible client (``langchain_openai.ChatOpenAI``, ``openai.OpenAI``) at
``server.base_url`` and it gets genuine HTTP responses: JSON ``chat.completion`` objects, or
``text/event-stream`` ``chat.completion.chunk`` events (chunked transfer encoding) for
``"stream": true``.

Usage::

    from tests.openai_server import openai_server, down_base_url

    with openai_server(reply=lambda body: "答案") as server:
        llm = ChatOpenAI(base_url=server.base_url, api_key="sk-test", model="test-model", max_retries=0)
        assert llm.invoke("问题").content == "答案"
        assert server.requests[0]["headers"]["Authorization"] == "Bearer sk-test"

Failure modes are plain attributes that may be changed while the server runs:
``status`` (non-200 -> OpenAI-style error JSON), ``delay_s`` (sleep before answering,
interrupted on shutdown), ``chunk_delay_s`` (sleep between stream chunks).
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_MODEL = "test-model"
DEFAULT_REPLY = "这是测试服务器的固定回答。"

Reply = Callable[[dict], str]

# status -> (type, code) as the real API reports them
_ERROR_KINDS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    502: ("server_error", None),
    503: ("server_error", None),
}


class Headers(dict):
    """Request headers; lookups are case-insensitive (keys are stored lower-cased)."""

    def __init__(self, items: Mapping[str, str] | Any = ()) -> None:
        super().__init__((k.lower(), v) for k, v in dict(items).items())

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)


def _approx_tokens(text: str) -> int:
    return max(1, len(text)) if text else 0


def _prompt_tokens(body: dict) -> int:
    total = 0
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            total += _approx_tokens(content)
        elif isinstance(content, list):
            total += sum(
                _approx_tokens(part.get("text", ""))
                for part in content
                if isinstance(part, dict) and isinstance(part.get("text"), str)
            )
    return total


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # never join handler threads (one may sit in a delay)
    allow_reuse_address = True
    fake: FakeOpenAIServer

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001
        # A client that timed out / disconnected mid-answer is expected in tests: stay quiet.
        # Anything else is a bug in this module; surface it on stderr.
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeOpenAI/1.0"
    timeout = 30  # socket timeout for reading a request: a stuck client can't pin a thread forever
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    # ---- plumbing ---------------------------------------------------------------------------

    def _send_json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.send_header("x-request-id", f"req_{uuid.uuid4().hex[:16]}")
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        self.close_connection = True

    def _send_error(self, status: int, message: str | None = None) -> None:
        etype, code = _ERROR_KINDS.get(status, ("server_error" if status >= 500 else "invalid_request_error", None))
        if message is None:
            try:
                message = f"fake server error: {HTTPStatus(status).phrase}"
            except ValueError:
                message = f"fake server error: status {status}"
        self._send_json(status, {"error": {"message": message, "type": etype, "param": None, "code": code}})

    def _read_body(self) -> tuple[dict | None, str | None]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return {}, None
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return None, f"could not parse the JSON body of the request: {exc}"
        if not isinstance(body, dict):
            return None, "the request body must be a JSON object"
        return body, None

    def _delay_then_check(self) -> bool:
        """Sleep ``delay_s`` (interruptible by shutdown); False if the server is stopping."""
        fake = self.server.fake
        if fake.delay_s and fake.delay_s > 0:
            fake._stopping.wait(fake.delay_s)
        return not fake._stopping.is_set()

    # ---- routes -----------------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802
        fake = self.server.fake
        path = self.path.split("?", 1)[0].rstrip("/")
        fake._record(self.command, self.path, Headers(self.headers.items()), None)
        if not self._delay_then_check():
            return
        if fake.status != 200:
            self._send_error(fake.status, fake.error_message)
            return
        if path == "/v1/models":
            self._send_json(
                200,
                {
                    "object": "list",
                    "data": [
                        {"id": fake.model, "object": "model", "created": fake.created, "owned_by": "yanbao-tests"}
                    ],
                },
            )
        elif path.startswith("/v1/models/"):
            model = path[len("/v1/models/") :]
            if model != fake.model:
                self._send_error(404, f"The model `{model}` does not exist")
                return
            payload = {"id": model, "object": "model", "created": fake.created, "owned_by": "yanbao-tests"}
            self._send_json(200, payload)
        else:
            self._send_error(404, f"unknown path {self.path}")

    def do_POST(self) -> None:  # noqa: N802
        fake = self.server.fake
        path = self.path.split("?", 1)[0].rstrip("/")
        body, parse_error = self._read_body()
        fake._record(self.command, self.path, Headers(self.headers.items()), body)
        if not self._delay_then_check():
            return
        if fake.status != 200:
            self._send_error(fake.status, fake.error_message)
            return
        if path != "/v1/chat/completions":
            self._send_error(404, f"unknown path {self.path}")
            return
        if parse_error is not None or body is None:
            self._send_error(400, parse_error)
            return
        if not isinstance(body.get("messages"), list):
            self._send_error(400, "'messages' is a required property")
            return
        try:
            reply = fake.reply(body) if callable(fake.reply) else str(fake.reply)
        except Exception as exc:  # noqa: BLE001 - a broken reply callable becomes a 500
            self._send_error(500, f"reply callable raised {type(exc).__name__}: {exc}")
            return
        reply = "" if reply is None else str(reply)
        model = body.get("model") or fake.model
        completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        usage = {
            "prompt_tokens": _prompt_tokens(body),
            "completion_tokens": _approx_tokens(reply),
        }
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        if body.get("stream"):
            self._stream(completion_id, model, reply, usage, body)
        else:
            self._send_json(
                200,
                {
                    "id": completion_id,
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": model,
                    "system_fingerprint": None,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": reply, "refusal": None},
                            "logprobs": None,
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": usage,
                },
            )

    def _stream(self, completion_id: str, model: str, reply: str, usage: dict, body: dict) -> None:
        fake = self.server.fake
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        created = int(time.time())

        def chunk(delta: dict, finish_reason: str | None = None) -> dict:
            out: dict[str, Any] = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": None,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
            }
            if include_usage:
                out["usage"] = None  # the real API sends null usage on every chunk but the last
            return out

        events: list[dict] = [chunk({"role": "assistant", "content": "", "refusal": None})]
        n = max(1, int(fake.chunk_chars))
        events += [chunk({"content": reply[i : i + n]}) for i in range(0, len(reply), n)]
        events.append(chunk({}, "stop"))
        if include_usage:
            events.append(
                {
                    "id": completion_id,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "system_fingerprint": None,
                    "choices": [],
                    "usage": usage,
                }
            )

        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.send_header("x-request-id", f"req_{uuid.uuid4().hex[:16]}")
        self.end_headers()
        self.close_connection = True

        def write_chunk(data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode("ascii") + data + b"\r\n")
            self.wfile.flush()

        for i, event in enumerate(events):
            if i and fake.chunk_delay_s and fake.chunk_delay_s > 0:
                if fake._stopping.wait(fake.chunk_delay_s):
                    return
            write_chunk(f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode("utf-8"))
        write_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")  # end of the chunked body
        self.wfile.flush()


class FakeOpenAIServer:
    """The running server. All failure-mode attributes may be changed between requests."""

    def __init__(
        self,
        reply: Reply | str | None = None,
        *,
        delay_s: float = 0.0,
        status: int = 200,
        model: str = DEFAULT_MODEL,
        error_message: str | None = None,
        chunk_chars: int = 4,
        chunk_delay_s: float = 0.0,
    ) -> None:
        self.reply: Reply | str = reply if reply is not None else (lambda body: DEFAULT_REPLY)
        self.delay_s = delay_s
        self.status = status
        self.model = model
        self.error_message = error_message
        self.chunk_chars = chunk_chars
        self.chunk_delay_s = chunk_delay_s
        self.created = int(time.time())
        self._lock = threading.Lock()
        self._requests: list[dict] = []
        self._all: list[dict] = []
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- recording --------------------------------------------------------------------------

    def _record(self, method: str, path: str, headers: Headers, body: dict | None) -> None:
        entry = {"method": method, "path": path, "headers": headers, "body": body, "time": time.monotonic()}
        with self._lock:
            self._all.append(entry)
            if method == "POST" and path.split("?", 1)[0].rstrip("/") == "/v1/chat/completions":
                self._requests.append(entry)

    @property
    def requests(self) -> list[dict]:
        """Snapshot of the chat-completion requests received, oldest first.

        Each is ``{"method", "path", "headers" (case-insensitive), "body" (parsed JSON), "time"}``.
        Recorded on arrival, i.e. before ``delay_s`` — a timed-out request is still here.
        """
        with self._lock:
            return list(self._requests)

    @property
    def all_requests(self) -> list[dict]:
        """Every request received (any method / path), same shape as ``requests``."""
        with self._lock:
            return list(self._all)

    @property
    def last_body(self) -> dict:
        reqs = self.requests
        if not reqs:
            raise AssertionError("the fake OpenAI server received no chat-completion request")
        return reqs[-1]["body"]

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
            self._all.clear()

    # ---- lifecycle --------------------------------------------------------------------------

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """Root URL, e.g. ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What an OpenAI client takes as base_url: ``http://127.0.0.1:PORT/v1``."""
        return f"{self.url}/v1"

    def start(self) -> FakeOpenAIServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        httpd.fake = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-openai-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()  # wakes handlers sleeping in delay_s / chunk_delay_s
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def openai_server(reply: Reply | str | None = None, delay_s: float = 0.0, status: int = 200,
                  **options: Any) -> Iterator[FakeOpenAIServer]:
    """Run a fake OpenAI server for the duration of the ``with`` block; `options` are
    FakeOpenAIServer's keyword arguments (model, error_message, chunk_chars, chunk_delay_s)."""
    with FakeOpenAIServer(reply, delay_s=delay_s, status=status, **options) as server:
        yield server


def free_port() -> int:
    """A port that was free a moment ago (bound to port 0, noted, closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def down_base_url() -> str:
    """A base_url where nothing listens — for "endpoint down" tests (connection refused)."""
    return f"http://127.0.0.1:{free_port()}/v1"
