"""Project portfolios: the schema (as data), reading CSV / XLSX, and validation.

A portfolio is a table with one row per project. Its columns are described once, in
``fundmodel/data/portfolio_schema.csv`` (id, type, unit, required, range, Chinese and
English labels, header aliases, description); the same table drives reading,
validation, dashboard labels and Excel headers (:data:`SCHEMA`).

Reading accepts English ids (``total_investment_bn``), English names and the Chinese
headers of project application sheets (项目名称, 所属领域, 总投资, 项目资本金, 资本金比例,
申请金额, 省份, 开工年份 ...). Money columns declare their unit in the header
(``总投资(亿元)``, ``总投资（万元）``, ``total investment (bn)``) or by the ``unit``
option; a money column whose unit is declared nowhere is an error, never a guess.
CSV files may be UTF-8 (with or without BOM) or GB18030.

Validation reports every problem at once as :class:`ValidationIssue` records naming
the file, the row as the user sees it (the header is row 1), the column as written in
the file, the value and the rule. Nothing is dropped, clipped or changed: a cell that
breaks a rule is reported, and is NaN in the canonical table.

Money in the canonical table is in bn RMB (1 bn = 10 亿元 = 100,000 万元).
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fundmodel.errors import PortfolioError
from fundmodel.inputs.parameters import Parameters, default_parameters
from fundmodel.units import PER_BN

DATA_DIR = Path(__file__).with_name("data")
SCHEMA_FILE = DATA_DIR / "portfolio_schema.csv"
PROVINCES_FILE = DATA_DIR / "provinces.csv"
ALIASES_FILE = DATA_DIR / "portfolio_aliases.csv"

#: Relative tolerance when project capital and capital ratio are both given (rounding).
CAPITAL_CONSISTENCY_TOLERANCE = 0.005
#: Slack on the cap and minimum checks (floating point only; not a policy margin).
RULE_EPSILON = 1e-9


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

    >>> header_label('total_investment_bn', 'zh', 'yi')
    '总投资(亿元)'
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


def _norm(text: str) -> str:
    """Normalize a header or a category value for lookup: full-width to ASCII, lower
    case, ``_``/``-`` as spaces, collapsed whitespace."""
    text = str(text).translate(_FULL_WIDTH).strip().lower().replace("_", " ").replace("-", " ")
    return " ".join(text.split())


_FULL_WIDTH = str.maketrans({"（": "(", "）": ")", "【": "[", "】": "]", "％": "%", "，": ",", "：": ":", "　": " "})


_LOOKUP_CACHE: dict[int, tuple[Parameters, dict[str, dict[str, str]]]] = {}


def _lookups(params: Parameters) -> dict[str, dict[str, str]]:
    """Accepted spellings of each category value: id, Chinese and English names, aliases
    (cached per parameters object)."""
    hit = _LOOKUP_CACHE.get(id(params))
    if hit is not None and hit[0] is params:
        return hit[1]
    if len(_LOOKUP_CACHE) > 16:
        _LOOKUP_CACHE.clear()
    table = _build_lookups(params)
    _LOOKUP_CACHE[id(params)] = (params, table)
    return table


def _build_lookups(params: Parameters) -> dict[str, dict[str, str]]:
    aliases = _read_data_csv(ALIASES_FILE)
    out: dict[str, dict[str, str]] = {"field": {}, "bank": {}, "province": {}, "sector": {}, "profile": {}}
    for fid, f in params.fields.items():
        for name in (fid, f.name_zh, f.name_en):
            out["field"][_norm(name)] = fid
    for bid, b in params.banks.items():
        for name in (bid, b.name_zh, b.name_en, b.vehicle_zh):
            out["bank"][_norm(name)] = bid
    for sid, s in params.capital_ratios.sectors.items():
        for name in (sid, s.name_zh, s.name_en):
            out["sector"][_norm(name)] = sid
    for pid, p in PROVINCES.iterrows():
        for name in (pid, p["name_zh"], p["short_zh"], p["name_en"]):
            out["province"][_norm(name)] = pid
    for name in ("s_curve", "uniform"):
        out["profile"][_norm(name)] = name
    for kind, cid, alias in aliases[["kind", "id", "alias"]].itertuples(index=False):
        known = {"field": params.fields, "bank": params.banks, "profile": {"s_curve", "uniform"}}[kind]
        if cid in known:
            out[kind][_norm(alias)] = cid
    return out


_BOOL = {
    "yes": True, "y": True, "true": True, "1": True, "1.0": True, "是": True, "√": True, "民营": True,
    "no": False, "n": False, "false": False, "0": False, "0.0": False, "否": False, "×": False, "国有": False,
}  # fmt: skip

#: Header unit suffixes for money columns -> fundmodel.units ids.
MONEY_UNIT_SUFFIXES = {
    "bn": "bn", "bn rmb": "bn", "rmb bn": "bn", "billion": "bn", "十亿元": "bn",
    "亿元": "yi", "亿": "yi", "yi": "yi", "100 mn": "yi", "100mn": "yi",
    "万元": "wan", "万": "wan", "wan": "wan", "10k": "wan", "10 k": "wan",
}  # fmt: skip
_PERCENT_SUFFIXES = {"%", "percent", "pct", "百分比"}
_YEAR_SUFFIXES = {"年", "year", "years", "yr", "yrs"}


@lru_cache(maxsize=1)
def _header_lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for spec in SCHEMA.values():
        for name in (spec.id, spec.label_zh, spec.label_en, *spec.aliases):
            table.setdefault(_norm(name), spec.id)
    return table


# -------------------------------------------------------------------------- issues


@dataclass(frozen=True)
class ValidationIssue:
    """One broken rule: where (file, row as seen in the file, column as written), the
    value, the rule and a message. ``row`` is None for file-level problems."""

    file: str
    row: int | None
    column: str
    value: str
    rule: str
    severity: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}" + (f", row {self.row}" if self.row is not None else "")
        col = f", column '{self.column}'" if self.column else ""
        val = f", value {self.value!r}" if self.value != "" else ""
        return f"{where}{col}{val}: [{self.severity}] {self.rule}: {self.message}"


ISSUE_COLUMNS = ["file", "row", "column", "value", "rule", "severity", "message"]
#: The issue table of a portfolio without issues (copied, never handed out).
_EMPTY_ISSUES = pd.DataFrame({c: pd.Series(dtype=object) for c in ISSUE_COLUMNS})


#: Every rule a portfolio is checked against (the ``rule`` of its issues); each has a
#: label in both languages (``fundmodel.labels``: ``rule_<id>``).
RULES: frozenset[str] = frozenset(
    {
        "unknown_column", "duplicate_column", "missing_column", "unknown_unit", "unit_undeclared",
        "missing_value", "not_a_number", "not_an_integer", "negative_amount", "zero_amount", "out_of_range",
        "not_a_boolean", "unknown_field", "unknown_bank", "unknown_province", "unknown_sector", "unknown_profile",
        "inconsistent_capital", "capital_above_investment", "capital_ratio_below_minimum", "fund_above_cap",
        "other_public_above_capital", "duplicate_id", "unknown_column_name",
    }
)  # fmt: skip


def _known_rule(rule: str) -> None:
    if rule not in RULES:  # a programming error: a new rule needs its entry (and labels)
        raise ValueError(f"undeclared portfolio rule {rule!r}: add it to fundmodel.inputs.portfolio.RULES")


class _Issues:
    """Collects issues as small DataFrames (one per rule and column: vectorized)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.parts: list[pd.DataFrame] = []

    def add(self, row: int | None, column: str, value: Any, rule: str, message: str, severity: str = "error") -> None:
        _known_rule(rule)
        self.parts.append(
            pd.DataFrame(
                [[self.file, row, column, "" if value is None else str(value), rule, severity, message]],
                columns=ISSUE_COLUMNS,
            )
        )

    def add_rows(
        self,
        mask: np.ndarray,
        rows: np.ndarray,
        column: str,
        values: pd.Series | np.ndarray,
        rule: str,
        message: str | Callable[[np.ndarray], Any],
        severity: str = "error",
    ) -> None:
        """Issues for the rows in ``mask``; ``message`` is a string or a function of the
        masked row positions returning one message per row (built only for those rows)."""
        _known_rule(rule)
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        vals = [_excel_text(v) for v in np.asarray(values, dtype=object)[mask]]
        msgs = message if isinstance(message, str) else list(message(np.flatnonzero(mask)))
        self.parts.append(
            pd.DataFrame(
                {
                    "file": self.file,
                    "row": rows[mask],
                    "column": column,
                    "value": vals,
                    "rule": rule,
                    "severity": severity,
                    "message": msgs,
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return _EMPTY_ISSUES.copy()
        out = pd.concat(self.parts, ignore_index=True)
        out["row"] = out["row"].astype("Int64")
        return out.sort_values(["row", "column"], kind="stable", na_position="first").reset_index(drop=True)


# ----------------------------------------------------------------------- portfolio


def _file_level(issues: pd.DataFrame) -> pd.DataFrame:
    """The file-level issues (headers, units: row 1 or no row), in order."""
    row = issues["row"]
    return issues[(row.isna() | (row == 1)).to_numpy(dtype=bool)].reset_index(drop=True)


def _same_file_level(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Whether two issue tables hold the same file-level issues."""
    if not len(a) and not len(b):
        return True
    return _file_level(a).astype(str).equals(_file_level(b).astype(str))


def _positions(index: pd.Index, rows: list[int]) -> np.ndarray:
    """Positions of ``rows`` in a table's row-number index (-1 where absent).

    Example: index [2, 3, 5], rows [3, 4] -> [1, -1].

    >>> _positions(pd.Index([2, 3, 5]), [3, 4]).tolist()
    [1, -1]
    """
    values = index.to_numpy()
    wanted = np.asarray(rows, dtype=np.int64)
    if index.is_monotonic_increasing:  # file row numbers: no hash table needed
        at = np.clip(np.searchsorted(values, wanted), 0, max(len(values) - 1, 0))
        found = len(values) > 0 and values[at] == wanted
        return np.where(found, at, -1)
    return index.get_indexer(wanted)


def _same_cells(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two columns hold the same cells (NaN / None equal to themselves).

    Example: [1.0, nan] and [1.0, nan] -> True; ["a"] and ["b"] -> False.

    >>> _same_cells(np.array([1.0, np.nan]), np.array([1.0, np.nan])), _same_cells(np.array(['a']), np.array(['b']))
    (True, False)
    """
    if len(a) != len(b):
        return False
    return bool(all(x == y or (_missing(x) and _missing(y)) for x, y in zip(a.tolist(), b.tolist(), strict=True)))


def _fits(dtype: np.dtype, value: Any) -> bool:
    """Whether ``value`` can be stored in a column of ``dtype`` as it is (no cast).

    Example: float64 takes 1.5 and 2; int64 takes 2, not 1.5; object takes anything.

    >>> _fits(np.dtype('float64'), 1.5), _fits(np.dtype('float64'), 2)
    (True, True)
    >>> _fits(np.dtype('int64'), 2), _fits(np.dtype('int64'), 1.5), _fits(np.dtype('O'), 'x')
    (True, False, True)
    """
    if dtype.kind == "O":
        return True
    if isinstance(value, bool | np.bool_):
        return dtype.kind == "b"
    if dtype.kind == "f":
        return isinstance(value, int | float | np.integer | np.floating)
    if dtype.kind in "iu":
        return isinstance(value, int | np.integer)
    return False


class Portfolio:
    """A read and validated portfolio.

    * ``frame``: the canonical table, one row per data row of the file, indexed by the
      row number as seen in the file (header = row 1). Columns are the schema ids; money
      in bn RMB; shares as fractions. Empty optional columns take the field's parameter
      (sector, shortfall flag, phasing, additionality, infrastructure share); cells that
      broke a rule are NaN and ``valid`` is False on their row.
    * ``columns``: the same table as one array per column (the model's fast path; the
      frame is built from them on first use).
    * ``issues``: every problem found (DataFrame with :data:`ISSUE_COLUMNS`).
    * ``source``: the file name; ``headers``: column id -> header as written;
      ``units``: money column id -> the unit it was read in.
    * ``params_fingerprint``: the parameters it was validated under (caps, statutory
      minimums and field defaults depend on them); :meth:`under` validates it again
      under other parameters from the ``raw`` table it was read from.

    Build it from a ``frame``, or from ``columns`` and their ``index``. Treat it as
    read-only: :meth:`with_edits` and :meth:`under` return new portfolios.
    """

    def __init__(
        self,
        frame: pd.DataFrame | None = None,
        issues: pd.DataFrame | None = None,
        source: str = "portfolio",
        headers: dict[str, str] | None = None,
        units: dict[str, str] | None = None,
        raw: pd.DataFrame | None = None,
        unit_option: str | None = None,
        params_fingerprint: str = "",
        *,
        columns: dict[str, np.ndarray] | None = None,
        index: pd.Index | None = None,
    ) -> None:
        if frame is None and (columns is None or index is None):
            raise TypeError("a Portfolio needs a frame, or columns and their index")
        self._frame = frame
        self._columns = columns
        self.index: pd.Index = frame.index if frame is not None else index  # type: ignore[assignment]
        self.issues = _EMPTY_ISSUES.copy() if issues is None else issues
        self.source = source
        self.headers = dict(headers or {})
        self.units = dict(units or {})
        self.raw = raw
        self.unit_option = unit_option
        self.params_fingerprint = params_fingerprint
        self._revalidated: dict[str, Portfolio] = {}
        self._derived: dict[Any, tuple[frozenset[str], Any]] = {}

    def __repr__(self) -> str:
        return f"Portfolio(source={self.source!r}, projects={len(self.index):,}, errors={self.n_errors:,})"

    @property
    def frame(self) -> pd.DataFrame:
        """The canonical table (see the class docstring), built once from the columns."""
        if self._frame is None:
            self._frame = pd.DataFrame(self._columns, index=self.index, copy=False)
        return self._frame

    def derived(self, key: Any, depends_on: Iterable[str], compute: Callable[[], Any]) -> Any:
        """A value computed from some columns, once: ``compute()`` on first use, kept with
        the portfolio under ``key``. :meth:`with_edits` hands it on to the edited portfolio
        when the edits leave the columns it ``depends_on`` alone (a fund edit keeps the
        projects' group codes and phasing). Treat the value as read-only.

        Example: ``p.derived(("codes", "field"), ["field"], lambda: codes_of(p))``.

        >>> from fundmodel.inputs.bundled import PORTFOLIO_DIR
        >>> p = read_portfolio(PORTFOLIO_DIR / 'first_batch_examples.csv')
        >>> calls = []
        >>> count_fields = lambda: calls.append(1) or p.frame['field'].nunique()
        >>> p.derived('n_fields', ['field'], count_fields), p.derived('n_fields', ['field'], count_fields), len(calls)
        (3, 3, 1)
        """
        hit = self._derived.get(key)
        if hit is None:
            hit = (frozenset(depends_on), compute())
            self._derived[key] = hit
        return hit[1]

    @property
    def columns(self) -> dict[str, np.ndarray]:
        """The canonical table as one array per column, without a pandas lookup per
        column: the model's fast path. Read them, do not write."""
        if self._columns is None:
            self._columns = {str(c): self.frame[c].to_numpy() for c in self.frame.columns}
        return self._columns

    def with_edits(self, edits: Mapping[tuple[int, str], Any], params: Parameters | None = None) -> Portfolio:
        """This portfolio with some cells changed, validated again: a new portfolio (this
        one is left as it is) equal to reading the edited file.

        ``edits`` maps (row as seen in the file, column id or header as written) to the new
        cell, text or number as a user would type it, e.g. ``{(2, "fund_requested_bn"): 1.5}``.
        Only the edited rows are parsed again when that gives the same answer as parsing
        the whole table: every rule is local to a row except duplicate project ids and
        file-level rules (headers, undeclared units), so an edit of ``project_id``, a
        portfolio with duplicate ids, or an edit that changes a file-level issue is
        validated in full. ``params``: the parameters to validate under (default: the
        bundled ones); under other parameters than this portfolio's, the whole table is
        validated again.

        Example: ``p.with_edits({(2, "总投资(亿元)"): "120"}, params)`` re-validates row 2.

        >>> from fundmodel.inputs.bundled import PORTFOLIO_DIR
        >>> p = read_portfolio(PORTFOLIO_DIR / 'first_batch_examples.csv')
        >>> edited = p.with_edits({(2, 'fund_requested_bn'): '4.0'})
        >>> float(p.frame['fund_requested_bn'].iloc[0]), float(edited.frame['fund_requested_bn'].iloc[0])
        (3.199, 4.0)
        >>> [(issue.row, issue.rule) for issue in edited.errors]
        [(2, 'fund_above_cap')]
        """
        if self.raw is None:
            raise PortfolioError(f"{self.source}: this portfolio has no raw table to edit")
        p = params or default_parameters()
        raw = self.raw.copy()
        cells: dict[str, dict[int, Any]] = {}
        for (row, column), value in edits.items():
            header = column if column in raw.columns else self.headers.get(column)
            if header is None:
                raise PortfolioError(f"{self.source}: no column {column!r} to edit")
            cells.setdefault(str(header), {})[row] = value
        rows = sorted({row for by_row in cells.values() for row in by_row})
        positions = _positions(raw.index, rows)
        if (positions < 0).any():
            missing = [r for r, i in zip(rows, positions, strict=True) if i < 0]
            first, last = raw.index.min(), raw.index.max()
            raise PortfolioError(f"{self.source}: no row {missing[0]} to edit (rows {first}-{last})")
        at = dict(zip(rows, positions.tolist(), strict=True))
        for header, by_row in cells.items():
            values = raw[header].to_numpy()
            # A column read as numbers takes a number of its kind; anything else makes it a text column.
            values = values.copy() if all(_fits(values.dtype, v) for v in by_row.values()) else values.astype(object)
            for row, value in by_row.items():
                values[at[row]] = value
            raw[header] = values
        edited_ids = {_split_header(h)[0] for h in cells}
        full = (
            not rows
            or p.fingerprint != self.params_fingerprint
            or "project_id" in edited_ids
            or (len(self.issues) > 0 and bool((self.issues["rule"] == "duplicate_id").any()))
        )
        if not full:
            part = parse_portfolio(raw.iloc[positions], self.unit_option, p, self.source)
            if _same_file_level(part.issues, self.issues):
                return self._spliced(part, raw, rows, positions)
        return parse_portfolio(raw, self.unit_option, p, self.source)

    def _spliced(self, part: Portfolio, raw: pd.DataFrame, rows: list[int], positions: np.ndarray) -> Portfolio:
        """This portfolio with the rows of ``part`` (the edited rows, validated alone) put
        in place of its own, and their issues in place of theirs (same order as a full
        validation: by row, then column, then the order the rules run in)."""
        columns = {}
        changed: set[str] = set()
        for cid, values in self.columns.items():
            cells = part.columns[cid]
            if not _same_cells(values[positions], cells):
                changed.add(cid)
            values = values.copy()
            values[positions] = cells
            columns[cid] = values
        issues = self.issues
        if len(issues) or len(part.issues):
            kept = issues[~issues["row"].isin(rows).to_numpy(dtype=bool)]
            new = part.issues[part.issues["row"].isin(rows).to_numpy(dtype=bool)]
            if len(kept) + len(new) == 0:
                issues = _EMPTY_ISSUES.copy()
            else:
                parts = [t for t in (kept, new) if len(t)]  # an empty part would change the dtypes
                issues = pd.concat(parts, ignore_index=True)
                issues["row"] = issues["row"].astype("Int64")
                issues = issues.sort_values(["row", "column"], kind="stable", na_position="first")
                issues = issues.reset_index(drop=True)
        edited = Portfolio(
            columns=columns,
            index=self.index,
            issues=issues,
            source=self.source,
            headers=dict(self.headers),
            units=dict(self.units),
            raw=raw,
            unit_option=self.unit_option,
            params_fingerprint=self.params_fingerprint,
        )
        # Values derived from canonical columns the edits left as they were stay valid.
        edited._derived = {k: v for k, v in self._derived.items() if not (v[0] & changed)}
        return edited

    def under(self, params: Parameters) -> Portfolio:
        """This portfolio validated under ``params``: itself when they are the parameters it
        was read with, else parsed again from its raw table, so that field defaults (empty
        additionality, infrastructure share, sector, phasing), caps and statutory minimums
        follow the scenario instead of staying those of the first reading.

        Example: a scenario raising transport's additionality raises the net investment of
        every transport project that gave none of its own.

        >>> from fundmodel.inputs.bundled import PORTFOLIO_DIR
        >>> p = read_portfolio(PORTFOLIO_DIR / 'first_batch_examples.csv')
        >>> q = default_parameters().with_overrides({'fields': {'transport_logistics': {'additionality': 0.8}}})
        >>> p.frame['additionality'].tolist(), p.under(q).frame['additionality'].tolist()
        ([0.55, 0.55, 0.6, 0.6, 0.6], [0.8, 0.55, 0.6, 0.6, 0.6])
        """
        fingerprint = params.fingerprint
        if fingerprint == self.params_fingerprint or self.raw is None:
            return self
        if fingerprint not in self._revalidated:
            if len(self._revalidated) >= 8:  # a few scenarios at a time; keep memory bounded
                self._revalidated.pop(next(iter(self._revalidated)))
            self._revalidated[fingerprint] = parse_portfolio(self.raw, self.unit_option, params, self.source)
        return self._revalidated[fingerprint]

    @property
    def errors(self) -> list[ValidationIssue]:
        return self.issue_records("error")

    @property
    def warnings(self) -> list[ValidationIssue]:
        return self.issue_records("warning")

    @cached_property
    def n_errors(self) -> int:
        """How many errors (computed once: a portfolio's issues do not change)."""
        return int(np.count_nonzero(self.issues["severity"].to_numpy() == "error"))

    @property
    def ok(self) -> bool:
        """True when no rule is broken (warnings allowed)."""
        return self.n_errors == 0

    def issue_records(self, severity: str | None = None) -> list[ValidationIssue]:
        """The issues as :class:`ValidationIssue` records (optionally of one severity)."""
        table = self.issues if severity is None else self.issues[self.issues["severity"] == severity]
        return [
            ValidationIssue(
                file=r.file,
                row=None if pd.isna(r.row) else int(r.row),
                column=r.column,
                value=r.value,
                rule=r.rule,
                severity=r.severity,
                message=r.message,
            )
            for r in table.itertuples(index=False)
        ]

    def report(self, limit: int | None = None) -> str:
        """A readable validation report: a summary line, then one line per issue."""
        n_rows = len(self.frame)
        n_err = self.n_errors
        n_warn = int((self.issues["severity"] == "warning").sum())
        head = f"{self.source}: {n_rows:,} projects, {n_err:,} errors, {n_warn:,} warnings"
        if n_err == 0:
            head += " - valid"
        records = self.issue_records()
        lines = [head] + [f"  {r}" for r in records[:limit]]
        if limit is not None and len(records) > limit:
            lines.append(f"  ... and {len(records) - limit:,} more")
        return "\n".join(lines)

    def require_valid(self) -> Portfolio:
        """Return self, or raise :class:`PortfolioError` listing the first errors."""
        if not self.ok:
            first = "; ".join(str(e) for e in self.errors[:5])
            more = f" (and {self.n_errors - 5} more; run 'fundmodel validate')" if self.n_errors > 5 else ""
            raise PortfolioError(f"{self.source}: {self.n_errors} validation errors: {first}{more}")
        return self

    @property
    def valid_frame(self) -> pd.DataFrame:
        """Rows without errors."""
        return self.frame[self.frame["valid"]]


# -------------------------------------------------------------------------- reading


def _decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), else GB18030; anything else is an error."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise PortfolioError(f"{name}: not UTF-8 or GB18030 text (byte {exc.start})") from None


def read_table(path: Path | str, sheet: str | int | None = None) -> pd.DataFrame:
    """The raw table of a CSV or XLSX file, headers as written, index = row number in the
    file (header = row 1). Cells are text, except CSV columns whose header names a numeric
    schema column: pandas parses those in C (numbers stay exact; a column holding any
    text stays text, checked cell by cell). Empty cells are NaN or ''. Fully empty rows
    are skipped (the other rows keep their numbers)."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            raw = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=object, header=None)
            if raw.empty:
                raise PortfolioError(f"{path.name}: the sheet is empty (no header row)")
            raw = raw.fillna("").map(_excel_text)
            header = [str(h).strip() for h in raw.iloc[0].tolist()]
            body = raw.iloc[1:]
            body.index = np.arange(2, len(raw) + 1)
        elif suffix in (".csv", ".txt", ""):
            if sheet is not None:
                raise PortfolioError(f"{path.name}: --sheet applies to XLSX files only")
            text = _decode(path.read_bytes(), path.name)
            header = [h.strip() for h in next(csv.reader(io.StringIO(text[: text.find("\n") + 1 or None])), [])]
            if not any(header):
                raise PortfolioError(f"{path.name}: the file is empty (no header row)")
            text_columns = {
                i: str
                for i, h in enumerate(header)
                if (cid := _split_header(h)[0]) is None or SCHEMA[cid].type not in NUMERIC_TYPES
            }
            with warnings.catch_warnings():
                # pandas warns (and drops cells) when a row is longer than the header: refuse instead.
                warnings.simplefilter("error", pd.errors.ParserWarning)
                try:
                    body = pd.read_csv(
                        io.StringIO(text),
                        header=0,
                        names=list(range(len(header))),
                        index_col=False,
                        dtype=text_columns,
                        keep_default_na=False,
                        na_values=[""],
                        skip_blank_lines=False,
                    )
                except pd.errors.ParserWarning:
                    raise PortfolioError(_long_row(text, len(header), path.name)) from None
            body.index = np.arange(2, len(body) + 2)
        else:
            raise PortfolioError(f"{path.name}: unsupported file type {suffix!r} (use .csv or .xlsx)")
    except (OSError, PortfolioError):
        raise
    except pd.errors.ParserError as exc:
        detail = " ".join(str(exc).split()).replace("Error tokenizing data. C error: ", "")
        raise PortfolioError(f"{path.name}: cannot parse CSV ({detail}; quote cells that contain commas)") from None
    except ValueError as exc:  # unknown sheet, malformed workbook
        raise PortfolioError(f"{path.name}: {' '.join(str(exc).split())}") from None
    except Exception as exc:  # openpyxl raises its own errors on corrupt files
        raise PortfolioError(f"{path.name}: cannot read ({type(exc).__name__}: {exc})") from None
    body.columns = range(len(header))
    missing = body.isna() | (body == "")
    body = body[~missing.all(axis=1).to_numpy()]
    # Columns without a header and without values (spreadsheet padding) are dropped.
    keep = [i for i, h in enumerate(header) if h or not missing[i].all()]
    body = body[keep]
    body.columns = [header[i] if header[i] else f"(column {i + 1})" for i in keep]
    return body


def _long_row(text: str, n_header: int, name: str) -> str:
    """Message naming the first row with more cells than the header."""
    for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        if len(cells) > n_header:
            return (
                f"{name}: row {number} has {len(cells)} cells but the header has {n_header} "
                "(quote cells that contain commas)"
            )
    return f"{name}: a row has more cells than the header (quote cells that contain commas)"


def _excel_text(v: Any) -> str:
    """Cells to text: integral floats without '.0', NaN/None as '', else via str."""
    if isinstance(v, str):
        return v
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return "" if v is None else str(v)


def read_portfolio(
    path: Path | str,
    unit: str | None = None,
    sheet: str | int | None = None,
    params: Parameters | None = None,
) -> Portfolio:
    """Read and validate a portfolio file (CSV or XLSX).

    ``unit`` ("bn", "yi" = 亿元, "wan" = 万元) applies to money columns whose header
    declares no unit; ``sheet`` picks an XLSX sheet (name or 0-based index; default the
    first). Raises :class:`PortfolioError` only when the file cannot be read as a table;
    rule violations are in ``Portfolio.issues``.

    Example: ``read_portfolio("portfolios/first_batch_examples.csv").ok`` is True.

    >>> from fundmodel.inputs.bundled import PORTFOLIO_DIR
    >>> read_portfolio(PORTFOLIO_DIR / 'first_batch_examples.csv').ok
    True
    """
    path = Path(path)
    return parse_portfolio(read_table(path, sheet), unit=unit, params=params, source=path.name)


def validate_portfolio(
    source: Path | str | pd.DataFrame,
    unit: str | None = None,
    sheet: str | int | None = None,
    params: Parameters | None = None,
) -> list[ValidationIssue]:
    """Every problem of a portfolio file (or raw table) at once, as records."""
    if isinstance(source, pd.DataFrame):
        return parse_portfolio(source.fillna("").astype(str), unit=unit, params=params).issue_records()
    return read_portfolio(source, unit=unit, sheet=sheet, params=params).issue_records()


# ----------------------------------------------------------------------- parsing


def _split_header(header: str) -> tuple[str | None, str | None]:
    """(column id, unit text) of a header, e.g. ``"总投资(亿元)" -> ("total_investment_bn", "亿元")``."""
    lookup = _header_lookup()
    key = _norm(header)
    if key in lookup:
        return lookup[key], None
    m = re.fullmatch(r"(.*?)\s*[(\[]\s*([^()\[\]]*?)\s*[)\]]", key)
    if m and m.group(1) in lookup:
        return lookup[m.group(1)], m.group(2)
    for sep in (" ", "/"):  # "total investment bn", "总投资/亿元"
        base, _, tail = key.rpartition(sep)
        if base in lookup and tail:
            return lookup[base], tail
    return None, None


def _parse_number(
    raw: pd.Series, allow_percent: bool = False, percent_header: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse text cells to floats: returns (values, empty, bad).

    Fast path: one C-level ``pd.to_numeric`` over the column; only cells it cannot read
    are looked at again (stripped; ``20%`` as 0.2 where ``allow_percent``; thousands
    separators only in proper groups, ``1,234.5``). inf and nan are not numbers. Under a
    ``(%)`` header (``percent_header``) plain numbers are percentages too: 20 -> 0.2.
    """
    if raw.dtype.kind in "iuf":  # already numbers (a CSV column read in C): NaN is empty, inf is bad
        numbers = raw.to_numpy(dtype=float)
        values = np.where(np.isfinite(numbers), numbers, np.nan)
        return values / 100.0 if percent_header else values, np.isnan(numbers), np.isinf(numbers)
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, copy=True)
    failed = ~np.isfinite(values)
    values[failed] = np.nan
    if percent_header:  # the header says "(%)": plain numbers are percentages
        values = values / 100.0
    empty = np.zeros(len(raw), dtype=bool)
    bad = np.zeros(len(raw), dtype=bool)
    idx = np.flatnonzero(failed)
    if len(idx):
        cells = raw.to_numpy(dtype=object)[idx]
        blank = pd.isna(cells) | (cells == "")
        empty[idx[blank]] = True
        idx = idx[~blank]
    if len(idx):
        text = raw.iloc[idx].astype(str).str.strip()
        is_empty = (text == "").to_numpy()
        pct = text.str.endswith("%").to_numpy() if allow_percent else np.zeros(len(idx), dtype=bool)
        text = text.where(~pct, text.str[:-1].str.strip())
        grouped = text.str.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?").to_numpy(dtype=bool)
        text = text.where(~grouped, text.str.replace(",", "", regex=False))
        again = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
        again = np.where(pct | percent_header, again / 100.0, again)
        ok = np.isfinite(again)
        values[idx] = np.where(ok, again, np.nan)
        empty[idx] = is_empty
        bad[idx] = ~ok & ~is_empty
    return values, empty, bad


#: Up to this many cells, :func:`_factorize` works in Python: pandas' fixed cost per call
#: dominates on the few rows an edit re-validates.
SMALL_TABLE = 64


def _factorize(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Codes and distinct values in order of appearance, missing cells (None, NaN) coded
    -1: ``pd.factorize`` of an object array.

    Example: ["b", None, "a", "b"] -> codes [0, -1, 1, 0], uniques ["b", "a"].

    >>> codes, uniques = _factorize(np.array(['b', None, 'a', 'b'], dtype=object))
    >>> codes.tolist(), uniques
    ([0, -1, 1, 0], ['b', 'a'])
    """
    if len(values) > SMALL_TABLE:
        codes, uniques = pd.factorize(values)
        return codes, list(uniques)
    seen: dict[Any, int] = {}
    codes = np.array([-1 if _missing(v) else seen.setdefault(v, len(seen)) for v in values], dtype=np.intp)
    return codes, list(seen)


def _missing(value: Any) -> bool:
    """None, NaN, NA or NaT (what ``pd.factorize`` leaves out)."""
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def _lookup_codes(raw: pd.Series, convert: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Convert cells via their unique values only (fast on a million rows).

    ``convert(text)`` maps one stripped cell to its value or None. Returns (values as an
    object array, empty, bad)."""
    codes, uniques = _factorize(raw.to_numpy(dtype=object))
    stripped = [str(u).strip() for u in uniques]
    converted = [convert(u) if u else None for u in stripped]
    mapped = np.array([*converted, None], dtype=object)
    blank = np.array([not u for u in stripped] + [True], dtype=bool)
    unknown = np.array([v is None for v in converted] + [True], dtype=bool)
    empty = blank[codes]
    return mapped[codes], empty, ~empty & unknown[codes]


def _fmt_range(spec: ColumnSpec) -> str:
    lo = "(" if spec.min_exclusive else "["
    low = "-inf" if spec.min is None else f"{spec.min:g}"
    high = "inf" if spec.max is None else f"{spec.max:g}"
    return f"{lo}{low}, {high}]"


def parse_portfolio(
    table: pd.DataFrame,
    unit: str | None = None,
    params: Parameters | None = None,
    source: str = "portfolio",
) -> Portfolio:
    """Validate a raw table (text cells, headers as written, index = file row numbers)
    and build the canonical portfolio. See :func:`read_portfolio`."""
    if unit is not None and unit not in PER_BN:
        raise PortfolioError(f"unknown money unit {unit!r} (use one of {', '.join(PER_BN)})")
    p = params or default_parameters()
    issues = _Issues(source)
    rows = np.asarray(table.index, dtype=np.int64)
    n = len(table)

    # --- headers -----------------------------------------------------------------
    headers: dict[str, str] = {}
    unit_text: dict[str, str | None] = {}
    columns: dict[str, pd.Series] = {}
    for header, column in table.items():
        header = str(header)
        cid, utext = _split_header(header)
        if cid is None:
            issues.add(1, header, header, "unknown_column", "not a portfolio column; it is ignored", "warning")
            continue
        if cid in headers:
            issues.add(
                1, header, header, "duplicate_column", f"same column as '{headers[cid]}' ({cid}); only one is allowed"
            )
            continue
        headers[cid] = header
        columns[cid] = column
        unit_text[cid] = utext
    for spec in SCHEMA.values():
        if spec.required and spec.id not in headers:
            names = f"{spec.label_zh} / {spec.id}"
            issues.add(1, spec.id, "", "missing_column", f"required column is missing ({names})")
    if "capital_ratio" not in headers and "project_capital_bn" not in headers:
        issues.add(
            1,
            "capital_ratio",
            "",
            "missing_column",
            "give the capital ratio (资本金比例) or project capital (项目资本金)",
        )

    # --- cells ---------------------------------------------------------------------
    lookups = _lookups(p)
    out: dict[str, Any] = {}
    bad_any = np.zeros(n, dtype=bool)
    units: dict[str, str] = {}
    empties: dict[str, np.ndarray] = {}
    raws: dict[str, pd.Series] = {}
    for cid, header in headers.items():
        spec = SCHEMA[cid]
        raw = columns[cid]
        utext = unit_text[cid]
        kind = spec.type
        percent_header = kind == "share" and utext is not None and _norm(utext) in _PERCENT_SUFFIXES
        if kind in NUMERIC_TYPES:
            v, empty, bad = _parse_number(raw, allow_percent=kind == "share", percent_header=percent_header)
        elif kind == "bool":
            v, empty, bad = _lookup_codes(raw, lambda t: _BOOL.get(t.lower()))
        elif kind in ("field", "bank", "province", "sector", "profile"):
            table_of = lookups[kind]
            v, empty, bad = _lookup_codes(raw, lambda t, tab=table_of: tab.get(_norm(t)))
        else:
            v = _text_cells(raw)
            empty, bad = v == "", np.zeros(n, dtype=bool)
        empties[cid] = empty
        raws[cid] = raw
        if kind == "money":
            if utext is not None and _norm(utext) in MONEY_UNIT_SUFFIXES:
                col_unit = MONEY_UNIT_SUFFIXES[_norm(utext)]
            elif utext is not None:
                issues.add(1, header, header, "unknown_unit", f"unknown money unit '{utext}' (use bn, 亿元 or 万元)")
                col_unit = None
            elif _norm(header) == _norm(cid):
                col_unit = "bn"  # the canonical id names its unit (_bn)
            else:
                col_unit = unit
            if col_unit is None and utext is None and not empty.all():
                issues.add(
                    1,
                    header,
                    header,
                    "unit_undeclared",
                    "money unit not declared: write it in the header, e.g. '总投资(亿元)', or pass --input-unit",
                )
            if col_unit is not None:
                units[cid] = col_unit
        elif utext is not None and not percent_header and not (kind == "int" and _norm(utext) in _YEAR_SUFFIXES):
            issues.add(1, header, header, "unknown_unit", f"unit '{utext}' does not apply to {spec.label_en}")

        if spec.required:
            required = f"{spec.label_en} ({spec.label_zh}) is required"
            issues.add_rows(empty, rows, header, raw, "missing_value", required)
        if kind in NUMERIC_TYPES:
            issues.add_rows(bad, rows, header, raw, "not_a_number", "not a number")
            if kind == "int":
                frac = ~bad & ~empty & (v != np.round(v))
                issues.add_rows(frac, rows, header, raw, "not_an_integer", "must be a whole number")
                bad |= frac
            if kind == "money":
                v = v / PER_BN.get(units.get(cid, ""), np.nan)
            with np.errstate(invalid="ignore"):
                low_bad = np.zeros(n, dtype=bool)
                if spec.min is not None:
                    low_bad = (v <= spec.min) if spec.min_exclusive else (v < spec.min)
                high_bad = (v > spec.max) if spec.max is not None else np.zeros(n, dtype=bool)
            if kind == "money":
                neg = v < 0
                issues.add_rows(neg, rows, header, raw, "negative_amount", "amounts cannot be negative")
                zero = low_bad & ~neg
                issues.add_rows(zero, rows, header, raw, "zero_amount", "must be greater than zero")
                bad |= neg | zero
            else:
                rng = (low_bad | high_bad) & ~bad
                issues.add_rows(rng, rows, header, raw, "out_of_range", f"must be in {_fmt_range(spec)}")
                bad |= rng
            v = np.where(bad, np.nan, v)
        elif kind == "bool":
            issues.add_rows(bad, rows, header, raw, "not_a_boolean", "must be yes/no (是/否, true/false, 1/0)")
        elif kind != "text":
            ids = sorted(set(lookups[kind].values()))
            known = ", ".join(ids) if len(ids) <= 12 else "see fundmodel/data/provinces.csv"
            issues.add_rows(bad, rows, header, raw, f"unknown_{kind}", f"unknown {kind} (known: {known})")
        out[cid] = v
        bad_any |= bad | (empty & spec.required)

    data = _canonical(out, n, p)
    bad_rules = _cross_checks(data, headers, empties, raws, rows, issues, p)
    valid = ~(bad_any | bad_rules)
    frame_issues = issues.frame()
    if len(frame_issues):
        # A file-level error (missing column, undeclared unit) invalidates every row.
        file_level = frame_issues[(frame_issues["row"] == 1) & (frame_issues["severity"] == "error")]
        if len(file_level):
            valid[:] = False
        row_errors = frame_issues.loc[frame_issues["severity"] == "error", "row"].dropna().astype(np.int64)
        valid[np.isin(rows, row_errors.to_numpy())] = False
    data["valid"] = valid
    return Portfolio(
        columns=data,
        index=pd.Index(rows, name="row"),
        issues=frame_issues,
        source=source,
        headers=headers,
        units=units,
        raw=table,
        unit_option=unit,
        params_fingerprint=p.fingerprint,
    )


def _text_cells(raw: pd.Series) -> np.ndarray:
    """Text cells stripped, empty ones (NaN, None) as "" (object array)."""
    cells = raw.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(cells, skipna=False) == "string":  # every cell is text: the usual case
        return np.array(list(map(str.strip, cells)), dtype=object)
    return np.array([c.strip() if isinstance(c, str) else _cell_text(c) for c in cells], dtype=object)


def _cell_text(cell: Any) -> str:
    """A cell that is not a string as text: "" for NaN / None, else ``str`` stripped."""
    return "" if pd.isna(cell) else str(cell).strip()


def _map_values(values: np.ndarray, mapping: dict[Any, Any], missing: Any = np.nan) -> np.ndarray:
    """``mapping`` applied to each value (``missing`` where a value is not a key, or is
    NaN / None), via the few distinct values only: ``Series.map`` as an object array.

    Example: values ["a", None, "b"], mapping {"a": 1, "b": 2} -> [1, nan, 2].

    >>> _map_values(['a', None, 'b'], {'a': 1, 'b': 2}).tolist()
    [1, nan, 2]
    """
    codes, uniques = _factorize(np.asarray(values, dtype=object))
    mapped = np.array([mapping.get(u, missing) for u in uniques] + [missing], dtype=object)
    return mapped[codes]


#: Columns that take the field's parameter where a project gives none.
FIELD_DEFAULT_COLUMNS = (
    "sector",
    "shortfall_infrastructure",
    "phasing_profile",
    "additionality",
    "infrastructure_share",
)


#: ``field_defaults`` of each combination of :data:`FIELD_DEFAULT_COLUMNS` (bit i: column i).
_FIELD_DEFAULT_NAMES = np.array(
    ["|".join(c for bit, c in enumerate(FIELD_DEFAULT_COLUMNS) if code >> bit & 1) for code in range(32)],
    dtype=object,
)


def _canonical(out: dict[str, Any], n: int, p: Parameters) -> dict[str, np.ndarray]:
    """The canonical table as columns: every schema column (absent ones empty), field
    defaults filled into empty optional columns, and ``field_defaults``: which columns of
    the project took its field's value ("|"-separated ids, "" when it gave them all)."""
    data: dict[str, Any] = {}
    for cid, spec in SCHEMA.items():
        if cid in out:
            data[cid] = out[cid]
        elif spec.type in NUMERIC_TYPES:
            data[cid] = np.full(n, np.nan)
        else:
            data[cid] = np.full(n, None, dtype=object)
    field_codes, field_uniques = _factorize(np.asarray(data["field"], dtype=object))
    known = field_codes >= 0
    took = np.zeros(n, dtype=np.int64)
    for bit, cid in enumerate(FIELD_DEFAULT_COLUMNS):
        share = SCHEMA[cid].type == "share"
        by_field = {k: getattr(f, cid).value for k, f in p.fields.items()}
        fill = np.array([by_field.get(u, np.nan) for u in field_uniques] + [np.nan], dtype=object)[field_codes]
        if share:
            fill = fill.astype(float)
        given = out.get(cid)
        if given is None:
            data[cid] = np.where(known, fill, np.nan if share else None)
            took |= known.astype(np.int64) << bit
        else:
            empty = pd.isna(given)
            data[cid] = np.where(empty, fill, given)
            took |= (known & empty).astype(np.int64) << bit
    data["field_defaults"] = _FIELD_DEFAULT_NAMES[took]
    for cid in ("private", "shortfall_infrastructure"):
        data[cid] = np.asarray(data[cid]).astype(object)
    for cid in ("start_year", "construction_years"):
        data[cid] = np.asarray(data[cid], dtype=float)
    return data


def _cross_checks(
    data: dict[str, np.ndarray],
    headers: dict[str, str],
    empties: dict[str, np.ndarray],
    raws: dict[str, pd.Series],
    rows: np.ndarray,
    issues: _Issues,
    p: Parameters,
) -> np.ndarray:
    """Rules across columns: capital consistency, statutory minimum, cap, other public
    money, duplicate ids, estimated column names. Completes ``capital_ratio`` and
    ``project_capital_bn`` from each other and adds ``capital_ratio_minimum``,
    ``fund_share_cap`` and ``fund_share_of_capital`` to ``data`` (the canonical columns).
    Returns the rows that broke a rule."""
    n = len(rows)
    bad = np.zeros(n, dtype=bool)
    investment = np.asarray(data["total_investment_bn"], dtype=float)
    ratio_given = np.asarray(data["capital_ratio"], dtype=float)
    capital_given = np.asarray(data["project_capital_bn"], dtype=float)
    fund = np.asarray(data["fund_requested_bn"], dtype=float)
    k_col = headers.get("capital_ratio")
    c_col = headers.get("project_capital_bn")

    # Either the capital ratio or project capital, per row.
    has_k, has_c = ~np.isnan(ratio_given), ~np.isnan(capital_given)
    if k_col or c_col:
        # Rows where both cells are empty (unparseable cells are already reported).
        missing = empties.get("capital_ratio", np.ones(n, dtype=bool)) & empties.get(
            "project_capital_bn", np.ones(n, dtype=bool)
        )
        issues.add_rows(
            missing,
            rows,
            k_col or c_col or "",
            np.full(n, ""),
            "missing_value",
            "give the capital ratio (资本金比例) or project capital (项目资本金)",
        )
        bad |= missing
    capital = np.where(has_c, capital_given, ratio_given * investment)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(has_c, capital_given / investment, ratio_given)
        both = has_k & has_c & ~np.isnan(investment)
        gap = np.abs(capital_given - ratio_given * investment) > CAPITAL_CONSISTENCY_TOLERANCE * capital_given
    inconsistent = both & gap

    def raw_of(cid: str, fallback: Any) -> Any:
        return raws.get(cid, fallback)

    issues.add_rows(
        inconsistent,
        rows,
        c_col or "",
        raw_of("project_capital_bn", capital_given),
        "inconsistent_capital",
        lambda i: [
            f"project capital {c:g} bn differs from capital ratio {k:g} x total investment {t:g} bn = {k * t:g} bn"
            for c, k, t in zip(capital_given[i], ratio_given[i], investment[i], strict=True)
        ],
    )
    bad |= inconsistent
    over = has_c & ~both & (ratio > 1 + RULE_EPSILON)
    issues.add_rows(
        over,
        rows,
        c_col or "",
        raw_of("project_capital_bn", capital_given),
        "capital_above_investment",
        "project capital exceeds total investment (capital ratio above 1)",
    )
    bad |= over
    data["capital_ratio"] = ratio
    data["project_capital_bn"] = capital

    # Statutory minimum capital ratio of the sector (less the shortfall reduction).
    sector_min = {sid: s.minimum.value for sid, s in p.capital_ratios.sectors.items()}
    sector = data["sector"]
    minimum = _map_values(sector, sector_min).astype(float)
    shortfall = _map_values(data["shortfall_infrastructure"], {True: 1.0, False: 0.0}).astype(float)
    minimum = minimum - p.capital_ratios.shortfall_reduction.value * np.nan_to_num(shortfall)
    data["capital_ratio_minimum"] = minimum
    with np.errstate(invalid="ignore"):
        below = ratio < minimum - RULE_EPSILON
    col, cid = (k_col, "capital_ratio") if k_col else (c_col or "", "project_capital_bn")
    issues.add_rows(
        below,
        rows,
        col,
        raw_of(cid, ratio),
        "capital_ratio_below_minimum",
        lambda i: [
            f"capital ratio {r:.4g} is below the statutory minimum {m:.0%} of sector {sec} (国发〔2019〕26号)"
            for r, m, sec in zip(ratio[i], minimum[i], sector[i], strict=True)
        ],
    )
    bad |= below

    # Cap on the fund's share of project capital (key / livelihood fields: the key-area cap).
    cap_by_field = dict(zip(p.field_ids, p.fund_share_cap, strict=True))
    cap = _map_values(data["field"], cap_by_field).astype(float)
    data["fund_share_cap"] = cap
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # tiny capital: an infinite share
        share = fund / capital
        above = fund > cap * capital * (1 + RULE_EPSILON)
    data["fund_share_of_capital"] = share
    issues.add_rows(
        above,
        rows,
        headers.get("fund_requested_bn", "fund_requested_bn"),
        raw_of("fund_requested_bn", fund),
        "fund_above_cap",
        lambda i: [
            f"fund is {sh:.1%} of project capital; the cap is {c:.0%} (fund <= cap x project capital {k:g} bn)"
            for sh, c, k in zip(share[i], cap[i], capital[i], strict=True)
        ],
    )
    bad |= above

    # Other public money sits in project capital beside the fund.
    other = np.asarray(data["other_public_funding_bn"], dtype=float)
    with np.errstate(invalid="ignore"):
        too_much = other > (capital - fund) * (1 + RULE_EPSILON) + RULE_EPSILON
    issues.add_rows(
        too_much,
        rows,
        headers.get("other_public_funding_bn", ""),
        raw_of("other_public_funding_bn", other),
        "other_public_above_capital",
        "other public money exceeds project capital less the fund",
    )
    bad |= too_much

    # Duplicate project ids: every repeat names the first row.
    present = pd.notna(data["project_id"]) & (data["project_id"] != "")
    dup = _repeats(data["project_id"], present)
    if dup.any():
        ids = pd.Series(data["project_id"], index=rows, copy=False)
        first_row = pd.Series(rows, index=rows).groupby(ids.to_numpy()).transform("first").to_numpy()
        issues.add_rows(
            dup,
            rows,
            headers.get("project_id", ""),
            ids,
            "duplicate_id",
            lambda i: [f"duplicate project id (first at row {r})" for r in first_row[i]],
        )
        bad |= dup

    # Estimated columns must name real columns.
    est = np.asarray(data["estimated_columns"], dtype=object)
    given = ~pd.isna(est) & (est != "")
    if given.any():
        known = set(SCHEMA)
        codes, uniques = _factorize(np.where(given, est, ""))
        flags = np.array([any(x.strip() not in known for x in u.split("|") if x.strip()) for u in uniques] + [False])
        wrong = flags[codes]
        issues.add_rows(
            wrong, rows, headers.get("estimated_columns", ""), est, "unknown_column_name",
            "estimated_columns must list column ids separated by | (e.g. capital_ratio|bank)",
        )  # fmt: skip
        bad |= wrong
    return bad


def _repeats(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """True for every ``present`` value that repeats an earlier one
    (``present & Series.duplicated(keep="first")``).

    Example: ["a", "b", "a"], all present -> [False, False, True].

    >>> _repeats(['a', 'b', 'a'], np.array([True, True, True])).tolist()
    [False, False, True]
    """
    values = np.asarray(values, dtype=object)
    kept = values[present]
    if len(set(kept)) == len(kept):  # all distinct: the usual case
        return np.zeros(len(values), dtype=bool)
    codes, _ = pd.factorize(values, use_na_sentinel=False)
    repeat = np.ones(len(codes), dtype=bool)
    repeat[np.unique(codes, return_index=True)[1]] = False
    return present & repeat
