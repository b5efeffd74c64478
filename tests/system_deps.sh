#!/usr/bin/env bash
# System packages the test suite needs, from Debian (never a downloaded browser):
# Chromium for the widget test, tmux for the rasa shell test, PostgreSQL + Redis + nginx for the scale-out
# (`make run-scaled`, the scale tests, `make bench`: nginx runs from var/ on its own port, never as a system service).
# Node/npm come with the machine; the widget's socket.io client comes from npm.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)

if [ ${#need[@]} -gt 0 ]; then
  echo ">> installing Debian packages: ${need[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # Debian's package starts a system-wide nginx on port 80 where services may start: not needed, stop it
  if [[ " ${need[*]} " == *" nginx "* ]] && command -v systemctl >/dev/null 2>&1 \
    && systemctl is-active --quiet nginx 2>/dev/null; then
    $SUDO systemctl disable --now nginx >/dev/null 2>&1 || true
  fi
fi
if [ ! -f web/node_modules/socket.io-client/dist/socket.io.min.js ]; then
  echo ">> npm ci in web/"
  (cd web && npm ci --no-audit --no-fund --silent)
fi
