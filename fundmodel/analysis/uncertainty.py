"""Sensitivity (tornado), goal-seek and Monte Carlo on the leverage assumptions.

All three rest on one vectorized evaluation of the top-down model (:func:`evaluate`):
for draws d, fields f and banks b (money in bn RMB)

    I[d, f, b] = A[f, b] / (s[d, f] * scale[d, b] * k[d, f])        total investment
    N[d, f]    = a[d, f] * sum_b I[d, f, b]                          net (additional)
    X[d, y]    = sum_f theta[d, f] (1 - sigma_f) N[d, f] w[f, y]         additional infrastructure
    L[d, y]    = 100 * X[d, y] / B[y]                                  level effect, %
    G[d, y]    = 100 * (X[d, y] - X[d, y-1]) / B[y-1]                  growth effect, pp

with A the allocation, s the fund share of capital, scale the bank's ``fund_share_scale``,
k the capital ratio, a the additionality, theta the infrastructure share, sigma the sunk
share, w the phasing (by quarter from the disbursement, summed to years)
and B the infrastructure base: the same formulas as :func:`fundmodel.core.topdown.run`, over
arrays of shape (draws, fields, banks) instead of one run at a time.

Assumptions, and the range each may take (never clipped: a value outside is an error):

==========================  =====  =======================================================
assumption                  axis   valid range per element
==========================  =====  =======================================================
fund_share_of_capital (s)   field  (0, cap_f]   (the field's cap, 50% or 80%; and
                                                 s_f x scale_b <= cap_f in every cell)
capital_ratio (k)           field  [statutory minimum_f, 1]
additionality (a)           field  [0, 1]
infrastructure_share (θ)    field  [0, 1]
fund_share_scale            bank   (0, min_f cap_f / s_f]
construction_years          field  1 .. 30 years (sensitivity only; whole years)
==========================  =====  =======================================================
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from scipy import optimize, special

from fundmodel.core import macro
from fundmodel.core.result import clean_json
from fundmodel.errors import InputError
from fundmodel.inputs.parameters import ParameterError, Parameters, default_parameters, validation_issue
from fundmodel.messages import Message

#: The leverage assumptions: name -> axis ("field" or "bank").
ASSUMPTIONS: dict[str, str] = {
    "fund_share_of_capital": "field",
    "capital_ratio": "field",
    "additionality": "field",
    "infrastructure_share": "field",
    "fund_share_scale": "bank",
    "construction_years": "field",
}

#: Assumptions that take continuous values (goal-seek and Monte Carlo work on these).
CONTINUOUS = [a for a in ASSUMPTIONS if a != "construction_years"]

#: Outputs: name -> description. Money in bn RMB, level effect in %, growth effect in pp.
#: How a metric's value is said (a message of :mod:`fundmodel.messages` with parameter ``x``).
QUANTITY_MESSAGES: dict[str, str] = {
    "total_investment_bn": "quantity_money",
    "net_investment_bn": "quantity_money",
    "peak_level_effect_pct": "quantity_percent",
    "peak_growth_effect_pp": "quantity_pp",
    "multiplier": "quantity_times",
    "net_multiplier": "quantity_times",
}


def quantity(metric: str, value: float, change: bool = False) -> Message:
    """``value`` of ``metric`` as a message, in the metric's unit (money in the reader's);
    ``change``: a signed difference (of a percent level: percentage points).

    >>> quantity("total_investment_bn", 6000.0).render("zh", "yi")
    '60,000 亿元'
    >>> quantity("peak_level_effect_pct", -0.25, change=True).render("zh")
    '-0.25 个百分点'
    """
    return Message(QUANTITY_MESSAGES[metric] + ("_change" if change else ""), {"x": float(value)})


METRICS: dict[str, str] = {
    "total_investment_bn": "total investment (bn RMB)",
    "net_investment_bn": "net (additional) investment (bn RMB)",
    "peak_level_effect_pct": "peak level effect: additional infrastructure investment, % of the base",
    "peak_growth_effect_pp": "peak growth effect: pp added to the growth rate of infrastructure investment",
    "multiplier": "gross multiplier (times)",
    "net_multiplier": "net multiplier (times)",
}

#: Short names accepted for metrics on the command line.
METRIC_ALIASES = {
    "total": "total_investment_bn",
    "net": "net_investment_bn",
    "level": "peak_level_effect_pct",
    "peak_level": "peak_level_effect_pct",
    "growth": "peak_growth_effect_pp",
    "peak_growth": "peak_growth_effect_pp",
    # the earlier name: what the ex-ante "+3-4 pp" is compared with, the level effect
    "peak_uplift": "peak_level_effect_pct",
}

#: Smallest fund share of capital (or bank scale) a search may try: s -> 0 sends I to infinity.
SHARE_FLOOR = 1e-6

#: Most draws one Monte Carlo run takes (memory: draws x fields x banks floats).
MAX_DRAWS = 1_000_000

#: Default one-at-a-time range: factors on the base value (shares) ...
DEFAULT_FACTOR_RANGE = (0.8, 1.2)
#: ... and years added to the construction period.
DEFAULT_YEARS_RANGE = (-1, 1)


def metric_name(name: str) -> str:
    """Canonical metric name: ``"total"`` -> ``"total_investment_bn"``; errors list the choices."""
    name = METRIC_ALIASES.get(name, name)
    if name not in METRICS:
        choices = ", ".join([*METRIC_ALIASES, *METRICS])
        raise InputError(f"unknown metric {name!r} (use one of {choices})")
    return name


def _assumption(name: str, continuous: bool = False) -> str:
    allowed = CONTINUOUS if continuous else list(ASSUMPTIONS)
    if name not in allowed:
        raise InputError(f"unknown assumption {name!r} (use one of {', '.join(allowed)})")
    return name


# ----------------------------------------------------------------- evaluation


def base_values(params: Parameters) -> dict[str, np.ndarray]:
    """The scenario's value of every assumption: field vectors (fields in order) and the
    bank vector ``fund_share_scale`` (banks in order)."""
    fields = list(params.fields.values())
    return {
        "fund_share_of_capital": np.array(params.fund_share_of_capital, dtype=float),
        "capital_ratio": np.array(params.capital_ratio, dtype=float),
        "additionality": np.array(params.additionality, dtype=float),
        "infrastructure_share": np.array(params.infrastructure_share, dtype=float),
        "fund_share_scale": np.array(params.fund_share_scale, dtype=float),
        "construction_years": np.array([f.construction_years.value for f in fields], dtype=int),
    }


def valid_range(params: Parameters, assumption: str) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest valid value of ``assumption`` per element (see the module table),
    holding the other assumptions at the scenario's values.

    Example (bundled parameters): capital_ratio of transport_logistics -> [0.15, 1.0];
    fund_share_scale of every bank -> (1e-6, 0.5 / 0.42 = 1.19] (low_altitude_economy's s binds).

    >>> p = default_parameters()
    >>> lo, hi = valid_range(p, 'capital_ratio')
    >>> i = p.field_ids.index('transport_logistics')
    >>> round(float(lo[i]), 6), float(hi[i])
    (0.15, 1.0)
    >>> lo, hi = valid_range(p, 'fund_share_scale')
    >>> lo.tolist(), hi.round(6).tolist()
    ([1e-06, 1e-06, 1e-06], [1.190476, 1.190476, 1.190476])
    """
    _assumption(assumption)
    n_fields = len(params.field_ids)
    cap = np.asarray(params.fund_share_cap, dtype=float)
    scale = np.asarray(params.fund_share_scale, dtype=float)
    s = np.asarray(params.fund_share_of_capital, dtype=float)
    if assumption == "fund_share_of_capital":
        # s_f <= cap_f at field level, and s_f x scale_b <= cap_f in every cell
        return np.full(n_fields, SHARE_FLOOR), cap / max(1.0, float(scale.max()))
    if assumption == "capital_ratio":
        return np.asarray(params.capital_ratio_minimum, dtype=float).copy(), np.ones(n_fields)
    if assumption in ("additionality", "infrastructure_share"):
        return np.zeros(n_fields), np.ones(n_fields)
    if assumption == "fund_share_scale":
        upper = float(np.min(cap / s))
        return np.full(len(scale), SHARE_FLOOR), np.full(len(scale), upper)
    return np.ones(n_fields, dtype=float), np.full(n_fields, 30.0)


