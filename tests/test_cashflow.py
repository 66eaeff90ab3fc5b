"""Cash-flow metrics against hand-computed values (RATE / NPV / PMT as a spreadsheet has them)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import numpy_financial as npf
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fundmodel.core.bottom_up import run_portfolio
from fundmodel.core.cashflow import NO_DATA, cash_flow_table, cashflow_metrics, irr, project_cash_flows
from fundmodel.inputs.portfolio import parse_portfolio

COLUMNS = ["project_id", "project_name", "field", "bank", "province", "private", "total_investment_bn",
           "capital_ratio", "fund_requested_bn", "start_year", "construction_years", "phasing_profile",
           "annual_revenue_bn", "annual_opex_bn", "operating_years", "ramp_years", "loan_rate", "loan_tenor_years",
           "fund_return_rate", "fund_term_years", "discount_rate", "market_equity_rate"]  # fmt: skip
PROJECTS = [
    # A: I 100 (K 20, D 80, F 10) built in 2025; revenue 30, opex 5 for 5 years; loan 4% over 5; fund 2% for 5
    ["A", "Toll road", "transport_logistics", "cdb", "jiangsu", "no", "100", "0.2", "10", "2025", "1", "uniform",
     "30", "5", "5", "0", "0.04", "5", "0.02", "5", "0.06", "0.08"],
    # B: as A but revenue 3 < opex 5: every flow negative, no IRR
    ["B", "Loss maker", "transport_logistics", "cdb", "jiangsu", "no", "100", "0.2", "10", "2025", "1", "uniform",
     "3", "5", "5", "0", "0.04", "5", "0.02", "5", "0.06", "0.08"],
    # C: I 100 (K 25, D 75, F 10) over 2 years; revenue 60 ramping 1 year, opex 10, 3 years; loan 5% over 3
    ["C", "Ramped park", "municipal_parks", "adbc", "henan", "no", "100", "0.25", "10", "2025", "2", "uniform",
     "60", "10", "3", "1", "0.05", "3", "0.03", "4", "0.05", "0.09"],
    # D: no cash-flow columns
    ["D", "No data", "municipal_parks", "adbc", "henan", "no", "100", "0.25", "10", "2025", "2", "uniform",
     "", "", "", "", "", "", "", "", "", ""],
    # E: revenue and life but no opex: incomplete
    ["E", "Half data", "municipal_parks", "adbc", "henan", "no", "100", "0.25", "10", "2025", "2", "uniform",
     "20", "", "10", "", "", "", "", "", "", ""],
]  # fmt: skip


@pytest.fixture(scope="module")
def frame():
    table = pd.DataFrame(PROJECTS, columns=COLUMNS, index=range(2, 2 + len(PROJECTS)))
    p = parse_portfolio(table, source="cf")
    assert p.ok, p.report()
    return p.frame


@pytest.fixture(scope="module")
def metrics(frame):
    return cashflow_metrics(frame).set_index(frame["project_id"])


def test_project_a_by_hand(frame, metrics):
    a = metrics.loc["A"]
    # CF = [-100, 25, 25, 25, 25, 25]: 25 x annuity(r, 5) = 100 -> r = RATE(5, 25, -100) = 7.93083%
    assert a["project_irr"] == pytest.approx(0.0793083, abs=1e-7)
    # NPV at 6%: -100 + 25 x (1 - 1.06^-5) / 0.06 = -100 + 25 x 4.2123638 = 5.309095
    assert a["npv_bn"] == pytest.approx(5.309095, abs=1e-6)
    # debt 80 at 4% over 5: PMT = 80 x 0.04 / (1 - 1.04^-5) = 17.970170; DSCR = 25 / 17.970170 = 1.391194
    assert a["min_dscr"] == pytest.approx(1.391194, abs=1e-6)
    # cumulative CF: -100, -75, -50, -25, 0 -> paid back in year 4 = 2029
    assert a["payback_year"] == 2029
    # subsidy: (8% - 2%) x 10 = 0.6 a year for 5 years at 6% = 0.6 x 4.2123638 = 2.527418; / I 100
    assert a["subsidy_bn"] == pytest.approx(2.527418, abs=1e-6)
    assert a["subsidy_per_yuan"] == pytest.approx(0.02527418, abs=1e-8)
    # equity: t0 -100 + 80 + 10 = -10; t1-4: 25 - 17.970170 - 0.2 = 6.829830; t5: 6.829830 - 10 = -3.170170
    flows = cash_flow_table(frame, "A")["equity_cash_flow_bn"].to_numpy()
    assert flows == pytest.approx([-10, 6.829830, 6.829830, 6.829830, 6.829830, -3.170170], abs=1e-6)
    r = a["equity_irr"]
    assert -10 + sum(6.829830 / (1 + r) ** t for t in range(1, 5)) - 3.170170 / (1 + r) ** 5 == pytest.approx(
        0, abs=1e-5
    )
    assert r == pytest.approx(npf.irr(flows), abs=1e-9)
    assert a["cashflow_status"] == "ok" and a["irr_note"] == ""


def test_project_b_has_no_irr(metrics):
    b = metrics.loc["B"]
    assert np.isnan(b["project_irr"]) and np.isnan(b["equity_irr"])
    assert b["irr_note"] == "no IRR: the cash flows never change sign"
    # The other metrics exist: NPV = -100 - 2 x 4.2123638 = -108.424728; DSCR = -2 / 17.970170 = -0.111296
    assert b["npv_bn"] == pytest.approx(-108.424728, abs=1e-6)
    assert b["min_dscr"] == pytest.approx(-0.111296, abs=1e-6)
    assert np.isnan(b["payback_year"])
    assert b["cashflow_status"] == "ok"


def test_project_c_by_hand(frame, metrics):
    c = metrics.loc["C"]
    # capex 50, 50; revenue 60 x min(1, j / 2): 30, 60, 60; opex 10 -> CF = [-50, -50, 20, 50, 50]
    table = cash_flow_table(frame, "C")
    assert table["project_cash_flow_bn"].tolist() == pytest.approx([-50, -50, 20, 50, 50])
    r = c["project_irr"]
    assert -50 - 50 / (1 + r) + 20 / (1 + r) ** 2 + 50 / (1 + r) ** 3 + 50 / (1 + r) ** 4 == pytest.approx(0, abs=1e-9)
    assert r == pytest.approx(0.0687817, abs=1e-7)
    # NPV at 5%: -50 - 47.619048 + 18.140590 + 43.191880 + 41.135124 = 4.848546
    assert c["npv_bn"] == pytest.approx(4.848546, abs=1e-6)
    # debt 75: construction interest 5% x 37.5 = 1.875 in 2026; annuity 75 x 0.05 / (1 - 1.05^-3) = 27.540641
    assert table["debt_service_bn"].tolist() == pytest.approx([0, -1.875, -27.540641, -27.540641, -27.540641])
    # min DSCR in the first operating year: 20 / 27.540641 = 0.726199
    assert c["min_dscr"] == pytest.approx(0.726199, abs=1e-6)
    # cumulative CF: -50, -100, -80, -30, 20 -> 2029
    assert c["payback_year"] == 2029
    # subsidy: fund balance 5 then 10; (9% - 3%) x [5, 10, 10, 10] at 5% for t = 1..4
    # = 0.3/1.05 + 0.6/1.05^2 + 0.6/1.05^3 + 0.6/1.05^4 = 1.841856
    assert c["subsidy_bn"] == pytest.approx(1.841856, abs=1e-6)
    # fund: 2% return... here 3% on 5 then 10; bought back at par in year 4 (2029)
    assert table["fund_return_bn"].tolist() == pytest.approx([0, -0.15, -0.3, -0.3, -0.3])
    assert table["fund_buyback_bn"].tolist() == pytest.approx([0, 0, 0, 0, -10])


def test_projects_without_data_get_none_not_zero(metrics):
    for pid, status in (("D", NO_DATA), ("E", "incomplete cash-flow data: missing annual_opex_bn")):
        row = metrics.loc[pid]
        assert row["cashflow_status"] == status
        numbers = row[["project_irr", "equity_irr", "npv_bn", "min_dscr", "payback_year", "subsidy_per_yuan"]]
        assert numbers.isna().all()


def test_defaults_are_listed(frame):
    partial = frame.copy()
    partial.loc[2, "loan_rate"] = np.nan
    m = cashflow_metrics(partial)
    assert m.loc[2, "cashflow_defaults"] == "loan_rate"
    assert m.loc[3, "cashflow_defaults"] == ""


def test_vectorized_flows_match_row_by_row(frame):
    whole = project_cash_flows(frame.iloc[:3])
    for i in range(3):
        one = project_cash_flows(frame.iloc[i : i + 1])
        width = one.project.shape[1]
        assert whole.project[i, :width] == pytest.approx(one.project[0])
        assert np.all(whole.project[i, width:] == 0)


conventional = st.lists(st.floats(0.5, 50), min_size=1, max_size=25).flatmap(
    lambda inflows: st.tuples(st.floats(1, 200), st.just(inflows))
)


@settings(max_examples=60, deadline=None)
@given(conventional)
def test_irr_matches_numpy_financial(case):
    outlay, inflows = case
    flows = np.array([-outlay, *inflows])
    expected = npf.irr(flows)
    got, note = irr(flows[None, :])
    if np.isnan(expected) or not -0.95 < expected < 3.0:
        assert np.isnan(got[0]) or -0.95 < got[0] < 3.0
    else:
        assert got[0] == pytest.approx(expected, abs=1e-9)
        assert note[0] == ""


def test_run_portfolio_carries_metrics():
    r = run_portfolio(parse_portfolio(pd.DataFrame(PROJECTS, columns=COLUMNS, index=range(2, 2 + len(PROJECTS)))))
    projects = r.projects.set_index("project_id")
    assert projects.loc["A", "project_irr"] == pytest.approx(0.0793083, abs=1e-7)
    assert projects.loc["D", "cashflow_status"] == NO_DATA
    assert r.totals["n_projects_with_cashflow"] == 3
    # subsidy over projects with data: 2.527418 + 2.527418 + 1.841856 = 6.896693 over I 300
    assert r.totals["subsidy_bn"] == pytest.approx(6.896693, abs=1e-6)
    assert r.totals["subsidy_per_yuan"] == pytest.approx(6.896693 / 300, abs=1e-8)


def test_cli_metrics(tmp_path):
    path = tmp_path / "cf.csv"
    pd.DataFrame(PROJECTS, columns=COLUMNS).to_csv(path, index=False)
    out = subprocess.run(
        [sys.executable, "-m", "fundmodel", "metrics", "--portfolio", str(path)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert "3 of 5 projects have cash-flow data" in out.stdout
    rows = {line.split()[0]: line.split() for line in out.stdout.splitlines()[5:]}
    assert rows["A"][1] == "7.93%"
    assert out.stdout.splitlines()[9].split(maxsplit=1) == ["D", "no cash-flow data"]
    assert "no IRR: the cash flows never change sign" in out.stdout


def test_run_without_cashflow_and_auto_limit(monkeypatch):
    import fundmodel.core.bottom_up as bottom_up

    p = parse_portfolio(pd.DataFrame(PROJECTS, columns=COLUMNS, index=range(2, 2 + len(PROJECTS))))
    r = run_portfolio(p, cashflow=False)
    assert "project_irr" not in r.projects and np.isnan(r.totals["subsidy_bn"])
    assert not any(c.code == "cashflow_skipped" for c in r.checks)
    monkeypatch.setattr(bottom_up, "CASHFLOW_AUTO_LIMIT", 2)  # 4 projects give revenue: more than 2
    r = run_portfolio(p)
    skipped = [c for c in r.checks if c.code == "cashflow_skipped"]
    assert len(skipped) == 1 and skipped[0].severity == "info" and "4 projects" in skipped[0].message
    assert "project_irr" not in r.projects
    assert run_portfolio(p, cashflow=True).projects["project_irr"].notna().sum() == 2  # A and C


def test_npv_and_slope_by_hand():
    from fundmodel.core.cashflow import _npv_and_slope

    # flows -100, 110 (years x projects): at 10% NPV = -100 + 110/1.1 = 0, slope = -110/1.1^2 = -90.909;
    # at 0%: NPV = 10, slope = -110
    npv, slope = _npv_and_slope(np.array([[-100.0, -100.0], [110.0, 110.0]]), np.array([0.1, 0.0]))
    assert npv == pytest.approx([0.0, 10.0], abs=1e-12)
    assert slope == pytest.approx([-110 / 1.21, -110.0])
