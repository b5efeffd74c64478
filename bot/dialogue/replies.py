"""Compose channel-neutral replies: plain text + buttons. Every answer cites a guide and an
official URL; nothing is generated, only trimmed from the knowledge base."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Optional

from bot import settings
from bot.knowledge import CounterTable, GlossaryTerm, KnowledgeBase, Need
from bot.retrieval.search import SearchResult


@dataclass(frozen=True)
class Button:
    title: str
    payload: str

    def as_dict(self) -> dict:
        return {"title": self.title, "payload": self.payload}


@dataclass
class Reply:
    text: str
    buttons: list[Button] = field(default_factory=list)
    guide: Optional[str] = None
    source_url: Optional[str] = None

    def as_dict(self) -> dict:
        return {"text": self.text, "buttons": [b.as_dict() for b in self.buttons]}


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])")


def trim_sentences(text: str, limit: int = settings.ANSWER_MAX_SENTENCES) -> str:
    sentences = _SENTENCE_END.split(text.strip())
    return " ".join(sentences[:limit]).strip()


def citation(guide: str, url: str) -> str:
    return f"Source: {guide} — {url}"


def guide_ref(kb: KnowledgeBase, title: str) -> str:
    """Short stable id for a guide (g1..g25 in hub order): fits Telegram's 64-byte callback data."""
    for i, g in enumerate(kb.hub.guides, start=1):
        if g.title == title:
            return f"g{i}"
    raise KeyError(title)


def guide_from_ref(kb: KnowledgeBase, ref: str) -> Optional[str]:
    match = re.fullmatch(r"g(\d{1,3})", (ref or "").strip())
    if not match:
        return None
    i = int(match.group(1))
    return kb.hub.guides[i - 1].title if 1 <= i <= len(kb.hub.guides) else None


def guide_button(kb: KnowledgeBase, title: str) -> Button:
    payload = "/open_guide" + json.dumps({"guide_ref": guide_ref(kb, title)}, separators=(",", ":"))
    return Button(title=title, payload=payload)


def _related_buttons(kb: KnowledgeBase, main: str, others: list[str]) -> list[Button]:
    guide = kb.guide(main)
    candidates = [t for t in others if t != main] + (guide.related if guide else [])
    seen: list[str] = []
    for title in candidates:
        if title not in seen and title != main and kb.guide(title):
            seen.append(title)
    return [guide_button(kb, t) for t in seen[: settings.RELATED_BUTTONS]]


def compose_search_answer(kb: KnowledgeBase, result: SearchResult) -> Reply:
    if result.abstain or not result.hits:
        return compose_abstain(kb)
    best = result.hits[0].passage
    text = trim_sentences(best.text)
    if best.kind == "faq" or best.kind == "hub_faq":
        text = trim_sentences(best.text)
    body = f"{text}\n\n{citation(best.guide, best.source_url)}"
    return Reply(
        text=body,
        buttons=_related_buttons(kb, best.guide, [h.passage.guide for h in result.hits[1:]]),
        guide=best.guide,
        source_url=best.source_url,
    )


def compose_abstain(kb: KnowledgeBase) -> Reply:
    text = (
        "Sorry, I don't know the answer to that from the hub's guides, and I don't want to guess. "
        f"For official information, check {settings.FALLBACK_CONTACT_NAME}: {settings.FALLBACK_CONTACT_URL} "
        "or look in Mijn Inburgering and your PIP. I can help with integration routes, exams, "
        "which counter to go to (DUO, Mijn Inburgering or the municipality) and Dutch terms."
    )
    buttons = [
        Button("Which counter do I need?", "/ask_counter"),
        Button("What can you do?", "/help"),
    ]
    return Reply(text=text, buttons=buttons, source_url=settings.FALLBACK_CONTACT_URL)


def compose_guide_overview(kb: KnowledgeBase, title: str) -> Reply:
    guide = kb.guide(title)
    if guide is None:
        return compose_abstain(kb)
    first = guide.sections[0]
    text = f"{guide.title}\n{guide.summary}\n\n{trim_sentences(first.text)}\n\n{citation(guide.title, guide.source_url)}"
    return Reply(text=text, buttons=_related_buttons(kb, guide.title, []), guide=guide.title, source_url=guide.source_url)


def compose_term(kb: KnowledgeBase, term: GlossaryTerm) -> Reply:
    guide = term.guides[0]
    g = kb.guide(guide)
    names = f" (also: {', '.join(term.synonyms[:3])})" if term.synonyms else ""
    text = f"{term.term}{names}: {term.meaning}\n\n{citation(guide, g.source_url if g else term.source_url)}"
    if g and term.source_url != g.source_url:
        text += f"\nOfficial page: {term.source_url}"
    return Reply(text=text, buttons=[guide_button(kb, t) for t in term.guides[:2]], guide=guide, source_url=term.source_url)


def compose_counter_answer(table: CounterTable, need: Need, act: Optional[str], kb: KnowledgeBase) -> Reply:
    answer = need.answer_for(act)
    counter = table.counters[answer.counter]
    act_part = ""
    if need.depends_on_act:
        act_part = f" under the {act or '2021'} act"
    guide = kb.guide(table.guide)
    lines = [
        f"{need.title}{act_part}: go to {counter.name}.",
        answer.what,
        f"Official page: {answer.url}",
    ]
    if need.act_note and not need.depends_on_act:
        lines.append(need.act_note)
    lines.append("")
    lines.append(citation(table.guide, guide.source_url if guide else counter.url))
    return Reply(text="\n".join(lines), buttons=[], guide=table.guide, source_url=answer.url)
