"""Cited reference data shipped with Gaoxin, and its loaders.

Every file here is data taken from the seed documents (or a named public source) with a
``source`` per value; see ``README.md`` beside this file. The loaders are pure reads and cached,
except the framework look-ups, which also consult ``$GAOXIN_HOME/frameworks/`` so that a user can
add or override a framework without a code change (``GAOXIN_HOME`` may change between calls).
"""
from __future__ import annotations

import copy
import difflib
import os
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

REFERENCE_DIR = Path(__file__).resolve().parent
FRAMEWORKS_DIR = REFERENCE_DIR / "frameworks"

REGION_LEVELS = ("province", "city", "county", "park")
ZONE_LEVELS = ("国家级", "省级")

# Observation unit_type for each region level. Parks (园区 in seed 004's 县市区（园区） tables)
# sit beside the counties in the decomposition tables, so they are observed as county-level units.
UNIT_TYPE_OF_REGION_LEVEL = {"province": "province", "city": "city", "county": "county", "park": "county"}


class ReferenceDataError(ValueError):
    """A shipped or user-supplied reference file is malformed (message in Chinese)."""


# --------------------------------------------------------------------------- helpers

def _read_yaml(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:  # a user-edited framework is the likely culprit
        raise ReferenceDataError(f"文件 {path} 不是有效的 YAML：{exc}") from exc


def _read_csv(name: str) -> pd.DataFrame:
    # Codes are strings: adcodes like 430300 must not become integers.
    return pd.read_csv(REFERENCE_DIR / name, dtype=str, keep_default_na=False, encoding="utf-8")


def normalize_name(text: str) -> str:
    """Canonical form for name matching: NFKC (full-width → half-width), no spaces or quotes."""
    text = unicodedata.normalize("NFKC", str(text))
    text = re.sub(r"[\s\u3000\"'“”‘’「」]", "", text)
    return text.upper()


def _zone_name_variants(name: str) -> set[str]:
    """Spellings officials use for the same zone: with/without 湖南(省), 国家, 省级."""
    n = normalize_name(name)
    variants = {n}
    for prefix in ("湖南省", "湖南"):
        if n.startswith(prefix) and len(n) > len(prefix) + 3:
            variants.add(n[len(prefix):])
    for v in list(variants):
        for word in ("国家级", "国家", "省级"):
            if word in v:
                variants.add(v.replace(word, ""))
    for v in list(variants):
        # 高新技术产业开发区 ↔ 高新区 ↔ 高新技术产业园区
        for long in ("高新技术产业开发区", "高新技术产业园区", "高新技术开发区"):
            if v.endswith(long):
                variants.add(v[: -len(long)] + "高新区")
    return variants


# --------------------------------------------------------------------------- regions and zones

def load_regions() -> pd.DataFrame:
    """湖南省, its 14 市州 and their 县市区 (adcodes), plus the parks seed 004 decomposes targets to.
    A copy of the cached frame, so callers may modify it.

    Columns: code, name, level (province | city | county | park), parent_code, source, note.
    """
    return _regions().copy()


@cache
def _regions() -> pd.DataFrame:
    df = _read_csv("regions.csv")
    df["parent_code"] = df["parent_code"].replace("", None)
    return df


def load_zones() -> pd.DataFrame:
    """Every Hunan high-tech zone the reference list covers (国家级 and 省级).
    A copy of the cached frame, so callers may modify it.

    Columns: code, name, short_name, level, city_code, county_code, approved_year (Int64), source, note,
    aliases ("|"-separated former / alternative names).
    """
    return _zones().copy()


@cache
def _zones() -> pd.DataFrame:
    df = _read_csv("zones.csv")
    df["approved_year"] = pd.to_numeric(df["approved_year"].replace("", None)).astype("Int64")
    for col in ("county_code",):
        if col in df:
            df[col] = df[col].replace("", None)
    return df


def zone_aliases(row) -> list[str]:
    """Other names a zone goes by (former names, names before 认定), from the ``aliases`` column."""
    raw = row["aliases"] if "aliases" in row else ""
    return [a for a in str(raw or "").split("|") if a]


@cache
def _zone_index() -> dict[str, str]:
    """Normalised code / name / short name / common variants → zone code."""
    index: dict[str, str] = {}
    zones = _zones()
    for _, row in zones.iterrows():
        index[normalize_name(row["code"])] = row["code"]
        for name in (row["name"], row["short_name"], *zone_aliases(row)):
            if name:
                for v in _zone_name_variants(name):
                    index.setdefault(v, row["code"])
    return index


@cache
def _zone_position() -> dict[str, int]:
    return {code: pos for pos, code in enumerate(_zones()["code"])}


def find_zone(name_or_code: str) -> pd.Series | None:
    """The zone row for a code, full name (长沙高新技术产业开发区), short name (长沙高新区) or a
    common variant (湖南长沙国家高新区); None when nothing matches exactly."""
    if name_or_code is None:
        return None
    index = _zone_index()
    for v in _zone_name_variants(str(name_or_code)) | {normalize_name(name_or_code)}:
        code = index.get(v)
        if code is not None:
            return _zones().iloc[_zone_position()[code]].copy()
    return None


@cache
def _suggestion_candidates() -> dict[str, str]:
    """Normalised name / short name / code / alias → full zone name."""
    candidates: dict[str, str] = {}
    for _, row in _zones().iterrows():
        for name in (row["name"], row["short_name"], row["code"], *zone_aliases(row)):
            if name:
                candidates.setdefault(normalize_name(name), row["name"])
    return candidates


def zone_name_suggestions(text: str, n: int = 3) -> list[str]:
    """Up to n full zone names closest to text, for the importer's "您是否指 …" hint."""
    candidates = _suggestion_candidates()
    key = normalize_name(text or "")
    if not key:
        return []

    def score(cand: str) -> float:
        # difflib ratio, ties broken by the shared prefix: a mistyped zone usually keeps its first
        # character (株州 → 株洲, not 郴州).
        prefix = len(os.path.commonprefix([key, cand]))
        return difflib.SequenceMatcher(None, key, cand).ratio() + 0.01 * prefix

    scored = sorted(((score(c), c) for c in candidates), reverse=True)
    matches = [c for s, c in scored if s >= 0.4]
    out: list[str] = []
    for m in matches:
        full = candidates[m]
        if full not in out:
            out.append(full)
        if len(out) == n:
            break
    return out


def find_region(name_or_code: str) -> pd.Series | None:
    """The region row for an adcode or an exact name (湘潭县, 湘潭市, 湘潭经开区); None otherwise."""
    if name_or_code is None:
        return None
    rows = _region_index().get(normalize_name(name_or_code), [])
    if len(rows) == 1:  # an ambiguous name (none today, but names do repeat across provinces) → None
        return _regions().iloc[rows[0]].copy()
    return None


@cache
def _region_index() -> dict[str, list[int]]:
    """Normalised code or name → row positions in the regions frame."""
    index: dict[str, list[int]] = {}
    for pos, (code, name) in enumerate(zip(_regions()["code"], _regions()["name"])):
        for key in dict.fromkeys((normalize_name(code), normalize_name(name))):
            index.setdefault(key, []).append(pos)
    return index


def find_unit(text: str) -> tuple[str, str] | None:
    """(unit_type, code) for a name as printed in a plan's decomposition table.

    Zones first (湘潭高新区 is a zone, not a region), then regions, then departments (市科技局) and
    R&D activity categories (规模以上工业企业). Department and category names are ambiguous across
    cities, so they resolve against the shipped departments.yaml only.
    """
    if text is None:
        return None
    zone = find_zone(text)
    if zone is not None:
        return ("zone", zone["code"])
    region = find_region(text)
    if region is not None:
        return (UNIT_TYPE_OF_REGION_LEVEL[region["level"]], region["code"])
    return _named_unit_index().get(normalize_name(text))


@cache
def _named_unit_index() -> dict[str, tuple[str, str]]:
    """Normalised department / category name, full name or alias → (unit_type, code)."""
    index: dict[str, tuple[str, str]] = {}
    data = _yaml("departments.yaml")
    for unit_type, items in (("department", data["departments"]), ("category", data["rd_categories"])):
        for item in items:
            for name in (item["name"], item.get("full_name"), *(item.get("aliases") or [])):
                if name:
                    index.setdefault(normalize_name(name), (unit_type, item["code"]))
    return index


# --------------------------------------------------------------------------- YAML taxonomies

@cache
def _yaml(name: str) -> dict:
    data = _read_yaml(REFERENCE_DIR / name)
    if not isinstance(data, dict) or "source" not in data:
        raise ReferenceDataError(f"参考数据文件 {name} 缺少顶层 source 字段")
    return data


def load_departments() -> list[dict]:
    """责任单位 named in the seeds (省科技厅, 市科技局 …), each with a slug code."""
    return copy.deepcopy(_yaml("departments.yaml")["departments"])


def load_rd_categories() -> list[dict]:
    """R&D activity categories of seed 004 附件1 (规模以上工业企业 …), each with a slug code."""
    return copy.deepcopy(_yaml("departments.yaml")["rd_categories"])


def load_industries() -> list[dict]:
    """The nine 战略性新兴产业 of seed 002 (code SEI01…SEI09, name, fields, keywords)."""
    return copy.deepcopy(_yaml("industries.yaml")["industries"])


def load_new_tracks() -> list[dict]:
    """Seed 000's 新赛道 groups (traditional_upgrade / emerging / future), each with its tracks."""
    return copy.deepcopy(_yaml("new_tracks.yaml")["groups"])


def new_track_index() -> dict[str, dict]:
    """Track code → track dict (with its ``group`` code added), across all groups."""
    out: dict[str, dict] = {}
    for group in load_new_tracks():
        for track in group["tracks"]:
            out[track["code"]] = {**track, "group": group["code"]}
    return out


def load_ladder() -> list[dict]:
    """The enterprise ladder rungs in order (seed 003 专栏5, plus the MIIT rungs, flagged)."""
    return copy.deepcopy(_yaml("ladder.yaml")["rungs"])


def load_ladder_stages() -> list[dict]:
    """The five cultivation stages of seed 003 专栏5 (种子期 … 成熟期), in order."""
    return copy.deepcopy(_yaml("ladder.yaml")["stages"])


# --------------------------------------------------------------------------- frameworks

def user_frameworks_dir() -> Path:
    """``$GAOXIN_HOME/frameworks``: user-supplied frameworks; same name overrides the shipped one."""
    from gaoxin.paths import data_home

    return data_home() / "frameworks"


def _framework_files() -> dict[str, Path]:
    files = {p.stem: p for p in sorted(FRAMEWORKS_DIR.glob("*.yaml"))}
    user_dir = user_frameworks_dir()
    if user_dir.is_dir():
        for pattern in ("*.yaml", "*.yml"):
            for p in sorted(user_dir.glob(pattern)):
                files[p.stem] = p  # the user's copy wins
    return files


def list_frameworks() -> list[str]:
    """Names of the available frameworks (shipped and user-supplied), sorted."""
    return sorted(_framework_files())


def framework_path(name: str) -> Path:
    """Path of framework ``name``: ``$GAOXIN_HOME/frameworks/<name>.yaml`` if present, else shipped."""
    files = _framework_files()
    if name not in files:
        available = "、".join(sorted(files)) or "（无）"
        raise FileNotFoundError(f"找不到评价指标体系“{name}”。可用的指标体系：{available}")
    return files[name]


def load_framework(name: str) -> dict:
    """The parsed framework YAML (top key ``nodes``). Not cached: the user may edit the file."""
    path = framework_path(name)
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
        raise ReferenceDataError(f"评价指标体系文件 {path} 缺少顶层 nodes 列表")
    return data


def iter_framework_nodes(nodes: list[dict], depth: int = 0, parent: str | None = None):
    """Yield (node, depth, parent_code) for every node of a framework tree, depth-first."""
    for node in nodes:
        yield node, depth, parent
        yield from iter_framework_nodes(node.get("children") or [], depth + 1, node.get("code"))


def framework_indicators(doc: dict) -> list[dict]:
    """The indicator (leaf) nodes of a framework doc. A childless node marked ``missing: true`` is a
    documented gap (seed 001's truncated fourth dimension), not an indicator: no data exists for it."""
    return [n for n, _, _ in iter_framework_nodes(doc.get("nodes") or [])
            if not n.get("children") and not n.get("missing")]


def prune_missing(doc: dict) -> dict:
    """A copy of a framework doc without its gap nodes (``missing: true`` and no children), i.e. the
    tree an evaluation can actually compute; the siblings' weights then renormalise as usual."""
    def keep(node: dict) -> dict | None:
        if node.get("missing") and not node.get("children"):
            return None
        out = dict(node)
        if node.get("children"):
            out["children"] = [k for k in (keep(c) for c in node["children"]) if k is not None]
        return out

    pruned = dict(doc)
    pruned["nodes"] = [k for k in (keep(n) for n in doc.get("nodes") or []) if k is not None]
    return pruned


def framework_gaps(doc: dict) -> list[dict]:
    """The gap nodes of a framework doc (``missing: true``), for a warning next to results."""
    return [n for n, _, _ in iter_framework_nodes(doc.get("nodes") or []) if n.get("missing")]


def clear_caches() -> None:
    """Drop cached reads (tests, or after editing a shipped file in a running process)."""
    for fn in (_regions, _zones, _zone_index, _zone_position, _suggestion_candidates, _region_index, _named_unit_index, _yaml):
        fn.cache_clear()


__all__ = [
    "REFERENCE_DIR", "FRAMEWORKS_DIR", "ReferenceDataError", "normalize_name",
    "load_regions", "load_zones", "zone_aliases", "find_zone", "zone_name_suggestions", "find_region", "find_unit",
    "load_departments", "load_rd_categories", "load_industries", "load_new_tracks", "new_track_index",
    "load_ladder", "load_ladder_stages", "user_frameworks_dir", "list_frameworks", "framework_path",
    "load_framework", "iter_framework_nodes", "framework_indicators", "prune_missing", "framework_gaps",
    "clear_caches",
]



# --------------------------------------------------------------------------- import plausibility rules

@cache
def _field_rules_raw() -> dict:
    return _yaml("fields.yaml")


def field_rules() -> dict[str, dict]:
    """Enterprise field code → {min, max, integer, label} (gaoxin/reference/fields.yaml);
    'current_year' is resolved to this year."""
    import datetime
    year = datetime.date.today().year
    out = {}
    for code, rule in (_field_rules_raw().get("fields") or {}).items():
        r = dict(rule)
        for k in ("min", "max"):
            if r.get(k) == "current_year":
                r[k] = year
        out[code] = r
    return out


def unit_rules() -> dict[str, dict]:
    """Indicator unit → {min, max, label} (gaoxin/reference/fields.yaml `by_unit`)."""
    return copy.deepcopy(_field_rules_raw().get("by_unit") or {})


def plausibility_settings() -> dict:
    """plan_horizon_years, founded_min_year, max_abs of gaoxin/reference/fields.yaml."""
    raw = _field_rules_raw()
    return {k: raw[k] for k in ("plan_horizon_years", "founded_min_year", "max_abs")}
