"""The one formatter: how a number, a time, a method and a document citation read to a user.

Reports (Word/PDF), Excel exports, the Jinja pages (filters `qty`, `score`, `pct`, `bjtime`, `cite`) and
the browser (`gx.qty` in static/app.js, fed the same table through base.html) all format through the
rules of ``gaoxin/reference/display.yaml``; document citations come from
``gaoxin/reference/documents.yaml``. Units are read from the indicators and targets themselves, never
copied here.
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

import yaml

_REFERENCE = Path(__file__).resolve().parent / "reference"
TIMEZONE = "Asia/Shanghai"


@cache
def rules() -> dict:
    with open(_REFERENCE / "display.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@cache
def _documents() -> dict:
    with open(_REFERENCE / "documents.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


# --------------------------------------------------------------------------- numbers

def is_missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        import pandas as pd
        if v is pd.NA or v is pd.NaT:
            return True
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return isinstance(v, float) and math.isnan(v)


def unit_rule(unit: str | None) -> dict:
    r = rules()
    return dict((r["units"].get(unit or "") or r["default"]))


def _grouped(x: float, decimals: int) -> str:
    return f"{x:,.{decimals}f}"


def number(v: Any, decimals: int = 2) -> str:
    """A bare number with thousands separators and fixed decimals; '—' when missing."""
    if is_missing(v):
        return rules()["missing"]
    return _grouped(float(v), decimals)


def count(v: Any, unit: str = "") -> str:
    """A count as an integer: 10 家, 1,234 件."""
    if is_missing(v):
        return rules()["missing"]
    return f"{int(round(float(v))):,}{unit}"


def year(v: Any) -> str:
    """A year as written in Chinese tables: 2025 (no separator, no decimals)."""
    if is_missing(v):
        return rules()["missing"]
    return str(int(round(float(v))))


def pct(fraction: Any, decimals: int | None = None) -> str:
    """A share kept as a fraction (0.14) shown as percent (14.0%)."""
    if is_missing(fraction):
        return rules()["missing"]
    d = rules()["percent_decimals"] if decimals is None else decimals
    return f"{float(fraction) * 100:,.{d}f}%"


def score(v: Any) -> str:
    """A composite score with the one fixed number of decimals."""
    return number(v, rules()["score_decimals"])


def qty(v: Any, unit: str | None = None, *, fraction: bool = False) -> str:
    """A value of an indicator or target in its declared unit: 26.30亿元 (from 263,006.28 万元),
    14.0%, 10家, 2025年. `fraction=True`: the value is a 0–1 share whatever the unit says."""
    if is_missing(v):
        return rules()["missing"]
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, str):
        try:
            v = float(v)
        except ValueError:
            return v
    x = float(v)
    rule = unit_rule("比例" if fraction else unit)
    kind = rule.get("kind", "number")
    shown = "" if unit is None else unit
    if kind == "count":
        return count(x, shown)
    if kind == "year":
        return f"{int(round(x))}{shown}"
    if kind == "fraction":
        return pct(x, rule.get("decimals"))
    if kind == "percent":
        return f"{_grouped(x, rule.get('decimals', 1))}%"
    if kind == "score":
        return score(x) + shown
    if kind == "money":
        for step in rule.get("scale") or []:
            if abs(x) >= step["at_least"]:
                return _grouped(x / step["divide"], rule.get("decimals", 2)) + step["unit"]
    return _grouped(x, rule.get("decimals", 2)) + shown


def js_rules() -> dict:
    """The part of display.yaml the browser needs (gx.qty), embedded once per page by base.html."""
    r = rules()
    return {"units": r["units"], "default": r["default"], "score_decimals": r["score_decimals"],
            "percent_decimals": r["percent_decimals"], "missing": r["missing"]}


# --------------------------------------------------------------------------- methods

def method_name(step: str, code: str | None) -> str:
    """Chinese name of an evaluation method code (minmax → 最小—最大标准化)."""
    if not code:
        return rules()["missing"]
    return rules()["methods"].get(step, {}).get(code, code)


def zh_methods(text: str) -> str:
    """Replace any method code that slipped into a sentence by its Chinese name (longest codes first,
    whole words only)."""
    names: dict[str, str] = {}
    for table in rules()["methods"].values():
        for code, name in table.items():
            if code not in ("none", "target", "rank", "framework", "mean", "median"):
                names.setdefault(code, name)
    for code in sorted(names, key=len, reverse=True):
        text = re.sub(rf"(?<![A-Za-z_]){re.escape(code)}(?![A-Za-z_])", names[code], text)
    return text


# --------------------------------------------------------------------------- documents

def document_citation(doc: dict) -> str:
    """《title》（文号） or, without a 文号, 《title》（issuer，date）."""
    if doc.get("number"):
        return f"《{doc['title']}》（{doc['number']}）"
    when = str(doc.get("date") or "")
    m = re.match(r"(\d{4})-(\d{2})(?:-(\d{2}))?", when)
    if m:
        when = f"{m.group(1)}年{int(m.group(2))}月" + (f"{int(m.group(3))}日" if m.group(3) else "")
    extra = "，".join(x for x in (doc.get("issuer"), when) if x)
    return f"《{doc['title']}》" + (f"（{extra}）" if extra else "")


def cite(text: Any) -> str:
    """A `source:` text as a reader should see it: seed file names become 《title》（文号）, platform
    table paths their names, repository paths their description; '' for a missing source."""
    if is_missing(text) or text == "":
        return ""
    s = str(text)
    data = _documents()
    for doc in data.get("documents") or []:
        s = re.sub(rf"(?:\S*/)?{re.escape(doc['file'])}", document_citation(doc), s)
    for tab in data.get("tables") or []:
        path = tab["path"]
        base = path.rsplit("/", 1)[-1]
        s = s.replace(path, tab["name"])
        s = re.sub(rf"(?<![\w./]){re.escape(base)}(?!\w)", tab["name"], s)
    for ext in data.get("external") or []:
        s = s.replace(ext["path"], ext["name"])
    for phrase, repl in (data.get("phrases") or {}).items():
        s = s.replace(phrase, repl)
    # a document cited twice in a row (“《A》（…） 《A》（…）”) reads once
    s = re.sub(r"(《[^》]+》(?:（[^）]*）)?)(\s*[；;、，]?\s*\1)+", r"\1", s)
    return s.strip()


# --------------------------------------------------------------------------- times

def bjtime(v: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A time in Beijing time (Asia/Shanghai); naive datetimes are taken as UTC (the store's)."""
    if is_missing(v) or v == "":
        return rules()["missing"]
    from zoneinfo import ZoneInfo
    if isinstance(v, str):
        try:
            v = datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            return v
    if isinstance(v, datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=timezone.utc)
        return v.astimezone(ZoneInfo(TIMEZONE)).strftime(fmt)
    if isinstance(v, date):
        return v.strftime("%Y-%m-%d")
    return str(v)


