"""Comparison of scenarios and the attribution of differences, against hand-computed values."""

import json

import numpy as np
import pytest

from fundmodel.analysis.compare import attribute_difference, compare_results, compare_scenarios, lmdi, log_mean
from fundmodel.cli import main
from fundmodel.core.topdown import run
from fundmodel.inputs.bundled import SCENARIO_DIR
from fundmodel.inputs.parameters import default_parameters
from fundmodel.inputs.scenario import load_scenario

BASELINE = SCENARIO_DIR / "baseline.yaml"
REPORTED = SCENARIO_DIR / "fit_reported_2025.yaml"
CAP_50 = SCENARIO_DIR / "cap_50pct.yaml"


@pytest.fixture(scope="module")
def baseline_vs_reported():
    return compare_scenarios([load_scenario(BASELINE), load_scenario(REPORTED)])


def test_log_mean_by_hand():
    # L(125, 100) = 25 / ln(1.25) = 25 / 0.22314 = 112.034; L(a, a) = a
    assert log_mean(np.array([125.0]), np.array([100.0]))[0] == pytest.approx(112.0355, rel=1e-5)
    assert log_mean(np.array([7.0]), np.array([7.0]))[0] == 7.0


def test_lmdi_single_cell_by_hand():
    # F = 10, k = 0.2, s 0.5 -> 0.4: I 100 -> 125; the whole +25 is the fund share (ratio s0/s1 = 1.25)
    out = lmdi(np.array([100.0]), np.array([125.0]), {"allocation": np.array([1.0]), "s": np.array([1.25])})
    assert out["s"][0] == pytest.approx(25.0)
    assert out["allocation"][0] == pytest.approx(0.0)


def test_lmdi_two_factors_add_up_exactly():
    # I = F / (s k): F 10 -> 12, k 0.2 -> 0.25 at s = 0.5: I 100 -> 96
    # L(96, 100) = -4 / ln(0.96) = 97.99; F: 97.99 ln 1.2 = +17.865; k: 97.99 ln 0.8 = -21.865
    out = lmdi(np.array([100.0]), np.array([96.0]), {"allocation": np.array([1.2]), "k": np.array([0.8])})
    assert out["allocation"][0] == pytest.approx(17.865, abs=1e-3)
    assert out["k"][0] == pytest.approx(-21.865, abs=1e-3)
    assert out["allocation"][0] + out["k"][0] == pytest.approx(-4.0)


def test_lmdi_cell_funded_in_one_scenario_only_goes_to_allocation():
    out = lmdi(np.array([0.0, 50.0]), np.array([30.0, 0.0]), {"allocation": np.array([np.nan, 0.0])})
    assert out["allocation"].tolist() == pytest.approx([30.0, -50.0])


def test_baseline_vs_reported_totals(baseline_vs_reported):
    c = baseline_vs_reported
    a, b = c.labels
    total = c.summary.loc["total_investment_bn"]
    # baseline 5,992.06 bn (README); reported: CDB 3,040.67 / 0.7898 + ADBC 1,720.24 / 0.8913 + EXIM 1,231.15 / 0.947
    assert total[a] == pytest.approx(5992.06, abs=0.01)
    assert total[b] == pytest.approx(3040.6746 / 0.7898 + 1720.2381 / 0.8913 + 1231.1508 / 0.9470, abs=0.01)
    assert total[f"diff:{b}"] == pytest.approx(total[b] - total[a])
    assert total[f"pct:{b}"] == pytest.approx(total[b] / total[a] - 1)
    # gross and net both shown
    assert {"total_investment_bn", "net_investment_bn", "peak_level_effect_pct", "peak_growth_effect_pp"} <= set(
        c.summary.index
    )
    for metric in ("level_effect_pct", "growth_effect_pp"):
        assert c.by_year[metric].index.tolist() == [2025, 2026, 2027, 2028, 2029]  # 3-4 years from 2025Q4
        assert c.by_year[metric][a].tolist() == pytest.approx(c.results[0].by_year[metric].tolist())


def test_reported_difference_comes_from_the_banks_scale(baseline_vs_reported):
    [att] = baseline_vs_reported.attributions
    drivers = att.by_driver["total_investment_bn"]
    assert drivers["bank_fund_share_scale"] == pytest.approx(att.total_difference_bn)
    assert drivers.drop("bank_fund_share_scale").abs().max() == 0
    # by bank: CDB 3,040.6746 x (1 / 0.7898 - 1) = +809.26
    assert att.by_bank.loc["cdb", "total_investment_bn"] == pytest.approx(3040.6746 * (1 / 0.7898 - 1), abs=0.01)
    assert att.by_bank["total_investment_bn"].sum() == pytest.approx(att.total_difference_bn)
    assert att.by_field["net_investment_bn"].sum() == pytest.approx(att.net_difference_bn)
    paths = set(att.parameter_changes["path"])
    assert paths == {"banks.cdb.fund_share_scale", "banks.adbc.fund_share_scale", "banks.exim.fund_share_scale"}


