"""Retrieval passages built from the knowledge base, and the content hash of the knowledge folder."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from bot import settings
from bot.knowledge.models import KnowledgeBase, Passage


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def build_passages(kb: KnowledgeBase) -> list[Passage]:
    passages: list[Passage] = []
    for g in kb.guides:
        passages.append(
            Passage(
                f"{g.slug}#summary", g.title, "Summary", "summary", g.summary, f"{g.title} {g.summary}", g.source_url
            )
        )
        for s in g.sections:
            passages.append(
                Passage(
                    f"{g.slug}#{_slugify(s.heading)}",
                    g.title,
                    s.heading,
                    "section",
                    s.text,
                    f"{s.heading}. {s.text}",
                    s.source_url or g.source_url,
                )
            )
        for pair in g.faq:
            passages.append(
                Passage(
                    f"{g.slug}#faq-{_slugify(pair.question)}",
                    g.title,
                    pair.question,
                    "faq",
                    pair.answer,
                    f"{pair.question} {pair.answer}",
                    pair.source_url or g.source_url,
                )
            )
    for entry in kb.faq:
        passages.append(
            Passage(
                f"faq#{_slugify(entry.q)}",
                entry.guide,
                entry.q,
                "hub_faq",
                entry.a,
                f"{entry.q} {entry.a}",
                entry.source_url,
            )
        )
    for term in kb.glossary:
        names = ", ".join([term.term, *term.synonyms])
        passages.append(
            Passage(
                f"glossary#{_slugify(term.term)}",
                term.guides[0],
                f"Glossary: {term.term}",
                "glossary",
                f"{term.term}: {term.meaning}",
                f"What does {names} mean? {term.meaning}",
                term.source_url,
            )
        )
    table = kb.counters
    for need in table.needs:
        if need.answer:
            text = f"{need.title}: go to {table.counters[need.answer.counter].name}. {need.answer.what}"
            url = need.answer.url
        else:
            assert need.by_act is not None
            a21, a13 = need.by_act["2021"], need.by_act["2013"]
            text = (
                f"{need.title}: under the 2021 act, {table.counters[a21.counter].name}: {a21.what} "
                f"Under the 2013 act, {table.counters[a13.counter].name}: {a13.what}"
            )
            url = a21.url
        passages.append(
            Passage(
                f"counter#{need.id}",
                table.guide,
                f"Counter finder: {need.title}",
                "counter",
                text,
                f"{need.title}. {' '.join(need.examples)}. {text}",
                url,
            )
        )
    return passages


def content_hash(knowledge_dir: Path | None = None) -> str:
    root = Path(knowledge_dir or settings.KNOWLEDGE_DIR)
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in {".md", ".yml", ".yaml"}):
        if path.name == "README.md" and path.parent == root:
            continue
        if path.is_relative_to(root / "knm"):  # the practice bank is not searched: editing it rebuilds nothing
            continue
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
