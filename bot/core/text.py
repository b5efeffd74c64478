"""Plain-text helpers shared by Rasa's NLU plugins and the action server (standard library only):
sentences, the sentence that asks, language hints, follow-up cues."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(]?[A-Z0-9])")
_FOCUS_SPLIT = re.compile(
    r"(?<=[.!?])\s+|\s*\.\.\.\s*|,\s+(?=(?:what|how|where|who|which|when|can|do|does|is|are)\b)", re.I
)


def sentences(text: str) -> list[str]:
    """Split prose into sentences (abbreviations in the knowledge base avoid a full stop before a capital)."""
    return [s.strip() for s in _SENTENCE_END.split((text or "").strip()) if s.strip()]


# where a sentence of a user's message ends (lower-case starts too: people type that way)
_MESSAGE_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\s*\.\.\.\s*")


def _focus_parts(text: str, split: re.Pattern[str] = _FOCUS_SPLIT) -> tuple[list[str], int] | None:
    """The sentences of a message of several sentences (3+ words each), and the index of the one that asks (the last
    with a question mark, else the last); None when there are fewer than two."""
    parts = [p.strip() for p in split.split(text or "") if p and len(p.split()) >= 3]
    if len(parts) < 2:
        return None
    asking = [i for i, p in enumerate(parts) if "?" in p]
    return parts, (asking[-1] if asking else len(parts) - 1)


def question_focus(text: str) -> str | None:
    """For a message of several sentences, the one that asks the question (else the last); None if short."""
    found = _focus_parts(text)
    return found[0][found[1]] if found else None


def focus_with_context(text: str, short_words: int = 5, whole_sentences: bool = False) -> str | None:
    """question_focus(), with the sentence before it when the asking one is short and says little on its own
    ("... i dont see a start date for my 3 years. is something wrong?"). `whole_sentences`: split only where a
    sentence ends ("i have work that day, do i really have to go?" is one)."""
    found = _focus_parts(text, _MESSAGE_SENTENCE_END if whole_sentences else _FOCUS_SPLIT)
    if found is None:
        return None
    parts, i = found
    if i > 0 and len(parts[i].split()) <= short_words:
        return f"{parts[i - 1]} {parts[i]}"
    return parts[i]


def asking_part(text: str, max_chars: int) -> str:
    """What NLU and search should read of a message longer than the cap: the asking sentence (wherever it
    is), with the sentence before it as context when there is room; else the message's end."""
    parts = [p.strip() for p in _FOCUS_SPLIT.split(text) if p and p.strip()]
    asking = [i for i, p in enumerate(parts) if "?" in p]
    i = asking[-1] if asking else len(parts) - 1
    chosen = parts[i][-max_chars:] if parts else text[-max_chars:]
    if i > 0 and len(parts[i - 1]) + len(chosen) + 1 <= max_chars:
        chosen = f"{parts[i - 1]} {chosen}"
    return chosen


_DUTCH_WORDS = frozenset(
    "de het een ik je jij u wij we zij hij mijn mij moet moeten kan kunnen wat hoe waar wanneer welke wie "
    "waarom is zijn ben heb hebt heeft niet geen voor van met naar bij als dan ook nog maar of en dat dit "
    "er om te zo veel hoeveel krijg krijgen doen doe mag mogen wil willen tot na over".split()
)
_ENGLISH_WORDS = frozenset(
    "the a an i you my me is are do does can what how where when which who why have has not no for of with "
    "to at if then also and or that this there it in on".split()
)
_WORD = re.compile(r"[a-zà-ÿ']+", re.I)
# Function words of languages newcomers may write in Latin script (Turkish, Spanish, Portuguese, French, Polish,
# German, Somali), minus any word English or Dutch also has: "merhaba, inburgering sınavı için nereye ...?"
_OTHER_LANGUAGE_WORDS = (
    frozenset(
        (  # Turkish
            "merhaba selam için nereye nerede nasıl neden hangi ne mi mı mu mü bir ve bu şu ben benim sen var yok "
            "kadar ile gibi ama çok lütfen teşekkürler yapmalıyım olmalıyım "
            # Spanish / Portuguese
            "hola olá dónde donde cómo como qué que para por con el la los las es mi yo tengo puedo necesito hacer "
            "gracias obrigado onde eu meu minha preciso posso fazer não um uma sou estou "
            # French
            "bonjour où comment je mon ma mes est suis pour avec dois faire le les une du des merci pourquoi "
            # Polish
            "cześć dzień dobry gdzie jak czy jest mam się nie na mój moja dziękuję muszę "
            # German
            "hallo ich und wo wie muss kann nicht für mit der das ist mein meine bitte danke "
            # Somali
            "waa iyo sidee xagee maxaan waxaan"
        ).split()
    )
    - _DUTCH_WORDS
    - _ENGLISH_WORDS
)
_ANY_WORD = re.compile(r"[^\W\d_]+", re.U)


