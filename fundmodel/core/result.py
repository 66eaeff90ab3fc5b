"""The one result object that every output (CLI table and JSON, dashboard, Excel) reads.

Money in bn RMB; multipliers in times; the level effect in percent of the counterfactual
infrastructure base, the growth effect in percentage points of its growth rate.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from fundmodel.inputs.parameters import Parameters
from fundmodel.messages import Message

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Check:
    """One rule checked on a run. Violations are reported, never clipped.

    ``values`` holds the numbers involved (e.g. ``{"value": 0.9, "limit": 0.8}``).
    ``text`` is the message as an id with parameters (:mod:`fundmodel.messages`);
    ``message`` is its English rendering in bn RMB, for the CLI and JSON.
    """

    code: str
    severity: Severity
    message: str
    subject: str = ""
    values: dict[str, float] = field(default_factory=dict)
    text: Message | None = None

    @classmethod
    def of(cls, code: str, severity: Severity, text: Message, subject: str = "", values: dict | None = None) -> Check:
        """A check whose message is ``text``; ``message`` is its English text in bn RMB."""
        return cls(code, severity, text.render("en", "bn"), subject, dict(values or {}), text)

    def render(self, lang: str = "en", unit: str = "bn") -> str:
        """The message in ``lang`` and money ``unit`` (the English text when it has no id)."""
        return self.text.render(lang, unit) if self.text is not None else self.message

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "subject": self.subject,
            "message": self.message,
            "message_id": self.text.id if self.text is not None else None,
            "values": {k: clean_json(v) for k, v in self.values.items()},
        }


#: Units of the macro outputs in :meth:`Result.to_dict` (money everywhere in bn RMB).
UNITS: dict[str, str] = {
    "money": "bn RMB",
    "level_effect_pct": "percent of the counterfactual infrastructure investment of the same year (100 X_y / B_y)",
    "growth_effect_pp": "percentage points added to the growth rate of infrastructure investment "
    "(100 (X_y - X_{y-1}) / B_{y-1})",
    "infrastructure_net_bn": "bn RMB of additional infrastructure investment landing in the year or quarter (X)",
    "base_bn": "bn RMB: counterfactual infrastructure investment of the year (B_y)",
    "base_previous_year_bn": "bn RMB: counterfactual infrastructure investment of the year before (B_{y-1})",
    "by_quarter": "bn RMB landing per quarter from the disbursement (new and additional infrastructure investment)",
    "multiplier": "times",
    "new_investment_bn": "bn RMB of total investment still to be spent when the instrument came in",
    "sunk_investment_bn": "bn RMB of total investment already spent before the instrument came in",
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
    * ``by_year``: investment landing per calendar year, its level effect (% above the base)
      and growth effect (pp added to the growth rate); see :mod:`fundmodel.core.macro`
    * ``checks``: every rule checked that failed, and informative notes
    * ``parameters``: the parameters used (with their sources)
    * ``breakdowns``: further tables of a portfolio run (by province, by ownership, ...)
    * ``projects``: per-project table of a portfolio run, else None
    * ``by_quarter``: new investment and additional infrastructure investment landing per
      quarter from the disbursement (index like ``2025Q4``)
    * ``fiscal``: the fund's funding cost against its return by year and in present value, the
      exit schedule and the projects' debt by holder (:mod:`fundmodel.core.fiscal`)
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
    by_quarter: pd.DataFrame | None = None
    fiscal: dict[str, Any] | None = field(default=None, repr=False)

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
    def level_effect_pct(self) -> dict[int, float]:
        """Level effect by year: 100 X_y / B_y, percent above the counterfactual base."""
        return {int(y): float(v) for y, v in self.by_year["level_effect_pct"].items()}

    @property
    def growth_effect_pp(self) -> dict[int, float]:
        """Growth effect by year: 100 (X_y - X_{y-1}) / B_{y-1}, pp added to the growth rate."""
        return {int(y): float(v) for y, v in self.by_year["growth_effect_pp"].items()}

    @property
    def peak_level_effect_pct(self) -> float:
        """Largest yearly level effect (%), the quantity the ex-ante "+3-4 pp" is compared with."""
        return float(self.by_year["level_effect_pct"].max()) if len(self.by_year) else 0.0

    @property
    def peak_growth_effect_pp(self) -> float:
        """Largest yearly growth effect (pp)."""
        return float(self.by_year["growth_effect_pp"].max()) if len(self.by_year) else 0.0

    @property
    def lowest_growth_effect_pp(self) -> float:
        """Most negative yearly growth effect (pp): the drag when the projects wind down."""
        return float(self.by_year["growth_effect_pp"].min()) if len(self.by_year) else 0.0

    @property
    def errors(self) -> list[Check]:
        return [c for c in self.checks if c.severity == "error"]

    # --- serialisation ------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (the CLI's ``--format json``)."""
        out: dict[str, Any] = {
            "scenario": self.scenario_name,
            "instrument": self.parameters.instrument_id,
            "mode": self.mode,
            "unit": "bn RMB",
            "fund_size_bn": clean_json(self.totals["fund_bn"]),
            "total_investment_bn": clean_json(self.totals["total_investment_bn"]),
            "net_investment_bn": clean_json(self.totals["net_investment_bn"]),
            "multiplier": clean_json(self.totals["multiplier"]),
            "net_multiplier": clean_json(self.totals["net_multiplier"]),
            "level_effect_pct": {str(y): clean_json(v) for y, v in self.level_effect_pct.items()},
            "growth_effect_pp": {str(y): clean_json(v) for y, v in self.growth_effect_pp.items()},
            "peak_level_effect_pct": clean_json(self.peak_level_effect_pct),
            "peak_growth_effect_pp": clean_json(self.peak_growth_effect_pp),
            "lowest_growth_effect_pp": clean_json(self.lowest_growth_effect_pp),
            "target_effect": self.target_effect(),
            "units": dict(UNITS),
            "totals": {k: clean_json(v) for k, v in self.totals.items()},
            "by_field": _records(self.by_field, "field"),
            "by_bank": _records(self.by_bank, "bank"),
            "by_year": _records(self.by_year, "year"),
            "checks": [c.to_dict() for c in self.checks],
            "parameters": [
                {
                    "path": s.path,
                    "value": clean_json(s.value),
                    "unit": s.unit,
                    "reference": s.reference,
                    "date": s.date,
                    "overridden_by": s.overridden_by,
                }
                for s in self.parameters.sources()
            ],
        }
        if self.by_quarter is not None:
            out["by_quarter"] = _records(self.by_quarter, "quarter")
        for name, table in self.breakdowns.items():
            out[f"by_{name}"] = _records(table, name)
        if self.fiscal is not None:
            out["fiscal"] = {
                k: _records(v, v.index.name or "key") if isinstance(v, pd.DataFrame) else clean_json(v)
                for k, v in self.fiscal.items()
            }
        return out

    def target_effect(self) -> dict[str, Any]:
        """The ex-ante "+3-4 pp" set against the quantity it means.

        The source's words are "+3-4 pp to the growth rate of infrastructure investment" (a
        news digest; no official figure); as a whole-program figure over one year's base it is
        X / B, a level effect, so it is compared with the peak level effect, and the peak
        growth effect is shown next to it.
        """
        target = float(self.parameters.instrument.target_uplift_pp.value)
        return {
            "target_pp": clean_json(target),
            "compared_with": "peak_level_effect_pct",
            "value": clean_json(self.peak_level_effect_pct),
            "gap": clean_json(self.peak_level_effect_pct - target),
            "peak_growth_effect_pp": clean_json(self.peak_growth_effect_pp),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)


def clean_json(v: Any) -> Any:
    """JSON-safe scalar: numpy to Python, NaN/inf to None (JSON has no NaN)."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {str(k): clean_json(x) for k, x in v.items()}
    return v


def _records(table: pd.DataFrame, key: str) -> list[dict[str, Any]]:
    frame = table.reset_index()
    frame = frame.rename(columns={frame.columns[0]: key}) if key not in frame.columns else frame
    return [{k: clean_json(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
