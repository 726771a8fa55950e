#!/usr/bin/env bash
# The project's test command (README, .ci/run): installs everything the tests need, checks
# lint and types, then runs the whole suite on the embedded chain and on a real anvil.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/unit -x`.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== installing pinned npm tools (solc 0.8.28, OpenZeppelin Contracts, anvil)"
npm ci --no-audit --no-fund --loglevel=error
echo "== installing credanchor with its dev dependencies"
python3 -m pip install --quiet --disable-pip-version-check -e '.[dev]'

echo "== PostgreSQL for the store tests (Debian package, started locally)"
CREDANCHOR_TEST_DATABASE_URL="$(bash scripts/postgres_for_tests.sh)"
export CREDANCHOR_TEST_DATABASE_URL

echo "== Chromium for the workshop page's end-to-end tests (Debian packages)"
if ! [ -x /usr/bin/chromium ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

echo "== lint and types"
python3 -m ruff check .
python3 -m ruff format --check .
python3 -m mypy

echo "== slither for the contracts' static analysis (its own venv: it needs web3 < 8)"
SLITHER_VENV="${XDG_CACHE_HOME:-$HOME/.cache}/credanchor/slither-0.11.6"
[ -x "$SLITHER_VENV/bin/slither" ] || {
    python3 -m venv "$SLITHER_VENV"
    "$SLITHER_VENV/bin/pip" install --quiet --disable-pip-version-check slither-analyzer==0.11.6
}
# tests/scripts/test_static_analysis.py runs scripts/static_analysis.py with it (once per run).
export SLITHER="$SLITHER_VENV/bin/slither"

echo "== tests"
python3 -m pytest "$@"
