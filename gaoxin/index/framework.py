"""Index framework: a tree of any depth, parsed from the public YAML format.

Node keys (public interface): code, name, weight, children, aggregation (aggregate nodes);
direction, denominator, transform, goalposts, target, source_type (leaves).
Documentation-only keys (unit, source, weight_source, note, missing, name_en) are accepted and ignored.
Unknown keys are an error, so a typo never silently changes a result.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

NODE_KEYS = {"code", "name", "weight", "children", "aggregation", "direction", "denominator",
             "transform", "goalposts", "target", "source_type"}
IGNORED_KEYS = {"unit", "source", "weight_source", "note", "missing", "name_en"}
TRANSFORMS = {"none", "log", "sqrt"}
SOURCE_TYPES = {"统计", "调查", "定性"}
AGGREGATIONS = {"arithmetic", "geometric", "harmonic", "mean_p", "topsis", "copeland"}


class FrameworkError(ValueError):
    """A framework file is malformed; the message is Chinese and names the node."""


@dataclass
class Node:
    code: str
    name: str
    weight: float = 1.0
    children: list["Node"] = field(default_factory=list)
    aggregation: Any = None          # str or {method, p}; None = method spec default
    direction: int = 1
    denominator: str | None = None
    transform: str = "none"
    goalposts: tuple[float, float] | None = None
    target: float | None = None
    source_type: str = "统计"
    level: int = 1                   # 1 = indicator, counted upward (COINr convention)
    parent: str | None = None
    unit: str | None = None          # the indicator's unit of measure, for display only

    @property
    def is_leaf(self) -> bool:
        return not self.children


@dataclass
class Framework:
    """Flattened tree: `indicators` (leaves, in file order) and `aggregates` (bottom-up order)."""
    roots: list[Node]
    name: str = ""
    nodes: dict[str, Node] = field(default_factory=dict)
    indicators: list[str] = field(default_factory=list)
    aggregates: list[str] = field(default_factory=list)
    gaps: list[tuple[str, str]] = field(default_factory=list)   # (code, name) of `missing: true` nodes left out

    @property
    def root(self) -> str:
        return self.roots[0].code

    @property
    def codes(self) -> list[str]:
        """Every node code: indicators first, then aggregates bottom-up (the column order of scores)."""
        return self.indicators + self.aggregates

    @property
    def denominators(self) -> list[str]:
        return sorted({n.denominator for n in self.nodes.values() if n.denominator})

    @property
    def n_levels(self) -> int:
        return max(n.level for n in self.nodes.values())

    def children(self, code: str) -> list[str]:
        return [c.code for c in self.nodes[code].children]

    def leaves_under(self, code: str) -> list[str]:
        node = self.nodes[code]
        if node.is_leaf:
            return [code]
        out: list[str] = []
        for c in node.children:
            out.extend(self.leaves_under(c.code))
        return out

    def weights(self) -> dict[str, float]:
        return {c: n.weight for c, n in self.nodes.items()}

    def effective_weights(self, weights: dict[str, float] | None = None) -> dict[str, float]:
        """Weight of every node in its root: product of the parent-normalised weights on its path."""
        w = weights or self.weights()
        out: dict[str, float] = {}

        def walk(node: Node, eff: float) -> None:
            out[node.code] = eff
            tot = sum(max(w[c.code], 0.0) for c in node.children)
            for c in node.children:
                walk(c, eff * (w[c.code] / tot if tot > 0 else 0.0))

        for r in self.roots:
            walk(r, 1.0)
        return out

    def to_dict(self) -> dict:
        def dump(n: Node) -> dict:
            d: dict[str, Any] = {"code": n.code, "name": n.name, "weight": n.weight}
            if n.children:
                if n.aggregation is not None:
                    d["aggregation"] = n.aggregation
                d["children"] = [dump(c) for c in n.children]
            else:
                d.update(direction=n.direction, transform=n.transform, source_type=n.source_type)
                for k in ("denominator", "target", "unit"):
                    if getattr(n, k) is not None:
                        d[k] = getattr(n, k)
                if n.goalposts is not None:
                    d["goalposts"] = list(n.goalposts)
            return d
        return {"name": self.name, "nodes": [dump(r) for r in self.roots]}

    def without(self, codes: set[str]) -> "Framework":
        """A copy without the given nodes (used by tests and what-if analysis)."""
        def keep(d: dict) -> dict | None:
            if d["code"] in codes:
                return None
            if "children" in d:
                d["children"] = [k for k in (keep(c) for c in d["children"]) if k is not None]
            return d
        raw = self.to_dict()
        raw["nodes"] = [k for k in (keep(r) for r in raw["nodes"]) if k is not None]
        return parse_framework(raw, name=self.name)


def _num(value: Any, where: str, key: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise FrameworkError(f"{where}：{key} 应为数值，实际为 {value!r}") from None
    if not np.isfinite(out):
        raise FrameworkError(f"{where}：{key} 应为有限数值，实际为 {value!r}")
    return out


def _parse_node(raw: Any, path: str, seen: dict[str, Node], parent: str | None,
                gaps: list[tuple[str, str]] | None = None) -> Node | None:
    if not isinstance(raw, dict):
        raise FrameworkError(f"{path}：每个节点应为键值映射（code、name、weight、children……），实际为 {raw!r}")
    code = raw.get("code")
    if code is None or str(code).strip() == "":
        raise FrameworkError(f"{path}：节点缺少 code")
    code = str(code).strip()
    where = f"{path}（节点 {code}）"
    unknown = set(raw) - NODE_KEYS - IGNORED_KEYS
    if unknown:
        raise FrameworkError(f"{where}：不认识的键 {sorted(unknown)}；允许的键为 "
                             f"{sorted(NODE_KEYS | IGNORED_KEYS)}")
    if code in seen:
        raise FrameworkError(f"{where}：代码 {code} 重复出现")
    node = Node(code=code, name=str(raw.get("name") or code), parent=parent,
                unit=str(raw["unit"]) if raw.get("unit") else None)
    seen[code] = node
    if raw.get("weight") is not None:
        node.weight = _num(raw["weight"], where, "weight")
        if node.weight < 0:
            raise FrameworkError(f"{where}：weight 不能为负数（{node.weight}）")
    kids = raw.get("children")
    if kids is not None and not isinstance(kids, list):
        raise FrameworkError(f"{where}：children 应为列表")
    if kids:
        for k in ("direction", "denominator", "transform", "goalposts", "target"):
            if raw.get(k) is not None:
                raise FrameworkError(f"{where}：{k} 只能用于指标（叶节点），该节点有下级节点")
        parsed = [_parse_node(c, f"{where}.children[{i}]", seen, code, gaps) for i, c in enumerate(kids)]
        node.children = [c for c in parsed if c is not None]
        if not node.children:   # every child is a documented gap: the node itself is a gap
            seen.pop(code)
            gaps.append((code, node.name))
            return None
        node.level = 1 + max(c.level for c in node.children)
        agg = raw.get("aggregation")
        if agg is not None:
            method = agg.get("method") if isinstance(agg, dict) else agg
            if method not in AGGREGATIONS:
                raise FrameworkError(f"{where}：aggregation 应为 {sorted(AGGREGATIONS)} 之一，实际为 {method!r}")
            node.aggregation = agg
        return node
    if raw.get("missing") is True or str(raw.get("missing")).lower() == "true":
        # a documented gap (e.g. an indicator truncated in the source document): no data can
        # exist, so the node is left out and its siblings' weights renormalise
        seen.pop(code)
        gaps.append((code, node.name))
        return None
    if raw.get("aggregation") is not None:
        raise FrameworkError(f"{where}：aggregation 只能用于有下级节点的节点")
    if raw.get("direction") is not None:
        d = _num(raw["direction"], where, "direction")
        if d not in (1.0, -1.0):
            raise FrameworkError(f"{where}：direction 应为 1（正向）或 -1（逆向），实际为 {raw['direction']!r}")
        node.direction = int(d)
    if raw.get("denominator") is not None:
        node.denominator = str(raw["denominator"]).strip()
    t = raw.get("transform")
    if t is not None:
        t = str(t).strip().lower()
        if t not in TRANSFORMS:
            raise FrameworkError(f"{where}：transform 应为 none、log 或 sqrt，实际为 {raw['transform']!r}")
        node.transform = t
    gp = raw.get("goalposts")
    if gp is not None:
        if not isinstance(gp, (list, tuple)) or len(gp) != 2:
            raise FrameworkError(f"{where}：goalposts 应为 [下限, 上限] 两个数，实际为 {gp!r}")
        lo, hi = _num(gp[0], where, "goalposts[0]"), _num(gp[1], where, "goalposts[1]")
        if not lo < hi:
            raise FrameworkError(f"{where}：goalposts 下限应小于上限（{lo} ≥ {hi}）")
        node.goalposts = (lo, hi)
    if raw.get("target") is not None:
        node.target = _num(raw["target"], where, "target")
    st = raw.get("source_type")
    if st is not None:
        if str(st) not in SOURCE_TYPES:
            raise FrameworkError(f"{where}：source_type 应为 统计、调查 或 定性，实际为 {st!r}")
        node.source_type = str(st)
    return node


def parse_framework(raw: Any, name: str = "") -> Framework:
    """Parse the YAML mapping (top key `nodes`). Exactly one root is required (the index)."""
    if not isinstance(raw, dict) or "nodes" not in raw:
        raise FrameworkError("框架文件应以 nodes 为顶层键，其下为根节点列表")
    nodes = raw["nodes"]
    if not isinstance(nodes, list) or not nodes:
        raise FrameworkError("框架文件的 nodes 应为非空列表")
    if len(nodes) != 1:
        raise FrameworkError(f"框架文件的 nodes 下应只有一个根节点（总指数），实际有 {len(nodes)} 个")
    seen: dict[str, Node] = {}
    gaps: list[tuple[str, str]] = []
    roots = [_parse_node(r, f"nodes[{i}]", seen, None, gaps) for i, r in enumerate(nodes)]
    if roots[0] is None or roots[0].is_leaf:
        raise FrameworkError("根节点没有可计算的下级指标")
    fw = Framework(roots=roots, name=str(raw.get("name") or name), nodes=seen, gaps=gaps)
    leaves = [c for c, n in seen.items() if n.is_leaf]
    fw.indicators = leaves
    # bottom-up: sort aggregates by level (stable, so file order within a level)
    fw.aggregates = sorted((c for c, n in seen.items() if not n.is_leaf), key=lambda c: seen[c].level)
    clash = set(fw.denominators) & set(seen)
    if clash:
        raise FrameworkError(f"分母代码与节点代码重复：{sorted(clash)}")
    return fw


def load_framework(source: "str | dict | Framework") -> Framework:
    """A parsed framework from a dict (a framework file's content) or a shipped framework name.

    The engine reads no files: a shipped framework's YAML is read by gaoxin.reference (the data
    package), a framework file the user names is read by the shell (gaoxin.ingest.index_files)."""
    if isinstance(source, Framework):
        return source
    if isinstance(source, dict):
        return parse_framework(source)
    name = str(source)
    if isinstance(source, Path) or name.endswith((".yaml", ".yml")) or "/" in name or "\\" in name:
        raise FrameworkError(f"评价引擎不读取文件：框架文件 {name} 请用 gaoxin.ingest.index_files.read_framework 读入")
    from gaoxin import reference   # shipped and user frameworks by name (the data package reads them)
    try:
        raw = reference.load_framework(name)
    except FileNotFoundError as exc:
        raise FrameworkError(str(exc)) from None
    except reference.ReferenceDataError as exc:
        raise FrameworkError(f"评价指标体系“{name}”的文件有误：{exc}") from None
    try:
        return parse_framework(raw, name=name)
    except FrameworkError as exc:
        raise FrameworkError(f"评价指标体系“{name}”：{exc}") from None
