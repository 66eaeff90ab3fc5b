"""The dashboard's upload shows how the file was understood and lets the user change a
column's mapping before the run (streamlit AppTest)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_dashboard_app import APP

# The fund column has a header no alias knows: read as it is, the file lacks the fund column.
UPLOAD = (
    "项目编号,项目名称,所属领域,政策性银行,省份,民营企业项目,总投资(亿元),资本金比例,拟申请工具资金(亿元),开工年份,建设期\n"
    "M-1,示例物流园,交通物流,国开行,江苏,否,20,0.2,1.2,2025,2\n"
    "M-2,示例冷链,农业农村,农发行,山东,否,5,0.25,0.35,2026,2\n"
).encode()
# fund 1.2 + 0.35 = 1.55 亿元 = 0.155 bn; investment 25 亿元 = 2.5 bn


@pytest.fixture(autouse=True)
def _library(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNDMODEL_DB_URL", f"sqlite:///{tmp_path / 'library.sqlite'}")
    monkeypatch.setenv("FUNDMODEL_AUTHOR", "tester")


def test_the_user_maps_an_unknown_column_and_the_model_runs() -> None:
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.run()
    at.switch_page("fundmodel_dashboard/screens/portfolio.py").run()
    assert not at.exception, at.exception
    at.file_uploader(key="portfolio_upload").set_value(("monthly.csv", UPLOAD, "text/csv")).run()
    assert not at.exception, at.exception
    assert any("errors" in e.value for e in at.error) and not at.metric
    captions = [c.value for c in at.caption]
    assert "Header: row 1" in captions
    [fund] = [s for s in at.selectbox if s.label == "拟申请工具资金(亿元)"]
    assert fund.value == ""  # not read: no alias knows the header
    [investment] = [s for s in at.selectbox if s.label == "总投资(亿元)"]
    assert investment.value == "total_investment_bn"
    fund.set_value("fund_requested_bn")
    [apply] = [b for b in at.button if b.label == "Apply the mapping"]
    apply.click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert "1 columns read as you chose" in [c.value for c in at.caption]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Projects shown"] == "2 / 2"
    assert metrics["Total investment"] == "2.5 bn RMB"
    # back to what the file says: the fund column is missing again
    [reset] = [b for b in at.button if b.label == "Read the columns as the file says"]
    reset.click().run()
    assert any("errors" in e.value for e in at.error)
    [fund] = [s for s in at.selectbox if s.label == "拟申请工具资金(亿元)"]
    assert fund.value == ""


def test_the_column_choices_are_drawn_only_while_the_panel_is_open() -> None:
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.run()
    at.switch_page("fundmodel_dashboard/screens/portfolio.py").run()
    choices = lambda: [s for s in at.selectbox if str(s.key).startswith("column_map_")]  # noqa: E731
    assert not choices()  # the bundled file is read whole: the panel is closed, no choice drawn
    key = at.session_state["portfolio_key"]
    at.session_state[f"mapping_open_{key}"] = True  # the planner opens it
    at.run()
    assert not at.exception, at.exception
    from fundmodel.inputs.bundled import PORTFOLIO_DIR
    from fundmodel.inputs.portfolio import read_portfolio

    assert len(choices()) == len(read_portfolio(PORTFOLIO_DIR / key).raw.columns)
