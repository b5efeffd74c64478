"""Names shared by domain.yml, the NLU/rules data, the actions and the tests: intents, entities, slots,
actions, act codes and button payloads. A name used in code comes from here, never as a literal."""

from __future__ import annotations

import json


class Intent:
    GREET = "greet"
    GOODBYE = "goodbye"
    THANKS = "thanks"
    AFFIRM = "affirm"
    DENY = "deny"
    BOT_CHALLENGE = "bot_challenge"
    HELP = "help"
    OUT_OF_SCOPE = "out_of_scope"
    CHITCHAT = "chitchat"
    SORRY = "sorry"
    ASK_COUNTER = "ask_counter"
    ASK_QUESTION = "ask_question"
    ASK_START = "ask_start"
    ASK_CONTACT = "ask_contact"
    PERSONAL_FILE = "personal_file"
    INFORM = "inform"
    EXPLAIN_TERM = "explain_term"
    FEEDBACK_POSITIVE = "feedback_positive"
    FEEDBACK_NEGATIVE = "feedback_negative"
    STOP = "stop"
    RESTART = "restart"
    OPEN_GUIDE = "open_guide"
    CONTINUE_FORM = "continue_form"
    NLU_FALLBACK = "nlu_fallback"
    PRACTISE_KNM = "practise_knm"
    KNM_ANSWER = "knm_answer"
    PRIVACY = "privacy"  # also Telegram's /privacy command (a payload with this intent's name)
    ERASE_CONVERSATION = "erase_conversation"


class Entity:
    NEED = "need"
    INTEGRATION_ACT = "integration_act"
    TERM = "term"
    GUIDE_REF = "guide_ref"
    KNM_THEME = "knm_theme"
    KNM_CHOICE = "knm_choice"
    KNM_LANGUAGE = "knm_language"


class Slot:
    NEED = "need"
    INTEGRATION_ACT = "integration_act"
    TERM = "term"
    GUIDE_REF = "guide_ref"
    FAILED_ATTEMPTS = "failed_attempts"
    NEED_FAILURES = "need_failures"
    LAST_QUESTION = "last_question"
    LAST_GUIDE = "last_guide"
    FEEDBACK = "feedback"
    COUNTER_ROUTE = "counter_route"
    REQUESTED_SLOT = "requested_slot"
    KNM_CHOICE = "knm_choice"  # the form's requested slot: always emptied again by the validation
    KNM = "knm"  # the practice state (bot.dialogue.knm_practice.PracticeState as a dict)


class Action:
    SEARCH_KNOWLEDGE = "action_search_knowledge"
    OUT_OF_SCOPE = "action_out_of_scope"
    EXPLAIN_TERM = "action_explain_term"
    OPEN_GUIDE = "action_open_guide"
    ROUTE_COUNTER = "action_route_counter"
    ASK_NEED = "action_ask_need"
    ASK_INTEGRATION_ACT = "action_ask_integration_act"
    VALIDATE_COUNTER_FORM = "validate_counter_form"
    COUNTER_ANSWER = "action_counter_answer"
    END_COUNTER_FINDER = "action_end_counter_finder"
    RESUME_COUNTER_FINDER = "action_resume_counter_finder"
    FEEDBACK = "action_feedback"
    OVERVIEW = "action_overview"
    PERSONAL_FILE = "action_personal_file"
    CONTACT = "action_contact"
    SMALL_TALK = "action_small_talk"
    START_KNM = "action_start_knm"
    ASK_KNM_CHOICE = "action_ask_knm_choice"
    VALIDATE_KNM_FORM = "validate_knm_form"
    END_KNM = "action_end_knm"
    KNM_NO_ROUND = "action_knm_no_round"
    # erases its own conversation after the turn (see bot/core/privacy.py)
    ERASE_CONVERSATION = "action_erase_conversation"
    PRIVACY_NOTICE = "action_privacy_notice"
    CONFIRM_ERASE = "action_confirm_erase"
    KEEP_CONVERSATION = "action_keep_conversation"


COUNTER_FORM = "counter_form"
KNM_FORM = "knm_form"
KNM_MIXED = "mixed"
# counter_route slot values: what action_route_counter decided for an ask_counter message
ROUTE_FINDER, ROUTE_ANSWERED = "finder", "answered"

ACT_2021, ACT_2013, ACT_UNKNOWN, ACT_BEFORE_2013 = "2021", "2013", "unknown", "before_2013"
ACTS = (ACT_2021, ACT_2013)

FEEDBACK_HELPFUL, FEEDBACK_NOT_HELPFUL = "helpful", "not_helpful"

# What Rasa's input guard adds to the parse data (bot.rasa_plugins.input_guard), read by the actions.
GUARD_NOTE_KEY = "wegwijzer_guard"


def payload(intent: str, **entities: str) -> str:
    """A button payload that Rasa parses without NLU: /intent{"entity":"value"}."""
    return f"/{intent}" + (json.dumps(entities, separators=(",", ":")) if entities else "")
