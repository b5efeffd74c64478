"""The search index: dense (faiss, inner product over normalised MiniLM vectors) + lexical (BM25 over
spaCy-normalised tokens), persisted under var/index/ with a manifest, rebuilt when knowledge changes."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import bm25s
import faiss
import numpy as np

from bot import settings
from bot.core.text import sentences
from bot.knowledge import KnowledgeBase, Passage, build_passages, content_hash, load_knowledge
from bot.retrieval.embedder import Embedder, encode_cached, get_embedder
from bot.retrieval.normalize import Normalizer

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
PASSAGES = "passages.json"
DENSE = "dense.faiss"
LEXICAL = "bm25"
SENTENCE_VECTORS = "sentences.npy"
HEADING_VECTORS = "headings.npy"


class IndexUnavailable(RuntimeError):
    """The index on disk is missing or unreadable."""


def make_dense_index(vectors: np.ndarray, approximate: Optional[bool] = None) -> faiss.Index:
    """Exact inner-product index for small corpora, HNSW above settings.APPROX_INDEX_THRESHOLD."""
    n, dim = vectors.shape
    if approximate is None:
        approximate = n >= settings.APPROX_INDEX_THRESHOLD
    index: faiss.Index
    if approximate:
        index = faiss.IndexHNSWFlat(dim, settings.HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = settings.HNSW_EF_SEARCH
    else:
        index = faiss.IndexFlatIP(dim)
    index.add(vectors)
    return index


def lexical_text(p: Passage) -> str:
    return f"{p.guide} {p.search_text}"


def make_lexical_index(token_lists: list[list[str]]) -> bm25s.BM25:
    bm25 = bm25s.BM25(k1=settings.BM25_K1, b=settings.BM25_B)
    bm25.index(token_lists, show_progress=False)
    return bm25


@dataclass(frozen=True)
class Sentence:
    """An answer unit: one sentence, or two consecutive sentences of one passage (span=2)."""

    passage: int  # index into SearchIndex.passages
    position: int  # 0-based position of the (first) sentence inside the passage
    text: str
    span: int = 1


@dataclass
class SearchIndex:
    passages: list[Passage]
    dense: faiss.Index
    lexical: bm25s.BM25
    vocabulary: list[str]
    manifest: dict
    sentences: list[Sentence]
    sentence_vectors: np.ndarray  # one normalised vector per sentence (answer selection)
    heading_vectors: np.ndarray  # one per passage: its heading or FAQ question (question-to-question match)

    @property
    def size(self) -> int:
        return len(self.passages)


def build_index(kb: KnowledgeBase, normalizer: Normalizer, embedder: Embedder, knowledge_hash: str) -> SearchIndex:
    started = time.perf_counter()
    passages = build_passages(kb)
    token_lists = [normalizer.tokens(lexical_text(p)) for p in passages]
    sentence_units = passage_sentences(passages)
    texts = [p.search_text for p in passages] + [u.text for u in sentence_units] + [p.section for p in passages]
    every = encode_cached(embedder, texts, settings.EMBEDDING_CACHE)
    n, m = len(passages), len(sentence_units)
    vectors, sentence_vectors, heading_vectors = every[:n], every[n : n + m], every[n + m :]
    dense = make_dense_index(vectors)
    lexical = make_lexical_index(token_lists)
    vocabulary = sorted({t for toks in token_lists for t in toks})
    manifest = {
        "fingerprint": fingerprint(knowledge_hash),
        "model": settings.EMBEDDING_MODEL_NAME,
        "knowledge_hash": knowledge_hash,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "passages": len(passages),
        "guides": len(kb.guides),
        "dense_index": type(dense).__name__,
        "build_seconds": round(time.perf_counter() - started, 3),
    }
    return SearchIndex(
        passages, dense, lexical, vocabulary, manifest, sentence_units, sentence_vectors, heading_vectors
    )


ANSWER_KINDS = ("section", "faq", "hub_faq", "glossary", "counter")


def passage_sentences(passages: list[Passage]) -> list[Sentence]:
    """The sentences an answer can be made of (summaries are the hub's teasers, not answers)."""
    units: list[Sentence] = []
    for i, p in enumerate(passages):
        if p.kind not in ANSWER_KINDS:
            continue
        parts = sentences(p.text)
        units += [Sentence(i, j, text) for j, text in enumerate(parts)]
        units += [Sentence(i, j, f"{parts[j]} {parts[j + 1]}", 2) for j in range(len(parts) - 1)]
    return units


def save_index(index: SearchIndex, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / ".tmp"
    tmp.mkdir(exist_ok=True)
    faiss.write_index(index.dense, str(tmp / DENSE))
    index.lexical.save(str(tmp / LEXICAL))
    (tmp / PASSAGES).write_text(
        json.dumps(
            {
                "passages": [dataclasses.asdict(p) for p in index.passages],
                "vocabulary": index.vocabulary,
                "sentences": [dataclasses.asdict(u) for u in index.sentences],
            }
        ),
        encoding="utf-8",
    )
    np.save(tmp / SENTENCE_VECTORS, index.sentence_vectors)
    np.save(tmp / HEADING_VECTORS, index.heading_vectors)
    (tmp / MANIFEST).write_text(json.dumps(index.manifest, indent=2), encoding="utf-8")
    # Move the manifest last: a half-written index never looks valid.
    for name in (DENSE, PASSAGES, SENTENCE_VECTORS, HEADING_VECTORS):
        (tmp / name).replace(directory / name)
    lexical_dir = directory / LEXICAL
    if lexical_dir.exists():
        for f in lexical_dir.iterdir():
            f.unlink()
        lexical_dir.rmdir()
    (tmp / LEXICAL).replace(lexical_dir)
    (tmp / MANIFEST).replace(directory / MANIFEST)
    tmp.rmdir()


def read_manifest(directory: Path) -> Optional[dict]:
    try:
        return json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def load_index(directory: Path) -> SearchIndex:
    manifest = read_manifest(directory)
    if manifest is None:
        raise IndexUnavailable(f"no readable index manifest in {directory}")
    try:
        data = json.loads((directory / PASSAGES).read_text(encoding="utf-8"))
        passages = [Passage(**p) for p in data["passages"]]
        dense = faiss.read_index(str(directory / DENSE))
        lexical = bm25s.BM25.load(str(directory / LEXICAL))
        sentence_units = [Sentence(**u) for u in data["sentences"]]
        sentence_vectors = np.load(directory / SENTENCE_VECTORS)
        heading_vectors = np.load(directory / HEADING_VECTORS)
    except Exception as exc:  # corrupt or partial files: the caller rebuilds
        raise IndexUnavailable(f"index in {directory} is unreadable: {exc}") from exc
    if dense.ntotal != len(passages):
        raise IndexUnavailable(
            f"index in {directory} is inconsistent: {dense.ntotal} vectors, {len(passages)} passages"
        )
    if len(sentence_vectors) != len(sentence_units) or len(heading_vectors) != len(passages):
        raise IndexUnavailable(f"index in {directory} is inconsistent: sentence or heading vectors missing")
    return SearchIndex(
        passages, dense, lexical, data["vocabulary"], manifest, sentence_units, sentence_vectors, heading_vectors
    )


# Everything that shapes the index: its code (passages, tokenisation, index building) and settings.
_INDEX_CODE = (
    "knowledge/models.py",
    "knowledge/passages.py",
    "retrieval/normalize.py",
    "retrieval/embedder.py",
    "retrieval/index.py",
    "core/text.py",
)
_INDEX_SETTINGS = (
    "EMBEDDING_MODEL_NAME",
    "SPACY_LANG",
    "APPROX_INDEX_THRESHOLD",
    "HNSW_M",
    "HNSW_EF_SEARCH",
    "BM25_K1",
    "BM25_B",
    "TYPO_KNOWN_WORD_LOGPROB",
)


def fingerprint(knowledge_hash: str) -> str:
    """Hash of the knowledge content, the code that turns it into an index and the index settings:
    any change to one of them rebuilds the index (no hand-bumped format number)."""
    digest = hashlib.sha256(knowledge_hash.encode())
    package = Path(__file__).resolve().parent.parent
    for name in _INDEX_CODE:
        digest.update(name.encode())
        digest.update((package / name).read_bytes())
    for name in _INDEX_SETTINGS:
        digest.update(f"{name}={getattr(settings, name)!r}".encode())
    return digest.hexdigest()


def is_current(manifest: Optional[dict], knowledge_hash: str) -> bool:
    return bool(manifest and manifest.get("fingerprint") == fingerprint(knowledge_hash))


def ensure_index(
    kb: Optional[KnowledgeBase] = None,
    knowledge_dir: Optional[Path] = None,
    index_dir: Optional[Path] = None,
    force: bool = False,
) -> tuple[KnowledgeBase, SearchIndex, bool]:
    """Load the index, rebuilding it when knowledge changed or the files are missing/corrupt.

    Returns (knowledge, index, rebuilt)."""
    knowledge_dir = Path(knowledge_dir or settings.KNOWLEDGE_DIR)
    index_dir = Path(index_dir or settings.INDEX_DIR)
    kb = kb or load_knowledge(knowledge_dir)
    digest = content_hash(knowledge_dir)
    if not force and is_current(read_manifest(index_dir), digest):
        try:
            return kb, load_index(index_dir), False
        except IndexUnavailable as exc:
            log.warning("%s; rebuilding", exc)
    normalizer = Normalizer(kb.glossary)
    embedder = get_embedder()
    with embedder.every_core():
        index = build_index(kb, normalizer, embedder, digest)
    save_index(index, index_dir)
    log.info("built search index: %s passages in %.2fs", index.size, index.manifest["build_seconds"])
    return kb, index, True
