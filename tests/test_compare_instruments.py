"""compare across instruments: what two instruments have in common side by side, and the rows
that do not apply to one of them."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from fundmodel.analysis.compare import compare_results, fiscal_summary, instruments_of, not_applicable
from fundmodel.cli import main
from fundmodel.inputs.scenario import baseline


@pytest.fixture(scope="module")
def comparison():
    return compare_results([baseline("2025").run(), baseline("2022").run()])


def test_common_rows_side_by_side(comparison):
    a, b = comparison.labels
    fund = comparison.summary.loc["fund_bn"]
    assert (fund[a], fund[b]) == pytest.approx((500.0, 739.9))
    assert fund[f"diff:{b}"] == pytest.approx(239.9)
    # 2022 ex ante: 10x everywhere (s = 0.5, k = 0.2)
    assert comparison.summary.loc["multiplier", b] == pytest.approx(10.0)
    assert comparison.summary.loc["total_investment_bn", b] == pytest.approx(7399.0)
    years = comparison.by_year["level_effect_pct"]
    assert 2022 in years.index and 2025 in years.index
    assert years.loc[2022, a] == 0.0  # 2025's instrument lands nothing in 2022: a real zero


def test_rows_that_do_not_apply_are_nan_and_listed(comparison):
    a, b = comparison.labels
    total = comparison.by_field["total_investment_bn"]
    assert math.isnan(total.loc["digital_economy", b]) and math.isnan(total.loc["water_conservancy", a])
    assert total.loc["municipal_parks", b] == pytest.approx(1894.0)  # 189.4 bn x 10
    missing = not_applicable(comparison)
    assert "digital_economy" in missing[b]["field"] and "water_conservancy" in missing[a]["field"]
    assert "bank" not in missing[a] and "bank" not in missing[b]  # both have cdb, adbc, exim
    assert comparison.attributions == []  # different cells are not decomposed
    assert instruments_of(comparison.results) == ["2025", "2022"]


def test_fiscal_cost_in_present_value(comparison):
    fiscal = fiscal_summary(comparison)
    a, b = comparison.labels
    for lab, result in zip((a, b), comparison.results, strict=True):
        assert fiscal.loc["funding_cost_pv_bn", lab] == pytest.approx(result.fiscal["summary"]["funding_cost_pv_bn"])
    assert fiscal.loc["net_cost_pv_bn", f"diff:{b}"] == pytest.approx(
        fiscal.loc["net_cost_pv_bn", b] - fiscal.loc["net_cost_pv_bn", a]
    )


def test_one_instrument_still_decomposes():
    c = compare_results([baseline("2025").run(), baseline("2025").run()])
    assert len(c.attributions) == 1 and not_applicable(c) == {}


def test_compare_command_across_instruments(tmp_path: Path, capsys):
    other = tmp_path / "s2022.yaml"
    other.write_text('instrument: "2022"\nscenario: {name: Ex ante 2022}\noverrides: {}\n', encoding="utf-8")
    assert main(["compare", "portfolios/scenarios/baseline.yaml", str(other)]) == 0
    out = capsys.readouterr().out
    assert "Instruments: 2025, 2022" in out and "not decomposed" in out and "has no field" in out
    assert main(["compare", "portfolios/scenarios/baseline.yaml", str(other), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [s["instrument"] for s in doc["scenarios"]] == ["2025", "2022"]
    assert "water_conservancy" in doc["not_applicable"][doc["scenarios"][0]["label"]]["field"]
    assert set(doc["fiscal_cost_pv"]) == {"funding_cost_pv_bn", "net_cost_pv_bn", "total_cost_pv_bn"}
    # a chosen instrument refuses the other's scenario, naming both
    assert main(["compare", "portfolios/scenarios/baseline.yaml", str(other), "--instrument", "2025"]) == 2
    assert "belongs to instrument '2022', not '2025'" in capsys.readouterr().err
