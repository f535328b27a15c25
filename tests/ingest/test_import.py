"""Import end to end on SQLite and PostgreSQL: layouts, encodings, all-or-nothing, idempotence."""
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter
from sqlalchemy import func, select

from gaoxin.credit_code import make_credit_code
from gaoxin.ingest.load import import_file
from gaoxin.store.db import session_scope
from gaoxin.store.models import AuditLog, Enterprise, ImportBatch, Observation, TechDemand, TechResult


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    text = "\n".join(",".join("" if v is None else (f'"{v}"' if "," in str(v) else str(v)) for v in r) for r in rows)
    path.write_bytes(text.encode(encoding) if encoding != "utf-8-sig" else b"\xef\xbb\xbf" + text.encode("utf-8"))
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for i, r in enumerate(rows):
            for j, v in enumerate(r):
                if v is not None:
                    ws.write(i, j, v)
    wb.close()
    return path


def run(url, path, **kw):
    with session_scope(url) as s:
        return import_file(s, path, **kw)


def obs(url) -> pd.DataFrame:
    with session_scope(url) as s:
        rows = s.execute(select(Observation.unit_type, Observation.unit_code, Observation.indicator_code,
                                Observation.period, Observation.value, Observation.is_demo)).all()
    return pd.DataFrame(rows, columns=["unit_type", "unit_code", "indicator_code", "period", "value", "is_demo"])


def count(url, model, *where) -> int:
    with session_scope(url) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def value(df, unit, ind, year):
    hit = df[(df.unit_code == unit) & (df.indicator_code == ind) & (df.period == year)]
    assert len(hit) == 1, (unit, ind, year)
    return hit.value.iloc[0]


WIDE = [["单位", "年份", "D1_1", "高新技术企业数", "高新区高新技术企业数量（家）"],
        ["长沙高新区", 2023, "1,234", "１２０", "—"],
        ["株洲高新技术产业开发区", "2023年", "38.3%", "5万", ""],
        ["HN-N-XIANGTAN", 2024, 7, "-", "无"]]


def test_gbk_csv_wide(db_url, tmp_path):
    rep = run(db_url, write_csv(tmp_path / "宽表.csv", WIDE, "gbk"), username="张三")
    assert rep.status == "loaded", [str(p) for p in rep.problems]
    assert (rep.kind, rep.layout, rep.rows, rep.written) == ("observations", "wide", 3, 5)
    df = obs(db_url)
    assert value(df, "HN-N-CHANGSHA", "D1_1", 2023) == 1234
    assert value(df, "HN-N-CHANGSHA", "D2_3", 2023) == 120
    assert value(df, "HN-N-ZHUZHOU", "D1_1", 2023) == pytest.approx(0.383)  # no unit: a fraction
    assert value(df, "HN-N-ZHUZHOU", "D2_3", 2023) == 50000
    assert value(df, "HN-N-XIANGTAN", "D1_1", 2024) == 7
    assert not df.is_demo.any()
    with session_scope(db_url) as s:
        b = s.get(ImportBatch, rep.batch_id)
        assert (b.status, b.username, b.rows, b.file_name, len(b.sha256)) == ("loaded", "张三", 3, "宽表.csv", 64)
        assert b.created_at is not None
        audit = s.scalar(select(AuditLog).where(AuditLog.entity_id == str(rep.batch_id)))
        assert (audit.action, audit.username, audit.after["written"]) == ("import", "张三", 5)
        assert {o.batch_id for o in s.scalars(select(Observation))} == {rep.batch_id}


def test_utf8_bom_csv_long(db_url, tmp_path):
    rows = [["单位类型", "单位", "指标", "年份", "数值", "计量单位"],
            ["高新区", "湘潭高新区", "高新区高新技术企业数量", 2023, "1,200", ""],
            ["市州", "湘潭市", "high_tech_enterprises", 2023, "1.2千", "家"],
            ["", "430321", "high_tech_enterprises", 2022, "１５０", ""]]
    rep = run(db_url, write_csv(tmp_path / "long.csv", rows, "utf-8-sig"))
    assert rep.status == "loaded", [str(p) for p in rep.problems]
    assert rep.layout == "long" and rep.written == 3
    df = obs(db_url)
    assert value(df, "HN-N-XIANGTAN", "high_tech_enterprises", 2023) == 1200
    assert value(df, "430300", "high_tech_enterprises", 2023) == 1200
    assert df[df.unit_code == "430321"].unit_type.iloc[0] == "county"


