"""Import templates and the all-or-nothing import of the registries (高水平创新平台数据库,
上市后备企业资源库), with the same rules as the other imports: the one reader (`read_table`), the
same cell cleaning, every problem named by sheet, row, column and a Chinese reason, per-row
authorisation, and nothing written unless every row passes. The same file twice writes nothing.

The field lists are gaoxin.registry.kinds; the choice lists gaoxin/reference/registries/*.yaml."""
from __future__ import annotations

import difflib
import hashlib
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from gaoxin.credit_code import credit_code_problem
from gaoxin.ingest.clean import CleanError, clean_number, clean_text, clean_year, normalize_text, parse_bool
from gaoxin.ingest.read import ReadError, read_table
from gaoxin.ingest.validate import Context, Problem
from gaoxin.registry.kinds import KINDS, Kind

REF_DIR = Path(__file__).resolve().parents[1] / "reference" / "registries"
SHEET_NAMES = {"platforms": "平台名录", "listing": "上市后备企业", "projects": "重点项目", "experts": "三家名录"}
FILE_NAMES = {"platforms": "高水平创新平台数据库导入模板.xlsx", "listing": "上市后备企业资源库导入模板.xlsx",
              "projects": "重点项目库导入模板.xlsx", "experts": "三家名录导入模板.xlsx"}
MAX_ROWS = 5000
BATCH_KIND = {k: f"registry_{k}" for k in ("platforms", "listing", "projects", "experts")}


