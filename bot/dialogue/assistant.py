"""The assistant's behaviour behind the Rasa actions: one object, loaded once per process, whose
methods return channel-neutral replies. Unit-testable without Rasa."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Optional

from bot import settings
from bot.core import messages
from bot.core.contract import ACT_2013, ACT_2021, ACT_BEFORE_2013, ACT_UNKNOWN, ACTS, Intent, payload
from bot.core.guard import NOTE_TOO_LONG, REPLIES, check
from bot.core.pii import contains_pii
from bot.core.text import (
    PERSON_WORDS,
    looks_dutch,
    looks_english,
    names_a_thing_by_the,
    points_back,
    question_focus,
    reads_like_follow_up,
    reads_like_question,
    sentences,
)
from bot.dialogue.counter_finder import (
    BEFORE_2013_NEED,
    NeedMatch,
    NeedMatcher,
    act_from_start,
    parse_act,
    stated_act,
    without_act_clause,
)
from bot.dialogue.replies import (
    Button,
    Reply,
    compose_abstain,
    compose_answer,
    compose_counter_answer,
    compose_guide_overview,
    compose_not_under_act,
    compose_overview,
    compose_step,
    compose_term,
    guide_from_ref,
)
from bot.dialogue.selection import AnswerSelector, situation_rules
from bot.knowledge import GlossaryTerm, Need
from bot.retrieval.normalize import TermMatch, fold
from bot.retrieval.search import Retriever, SearchResult, retriever_for


@dataclass(frozen=True)
class Context:
    """What the conversation already knows (from slots): for follow-ups and act-aware answers."""

    last_question: Optional[str] = None
    last_guide: Optional[str] = None
    act: Optional[str] = None


@dataclass
class Answer:
    replies: list[Reply]
    result: Optional[SearchResult] = None
    answered: bool = False  # a knowledge answer (not abstain, not a guard reply)
    guide: Optional[str] = None
    question: str = ""  # what was searched (a follow-up carries its topic)
    with_topic: bool = False  # searched together with the previous turn's topic
    act: Optional[str] = None  # an act the user stated in this message
    notes: list[str] = field(default_factory=list)


# The user asks about their own case; they ask what a thing is
_ABOUT_ME = re.compile(r"\b(i|me|my|mine|ik|mij|mijn)\b", re.I)
_SOMEONE_ELSE = re.compile(
    r"\b(he|she|him|her|his|hij|zij|ze|haar|zijn|" + "|".join(sorted(PERSON_WORDS)) + r")\b", re.I
)
_MEANING_ASKED = re.compile(
    r"\bwhat('?s| is| are| does .{1,30} mean)\b|\bwat (is|betekent)\b|\bmeaning\b|\bexplain\b", re.I
)

# Counter questions: which office / counter / organisation / website handles something.
_OFFICE_NOUNS = r"office|counter|loket|desk|organi[sz]ation|website|site|institution|agency|portal"
_WHO_DO_I_ASK = r"\bwho (do |should |can |must |shall )?i (contact|ask|go to|talk to|call|turn to|write to)\b"
_COUNTER_REQUEST = re.compile(
    rf"\b(which|what) ({_OFFICE_NOUNS}|one do i)\b"
    r"|\bwhere (do|can|should|must|shall) i (go|apply|register|book|sign|sign up|ask|arrange|request|report|send|"
    r"change|cancel|get|find|see|check|pay|borrow|hand in|submit)\b"
    rf"|{_WHO_DO_I_ASK}"
    r"|\bwho (handles|arranges|is responsible|pays|decides|organi[sz]es|do i need|sends|gives|runs|checks)\b"
    r"|\b(duo|gemeente|municipality|mijn inburgering|ind)\b.*\bor\b.*\b(duo|gemeente|municipality|mijn inburgering|ind)\b"
    r"|\bwelk loket\b|\bwaar (moet|kan|mag) ik\b|\bbij wie\b|\bgo to for\b|\bwhere to go\b"
    r"|\b(aanvragen|aanmelden|regelen|indienen|melden)\s+waar\b|\bwaar\s+(\w+\s+){0,3}(aanvragen|aanmelden|regelen|indienen)\b"
    rf"|\b(find|need|looking for|know|choose|pick) (the |a )?(right |correct )?({_OFFICE_NOUNS})\b",
    re.I,
)
_POINTS_AT_TOPIC = re.compile(r"\b(that|this|it|them|those|these)\b", re.I)
# Glossary terms that name an organisation, a document or the whole field: "can the gemeente help with my rent?"
# is not about inburgering because it says gemeente
_GENERIC_TERMS = frozenset(
    {"inburgering", "gemeente", "DUO", "Mijn Inburgering", "IND", "DigiD", "BSN", "COA", "azc", "inburgeringsplichtige"}
)
# Words of a request that name no topic: "where do i have to go with my question, which counter?" ("where do i
# check that?" points back at one)
_NO_TOPIC_WORDS = re.compile(
    r"\b(go|have|need|want|find|right|correct|question|questions|something|thing|things|help|matter|issue|problem"
    r"|sorry|bother|know|not|don'?t|dont|where|please|hello|hi|hey|ok(ay)?|actually|maybe|sure|idea|tell|exactly"
    r"|(handles?|deals? with|takes? care of|is responsible for) (it|this|that|them))\b",
    re.I,
)


# "ok and then after the PIP?", "what comes after the brede intake": only what-next words before "after", and
# only a short thing after it ("can I share the questions after my exam?" is not a step of the path)
_NEXT = r"what(\s*'s|\s+is)?(\s+(comes|happens|do i do|should i do|now|next|then))+"
_STEP_AFTER = re.compile(
    rf"^\W*(ok(ay)?\W+)?(and\W+)?(so\W+)?(then\W+)?({_NEXT}\W+)?(next\W+)?"
    r"after\s+(the|my|your|a|an)?\s*(?P<thing>[\w'-]+(\s+[\w'-]+){0,2})"
    rf"(\W+({_NEXT}|then what))?\W*$",  # "and after the intake, what's next?"
    re.I,
)


# "and mijn inburgering?", "what about the staatsexamen?", "and for the KNM exam?": the previous question, about
# another thing (only a short thing, nothing else asked)
_ELLIPSIS = re.compile(
    r"^\W*(ok(ay)?\W+)?(and|but|also|and what about|what about|and how about|how about)\s+"
    r"((for|about|with|in|on)\s+)?((the|my|a|an)\s+)?(?P<thing>[\w.'-]+(\s+[\w.'-]+){0,3}?)\s*(then|too|also)?\W*$",
    re.I,
)

_NOT_A_THING = re.compile(
    r"\b(if|when|i|we|you|he|she|they|it|can|could|do|does|did|is|are|was|get|have|has|will|should|must|what|how|where"
    r"|why|who|which|not|no)\b",
    re.I,
)


class Assistant:
    def __init__(self, retriever: Retriever):
        self.retriever = retriever
        self.kb = retriever.kb
        self.needs = NeedMatcher(self.kb.counters, retriever.embedder, retriever.normalizer)
        self.selector = AnswerSelector(retriever)

    # -- questions ------------------------------------------------------------------
    def answer_question(
        self, text: Optional[str], guard_note: Optional[str] = None, context: Optional[Context] = None
    ) -> Answer:
        """`guard_note`: what Rasa's input guard found in the message as sent (NLU and the actions
        only see the cleaned text; a very long message arrives as its asking part)."""
        checked = check(text, max_chars=settings.MAX_SEARCH_CHARS)
        note = guard_note or checked.note
        if note is not None and note != NOTE_TOO_LONG:
            return Answer([Reply(REPLIES[note])], notes=[note])
        context = context or Context()
        named_act = stated_act(checked.text)
        act = named_act or (context.act if context.act in ACTS else None)
        step = self.step_after(checked.text, act)
        if step is not None:
            return Answer([step[0]], answered=True, guide=step[0].guide, question=step[1])
        other_act_term = self._term_of_the_other_act(checked.text, act, act_named_here=named_act is not None)
        if other_act_term is not None and act is not None:  # "(2013 act) will i also get a brede intake?"
            reply = compose_not_under_act(self.kb, other_act_term, act)
            return Answer([reply], answered=True, guide=reply.guide, question=checked.text, act=named_act)
        resolved = self.resolve_ellipsis(checked.text, context)
        if resolved is not None:  # "and mijn inburgering?" after "is inburgeren.nl in english?"
            checked = replace(checked, text=resolved)
        query, prefer = self._query_with_topic(checked.text, context)
        result = self.retriever.search(query, prefer_guide=prefer)
        if query != checked.text:  # a follow-up: unless the message stands well on its own
            own = self.retriever.search(checked.text)
            if (
                (
                    own.dense_top >= settings.FOLLOW_UP_OWN_TOPIC_MIN_DENSE
                    # "and who pays for my course?" is a FAQ's question; "and how long does the exam take?" after the
                    # KNM exam is close to "How long does the reading exam take?" but asks about the KNM exam
                    or (own.faq_top >= settings.FAQ_QUESTION_MATCH_MIN and not names_a_thing_by_the(checked.text))
                )
                and own.guides[:1] != [context.last_guide]
                and not points_back(checked.text)
            ):
                query, result = checked.text, own
        elif (
            result.abstain
            and context.last_question
            and len(checked.text.split()) <= settings.FOLLOW_UP_MAX_WORDS
            and self.selector.unknown_share(checked.text) < settings.FOLLOW_UP_MAX_UNKNOWN_SHARE
        ):
            # too vague on its own ("what should I bring", "where can I see how much I borrowed"): read it in the
            # previous turn's topic, and answer only if that finds a match strong enough on the usual thresholds
            topical = f"{checked.text} ({self.topic(context)})"
            retry = self.retriever.search(topical, prefer_guide=context.last_guide)
            if not retry.abstain:
                query, result = topical, retry
        dutch = looks_dutch(question_focus(checked.text) or checked.text)
        if dutch and result.dense_top < settings.DUTCH_MIN_DENSE:
            result.abstain = True
        elif (
            query == checked.text
            and looks_english(checked.text)
            and result.dense_top < settings.UNKNOWN_WORDS_MAX_DENSE
            and self.selector.unknown_share(checked.text) >= settings.UNKNOWN_WORDS_MIN_SHARE
            and not self._asks_about_a_term(checked.text)
            and not situation_rules(checked.text)  # "on a student visa for my masters, do i need to inburgeren?"
            and result.faq_top < settings.FAQ_QUESTION_MATCH_MIN  # close to a FAQ's own question ("... from syria")
        ):
            result.abstain = True  # mostly about things no guide mentions ("exchange my driving licence")
        follow_up = query != checked.text
        term = None if follow_up else self._asked_term(checked.text)
        selection = None
        if term is not None:  # "vrijstelling, what is that? my teacher said ...": the term's meaning
            reply = compose_term(self.kb, term)
        else:
            selection = self.selector.select(
                result,
                act,
                asked=self.retriever.with_gloss(checked.text) if follow_up else None,  # "en als ...?" read in English
                topic_guide=context.last_guide,
            )
            reply = (
                compose_answer(self.kb, selection, result.guides[1:], dutch)
                if selection is not None
                else compose_abstain(dutch, asked=reads_like_question(checked.text))
            )
        replies = [reply]
        if note == NOTE_TOO_LONG:
            replies.insert(0, Reply(REPLIES[NOTE_TOO_LONG]))
        if named_act and act_from_start(checked.text) == named_act and not reads_like_question(checked.text):
            reply.text = f"{messages.ACT_FROM_START[named_act]}\n\n{reply.text}"  # the user told us the start
        if contains_pii(text or ""):
            reply.text = f"{messages.PRIVACY_NOTE}\n\n{reply.text}"
        return Answer(
            replies,
            result,
            answered=selection is not None or term is not None,
            guide=reply.guide,
            question=query,
            with_topic=follow_up,
            act=named_act,
        )

    def _term_of_the_other_act(self, text: str, act: Optional[str], act_named_here: bool) -> Optional[GlossaryTerm]:
        """The term a user asks about for themselves ("will i also get a brede intake?", "do i need ONA?") when it
        exists only under the other act than theirs; not for what a term means, nor beside a term of their own act.
        An act remembered from earlier is the user's, not their wife's ("does she get a brede intake?")."""
        if act not in ACTS or not _ABOUT_ME.search(text) or _MEANING_ASKED.search(text):
            return None
        if not act_named_here and _SOMEONE_ELSE.search(text):
            return None
        terms = [m.term for m in self.retriever.normalizer.analyse(text).terms]
        others = [term for term in terms if term.only_under_act not in (None, act)]
        return others[0] if others and not any(term.only_under_act == act for term in terms) else None

    def _asked_term(self, text: str) -> Optional[GlossaryTerm]:
        if not _WHAT_IS_THAT.search(text):
            return None
        terms = self.retriever.normalizer.analyse(text).terms
        asked = [m for m in terms if m.term.term not in _GENERIC_TERMS] or terms
        return asked[0].term if len(asked) == 1 else None

    def topic(self, context: Context) -> str:
        """What a follow-up is about: the previous question and the title of the guide that answered it
        ("can I fail the test?" after an intake answer is about the intake's learnability test). The counter
        guide's title names every counter, not a topic: after a counter answer the question alone."""
        question = context.last_question or ""
        guide = context.last_guide
        if guide and guide != self.kb.counters.guide and guide not in question:
            return f"{question}; {guide}" if question else guide
        return question

    def _query_with_topic(self, text: str, context: Context) -> tuple[str, Optional[str]]:
        """A short follow-up without a topic of its own ("is that free?") is searched together with the
        previous question; one that names its own topic (a glossary term, a need) is searched as it is."""
        if not context.last_question or not reads_like_follow_up(text):
            return text, None
        # in a message of several sentences the asking one decides: "my brother got his DUO letter last month. is
        # it free for him?" asks about the previous topic, the DUO letter is his situation; unless the message
        # corrects the topic ("sorry i meant the normal exam, not the staatsexamen. where do i book that?")
        asking = text if _CORRECTS.search(text) else (question_focus(text) or text)
        if self.names_own_topic(asking) and not points_back(asking):
            return text, None
        return f"{text} ({self.topic(context)})", context.last_guide

    def resolve_ellipsis(self, text: str, context: Context) -> Optional[str]:
        """ "and mijn inburgering?" after "is inburgeren.nl in english?" asks the previous question about
        another thing: the previous question with its one glossary term replaced by the new one."""
        match = _ELLIPSIS.search(text or "")
        if match is None or not context.last_question:
            return None
        thing = match.group("thing")
        if _NOT_A_THING.search(thing):  # "and if i fail knm?" asks something new, not the last question again
            return None
        normalizer = self.retriever.normalizer
        new = _outer_terms(normalizer.analyse(thing).terms)
        old = _outer_terms(normalizer.analyse(context.last_question).terms)
        if len(new) != 1 or len(old) != 1 or new[0].term.term == old[0].term.term:
            return None
        pattern = re.compile(r"[\s-]+".join(map(re.escape, old[0].surface.split())), re.I)
        resolved = pattern.sub(lambda _: thing, context.last_question, count=1)
        resolved = re.sub(r"\b(\w+)\s+\1\b", r"\1", resolved, flags=re.I)  # "the writing exam exam"
        return resolved if resolved != context.last_question else None

    def names_own_topic(self, text: str) -> bool:
        """The message names a glossary term or one of the counter finder's tasks ("and about my residence
        permit?"): a follow-up in form, but about that, not about the previous turn's topic. The act a user
        states is no topic: "i'm under the 2013 act, how long do i have for it?" still asks about "it"."""
        text = without_act(text)
        if self.retriever.normalizer.analyse(text).terms:
            return True
        match = self.needs.match(text)
        return match is not None and match.score >= settings.NEED_OWN_TOPIC_MIN_SCORE

    def answer_out_of_scope(
        self, text: Optional[str], guard_note: Optional[str] = None, context: Optional[Context] = None
    ) -> Optional[Answer]:
        """NLU called the message out of scope; a strong knowledge-base match overrules it (a long
        message with one real question in it), and a follow-up on the previous answer whose words the
        guides know is answered in that topic. None: nothing strong enough, say it is out of scope."""
        in_context: Optional[Answer] = None  # the message asked with the conversation's context, asked once
        if (
            context is not None
            and context.last_question
            and reads_like_follow_up(text or "")
            and self.selector.unknown_share(text or "") < settings.OUT_OF_SCOPE_FOLLOW_UP_MAX_UNKNOWN_SHARE
        ):
            in_context = self.answer_question(text, guard_note, context)
            if in_context.answered and in_context.with_topic:
                return in_context  # answered with the previous topic, not on the message's own weak match
        if context is not None and self.continues_topic(text or "", context) and reads_like_question(text or ""):
            # "how high is the boete" after a question about the boete
            in_context = in_context or self.answer_question(text, guard_note, context)
            if in_context.answered:
                return in_context
        answer = self.answer_question(text, guard_note)
        if answer.result is None:  # the guard's own reply (empty, emoji, other script)
            return answer
        if not answer.answered:
            return None
        focus = question_focus(answer.question)  # a long message: judge the sentence that asks
        strength = max(answer.result.dense_top, self.retriever.search(focus).dense_top if focus else 0.0)
        return answer if strength >= settings.OUT_OF_SCOPE_OVERRIDE_MIN_DENSE else None

    def answer_if_question(
        self,
        text: str,
        guard_note: Optional[str] = None,
        context: Optional[Context] = None,
        follow_ups: bool = True,
    ) -> Optional[Answer]:
        """Small talk that is really a question ("what level does the IND want?" read as affirm, "what
        topics are in knm" read as help): answered from the guides when they match it well, or, for a
        question about the previous answer ("how do i ask for that"), when its topic answers it.
        `follow_ups=False` (a complaint: "this is not what i asked?"): only a question that stands on its own."""
        if len((text or "").split()) < 3 or not reads_like_question(text):
            return None
        answer = self.answer_question(text, guard_note, context if follow_ups else None)
        if answer.with_topic and _ABOUT_THE_ANSWER.search(text):  # "are you sure about that?": not a new question
            return None
        strong = answer.result is not None and answer.result.dense_top >= settings.SMALL_TALK_ANSWER_MIN_DENSE
        in_topic = answer.with_topic and reads_like_follow_up(text)  # "how do i ask for that"
        return answer if answer.answered and (strong or in_topic) else None

    @staticmethod
    def complains(text: str) -> bool:
        """ "this is not what i asked?", "wrong answer": about the last answer, not a question of its own."""
        return bool(_COMPLAINT.search(text or ""))

    def continues_topic(self, text: str, context: Context) -> bool:
        """The message names a glossary term that the previous question named too ("how high is the boete"
        after "do i get a boete?"): it is about the conversation's own subject, whatever NLU made of it."""
        if not context.last_question:
            return False
        analyse = self.retriever.normalizer.analyse
        mine = {match.term.term for match in analyse(text).terms}
        return bool(mine & {match.term.term for match in analyse(context.last_question).terms})

    def starts_counter_finder(self, text: str, intent: Optional[str]) -> bool:
        """Routing for ask_counter and a bare inform outside the finder: a button, a "which office/counter"
        request, or a bare task name ("book an exam") start it; a question or follow-up is answered."""
        if not text or text.startswith("/"):
            return True
        if intent == Intent.ASK_COUNTER:
            if not _COUNTER_REQUEST.search(text):
                return False
            # "where do I go to exchange my driving licence?": no task of ours and nothing in the guides.
            # "which office do I need?" names no topic at all: the finder asks for it.
            rest = _NO_TOPIC_WORDS.sub(" ", _COUNTER_REQUEST.sub(" ", text))
            topicless = len(self.retriever.normalizer.tokens(rest)) <= 1 and not _POINTS_AT_TOPIC.search(rest)
            if topicless or self.needs.match(text) is not None:
                return True
            return not self.retriever.search(text).abstain
        if reads_like_question(text) or reads_like_follow_up(text):
            return bool(_COUNTER_REQUEST.search(text))
        match = self.needs.match(text)
        return bool(match and match.score >= settings.NEED_MIN_SIMILARITY_FOR_QUESTION)

    def handover(self) -> Reply:
        return Reply(
            messages.HANDOVER,
            buttons=[Button(messages.BUTTON_COUNTER, payload(Intent.ASK_COUNTER))],
            source_url=messages.OFFICIAL_SITE,
        )

    def _asks_about_a_term(self, text: str) -> bool:
        """ "my mother is 63 and almost blind from diabetes. can she get ontheffing?": the story has words no guide
        has, but the asking sentence names an inburgering term (not just an organisation) and is itself known."""
        focus = question_focus(text)
        if focus is None:
            return False
        terms = {m.term.term for m in self.retriever.normalizer.analyse(focus).terms}
        return bool(terms - _GENERIC_TERMS) and (self.selector.unknown_share(focus) < settings.UNKNOWN_WORDS_MIN_SHARE)

    # -- other replies ----------------------------------------------------------------
    @staticmethod
    def asks_where_to_start(text: str) -> bool:
        """The message asks, in so many words, where to begin, anywhere in it ("where do i start? everything is so
        confusing"; not "when does it start?")."""
        return bool(_ASKS_WHERE_TO_START.search(text or ""))

    @staticmethod
    def asks_only_where_to_start(text: str) -> bool:
        """ "where do I start? I fall under the 2013 act": the question is the path itself, with nothing after
        it that names a topic ("where do I start with KNM?" asks about KNM)."""
        return bool(_WHERE_TO_START.search(text or "")) and (text or "").count("?") <= 1  # not "...? and how much?"

    def overview(self, act: Optional[str]) -> Reply:
        if self.kb.overview is None:
            return compose_abstain()
        return compose_overview(self.kb, self.kb.overview, act)

    def step_after(self, text: str, act: Optional[str]) -> Optional[tuple[Reply, str]]:
        """ "ok and then after the PIP?": the step of the path after the one that names that term (the first
        step naming it, in the path for the user's act), with the step's text as the topic of the turn."""
        match = _STEP_AFTER.search(text or "")
        if match is None or self.kb.overview is None:
            return None
        thing = match.group("thing")
        terms = [m.term for m in self.retriever.normalizer.analyse(thing).terms]
        if len(terms) != 1 or not any(fold(form) == fold(thing) for form in terms[0].surface_forms):
            # "after the intake": the one term whose name ends in it ("brede intake", "broad intake")
            terms = [t for t in self.kb.glossary if any(fold(f).endswith(f" {fold(thing)}") for f in t.surface_forms)]
        if len(terms) != 1:
            return None
        steps = self.kb.overview.steps_for(act)
        for index, step in enumerate(steps[:-1]):
            if any(m.term.term == terms[0].term for m in self.retriever.normalizer.analyse(step.text).terms):
                return compose_step(self.kb, steps, index + 1, terms[0].term), steps[index + 1].text
        return None

    def asks_to_look_up(self, text: str) -> bool:
        """ "can you look up my deadline?", "check my status": a request to see the user's own file (not a
        general question that also contains personal data, like "my BSN is …, what does BSN mean?")."""
        return bool(_LOOK_UP.search(text or "")) or not reads_like_question(text or "")

    def personal_file(self) -> Reply:
        return Reply(
            messages.PERSONAL_FILE,
            buttons=[Button(messages.BUTTON_COUNTER, payload(Intent.ASK_COUNTER))],
            source_url=messages.OFFICIAL_SITE,
        )

    def contact(self, text: str, context: Context) -> Reply:
        """Who to phone, write or visit for the topic of this message, else of the previous turn: the
        counter from counters.yml with its official page (never a number of our own)."""
        table = self.kb.counters
        for candidate in (text, context.last_question or ""):
            match = self.needs.match(candidate) if candidate else None
            if match and match.score >= settings.CONTACT_NEED_MIN_SCORE:
                answer = match.need.answer_for(context.act)
                counter = table.counters[answer.counter]
                body = messages.CONTACT.format(topic=match.need.title.lower(), counter=counter.name, url=counter.url)
                body += f"\n{sentences(answer.what)[0]}"
                return Reply(body, guide=table.guide, source_url=counter.url)
        urls = {key: c.url for key, c in table.counters.items()}
        body = messages.CONTACT_GENERAL.format(
            duo=urls.get("duo", messages.OFFICIAL_SITE),
            municipality=urls.get("municipality", messages.MUNICIPALITY_PAGE),
            ind=urls.get("ind", messages.OFFICIAL_SITE),
        )
        return Reply(body, guide=table.guide, source_url=urls.get("duo"))

    # -- glossary -------------------------------------------------------------------
    def find_term(self, text: str) -> Optional[GlossaryTerm]:
        wanted = fold(text or "").strip(" ?!.")
        for term in self.kb.glossary:
            if wanted in (fold(f) for f in term.surface_forms):
                return term
        matches = _specific_first(self.retriever.normalizer.analyse(text or "").terms)
        return matches[0].term if matches else None  # "wat betekent afschalen bij inburgering?": afschalen

    def explain(
        self,
        entity_value: Optional[str],
        text: str,
        guard_note: Optional[str] = None,
        context: Optional[Context] = None,
    ) -> Answer:
        """A "what is X?" question about a glossary term gets the term's meaning; a longer question that
        only mentions a term is answered from the guides."""
        checked = check(text)
        note = guard_note or checked.note
        if note is not None and note != NOTE_TOO_LONG:
            return self.answer_question(text, guard_note, context)
        term = self.find_term(entity_value) if entity_value else None
        term = term or self.find_term(checked.text)
        if term is None or not _asks_meaning(checked.text, term):
            return self.answer_question(text, guard_note, context)
        if context is not None and self.resolve_ellipsis(checked.text, context) is not None:
            return self.answer_question(text, guard_note, context)  # "and mijn inburgering?": the last question
        reply = compose_term(self.kb, term)
        return Answer([reply], answered=True, guide=reply.guide, question=checked.text)

    # -- guides ---------------------------------------------------------------------
    def open_guide(self, ref: Optional[str]) -> Reply:
        title = guide_from_ref(self.kb, ref or "")
        return compose_guide_overview(self.kb, title) if title else compose_abstain()

    # -- counter finder -------------------------------------------------------------
    def need_from(self, value: Optional[str]) -> Optional[Need]:
        if not value:
            return None
        need = self.needs.by_id(value)
        if need:
            return need
        match = self.match_need(value)
        return match.need if match else None

    def match_need(self, text: str) -> Optional[NeedMatch]:
        """The task a message names, read without the act and without the request's own words ("which office
        should I contact" names no task, not the contact person); in a long message the sentence that asks
        first ("so many offices! ... who sends me the brief?"), else the whole message."""
        focus = question_focus(text)
        for part in (focus, text) if focus else (text,):
            task = task_part(part)
            if not set(self.retriever.normalizer.tokens(task)) - _NO_TASK_WORDS:
                continue  # "hi, which office should i contact for my inburgering?"
            match = self.needs.match(task)
            if match is not None:
                return match
        return None

    def interpret_need_reply(self, text: str, intent: Optional[str]) -> tuple[str, Optional[Need]]:
        """What a message means while the counter finder waits for the need:
        ('need', Need) | ('digression', None): a question to answer first | ('other', None): an exit or
        small talk, left to the rules | ('nonsense', None): re-ask."""
        if intent == Intent.OUT_OF_SCOPE and not reads_like_question(text):
            return "nonsense", None  # "blorp zzzz qqq" while the finder waits: ask again, don't end it
        if intent in TASK_LIKE_INTENTS:  # "where can i see my exam results" answers "what do you want to do?"
            match = self.match_need(text)
            if match and match.score >= settings.NEED_MIN_SIMILARITY_FOR_QUESTION:
                return "need", match.need
        if intent not in NEED_INTENTS:
            return "other", None
        question = reads_like_question(text)
        if question and _MEANING.search(text) and intent != Intent.INFORM:
            return "digression", None  # "wait, what's a PIP?" asks what it is, it does not pick the task
        match = self.match_need(text)
        asks = question and intent in (Intent.ASK_QUESTION, Intent.NLU_FALLBACK)
        # a question must be close to a task to pick it; a statement answers "what do you want to do?" ("i was sick
        # for a long time and now i need more time"), whatever NLU called it
        threshold = settings.NEED_MIN_SIMILARITY_FOR_QUESTION if asks else 0.0
        if match and match.score >= threshold:
            return "need", match.need
        if intent == Intent.ASK_QUESTION or asks:
            return "digression", None
        checked = check(text)
        if intent == Intent.NLU_FALLBACK and checked.answerable and not self.retriever.search(checked.text).abstain:
            return "digression", None
        return "nonsense", None

    def interpret_act_reply(self, text: str, intent: Optional[str]) -> tuple[str, Optional[Need]]:
        """While the finder asks for the act: ('act', None) parseable; ('need', Need) the user changed
        their mind about the task; ('digression', None) a question and ('other', None) an exit or small
        talk, both left to the rules; ('unclear', None): say so and ask again ("I am 24")."""
        if self.act_from(text):
            return "act", None
        if intent not in NEED_INTENTS:
            return "other", None
        # "hmm no, forget that. i want ontheffing, i have epilepsy": another task, whatever NLU called it (a
        # question is answered first: "is that the same as the PIP?")
        question = reads_like_question(text)
        changes = intent in (Intent.ASK_COUNTER, Intent.INFORM) or not question
        match = self.match_need(text) if changes else None
        said_so = not question and _CHANGE_OF_MIND.search(text)  # any match; else only a clear one
        if match and (said_so or match.score >= settings.NEED_MIN_SIMILARITY_FOR_QUESTION):
            return "need", match.need
        return ("digression" if question else "unclear"), None

    def need_buttons(self, all_needs: bool = False) -> list[Button]:
        needs = self.kb.counters.needs if all_needs else self.kb.counters.needs[: settings.NEED_BUTTONS]
        return [Button(n.title, payload(Intent.INFORM, need=n.id)) for n in needs]

    def resume_buttons(self) -> list[Button]:
        return [
            Button(messages.BUTTON_CONTINUE, payload(Intent.CONTINUE_FORM)),
            Button(messages.BUTTON_NO_THANKS, payload(Intent.DENY)),
        ]

    def needs_act(self, need_id: Optional[str]) -> bool:
        need = self.needs.by_id(need_id or "")
        return bool(need and need.depends_on_act)

    @staticmethod
    def act_from(text: Optional[str]) -> Optional[str]:
        if not text:
            return None
        if text in (ACT_2021, ACT_2013, ACT_UNKNOWN):
            return text
        return parse_act(text)

    def act_question(self) -> Reply:
        question = self.kb.counters.act_question.question
        return Reply(
            messages.ACT_INTRO.format(question=question),
            buttons=[
                Button(messages.BUTTON_ACT_2021, payload(Intent.INFORM, integration_act=ACT_2021)),
                Button(messages.BUTTON_ACT_2013, payload(Intent.INFORM, integration_act=ACT_2013)),
                Button(messages.BUTTON_ACT_UNKNOWN, payload(Intent.INFORM, integration_act=ACT_UNKNOWN)),
            ],
        )

    def act_help(self) -> Reply:
        q = self.kb.counters.act_question
        return Reply(messages.ACT_HELP.format(help=q.help, url=q.source_url))

    def counter_answer(self, need_id: str, act: Optional[str]) -> Reply:
        need = self.needs.by_id(need_id)
        if need is None:
            return compose_abstain()
        return compose_counter_answer(self.kb.counters, need, act)

    def need_title(self, need_id: Optional[str]) -> Optional[str]:
        need = self.needs.by_id(need_id or "")
        return need.title if need else None

    def need_for_request(self, text: str, context: Context) -> Optional[str]:
        """The task a finder request already names: a start year before 2013, or, for a follow-up
        ("which organisation decides about it?"), the topic of the previous turn."""
        early = self.need_for_start_year(text)
        if early:
            return early
        # "and who do I call about my brede intake appointment?" names its own topic: not the previous task
        own = self.match_need(text)
        if own is not None and own.score >= settings.NEED_MIN_SIMILARITY_FOR_QUESTION:
            return None  # "and for my permanent verblijfsvergunning who i ask?": the finder reads the task itself
        if context.last_question and reads_like_follow_up(text) and not self.names_own_topic(text):
            # the message says what to do ("where do I register for it?"), the previous turn what it is about
            match = self.needs.match(f"{without_act(text)} {context.last_question}")
            if match and match.score >= settings.CONTACT_NEED_MIN_SCORE:
                return match.need.id
        return None

    def answers_follow_up(self, text: str, context: Context, own_request: Optional[re.Pattern[str]] = None) -> bool:
        """A short message leaning on the previous turn ("what should i bring", "where i can see it")
        is answered from the guides with that topic, whatever small intent NLU gave it; unless it
        still reads as the intent's own request (`own_request`)."""
        if not context.last_question or not (reads_like_follow_up(text) or len(text.split()) <= 5):
            return False
        return not (own_request and own_request.search(text))

    def need_for_start_year(self, text: str) -> Optional[str]:
        """ "I started inburgering in 2011": the row for people who started before 2013, whatever they ask."""
        need = self.before_2013_need
        return need.id if need and parse_act(text) == ACT_BEFORE_2013 else None

    @property
    def before_2013_need(self) -> Optional[Need]:
        return self.kb.counters.need(BEFORE_2013_NEED)


_LOOK_UP = re.compile(
    r"\b(look|check|see|find|tell|show|give)\b.{0,25}\b(my|mine|me)\b"
    r"|\b(what|when|where) (is|are|was) my\b|\bmy (own )?(deadline|result|results|status|file|case|application|"
    r"dossier|score|date|loan|exemption)\b|\bdid i pass\b|\bam i (approved|exempt)\b",
    re.I,
)
_YEAR = re.compile(r"\b(19|20)\d\d\b")


_CORRECTS = re.compile(r"\b(i meant|i mean|not the|actually|instead of|rather)\b", re.I)
_COMPLAINT = re.compile(
    r"\b(wrong|incorrect|not (what|right|correct|helpful|true|useful|my question)|(doesn'?t|does not|didn'?t|did not) "
    r"(help|answer)|useless|nonsense|klopt niet|niet (goed|juist)|fout)\b",
    re.I,
)
# Where to begin: anywhere in a message (the path when no guide answers it) ...
_ASKS_WHERE_TO_START = re.compile(
    r"\b(where|how) (do|should|can|shall) (i|we) (start|begin)\b|\bwhere to (start|begin)\b|\bfirst steps?\b"
    r"|\bwhat (do|should) i do first\b|\b(just|recently) arrived\b|\bnew here\b|\bwaar (moet ik )?beginnen\b",
    re.I,
)
# ... or as the whole question, with nothing after it that names a topic (the path whatever NLU made of it)
_WHERE_TO_START = re.compile(
    r"(\b(where|how) (do|should|can|shall|must) (i|we) (start|begin)|\bwhere to (start|begin)"
    r"|\bwhat (do|should|must) (i|we) do first)"
    r"( with (the |my |this |all )?(inburgering|inburgeren|integration|civic integration|integrating|everything|this))?"
    r"\W*(\?|!|\.|$)",
    re.I,
)
_ABOUT_THE_ANSWER = re.compile(
    r"\b(are|were) (you|u)\b|\b(you|u) (said|say|mean|meant|sure|wrong|know|help|understand)\b"
    r"|\b(your|ur) (answer|reply|message)\b|^\W*why\b",
    re.I,
)
_CHANGE_OF_MIND = re.compile(
    r"\b(forget (it|that|this)|never ?mind|instead|actually|rather|something else|another thing|"
    r"i (want|need|would like|wanted)( to)?)\b|^\W*(no|nee)\b",
    re.I,
)


def _specific_first(matches: list[TermMatch]) -> list[TermMatch]:
    """Terms that name an organisation or the whole field ("inburgering") after the others."""
    return sorted(matches, key=lambda m: m.term.term in _GENERIC_TERMS)


def _outer_terms(matches: list[TermMatch]) -> list[TermMatch]:
    """The glossary matches not inside a longer one ("mijn inburgering", not also its "inburgering")."""
    surfaces = [fold(m.surface) for m in matches]
    return [m for m, own in zip(matches, surfaces) if not any(own != other and own in other for other in surfaces)]


# The words of a finder request that ask for an office without naming a task: "which office should I contact",
# "who do I ask", "where do I go", "the gemeente or DUO" (not the verb of "where do I book ...": that is the task)
_OFFICES = r"(duo|gemeente|municipality|mijn inburgering|ind|(my )?contact ?person)"
_REQUEST_FRAME = re.compile(
    rf"\b(which|what) ({_OFFICE_NOUNS}|one)"
    r"( (do|should|can|must|shall) i (contact|go to|need|use|ask|call|write to))?\b"
    r"|\bwhere (do|can|should|must|shall) i (go( to)?|ask( for)?|apply( for)?|request)\b"
    r"|\b(for|of|in|with) (my|the|your) (inburgering|integration|inburgeren)\b"  # "extra time for my inburgering"
    rf"|{_WHO_DO_I_ASK}"
    rf"|\b(the |my )?{_OFFICES}((, ?| or | at )(the |my )?{_OFFICES})*,? or (the |my )?{_OFFICES}\b"
    rf"|,\s*((is it|at|to|from) )?(the |my )?{_OFFICES}((, ?| or | at )(the |my )?{_OFFICES})*( office)?\W*$",  # ", my contact person?"
    re.I,
)
# Words that name no task on their own (a greeting, inburgering itself)
_NO_TASK_WORDS = frozenset("hello hi hey please thanks inburgering inburgeren integration integrate".split())


def task_part(text: str) -> str:
    """What names the task in a finder request: without the act and the request's frame ("who do I ask")."""
    return without_act(_REQUEST_FRAME.sub(" ", text))


def without_act(text: str) -> str:
    """The task part of a message: "i'm under the 2013 wet, where do i ask for extra time?" → the year and
    the act say nothing about the task (and a year would pull towards "I started before 2013")."""
    return _YEAR.sub(" ", without_act_clause(text))


_MEANING = re.compile(
    r"\b(what|wat)\b.{0,30}\b(is|are|does|do|means?|betekent|stands?)\b|\bwhat'?s\b|\bmean(s|ing)?\b|\bexplain\b"
    r"|\bdefinition\b|^\W*\w+(\s\w+){0,3}\W*$",
    re.I,
)
_WHAT_IS_THAT = re.compile(
    r"\bwhat('s| is| does) (that|this|it)( mean)?\b|\bwhat does (the word )?[\w-]+ mean\b|\bmeaning of\b"
    r"|\bwat is (dat|het)\b|\bwat betekent\b"
    r"|\b(explain|uitleggen)( (to )?me)?( (the|a|an|what|wat))? [\w-]+( [\w-]+){0,2}( (is|are|please|pls|plz))?\W*$",
    re.I,
)


def _asks_meaning(text: str, term: GlossaryTerm) -> bool:
    """ "What is a PIP?" and "vrijstelling, what is that? my teacher said ..." ask the meaning; "Can I
    change my PIP after signing?" asks something else."""
    return bool(_WHAT_IS_THAT.search(text)) or (bool(_MEANING.search(text)) and len(text.split()) <= 10)


# While the finder waits for the task, only these can name it; every other intent is left to the rules
# (a side question is answered, an exit ends the finder).
NEED_INTENTS = {Intent.INFORM, Intent.ASK_COUNTER, Intent.ASK_QUESTION, Intent.NLU_FALLBACK}
# Intents NLU gives to some task descriptions; while the finder asks for the task, a strong task match wins.
TASK_LIKE_INTENTS = {Intent.PERSONAL_FILE, Intent.ASK_CONTACT, Intent.ASK_START}
__all__ = [
    "ACTS",
    "ACT_BEFORE_2013",
    "ACT_UNKNOWN",
    "NEED_INTENTS",
    "Answer",
    "Assistant",
    "Context",
    "assistant_for",
    "get_assistant",
]


@lru_cache(maxsize=1)
def get_assistant() -> Assistant:
    return Assistant(retriever_for(settings.KNOWLEDGE_DIR, settings.INDEX_DIR))


def assistant_for(knowledge_dir: Path, index_dir: Path) -> Assistant:
    return Assistant(retriever_for(knowledge_dir, index_dir))
