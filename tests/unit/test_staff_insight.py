"""The staff page's numbers (bot.tools.insight), grouping and YAML draft (bot.tools.gaps), date filter, token
and CSV (bot.ops.staff) on a tracker store seeded the way Rasa's SQLTrackerStore writes it."""

from __future__ import annotations

import stat
from datetime import date, timedelta

import numpy as np
import pytest

from bot.ops import staff
from bot.ops.staff import auth, page
from bot.tools.evaluate import load_questions
from bot.tools.gaps import draft_yaml, group_questions
from bot.tools.insight import ABSTAINED, OUT_OF_SCOPE, Period, Unanswered, classify, report_for
from tests.support import tracker_seed as seed

TODAY = date(2026, 3, 10)
PERIOD = Period(TODAY - timedelta(days=2), TODAY)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    db = seed.write_sqlite(tmp_path_factory.mktemp("store") / "tracker.db", seed.conversations(TODAY))
    return report_for(str(db), PERIOD)


def test_days_count_conversations_turns_and_outcomes(report):
    rows = [(d.day, d.conversations, d.turns, d.answered, d.abstained, d.out_of_scope) for d in report.days]
    assert rows == [
        (TODAY - timedelta(days=2), 1, 4, 1, 1, 0),
        (TODAY - timedelta(days=1), 1, 4, 1, 1, 1),
        (TODAY, 2, 6, 0, 0, 1),
    ]
    assert report.conversations == 4  # the conversation 20 days ago is outside the period
    assert (report.totals.turns, report.totals.answered, report.totals.abstained) == (14, 2, 2)


def test_unanswered_newest_first_without_button_payloads_or_old_questions(report):
    assert [(u.text, u.kind) for u in report.unanswered] == [
        ("what is the weather in amsterdam this weekend", OUT_OF_SCOPE),
        ("my bsn is [bsn], are pets allowed in the exam room", ABSTAINED),
        ("what is the weather in utrecht tomorrow", OUT_OF_SCOPE),
        ("can i bring my dog to the exam", ABSTAINED),
    ]


def test_not_helpful_shows_question_guide_and_passage(report):
    [rated] = report.not_helpful
    assert rated.question == "what is the z-route?"
    assert rated.guide == seed.Z_GUIDE
    assert rated.passage == seed.Z_PASSAGE  # without the source line
    assert rated.url == seed.Z_URL


def test_guides_counter_outcomes_and_knm(report):
    assert report.guides == [(seed.Z_GUIDE, 1), (seed.COUNTER_GUIDE, 1)]  # most answered, then by name
    outcomes = {o.need: (o.answered, o.left, o.unfinished) for o in report.counter}
    assert outcomes == {"book_exam": (1, 0, 1), "exam_exemption": (0, 1, 0)}
    knm = {r.theme: (r.right, r.asked, r.conversations) for r in report.knm}
    assert knm == {"housing": (4, 6, 2), "work_and_income": (1, 2, 1)}  # each conversation's last value


def test_rasa_own_store_gives_the_same_report(tmp_path, report):
    """The seed written by Rasa's SQLTrackerStore (.venv-rasa) reads the same as the direct rows."""
    if not seed.RASA_PY.exists():
        pytest.fail("no .venv-rasa: run `make setup`")
    db = seed.write_with_rasa(tmp_path / "rasa.db", seed.conversations(TODAY))
    assert report_for(str(db), PERIOD) == report


def test_a_missing_or_empty_store_gives_an_empty_report(tmp_path):
    empty = report_for(str(tmp_path / "none.db"), PERIOD)
    assert empty.conversations == 0 and empty.unanswered == [] and len(empty.days) == 3
    (tmp_path / "blank.db").write_bytes(b"")
    assert report_for(str(tmp_path / "blank.db"), PERIOD).conversations == 0


def test_classify_signals():
    assert classify([{"text": "Hi"}]) == ("other", None)
    assert classify([{"text": "x", "metadata": {"utter_action": "utter_out_of_scope"}}])[0] == OUT_OF_SCOPE
    assert classify([{"text": "Intro"}, {"text": seed.answer_text("A.", "G", "https://duo.nl/x")}]) == ("answered", "G")
    assert classify([{"text": "KNM: Right!\nSource: https://duo.nl/x"}]) == ("other", None)  # no guide named


def _unanswered(texts):
    return [Unanswered(t, 1000.0 + i, ABSTAINED) for i, t in enumerate(texts)]