@dataclass(frozen=True)
class Phasing:
    """Share of each field's investment landing per year, and the base.

    ``w`` is fields x years (rows sum to 1); ``base_bn`` is B_y and
    ``base_previous_year_bn`` B_{y-1} (bn RMB).
    """

    years: np.ndarray
    w: np.ndarray
    base_previous_year_bn: np.ndarray
    base_bn: np.ndarray


def phasing_of(params: Parameters, construction_years: np.ndarray | None = None) -> Phasing:
    """The phasing of the fields (optionally with other construction years) and the base."""
    fields = list(params.fields.values())
    length = (
        np.array([f.construction_years.value for f in fields])
        if construction_years is None
        else np.asarray(construction_years, dtype=int)
    )
    m = params.macro
    years, w, _, _ = macro.quarterly_phasing(
        np.array([f.start_year.value for f in fields]),
        length,
        [f.phasing_profile.value for f in fields],
        macro.quarter_of(m.disbursement_date.value),
    )
    base, base_prev = macro.base_and_previous_year(
        years, m.base_year.value, m.base_level_bn.value, m.growth_pct.value, m.projected_growth_pct.value
    )
    return Phasing(years=years, w=w, base_previous_year_bn=base_prev, base_bn=base)


@dataclass(frozen=True)
class Outcomes:
    """Model outputs for a batch of n parameter draws (money in bn RMB, level effect in %,
    growth effect in pp).

    ``total_investment_bn``, ``net_investment_bn``, ``peak_level_effect_pct``,
    ``peak_growth_effect_pp``, ``multiplier``, ``net_multiplier``: shape (n,);
    ``by_field_bn``: (n, fields) total investment; ``by_bank_bn``: (n, banks);
    ``level_effect_pct`` and ``growth_effect_pp``: (n, years) for ``years``.
    """

    total_investment_bn: np.ndarray
    net_investment_bn: np.ndarray
    peak_level_effect_pct: np.ndarray
    peak_growth_effect_pp: np.ndarray
    multiplier: np.ndarray
    net_multiplier: np.ndarray
    by_field_bn: np.ndarray
    by_bank_bn: np.ndarray
    level_effect_pct: np.ndarray
    growth_effect_pp: np.ndarray
    years: np.ndarray

    def metric(self, name: str) -> np.ndarray:
        return getattr(self, metric_name(name))


