"""Monte Carlo at project level: what can turn out differently, project by project.

For a portfolio of N projects and D draws (money in bn RMB), each draw d gives every
project p:

* an investment outturn factor f_pd (actual / planned total investment), triangular
  (low, mode, high); projects share a common shock through a one-factor Gaussian copula,
  z_pd = sqrt(rho) Z_d + sqrt(1 - rho) e_pd, f_pd = F_tri^-1(Phi(z_pd));
* an additionality a_pd ~ U(a_p - w, a_p + w) within [0, 1];
* whether it goes ahead, c_pd ~ Bernoulli(q); a dropped project crowds in nothing and
  its fund is not used.

Per draw: fund used = sum_p F_p c_pd; total investment = sum_p I_p f_pd c_pd; net =
sum_p a_pd I_p f_pd c_pd; multiplier = total / fund used; with
X_dy = sum_p theta_p (1 - sigma_p) a_pd I_p f_pd c_pd w_py
(sigma the sunk share), the
level effect 100 X_dy / B_y (%) and growth effect 100 (X_dy - X_d,y-1) / B_{y-1} (pp). Everything is an array of shape
(draws, projects): 1,000 draws of 2,300 projects are one matrix product.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr

from fundmodel.analysis.uncertainty import default_targets, percentile_summary
from fundmodel.core import macro
from fundmodel.core.bottom_up import project_table, sunk_shares
from fundmodel.core.result import clean_json
from fundmodel.errors import InputError
from fundmodel.inputs.parameters import Parameters, default_parameters
from fundmodel.inputs.portfolio import Portfolio

METRICS = [
    "total_investment_bn",
    "net_investment_bn",
    "fund_used_bn",
    "multiplier",
    "peak_level_effect_pct",
    "peak_growth_effect_pp",
]


@dataclass(frozen=True)
class ProjectUncertainty:
    """Assumptions of the project-level Monte Carlo (defaults are modelling assumptions).

    * ``investment_factor``: (low, mode, high) of actual / planned investment; cost
      overruns make the right tail longer (default 0.9, 1.0, 1.3)
    * ``additionality_spread``: half-width w of each project's additionality (default 0.15)
    * ``completion_probability``: chance a project goes ahead (default 0.95)
    * ``common_shock_correlation``: rho of the investment factors across projects (default 0.3)
    """

    investment_factor: tuple[float, float, float] = (0.9, 1.0, 1.3)
    additionality_spread: float = 0.15
    completion_probability: float = 0.95
    common_shock_correlation: float = 0.3

    def __post_init__(self) -> None:
        low, mode, high = self.investment_factor
        if not 0 < low <= mode <= high:
            raise InputError(f"investment_factor must be 0 < low <= mode <= high (got {self.investment_factor})")
        if not 0 <= self.additionality_spread <= 1:
            raise InputError(f"additionality_spread must be in [0, 1] (got {self.additionality_spread})")
        if not 0 < self.completion_probability <= 1:
            raise InputError(f"completion_probability must be in (0, 1] (got {self.completion_probability})")
        if not 0 <= self.common_shock_correlation <= 1:
            raise InputError(f"common_shock_correlation must be in [0, 1] (got {self.common_shock_correlation})")


def triangular_inverse_cdf(u: np.ndarray, low: float, mode: float, high: float) -> np.ndarray:
    """Inverse CDF of the triangular distribution (vectorized).

    x = low + sqrt(u (high - low)(mode - low))            for u < (mode - low) / (high - low)
    x = high - sqrt((1 - u)(high - low)(high - mode))     otherwise
    Example: low 0, mode 0, high 1, u = 0.75 -> 1 - sqrt(0.25) = 0.5.

    >>> triangular_inverse_cdf(np.array([0.75]), 0.0, 0.0, 1.0).tolist()
    [0.5]
    """
    u = np.asarray(u, dtype=float)
    if high == low:
        return np.full_like(u, low)
    cut = (mode - low) / (high - low)
    left = low + np.sqrt(u * (high - low) * (mode - low))
    right = high - np.sqrt((1 - u) * (high - low) * (high - mode))
    return np.where(u < cut, left, right)


@dataclass(frozen=True)
class ProjectMonteCarlo:
    """Outcomes of the project-level Monte Carlo.

    * ``summary``: rows :data:`METRICS`; columns base, mean, sd, p5, p50, p95
    * ``probabilities``: {metric: P(metric >= target)}
    * ``outcomes``: per-draw arrays of each metric
    """

    draws: int
    projects: int
    seed: int
    assumptions: ProjectUncertainty
    targets: dict[str, float]
    probabilities: dict[str, float]
    summary: pd.DataFrame
    outcomes: dict[str, np.ndarray] = field(repr=False)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        a = self.assumptions
        return {
            "draws": self.draws,
            "projects": self.projects,
            "seed": self.seed,
            "unit": "bn RMB; level effect in %, growth effect in pp",
            "assumptions": {
                "investment_factor": list(a.investment_factor),
                "additionality_spread": a.additionality_spread,
                "completion_probability": a.completion_probability,
                "common_shock_correlation": a.common_shock_correlation,
            },
            "targets": {k: clean_json(v) for k, v in self.targets.items()},
            "probability_reaching": {k: clean_json(v) for k, v in self.probabilities.items()},
            "summary": [{"metric": k, **{c: clean_json(v) for c, v in r.items()}} for k, r in self.summary.iterrows()],
            "seconds": self.seconds,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)


def project_monte_carlo(
    portfolio: Portfolio,
    params: Parameters | None = None,
    assumptions: ProjectUncertainty | None = None,
    draws: int = 1000,
    seed: int = 2025,
    targets: Mapping[str, float] | None = None,
) -> ProjectMonteCarlo:
    """Draw ``draws`` outturns of every project of a valid ``portfolio`` at once.

    Targets default to the ex-ante ones (total investment 6,000 bn, peak level effect 3.5%).
    Example (closed form): with factor (1, 1, 1), spread 0 and completion q, the mean
    total investment is q x sum_p I_p.
    """
    if draws < 1:
        raise InputError(f"draws must be at least 1 (got {draws})")
    p = params or default_parameters()
    a = assumptions or ProjectUncertainty()
    table = project_table(portfolio.under(p), cashflow=False)
    start = time.perf_counter()
    fund = table["fund_bn"].to_numpy(dtype=float)
    invest = table["total_investment_bn"].to_numpy(dtype=float)
    add = table["additionality"].to_numpy(dtype=float)
    theta = table["infrastructure_share"].to_numpy(dtype=float)
    m = p.macro
    years, w, _, _ = macro.quarterly_phasing(
        table["start_year"].to_numpy(dtype=int),
        table["construction_years"].to_numpy(dtype=int),
        table["phasing_profile"].astype(str).tolist(),
        macro.quarter_of(m.disbursement_date.value),
    )
    # only new spending lands (the run's sunk shares)
    theta = theta * (1.0 - sunk_shares(portfolio.under(p), table, p))
    base, base_prev = macro.base_and_previous_year(
        years, m.base_year.value, m.base_level_bn.value, m.growth_pct.value, m.projected_growth_pct.value
    )

    rng = np.random.default_rng(seed)
    n = len(table)
    rho = a.common_shock_correlation
    z = math.sqrt(rho) * rng.standard_normal((draws, 1)) + math.sqrt(1 - rho) * rng.standard_normal((draws, n))
    factor = triangular_inverse_cdf(ndtr(z), *a.investment_factor)
    lo = np.maximum(add - a.additionality_spread, 0.0)
    hi = np.minimum(add + a.additionality_spread, 1.0)
    add_d = lo + (hi - lo) * rng.random((draws, n))
    going = rng.random((draws, n)) < a.completion_probability

    outturn = invest * factor * going  # (draws, projects), bn RMB
    fund_used = going @ fund
    total = outturn.sum(axis=1)
    net = np.einsum("dp,dp->d", add_d, outturn)
    infra = (add_d * outturn * theta) @ w
    with np.errstate(divide="ignore", invalid="ignore"):
        multiplier = total / fund_used
    outcomes = {
        "total_investment_bn": total,
        "net_investment_bn": net,
        "fund_used_bn": fund_used,
        "multiplier": multiplier,
        "peak_level_effect_pct": macro.level_effect_pct(infra, base).max(axis=1),
        "peak_growth_effect_pp": macro.growth_effect_pp(infra, base_prev).max(axis=1),
    }
    seconds = time.perf_counter() - start

    base_infra = (add * invest * theta) @ w
    base_metrics = {
        "total_investment_bn": invest.sum(),
        "net_investment_bn": add @ invest,
        "fund_used_bn": fund.sum(),
        "multiplier": invest.sum() / fund.sum(),
        "peak_level_effect_pct": macro.level_effect_pct(base_infra, base).max(),
        "peak_growth_effect_pp": macro.growth_effect_pp(base_infra, base_prev).max(),
    }
    if targets is None:
        targets = default_targets(p)
    probabilities = {k: float(np.mean(outcomes[k] >= v)) for k, v in targets.items()}
    return ProjectMonteCarlo(
        draws=draws,
        projects=n,
        seed=seed,
        assumptions=a,
        targets=dict(targets),
        probabilities=probabilities,
        summary=percentile_summary(outcomes, base_metrics),
        outcomes=outcomes,
        seconds=seconds,
    )
