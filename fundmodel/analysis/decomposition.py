"""Where a scenario's difference comes from, driver by driver, in sequence.

A scenario built from identified drivers (``portfolios/scenarios/outturn_2025.yaml``)
names them in a ``drivers:`` list; each driver owns some of the scenario's overrides
(key paths, ``*`` for any key at that level)::

    drivers:
      - id: field_mix
        name: Field mix as reported
        paths: [allocation_bn]
      - id: dispersion
        name: Dispersion of s·k across projects
        paths: ["banks.*.fund_share_scale"]

Sequential attribution: starting from the reference parameters P_0, driver j's
overrides are added to those of drivers 1..j-1 (P_j) and its contribution is

    c_j = V(P_j) - V(P_{j-1}),          residual = V(scenario) - V(P_n)

for each measured total V (total, new, net and net new investment). The contributions
and the residual add up to V(scenario) - V(P_0) exactly; each share is c_j over that
difference (shares sum to 100%). The residual is what no driver owns: overrides no
driver lists, and overrides of the reference the scenario does not repeat. The split
depends on the order (interactions go to the later driver): the order is the file's.

The dispersion of s·k across projects: a portfolio's multiplier is the fund-weighted
mean of each project's own multiplier 1 / (s_p k_p),

    M = sum I_p / sum F_p = sum_p w_p / (s_p k_p),    w_p = F_p / sum F,

which is above 1 / (fund-weighted mean of s·k) whenever s·k differs across projects
(Jensen's inequality). The dispersion factor D = M x mean(s·k) >= 1 is how much a
field's multiplier exceeds the one its average s·k gives: a top-down field with mean
fund share s and capital ratio k crowds in F D / (s k), i.e. behaves as if its fund
share were s / D.

>>> stats = sk_dispersion(np.array([1.0, 1.0]), np.array([10.0, 20.0]))
>>> round(stats.multiplier, 4), round(stats.mean_sk, 4), round(stats.factor, 4)
(15.0, 0.075, 1.125)
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fundmodel.core.result import Result, clean_json
from fundmodel.errors import ParameterError
from fundmodel.messages import Message

#: Totals measured by the decomposition (bn RMB): gross total, new (net of sunk), net (a I), net new (a (1 - sigma) I).
DECOMPOSED_METRICS = ["total_investment_bn", "new_investment_bn", "net_investment_bn", "net_new_investment_bn"]

RESIDUAL = "residual"


# --------------------------------------------------------------- dispersion


@dataclass(frozen=True)
class Dispersion:
    """The harmonic-mean effect of a set of projects.

    ``multiplier`` M = sum I / sum F; ``mean_sk`` the fund-weighted mean of s·k = F / I;
    ``factor`` D = M x mean_sk (1 when every project has the same s·k)."""

    projects: int
    fund_bn: float
    total_investment_bn: float
    multiplier: float
    mean_sk: float
    factor: float


def sk_dispersion(fund_bn: np.ndarray, total_investment_bn: np.ndarray) -> Dispersion:
    """Dispersion of s·k = F / I across projects (see the module docstring).

    Example: two projects with 1 bn of fund each, crowding in 10 and 20 bn (s·k = 0.1
    and 0.05): M = 30 / 2 = 15x, mean s·k = 0.075 (1 / 0.075 = 13.3x), D = 15 x 0.075 = 1.125.

    >>> round(sk_dispersion(np.array([1.0, 1.0]), np.array([10.0, 20.0])).factor, 6)
    1.125
    """
    fund = np.asarray(fund_bn, dtype=float)
    investment = np.asarray(total_investment_bn, dtype=float)
    total_fund, total_investment = float(fund.sum()), float(investment.sum())
    multiplier = total_investment / total_fund
    mean_sk = float((fund * (fund / investment)).sum()) / total_fund
    return Dispersion(len(fund), total_fund, total_investment, multiplier, mean_sk, multiplier * mean_sk)


def dispersion_by_field(projects: pd.DataFrame) -> pd.DataFrame:
    """:func:`sk_dispersion` per field of a portfolio (columns ``field``,
    ``fund_requested_bn``, ``total_investment_bn``), and over all projects (row ``all``).

    Within a field D measures what the top-down model's one s and k per field miss; over
    all projects it also counts the differences between fields.
    """
    rows = {}
    for field_id, group in projects.groupby("field", sort=False):
        rows[field_id] = sk_dispersion(group["fund_requested_bn"].to_numpy(), group["total_investment_bn"].to_numpy())
    rows["all"] = sk_dispersion(projects["fund_requested_bn"].to_numpy(), projects["total_investment_bn"].to_numpy())
    table = pd.DataFrame({k: vars(v) for k, v in rows.items()}).T
    table.index.name = "field"
    return table


# ------------------------------------------------------------------ drivers


@dataclass(frozen=True)
class Driver:
    """One identified driver: the override paths it owns, its name and its source."""

    id: str
    name: str
    paths: tuple[str, ...]
    name_zh: str = ""
    reference: str = ""

    def label(self, lang: str = "en") -> str:
        return self.name_zh if lang == "zh" and self.name_zh else self.name


_DRIVER_KEYS = {"id", "name", "name_zh", "paths", "reference"}


def override_leaves(overrides: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Every key path of a nested overrides mapping that holds a value.

    >>> override_leaves({"fields": {"a": {"k": 0.3, "s": 0.4}}, "allocation_bn": {"a": {"cdb": 5}}})
    ['fields.a.k', 'fields.a.s', 'allocation_bn.a.cdb']
    """
    out: list[str] = []
    for key, value in overrides.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            out += override_leaves(value, path)
        else:
            out.append(path)
    return out


