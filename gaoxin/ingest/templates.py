"""Excel templates users fill in: Chinese headers, a 说明 sheet, drop-down lists for zone names.

Built from the shipped reference data (no database needed), so the web page can serve the same files."""
from __future__ import annotations

from pathlib import Path

import xlsxwriter

from gaoxin import display
from gaoxin.ingest import schema as S

TEMPLATE_KINDS = ("observations", "observations_long", "enterprises", "results", "demands", "policies")
TEMPLATE_LABELS = {"observations": "指标数据（宽表）", "observations_long": "指标数据（长表）",
                   "enterprises": "企业名录", "results": "高校待转成果", "demands": "企业技术需求",
                   "policies": "政策库"}
FILE_NAMES = {"observations": "指标数据-宽表模板.xlsx", "observations_long": "指标数据-长表模板.xlsx",
              "enterprises": "企业名录模板.xlsx", "results": "高校待转成果模板.xlsx",
              "demands": "企业技术需求模板.xlsx", "policies": "政策库模板.xlsx"}
MAX_ROWS = 5000  # rows the drop-down validation covers

COMMON_NOTES = [
    "第1行为表头，请勿修改或删除；数据从第2行开始填写。",
    "数值可填“1,234.5”“1.2万”“3亿元”“38.3%”，全角数字也可；空白、“—”“-”“/”“无”表示缺失（不是0）。",
    "带“万/亿”的数值按指标的计量单位换算：指标单位为“万元”时“1.2亿”记为12000；单位为“元”或未规定时“1,234.5万”记为12345000。",
    "百分数：指标单位为“%”时“38.3%”记为38.3，否则记为0.383。",
    "整份文件要么全部导入，要么（有任何错误时）一行也不导入；错误报告会指出工作表、行、列和原因。",
    "不可能的数值（负的数量或金额、超出范围的年份和日期）会被拒绝；可能有误的数值（与该单位其他年份或其他园区相差上千倍、"
    "百分数与小数混用等）会列出请您核对，确认无误后才导入。",
    "按表头内容识别数据工作表；隐藏的工作表不导入；显示为 #DIV/0!、#N/A、#REF! 等错误值的单元格会被拒绝，请先修正公式。",
    "模板以外的信息请放在以“附加：”开头的列中（如“附加：联系人”），其他无法识别的列会被拒绝。",
    "同一文件重复导入不会重复写入。",
]


def _reference():
    try:
        import gaoxin.reference as ref
        zones = ref.load_zones()
        regions = ref.load_regions()
    except (ImportError, AttributeError):
        import pandas as pd
        zones = pd.DataFrame(columns=["code", "name", "short_name"])
        regions = pd.DataFrame(columns=["code", "name", "level"])
    from gaoxin.store.migrate import indicator_registry
    return zones, regions, indicator_registry()


def _header_label(ind: dict) -> str:
    return f"{ind['name']}（{ind['unit']}）" if ind.get("unit") else ind["name"]


def template_spec(kind: str) -> tuple[list[str], list[list], list[str]]:
    """(headers, example rows, notes) of a template kind."""
    zones, regions, registry = _reference()
    zname = zones["name"].iloc[0] if len(zones) else "长沙高新技术产业开发区"
    zone_inds = [i for i in registry if "zone" in (i.get("unit_types") or [])]
    if kind == "observations":
        # one column per label: two frameworks may name the same quantity alike (研发机构数 in 2017 and 2021)
        headers = ["单位", "年份"] + list(dict.fromkeys(_header_label(i) for i in zone_inds))
        notes = ["每行一个单位一个年份，每列一个指标；列标题可用指标名称或指标代码，括号内为计量单位。",
                 "“单位”填高新区全称或简称，也可填市州、县市区名称（6位行政区划代码亦可）。"]
        return headers, [[zname, 2025] + [None] * (len(headers) - 2)], notes
    if kind == "observations_long":
        headers = ["单位类型", "单位", "指标", "年份", "数值", "计量单位", "来源"]
        ex = zone_inds[0] if zone_inds else {"code": "D1_1", "unit": None}
        notes = ["每行一个数值。“单位类型”可填：省、市州、县市区、高新区、企业、部门、类别（可留空，自动识别）。",
                 "“指标”填指标代码或名称，见“指标代码表”工作表；“计量单位”留空时按指标的计量单位。"]
        return headers, [["高新区", zname, ex["code"], 2025, None, ex.get("unit"), None]], notes
    fields = S.FIELD_MAPS[kind]
    headers = list(fields)
    notes = [f"必填列：{'、'.join(S.REQUIRED[kind])}。"]
    if kind == "enterprises":
        notes.append("统一社会信用代码按 GB 32100-2015 校验第18位校验码，校验不通过的行会被拒绝。")
        notes.append("可增加列：企业指标（名称或代码，见“指标代码表”）；有“年份”列时年度指标按该年份记录。")
        ent = [i for i in registry if "enterprise" in (i.get("unit_types") or [])]
        headers += ["年份"] + [_header_label(i) for i in ent]
    if kind == "demands":
        notes.append("“预算（万元）”按万元记录；“截止日期”如 2026-12-31。")
    if kind == "results":
        notes.append("“技术成熟度”填 1–9 级（TRL）；“所在地区”填市州或县市区名称。")
    if kind == "policies":
        notes.append("“适用梯队”“适用产业”可填多个，用顿号分隔。")
    return headers, [], notes


