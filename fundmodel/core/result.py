"""The one result object that every output (CLI table and JSON, dashboard, Excel) reads.

Money in bn RMB; multipliers in times; uplift in percentage points.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from fundmodel.inputs.parameters import Parameters

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Check:
    """One rule checked on a run. Violations are reported, never clipped.

    ``values`` holds the numbers involved (e.g. ``{"value": 0.9, "limit": 0.8}``).
    """

    code: str
    severity: Severity
    message: str
    subject: str = ""
    values: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "subject": self.subject,
            "message": self.message,
            "values": {k: _clean(v) for k, v in self.values.items()},
        }


#: Columns of the capital-stack tables (by_field, by_bank, by_cell, ...), in bn RMB.
STACK_COLUMNS = [
    "fund_bn",
    "project_capital_bn",
    "other_capital_bn",
    "debt_bn",
    "total_investment_bn",
    "net_investment_bn",
]


@dataclass(frozen=True)
class Result:
    """Everything a run produces.

    * ``totals``: fund, capital stack, multipliers, target gap (bn RMB / times)
    * ``by_field``, ``by_bank``: capital-stack tables indexed by id, with ``multiplier``
    * ``by_cell``: the fields x banks table (MultiIndex field, bank)
    * ``by_year``: investment landing and uplift in pp per calendar year
    * ``checks``: every rule checked that failed, and informative notes
    * ``parameters``: the parameters used (with their sources)
    * ``breakdowns``: further tables of a portfolio run (by province, by ownership, ...)
    * ``projects``: per-project table of a portfolio run, else None
    """

    scenario_name: str
    mode: Literal["top_down", "portfolio"]
    totals: dict[str, float]
    by_field: pd.DataFrame
    by_bank: pd.DataFrame
    by_cell: pd.DataFrame
    by_year: pd.DataFrame
    checks: list[Check]
    parameters: Parameters = field(repr=False)
    breakdowns: dict[str, pd.DataFrame] = field(default_factory=dict)
    projects: pd.DataFrame | None = field(default=None, repr=False)

    # --- convenience --------------------------------------------------------
    @property
    def fund_size_bn(self) -> float:
        return self.totals["fund_bn"]

    @property
    def total_investment_bn(self) -> float:
        return self.totals["total_investment_bn"]

    @property
    def net_investment_bn(self) -> float:
        return self.totals["net_investment_bn"]

    @property
    def multiplier(self) -> float:
        return self.totals["multiplier"]

    @property
    def uplift_pp(self) -> dict[int, float]:
        return {int(y): float(v) for y, v in self.by_year["uplift_pp"].items()}

    @property
    def peak_uplift_pp(self) -> float:
        return float(self.by_year["uplift_pp"].max()) if len(self.by_year) else 0.0

    @property
    def errors(self) -> list[Check]:
        return [c for c in self.checks if c.severity == "error"]

    # --- serialisation ------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (the CLI's ``--format json``)."""
        out: dict[str, Any] = {
            "scenario": self.scenario_name,
            "mode": self.mode,
            "unit": "bn RMB",
            "fund_size_bn": _clean(self.totals["fund_bn"]),
            "total_investment_bn": _clean(self.totals["total_investment_bn"]),
            "net_investment_bn": _clean(self.totals["net_investment_bn"]),
            "multiplier": _clean(self.totals["multiplier"]),
            "net_multiplier": _clean(self.totals["net_multiplier"]),
            "infra_growth_uplift_pp": {str(y): _clean(v) for y, v in self.uplift_pp.items()},
            "peak_uplift_pp": _clean(self.peak_uplift_pp),
            "totals": {k: _clean(v) for k, v in self.totals.items()},
            "by_field": _records(self.by_field, "field"),
            "by_bank": _records(self.by_bank, "bank"),
            "by_year": _records(self.by_year, "year"),
            "checks": [c.to_dict() for c in self.checks],
            "parameters": [
                {
                    "path": s.path,
                    "value": _clean(s.value),
                    "unit": s.unit,
                    "reference": s.reference,
                    "date": s.date,
                    "overridden_by": s.overridden_by,
                }
                for s in self.parameters.sources()
            ],
        }
        for name, table in self.breakdowns.items():
            out[f"by_{name}"] = _records(table, name)
        return out

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)


def _clean(v: Any) -> Any:
    """JSON-safe scalar: numpy to Python, NaN/inf to None (JSON has no NaN)."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    return v


def _records(table: pd.DataFrame, key: str) -> list[dict[str, Any]]:
    frame = table.reset_index()
    frame = frame.rename(columns={frame.columns[0]: key}) if key not in frame.columns else frame
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