def test_unit_conversion_from_header(db_url, tmp_path):
    # rd_expenditure is recorded in 亿元; a column in 万元 is converted
    rows = [["单位", "年份", "rd_expenditure（万元）"], ["湘潭市", 2024, "25,000"], ["湘潭县", 2024, "1.5亿"]]
    rep = run(db_url, write_csv(tmp_path / "rd.csv", rows))
    assert rep.status == "loaded", [str(p) for p in rep.problems]
    df = obs(db_url)
    assert value(df, "430300", "rd_expenditure", 2024) == pytest.approx(2.5)
    assert value(df, "430321", "rd_expenditure", 2024) == pytest.approx(1.5)


def test_xlsx_wide_and_long_sheets(db_url, tmp_path):
    path = write_xlsx(tmp_path / "data.xlsx", {
        "说明": [["这一页被跳过"]],
        "宽表": WIDE,
    })
    rep = run(db_url, path)
    assert rep.status == "loaded" and rep.written == 5
    long = write_xlsx(tmp_path / "long.xlsx", {"数据": [["单位", "指标", "年份", "数值"],
                                                       ["长沙高新区", "D1_2", 2022, 3.25],
                                                       ["长沙高新区", "企业万元销售收入中R&D经费支出", 2023, "4.5"]]})
    rep = run(db_url, long)
    assert rep.status == "loaded" and rep.written == 2
    assert value(obs(db_url), "HN-N-CHANGSHA", "D1_2", 2023) == 4.5


def test_all_or_nothing_when_last_row_is_bad(db_url, tmp_path):
    run(db_url, write_csv(tmp_path / "first.csv", WIDE))
    before = count(db_url, Observation)
    rows = [["单位", "年份", "D1_1"]] + [["长沙高新区", y, y - 2000] for y in range(2010, 2022)] + [["长沙高新区", 2022, "十二"]]
    path = write_xlsx(tmp_path / "bad_last.xlsx", {"数据": rows})
    rep = run(db_url, path)
    assert rep.status == "rejected"
    assert [(p.sheet, p.row, p.column) for p in rep.problems] == [("数据", 14, "D1_1")]
    assert "无法识别为数值" in rep.problems[0].reason
    assert count(db_url, Observation) == before
    assert count(db_url, ImportBatch, ImportBatch.file_name == "bad_last.xlsx", ImportBatch.status == "loaded") == 0
    assert count(db_url, ImportBatch, ImportBatch.file_name == "bad_last.xlsx", ImportBatch.status == "rejected") == 1


def test_reimport_is_idempotent(db_url, tmp_path):
    path = write_csv(tmp_path / "w.csv", WIDE)
    first = run(db_url, path)
    snapshot = obs(db_url)
    again = run(db_url, path)
    assert first.status == "loaded" and again.status == "unchanged" and again.batch_id == first.batch_id
    pd.testing.assert_frame_equal(obs(db_url).sort_values(["unit_code", "indicator_code", "period"]).reset_index(drop=True),
                                  snapshot.sort_values(["unit_code", "indicator_code", "period"]).reset_index(drop=True))
    assert count(db_url, ImportBatch, ImportBatch.status == "loaded") == 1
    # same content under another name is still recognised
    copy = tmp_path / "copy.csv"
    copy.write_bytes(path.read_bytes())
    assert run(db_url, copy).status == "unchanged"


def test_unknown_zone_gets_suggestion(db_url, tmp_path):
    rows = [["单位", "年份", "D1_1"], ["长沙高兴区", 2023, 1], ["株州高新技术产业开发区", 2023, 2]]
    rep = run(db_url, write_csv(tmp_path / "typo.csv", rows))
    assert rep.status == "rejected"
    by_row = {p.row: p for p in rep.problems}
    assert by_row[2].column == "单位" and "未知" in by_row[2].reason and by_row[2].suggestion.startswith("您是否指：长沙高新区")
    assert "株洲" in by_row[3].suggestion
    assert count(db_url, Observation) == 0


def test_unknown_indicator_and_bad_year(db_url, tmp_path):
    rows = [["单位", "年份", "D1_1", "万人拥有本科学历以上人数"], ["长沙高新区", "二〇二三", 1, 2]]
    rep = run(db_url, write_csv(tmp_path / "x.csv", rows))
    reasons = {(p.row, p.column): p for p in rep.problems}
    assert "未知的指标" in reasons[(1, "万人拥有本科学历以上人数")].reason
    assert reasons[(1, "万人拥有本科学历以上人数")].suggestion == "您是否指：万人拥有本科（含）学历以上人数"
    assert "年份" in reasons[(2, "年份")].reason


