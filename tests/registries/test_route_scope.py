"""Every registry route of tests/security/test_route_matrix.py, per role: zone A is refused zone B's
entries with a Chinese reason, zone B and the administrator are not, read-only users cannot write."""
from __future__ import annotations

import pytest

from tests.security import test_route_matrix as M

REFUSAL_WORDS = ("无权", "只读", "仅限", "高新区用户")


@pytest.mark.parametrize("who", ["zone_a", "zone_b", "admin", "viewer"])
def test_registry_routes_by_role(sqlite_world, who):
    w = sqlite_world
    c = w.client(who)
    checked = 0
    for key, (kind, _why, builder) in sorted(M.REGISTRY.items()):
        if "/registries" not in key[1] or builder is None:
            continue
        r = M._send(c, w, builder)
        refused = r.status_code == 403
        if who == "zone_a" and kind != M.SHARED:
            assert refused, (key, r.status_code, r.text[:300])
        elif who in ("zone_b", "admin") and kind == M.OTHER_ZONE:
            assert not refused and r.status_code < 500, (who, key, r.status_code, r.text[:300])
        elif who == "viewer" and key[0] != "GET" and kind != M.SHARED:
            assert refused, (key, r.status_code)
        elif who == "viewer" and key[1].endswith("/new"):
            assert refused                      # a read-only user gets no blank form either
        elif kind == M.SHARED:
            assert r.status_code < 400, (who, key, r.status_code, r.text[:300])
        if refused:
            if r.headers.get("content-type", "").startswith("application/json"):
                body = r.json()   # an import answers with its report: the reasons are per row
                text = body.get("detail") or " ".join(p["reason"] for p in body.get("problems", []))
            else:
                text = r.text
            assert any(wd in text for wd in REFUSAL_WORDS), (key, text[:200])
        checked += 1
    assert checked >= 40
