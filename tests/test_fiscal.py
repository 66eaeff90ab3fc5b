"""Fiscal cost, exit schedule and debt by holder, checked against hand-computed values."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from fundmodel.core import fiscal

# One project: fund 10 bn, term 3 years, return 1%, funding 2%, discount 6%.
F, T, RET, FUND, R = np.array([10.0]), np.array([3]), np.array([0.01]), 0.02, 0.06


def test_doctests():
    assert doctest.testmod(fiscal).failed == 0


def test_toy_net_cost_and_pv():
    t = fiscal.fiscal_by_year(F, T, RET, FUND, 2025)
    assert t.index.tolist() == [2025, 2026, 2027]
    assert t["funding_cost_bn"].tolist() == pytest.approx([0.2, 0.2, 0.2])
    assert t["fund_return_bn"].tolist() == pytest.approx([0.1, 0.1, 0.1])
    assert t["net_cost_bn"].tolist() == pytest.approx([0.1, 0.1, 0.1])
    assert t["buyback_bn"].tolist() == [0.0, 0.0, 10.0]
    s = fiscal.fiscal_summary(t, R)
    # 0.1 (1/1.06 + 1/1.06^2 + 1/1.06^3) = 0.1 x 2.673012 = 0.2673012
    assert s["net_cost_pv_bn"] == pytest.approx(0.2673012, abs=1e-7)
    assert s["net_cost_total_bn"] == pytest.approx(0.3)
    assert s["default_loss_pv_bn"] == 0.0


def test_rollover_30pct_keeps_the_cost_for_another_term():
    t = fiscal.fiscal_by_year(F, T, RET, FUND, 2025, rollover_share=0.3)
    assert t["balance_bn"].tolist() == pytest.approx([10, 10, 10, 3, 3, 3])
    assert t["buyback_bn"].tolist() == pytest.approx([0, 0, 7, 0, 0, 3])
    assert t["net_cost_bn"].tolist() == pytest.approx([0.1, 0.1, 0.1, 0.03, 0.03, 0.03])
    s = fiscal.fiscal_summary(t, R)
    # extra 0.03 (1.06^-4 + 1.06^-5 + 1.06^-6) = 0.03 x 2.2443131 = 0.0673294
    assert s["net_cost_pv_bn"] - 0.2673012 == pytest.approx(0.0673294, abs=1e-7)


def test_default_10pct_loses_principal_in_the_year_due():
    t = fiscal.fiscal_by_year(F, T, RET, FUND, 2025, rollover_share=0.3, default_share=0.1)
    assert t["buyback_bn"].tolist() == pytest.approx([0, 0, 6, 0, 0, 3])
    assert t["default_loss_bn"].tolist() == pytest.approx([0, 0, 1, 0, 0, 0])
    s = fiscal.fiscal_summary(t, R)
    # 1 bn lost at the end of 2027: 1 / 1.06^3 = 0.8396193
    assert s["default_loss_pv_bn"] == pytest.approx(0.8396193, abs=1e-7)
    assert s["total_cost_pv_bn"] == pytest.approx(0.2673012 + 0.0673294 + 0.8396193, abs=1e-6)


def test_two_funds_with_different_terms_sum_by_year():
    t = fiscal.fiscal_by_year(np.array([10.0, 5.0]), np.array([3, 1]), np.array([0.01, 0.0]), FUND, 2025)
    # 2025: 0.1 + 5 x 0.02 = 0.2; later only the first fund
    assert t["net_cost_bn"].tolist() == pytest.approx([0.2, 0.1, 0.1])
    assert t["buyback_bn"].tolist() == pytest.approx([5, 0, 10])


def test_debt_by_holder_sums_to_total_debt():
    debt = fiscal.project_debt(np.array([100.0, 50.0, 30.0]), np.array([20.0, 10.0, 30.0]))
    assert debt.tolist() == [80.0, 40.0, 0.0]
    split = fiscal.debt_by_holder(debt, np.array([0.0, 1.0, 0.0]), 0.4)
    assert split.loc[0].tolist() == pytest.approx([32.0, 48.0, 0.0])
    assert split.loc[1].tolist() == pytest.approx([0.0, 0.0, 40.0])
    assert split.to_numpy().sum() == pytest.approx(120.0)


def test_buyback_check_names_its_source():
    c = fiscal.buyback_check(500.0, 15)
    assert c.severity == "info" and "国发〔2019〕26号" in c.message
    assert c.values == {"fund_bn": 500.0, "term_years": 15.0}


def test_top_down_run_has_the_fiscal_block():
    from fundmodel.core.topdown import run

    r = run()
    f = r.to_dict()["fiscal"]
    # 500 bn at the 2% PSL rate: 10 bn a year for the 15-year term, bought back in 2039
    assert f["by_year"][0]["funding_cost_bn"] == pytest.approx(10.0)
    assert len(f["by_year"]) == 15 and f["by_year"][-1]["buyback_bn"] == pytest.approx(500.0)
    assert f["debt_by_holder"]["debt_bn"] == pytest.approx(r.totals["debt_bn"])
    # private firms carry the private floor (20%) of the debt by assumption
    assert f["debt_by_holder"]["private_firm_debt_bn"] == pytest.approx(0.2 * r.totals["debt_bn"])
    assert any(c.code == "fund_buyback_at_par" for c in r.checks)


def test_portfolio_run_debt_by_holder_and_province_sum_to_total_debt():
    from fundmodel.core.bottom_up import run_portfolio
    from fundmodel.inputs.bundled import PORTFOLIO_DIR
    from fundmodel.inputs.portfolio import read_portfolio

    r = run_portfolio(read_portfolio(PORTFOLIO_DIR / "first_batch_examples.csv"), cashflow=False)
    f = r.to_dict()["fiscal"]
    debt = float((r.projects["total_investment_bn"] - r.projects["project_capital_bn"]).sum())
    assert f["debt_by_holder"]["debt_bn"] == pytest.approx(debt)
    assert sum(row["debt_bn"] for row in f["debt_by_province"]) == pytest.approx(debt)
    private = r.projects["private"].astype(bool).to_numpy()
    assert f["debt_by_holder"]["private_firm_debt_bn"] == pytest.approx(
        float((r.projects["total_investment_bn"] - r.projects["project_capital_bn"])[private].sum())
    )


def test_scenario_overrides_rollover_and_default():
    from fundmodel.core.topdown import run
    from fundmodel.inputs.parameters import default_parameters

    p = default_parameters().with_overrides(
        {"instrument": {"buyback_rollover_share": 0.3, "buyback_default_share": 0.1, "funding_rate": 0.025}}
    )
    f = run(p).to_dict()["fiscal"]
    by_year = {r["year"]: r for r in f["by_year"]}
    # 500 bn, 15 years, funding 2.5% against a 2% return: 2.5 bn a year net
    assert by_year[2025]["net_cost_bn"] == pytest.approx(2.5)
    # 2039: 60% bought back (300 bn), 10% lost (50 bn); 30% (150 bn) stays to 2054
    assert by_year[2039]["buyback_bn"] == pytest.approx(300.0)
    assert by_year[2039]["default_loss_bn"] == pytest.approx(50.0)
    assert by_year[2040]["balance_bn"] == pytest.approx(150.0)
    assert by_year[2054]["buyback_bn"] == pytest.approx(150.0)
    assert f["summary"]["default_loss_pv_bn"] == pytest.approx(50.0 / 1.06**15)


def test_rollover_and_default_above_one_refused():
    from fundmodel.core.topdown import run
    from fundmodel.errors import ParameterError
    from fundmodel.inputs.parameters import default_parameters

    p = default_parameters().with_overrides(
        {"instrument": {"buyback_rollover_share": 0.7, "buyback_default_share": 0.4}}
    )
    with pytest.raises(ParameterError, match="at most 1"):
        run(p)
