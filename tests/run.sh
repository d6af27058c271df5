#!/usr/bin/env bash
# Install what the tests need into the current Python environment, check the lint, then run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -r requirements-test.txt
python -m pip install -q --no-deps -e .
if ! command -v chromium >/dev/null 2>&1; then  # the browser test drives Debian's Chromium
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
python -m ruff check .  # the lint gate (rules in pyproject.toml), before any test
# two workers, as the target machine has two cores; a file stays on one worker (its server and browser are shared)
exec python -m pytest -n 2 --dist loadfile "$@"
