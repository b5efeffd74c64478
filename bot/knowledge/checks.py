"""Cross-file checks of the knowledge base, one function per rule group."""
from __future__ import annotations

import re
from typing import Optional

from bot.knowledge.models import CounterTable, FaqEntry, GlossaryTerm, Guide, Hub, Passage, url_problem


def _cross_checks(
    hub: Hub,
    guides: list[Guide],
    glossary: list[GlossaryTerm],
    counters: Optional[CounterTable],
    faq: list[FaqEntry],
    attempted: frozenset[str] = frozenset(),
) -> list[str]:
    problems: list[str] = []
    hub_by_title = {g.title: g for g in hub.guides}
    titles = {g.title for g in guides}
    for guide in guides:
        expected = hub_by_title.get(guide.title)
        if expected is None:
            close = [t for t in hub_by_title if t.lower() == guide.title.lower()]
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(f"{guide.slug}.md: title '{guide.title}' is not a hub guide title{hint}")
            continue
        for field in ("topic", "label", "summary"):
            if getattr(guide, field) != getattr(expected, field):
                problems.append(f"{guide.slug}.md: {field} differs from hub.yml")
        for rel in guide.related:
            if rel not in hub_by_title:
                problems.append(f"{guide.slug}.md: unknown related title '{rel}'")
            elif rel == guide.title:
                problems.append(f"{guide.slug}.md: related lists the guide itself")
    for title in hub_by_title:
        if title not in titles and title not in attempted:  # a file that failed to load is reported above
            problems.append(f"hub guide missing from knowledge/guides: '{title}'")
    if len(titles) != len(guides):
        problems.append("two guide files have the same title")
    for term in glossary:
        if not term.guides:
            problems.append(f"glossary.yml: term '{term.term}' points to no guide")
        for title in term.guides:
            if title not in hub_by_title:
                problems.append(f"glossary.yml: term '{term.term}' points to unknown guide '{title}'")
    forms: dict[str, str] = {}
    for term in glossary:
        for form in term.surface_forms:
            key = form.lower().strip()
            if key in forms and forms[key] != term.term:
                problems.append(f"glossary.yml: '{form}' is listed under both '{forms[key]}' and '{term.term}'")
            forms.setdefault(key, term.term)
    if counters is not None:
        if counters.guide not in hub_by_title:
            problems.append(f"counters.yml: guide '{counters.guide}' is not a hub guide")
        ids = [n.id for n in counters.needs]
        for dup in {i for i in ids if ids.count(i) > 1}:
            problems.append(f"counters.yml: need id '{dup}' used twice")
        for need in counters.needs:
            answers = [need.answer] if need.answer else list((need.by_act or {}).values())
            for answer in answers:
                if answer.counter not in counters.counters:
                    problems.append(f"counters.yml: need '{need.id}' uses unknown counter '{answer.counter}'")
        for key, counter in counters.counters.items():
            problem = url_problem(counter.url)
            if problem:
                problems.append(f"counters.yml: counter '{key}': {problem}")
    for entry in faq:
        if entry.guide not in hub_by_title:
            problems.append(f"faq.yml: '{entry.q}' points to unknown guide '{entry.guide}'")
    return problems


def _duplicate_passages(passages: list[Passage]) -> list[str]:
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