def looks_dutch(text: str) -> bool:
    """More Dutch function words than English ones, and at least two of them."""
    words = [w.lower() for w in _WORD.findall(text or "")]
    dutch = sum(w in _DUTCH_WORDS for w in words)
    english = sum(w in _ENGLISH_WORDS for w in words)
    return dutch >= 2 and dutch > english


def looks_english(text: str) -> bool:
    """At least one English function word, and more of them than Dutch ones."""
    words = [w.lower() for w in _WORD.findall(text or "")]
    english = sum(w in _ENGLISH_WORDS for w in words)
    return english >= 1 and english > sum(w in _DUTCH_WORDS for w in words)


def looks_other_language(text: str) -> bool:
    """Written in another language (in Latin script): at least two of its function words, more than English and
    Dutch ones together. A Dutch word or two inside ("inburgering sınavı için nereye ...") does not make it Dutch."""
    words = [w.lower() for w in _ANY_WORD.findall(text or "")]
    other = sum(w in _OTHER_LANGUAGE_WORDS for w in words)
    known = sum(w in _ENGLISH_WORDS or w in _DUTCH_WORDS for w in words)
    return other >= 2 and other > known


# Words that name a person the user asks about ("my brother is 16, does he ..."): they say who, not what
PERSON_WORDS = frozenset(
    "wife husband partner son sons daughter daughters child children kid kids mother father mom mum dad parent parents"
    " sister sisters brother brothers friend friends cousin neighbour neighbor grandmother grandfather grandma grandpa"
    " aunt uncle nephew niece boyfriend girlfriend fiance fiancee baby vrouw man zoon dochter moeder vader zus broer"
    " vriend vriendin kind kinderen ouders".split()
)


_FOLLOW_UP_START = re.compile(
    r"^\s*((oh|ah|hmm+|one more( question| thing)?|last question)\W+)*"  # "oh one more. if i ...?"
    r"((ok(ay)?|thanks|thank you|great|good|alright)\W*(and|so|but|also)|and|but|so|also|what if|and if|if|and what|"
    r"how about|what about|then|en( als| wat( als)?| wie| waar| hoe| wanneer)?|maar( als)?|wat als)\b",
    re.I,
)
_ANAPHOR = re.compile(
    r"\b(it|that|this|there|they|them|those|these|its|he|she|for that|for it)\b"
    # Dutch ("waar moet ik dat doen?", "hoeveel kost dat?"), not the conjunction ("ik denk dat ...")
    r"|\b(dat|dit|daar)( ook)?\s*[?.!]*\s*$|\b(daarvoor|daarmee|ervoor)\b"
    r"|\b(kost|is|duurt|doe|moet|kan|mag|betaal|regel) (ik |je |u )?(dat|dit)\b|\b(dat|dit) (doen|aanvragen|betalen|regelen|halen)\b",
    re.I,
)


