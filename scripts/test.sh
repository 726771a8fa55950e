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

echo "== lint and types"
python3 -m ruff check .
python3 -m ruff format --check .
python3 -m mypy

echo "== tests"
python3 -m pytest "$@"
