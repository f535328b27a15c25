"""Issue 14 item 3: the 企业画像 as a checklist — per condition 要求 / 实际 / 结论 / 差距 / 依据; a failed
condition is never printed as a false statement; a missing value reads 数据缺失; another zone's own rule
reads 不适用 with its reason; the “⚠ 文号待核 / 单一来源” flags are for administrators only.
Expected values come from the store (the enterprise's own figures), worked by hand in each test."""
from __future__ import annotations

import json

from sqlalchemy import func, select


def _store(url):
    from gaoxin.store.db import session_scope
    return session_scope(url)


def _rows(profile, rung):
    card = next(c for c in profile["checklist"] if c["rung"] == rung)
    return card, card["rows"]


def test_failed_condition_reads_requirement_actual_gap(demo_client, demo_home):
    from gaoxin.store.models import Enterprise, Observation
    with _store(demo_home["url"]) as s:
        year = s.scalar(select(func.max(Observation.period)).where(Observation.unit_type == "enterprise"))
        code, staff = s.execute(
            select(Observation.unit_code, Observation.value).join(Enterprise, Enterprise.credit_code == Observation.unit_code)
            .where(Observation.indicator_code == "employees", Observation.period == year, Observation.value > 500)
            .order_by(Observation.unit_code)).first()
    p = demo_client("admin").get(f"/api/enterprises/{code}").json()
    card, rows = _rows(p, "科技型中小企业")
    row = next(r for r in rows if r["condition"] == "职工总数不超过500人")
    # 国科发政〔2017〕115号 第六条（二）: at most 500 staff; the firm has `staff` (> 500) in the store
    n = int(staff)
    assert row["requirement"] == "≤ 500人" and row["actual"] == f"{n:,}人"
    assert row["verdict"] == "不符合" and row["gap"] == f"超出 {n - 500:,}人"
    assert "115号" in row["basis"] and "第六条" in row["basis"]
    # the rung itself cannot be 符合 with a failed 全部满足 condition at its top level
    assert card["verdict"] == "不符合" and "不符合" in card["note"]
    text = json.dumps(p, ensure_ascii=False)
    assert "nan" not in text.lower() and f"{n:,}人 ≤ 500人" not in text
    assert p["as_of_text"].startswith("判定日期：") and str(year) in p["as_of_text"]


def test_missing_value_reads_data_missing(demo_client, demo_home):
    from gaoxin.store.models import Enterprise
    with _store(demo_home["url"]) as s:
        firms = s.execute(select(Enterprise.credit_code, Enterprise.attributes).order_by(Enterprise.credit_code)).all()
    # a firm whose record leaves “核心技术属于《国家重点支持的高新技术领域》” (in_hitech_domain) blank
    code = next(c for c, a in firms if not isinstance(a, dict) or a.get("in_hitech_domain") is None)
    p = demo_client("admin").get(f"/api/enterprises/{code}").json()
    _, rows = _rows(p, "高新技术企业")
    row = next(r for r in rows if r["condition"].startswith("核心技术属于"))
    assert (row["actual"], row["verdict"]) == ("—", "数据缺失") and "补充数据" in row["gap"]
    assert row["requirement"] == "应为“是”"
    # a score known only as a range shows the range, never “nan–nan分”
    assert not any("nan" in r["actual"] for c in p["checklist"] for r in c["rows"])


def test_other_zones_rule_is_not_applicable(demo_client, demo_home):
    from gaoxin.store.models import Enterprise
    with _store(demo_home["url"]) as s:
        code = s.scalar(select(Enterprise.credit_code).where(Enterprise.zone_code == "HN-N-CHANGDE")
                        .order_by(Enterprise.credit_code))
    p = demo_client("admin").get(f"/api/enterprises/{code}").json()
    # gazelle.yaml: zone_scope HN-N-CHANGSHA — a 常德 firm is not judged by 长沙高新区's 瞪羚 rule
    card, rows = _rows(p, "瞪羚企业")
    assert card["verdict"] == "不适用" and rows == [] and "长沙高新区" in card["note"]
    summary = next(r for r in p["judgements"]["rows"] if r["rung"] == "瞪羚企业")
    assert summary["verdict"] == "不适用"


def test_unverified_source_flags_for_administrators_only(demo_client, demo_home):
    z = demo_home["zone"]
    admin, zone_user, viewer = demo_client("admin"), demo_client("zone_a"), demo_client("viewer")
    code = admin.get(f"/api/enterprises?zone={z}&page_size=1").json()["rows"][0]["credit_code"]
    # innovative_sme.yaml: document “工信部企业〔2022〕63号（⚠️ 文号待核）”
    a = admin.get(f"/api/enterprises/{code}").json()
    card, _ = _rows(a, "创新型中小企业")
    assert "文号待核" in card["document"] and "⚠" in card["document"]
    for c in (zone_user, viewer):
        t = json.dumps(c.get(f"/api/enterprises/{code}").json(), ensure_ascii=False)
        assert "⚠" not in t and "文号待核" not in t and "单一来源" not in t
        assert "reference/" not in t and ".md" not in t
        assert "工信部企业〔2022〕63号" in t  # the document is still named
        # subsidies.yaml cites “（⚠️ 单一来源，文号待核）”: the zone's subsidy table drops it for them too
        sub = json.dumps(c.get(f"/api/zones/{z}/subsidies").json(), ensure_ascii=False)
        assert "⚠" not in sub and "文号待核" not in sub
    assert "⚠" in json.dumps(admin.get(f"/api/zones/{z}/subsidies").json(), ensure_ascii=False)


def test_profile_page_is_the_checklist_frame(demo_client, demo_home):
    c = demo_client("zone_a")
    code = c.get("/api/enterprises?page_size=1").json()["rows"][0]["credit_code"]
    html = c.get(f"/enterprises/{code}").text
    assert "梯度层级判定（逐条对照）" in html and "要求 / 实际 / 结论 / 差距 / 依据" in html
    assert 'id="checklist"' in html and "/static/pages/enterprise.js" in html
