#!/usr/bin/env bash
# One command: set up, fill the embedded SQLite database with the built-in demo data (示例数据), serve the platform.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/gaoxin demo --demo-users
exec .venv/bin/gaoxin serve "$@"
