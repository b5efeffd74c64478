"""Knowledge base models: what a guide, a glossary term, a counter row and a passage are."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Literal, Optional
from urllib.parse import urlparse

from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator, model_validator

from bot import settings


class KnowledgeError(Exception):
    """Raised by :func:`load_knowledge` with every problem found, one per line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def url_problem(url: str) -> Optional[str]:
    parsed = urlparse(url)
    if parsed.scheme != "https":
        return f"URL is not https: {url}"
    host = (parsed.hostname or "").lower()
    if not any(host == h or host.endswith("." + h) for h in settings.ALLOWED_SOURCE_HOSTS):
        return f"URL host '{host}' is not on the allowlist of official hosts: {url}"
    return None


def _official_url(url: str) -> str:
    problem = url_problem(url)
    if problem:
        raise ValueError(problem)
    return url


OfficialUrl = Annotated[str, AfterValidator(_official_url)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    name: str
    url: OfficialUrl


class Section(_Strict):
    heading: str
    text: str
    source_url: Optional[str] = None  # the guide source that supports this section (`<!-- source: URL -->`)


class FaqPair(_Strict):
    question: str
    answer: str
    source_url: Optional[str] = None


class GuideMeta(_Strict):
    title: str
    topic: str
    label: str
    summary: str
    sources: list[Source]
    related: list[str] = []
    reviewed: dt.date

    @field_validator("sources")
    @classmethod
    def _has_sources(cls, sources: list[Source]) -> list[Source]:
        if not sources:
            raise ValueError("missing source: at least one official source is required")
        return sources


class Guide(GuideMeta):
    slug: str
    sections: list[Section]
    faq: list[FaqPair]

    @property
    def source_url(self) -> str:
        return self.sources[0].url


class HubGuide(_Strict):
    title: str
    topic: str
    label: str
    summary: str


class Hub(_Strict):
    topics: list[str]
    guides: list[HubGuide]


class GlossaryTerm(_Strict):
    term: str
    meaning: str
    synonyms: list[str] = []
    misspellings: list[str] = []
    guides: list[str]
    source_url: OfficialUrl
    # Sibling terms a newcomer (or the embedding model) mixes up with this one ("KNS" and "KNM"): a sentence
    # about one is not the answer to a question about the other. Symmetric; names other terms' `term`.
    not_to_confuse_with: list[str] = []
    # The one integration act the term exists under (the PIP, the MAP and the learning routes only under the
    # 2021 act, ONA only under the 2013 act)
    only_under_act: Optional[Literal["2021", "2013"]] = None

    @property
    def surface_forms(self) -> list[str]:
        return [self.term, *self.synonyms, *self.misspellings]


class Counter(_Strict):
    name: str
    url: str


class CounterAnswer(_Strict):
    counter: str
    what: str
    url: OfficialUrl


Act = Literal["2021", "2013"]


class Need(_Strict):
    id: str
    title: str
    examples: list[str]
    answer: Optional[CounterAnswer] = None
    by_act: Optional[dict[Act, CounterAnswer]] = None
    act_note: Optional[str] = None

    @model_validator(mode="after")
    def _one_answer_kind(self) -> Need:
        if (self.answer is None) == (self.by_act is None):
            raise ValueError(f"need '{self.id}' must have exactly one of 'answer' or 'by_act'")
        if self.by_act is not None and set(self.by_act) != {"2021", "2013"}:
            raise ValueError(f"need '{self.id}': by_act needs both '2021' and '2013'")
        return self

    @property
    def depends_on_act(self) -> bool:
        return self.by_act is not None

    def answer_for(self, act: Optional[str]) -> CounterAnswer:
        if self.answer is not None:
            return self.answer
        assert self.by_act is not None
        return self.by_act["2013" if act == "2013" else "2021"]


class ActQuestion(_Strict):
    question: str
    help: str
    source_url: str


class CounterTable(_Strict):
    guide: str
    act_question: ActQuestion
    counters: dict[str, Counter]
    needs: list[Need]

    def need(self, need_id: str) -> Optional[Need]:
        return next((n for n in self.needs if n.id == need_id), None)


class FaqEntry(_Strict):
    q: str
    a: str
    guide: str
    source_url: OfficialUrl
    # other wordings of the same question, as newcomers ask it: matched like `q`, never shown
    also_asked: list[str] = []


class OverviewStep(_Strict):
    text: str
    guide: str
    source_url: OfficialUrl


class Overview(_Strict):
    """'Where do I start?': the path in short steps, per act (overview.yml)."""

    intro: str
    intro_2013: str
    steps: list[OverviewStep]
    steps_2013: list[OverviewStep]

    def steps_for(self, act: Optional[str]) -> list[OverviewStep]:
        return self.steps_2013 if act == "2013" else self.steps

    def intro_for(self, act: Optional[str]) -> str:
        return self.intro_2013 if act == "2013" else self.intro


@dataclass(frozen=True)
class Passage:
    """One retrieval unit: what is searched, shown and cited."""

    id: str
    guide: str
    section: str
    kind: str  # summary | section | faq | hub_faq | glossary | counter
    text: str  # what the user is shown
    search_text: str  # what is indexed (adds the heading / question for context)
    source_url: str


@dataclass(frozen=True)
class KnowledgeBase:
    hub: Hub
    guides: list[Guide]
    glossary: list[GlossaryTerm]
    counters: CounterTable
    faq: list[FaqEntry]
    overview: Optional[Overview] = None

    def guide(self, title: str) -> Optional[Guide]:
        return next((g for g in self.guides if g.title == title), None)
