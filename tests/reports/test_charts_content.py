"""The charts of the Word reports as a reader sees them (gaoxin.reports.charts): the bars, labels,
scales and panels of the ranked bar chart, the colours and labels of the Hunan map, label repulsion,
the PNG rendering and where the boundary file comes from. The figures are caught before they are
rendered to PNG; expected values are written by hand from the inputs and the rules in the docstrings."""
from __future__ import annotations

import json
import math
import struct

import matplotlib.pyplot as plt
import numpy as np
import pytest

from gaoxin.reports import charts

BLUE = (0x1F / 255, 0x4E / 255, 0x8C / 255, 1.0)
GREY = (0xDD / 255, 0xDD / 255, 0xDD / 255, 1.0)


@pytest.fixture
def figs(monkeypatch):
    """Figures handed to _png, kept open for inspection (closed at teardown)."""
    caught = []
    monkeypatch.setattr(charts, "_png", lambda fig: caught.append(fig) or b"\x89PNG")
    yield caught
    for f in caught:
        plt.close(f)


def _bars(ax) -> list[tuple]:
    """(y centre, length, height) of each bar, top first as drawn."""
    return [(round(p.get_y() + p.get_height() / 2, 6), None if math.isnan(p.get_width()) else round(p.get_width(), 6),
             round(p.get_height(), 6)) for p in ax.patches]


def _labels(ax) -> list[tuple]:
    return [(t.get_text(), float(t.get_position()[1])) for t in ax.get_yticklabels()]


def _values(ax) -> list[tuple]:
    return [(t.get_text(), float(t.get_position()[0]), float(t.get_position()[1]), t.get_va(), t.get_fontsize())
            for t in ax.texts]


# --------------------------------------------------------------------------- bar chart

def test_bar_chart_one_panel(figs):
    out = charts.bar_chart(["甲区", "乙区", "丙区"], [12.345, float("nan"), 3.0], title="综合得分排名",
                           xlabel="综合得分（分）")
    assert out == b"\x89PNG"
    fig, = figs
    # 3 bars: height max(2.2, 0.22 × 3 + 0.9 = 1.56) = 2.2 inches, 7.2 wide
    assert tuple(fig.get_size_inches()) == (7.2, 2.2)
    ax, = fig.axes
    # best first from the top: 甲区 at y 2, 乙区 (no value) at 1, 丙区 at 0; bars 0.7 high, blue
    assert _bars(ax) == [(2.0, 12.345, 0.7), (1.0, None, 0.7), (0.0, 3.0, 0.7)]
    assert all(tuple(p.get_facecolor()) == pytest.approx(BLUE) for p in ax.patches)
    assert _labels(ax) == [("甲区", 2.0), ("乙区", 1.0), ("丙区", 0.0)]
    assert [t.get_fontsize() for t in ax.get_yticklabels()] == [8, 8, 8]
    assert {t.get_fontsize() for t in ax.get_xticklabels()} == {7}
    # value labels one decimal, after a space, only for real numbers
    assert _values(ax) == [(" 12.3", 12.345, 2.0, "center", 7), (" 3.0", 3.0, 0.0, "center", 7)]
    assert ax.get_ylim() == pytest.approx((-0.6, 2.6))
    assert ax.get_xlim() == pytest.approx((0, 12.345 * 1.18))     # room for the largest label
    assert (ax.get_xlabel(), ax.xaxis.label.get_fontsize()) == ("综合得分（分）", 8)
    assert [ax.spines[s].get_visible() for s in ("top", "right", "bottom", "left")] == [False, False, True, True]
    assert (fig._suptitle.get_text(), fig._suptitle.get_fontsize()) == ("综合得分排名", 11)


def test_bar_chart_percent_labels_and_no_title(figs):
    charts.bar_chart(["甲", "乙"], [120.0, 50.04], value_format="{:.1f}%")
    fig, = figs
    assert fig._suptitle is None
    ax, = fig.axes
    assert [t[0] for t in _values(ax)] == [" 120.0%", " 50.0%"]
    assert ax.get_xlabel() == ""