# --------------------------------------------------------------------------- Jinja

def zone_name(code: Any, short: bool = True) -> str:
    """A zone's Chinese name from its code (reference zones), the short form by default
    (长沙高新区); an unknown code is returned as given."""
    if is_missing(code) or code == "":
        return ""
    from gaoxin.reference import find_zone
    z = find_zone(str(code))
    if z is None:
        return str(code)
    return str((z.get("short_name") if short else None) or z["name"])


_ZONE_CODE = re.compile(r"HN-[NP]-[A-Z0-9]+")


def zone_codes_to_names(text: Any) -> str:
    """Every zone code inside a text (a title, a sheet name, a file name) replaced by the zone's short
    Chinese name: “HN-N-CHANGSHA培育库” → “长沙高新区培育库”."""
    if is_missing(text):
        return ""
    return _ZONE_CODE.sub(lambda m: zone_name(m.group(0)), str(text))


def cell(v: Any) -> str:
    """A table cell of unknown unit: blank when missing, whole numbers without decimals, other
    numbers with two, 是/否, times in Beijing time."""
    if is_missing(v):
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        return f"{v:,.0f}" if v.is_integer() and abs(v) < 1e15 else f"{v:,.2f}"
    if isinstance(v, int):
        return f"{v:,}" if abs(v) >= 10000 else str(v)
    if isinstance(v, (datetime, date)):
        return bjtime(v)
    return str(v)


def citations() -> dict[str, str]:
    """file name or path → the reader's citation, for the browser's gx.cite."""
    data = _documents()
    out = {d["file"]: document_citation(d) for d in data.get("documents") or []}
    out.update({t["path"]: t["name"] for t in data.get("tables") or []})
    out.update({e["path"]: e["name"] for e in data.get("external") or []})
    return out


def register_jinja(env) -> None:
    """Filters for the page templates: {{ v|qty(unit) }}, {{ s|score }}, {{ f|pct }}, {{ t|bjtime }},
    {{ src|cite }}, {{ code|zone_name }}, {{ v|cell }}; `display_rules` for base.html (gx.qty, gx.cite)."""
    env.filters.update(qty=qty, score=score, pct=pct, bjtime=bjtime, cite=cite, count=count, zone_name=zone_name,
                       cell=cell)
    env.globals["display_rules"] = {**js_rules(), "citations": citations(), "timezone": TIMEZONE}
