"""Side-by-side comparison of scenarios, and where their differences come from.

Every figure is read from the :class:`~fundmodel.core.result.Result` of each run (top-down
or portfolio), so a comparison always agrees with ``fundmodel run``. Money in bn RMB,
multipliers in times, level effect in % of the base, growth effect in percentage points.
Differences are against the first scenario: absolute (B - A) and relative ((B - A) / A, a fraction; NaN when A is 0).

Where a difference comes from
-----------------------------
Each cell (field x bank, or the portfolio's projects summed per cell) has

    I = F / (s k)        N = a F / (s k)

with F the fund, s = F / K the fund share of capital, k = K / I the capital ratio and
a = N / I the additionality. The change of a total between two scenarios is split
exactly among the factors by the logarithmic mean Divisia index (LMDI-I, Ang 2005):

    dI_c(x) = L(I1_c, I0_c) * ln(x1_c / x0_c)     for x = F
    dI_c(x) = L(I1_c, I0_c) * ln(x0_c / x1_c)     for x = s, k (they divide)
    L(a, b) = (a - b) / (ln a - ln b),  L(a, a) = a

and the factor contributions add up to dI_c with no residual. In a top-down run s of a
cell is the field's s times the bank's ``fund_share_scale``, so the s term splits in two.
Cells funded in one scenario only put their whole change on the allocation.

Example: a cell with F = 10, k = 0.2 whose s goes 0.5 -> 0.4 moves I from 100 to 125;
L = 25 / ln(1.25) = 112.04 and 112.04 * ln(0.5 / 0.4) = 25: all of it is fund share.

>>> L = float(log_mean(125.0, 100.0))
>>> round(L, 2), round(L * math.log(0.5 / 0.4), 6)
(112.04, 25.0)
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from fundmodel.core.result import Result, clean_json
from fundmodel.errors import InputError
from fundmodel.messages import Message

#: Summary rows (keys of Result.totals); their unit and format come from fundmodel.terms.
SUMMARY_METRICS: list[str] = [
    "fund_bn",
    "project_capital_bn",
    "other_capital_bn",
    "debt_bn",
    "total_investment_bn",
    "net_investment_bn",
    "attributed_investment_bn",
    "multiplier",
    "net_multiplier",
    "attributed_multiplier",
    "peak_level_effect_pct",
    "peak_growth_effect_pp",
    "lowest_growth_effect_pp",
]

#: Macro series compared per year: level effect (% above the base), growth effect (pp).
YEAR_METRICS: list[tuple[str, str]] = [("level_effect_pct", "pct"), ("growth_effect_pp", "pp")]

#: Metrics compared per field and per bank (bn RMB).
BREAKDOWN_METRICS = ["fund_bn", "total_investment_bn", "net_investment_bn", "attributed_investment_bn"]

#: Factors of the decomposition, in display order.
DRIVERS = ["allocation", "field_fund_share", "bank_fund_share_scale", "fund_share_of_capital", "capital_ratio"]
NET_DRIVERS = [*DRIVERS, "additionality"]


# ----------------------------------------------------------------- formulas


def log_mean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Logarithmic mean L(a, b) = (a - b) / (ln a - ln b), with L(a, a) = a (a, b > 0).

    Example: L(125, 100) = 25 / ln(1.25) = 112.036.

    >>> round(float(log_mean(125.0, 100.0)), 3)
    112.036
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (a - b) / (np.log(a) - np.log(b))
    return np.where(np.isclose(a, b, rtol=1e-12, atol=0.0), a, out)


def lmdi(
    value_0: np.ndarray, value_1: np.ndarray, ratios: dict[str, np.ndarray], fallback: str = "allocation"
) -> dict[str, np.ndarray]:
    """Split ``value_1 - value_0`` per cell among factors (LMDI-I, additive, exact).

    ``ratios[x]`` is each cell's ln-ratio driver x1 / x0 for factors that multiply the value,
    or x0 / x1 for factors that divide it, so that the product of all ratios is value_1 /
    value_0. Cells where either value is 0 (funded in one scenario only) put their whole
    change on ``fallback``.

    Example: value 100 -> 125 with one ratio 1.25 -> that factor gets +25.

    >>> round(float(lmdi(100.0, 125.0, {'fund_share': 1.25})['fund_share']), 9)
    25.0
    """
    v0 = np.asarray(value_0, dtype=float)
    v1 = np.asarray(value_1, dtype=float)
    both = (v0 > 0) & (v1 > 0)
    weight = np.where(both, log_mean(np.where(both, v1, 1.0), np.where(both, v0, 1.0)), 0.0)
    out = {}
    for name, ratio in ratios.items():
        with np.errstate(divide="ignore", invalid="ignore"):
            term = weight * np.log(np.where(both, ratio, 1.0))
        out[name] = np.where(both, term, 0.0)
    out.setdefault(fallback, np.zeros_like(v0))
    out[fallback] = out[fallback] + np.where(both, 0.0, v1 - v0)
    return out


def relative_difference(value: np.ndarray | float, reference: np.ndarray | float) -> np.ndarray | float:
    """(value - reference) / reference as a fraction; NaN where the reference is 0.

    Example: 7,080 vs 5,992 -> 0.1816 (+18.2%).

    >>> round(relative_difference(7080.0, 5992.0), 4)
    0.1816
    """
    value = np.asarray(value, dtype=float)
    reference = np.asarray(reference, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(reference != 0, (value - reference) / np.where(reference != 0, reference, 1.0), np.nan)
    return out if out.ndim else float(out)


# ------------------------------------------------------------- comparison


@dataclass(frozen=True)
class Attribution:
    """Where the difference between a scenario and the reference (the first) comes from.

    Tables are indexed by driver, bank or field with columns ``total_investment_bn`` and
    ``net_investment_bn`` (bn RMB) and their shares of the difference.
    """

    scenario: str
    reference: str
    total_difference_bn: float
    net_difference_bn: float
    by_driver: pd.DataFrame
    by_bank: pd.DataFrame
    by_field: pd.DataFrame
    parameter_changes: pd.DataFrame

    def explanation_messages(self) -> list[Message]:
        """The total difference, its main drivers, banks and fields, and the parameters that
        changed, as messages (drivers, banks, fields and parameters named by their labels)."""
        d = self.total_difference_bn
        said = {"scenario": self.scenario, "reference": self.reference}
        lines = [Message("explain_summary", {**said, "total": d, "net": self.net_difference_bn})]
        if abs(d) < 1e-9:
            return lines
        for title, table in (("driver", self.by_driver), ("bank", self.by_bank), ("field", self.by_field)):
            col = table["total_investment_bn"]
            main = col[col.abs() > max(1e-9, 0.005 * abs(d))].sort_values(key=np.abs, ascending=False)
            parts = [Message("explain_part", {"id": name, "amount": v, "share": v / d}) for name, v in main.items()]
            lines.append(Message(f"explain_by_{title}", {"parts": parts or [Message("explain_none")]}))
        if len(self.parameter_changes):
            changes = [
                Message(
                    "explain_parameter_change",
                    {"path": r.path, "before": _said_value(r.reference_value), "after": _said_value(r.value)},
                )
                for r in self.parameter_changes.itertuples()
            ]
            lines.append(Message("explain_parameters_changed", {"changes": changes}))
        return lines

    def explanation(self, lang: str = "en", unit: str = "bn") -> list[str]:
        """:meth:`explanation_messages` as plain sentences in ``lang``, money in ``unit``."""
        return [m.render(lang, unit) for m in self.explanation_messages()]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "reference": self.reference,
            "total_difference_bn": clean_json(self.total_difference_bn),
            "net_difference_bn": clean_json(self.net_difference_bn),
            "by_driver": _frame_records(self.by_driver, "driver"),
            "by_bank": _frame_records(self.by_bank, "bank"),
            "by_field": _frame_records(self.by_field, "field"),
            "parameter_changes": [
                {"path": r.path, "reference_value": clean_json(r.reference_value), "value": clean_json(r.value)}
                for r in self.parameter_changes.itertuples()
            ],
        }


@dataclass(frozen=True)
class Comparison:
    """Scenarios side by side. Tables have one column per scenario (its unique label) and,
    for every scenario after the first, ``diff:<label>`` (absolute) and ``pct:<label>``
    (a fraction) against the first.

    * ``summary``: totals (fund, stack, gross / net / attributed investment, multipliers,
      peak level and growth effects), one row per metric
    * ``by_year``: per year, one table per macro series in :data:`YEAR_METRICS`: the level
      effect (% above the infrastructure base) and the growth effect (pp added to its growth)
    * ``by_field`` / ``by_bank``: one table per metric in :data:`BREAKDOWN_METRICS`
    * ``attributions``: for every scenario after the first, where its difference comes from
    """

    labels: list[str]
    results: list[Result] = field(repr=False)
    summary: pd.DataFrame
    by_year: dict[str, pd.DataFrame]
    by_field: dict[str, pd.DataFrame]
    by_bank: dict[str, pd.DataFrame]
    attributions: list[Attribution]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the CLI's ``--format json``); money in bn RMB."""
        return {
            "unit": "bn RMB",
            "scenarios": [
                {
                    "label": lab,
                    "name": r.scenario_name,
                    "instrument": r.parameters.instrument_id,
                    "mode": r.mode,
                    "errors": [c.to_dict() for c in r.errors],
                }
                for lab, r in zip(self.labels, self.results, strict=True)
            ],
            "reference": self.labels[0],
            "summary": _frame_records(self.summary, "metric"),
            "units": {"level_effect_pct": "% of the infrastructure base", "growth_effect_pp": "pp of growth"},
            "by_year": {m: _frame_records(t, "year") for m, t in self.by_year.items()},
            "by_field": {m: _frame_records(t, "field") for m, t in self.by_field.items()},
            "by_bank": {m: _frame_records(t, "bank") for m, t in self.by_bank.items()},
            "attributions": [a.to_dict() for a in self.attributions],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)