def fake_encoder(texts):
    """Questions about pets on one axis, weather on another, anything else on its own."""
    out = []
    for i, text in enumerate(t.lower() for t in texts):
        v = np.zeros(64)
        v[
            0 if any(w in text for w in ("dog", "pet", "cat")) else 1 if "weather" in text or "rain" in text else 2 + i
        ] = 1
        out.append(v)
    return np.array(out)


def test_grouping_counts_repeats_and_orders_groups_and_examples():
    questions = _unanswered(
        [
            "can i bring my dog",
            "weather tomorrow",
            "are pets allowed",
            "Can I  bring my DOG",
            "lottery numbers",
            "rain?",
        ]
    )
    groups = group_questions(questions, fake_encoder, min_cosine=0.5)
    assert [(g.count, g.examples) for g in groups] == [
        (3, ["Can I  bring my DOG", "are pets allowed"]),  # the repeat counts; newest first
        (2, ["rain?", "weather tomorrow"]),
        (1, ["lottery numbers"]),
    ]
    assert [g.count for g in group_questions(questions, None)] == [2, 1, 1, 1, 1]  # no encoder: same text only


def test_draft_yaml_round_trips_through_the_eval_loader(tmp_path):
    groups = group_questions(_unanswered(['can i bring my dog "rex"', "are pets allowed", "weather?"]), fake_encoder)
    path = tmp_path / "gaps.yml"
    path.write_text(draft_yaml(groups, PERIOD))
    loaded = load_questions(path)
    assert [(q.q, q.guides) for q in loaded] == [("are pets allowed", None), ("weather?", None)]
    path.write_text(draft_yaml(groups, PERIOD, all_examples=True))
    assert {q.q for q in load_questions(path)} == {'can i bring my dog "rex"', "are pets allowed", "weather?"}
    path.write_text(draft_yaml([], PERIOD))
    assert load_questions(path) == []


def test_period_from_query():
    assert staff.period_from({}, TODAY)[0].last == TODAY
    period, note = staff.period_from({"from": ["2026-03-01"], "to": ["2026-02-20"]}, TODAY)
    assert (period.first, period.last, note) == (date(2026, 2, 20), date(2026, 3, 1), "")
    period, note = staff.period_from({"from": ["yesterday'; drop table"]}, TODAY)
    assert period == Period.last_days(30, TODAY) and "not understood" in note
    period, note = staff.period_from({"from": ["2000-01-01"], "to": ["2026-03-10"]}, TODAY)
    assert (period.last - period.first).days == staff.MAX_DAYS - 1 and note


def test_token_is_generated_once_private_and_checked(tmp_path, monkeypatch):
    monkeypatch.setattr(auth.settings, "STAFF_TOKEN", "")
    monkeypatch.setattr(auth.settings, "VAR_DIR", tmp_path)
    token = auth.staff_token()
    assert len(token) >= 24 and auth.staff_token() == token
    assert stat.S_IMODE((tmp_path / "staff_token").stat().st_mode) == 0o600
    assert auth.authorized(f"Bearer {token}", None, token)
    assert not auth.authorized("Bearer wrong", None, token) and not auth.authorized(None, None, token)
    cookie = auth.set_cookie(token)
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and token not in cookie
    assert auth.authorized(None, cookie.split(";")[0], token)
    assert not auth.authorized(None, "wegwijzer_staff=forged", token)
    assert not auth.authorized(None, 'bad"cookie;;=', token)
    monkeypatch.setattr(auth.settings, "STAFF_TOKEN", "from-settings")
    assert auth.staff_token() == "from-settings"


def test_csv_cells_never_start_a_formula(report):
    groups = group_questions([Unanswered("=HYPERLINK(1)", 1.0, ABSTAINED)], None)
    text = page.export_csv("groups", report, groups, {})
    assert "'=HYPERLINK(1)" in text
    days = page.export_csv("days", report, [], {}).splitlines()
    assert days[0] == "day,conversations,messages,answered,abstained,out_of_scope"
    assert days[-1] == f"{TODAY.isoformat()},2,6,0,0,1"


def test_dashboard_escapes_text_and_has_a_table_per_chart(report):
    groups = group_questions([Unanswered("<script>alert(1)</script>", 1.0, ABSTAINED)], None)
    html = page.dashboard(report, groups, {"book_exam": "Book an exam"})
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count("<svg") == 4 and html.count("<table>") == 7  # charts: days, outcomes, guides, KNM
    assert "style=" not in html and "Book an exam" in html


def test_a_message_that_told_something_the_guides_do_not_match_counts_as_unanswered():
    from bot.core import messages

    assert classify([{"event": "bot", "text": messages.TOLD_NOT_ASKED}]) == (ABSTAINED, None)
