from sqlalchemy import inspect as sa_inspect

from gaoxin.credit_code import check_many
from gaoxin.demo.texts import generate_texts
from gaoxin.store.models import Policy, TechDemand, TechResult


def _model_cols(model):
    return {c.key for c in sa_inspect(model).columns} - {"id", "batch_id"}


def test_columns_match_the_models_and_output_is_deterministic():
    a = generate_texts(3, n_results=120, n_demands=30, n_policies=15)
    b = generate_texts(3, n_results=120, n_demands=30, n_policies=15)
    assert set(a["results"].columns) == _model_cols(TechResult)
    assert set(a["demands"].columns) == _model_cols(TechDemand)
    assert set(a["policies"].columns) == _model_cols(Policy)
    for k in a:
        assert a[k].equals(b[k])
    c = generate_texts(4, n_results=120, n_demands=30, n_policies=15)
    assert not a["results"]["title"].equals(c["results"]["title"])


def test_plausible_values():
    t = generate_texts(5, n_results=300, n_demands=80, n_policies=40)
    r, d, p = t["results"], t["demands"], t["policies"]
    assert len(r) == 300 and len(d) == 80 and len(p) == 40
    assert r["code"].is_unique and d["code"].is_unique and p["code"].is_unique
    assert r["trl"].between(1, 9).all() and r["field"].nunique() == 9
    assert {"中南大学", "湖南大学", "湘潭大学", "国防科技大学"} <= set(r["institution"])
    assert check_many(d["credit_code"].tolist()).all()
    assert (d["budget_wan"] > 0).all()
    assert r["is_demo"].all() and d["is_demo"].all() and p["is_demo"].all()
    assert p["source"].notna().all()
    for col in ("code", "title", "field", "region_code"):
        assert r[col].notna().all()
    # industry codes agree with the reference taxonomy when it exists
    try:
        from gaoxin.reference import load_industries
        codes = {(x if isinstance(x, dict) else vars(x))["code"] for x in load_industries()}
    except Exception:
        codes = None
    if codes:
        assert set(r["field"]) <= codes and set(d["field"]) <= codes


def test_demands_can_be_linked_to_generated_enterprises():
    import pandas as pd
    ent = pd.DataFrame({"credit_code": ["A1", "A2", "A3"], "name": ["甲公司", "乙公司", "丙公司"],
                        "zone_code": ["Z1", None, "Z3"], "industry": ["SEI01", "SEI02", "SEI02"],
                        "county_code": ["430104", "430211", "430302"]})
    t = generate_texts(2, n_results=10, n_demands=40, n_policies=5, enterprises=ent)
    d = t["demands"]
    assert set(d["credit_code"]) <= {"A1", "A2", "A3"}
    same = d[d["field"].isin(["SEI01", "SEI02"])]
    lookup = ent.set_index("credit_code")
    assert (lookup.loc[same["credit_code"], "industry"].to_numpy() == same["field"].to_numpy()).all()
    assert (lookup.loc[d["credit_code"], "county_code"].to_numpy() == d["region_code"].to_numpy()).all()
