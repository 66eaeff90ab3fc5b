"""The planner's tools on the dashboard (AppTest): allocation edits on the portfolio basis
re-choose the projects, the transfer action, undo / redo, and the refused-portfolio state."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from fundmodel.edits import transfer
from fundmodel.inputs.parameters import default_parameters
from fundmodel.inputs.portfolio import read_portfolio
from fundmodel.inputs.scenario import baseline
from fundmodel.session import Session

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
ALLOCATION = "fundmodel_dashboard/screens/allocation.py"
OVERVIEW = "fundmodel_dashboard/screens/overview.py"
TOTAL = "Total investment (bn RMB)"


@pytest.fixture(autouse=True)
def _library(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNDMODEL_DB_URL", f"sqlite:///{tmp_path / 'library.sqlite'}")
    monkeypatch.setenv("FUNDMODEL_AUTHOR", "tester")


def start() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["basis"] == "portfolio"
    return at


def cards(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def budgeted_total_bn(allocation_bn: np.ndarray | None = None) -> float:
    portfolio = read_portfolio(ROOT / "portfolios" / "national_synthetic.csv", params=default_parameters())
    session = Session(baseline(), allocation_bn=allocation_bn, portfolio=portfolio)
    return session.budgeted_result("p").total_investment_bn


def test_transfer_moves_the_overview_to_the_models_value_and_undo_redo_restore_it():
    at = start()
    base_matrix = np.array(default_parameters().allocation_matrix, dtype=float)
    before = f"{budgeted_total_bn():,.1f}"
    assert cards(at)[TOTAL] == before
    at.switch_page(ALLOCATION).run()
    assert cards(at)[TOTAL] == before  # the allocation page's card is the Overview's quantity
    assert at.button(key="undo_edit").disabled
    # 5 bn from green x CDB (budget 55, requests 54.4) to green x EXIM (budget 25, requests 32.2)
    at.selectbox(key="transfer_from__en").set_value("green_low_carbon|cdb")
    at.selectbox(key="transfer_to__en").set_value("green_low_carbon|exim")
    at.number_input(key="transfer_amount_bn").set_value(5.0)
    at.run()
    at.button(key="transfer").click().run()
    assert not at.exception
    fields, banks = default_parameters().field_ids, default_parameters().bank_ids
    moved = transfer(base_matrix, (fields.index("green_low_carbon"), 0), (fields.index("green_low_carbon"), 2), 5.0)
    np.testing.assert_allclose(at.session_state["allocation_bn"], moved)
    assert at.session_state["allocation_bn"].sum() == pytest.approx(500.0)
    after = f"{budgeted_total_bn(moved):,.1f}"
    assert after != before
    assert cards(at)[TOTAL] == after
    at.switch_page(OVERVIEW).run()
    assert cards(at)[TOTAL] == after
    at.switch_page(ALLOCATION).run()
    at.button(key="undo_edit").click().run()
    np.testing.assert_allclose(at.session_state["allocation_bn"], base_matrix)
    assert cards(at)[TOTAL] == before
    at.button(key="redo_edit").click().run()
    np.testing.assert_allclose(at.session_state["allocation_bn"], moved)
    assert cards(at)[TOTAL] == after
    assert banks == ["cdb", "adbc", "exim"]


def test_a_transfer_larger_than_its_cell_is_refused_in_words():
    at = start()
    at.radio(key="lang").set_value("zh").run()
    at.radio(key="unit").set_value("yi").run()
    at.switch_page(ALLOCATION).run()
    at.selectbox(key="transfer_from__zh").set_value("digital_economy|cdb")  # 300 亿元
    at.number_input(key="transfer_amount_yi").set_value(400.0).run()
    assert at.button(key="transfer").disabled
    assert any("未划转" in w.value and "300 亿元" in w.value for w in at.warning)
    np.testing.assert_allclose(at.session_state["allocation_bn"], default_parameters().allocation_matrix)


def test_a_refused_portfolio_is_a_visible_state_not_a_top_down_run():
    at = start()
    at.switch_page("fundmodel_dashboard/screens/portfolio.py").run()
    rows = list(csv.reader(io.StringIO((ROOT / "portfolios" / "first_batch_examples.csv").read_text("utf-8"))))
    rows[1][rows[0].index("total_investment_bn")] = "-5"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    at.file_uploader(key="portfolio_upload").set_value(("bad.csv", out.getvalue().encode(), "text/csv")).run()
    for page in (OVERVIEW, "fundmodel_dashboard/screens/export.py", "fundmodel_dashboard/screens/scenarios.py"):
        at.switch_page(page).run()
        assert not at.exception
        assert any("is refused" in e.value for e in at.error), page
        assert not at.metric, page  # no top-down numbers under the portfolio's name
        report = at.dataframe[0].value
        assert (report["Row"] == 2).any()
    at.button(key="use_top_down").click().run()
    assert at.session_state["basis"] == "top_down"
    at.switch_page(OVERVIEW).run()
    assert at.metric and any("top-down model" in c.value for c in at.caption)


def test_every_page_names_its_basis():
    at = start()
    pages = (OVERVIEW, ALLOCATION, "fundmodel_dashboard/screens/leverage.py", "fundmodel_dashboard/screens/export.py")
    for page in pages:
        at.switch_page(page).run()
        assert any("projects chosen under the allocation" in c.value for c in at.caption), page


SCENARIOS = "fundmodel_dashboard/screens/scenarios.py"


def test_comparison_pins_the_baseline_and_shows_this_minus_the_baseline():
    at = start()
    at.radio(key="lang").set_value("zh").run()
    at.radio(key="unit").set_value("yi").run()
    at.switch_page(ALLOCATION).run()
    at.selectbox(key="transfer_from__zh").set_value("green_low_carbon|cdb")
    at.selectbox(key="transfer_to__zh").set_value("green_low_carbon|exim")
    at.number_input(key="transfer_amount_yi").set_value(50.0).run()
    at.button(key="transfer").click().run()
    at.switch_page(SCENARIOS).run()
    assert not at.exception
    assert at.selectbox(key="compare_reference__zh").value == "baseline.yaml"
    at.multiselect(key="compare_keys__zh").set_value(["cap_50pct.yaml", "outturn_2025.yaml"]).run()
    assert not at.exception
    # cap_50pct makes the portfolio invalid: it is left out in words, never a column of nan
    assert any("未纳入比较" in w.value for w in at.warning)
    # one block per compared run: the edited state first, then the reported outturn
    blocks = [d.value for d in at.dataframe if "Δ 本情景" in d.value.columns]
    assert len(blocks) == 2
    table = blocks[0]
    assert list(table.columns) == ["指标", "基准", "本情景", "Δ 本情景"]
    for shown in blocks:
        assert not shown.astype(str).apply(lambda c: c.str.contains("nan")).any().any()
    base = budgeted_total_bn()
    moved = np.array(default_parameters().allocation_matrix, dtype=float)
    moved[4, 0] -= 5.0
    moved[4, 2] += 5.0
    diff_yi = 10 * (budgeted_total_bn(moved) - base)
    row = table[table["指标"] == "总投资"].iloc[0]
    assert row["Δ 本情景"].startswith(f"{diff_yi:,.0f}")  # the edited state minus the baseline (a loss here)
    assert diff_yi < 0
    text = " ".join(m.value for m in at.markdown)
    assert "额度调整：绿色低碳 × 国家开发银行：550 亿元 → 500 亿元（-50 亿元）" in text
    assert "按领域：绿色低碳" in text
    assert "减 基准情景" in text or "减" in text


def test_what_ifs_say_they_are_top_down_on_the_portfolio_basis():
    at = start()
    at.switch_page(SCENARIOS).run()
    assert sum("run on the top-down model" in i.value for i in at.info) == 3


PORTFOLIO = "fundmodel_dashboard/screens/portfolio.py"


def test_province_map_beside_its_table_follows_the_chosen_amount():
    import json

    at = start()
    at.switch_page(PORTFOLIO).run()
    assert not at.exception
    funded = Session(
        baseline(), portfolio=read_portfolio(ROOT / "portfolios" / "national_synthetic.csv")
    ).budgeted_selection.projects
    funded = funded[funded["chosen"]]
    want = funded.groupby("province")["investment_bn"].sum()

    def map_option() -> dict:
        options = [json.loads(c.proto.spec) for c in at.get("echarts_chart")]
        return next(o for o in options if o["series"][0]["type"] == "heatmap")

    option = map_option()
    assert "Total investment" in option["title"]["text"]
    table = next(d.value for d in at.dataframe if "Province" in d.value.columns)
    assert any(c.value == "Amounts in bn RMB" for c in at.caption)  # the unit, said once above the table
    shown = dict(zip(table["Province"], table["Total investment"], strict=True))
    assert shown["Jiangsu"] == pytest.approx(want["jiangsu"])
    assert table["Share"].sum() == pytest.approx(100.0)
    at.radio(key="pf_map_value__en").set_value("fund_bn").run()
    option = map_option()
    assert "Instrument" in option["title"]["text"] or "fund" in option["title"]["text"].lower()
    table = next(d.value for d in at.dataframe if "Province" in d.value.columns)
    assert table["Fund"].sum() == pytest.approx(funded["fund_bn"].sum())
    amounts = [tile["value"][2] for tile in option["series"][0]["data"]]  # [col, row, amount]
    assert len(amounts) == 31  # one tile per province, projects or not
    assert sum(amounts) == pytest.approx(funded["fund_bn"].sum())


def test_portfolio_page_offers_the_blank_template_and_the_report_to_download():
    at = start()
    at.radio(key="lang").set_value("zh").run()
    at.radio(key="unit").set_value("yi").run()
    at.switch_page(PORTFOLIO).run()
    labels = {b.proto.label: b.proto for b in at.get("download_button")}
    assert "空白申报表模板（.xlsx）" in labels
    assert "校验报告（.xlsx）" not in labels  # a clean portfolio has no report to send back
    rows = list(csv.reader(io.StringIO((ROOT / "portfolios" / "first_batch_examples.csv").read_text("utf-8"))))
    rows[1][rows[0].index("total_investment_bn")] = "-5"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    at.file_uploader(key="portfolio_upload").set_value(("bad.csv", out.getvalue().encode(), "text/csv")).run()
    assert not at.exception
    labels = {b.proto.label: b.proto for b in at.get("download_button")}
    assert "校验报告（.xlsx）" in labels  # the refused file's report, to send back to the province


def test_leverage_edits_that_do_not_move_projects_say_so_and_offer_the_top_down_basis():
    at = start()
    at.switch_page("fundmodel_dashboard/screens/leverage.py").run()
    assert any("each project's own" in i.value for i in at.info)
    at.button(key="leverage_use_top_down").click().run()
    assert at.session_state["basis"] == "top_down"
    assert not any("each project's own" in i.value for i in at.info)
    assert any("top-down model" in c.value for c in at.caption)


def test_the_current_state_can_be_left_out_of_the_comparison():
    at = start()
    at.switch_page(ALLOCATION).run()
    at.button(key="transfer").click().run()  # the form's defaults: 5 bn between two cells
    at.switch_page(SCENARIOS).run()
    at.multiselect(key="compare_keys__en").set_value(["outturn_2025.yaml"]).run()
    blocks = [d for d in at.dataframe if "Δ This scenario" in d.value.columns]
    assert len(blocks) == 2  # the edited state and the reported outturn, each against the baseline
    at.checkbox(key="compare_current").uncheck().run()
    blocks = [d for d in at.dataframe if "Δ This scenario" in d.value.columns]
    assert len(blocks) == 1
    assert any("Outturn 2025 from identified drivers" in m.value for m in at.markdown)
