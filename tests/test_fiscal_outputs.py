"""The fiscal cost and debt by holder in every surface: the CLI table, the JSON with units,
the workbook's Fiscal sheet (formulas) and the dashboard's Fiscal screen (AppTest)."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from fundmodel import run
from fundmodel.inputs.bundled import PORTFOLIO_DIR
from fundmodel.outputs.report import render_fiscal

# Baseline by hand: 500 bn at a 2% funding rate for 15 years from 2025, returning 2% a year:
# funding cost 10 bn a year; PV at 6% = 10 x (1 - 1.06^-15) / 0.06 = 97.12 bn; bought back at
# par (500 bn) at the end of 2039. Debt D = I - K = 5,992.06 - 1,198.41 = 4,793.65 bn: private
# firms the 20% floor (958.73), LGFVs 0.8 x 0.5 x D = 1,917.46, state firms the same.
ANNUITY_15_AT_6 = (1 - 1.06**-15) / 0.06


def test_cli_table_has_the_fiscal_section_by_hand():
    out = subprocess.run([sys.executable, "-m", "fundmodel", "run"], capture_output=True, text=True, check=True).stdout
    section = out[out.index("Fiscal and quasi-fiscal cost") :]
    assert f"funding cost {10 * ANNUITY_15_AT_6:,.1f} bn RMB" in section  # 97.1
    lines = {line.split()[0]: line.split() for line in section.splitlines() if line[:4].isdigit()}
    assert lines["2025"][1:3] == ["500.0", "10.0"] and lines["2039"][5] == "500.0"  # balance, cost; buy-back
    assert "2040" not in lines
    holders = {" ".join(line.split()[:-1]): line.split()[-1] for line in section.splitlines() if line.strip()}
    assert holders["Debt of private firms"] == "958.7"
    assert holders["Debt of LGFVs"] == "1,917.5" and holders["Debt of state firms"] == "1,917.5"
    assert "名股实债" in section and "国发〔2019〕26号" in section


def test_table_in_chinese_and_yi_and_by_province_for_a_portfolio():
    from fundmodel.core.bottom_up import run_portfolio
    from fundmodel.inputs.portfolio import read_portfolio

    result = run_portfolio(read_portfolio(PORTFOLIO_DIR / "first_batch_examples.csv"))
    text = "\n".join(render_fiscal(result, "yi", "zh"))
    assert "财政及准财政成本" in text and "债务按省份" in text
    # Guangxi (Bailong nuclear): its debt in 亿元 is ten times the bn figure of the model
    guangxi = result.fiscal["debt_by_province"].loc["guangxi", "debt_bn"]
    assert f"{guangxi * 10:,.1f}" in text
    assert "项目资本金中的地方专项债" in text


def test_json_has_the_effects_the_fiscal_cost_and_debt_by_holder_with_units():
    data = json.loads(run().to_json())
    units = data["units"]
    assert {"level_effect_pct", "growth_effect_pp"} <= set(units)
    assert data["level_effect_pct"] and data["growth_effect_pp"]
    fiscal = data["fiscal"]
    fu = fiscal["units"]
    keys = set(fiscal["summary"]) | set(fiscal["debt_by_holder"]) | set(fiscal["assumptions"]) - {"debt_split_basis"}
    keys |= {k for row in fiscal["by_year"] for k in row} - {"year"}
    assert keys <= set(fu), keys - set(fu)
    assert fiscal["summary"]["funding_cost_pv_bn"] == pytest.approx(10 * ANNUITY_15_AT_6)
    assert fiscal["debt_by_holder"]["private_firm_debt_bn"] == pytest.approx(0.2 * fiscal["debt_by_holder"]["debt_bn"])


@pytest.fixture
def _library(tmp_path, monkeypatch):
    # a scenario library of its own (SQLite file), never the user's
    monkeypatch.setenv("FUNDMODEL_DB_URL", f"sqlite:///{tmp_path / 'library.sqlite'}")
    monkeypatch.setenv("FUNDMODEL_AUTHOR", "tester")


FISCAL_PAGE = "fundmodel_dashboard/screens/fiscal.py"


def _dashboard(basis: str, lang: str = "en", unit: str = "bn"):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=60)
    at.run()
    if basis != "portfolio":
        at.radio(key="basis__en").set_value(basis).run()
    at.radio(key="lang").set_value(lang)
    at.radio(key="unit").set_value(unit)
    at.run()
    at.switch_page(FISCAL_PAGE).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.usefixtures("_library")
def test_dashboard_fiscal_screen_top_down_by_hand():
    at = _dashboard("top_down")
    cards = {m.label: m.value for m in at.metric}
    assert cards["Funding cost (PV)"] == f"{10 * ANNUITY_15_AT_6:,.1f} bn RMB"  # 97.1
    assert cards["Debt"] == f"{run().fiscal['debt_by_holder']['debt_bn']:,.1f} bn RMB"  # 4,793.7
    by_year = at.dataframe[0].value
    assert by_year.loc[2025, "Funding cost"] == pytest.approx(10.0)
    assert by_year.loc[2039, "Buy-back (exit)"] == pytest.approx(500.0)
    holders = at.dataframe[1].value.set_index("Who carries the debt")
    assert holders.loc["Debt of private firms", "bn RMB"] == pytest.approx(0.2 * 4793.650793650793)
    assert any("名股实债" in w.value for w in at.warning)


@pytest.mark.usefixtures("_library")
def test_dashboard_fiscal_screen_portfolio_in_chinese_and_yi():
    at = _dashboard("portfolio", "zh", "yi")
    assert at.header[0].value == "财政成本与债务"
    province = at.dataframe[2].value
    assert len(province) >= 1 and (province.to_numpy() >= 0).all()
    assert all("亿元" in m.value for m in at.metric)


def test_debt_by_province_from_the_runs_province_codes_equals_a_fresh_factorization():
    from fundmodel.core import fiscal
    from fundmodel.core.bottom_up import project_columns
    from fundmodel.inputs.parameters import default_parameters
    from fundmodel.inputs.portfolio import PROVINCES, read_portfolio

    params = default_parameters()
    portfolio = read_portfolio(PORTFOLIO_DIR / "national_synthetic.csv").under(params)
    columns = project_columns(portfolio, False)
    codes = np.array([list(PROVINCES.index).index(p) for p in columns["province"]])
    fresh = fiscal.portfolio_fiscal(params, columns, 2025)["debt_by_province"]
    given = fiscal.portfolio_fiscal(params, columns, 2025, (codes, PROVINCES.index))["debt_by_province"]
    pd.testing.assert_frame_equal(fresh, given)
    assert list(given.index) == sorted(given.index)
