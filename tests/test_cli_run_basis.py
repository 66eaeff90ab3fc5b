"""``fundmodel run --portfolio``: the list as submitted, or (``--under-allocation``) the
projects funded under the scenario's field x bank budgets, the number the dashboard's
portfolio basis shows; the output says which, in English and Chinese."""

from __future__ import annotations

import json

import pytest

from fundmodel.cli import main
from fundmodel.inputs.bundled import PORTFOLIO_DIR
from fundmodel.inputs.portfolio import read_portfolio
from fundmodel.inputs.scenario import baseline
from fundmodel.session import Session
from tests.test_language import english_sentences

NATIONAL = PORTFOLIO_DIR / "national_synthetic.csv"


@pytest.fixture(scope="module")
def session() -> Session:
    scenario = baseline()
    params = scenario.parameters()
    return Session(scenario, portfolio=read_portfolio(NATIONAL, params=params), base=params)


def _run_json(capsys, *options: str) -> dict:
    assert main(["run", "--portfolio", str(NATIONAL), "--format", "json", *options]) == 0
    return json.loads(capsys.readouterr().out)


def test_under_allocation_gives_the_dashboards_number(session, capsys):
    expected = session.budgeted_result("under the allocation").total_investment_bn
    submitted = session.portfolio_result("as submitted").total_investment_bn
    assert expected < submitted  # budgets leave some projects (part) unfunded
    data = _run_json(capsys, "--under-allocation")
    assert data["basis"] == "portfolio_under_allocation"
    assert data["totals"]["total_investment_bn"] == pytest.approx(expected, rel=1e-12)
    plain = _run_json(capsys)
    assert plain["basis"] == "portfolio_as_submitted"
    assert plain["totals"]["total_investment_bn"] == pytest.approx(submitted, rel=1e-12)


def test_the_table_says_which_quantity_it_is_in_both_languages(session, capsys):
    selection = session.budgeted_selection
    assert main(["run", "--portfolio", str(NATIONAL), "--under-allocation", "--lang", "zh", "--unit", "yi"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("本页数字口径：项目组合 national_synthetic.csv，在额度分配的领域 × 银行额度内择优选择项目")
    assert f"{selection.n_chosen:,} 个获得资金" in first
    assert not english_sentences(first, ["national_synthetic.csv"]), first
    assert main(["run", "--portfolio", str(NATIONAL), "--lang", "zh", "--unit", "yi"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "按报送清单全部项目测算：2,300 个项目" in first
    assert not english_sentences(first, ["national_synthetic.csv", "--under-allocation"]), first
    assert main(["run", "--portfolio", str(NATIONAL)]) == 0
    assert "every project as submitted: 2,300 projects" in capsys.readouterr().out.splitlines()[0]


def test_under_allocation_without_a_portfolio_is_one_clear_line(capsys):
    assert main(["run", "--under-allocation", "--lang", "zh"]) == 2
    assert (
        capsys.readouterr().err.strip()
        == "fundmodel：错误：--under-allocation 在项目组合中择优选择项目：请同时指定 --portfolio 文件。"
    )
