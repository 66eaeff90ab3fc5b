"""Transfers between allocation cells, the undo / redo history, and projects funded under
cell budgets, with hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fundmodel.analysis.budgets import select_under_budgets
from fundmodel.edits import History, transfer
from fundmodel.errors import InputError
from fundmodel.inputs.parameters import default_parameters
from fundmodel.inputs.portfolio import parse_portfolio


def test_transfer_moves_exactly_the_amount_and_keeps_the_total():
    a = np.array([[30.0, 15.0], [20.0, 10.0]])
    moved = transfer(a, (0, 0), (1, 1), 5.0)
    assert moved.tolist() == [[25.0, 15.0], [20.0, 15.0]]
    assert moved.sum() == a.sum() == 75.0
    assert a.tolist() == [[30.0, 15.0], [20.0, 10.0]]  # the input is not changed
    # within one bank the bank's sum is unchanged too: column 0 stays 50
    assert transfer(a, (0, 0), (1, 0), 5.0)[:, 0].sum() == 50.0


@pytest.mark.parametrize(
    "source,target,amount,words",
    [
        ((0, 0), (0, 0), 1.0, "two different cells"),
        ((0, 0), (1, 1), 0.0, "positive"),
        ((0, 0), (1, 1), -1.0, "positive"),
        ((0, 0), (1, 1), float("nan"), "positive"),
        ((1, 1), (0, 0), 10.5, "less than"),
        ((2, 0), (0, 0), 1.0, "outside"),
    ],
)
def test_a_transfer_that_cannot_be_made_is_refused(source, target, amount, words):
    with pytest.raises(InputError, match=words):
        transfer(np.array([[30.0, 15.0], [20.0, 10.0]]), source, target, amount)


def test_history_undo_redo_and_a_new_edit_dropping_the_redo_steps():
    h = History("a")
    assert not h.can_undo and not h.can_redo
    assert h.undo() is h and h.redo() is h
    h = h.record("b").record("b").record("c")  # recording the same state is no step
    assert h.past == ("a", "b") and h.present == "c"
    back = h.undo().undo()
    assert back.present == "a" and back.future == ("b", "c")
    assert back.redo().present == "b" and back.redo().redo().present == "c"
    branched = back.redo().record("d")
    assert branched.past == ("a", "b") and branched.future == () and branched.present == "d"


def test_history_keeps_at_most_its_limit_of_undo_steps():
    h = History(0, limit=3)
    for state in range(1, 6):
        h = h.record(state)
    assert h.past == (2, 3, 4) and h.present == 5


def _cell_portfolio():
    # one cell: transport x CDB, three projects (request, investment): (6, 60), (5, 45), (5, 40)
    t = pd.DataFrame({"project_id": ["P0", "P1", "P2"], "fund_requested_bn": ["6", "5", "5"]}, index=[2, 3, 4])
    t["total_investment_bn"], t["capital_ratio"] = ["60", "45", "40"], "0.25"
    t["project_name"], t["field"], t["bank"] = t["project_id"], "transport_logistics", "cdb"
    t["province"], t["private"], t["start_year"], t["construction_years"] = "jiangsu", "yes", "2025", "3"
    return parse_portfolio(t)


def _budget(amount_bn: float) -> np.ndarray:
    p = default_parameters()
    b = np.zeros((len(p.field_ids), len(p.bank_ids)))
    b[p.field_ids.index("transport_logistics"), p.bank_ids.index("cdb")] = amount_bn
    return b


@pytest.mark.parametrize(
    "budget,min_fraction,investment,unused",
    [
        (20.0, 1.0, 145.0, 4.0),  # every request fits: all funded, 20 - 16 unused
        (10.0, 1.0, 85.0, 0.0),  # whole projects: the two 5s (45 + 40) beat the 6 (60)
        (0.0, 1.0, 0.0, 0.0),  # no budget, nothing funded
        # partial funding from half a request: the 6 (10x) in full, then the 5 at 9x gets 4 of its 5:
        # 60 + 45 x 4/5 = 96
        (10.0, 0.5, 96.0, 0.0),
    ],
)
def test_projects_funded_under_a_cell_budget(budget, min_fraction, investment, unused):
    chosen = select_under_budgets(_cell_portfolio(), default_parameters(), _budget(budget), min_fraction=min_fraction)
    assert chosen.investment_bn == pytest.approx(investment)
    assert float(chosen.cells["unused_bn"].sum()) == pytest.approx(unused)
    assert float(chosen.cells["funded_bn"].sum()) <= budget + 1e-9


def test_a_negative_budget_funds_nothing_and_a_wrong_shape_is_refused():
    assert select_under_budgets(_cell_portfolio(), default_parameters(), _budget(-5.0)).n_chosen == 0
    with pytest.raises(InputError, match="fields x"):
        select_under_budgets(_cell_portfolio(), default_parameters(), np.zeros((2, 2)))


def test_session_funds_the_bundled_portfolio_within_every_cell_budget():
    from fundmodel.inputs.bundled import PORTFOLIO_DIR
    from fundmodel.inputs.portfolio import read_portfolio
    from fundmodel.inputs.scenario import baseline
    from fundmodel.session import Session

    params = default_parameters()
    portfolio = read_portfolio(PORTFOLIO_DIR / "national_synthetic.csv", params=params)
    # empty digital economy x CDB (30 bn) into transport x CDB
    budgets = transfer(params.allocation_matrix, (0, 0), (params.field_ids.index("transport_logistics"), 0), 30.0)
    session = Session(baseline(), allocation_bn=budgets, portfolio=portfolio)
    chosen = session.budgeted_selection
    cells = chosen.cells
    assert (cells["funded_bn"] <= cells["budget_bn"] + 1e-6).all()
    assert cells.loc[("digital_economy", "cdb"), "funded_bn"] == 0.0
    funded = chosen.projects[chosen.projects["chosen"]]
    assert not ((funded["field"] == "digital_economy") & (funded["bank"] == "cdb")).any()
    # the run is of the funded projects, each at its funded fraction of investment
    result = session.budgeted_result("moved")
    assert result.total_investment_bn == pytest.approx(chosen.investment_bn)
    assert result.totals["fund_bn"] == pytest.approx(float(cells["funded_bn"].sum()))
    # without an allocation the scenario's is the budget
    unedited = Session(baseline(), portfolio=portfolio)
    np.testing.assert_array_equal(unedited.budgets_bn, params.allocation_matrix)
    assert unedited.budgeted_result("base").total_investment_bn > result.total_investment_bn


def test_a_previous_selection_gives_the_same_answer_as_solving_every_cell():
    from fundmodel.inputs.bundled import PORTFOLIO_DIR
    from fundmodel.inputs.portfolio import read_portfolio

    params = default_parameters()
    portfolio = read_portfolio(PORTFOLIO_DIR / "national_synthetic.csv", params=params)
    base = select_under_budgets(portfolio, params, params.allocation_matrix)
    green = params.field_ids.index("green_low_carbon")
    moved = transfer(params.allocation_matrix, (green, 0), (green, 2), 5.0)
    fresh = select_under_budgets(portfolio, params, moved)
    reused = select_under_budgets(portfolio, params, moved, previous=base)
    np.testing.assert_array_equal(reused.projects["fund_bn"].to_numpy(), fresh.projects["fund_bn"].to_numpy())
    assert reused.investment_bn == fresh.investment_bn != base.investment_bn
    # other settings or other projects: nothing is reused
    other = select_under_budgets(portfolio, params, moved, min_fraction=1.0, previous=base)
    np.testing.assert_array_equal(
        other.projects["fund_bn"].to_numpy(),
        select_under_budgets(portfolio, params, moved, min_fraction=1.0).projects["fund_bn"].to_numpy(),
    )


def test_after_a_transfer_only_the_two_cells_it_changed_are_solved_again(monkeypatch):
    import fundmodel.analysis.budgets as budgets
    from fundmodel.inputs.bundled import PORTFOLIO_DIR
    from fundmodel.inputs.portfolio import read_portfolio

    params = default_parameters()
    portfolio = read_portfolio(PORTFOLIO_DIR / "national_synthetic.csv", params=params)
    base = select_under_budgets(portfolio, params, params.allocation_matrix)
    solved = []
    real = budgets.select_projects
    monkeypatch.setattr(budgets, "select_projects", lambda cell, *a, **k: solved.append(cell) or real(cell, *a, **k))
    green = params.field_ids.index("green_low_carbon")
    # both cells ask for more than their budgets (54.4 > 50, 32.2 > 30): each needs a choice
    select_under_budgets(
        portfolio, params, transfer(params.allocation_matrix, (green, 0), (green, 2), 5.0), previous=base
    )
    assert len(solved) == 2
    assert {(c.frame["field"].iloc[0], c.frame["bank"].iloc[0]) for c in solved} == {
        ("green_low_carbon", "cdb"),
        ("green_low_carbon", "exim"),
    }


def test_an_additionality_edit_keeps_the_choice_on_total_investment_and_not_on_net(monkeypatch):
    """Total investment does not weigh projects by additionality, so a new additionality keeps
    every cell's choice (nothing solved again, same answer as solving); the net objective
    weighs by it, so there every over-requested cell is solved again."""
    import fundmodel.analysis.budgets as budgets
    from fundmodel.inputs.bundled import PORTFOLIO_DIR
    from fundmodel.inputs.portfolio import read_portfolio

    params = default_parameters()
    edited = params.with_overrides({"fields": {"green_low_carbon": {"additionality": 0.9}}})
    portfolio = read_portfolio(PORTFOLIO_DIR / "national_synthetic.csv", params=params)
    solved = []
    real = budgets.select_projects
    monkeypatch.setattr(budgets, "select_projects", lambda cell, *a, **k: solved.append(cell) or real(cell, *a, **k))
    for objective in ("total", "net"):
        base = select_under_budgets(portfolio, params, params.allocation_matrix, objective=objective)
        n_cells = len(solved)
        assert n_cells > 0  # some cells ask for more than their budgets
        solved.clear()
        edited_pf = portfolio.under(edited)
        reused = select_under_budgets(edited_pf, edited, params.allocation_matrix, objective=objective, previous=base)
        fresh = select_under_budgets(edited_pf, edited, params.allocation_matrix, objective=objective)
        np.testing.assert_array_equal(reused.projects["fund_bn"].to_numpy(), fresh.projects["fund_bn"].to_numpy())
        assert (len(solved) - n_cells == 0) if objective == "total" else (len(solved) == 2 * n_cells)
        solved.clear()
