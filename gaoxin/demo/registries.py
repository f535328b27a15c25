"""Demo registries (示例数据): about 1,500 innovation platforms and 120 listing candidates, sized like
a province, deterministic for the seed, every row is_demo=True in the demo batch. Synthetic: names are
made up from the zones' short names and demo enterprises, not real platforms."""
from __future__ import annotations

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

N_PLATFORMS = 1500
N_LISTING = 120


def clear(session: Session) -> None:
    from gaoxin.store.models import Expert, ExpertAssignment, ListingCandidate, Platform, Project
    for model in (Platform, ListingCandidate, Project, Expert, ExpertAssignment):
        session.execute(delete(model).where(model.is_demo.is_(True)))


def build(session: Session, seed: int, batch_id: int, n_platforms: int = N_PLATFORMS, n_listing: int = N_LISTING) -> dict:
    from datetime import date

    from gaoxin.ingest.registry_templates import choices, reference
    from gaoxin.store.models import Enterprise, ListingCandidate, Platform, Region, Zone
    rng = np.random.default_rng(seed + 16)
    zones = session.execute(select(Zone.code, Zone.short_name, Zone.name, Zone.level).order_by(Zone.code)).all()
    counties = session.execute(select(Region.code, Region.name).where(Region.level == "county").order_by(Region.code)).all()
    if not zones:
        return {"platforms": 0, "listing": 0}
    plat = choices("platforms")
    types = [t for t in plat["types"] if t != "其他"]
    tw = np.array([3 if t in ("企业技术中心", "工程（技术）研究中心") else 2 if t in ("孵化器", "众创空间", "新型研发机构", "省重点实验室") else 1
                   for t in types], dtype=float)
    zw = np.array([3.0 if z.level == "国家级" else 1.0 for z in zones])
    rows = []
    for i in range(n_platforms):
        t = types[rng.choice(len(types), p=tw / tw.sum())]
        level = rng.choice(["国家级", "省级", "市级"], p=[0.1, 0.55, 0.35])
        if t == "全国重点实验室":
            level = "国家级"
        if t == "省重点实验室":
            level = "省级"
        in_zone = rng.random() < 0.85 or not counties
        z = zones[rng.choice(len(zones), p=zw / zw.sum())] if in_zone else None
        cty = None if in_zone else counties[int(rng.integers(len(counties)))]
        host_kind = rng.choice(["企业", "高校", "科研院所"], p=[0.7, 0.2, 0.1])
        place = (z.short_name or z.name) if z else cty.name
        host = f"{place}示例{'科技有限公司' if host_kind == '企业' else '大学' if host_kind == '高校' else '研究院'}{i % 97 + 1}"
        year = int(rng.choice(np.arange(2005, 2026), p=np.linspace(1, 3, 21) / np.linspace(1, 3, 21).sum()))
        status = rng.choice(["运行中", "建设中", "考核不合格", "已撤销"], p=[0.85, 0.08, 0.04, 0.03])
        results = {"2024": f"发布年度成果清单{int(rng.integers(3, 30))}项（示例数据）"} if status == "运行中" else None
        rows.append({"code": f"DEMO-PT-{i + 1:05d}", "name": f"{place}{t}（示例{i + 1}）", "type": t, "level": str(level),
                     "host_name": host, "host_kind": str(host_kind), "host_credit_code": None,
                     "zone_code": z.code if z else None, "county_code": cty.code if cty else None,
                     "approval_year": year, "approval_doc": f"示例批复文件〔{year}〕{int(rng.integers(1, 200))}号",
                     "status": str(status), "results": results, "is_demo": True, "batch_id": batch_id})
    session.execute(Platform.__table__.insert(), rows)
    # listing candidates: demo enterprises of the zones, spread over the five stages
    ents = session.execute(select(Enterprise.credit_code, Enterprise.name, Enterprise.zone_code)
                           .where(Enterprise.is_demo.is_(True), Enterprise.zone_code.is_not(None))
                           .order_by(Enterprise.credit_code)).all()
    stages = choices("listing")["stages"]
    boards = choices("listing")["boards"]
    cands = []
    if ents:
        # weighted towards the 湘江新区 zones (the seed 003 listing target) and the national zones
        xj = set(reference("platforms")["category_zones"]["hunan-xiangjiang-new-area"]["zones"])
        national = {z.code for z in zones if z.level == "国家级"}
        w = np.array([8.0 if e.zone_code in xj else 2.0 if e.zone_code in national else 1.0 for e in ents])
        pick = rng.choice(len(ents), size=min(n_listing, len(ents)), replace=False, p=w / w.sum())
        for k, i in enumerate(sorted(pick)):
            e = ents[int(i)]
            stage = stages[rng.choice(len(stages), p=[0.4, 0.2, 0.15, 0.1, 0.15])]
            listed = date(int(rng.integers(2023, 2026)), int(rng.integers(1, 13)), 15) if stage == stages[-1] else None
            expected = None if listed else date(int(rng.integers(2025, 2029)), int(rng.integers(1, 13)), 1)
            cands.append({"credit_code": e.credit_code, "name": e.name, "zone_code": e.zone_code, "county_code": None,
                          "is_tech": bool(rng.random() < 0.85), "stage": stage, "board": str(rng.choice(boards)),
                          "stage_date": date(2024, int(rng.integers(1, 13)), 1), "expected_date": expected,
                          "listed_date": listed, "contact_name": f"示例联络员{k % 40 + 1}",
                          "contact_phone": f"0731-8800{k:04d}", "note": "示例数据", "is_demo": True, "batch_id": batch_id})
        session.execute(ListingCandidate.__table__.insert(), cands)
    session.flush()
    from gaoxin.services.registries import sync_listed_flags
    sync_listed_flags(session, None)
    n_projects = _projects(session, rng, batch_id, zones)
    n_experts = _experts(session, rng, batch_id, zones)
    n_assign = _assignments(session, rng)
    n_tier = _tier_enterprises(session, rng, batch_id)
    return {"assignments": n_assign, "tier_enterprises": n_tier, "platforms": len(rows), "listing": len(cands), "projects": n_projects, "experts": n_experts}


