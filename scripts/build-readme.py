"""Assemble README.md from its parts in docs/ (each part keeps its own bilingual text).

Usage: python scripts/build-readme.py   (run after editing a docs/readme-*.md part)
"""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAD = ROOT / "docs" / "readme-head.md"
PARTS = ["readme-top.md", "readme-bench.md", "readme-reference.md", "readme-foundation.md", "readme-index.md",
         "readme-targets.md", "readme-enterprise.md", "readme-matching.md", "readme-registries.md", "readme-web.md"]


def shift_headings(text: str, top: int = 2) -> str:
    """Demote/promote markdown headings so the part's first heading sits at level `top`;
    lines inside ``` fences are left alone (YAML comments start with #)."""
    lines, out, fence, first = text.splitlines(), [], False, None
    for line in lines:
        if line.lstrip().startswith("```"):
            fence = not fence
        m = None if fence else re.match(r"^(#+) ", line)
        if m:
            level = len(m.group(1))
            first = level if first is None else first
            line = "#" * max(1, min(6, level - first + top)) + line[level:]
        out.append(line)
    return "\n".join(out).strip() + "\n"


def main() -> None:
    pieces = [HEAD.read_text(encoding="utf-8").strip() + "\n"]
    for name in PARTS:
        if not (ROOT / "docs" / name).exists():  # a part not written yet
            continue
        pieces.append(shift_headings((ROOT / "docs" / name).read_text(encoding="utf-8")))
    (ROOT / "README.md").write_text("\n".join(pieces), encoding="utf-8")


if __name__ == "__main__":
    main()