@lru_cache(maxsize=4)
def reference(name: str) -> dict:
    import yaml
    with open(REF_DIR / f"{name}.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def choices(kind_code: str) -> dict[str, list[str]]:
    """Choice lists of a registry's fields, from its reference file."""
    p = reference("platforms")
    if kind_code == "platforms":
        return {"types": [t["name"] for t in p["types"]], "levels": list(p["levels"]),
                "host_kinds": list(p["host_kinds"]), "statuses": [s["name"] for s in p["statuses"]]}
    if kind_code == "projects":
        return {"statuses": list(reference("projects")["statuses"])}
    if kind_code == "experts":
        return {"expert_kinds": [k["name"] for k in reference("experts")["kinds"]]}
    ls = reference("listing")
    return {"stages": [s["name"] for s in ls["stages"]], "boards": list(ls["boards"])}


class _Bad(Exception):
    def __init__(self, reason: str, suggestion: str | None = None):
        super().__init__(reason)
        self.reason, self.suggestion = reason, suggestion


def convert(kind: Kind, field_name: str, raw, ctx: Context | None, lists: dict[str, list[str]]):
    """One cell → value (None for blank); raises _Bad with a Chinese reason."""
    from gaoxin.ingest.validate import _parse_date
    f = kind.field(field_name)
    text = clean_text(raw)
    if text is None or text in ("—", "-", "/", "无"):
        if f.required:
            raise _Bad(f"“{f.header}”为必填项")
        return None
    try:
        if f.type == "text":
            return text
        if f.type == "year":
            return clean_year(raw)
        if f.type == "int":
            v = clean_number(raw)
            if v != v or not float(v).is_integer():
                raise _Bad(f"应为整数：“{raw}”")
            return int(v)
        if f.type == "float":
            import re
            m = re.search(r"（([^（）]+)）$", f.header)   # the unit the column is kept in: 亿元, %
            v = clean_number(raw, m.group(1) if m else None)
            if v != v:
                return None
            if v < 0:
                raise _Bad(f"“{f.header}”不能为负数")
            return float(v)
        if f.type == "date":
            return _parse_date(raw)
        if f.type == "bool":
            return parse_bool(raw)
        if f.type == "credit":
            code = text.upper()
            why = credit_code_problem(code)
            if why:
                raise _Bad(why)
            return code
        if f.type == "choice":
            opts = lists[f.choices]
            hit = next((o for o in opts if normalize_text(o) == text), None)
            if hit is None:
                m = difflib.get_close_matches(text, opts, n=2, cutoff=0.3)
                raise _Bad(f"“{raw}”不是有效的{f.header}，可选：{'、'.join(opts)}",
                           f"您是否指：{'、'.join(m)}" if m else None)
            return hit
        if f.type in ("zone", "region"):
            if ctx is None:
                return text
            code, reason, sugg = (ctx.resolve_zone if f.type == "zone" else ctx.resolve_region)(text)
            if reason:
                raise _Bad(reason, sugg)
            return code
    except (CleanError, ValueError) as exc:
        raise _Bad(str(exc.args[0]) if exc.args else f"“{raw}”无效") from None
    raise _Bad(f"“{f.header}”的类型无法识别")


def check_record(kind: Kind, rec: dict) -> list[tuple[str, str]]:
    """Rules across fields: (field, reason) for each broken one."""
    out = []
    if kind.code == "listing":
        listed = reference("listing")["listed_stage"]
        if rec.get("stage") == listed and rec.get("listed_date") is None:
            out.append(("listed_date", f"上市进程为“{listed}”时须填写上市日期"))
        if rec.get("stage") != listed and rec.get("listed_date") is not None:
            out.append(("listed_date", f"尚未上市的企业不应填写上市日期（上市进程为“{rec.get('stage')}”）"))
    if kind.code == "projects":
        from gaoxin.registry.projects import MilestoneError, parse_milestones
        if rec.get("milestones"):
            try:
                parse_milestones(rec["milestones"])
            except MilestoneError as exc:
                out.append(("milestones", str(exc)))
        if rec.get("start_year") and rec.get("target_year") and rec["start_year"] > rec["target_year"]:
            out.append(("target_year", "目标年份不能早于起始年份"))
    if kind.code == "platforms":
        if (rec.get("results_year") is None) != (rec.get("results_text") is None):
            out.append(("results_text", "“成果年度”和“年度成果”须同时填写或同时留空"))
    return out


def convert_record(kind: Kind, raw: dict, ctx: Context | None) -> tuple[dict, list[tuple[str, str, str | None]]]:
    """A form or a row (field name → raw value) → (record, [(field, reason, suggestion)])."""
    lists = choices(kind.code)
    rec, errs = {}, []
    for f in kind.fields:
        try:
            rec[f.name] = convert(kind, f.name, raw.get(f.name), ctx, lists)
        except _Bad as exc:
            rec[f.name] = None
            errs.append((f.name, exc.reason, exc.suggestion))
    if not errs:
        errs += [(fld, why, None) for fld, why in check_record(kind, rec)]
    if kind.code == "listing" and rec.get("is_tech") is None:
        rec["is_tech"] = True
    return rec, errs


def parse_file(path: Path, kind: Kind, ctx: Context, file_name: str) -> tuple[list[dict], list[Problem], int]:
    """(records with _row, problems, data rows) of one registry file."""
    try:
        sheets = read_table(path)
    except ReadError as exc:
        return [], [Problem(file_name, None, None, None, None, exc.args[0])], 0
    by_header = {normalize_text(f.header): f for f in kind.fields}
    sheet = next((s for s in sheets if {normalize_text(h) for h in s.header} & by_header.keys()), None)
    if sheet is None:
        return [], [Problem(file_name, None, None, None, None,
                            f"文件中没有{kind.label}的表头，请使用“{FILE_NAMES[kind.code]}”模板")], 0
    cols = {}
    problems: list[Problem] = []
    for h in sheet.header:
        f = by_header.get(normalize_text(h))
        if f is not None:
            cols[f.name] = h
    missing = [f.header for f in kind.fields if f.required and f.name not in cols]
    if missing:
        return [], [Problem(file_name, sheet.name, sheet.header_row, None, None,
                            f"缺少必填列：{'、'.join(missing)}", "请使用导入模板")], 0
    records, seen = [], {}
    for row_no, row in sheet.frame.iterrows():
        raw = {fld: row[h] for fld, h in cols.items()}
        rec, errs = convert_record(kind, raw, ctx)
        for fld, why, sugg in errs:
            header = kind.field(fld).header
            problems.append(Problem(file_name, sheet.name, int(row_no), header, clean_text(raw.get(fld)), why, sugg))
        key = rec.get(kind.key)
        if key is not None:
            if key in seen:
                problems.append(Problem(file_name, sheet.name, int(row_no), kind.field(kind.key).header, key,
                                        f"与第{seen[key]}行重复", "同一文件中每个编号只能出现一次"))
            seen.setdefault(key, int(row_no))
        rec["_row"] = int(row_no)
        rec["_sheet"] = sheet.name
        records.append(rec)
    if not records and not problems:
        problems.append(Problem(file_name, sheet.name, None, None, None, "文件中没有数据行"))
    return records, problems, len(sheet.frame)


def write_template(kind_code: str, path: str | Path) -> Path:
    """The .xlsx template of a registry: a data sheet with Chinese headers and drop-down lists, a
    代码表 sheet (zones and choice lists) and a 说明 sheet."""
    import xlsxwriter
    if kind_code not in KINDS:
        raise ValueError(f"未知的资源库“{kind_code}”，可选：" + "、".join(k.label for k in KINDS.values()))
    kind = KINDS[kind_code]
    lists = choices(kind_code)
    from gaoxin.reference import load_zones
    zones = load_zones()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    head = wb.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True, "valign": "top"})
    req = wb.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True, "valign": "top"})
    ws = wb.add_worksheet(SHEET_NAMES[kind_code])
    code_ws = wb.add_worksheet("代码表")
    code_ws.write(0, 0, "高新区名称", head)
    for i, name in enumerate(zones["name"], start=1):
        code_ws.write(i, 0, name)
    col_of = {}
    for j, (key, opts) in enumerate(lists.items(), start=1):
        label = next(f.header for f in kind.fields if f.choices == key)
        code_ws.write(0, j, label, head)
        for i, o in enumerate(opts, start=1):
            code_ws.write(i, j, o)
        col_of[key] = (j, len(opts))
    code_ws.set_column(0, len(lists), 24)
    for j, f in enumerate(kind.fields):
        ws.write(0, j, f.header, req if f.required else head)
        ws.set_column(j, j, max(12, min(30, len(f.header) * 2 + 2)))
        if f.type == "zone":
            ws.data_validation(1, j, MAX_ROWS, j, {"validate": "list", "source": f"=代码表!$A$2:$A${len(zones) + 1}",
                                                  "error_type": "warning", "error_message": "请从下拉列表选择高新区名称"})
        elif f.type == "choice":
            c, n = col_of[f.choices]
            letter = chr(ord("A") + c)
            ws.data_validation(1, j, MAX_ROWS, j, {"validate": "list", "source": f"=代码表!${letter}$2:${letter}${n + 1}",
                                                  "error_type": "stop", "error_message": f"请从下拉列表选择{f.header}"})
        elif f.type == "bool":
            ws.data_validation(1, j, MAX_ROWS, j, {"validate": "list", "source": ["是", "否"]})
    ws.freeze_panes(1, 0)
    info = wb.add_worksheet("说明")
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    info.set_column(0, 0, 110)
    info.write(0, 0, f"{kind.label}导入模板 —— 高新区创新监测评价平台（依据：{kind.seed}）", head)
    notes = [f"必填列（橙色表头）：{'、'.join(f.header for f in kind.fields if f.required)}。",
             f"以“{kind.field(kind.key).header}”识别记录：已有的记录按文件内容更新，没有的新增。"]
    notes += [f"{f.header}：{f.note}" for f in kind.fields if f.note]
    notes += ["第1行为表头，请勿修改；数据从第2行开始填写。日期如 2025-06-30。",
              "整份文件要么全部导入，要么（有任何错误时）一行也不导入；错误报告会指出工作表、行、列和原因。",
              "高新区用户只能导入本园区的记录；同一文件重复导入不会重复写入。"]
    for i, n in enumerate(notes, start=2):
        info.write(i, 0, f"{i - 1}. {n}", wrap)
    wb.close()
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def authorise_rows(records: list[dict], existing: dict, principal, kind: Kind, file_name: str) -> list[Problem]:
    """Per-row rights: a zone user writes only rows of its own zones, and may not take over or move
    a row that belongs to another zone (or to no zone). Read-only users import nothing."""
    from gaoxin.ingest.authorise import AccessProblem
    if principal is None or principal.is_admin:
        return []
    if not principal.can_write:
        return [AccessProblem(file_name, None, None, None, None, "只读用户不能导入数据", "请联系省级管理员")]
    out: list[Problem] = []
    zone_header = kind.field("zone_code").header
    for rec in records:
        z = rec.get("zone_code")
        if z not in principal.zones:
            out.append(AccessProblem(file_name, rec["_sheet"], rec["_row"], zone_header, z or "（空）",
                                     f"高新区用户只能导入本园区（{'、'.join(sorted(principal.zones))}）的记录"))
            continue
        old = existing.get(rec[kind.key])
        if old is not None and old.zone_code not in principal.zones:
            out.append(AccessProblem(file_name, rec["_sheet"], rec["_row"], kind.field(kind.key).header,
                                     rec[kind.key], "该记录属于其他高新区，不能修改"))
    return out


