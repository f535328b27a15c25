"""Import templates of every registry: headers, drop-down lists, and a filled template imports."""
from __future__ import annotations

import io

import pytest
from python_calamine import CalamineWorkbook

from gaoxin.registry.kinds import KINDS
from gaoxin.services import registries as R


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_template_headers_and_code_lists(kind):
    data, name = R.template_bytes(kind)
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    first = wb.sheet_names[0]
    rows = wb.get_sheet_by_name(first).to_python()
    assert rows[0] == KINDS[kind].headers and name.endswith("导入模板.xlsx")
    codes = wb.get_sheet_by_name("代码表").to_python()
    assert codes[0][0] == "高新区名称" and "长沙高新技术产业开发区" in [r[0] for r in codes]
    notes = " ".join(str(r[0]) for r in wb.get_sheet_by_name("说明").to_python() if r and r[0])
    assert "整份文件要么全部导入" in notes and KINDS[kind].label in notes


def test_projects_and_experts_import_from_filled_templates(db_url, tmp_path):
    import pandas as pd
    from gaoxin.auth.roles import Principal
    from gaoxin.store.db import session_scope
    admin = Principal("admin", "province_admin", "管理员")
    proj = io.BytesIO()
    pd.DataFrame([{"项目编号": "P-1", "项目名称": "示范项目", "项目状态": "在建", "所在高新区": "湘潭高新区", "总投资（亿元）": "12.5亿",
                   "累计完成投资（亿元）": "3", "里程碑": "2025：投产"}]).to_excel(proj, index=False, sheet_name="重点项目")
    exp = io.BytesIO()
    pd.DataFrame([{"编号": "E-1", "姓名": "张三", "类别": "企业家", "所在高新区": "长沙高新区"},
                  {"编号": "E-2", "姓名": "李四", "类别": "科学家", "所在高新区": "长沙高新区"}]).to_excel(exp, index=False, sheet_name="三家名录")
    with session_scope(db_url) as s:
        rep = R.import_file(s, admin, "projects", proj.getvalue(), "项目.xlsx")
        assert rep["status"] == "loaded", rep["problems"]
        assert R.get_entry(s, admin, "projects", "P-1")["investment_target"] == 12.5
        bad = R.import_file(s, admin, "experts", exp.getvalue(), "三家.xlsx")
        assert bad["status"] == "rejected"
        assert [(p["row"], p["column"]) for p in bad["problems"]] == [(3, "类别")]
        assert "企业家、技术专家、政府管家" in bad["problems"][0]["reason"]
        assert R.list_entries(s, admin, "experts")["total"] == 0