# zones the 专栏 projects sit in, by the place their name or text names (else none: new-area-wide)
PLACES = {"长沙": "HN-N-CHANGSHA", "宁乡": "HN-N-NINGXIANG", "岳麓": "HN-P-YUELU", "望城": "HN-P-WANGCHENG"}


def _projects(session: Session, rng, batch_id: int, zones) -> int:
    """The plan's 专栏2–12 projects (names, quantities and years from the seed) with synthetic progress."""
    from gaoxin.ingest.registry_templates import reference
    from gaoxin.store.models import Project
    have = {z.code for z in zones}
    rows = []
    for item in reference("projects")["projects"]:
        q = {x["name"]: x["target"] for x in item.get("quantities") or []}
        zone = next((c for k, c in PLACES.items() if k in item["name"] + item["description"] and c in have), None)
        end = item.get("target_year") or 2026
        start = 2023
        inv = q.get("总投资")
        share = float(rng.uniform(0.2, 1.0))
        ms = [f"{start}：启动建设（已完成）", f"{min(start + 1, end)}：主体工程" + ("（已完成）" if rng.random() < 0.7 else ""),
              f"{end}：建成投运"]
        rows.append({"code": item["code"], "name": item["name"], "column": item["column"], "layout": item["layout"],
                     "owner": "示例牵头单位", "zone_code": zone, "chain": None,
                     "status": str(rng.choice(["在建", "在建", "在建", "谋划中", "建成投运"])), "start_year": start,
                     "target_year": end, "investment_target": inv, "investment_done": round(inv * share, 1) if inv else None,
                     "output_target": q.get("年产值"), "output_done": None, "localization_target": q.get("国产化率"),
                     "localization_done": None, "milestones": "；".join(ms), "note": "示例数据：进度为合成数据",
                     "source": item["source"], "is_demo": True, "batch_id": batch_id})
    session.execute(Project.__table__.insert(), rows)
    return len(rows)


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华慧建国志红"
FIELDS = ["先进计算", "工程机械", "新材料", "生物医药", "新能源汽车", "储能材料", "北斗应用", "智能制造", "信息安全", "电子信息"]


