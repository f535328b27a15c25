#!/usr/bin/env bash
# Mutation testing on demand (not in CI): mutmut over gaoxin/services and gaoxin/reports, or over the
# files / folders given as arguments, with the tests that exercise them.
#
#   bash scripts/mutation.sh                                   # services + reports (long: hours on 2 cores)
#   bash scripts/mutation.sh gaoxin/services/scope.py          # one module
#   MUTATION_TESTS="tests/services" bash scripts/mutation.sh gaoxin/services/targets.py
#   MUTATION_SAMPLE=1500 MUTATION_SEED=7 bash scripts/mutation.sh      # a uniform random sample of mutants
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
# every test but the browser and slow ones; the PostgreSQL twins of the database tests run the same code
# (CI runs them), so they are left out here to halve the time a surviving mutant costs
TESTS=${MUTATION_TESTS:-"tests"}
WORK=${MUTATION_WORKDIR:-$(mktemp -d "${TMPDIR:-/tmp}/gaoxin-mutation.XXXXXX")}

rsync -a --delete --exclude .venv --exclude .git --exclude mutants --exclude __pycache__ \
      --exclude test-artifacts --exclude gaoxin-data "$ROOT/" "$WORK/"
cd "$WORK"
{
  echo
  echo "[tool.mutmut]"
  printf 'source_paths = [%s]\n' "$(printf '"%s",' "${TARGETS[@]}" | sed 's/,$//')"
  printf 'pytest_add_cli_args_test_selection = [%s]\n' "$(printf '"%s",' $TESTS | sed 's/,$//')"
  echo 'also_copy = ["gaoxin", "tests", "pyproject.toml", "README.md", "docs", "scripts", "benchmarks"]'
  echo 'pytest_add_cli_args = ["-p", "no:cacheprovider", "-m", "not browser and not slow and not postgres", "-k", "not postgresql", "-x", "-q"]'
} >> pyproject.toml
echo "变异测试目录：$WORK；变异对象：${TARGETS[*]}；测试：$TESTS"
MUTMUT="$ROOT/.venv/bin/mutmut"
JOBS=${MUTATION_JOBS:-2}
if [ -n "${MUTATION_SAMPLE:-}" ]; then
  # Generate every mutant and the test map, but run none (the pattern matches nothing), then run a uniform
  # random sample: on 2 cores the whole population (about 15,000 mutants) takes many hours.
  "$MUTMUT" run --max-children "$JOBS" "gaoxin-mutation-generate-only" > generate.log 2>&1 || true
  "$PY" "$ROOT/scripts/mutation_report.py" sample "$MUTATION_SAMPLE" "${MUTATION_SEED:-1}" > sample.txt
  echo "随机抽样 $(wc -l < sample.txt) 个变异体（种子 ${MUTATION_SEED:-1}），名单见 $WORK/sample.txt"
  xargs -a sample.txt "$MUTMUT" run --max-children "$JOBS" > run.log 2>&1 || true
  "$PY" "$ROOT/scripts/mutation_report.py" summary sample.txt | tee mutation-summary.txt
else
  "$MUTMUT" run --max-children "$JOBS" > run.log 2>&1 || true
  "$PY" "$ROOT/scripts/mutation_report.py" summary | tee mutation-summary.txt
fi
