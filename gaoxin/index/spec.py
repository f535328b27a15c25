"""Method spec: every modelling choice of one index run, serialisable and recorded in every result.

A step may be written as a bare method name (`weights: entropy`, `treat: none`) or as a mapping
with `method` plus parameters. Unknown keys are rejected so that a typo is never ignored.
"""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator


@lru_cache(maxsize=1)
def defaults() -> dict:
    """Method defaults with their sources (gaoxin/index/defaults.yaml)."""
    return yaml.safe_load((Path(__file__).with_name("defaults.yaml")).read_text(encoding="utf-8"))


class SpecError(ValueError):
    """A method spec is malformed; the message is Chinese and names the key."""


def _method_shorthand(v: Any) -> Any:
    if isinstance(v, str):
        return {"method": v}
    if v is False or v is None:
        return {"method": "none"}
    return v


class _Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        return _method_shorthand(v)


class ScreenSpec(_Step):
    method: Literal["none", "byNA"] = "none"
    dat_thresh: float = defaults()["screen"]["dat_thresh"]
    force_include: list[str] = []
    force_exclude: list[str] = []
    # "after_impute" (COINr's default build: availability is measured on the raw data, units are
    # removed from the imputed data set, so the removed units still inform group means) or
    # "before_impute" (units are removed first and never enter the imputation)
    order: Literal["after_impute", "before_impute"] = defaults()["screen"]["order"]


class ImputeSpec(_Step):
    method: Literal["none", "mean", "median", "group_mean", "group_median", "previous", "linear"] = "none"
    by: str | None = None

    @model_validator(mode="after")
    def _need_by(self) -> "ImputeSpec":
        if self.method.startswith("group_") and not self.by:
            raise ValueError("impute 方法为 group_mean/group_median 时必须给出 by（分组列）")
        return self


class TreatSpec(_Step):
    method: Literal["none", "winsorise"] = "none"
    winmax: int = defaults()["treat"]["winmax"]
    skew: float = defaults()["treat"]["skew"]
    kurtosis: float = defaults()["treat"]["kurtosis"]


class NormaliseSpec(_Step):
    method: Literal["minmax", "zscore", "goalposts", "target", "prank", "rank"] = "minmax"
    range: tuple[float, float] = (0.0, 100.0)   # minmax, goalposts, target, prank output range
    mean: float = 0.0                            # zscore
    sd: float = 1.0                              # zscore
    cap: bool = True                             # target: values beyond the target score as the target
    pooled_years: list[int] | None = None        # parameters from these years, applied to every year

    @field_validator("range")
    @classmethod
    def _range(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not v[0] < v[1]:
            raise ValueError("range 下限应小于上限")
        return v


class WeightsSpec(_Step):
    method: Literal["framework", "equal", "ahp", "entropy", "critic", "pca"] = "framework"
    # AHP: pairwise matrices keyed by aggregate-node code (a bare matrix applies to the root)
    matrix: Any = None
    max_cr: float = defaults()["ahp"]["max_cr"]


class AggregateSpec(_Step):
    method: Literal["arithmetic", "geometric", "harmonic", "mean_p", "topsis", "copeland"] = "arithmetic"
    p: float = 1.0                                # mean_p exponent
    # zeros/negatives in a geometric, harmonic or negative-p mean: "floor" (replace by `floor`, or by
    # 0.1 % of the node's largest child value), "shift" (add `shift` to every child value of the
    # node before the mean), "error" (stop, as COINr a_gmean does)
    zero_guard: Literal["floor", "shift", "error"] = "floor"
    floor: float | None = None                    # None = 0.1 % of the largest child value in the node
    shift: float = 1.0
    dat_thresh: float = 0.0                       # NA when the share of available children is below


class RankSpec(_Step):
    ties: Literal["min", "max", "average", "dense", "ordinal"] = "min"
    # decimals the score is rounded to before ranking, so that floating-point noise (≈1e-13) between
    # the nominal run and vectorised replications never changes a rank; None = no rounding
    round: int | None = defaults()["rank"]["round"]


class MethodSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    denominate: bool = True
    screen: ScreenSpec = ScreenSpec()
    impute: ImputeSpec = ImputeSpec()
    treat: TreatSpec = TreatSpec()
    normalise: NormaliseSpec = NormaliseSpec()
    weights: WeightsSpec = WeightsSpec()
    aggregate: AggregateSpec = AggregateSpec()
    rank: RankSpec = RankSpec()

    def to_dict(self) -> dict:
        return json.loads(self.model_dump_json())

    def with_changes(self, changes: dict[str, Any]) -> "MethodSpec":
        """A copy with dotted-address changes applied, e.g. {"treat.winmax": 3, "normalise": {...}}."""
        d = self.to_dict()
        for address, value in changes.items():
            set_address(d, address, value)
        return load_spec(d)


def set_address(d: dict, address: str, value: Any) -> None:
    keys = address.split(".")
    cur = d
    for k in keys[:-1]:
        if not isinstance(cur.get(k), dict):
            cur[k] = _method_shorthand(cur.get(k)) if k in MethodSpec.model_fields else {}
        cur = cur[k]
    last = keys[-1]
    if len(keys) == 1 and last in MethodSpec.model_fields and last != "denominate":
        value = _method_shorthand(value)
        # replace the whole step: a new method must not inherit the old one's parameters
        cur[last] = copy.deepcopy(value)
    else:
        cur[last] = copy.deepcopy(value)


def _chinese_errors(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors():
        loc = ".".join(str(x) for x in e["loc"] if not str(x).startswith("function-"))
        msg = e.get("msg", "")
        if e["type"] == "extra_forbidden":
            msg = "不认识的键"
        elif e["type"] == "literal_error":
            msg = f"取值应为 {e.get('ctx', {}).get('expected', '')}，实际为 {e.get('input')!r}"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        parts.append(f"{loc}：{msg}")
    return "；".join(parts)


def load_spec(source: "MethodSpec | dict | None" = None, where: str = "") -> MethodSpec:
    """A validated MethodSpec from a spec, a dict (a method file's content) or None (the defaults).
    The engine reads no files: a method file is read by gaoxin.ingest.index_files.read_spec, which
    passes `where` (the file) for the messages."""
    if source is None:
        return MethodSpec()
    if isinstance(source, MethodSpec):
        return source
    if isinstance(source, (str, Path)):
        raise SpecError(f"评价引擎不读取文件：方法设定文件 {source} 请用 gaoxin.ingest.index_files.read_spec 读入")
    if not isinstance(source, dict):
        raise SpecError(f"{where}方法设定应为键值映射")
    source = {k: v for k, v in source.items() if k not in ("source", "note", "name", "vary")}
    try:
        return MethodSpec.model_validate(source)
    except ValidationError as exc:
        raise SpecError(f"{where}{_chinese_errors(exc)}") from None