def evaluate(
    params: Parameters,
    values: Mapping[str, np.ndarray] | None = None,
    allocation_bn: np.ndarray | None = None,
    phasing: Phasing | None = None,
) -> Outcomes:
    """Evaluate the top-down model for a batch of assumption values at once.

    ``values`` maps assumptions to arrays of shape (n, fields) or (n, banks) for
    ``fund_share_scale``; 1-D vectors are one draw; missing ones take the scenario's value.
    Formulas in the module docstring; the results equal :func:`fundmodel.core.topdown.run`'s.

    Example: bundled parameters -> total 5,992.06 bn, net 3,467.11 bn.

    >>> out = evaluate(default_parameters())
    >>> out.total_investment_bn.round(2).tolist(), out.net_investment_bn.round(2).tolist()
    ([5992.06], [3467.11])
    """
    values = dict(values or {})
    unknown = set(values) - set(CONTINUOUS)
    if unknown:
        raise InputError(f"evaluate: unknown assumptions {sorted(unknown)} (use one of {', '.join(CONTINUOUS)})")
    base = base_values(params)

    def arr(name: str) -> np.ndarray:
        a = np.asarray(values.get(name, base[name]), dtype=float)
        return a[None, :] if a.ndim == 1 else a

    s, k, a, theta, scale = (arr(n) for n in CONTINUOUS)
    alloc = np.asarray(params.allocation_matrix if allocation_bn is None else allocation_bn, dtype=float)
    ph = phasing or phasing_of(params)
    # (n, f, b): each cell's investment; the cell's s is the field's s times the bank's scale.
    cell = alloc[None, :, :] / (s[:, :, None] * scale[:, None, :] * k[:, :, None])
    by_field = cell.sum(axis=2)
    n = max(x.shape[0] for x in (s, k, a, theta, scale))
    by_field = np.broadcast_to(by_field, (n, by_field.shape[1]))
    by_bank = np.broadcast_to(cell.sum(axis=1), (n, cell.shape[2]))
    net_by_field = a * by_field
    total = by_field.sum(axis=1)
    net = net_by_field.sum(axis=1)
    # only new spending lands: the sunk share of each field's investment was spent before
    infra = (theta * (1.0 - np.asarray(params.sunk_share, dtype=float)) * net_by_field) @ ph.w
    level = macro.level_effect_pct(infra, ph.base_bn[None, :])
    growth = macro.growth_effect_pp(infra, ph.base_previous_year_bn[None, :])
    fund = float(alloc.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        mult = total / fund if fund else np.full_like(total, np.nan)
        net_mult = net / fund if fund else np.full_like(net, np.nan)
    return Outcomes(
        total_investment_bn=total,
        net_investment_bn=net,
        peak_level_effect_pct=level.max(axis=1) if level.shape[1] else np.zeros(n),
        peak_growth_effect_pp=growth.max(axis=1) if growth.shape[1] else np.zeros(n),
        multiplier=mult,
        net_multiplier=net_mult,
        by_field_bn=by_field,
        by_bank_bn=by_bank,
        level_effect_pct=level,
        growth_effect_pp=growth,
        years=ph.years,
    )


# ------------------------------------------------------------- changes


Mode = Literal["scale", "value", "element"]


def _element_index(params: Parameters, assumption: str, element: str | None) -> int | None:
    if element is None:
        return None
    ids = params.field_ids if ASSUMPTIONS[assumption] == "field" else params.bank_ids
    if element not in ids:
        what = ASSUMPTIONS[assumption]
        raise InputError(f"unknown {what} {element!r} for {assumption} (known: {', '.join(ids)})")
    return ids.index(element)


def apply_change(
    base: np.ndarray, x: np.ndarray, mode: Mode, index: int | None = None, additive: bool = False
) -> np.ndarray:
    """New values of one assumption for a vector of changes ``x`` (shape (n,)) -> (n, elements).

    * ``scale``: every element times x (``additive``: plus x, for years)
    * ``value``: every element set to x
    * ``element``: only element ``index`` changed (times x, or plus x when ``additive``;
      with ``index`` set and mode ``value`` it is set to x)

    Example: base [0.4, 0.5], scale by 1.1 -> [0.44, 0.55].

    >>> apply_change(np.array([0.4, 0.5]), np.array([1.1]), 'scale').round(6).tolist()
    [[0.44, 0.55]]
    """
    x = np.asarray(x, dtype=float).reshape(-1, 1)
    out = np.repeat(np.asarray(base, dtype=float)[None, :], x.shape[0], axis=0)
    if mode == "scale":
        return out + x if additive else out * x
    if mode == "value" and index is None:
        return np.broadcast_to(x, out.shape).copy()
    if index is None:
        raise InputError("mode 'element' needs a field or bank")
    if mode == "value":
        out[:, index] = x[:, 0]
    else:
        out[:, index] = out[:, index] + x[:, 0] if additive else out[:, index] * x[:, 0]
    return out


def feasible_interval(
    params: Parameters, assumption: str, mode: Mode, index: int | None = None, additive: bool = False
) -> tuple[float, float]:
    """The interval of changes x (factor, value or years added) that keeps every element
    within its valid range (caps, statutory minimums, [0, 1]).

    Example (bundled parameters): capital_ratio scaled -> [1.0, 5.0] (k is at the minimum
    0.20 in the non-shortfall fields: it may not go down); fund_share_of_capital as one
    value -> (1e-6, 0.5].

    >>> p = default_parameters()
    >>> feasible_interval(p, 'capital_ratio', 'scale'), feasible_interval(p, 'fund_share_of_capital', 'value')
    ((1.0, 5.0), (1e-06, 0.5))
    """
    lo, hi = valid_range(params, assumption)
    base = base_values(params)[assumption].astype(float)
    if mode == "value" and index is None:
        return float(lo.max()), float(hi.min())
    rows = [index] if index is not None else list(range(len(base)))
    if mode == "value":
        return float(lo[index]), float(hi[index])
    if additive:
        return float(max(lo[i] - base[i] for i in rows)), float(min(hi[i] - base[i] for i in rows))
    lows, highs = [0.0], [math.inf]
    for i in rows:
        if base[i] > 0:
            lows.append(lo[i] / base[i])
            highs.append(hi[i] / base[i])
        elif not lo[i] <= 0 <= hi[i]:  # a zero value cannot be scaled into range
            return math.inf, -math.inf
    return float(max(lows)), float(min(highs))


# ----------------------------------------------------------------- sensitivity


@dataclass(frozen=True)
class Sensitivity:
    """One-at-a-time sensitivity: one row per (assumption, element), sorted by swing.

    ``table`` columns: assumption, element ("all" or a field / bank id), change_low /
    change_high (factors on the base value; years added for construction_years),
    value_low / value_high (the element's value, NaN for "all"), then for every metric m
    in total_investment_bn, net_investment_bn, peak_level_effect_pct, peak_growth_effect_pp: ``m:low``, ``m:high`` and
    ``m:swing`` = |m:high - m:low|. ``base`` holds the metrics at the scenario's values.
    """

    table: pd.DataFrame
    base: dict[str, float]
    metric: str
    by: str

    def tornado(self, metric: str | None = None, lang: str = "en") -> pd.DataFrame:
        """Rows for :func:`fundmodel.outputs.charts.sensitivity_swings`: ``parameter`` (a readable
        name: the assumption, and the field or bank in field mode), ``low_bn`` and
        ``high_bn`` (the metric at the low and high values), widest swing first.
        """
        from fundmodel.labels import label

        m = metric_name(metric or self.metric)
        t = self.table.sort_values(f"{m}:swing", ascending=False, kind="stable")
        names = [
            label(r.assumption, lang)
            if r.element == "all"
            else f"{label(r.assumption, lang)} · {label(r.element, lang)}"
            for r in t.itertuples()
        ]
        return pd.DataFrame(
            {"parameter": names, "low_bn": t[f"{m}:low"].to_numpy(), "high_bn": t[f"{m}:high"].to_numpy()}
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "by": self.by,
            "unit": "bn RMB; level effect in %, growth effect in pp",
            "base": {k: clean_json(v) for k, v in self.base.items()},
            "rows": [{k: clean_json(v) for k, v in r.items()} for r in self.table.to_dict(orient="records")],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)


SENSITIVITY_METRICS = ["total_investment_bn", "net_investment_bn", "peak_level_effect_pct", "peak_growth_effect_pp"]


def _check_range(
    params: Parameters,
    assumption: str,
    mode: Mode,
    index: int | None,
    change: tuple[float, float],
    additive: bool,
) -> None:
    lo, hi = feasible_interval(params, assumption, mode, index, additive)
    low, high = change
    if not low <= high:
        raise InputError(f"range {assumption}={low:g}:{high:g}: low must not exceed high")
    what = "years added" if additive else "factor"
    valid_lo, valid_hi = valid_range(params, assumption)
    base = base_values(params)[assumption].astype(float)
    rows = [index] if index is not None else range(len(base))
    ids = params.field_ids if ASSUMPTIONS[assumption] == "field" else params.bank_ids
    for x in (low, high):
        if lo - 1e-12 <= x <= hi + 1e-12:
            continue
        # name the first element the change pushes out of range, and the rule it breaks
        for i in rows:
            v = base[i] + x if additive else base[i] * x
            if v < valid_lo[i] - 1e-12 or v > valid_hi[i] + 1e-12:
                bound, side = (valid_lo[i], "below") if v < valid_lo[i] else (valid_hi[i], "above")
                raise InputError(
                    f"range {assumption}={low:g}:{high:g}: {what} {x:g} puts {assumption} of {ids[i]} at {v:g}, "
                    f"{side} its {_rule(assumption, side)} {bound:g}"
                )
        raise InputError(f"range {assumption}={low:g}:{high:g}: {what} {x:g} is outside [{lo:g}, {hi:g}]")


def _rule(assumption: str, side: str) -> str:
    if assumption == "fund_share_of_capital" and side == "above":
        return "cap"
    if assumption == "capital_ratio" and side == "below":
        return "statutory minimum"
    if assumption == "fund_share_scale" and side == "above":
        return "limit (a cell's fund share would pass its field's cap)"
    return "valid bound"


def default_change(params: Parameters, assumption: str, mode: Mode, index: int | None) -> tuple[float, float]:
    """Default one-at-a-time range: factors 0.8 .. 1.2 (years -1 .. +1), narrowed so every
    element stays within its valid range; a side with no room stays at the base (no change).

    Example: capital_ratio at its statutory minimum -> factors 1.0 .. 1.2.

    >>> default_change(default_parameters(), 'capital_ratio', 'scale', None)
    (1.0, 1.2)
    """
    additive = assumption == "construction_years"
    lo, hi = feasible_interval(params, assumption, mode, index, additive)
    neutral = 0.0 if additive else 1.0
    d_lo, d_hi = DEFAULT_YEARS_RANGE if additive else DEFAULT_FACTOR_RANGE
    return max(d_lo, min(neutral, lo)), min(d_hi, max(neutral, hi))


def sensitivity(
    params: Parameters | None = None,
    assumptions: Sequence[str] | None = None,
    by: Literal["uniform", "field"] = "uniform",
    ranges: Mapping[str, tuple[float, float]] | None = None,
    metric: str = "total_investment_bn",
) -> Sensitivity:
    """One-at-a-time sensitivity of total investment, net investment and the peak level and growth effects.

    ``by="uniform"``: each assumption changed in every field (bank) at once by the same
    factor; ``by="field"``: each field (bank) on its own. ``ranges`` maps an assumption to
    (low, high) factors on the base value (years added for construction_years); default
    :func:`default_change`. A range that takes any element past its cap, statutory minimum
    or valid bound is an error naming the element and the rule. Rows sorted by the swing of
    ``metric``.

    Example (hand-computed): one field, F = 500, s = 0.5, k = 0.2 (I = 5,000): s factors
    0.8 .. 1.2 give I = 500 / (0.4 x 0.2) = 6,250 and 500 / (0.6 x 0.2) = 4,166.7, a
    swing of 2,083.3 bn.
    """
    p = params or default_parameters()
    metric = metric_name(metric)
    names = [_assumption(a) for a in (assumptions or list(ASSUMPTIONS))]
    for a in ranges or {}:
        _assumption(a)
    base_out = evaluate(p)
    base = {m: float(base_out.metric(m)[0]) for m in SENSITIVITY_METRICS}
    base_vals = base_values(p)
    rows: list[dict[str, Any]] = []
    for name in names:
        additive = name == "construction_years"
        ids = p.field_ids if ASSUMPTIONS[name] == "field" else p.bank_ids
        elements: list[int | None] = [None] if by == "uniform" else list(range(len(ids)))
        for index in elements:
            mode: Mode = "scale" if index is None else "element"
            if ranges and name in ranges:
                change = (float(ranges[name][0]), float(ranges[name][1]))
                _check_range(p, name, mode, index, change, additive)
            else:
                change = default_change(p, name, mode, index)
            x = np.array(change, dtype=float)
            new = apply_change(base_vals[name], x, mode, index, additive)
            if additive:
                out = [evaluate(p, phasing=phasing_of(p, new[i].round().astype(int))) for i in range(2)]
                metrics = {m: np.array([o.metric(m)[0] for o in out]) for m in SENSITIVITY_METRICS}
            else:
                o = evaluate(p, {name: new})
                metrics = {m: o.metric(m) for m in SENSITIVITY_METRICS}
            row: dict[str, Any] = {
                "assumption": name,
                "element": "all" if index is None else ids[index],
                "change_low": change[0],
                "change_high": change[1],
                "value_low": float(new[0, index]) if index is not None else float("nan"),
                "value_high": float(new[1, index]) if index is not None else float("nan"),
            }
            for m in SENSITIVITY_METRICS:
                row[f"{m}:low"] = float(metrics[m][0])
                row[f"{m}:high"] = float(metrics[m][1])
                row[f"{m}:swing"] = abs(float(metrics[m][1] - metrics[m][0]))
            rows.append(row)
    table = pd.DataFrame(rows)
    table = table.sort_values(f"{metric}:swing", ascending=False, kind="stable").reset_index(drop=True)
    return Sensitivity(table=table, base=base, metric=metric, by=by)


# ------------------------------------------------------------------- goal-seek


@dataclass(frozen=True)
class GoalSeek:
    """The change of one assumption that makes ``metric`` reach ``target``.

    ``change`` is the factor (mode scale), the value (mode value) or the element's value
    (mode element); ``values`` the assumption's resulting value per field (bank);
    ``achieved`` the metric there. When the target is out of reach, ``reachable`` is
    False and ``change`` / ``achieved`` are the closest the valid range allows.
    ``overrides`` is a scenario ``overrides:`` mapping that reproduces the solution.
    """

    assumption: str
    mode: str
    element: str | None
    metric: str
    target: float
    reachable: bool
    change: float
    achieved: float
    interval: tuple[float, float]
    metric_at_bounds: tuple[float, float]
    values: dict[str, float]
    overrides: dict[str, Any]
    message: str
    text: Message | None = None

    def render(self, lang: str = "en", unit: str = "bn") -> str:
        """The answer in ``lang`` and money ``unit``."""
        return self.text.render(lang, unit) if self.text is not None else self.message

    def to_dict(self) -> dict[str, Any]:
        return {
            "assumption": self.assumption,
            "mode": self.mode,
            "element": self.element,
            "metric": self.metric,
            "target": clean_json(self.target),
            "reachable": self.reachable,
            "change": clean_json(self.change),
            "achieved": clean_json(self.achieved),
            "gap": clean_json(self.achieved - self.target),
            "interval": [clean_json(x) for x in self.interval],
            "metric_at_bounds": [clean_json(x) for x in self.metric_at_bounds],
            "values": {k: clean_json(v) for k, v in self.values.items()},
            "overrides": self.overrides,
            "message": self.message,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)


def goal_seek(
    target: float,
    assumption: str,
    params: Parameters | None = None,
    metric: str = "total_investment_bn",
    mode: Mode = "scale",
    element: str | None = None,
    tolerance: float = 1e-10,
) -> GoalSeek:
    """Solve metric(assumption changed by x) = target for x within the valid range.

    Modes: ``scale`` (every field times x), ``value`` (every field set to x), ``element``
    (only ``element``, a field or bank id, set to x). x is bracketed inside the interval
    that keeps every field within its cap and statutory minimum (:func:`feasible_interval`)
    on a grid evaluated at once, then solved with Brent's method (scipy brentq). If the
    target is out of reach the result says so, with the closest value and its gap.

    Example (hand-computed): one field, F = 500, k = 0.2; s such that
    500 / (s x 0.2) = 6,000 -> s = 500 / 1,200 = 0.41667.
    """
    p = params or default_parameters()
    metric = metric_name(metric)
    _assumption(assumption, continuous=True)
    if mode not in ("scale", "value", "element"):
        raise InputError(f"unknown mode {mode!r} (use scale, value or element)")
    index = _element_index(p, assumption, element)
    if mode == "element" and index is None:
        raise InputError(f"mode 'element' needs a {ASSUMPTIONS[assumption]} id")
    if index is not None and mode == "scale":
        mode = "element"
    if mode == "element":
        mode_used: Mode = "value"  # the element is set to x
    else:
        mode_used = mode
    lo, hi = feasible_interval(p, assumption, mode_used, index)
    if not lo <= hi:
        raise InputError(
            f"goal-seek {assumption}: no {mode} change keeps every element within its cap and statutory minimum"
        )
    base = base_values(p)[assumption]

    def metric_of(x: np.ndarray) -> np.ndarray:
        return evaluate(p, {assumption: apply_change(base, x, mode_used, index)}).metric(metric)

    grid = np.unique(np.concatenate([np.linspace(lo, hi, 257), np.geomspace(max(lo, 1e-9), hi, 257)]))
    grid = grid[(grid >= lo) & (grid <= hi)]
    values = metric_of(grid)
    gap = values - target
    ends = (float(values[0]), float(values[-1]))
    ids = p.field_ids if ASSUMPTIONS[assumption] == "field" else p.bank_ids
    scope = element or ("all_fields" if ASSUMPTIONS[assumption] == "field" else "all_banks")
    said = {"metric": metric, "assumption": assumption, "scope": scope, "target": quantity(metric, target)}
    crossing = np.flatnonzero(np.sign(gap[:-1]) * np.sign(gap[1:]) <= 0)
    if len(crossing):
        i = int(crossing[0])
        if gap[i] == 0:
            x = float(grid[i])
        elif gap[i + 1] == 0:
            x = float(grid[i + 1])
        else:
            x = float(
                optimize.brentq(
                    lambda v: float(metric_of(np.array([v]))[0] - target),
                    grid[i],
                    grid[i + 1],
                    xtol=tolerance,
                    rtol=4 * np.finfo(float).eps,
                )
            )
        achieved = float(metric_of(np.array([x]))[0])
        reachable = True
    else:
        i = int(np.argmin(np.abs(gap)))
        x = float(grid[i])
        achieved = float(values[i])
        reachable = False
    new = apply_change(base, np.array([x]), mode_used, index)[0]
    values_out = {ids[j]: float(new[j]) for j in range(len(ids))}
    section = "fields" if ASSUMPTIONS[assumption] == "field" else "banks"
    changed = [j for j in range(len(ids)) if not math.isclose(new[j], base[j], rel_tol=0, abs_tol=1e-15)]
    overrides = {section: {ids[j]: {assumption: float(new[j])} for j in changed}} if changed else {}
    kind = {"scale": "factor", "value": "value", "element": "value"}[mode]
    if reachable:
        text = Message(f"goal_seek_reached_{kind}", {**said, "x": x})
    else:
        flat = math.isclose(ends[0], ends[1], rel_tol=1e-12, abs_tol=1e-12) and np.ptp(values) < 1e-9
        if flat:
            text = Message("goal_seek_flat", {**said, "achieved": quantity(metric, achieved)})
        else:
            text = Message(
                f"goal_seek_unreachable_{kind}",
                {
                    **said,
                    "lo": lo,
                    "hi": hi,
                    "low": quantity(metric, float(min(values))),
                    "high": quantity(metric, float(max(values))),
                    "achieved": quantity(metric, achieved),
                    "x": x,
                    "gap": quantity(metric, achieved - target, change=True),
                },
            )
    return GoalSeek(
        assumption=assumption,
        mode=mode,
        element=element,
        metric=metric,
        target=float(target),
        reachable=reachable,
        change=x,
        achieved=achieved,
        interval=(lo, hi),
        metric_at_bounds=ends,
        values=values_out,
        overrides=overrides,
        message=text.render("en", "bn"),
        text=text,
    )


# ------------------------------------------------------------------ Monte Carlo


class _StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


Number = float | int


class UniformDist(_StrictModel):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: Number
    high: Number
    relative: bool = False

    @model_validator(mode="after")
    def _order(self) -> UniformDist:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self


class TriangularDist(_StrictModel):
    """Triangular with lower limit low, mode and upper limit high."""

    dist: Literal["triangular"]
    low: Number
    mode: Number
    high: Number
    relative: bool = False

    @model_validator(mode="after")
    def _order(self) -> TriangularDist:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(f"need low <= mode <= high and low < high (got {self.low}, {self.mode}, {self.high})")
        return self


class NormalDist(_StrictModel):
    """Normal(mean, sd) truncated to the valid range, or to [low, high] inside it."""

    dist: Literal["normal"]
    mean: Number
    sd: float = Field(gt=0, strict=False)
    low: Number | None = None
    high: Number | None = None
    relative: bool = False

    @model_validator(mode="after")
    def _order(self) -> NormalDist:
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self


Distribution = UniformDist | TriangularDist | NormalDist


class Correlation(_StrictModel):
    """Rank correlation through a Gaussian copula.

    ``between: [x, y]``: x and y are assumptions (paired element by element: the same field)
    or ``assumption.element``; ``within: assumption``: every pair of its elements.
    """

    between: list[str] | None = Field(default=None, min_length=2, max_length=2)
    within: str | None = None
    rho: float = Field(ge=-1, le=1, strict=False)

    @model_validator(mode="after")
    def _one(self) -> Correlation:
        if (self.between is None) == (self.within is None):
            raise ValueError("give either 'between: [x, y]' or 'within: assumption'")
        return self


class UncertaintyBlock(_StrictModel):
    """The ``uncertainty:`` block of a scenario file."""

    draws: int = Field(default=10_000, ge=1, le=1_000_000)
    seed: int = Field(default=0, ge=0)
    targets: dict[str, float] = Field(default_factory=dict)
    distributions: dict[str, dict[str, Any]] = Field(min_length=1)
    correlations: list[Correlation] = Field(default_factory=list)


def _validation_message(source: str, prefix: str, exc: ValidationError) -> Message:
    """Every pydantic error as ``source: key.path: message (got value)``, joined by "; "."""
    issues = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in (prefix, *err["loc"]) if x != "")
        issues.append(validation_issue(source, loc, err))
    return Message("list", {"items": issues})


