#!/usr/bin/env bash
# What `make test` runs after `make check` (which already ran `rasa data validate`): Rasa's test stories and
# pytest (unit + end-to-end against real servers). pytest runs on WEGWIJZER_TEST_WORKERS processes (pytest-xdist,
# default 2; a test file stays on one worker, so its module fixtures start once); 0 runs it in this process.
# pytest exit 5 ("no tests collected") counts as a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0

echo ">> rasa test (test stories in tests/stories)"
bash tests/rasa_checks.sh || status=1

echo ">> pytest"
workers=${WEGWIJZER_TEST_WORKERS:-2}
if [ "$workers" = "0" ]; then
  .venv-actions/bin/python -m pytest -q "$@"
else
  .venv-actions/bin/python -m pytest -q -n "$workers" --dist loadfile "$@"
fi
rc=$?
if [ $rc -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  status=1
elif [ $rc -ne 0 ]; then
  status=1
fi
exit $status
