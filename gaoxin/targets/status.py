"""Status bands (已完成 / 进度正常 / 进度滞后 / 严重滞后 / 逾期未完成 / 数据缺失) from `status_thresholds.yaml`."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import yaml

from gaoxin.paths import REFERENCE_DIR

THRESHOLDS_FILE = REFERENCE_DIR / "status_thresholds.yaml"

ACHIEVED = "已完成"
ON_TRACK = "进度正常"
BEHIND = "进度滞后"
SEVERE = "严重滞后"
MISSING = "数据缺失"
OVERDUE = "逾期未完成"


@dataclass(frozen=True)
class Thresholds:
    ratio: str                                # pace | cagr
    bands: tuple[tuple[str, float | None], ...]  # (status, min_ratio), checked in order
    achieved_status: str
    missing_status: str
    deterioration_label: str
    severity: tuple[str, ...]
    source: str
    source_zh: str = ""
    overdue_status: str = OVERDUE
    overdue_actual_at: str = "target_year"   # target_year | as_of: which actual decides after the deadline

    def classify(self, ratio: np.ndarray) -> np.ndarray:
        """Status per ratio (NaN ratio → the last band; callers handle missing / achieved first)."""
        ratio = np.asarray(ratio, dtype=float)
        out = np.full(ratio.shape, self.bands[-1][0], dtype=object)
        decided = np.zeros(ratio.shape, dtype=bool)
        for status, minimum in self.bands:
            hit = ~decided & (np.ones_like(decided) if minimum is None else (ratio >= minimum))
            out[hit] = status
            decided |= hit
        return out

    def severity_rank(self, status) -> np.ndarray:
        order = {s: i for i, s in enumerate(self.severity)}
        return np.array([order.get(s, len(order)) for s in np.atleast_1d(status)])


def load_thresholds(path: Path | None = None) -> Thresholds:
    return _load(str(path or THRESHOLDS_FILE))


@cache
def _load(path: str) -> Thresholds:
    with open(path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    if not isinstance(doc, dict) or "source" not in doc or not doc.get("bands"):
        raise ValueError(f"状态阈值文件 {path} 缺少 source 或 bands")
    if doc.get("ratio", "pace") not in ("pace", "cagr"):
        raise ValueError(f"状态阈值文件 {path}：ratio 只能是 pace 或 cagr")
    bands = []
    last = None
    for b in doc["bands"]:
        m = b.get("min_ratio")
        if m is not None and last is not None and m > last:
            raise ValueError(f"状态阈值文件 {path}：bands 的 min_ratio 必须从高到低排列")
        last = m if m is not None else last
        bands.append((str(b["status"]), None if m is None else float(m)))
    if bands[-1][1] is not None:
        raise ValueError(f"状态阈值文件 {path}：最后一档的 min_ratio 应为 null（兜底）")
    overdue = doc.get("overdue") or {}
    if overdue.get("actual_at", "target_year") not in ("target_year", "as_of"):
        raise ValueError(f"状态阈值文件 {path}：overdue.actual_at 只能是 target_year 或 as_of")
    return Thresholds(ratio=doc.get("ratio", "pace"), bands=tuple(bands),
                      achieved_status=doc.get("achieved_status", ACHIEVED),
                      missing_status=doc.get("missing_status", MISSING),
                      deterioration_label=doc.get("deterioration_label", "倒退"),
                      severity=tuple(doc.get("severity") or (OVERDUE, SEVERE, BEHIND, MISSING, ON_TRACK, ACHIEVED)),
                      source=str(doc["source"]), source_zh=str(doc.get("source_zh") or doc["source"]),
                      overdue_status=str(overdue.get("status") or OVERDUE),
                      overdue_actual_at=str(overdue.get("actual_at", "target_year")))
