"""Hostile edits of an exported workbook read back by ``fundmodel import-excel``: the growth
table is read by year, down to its source row. A cleared row, a duplicate year, a year that
does not follow the one above, a deleted baseline year or a year typed as a formula is refused
in one line naming the book, sheet, row and column (exit 2), within 10 s and 1 GB, and nothing
is written; an edit below any of them is never dropped, and a valid edit (a changed value, an
added year) arrives whole in the scenario file.

Every workbook is made here from one export of the baseline, edited with openpyxl.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import yaml
from _hostile import MAX_RSS_BYTES, MAX_SECONDS, run_fundmodel

KILL_SECONDS = 90.0


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Path, dict[int, int]]:
    """The baseline's workbook and the Inputs rows of its growth table (year -> row)."""
    from fundmodel.inputs.scenario import baseline
    from fundmodel.outputs.excel.workbook import export_workbook

    book = export_workbook(baseline().run(), tmp_path_factory.mktemp("export") / "book.xlsx")
    ws = openpyxl.load_workbook(book)["Inputs"]
    marker = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "#growth")
    years = {}
    r = marker + 4
    while isinstance(ws.cell(r, 2).value, int):
        years[ws.cell(r, 2).value] = r
        r += 1
    assert sorted(years) == [2023, 2024, 2025] and ws.cell(r, 1).value == "Source"
    return book, years


def _edited(exported, folder: Path, edit: Callable) -> Path:
    source, years = exported
    path = Path(shutil.copy(source, folder / "book.xlsx"))
    wb = openpyxl.load_workbook(path)
    edit(wb["Inputs"], years)
    wb.save(path)
    return path


def _clear(ws, row: int) -> None:
    for col in (1, 2, 3):
        ws.cell(row, col).value = None


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _import(book: Path, folder: Path):
    outcome = run_fundmodel("import-excel", book, "--out", folder / "s.yaml", timeout=KILL_SECONDS, cwd=folder)
    assert outcome.code is not None, "killed (a hang)"
    assert outcome.cpu_seconds <= MAX_SECONDS, outcome.cpu_seconds
    assert outcome.peak_rss_bytes <= MAX_RSS_BYTES, outcome.peak_rss_bytes
    return outcome


def _cleared_then_edited(ws, y):
    _clear(ws, y[2024])
    ws.cell(y[2025], 3).value = 9.9  # an edit below the cleared row: must not be dropped


def _duplicate(ws, y):
    ws.cell(y[2025], 2).value = 2024
    ws.cell(y[2025], 3).value = 7.0  # which of the two 2024s would win? neither: refused


def _deleted_last_year(ws, y):
    ws.delete_rows(y[2025])


def _blank_row_before_source(ws, y):
    ws.insert_rows(y[2025] + 1)


CASES = [
    # (id, edit, cell named, words in the message)
    ("cleared-year", lambda ws, y: _clear(ws, y[2024]), 2024, ("row {r} of the by-year table is empty",)),
    ("cleared-year-then-edit", _cleared_then_edited, 2024, ("row {r} of the by-year table is empty",)),
    ("cleared-first-year", lambda ws, y: _clear(ws, y[2023]), 2023, ("row {r} of the by-year table is empty",)),
    ("cleared-last-year", lambda ws, y: _clear(ws, y[2025]), 2025, ("row {r} of the by-year table is empty",)),
    ("year-only-cleared", lambda ws, y: setattr(ws.cell(y[2024], 2), "value", None), 2024, ("is empty",)),
    ("duplicate-year", _duplicate, 2025, ("year 2024 appears twice", "first in row {r2024}")),
    (
        "year-skipped",
        lambda ws, y: setattr(ws.cell(y[2025], 2), "value", 2026),
        2025,
        ("year 2026 does not follow 2024",),
    ),
    (
        "years-reversed",
        lambda ws, y: setattr(ws.cell(y[2023], 2), "value", 2026),
        2024,
        ("year 2024 does not follow 2026",),
    ),
    (
        "middle-row-deleted",
        lambda ws, y: ws.delete_rows(y[2024]),
        2024,
        ("year 2025 does not follow 2023",),
    ),
    ("last-row-deleted", _deleted_last_year, 2023, ("year 2025 is missing from the growth table",)),
    (
        "year-as-formula",
        lambda ws, y: setattr(ws.cell(y[2025], 2), "value", "=2024+1"),
        2025,
        ("must be typed in, not a formula",),
    ),
    (
        "year-as-text",
        lambda ws, y: setattr(ws.cell(y[2025], 2), "value", "二〇二五"),
        2025,
        ("must be a number",),
    ),
    ("year-fraction", lambda ws, y: setattr(ws.cell(y[2025], 2), "value", 2025.5), 2025, ("whole number",)),
    ("blank-row-before-source", _blank_row_before_source, None, ("of the by-year table is empty",)),
]


