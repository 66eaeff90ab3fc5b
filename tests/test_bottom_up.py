"""Bottom-up runs: aggregation by hand, checks, the synthetic national portfolio, the CLI."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fundmodel import default_parameters
from fundmodel.core.bottom_up import attributed_investment, run_portfolio
from fundmodel.inputs.portfolio import MAJOR_PROVINCES, PortfolioError, read_portfolio
from fundmodel.inputs.synthetic import generate_portfolio, projects_per_bank, write_portfolio

ROOT = Path(__file__).resolve().parent.parent
SYNTHETIC = ROOT / "portfolios" / "national_synthetic.csv"

HEADER = ["project_id", "project_name", "field", "bank", "province", "private", "total_investment_bn",
          "capital_ratio", "fund_requested_bn", "other_public_funding_bn", "start_year", "construction_years",
          "phasing_profile", "additionality"]  # fmt: skip
ROWS = [
    # F 10, k 0.2, I 100 -> K 20, O 10, D 80; a 0.5 -> net 50; P 5 -> attributed 100 x 10/15
    [
        "A",
        "Rail",
        "transport_logistics",
        "cdb",
        "jiangsu",
        "no",
        "100",
        "0.2",
        "10",
        "5",
        "2025",
        "2",
        "uniform",
        "0.5",
    ],
    # F 6, k 0.25, I 40 -> K 10, O 4, D 30; a 1.0 -> net 40; no other public money
    ["B", "Park", "municipal_parks", "cdb", "guizhou", "yes", "40", "0.25", "6", "", "2026", "1", "uniform", "1"],
    # F 4, k 0.2, I 50 -> K 10, O 6, D 40; a 0.6 -> net 30
    [
        "C",
        "Farm water",
        "agriculture_rural",
        "adbc",
        "henan",
        "no",
        "50",
        "0.2",
        "4",
        "",
        "2025",
        "2",
        "uniform",
        "0.6",
    ],
]


@pytest.fixture()
def small(tmp_path):
    path = tmp_path / "small.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *ROWS])
    return read_portfolio(path)


def test_attributed_investment_by_hand():
    # I x F / (F + P): 100 x 10 / 15 = 66.67; P missing counts as 0
    assert attributed_investment(100.0, 10.0, 5.0) == pytest.approx(66.6667, abs=1e-4)
    assert attributed_investment(np.array([100.0]), np.array([10.0]), np.array([np.nan]))[0] == 100


def test_aggregation_by_hand(small):
    r = run_portfolio(small, scenario_name="small")
    assert r.mode == "portfolio"
    t = r.totals
    assert t["fund_bn"] == pytest.approx(20)  # 10 + 6 + 4
    assert t["total_investment_bn"] == pytest.approx(190)  # 100 + 40 + 50
    assert t["project_capital_bn"] == pytest.approx(40)  # 20 + 10 + 10
    assert t["other_capital_bn"] == pytest.approx(20)  # 10 + 4 + 6
    assert t["debt_bn"] == pytest.approx(150)  # 80 + 30 + 40
    assert t["net_investment_bn"] == pytest.approx(120)  # 50 + 40 + 30
    assert t["multiplier"] == pytest.approx(9.5)  # 190 / 20
    # attributed: 66.667 + 40 + 50 = 156.667; / 20 = 7.833
    assert t["attributed_investment_bn"] == pytest.approx(156.6667, abs=1e-4)
    assert t["attributed_multiplier"] == pytest.approx(7.8333, abs=1e-4)
    assert t["private_share"] == pytest.approx(0.3)  # 6 / 20
    assert t["major_province_share"] == pytest.approx(0.7)  # jiangsu 10 + henan 4 of 20
    assert t["n_projects"] == 3
    assert t["top_down_multiplier"] == pytest.approx(11.98, abs=0.01)

    cdb = r.by_bank.loc["cdb"]
    assert (cdb["fund_bn"], cdb["total_investment_bn"], cdb["n_projects"]) == (16, 140, 2)
    assert cdb["multiplier"] == pytest.approx(8.75)  # 140 / 16
    assert r.by_bank.loc["exim", "fund_bn"] == 0 and np.isnan(r.by_bank.loc["exim", "multiplier"])
    assert list(r.by_field.index) == list(r.parameters.field_ids)
    assert r.by_field.loc["transport_logistics", "capital_ratio"] == pytest.approx(0.2)
    assert r.by_cell.loc[("agriculture_rural", "adbc"), "fund_bn"] == 4
    assert r.breakdowns["ownership"].loc["private", "fund_bn"] == 6
    assert r.breakdowns["province"].loc["jiangsu", "major_economic"]
    # new investment = (1 - sunk share 0.15, the fields' default) x I, phased by quarter from
    # 2025Q4 (uniform): A and C over 8 quarters from 2025Q4 -> 1/8 in 2025, 4/8 in 2026,
    # 3/8 in 2027; B (starts 2026) all in 2026
    assert r.by_year.loc[2025, "investment_bn"] == pytest.approx(0.85 * 150 / 8)
    assert r.by_year.loc[2026, "investment_bn"] == pytest.approx(0.85 * (150 * 4 / 8 + 40))
    # net: 0.85 x (A 50 + C 30) / 8 in 2025
    assert r.by_year.loc[2025, "net_investment_bn"] == pytest.approx(0.85 * 80 / 8)
    assert r.by_quarter.loc["2025Q4", "investment_bn"] == pytest.approx(0.85 * 150 / 8)
    assert t["new_investment_bn"] == pytest.approx(0.85 * 190) and t["sunk_investment_bn"] == pytest.approx(0.15 * 190)
    assert r.projects.loc[2, "attributed_investment_bn"] == pytest.approx(66.6667, abs=1e-4)
    json.loads(r.to_json())  # serialisable


def test_sunk_share_of_one_project_by_hand(tmp_path):
    # Project A (I 100, a 0.5, 2 uniform years from 2025Q4) with a sunk share of 30% against 0%.
    def run_with(sunk_a):
        rows = [[*row, sunk] for row, sunk in zip(ROWS, [sunk_a, "0", "0"], strict=True)]
        path = tmp_path / f"sunk_{sunk_a}.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([[*HEADER, "sunk_share"], *rows])
        return run_portfolio(read_portfolio(path))

    none, some = run_with("0"), run_with("0.3")
    # the reported total is unchanged; new investment falls by 0.3 x 100 = 30 bn
    assert some.total_investment_bn == none.total_investment_bn == pytest.approx(190)
    assert none.totals["new_investment_bn"] - some.totals["new_investment_bn"] == pytest.approx(30)
    assert some.totals["sunk_investment_bn"] == pytest.approx(30)
    # X falls by theta x a x 30 x w: 1/8 in 2025, 4/8 in 2026, 3/8 in 2027
    theta = some.parameters.fields["transport_logistics"].infrastructure_share.value
    cut = theta * 0.5 * 30
    b24 = some.by_year.loc[2025, "base_previous_year_bn"]
    b25 = some.by_year.loc[2026, "base_previous_year_bn"]
    b26 = some.by_year.loc[2027, "base_previous_year_bn"]
    dg = none.by_year["growth_effect_pp"] - some.by_year["growth_effect_pp"]
    assert dg[2025] == pytest.approx(100 * cut / 8 / b24)
    assert dg[2026] == pytest.approx(100 * cut * (4 / 8 - 1 / 8) / b25)
    assert dg[2027] == pytest.approx(100 * cut * (3 / 8 - 4 / 8) / b26)
    dl = none.by_year["level_effect_pct"] - some.by_year["level_effect_pct"]
    assert dl[2026] == pytest.approx(100 * cut * 4 / 8 / some.by_year.loc[2026, "base_bn"])


def write(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return path


def test_portfolio_checks(small, tmp_path):
    r = run_portfolio(small)
    codes = {(c.code, c.severity, c.subject) for c in r.checks}
    assert ("allocation_total", "info", "total") in codes  # 20 of 500 bn
    assert ("bank_quota", "info", "cdb") in codes
    assert not r.errors
    # Scaled 30x: fund 600 > 500 bn, CDB 480 > 250 bn (errors); ADBC 120 < 150 bn (info).
    rows = [list(row) for row in ROWS]
    for row in rows:
        for col in ("total_investment_bn", "fund_requested_bn"):
            row[HEADER.index(col)] = str(float(row[HEADER.index(col)]) * 30)
        row[HEADER.index("other_public_funding_bn")] = ""
    r = run_portfolio(read_portfolio(write(tmp_path / "big.csv", rows)))
    errors = {(c.code, c.subject) for c in r.errors}
    assert errors == {("allocation_total", "total"), ("bank_quota", "cdb")}
    assert ("bank_quota", "info", "adbc") in {(c.code, c.severity, c.subject) for c in r.checks}
    # Private share 30% passes; all-state portfolio spending the full 500 bn fails it as an error.
    rows = [list(row) for row in ROWS[:1]] * 1
    rows[0][HEADER.index("fund_requested_bn")] = "250"
    rows[0][HEADER.index("total_investment_bn")] = "2500"
    rows[0][HEADER.index("other_public_funding_bn")] = ""
    second = [*rows[0]]
    second[0], second[3], second[HEADER.index("fund_requested_bn")] = "A2", "adbc", "150"
    third = [*rows[0]]
    third[0], third[3], third[HEADER.index("fund_requested_bn")] = "A3", "exim", "100"
    r = run_portfolio(read_portfolio(write(tmp_path / "state.csv", [rows[0], second, third])))
    assert [(c.code, c.severity) for c in r.checks] == [("private_share", "error"), ("fund_buyback_at_par", "info")]


def test_invalid_portfolio_refused(tmp_path):
    path = tmp_path / "bad.csv"
    rows = [list(r) for r in ROWS]
    rows[0][2] = "nope"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    with pytest.raises(PortfolioError, match="row 2"):
        run_portfolio(read_portfolio(path))


def test_pro_rata_attribution_by_hand(small):
    # macro.pro_rata_attribution: A (I 100, F 10, P 5) counts 100 x 10 / 15 = 66.667 in net
    # investment and the macro effect; B and C have no other public money and count whole.
    full = run_portfolio(small, scenario_name="full")
    params = default_parameters().with_overrides({"macro": {"pro_rata_attribution": True}})
    pro_rata = run_portfolio(small, params, scenario_name="pro rata")
    t = pro_rata.totals
    assert t["total_investment_bn"] == pytest.approx(190)  # the reported gross total is unchanged
    assert t["new_investment_bn"] == pytest.approx(0.85 * 190)
    assert t["net_investment_bn"] == pytest.approx(0.5 * 200 / 3 + 40 + 30)  # 103.333 instead of 120
    assert full.totals["net_investment_bn"] == pytest.approx(120)
    assert pro_rata.by_bank.loc["cdb", "net_investment_bn"] == pytest.approx(0.5 * 200 / 3 + 40)
    assert pro_rata.projects.loc[2, "net_multiplier"] == pytest.approx(0.5 * 200 / 3 / 10)
    # 2025 (A and C, 1/8 of their new investment): counted 0.85 x (66.667 + 50) / 8, net 0.85 x (33.333 + 30) / 8
    assert pro_rata.by_year.loc[2025, "investment_bn"] == pytest.approx(0.85 * (200 / 3 + 50) / 8)
    assert pro_rata.by_year.loc[2025, "net_investment_bn"] == pytest.approx(0.85 * (100 / 3 + 30) / 8)
    # X_2025 = theta-weighted net: transport theta 1.0, agriculture 0.9
    x_2025 = 0.85 * (1.0 * 100 / 3 + 0.9 * 30) / 8
    assert pro_rata.by_year.loc[2025, "infrastructure_net_bn"] == pytest.approx(x_2025)
    assert pro_rata.by_year.loc[2025, "level_effect_pct"] < full.by_year.loc[2025, "level_effect_pct"]


def test_pro_rata_attribution_is_off_by_default():
    assert default_parameters().macro.pro_rata_attribution.value is False


def test_generator_is_seeded_and_calibrated():
    a = generate_portfolio(300, seed=7)
    b = generate_portfolio(300, seed=7)
    assert a.equals(b)
    assert not a.equals(generate_portfolio(300, seed=8))
    sums = a.groupby("bank")["fund_requested_bn"].sum()
    assert sums["cdb"] == pytest.approx(250, abs=1e-6)
    assert sums["adbc"] == pytest.approx(150, abs=1e-6)
    assert sums["exim"] == pytest.approx(100, abs=1e-6)
    assert a["total_investment_bn"].sum() == pytest.approx(7080, rel=1e-4)
    assert list(projects_per_bank(2300, _params(), _cal())) == [1059, 881, 360]


def test_generator_gives_each_bank_its_reported_private_share():
    # CDB 27%, ADBC 10%, EXIM 31% of each bank's money to private-enterprise projects:
    # 67.5 of 250, 15 of 150 and 31 of 100 bn; 113.5 of 500 bn = 22.7% in all.
    a = generate_portfolio(2300, seed=2025)
    private = a[a["private"] == "yes"].groupby("bank")["fund_requested_bn"].sum()
    assert private.to_dict() == pytest.approx({"cdb": 67.5, "adbc": 15.0, "exim": 31.0}, abs=1e-4)
    assert private.sum() / a["fund_requested_bn"].sum() == pytest.approx(0.227, abs=1e-6)


def _params():
    from fundmodel.inputs.parameters import default_parameters

    return default_parameters()


def _cal():
    from fundmodel.inputs.synthetic import calibration

    return calibration()


def test_synthetic_file_is_the_generator_output(tmp_path):
    """The bundled file is exactly what the command in portfolios/README.md writes."""
    out = tmp_path / "regen.csv"
    write_portfolio(generate_portfolio(2300, seed=2025), out)
    pd.testing.assert_frame_equal(pd.read_csv(out), pd.read_csv(SYNTHETIC), rtol=1e-9)


def test_synthetic_national_portfolio_run():
    r = run_portfolio(read_portfolio(SYNTHETIC))
    t = r.totals
    assert t["n_projects"] == 2300
    assert t["fund_bn"] == pytest.approx(500, abs=1e-6)
    assert 6500 <= t["total_investment_bn"] <= 7500  # ~7 tn (reported 7.08 tn)
    assert r.by_bank["fund_bn"].to_dict() == pytest.approx({"cdb": 250, "adbc": 150, "exim": 100}, abs=1e-6)
    assert t["private_share"] >= 0.2
    projects = r.projects
    cdb = projects[projects["bank"] == "cdb"]
    major = cdb.loc[cdb["province"].isin(MAJOR_PROVINCES), "fund_bn"].sum() / cdb["fund_bn"].sum()
    assert major == pytest.approx(0.774, abs=0.01)
    assert r.errors == []
    assert t["attributed_investment_bn"] < t["total_investment_bn"]
    # The vectorized aggregates equal a plain group-by of the projects table.
    for keys, table in ((["field", "bank"], r.by_cell), ("province", r.breakdowns["province"])):
        expected = projects.groupby(keys)[["fund_bn", "total_investment_bn"]].sum()
        got = table.loc[expected.index, ["fund_bn", "total_investment_bn"]]
        assert np.allclose(got.to_numpy(), expected.to_numpy())


def test_cli_run_portfolio_json():
    out = subprocess.run(
        [sys.executable, "-m", "fundmodel", "run", "--portfolio", str(SYNTHETIC), "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["mode"] == "portfolio"
    assert data["fund_size_bn"] == pytest.approx(500, abs=1e-6)
    assert data["totals"]["top_down_multiplier"] == pytest.approx(11.98, abs=0.01)
    assert {row["ownership"] for row in data["by_ownership"]} == {"private", "state"}


def test_a_scenario_reaches_projects_that_rely_on_field_defaults():
    # The synthetic portfolio gives no additionality of its own: each project takes its field's.
    # Read under the baseline, run under a scenario raising transport's a from 0.55 to 0.70:
    # transport's net investment must be 0.70 x its total investment, exactly as a fresh reading.
    path = Path(__file__).resolve().parent.parent / "portfolios" / "national_synthetic.csv"
    base = default_parameters()
    portfolio = read_portfolio(path, params=base)
    scenario = base.with_overrides({"fields": {"transport_logistics": {"additionality": 0.70}}})
    r = run_portfolio(portfolio, scenario, cashflow=False)
    row = r.by_field.loc["transport_logistics"]
    assert row["net_investment_bn"] == pytest.approx(0.70 * row["total_investment_bn"])
    fresh = run_portfolio(read_portfolio(path, params=scenario), scenario, cashflow=False)
    assert r.net_investment_bn == pytest.approx(fresh.net_investment_bn)
    # and the baseline run of the same object is unchanged
    assert run_portfolio(portfolio, base, cashflow=False).by_field.loc["transport_logistics", "net_investment_bn"] == (
        pytest.approx(0.55 * row["total_investment_bn"])
    )


def test_a_stricter_scenario_revalidates_the_portfolio():
    # Lowering every cap to 5% makes the synthetic projects break it: the run refuses, naming the file.
    path = Path(__file__).resolve().parent.parent / "portfolios" / "national_synthetic.csv"
    portfolio = read_portfolio(path)
    strict = default_parameters().with_overrides({"instrument": {"cap_in_principle": 0.05, "cap_key_area": 0.05}})
    with pytest.raises(PortfolioError, match=r"national_synthetic\.csv"):
        run_portfolio(portfolio, strict)


def test_the_top_down_multiplier_beside_a_portfolio_run_is_the_top_down_model_s():
    from fundmodel.core.topdown import gross_multiplier
    from fundmodel.core.topdown import run as run_top_down
    from fundmodel.edits import leverage_overrides

    p = default_parameters()
    # one cell funded: I / F = 1 / (s_cell k), s_cell = the field's share x the bank's scale
    one = np.zeros((len(p.field_ids), len(p.bank_ids)))
    one[0, 0] = 10.0
    assert (p.cell_fund_share[0, 0], p.capital_ratio[0]) == pytest.approx((0.4, 0.2))  # digital economy x CDB
    assert gross_multiplier(p, one) == pytest.approx(12.5)  # 10 / 0.4 / 0.2 = 125 on 10
    assert gross_multiplier(p, one) == pytest.approx(run_top_down(p, one).multiplier)
    edited = p.with_overrides(leverage_overrides(p, {"digital_economy": {"capital_ratio": 0.3}}, {"cdb": 1.2}))
    for params in (p, edited):
        assert gross_multiplier(params) == pytest.approx(run_top_down(params).multiplier, rel=1e-12)
