"""Report builders on hand-made frames (no database): content, CJK fonts, demo marking, images."""
from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from gaoxin.reports import charts
from gaoxin.reports.excel import frame_to_xlsx
from gaoxin.reports.pdf import FONT_ALIASES, fontconfig_xml
from gaoxin.reports.zone_evaluation import ZoneEvaluationInput, build


def _xml(docx: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        return z.read("word/document.xml").decode("utf-8")


def _input(is_demo=True):
    ranking = pd.DataFrame({
        "rank": pd.array([1, 2, pd.NA], dtype="Int64"), "unit": ["A", "B", "C"],
        "name": ["甲高新技术产业开发区", "乙高新技术产业开发区", "丙高新技术产业开发区"],
        "city": ["长沙市", "株洲市", "长沙市"], "level": ["国家级", "省级", "省级"],
        "score": [80.0, 60.0, np.nan], "D1": [90.0, 50.0, np.nan]})
    profiles = pd.DataFrame({"unit": ["A", "B", "C"], "strengths": ["指标一", "指标二", ""],
                             "weaknesses": ["指标三", "指标四", ""], "change": [1.5, -2.0, None],
                             "rank_q05": [1.0, 1.0, np.nan], "rank_q95": [2.0, 2.0, np.nan]})
    return ZoneEvaluationInput(2025, "测试指标体系", ranking, {"D1": "创新能力"}, profiles,
                               {"长沙市": 80.0, "株洲市": 60.0}, "方法说明。", is_demo)


def test_zone_report_content():
    xml = _xml(build(_input()))
    assert "2025年度湖南省高新区创新发展综合评价报告" in xml and "示例数据" in xml
    # summary numbers computed from the frame: mean of 80 and 60, national mean 80, provincial 60
    assert "平均为 70.00 分" in xml and "国家级高新区平均得分 80.00 分" in xml
    assert "创新能力" in xml and "1–2" in xml  # dimension label, rank interval
    assert "丙高新技术产业开发区" in xml and "数据不足" in xml  # unscored zone named in a note
    assert 'w:eastAsia="仿宋_GB2312"' in xml


def _class_inputs():
    """Two classes as the services hand them over: each ranked within itself on its own system."""
    nat = pd.DataFrame({"rank": pd.array([1, 2], dtype="Int64"), "unit": ["A", "B"],
                        "name": ["甲高新技术产业开发区", "乙高新技术产业开发区"], "city": ["长沙市", "株洲市"],
                        "level": ["国家级", "国家级"], "score": [70.0, 50.0], "N1": [80.0, 40.0]})
    prov = pd.DataFrame({"rank": pd.array([1, 2, 3], dtype="Int64"), "unit": ["C", "D", "E"],
                         "name": ["丙高新技术产业开发区", "丁高新技术产业开发区", "戊高新技术产业开发区"],
                         "city": ["长沙市", "长沙市", "株洲市"], "level": ["省级"] * 3,
                         "score": [90.0, 30.0, 45.0], "D1": [95.0, 20.0, 40.0]})

    def prof(units):
        return pd.DataFrame({"unit": units, "strengths": "指标一", "weaknesses": "指标二", "change": 0.5})
    a = ZoneEvaluationInput(2025, "国家体系", nat, {"N1": "创新能力和创业活跃度"}, prof(["A", "B"]),
                            {"长沙市": 70.0, "株洲市": 50.0}, "国家级方法。", True, zone_class="国家级",
                            document="国科发火〔2021〕106号", gaps=["二级指标赋权未公开，按组内等权计算"])
    b = ZoneEvaluationInput(2025, "省级体系", prov, {"D1": "知识创造和技术创新能力"}, prof(["C", "D", "E"]),
                            {"长沙市": 60.0, "株洲市": 45.0}, "省级方法。", True, zone_class="省级",
                            document="《某行动方案》", gaps=[])
    return a, b


def test_zone_report_by_class():
    xml = _xml(build(list(_class_inputs()), map_class="省级"))
    # one section per class, each naming its system and 文号, in order, with its gap note
    i_nat, i_prov = xml.index("二、国家级高新区评价"), xml.index("三、省级高新区评价")
    assert i_nat < i_prov < xml.index("四、评价方法说明")
    assert "国家级高新区（2 家）按《国家体系》（国科发火〔2021〕106号）评价" in xml
    assert "二级指标赋权未公开，按组内等权计算" in xml[i_nat:i_prov]
    # class means by hand: national (70+50)/2 = 60.00, provincial (90+30+45)/3 = 55.00
    assert "综合得分平均为 60.00 分" in xml and "综合得分平均为 55.00 分" in xml
    assert "全省 5 家高新区（国家级 2 家、省级 3 家）" in xml
    # the map is the provincial class's mean, stated as such
    assert "各市州省级高新区平均综合得分分布" in xml and "不混合平均" in xml
    # each class's own dimension names in its own table
    assert "创新能力和创业活跃度" in xml[i_nat:i_prov] and "知识创造和技术创新能力" in xml[i_prov:]
    assert xml.count("图") >= 3
    with zipfile.ZipFile(io.BytesIO(build(list(_class_inputs())))) as z:
        assert len([n for n in z.namelist() if n.startswith("word/media/")]) == 3  # map + one bar chart per class


def test_zone_report_without_demo_has_no_banner():
    assert "示例数据" not in _xml(build(_input(is_demo=False)))


def test_map_and_charts_are_png():
    png = charts.hunan_map({"长沙市": 80.0, "株洲市": None}, "测试")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    assert charts.bar_chart(["甲", "乙"], [1.0, 2.0])[:4] == b"\x89PNG"


def test_map_file_has_14_cities():
    import json
    from gaoxin.services.zones import geojson_path
    gj = json.loads(geojson_path().read_text(encoding="utf-8"))
    names = {f["properties"]["name"] for f in gj["features"]}
    assert len(names) == 14 and {"长沙市", "湘西土家族苗族自治州"} <= names
    xs = [pt[0] for f in gj["features"] for poly in (f["geometry"]["coordinates"] if f["geometry"]["type"] == "MultiPolygon" else [f["geometry"]["coordinates"]]) for pt in poly[0]]
    assert 108.5 < min(xs) < max(xs) < 114.5  # Hunan's longitude range


def test_geojson_decoder_roundtrip():
    from gaoxin.web.geojson_decode import decode
    # encode two points by the ECharts scheme: zig-zag deltas + 64, scale 1024
    def enc(v):
        z = (v << 1) ^ (v >> 31)
        return chr(z + 64)
    pts = [(112 * 1024, 28 * 1024), (112 * 1024 + 5, 28 * 1024 - 3)]
    off = [pts[0][0], pts[0][1]]
    s = enc(0) + enc(0) + enc(5) + enc(-3)
    gj = {"UTF8Encoding": True, "features": [{"geometry": {"type": "Polygon", "coordinates": [s], "encodeOffsets": [off]}}]}
    out = decode(gj)["features"][0]["geometry"]["coordinates"][0]
    assert out == [[112.0, 28.0], [112 + 5 / 1024, 28 - 3 / 1024]]


def test_excel_export_marks_demo_and_handles_timezones():
    df = pd.DataFrame({"时间": pd.to_datetime(["2026-01-01T00:00:00Z"]), "值": [1.5]})
    data = frame_to_xlsx(df, demo=True, title="测试表")
    got = pd.read_excel(io.BytesIO(data), header=None)
    assert got.iloc[0, 0] == "测试表" and "示例数据" in got.iloc[1, 0]
    assert str(got.iloc[3, 0]).startswith("2026-01-01 08:00")  # Beijing time


def test_fontconfig_aliases_cover_official_fonts():
    xml = fontconfig_xml()
    for name in ("仿宋_GB2312", "黑体", "方正小标宋简体", "宋体"):
        assert f"<family>{name}</family>" in xml
    assert set(FONT_ALIASES) == {"Noto Serif CJK SC", "Noto Sans CJK SC"}
