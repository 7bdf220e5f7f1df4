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
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from yanbao.errors import IndexMismatchError, SettingsError, YanbaoError
from yanbao.ingest.brokers import broker_short
from yanbao.progress import progress
from yanbao.settings import MILVUS_SERVER_SCHEMES as _SERVER
from yanbao.types import Chunk, Filters

log = logging.getLogger(__name__)

LITE_FILE = "milvus.db"
JOURNAL = "milvus-pending.json"
BATCH = 1000
HNSW = {"M": 32, "efConstruction": 80}  # the FAISS HNSW parameters (store.HNSW_*)
EF_SEARCH = 160
TEXT_BYTES = 65_535  # Milvus' VARCHAR limit; a chunk's text is cut to it (the full text is in chunks.jsonl)


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
    """Filters as a Milvus boolean expression ("" for none); same meaning as qa.query.allows."""
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


TEXT_FIELDS = {"file": 1024, "broker": 256, "title": 1024, "section": 2048}  # bytes, cut to fit


def fields(c: Chunk) -> dict:
    """What the collection holds about a chunk besides its vector; a chunk whose fields changed
    (a new heading, date or broker on the same text) is written again."""
    m = c.meta
    return {
        "id": c.id, "file_key": key(c.file), "broker_key": key(broker_short(m.broker)) if m.broker else "",
        "date": m.date or "", "file": c.file, "broker": m.broker or "", "title": m.title or "",
        "section": c.section, "page": c.page or 0, "boilerplate": c.boilerplate, "text": c.index_text,
    }


def rows(chunks: list[Chunk], vectors: np.ndarray) -> list[dict]:
    """Collection rows for chunks and their vectors."""
    out = []
    for c, v in zip(chunks, vectors):
        row = fields(c)
        for name, limit in {**TEXT_FIELDS, "text": TEXT_BYTES}.items():
            row[name] = _cut_utf8(row[name], limit)
        out.append({**row, "vector": np.asarray(v, dtype=np.float32).tolist()})
    return out


def _cut_utf8(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


# --------------------------------------------------------------------------- the client

_clients: dict[tuple[str, str], object] = {}
_clients_lock = threading.Lock()  # the UI answers from several threads


def client(target: MilvusTarget):
    """One MilvusClient per URI per process (a Milvus Lite file admits one process at a time)."""
    with _clients_lock:
        return _client(target)


def _client(target: MilvusTarget):
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
                f"cannot open the Milvus Lite file {target.uri} ({e}). If another process has it open (Milvus Lite admits "
                "one process per file), stop that yanbao (a web UI, an ingest) or point YANBAO_MILVUS_URI at a Milvus server"
            ) from e
        raise MilvusError(f"cannot reach Milvus at {target.uri} ({e}); check YANBAO_MILVUS_URI and YANBAO_MILVUS_TOKEN") from e
    _clients[cache_key] = cl
    return cl


def close(target: MilvusTarget) -> None:
    """Let go of a URI (a Milvus Lite file becomes free for another process); reopened on next use."""
    with _clients_lock:
        cl = _clients.pop((target.uri, target.token), None)
    if cl is not None:
        cl.close()
    if target.lite:  # Milvus Lite serves the file from a thread of this process until released
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(target.uri)


