"""fundmodel.session: a scenario, edits, an allocation, a portfolio and its cell edits ->
parameters and a Result, the same object the CLI and the dashboard use."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from fundmodel.core.bottom_up import run_portfolio
from fundmodel.core.topdown import run
from fundmodel.inputs.bundled import PORTFOLIO_DIR, SCENARIO_DIR
from fundmodel.inputs.portfolio import read_portfolio
from fundmodel.inputs.scenario import Scenario, baseline, load_scenario
from fundmodel.session import EDITED_SUFFIX, Session

EDIT = {"fields": {"digital_economy": {"capital_ratio": 0.25}}}


@pytest.fixture(scope="module")
def base() -> Scenario:
    return baseline()


def test_unedited_session_is_the_scenario_run(base):
    session = Session(base)
    assert not session.is_edited
    assert session.result().to_json() == base.run().to_json()


def test_edit_by_hand(base):
    p = base.parameters()
    i = p.field_ids.index("digital_economy")
    session = Session(base, edits=EDIT)
    assert session.is_edited and session.run_name == base.name + EDITED_SUFFIX
    # I = F / (s k): raising k from its bundled value to 0.25 scales the field's investment by k_old / 0.25
    k_old = float(p.capital_ratio[i])
    before = base.run().by_field.loc["digital_economy", "total_investment_bn"]
    after = session.result().by_field.loc["digital_economy", "total_investment_bn"]
    assert after == pytest.approx(before * k_old / 0.25)


def test_allocation_is_checked_not_corrected_and_saved_as_overrides(base):
    p = base.parameters()
    a = np.array(p.allocation_matrix, dtype=float)
    a[0, 0] += 10.0
    session = Session(base, edits=EDIT, allocation_bn=a)
    result = session.result()
    assert result.by_field["fund_bn"].sum() == pytest.approx(510.0)  # not scaled back to 500
    assert {c.code for c in result.checks} >= {"allocation_total", "bank_quota"}
    overrides = session.overrides()
    assert overrides["allocation_bn"] == {p.field_ids[0]: {p.bank_ids[0]: pytest.approx(a[0, 0])}}
    assert overrides["fields"] == EDIT["fields"]
    # the saved file loads back to the same run
    text = session.to_scenario("saved").to_yaml()
    again = Scenario.from_dict(yaml.safe_load(text), source="saved.yaml")
    assert run(again.parameters()).total_investment_bn == pytest.approx(result.total_investment_bn)


def test_portfolio_is_validated_under_each_scenario_and_run(base):
    portfolio = read_portfolio(PORTFOLIO_DIR / "first_batch_examples.csv")
    reported = load_scenario(SCENARIO_DIR / "fit_reported_2025.yaml")
    for scenario in (base, reported):
        params = scenario.parameters()
        got = Session(scenario, portfolio=portfolio).portfolio_result("p")
        expected = run_portfolio(portfolio.under(params), params, scenario_name="p")
        assert got.to_json() == expected.to_json()


def test_cell_edits_change_the_run_and_errors_give_none(base):
    portfolio = read_portfolio(PORTFOLIO_DIR / "first_batch_examples.csv")
    row = int(portfolio.frame.index[0])
    header = portfolio.headers["total_investment_bn"]
    session = Session(base, portfolio=portfolio, cell_edits={(row, header): "abc"})
    assert not session.validated_portfolio.ok
    assert session.portfolio_result("p") is None


def test_scenario_yaml_round_trip():
    s = Scenario("测试", {"banks": {"cdb": {"fund_share_scale": 0.8}}}, name_zh="测试", description="d")
    data = yaml.safe_load(s.to_yaml(header="# header\n"))
    assert data == {
        "scenario": {"name": "测试", "name_zh": "测试", "description": "d"},
        "overrides": {"banks": {"cdb": {"fund_share_scale": 0.8}}},
    }
    assert "测试" in s.to_yaml()  # Chinese as written, not escaped
    assert Scenario.from_dict(data).overrides == s.overrides
