"""Input guard inside Rasa's NLU pipeline (runs in .venv-rasa; only imports bot.core.guard, plain Python).

- InputCleaner (first in the pipeline): NLU sees the text without control characters and HTML tags,
  cut to the length cap, and without an acknowledgement that opens a question ("ok thanks. is it free?" is
  read as "is it free?"; the actions get that text too). The tracker still stores what the user sent (redacted by the tracker store).
- InputGuardClassifier (last): a message with nothing answerable in it (empty after cleaning,
  emoji or symbols only, another script) becomes `nlu_fallback` with no entities, so it reaches
  action_search_knowledge, which replies politely, instead of whatever intent DIET guessed."""

from __future__ import annotations

from typing import Any, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.core.contract import GUARD_NOTE_KEY
from bot.core.guard import check, clean
from bot.core.text import without_acknowledgement
from bot.rasa_plugins import patches

patches.apply()  # RemoteAction: polite reply when the action server is down, validator built once

FALLBACK_INTENT = "nlu_fallback"
ORIGINAL_TEXT = "wegwijzer_original_text"
GUARD_NOTE = GUARD_NOTE_KEY  # in the parse data: what the guard found, for the actions


class _Stateless(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class InputCleaner(_Stateless):
    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or text.startswith("/"):  # button payloads stay untouched
                continue
            checked = check(text)
            message.set(ORIGINAL_TEXT, text)
            if checked.note:
                message.set(GUARD_NOTE, checked.note, add_to_output=True)
            message.set(TEXT, without_acknowledgement(checked.text) if checked.text else clean(text))
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class InputGuardClassifier(_Stateless):
    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            original: Optional[str] = message.get(ORIGINAL_TEXT)
            if original is None:
                continue
            if not check(original).answerable:
                intent = {"name": FALLBACK_INTENT, "confidence": 1.0}
                message.set(INTENT, intent, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
                message.set(ENTITIES, [], add_to_output=True)
        return messages