def path_matches(pattern: str, path: str) -> bool:
    """A driver's path pattern owns ``path`` when each of its parts equals the path's
    part at that place (``*`` matches any); a shorter pattern owns everything under it.

    >>> path_matches("banks.*.fund_share_scale", "banks.cdb.fund_share_scale")
    True
    >>> path_matches("allocation_bn", "allocation_bn.digital_economy.cdb"), path_matches("fields.a", "fields.ab.k")
    (True, False)
    """
    want, have = pattern.split("."), path.split(".")
    return len(want) <= len(have) and all(w in ("*", h) for w, h in zip(want, have, strict=False))


def restrict_overrides(overrides: Mapping[str, Any], patterns: Sequence[str]) -> dict[str, Any]:
    """The part of ``overrides`` whose key paths some pattern owns (a new nested mapping).

    >>> restrict_overrides({"fields": {"a": {"k": 0.3, "s": 0.4}}, "banks": {"b": {"x": 1}}}, ["fields.*.k"])
    {'fields': {'a': {'k': 0.3}}}
    """
    out: dict[str, Any] = {}
    for leaf in override_leaves(overrides):
        if not any(path_matches(p, leaf) for p in patterns):
            continue
        keys = leaf.split(".")
        src: Any = overrides
        dst = out
        for key in keys[:-1]:
            src = src[key]
            dst = dst.setdefault(key, {})
        dst[keys[-1]] = copy.deepcopy(src[keys[-1]])
    return out


def parse_drivers(data: Any, overrides: Mapping[str, Any], source: str) -> list[Driver]:
    """Validate a scenario's ``drivers:`` list against its overrides.

    Each driver needs an ``id``, a ``name`` and ``paths`` (key paths of the overrides);
    every path must own at least one override and no override may belong to two
    drivers. Errors name the file, the driver and the rule.
    """
    if not isinstance(data, list) or not data:
        raise ParameterError(f"{source}: drivers: must be a non-empty list of drivers")
    leaves = override_leaves(overrides)
    owner: dict[str, str] = {}
    drivers: list[Driver] = []
    for i, item in enumerate(data):
        where = f"{source}: drivers.{i}"
        if not isinstance(item, dict):
            raise ParameterError(f"{where}: must be a mapping with id, name and paths")
        unknown = set(item) - _DRIVER_KEYS
        if unknown:
            raise ParameterError(
                f"{where}.{sorted(unknown)[0]}: unknown key (allowed: {', '.join(sorted(_DRIVER_KEYS))})"
            )
        for key in ("id", "name", "paths"):
            if key not in item:
                raise ParameterError(f"{where}.{key}: required key is missing")
        paths = item["paths"]
        if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p for p in paths):
            raise ParameterError(f"{where}.paths: must be a non-empty list of key paths")
        driver = Driver(
            id=str(item["id"]),
            name=str(item["name"]),
            paths=tuple(paths),
            name_zh=str(item.get("name_zh", "")),
            reference=str(item.get("reference", "")),
        )
        if any(d.id == driver.id for d in drivers):
            raise ParameterError(f"{where}.id: {driver.id!r} is used twice")
        for pattern in driver.paths:
            owned = [leaf for leaf in leaves if path_matches(pattern, leaf)]
            if not owned:
                raise ParameterError(f"{where}.paths: {pattern!r} matches no override of the scenario")
            for leaf in owned:
                if owner.get(leaf, driver.id) != driver.id:
                    raise ParameterError(f"{where}.paths: {leaf} already belongs to driver {owner[leaf]!r}")
                owner[leaf] = driver.id
        drivers.append(driver)
    return drivers


