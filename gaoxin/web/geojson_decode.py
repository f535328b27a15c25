"""Decode ECharts 4's compressed map JSON (`UTF8Encoding`) into plain GeoJSON.

ECharts ≤4 shipped province maps with coordinates zig-zag/delta encoded in characters; ECharts 6 and
matplotlib need plain coordinates. Used by scripts/vendor-js.sh; decoder verified in stack-notes §2.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def _ring(s: str, off: list[int], scale: float) -> list[list[float]]:
    px, py = off
    out = []
    for i in range(0, len(s), 2):
        x = ord(s[i]) - 64
        y = ord(s[i + 1]) - 64
        x = (x >> 1) ^ (-(x & 1))
        y = (y >> 1) ^ (-(y & 1))
        x += px
        y += py
        px, py = x, y
        out.append([x / scale, y / scale])
    return out


def decode(gj: dict) -> dict:
    if not gj.get("UTF8Encoding"):
        return gj
    scale = gj.get("UTF8Scale", 1024)
    for f in gj["features"]:
        g = f["geometry"]
        eo = g.get("encodeOffsets")
        if g["type"] == "Polygon":
            g["coordinates"] = [_ring(r, eo[i], scale) for i, r in enumerate(g["coordinates"])]
        elif g["type"] == "MultiPolygon":
            g["coordinates"] = [[_ring(r, eo[j][i], scale) for i, r in enumerate(p)]
                                for j, p in enumerate(g["coordinates"])]
        g.pop("encodeOffsets", None)
    gj.pop("UTF8Encoding", None)
    gj.pop("UTF8Scale", None)
    return gj


def main(argv: list[str]) -> None:
    src, dst = Path(argv[0]), Path(argv[1])
    gj = decode(json.loads(src.read_text(encoding="utf-8")))
    gj["source"] = ("npm echarts@4.9.0 map/json/province/hunan.json（社区数据，无审图号；"
                    "正式发布前请替换为经审核的标准地图边界）")
    dst.write_text(json.dumps(gj, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
