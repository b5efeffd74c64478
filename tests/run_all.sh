#!/usr/bin/env bash
# Everything `make test` checks: pytest (unit + end-to-end against real servers) and Rasa's own checks.
# pytest exit 5 ("no tests collected") counts as a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0

echo ">> rasa data validate"
RASA_TELEMETRY_ENABLED=false .venv-rasa/bin/rasa data validate --fail-on-warnings || status=1

echo ">> rasa test (test stories in tests/stories)"
bash tests/rasa_checks.sh || status=1

echo ">> pytest"
.venv-actions/bin/python -m pytest -q "$@"
rc=$?
if [ $rc -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  status=1
elif [ $rc -ne 0 ]; then
  status=1
fi
exit $status
