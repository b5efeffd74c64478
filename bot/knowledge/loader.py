"""Loader: parse guides and YAML files, validate them, refuse broken content with every problem listed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import yaml
from pydantic import BaseModel, ValidationError

from bot import settings
from bot.knowledge.checks import Parts, cross_checks, duplicate_passages
from bot.knowledge.models import (
    CounterTable,
    FaqEntry,
    FaqPair,
    GlossaryTerm,
    Guide,
    Hub,
    KnowledgeBase,
    KnowledgeError,
    Overview,
    Section,
    _Strict,
)
from bot.knowledge.passages import build_passages

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


_SOURCE_NOTE = re.compile(r"<!--\s*source:\s*(\S+)\s*-->")


def _split_source(text: str) -> tuple[str, Optional[str]]:
    """A passage's own citation: `<!-- source: URL -->` anywhere in its block (one per block)."""
    urls = _SOURCE_NOTE.findall(text)
    return _collapse(_SOURCE_NOTE.sub(" ", text)), (urls[0] if urls else None)


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
                answer_text, url = _split_source(answer)
                faq.append(FaqPair(question=question, answer=answer_text, source_url=url))
        else:
            section_text, url = _split_source(text)
            sections.append(Section(heading=heading, text=section_text, source_url=url))
    try:
        guide = Guide(**meta_raw, slug=path.stem, sections=sections, faq=faq)
    except (ValidationError, TypeError) as exc:
        for line in _validation_lines(exc):
            problems.append(f"{where}: {line}")
        return None
    if not seen_faq:
        problems.append(f"{where}: missing '## {settings.FAQ_HEADING}' part")
    if not settings.SECTIONS_MIN <= len(sections) <= settings.SECTIONS_MAX:
        problems.append(f"{where}: has {len(sections)} sections, needs {settings.SECTIONS_MIN}-{settings.SECTIONS_MAX}")
    for section in sections:
        n = _words(section.text)
        if n < settings.SECTION_MIN_WORDS:
            problems.append(
                f"{where}: section '{section.heading}' too short ({n} words, min {settings.SECTION_MIN_WORDS})"
            )
        elif n > settings.SECTION_MAX_WORDS:
            problems.append(
                f"{where}: section '{section.heading}' too long ({n} words, max {settings.SECTION_MAX_WORDS})"
            )
    if seen_faq and not settings.FAQ_MIN <= len(faq) <= settings.FAQ_MAX:
        problems.append(f"{where}: has {len(faq)} FAQ pairs, needs {settings.FAQ_MIN}-{settings.FAQ_MAX}")
    for pair in faq:
        if _words(pair.answer) < settings.FAQ_ANSWER_MIN_WORDS:
            problems.append(f"{where}: FAQ answer to '{pair.question}' too short")
    listed = {s.url for s in guide.sources}
    for name, url in [(f"section '{s.heading}'", s.source_url) for s in sections] + [
        (f"FAQ '{p.question}'", p.source_url) for p in faq
    ]:
        if url is None:
            problems.append(f"{where}: {name} has no '<!-- source: URL -->' line (which listed source supports it?)")
        elif url not in listed:
            problems.append(f"{where}: {name} cites {url}, which is not one of the guide's sources")
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
    overview = _load_yaml_model(root / "overview.yml", Overview, problems) if (root / "overview.yml").exists() else None
    glossary = glossary_file.terms if glossary_file else []
    faq = faq_file.faq if faq_file else []
    if hub is not None:
        problems.extend(cross_checks(Parts(hub, guides, glossary, counters, faq, overview, frozenset(attempted))))
    if problems or hub is None or counters is None:
        raise KnowledgeError(problems or ["knowledge base could not be loaded"])
    kb = KnowledgeBase(hub=hub, guides=guides, glossary=glossary, counters=counters, faq=faq, overview=overview)
    problems.extend(duplicate_passages(build_passages(kb)))
    if problems:
        raise KnowledgeError(problems)
    return kb


def check_knowledge(knowledge_dir: Path | None = None) -> list[str]:
    """Every problem of the guides, tables and the KNM practice bank."""
    from bot.knowledge.knm import check_question_bank

    problems: list[str] = []
    try:
        load_knowledge(knowledge_dir)
    except KnowledgeError as exc:
        problems.extend(exc.problems)
    return problems + check_question_bank(knowledge_dir)
