"""What keeps the dashboard quick without changing what it shows: the launcher's warm start
(the default run computed while the server starts) and figures built once per result."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import fundmodel.analysis.budgets as budgets
from fundmodel.inputs.bundled import PORTFOLIO_DIR
from fundmodel.inputs.portfolio import read_portfolio
from fundmodel.inputs.scenario import baseline
from fundmodel.outputs import echarts
from fundmodel.session import Session
from fundmodel_dashboard import launch, state

APP = Path(__file__).resolve().parent.parent / "app.py"


@pytest.fixture(autouse=True)
def _cold(tmp_path, monkeypatch):
    # every test starts from empty caches and its own scenario library
    monkeypatch.setenv("FUNDMODEL_DB_URL", f"sqlite:///{tmp_path / 'library.sqlite'}")
    st.cache_resource.clear()
    state._LAST_SELECTION.clear()
    yield
    st.cache_resource.clear()
    state._LAST_SELECTION.clear()


@pytest.fixture
def solved(monkeypatch) -> list:
    """The cells whose projects are chosen by solving a program (appended as solved)."""
    cells: list = []
    real = budgets.select_projects
    monkeypatch.setattr(budgets, "select_projects", lambda cell, *a, **k: cells.append(cell) or real(cell, *a, **k))
    return cells


def first_page(solved: list) -> tuple[str, int]:
    """(the Overview's total-investment card, cells solved) of a new session."""
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    cards = {m.label: m.value for m in at.metric}
    return cards["Total investment (bn RMB)"], len(solved)


def test_a_warm_start_leaves_nothing_to_solve_for_the_first_session_and_the_same_figures(solved):
    cold_total, cold_solved = first_page(solved)
    assert cold_solved > 0  # without the warm start the first session solves the cells itself
    st.cache_resource.clear()
    state._LAST_SELECTION.clear()
    solved.clear()
    launch.preload().join(timeout=120)  # what the launcher starts beside the server
    warmed = len(solved)
    assert warmed == cold_solved
    total, solved_after = first_page(solved)
    assert solved_after == warmed  # the session solved nothing itself
    # and shows what the library gives for the default state
    expected = Session(baseline(), portfolio=read_portfolio(PORTFOLIO_DIR / "national_synthetic.csv"))
    assert total == cold_total == f"{expected.budgeted_result('x').total_investment_bn:,.1f}"


def test_a_figure_is_built_once_per_result_language_and_unit(monkeypatch):
    built: list[str] = []

    def counting(chart):
        @functools.wraps(chart)
        def wrapper(*args, **kwargs):
            built.append(chart.__name__)
            return chart(*args, **kwargs)

        return wrapper

    for name in ("sankey_chart", "effects_chart", "capital_stack_chart"):
        monkeypatch.setattr(echarts, name, counting(getattr(echarts, name)))
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    assert sorted(built) == ["capital_stack_chart", "effects_chart", "sankey_chart"]
    at.switch_page("fundmodel_dashboard/screens/about.py").run()
    at.switch_page("fundmodel_dashboard/screens/overview.py").run()
    assert len(built) == 3  # back on the Overview: the same run, no figure built again
    at.radio(key="unit").set_value("yi").run()
    assert len(built) == 6  # in another unit the figures are new
    assert not at.exception, at.exception


def test_the_launcher_imports_what_the_pages_import_first():
    # a module renamed away would silently not be imported ahead: each must exist
    import importlib
    import sys

    for module in launch.PAGE_IMPORTS:
        importlib.import_module(module)
    launch.preload().join(timeout=120)
    assert set(launch.PAGE_IMPORTS) <= set(sys.modules)
    from streamlit import delta_generator

    assert delta_generator._use_warning_has_been_displayed  # the REPL check is not run in a session


def test_what_the_warm_start_loaded_is_left_out_of_every_full_collection():
    import gc

    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    launch.preload().join(timeout=120)
    assert gc.get_freeze_count() > 100_000  # modules, scenarios, the portfolio and its run


def test_the_server_watches_no_source_file():
    # watching meant resolving every loaded module's path after each run (0.2 s on 2 cores)
    assert "--server.fileWatcherType=none" in launch.config_flags()
