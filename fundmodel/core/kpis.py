"""The headline figures of a run (the dashboard's KPI cards), read from one Result.

Money in bn RMB; multiplier in times; level effect in percent, growth effect in percentage points.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from fundmodel.core.allocation import private_share_of_fund
from fundmodel.core.result import Result


@dataclass(frozen=True)
class Headline:
    """The KPI values of one run.

    * ``fund_bn``, ``total_investment_bn``, ``net_investment_bn``: sums over fields (bn RMB)
    * ``multiplier``: total investment / fund (times)
    * ``peak_level_effect_pct`` and ``peak_year``: largest yearly level effect (% above the
      infrastructure base) and its year; ``peak_growth_effect_pp``: largest yearly growth
      effect (pp added to the growth rate)
    * ``gap_to_target_bn``: total investment minus the ex-ante target (~6 tn); negative = short
    * ``violations``: number of checks with severity "error"
    * ``private_share``: share of the fund going to private-enterprise projects: from the
      ownership breakdown of a portfolio run, else sum_f p_f F_f / sum_f F_f
    """

    fund_bn: float
    total_investment_bn: float
    net_investment_bn: float
    multiplier: float
    peak_level_effect_pct: float
    peak_growth_effect_pp: float
    peak_year: int | None
    gap_to_target_bn: float
    target_total_investment_bn: float
    violations: int
    private_share: float

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def headline(result: Result) -> Headline:
    """The KPI values of ``result``.

    Example (bundled baseline): fund 500 bn, total investment 5,992 bn, multiplier 11.98x,
    gap to the 6,000 bn target -8 bn, no violations.

    >>> from fundmodel.core.topdown import run
    >>> h = headline(run())
    >>> h.fund_bn, round(h.total_investment_bn), round(h.multiplier, 2), round(h.gap_to_target_bn), h.violations
    (500.0, 5992, 11.98, -8, 0)
    """
    level = result.by_year["level_effect_pct"]
    peak_year = int(level.idxmax()) if len(level) else None
    totals = result.totals
    return Headline(
        fund_bn=float(totals["fund_bn"]),
        total_investment_bn=float(totals["total_investment_bn"]),
        net_investment_bn=float(totals["net_investment_bn"]),
        multiplier=float(totals["multiplier"]),
        peak_level_effect_pct=float(result.peak_level_effect_pct),
        peak_growth_effect_pp=float(result.peak_growth_effect_pp),
        peak_year=peak_year,
        gap_to_target_bn=float(totals["gap_to_target_bn"]),
        target_total_investment_bn=float(totals["target_total_investment_bn"]),
        violations=len(result.errors),
        private_share=_private_share(result),
    )


def _private_share(result: Result) -> float:
    ownership = result.breakdowns.get("ownership")
    if ownership is not None and "private" in ownership.index and "fund_bn" in ownership.columns:
        total = float(ownership["fund_bn"].sum())
        return float(ownership.loc["private", "fund_bn"]) / total if total else float("nan")
    return private_share_of_fund(result.by_field["fund_bn"].to_numpy(dtype=float), result.parameters.private_share)
