"""Three small, measured fixes to Rasa 3.6: two to RemoteAction (custom actions), one to loading the
trained NLU model. `apply()` installs them; the plugins Rasa loads (the tracker store and the NLU guard)
call it explicitly, and it refuses a Rasa version it was not written for. Rasa has no hooks for any of
them, so the methods are wrapped; all keep Rasa's behaviour otherwise.

1. Action server down: Rasa turns an unreachable action server into an exception that the processor
   logs and drops, so the user gets no reply at all. Connection failures and 5xx answers now become
   one bot message with the official source. Rejections (form validation) propagate unchanged.
2. Response validation: Rasa checks every action server response with `jsonschema.validate()`,
   which also re-validates the schema itself on every call. Under load that was 43% of Rasa's CPU
   (py-spy, 20 users). The validator is now built once; responses are checked exactly as before
   (same schema, same best-match error).
3. Model load: `RasaModel.load` builds DIET's variables by running one *training* step on an example
   (`model.fit`), so TensorFlow traces the whole training graph with its gradients: 25 of the 33 s a Rasa
   server needed to start (py-spy). The weights are now restored from the checkpoint as the one inference
   pass Rasa already runs creates them (TensorFlow's deferred restore), after which every variable must
   have been matched, else Rasa's own load runs. Predictions are identical (intent ranking, confidences
   and entities on 1,025 messages; `tests/integration/test_rasa_model_load.py`); start 33 s -> 10 s."""

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


_original_load = None
loads_by_inference = 0  # how many models were loaded the fast way (tests check it)


def _load_by_inference(
    cls, model_file_name, model_data_example, predict_data_example=None, finetune_mode=False, *args, **kwargs
):
    def rasa_own_load():
        return _original_load.__func__(  # type: ignore[union-attr]
            cls, model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs
        )

    if finetune_mode or predict_data_example is None:
        return rasa_own_load()
    import tensorflow as tf

    config = kwargs.get("config", {})
    model = cls(*args, **kwargs)
    model.compile(
        optimizer=tf.keras.optimizers.Adam(config.get("learning_rate", 0.001)), run_eagerly=config.get("run_eagerly")
    )
    status = model.load_weights(model_file_name)  # restored as the inference pass creates the variables
    model.run_inference(predict_data_example)
    try:
        status.assert_existing_objects_matched()
    except AssertionError as error:
        log.warning("model load by inference left variables unrestored (%s); using Rasa's own load", error)
        return rasa_own_load()
    global loads_by_inference
    loads_by_inference += 1
    return model


def apply_model_load() -> None:
    global _original_load
    from rasa.utils.tensorflow.models import RasaModel

    if _original_load is None:
        _original_load = RasaModel.__dict__["load"]
        RasaModel.load = classmethod(_load_by_inference)  # type: ignore[method-assign,assignment]


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
    apply_model_load()
    _run_with_fallback._wegwijzer_fallback = True  # type: ignore[attr-defined]
    RemoteAction.run = _run_with_fallback  # type: ignore[method-assign]
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
