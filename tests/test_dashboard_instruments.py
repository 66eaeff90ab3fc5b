"""The dashboard's instrument selector: the 2022 instrument and a round of five fields and two
banks (made from the template) run on every page (streamlit.testing AppTest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _instrument import FIVE_FIELDS, small_instrument
from streamlit.testing.v1 import AppTest

from fundmodel.inputs.parameters import default_parameters
from fundmodel.inputs.scenario import baseline

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
PAGES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "fundmodel_dashboard" / "screens").glob("*.py"))


@pytest.fixture()
def small(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("FUNDMODEL_DB_URL", f"sqlite:///{tmp_path / 'library.sqlite'}")
    monkeypatch.setenv("FUNDMODEL_AUTHOR", "tester")
    package = small_instrument(tmp_path / "round3")
    monkeypatch.setenv("FUNDMODEL_INSTRUMENTS", str(package))
    return package.resolve()


def _choose(instrument: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.run()
    assert not at.exception, at.exception
    at.selectbox(key="instrument").set_value(instrument).run()
    assert not at.exception, at.exception
    return at


def _cards(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("which", ["2022", "small"])
def test_every_page_runs_on_another_instrument(small: Path, which: str):
    name = "2022" if which == "2022" else str(small)
    at = _choose(name)
    assert at.session_state["instrument"] == name
    assert at.session_state["basis"] == "top_down"  # the bundled portfolios are 2025's
    expected = baseline(name).run()
    for lang in ("en", "zh"):
        at.radio(key="lang").set_value(lang).run()
        for page in PAGES:
            at.switch_page(page).run()
            assert not at.exception, (which, lang, page, at.exception)
    at.radio(key="lang").set_value("en").run()
    at.switch_page("fundmodel_dashboard/screens/overview.py").run()
    assert _cards(at)["Total investment (bn RMB)"] == f"{expected.total_investment_bn:,.1f}"
    if which == "small":
        assert at.session_state["allocation_bn"].shape == (5, 2)
        assert list(at.session_state["assumptions"]) == FIVE_FIELDS
    else:
        assert expected.total_investment_bn == pytest.approx(7399.0)


def test_back_to_2025_restores_its_baseline(small: Path):
    at = _choose("2022")
    at.selectbox(key="instrument").set_value("2025").run()
    assert not at.exception, at.exception
    assert at.session_state["scenario_key"] == "baseline.yaml"
    assert at.session_state["allocation_bn"].shape == default_parameters("2025").allocation_matrix.shape


def test_a_library_scenario_of_another_instrument_is_refused_naming_both(small: Path, tmp_path: Path):
    from fundmodel.inputs.scenario import Scenario
    from fundmodel.store import ScenarioStore, database_url

    store = ScenarioStore(database_url())
    store.save("round 2022", Scenario("Round 2022", {}, instrument="2022"), author="tester")
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.run()
    at.switch_page("fundmodel_dashboard/screens/scenarios.py").run()
    at.button(key="library_load").click().run()
    assert not at.exception, at.exception
    assert at.session_state["scenario_key"] == "baseline.yaml"  # nothing loaded
    errors = [e.value for e in at.error]
    assert any("belongs to instrument '2022', not '2025'" in e for e in errors), errors
    # under 2022 it loads
    at.selectbox(key="instrument").set_value("2022").run()
    at.switch_page("fundmodel_dashboard/screens/scenarios.py").run()
    at.button(key="library_load").click().run()
    assert not at.exception, at.exception
    assert at.session_state["scenario_key"] == "library:round 2022@v1"
