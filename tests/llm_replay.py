"""A recording / replaying OpenAI-protocol proxy, for working on LLM mode without waiting on a model.

Development aid (not used by the test suite): a small model on two CPU cores takes ~30 s a reply,
so its replies are recorded once and replayed through the real chain, over real HTTP
(tests.openai_server), while the checks are changed.

    # record: forward what is not in the file to the real server, store the reply
    python -m tests.llm_replay var/llm-replies.jsonl --upstream http://127.0.0.1:8911/v1 --port 8912
    # replay: answer from the file only (a request not recorded gets HTTP 500)
    python -m tests.llm_replay var/llm-replies.jsonl --port 8912

then point yanbao at it: YANBAO_LLM_BASE_URL=http://127.0.0.1:8912/v1. Replies are keyed by the
request's messages (sha256 of their JSON), so a changed prompt or other retrieved passages miss.
One line per reply: {"key", "reply", "seconds", "messages"}; keep the file under var/ (not in git).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import threading
import time
import urllib.request
from pathlib import Path

from tests.openai_server import FakeOpenAIServer


def key_of(messages: list) -> str:
    """The recording key of a request: its messages, whatever else (stream, model) it sets."""
    return hashlib.sha256(json.dumps(messages, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def load(path: Path) -> dict[str, dict]:
    """key -> recorded line, from a recordings file (missing file: nothing recorded)."""
    out = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out[row["key"]] = row
    return out


def ask_upstream(base_url: str, body: dict, timeout_s: float = 600.0) -> str:
    """The upstream server's whole reply to the request (sent non-streaming)."""
    plain = {k: v for k, v in body.items() if k not in ("stream", "stream_options")}
    data = json.dumps(plain, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(f"{base_url.rstrip('/')}/chat/completions", data=data,
                                 headers={"Content-Type": "application/json", "Authorization": "Bearer x"})
    with urllib.request.urlopen(req, timeout=timeout_s) as r:
        return json.loads(r.read().decode("utf-8"))["choices"][0]["message"]["content"] or ""


def replier(path: Path, upstream: str | None):
    """The reply callable of the proxy: recorded reply, else (recording) upstream's, stored."""
    recorded = load(path)
    lock = threading.Lock()

    def reply(body: dict) -> str:
        key = key_of(body.get("messages") or [])
        if key in recorded:
            return recorded[key]["reply"]
        if upstream is None:
            raise KeyError(f"no recorded reply for this request in {path}: record it with --upstream")
        with lock:  # the upstream answers one request at a time
            t0 = time.perf_counter()
            text = ask_upstream(upstream, body)
            row = {"key": key, "reply": text, "seconds": round(time.perf_counter() - t0, 2),
                   "messages": body.get("messages")}
            recorded[key] = row
            with path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        return text

    return reply


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("recordings", type=Path)
    p.add_argument("--upstream", default=None, help="record: the real server's base URL (…/v1)")
    p.add_argument("--port", type=int, default=8912)
    args = p.parse_args(argv)
    args.recordings.parent.mkdir(parents=True, exist_ok=True)
    server = FakeOpenAIServer(replier(args.recordings, args.upstream), model="qwen")
    import tests.openai_server as osrv

    httpd = osrv._HTTPServer(("127.0.0.1", args.port), osrv._Handler)
    httpd.fake = server
    print(f"{'recording' if args.upstream else 'replaying'} {args.recordings} on http://127.0.0.1:{args.port}/v1",
          flush=True)
    httpd.serve_forever(poll_interval=0.1)


if __name__ == "__main__":
    main()
