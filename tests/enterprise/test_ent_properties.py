"""Properties of the three-valued judgement: removing data never flips a definite result."""
from __future__ import annotations

import numpy as np
import pytest

from gaoxin.demo.enterprises import generate_wide
from gaoxin.enterprise import UNKNOWN, judge
from gaoxin.enterprise import fields as F

AS_OF = 2025
# fields whose absence means "no" (no certificate, not placed, not registered), not "unknown"
ABSENCE_IS_NO = {"hte_cert_year", "hte_cert_count", "maker_china_top", "tsme_reg_year",
                 # direct routes (直通 / 直接确认): a blank yes/no counts as 否 on every route
                 # (index.yaml settings.blank_yes_no), like a blank certificate year
                 "national_award_top3", "provincial_award", "provincial_rd_institution", "led_standard",
                 "contest_top_award"}


@pytest.fixture(scope="module")
def base():
    w = generate_wide(1500, seed=31, as_of_year=AS_OF, years=3)
    return w, judge(w, as_of=AS_OF)


COLUMNS = [f"{c}_y{k}" for c in F.ANNUAL_CODES for k in range(3)] + \
          [c for c in F.STATIC_CODES if c not in ABSENCE_IS_NO] + ["founded"]


@pytest.mark.parametrize("column", COLUMNS)
def test_missing_value_never_flips_pass_or_fail(base, column):
    w, j0 = base
    w2 = w.copy()
    w2[column] = None if w2[column].dtype == object else (np.nan if column != "founded" else None)
    j1 = judge(w2, as_of=AS_OF)
    for r0, r1 in zip(j0.rungs, j1.rungs):
        changed = r1.status != r0.status
        # a definite result may only become "cannot tell"
        assert (r1.status[changed] == UNKNOWN).all(), (column, r0.name)


def test_statuses_are_three_valued_and_highest_rung_consistent(base):
    w, j = base
    for r in j.rungs:
        assert set(np.unique(r.status)) <= {0, 1, 2}
    idx = j.highest_rung_index
    for k, r in enumerate(j.ladder):
        held = (r.status == 2) | j.held(r)
        assert (idx[held] >= k).all()
