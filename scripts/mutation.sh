#!/usr/bin/env bash
# Mutation testing on demand (not in CI): mutmut over gaoxin/services and gaoxin/reports, or over the
# files / folders given as arguments, with the tests that exercise them.
#
#   bash scripts/mutation.sh                                   # services + reports (long: hours on 2 cores)
#   bash scripts/mutation.sh gaoxin/services/scope.py          # one module
#   MUTATION_TESTS="tests/services" bash scripts/mutation.sh gaoxin/services/targets.py
#
# mutmut works in a scratch copy of the tree (the working tree is not touched); the summary and the
# surviving mutants are printed at the end (`mutmut results`, `mutmut show <name>` in the copy).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY="$ROOT/.venv/bin/python"
[ -x "$PY" ] || PY=python3
if ! "$PY" -c "import mutmut" 2>/dev/null; then
  echo "mutmut 未安装：请先运行 pip install -e '.[test]'" >&2
  exit 2
fi
if [ "$#" -gt 0 ]; then TARGETS=("$@"); else TARGETS=(gaoxin/services gaoxin/reports); fi
TESTS=${MUTATION_TESTS:-"tests/services tests/reports tests/web/test_engines_api.py"}
WORK=${MUTATION_WORKDIR:-$(mktemp -d "${TMPDIR:-/tmp}/gaoxin-mutation.XXXXXX")}

rsync -a --delete --exclude .venv --exclude .git --exclude mutants --exclude __pycache__ \
      --exclude test-artifacts --exclude gaoxin-data "$ROOT/" "$WORK/"
cd "$WORK"
{
  echo
  echo "[tool.mutmut]"
  printf 'source_paths = [%s]\n' "$(printf '"%s",' "${TARGETS[@]}" | sed 's/,$//')"
  printf 'pytest_add_cli_args_test_selection = [%s]\n' "$(printf '"%s",' $TESTS | sed 's/,$//')"
  echo 'also_copy = ["gaoxin", "tests", "pyproject.toml"]'
  echo 'pytest_add_cli_args = ["-p", "no:cacheprovider", "-m", "not browser and not slow", "-x", "-q"]'
} >> pyproject.toml
echo "变异测试目录：$WORK；变异对象：${TARGETS[*]}；测试：$TESTS"
"$ROOT/.venv/bin/mutmut" run --max-children "${MUTATION_JOBS:-2}" || true
"$ROOT/.venv/bin/mutmut" results --all true > mutation-results.txt 2>&1 || "$ROOT/.venv/bin/mutmut" results > mutation-results.txt 2>&1 || true
"$PY" - <<'PY'
import collections, re
from pathlib import Path
lines = Path("mutation-results.txt").read_text(encoding="utf-8").splitlines()
states = collections.Counter(m.group(1) for l in lines if (m := re.search(r":\s*(\w[\w ]*)$", l)))
killed = states.get("killed", 0)
total = sum(states.values())
print("变异体状态：", dict(states))
if total:
    print(f"杀死 {killed}/{total} = {killed / total:.1%}")
print("存活的变异体：")
for l in lines:
    if l.strip().endswith(": survived"):
        print("  " + l.strip())
PY
