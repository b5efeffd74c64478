"""Knowledge base: pydantic models, a loader that refuses broken content, and retrieval passages."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, Optional
from urllib.parse import urlparse

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, field_validator, model_validator

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


class FaqPair(_Strict):
    question: str
    answer: str


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
    def _one_answer_kind(self) -> "Need":
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

    def guide(self, title: str) -> Optional[Guide]:
        return next((g for g in self.guides if g.title == title), None)


# --------------------------------------------------------------------------- parsing

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.S)


def _words(text: str) -> int:
    return len(re.findall(r"\w[\w'’-]*", text))


def _split_headed(body: str, marker: str) -> list[tuple[str, str]]:
    """Split markdown into (heading, text) blocks at lines starting with `marker` + space."""
    blocks: list[tuple[str, str]] = []
    heading: Optional[str] = None
    lines: list[str] = []
    for line in body.splitlines():
        if line.startswith(marker + " ") and not line.startswith(marker + "#"):
            if heading is not None:
                blocks.append((heading, "\n".join(lines).strip()))
            heading, lines = line[len(marker) + 1 :].strip(), []
        else:
            lines.append(line)
    if heading is not None:
        blocks.append((heading, "\n".join(lines).strip()))
    return blocks


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def parse_guide(path: Path, problems: list[str], attempted: Optional[set[str]] = None) -> Optional[Guide]:
    where = path.name
    raw = path.read_text(encoding="utf-8")
    match = _FRONT_MATTER.match(raw)
    if not match:
        problems.append(f"{where}: no YAML front matter (file must start with '---')")
        return None
    try:
        meta_raw = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        problems.append(f"{where}: front matter is not valid YAML: {_collapse(str(exc))}")
        return None
    if attempted is not None and isinstance(meta_raw, dict) and meta_raw.get("title"):
        attempted.add(str(meta_raw["title"]))
    body = match.group(2)
    sections: list[Section] = []
    faq: list[FaqPair] = []
    seen_faq = False
    for heading, text in _split_headed(body, "##"):
        if heading.lower() == settings.FAQ_HEADING.lower():
            seen_faq = True
            for question, answer in _split_headed(text, "###"):
                faq.append(FaqPair(question=question, answer=_collapse(answer)))
        else:
            sections.append(Section(heading=heading, text=_collapse(text)))
    try:
        guide = Guide(**meta_raw, slug=path.stem, sections=sections, faq=faq)
    except (ValidationError, TypeError) as exc:
        for line in _validation_lines(exc):
            problems.append(f"{where}: {line}")
        return None
    if not seen_faq:
        problems.append(f"{where}: missing '## {settings.FAQ_HEADING}' part")
    if not settings.SECTIONS_MIN <= len(sections) <= settings.SECTIONS_MAX:
        problems.append(
            f"{where}: has {len(sections)} sections, needs {settings.SECTIONS_MIN}-{settings.SECTIONS_MAX}"
        )
    for section in sections:
        n = _words(section.text)
        if n < settings.SECTION_MIN_WORDS:
            problems.append(f"{where}: section '{section.heading}' too short ({n} words, min {settings.SECTION_MIN_WORDS})")
        elif n > settings.SECTION_MAX_WORDS:
            problems.append(f"{where}: section '{section.heading}' too long ({n} words, max {settings.SECTION_MAX_WORDS})")
    if seen_faq and not settings.FAQ_MIN <= len(faq) <= settings.FAQ_MAX:
        problems.append(f"{where}: has {len(faq)} FAQ pairs, needs {settings.FAQ_MIN}-{settings.FAQ_MAX}")
    for pair in faq:
        if _words(pair.answer) < settings.FAQ_ANSWER_MIN_WORDS:
            problems.append(f"{where}: FAQ answer to '{pair.question}' too short")
    return guide


def _validation_lines(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "(file)"
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "missing":
                msg = f"missing field '{loc}'"
                lines.append(msg)
            else:
                lines.append(f"{loc}: {msg}")
        return lines
    return [str(exc)]


def _load_yaml_model(path: Path, model: type[BaseModel], problems: list[str]):
    if not path.exists():
        problems.append(f"{path.name}: file missing")
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return model.model_validate(data)
    except yaml.YAMLError as exc:
        problems.append(f"{path.name}: not valid YAML: {_collapse(str(exc))}")
    except ValidationError as exc:
        problems.extend(f"{path.name}: {line}" for line in _validation_lines(exc))
    return None


class _GlossaryFile(_Strict):
    terms: list[GlossaryTerm]


class _FaqFile(_Strict):
    faq: list[FaqEntry]


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


def load_knowledge(knowledge_dir: Path | None = None) -> KnowledgeBase:
    """Load and validate everything under ``knowledge_dir``; raise KnowledgeError listing all problems."""
    root = Path(knowledge_dir or settings.KNOWLEDGE_DIR)
    problems: list[str] = []
    hub = _load_yaml_model(root / "hub.yml", Hub, problems)
    guides = []
    attempted: set[str] = set()
    guide_dir = root / "guides"
    for path in sorted(guide_dir.glob("*.md")) if guide_dir.is_dir() else []:
        guide = parse_guide(path, problems, attempted)
        if guide is not None:
            guides.append(guide)
    glossary_file = _load_yaml_model(root / "glossary.yml", _GlossaryFile, problems)
    counters = _load_yaml_model(root / "counters.yml", CounterTable, problems)
    faq_file = _load_yaml_model(root / "faq.yml", _FaqFile, problems)
    glossary = glossary_file.terms if glossary_file else []
    faq = faq_file.faq if faq_file else []
    if hub is not None:
        problems.extend(_cross_checks(hub, guides, glossary, counters, faq, frozenset(attempted)))
    if problems or hub is None or counters is None:
        raise KnowledgeError(problems or ["knowledge base could not be loaded"])
    kb = KnowledgeBase(hub=hub, guides=guides, glossary=glossary, counters=counters, faq=faq)
    problems.extend(_duplicate_passages(build_passages(kb)))
    if problems:
        raise KnowledgeError(problems)
    return kb


def check_knowledge(knowledge_dir: Path | None = None) -> list[str]:
    try:
        load_knowledge(knowledge_dir)
    except KnowledgeError as exc:
        return exc.problems
    return []


# --------------------------------------------------------------------------- passages


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def build_passages(kb: KnowledgeBase) -> list[Passage]:
    passages: list[Passage] = []
    for g in kb.guides:
        passages.append(
            Passage(f"{g.slug}#summary", g.title, "Summary", "summary", g.summary, f"{g.title} {g.summary}", g.source_url)
        )
        for s in g.sections:
            passages.append(
                Passage(
                    f"{g.slug}#{_slugify(s.heading)}", g.title, s.heading, "section", s.text,
                    f"{s.heading}. {s.text}", g.source_url,
                )
            )
        for pair in g.faq:
            passages.append(
                Passage(
                    f"{g.slug}#faq-{_slugify(pair.question)}", g.title, pair.question, "faq", pair.answer,
                    f"{pair.question} {pair.answer}", g.source_url,
                )
            )
    for entry in kb.faq:
        passages.append(
            Passage(f"faq#{_slugify(entry.q)}", entry.guide, entry.q, "hub_faq", entry.a, f"{entry.q} {entry.a}", entry.source_url)
        )
    for term in kb.glossary:
        names = ", ".join([term.term, *term.synonyms])
        passages.append(
            Passage(
                f"glossary#{_slugify(term.term)}", term.guides[0], f"Glossary: {term.term}", "glossary",
                f"{term.term}: {term.meaning}", f"What does {names} mean? {term.meaning}", term.source_url,
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
                f"counter#{need.id}", table.guide, f"Counter finder: {need.title}", "counter", text,
                f"{need.title}. {' '.join(need.examples)}. {text}", url,
            )
        )
    return passages


def content_hash(knowledge_dir: Path | None = None) -> str:
    root = Path(knowledge_dir or settings.KNOWLEDGE_DIR)
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in {".md", ".yml", ".yaml"}):
        if path.name == "README.md" and path.parent == root:
            continue
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