# "in that exam", "for this route": the message names what it asks about (writing) in the previous turn's thing
_THINGS = (
    r"(exam|test|route|course|module|letter|brief|form|site|website|plan|school|period|part|one|appointment|"
    r"conversation|interview|programme|program|statement|certificate|diploma|result|score)s?\b"
)
_POINTS_BACK = re.compile(
    rf"\b(that|this|the same|those|these)\s+{_THINGS}"
    r"|\b(of|for|about|in|with|from|after|before|at) (it|that|this|them)\s*([?.!,]|$)",  # "at the end of it?"
    re.I,
)
# "how long does the exam take?", "waarvoor gebruikt de gemeente de uitslag?": which exam is the last one
_THE_THING = re.compile(
    rf"\bthe\s+{_THINGS}|\b(de|het)\s+(uitslag|examen|toets|test|route|cursus|brief|formulier|lessen|school|plan"
    r"|gesprek|module|diploma|termijn)\b",
    re.I,
)


def points_back(text: str) -> bool:
    """The message refers to the previous turn's thing by a demonstrative ("is there writing in that exam?") or by
    a pronoun after a preposition ("is there a DUO exam at the end of it?")."""
    return bool(_POINTS_BACK.search(text or ""))


def names_a_thing_by_the(text: str) -> bool:
    """ "the exam", "the route" with nothing that says which: in a follow-up, the previous turn's thing."""
    return bool(_THE_THING.search(text or ""))


def reads_like_follow_up(text: str) -> bool:
    """A short message that leans on the previous turn ("is that free?", "and where do I sign up for it?")."""
    words = _WORD.findall(text or "")
    if len(words) > 12:  # "my dad is past the pension age. does he have to go to that too?": its asking sentence
        focus = question_focus(text)
        return focus is not None and len(_WORD.findall(focus)) <= 12 and reads_like_follow_up(focus)
    if not words:
        return False
    if len(words) <= 3 and "?" in text:  # "multiple choice?", "how many questions?"
        return True
    return bool(_FOLLOW_UP_START.search(text) or _ANAPHOR.search(text))


_QUESTION_START = re.compile(
    r"^\W*(what|what's|whats|how|where|when|who|whom|which|why|can|could|do|does|did|is|are|am|should|will|would|"
    r"may|must|have|has|and if|what if|wat|hoe|waar|wanneer|wie|welke|waarom|kan|moet|mag)\b",
    re.I,
)


# Acknowledgement words that can open a message before its question ("ok thanks. is it free?", "great, and ...")
_ACK_WORD = re.compile(
    r"(ok(ay|e|é)?|k|thank (you|u)|thanks?|thx|ty|tnx|a lot|so much|very much|great|good|cool|nice|perfect|super|"
    r"alright|all right|got it|i see|understood|clear|fine|lol|haha|wow|oh|ah|hmm+|bedankt|dank (je|u)( wel)?|"
    r"dankjewel|top|fijn|prima|mooi|duidelijk)(?![\w'])",
    re.I,
)
_NON_WORD = re.compile(r"[\W_]*")


def without_acknowledgement(text: str) -> str:
    """ "ok thanks. is it free?" -> "is it free?": the question that NLU and search should read. The message stays as
    it is when no question of two words or more follows ("thanks, that helps", "ok bye"), or when the first words
    run on without a break into something else ("good morning, what is ...")."""
    text = text or ""
    position, separator = len(text) - len(re.sub(r"^[\W_]+", "", text)), ""
    while match := _ACK_WORD.match(text, position):
        gap = _NON_WORD.match(text, match.end())
        separator = gap.group(0) if gap else ""
        position = match.end() + len(separator)
    if not separator:
        return text
    rest = text[position:]
    asks = reads_like_question(rest) or reads_like_question(re.sub(r"^(and|so|but|also|then)\s+", "", rest, flags=re.I))
    if len(_WORD.findall(rest)) < 2 or not asks:
        return text
    broke_off = bool(re.search(r"[^\s\w]", separator))  # punctuation or an emoji after the acknowledgement
    if broke_off or _QUESTION_START.search(rest) or _FOLLOW_UP_START.search(rest):
        return rest
    return text


def reads_like_question(text: str) -> bool:
    """A message that asks something: a question mark, or a sentence or clause that starts with a
    question word ("sorry wrong keyboard. what is the Z route")."""
    return "?" in (text or "") or any(_QUESTION_START.search(part) for part in re.split(r"[.!;,]", text or ""))
