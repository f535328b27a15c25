#!/usr/bin/env bash
# One command: set up the test dependencies and run the whole test suite (SQLite and PostgreSQL).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test || exit 1

# The store and import tests also run against PostgreSQL (GAOXIN_TEST_PG_URL, default the local server).
# Start the local cluster if it is installed but down; in CI a missing server is a failure, not a skip.
if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ] && \
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start 2>/dev/null || true
fi
[ -n "${CI:-}" ] && export GAOXIN_REQUIRE_PG=1

.venv/bin/python -m pytest -q "$@"
rc=$?
if [ "$rc" = 5 ]; then
  echo "[gaoxin] 没有收集到任何测试：视为失败" >&2
  exit 1
fi
exit "$rc"