@dataclass(frozen=True)
class _Variable:
    assumption: str
    index: int
    element: str
    dist: Distribution
    low: float  # support, absolute values
    high: float
    key: str  # where it was declared, for messages


@dataclass(frozen=True)
class UncertaintySpec:
    """A validated ``uncertainty:`` block, resolved against the scenario's parameters."""

    draws: int
    seed: int
    targets: dict[str, float]
    variables: list[_Variable]
    correlation: np.ndarray
    source: str


_DIST_MODELS: dict[str, type[_StrictModel]] = {
    "uniform": UniformDist,
    "triangular": TriangularDist,
    "normal": NormalDist,
}


def _parse_dist(raw: Any, source: str, key: str) -> Distribution:
    if not isinstance(raw, Mapping):
        raise ParameterError(f"{source}: {key}: must be a mapping with 'dist' (got {raw!r})")
    kind = raw.get("dist")
    if kind not in _DIST_MODELS:
        raise ParameterError(f"{source}: {key}.dist: must be one of {', '.join(_DIST_MODELS)} (got {kind!r})")
    try:
        return _DIST_MODELS[kind].model_validate(dict(raw))  # type: ignore[return-value]
    except ValidationError as exc:
        raise ParameterError(_validation_message(source, key, exc)) from None


def _check_support(
    value: float, factor: float, bounds: tuple[float, float], assumption: str, element: str, where: str
) -> None:
    """Refuse a declared value (times ``factor`` when relative) outside the element's valid range."""
    v = value * factor
    low, high = bounds
    if low - 1e-12 <= v <= high + 1e-12:
        return
    side = "below" if v < low else "above"
    bound = low if side == "below" else high
    scaled = f" ({value:g} x base {factor:g})" if factor != 1.0 else ""
    raise ParameterError(
        f"{where}: {v:g}{scaled} is {side} the {_rule(assumption, side)} {bound:g} of {assumption} in {element}"
    )


