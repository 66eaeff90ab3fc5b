"""The back-test: ex-ante runs against the reported outturn, with hand-computed errors and fits."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fundmodel.analysis.backtest import backtest, fitted_scales, load_outturn
from fundmodel.cli import main
from fundmodel.inputs.parameters import PARAMETER_DIR, ParameterError, default_parameters, load_parameters


def _row(table, instrument: str, quantity: str, subject: str):
    hit = table[(table.instrument == instrument) & (table.quantity == quantity) & (table.subject == subject)]
    assert len(hit) == 1, (instrument, quantity, subject)
    return hit.iloc[0]


@pytest.fixture(scope="module")
def table():
    return backtest()


def test_2022_adbc_by_hand(table):
    """Ex ante ADBC's 245.9 bn at s = 0.5, k = 0.2 -> 2,459 bn; reported ~3,000 bn:
    error (2,459 - 3,000) / 3,000 = -18.03%; fitted scale 2,459 / 3,000 = 0.8197."""
    row = _row(table, "2022", "total_investment_bn", "adbc")
    assert row.reported == 3000.0
    assert row.ex_ante == pytest.approx(2459.0)
    assert row.ex_ante_error_pct == pytest.approx(-18.0333, abs=1e-3)
    assert abs(row.fit_error_pct) < 1.0
    assert row.assumption_moved.params["scale"] == pytest.approx(2459.0 / 3000.0, rel=1e-9)
    assert row.assumption_moved.params["fitted"] == pytest.approx(3000.0 / 245.9, rel=1e-5)


def test_2022_unpublished_figures_stay_empty(table):
    total = _row(table, "2022", "total_investment_bn", "total")
    assert total.reported is None or total.reported != total.reported  # not published
    assert total.ex_ante == pytest.approx(7399.0)
    cdb = _row(table, "2022", "total_investment_bn", "cdb")
    assert cdb.assumption_moved is None and cdb.fit != cdb.fit
    projects = _row(table, "2022", "projects", "adbc")
    assert projects.reported == 1677 and projects.ex_ante != projects.ex_ante  # no 2022 portfolio


def test_2025_every_reported_figure_is_reproduced_within_one_percent(table):
    rows = table[(table.instrument == "2025") & (table.quantity == "total_investment_bn")]
    assert set(rows.subject) == {"total", "cdb", "adbc", "exim"}
    assert (rows.fit_error_pct.abs() < 1.0).all()
    total = _row(table, "2025", "total_investment_bn", "total")
    assert total.reported == 7080.0
    assert total.ex_ante_error_pct == pytest.approx(100 * (total.ex_ante - 7080.0) / 7080.0)
    cdb = _row(table, "2025", "total_investment_bn", "cdb")
    assert cdb.assumption_moved.params["scale"] == pytest.approx(cdb.ex_ante / 3850.0)
    assert _row(table, "2025", "projects", "total").ex_ante == 2300  # national_synthetic.csv's rows


def test_a_common_factor_fits_the_banks_without_a_figure_when_the_total_is_published():
    p = default_parameters("2025")
    o = load_outturn(p)
    partial = type(o)(7080.0, {"cdb": 3850.0}, None, {}, None)
    ex = {"cdb": 3000.0, "adbc": 1700.0, "exim": 1300.0}
    import pandas as pd

    scales = fitted_scales(p, pd.Series(ex), partial)
    # CDB 3,000 / 3,850; the other two share (1,700 + 1,300) / (7,080 - 3,850) = 0.9288
    assert scales["cdb"] == pytest.approx(3000 / 3850)
    assert scales["adbc"] == scales["exim"] == pytest.approx(3000 / 3230)


def test_an_outturn_naming_an_undeclared_bank_names_file_and_key(tmp_path: Path):
    shutil.copytree(PARAMETER_DIR, tmp_path / "p")
    (tmp_path / "p" / "outturn.yaml").write_text(
        "banks:\n  pboc:\n    projects: {value: 3, unit: projects, description: d, description_zh: d, "
        "reference: r, date: 2025-01-01}\n",
        encoding="utf-8",
    )
    with pytest.raises(ParameterError, match=r"outturn\.yaml: banks\.pboc: unknown bank"):
        load_outturn(load_parameters(instrument=tmp_path / "p"))


def test_backtest_command(capsys):
    assert main(["backtest"]) == 0
    out = capsys.readouterr().out
    assert "-15.4%" in out and "not published" in out and "x0.820" in out
    assert main(["backtest", "--instrument", "2022", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert {r["instrument"] for r in records} == {"2022"}
    adbc = next(r for r in records if r["subject"] == "adbc" and r["quantity"] == "total_investment_bn")
    assert adbc["reported"] == 3000.0 and "x0.820" in adbc["assumption_moved"]
