"""Summarise `rasa test nlu --cross-validation` output: macro F1 per intent report, worst intents."""

from __future__ import annotations

import json
import sys
from pathlib import Path

TARGET_MACRO_F1 = 0.92


def main(argv: list[str] | None = None) -> int:
    out = Path((argv or sys.argv[1:] or ["results/nlu-cv"])[0])
    report = json.loads((out / "intent_report.json").read_text())
    macro = report["macro avg"]["f1-score"]
    intents = {k: v for k, v in report.items() if isinstance(v, dict) and "support" in v and "avg" not in k}
    print(f"{'intent':<20} {'f1':>6} {'support':>8}")
    for name, row in sorted(intents.items(), key=lambda kv: kv[1]["f1-score"]):
        print(f"{name:<20} {row['f1-score']:>6.3f} {row['support']:>8}")
    entity_file = out / "DIETClassifier_report.json"
    if entity_file.exists():
        ent = json.loads(entity_file.read_text())
        if "macro avg" in ent:
            print(f"entities (DIET) macro F1 = {ent['macro avg']['f1-score']:.3f}")
    verdict = "meets" if macro >= TARGET_MACRO_F1 else "BELOW"
    print(f"intent macro F1 = {macro:.3f} (5-fold cross-validation; {verdict} target {TARGET_MACRO_F1})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
