"""Channel-neutral replies: one compact message per answer (answer, source line, buttons). Every answer
cites its guide and the official URL of the passage it comes from; nothing is generated."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from bot import settings
from bot.core import messages
from bot.core.contract import ACT_2021, ACTS, Intent, payload
from bot.core.text import sentences
from bot.dialogue.selection import Selection
from bot.knowledge import CounterTable, GlossaryTerm, KnowledgeBase, Need, Overview, OverviewStep


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


def trim_sentences(text: str, limit: int = settings.ANSWER_MAX_SENTENCES) -> str:
    return " ".join(sentences(text)[:limit])


def citation(guide: str, url: str) -> str:
    return messages.SOURCE_LINE.format(guide=guide, url=url)


FEEDBACK_BUTTONS = [
    Button(messages.BUTTON_HELPFUL, payload(Intent.FEEDBACK_POSITIVE)),
    Button(messages.BUTTON_NOT_HELPFUL, payload(Intent.FEEDBACK_NEGATIVE)),
]


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
    return Button(title=title, payload=payload(Intent.OPEN_GUIDE, guide_ref=guide_ref(kb, title)))


def _related_buttons(
    kb: KnowledgeBase, main: str, others: list[str], limit: int = settings.RELATED_BUTTONS
) -> list[Button]:
    guide = kb.guide(main)
    candidates = [t for t in others if t != main] + (guide.related if guide else [])
    seen: list[str] = []
    for title in candidates:
        if title not in seen and title != main and kb.guide(title):
            seen.append(title)
    return [guide_button(kb, t) for t in seen[:limit]]


def practice_buttons(guide: Optional[str]) -> list[Button]:
    """Answers from a KNM guide offer the practice (the hub's main offer)."""
    return [Button(messages.BUTTON_KNM, payload(Intent.PRACTISE_KNM))] if guide and "KNM" in guide else []


_MISSING_NOTES = {"amount": messages.NO_AMOUNT, "number": messages.NO_NUMBER}


def compose_answer(kb: KnowledgeBase, selection: Selection, other_guides: list[str], dutch: bool = False) -> Reply:
    passage = selection.passage
    text = selection.text + (f" {messages.DUTCH_NOTE}" if dutch else "")
    if selection.missing:
        text = f"{_MISSING_NOTES[selection.missing]}\n\n{text}"
    body = f"{text}\n\n{citation(passage.guide, passage.source_url)}"
    practice = practice_buttons(passage.guide)  # takes the place of one related guide
    related = _related_buttons(kb, passage.guide, other_guides, settings.RELATED_BUTTONS - len(practice))
    buttons = FEEDBACK_BUTTONS + practice + related
    return Reply(text=body, buttons=buttons, guide=passage.guide, source_url=passage.source_url)


def compose_abstain(dutch: bool = False, asked: bool = True) -> Reply:
    """`asked`: the message asks something (else it only told something: no "I don't know the answer")."""
    buttons = [
        Button(messages.BUTTON_COUNTER, payload(Intent.ASK_COUNTER)),
        Button(messages.BUTTON_HELP, payload(Intent.HELP)),
    ]
    text = messages.ABSTAIN_DUTCH if dutch else messages.ABSTAIN if asked else messages.TOLD_NOT_ASKED
    return Reply(text=text, buttons=buttons, source_url=messages.OFFICIAL_SITE)


def compose_guide_overview(kb: KnowledgeBase, title: str) -> Reply:
    guide = kb.guide(title)
    if guide is None:
        return compose_abstain()
    first = guide.sections[0]
    url = first.source_url or guide.source_url
    text = f"{guide.title}\n{guide.summary}\n\n{trim_sentences(first.text)}\n\n{citation(guide.title, url)}"
    practice = practice_buttons(guide.title)
    buttons = practice + _related_buttons(kb, guide.title, [], settings.RELATED_BUTTONS - len(practice))
    return Reply(text=text, buttons=buttons, guide=guide.title, source_url=url)


def compose_term(kb: KnowledgeBase, term: GlossaryTerm) -> Reply:
    guide = term.guides[0]
    names = f" (also: {', '.join(term.synonyms[:3])})" if term.synonyms else ""
    text = f"{term.term}{names}: {term.meaning}\n\n{citation(guide, term.source_url)}"
    buttons = FEEDBACK_BUTTONS + practice_buttons(guide) + [guide_button(kb, t) for t in term.guides[:2]]
    return Reply(text=text, buttons=buttons, guide=guide, source_url=term.source_url)


def compose_not_under_act(kb: KnowledgeBase, term: GlossaryTerm, act: str) -> Reply:
    """A question about a term that exists only under the other act than the user's."""
    other = term.only_under_act or ""
    text = messages.NOT_UNDER_YOUR_ACT.format(term=term.term, other=other, act=act)
    guide = term.guides[0]
    buttons = FEEDBACK_BUTTONS + [guide_button(kb, t) for t in term.guides[:2]]
    return Reply(f"{text}\n\n{citation(guide, term.source_url)}", buttons, guide=guide, source_url=term.source_url)


def compose_counter_answer(table: CounterTable, need: Need, act: Optional[str]) -> Reply:
    act = act if act in ACTS else None
    answer = need.answer_for(act)
    counter = table.counters[answer.counter]
    act_part = messages.COUNTER_ACT_PART.format(act=act or ACT_2021) if need.depends_on_act else ""
    lines = [
        messages.COUNTER_ANSWER.format(need=need.title, act=act_part, counter=counter.name),
        answer.what,
    ]
    if need.act_note and not need.depends_on_act:
        lines.append(need.act_note)
    lines += ["", citation(table.guide, answer.url)]
    return Reply(text="\n".join(lines), buttons=list(FEEDBACK_BUTTONS), guide=table.guide, source_url=answer.url)


def compose_overview(kb: KnowledgeBase, overview: Overview, act: Optional[str]) -> Reply:
    steps = overview.steps_for(act)
    lines = [overview.intro_for(act)]
    lines += [f"{i}. {step.text}" for i, step in enumerate(steps, start=1)]
    lines += ["", *(citation(step.guide, step.source_url) for step in steps[:1])]
    lines.append(messages.OVERVIEW_MORE)
    buttons = [guide_button(kb, step.guide) for step in steps if kb.guide(step.guide)][:4]
    buttons.append(Button(messages.BUTTON_COUNTER, payload(Intent.ASK_COUNTER)))
    first = steps[0]
    return Reply(text="\n".join(lines), buttons=_unique(buttons), guide=first.guide, source_url=first.source_url)


def compose_step(kb: KnowledgeBase, steps: list[OverviewStep], index: int, after: str) -> Reply:
    """One step of the path ("ok and then after the PIP?" -> the step after the PIP), with its guide."""
    step = steps[index]
    lines = [messages.STEP_AFTER.format(thing=after, number=index + 1, total=len(steps)), step.text, ""]
    lines.append(citation(step.guide, step.source_url))
    buttons = [*FEEDBACK_BUTTONS, *([guide_button(kb, step.guide)] if kb.guide(step.guide) else [])]
    return Reply(text="\n".join(lines), buttons=buttons, guide=step.guide, source_url=step.source_url)


def _unique(buttons: list[Button]) -> list[Button]:
    seen: set[str] = set()
    out = []
    for button in buttons:
        if button.payload not in seen:
            seen.add(button.payload)
            out.append(button)
    return out