def unique_labels(names: Sequence[str]) -> list[str]:
    """Scenario names made unique for column headers: repeats get " (2)", " (3)", ...

    Example: ["A", "B", "A"] -> ["A", "B", "A (2)"].

    >>> unique_labels(['A', 'B', 'A'])
    ['A', 'B', 'A (2)']
    """
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _with_differences(values: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """Add diff:<label> and pct:<label> columns against the first label."""
    out = values.copy()
    ref = values[labels[0]].to_numpy(dtype=float)
    for lab in labels[1:]:
        col = values[lab].to_numpy(dtype=float)
        out[f"diff:{lab}"] = col - ref
        out[f"pct:{lab}"] = relative_difference(col, ref)
    return out


def _summary_values(result: Result) -> dict[str, float]:
    values = {key: result.totals.get(key, float("nan")) for key in SUMMARY_METRICS}
    values["peak_level_effect_pct"] = result.peak_level_effect_pct
    values["peak_growth_effect_pp"] = result.peak_growth_effect_pp
    values["lowest_growth_effect_pp"] = result.lowest_growth_effect_pp
    return values


def _cell_factors(result: Result) -> pd.DataFrame:
    """Per cell: F, I, N and the effective s = F / K, k = K / I, a = N / I (bn RMB, shares)."""
    cells = result.by_cell if len(result.by_cell) else result.by_field
    fund = cells["fund_bn"].to_numpy(dtype=float)
    capital = cells["project_capital_bn"].to_numpy(dtype=float)
    investment = cells["total_investment_bn"].to_numpy(dtype=float)
    net = cells["net_investment_bn"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame = pd.DataFrame(
            {
                "fund_bn": fund,
                "total_investment_bn": investment,
                "net_investment_bn": net,
                "fund_share_of_capital": fund / capital,
                "capital_ratio": capital / investment,
                "additionality": net / investment,
            },
            index=cells.index,
        )
    return frame


def _bank_scale_of_cells(result: Result, index: pd.Index) -> np.ndarray | None:
    """The bank's fund_share_scale of each (field, bank) cell of a top-down run, else None."""
    if result.mode != "top_down" or not isinstance(index, pd.MultiIndex) or "bank" not in index.names:
        return None
    scale = pd.Series(result.parameters.fund_share_scale, index=result.parameters.bank_ids)
    banks = index.get_level_values("bank")
    if not set(banks) <= set(scale.index):
        return None
    return scale.reindex(banks).to_numpy(dtype=float)


def parameter_changes(reference: Result, other: Result) -> pd.DataFrame:
    """Every parameter whose value differs between two runs: path, reference value, value."""
    ref = {s.path: s.value for s in reference.parameters.sources()}
    rows = []
    for s in other.parameters.sources():
        if s.path not in ref:
            rows.append((s.path, None, s.value))
        elif ref[s.path] != s.value:
            rows.append((s.path, ref[s.path], s.value))
    seen = {s.path for s in other.parameters.sources()}
    rows += [(path, value, None) for path, value in ref.items() if path not in seen]
    return pd.DataFrame(rows, columns=["path", "reference_value", "value"])


def attribute_difference(reference: Result, other: Result, labels: tuple[str, str] | None = None) -> Attribution:
    """Where ``other``'s total and net investment differ from ``reference``'s: by driver
    (LMDI over cells, see the module docstring), by bank, by field, and which parameters
    changed. Contributions in bn RMB add up to the differences exactly.

    Example: fit_reported_2025 vs baseline -> +1,088 bn, all of it from the banks'
    ``fund_share_scale`` (CDB +809, ADBC +210, EXIM +69).

    >>> from fundmodel.inputs.bundled import SCENARIO_DIR
    >>> from fundmodel.inputs.scenario import load_scenario
    >>> base = load_scenario(SCENARIO_DIR / 'baseline.yaml').run()
    >>> reported = load_scenario(SCENARIO_DIR / 'fit_reported_2025.yaml').run()
    >>> a = attribute_difference(base, reported)
    >>> round(a.total_difference_bn)
    1088
    >>> a.by_bank['total_investment_bn'].round().to_dict()
    {'cdb': 809.0, 'adbc': 210.0, 'exim': 69.0}
    """
    ref_label, other_label = labels or (reference.scenario_name, other.scenario_name)
    f0, f1 = _cell_factors(reference), _cell_factors(other)
    if not f0.index.equals(f1.index):
        f1 = f1.reindex(f0.index.union(f1.index, sort=False)).fillna(0.0)
        f0 = f0.reindex(f1.index).fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = {
            "allocation": f1["fund_bn"].to_numpy() / f0["fund_bn"].to_numpy(),
            "fund_share_of_capital": f0["fund_share_of_capital"].to_numpy() / f1["fund_share_of_capital"].to_numpy(),
            "capital_ratio": f0["capital_ratio"].to_numpy() / f1["capital_ratio"].to_numpy(),
        }
        scale0, scale1 = _bank_scale_of_cells(reference, f0.index), _bank_scale_of_cells(other, f1.index)
        if scale0 is not None and scale1 is not None:
            # s_cell = s_field x scale_bank: ln(s0/s1) = ln(sf0/sf1) + ln(scale0/scale1)
            bank_ratio = scale0 / scale1
            ratios["bank_fund_share_scale"] = bank_ratio
            ratios["field_fund_share"] = ratios.pop("fund_share_of_capital") / bank_ratio
        total = lmdi(f0["total_investment_bn"].to_numpy(), f1["total_investment_bn"].to_numpy(), ratios)
        net_ratios = dict(ratios, additionality=f1["additionality"].to_numpy() / f0["additionality"].to_numpy())
        net = lmdi(f0["net_investment_bn"].to_numpy(), f1["net_investment_bn"].to_numpy(), net_ratios)

    total_diff = float(other.total_investment_bn - reference.total_investment_bn)
    net_diff = float(other.net_investment_bn - reference.net_investment_bn)
    order = [d for d in NET_DRIVERS if d in net]
    by_driver = pd.DataFrame(
        {
            "total_investment_bn": [float(total[d].sum()) if d in total else 0.0 for d in order],
            "net_investment_bn": [float(net[d].sum()) for d in order],
        },
        index=pd.Index(order, name="driver"),
    )
    # Rounding noise of ln ratios of equal values (1e-13 bn) is no contribution.
    noise = 1e-9 * max(1.0, reference.total_investment_bn, other.total_investment_bn)
    by_driver = by_driver.where(by_driver.abs() > noise, 0.0)
    by_driver = _add_shares(by_driver, total_diff, net_diff)

    def grouped(level: str) -> pd.DataFrame:
        keys = f0.index.get_level_values(level) if level in f0.index.names else f0.index
        diff = pd.DataFrame(
            {
                "total_investment_bn": f1["total_investment_bn"].to_numpy() - f0["total_investment_bn"].to_numpy(),
                "net_investment_bn": f1["net_investment_bn"].to_numpy() - f0["net_investment_bn"].to_numpy(),
            },
            index=pd.Index(keys, name=level),
        )
        return _add_shares(diff.groupby(level=level, sort=False).sum(), total_diff, net_diff)

    by_bank = grouped("bank") if "bank" in f0.index.names else _by_breakdown(reference, other, "by_bank", "bank")
    by_field = grouped("field") if "field" in f0.index.names else _by_breakdown(reference, other, "by_field", "field")
    by_bank = by_bank.reindex(_union(reference.by_bank.index, other.by_bank.index)).fillna(0.0)
    by_field = by_field.reindex(_union(reference.by_field.index, other.by_field.index)).fillna(0.0)
    return Attribution(
        scenario=other_label,
        reference=ref_label,
        total_difference_bn=total_diff,
        net_difference_bn=net_diff,
        by_driver=by_driver,
        by_bank=by_bank,
        by_field=by_field,
        parameter_changes=parameter_changes(reference, other),
    )


def _union(a: pd.Index, b: pd.Index) -> pd.Index:
    return a.append(b[~b.isin(a)])


def _by_breakdown(reference: Result, other: Result, attr: str, name: str) -> pd.DataFrame:
    """Differences by field or bank read from the runs' own tables (when there are no cells)."""
    t0, t1 = getattr(reference, attr), getattr(other, attr)
    idx = _union(t0.index, t1.index)
    cols = ["total_investment_bn", "net_investment_bn"]
    diff = t1[cols].reindex(idx).fillna(0.0) - t0[cols].reindex(idx).fillna(0.0)
    diff.index.name = name
    return _add_shares(diff, float(diff[cols[0]].sum()), float(diff[cols[1]].sum()))


def _add_shares(table: pd.DataFrame, total_diff: float, net_diff: float) -> pd.DataFrame:
    """Each row's share of the difference; NaN when there is no difference to share
    (below 1e-9 bn, i.e. rounding)."""
    table = table.copy()
    table["share_of_total_difference"] = table["total_investment_bn"] / total_diff if abs(total_diff) > 1e-9 else np.nan
    table["share_of_net_difference"] = table["net_investment_bn"] / net_diff if abs(net_diff) > 1e-9 else np.nan
    return table


def compare_results(results: Sequence[Result]) -> Comparison:
    """Tabulate runs side by side with differences against the first, and attribute each
    difference (see :func:`attribute_difference`).

    Example: baseline vs fit_reported_2025 -> total investment 5,992 vs 7,080 bn (+18.2%).

    >>> from fundmodel.inputs.bundled import SCENARIO_DIR
    >>> from fundmodel.inputs.scenario import load_scenario
    >>> base = load_scenario(SCENARIO_DIR / 'baseline.yaml').run()
    >>> reported = load_scenario(SCENARIO_DIR / 'fit_reported_2025.yaml').run()
    >>> c = compare_results([base, reported])
    >>> c.summary.loc['total_investment_bn'].round(3).tolist()
    [5992.063, 7080.016, 1087.953, 0.182]
    """
    results = list(results)
    if len(results) < 2:
        raise InputError(f"compare needs at least two scenarios (got {len(results)})")
    labels = unique_labels([r.scenario_name for r in results])

    summary = pd.DataFrame({lab: _summary_values(r) for lab, r in zip(labels, results, strict=True)})
    present = [key for key in SUMMARY_METRICS if summary.loc[key].notna().any()]
    summary = _with_differences(summary.loc[present], labels)
    summary.index.name = "metric"

    years = sorted({int(y) for r in results for y in r.by_year.index})
    by_year = {
        metric: _with_differences(
            pd.DataFrame(
                {
                    lab: r.by_year[metric].reindex(years).fillna(0.0).to_numpy()
                    for lab, r in zip(labels, results, strict=True)
                },
                index=pd.Index(years, name="year"),
            ),
            labels,
        )
        for metric, _ in YEAR_METRICS
    }

    def breakdown(attr: str) -> dict[str, pd.DataFrame]:
        tables = [getattr(r, attr) for r in results]
        idx = tables[0].index
        for t in tables[1:]:
            idx = _union(idx, t.index)
        out = {}
        for metric in BREAKDOWN_METRICS:
            if not any(metric in t.columns for t in tables):
                continue
            values = pd.DataFrame(
                {
                    lab: (t[metric].reindex(idx) if metric in t.columns else pd.Series(np.nan, index=idx))
                    for lab, t in zip(labels, tables, strict=True)
                },
                index=idx,
            ).fillna({lab: 0.0 for lab, t in zip(labels, tables, strict=True) if metric in t.columns})
            # a field or bank its instrument does not declare stays NaN (does not apply), not 0
            for lab, r in zip(labels, results, strict=True):
                values.loc[~idx.isin(_declared_ids(r, attr)), lab] = np.nan
            out[metric] = _with_differences(values, labels)
        return out

    attributions = (
        [attribute_difference(results[0], r, (labels[0], lab)) for lab, r in zip(labels[1:], results[1:], strict=True)]
        if len(instruments_of(results)) == 1
        else []
    )  # cells of different instruments are not the same cells
    return Comparison(
        labels=labels,
        results=results,
        summary=summary,
        by_year=by_year,
        by_field=breakdown("by_field"),
        by_bank=breakdown("by_bank"),
        attributions=attributions,
    )


def compare_scenarios(scenarios: Sequence[Any], run: Any = None) -> Comparison:
    """Run each scenario (:class:`~fundmodel.inputs.scenario.Scenario`) and compare.

    ``run`` maps a scenario to a :class:`Result` (default: the top-down model,
    ``scenario.run()``); a portfolio comparison passes a function that runs the portfolio
    under each scenario's parameters.
    """
    runner = run or (lambda s: s.run())
    return compare_results([runner(s) for s in scenarios])


# ------------------------------------------------------------ helpers


def _said_value(v: Any) -> Any:
    """A parameter's value in a message: "none" in the reader's language, a number as ``g``."""
    if v is None:
        return Message("explain_none")
    return f"{v:g}" if isinstance(v, float) else str(v)


def _fmt_value(v: Any) -> str:
    if v is None:
        return "(none)"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _frame_records(table: pd.DataFrame, key: str) -> list[dict[str, Any]]:
    frame = table.reset_index()
    frame = frame.rename(columns={frame.columns[0]: key}) if key not in frame.columns else frame
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({str(k): _json_safe(v) for k, v in row.items()})
    return out


def _json_safe(v: Any) -> Any:
    v = clean_json(v)
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


# ------------------------------------------------------------ rendering


def _letters(n: int) -> list[str]:
    return [chr(ord("A") + i) if i < 26 else f"S{i + 1}" for i in range(n)]


def render_comparison(comparison: Comparison, unit: str = "bn", lang: str = "en") -> str:
    """Terminal tables: scenarios as columns A, B, C, ... with B - A and (B - A) / A, then
    the level and growth effects by year, by field and by bank, and where each difference comes from."""
    from fundmodel.labels import label
    from fundmodel.outputs.report import text_table
    from fundmodel.terms import term
    from fundmodel.units import from_bn, unit_label

    u = unit_label(unit, lang)
    scale = float(from_bn(1.0, unit))
    letters = _letters(len(comparison.labels))
    ref = letters[0]

    def fmt(v: float, kind: str, signed: bool = False) -> str:
        if v is None or not np.isfinite(v):
            return "n/a"
        sign = "+" if signed else ""
        if kind == "money":
            return f"{v * scale:{sign},.1f}"
        if kind == "multiplier":
            return f"{v:{sign}.2f}x"
        if kind == "pp":
            return f"{v:{sign}.2f}"
        if kind == "pct":
            return f"{v:{sign}.2f}%"
        return f"{v:{sign}.1%}"

    def pct(v: float) -> str:
        return "n/a" if v is None or not np.isfinite(v) else f"{v:+.1%}"

    def heads(first: str) -> list[str]:
        out = [first, *letters]
        for lt in letters[1:]:
            out += [f"{lt}-{ref}", f"{lt}/{ref}-1"]
        return out

    def rows_of(table: pd.DataFrame, kind_of: Any, name_of: Any) -> list[list[str]]:
        rows = []
        for key, r in table.iterrows():
            kind = kind_of(key)
            row = [name_of(key), *(fmt(r[lab], kind) for lab in comparison.labels)]
            for lab in comparison.labels[1:]:
                row += [fmt(r[f"diff:{lab}"], kind, signed=True), pct(r[f"pct:{lab}"])]
            rows.append(row)
        return rows

    legend = [f"  {lt} = {lab}" for lt, lab in zip(letters, comparison.labels, strict=True)]
    parts = [f"{label('scenario', lang)} ({label('unit', lang)}: {u}):", *legend, ""]
    parts.append(
        text_table(
            heads(label("metric", lang)),
            rows_of(comparison.summary, lambda k: term(k).unit, lambda k: label(k, lang)),
        )
    )
    for metric, kind in YEAR_METRICS:
        parts += [
            "",
            label(metric, lang),
            text_table(heads(label("year", lang)), rows_of(comparison.by_year[metric], lambda k, kind=kind: kind, str)),
        ]
    for title, tables in (("by_field", comparison.by_field), ("by_bank", comparison.by_bank)):
        for metric in ("total_investment_bn", "net_investment_bn", "attributed_investment_bn"):
            if metric not in tables:
                continue
            parts += [
                "",
                f"{label(title, lang)}: {label(metric, lang)}",
                text_table(
                    heads(label(title[3:], lang)),
                    rows_of(tables[metric], lambda k: "money", lambda k: label(k, lang)),
                ),
            ]
    for lt, attribution in zip(letters[1:], comparison.attributions, strict=False):
        parts += ["", f"{label('where_from', lang)}: {lt} vs {ref}"]
        d, n = attribution.total_difference_bn, attribution.net_difference_bn
        parts.append(
            f"  {label('total_investment_bn', lang)} {fmt(d, 'money', True)} {u}; "
            f"{label('net_investment_bn', lang)} {fmt(n, 'money', True)} {u}"
        )
        for title, table in (
            ("driver", attribution.by_driver),
            ("bank", attribution.by_bank),
            ("field", attribution.by_field),
        ):
            shown = table[(table["total_investment_bn"].abs() > 1e-9) | (table["net_investment_bn"].abs() > 1e-9)]
            if shown.empty:
                continue
            rows = [
                [
                    label(str(k), lang),
                    fmt(r["total_investment_bn"], "money", True),
                    pct_plain(r["share_of_total_difference"]),
                    fmt(r["net_investment_bn"], "money", True),
                    pct_plain(r["share_of_net_difference"]),
                ]
                for k, r in shown.iterrows()
            ]
            parts.append("")
            parts.append(
                text_table(
                    [
                        label(title, lang),
                        label("total_investment_bn", lang),
                        label("share_of_difference", lang),
                        label("net_investment_bn", lang),
                        label("share_of_difference", lang),
                    ],
                    rows,
                )
            )
        if len(attribution.parameter_changes):
            parts += ["", f"{label('parameters_changed', lang)}:"]
            parts += [
                f"  {r.path}: {_fmt_value(r.reference_value)} -> {_fmt_value(r.value)}"
                for r in attribution.parameter_changes.itertuples()
            ]
    for lt, result in zip(letters, comparison.results, strict=True):
        for check in result.errors:
            parts.append(f"[{lt}] [{check.severity}] {check.render(lang, unit)}")
    return "\n".join(parts)


def pct_plain(v: float) -> str:
    """A share as a percentage, or n/a. Example: 0.744 -> '74.4%'.

    >>> pct_plain(0.744), pct_plain(None)
    ('74.4%', 'n/a')
    """
    return "n/a" if v is None or not np.isfinite(v) else f"{v:.1%}"


# ------------------------------------------------------- across instruments

#: Fiscal cost rows compared across scenarios (present values, bn RMB; fundmodel.core.fiscal).
FISCAL_METRICS = ["funding_cost_pv_bn", "net_cost_pv_bn", "total_cost_pv_bn"]


def instruments_of(results: Sequence[Result]) -> list[str]:
    """The instruments of ``results``, in order of first appearance."""
    return list(dict.fromkeys(r.parameters.instrument_id for r in results))


def _declared_ids(result: Result, attr: str) -> list[str]:
    """The fields (``by_field``) or banks (``by_bank``) the result's instrument declares, and
    any its own table has (a portfolio may name others)."""
    declared = result.parameters.field_ids if attr == "by_field" else result.parameters.bank_ids
    return [*declared, *getattr(result, attr).index]


def not_applicable(comparison: Comparison) -> dict[str, dict[str, list[str]]]:
    """Per scenario label, the fields and banks of the comparison that its instrument does not
    declare (rows that do not apply to it; shown as n/a). Empty for one instrument.

    >>> from fundmodel.inputs.scenario import baseline
    >>> c = compare_results([baseline("2025").run(), baseline("2022").run()])
    >>> not_applicable(c)[c.labels[1]]["field"][:2]
    ['digital_economy', 'artificial_intelligence']
    """
    out: dict[str, dict[str, list[str]]] = {}
    for lab, result in zip(comparison.labels, comparison.results, strict=True):
        missing = {}
        for name, tables in (("field", comparison.by_field), ("bank", comparison.by_bank)):
            index = next(iter(tables.values())).index if tables else pd.Index([])
            declared = set(_declared_ids(result, f"by_{name}"))
            ids = [str(i) for i in index if i not in declared]
            if ids:
                missing[name] = ids
        if missing:
            out[lab] = missing
    return out


def fiscal_summary(comparison: Comparison) -> pd.DataFrame:
    """The fiscal cost of each scenario in present value (bn RMB), with differences against the
    first: what the fund's money costs the state, net of what the projects pay back."""
    values = pd.DataFrame(
        {
            lab: [float((r.fiscal or {}).get("summary", {}).get(m, np.nan)) for m in FISCAL_METRICS]
            for lab, r in zip(comparison.labels, comparison.results, strict=True)
        },
        index=pd.Index(FISCAL_METRICS, name="metric"),
    )
    return _with_differences(values, comparison.labels)


def render_across_instruments(comparison: Comparison, unit: str = "bn", lang: str = "en") -> str:
    """What :func:`render_comparison` adds for scenarios of several instruments and for the
    fiscal cost: each scenario's instrument, the rows that do not apply to a scenario, and the
    fiscal cost in present value."""
    from fundmodel.labels import label
    from fundmodel.messages import Message
    from fundmodel.outputs.report import text_table
    from fundmodel.units import from_bn, unit_label

    instruments = instruments_of(comparison.results)
    parts = [f"{label('instruments_compared', lang)}: {', '.join(instruments)}"]
    if len(instruments) > 1:
        parts.append(Message("compare_no_decomposition", {"instruments": ", ".join(instruments)}).render(lang, unit))
        for lab, missing in not_applicable(comparison).items():
            result = comparison.results[comparison.labels.index(lab)]
            for what, ids in missing.items():
                params = {
                    "scenario": lab,
                    "instrument": result.parameters.instrument_id,
                    "what": label(what, lang).lower(),
                    "ids": ", ".join(label(i, lang) for i in ids),
                }
                parts.append(Message("compare_not_applicable", params).render(lang, unit))
    fiscal = fiscal_summary(comparison)
    scale = float(from_bn(1.0, unit))

    def money(v: float, sign: str = "") -> str:
        return "n/a" if not np.isfinite(v) else f"{v * scale:{sign},.1f}"

    rows = [
        [label(m, lang), *(money(r[lab]) for lab in comparison.labels)]
        + [money(r[f"diff:{lab}"], "+") for lab in comparison.labels[1:]]
        for m, r in fiscal.iterrows()
    ]
    letters = _letters(len(comparison.labels))
    heads = [f"{label('fiscal_cost_pv', lang)} ({unit_label(unit, lang)})", *letters]
    heads += [f"{lt}-{letters[0]}" for lt in letters[1:]]
    return "\n".join([*parts, "", text_table(heads, rows)])