def create(target: MilvusTarget, dim: int, owner: str, rebuild: bool = False) -> None:
    """Make the collection when missing, or check the one there: it must belong to the index
    `owner` (its uid; a collection without one is taken over) and hold `dim`-dimensional vectors.
    A rebuild drops its own collection when the dimension changed (nothing else can hold the new
    vectors); it never touches another index's collection."""
    from pymilvus import DataType

    cl = client(target)
    name = target.collection
    if cl.has_collection(name):
        have, belongs = dimension(target), owner_of(target)
        if belongs and belongs != owner:
            raise IndexMismatchError(
                f"Milvus collection {name} at {target.uri} belongs to another yanbao index (uid {belongs}); set "
                "YANBAO_MILVUS_COLLECTION to a name of its own for this index (or drop that collection if it is a leftover)"
            )
        if rebuild and have != dim:
            log.warning("dropping Milvus collection %s: it holds %d-dimensional vectors, the model makes %d", name, have, dim)
            cl.drop_collection(name)
        elif have != dim:
            raise IndexMismatchError(
                f"Milvus collection {name} at {target.uri} holds {have}-dimensional vectors, the model makes {dim}: "
                "rebuild with 'yanbao ingest ... --rebuild' or set YANBAO_MILVUS_COLLECTION to a new name"
            )
        else:
            if belongs != owner:
                cl.alter_collection_properties(name, {OWNER: owner})
            cl.load_collection(name)
            return
    schema = cl.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=128)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    for f, n in (("file_key", 16), ("broker_key", 16), ("date", 10)):
        schema.add_field(f, DataType.VARCHAR, max_length=n)
    for f, n in TEXT_FIELDS.items():
        schema.add_field(f, DataType.VARCHAR, max_length=n)
    schema.add_field("page", DataType.INT32)
    schema.add_field("boilerplate", DataType.BOOL)
    schema.add_field("text", DataType.VARCHAR, max_length=TEXT_BYTES)
    params = cl.prepare_index_params()
    params.add_index("vector", index_type="HNSW", metric_type="IP", params=dict(HNSW))
    cl.create_collection(name, schema=schema, consistency_level="Strong", properties={OWNER: owner})
    # sync=False: waiting for the index asks for a timestamp Milvus Lite does not serve (it logs
    # an error); an index on an empty collection is ready at once, and load waits for it anyway
    cl.create_index(name, params, sync=False)
    cl.load_collection(name)


OWNER = "yanbao.index"  # collection property: the uid of the index the collection serves


def owner_of(target: MilvusTarget) -> str:
    props = client(target).describe_collection(target.collection).get("properties") or {}
    return props.get(OWNER, "")


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


def stored_fields(target: MilvusTarget, ids: list[str]) -> dict[str, dict]:
    """The non-vector fields of these chunk ids as stored (ids not in the collection are absent)."""
    cl = client(target)
    names = ["id", "file_key", "broker_key", "date", "file", "broker", "title", "section", "page", "boilerplate", "text"]
    out: dict[str, dict] = {}
    for s in range(0, len(ids), BATCH):
        for row in cl.get(target.collection, ids=ids[s:s + BATCH], output_fields=names):
            out[row["id"]] = {n: row[n] for n in names}
    return out


META_FIELDS = ("broker_key", "broker", "title", "date")  # the report metadata each row repeats


def update_metadata(target: MilvusTarget, chunks: list[Chunk]) -> int:
    """Rewrite the rows of these chunks whose report metadata (broker, title, date) differs from
    the chunks', with the vectors stored in them (nothing is embedded); returns how many. The
    ids stay the same, so a crash midway leaves only live rows, some with the new metadata:
    running it again finishes the job."""
    if not chunks:
        return 0
    ids = [c.id for c in chunks]
    stored = stored_fields(target, ids)
    want = {c.id: {k: v for k, v in rows([c], [np.zeros(0)])[0].items() if k in META_FIELDS} for c in chunks}
    need = [c for c in chunks if c.id not in stored or {k: stored[c.id][k] for k in META_FIELDS} != want[c.id]]
    if not need:
        return 0
    vectors = vectors_of(target, [c.id for c in need])
    missing = [c.id for c in need if c.id not in vectors]
    if missing:
        raise IndexMismatchError(f"Milvus collection {target.collection} at {target.uri} lacks {len(missing)} chunks of "
                                 f"the index (first: {missing[0]}); rebuild it with 'yanbao ingest ... --rebuild'")
    upsert(target, need, np.stack([vectors[c.id] for c in need]))
    return len(need)


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
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"place": list(target.place), "ids": sorted(ids)}, f)
        f.flush()
        os.fsync(f.fileno())
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
    except ValueError as e:
        log.warning("unreadable %s (%s): rows an interrupted write left in Milvus, if any, stay", path, e)
        clear_journal(root)
        return 0
    if tuple(journal.get("place") or ()) != target.place:
        log.warning("%s is about Milvus collection %s, not this index's %s: its rows, if any, stay there",
                    path, journal.get("place"), list(target.place))
        clear_journal(root)
        return 0
    stale = [i for i in journal.get("ids", []) if i not in live_ids]
    if stale and exists(target):
        log.warning("removing %d Milvus rows an interrupted write left in %s", len(stale), target.collection)
        delete(target, stale)
    clear_journal(root)
    return len(stale)
