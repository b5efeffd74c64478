#!/usr/bin/env bash
# One set-up step for the Makefile: a short progress line for the newcomer's terminal, the command's own output
# (pip, TensorFlow, Rasa warnings, npm) in var/logs/setup.log. On failure: the last lines of that log.
# Usage: bash bot/ops/step.sh "what this step does" command args...
set -uo pipefail
label=$1
shift
log=${SETUP_LOG:-var/logs/setup.log}
mkdir -p "$(dirname "$log")"
start=$(date +%s)
echo ">> $label ..."
{ echo; echo "===== $(date -Is) $label: $*"; } >>"$log"
"$@" >>"$log" 2>&1
rc=$?
elapsed=$(( $(date +%s) - start ))
if [ $rc -ne 0 ]; then
  echo "!! $label FAILED after ${elapsed}s (exit $rc). Last lines of $log:" >&2
  tail -n 40 "$log" >&2
  exit $rc
fi
echo "   done in ${elapsed}s: $label (details: $log)"