def to_model_values(kind: Kind, rec: dict, old=None) -> dict:
    """Record → model column values (platform results merge into the yearly dict)."""
    vals = {k: v for k, v in rec.items() if not k.startswith("_") and k not in ("results_year", "results_text")}
    if kind.code == "platforms":
        results = dict(old.results or {}) if old is not None and old.results else {}
        if rec.get("results_year") is not None:
            results[str(rec["results_year"])] = rec["results_text"]
        vals["results"] = results or None
    return vals


def import_registry(session: Session, path: str | Path, kind_code: str, principal=None, file_name: str | None = None,
                    dry_run: bool = False) -> dict:
    """Import one registry file all-or-nothing in the caller's transaction. Returns a report dict:
    status (loaded | rejected | unchanged | checked), rows, written, problems, batch_id."""
    from gaoxin.auth.audit import record_change
    from gaoxin.ingest.load import build_context
    from gaoxin.store.models import ImportBatch
    from gaoxin.store import models as M
    path = Path(path)
    kind = KINDS[kind_code]
    model = {"platforms": M.Platform, "listing": M.ListingCandidate, "projects": M.Project, "experts": M.Expert}[kind_code]
    name = file_name or path.name
    username = principal.username if principal is not None else None
    report = {"file": name, "kind": kind_code, "kind_label": kind.label, "status": "rejected", "rows": 0,
              "written": 0, "problems": [], "batch_id": None}

    def batch(status, rows, message):
        b = ImportBatch(file_name=name[:255], sha256=sha, kind=BATCH_KIND[kind_code], rows=rows, status=status,
                        username=username, message=message, is_demo=False)
        session.add(b)
        session.flush()
        report["batch_id"] = b.id

    try:
        sha = _sha(path)
    except OSError:
        report["problems"] = [Problem(name, None, None, None, None, "无法读取文件").to_dict()]
        return report
    prior = session.scalar(select(ImportBatch).where(ImportBatch.sha256 == sha, ImportBatch.status == "loaded",
                                                     ImportBatch.kind == BATCH_KIND[kind_code]).limit(1))
    if prior is not None:
        report.update(status="unchanged", rows=prior.rows)
        if not dry_run:
            batch("unchanged", 0, f"与第{prior.id}批（{prior.file_name}）内容相同，未写入")
        return report
    records, problems, n = parse_file(path, kind, build_context(session), name)
    report["rows"] = n
    keys = [r[kind.key] for r in records if r.get(kind.key)]
    existing = {}
    for i in range(0, len(keys), 500):
        for row in session.scalars(select(model).where(getattr(model, kind.key).in_(keys[i:i + 500]))):
            existing[getattr(row, kind.key)] = row
    if not problems:
        problems = authorise_rows(records, existing, principal, kind, name)
    if problems:
        report["problems"] = [p.to_dict() for p in problems]
        report["access_denied"] = any(type(p).__name__ == "AccessProblem" for p in problems)
        if not dry_run:
            batch("rejected", n, f"发现{len(problems)}处问题，未写入任何数据")
        return report
    if dry_run:
        report.update(status="checked", written=len(records))
        return report
    batch("loaded", n, None)
    for rec in records:
        old = existing.get(rec[kind.key])
        vals = to_model_values(kind, rec, old)
        if old is None:
            obj = model(**vals, is_demo=False, batch_id=report["batch_id"])
            session.add(obj)
            record_change(session, username, "import", kind_code, rec[kind.key], vals.get("zone_code"), None, vals)
        else:
            before = {k: getattr(old, k) for k in vals}
            for k, v in vals.items():
                setattr(old, k, v)
            old.batch_id = report["batch_id"]
            record_change(session, username, "import", kind_code, rec[kind.key], vals.get("zone_code"), before, vals)
    session.flush()
    report.update(status="loaded", written=len(records))
    return report


