"""Static charts and the Hunan map as PNG bytes for Word reports (matplotlib, Agg, Noto CJK)."""
from __future__ import annotations

import io
import json
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.collections import PatchCollection  # noqa: E402
from matplotlib.patches import Polygon  # noqa: E402

plt.rcParams["font.family"] = ["Noto Sans CJK SC", "DejaVu Sans"]
plt.rcParams["axes.unicode_minus"] = False
BLUE = "#1f4e8c"
RED = "#c8161d"


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def bar_chart(labels: list[str], values: list[float], title: str = "", xlabel: str = "",
              per_column: int = 26, value_format: str = "{:.1f}") -> bytes:
    """Horizontal bars, best first from the top. More than `per_column` bars are drawn in two (or more)
    side-by-side panels on one shared scale, so that a 52-zone chart fits an A4 page at a readable
    size (≈ 0.22 inch per bar) instead of running past its foot."""
    n = len(labels)
    k = max(1, -(-n // per_column))
    rows = -(-n // k) if n else 1
    fig, axes = plt.subplots(1, k, figsize=(7.2, max(2.2, 0.22 * rows + 0.9)), squeeze=False)
    finite = [v for v in values if v == v]
    hi = max(finite) if finite else 1.0
    for p, ax in enumerate(axes[0]):
        lab, val = labels[p * rows:(p + 1) * rows], values[p * rows:(p + 1) * rows]
        y = np.arange(len(lab))[::-1] + (rows - len(lab))
        ax.barh(y, val, color=BLUE, height=0.7)
        ax.set_yticks(y, lab, fontsize=8)
        ax.set_ylim(-0.6, rows - 0.4)
        ax.set_xlim(0, hi * 1.18)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_xlabel(xlabel, fontsize=8)
        for yi, v in zip(y, val):
            if v == v:
                ax.text(v, yi, " " + value_format.format(v), va="center", fontsize=7)
        ax.spines[["top", "right"]].set_visible(False)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return _png(fig)


@lru_cache(maxsize=2)
def _features(path: str, mtime: float) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))["features"]


def _repel(fig, ax, texts, rounds: int = 60) -> None:
    """Push apart city labels whose boxes overlap (长沙、株洲、湘潭 sit close together): each round moves
    both labels of an overlapping pair half the overlap apart along the axis of least overlap."""
    if len(texts) < 2:
        return
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    inv = ax.transData.inverted()
    for _ in range(rounds):
        boxes = [t.get_window_extent(renderer).expanded(1.05, 1.1) for t in texts]
        moved = False
        for i in range(len(texts)):
            for j in range(i + 1, len(texts)):
                a, b = boxes[i], boxes[j]
                dx = min(a.x1, b.x1) - max(a.x0, b.x0)
                dy = min(a.y1, b.y1) - max(a.y0, b.y0)
                if dx <= 0 or dy <= 0:
                    continue
                moved = True
                ca, cb = ((a.x0 + a.x1) / 2, (a.y0 + a.y1) / 2), ((b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2)
                if dy <= dx:   # separate vertically
                    sa = -1 if ca[1] < cb[1] else 1
                    shift = (0, sa * dy / 2 + sa)
                else:
                    sa = -1 if ca[0] < cb[0] else 1
                    shift = (sa * dx / 2 + sa, 0)
                for t, sign in ((texts[i], 1), (texts[j], -1)):
                    x, y = ax.transData.transform(t.get_position())
                    t.set_position(inv.transform((x + sign * shift[0], y + sign * shift[1])))
                boxes[i] = texts[i].get_window_extent(renderer).expanded(1.05, 1.1)
                boxes[j] = texts[j].get_window_extent(renderer).expanded(1.05, 1.1)
        if not moved:
            return


def map_path() -> Path:
    """The replaceable boundary file: $GAOXIN_MAP_GEOJSON or the shipped reference/map/hunan.geojson."""
    import os
    from gaoxin.reference import REFERENCE_DIR
    return Path(os.environ.get("GAOXIN_MAP_GEOJSON") or REFERENCE_DIR / "map" / "hunan.geojson")


def hunan_map(values_by_city: dict[str, float | None], title: str = "", geojson: Path | None = None,
              legend: str = "得分") -> bytes:
    """Choropleth of the 14 市州 from the replaceable GeoJSON; cities without a value are grey."""
    path = Path(geojson or map_path())
    feats = _features(str(path), path.stat().st_mtime)
    vals = [v for v in values_by_city.values() if v is not None and v == v]
    lo, hi = (min(vals), max(vals)) if vals else (0, 1)
    cmap = plt.get_cmap("Blues")
    fig, ax = plt.subplots(figsize=(6, 6.4))
    patches, colors, labels = [], [], []
    for f in feats:
        name = f["properties"].get("name", "")
        v = values_by_city.get(name)
        g = f["geometry"]
        polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
        for poly in polys:
            patches.append(Polygon(np.asarray(poly[0]), closed=True))
            colors.append("#dddddd" if v is None or v != v else cmap(0.2 + 0.75 * (v - lo) / ((hi - lo) or 1)))
        cp = f["properties"].get("cp")
        if cp:
            labels.append(ax.text(cp[0], cp[1], name.replace("土家族苗族自治州", "州") + ("" if v is None or v != v else f"\n{v:.1f}"),
                                  ha="center", va="center", fontsize=7,
                                  path_effects=[patheffects.withStroke(linewidth=2.2, foreground="white")]))
    ax.add_collection(PatchCollection(patches, facecolor=colors, edgecolor="white", linewidth=0.6))
    ax.autoscale_view()
    ax.set_aspect(1.1)
    _repel(fig, ax, labels)
    ax.axis("off")
    ax.set_title(title, fontsize=11)
    if vals:
        sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(lo, hi))
        fig.colorbar(sm, ax=ax, shrink=0.5, label=legend)
    ax.text(0.0, -0.02, "注：边界数据无审图号，仅供内部分析", transform=ax.transAxes, fontsize=6, color="#666666")
    return _png(fig)
