"""gaoxin.services.reports: the figures of the annual evaluation report (分类评价) on a two-indicator
framework and three national zones, computed by hand (min–max to 0–100 per indicator, equal weights,
arithmetic mean), the year-on-year change, the method note's wording, and the refusals."""
from __future__ import annotations

import pytest

from gaoxin.auth.roles import Principal
from gaoxin.services import reports as rp
from gaoxin.services.db import session_scope
from gaoxin.services.errors import Forbidden, Invalid, NotFound, ServiceError
from gaoxin.services.scope import CONSOLE

TINY = {"nodes": [{"code": "INDEX", "name": "测试综合指数", "children": [
    {"code": "A", "name": "维度甲", "weight": 1, "children": [{"code": "D1_1", "name": "指标一", "weight": 1, "direction": 1}]},
    {"code": "B", "name": "维度乙", "weight": 1, "children": [{"code": "D1_2", "name": "指标二", "weight": 1, "direction": 1}]},
]}]}
# the first three zones by code, all 国家级: 常德 (HN-N-CHANGDE), 长沙 (HN-N-CHANGSHA), 郴州 (HN-N-CHENZHOU)
CD, CS, CZ = "HN-N-CHANGDE", "HN-N-CHANGSHA", "HN-N-CHENZHOU"
DATA = {2023: {CD: (10, 3), CS: (40, 1), CZ: (30, 2)}, 2024: {CD: (10, 3), CS: (20, 1), CZ: (30, 2)}}


asked: list = []  # the framework names the services load (each class has its own system)


@pytest.fixture
def tiny_db(sqlite_db_url, monkeypatch):
    import gaoxin.index as index
    from gaoxin.services.cache import clear
    from gaoxin.store.models import Observation
    clear()
    tiny = index.parse_framework(TINY, "tiny")
    asked.clear()
    monkeypatch.setattr(index, "load_framework", lambda name: asked.append(name) or tiny)
    with session_scope(sqlite_db_url) as s:
        for year, rows in DATA.items():
            for z, (v1, v2) in rows.items():
                s.add(Observation(unit_type="zone", unit_code=z, indicator_code="D1_1", period=year, value=v1))
                s.add(Observation(unit_type="zone", unit_code=z, indicator_code="D1_2", period=year, value=v2))
    yield sqlite_db_url
    clear()


def test_evaluation_report_figures_of_the_national_class(tiny_db):
    with session_scope(tiny_db) as s:
        inp = rp.zone_evaluation_input(s, CONSOLE, 2024, "国家级")
        all_classes = rp.zone_evaluation_inputs(s, CONSOLE, None)
    # 2024: 指标一 10/20/30 → 0/50/100, 指标二 3/1/2 → 100/0/50: 常德 50, 长沙 25, 郴州 75
    assert inp.ranking[["rank", "unit", "city", "score", "A", "B"]].to_dict("records") == [
        {"rank": 1, "unit": CZ, "city": "郴州市", "score": 75.0, "A": 100.0, "B": 50.0},
        {"rank": 2, "unit": CD, "city": "常德市", "score": 50.0, "A": 0.0, "B": 100.0},
        {"rank": 3, "unit": CS, "city": "长沙市", "score": 25.0, "A": 50.0, "B": 0.0}]
    assert inp.city_scores == {"郴州市": 75.0, "常德市": 50.0, "长沙市": 25.0}
    # 2023: 指标一 10/40/30 → 0/100/66.67, 指标二 as in 2024: 常德 50, 长沙 50, 郴州 58.33
    # change 2024 − 2023: 常德 0, 长沙 −25, 郴州 +16.67; strengths = highest normalised indicators first
    prof = inp.profiles.set_index("unit")
    assert prof.loc[[CZ, CD, CS], ["strengths", "weaknesses", "change"]].to_dict("records") == [
        {"strengths": "指标一、指标二", "weaknesses": "指标二、指标一", "change": 16.67},
        {"strengths": "指标二、指标一", "weaknesses": "指标一、指标二", "change": 0.0},
        {"strengths": "指标一、指标二", "weaknesses": "指标二、指标一", "change": -25.0}]
    for unit, rank in ((CZ, 1), (CD, 2), (CS, 3)):
        assert prof.loc[unit, "rank_q05"] <= rank <= prof.loc[unit, "rank_q95"]
    assert (inp.year, inp.framework_name, inp.zone_class, inp.notes, inp.is_demo) == (2024, "tiny", "国家级", [], False)
    assert inp.dimension_labels == {"A": "维度甲", "B": "维度乙"}
    assert inp.method_note == ("国家级高新区评价采用“tiny”，共 2 项指标、2 个维度，在国家级高新区之间标准化和排名；"
                               "完整的方法设定随结果保存，可复现。")
    assert inp.document == "国科发火〔2021〕106号" and len(inp.gaps) == 4
    assert inp.method_spec["normalise"]["method"] == "minmax" and inp.method_spec["aggregate"]["method"] == "arithmetic"
    assert "national-2021" in asked  # 国家级 is evaluated on its own system (国科发火〔2021〕106号)
    # only the national class has data: one input, of the latest year
    assert [(i.zone_class, i.year) for i in all_classes] == [("国家级", 2024)]


def test_without_rank_interval_the_report_says_so(tiny_db, monkeypatch):
    from gaoxin.services import evaluation as ev

    def no_interval(*a, **k):
        raise Invalid("参评园区太少")
    monkeypatch.setattr(ev, "uncertainty_stats", no_interval)
    with session_scope(tiny_db) as s:
        inp = rp.zone_evaluation_input(s, CONSOLE, 2024, "国家级")
    assert inp.notes == ["排名区间未能计算，本报告不列排名区间（参评园区太少）。"]
    assert "rank_q05" not in inp.profiles and "rank_q95" not in inp.profiles
    assert inp.profiles["unit"].tolist() == [CZ, CD, CS]


def test_evaluation_report_refusals(tiny_db):
    with session_scope(tiny_db) as s:
        with pytest.raises(Forbidden) as e:
            rp.zone_evaluation_input(s, Principal("z", "zone_user", zones=frozenset({CS})), 2024, "国家级")
        assert str(e.value) == "高新区用户不能下载包含其他园区数据的全省报告"
        with pytest.raises(ServiceError) as e:
            rp.zone_evaluation_report(s, CONSOLE, 2024, "xlsx")
        assert str(e.value) == "不支持的格式“xlsx”，可选 docx、pdf"
        with pytest.raises(NotFound) as e:
            rp.zone_evaluation_inputs(s, CONSOLE, 2019)  # no class has 2019 data
        # one reason per class, joined: 国家级 has no 2019 figures, 省级 no figures at all
        assert str(e.value) == ("2019 年没有评价数据，可选年度：2023、2024；"
                                "数据库中还没有省级高新区的“tiny”指标数据，请先在“数据管理”中导入")


def test_evaluation_report_document_named_by_year(tiny_db):
    import io

    import docx
    with session_scope(tiny_db) as s:
        doc = rp.zone_evaluation_report(s, CONSOLE, None, "docx")  # the latest year with data: 2024
    assert doc.filename == "2024年度高新区综合评价报告.docx"
    assert doc.media_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(doc.content)).paragraphs)
    assert "郴州高新区" in text or "郴州高新技术产业开发区" in text