def export_bytes(kind_code: str, rows: list[dict], demo: bool, title: str) -> bytes:
    """Entries as an .xlsx laid out like the import template (header in row 1, same columns), so an
    export can be edited and imported back; the title and the 示例数据 note go on the 说明 sheet."""
    import io

    import xlsxwriter
    kind = KINDS[kind_code]
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    head = wb.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True})
    ws = wb.add_worksheet(SHEET_NAMES[kind_code])
    for j, f in enumerate(kind.fields):
        ws.write(0, j, f.header, head)
        ws.set_column(j, j, max(12, min(40, len(f.header) * 2 + 2)))
    for i, r in enumerate(rows, start=1):
        for j, f in enumerate(kind.fields):
            v = r.get(f.header)
            if v is None:
                continue
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                ws.write_number(i, j, v)
            else:
                ws.write_string(i, j, str(v))
    ws.freeze_panes(1, 0)
    info = wb.add_worksheet("说明")
    info.set_column(0, 0, 100)
    info.write(0, 0, title, head)
    info.write(2, 0, f"共 {len(rows)} 条；列与导入模板一致，修改后可直接导入。")
    if demo:
        info.write(3, 0, "示例数据（合成数据，仅供演示，不代表真实统计）",
                   wb.add_format({"bold": True, "font_color": "#C00000"}))
    wb.close()
    return buf.getvalue()
