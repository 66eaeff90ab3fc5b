"""Undo and redo on every page (AppTest): one pair of buttons in the sidebar; every kind of
edit is one step wherever it is made, and undoing it gives back the KPI the model gives for
the unedited state (computed here with the Python model, never a number written down)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from test_dashboard_app import (
    _library,  # noqa: F401 (autouse: each test its own scenario library)
    start,
)
from test_dashboard_planner import budgeted_total_bn

from fundmodel.core.bottom_up import run_portfolio
from fundmodel.core.topdown import run as run_model
from fundmodel.edits import FIELD_ASSUMPTIONS, proportional_allocation, run_edited, transfer
from fundmodel.inputs.parameters import default_parameters
from fundmodel.inputs.portfolio import read_portfolio
from fundmodel.terms import term

ROOT = Path(__file__).resolve().parent.parent
SCREENS = "fundmodel_dashboard/screens/"
TOTAL = "Total investment (bn RMB)"


def total_card(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label == TOTAL)


def shown_total(total_investment_bn: float) -> str:
    """The card's text for a total investment in bn RMB (the term's own format)."""
    return term("total_investment_bn").format(total_investment_bn, "bn")


def go(at: AppTest, page: str) -> None:
    at.switch_page(SCREENS + page).run()
    assert not at.exception, at.exception


def undo(at: AppTest):
    return at.button(key="undo_edit")


def redo(at: AppTest):
    return at.button(key="redo_edit")


def test_the_one_pair_of_buttons_is_in_the_sidebar_of_every_page():
    at = start("portfolio")
    pages = ("overview.py", "allocation.py", "leverage.py", "portfolio.py", "fiscal.py", "scenarios.py", "export.py")
    for page in pages:
        go(at, page)
        keys = [b.key for b in at.sidebar.button]
        assert keys.count("undo_edit") == 1 and keys.count("redo_edit") == 1, page
        assert [b.key for b in at.main.button].count("undo_edit") == 0, page  # no second pair on the page
        assert undo(at).disabled and redo(at).disabled, page
        assert undo(at).help == "No edit to undo"


def test_a_leverage_edit_is_undone_and_redone_on_the_leverage_page():
    params = default_parameters()
    before = shown_total(run_model(params).total_investment_bn)
    edit = {"fields": {"digital_economy": {"capital_ratio": 0.3}}}
    after = shown_total(run_edited(params, edit).total_investment_bn)
    assert after != before

    at = start()
    go(at, "leverage.py")
    assert total_card(at) == before
    at.slider(key="lev_k_digital_economy").set_value(0.3).run()
    assert total_card(at) == after
    assert not undo(at).disabled and redo(at).disabled
    assert undo(at).help == "Undo the last edit; puts back: the leverage assumptions"

    undo(at).click().run()
    assert not at.exception
    assert total_card(at) == before
    assert at.slider(key="lev_k_digital_economy").value == pytest.approx(0.2)  # the slider shows it too
    assert at.session_state["assumptions"]["digital_economy"]["capital_ratio"] == pytest.approx(0.2)
    assert undo(at).disabled and not redo(at).disabled
    assert redo(at).help == "Redo the edit undone; changes again: the leverage assumptions"

    redo(at).click().run()
    assert total_card(at) == after
    assert at.slider(key="lev_k_digital_economy").value == pytest.approx(0.3)


def test_each_slider_move_and_a_bank_scale_are_steps_of_their_own_and_reset_is_one_step():
    params = default_parameters()
    at = start()
    go(at, "leverage.py")
    at.slider(key="lev_k_digital_economy").set_value(0.3).run()
    at.slider(key="lev_a_green_low_carbon").set_value(0.5).run()
    at.slider(key="lev_scale_exim").set_value(0.8).run()
    assert undo(at).help == "Undo the last edit; puts back: the bank scales"
    both = {"fields": {"digital_economy": {"capital_ratio": 0.3}, "green_low_carbon": {"additionality": 0.5}}}
    three = {**both, "banks": {"exim": {"fund_share_scale": 0.8}}}
    assert total_card(at) == shown_total(run_edited(params, three).total_investment_bn)

    at.button(key="reset_assumptions").click().run()
    assert total_card(at) == shown_total(run_model(params).total_investment_bn)
    undo(at).click().run()  # the reset is one step: all three edits come back
    assert total_card(at) == shown_total(run_edited(params, three).total_investment_bn)
    undo(at).click().run()  # the bank scale alone
    assert at.session_state["bank_scale"]["exim"] == pytest.approx(1.0)
    assert total_card(at) == shown_total(run_edited(params, both).total_investment_bn)
    undo(at).click().run()  # the additionality alone
    assert total_card(at) == shown_total(
        run_edited(params, {"fields": {"digital_economy": {"capital_ratio": 0.3}}}).total_investment_bn
    )


def test_a_transfer_is_undone_and_redone_from_the_overview():
    params = default_parameters()
    fields = params.field_ids
    base_matrix = np.array(params.allocation_matrix, dtype=float)
    green = fields.index("green_low_carbon")
    moved = transfer(base_matrix, (green, 0), (green, 2), 5.0)
    before, after = shown_total(budgeted_total_bn()), shown_total(budgeted_total_bn(moved))
    assert after != before

    at = start("portfolio")
    go(at, "allocation.py")
    at.selectbox(key="transfer_from__en").set_value("green_low_carbon|cdb")
    at.selectbox(key="transfer_to__en").set_value("green_low_carbon|exim")
    at.number_input(key="transfer_amount_bn").set_value(5.0).run()
    at.button(key="transfer").click().run()
    assert undo(at).help == "Undo the last edit; puts back: the allocation"
    go(at, "overview.py")
    assert total_card(at) == after
    assert not undo(at).disabled

    undo(at).click().run()
    assert not at.exception
    np.testing.assert_allclose(at.session_state["allocation_bn"], base_matrix)
    assert total_card(at) == before
    redo(at).click().run()
    np.testing.assert_allclose(at.session_state["allocation_bn"], moved)
    assert total_card(at) == after


def flat(assumptions: dict) -> dict:
    return {(f, n): float(v) for f, values in assumptions.items() for n, v in values.items()}


def test_an_applied_goal_seek_solution_and_proposal_are_one_step_each():
    params = default_parameters()
    unedited = {f: {n: float(getattr(params.fields[f], n).value) for n in FIELD_ASSUMPTIONS} for f in params.field_ids}
    at = start()
    go(at, "scenarios.py")
    at.button(key="apply_goal_seek").click().run()
    assert not at.exception
    solved = flat(at.session_state["assumptions"])
    assert solved != pytest.approx(flat(unedited))
    undo(at).click().run()
    assert flat(at.session_state["assumptions"]) == pytest.approx(flat(unedited))
    go(at, "overview.py")
    assert total_card(at) == shown_total(run_model(params).total_investment_bn)
    redo(at).click().run()
    assert flat(at.session_state["assumptions"]) == pytest.approx(solved)

    # a transfer between banks leaves the bank sums off their quotas; the proposal puts them back
    green = params.field_ids.index("green_low_carbon")
    moved = transfer(params.allocation_matrix, (green, 0), (green, 2), 5.0)
    go(at, "allocation.py")
    at.selectbox(key="transfer_from__en").set_value("green_low_carbon|cdb")
    at.selectbox(key="transfer_to__en").set_value("green_low_carbon|exim")
    at.number_input(key="transfer_amount_bn").set_value(5.0).run()
    at.button(key="transfer").click().run()
    at.button(key="propose").click().run()
    at.button(key="apply_proposal").click().run()
    proposal = proportional_allocation(params, moved)
    np.testing.assert_allclose(at.session_state["allocation_bn"], proposal)
    undo(at).click().run()
    np.testing.assert_allclose(at.session_state["allocation_bn"], moved)
    undo(at).click().run()
    np.testing.assert_allclose(at.session_state["allocation_bn"], params.allocation_matrix)
    assert flat(at.session_state["assumptions"]) == pytest.approx(solved)  # the goal-seek step is still there


def test_a_page_that_stops_early_still_offers_undo():
    """With a refused portfolio the Overview stops after its report: the pair drawn before the
    page stays, and undoes a transfer made on the Allocation page."""
    import csv
    import io

    from test_dashboard_planner import ROOT

    at = start("portfolio")
    go(at, "portfolio.py")
    rows = list(csv.reader(io.StringIO((ROOT / "portfolios" / "first_batch_examples.csv").read_text("utf-8"))))
    rows[1][rows[0].index("total_investment_bn")] = "-5"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    at.file_uploader(key="portfolio_upload").set_value(("bad.csv", out.getvalue().encode(), "text/csv")).run()
    go(at, "allocation.py")
    at.button(key="transfer").click().run()
    moved = np.array(at.session_state["allocation_bn"], dtype=float)
    assert not np.allclose(moved, default_parameters().allocation_matrix)
    go(at, "overview.py")
    assert any("is refused" in e.value for e in at.error)  # the page stopped after its report
    keys = [b.key for b in at.sidebar.button]
    assert keys == ["undo_edit_early", "redo_edit_early"]
    at.button(key="undo_edit_early").click().run()
    np.testing.assert_allclose(at.session_state["allocation_bn"], default_parameters().allocation_matrix)
    assert not at.button(key="redo_edit_early").disabled


def multiplier_card(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label == "Multiplier")


def test_a_project_cell_edit_is_undone_and_redone():
    source = ROOT / "portfolios" / "first_batch_examples.csv"
    params = default_parameters()
    unedited = read_portfolio(source, params=params)
    edited = unedited.with_edits({(3, "fund_requested_bn"): 2.0})
    want = [f"{run_portfolio(p, params).multiplier:,.2f}x" for p in (unedited, edited)]
    assert want[0] != want[1]

    at = start("portfolio")
    go(at, "portfolio.py")
    at.file_uploader(key="portfolio_upload").set_value(("first_batch.csv", source.read_bytes(), "text/csv")).run()
    key = at.session_state["portfolio_key"]
    at.session_state[f"project_editor_open_{key}"] = True  # the planner opens the editor
    at.run()
    assert multiplier_card(at) == want[0]
    [editor] = at.data_editor
    cell = {"edited_rows": {1: {"fund_requested_bn": 2.0}}, "added_rows": [], "deleted_rows": []}
    at.session_state[editor.key] = cell  # file row 3's fund
    at.run()
    assert multiplier_card(at) == want[1]
    assert undo(at).help == "Undo the last edit; puts back: the project inputs"

    undo(at).click().run()
    assert not at.exception
    assert multiplier_card(at) == want[0]
    assert not at.session_state["project_edits"].get(key)
    [editor] = at.data_editor  # a new editor: the file's own cell again, no edit of its own
    assert editor.value.loc[3, "fund_requested_bn"] == unedited.raw.loc[3, "fund_requested_bn"]

    redo(at).click().run()
    assert multiplier_card(at) == want[1]
    assert at.session_state["project_edits"] == {key: {(3, "fund_requested_bn"): 2.0}}
