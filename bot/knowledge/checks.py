"""Cross-file checks of the knowledge base, one function per rule group. Each returns its problems,
one line each, naming the file and what to fix."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from bot.knowledge.models import CounterTable, FaqEntry, GlossaryTerm, Guide, Hub, Overview, Passage, url_problem


@dataclass
class Parts:
    """What the loader could read (a part that failed to load is reported by the loader)."""

    hub: Hub
    guides: list[Guide]
    glossary: list[GlossaryTerm]
    counters: Optional[CounterTable]
    faq: list[FaqEntry]
    overview: Optional[Overview] = None
    attempted: frozenset[str] = field(default_factory=frozenset)  # titles of guide files that failed to load

    @property
    def hub_titles(self) -> set[str]:
        return {g.title for g in self.hub.guides}

    def guide(self, title: str) -> Optional[Guide]:
        return next((g for g in self.guides if g.title == title), None)


def check_guides_match_hub(parts: Parts) -> list[str]:
    problems: list[str] = []
    hub_by_title = {g.title: g for g in parts.hub.guides}
    titles = {g.title for g in parts.guides}
    for guide in parts.guides:
        expected = hub_by_title.get(guide.title)
        if expected is None:
            close = [t for t in hub_by_title if t.lower() == guide.title.lower()]
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(f"{guide.slug}.md: title '{guide.title}' is not a hub guide title{hint}")
            continue
        for name in ("topic", "label", "summary"):
            if getattr(guide, name) != getattr(expected, name):
                problems.append(f"{guide.slug}.md: {name} differs from hub.yml")
        for rel in guide.related:
            if rel not in hub_by_title:
                problems.append(f"{guide.slug}.md: unknown related title '{rel}'")
            elif rel == guide.title:
                problems.append(f"{guide.slug}.md: related lists the guide itself")
    for title in hub_by_title:
        if title not in titles and title not in parts.attempted:  # a file that failed to load is reported above
            problems.append(f"hub guide missing from knowledge/guides: '{title}'")
    if len(titles) != len(parts.guides):
        problems.append("two guide files have the same title")
    return problems


def check_glossary(parts: Parts) -> list[str]:
    problems: list[str] = []
    for term in parts.glossary:
        if not term.guides:
            problems.append(f"glossary.yml: term '{term.term}' points to no guide")
        for title in term.guides:
            if title not in parts.hub_titles:
                problems.append(f"glossary.yml: term '{term.term}' points to unknown guide '{title}'")
    forms: dict[str, str] = {}
    for term in parts.glossary:
        for form in term.surface_forms:
            key = form.lower().strip()
            if key in forms and forms[key] != term.term:
                problems.append(f"glossary.yml: '{form}' is listed under both '{forms[key]}' and '{term.term}'")
            forms.setdefault(key, term.term)
    names = {term.term for term in parts.glossary}
    for term in parts.glossary:
        for other in term.not_to_confuse_with:
            if other not in names or other == term.term:
                problems.append(f"glossary.yml: term '{term.term}': not_to_confuse_with names no other term '{other}'")
    return problems


def check_counters(parts: Parts) -> list[str]:
    counters = parts.counters
    if counters is None:
        return []
    problems: list[str] = []
    if counters.guide not in parts.hub_titles:
        problems.append(f"counters.yml: guide '{counters.guide}' is not a hub guide")
    ids = [n.id for n in counters.needs]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"counters.yml: need id '{dup}' used twice")
    for need in counters.needs:
        answers = [need.answer] if need.answer else list((need.by_act or {}).values())
        for answer in answers:
            if answer and answer.counter not in counters.counters:
                problems.append(f"counters.yml: need '{need.id}' uses unknown counter '{answer.counter}'")
    for key, counter in counters.counters.items():
        problem = url_problem(counter.url)
        if problem:
            problems.append(f"counters.yml: counter '{key}': {problem}")
    return problems


def check_faq(parts: Parts) -> list[str]:
    return [
        f"faq.yml: '{entry.q}' points to unknown guide '{entry.guide}'"
        for entry in parts.faq
        if entry.guide not in parts.hub_titles
    ]


def check_sources_cited_by_guide(parts: Parts) -> list[str]:
    """A glossary term or hub FAQ answer is shown with its guide's title: that guide must list its source,
    so the citation "Source: <guide> — <url>" is one the guide itself stands behind."""
    problems: list[str] = []
    cited = [(f"glossary.yml: term '{t.term}'", t.guides[0], t.source_url) for t in parts.glossary if t.guides]
    cited += [(f"faq.yml: '{e.q}'", e.guide, e.source_url) for e in parts.faq]
    if parts.overview is not None:
        steps = parts.overview.steps + parts.overview.steps_2013
        cited += [(f"overview.yml: step '{s.text[:40]}…'", s.guide, s.source_url) for s in steps]
    for where, title, url in cited:
        guide = parts.guide(title)
        if guide is not None and url not in {s.url for s in guide.sources}:
            problems.append(f"{where} cites {url}, which its guide '{title}' does not list in its sources")
    return problems


def check_overview(parts: Parts) -> list[str]:
    if parts.overview is None:
        return []
    steps = parts.overview.steps + parts.overview.steps_2013
    return [
        f"overview.yml: step '{s.text[:40]}…' points to unknown guide '{s.guide}'"
        for s in steps
        if s.guide not in parts.hub_titles
    ]


RULE_GROUPS = (
    check_guides_match_hub,
    check_glossary,
    check_counters,
    check_faq,
    check_overview,
    check_sources_cited_by_guide,
)


def cross_checks(parts: Parts) -> list[str]:
    return [problem for check in RULE_GROUPS for problem in check(parts)]


def duplicate_passages(passages: list[Passage]) -> list[str]:
    seen: dict[str, str] = {}
    problems = []
    for p in passages:
        if p.kind not in ("section", "faq", "hub_faq"):
            continue
        key = re.sub(r"\W+", " ", p.text.lower()).strip()
        if key in seen:
            problems.append(f"duplicate passage: '{p.id}' repeats '{seen[key]}'")
        else:
            seen[key] = p.id
    return problems
