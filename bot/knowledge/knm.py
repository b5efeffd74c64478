"""The KNM practice question bank: knowledge/knm/<theme>.yml, one file per theme.

Practice questions written for learning (not DUO's exam items), each with one right option, a short
explanation and an official source URL on the allowlist."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import yaml
from pydantic import ValidationError, field_validator, model_validator

from bot import settings
from bot.knowledge.models import KnowledgeError, OfficialUrl, _Strict

KNM_DIR_NAME = "knm"


class KnmQuestion(_Strict):
    id: str
    stem: str
    options: list[str]
    answer: int
    explanation: str
    source_url: OfficialUrl
    reviewed: dt.date
    stem_nl: Optional[str] = None
    options_nl: Optional[list[str]] = None
    theme: str = ""  # filled from the file by the loader

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9_]+-\d{2,3}", value):
            raise ValueError(f"id '{value}' must look like '<theme>-NN'")
        return value

    @field_validator("options")
    @classmethod
    def _options(cls, value: list[str]) -> list[str]:
        if not 3 <= len(value) <= 4:
            raise ValueError(f"needs 3 or 4 options, has {len(value)}")
        if len({o.strip().lower() for o in value}) != len(value):
            raise ValueError("two options are the same")
        if any(not o.strip() for o in value):
            raise ValueError("an option is empty")
        return value

    @field_validator("explanation")
    @classmethod
    def _explanation(cls, value: str) -> str:
        if len(value.split()) < 6:
            raise ValueError("explanation is too short (at least 6 words)")
        return value

    @model_validator(mode="after")
    def _answer_and_dutch(self) -> KnmQuestion:
        if not 0 <= self.answer < len(self.options):
            raise ValueError(f"answer {self.answer} is not the index of one of the {len(self.options)} options")
        if (self.stem_nl is None) != (self.options_nl is None):
            raise ValueError("stem_nl and options_nl come together")
        if self.options_nl is not None:
            if len(self.options_nl) != len(self.options):
                raise ValueError("options_nl must have as many options as options, in the same order")
            if len({o.strip().lower() for o in self.options_nl}) != len(self.options_nl):
                raise ValueError("two options_nl are the same")
            if any(not o.strip() for o in self.options_nl):
                raise ValueError("an option in options_nl is empty")
        if self.stem_nl is not None and not self.stem_nl.strip():
            raise ValueError("stem_nl is empty")
        return self

    @property
    def has_dutch(self) -> bool:
        return self.stem_nl is not None

    @property
    def right_option(self) -> str:
        return self.options[self.answer]


class KnmThemeFile(_Strict):
    theme: str
    title: str
    short: Optional[str] = None  # the theme's name on a button, when the title is long
    questions: list[KnmQuestion]


@dataclass(frozen=True)
class KnmTheme:
    slug: str
    title: str
    questions: tuple[KnmQuestion, ...]
    short: Optional[str] = None

    @property
    def name(self) -> str:
        return self.short or self.title.split(" (")[0]


@dataclass(frozen=True)
class QuestionBank:
    themes: tuple[KnmTheme, ...]

    @property
    def questions(self) -> list[KnmQuestion]:
        return [q for t in self.themes for q in t.questions]

    def theme(self, slug: str) -> Optional[KnmTheme]:
        return next((t for t in self.themes if t.slug == slug), None)

    def question(self, question_id: str) -> Optional[KnmQuestion]:
        return next((q for q in self.questions if q.id == question_id), None)


def _load_theme(path: Path, problems: list[str]) -> Optional[KnmTheme]:
    try:
        data = KnmThemeFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as exc:
        problems.append(f"knm/{path.name}: not valid YAML: {' '.join(str(exc).split())}")
        return None
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            problems.append(f"knm/{path.name}: {where}: {err['msg']}")
        return None
    if data.theme != path.stem:
        problems.append(f"knm/{path.name}: theme '{data.theme}' must match the file name '{path.stem}'")
    questions = tuple(q.model_copy(update={"theme": data.theme}) for q in data.questions)
    return KnmTheme(slug=data.theme, title=data.title, questions=questions, short=data.short)


def _normalised_stem(stem: str) -> str:
    return " ".join(re.findall(r"\w+", stem.lower()))


def check_bank(themes: list[KnmTheme], unreadable: frozenset[str] = frozenset()) -> list[str]:
    """Rules across the bank: every theme present with enough questions, unique ids, no repeated stems.

    `unreadable`: themes whose file exists but could not be loaded (already reported), not reported missing."""
    problems: list[str] = []
    slugs = {t.slug for t in themes}
    for slug in settings.KNM_THEMES:
        if slug not in slugs and slug not in unreadable:
            problems.append(f"knm/: theme '{slug}' has no file knm/{slug}.yml")
    for theme in themes:
        if theme.slug not in settings.KNM_THEMES:
            problems.append(f"knm/{theme.slug}.yml: unknown theme (known: {', '.join(settings.KNM_THEMES)})")
        if len(theme.questions) < settings.KNM_MIN_PER_THEME:
            problems.append(
                f"knm/{theme.slug}.yml: {len(theme.questions)} questions, at least {settings.KNM_MIN_PER_THEME} needed"
            )
        for q in theme.questions:
            if not q.id.startswith(theme.slug + "-"):
                problems.append(f"knm/{theme.slug}.yml: id '{q.id}' must start with '{theme.slug}-'")
    all_questions = [q for t in themes for q in t.questions]
    for qid, n in Counter(q.id for q in all_questions).items():
        if n > 1:
            problems.append(f"knm/: id '{qid}' is used {n} times")
    seen: dict[str, str] = {}
    for q in all_questions:
        key = _normalised_stem(q.stem)
        if key in seen:
            problems.append(f"knm/{q.theme}.yml: {q.id} has the same question as {seen[key]}")
        seen.setdefault(key, q.id)
    return problems


def load_question_bank(knowledge_dir: Path | None = None) -> QuestionBank:
    """Load and validate knowledge/knm/; raise KnowledgeError listing every problem."""
    root = Path(knowledge_dir or settings.KNOWLEDGE_DIR) / KNM_DIR_NAME
    problems: list[str] = []
    themes: list[KnmTheme] = []
    unreadable: set[str] = set()
    for path in sorted(root.glob("*.yml")) if root.is_dir() else []:
        theme = _load_theme(path, problems)
        if theme is not None:
            themes.append(theme)
        else:
            unreadable.add(path.stem)
    problems.extend(check_bank(themes, frozenset(unreadable)))
    if problems:
        raise KnowledgeError(problems)
    order = {slug: i for i, slug in enumerate(settings.KNM_THEMES)}
    return QuestionBank(themes=tuple(sorted(themes, key=lambda t: order.get(t.slug, len(order)))))


def check_question_bank(knowledge_dir: Path | None = None) -> list[str]:
    try:
        load_question_bank(knowledge_dir)
    except KnowledgeError as exc:
        return exc.problems
    return []


__all__ = ["KnmQuestion", "KnmTheme", "QuestionBank", "check_question_bank", "load_question_bank"]