def write_template(kind: str, path: str | Path) -> Path:
    """Write the .xlsx template of `kind` (see TEMPLATE_KINDS) to `path`."""
    if kind not in TEMPLATE_KINDS:
        raise ValueError(f"未知的模板类型“{kind}”，可选：{'、'.join(TEMPLATE_KINDS)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    headers, examples, notes = template_spec(kind)
    zones, regions, registry = _reference()
    wb = xlsxwriter.Workbook(str(path))
    head = wb.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True, "valign": "top"})
    ws = wb.add_worksheet("数据")
    for j, h in enumerate(headers):
        ws.write(0, j, h, head)
        ws.set_column(j, j, max(10, min(30, len(h) * 2 + 2)))
    ws.freeze_panes(1, 0)
    for i, row in enumerate(examples, start=1):
        for j, v in enumerate(row):
            if v is not None:
                ws.write(i, j, v)
    # lists sheet for drop-downs
    lists = wb.add_worksheet("代码表")
    lists.write(0, 0, "高新区名称", head)
    lists.write(0, 1, "高新区简称", head)
    for i, z in enumerate(zones.itertuples(index=False), start=1):
        lists.write(i, 0, z.name)
        lists.write(i, 1, getattr(z, "short_name", "") or "")
    lists.write(0, 3, "行政区名称", head)
    lists.write(0, 4, "行政区划代码", head)
    for i, r in enumerate(regions.itertuples(index=False), start=1):
        lists.write(i, 3, r.name)
        lists.write_string(i, 4, str(r.code))
    lists.set_column(0, 4, 24)
    nz = max(len(zones), 1)
    zone_cols = {"所在高新区"} | ({"单位"} if kind == "observations" else set())
    for j, h in enumerate(headers):
        if h in zone_cols:
            ws.data_validation(1, j, MAX_ROWS, j, {
                "validate": "list", "source": f"=代码表!$A$2:$A${nz + 1}",
                "error_type": "warning", "error_title": "高新区名称",
                "error_message": "请从下拉列表选择高新区名称（也可填简称）"})
        if h == "单位类型":
            ws.data_validation(1, j, MAX_ROWS, j, {"validate": "list",
                                                  "source": ["省", "市州", "县市区", "高新区", "企业", "部门", "类别"]})
        if h == "年份":
            ws.data_validation(1, j, MAX_ROWS, j, {"validate": "integer", "criteria": "between",
                                                  "minimum": 1949, "maximum": 2100, "error_type": "warning",
                                                  "error_message": "年份应为四位数字，如 2025"})
    # indicator code sheet
    ind = wb.add_worksheet("指标代码表")
    for j, h in enumerate(["指标代码", "指标名称", "计量单位", "适用单位", "来源"]):
        ind.write(0, j, h, head)
    for i, item in enumerate(registry, start=1):
        ind.write(i, 0, item["code"])
        ind.write(i, 1, item["name"])
        ind.write(i, 2, item.get("unit") or "")
        ind.write(i, 3, "、".join(S.UNIT_TYPE_NAMES.get(t, t) for t in (item.get("unit_types") or [])))
        # the document that defines the indicator; the provenance notes after "；" are for analysts, not forms
        ind.write(i, 4, display.cite(str(item.get("source") or "").split("；")[0]))
    ind.set_column(0, 0, 28)
    ind.set_column(1, 1, 40)
    ind.set_column(4, 4, 60)
    # instructions
    info = wb.add_worksheet("说明")
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    info.set_column(0, 0, 110)
    info.write(0, 0, f"{TEMPLATE_LABELS[kind]}导入模板 —— 高新区创新监测评价平台", head)
    for i, n in enumerate(notes + COMMON_NOTES, start=2):
        info.write(i, 0, f"{i - 1}. {n}", wrap)
    wb.close()
    return path