def test_duplicate_rows_name_both(db_url, tmp_path):
    rows = [["单位", "指标", "年份", "数值"], ["长沙高新区", "D1_1", 2023, 1], ["株洲高新区", "D1_1", 2023, 2],
            ["长沙高新技术产业开发区", "D1_1", 2023, 3]]
    rep = run(db_url, write_csv(tmp_path / "dup.csv", rows))
    assert rep.status == "rejected" and len(rep.problems) == 1
    p = rep.problems[0]
    assert p.row == 4 and "第2行" in p.reason and "重复" in p.reason


def test_enterprises_forged_credit_code_is_a_row_error(db_url, tmp_path):
    good = make_credit_code("91430100MA4L00001")
    other = make_credit_code("91430300MA4L00002")
    forged = other[:-1] + ("0" if other[-1] != "0" else "1")
    rows = [["统一社会信用代码", "企业名称", "所在高新区", "成立日期", "已在境内外上市（不含新三板）"],
            [good, "长沙甲科技有限公司", "长沙高新区", "2019-05-01", "是"],
            [forged, "湘潭乙科技有限公司", "湘潭高新区", "2020年3月", "否"]]
    rep = run(db_url, write_csv(tmp_path / "ent.csv", rows))
    assert rep.status == "rejected"
    assert [(p.row, p.column) for p in rep.problems] == [(3, "统一社会信用代码")]
    assert "校验位错误" in rep.problems[0].reason
    assert count(db_url, Enterprise) == 0
    rows[2][0] = other
    rep = run(db_url, write_csv(tmp_path / "ent2.csv", rows))
    assert rep.status == "loaded", [str(p) for p in rep.problems]
    with session_scope(db_url) as s:
        e = s.scalar(select(Enterprise).where(Enterprise.credit_code == good))
        assert (e.zone_code, e.founded.isoformat(), e.is_demo) == ("HN-N-CHANGSHA", "2019-05-01", False)
        assert e.attributes == {"is_listed": True}


def test_enterprise_annual_values_and_credit_code_units(db_url, tmp_path):
    code = make_credit_code("91430100MA4L00003")
    rows = [["统一社会信用代码", "年份", "revenue"], [code, 2024, "1.5亿"]]
    rep = run(db_url, write_csv(tmp_path / "ent_obs.csv", rows))
    assert rep.status == "loaded", [str(p) for p in rep.problems]
    df = obs(db_url)
    assert df.unit_type.tolist() == ["enterprise"] and df.unit_code.tolist() == [code]


def test_results_and_demands(db_url, tmp_path):
    res = [["成果编号", "成果名称", "技术成熟度", "所在地区"], ["CG1", "高镍三元正极材料", 6, "长沙市"],
           ["CG2", "机器视觉检测", "12", "长沙市"]]
    rep = run(db_url, write_csv(tmp_path / "res.csv", res))
    assert rep.status == "rejected" and rep.problems[0].row == 3 and "1–9" in rep.problems[0].reason
    res[2][2] = 7
    rep = run(db_url, write_csv(tmp_path / "res.csv", res))
    assert rep.status == "loaded" and count(db_url, TechResult) == 2
    dem = [["需求编号", "需求名称", "所在高新区", "预算（万元）", "截止日期"], ["XQ1", "降低液压能耗", "湘潭高新区", "1.2亿", "2026/12/31"]]
    rep = run(db_url, write_csv(tmp_path / "dem.csv", dem))
    assert rep.status == "loaded", [str(p) for p in rep.problems]
    with session_scope(db_url) as s:
        d = s.scalar(select(TechDemand))
        assert (d.zone_code, d.budget_wan, d.deadline.isoformat()) == ("HN-N-XIANGTAN", 12000.0, "2026-12-31")


def test_dry_run_writes_nothing(db_url, tmp_path):
    rep = run(db_url, write_csv(tmp_path / "w.csv", WIDE), dry_run=True)
    assert rep.status == "checked" and rep.written == 5
    assert count(db_url, Observation) == 0 and count(db_url, ImportBatch) == 0


def test_unrecognised_file_and_encoding(db_url, tmp_path):
    rep = run(db_url, write_csv(tmp_path / "odd.csv", [["甲", "乙"], [1, 2]]))
    assert rep.status == "rejected" and "无法识别表格类型" in rep.problems[0].reason
    bad = tmp_path / "bin.csv"
    bad.write_bytes(b"\xff\xfe\x00\x81\x30\x81\x30\xff" * 3)
    rep = run(db_url, bad)
    assert rep.status == "rejected"
    d = rep.to_dict()
    assert d["status_label"] == "已拒绝" and isinstance(d["problems"][0]["reason"], str)


