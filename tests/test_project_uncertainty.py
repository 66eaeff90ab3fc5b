"""Project-level Monte Carlo against closed forms, seeded reproducibility and bad input."""

import math

import numpy as np
import pandas as pd
import pytest

from fundmodel.analysis.project_uncertainty import ProjectUncertainty, project_monte_carlo, triangular_inverse_cdf
from fundmodel.core.bottom_up import run_portfolio
from fundmodel.inputs.portfolio import parse_portfolio

ROWS = [
    # id, field, bank, province, private, sector, I (bn), k, F (bn), start, years
    ("P1", "transport_logistics", "cdb", "jiangsu", "no", "railways_highways", 100.0, 0.2, 8.0, 2025, 2),
    ("P2", "agriculture_rural", "adbc", "henan", "no", "power_other", 50.0, 0.2, 5.0, 2026, 1),
    ("P3", "digital_economy", "exim", "guizhou", "yes", "power_other", 30.0, 0.25, 3.0, 2025, 3),
]
COLUMNS = [
    "project_id",
    "field",
    "bank",
    "province",
    "private",
    "sector",
    "total_investment_bn",
    "capital_ratio",
    "fund_requested_bn",
    "start_year",
    "construction_years",
]


@pytest.fixture(scope="module")
def portfolio():
    raw = pd.DataFrame([[str(v) for v in r] for r in ROWS], columns=COLUMNS)
    raw.insert(1, "project_name", ["a", "b", "c"])
    pf = parse_portfolio(raw, source="three.csv")
    assert pf.ok, pf.report()
    return pf


def test_triangular_inverse_cdf_by_hand():
    # low 0, mode 0, high 1: F(x) = 1 - (1 - x)^2, so F^-1(0.75) = 1 - sqrt(0.25) = 0.5
    assert triangular_inverse_cdf(np.array([0.75]), 0.0, 0.0, 1.0)[0] == pytest.approx(0.5)
    # symmetric (0, 1, 2): the median is the mode; F^-1(0.125) = sqrt(0.125 * 2 * 1) = 0.5
    np.testing.assert_allclose(triangular_inverse_cdf(np.array([0.5, 0.125]), 0, 1, 2), [1.0, 0.5])


def test_no_uncertainty_reproduces_the_run(portfolio):
    fixed = ProjectUncertainty((1.0, 1.0, 1.0), 0.0, 1.0, 0.0)
    mc = project_monte_carlo(portfolio, assumptions=fixed, draws=50)
    r = run_portfolio(portfolio, cashflow=False)
    assert np.allclose(mc.outcomes["total_investment_bn"], 180.0)  # 100 + 50 + 30
    assert mc.summary.loc["total_investment_bn", "base"] == pytest.approx(r.total_investment_bn)
    assert mc.summary.loc["net_investment_bn", "p50"] == pytest.approx(r.net_investment_bn)
    assert mc.summary.loc["peak_level_effect_pct", "p95"] == pytest.approx(r.peak_level_effect_pct)
    assert mc.summary.loc["peak_growth_effect_pp", "p95"] == pytest.approx(r.peak_growth_effect_pp)
    assert mc.summary.loc["multiplier", "mean"] == pytest.approx(180 / 16)


def test_completion_probability_mean_closed_form(portfolio):
    # E[total] = q * sum I = 0.8 * 180 = 144; sd of the mean = sqrt(q(1-q) sum I^2 / D)
    q, draws = 0.8, 20_000
    mc = project_monte_carlo(portfolio, assumptions=ProjectUncertainty((1, 1, 1), 0.0, q, 0.0), draws=draws)
    sd_mean = math.sqrt(q * (1 - q) * (100**2 + 50**2 + 30**2) / draws)
    assert abs(mc.summary.loc["total_investment_bn", "mean"] - 144) < 4 * sd_mean
    assert abs(mc.summary.loc["fund_used_bn", "mean"] - 0.8 * 16) < 4 * math.sqrt(q * (1 - q) * (64 + 25 + 9) / draws)


def test_triangular_factor_mean_closed_form(portfolio):
    # E[f] = (0.9 + 1.0 + 1.3) / 3 = 1.0667 -> E[total] = 192; Var f = (a²+b²+c²-ab-ac-bc)/18
    low, mode, high = 0.9, 1.0, 1.3
    var_f = (low**2 + mode**2 + high**2 - low * mode - low * high - mode * high) / 18
    draws = 20_000
    mc = project_monte_carlo(portfolio, assumptions=ProjectUncertainty((low, mode, high), 0.0, 1.0, 0.0), draws=draws)
    sd_mean = math.sqrt(var_f * (100**2 + 50**2 + 30**2) / draws)
    assert abs(mc.summary.loc["total_investment_bn", "mean"] - 180 * (low + mode + high) / 3) < 4 * sd_mean


def test_full_correlation_moves_projects_together(portfolio):
    # rho = 1: every project of a draw has the same factor, so total / 180 is that factor
    mc = project_monte_carlo(portfolio, assumptions=ProjectUncertainty((0.9, 1.0, 1.3), 0.0, 1.0, 1.0), draws=2000)
    ratio = mc.outcomes["total_investment_bn"] / 180
    assert ratio.min() >= 0.9 - 1e-12 and ratio.max() <= 1.3 + 1e-12
    # with rho = 0 the spread of the total is narrower (diversification)
    independent = project_monte_carlo(
        portfolio, assumptions=ProjectUncertainty((0.9, 1.0, 1.3), 0.0, 1.0, 0.0), draws=2000
    )
    assert independent.summary.loc["total_investment_bn", "sd"] < mc.summary.loc["total_investment_bn", "sd"]


def test_additionality_stays_in_range_and_seed_reproduces(portfolio):
    a = ProjectUncertainty((1, 1, 1), 0.5, 1.0, 0.0)  # a +/- 0.5 cut to [0, 1]
    one = project_monte_carlo(portfolio, assumptions=a, draws=500, seed=7)
    two = project_monte_carlo(portfolio, assumptions=a, draws=500, seed=7)
    other = project_monte_carlo(portfolio, assumptions=a, draws=500, seed=8)
    np.testing.assert_array_equal(one.outcomes["net_investment_bn"], two.outcomes["net_investment_bn"])
    assert not np.array_equal(one.outcomes["net_investment_bn"], other.outcomes["net_investment_bn"])
    assert (one.outcomes["net_investment_bn"] >= 0).all() and (one.outcomes["net_investment_bn"] <= 180).all()


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"investment_factor": (1.2, 1.0, 1.3)}, "low <= mode <= high"),
        ({"investment_factor": (0.0, 1.0, 1.3)}, "0 < low"),
        ({"additionality_spread": -0.1}, "additionality_spread"),
        ({"completion_probability": 0.0}, "completion_probability"),
        ({"common_shock_correlation": 1.5}, "common_shock_correlation"),
    ],
)
def test_bad_assumptions(kwargs, words):
    with pytest.raises(ValueError, match=words):
        ProjectUncertainty(**kwargs)


def test_draws_must_be_positive(portfolio):
    with pytest.raises(ValueError, match="at least 1"):
        project_monte_carlo(portfolio, draws=0)
