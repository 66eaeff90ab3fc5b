"""The top-down model: allocation -> capital stack per cell, field, bank -> macro effects.

Money in bn RMB. One call, one :class:`~fundmodel.core.result.Result`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from fundmodel.core import fiscal, leverage, macro, rules
from fundmodel.core.allocation import allocation_checks
from fundmodel.core.result import STACK_COLUMNS, Check, Result
from fundmodel.errors import InputError
from fundmodel.inputs.parameters import Parameters, default_parameters


def leverage_checks(
    params: Parameters,
    ids: Sequence[str],
    fund_share_of_capital: np.ndarray,
    cap: np.ndarray,
    capital_ratio: np.ndarray,
    minimum: np.ndarray,
    what: str = "field",
) -> list[Check]:
    """Report every fund share above its cap and every capital ratio below its minimum
    (rules ``fund_share_cap`` and ``capital_ratio_minimum`` of :mod:`fundmodel.core.rules`)."""
    return [
        *rules.fund_share_cap_checks(ids, fund_share_of_capital, cap, what),
        *rules.capital_ratio_minimum_checks(ids, capital_ratio, minimum, what),
    ]


def stack_table(stack: leverage.CapitalStack, index: pd.Index) -> pd.DataFrame:
    """A capital stack as a table with the gross and net multipliers (I / F, a I / F)."""
    table = pd.DataFrame({c: getattr(stack, c) for c in STACK_COLUMNS}, index=index)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["multiplier"] = table["total_investment_bn"] / table["fund_bn"]
        table["net_multiplier"] = table["net_investment_bn"] / table["fund_bn"]
    return table


def totals_of(table: pd.DataFrame | Mapping[str, np.ndarray], params: Parameters) -> dict[str, float]:
    """Column sums (NaN skipped, as ``Series.sum``), multipliers and the gap to the
    ex-ante target (bn RMB), from a table or its columns."""
    totals = {c: float(np.nansum(np.asarray(table[c], dtype=float))) for c in STACK_COLUMNS}
    fund = totals["fund_bn"]
    totals["multiplier"] = totals["total_investment_bn"] / fund if fund else float("nan")
    totals["net_multiplier"] = totals["net_investment_bn"] / fund if fund else float("nan")
    target = params.instrument.target_total_investment_bn.value
    totals["target_total_investment_bn"] = float(target)
    totals["gap_to_target_bn"] = totals["total_investment_bn"] - target
    return totals


def new_investment_totals(investment_bn: np.ndarray, sunk_share: np.ndarray) -> dict[str, float]:
    """Reported total investment split into new spending and what was already spent (sunk).

    new = sum (1 - sigma) I; sunk = sum sigma I; the reported total stays sum I.

    >>> new_investment_totals(np.array([100.0, 50.0]), np.array([0.3, 0.0]))
    {'new_investment_bn': 120.0, 'sunk_investment_bn': 30.0}
    """
    investment = np.asarray(investment_bn, dtype=float)
    sunk = float(np.nansum(np.asarray(sunk_share, dtype=float) * investment))
    return {"new_investment_bn": float(np.nansum(investment)) - sunk, "sunk_investment_bn": sunk}


def macro_table(
    params: Parameters,
    investment_bn: np.ndarray,
    infrastructure_share: np.ndarray,
    additionality: np.ndarray,
    start_year: np.ndarray,
    construction_years: np.ndarray,
    profile: Sequence[str],
    sunk_share: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """New investment landing per year and quarter, and its level effect (% above the
    base) and growth effect (pp added to the growth rate) on infrastructure investment.

    Rows may be fields or projects; each carries its own theta, a, sunk share sigma and
    phasing. Only new spending counts: row i's new investment is (1 - sigma_i) I_i (the
    rest was spent before the instrument came in), landing by quarter from the
    disbursement date (``macro.disbursement_date``), :func:`macro.quarterly_phasing`.

    Returns ``(by_year, by_quarter)``. ``by_year`` columns: ``investment_bn`` (new
    investment landing), ``net_investment_bn`` (a x new), ``infrastructure_net_bn`` (X_y),
    ``base_bn`` (B_y), ``base_previous_year_bn`` (B_{y-1}), ``level_effect_pct``
    (100 X_y / B_y) and ``growth_effect_pp`` (100 (X_y - X_{y-1}) / B_{y-1}), through the
    year after the last spending, so the growth effects sum to zero. ``by_quarter``:
    ``investment_bn``, ``infrastructure_net_bn`` per quarter (index like ``2025Q4``).
    """
    m = params.macro
    investment = np.asarray(investment_bn, dtype=float)
    sunk = np.zeros(len(investment)) if sunk_share is None else np.asarray(sunk_share, dtype=float)
    new = (1.0 - sunk) * investment
    weight = infrastructure_share * additionality
    # new, net and additional infrastructure investment landing by quarter, summed over the rows
    quarters, landing = macro.landing_by_quarter(
        np.vstack([new, additionality * new, weight * new]),
        start_year,
        construction_years,
        profile,
        macro.quarter_of(m.disbursement_date.value),
    )
    # By year, through one year past the last spending: X falls to 0 there, the last growth effect.
    years = np.arange(quarters[0] // 4, quarters[-1] // 4 + 2)
    by_year_sums = np.vstack([np.bincount(quarters // 4 - years[0], weights=x, minlength=len(years)) for x in landing])
    infra_net = by_year_sums[2]
    base, base_prev = macro.base_and_previous_year(
        years, m.base_year.value, m.base_level_bn.value, m.growth_pct.value, m.projected_growth_pct.value
    )
    by_year = pd.DataFrame(
        {
            "investment_bn": by_year_sums[0],
            "net_investment_bn": by_year_sums[1],
            "infrastructure_net_bn": infra_net,
            "base_bn": base,
            "base_previous_year_bn": base_prev,
            "level_effect_pct": macro.level_effect_pct(infra_net, base),
            "growth_effect_pp": macro.growth_effect_pp(infra_net, base_prev),
        },
        index=pd.Index(years, name="year"),
    )
    by_quarter = pd.DataFrame(
        {
            "investment_bn": landing[0],
            "infrastructure_net_bn": landing[2],
        },
        index=pd.Index([f"{q // 4}Q{q % 4 + 1}" for q in quarters], name="quarter"),
    )
    return by_year, by_quarter


def gross_multiplier(params: Parameters, allocation_bn: np.ndarray | None = None) -> float:
    """The top-down model's gross multiplier, ``run(params, allocation_bn).multiplier``, without
    building its tables: I / F = sum over cells of a_fb / (s_fb k_f), divided by sum of a_fb
    (NaN skipped, as the model's totals), with s_fb = s_f x the bank's scale.

    Example: the bundled parameters give 5,992.06 bn on 500 bn, 11.98x.

    >>> round(gross_multiplier(default_parameters()), 4)
    11.9841
    """
    a = params.allocation_matrix if allocation_bn is None else np.asarray(allocation_bn, dtype=float)
    k, add = params.capital_ratio[:, None], params.additionality[:, None]
    stack = leverage.capital_stack(a, params.cell_fund_share, k, add)
    fund = float(np.nansum(stack.fund_bn))
    return float(np.nansum(stack.total_investment_bn)) / fund if fund else float("nan")


def run(
    params: Parameters | None = None,
    allocation_bn: np.ndarray | None = None,
    scenario_name: str = "baseline",
) -> Result:
    """Run the top-down model.

    ``allocation_bn`` (fields x banks, bn RMB) replaces the parameters' allocation, e.g.
    an allocation edited in the dashboard; it is checked, never corrected.

    Example: the bundled parameters give 500 bn of fund and about 6 tn of investment.

    >>> result = run()
    >>> result.totals['fund_bn'], round(result.totals['total_investment_bn'], 2)
    (500.0, 5992.06)
    """
    p = params or default_parameters()
    a = p.allocation_matrix if allocation_bn is None else np.asarray(allocation_bn, dtype=float)
    if a.shape != (len(p.field_ids), len(p.bank_ids)):
        raise InputError(f"allocation must be {len(p.field_ids)} fields x {len(p.bank_ids)} banks, got {a.shape}")
    s, k, add = p.fund_share_of_capital, p.capital_ratio, p.additionality
    s_cell = p.cell_fund_share

    # Each cell (field, bank) carries its field's k and a, and s = s_f x the bank's scale.
    cells = leverage.capital_stack(a, s_cell, k[:, None], add[:, None])
    cell_index = pd.MultiIndex.from_product([p.field_ids, p.bank_ids], names=["field", "bank"])
    flat = leverage.CapitalStack(**{c: getattr(cells, c).ravel() for c in STACK_COLUMNS})
    by_cell = stack_table(flat, cell_index)

    by_field = by_cell.groupby(level="field", sort=False)[STACK_COLUMNS].sum()
    by_field = stack_table(leverage.CapitalStack(**{c: by_field[c].to_numpy() for c in STACK_COLUMNS}), by_field.index)
    # A field with no money this run still has a leverage: 1/(s k) at the field's s.
    no_fund = by_field["fund_bn"].to_numpy() == 0
    by_field.loc[no_fund, "multiplier"] = leverage.multiplier(s, k)[no_fund]
    by_field.loc[no_fund, "net_multiplier"] = (leverage.multiplier(s, k) * add)[no_fund]
    by_field["fund_share_of_capital"] = s
    by_field["fund_share_cap"] = p.fund_share_cap
    by_field["capital_ratio"] = k
    by_field["capital_ratio_minimum"] = p.capital_ratio_minimum
    by_field["additionality"] = add
    by_field["infrastructure_share"] = p.infrastructure_share

    by_bank = by_cell.groupby(level="bank", sort=False)[STACK_COLUMNS].sum()
    by_bank = stack_table(leverage.CapitalStack(**{c: by_bank[c].to_numpy() for c in STACK_COLUMNS}), by_bank.index)
    by_bank["quota_bn"] = p.bank_quota
    by_bank["fund_share_scale"] = p.fund_share_scale

    fields = list(p.fields.values())
    by_year, by_quarter = macro_table(
        p,
        by_field["total_investment_bn"].to_numpy(),
        p.infrastructure_share,
        add,
        np.array([f.start_year.value for f in fields]),
        np.array([f.construction_years.value for f in fields]),
        [f.phasing_profile.value for f in fields],
        sunk_share=p.sunk_share,
    )
    by_field["sunk_share"] = p.sunk_share

    checks = allocation_checks(p, a)
    checks += leverage_checks(p, p.field_ids, s, p.fund_share_cap, k, p.capital_ratio_minimum)
    # A bank's scale can push a cell over its field's cap even when the field's s is fine.
    checks += rules.cell_fund_share_cap_checks(p.field_ids, p.bank_ids, s, s_cell, p.fund_share_cap)
    totals = totals_of(by_field, p)
    totals.update(new_investment_totals(by_field["total_investment_bn"].to_numpy(), p.sunk_share))
    fiscal_block = fiscal.top_down_fiscal(
        p,
        totals["fund_bn"],
        totals["debt_bn"],
        p.instrument.private_share_min.value,
        p.macro.disbursement_date.value.year,
    )
    checks.append(fiscal.buyback_check(totals["fund_bn"], fiscal_block["summary"]["fund_term_years"]))
    return Result(
        scenario_name=scenario_name,
        mode="top_down",
        totals=totals,
        by_quarter=by_quarter,
        by_field=by_field,
        by_bank=by_bank,
        by_cell=by_cell,
        by_year=by_year,
        checks=checks,
        parameters=p,
        fiscal=fiscal_block,
    )
