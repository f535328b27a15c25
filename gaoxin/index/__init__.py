"""Evaluation engine: composite indicators with uncertainty and sensitivity analysis (pure core).

Facade for the shells (CLI, web pages, reports)::

    from gaoxin import index
    fw = index.load_framework("hunan-provincial-2017")       # shipped name or dict (files: gaoxin.ingest.index_files)
    spec = index.load_spec({"normalise": {"method": "minmax", "range": [1, 100]}})  # or None
    res = index.evaluate(fw, frame, spec, years=[2024])      # frame: unit, name, year, <codes…>
    res.scores                    # DataFrame unit × node code (every level), (unit, year) if several years
    res.ranks                     # same shape, 1 = best, ties = min
    res.table()                   # the `index run` output: unit, name, year, node scores, rank
    res.strengths_weaknesses("U1", n=3)   # kind, code, name, rank, score
    res.contributions("U1")       # code, name, score, contribution (sums to the root score), share
    res.effective_weights(), res.year_on_year(), res.statistics(), res.correlations(node),
    res.cronbach_alpha(node), res.removal_impact(level), res.ranks_within("level"),
    res.correlation_flags(), res.to_dict()   # JSON-ready, with the spec
    res.profile("U1")             # one unit's page (园区画像) as a JSON-ready dict
    res.stage_tables()            # raw, denominated, imputed, screened, treated, normalised, aggregated
    res.get_stats("raw"), res.alpha("D1", "raw"), res.pca("D1"), res.correlations_levels(1, 4),
    res.screening_summary(), res.treatment_table(), res.analyses()   # COINr analyses on any stage
    ua = index.uncertainty(fw, frame, spec, vary, runs=1000, seed=1)
    ua.rank_stats()               # unit, nominal, median, mean, q05, q95
    ua.notes                      # nodes whose own aggregation a varied aggregation does not reach
    sa = index.sensitivity(fw, frame, spec, vary, n=200, seed=1)
    sa.table                      # input, si, si_low, si_high, st, st_low, st_high

Errors a user can cause raise subclasses of ValueError with Chinese messages.
"""
from __future__ import annotations

import pandas as pd

from .framework import Framework, FrameworkError, load_framework, parse_framework
from .results import IndexResult
from .sensitivity import SensitivityResult, sensitivity as _sensitivity
from .spec import MethodSpec, SpecError, load_spec
from .steps import DataError
from .uncertainty import UncertaintyResult, uncertainty as _uncertainty
from .weights import WeightError
from .aggregate import AggregationError

USER_ERRORS = (FrameworkError, SpecError, DataError, WeightError, AggregationError)

__all__ = ["evaluate", "uncertainty", "sensitivity", "load_framework", "parse_framework", "load_spec",
           "Framework", "MethodSpec", "IndexResult", "UncertaintyResult", "SensitivityResult",
           "FrameworkError", "SpecError", "DataError", "WeightError", "AggregationError"]


def evaluate(framework, data: pd.DataFrame, spec=None, years: list[int] | None = None) -> IndexResult:
    """Run the index on a wide frame. `years` limits the scored years (pooled normalisation still
    uses the spec's pooled_years; time imputation uses every year in the frame)."""
    from .pipeline import run
    return run(load_framework(framework), data, load_spec(spec), years)


def uncertainty(framework, data: pd.DataFrame, spec=None, vary: dict | None = None, runs: int = 1000,
                seed: int = 0, year: int | None = None, progress=None) -> UncertaintyResult:
    return _uncertainty(load_framework(framework), data, load_spec(spec), vary or {}, runs, seed, year, progress)


def sensitivity(framework, data: pd.DataFrame, spec=None, vary: dict | None = None, n: int = 200,
                seed: int = 0, year: int | None = None, nboot: int | None = None,
                progress=None) -> SensitivityResult:
    return _sensitivity(load_framework(framework), data, load_spec(spec), vary or {}, n, seed, year, nboot,
                        progress)