def _check_cell_caps(params: Parameters, variables: list[_Variable], source: str) -> None:
    """A cell's fund share is s_field x scale_bank: refuse distributions whose highest
    values together could take a cell past its field's cap (each alone may be valid)."""
    base = base_values(params)
    s_high = base["fund_share_of_capital"].astype(float).copy()
    scale_high = base["fund_share_scale"].astype(float).copy()
    s_key = ["(scenario value)"] * len(s_high)
    scale_key = ["(scenario value)"] * len(scale_high)
    for v in variables:
        if v.assumption == "fund_share_of_capital":
            s_high[v.index], s_key[v.index] = v.high, v.key
        elif v.assumption == "fund_share_scale":
            scale_high[v.index], scale_key[v.index] = v.high, v.key
    cap = np.asarray(params.fund_share_cap, dtype=float)
    cell = s_high[:, None] * scale_high[None, :]
    over = np.argwhere(cell > cap[:, None] + 1e-12)
    if len(over):
        i, j = (int(x) for x in over[0])
        raise ParameterError(
            f"{source}: uncertainty.distributions: fund_share_of_capital of {params.field_ids[i]} up to "
            f"{s_high[i]:g} ({s_key[i]}) times fund_share_scale of {params.bank_ids[j]} up to {scale_high[j]:g} "
            f"({scale_key[j]}) gives a cell share of {cell[i, j]:g}, above the cap {cap[i]:g}"
        )


