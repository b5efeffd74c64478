"""Pure parts of answer selection (no model, no index)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bot import settings
from bot.dialogue.selection import DEFAULT_WEIGHTS, FEATURES, question_kind, ranker_weights


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("what is the b1 route exactly", "thing"),
        ("Where can you tell if you are really on the B1 route?", "place"),
        ("how does the listening exam work", "manner"),
        ("At which level is the listening exam?", "thing"),
        ("how long do i have", "time"),
        ("and when is that?", "time"),
        ("how much does the staatsexamen cost", "amount"),
        ("hoeveel kost het?", "amount"),
        ("Is the exam free?", "yes_no"),
        ("Can I bring a dictionary?", "yes_no"),
        ("which website is for the exam abroad", "place"),
        ("thanks", None),
    ],
)
def test_question_kind_is_read_from_the_first_question_word(question, kind):
    assert question_kind(question) == kind


def test_ranker_weights_come_from_the_fitted_file(tmp_path, monkeypatch):
    path = tmp_path / "ranker.json"
    path.write_text(json.dumps({"weights": {name: float(i) for i, name in enumerate(FEATURES)}}))
    monkeypatch.setattr(settings, "RANKER_WEIGHTS", path)
    assert list(ranker_weights()) == [float(i) for i in range(len(FEATURES))]


@pytest.mark.parametrize("content", [None, "not json", json.dumps({"weights": {"cosine": 1.0}})])
def test_ranker_falls_back_to_the_hand_set_weights(tmp_path, monkeypatch, content):
    path = tmp_path / "ranker.json"
    if content is not None:
        path.write_text(content)
    monkeypatch.setattr(settings, "RANKER_WEIGHTS", path)
    assert np.allclose(ranker_weights(), DEFAULT_WEIGHTS)


def test_the_committed_weights_name_every_feature():
    data = json.loads(settings.RANKER_WEIGHTS.read_text())
    assert set(data["weights"]) == set(FEATURES)
    assert data["weights"]["other_act"] < 0 and data["weights"]["cosine"] == 1.0
