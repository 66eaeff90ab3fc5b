"""The portfolio schema (as data), reference data and header look-up."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from fundmodel.inputs.parameters import Parameters

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SCHEMA_FILE = DATA_DIR / "portfolio_schema.csv"
PROVINCES_FILE = DATA_DIR / "provinces.csv"
ALIASES_FILE = DATA_DIR / "portfolio_aliases.csv"
#: Words people write in a 行业 column -> statutory sector of 国发〔2019〕26号, with sources.
SECTOR_WORDS_FILE = DATA_DIR / "portfolio_sector_words.csv"
#: The sector an unmapped 行业 word takes: "power and all other projects" (a warning says so).
GENERAL_SECTOR = "power_other"

# --------------------------------------------------------------------------- schema


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the portfolio schema (a row of ``portfolio_schema.csv``)."""

    id: str
    type: str
    unit: str
    required: bool
    min: float | None
    max: float | None
    min_exclusive: bool
    label_zh: str
    label_en: str
    aliases: tuple[str, ...]
    description: str

    def label(self, lang: str = "en") -> str:
        """Header label in ``lang``; money columns name the unit, e.g. ``总投资(亿元)``."""
        return self.label_zh if lang == "zh" else self.label_en


_TYPES = {"text", "field", "bank", "province", "sector", "profile", "bool", "money", "share", "int", "number"}
#: Column types read as numbers.
NUMERIC_TYPES = {"money", "share", "int", "number"}


def _optional_float(text: str) -> float | None:
    return float(text) if text.strip() else None


