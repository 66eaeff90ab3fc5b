"""The dashboard driven headlessly (streamlit.testing AppTest): every page runs, and the
KPI cards show what the model gives for the edited inputs."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from fundmodel.core.bottom_up import run_portfolio
from fundmodel.edits import proportional_allocation, run_edited
from fundmodel.inputs.parameters import default_parameters
from fundmodel.inputs.portfolio import read_portfolio
from fundmodel.inputs.scenario import baseline
from fundmodel.session import Session

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
PAGES = [
    "fundmodel_dashboard/screens/overview.py",
    "fundmodel_dashboard/screens/allocation.py",
    "fundmodel_dashboard/screens/leverage.py",
    "fundmodel_dashboard/screens/portfolio.py",
    "fundmodel_dashboard/screens/fiscal.py",
    "fundmodel_dashboard/screens/scenarios.py",
    "fundmodel_dashboard/screens/export.py",
    "fundmodel_dashboard/screens/about.py",
]


@pytest.fixture(autouse=True)
def _library(tmp_path, monkeypatch):
    # every test gets its own scenario library (SQLite file), never the user's
    monkeypatch.setenv("FUNDMODEL_DB_URL", f"sqlite:///{tmp_path / 'library.sqlite'}")
    monkeypatch.setenv("FUNDMODEL_AUTHOR", "tester")


def start(basis: str = "top_down") -> AppTest:
    """A fresh session; the model basis set to ``basis`` (it opens on the portfolio)."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    if basis != "portfolio":
        at.radio(key="basis__en").set_value(basis).run()
        assert not at.exception, at.exception
    return at


