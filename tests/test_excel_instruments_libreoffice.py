"""Workbooks of other instruments recalculated by LibreOffice: the 2022 instrument (as exported
and edited in the workbook) and a round of five fields and two banks; every formula cell
matches the Python model, and an edited 2022 book reads back as a 2022 scenario."""

from __future__ import annotations

from pathlib import Path

import pytest
from _instrument import small_instrument
from _libreoffice import SOFFICE, mismatches, recalculate
from openpyxl import load_workbook

from fundmodel.errors import WorkbookError
from fundmodel.inputs.parameters import using_instrument
from fundmodel.inputs.scenario import Scenario, baseline
from fundmodel.outputs.excel import export_workbook, read_workbook_inputs, read_workbook_scenario
from fundmodel.outputs.excel.workbook import build_workbook

pytestmark = [pytest.mark.libreoffice, pytest.mark.skipif(SOFFICE is None, reason="LibreOffice not installed")]

#: Edited on the Inputs sheet of the 2022 book (ADBC's fitted fund share, see fundmodel backtest).
EDITS_2022 = {"banks.adbc.fund_share_scale": 0.8197, "fields.transport.capital_ratio": 0.25}
OVERRIDES_2022 = {"banks": {"adbc": {"fund_share_scale": 0.8197}}, "fields": {"transport": {"capital_ratio": 0.25}}}


def _formula_cells(book: Path) -> set[tuple[str, str]]:
    return {
        (ws.title, c.coordinate)
        for ws in load_workbook(book).worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=") and c.data_type == "f"
    }


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    src = tmp_path_factory.mktemp("books")
    base22 = baseline("2022").run()
    edited22 = Scenario("2022 edited", OVERRIDES_2022, instrument="2022").run()
    small = small_instrument(src / "round3")
    base_small = baseline(str(small)).run()
    cases = {
        "2022": (
            export_workbook(base22, src / "b2022.xlsx", lang="zh", unit="yi"),
            build_workbook(base22, "zh", "yi")[1],
        ),
        "small": (export_workbook(base_small, src / "small.xlsx"), build_workbook(base_small)[1]),
    }
    to_edit = export_workbook(base22, src / "to_edit.xlsx")
    cells = read_workbook_inputs(to_edit).cells
    wb = load_workbook(to_edit)
    for path, value in EDITS_2022.items():
        sheet, coord = cells[path].split("!")
        wb[sheet][coord] = value
    wb.save(src / "edited2022.xlsx")
    cases["2022 edited"] = (src / "edited2022.xlsx", build_workbook(edited22)[1])
    outputs = recalculate([c[0] for c in cases.values()], tmp_path_factory.mktemp("recalculated"))
    results = {"2022": base22, "small": base_small, "2022 edited": edited22}
    return {
        key: (case, load_workbook(out, data_only=True), results[key])
        for (key, case), out in zip(cases.items(), outputs, strict=True)
    }


@pytest.mark.parametrize("case", ["2022", "small", "2022 edited"])
def test_every_formula_cell_matches_python(books, case):
    (book, expected), recalculated, _ = books[case]
    assert _formula_cells(book) == set(expected)  # nothing escapes the comparison
    bad = mismatches(recalculated, expected, rel=1e-9)
    assert not bad, f"{len(bad)} of {len(expected)} cells differ, e.g. {bad[:5]}"


def test_the_2022_book_says_its_instrument_and_its_totals(books):
    (_, _), recalculated, result = books["2022"]
    assert recalculated["封面"]["B2"].value == "2022 政策性开发性金融工具"
    assert result.total_investment_bn == pytest.approx(7399.0)
    (_, _), edited, moved = books["2022 edited"]
    # ADBC at the fitted scale: 2,459 / 0.8197 = 3,000 bn, less the transport cells' 25% capital ratio
    assert moved.by_bank.loc["adbc", "total_investment_bn"] < 3000.0
    assert edited["Cover"]["B2"].value.startswith("2022 ")


def test_an_edited_2022_book_reads_back_under_2022(books):
    (book, _), _, _ = books["2022 edited"]
    with using_instrument("2022"):
        scenario = read_workbook_scenario(book)
    assert scenario.instrument_name == "2022"
    assert scenario.overrides["banks"]["adbc"]["fund_share_scale"] == pytest.approx(0.8197)
    assert scenario.run().total_investment_bn == pytest.approx(books["2022 edited"][2].total_investment_bn)
    # the cover says which instrument: read without choosing one, and refused under another
    assert read_workbook_scenario(book).instrument_name == "2022"
    with using_instrument("2025"), pytest.raises(WorkbookError, match="of instrument '2022', not '2025'"):
        read_workbook_scenario(book)