# ------------------------------------------------------------ decomposition


def decomposition_values(result: Result) -> dict[str, float]:
    """The totals the decomposition splits, from a top-down result (bn RMB):
    gross total I, new (1 - sigma) I, net a I and net new a (1 - sigma) I, summed over fields.

    The net new total is what lands in the macro effect before the infrastructure share.
    """
    f = result.by_field
    investment = f["total_investment_bn"].to_numpy(dtype=float)
    new = (1.0 - f["sunk_share"].to_numpy(dtype=float)) * investment
    return {
        "total_investment_bn": float(investment.sum()),
        "new_investment_bn": float(new.sum()),
        "net_investment_bn": float(f["net_investment_bn"].sum()),
        "net_new_investment_bn": float((f["additionality"].to_numpy(dtype=float) * new).sum()),
    }


@dataclass(frozen=True)
class Decomposition:
    """The reference and scenario values, and each driver's contribution and share.

    ``table``: one row per driver then ``residual``; columns ``name``, ``name_zh`` and, per
    metric, ``<metric>`` (contribution, bn RMB) and ``share:<metric>`` (a fraction of the
    difference; NaN when the difference is 0)."""

    reference: dict[str, float]
    scenario: dict[str, float]
    table: pd.DataFrame

    @property
    def difference(self) -> dict[str, float]:
        return {m: self.scenario[m] - self.reference[m] for m in DECOMPOSED_METRICS}

    def to_dict(self) -> dict[str, Any]:
        rows = [{"driver": k, **{c: v for c, v in r.items()}} for k, r in self.table.iterrows()]
        return clean_json(
            {
                "units": {m: "bn RMB" for m in DECOMPOSED_METRICS} | {"share": "fraction of the difference"},
                "reference": self.reference,
                "scenario": self.scenario,
                "difference": self.difference,
                "drivers": rows,
            }
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def sequential_decomposition(
    drivers: Sequence[Driver],
    overrides: Mapping[str, Any],
    evaluate: Callable[[dict[str, Any]], Mapping[str, float]],
    scenario_values: Mapping[str, float],
    metrics: Sequence[str] = DECOMPOSED_METRICS,
) -> Decomposition:
    """Add each driver's overrides in turn, measure with ``evaluate`` (overrides -> totals)
    and attribute each change to the driver just added; the residual closes the gap to
    ``scenario_values`` (the scenario's own totals).

    Example (hand-computed, I = F / (s k)): F 10, s 0.5 -> 0.4 (driver 1), k 0.2 -> 0.16
    (driver 2), and F 10 -> 12 owned by no driver. I goes 100 -> 125 -> 156.25, and
    the scenario gives 12 / 0.064 = 187.5: contributions 25, 31.25, residual 31.25 of 87.5.

    >>> def invest(ov):
    ...     x = {"F": 10.0, "s": 0.5, "k": 0.2} | ov.get("x", {})
    ...     return {"I": x["F"] / (x["s"] * x["k"])}
    >>> d = [Driver("s", "fund share", ("x.s",)), Driver("k", "capital ratio", ("x.k",))]
    >>> full = {"x": {"s": 0.4, "k": 0.16, "F": 12.0}}
    >>> out = sequential_decomposition(d, full, invest, invest(full), ["I"])
    >>> [round(v, 2) for v in out.table["I"]], [round(v, 4) for v in out.table["share:I"]]
    ([25.0, 31.25, 31.25], [0.2857, 0.3571, 0.3571])
    """
    applied: list[str] = []
    previous = dict(evaluate({}))
    reference = dict(previous)
    rows: dict[str, dict[str, Any]] = {}
    for driver in drivers:
        applied += driver.paths
        current = dict(evaluate(restrict_overrides(overrides, applied)))
        rows[driver.id] = {"name": driver.name, "name_zh": driver.name_zh or driver.name} | {
            m: current[m] - previous[m] for m in metrics
        }
        previous = current
    rows[RESIDUAL] = {"name": "Residual (owned by no driver)", "name_zh": "残差（不属于任何驱动因素）"} | {
        m: float(scenario_values[m]) - previous[m] for m in metrics
    }
    table = pd.DataFrame.from_dict(rows, orient="index")
    for m in metrics:
        diff = float(scenario_values[m]) - reference[m]
        table[f"share:{m}"] = table[m] / diff if abs(diff) > 1e-12 else np.nan
    table.index.name = "driver"
    return Decomposition({m: reference[m] for m in metrics}, {m: float(scenario_values[m]) for m in metrics}, table)


def decompose(reference: Any, scenario: Any) -> Decomposition:
    """Decompose the difference from ``reference`` to ``scenario`` (two
    :class:`~fundmodel.inputs.scenario.Scenario`; the second declares ``drivers``) in
    total, new, net and net new investment (top-down runs).

    >>> from fundmodel.inputs.bundled import SCENARIO_DIR
    >>> from fundmodel.inputs.scenario import load_scenario
    >>> d = decompose(load_scenario(SCENARIO_DIR / "baseline.yaml"), load_scenario(SCENARIO_DIR / "outturn_2025.yaml"))
    >>> round(d.reference["total_investment_bn"]), round(d.scenario["total_investment_bn"])
    (5992, 7088)
    """
    from fundmodel.core.topdown import run  # late: analysis builds on the model

    if not scenario.drivers:
        raise ParameterError(Message("decomposition_no_drivers", {"file": scenario.source}))
    base = reference.parameters()
    drivers = parse_drivers(scenario.drivers, scenario.overrides, scenario.source)

    def evaluate(overrides: dict[str, Any]) -> dict[str, float]:
        return decomposition_values(run(base.with_overrides(overrides, source=scenario.source)))

    return sequential_decomposition(drivers, scenario.overrides, evaluate, decomposition_values(scenario.run()))


def render_decomposition(decomposition: Decomposition, unit: str = "bn", lang: str = "en") -> str:
    """The decomposition as a terminal table: one row per driver and the residual, each
    metric's contribution (in ``unit``) and share of the difference, then the totals."""
    from fundmodel.analysis.compare import pct_plain
    from fundmodel.labels import label
    from fundmodel.outputs.report import text_table
    from fundmodel.units import from_bn, unit_label

    scale = float(from_bn(1.0, unit))

    def money(v: float, signed: bool = True) -> str:
        return f"{v * scale:{'+' if signed else ''},.1f}"

    headers = [label("driver", lang)]
    for m in DECOMPOSED_METRICS:
        headers += [label(m, lang), label("share_of_difference", lang)]
    table = decomposition.table
    rows = []
    for _, r in table.iterrows():
        row = [r["name_zh"] if lang == "zh" else r["name"]]
        for m in DECOMPOSED_METRICS:
            row += [money(r[m]), pct_plain(r[f"share:{m}"])]
        rows.append(row)
    total_row = [label("decomposition_difference", lang)]
    for m in DECOMPOSED_METRICS:
        total_row += [money(decomposition.difference[m]), pct_plain(table[f"share:{m}"].sum())]
    rows.append(total_row)
    ends = (("decomposition_from", decomposition.reference), ("decomposition_to", decomposition.scenario))
    for name, values in ((label(key, lang), v) for key, v in ends):
        row = [name]
        for m in DECOMPOSED_METRICS:
            row += [money(values[m], signed=False), ""]
        rows.append(row)
    title = f"{label('decomposition_title', lang)} ({label('unit', lang)}: {unit_label(unit, lang)})"
    return f"{title}\n{text_table(headers, rows)}"
