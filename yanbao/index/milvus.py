"""Milvus as the dense store (YANBAO_VECTOR_STORE=milvus): chunks, their metadata and vectors in
one collection, for libraries shared by a team on a Milvus server or cluster.

The same code talks to Milvus Lite (YANBAO_MILVUS_URI a file path; the default is milvus.db in
the index directory) and to a server (http://host:19530). The index directory keeps what it
keeps with FAISS except dense.faiss: the manifest (reports, settings), chunks.jsonl (the row
order) and the BM25 files (see the README for why BM25 stays beside the collection).

    field          type                 what
    id             VARCHAR primary key  the chunk id (content-addressed: file, text, occurrence)
    vector         FLOAT_VECTOR         the passage embedding (unit length, inner product)
    file_key       VARCHAR(16)          hash of the file name    } what metadata filters test, so no
    broker_key     VARCHAR(16)          hash of the short broker } file name is ever quoted in one
    date           VARCHAR(10)          yyyy-mm-dd or ""
    file, broker, title, section, page, boilerplate, text: the chunk, readable by other tools

Writes go before the generation swap (upsert of new chunk ids) and after it (deletion of ids no
longer live); a journal file in the index directory lists both sets until they are done, so a
crash in between leaves rows that the next ingest or removal deletes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from yanbao.errors import IndexMismatchError, SettingsError, YanbaoError
from yanbao.progress import progress
from yanbao.qa.query import Filters, broker_short
from yanbao.types import Chunk

log = logging.getLogger(__name__)

LITE_FILE = "milvus.db"
JOURNAL = "milvus-pending.json"
BATCH = 1000
HNSW = {"M": 32, "efConstruction": 80}  # the FAISS HNSW parameters (store.HNSW_*)
EF_SEARCH = 160
TEXT_BYTES = 65_535  # Milvus' VARCHAR limit; a chunk's text is cut to it (the full text is in chunks.jsonl)
_SERVER = ("http://", "https://", "tcp://", "grpc://", "unix:")


class MilvusError(YanbaoError):
    """Milvus could not be reached, opened or written; the message names the URI and the fix."""


@dataclass(frozen=True)
class MilvusTarget:
    """Where a collection lives. `uri` is a server address or a Milvus Lite file path."""

    uri: str
    collection: str
    token: str = field(default="", repr=False)

    @property
    def lite(self) -> bool:
        return not self.uri.startswith(_SERVER)

    @property
    def place(self) -> tuple[str, str]:
        """(where, collection), a Lite path resolved: equal places are the same collection."""
        return (str(Path(self.uri).resolve()) if self.lite else self.uri.rstrip("/"), self.collection)

    def entry(self, root: Path) -> dict:
        """What the manifest records: a Lite file inside the index directory relative to it, so
        the directory can move; never the token."""
        uri = self.uri
        if self.lite:
            try:
                uri = str(Path(uri).resolve().relative_to(Path(root).resolve()))
            except ValueError:
                pass
        return {"type": "milvus", "metric": "inner_product", "normalized": True, "uri": uri,
                "collection": self.collection, "index": {"type": "HNSW", **HNSW, "ef": EF_SEARCH}}


def target_from_settings(settings, root: Path) -> MilvusTarget:
    uri = settings.milvus_uri or str(Path(root) / LITE_FILE)
    return MilvusTarget(uri, settings.milvus_collection, settings.milvus_token)


def target_from_manifest(entry: dict, root: Path, settings=None) -> MilvusTarget:
    """The collection an index was built on; a URI or token in the settings wins (a UI on
    another machine reaches the same server under another address)."""
    uri = (settings.milvus_uri if settings is not None else "") or entry["uri"]
    if not uri.startswith(_SERVER) and not Path(uri).is_absolute():
        uri = str(Path(root) / uri)
    return MilvusTarget(uri, entry["collection"], settings.milvus_token if settings is not None else "")


# --------------------------------------------------------------------------- pure helpers

def key(value: str) -> str:
    """The 16-hex-digit key a filter compares: hex needs no quoting in a Milvus expression."""
    return hashlib.blake2b(value.encode("utf-8"), digest_size=8).hexdigest()


def filter_expr(filters: Filters) -> str:
    """Filters as a Milvus boolean expression ("" for none); same meaning as Filters.allows."""
    parts = []
    if filters.files:
        parts.append("file_key in [" + ", ".join(f'"{key(f)}"' for f in filters.files) + "]")
    if filters.brokers:
        parts.append("broker_key in [" + ", ".join(f'"{key(broker_short(b))}"' for b in filters.brokers) + "]")
    if filters.date_from or filters.date_to:
        parts.append('date != ""')  # a report without a date fails a date filter
        if filters.date_from:
            parts.append(f'date >= "{filters.date_from}"')  # Filters checked the yyyy-mm-dd shape
        if filters.date_to:
            parts.append(f'date <= "{filters.date_to}"')
    return " and ".join(parts)


def rows(chunks: list[Chunk], vectors: np.ndarray) -> list[dict]:
    """Collection rows for chunks and their vectors."""
    out = []
    for c, v in zip(chunks, vectors):
        m = c.meta
        out.append({
            "id": c.id, "vector": np.asarray(v, dtype=np.float32).tolist(),
            "file_key": key(c.file), "broker_key": key(broker_short(m.broker)) if m.broker else "",
            "date": m.date or "", "file": c.file, "broker": m.broker or "", "title": m.title or "",
            "section": c.section, "page": c.page or 0, "boilerplate": c.boilerplate,
            "text": _cut_utf8(c.index_text, TEXT_BYTES),
        })
    return out


def _cut_utf8(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


# --------------------------------------------------------------------------- the client

_clients: dict[tuple[str, str], object] = {}


def client(target: MilvusTarget):
    """One MilvusClient per URI per process (a Milvus Lite file admits one process at a time)."""
    cache_key = (target.uri, target.token)
    if cache_key in _clients:
        return _clients[cache_key]
    try:
        from pymilvus import MilvusClient
    except ImportError as e:
        raise SettingsError("YANBAO_VECTOR_STORE=milvus needs pymilvus and milvus-lite: pip install 'yanbao[milvus]'") from e
    if target.lite:
        Path(target.uri).parent.mkdir(parents=True, exist_ok=True)
        # it logs a traceback when the file is locked; the error below says what to do instead
        logging.getLogger("milvus_lite.server_manager").setLevel(logging.CRITICAL)
    try:
        cl = MilvusClient(uri=target.uri, token=target.token) if target.token else MilvusClient(uri=target.uri)
    except Exception as e:  # pymilvus raises its own exception types, with the cause in the text
        if target.lite:
            raise MilvusError(
                f"cannot open the Milvus Lite file {target.uri} ({e}). Milvus Lite admits one process per file: "
                "stop the other yanbao using it (a web UI, an ingest), or point YANBAO_MILVUS_URI at a Milvus server"
            ) from e
        raise MilvusError(f"cannot reach Milvus at {target.uri} ({e}); check YANBAO_MILVUS_URI and YANBAO_MILVUS_TOKEN") from e
    _clients[cache_key] = cl
    return cl


def close(target: MilvusTarget) -> None:
    """Let go of a URI (a Milvus Lite file becomes free for another process); reopened on next use."""
    cl = _clients.pop((target.uri, target.token), None)
    if cl is not None:
        cl.close()
    if target.lite:  # Milvus Lite serves the file from a thread of this process until released
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(target.uri)


def create(target: MilvusTarget, dim: int, replace: bool = False) -> None:
    """Make the collection when missing (with `replace`, drop it first); refuse one of another dimension."""
    from pymilvus import DataType

    cl = client(target)
    name = target.collection
    if cl.has_collection(name):
        if replace:
            cl.drop_collection(name)
        else:
            have = dimension(target)
            if have != dim:
                raise IndexMismatchError(
                    f"Milvus collection {name} at {target.uri} holds {have}-dimensional vectors, the model makes {dim}: "
                    "rebuild with 'yanbao ingest ... --rebuild' or set YANBAO_MILVUS_COLLECTION to a new name"
                )
            cl.load_collection(name)
            return
    schema = cl.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=128)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    for f, n in (("file_key", 16), ("broker_key", 16), ("date", 10)):
        schema.add_field(f, DataType.VARCHAR, max_length=n)
    for f, n in (("file", 1024), ("broker", 256), ("title", 1024), ("section", 2048)):
        schema.add_field(f, DataType.VARCHAR, max_length=n)
    schema.add_field("page", DataType.INT32)
    schema.add_field("boilerplate", DataType.BOOL)
    schema.add_field("text", DataType.VARCHAR, max_length=TEXT_BYTES)
    params = cl.prepare_index_params()
    params.add_index("vector", index_type="HNSW", metric_type="IP", params=dict(HNSW))
    cl.create_collection(name, schema=schema, consistency_level="Strong")
    # sync=False: waiting for the index asks for a timestamp Milvus Lite does not serve (it logs
    # an error); an index on an empty collection is ready at once, and load waits for it anyway
    cl.create_index(name, params, sync=False)
    cl.load_collection(name)


def dimension(target: MilvusTarget) -> int:
    desc = client(target).describe_collection(target.collection)
    return next(int(f["params"]["dim"]) for f in desc["fields"] if f["name"] == "vector")


def exists(target: MilvusTarget) -> bool:
    return client(target).has_collection(target.collection)


def upsert(target: MilvusTarget, chunks: list[Chunk], vectors: np.ndarray) -> None:
    cl = client(target)
    starts = range(0, len(chunks), BATCH)
    for s in progress(starts, desc="Milvus upsert", unit="batch") if len(starts) > 1 else starts:
        cl.upsert(target.collection, rows(chunks[s:s + BATCH], vectors[s:s + BATCH]))
    # seal the written segments so they are indexed (HNSW) instead of searched row by row:
    # measured on Milvus Lite, 100k vectors: 1,100 ms a query before, 220 ms after
    cl.flush(target.collection)


def delete(target: MilvusTarget, ids: list[str]) -> None:
    cl = client(target)
    for s in range(0, len(ids), BATCH):
        cl.delete(target.collection, ids=ids[s:s + BATCH])


def count(target: MilvusTarget) -> int:
    res = client(target).query(target.collection, filter="", output_fields=["count(*)"])
    return int(res[0]["count(*)"])


def search(target: MilvusTarget, vec: np.ndarray, k: int, expr: str = "") -> list[tuple[str, float]]:
    """(chunk id, cosine) of the k nearest chunks passing the filter expression."""
    res = client(target).search(
        target.collection, [np.asarray(vec, dtype=np.float32).ravel().tolist()], limit=k, filter=expr,
        anns_field="vector", search_params={"metric_type": "IP", "params": {"ef": max(EF_SEARCH, k)}}, output_fields=[],
    )
    return [(h["id"], float(h["distance"])) for h in res[0]]


def vectors_of(target: MilvusTarget, ids: list[str]) -> dict[str, np.ndarray]:
    """Stored vectors by chunk id (ids not in the collection are absent)."""
    cl = client(target)
    out: dict[str, np.ndarray] = {}
    for s in range(0, len(ids), BATCH):
        for row in cl.get(target.collection, ids=ids[s:s + BATCH], output_fields=["vector"]):
            out[row["id"]] = np.asarray(row["vector"], dtype=np.float32)
    return out


# --------------------------------------------------------------------------- the journal

def write_journal(root: Path, target: MilvusTarget, ids: set[str]) -> None:
    """Before a write: the ids that may be in the collection without being live once it stops."""
    path = Path(root) / JOURNAL
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"collection": target.collection, "ids": sorted(ids)}), encoding="utf-8")
    os.replace(tmp, path)


def clear_journal(root: Path) -> None:
    (Path(root) / JOURNAL).unlink(missing_ok=True)


def recover(root: Path, target: MilvusTarget, live_ids: set[str]) -> int:
    """Delete the rows a crashed write left behind (journal ids not live); returns how many."""
    path = Path(root) / JOURNAL
    if not path.exists():
        return 0
    try:
        journal = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        journal = {"collection": target.collection, "ids": []}
    stale = [i for i in journal.get("ids", []) if i not in live_ids]
    if stale and journal.get("collection") == target.collection and exists(target):
        log.warning("removing %d Milvus rows an interrupted write left in %s", len(stale), target.collection)
        delete(target, stale)
    clear_journal(root)
    return len(stale)
