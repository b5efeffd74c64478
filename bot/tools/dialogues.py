"""Dialogue scorer: plays multi-turn conversations over REST against a running assistant and judges every
turn by what the user reads (the reply's text without citation lines and without button titles).

File format (tests/data/dialogues_*.yml):
    dialogues:
      - id: dev-001
        turns:
          - say: "hi"                 # or press: "regex of a button title in the previous reply"
            expect: ["regex", ...]    # all must match (case-insensitive)
            reject: ["regex", ...]    # none may match
Prints the failed turns with the reply, and last `turns_passed=P/N dialogues_whole=D/M`."""

from __future__ import annotations

import json
import re
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml

from bot.tools.facts import answer_text


@dataclass(frozen=True)
class Turn:
    say: Optional[str]
    press: Optional[str]
    expect: list[str]
    reject: list[str]


@dataclass(frozen=True)
class Dialogue:
    id: str
    turns: list[Turn]
    note: str = ""


@dataclass
class TurnResult:
    dialogue: str
    index: int
    sent: str
    reply: str
    passed: bool
    problems: list[str] = field(default_factory=list)


@dataclass
class DialogueScore:
    turns: list[TurnResult]
    dialogues: int

    @property
    def whole(self) -> int:
        failed = {t.dialogue for t in self.turns if not t.passed}
        return self.dialogues - len(failed)

    def line(self) -> str:
        passed = sum(t.passed for t in self.turns)
        return f"turns_passed={passed}/{len(self.turns)} dialogues_whole={self.whole}/{self.dialogues}"

    def ratio(self) -> float:
        return sum(t.passed for t in self.turns) / max(len(self.turns), 1)


def load_dialogues(path: Path) -> list[Dialogue]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    out = []
    for item in data["dialogues"]:
        turns = [
            Turn(t.get("say"), t.get("press"), list(t.get("expect") or []), list(t.get("reject") or []))
            for t in item["turns"]
        ]
        out.append(Dialogue(str(item["id"]), turns, str(item.get("note", ""))))
    return out


Messages = list[dict]
Sender = Callable[[str, str], Messages]


def rest_sender(url: str, timeout: float = 60) -> Sender:
    def send(sender: str, message: str) -> Messages:
        body = json.dumps({"sender": sender, "message": message}).encode()
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return list(json.loads(response.read() or b"[]"))

    return send


def _button_payload(previous: Messages, wanted: str) -> Optional[str]:
    for message in previous:
        for button in message.get("buttons") or []:
            if re.search(wanted, button.get("title", ""), re.I):
                return str(button.get("payload"))
    return None


def judge_turn(turn: Turn, text: str) -> list[str]:
    problems = [f"expected /{p}/" for p in turn.expect if not re.search(p, text, re.I | re.M)]
    problems += [f"rejected /{p}/ matched" for p in turn.reject if re.search(p, text, re.I | re.M)]
    return problems


def play(dialogue: Dialogue, send: Sender) -> list[TurnResult]:
    sender = f"dlg-{dialogue.id}-{uuid.uuid4().hex[:8]}"
    previous: Messages = []
    results = []
    for i, turn in enumerate(dialogue.turns):
        if turn.press is not None:
            message = _button_payload(previous, turn.press)
            if message is None:
                results.append(TurnResult(dialogue.id, i, f"[press {turn.press}]", "", False, ["no such button"]))
                previous = []
                continue
        else:
            message = turn.say or ""
        try:
            previous = send(sender, message)
        except Exception as exc:  # an HTTP error is a failed turn, not a crashed scorer
            results.append(TurnResult(dialogue.id, i, message, "", False, [f"request failed: {exc}"]))
            previous = []
            continue
        text = answer_text([m.get("text", "") for m in previous])
        problems = judge_turn(turn, text)
        results.append(TurnResult(dialogue.id, i, message, text, not problems, problems))
    return results


def score(dialogues: list[Dialogue], send: Sender) -> DialogueScore:
    return DialogueScore([r for d in dialogues for r in play(d, send)], len(dialogues))
