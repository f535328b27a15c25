"""The seam with the store: enterprises written to the DB judge exactly like the generated frame."""
from __future__ import annotations

import numpy as np
import pandas as pd

from gaoxin.demo.enterprises import generate_enterprises
from gaoxin.enterprise import frame_from_generated, innovation_points, judge


def _fill(db_url, static, annual):
    from gaoxin.store.db import session_scope
    from gaoxin.store.models import Enterprise, Observation
    base_cols = ["credit_code", "name", "zone_code", "county_code", "industry", "new_track", "founded"]
    with session_scope(db_url) as s:
        for rec in static.to_dict("records"):
            attrs = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in rec.items()
                     if k not in base_cols + ["is_demo"] and v is not None and not (isinstance(v, float) and np.isnan(v))}
            s.add(Enterprise(**{k: (None if pd.isna(rec[k]) else rec[k]) for k in base_cols}, attributes=attrs, is_demo=True))
        s.add_all([Observation(unit_type="enterprise", unit_code=r.credit_code, indicator_code=r.indicator_code,
                               period=int(r.period), value=float(r.value), is_demo=True)
                   for r in annual.itertuples()])


def test_store_frame_judges_like_generated_frame(db_url):
    from gaoxin.store.db import session_scope
    from gaoxin.store.repo import enterprise_frame

    static, annual = generate_enterprises(60, seed=9)
    _fill(db_url, static, annual)
    with session_scope(db_url) as s:
        stored = enterprise_frame(s, 2025)
    mine = frame_from_generated(static, annual, 2025).sort_values("credit_code").reset_index(drop=True)
    stored = stored.sort_values("credit_code").reset_index(drop=True)
    a = judge(stored, as_of=2025).status_frame()
    b = judge(mine, as_of=2025).status_frame()
    pd.testing.assert_frame_equal(a, b)
    pa = innovation_points(stored, as_of=2025)["points"].to_numpy()
    pb = innovation_points(mine, as_of=2025)["points"].to_numpy()
    assert np.allclose(pa, pb)


def test_cli_reads_the_store_by_zone(db_url):
    import json
    from typer.testing import CliRunner
    from gaoxin.cli.main import app

    from gaoxin.reference import load_zones

    static, annual = generate_enterprises(80, seed=4)
    _fill(db_url, static, annual)
    # a zone that holds some of the generated enterprises, asked for by its short name
    zone_code = static["zone_code"].dropna().value_counts().index[0]
    zones = load_zones().set_index("code")
    r = CliRunner().invoke(app, ["enterprise", "judge", "--zone", zones.loc[zone_code, "short_name"],
                                 "--year", "2025", "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    expected = set(static.loc[static["zone_code"] == zone_code, "credit_code"])
    assert expected
    assert {e["credit_code"] for e in data["enterprises"]} == expected and data["is_demo"]
    r = CliRunner().invoke(app, ["enterprise", "judge", "--zone", "不存在高新区", "--year", "2025"])
    assert r.exit_code == 1 and "未找到高新区" in r.output