def parse_uncertainty(raw: Any, params: Parameters, source: str = "scenario") -> UncertaintySpec:
    """Validate an ``uncertainty:`` block strictly against ``params``.

    Errors name ``source`` and the key, e.g. ``s.yaml: uncertainty.distributions.
    capital_ratio.transport_logistics.low: 0.1 is below the statutory minimum 0.15 of
    transport_logistics``. Supports the rules of :func:`valid_range`: a distribution whose
    support leaves an element's valid range is an error (normal ones are truncated to it).
    """
    if not isinstance(raw, Mapping):
        raise ParameterError(f"{source}: uncertainty: must be a mapping (got {raw!r})")
    try:
        block = UncertaintyBlock.model_validate(dict(raw))
    except ValidationError as exc:
        raise ParameterError(_validation_message(source, "uncertainty", exc)) from None
    for name in block.targets:
        if name not in METRICS:
            raise ParameterError(
                f"{source}: uncertainty.targets.{name}: unknown metric (use one of {', '.join(METRICS)})"
            )
    base = base_values(params)
    variables: list[_Variable] = []
    for name, per_element in block.distributions.items():
        key = f"uncertainty.distributions.{name}"
        if name not in CONTINUOUS:
            raise ParameterError(f"{source}: {key}: unknown assumption (use one of {', '.join(CONTINUOUS)})")
        if not isinstance(per_element, Mapping) or not per_element:
            raise ParameterError(f"{source}: {key}: must map 'all' or ids to distributions")
        ids = params.field_ids if ASSUMPTIONS[name] == "field" else params.bank_ids
        for element in per_element:
            if element != "all" and element not in ids:
                raise ParameterError(
                    f"{source}: {key}.{element}: unknown {ASSUMPTIONS[name]} (use 'all' or one of {', '.join(ids)})"
                )
        valid_lo, valid_hi = valid_range(params, name)
        parsed = {el: _parse_dist(d, source, f"{key}.{el}") for el, d in per_element.items()}
        for i, element in enumerate(ids):
            el_key = element if element in parsed else "all" if "all" in parsed else None
            if el_key is None:
                continue
            dist = parsed[el_key]
            factor = float(base[name][i]) if dist.relative else 1.0
            low, high = float(valid_lo[i]), float(valid_hi[i])
            where = f"{key}.{el_key}"
            attrs = ("mean", "low", "high") if isinstance(dist, NormalDist) else ("low", "high")
            for attr in attrs:
                value = getattr(dist, attr)
                if value is not None:
                    _check_support(value, factor, (low, high), name, element, f"{source}: {where}.{attr}")
            if isinstance(dist, NormalDist):
                sup_lo = max(low, dist.low * factor) if dist.low is not None else low
                sup_hi = min(high, dist.high * factor) if dist.high is not None else high
            else:
                sup_lo, sup_hi = dist.low * factor, dist.high * factor
            variables.append(_Variable(name, i, element, dist, sup_lo, sup_hi, where))
    _check_cell_caps(params, variables, source)
    corr = np.eye(len(variables))
    for n, c in enumerate(block.correlations):
        key = f"uncertainty.correlations.{n}"
        pairs: list[tuple[int, int]] = []
        if c.within is not None:
            members = [j for j, v in enumerate(variables) if v.assumption == c.within]
            if len(members) < 2:
                raise ParameterError(
                    f"{source}: {key}.within: {c.within!r} needs at least two uncertain elements (has {len(members)})"
                )
            pairs = [(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
        else:
            x, y = c.between or ["", ""]

            def members_of(ref: str, key: str = key) -> dict[str, int]:
                name, _, element = ref.partition(".")
                found = {
                    v.element: j
                    for j, v in enumerate(variables)
                    if v.assumption == name and (not element or v.element == element)
                }
                if not found:
                    raise ParameterError(f"{source}: {key}.between: {ref!r} is not an uncertain assumption or element")
                return found

            mx, my = members_of(x), members_of(y)
            if len(mx) == 1 and len(my) == 1:
                pairs = [(next(iter(mx.values())), next(iter(my.values())))]
            else:
                pairs = [(mx[e], my[e]) for e in mx if e in my]
                if not pairs:
                    raise ParameterError(f"{source}: {key}.between: {x!r} and {y!r} share no field or bank")
            if any(a == b for a, b in pairs):
                raise ParameterError(f"{source}: {key}.between: a variable cannot be correlated with itself")
        for a, b in pairs:
            corr[a, b] = corr[b, a] = c.rho
    if len(variables):
        smallest = float(np.linalg.eigvalsh(corr).min())
        if smallest < -1e-10:
            raise ParameterError(
                f"{source}: uncertainty.correlations: the correlation matrix is not positive semi-definite "
                f"(smallest eigenvalue {smallest:.3g}); lower some rho"
            )
    return UncertaintySpec(
        draws=block.draws,
        seed=block.seed,
        targets=dict(block.targets),
        variables=variables,
        correlation=corr,
        source=source,
    )


def _inverse_cdf(var: _Variable, u: np.ndarray, base_value: float) -> np.ndarray:
    """Map uniforms u in (0, 1) to the variable's distribution (absolute values)."""
    d = var.dist
    factor = base_value if d.relative else 1.0
    if isinstance(d, UniformDist):
        return var.low + u * (var.high - var.low)
    if isinstance(d, TriangularDist):
        low, mode, high = var.low, d.mode * factor, var.high
        c = (mode - low) / (high - low)
        left = low + np.sqrt(u * (high - low) * (mode - low))
        right = high - np.sqrt((1 - u) * (high - low) * (high - mode))
        return np.where(u < c, left, right)
    mean, sd = d.mean * factor, d.sd * factor
    a, b = special.ndtr((var.low - mean) / sd), special.ndtr((var.high - mean) / sd)
    if not b - a > 1e-12:
        raise ParameterError(
            f"{var.key}: normal(mean {mean:g}, sd {sd:g}) has no probability inside [{var.low:g}, {var.high:g}]"
        )
    x = mean + sd * special.ndtri(a + u * (b - a))
    return np.clip(x, var.low, var.high)  # guards ndtri's last-ulp rounding only (x is inside by construction)


def draw_values(spec: UncertaintySpec, params: Parameters, draws: int | None = None, seed: int | None = None) -> dict:
    """Draw every uncertain assumption: {assumption: (draws, elements)} arrays; elements
    without a distribution keep the scenario's value. Seeded (numpy PCG64): the same seed
    gives the same draws. Correlation through a Gaussian copula: z ~ N(0, R), u = Phi(z).
    """
    n = int(draws or spec.draws)
    rng = np.random.default_rng(spec.seed if seed is None else seed)
    base = base_values(params)
    names = {v.assumption for v in spec.variables}
    out = {name: np.repeat(base[name][None, :].astype(float), n, axis=0) for name in names}
    if not spec.variables:
        return out
    z = rng.standard_normal((n, len(spec.variables)))
    if not np.allclose(spec.correlation, np.eye(len(spec.variables))):
        w, v = np.linalg.eigh(spec.correlation)
        z = z @ (v * np.sqrt(np.clip(w, 0.0, None))).T
    u = special.ndtr(z)
    for j, var in enumerate(spec.variables):
        out[var.assumption][:, var.index] = _inverse_cdf(var, u[:, j], float(base[var.assumption][var.index]))
    return out


@dataclass(frozen=True)
class MonteCarlo:
    """Monte Carlo outcomes: every draw's outputs, percentiles and target probabilities.

    * ``summary``: rows total_investment_bn, net_investment_bn, multiplier,
      net_multiplier, peak_level_effect_pct, peak_growth_effect_pp; columns base, mean, sd, p5, p50, p95
    * ``by_field``: p5 / p50 / p95 of each field's total investment (bn RMB)
    * ``probabilities``: {metric: P(metric >= target)} for each target
    * ``outcomes``: the per-draw arrays; ``samples``: the drawn assumption values
    """

    draws: int
    seed: int
    targets: dict[str, float]
    probabilities: dict[str, float]
    summary: pd.DataFrame
    by_field: pd.DataFrame
    outcomes: Outcomes = field(repr=False)
    samples: dict[str, np.ndarray] = field(repr=False)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "draws": self.draws,
            "seed": self.seed,
            "unit": "bn RMB; level effect in %, growth effect in pp",
            "targets": {k: clean_json(v) for k, v in self.targets.items()},
            "probability_reaching": {k: clean_json(v) for k, v in self.probabilities.items()},
            "summary": [{"metric": k, **{c: clean_json(v) for c, v in r.items()}} for k, r in self.summary.iterrows()],
            "by_field": [{"field": k, **{c: clean_json(v) for c, v in r.items()}} for k, r in self.by_field.iterrows()],
            "seconds": self.seconds,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)


def percentile_summary(outcomes: Mapping[str, np.ndarray], base: Mapping[str, float]) -> pd.DataFrame:
    """One row per metric: base, mean, sd (ddof 1), P5, P50, P95 of its draws (NaN draws left out).

    Example: draws [1, 2, 3] with base 2 -> mean 2, sd 1, P50 2.

    >>> row = percentile_summary({'x': np.array([1.0, 2.0, 3.0])}, {'x': 2.0}).loc['x']
    >>> float(row['mean']), float(row['sd']), float(row['p50'])
    (2.0, 1.0, 2.0)
    """
    rows = {}
    for metric, x in outcomes.items():
        p5, p50, p95 = np.nanpercentile(x, [5, 50, 95])
        rows[metric] = {
            "base": float(base[metric]),
            "mean": float(np.nanmean(x)),
            "sd": float(np.nanstd(x, ddof=1)) if len(x) > 1 else 0.0,
            "p5": float(p5),
            "p50": float(p50),
            "p95": float(p95),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def default_targets(params: Parameters) -> dict[str, float]:
    """The ex-ante targets: total investment (6,000 bn) and "+3.5 pp", a whole-program X / B
    figure, so set against the peak level effect (%)."""
    inst = params.instrument
    return {
        "total_investment_bn": float(inst.target_total_investment_bn.value),
        "peak_level_effect_pct": float(inst.target_uplift_pp.value),
    }


def monte_carlo(
    spec: UncertaintySpec,
    params: Parameters | None = None,
    draws: int | None = None,
    seed: int | None = None,
    targets: Mapping[str, float] | None = None,
) -> MonteCarlo:
    """Draw the assumptions and evaluate all draws at once (:func:`evaluate`).

    Percentiles by linear interpolation (numpy's default); P(metric >= target) as the
    share of draws. Targets: ``targets`` if given, else the block's, else the ex-ante
    targets (:func:`default_targets`).

    Example (closed form): one field with F and k fixed and s ~ U(a, b):
    E[m] = E[1 / (s k)] = ln(b / a) / ((b - a) k); a = 0.3, b = 0.5, k = 0.2 -> 12.77x.
    """
    p = params or default_parameters()
    n = int(draws or spec.draws)
    if not 1 <= n <= MAX_DRAWS:
        raise InputError(f"draws must be between 1 and {MAX_DRAWS:,} (got {n:,})")
    start = time.perf_counter()
    samples = draw_values(spec, p, n, seed)
    outcomes = evaluate(p, samples)
    seconds = time.perf_counter() - start
    base = evaluate(p)
    summary = percentile_summary({m: outcomes.metric(m) for m in METRICS}, {m: base.metric(m)[0] for m in METRICS})
    pct = np.percentile(outcomes.by_field_bn, [5, 50, 95], axis=0)
    by_field = pd.DataFrame(
        {"base": base.by_field_bn[0], "p5": pct[0], "p50": pct[1], "p95": pct[2]},
        index=pd.Index(p.field_ids, name="field"),
    )
    goal = dict(targets) if targets else (spec.targets or default_targets(p))
    for name in goal:
        metric_name(name)
    probabilities = {name: float(np.mean(outcomes.metric(name) >= value)) for name, value in goal.items()}
    return MonteCarlo(
        draws=len(outcomes.total_investment_bn),
        seed=spec.seed if seed is None else int(seed),
        targets={k: float(v) for k, v in goal.items()},
        probabilities=probabilities,
        summary=summary,
        by_field=by_field,
        outcomes=outcomes,
        samples=samples,
        seconds=seconds,
    )
