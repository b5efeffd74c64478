"""When the action server cannot be reached, answer politely instead of staying silent.

Rasa 3.6 turns an unreachable action server into an exception that the processor logs and drops,
so the user gets no reply at all. Rasa has no hook for this, so this module wraps
`RemoteAction.run` once (it is imported by the plugins Rasa loads: the tracker store and the NLU
guard): connection failures and 5xx answers become one bot message with the official source.
Rejections (form validation) still propagate unchanged."""
from __future__ import annotations

import logging

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.events import BotUttered
from rasa.shared.exceptions import RasaException

log = logging.getLogger(__name__)

UNAVAILABLE = (
    "Sorry, I can't look that up right now: part of the assistant is temporarily unavailable. "
    "Please try again in a minute. Official information is on https://www.inburgeren.nl/en/ "
    "and in Mijn Inburgering."
)

_original_run = RemoteAction.run


async def _run_with_fallback(self, output_channel, nlg, tracker, domain):
    try:
        return await _original_run(self, output_channel, nlg, tracker, domain)
    except ActionExecutionRejection:
        raise
    except RasaException as error:
        log.error("custom action '%s' failed (%s); sent the 'temporarily unavailable' reply", self.name(), error)
        return [BotUttered(text=UNAVAILABLE, metadata={"wegwijzer": "action_server_unavailable"})]


if not getattr(RemoteAction.run, "_wegwijzer_fallback", False):
    _run_with_fallback._wegwijzer_fallback = True  # type: ignore[attr-defined]
    RemoteAction.run = _run_with_fallback  # type: ignore[method-assign]