def test_bar_chart_52_zones_in_two_panels_on_one_scale(figs):
    labels = [f"园区{i:02d}" for i in range(1, 53)]
    values = [float(100 - i) for i in range(52)]          # 100 … 49
    charts.bar_chart(labels, values)
    fig, = figs
    # 52 > 26 per column: two panels of 26 bars; height 0.22 × 26 + 0.9 = 6.62 inches
    assert len(fig.axes) == 2
    assert tuple(fig.get_size_inches()) == pytest.approx((7.2, 6.62))
    left, right = fig.axes
    assert _labels(left)[0] == ("园区01", 25.0) and _labels(left)[-1] == ("园区26", 0.0)
    assert _labels(right)[0] == ("园区27", 25.0) and _labels(right)[-1] == ("园区52", 0.0)
    for ax in fig.axes:
        assert ax.get_xlim() == pytest.approx((0, 118.0))     # the same scale: 100 × 1.18
        assert ax.get_ylim() == pytest.approx((-0.6, 25.6))


def test_bar_chart_uneven_panels_keep_the_top_aligned(figs):
    # 27 bars, 26 per column: 2 panels of 14 rows; the second holds 13 bars, from the top row down
    charts.bar_chart([f"区{i}" for i in range(27)], [float(27 - i) for i in range(27)])
    fig, = figs
    assert tuple(fig.get_size_inches()) == pytest.approx((7.2, 0.22 * 14 + 0.9))
    left, right = fig.axes
    assert [y for _, y in _labels(left)] == [float(y) for y in range(13, -1, -1)]
    assert [y for _, y in _labels(right)] == [float(y) for y in range(13, 0, -1)]
    assert _labels(right)[0][0] == "区14"
    assert right.get_ylim() == pytest.approx((-0.6, 13.6))


def test_bar_chart_exactly_one_column_and_custom_per_column(figs):
    charts.bar_chart([f"区{i}" for i in range(26)], [1.0] * 26)
    charts.bar_chart(["甲", "乙", "丙", "丁", "戊"], [5.0, 4.0, 3.0, 2.0, 1.0], per_column=2)
    one, three = figs
    assert len(one.axes) == 1 and tuple(one.get_size_inches()) == pytest.approx((7.2, 0.22 * 26 + 0.9))
    # 5 bars, 2 per column: 3 panels of 2 rows (甲乙 | 丙丁 | 戊)
    assert [[t for t, _ in _labels(ax)] for ax in three.axes] == [["甲", "乙"], ["丙", "丁"], ["戊"]]


def test_bar_chart_without_values(figs):
    charts.bar_chart([], [])
    charts.bar_chart(["甲"], [float("nan")])
    empty, nan = figs
    assert len(empty.axes) == 1 and tuple(empty.get_size_inches()) == (7.2, 2.2)
    assert empty.axes[0].get_ylim() == pytest.approx((-0.6, 0.6))    # one empty row
    assert nan.axes[0].get_xlim() == pytest.approx((0, 1.18))       # no finite value: scale 1
    assert len(nan.axes[0].texts) == 0


# --------------------------------------------------------------------------- map

