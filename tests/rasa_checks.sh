#!/usr/bin/env bash
# rasa test on the test stories: fails on any prediction error. Results in results/rasa-test/.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
out=results/rasa-test
rm -rf "$out"
.venv-rasa/bin/rasa test core --stories tests/stories --model models/wegwijzer.tar.gz --out "$out" \
  --fail-on-prediction-errors --no-plot
echo "rasa test: all test stories passed ($(grep -c '^- story:' tests/stories/*.yml | awk -F: '{s+=$2} END {print s}') stories)"
