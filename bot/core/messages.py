"""Every fixed sentence the assistant says from code, in one place (the rule-driven replies are the
`utter_*` responses in domain.yml). Plain strings: loaded by the action server and by Rasa's plugins.
Knowledge (facts, counters, URLs of guides) never lives here: it comes from knowledge/."""

from __future__ import annotations

OFFICIAL_SITE = "https://www.inburgeren.nl/en/"
OFFICIAL_SITE_NAME = "Inburgeren.nl (DUO)"
MUNICIPALITY_PAGE = "https://www.inburgeren.nl/inburgeren-bij-de-gemeente/"

# --- input guard ------------------------------------------------------------------
GUARD_EMPTY = 'I did not get any text. Please type your question in English, for example: "What is the Z-route?"'
GUARD_NO_WORDS = (
    "I can only read words, not emoji or symbols. Please type your question in English, "
    'for example: "Where do I book my exam?"'
)
GUARD_OTHER_SCRIPT = (
    "Sorry, I answer in English only. I also know Dutch words like inburgering, gemeente, "
    "brede intake, PIP, KNM, onderwijsroute and ontheffing. Please ask your question in English."
)
GUARD_MARKUP = (
    "I can only read plain text, not HTML or code. Please type your question in words, "
    'for example: "How does the KNM exam work?"'
)
GUARD_TOO_LONG = (
    "Your message is very long, so I answered the question I found in it. Short questions work best, one at a time."
)

# --- answers ------------------------------------------------------------------------
SOURCE_LINE = "Source: {guide} — {url}"
DUTCH_NOTE = "(I answer in English.)"
ABSTAIN = (
    "Sorry, I don't know the answer to that from the hub's guides, and I don't want to guess. "
    f"For official information, check {OFFICIAL_SITE_NAME}: {OFFICIAL_SITE} "
    "or look in Mijn Inburgering and your PIP. I can help with integration routes, exams, "
    "which counter to go to (DUO, Mijn Inburgering or the municipality) and Dutch terms."
)
ABSTAIN_DUTCH = (
    "Sorry, I answer in English and I could not find a reliable answer to your Dutch question in the hub's "
    f"guides. Please ask it in English, or check the official site: {OFFICIAL_SITE}"
)
HANDOVER = (
    "I'm sorry I could not help you well enough. It is better to ask the official counter directly:\n"
    f"- exams, letters, loan: DUO / inburgeren.nl — {OFFICIAL_SITE}\n"
    f"- broad intake, PIP, your route: your municipality (gemeente) — {MUNICIPALITY_PAGE}"
)
PRIVACY_NOTE = (
    "Please don't share personal numbers such as your BSN here: I cannot see personal files and I don't need them."
)
PERSONAL_FILE = (
    "I can't see your personal file, deadline or results, and nobody here can look them up for you. "
    "Please don't share your BSN or other personal numbers in this chat. "
    "Your own deadline, messages and exam results are in Mijn Inburgering (log in with DigiD), "
    "and in the letters DUO sent you. For your PIP and route, ask your municipality (gemeente)."
)
CONTACT = "For {topic}, contact {counter}: {url} (the official page lists how to phone, write or visit)."
CONTACT_GENERAL = (
    "Who to contact depends on the topic:\n"
    "- exams, letters, your loan and deadlines: DUO — {duo}\n"
    "- broad intake, PIP, your route, PVT and MAP: your municipality (gemeente) — {municipality}\n"
    "- residence permit or naturalisation: the IND — {ind}\n"
    "The official pages list how to phone, write or visit. I never give phone numbers myself."
)
OVERVIEW_MORE = "Tap a step to read more, or ask me about any of them."
FEEDBACK_THANKS = "Thank you for your feedback!"
FEEDBACK_SORRY = "Sorry about that. Could you ask your question in other words?"

# --- counter finder -----------------------------------------------------------------
ASK_NEED = 'What do you want to do? Choose one, or type it in your own words (for example: "book my KNM exam").'
ASK_NEED_ALL = "Here is the full list. Please pick the one closest to what you need:"
ASK_NEED_RESUME = "Shall we go on finding the right counter for you?"
NEED_NOT_RECOGNISED = "Sorry, I did not recognise that task."
ACT_INTRO = "The answer depends on your integration law. {question}"
ACT_HELP = "{help}\nWhen did you have to start integrating? (for example: 2019, or 2023)\nOfficial page: {url}"
ACT_NOT_UNDERSTOOD = (
    "Sorry, I need the law (act), not your age. Choose the 2021 act (integration obligation from 2022) or "
    "the 2013 act (2013 to 2021), or type the year you had to start integrating."
)
COUNTER_ANSWER = "{need}{act}: go to {counter}."
COUNTER_ACT_PART = " under the {act} act"

# --- buttons --------------------------------------------------------------------------
BUTTON_COUNTER = "Which counter do I need?"
BUTTON_HELP = "What can you do?"
BUTTON_HELPFUL = "Helpful"
BUTTON_NOT_HELPFUL = "Not helpful"
BUTTON_CONTINUE = "Continue"
BUTTON_NO_THANKS = "No thanks"
BUTTON_ACT_2021 = "2021 act (start from 2022)"
BUTTON_ACT_2013 = "2013 act (start 2013-2021)"
BUTTON_ACT_UNKNOWN = "I don't know"

# --- Rasa side ------------------------------------------------------------------------
ACTION_SERVER_UNAVAILABLE = (
    "Sorry, I can't look that up right now: part of the assistant is temporarily unavailable. "
    f"Please try again in a minute. Official information is on {OFFICIAL_SITE} and in Mijn Inburgering."
)