@pytest.mark.parametrize("case_id, edit, at_year, words", CASES, ids=[c[0] for c in CASES])
def test_growth_table_edit_refused_naming_the_cell(exported, tmp_path, case_id, edit, at_year, words) -> None:
    book = _edited(exported, tmp_path, edit)
    before = _files(tmp_path)
    outcome = _import(book, tmp_path)
    assert outcome.code == 2, outcome.stderr[-2000:]
    line = outcome.one_line_error
    years = exported[1]
    row = years[at_year if at_year else 2025] + (0 if at_year else 1)
    assert line.startswith(f"fundmodel: error: book.xlsx: Inputs!B{row}: "), line
    for word in words:
        assert word.format(r=row, r2024=years[2024]) in line, line
    assert _files(tmp_path) == before  # no scenario file written, the book untouched


def test_growth_edits_and_an_added_year_arrive_whole(exported, tmp_path) -> None:
    """Every edit of the table is kept: a changed year and a year added above the source row."""

    def edit(ws, y):
        ws.cell(y[2023], 3).value = 6.1
        ws.cell(y[2025], 3).value = -1.5
        ws.insert_rows(y[2025] + 1)
        ws.cell(y[2025] + 1, 1).value = "2026"
        ws.cell(y[2025] + 1, 2).value = 2026
        ws.cell(y[2025] + 1, 3).value = 1.25

    book = _edited(exported, tmp_path, edit)
    outcome = _import(book, tmp_path)
    assert outcome.code == 0, outcome.stderr[-2000:]
    scenario = yaml.safe_load((tmp_path / "s.yaml").read_text(encoding="utf-8"))
    # 2024 is unchanged (4.4), so it is not an override
    assert scenario["overrides"]["macro"]["growth_pct"] == {2023: 6.1, 2025: -1.5, 2026: 1.25}


def _rewrite_sheets(source: Path, target: Path, change: Callable[[bytes], bytes]) -> Path:
    """A copy of the workbook with every worksheet's XML changed by ``change``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = change(data)
            new.writestr(info, data)
    return target


def _far_cells(xml: bytes) -> bytes:
    rows = b"".join(b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (r, r) for r in range(200, 20_200))
    return xml.replace(b"</sheetData>", rows + b"</sheetData>")


@pytest.mark.parametrize(
    "case_id, change, words",
    [
        (
            "huge-dimension",
            lambda xml: re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:XFD1048576"/>', xml),
            ("declared <dimension>", "FUNDMODEL_MAX_SHEET_CELLS"),
        ),
        ("xfd-on-20000-rows", _far_cells, ("16,384 columns", "FUNDMODEL_MAX_COLUMNS")),
    ],
    ids=["huge-dimension", "xfd-on-20000-rows"],
)
def test_huge_sheet_refused_before_loading(exported, tmp_path, case_id, change, words) -> None:
    """A small edited workbook that claims or holds a huge Inputs sheet (1.8 GB before):
    refused from its XML before openpyxl loads it, naming the sheet and the limit."""
    book = _rewrite_sheets(exported[0], tmp_path / "book.xlsx", change)
    assert book.stat().st_size < 2**20
    before = _files(tmp_path)
    outcome = _import(book, tmp_path)
    assert outcome.code == 2, outcome.stderr[-2000:]
    line = outcome.one_line_error
    assert "book.xlsx, sheet 'Inputs'" in line, line
    for word in words:
        assert word in line, line
    assert _files(tmp_path) == before


def test_damaged_inputs_sheet_is_one_line(exported, tmp_path) -> None:
    """A truncated sheet XML (a ParseError traceback before): one line naming book and sheet."""
    book = _rewrite_sheets(exported[0], tmp_path / "book.xlsx", lambda xml: xml[: len(xml) // 2])
    before = _files(tmp_path)
    outcome = _import(book, tmp_path)
    assert outcome.code == 2, outcome.stderr[-2000:]
    line = outcome.one_line_error
    assert "book.xlsx: sheet 'Inputs' is damaged (ParseError" in line and "export it again" in line, line
    assert _files(tmp_path) == before
