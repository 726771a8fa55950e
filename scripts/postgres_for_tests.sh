#!/usr/bin/env bash
# Installs (Debian package), starts and prepares a local PostgreSQL for the test suite, then prints
# the database URL for CREDANCHOR_TEST_DATABASE_URL. Idempotent: safe to run before every test run.
set -euo pipefail
# The client (psql) may be there without the server: look for the server binary itself.
if ! compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "== installing PostgreSQL (Debian package)" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
version=$(basename "$(dirname "$(dirname "$(compgen -G "/usr/lib/postgresql/*/bin/postgres" | sort -V | tail -1)")")")
if ! pg_lsclusters -h | grep -q "^$version main .* online"; then
  pg_lsclusters -h | grep -q "^$version main" || pg_createcluster "$version" main >&2
  pg_ctlcluster "$version" main start >&2
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')
su postgres -c "psql -p $port -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='credanchor'\"" | grep -q 1 ||
  su postgres -c "psql -p $port -qc \"CREATE ROLE credanchor LOGIN PASSWORD 'credanchor-tests-only'\"" >&2
su postgres -c "psql -p $port -qtAc \"SELECT 1 FROM pg_database WHERE datname='credanchor_test'\"" | grep -q 1 ||
  su postgres -c "createdb -p $port -O credanchor credanchor_test" >&2
echo "postgresql://credanchor:credanchor-tests-only@127.0.0.1:$port/credanchor_test"
