#!/usr/bin/env bash
# Regenerate the single initial Alembic migration from gaoxin/store/models.py (the schema is not yet
# deployed anywhere, so one migration is kept). Run after changing models.py.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
rm -f gaoxin/store/migrations/versions/*.py
.venv/bin/python - "$tmp/empty.db" <<'PY'
import sys
from alembic import command
from gaoxin.store.migrate import alembic_config
cfg = alembic_config(f"sqlite:///{sys.argv[1]}")
command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001_initial")
PY
echo "已重新生成 gaoxin/store/migrations/versions/0001_initial_initial_schema.py"
