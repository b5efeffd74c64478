"""The knowledge base: models, loader and checks, retrieval passages."""

from bot.knowledge.loader import check_knowledge, load_knowledge
from bot.knowledge.models import (
    ActQuestion,
    Counter,
    CounterAnswer,
    CounterTable,
    FaqEntry,
    FaqPair,
    GlossaryTerm,
    Guide,
    Hub,
    KnowledgeBase,
    KnowledgeError,
    Need,
    Overview,
    OverviewStep,
    Passage,
    Section,
    Source,
    url_problem,
)
from bot.knowledge.passages import build_passages, content_hash

__all__ = [
    "ActQuestion",
    "Counter",
    "CounterAnswer",
    "CounterTable",
    "FaqEntry",
    "FaqPair",
    "GlossaryTerm",
    "Guide",
    "Hub",
    "KnowledgeBase",
    "KnowledgeError",
    "Need",
    "Overview",
    "OverviewStep",
    "Passage",
    "Section",
    "Source",
    "build_passages",
    "check_knowledge",
    "content_hash",
    "load_knowledge",
    "url_problem",
]