def load_schema(path: Path | str = SCHEMA_FILE) -> dict[str, ColumnSpec]:
    """Read the schema table; a malformed schema file is a programming error (ValueError)."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    schema: dict[str, ColumnSpec] = {}
    for row in rows:
        if row["type"] not in _TYPES:
            raise ValueError(f"{Path(path).name}: column {row['id']!r}: unknown type {row['type']!r}")
        schema[row["id"]] = ColumnSpec(
            id=row["id"],
            type=row["type"],
            unit=row["unit"],
            required=row["required"] == "yes",
            min=_optional_float(row["min"]),
            max=_optional_float(row["max"]),
            min_exclusive=row["min_exclusive"] == "yes",
            label_zh=row["label_zh"],
            label_en=row["label_en"],
            aliases=tuple(a for a in row["aliases"].split("|") if a),
            description=row["description"],
        )
    return schema


#: The portfolio schema, in column order: ``SCHEMA["total_investment_bn"].label_zh == "总投资"``.
SCHEMA: dict[str, ColumnSpec] = load_schema()

#: Cash-flow columns (optional; used by fundmodel.core.cashflow).
CASHFLOW_COLUMNS = [
    "annual_revenue_bn",
    "annual_opex_bn",
    "ramp_years",
    "operating_years",
    "loan_rate",
    "loan_tenor_years",
    "fund_return_rate",
    "fund_term_years",
    "discount_rate",
    "market_equity_rate",
]


def schema_frame() -> pd.DataFrame:
    """The schema as a DataFrame indexed by column id (for tables, Excel, the dashboard)."""
    return pd.DataFrame(
        [
            {
                "id": c.id,
                "type": c.type,
                "unit": c.unit,
                "required": c.required,
                "min": c.min,
                "max": c.max,
                "min_exclusive": c.min_exclusive,
                "label_zh": c.label_zh,
                "label_en": c.label_en,
                "aliases": "|".join(c.aliases),
                "description": c.description,
            }
            for c in SCHEMA.values()
        ]
    ).set_index("id")


def header_label(column_id: str, lang: str = "en", unit: str = "bn") -> str:
    """Header for exports: the label, with the money unit for money columns.

    Example: ``header_label("total_investment_bn", "zh", "yi") == "总投资(亿元)"``, which
    :func:`read_portfolio` reads back.
    """
    spec = SCHEMA[column_id]
    if spec.type != "money":
        return spec.label(lang)
    suffix = {"bn": "bn", "yi": "亿元", "wan": "万元"}[unit]
    return f"{spec.label(lang)}({suffix})" if lang == "zh" else f"{spec.label(lang)} ({suffix})"


# --------------------------------------------------------------------- reference data


def _read_data_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


#: The 31 provincial-level divisions, indexed by id, with ``major_economic`` (bool)
#: marking the 12 major economic provinces, and the source of each row.
PROVINCES: pd.DataFrame = _read_data_csv(PROVINCES_FILE).set_index("id")
PROVINCES["major_economic"] = PROVINCES["major_economic"] == "yes"

#: Ids of the 12 major economic provinces (经济大省).
MAJOR_PROVINCES: tuple[str, ...] = tuple(PROVINCES.index[PROVINCES["major_economic"]])


def norm(text: str) -> str:
    """Normalize a header or a category value for lookup: full-width to ASCII, lower
    case, ``_``/``-`` as spaces, collapsed whitespace."""
    text = str(text).translate(_FULL_WIDTH).strip().lower().replace("_", " ").replace("-", " ")
    return " ".join(text.split())


_FULL_WIDTH = str.maketrans({"（": "(", "）": ")", "【": "[", "】": "]", "％": "%", "，": ",", "：": ":", "　": " "})


_LOOKUP_CACHE: dict[tuple, dict[str, dict[str, str]]] = {}


def _names_of(params: Parameters) -> tuple:
    """What the lookups depend on: the names of the fields, banks and sectors (not the
    leverage values, which change with every edit of an assumption)."""
    return (
        tuple((fid, f.name_zh, f.name_en) for fid, f in params.fields.items()),
        tuple((bid, b.name_zh, b.name_en, b.vehicle_zh) for bid, b in params.banks.items()),
        tuple((sid, c.name_zh, c.name_en) for sid, c in params.capital_ratios.sectors.items()),
    )


def lookups(params: Parameters) -> dict[str, dict[str, str]]:
    """Accepted spellings of each category value: id, Chinese and English names, aliases
    (cached per set of names: parameters that differ only in values share them)."""
    key = _names_of(params)
    hit = _LOOKUP_CACHE.get(key)
    if hit is not None:
        return hit
    if len(_LOOKUP_CACHE) > 16:
        _LOOKUP_CACHE.clear()
    table = _LOOKUP_CACHE[key] = _build_lookups(params)
    return table


def _build_lookups(params: Parameters) -> dict[str, dict[str, str]]:
    aliases = _read_data_csv(ALIASES_FILE)
    out: dict[str, dict[str, str]] = {"field": {}, "bank": {}, "province": {}, "sector": {}, "profile": {}}
    for fid, f in params.fields.items():
        for name in (fid, f.name_zh, f.name_en):
            out["field"][norm(name)] = fid
    for bid, b in params.banks.items():
        for name in (bid, b.name_zh, b.name_en, b.vehicle_zh):
            out["bank"][norm(name)] = bid
    for sid, s in params.capital_ratios.sectors.items():
        for name in (sid, s.name_zh, s.name_en):
            out["sector"][norm(name)] = sid
    for pid, p in PROVINCES.iterrows():
        for name in (pid, p["name_zh"], p["short_zh"], p["name_en"]):
            out["province"][norm(name)] = pid
    for name in ("s_curve", "uniform"):
        out["profile"][norm(name)] = name
    for word, sid in _read_data_csv(SECTOR_WORDS_FILE)[["word", "sector"]].itertuples(index=False):
        if sid in params.capital_ratios.sectors:
            out["sector"].setdefault(norm(word), sid)
    for kind, cid, alias in aliases[["kind", "id", "alias"]].itertuples(index=False):
        known = {
            "field": params.fields,
            "bank": params.banks,
            "province": PROVINCES.index,
            "profile": {"s_curve", "uniform"},
        }[kind]
        if cid in known:
            out[kind][norm(alias)] = cid
    return out


BOOL_WORDS = {
    "yes": True, "y": True, "true": True, "1": True, "1.0": True, "是": True, "√": True, "民营": True,
    "no": False, "n": False, "false": False, "0": False, "0.0": False, "否": False, "×": False, "国有": False,
}  # fmt: skip
#: The ways of writing yes/no the report counts as rewritten (yes/no, true/false, 1/0 are not).
YES_NO_WORDS = frozenset(["y", "是", "√", "n", "否", "×"])

#: Header unit suffixes for money columns -> fundmodel.units ids.
MONEY_UNIT_SUFFIXES = {
    "bn": "bn", "bn rmb": "bn", "rmb bn": "bn", "billion": "bn", "十亿元": "bn",
    "亿元": "yi", "亿": "yi", "yi": "yi", "100 mn": "yi", "100mn": "yi",
    "万元": "wan", "万": "wan", "wan": "wan", "10k": "wan", "10 k": "wan",
}  # fmt: skip
PERCENT_SUFFIXES = {"%", "percent", "pct", "百分比"}
YEAR_SUFFIXES = {"年", "year", "years", "yr", "yrs"}


@lru_cache(maxsize=1)
def _header_lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for spec in SCHEMA.values():
        for name in (spec.id, spec.label_zh, spec.label_en, *spec.aliases):
            table.setdefault(norm(name), spec.id)
    return table


def split_header(header: str) -> tuple[str | None, str | None]:
    """(column id, unit text) of a header, e.g. ``"总投资(亿元)" -> ("total_investment_bn", "亿元")``."""
    lookup = _header_lookup()
    key = norm(header)
    if key in lookup:
        return lookup[key], None
    m = re.fullmatch(r"(.*?)\s*[(\[]\s*([^()\[\]]*?)\s*[)\]]", key)
    if m and m.group(1) in lookup:
        return lookup[m.group(1)], m.group(2)
    for sep in (" ", "/"):  # "total investment bn", "总投资/亿元"
        base, _, tail = key.rpartition(sep)
        if base in lookup and tail:
            return lookup[base], tail
    if "/" in header:  # a two-row header joined: "资金结构/申请金额(万元)" is "申请金额(万元)"
        return split_header(header.rsplit("/", 1)[1])
    return None, None


def unit_of_header(header: str) -> str | None:
    """The unit a header names at its end in brackets, for a header no alias knows that the
    user mapped to a column (``--map``, a mapping profile, the dashboard); None when the
    brackets hold no unit.

    >>> unit_of_header("拟申请工具资金（亿元）"), unit_of_header("资金(拟)")
    ('亿元', None)
    """
    m = re.fullmatch(r"(.*?)\s*[(\[]\s*([^()\[\]]*?)\s*[)\]]", norm(header))
    if m and (m.group(2) in MONEY_UNIT_SUFFIXES or m.group(2) in PERCENT_SUFFIXES or m.group(2) in YEAR_SUFFIXES):
        return m.group(2)
    return None