def cards(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def expected_cards(total_bn: float, net_bn: float, multiplier: float, violations: int) -> dict[str, str]:
    return {
        "Total investment (bn RMB)": f"{total_bn:,.1f}",
        "Net investment (bn RMB)": f"{net_bn:,.1f}",
        "Multiplier": f"{multiplier:,.2f}x",
        "Violations": str(violations),
    }


def assert_cards(at: AppTest, expected: dict[str, str]) -> None:
    shown = cards(at)
    for name, value in expected.items():
        assert shown[name] == value, (name, shown)


@pytest.mark.parametrize("lang,unit,basis", [("en", "bn", "top_down"), ("zh", "yi", "portfolio")])
def test_every_page_runs_without_exception(lang, unit, basis):
    at = start(basis)
    at.radio(key="lang").set_value(lang)
    at.radio(key="unit").set_value(unit)
    at.run()
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert at.header, page  # every page draws its title


def test_overview_shows_the_baseline_kpis():
    at = start()
    base = run_edited(default_parameters())
    assert_cards(at, expected_cards(base.total_investment_bn, base.net_investment_bn, base.multiplier, 0))
    # the baseline by hand: 5,992.1 bn, 11.98x (README)
    assert cards(at)["Total investment (bn RMB)"] == "5,992.1"
    assert cards(at)["Fund (bn RMB)"] == "500.0"


def test_editing_an_allocation_cell_changes_the_kpis_to_the_models_values():
    at = start()
    at.switch_page("fundmodel_dashboard/screens/allocation.py").run()
    [editor] = at.data_editor
    # digital economy x CDB: 30 -> 40 bn
    at.session_state[editor.key] = {"edited_rows": {0: {"cdb": 40.0}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    matrix = np.array(default_parameters().allocation_matrix, dtype=float)
    matrix[0, 0] = 40.0
    expected = run_edited(default_parameters(), allocation_bn=matrix)
    # +10 bn at s = 0.4, k = 0.2 adds 10 / 0.08 = 125 bn: 5,992.1 + 125 = 6,117.1
    assert expected.total_investment_bn == pytest.approx(base_total() + 125)
    # total 510 != 500 and CDB 260 != 250: two violations
    want = expected_cards(expected.total_investment_bn, expected.net_investment_bn, expected.multiplier, 2)
    assert_cards(at, want)
    assert at.session_state["allocation_bn"][0, 0] == 40.0
    # the edit survives a visit to another page and back
    at.switch_page("fundmodel_dashboard/screens/overview.py").run()
    assert_cards(at, want)
    at.switch_page("fundmodel_dashboard/screens/allocation.py").run()
    assert_cards(at, want)
    assert at.data_editor[0].value.iloc[0, 0] == 40.0


def test_proposed_allocation_meets_the_quotas_once_applied():
    at = start()
    at.switch_page("fundmodel_dashboard/screens/allocation.py").run()
    key = at.data_editor[0].key
    at.session_state[key] = {"edited_rows": {0: {"cdb": 80.0}}, "added_rows": [], "deleted_rows": []}
    at.run()
    edited = np.array(at.session_state["allocation_bn"])
    at.button(key="propose").click().run()
    at.button(key="apply_proposal").click().run()
    assert not at.exception
    proposal = proportional_allocation(default_parameters(), edited)
    np.testing.assert_allclose(at.session_state["allocation_bn"], proposal)
    np.testing.assert_allclose(proposal.sum(axis=0), [250, 150, 100])
    expected = run_edited(default_parameters(), allocation_bn=proposal)
    assert_cards(at, expected_cards(expected.total_investment_bn, expected.net_investment_bn, expected.multiplier, 0))


def test_portfolio_selection_proposes_the_chosen_projects_money():
    from fundmodel.analysis.selection import select_projects
    from fundmodel.edits import allocation_from_projects

    at = start()
    at.switch_page("fundmodel_dashboard/screens/allocation.py").run()
    at.radio(key="propose_method__en").set_value("selection").run()
    at.button(key="propose").click().run()
    assert not at.exception and not at.error
    portfolio = read_portfolio(ROOT / "portfolios" / "national_synthetic.csv")
    selection = select_projects(portfolio, "total", with_result=False)
    expected = allocation_from_projects(default_parameters(), selection.chosen)
    np.testing.assert_allclose(at.session_state["proposal_bn"], expected)
    np.testing.assert_allclose(expected.sum(axis=0), [250, 150, 100], rtol=1e-9)  # within the quotas, all used
    note = [c.value for c in at.caption if "Found by" in c.value]
    assert note and "Found by the MILP on every candidate; at most" in note[0]
    assert "binding: China Development Bank's quota; " in note[0]  # constraints by name, not id
    at.button(key="apply_proposal").click().run()
    np.testing.assert_allclose(at.session_state["allocation_bn"], expected)
    result = run_edited(default_parameters(), allocation_bn=expected)
    assert cards(at)["Total investment (bn RMB)"] == f"{result.total_investment_bn:,.1f}"


def test_selection_settings_reach_the_proposal():
    from fundmodel.analysis.selection import SelectionConstraints, select_projects
    from fundmodel.edits import allocation_from_projects

    at = start()
    at.switch_page("fundmodel_dashboard/screens/allocation.py").run()
    at.radio(key="propose_method__en").set_value("selection").run()
    at.radio(key="sel_objective__en").set_value("net").run()
    at.slider(key="sel_private_min").set_value(0.3).run()
    # transport at most 10% of the money chosen (row 0 of the bounds editor: the first field)
    fields = default_parameters().field_ids
    at.session_state["selection_bounds_editor"] = {
        "edited_rows": {0: {"max": 10.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    at.button(key="propose").click().run()
    assert not at.exception and not at.error
    constraints = SelectionConstraints(field_max={fields[0]: 0.1}, private_min=0.3)
    portfolio = read_portfolio(ROOT / "portfolios" / "national_synthetic.csv")
    selection = select_projects(portfolio, "net", constraints, with_result=False)
    expected = allocation_from_projects(default_parameters(), selection.chosen)
    np.testing.assert_allclose(at.session_state["proposal_bn"], expected)
    assert expected[0].sum() <= 0.1 * expected.sum() + 1e-6  # the bound holds
    # the settings outlive a page change
    at.switch_page("fundmodel_dashboard/screens/overview.py").run()
    at.switch_page("fundmodel_dashboard/screens/allocation.py").run()
    assert at.slider(key="sel_private_min").value == pytest.approx(0.3)
    assert at.session_state["selection_bounds"] == {fields[0]: {"max": pytest.approx(0.1)}}


def test_moving_a_slider_changes_the_kpis_to_the_models_values():
    at = start()
    at.switch_page("fundmodel_dashboard/screens/leverage.py").run()
    at.slider(key="lev_s_digital_economy").set_value(0.5).run()
    assert not at.exception
    expected = run_edited(default_parameters(), {"fields": {"digital_economy": {"fund_share_of_capital": 0.5}}})
    # digital economy: 45 bn at 1 / (0.5 x 0.2) = 10x instead of 12.5x: 5,992.1 - 112.5 = 5,879.6
    assert expected.total_investment_bn == pytest.approx(base_total() - 112.5)
    assert_cards(at, expected_cards(expected.total_investment_bn, expected.net_investment_bn, expected.multiplier, 0))
    at.switch_page("fundmodel_dashboard/screens/overview.py").run()
    assert_cards(at, expected_cards(expected.total_investment_bn, expected.net_investment_bn, expected.multiplier, 0))
    # back on the page the slider still shows the edited value, and reset restores the scenario
    at.switch_page("fundmodel_dashboard/screens/leverage.py").run()
    assert at.slider(key="lev_s_digital_economy").value == pytest.approx(0.5)
    at.button(key="reset_assumptions").click().run()
    assert at.slider(key="lev_s_digital_economy").value == pytest.approx(0.4)
    assert cards(at)["Total investment (bn RMB)"] == f"{base_total():,.1f}"


def test_capital_ratio_below_minimum_is_reported_not_clipped():
    at = start()
    at.switch_page("fundmodel_dashboard/screens/leverage.py").run()
    slider = at.slider(key="lev_k_transport_logistics")
    assert slider.min == pytest.approx(0.15)  # railways/highways 20% less the 5 pp shortfall reduction
    at.slider(key="lev_scale_cdb").set_value(1.5).run()
    # CDB's cells at 1.5 x s exceed the 50% cap wherever 1.5 s > 0.5 (every field with s >= 0.34)
    expected = run_edited(default_parameters(), {"banks": {"cdb": {"fund_share_scale": 1.5}}})
    assert expected.errors
    assert cards(at)["Violations"] == str(len(expected.errors))
    assert cards(at)["Total investment (bn RMB)"] == f"{expected.total_investment_bn:,.1f}"


def test_units_and_language_switch():
    at = start()
    at.radio(key="unit").set_value("yi").run()
    # 5,992.1 bn = 59,921 亿元
    assert cards(at)["Total investment (100 mn RMB (亿元))"] == f"{base_total() * 10:,.0f}"
    at.radio(key="lang").set_value("zh").run()
    assert at.header[0].value == "总览"
    assert "总投资（亿元）" in cards(at)


def test_scenario_choice_loads_its_values():
    at = start()
    at.selectbox(key="scenario_choice__en").set_value("fit_reported_2025.yaml").run()
    assert not at.exception
    assert cards(at)["Total investment (bn RMB)"] == "7,080.0"  # the reported outturn, 7.08 tn
    at.switch_page("fundmodel_dashboard/screens/leverage.py").run()
    assert at.slider(key="lev_scale_cdb").value == pytest.approx(0.7898)


def synthetic_run(overrides: dict | None = None):
    """The bundled portfolio's projects funded under the baseline allocation's cell budgets
    (what the portfolio basis shows)."""
    params = default_parameters().with_overrides(overrides or {})
    portfolio = read_portfolio(ROOT / "portfolios" / "national_synthetic.csv", params=params)
    return Session(baseline(), edits=overrides or {}, portfolio=portfolio).budgeted_result("p")


def test_opens_on_the_bundled_portfolio_and_follows_an_assumption():
    at = start(basis="portfolio")
    assert at.radio(key="basis__en").value == "portfolio"
    assert at.session_state["portfolio_key"] == "national_synthetic.csv"
    expected = synthetic_run()
    assert_cards(at, expected_cards(expected.total_investment_bn, expected.net_investment_bn, expected.multiplier, 0))
    # the synthetic list requests 7,080 bn of investment; the baseline's cell budgets fund 6,858.1 of it
    assert cards(at)["Total investment (bn RMB)"] == "6,858.1"
    # additionality of green projects (empty in the file: the field's value applies) 0.55 -> 0.8
    at.switch_page("fundmodel_dashboard/screens/leverage.py").run()
    at.slider(key="lev_a_green_low_carbon").set_value(0.8).run()
    edited = synthetic_run({"fields": {"green_low_carbon": {"additionality": 0.8}}})
    assert edited.net_investment_bn > expected.net_investment_bn
    assert cards(at)["Net investment (bn RMB)"] == f"{edited.net_investment_bn:,.1f}"
    assert cards(at)["Total investment (bn RMB)"] == f"{expected.total_investment_bn:,.1f}"


def test_portfolio_page_filters_and_reports_an_invalid_upload():
    at = start()
    at.switch_page("fundmodel_dashboard/screens/portfolio.py").run()
    assert not at.exception
    at.multiselect(key="pf_fields__en").set_value(["green_low_carbon"]).run()
    at.radio(key="pf_private__en").set_value("private").run()
    projects = synthetic_run().projects
    chosen = projects[(projects["field"] == "green_low_carbon") & projects["private"].astype(bool)]
    assert cards(at)["Projects shown"] == f"{len(chosen):,} / {len(projects):,}"
    assert cards(at)["Total investment"] == f"{chosen['total_investment_bn'].sum():,.1f} bn RMB"
    # an upload with a broken row: the report names the row and column; nothing is run
    rows = list(csv.reader(io.StringIO((ROOT / "portfolios" / "first_batch_examples.csv").read_text("utf-8"))))
    rows[1][rows[0].index("total_investment_bn")] = "-5"  # file row 2
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    bad = out.getvalue().encode("utf-8")
    at.file_uploader(key="portfolio_upload").set_value(("bad.csv", bad, "text/csv")).run()
    assert not at.exception
    assert any("errors" in e.value for e in at.error)
    report = at.dataframe[0].value
    assert ((report["Row"] == 2) & (report["Column"] == "total_investment_bn")).any()
    assert not at.metric
    at.radio(key="lang").set_value("zh").run()  # the rules in Chinese for a Chinese reader
    report = at.dataframe[0].value
    assert report.loc[report["行"] == 2, "规则"].tolist() == ["金额为负"]
    assert report.loc[report["行"] == 2, "级别"].tolist() == ["错误"]


def test_project_editor_fixes_a_row_and_the_model_follows(tmp_path):
    at = start(basis="portfolio")
    at.switch_page("fundmodel_dashboard/screens/portfolio.py").run()
    source = ROOT / "portfolios" / "first_batch_examples.csv"
    rows = list(csv.reader(io.StringIO(source.read_text("utf-8"))))
    column = rows[0].index("total_investment_bn")
    good = float(rows[1][column])
    rows[1][column] = "-5"  # file row 2: an error, nothing is run
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    at.file_uploader(key="portfolio_upload").set_value(("bad.csv", out.getvalue().encode("utf-8"), "text/csv")).run()
    assert any("1 errors" in e.value for e in at.error) and not at.metric

    # the editor shows the file's cells by file row; fixing the cell re-validates and runs
    [editor] = at.data_editor
    assert list(editor.value.index[:2]) == [2, 3] and editor.value.loc[2, "total_investment_bn"] == -5
    edit = {"edited_rows": {0: {"total_investment_bn": good}}, "added_rows": [], "deleted_rows": []}
    at.session_state[editor.key] = edit
    at.run()
    assert not at.exception and not at.error
    want = run_portfolio(read_portfolio(source, params=default_parameters()), default_parameters())
    assert cards(at)["Total investment (bn RMB)"] == f"{want.total_investment_bn:,.1f}"

    # an edit of the fund moves the KPIs exactly as the model does; the edits survive a page change
    fund_column = "fund_requested_bn"
    edit["edited_rows"][1] = {fund_column: 2.0}  # file row 3
    at.session_state[editor.key] = edit
    at.run()
    edited = read_portfolio(source, params=default_parameters()).with_edits({(3, fund_column): 2.0})
    want = run_portfolio(edited, default_parameters())
    assert cards(at)["Multiplier"] == f"{want.multiplier:,.2f}x"
    at.switch_page("fundmodel_dashboard/screens/overview.py").run()
    assert cards(at)["Multiplier"] == f"{want.multiplier:,.2f}x"
    at.switch_page("fundmodel_dashboard/screens/portfolio.py").run()
    assert at.session_state["portfolio_key"].endswith("bad.csv")  # the chosen portfolio outlives a page change

    # the edited file downloads as .xlsx and reads back to the same portfolio
    assert "edited_portfolio" not in at.session_state  # written only on click
    at.button(key="build_edited_portfolio").click().run()
    assert "Download the edited portfolio (.xlsx)" in [b.proto.label for b in at.get("download_button")]
    back = tmp_path / "edited.xlsx"
    back.write_bytes(at.session_state["edited_portfolio"][1])
    again = read_portfolio(back, params=default_parameters())
    assert again.ok and again.frame["fund_requested_bn"].tolist() == pytest.approx(
        edited.frame["fund_requested_bn"].tolist()
    )

    at.button(key="discard_project_edits").click().run()
    assert any("1 errors" in e.value for e in at.error)  # the file's own cells again


def test_project_cells_go_to_the_browser_only_while_the_editor_is_open():
    at = start(basis="portfolio")
    at.switch_page("fundmodel_dashboard/screens/portfolio.py").run()
    assert not at.data_editor  # the bundled file: no errors, no edits, the editor closed
    portfolio_key = at.session_state["portfolio_key"]
    at.session_state[f"project_editor_open_{portfolio_key}"] = True  # the planner opens it
    at.run()
    [editor] = at.data_editor
    raw = read_portfolio(ROOT / "portfolios" / portfolio_key).raw
    assert editor.value.shape == raw.shape


def test_export_builds_the_workbook_only_on_click():
    import openpyxl

    at = start()
    at.switch_page("fundmodel_dashboard/screens/export.py").run()
    assert "workbook" not in at.session_state
    assert [b.label for b in at.get("download_button")] == ["Download JSON", "Download scenario (.yaml)"]
    at.button(key="build_workbook").click().run()
    assert not at.exception
    _, data = at.session_state["workbook"]
    book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    totals = [
        v for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, float)
    ]
    assert any(abs(v - base_total()) < 1e-6 for v in totals)


def test_goal_seek_solution_applies_to_the_assumptions():
    at = start()
    at.switch_page("fundmodel_dashboard/screens/scenarios.py").run()
    assert not at.exception
    at.button(key="apply_goal_seek").click().run()
    # s scaled in every field so that total investment reaches the 6,000 bn target
    assert cards_after(at, "fundmodel_dashboard/screens/overview.py")["Total investment (bn RMB)"] == "6,000.0"


def test_library_save_load_and_stale_save_refused():
    first = start()
    first.switch_page("fundmodel_dashboard/screens/leverage.py").run()
    first.slider(key="lev_k_digital_economy").set_value(0.25).run()
    first.switch_page("fundmodel_dashboard/screens/scenarios.py").run()
    first.text_input(key="library_save_name").input("planning A")
    first.text_input(key="library_save_note").input("k 25% in digital economy")
    first.button(key="library_save").click().run()
    assert not first.exception and not first.error
    # a colleague loads version 1, edits and saves version 2
    second = start()
    second.switch_page("fundmodel_dashboard/screens/scenarios.py").run()
    second.button(key="library_load").click().run()
    assert second.session_state["assumptions"]["digital_economy"]["capital_ratio"] == pytest.approx(0.25)
    second.switch_page("fundmodel_dashboard/screens/leverage.py").run()
    second.slider(key="lev_a_digital_economy").set_value(0.7).run()
    second.switch_page("fundmodel_dashboard/screens/scenarios.py").run()
    second.button(key="library_save").click().run()
    assert not second.error
    # the first session saves again on its stale version 1: refused, nothing overwritten
    first.run()
    first.button(key="library_save").click().run()
    assert first.error and "planning A" in first.error[0].value
    from fundmodel.store import ScenarioStore

    store = ScenarioStore()
    assert [v.version for v in store.history("planning A")] == [1, 2]
    assert store.load("planning A").overrides["fields"]["digital_economy"]["additionality"] == pytest.approx(0.7)


def test_library_rename_delete_and_restore():
    from fundmodel.store import ScenarioStore

    at = start()
    at.switch_page("fundmodel_dashboard/screens/scenarios.py").run()
    at.text_input(key="library_save_name").input("plan B")
    at.button(key="library_save").click().run()
    at.text_input(key="library_new_name_plan B").input("plan C").run()
    at.button(key="library_rename").click().run()
    assert not at.exception and not at.error
    assert "Renamed “plan B” to “plan C” (version 2)." in [s.value for s in at.success]
    assert at.selectbox(key="library_name").options == ["plan C"]
    # a colleague saves version 3 meanwhile: this session's delete (based on version 2) is refused
    store = ScenarioStore()
    store.save("plan C", store.get("plan C").text, base_version=2, author="colleague")
    at.button(key="library_delete").click().run()
    assert at.error and "version 2" in at.error[0].value and "version 3" in at.error[0].value
    at.run()
    at.button(key="library_delete").click().run()
    assert not at.error and [i.name for i in store.list()] == []
    at.button(key="library_restore").click().run()
    assert [i.name for i in store.list()] == ["plan C"]
    assert [v.action for v in store.history("plan C")] == ["save", "rename", "save", "delete", "restore"]


def cards_after(at: AppTest, page: str) -> dict[str, str]:
    at.switch_page(page).run()
    assert not at.exception
    return cards(at)


def base_total() -> float:
    return run_edited(default_parameters()).total_investment_bn


def test_the_overview_sends_its_checks_only_while_their_panel_is_open():
    at = start("portfolio")
    assert not at.exception, at.exception
    # a clean run: the panel is shut and holds nothing (no table for the first load to draw)
    assert [e.label for e in at.expander] == ["Checks"]
    assert not at.table and not at.success
    at.session_state["overview_checks_open_False"] = True  # the planner opens it
    at.run()
    assert at.table or any(s.value == "All checks pass." for s in at.success)
    # a broken rule opens it by itself: CDB's scale 1.5 lifts its cells above the cap
    at = start("top_down")
    at.switch_page("fundmodel_dashboard/screens/leverage.py").run()
    at.slider(key="lev_scale_cdb").set_value(1.5).run()
    at.switch_page("fundmodel_dashboard/screens/overview.py").run()
    assert at.table and at.table[0].value.shape[0] >= 1
