"""Run in .venv-rasa (tests/integration/test_rasa_model_load.py starts it): load the trained model the fast
way (bot.rasa_plugins.patches: weights restored during one inference pass) and with Rasa's own load (one
training step), parse the same messages with both, and print one JSON line: the load times, how many
messages were parsed and every message whose intent ranking, confidences or entities differ.

Usage: python tests/support/model_load_check.py MODEL [EVERY_NTH]"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data
from rasa.utils.tensorflow.models import RasaModel

from bot.rasa_plugins import patches
from bot.tools.dialogues import load_dialogues

ROOT = Path(__file__).resolve().parents[2]


def messages(every: int) -> list[str]:
    """The NLU examples (as Rasa reads them: entity annotations removed) and the dialogue sets' typed turns."""
    texts = [str(example.get("text")) for example in load_data(str(ROOT / "data" / "nlu")).intent_examples]
    for path in sorted((ROOT / "tests" / "data").glob("dialogues_*.yml")):
        texts += [turn.say for dialogue in load_dialogues(path) for turn in dialogue.turns if turn.say]
    return texts[::every]


def parse_all(model: str, texts: list[str]) -> tuple[float, list[dict]]:
    started = time.monotonic()
    agent = Agent.load(model)
    seconds = time.monotonic() - started

    async def parse() -> list[dict]:
        return [await agent.parse_message(text) for text in texts]

    parsed = asyncio.run(parse())
    return seconds, [{k: p.get(k) for k in ("intent", "intent_ranking", "entities")} for p in parsed]


def main() -> None:
    model, every = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5
    texts = messages(every)
    patches.apply()
    fast_seconds, fast = parse_all(model, texts)
    by_inference = patches.loads_by_inference
    RasaModel.load = patches._original_load  # Rasa's own load, for the reference
    stock_seconds, stock = parse_all(model, texts)
    differ = [text for text, a, b in zip(texts, fast, stock) if a != b]
    print(
        json.dumps(
            {
                "messages": len(texts),
                "differ": differ,
                "loads_by_inference": by_inference,
                "fast_load_s": round(fast_seconds, 1),
                "stock_load_s": round(stock_seconds, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