def test_mixed_changes_are_split_among_drivers():
    base = default_parameters()
    other = base.with_overrides(
        {
            "fields": {"digital_economy": {"capital_ratio": 0.25, "additionality": 0.5}},
            "allocation_bn": {"digital_economy": {"cdb": 40}, "transport_logistics": {"cdb": 60}},
        }
    )
    a, b = run(base, scenario_name="a"), run(other, scenario_name="b")
    att = attribute_difference(a, b)
    d = att.by_driver
    # transport_logistics/cdb: F 70 -> 60 at s 0.4, k 0.2: I 875 -> 750 = -125, all allocation
    # digital_economy/cdb: F 30 -> 40, k 0.2 -> 0.25: I 375 -> 400 (= 40 / 0.1)
    #   L(400, 375) = 25 / ln(400/375) = 25 / 0.064539 = 387.36; F: 387.36 x ln(4/3) = +111.44;
    #   k: 387.36 x ln(0.8) = -86.44 (together +25)
    # digital_economy/exim: k 0.2 -> 0.25: I 187.5 -> 150 = -37.5, all capital ratio
    assert d.loc["allocation", "total_investment_bn"] == pytest.approx(-125 + 111.438, abs=0.005)
    assert d.loc["capital_ratio", "total_investment_bn"] == pytest.approx(-86.438 - 37.5, abs=0.005)
    assert d["total_investment_bn"].sum() == pytest.approx(b.total_investment_bn - a.total_investment_bn)
    assert d["net_investment_bn"].sum() == pytest.approx(b.net_investment_bn - a.net_investment_bn)
    assert d.loc["additionality", "net_investment_bn"] < 0
    assert d.loc["additionality", "total_investment_bn"] == 0


def test_three_scenarios_and_unique_labels():
    s = load_scenario(BASELINE)
    c = compare_results([s.run(), load_scenario(CAP_50).run(), s.run()])
    assert c.labels[2] == f"{c.labels[0]} (2)"
    assert c.summary.loc["total_investment_bn", f"diff:{c.labels[2]}"] == 0
    # cap 50%: 5,000 bn, -992.06 bn vs baseline
    assert c.summary.loc["total_investment_bn", f"diff:{c.labels[1]}"] == pytest.approx(5000 - 5992.0635, abs=1e-3)
    with pytest.raises(ValueError, match="at least two"):
        compare_results([s.run()])


def test_cli_compare_table_shows_both_totals_and_the_source(capsys):
    assert main(["compare", str(BASELINE), str(REPORTED)]) == 0
    out = capsys.readouterr().out
    assert "5,992.1" in out and "7,080.0" in out and "+1,088.0" in out
    assert "Net (additional) investment" in out
    assert "Bank scale on fund share" in out and "banks.cdb.fund_share_scale: 1 -> 0.7898" in out


def test_cli_compare_json(capsys):
    assert main(["compare", str(BASELINE), str(REPORTED), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = {r["metric"]: r for r in data["summary"]}
    fit = "Fit to the reported 2025 totals (explains nothing)"
    assert rows["total_investment_bn"][fit] == pytest.approx(7080, rel=1e-3)
    assert data["attributions"][0]["by_driver"][2]["driver"] == "bank_fund_share_scale"


def test_cli_compare_bad_file_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario: {name: x}\noverrides: {banks: {nope: {fund_share_scale: 1}}}\n", encoding="utf-8")
    assert main(["compare", str(BASELINE), str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "banks.nope" in err and err.count("\n") == 1


PORTFOLIO_CSV = (
    (
        "project_id,project_name,field,bank,province,private,sector,total_investment_bn,capital_ratio,"
        "fund_requested_bn,other_public_funding_bn,start_year,construction_years\n"
    )
    + """P1,rail,transport_logistics,cdb,jiangsu,no,railways_highways,100,0.2,10,5,2025,4
P2,solar,green_low_carbon,exim,guangxi,yes,power_other,50,0.2,4,0,2025,4
"""
)

LOWER_ADDITIONALITY = """scenario: {name: Lower additionality}
overrides:
  fields:
    transport_logistics: {additionality: 0.4}
    green_low_carbon: {additionality: 0.45}
"""


def test_cli_compare_on_a_portfolio_shows_gross_net_and_attributed(tmp_path, capsys):
    portfolio = tmp_path / "two.csv"
    portfolio.write_text(PORTFOLIO_CSV, encoding="utf-8")
    lower = tmp_path / "lower.yaml"
    lower.write_text(LOWER_ADDITIONALITY, encoding="utf-8")
    assert main(["compare", str(BASELINE), str(lower), "--portfolio", str(portfolio), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    a, b = (s["label"] for s in data["scenarios"])
    rows = {r["metric"]: r for r in data["summary"]}
    # gross: 100 + 50 = 150 in both; net: 0.55 x 100 + 0.55 x 50 = 82.5 -> 0.4 x 100 + 0.45 x 50 = 62.5
    assert rows["total_investment_bn"][a] == pytest.approx(150)
    assert rows["total_investment_bn"][f"diff:{b}"] == pytest.approx(0)
    assert rows["net_investment_bn"][a] == pytest.approx(82.5)
    assert rows["net_investment_bn"][b] == pytest.approx(62.5)
    # pro rata (OECD DAC): P1 100 x 10 / (10 + 5) = 66.667, P2 50 x 4 / 4 = 50 -> 116.667
    assert rows["attributed_investment_bn"][a] == pytest.approx(100 * 10 / 15 + 50)
    [att] = data["attributions"]
    drivers = {d["driver"]: d for d in att["by_driver"]}
    assert drivers["additionality"]["net_investment_bn"] == pytest.approx(-20)
    assert att["total_difference_bn"] == pytest.approx(0)