def _square(x, y):
    return [[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]


@pytest.fixture
def geojson(tmp_path):
    feats = [
        {"type": "Feature", "properties": {"name": "甲市", "cp": [0.5, 0.5]},
         "geometry": {"type": "Polygon", "coordinates": [_square(0, 0)]}},
        {"type": "Feature", "properties": {"name": "湘西土家族苗族自治州", "cp": [20.5, 0.5]},
         "geometry": {"type": "MultiPolygon", "coordinates": [[_square(20, 0)], [_square(22, 0)]]}},
        {"type": "Feature", "properties": {"name": "丙市"},               # no label point
         "geometry": {"type": "Polygon", "coordinates": [_square(0, 20)]}},
        {"type": "Feature", "properties": {"name": "丁市", "cp": [20.5, 20.5]},
         "geometry": {"type": "Polygon", "coordinates": [_square(20, 20)]}},
        {"type": "Feature", "properties": {"name": "戊市", "cp": [40.5, 20.5]},
         "geometry": {"type": "Polygon", "coordinates": [_square(40, 20)]}},
    ]
    p = tmp_path / "hunan.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False), encoding="utf-8")
    return p


def test_map_colours_labels_and_legend(figs, geojson):
    charts.hunan_map({"甲市": 10.0, "湘西土家族苗族自治州": 20.0, "丙市": None, "丁市": float("nan"), "戊市": 15.0},
                     "2025年各市州平均得分", geojson=geojson, legend="平均得分")
    fig, = figs
    ax, cax = fig.axes
    blues = plt.get_cmap("Blues")
    coll, = ax.collections
    # one patch per polygon (湘西 has two); lowest value at 0.2 of the Blues scale, highest at 0.95,
    # 15 halfway (0.575); cities without a value grey
    np.testing.assert_allclose(coll.get_facecolors(),
                               [blues(0.2), blues(0.95), blues(0.95), GREY, GREY, blues(0.575)])
    assert [p.vertices[:4].tolist() for p in coll.get_paths()][0] == [[0, 0], [1, 0], [1, 1], [0, 1]]
    assert [tuple(c) for c in coll.get_edgecolors()] == [(1.0, 1.0, 1.0, 1.0)]
    assert list(coll.get_linewidths()) == [0.6]
    # labels at the cities' label points (far apart: not moved), 湘西土家族苗族自治州 shortened to 湘西州
    texts = [(t.get_text(), tuple(map(float, t.get_position())), t.get_fontsize(), t.get_ha(), t.get_va())
             for t in ax.texts]
    assert texts == [("甲市\n10.0", (0.5, 0.5), 7, "center", "center"),
                     ("湘西州\n20.0", (20.5, 0.5), 7, "center", "center"),
                     ("丁市", (20.5, 20.5), 7, "center", "center"),
                     ("戊市\n15.0", (40.5, 20.5), 7, "center", "center"),
                     ("注：边界数据无审图号，仅供内部分析", (0.0, -0.02), 6, "left", "baseline")]
    stroke = ax.texts[0].get_path_effects()[0]
    assert stroke._gc == {"linewidth": 2.2, "foreground": "white"}
    note = ax.texts[-1]
    assert note.get_transform() == ax.transAxes and note.get_color() == "#666666"
    assert (ax.get_title(), ax.title.get_fontsize()) == ("2025年各市州平均得分", 11)
    assert ax.axison is False and ax.get_aspect() == 1.1
    # the colour bar spans the values and carries the legend
    assert cax.get_ylabel() == "平均得分"
    assert (cax._colorbar.norm.vmin, cax._colorbar.norm.vmax) == (10.0, 20.0)
    assert cax._colorbar.cmap.name == "Blues"


def test_map_without_values_has_no_colour_bar(figs, geojson):
    charts.hunan_map({"甲市": None, "丁市": float("nan")}, geojson=geojson)
    charts.hunan_map({"甲市": 30.0, "戊市": 30.0}, geojson=geojson)
    empty, flat = figs
    assert len(empty.axes) == 1 and empty.axes[0].get_title() == ""
    np.testing.assert_allclose(empty.axes[0].collections[0].get_facecolors(), [GREY] * 6)
    assert [t.get_text() for t in empty.axes[0].texts][:4] == ["甲市", "湘西州", "丁市", "戊市"]
    # one value for all: no spread, every city with a value at 0.2 of the scale
    blues = plt.get_cmap("Blues")
    np.testing.assert_allclose(flat.axes[0].collections[0].get_facecolors(),
                               [blues(0.2), GREY, GREY, GREY, GREY, blues(0.2)])
    assert flat.axes[1].get_ylabel() == "得分"


def test_map_of_the_shipped_boundaries_labels_all_14_cities(figs):
    charts.hunan_map({"长沙市": 80.0, "株洲市": 60.0}, "测试")
    fig, = figs
    names = [t.get_text().split("\n")[0] for t in fig.axes[0].texts[:-1]]
    assert len(names) == 14 and "长沙市" in names and "湘西州" in names
    assert "长沙市\n80.0" in [t.get_text() for t in fig.axes[0].texts]


def test_map_path_is_replaceable(monkeypatch, tmp_path):
    from gaoxin.reference import REFERENCE_DIR
    monkeypatch.delenv("GAOXIN_MAP_GEOJSON", raising=False)
    assert charts.map_path() == REFERENCE_DIR / "map" / "hunan.geojson"
    monkeypatch.setenv("GAOXIN_MAP_GEOJSON", str(tmp_path / "other.geojson"))
    assert charts.map_path() == tmp_path / "other.geojson"
    monkeypatch.setenv("GAOXIN_MAP_GEOJSON", "")
    assert charts.map_path() == REFERENCE_DIR / "map" / "hunan.geojson"


def test_map_reads_the_replaced_file(figs, geojson, monkeypatch):
    monkeypatch.setenv("GAOXIN_MAP_GEOJSON", str(geojson))
    charts.hunan_map({"甲市": 1.0})
    assert [t.get_text() for t in figs[0].axes[0].texts][:4] == ["甲市\n1.0", "湘西州", "丁市", "戊市"]


# --------------------------------------------------------------------------- label repulsion

def _overlap(fig, a, b) -> bool:
    r = fig.canvas.get_renderer()
    return a.get_window_extent(r).overlaps(b.get_window_extent(r))


def _boxes(fig, *texts):
    """Label boxes as _repel sees them: 5 % wider, 10 % taller than the text."""
    r = fig.canvas.get_renderer()
    return [t.get_window_extent(r).expanded(1.05, 1.1) for t in texts]


def test_repel_separates_overlapping_labels_and_keeps_apart_ones():
    fig, ax = plt.subplots(figsize=(4, 4))
    try:
        ax.set_xlim(0, 10)
        ax.set_ylim(0, 10)
        a = ax.text(5, 5, "长沙市", ha="center", va="center", fontsize=7)
        b = ax.text(5.1, 5.05, "株洲市", ha="center", va="center", fontsize=7)
        c = ax.text(1, 1, "怀化市", ha="center", va="center", fontsize=7)
        fig.canvas.draw()
        assert _overlap(fig, a, b)
        charts._repel(fig, ax, [a, b, c])
        assert not _overlap(fig, a, b)
        # both moved, in opposite directions (b sits above and right of a), by the same amount
        (ax0, ay0), (bx0, by0) = a.get_position(), b.get_position()
        assert (ax0 + bx0, ay0 + by0) == pytest.approx((10.1, 10.05))
        assert ay0 < 5 < 5.05 < by0 and ax0 == pytest.approx(5) and bx0 == pytest.approx(5.1)
        assert tuple(c.get_position()) == (1, 1)
        # each label moved half the overlap plus one pixel: the boxes end 2 pixels apart, vertically
        ba, bb = _boxes(fig, a, b)
        assert bb.y0 - ba.y1 == pytest.approx(2.0, abs=0.01)
    finally:
        plt.close(fig)


def test_repel_side_by_side_labels_move_sideways():
    fig, ax = plt.subplots(figsize=(4, 4))
    try:
        ax.set_xlim(0, 10)
        ax.set_ylim(0, 10)
        a = ax.text(5, 5, "长沙市长沙市", ha="center", va="center", fontsize=7)
        # the boxes overlap by a few pixels sideways and fully in height: pushed apart sideways
        b = ax.text(6.35, 5, "湘潭市", ha="center", va="center", fontsize=7)
        fig.canvas.draw()
        assert _overlap(fig, a, b)
        charts._repel(fig, ax, [a, b])
        assert not _overlap(fig, a, b)
        (ax0, ay0), (bx0, by0) = a.get_position(), b.get_position()
        assert ay0 == pytest.approx(5) and by0 == pytest.approx(5)     # same line: only x changes
        assert ax0 < 5 and bx0 > 6.35 and ax0 + bx0 == pytest.approx(11.35)
        ba, bb = _boxes(fig, a, b)
        assert bb.x0 - ba.x1 == pytest.approx(2.0, abs=0.01)
    finally:
        plt.close(fig)


def test_repel_leaves_a_single_label_alone():
    fig, ax = plt.subplots()
    try:
        t = ax.text(0.5, 0.5, "长沙市")
        charts._repel(fig, ax, [t])
        assert tuple(t.get_position()) == (0.5, 0.5)
    finally:
        plt.close(fig)


# --------------------------------------------------------------------------- PNG

def test_png_renders_at_150_dpi_cropped_and_closes_the_figure():
    from matplotlib.patches import Rectangle
    fig = plt.figure(figsize=(4, 2))
    # a 1 × 1 inch square in the figure's lower-left corner: the tight box is the square plus the
    # 0.1 inch pad on each side, 1.2 × 1.2 inches → 180 × 180 pixels at 150 dpi
    fig.add_artist(Rectangle((0, 0), 0.25, 0.5, transform=fig.transFigure, color="black"))
    png = charts._png(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (180, 180)
    assert fig.number not in plt.get_fignums()


def test_features_are_read_from_the_file(geojson):
    feats = charts._features(str(geojson), geojson.stat().st_mtime)
    assert [f["properties"]["name"] for f in feats] == ["甲市", "湘西土家族苗族自治州", "丙市", "丁市", "戊市"]
    assert np.asarray(feats[0]["geometry"]["coordinates"][0]).shape == (5, 2)


def test_png_closes_the_given_figure_not_the_current_one():
    fig = plt.figure(figsize=(1, 1))
    other = plt.figure(figsize=(1, 1))             # the current figure
    try:
        charts._png(fig)
        assert fig.number not in plt.get_fignums() and other.number in plt.get_fignums()
    finally:
        plt.close(other)


def test_repel_needs_several_rounds_for_a_cluster():
    fig, ax = plt.subplots(figsize=(4, 4))
    try:
        ax.set_xlim(0, 10)
        ax.set_ylim(0, 10)
        texts = [ax.text(5 + 0.02 * i, 5 + 0.01 * i, name, ha="center", va="center", fontsize=7)
                 for i, name in enumerate(["长沙市", "株洲市", "湘潭市", "岳阳市"])]
        charts._repel(fig, ax, texts)
        fig.canvas.draw()
        assert not any(_overlap(fig, a, b) for i, a in enumerate(texts) for b in texts[i + 1:])
    finally:
        plt.close(fig)


def test_map_feature_without_name_and_colour_bar_size(figs, tmp_path):
    feats = [{"type": "Feature", "properties": {"cp": [0.5, 0.5]},
              "geometry": {"type": "Polygon", "coordinates": [_square(0, 0)]}},
             {"type": "Feature", "properties": {"name": "甲市", "cp": [20.5, 0.5]},
              "geometry": {"type": "Polygon", "coordinates": [_square(20, 0)]}}]
    p = tmp_path / "m.geojson"
    p.write_text(json.dumps({"features": feats}, ensure_ascii=False), encoding="utf-8")
    charts.hunan_map({"甲市": 5.0}, geojson=p)
    ax, cax = figs[0].axes
    assert [t.get_text() for t in ax.texts][:2] == ["", "甲市\n5.0"]
    # the colour bar is half as tall as the map's box (shrink 0.5)
    assert cax.get_position().height == pytest.approx(0.5 * ax.get_position(original=True).height)


def test_map_rereads_a_changed_file(figs, tmp_path):
    import os
    p = tmp_path / "m.geojson"
    for i, name in enumerate(["甲市", "乙市"]):
        feats = [{"type": "Feature", "properties": {"name": name, "cp": [0.5, 0.5]},
                  "geometry": {"type": "Polygon", "coordinates": [_square(0, 0)]}}]
        p.write_text(json.dumps({"features": feats}, ensure_ascii=False), encoding="utf-8")
        os.utime(p, (1_700_000_000 + i * 100, 1_700_000_000 + i * 100))
        charts.hunan_map({}, geojson=p)
    assert [f.axes[0].texts[0].get_text() for f in figs] == ["甲市", "乙市"]


@pytest.mark.parametrize("dx, dy", [(0.1, 0.05), (1.35, 0.0)])
def test_repel_works_whichever_label_comes_first(dx, dy):
    # the upper (or right-hand) label listed first: the pair still ends 2 pixels apart
    fig, ax = plt.subplots(figsize=(4, 4))
    try:
        ax.set_xlim(0, 10)
        ax.set_ylim(0, 10)
        low = ax.text(5, 5, "长沙市" if dy else "长沙市长沙市", ha="center", va="center", fontsize=7)
        high = ax.text(5 + dx, 5 + dy, "株洲市", ha="center", va="center", fontsize=7)
        charts._repel(fig, ax, [high, low])
        bl, bh = _boxes(fig, low, high)
        gap = (bh.y0 - bl.y1) if dy else (bh.x0 - bl.x1)
        assert gap == pytest.approx(2.0, abs=0.01)
        (lx, ly), (hx, hy) = low.get_position(), high.get_position()
        assert (lx + hx, ly + hy) == pytest.approx((10 + dx, 10 + dy))
    finally:
        plt.close(fig)
