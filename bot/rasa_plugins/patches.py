"""Two small, measured fixes to Rasa 3.6's RemoteAction (custom actions). `apply()` installs them; the
plugins Rasa loads (the tracker store and the NLU guard) call it explicitly, and it refuses a Rasa
version it was not written for. Rasa has no hooks for either, so the methods are wrapped; both keep
Rasa's behaviour otherwise.

1. Action server down: Rasa turns an unreachable action server into an exception that the processor
   logs and drops, so the user gets no reply at all. Connection failures and 5xx answers now become
   one bot message with the official source. Rejections (form validation) propagate unchanged.
2. Response validation: Rasa checks every action server response with `jsonschema.validate()`,
   which also re-validates the schema itself on every call. Under load that was 43% of Rasa's CPU
   (py-spy, 20 users). The validator is now built once; responses are checked exactly as before
   (same schema, same best-match error)."""

from __future__ import annotations

import logging

import rasa
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.events import BotUttered
from rasa.shared.exceptions import RasaException

from bot.core import messages

log = logging.getLogger(__name__)

SUPPORTED_RASA = "3.6."

_original_run = RemoteAction.run


async def _run_with_fallback(self, output_channel, nlg, tracker, domain):
    try:
        return await _original_run(self, output_channel, nlg, tracker, domain)
    except ActionExecutionRejection:
        raise
    except RasaException as error:
        log.error("custom action '%s' failed (%s); sent the 'temporarily unavailable' reply", self.name(), error)
        return [
            BotUttered(text=messages.ACTION_SERVER_UNAVAILABLE, metadata={"wegwijzer": "action_server_unavailable"})
        ]


_validator = None


def _validate_action_result(self, result):
    global _validator
    if _validator is None:
        spec = RemoteAction.action_response_format_spec()
        cls = validator_for(spec)
        cls.check_schema(spec)
        _validator = cls(spec)
    error = best_match(_validator.iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            "Action endpoint is valid."
        )
        raise error
    return True


def is_applied() -> bool:
    return bool(getattr(RemoteAction.run, "_wegwijzer_fallback", False))


def apply() -> None:
    """Install both fixes once. Another Rasa version may have changed what they wrap: refuse it."""
    if not rasa.__version__.startswith(SUPPORTED_RASA):
        raise RuntimeError(
            f"bot.rasa_plugins.patches was written for Rasa {SUPPORTED_RASA}x, found {rasa.__version__}: "
            "re-check RemoteAction.run and _validate_action_result before using it"
        )
    if is_applied():
        return
    _run_with_fallback._wegwijzer_fallback = True  # type: ignore[attr-defined]
    RemoteAction.run = _run_with_fallback  # type: ignore[method-assign]
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
