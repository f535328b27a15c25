"""Uncertainty analysis, vectorised over replications.

A `vary` mapping lists the uncertain inputs (COINr "addresses"):
    treat.winmax: [1, 2, 3, 4, 5]                  # any dotted spec address → list of alternatives
    normalise: [{method: minmax, range: [1, 100]}, {method: zscore, mean: 10, sd: 2}]
    weights: {noise: 0.25, levels: [2, 3]}         # ±25 % uniform noise on weights of those levels
    aggregate.method: [arithmetic, geometric]

Every replication picks one alternative per input. Replications are grouped by their discrete
choices; each group is prepared and normalised once, then all its weight sets are aggregated at
once as a (units × nodes × K) array. This is the work COINr does one rebuild at a time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import steps
from .framework import Framework
from .pipeline import normalised, prepare, score_years
from .aggregate import base_weights
from .spec import MethodSpec, SpecError, defaults


@dataclass
class Input:
    address: str
    alternatives: list            # discrete alternatives (weights: indices into weight sets)
    is_weights: bool = False

    @property
    def n(self) -> int:
        return len(self.alternatives)


@dataclass
class Design:
    inputs: list[Input]
    weight_sets: np.ndarray | None   # (n_codes, n_sets) multipliers
    weight_levels: list[int] = field(default_factory=list)
    weight_noise: float = 0.0


def parse_vary(vary: dict, fw: Framework, rng: np.random.Generator) -> Design:
    if not isinstance(vary, dict) or not vary:
        raise SpecError("vary 应为非空映射：地址 → 备选取值列表，或 weights: {noise, levels}")
    if "vary" in vary and isinstance(vary["vary"], dict):
        vary = vary["vary"]
    inputs: list[Input] = []
    wsets = None
    levels: list[int] = []
    noise = 0.0
    for address, alts in vary.items():
        if address == "weights" and isinstance(alts, dict) and "noise" in alts:
            noise = float(alts["noise"])
            if not 0 <= noise < 1:
                raise SpecError(f"vary.weights.noise 应在 [0, 1) 之间，实际为 {noise}")
            levels = [int(v) for v in alts.get("levels", [2])]
            n_sets = int(alts.get("sets", defaults()["uncertainty"]["weight_sets"]))
            lvl = np.array([fw.nodes[c].level for c in fw.codes])
            noisy = np.isin(lvl, levels)
            wsets = np.ones((len(fw.codes), n_sets))
            wsets[noisy] = 1.0 + rng.uniform(-noise, noise, size=(int(noisy.sum()), n_sets))
            inputs.append(Input("weights", list(range(n_sets)), is_weights=True))
        else:
            if not isinstance(alts, list) or len(alts) == 0:
                raise SpecError(f"vary.{address} 应为备选取值列表")
            inputs.append(Input(str(address), list(alts)))
    return Design(inputs, wsets, levels, noise)


def _spec_for(spec: MethodSpec, design: Design, choice: tuple[int, ...]) -> MethodSpec:
    changes = {inp.address: inp.alternatives[c] for inp, c in zip(design.inputs, choice) if not inp.is_weights}
    try:
        return spec.with_changes(changes)
    except SpecError as exc:
        raise SpecError(f"vary 中的备选方案无效：{exc}") from None


def run_design(fw: Framework, data: pd.DataFrame, spec: MethodSpec, design: Design,
               choices: np.ndarray, year: int | None = None, progress=None) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Scores and ranks of the root for each row of `choices` (R × d integer alternative indices).

    Returns (scores (units, R), ranks (units, R), rows of the scored units).
    """
    widx = [i for i, inp in enumerate(design.inputs) if inp.is_weights]
    didx = [i for i, inp in enumerate(design.inputs) if not inp.is_weights]
    disc = choices[:, didx] if didx else np.zeros((len(choices), 0), int)
    keys, inverse = np.unique(disc, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    root = fw.aggregates.index(fw.root)
    scores = ranks = rows = None
    prep_cache: dict[str, Any] = {}
    base_cache: dict[str, Any] = {}
    norm_cache: dict[str, np.ndarray] = {}
    for g, key in enumerate(keys):
        full = np.zeros(len(design.inputs), int)
        full[didx] = key
        s_g = _spec_for(spec, design, tuple(full))
        pkey = f"{s_g.denominate}|{s_g.screen.model_dump_json()}"
        if pkey not in prep_cache:
            prep_cache[pkey] = prepare(fw, data, s_g)
        prep = prep_cache[pkey]
        bkey = s_g.weights.model_dump_json()
        if bkey not in base_cache:
            base_cache[bkey] = base_weights(fw, s_g)[0]
        members = np.flatnonzero(inverse == g)
        ws = None
        if widx:
            ws = design.weight_sets[:, choices[members, widx[0]]]
        nkey = pkey + s_g.impute.model_dump_json() + s_g.treat.model_dump_json() + s_g.normalise.model_dump_json()
        if nkey not in norm_cache:
            norm_cache[nkey] = normalised(prep, s_g)[1]
        xn = norm_cache[nkey]
        yr = [year] if year is not None else ([int(prep.years.max())] if prep.has_year else None)
        sel, sc, _ = score_years(fw, prep, xn, s_g, ws, yr, base=base_cache[bkey], full=False)
        root_sc = sc[:, root, :]
        if root_sc.shape[1] != len(members):
            root_sc = np.repeat(root_sc, len(members), axis=1)
        rk = steps.rank_scores(root_sc, s_g.rank)
        if scores is None:
            rows = prep.rows[sel].reset_index(drop=True)
            scores = np.full((len(rows), len(choices)), np.nan)
            ranks = np.full_like(scores, np.nan)
        if len(root_sc) != len(rows):
            raise SpecError("vary 中的备选方案改变了参与评价的单位（如筛选条件），无法比较排名")
        scores[:, members] = root_sc
        ranks[:, members] = rk
        if progress:
            progress(len(members))
    return scores, ranks, rows


@dataclass
class UncertaintyResult:
    rows: pd.DataFrame
    nominal: np.ndarray
    scores: np.ndarray               # (units, N) root scores
    ranks: np.ndarray                # (units, N)
    choices: pd.DataFrame            # one row per replication: the alternative picked per input
    spec: MethodSpec
    vary: dict
    # nodes whose framework file fixes their own aggregation method: a varied `aggregate…` input
    # does not reach them (each entry: code, name, the node's fixed method)
    fixed_aggregation: list = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        """What a reader of the rank intervals must know, in Chinese."""
        return fixed_aggregation_notes(self.fixed_aggregation)

    def rank_stats(self) -> pd.DataFrame:
        """Per unit: nominal, median, mean, 5th and 95th percentile rank (COINr RankStats)."""
        out = pd.DataFrame({"unit": self.rows["unit"].astype(str).to_numpy()})
        if "name" in self.rows.columns:
            out["name"] = self.rows["name"].to_numpy()
        out["nominal"] = self.nominal
        out["median"] = np.nanmedian(self.ranks, axis=1)
        out["mean"] = np.nanmean(self.ranks, axis=1)
        out["q05"] = np.nanquantile(self.ranks, 0.05, axis=1)
        out["q95"] = np.nanquantile(self.ranks, 0.95, axis=1)
        return out.sort_values(["nominal", "unit"], kind="stable").reset_index(drop=True)

    def to_dict(self) -> dict:
        import json
        return {"method": self.spec.to_dict(), "vary": self.vary, "runs": int(self.ranks.shape[1]),
                "fixed_aggregation": self.fixed_aggregation, "notes": self.notes,
                "rank_stats": json.loads(self.rank_stats().to_json(orient="records", force_ascii=False))}


def uncertainty(fw: Framework, data: pd.DataFrame, spec: MethodSpec, vary: dict, runs: int = 1000,
                seed: int = 0, year: int | None = None, progress=None) -> UncertaintyResult:
    from .pipeline import run

    if runs < 1:
        raise SpecError("runs 应为正整数")
    rng = np.random.default_rng(seed)
    design = parse_vary(vary, fw, rng)
    choices = np.column_stack([rng.integers(0, inp.n, size=runs) for inp in design.inputs])
    nominal = run(fw, data, spec, years=[year] if year is not None else None)
    scores, ranks, rows = run_design(fw, data, spec, design, choices, year, progress)
    root = fw.codes.index(fw.root)
    nom = nominal.rank_matrix[nominal._year_rows(year), root]
    def picked(inp: Input, col: np.ndarray) -> np.ndarray:
        if inp.is_weights:
            return col
        alts = np.empty(inp.n, dtype=object)
        alts[:] = inp.alternatives
        return alts[col]
    ch = pd.DataFrame({inp.address: picked(inp, choices[:, i]) for i, inp in enumerate(design.inputs)})
    return UncertaintyResult(rows=rows, nominal=nom, scores=scores, ranks=ranks, choices=ch, spec=spec,
                             vary=vary, fixed_aggregation=fixed_aggregation(fw, design))


def fixed_aggregation(fw: Framework, design: Design) -> list[dict]:
    """Nodes that keep their own aggregation method (framework `aggregation`) although the design
    varies an `aggregate…` input: each {code, name, method}. Empty when aggregation is not varied."""
    if not any(inp.address.split(".")[0] == "aggregate" for inp in design.inputs):
        return []
    fixed = []
    for code in fw.aggregates:
        ov = fw.nodes[code].aggregation
        if ov is not None:
            method = ov.get("method") if isinstance(ov, dict) else ov
            fixed.append({"code": code, "name": fw.nodes[code].name, "method": str(method)})
    return fixed


def fixed_aggregation_notes(fixed: list[dict]) -> list[str]:
    """The Chinese note a reader of rank intervals or sensitivity indices must see."""
    if not fixed:
        return []
    names = "、".join(f"{e['name']}（{e['code']}，{e['method']}）" for e in fixed)
    return [f"以下节点在框架中指定了自己的合成方法，不随不确定性设定中合成方法的变化而变化：{names}"]
