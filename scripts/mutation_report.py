"""Mutant lists and summaries for scripts/mutation.sh, read from mutmut's own result files.

    python scripts/mutation_report.py sample N SEED > names.txt   # a uniform random sample of mutants
    python scripts/mutation_report.py summary [names.txt]         # states, kill rate (Wilson 95 % interval), survivors

Run inside the mutation work directory (the one holding `mutants/`). A sample is drawn uniformly from every
mutant mutmut generated, so its kill rate estimates the whole population's; the interval says how far off
it may be. Exit codes are mutmut's own (mutmut/stats.py: 1 and 3 killed, 0 survived, 33 and 5 no tests,
24/36/152/255 timeout).
"""

from __future__ import annotations

import collections
import json
import math
import random
import sys
from pathlib import Path

STATE_BY_EXIT_CODE = {
    1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped", 35: "suspicious",
    36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout", 37: "caught by type check",
    -11: "segfault", -9: "segfault", None: "not checked",
}


def exit_codes() -> dict[str, int | None]:
    codes: dict[str, int | None] = {}
    for meta in sorted(Path("mutants").rglob("*.py.meta")):
        codes.update(json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"])
    return codes


def wilson(killed: int, total: int, z: float = 1.96) -> tuple[float, float]:
    if not total:
        return (0.0, 0.0)
    p = killed / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return (centre - half, centre + half)


def sample(size: int, seed: int) -> list[str]:
    names = sorted(exit_codes())
    return sorted(random.Random(seed).sample(names, min(size, len(names))))


def summary(names: list[str] | None) -> None:
    codes = exit_codes()
    population = len(codes)
    chosen = names if names else sorted(codes)
    states = collections.Counter(STATE_BY_EXIT_CODE.get(codes.get(n), "suspicious") for n in chosen)
    checked = sum(v for k, v in states.items() if k != "not checked")
    killed = states["killed"]
    print(f"变异体总数 {population}；本次统计 {len(chosen)} 个（{'随机抽样' if names else '全部'}），已检查 {checked} 个")
    print("状态：", dict(states))
    if checked:
        low, high = wilson(killed, checked)
        print(f"杀死 {killed}/{checked} = {killed / checked:.1%}（Wilson 95 % 区间 {low:.1%}–{high:.1%}）")
        detected = killed + states["timeout"]
        print(f"杀死或超时 {detected}/{checked} = {detected / checked:.1%}")
    by_module = collections.defaultdict(collections.Counter)
    for n in chosen:
        module = n.split(".x")[0].rsplit(".", 1)[0] if ".x" in n else n
        by_module[module][STATE_BY_EXIT_CODE.get(codes.get(n), "suspicious")] += 1
    print("按模块：")
    for module, counts in sorted(by_module.items()):
        total = sum(v for k, v in counts.items() if k != "not checked")
        rate = f"{counts['killed'] / total:.0%}" if total else "—"
        print(f"  {module}: 杀死 {counts['killed']}/{total} = {rate}  {dict(counts)}")
    print("存活或无测试的变异体：")
    for n in chosen:
        if STATE_BY_EXIT_CODE.get(codes.get(n)) in ("survived", "no tests"):
            print(f"  {n}: {STATE_BY_EXIT_CODE[codes.get(n)]}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["sample"] and len(argv) == 3:
        print("\n".join(sample(int(argv[1]), int(argv[2]))))
        return 0
    if argv[:1] == ["summary"]:
        names = Path(argv[1]).read_text(encoding="utf-8").split() if len(argv) > 1 else None
        summary(names)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