def _experts(session: Session, rng, batch_id: int, zones, n: int = 300) -> int:
    """300 people of the three 家 (synthetic names), most in a zone, some province-wide."""
    from gaoxin.store.models import Expert
    kinds = ["企业家", "技术专家", "政府管家"]
    rows = []
    for i in range(n):
        kind = kinds[int(rng.choice(3, p=[0.35, 0.45, 0.2]))]
        z = zones[int(rng.integers(len(zones)))] if rng.random() < 0.8 else None
        name = SURNAMES[int(rng.integers(len(SURNAMES)))] + GIVEN[int(rng.integers(len(GIVEN)))] + \
            (GIVEN[int(rng.integers(len(GIVEN)))] if rng.random() < 0.6 else "")
        org = {"企业家": "示例科技股份有限公司", "技术专家": "示例大学", "政府管家": "园区管委会"}[kind]
        rows.append({"code": f"DEMO-EX-{i + 1:04d}", "name": name, "kind": kind, "field": FIELDS[int(rng.integers(len(FIELDS)))],
                     "organisation": ((z.short_name or z.name) if z else "省直") + org,
                     "title": {"企业家": "董事长", "技术专家": "教授", "政府管家": "企业服务专员"}[kind],
                     "zone_code": z.code if z else None, "phone": f"0731-8900{i:04d}", "note": "示例数据",
                     "is_demo": True, "batch_id": batch_id})
    session.execute(Expert.__table__.insert(), rows)
    return len(rows)



def _assignments(session: Session, rng, n: int = 60) -> int:
    """Experts of a demand's zone assigned to the demand (attend or follow up), some followed up."""
    from gaoxin.store.models import Expert, ExpertAssignment, TechDemand
    demands = session.execute(select(TechDemand.code, TechDemand.zone_code).where(TechDemand.is_demo.is_(True),
                              TechDemand.zone_code.is_not(None)).order_by(TechDemand.code)).all()
    by_zone: dict = {}
    for code, zone in session.execute(select(Expert.code, Expert.zone_code).where(Expert.is_demo.is_(True)).order_by(Expert.code)):
        by_zone.setdefault(zone, []).append(code)
    rows = []
    for d in demands:
        if len(rows) >= n or not by_zone.get(d.zone_code):
            continue
        ex = by_zone[d.zone_code][int(rng.integers(len(by_zone[d.zone_code])))]
        outcome = str(rng.choice(["待跟进", "跟进中", "已签约", "未成交"], p=[0.3, 0.4, 0.2, 0.1]))
        rows.append({"expert_code": ex, "activity": "成果对接", "demand_code": d.code, "result_code": None, "roadshow": None,
                     "zone_code": d.zone_code, "role": str(rng.choice(["出席", "跟进"])), "outcome": outcome,
                     "follow_up": None if outcome == "待跟进" else "示例数据：已与企业联系，跟进技术需求",
                     "username": "demo", "is_demo": True})
    if rows:
        session.execute(ExpertAssignment.__table__.insert(), rows)
    return len(rows)



def _tier_enterprises(session: Session, rng, batch_id: int) -> int:
    """The seed 004 named 产业领军企业 as demo enterprises of 湘潭 with synthetic 营业收入 in the 亿级
    tiers (names marked 示例; the figures are made up), so the tier list has something to show."""
    from gaoxin.credit_code import make_credit_code
    from gaoxin.ingest.registry_templates import reference
    from gaoxin.store.models import Enterprise, Observation, Zone
    from sqlalchemy import func
    if session.scalar(select(func.count()).select_from(Enterprise).where(Enterprise.is_demo.is_(True))) < 1000:
        return 0   # only in a province-sized demo (a small test demo keeps exactly the enterprises it asked for)
    spec = reference("projects")["tiers"]
    zone = session.scalar(select(Zone.code).where(Zone.code == "HN-N-XIANGTAN"))
    have = set(session.scalars(select(Enterprise.credit_code).where(Enterprise.credit_code.like("91430300MA7X%"))))
    ents, obs = [], []
    for i, name in enumerate(spec["named"]):
        code = make_credit_code(f"91430300MA7X{i:05d}")
        if code in have:
            continue
        ents.append({"credit_code": code, "name": f"{name}（示例）", "zone_code": zone, "county_code": "430300",
                     "is_demo": True, "batch_id": batch_id})
        base = float(rng.choice([1_500_000, 600_000, 300_000, 150_000, 120_000]))   # 万元: 150/60/30/15/12 亿
        for y in range(2022, 2026):
            obs.append({"unit_type": "enterprise", "unit_code": code, "indicator_code": spec["indicator"], "period": y,
                        "value": round(base * (1 + 0.06 * (y - 2022)), 1), "unit_of_measure": "万元",
                        "source": "示例数据", "is_demo": True, "batch_id": batch_id})
    if ents:
        session.execute(Enterprise.__table__.insert(), ents)
        session.execute(Observation.__table__.insert(), obs)
    return len(ents)
