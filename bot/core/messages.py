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
NO_AMOUNT = "The guides do not give this amount; check the official page below for the current figure."
NO_NUMBER = "The guides do not give this number; check the official page below for the current rules."
ABSTAIN = (
    "Sorry, I don't know the answer to that from the hub's guides, and I don't want to guess. "
    f"For official information, check {OFFICIAL_SITE_NAME}: {OFFICIAL_SITE} "
    "or look in Mijn Inburgering and your PIP. I can help with integration routes, exams, "
    "which counter to go to (DUO, Mijn Inburgering or the municipality) and Dutch terms."
)
# A message that tells something but asks nothing, and that the guides do not match: no "I don't know the answer"
TOLD_NOT_ASKED = (
    "Thank you for telling me. What would you like to know? I can explain integration routes, exams, deadlines "
    "and costs, and which counter to go to (DUO, Mijn Inburgering or the municipality), always with the official "
    f"source. For your own case, check {OFFICIAL_SITE_NAME}: {OFFICIAL_SITE} or Mijn Inburgering."
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
# "my obligation started in november 2021": which act that start means (the rule in the counter guide's FAQ)
ACT_FROM_START = {
    "2013": "An obligation that started between 1 January 2013 and 31 December 2021 falls under the 2013 act.",
    "2021": "An obligation that started on or after 1 January 2022 falls under the 2021 act.",
}
# "my obligation started in 2019, will i also get a brede intake?": a term of the other act than the user's
NOT_UNDER_YOUR_ACT = (
    "The {term} exists only under the {other} act. You fall under the {act} act, so the {term} is not part of "
    "your integration. Mijn Inburgering and your DUO letters show what you must do."
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
STEP_AFTER = "Next on the usual path, after the {thing} (step {number} of {total}):"
FEEDBACK_THANKS = "Thank you for your feedback!"

# --- privacy (notice: the `privacy` question, Telegram /privacy; erasure: "delete my conversation") ---------------
PRIVACY_NOTICE = (
    "About your privacy: I keep the text of this conversation for {days} days, so that our conversation can go on "
    "and the team can improve my answers. Before it is stored, personal numbers (like your BSN or IBAN), "
    "e-mail addresses and phone numbers are removed. I cannot see your personal files at DUO, the IND or "
    "your municipality. To delete this conversation now, type 'delete my conversation'."
)
ERASE_CONFIRM = "Do you want me to delete this whole conversation? This cannot be undone."
ERASE_DONE = "Done: this conversation is deleted. If you write again, a new conversation starts."
ERASE_CANCELLED = "OK, I did not delete anything. What would you like to know?"
BUTTON_ERASE = "Delete my conversation"
BUTTON_ERASE_YES = "Yes, delete it"
BUTTON_ERASE_NO = "No, keep it"
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

# --- KNM practice -----------------------------------------------------------------------
KNM_PRACTICE_PAGE = "https://www.inburgeren.nl/en/taking-an-exam.jsp"
KNM_INTRO = (
    "Let's practise KNM (Kennis van de Nederlandse Maatschappij, knowledge of Dutch society). "
    "These practice questions were written for learning: they are not DUO's exam questions. "
    f"The official practice exams are linked on inburgeren.nl: {KNM_PRACTICE_PAGE}"
)
KNM_PICK_THEME = "Which theme would you like to practise? Pick one, or choose Mixed for questions from all themes."
KNM_THEME_NOT_KNOWN = "Sorry, I don't know that theme. Please pick one of these:"
KNM_QUESTION = "Question {number} of {total} · {theme}\n{stem}\n{options}"
KNM_QUESTION_HINT = "Tap an answer or type its letter. Say stop to end the practice."
KNM_OPTION = "{letter}) {text}"
KNM_NO_DUTCH = "(This question has no Dutch version yet.)"
KNM_RIGHT = "Right! {explanation}\nSource: {url}"
KNM_WRONG = "Not quite. The right answer is {letter}) {option}. {explanation}\nSource: {url}"
KNM_NOT_AN_ANSWER = (
    "I did not catch your answer. Tap one of the options, or type {letters}. Say stop to end the practice."
)
KNM_OLD_BUTTON = "That button belongs to an earlier question. Here is the open question again:"
KNM_GO_ON = "Shall we go on with the practice?"
KNM_WELCOME = "You're welcome!"
KNM_LANGUAGE_NL = "OK, from now on I show the questions in Dutch where I have them (the explanations stay in English)."
KNM_LANGUAGE_EN = "OK, from now on I show the questions in English."
KNM_SCORE = "Round over: you got {right} of {total} right."
KNM_SCORE_STOPPED = "OK, I stopped the practice. You got {right} of {total} right."
KNM_STOPPED_EMPTY = "OK, I stopped the practice."
KNM_MISSED = "Have another look at:\n{items}"
KNM_MISSED_ITEM = "- {stem} → {answer}"
KNM_ALL_RIGHT = "Well done, all right!"
KNM_OFFICIAL = f"For the real exam style, try the official practice exams linked on inburgeren.nl: {KNM_PRACTICE_PAGE}"
KNM_GOODBYE = "Goodbye, and good luck with your KNM exam!"
KNM_NO_ROUND = "That practice round has ended. Would you like to start a new one?"
BUTTON_KNM = "Practise KNM"
BUTTON_KNM_MIXED = "Mixed"
BUTTON_KNM_AGAIN = "Another round"
BUTTON_KNM_WEAK = "Practise {theme} again"
BUTTON_KNM_OTHER_THEME = "Another theme"
BUTTON_KNM_DUTCH = "In Dutch"
BUTTON_KNM_ENGLISH = "In English"
BUTTON_KNM_GO_ON = "Go on"
BUTTON_KNM_STOP = "Stop practising"

# --- Rasa side ------------------------------------------------------------------------
ACTION_SERVER_UNAVAILABLE = (
    "Sorry, I can't look that up right now: part of the assistant is temporarily unavailable. "
    f"Please try again in a minute. Official information is on {OFFICIAL_SITE} and in Mijn Inburgering."
)

# --- load balancer (nginx, bot/ops/nginx.conf.in): JSON bodies of its own replies -----------
SLOW_DOWN = "You are sending messages very quickly. Please wait a moment, then try again."
BUSY = f"The assistant is busy or restarting. Please try again in a minute. Official information: {OFFICIAL_SITE}"
