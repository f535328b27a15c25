"""A small reader of the seed documents' section numbering, and of the `source:` citations that point
into them, for the test that checks every citation in gaoxin/reference/ against the seed text.

Numbering of the Chinese government documents (GB/T 9704 层次序数):
  一、 (level 1)   （一） (level 2)   1. (level 3)   （1） (level 4)
plus the stand-alone blocks 附件N (an attachment: a new top-level block) and 专栏N (a box inside the
body of seed 003). A section's text runs from its heading line to the next heading of the same or a
higher level. Seed 003 opens with a table of contents (lines ending in a page number or ·····); those
lines are skipped so that a citation resolves to the body, not to the contents page.

A citation resolves when each of its numbers is found, in order, among the descendants of the
previous one (not necessarily direct children): seed 000 numbers its tasks 1–17 across the five
（一）–（五）, so "二、（二）6" and "二、6" both name task 6.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

CN_NUM = "一二三四五六七八九十"
SEED_FILE_RE = re.compile(r"(00[0-4]_[0-9a-f]{16}\.txt)")

_L1 = re.compile(rf"^\s*([{CN_NUM}]+)、")
_L2 = re.compile(rf"^\s*[（(]([{CN_NUM}]+)[）)]")
_L3 = re.compile(r"^\s*(\d+)\s*[.．、](?!\d)")
_L4 = re.compile(r"^\s*[（(](\d+)[）)]")
_ANNEX = re.compile(r"^\s*附件\s*(\d*)\s*$")
_BOX = re.compile(r"^\s*专栏\s*(\d*)")
_TOC = re.compile(r"(·{3,}|\t\s*\d+\s*$)")


def cn_to_int(text: str) -> int:
    """一 … 十九 → 1 … 19 (enough for section numbers)."""
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + CN_NUM.index(text[1]) + 1
    if text.endswith("十"):
        return (CN_NUM.index(text[0]) + 1) * 10
    if "十" in text:
        a, b = text.split("十")
        return (CN_NUM.index(a) + 1) * 10 + CN_NUM.index(b) + 1
    return CN_NUM.index(text) + 1


@dataclass
class Section:
    kind: str                 # "L1" … "L4", "annex", "box", "doc"
    number: int
    start: int                # line index of the heading
    end: int = 0              # exclusive
    children: list["Section"] = field(default_factory=list)
    lines: list[str] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        return "\n".join(self.lines[self.start:self.end])

    def descendants(self):
        for c in self.children:
            yield c
            yield from c.descendants()


_RANK = {"annex": 0, "L1": 1, "L2": 2, "L3": 3, "L4": 4}


@cache
def parse(path: str) -> Section:
    """The section tree of one seed file (root kind "doc" covers the whole text)."""
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    root = Section("doc", 0, 0, len(lines), lines=lines)
    stack: list[Section] = [root]
    boxes: list[Section] = []
    in_annex = False
    for i, line in enumerate(lines):
        if _TOC.search(line):
            continue
        head = None
        m = _ANNEX.match(line)
        if m:
            head, in_annex = ("annex", int(m.group(1) or 0)), True
        elif (m := _BOX.match(line)):
            # seed 003 prints one heading without its number (专栏带动“四圈”…): it is the next box
            number = int(m.group(1)) if m.group(1) else (boxes[-1].number + 1 if boxes else 1)
            box = Section("box", number, i, lines=lines)
            if boxes:
                boxes[-1].end = i
            boxes.append(box)
            root.children.append(box)
            continue
        elif not in_annex:  # an attachment's tables (1.1 … 3.7, 2.1 …) are cells, not sections
            for kind, rx in (("L1", _L1), ("L2", _L2), ("L4", _L4), ("L3", _L3)):
                m = rx.match(line)
                if m:
                    g = m.group(1)
                    head = (kind, cn_to_int(g) if kind in ("L1", "L2") else int(g))
                    break
        if head is None:
            continue
        kind, number = head
        sec = Section(kind, number, i, lines=lines)
        while len(stack) > 1 and _RANK[stack[-1].kind] >= _RANK[kind]:
            stack.pop().end = i
        stack[-1].children.append(sec)
        stack.append(sec)
    for s in stack[1:]:
        s.end = len(lines)
    for k, box in enumerate(boxes):  # a box runs to the next box or the next level-1/2 heading
        if not box.end:
            nxt = [s.start for s in root.descendants() if s.kind in ("L1", "L2", "annex") and s.start > box.start]
            box.end = min(nxt) if nxt else len(lines)
    return root


# --------------------------------------------------------------------------- citations

_TOKEN = re.compile(
    rf"(?P<annex>附件\s*(?P<an>\d*))"
    rf"|(?P<box>专栏\s*(?P<bn>\d+))"
    rf"|(?P<item>第(?P<in>\d+)项)"
    rf"|(?P<l1>(?P<n1>[{CN_NUM}]+)(、|(?=[（(][{CN_NUM}])))"
    rf"|(?P<l2>[（(](?P<n2>[{CN_NUM}]+)[）)])"
    rf"|(?P<l4>[（(](?P<n4>\d+)[）)])"
    rf"|(?P<l3>(?<![\d.（(])(?P<n3>\d+)(?![\d.．%万亿年家个项件])\.?)"
)
_SECTION_START = re.compile(rf"^\s*([{CN_NUM}]+(、|[（(])|[（(][{CN_NUM}]+[）)]|附件|专栏)")
_RANK_OF = {"annex": 0, "box": 0, "L1": 1, "L2": 2, "L3": 3, "L4": 4, "item": 5}


def split_outside_brackets(text: str, sep: str = "；") -> list[str]:
    out, depth, cur = [], 0, []
    for ch in text:
        if ch in "（(“":
            depth += 1
        elif ch in "）)”" and depth:
            depth -= 1
        if ch == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return [s.strip() for s in out if s.strip()]


@dataclass
class Citation:
    file: str
    path: list[tuple[str, int]]    # [("L1", 3), ("L2", 2), ("L3", 7)] … ; empty = the whole document
    raw: str
    quotes: list[str]


def parse_citations(source: str) -> list[Citation]:
    """Every seed citation in a `source:` string. Segments are separated by "；" (outside brackets); a
    segment without a file name cites the file of the previous segment when it starts with a section
    number, else it is about another document and ends the seed citations. A segment's section path is
    read from its start: numbers and 附件 / 专栏 / 第N项 tokens, skipping the heading words between
    them (二、重点任务（一）产业发展提档行动 2. …); a parenthesised remark or a quotation (“…”) ends it.
    A number not deeper than the previous one starts another path with the same prefix, so
    "二、重点任务 1、2、6" cites tasks 1, 2 and 6 and "附件1、附件4" two attachments (a range 15–17
    cites both ends). Quoted words (“…”) are returned as the citation's quotes."""
    cites: list[Citation] = []
    current = None
    for seg in split_outside_brackets(source):
        m = SEED_FILE_RE.search(seg)
        if m:
            current = m.group(1)
            seg = seg[m.end():]
        elif current is None or not _SECTION_START.match(seg):
            current = None  # a segment about another document (国科发火〔2016〕32号 …) or a remark
            continue
        quotes = re.findall(r"“([^”]+)”", seg)
        paths: list[list[tuple[str, int]]] = []
        path: list[tuple[str, int]] = []
        pos = 0
        while pos < len(seg):
            if seg[pos] in "“\"「":
                break
            tm = _TOKEN.match(seg, pos)
            if not tm:
                if seg[pos] in "（(":
                    break  # a remark in brackets: not part of the section path
                pos += 1
                continue
            kind = tm.lastgroup
            if kind == "annex":
                step = ("annex", int(tm.group("an") or 0))
            elif kind == "box":
                step = ("box", int(tm.group("bn")))
            elif kind == "item":
                step = ("item", int(tm.group("in")))
            elif kind == "l1":
                step = ("L1", cn_to_int(tm.group("n1")))
            elif kind == "l2":
                step = ("L2", cn_to_int(tm.group("n2")))
            elif kind == "l4":
                step = ("L4", int(tm.group("n4")))
            else:
                if path and path[-1][0] in ("annex", "box"):
                    break  # 附件3 / 专栏1 followed by a table number or title, not a section number
                step = ("L3", int(tm.group("n3")))
            if path and _RANK_OF[step[0]] <= _RANK_OF[path[-1][0]]:
                paths.append(path)
                path = [p for p in path if _RANK_OF[p[0]] < _RANK_OF[step[0]]]
            path.append(step)
            pos = tm.end()
        paths.append(path)
        for pth in paths:
            cites.append(Citation(current, pth, seg.strip(), quotes))
    return cites


