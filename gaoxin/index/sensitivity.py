"""Variance-based sensitivity analysis (Saltelli design), as COINr get_sensitivity(SA_type = "SA").

Inputs are the `vary` entries (see uncertainty.py), each mapped from U[0, 1) to an alternative.
Design: matrices A, B (N × d) and AB_i (A with column i from B): N(d + 2) runs, all evaluated in
one vectorised `run_design` call. Output y = mean absolute rank change against the nominal ranks.
Estimators (COINr SA_estimate): Si = mean(yB·(yABi − yA)) / V, STi = mean((yA − yABi)²) / (2V),
V = var([yA, yB]); bootstrap confidence intervals by resampling the N base rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .framework import Framework
from .spec import MethodSpec, defaults
from .uncertainty import fixed_aggregation, fixed_aggregation_notes, parse_vary, run_design


def saltelli_indices(ya: np.ndarray, yb: np.ndarray, yab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First- and total-order indices. ya, yb: (..., N); yab: (..., d, N)."""
    v = np.var(np.concatenate([ya, yb], axis=-1), axis=-1, ddof=1)[..., None]
    with np.errstate(invalid="ignore", divide="ignore"):
        si = np.mean(yb[..., None, :] * (yab - ya[..., None, :]), axis=-1) / v
        st = np.mean((ya[..., None, :] - yab) ** 2, axis=-1) / (2 * v)
    return si, st


@dataclass
class SensitivityResult:
    table: pd.DataFrame     # input, si, si_low, si_high, st, st_low, st_high
    runs: int
    fixed_aggregation: list = field(default_factory=list)   # nodes a varied aggregation does not reach

    @property
    def notes(self) -> list[str]:
        return fixed_aggregation_notes(self.fixed_aggregation)


def sensitivity(fw: Framework, data: pd.DataFrame, spec: MethodSpec, vary: dict, n: int = 200,
                seed: int = 0, year: int | None = None, nboot: int | None = None,
                progress=None) -> SensitivityResult:
    from .pipeline import run

    rng = np.random.default_rng(seed)
    design = parse_vary(vary, fw, rng)
    d = len(design.inputs)
    a = rng.random((n, d))
    b = rng.random((n, d))
    ab = np.repeat(a[None], d, axis=0)
    for i in range(d):
        ab[i, :, i] = b[:, i]
    u = np.concatenate([a, b, ab.reshape(d * n, d)])
    sizes = np.array([inp.n for inp in design.inputs])
    choices = np.minimum((u * sizes).astype(int), sizes - 1)
    nominal = run(fw, data, spec, years=[year] if year is not None else None)
    root = fw.codes.index(fw.root)
    nom = nominal.rank_matrix[nominal._year_rows(year), root]
    _, ranks, _ = run_design(fw, data, spec, design, choices, year, progress)
    y = np.nanmean(np.abs(ranks - nom[:, None]), axis=0)
    ya, yb, yab = y[:n], y[n:2 * n], y[2 * n:].reshape(d, n)
    si, st = saltelli_indices(ya, yb, yab)
    nboot = nboot or defaults()["sensitivity"]["nboot"]
    idx = rng.integers(0, n, size=(nboot, n))               # all bootstrap samples at once
    bsi, bst = saltelli_indices(ya[idx], yb[idx], yab[:, idx].transpose(1, 0, 2))
    q = lambda m, p: np.nanquantile(m, p, axis=0)  # noqa: E731
    table = pd.DataFrame({"input": [inp.address for inp in design.inputs], "si": si,
                          "si_low": q(bsi, 0.05), "si_high": q(bsi, 0.95),
                          "st": st, "st_low": q(bst, 0.05), "st_high": q(bst, 0.95)})
    return SensitivityResult(table=table, runs=len(choices), fixed_aggregation=fixed_aggregation(fw, design))