def test_title_rows_above_header_keep_excel_row_numbers(db_url, tmp_path):
    path = write_xlsx(tmp_path / "titled.xlsx", {"2023年报表": [["2023年高新区主要指标统计表（示例）"], [],
                                                               ["单位", "年份", "D1_1"],
                                                               ["长沙高新区", 2023, 5], ["株洲高新区", 2023, "五"]]})
    rep = run(db_url, path)
    assert rep.status == "rejected"
    assert [(p.sheet, p.row, p.column) for p in rep.problems] == [("2023年报表", 5, "D1_1")]
    path = write_xlsx(tmp_path / "titled2.xlsx", {"表": [["统计表"], ["单位", "年份", "D1_1"], ["长沙高新区", 2023, 5]]})
    assert run(db_url, path).written == 1


def test_enterprise_name_as_unit(db_url, tmp_path):
    code = make_credit_code("91430100MA4L00009")
    run(db_url, write_csv(tmp_path / "e.csv", [["统一社会信用代码", "企业名称"], [code, "长沙丙材料有限公司"]]))
    rows = [["单位类型", "单位", "指标", "年份", "数值"], ["企业", "长沙丙材料有限公司", "revenue", 2024, "2亿"],
            ["企业", "长沙丙材料公司", "revenue", 2023, 1]]
    rep = run(db_url, write_csv(tmp_path / "o.csv", rows))
    assert [(p.row, p.suggestion) for p in rep.problems] == [(3, "您是否指：长沙丙材料有限公司")]
    rep = run(db_url, write_csv(tmp_path / "o2.csv", rows[:2]))
    assert rep.status == "loaded"
    assert value(obs(db_url), code, "revenue", 2024) == 20000  # revenue is in 万元


def test_indicator_not_for_this_unit_type(db_url, tmp_path):
    rows = [["单位", "年份", "D1_1"], ["长沙市", 2023, 1], ["长沙高新区", 2023, 2]]
    rep = run(db_url, write_csv(tmp_path / "t.csv", rows))
    assert rep.status == "rejected"
    assert [(p.row, p.column) for p in rep.problems] == [(2, "D1_1")]
    assert "不适用于市州" in rep.problems[0].reason and "高新区" in rep.problems[0].suggestion


def test_department_names_resolve_to_codes(db_url, tmp_path):
    rows = [["单位类型", "单位", "指标", "年份", "数值"], ["部门", "市科技局", "high_level_platforms_new", 2024, 12],
            ["", "湘潭市工信局", "high_level_platforms_new", 2024, 8]]
    rep = run(db_url, write_csv(tmp_path / "dept.csv", rows))
    assert rep.status == "loaded", [str(p) for p in rep.problems]
    df = obs(db_url)
    assert value(df, "xt-kjj", "high_level_platforms_new", 2024) == 12
    assert value(df, "xt-gxj", "high_level_platforms_new", 2024) == 8
    assert set(df.unit_type) == {"department"}


def test_blank_unit_and_year_and_cross_sheet_duplicate(db_url, tmp_path):
    rep = run(db_url, write_csv(tmp_path / "b.csv", [["单位", "年份", "D1_1"], ["", 2023, 1], ["长沙高新区", "", 2]]))
    assert [(p.row, p.column, p.reason) for p in rep.problems] == [(2, "单位", "单位为空"), (3, "年份", "年份为空")]
    assert all(p.sheet is None for p in rep.problems)
    path = write_xlsx(tmp_path / "two.xlsx", {"甲": [["单位", "年份", "D1_1"], ["长沙高新区", 2023, 1]],
                                             "乙": [["单位", "年份", "D1_1"], ["长沙高新区", 2023, 2]]})
    rep = run(db_url, path)
    assert [(p.sheet, p.row) for p in rep.problems] == [("乙", 2)]
    assert "工作表“甲”" in rep.problems[0].reason


def test_csv_title_line_and_trailing_blank_columns(db_url, tmp_path):
    path = tmp_path / "titled.csv"
    path.write_text("2023年高新区指标\n单位,年份,D1_1,,\n长沙高新区,2023,3,,\n\n", encoding="gbk")
    rep = run(db_url, path)
    assert rep.status == "loaded" and rep.written == 1, [str(p) for p in rep.problems]
    path.write_text("2023年高新区指标\n单位,年份,D1_1\n长沙高新区,2023,x\n", encoding="gbk")
    rep = run(db_url, path)
    assert [(p.row, p.column) for p in rep.problems] == [(3, "D1_1")]
