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


def bar_chart(labels: list[str], values: list[float], title: str = "", xlabel: str = "") -> bytes:
    n = len(labels)
    fig, ax = plt.subplots(figsize=(7.2, max(2.5, 0.26 * n + 1)))
    y = np.arange(n)[::-1]
    ax.barh(y, values, color=BLUE)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=11)
    for yi, v in zip(y, values):
        if v == v:
            ax.text(v, yi, f" {v:.1f}", va="center", fontsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def radar_chart(names: list[str], values: list[float], mean: list[float] | None = None, title: str = "") -> bytes:
    k = len(names)
    ang = np.linspace(0, 2 * np.pi, k, endpoint=False).tolist()
    fig = plt.figure(figsize=(4.2, 4.2))
    ax = fig.add_subplot(111, polar=True)
    for vals, color, label in ((values, BLUE, "本园区"), (mean, "#999999", "全省平均")):
        if vals is None:
            continue
        v = list(vals) + [vals[0]]
        ax.plot(ang + ang[:1], v, color=color, label=label)
        ax.fill(ang + ang[:1], v, color=color, alpha=0.15)
    ax.set_xticks(ang, names, fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower right", fontsize=7, bbox_to_anchor=(1.15, -0.1))
    return _png(fig)


@lru_cache(maxsize=2)
def _features(path: str, mtime: float) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))["features"]


def hunan_map(values_by_city: dict[str, float | None], title: str = "", geojson: Path | None = None,
              legend: str = "得分") -> bytes:
    """Choropleth of the 14 市州 from the replaceable GeoJSON; cities without a value are grey."""
    from gaoxin.web.engines import geojson_path
    path = Path(geojson or geojson_path())
    feats = _features(str(path), path.stat().st_mtime)
    vals = [v for v in values_by_city.values() if v is not None and v == v]
    lo, hi = (min(vals), max(vals)) if vals else (0, 1)
    cmap = plt.get_cmap("Blues")
    fig, ax = plt.subplots(figsize=(6, 6.4))
    patches, colors = [], []
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
            ax.text(cp[0], cp[1], name.replace("土家族苗族自治州", "州") + ("" if v is None or v != v else f"\n{v:.1f}"),
                    ha="center", va="center", fontsize=7)
    ax.add_collection(PatchCollection(patches, facecolor=colors, edgecolor="white", linewidth=0.6))
    ax.autoscale_view()
    ax.set_aspect(1.1)
    ax.axis("off")
    ax.set_title(title, fontsize=11)
    if vals:
        sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(lo, hi))
        fig.colorbar(sm, ax=ax, shrink=0.5, label=legend)
    ax.text(0.0, -0.02, "注：边界数据无审图号，仅供内部分析", transform=ax.transAxes, fontsize=6, color="#666666")
    return _png(fig)