def resolve(root: Section, path: list[tuple[str, int]]) -> list[Section]:
    """Every section matching the path (each step among the descendants of the previous match); a
    第N项 step is the row of a 专栏 table that starts with N."""
    found = [root]
    for kind, number in path:
        nxt: list[Section] = []
        for sec in found:
            if kind == "item":
                rows = [i for i in range(sec.start, sec.end)
                        if re.match(rf"^\s*{number}\s*(\t|[.．、](?!\d))", sec.lines[i])]
                nxt.extend(Section("item", number, i, i + 1, lines=sec.lines) for i in rows[:1])
                continue
            pool = [s for s in root.descendants() if s.kind == "box"] if kind == "box" else sec.descendants()
            nxt.extend(s for s in pool if s.kind == kind and s.number == number)
        if not nxt:
            return []
        found = nxt
    return found


def normalise(text: str) -> str:
    """Compare quotes with the seed text regardless of spaces, tabs, line breaks and of the quotation
    marks of a quote inside a quote (‘…’ in a `source:` string stands for the seed's “…”)."""
    return re.sub(r"[\s\u3000]", "", text).replace("‘", "“").replace("’", "”")


def fragments(quote: str) -> list[str]:
    """A quote with an ellipsis (……) is several fragments, each of which must occur."""
    return [f for f in re.split(r"…+|\.{3,}", quote) if f.strip()]
