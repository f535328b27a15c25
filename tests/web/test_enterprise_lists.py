"""Issue 14 item 5: the enterprise list and the cultivation pool are paged on the server, searchable by
name or credit code, filterable by rung and industry, and their Excel exports hold every matching row.
Expected counts come from the store (a COUNT over the enterprise table), not from the code under test."""
from __future__ import annotations

import io

import openpyxl
from sqlalchemy import func, select


def _count(url, zone):
    # the hand count: every enterprise registered in the zone (the list shows each one, judged or not)
    from gaoxin.store.db import session_scope
    from gaoxin.store.models import Enterprise
    with session_scope(url) as s:
        n = s.scalar(select(func.count()).select_from(Enterprise).where(Enterprise.zone_code == zone))
        codes = set(s.scalars(select(Enterprise.credit_code).where(Enterprise.zone_code == zone)))
    return n, codes


def _xlsx_rows(content: bytes, header: str) -> list[list]:
    """The data rows of the first sheet below the row holding `header` (the export has a title row)."""
    ws = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    h = next(i for i, r in enumerate(rows) if header in r)
    return [r for r in rows[h + 1:] if any(v not in (None, "") for v in r)], rows[h]


def test_list_paging_total_and_next_page(demo_client, demo_home):
    c = demo_client("admin")
    z = demo_home["zone"]
    n, codes = _count(demo_home["url"], z)
    size = max(1, n // 3)  # at least three pages whatever the demo's size
    p1 = c.get(f"/api/enterprises?zone={z}&page=1&page_size={size}").json()
    p2 = c.get(f"/api/enterprises?zone={z}&page=2&page_size={size}").json()
    assert p1["total"] == n and p1["page_size"] == size and p1["pages"] == -(-n // size)
    assert (p1["first"], p1["last"], p2["first"], p2["last"]) == (1, size, size + 1, 2 * size)
    c1, c2 = [r["credit_code"] for r in p1["rows"]], [r["credit_code"] for r in p2["rows"]]
    assert len(c1) == len(c2) == size and not set(c1) & set(c2) and set(c1 + c2) <= codes
    # page 2 continues page 1: together they are the first 2×size rows of one unpaged list
    whole = c.get(f"/api/enterprises?zone={z}&page=1&page_size={2 * size}").json()
    assert [r["credit_code"] for r in whole["rows"]] == c1 + c2
    # points descend across the page boundary (the list's order)
    pts = [r["points"] for r in whole["rows"] if r["points"] is not None]
    assert pts == sorted(pts, reverse=True)


def test_search_by_credit_code_returns_exactly_that_firm(demo_client, demo_home):
    c = demo_client("zone_a")
    z = demo_home["zone"]
    _, codes = _count(demo_home["url"], z)
    code = sorted(codes)[len(codes) // 2]
    r = c.get(f"/api/enterprises?zone={z}&q={code}").json()
    assert r["total"] == 1 and [x["credit_code"] for x in r["rows"]] == [code]
    name = r["rows"][0]["name"]
    by_name = c.get("/api/enterprises", params={"zone": z, "q": name}).json()
    assert code in {x["credit_code"] for x in by_name["rows"]} and all(name in x["name"] for x in by_name["rows"])
    none = c.get("/api/enterprises", params={"zone": z, "q": "没有这家企业"}).json()
    assert none["total"] == 0 and none["rows"] == []


def test_filter_by_rung_and_industry(demo_client, demo_home):
    c = demo_client("admin")
    z = demo_home["zone"]
    every = c.get(f"/api/enterprises?zone={z}&page_size=500").json()
    rungs = {}
    for r in every["rows"]:
        rungs[r["rung"]] = rungs.get(r["rung"], 0) + 1
    assert len(rungs) >= 2  # the demo zone spans several rungs, so the filter has something to remove
    rung = max(rungs, key=rungs.get)
    f = c.get("/api/enterprises", params={"zone": z, "rung": rung, "page_size": 500}).json()
    assert f["total"] == rungs[rung] and {r["rung"] for r in f["rows"]} == {rung}
    inds = {r["industry"] for r in every["rows"] if r["industry"]}
    ind = sorted(inds)[0]
    g = c.get("/api/enterprises", params={"zone": z, "industry": ind, "page_size": 500}).json()
    assert g["total"] == sum(1 for r in every["rows"] if r["industry"] == ind) and {r["industry"] for r in g["rows"]} == {ind}
    assert set(every["meta"]["rungs"]) == set(rungs)


def test_list_export_holds_every_row(demo_client, demo_home):
    c = demo_client("admin")
    z = demo_home["zone"]
    n, codes = _count(demo_home["url"], z)
    x = c.get(f"/api/enterprises?zone={z}&format=xlsx&page=1&page_size=5")  # paging never cuts an export
    rows, header = _xlsx_rows(x.content, "统一社会信用代码")
    col = header.index("统一社会信用代码")
    assert len(rows) == n and {r[col] for r in rows} == codes
    assert "创新积分（分）" in header
    assert not any(v is None or str(v) in ("nan", "None") for r in rows for v in r)  # missing → “—”


def test_pool_paged_and_exported_whole(demo_client, demo_home):
    c = demo_client("zone_a")
    z = demo_home["zone"]
    whole = c.get(f"/api/zones/{z}/pool?page_size=500").json()
    n = whole["total"]
    assert n >= 3 and len(whole["rows"]) == n  # the demo zone's 高企 pool spans two pages of 2
    first = c.get(f"/api/zones/{z}/pool?page_size=2").json()
    second = c.get(f"/api/zones/{z}/pool?page=2&page_size=2").json()
    assert first["total"] == n and first["meta"]["target"] == "高新技术企业" and first["pages"] == -(-n // 2)
    assert [r["credit_code"] for r in first["rows"] + second["rows"]] == [r["credit_code"] for r in whole["rows"][:4]]
    x = c.get(f"/api/zones/{z}/pool?format=xlsx")
    rows, header = _xlsx_rows(x.content, "统一社会信用代码")
    assert len(rows) == n and "目标层级" in header
    assert {r[header.index("目标层级")] for r in rows} == {"高新技术企业"}
    # another target rung gives that rung's pool
    other = [t for t in first["meta"]["targets"] if t != "高新技术企业"][0]
    o = c.get(f"/api/zones/{z}/pool", params={"rung": other, "page_size": 500}).json()
    assert o["meta"]["target"] == other and all(r["rung"] == other for r in o["rows"])
    one = first["rows"][0]["credit_code"]
    s = c.get(f"/api/zones/{z}/pool?q={one}").json()
    assert [r["credit_code"] for r in s["rows"]] == [one]


def test_bad_page_is_chinese(demo_client, demo_home):
    c = demo_client("admin")
    r = c.get(f"/api/enterprises?zone={demo_home['zone']}&page=0")
    assert r.status_code in (400, 422) and "页码" in r.json()["detail"]
