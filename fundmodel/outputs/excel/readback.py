"""Reading an exported (possibly edited) workbook back: its Inputs sheet as a scenario
(:func:`read_workbook_scenario`, strictly typed, errors naming book, sheet, cell and rule), its
Project inputs sheet as a portfolio (:func:`read_workbook_portfolio`), and writing them out
(:func:`scenario_yaml`, :func:`write_portfolio_file`)."""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from fundmodel.errors import InputError, PortfolioError, WorkbookError
from fundmodel.inputs.parameters import (
    DEFAULT_INSTRUMENT,
    ParameterError,
    Parameters,
    chosen_instrument,
    default_parameters,
    instrument_id,
)
from fundmodel.inputs.portfolio import parse_portfolio
from fundmodel.inputs.portfolio.spreadsheet import check_xlsx_limits
from fundmodel.inputs.scenario import Scenario
from fundmodel.messages import Message, os_reason
from fundmodel.outputs.excel.inputs_sheet import (
    BANK_INPUTS,
    FIELD_INPUTS,
    LAYOUT_VERSION,
    MARKERS,
    SCALAR_INPUTS,
    param_node,
)
from fundmodel.outputs.excel.layout import xl_label
from fundmodel.outputs.excel.portfolio_sheets import FIRST_ROW, PROJECT_INPUTS
from fundmodel.outputs.excel.writer import write_text
from fundmodel.units import PER_BN


@dataclass(frozen=True)
class WorkbookInputs:
    """What :func:`read_workbook_inputs` found: the scenario name, the workbook's money unit,
    every input as a parameter override (bn RMB), and the cell each override came from."""

    scenario_name: str
    unit: str
    values: dict[str, Any]
    cells: dict[str, str]
    instrument: str = DEFAULT_INSTRUMENT


def _find_inputs_sheet(wb: Any, sheet: str | None, book: str) -> Any:
    candidates = [sheet] if sheet else [xl_label("inputs", "en"), xl_label("inputs", "zh")]
    for name in candidates:
        if name in wb.sheetnames:
            return wb[name]
    looked = ", ".join(map(repr, candidates))
    raise WorkbookError(
        Message("workbook_no_inputs_sheet", {"book": book, "looked": looked, "sheets": ", ".join(wb.sheetnames)})
    )


def _check_limits(path: Path, sheets: list[str]) -> None:
    """The input limits, before openpyxl loads anything: a sheet whose <dimension> claims a
    huge range, or a value in column XFD, would otherwise take gigabytes (read-only openpyxl
    pads every row to the declared width)."""
    try:
        check_xlsx_limits(path, sheets)
    except PortfolioError as exc:
        raise WorkbookError(exc.text or str(exc)) from None


@contextmanager
def _damaged_sheet(book: str, title: str) -> Iterator[None]:
    """A sheet whose XML or compressed data is damaged: one line naming book and sheet."""
    try:
        yield
    except (ParseError, zipfile.BadZipFile, zlib.error, EOFError, UnicodeDecodeError) as exc:
        detail = f"{type(exc).__name__}: {' '.join(str(exc).split())[:120]}"
        raise WorkbookError(
            Message("workbook_sheet_damaged", {"book": book, "sheet": title[:60], "detail": detail})
        ) from None


def _detail(exc: BaseException) -> Message:
    """Why a workbook could not be opened: the system's reason for a file error, else the
    kind of error and its words, bounded (openpyxl's and zipfile's own words)."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return os_reason(exc)
    return Message("text", {"text": f"{type(exc).__name__}: {' '.join(str(exc).split())[:120]}"})


def _typed(value: Any, kind: str, where: str, path: str) -> Any:
    """Check one input cell's type; never coerce a number that would change."""

    def fail(rule: str) -> WorkbookError:
        # the rule by its message (workbook_cell_<rule>), the cell and what it holds
        return WorkbookError(
            Message(
                "workbook_cell",
                {"where": where, "path": path, "rule": Message(f"workbook_cell_{rule}"), "got": repr(value)},
            )
        )

    if value is None or (isinstance(value, str) and not value.strip()):
        raise fail("empty")
    if kind == "bool":
        if not isinstance(value, bool):
            raise fail("bool")
        return value
    if kind == "text":
        if not isinstance(value, str):
            raise fail("text")
        return value.strip()
    if kind == "date":
        if not isinstance(value, dt.date):
            raise fail("date")
        if isinstance(value, dt.datetime) and value.time() != dt.time(0, 0):
            raise fail("date_time")
        return value.date() if isinstance(value, dt.datetime) else value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail("number")
    if not math.isfinite(value):
        raise fail("finite")
    if kind == "year":
        if float(value) != int(value):
            raise fail("whole")
        return int(value)
    return value


def _money_to_bn(value: float, per_bn: float) -> float:
    """Amount in the workbook's unit -> bn RMB, rounded only where the division left float noise."""
    bn = value / per_bn
    rounded = round(bn, 9)
    return rounded if math.isclose(bn, rounded, rel_tol=1e-13, abs_tol=1e-13) else bn


def _book_instrument(cover_b2: Any, book: str) -> str:
    """The instrument a workbook was exported for: the id that starts its cover's B2 (``2022 政策
    性开发性金融工具``); a book without it (exported before instruments were recorded) is read
    under the chosen instrument, else 2025. A chosen instrument other than the book's is refused."""
    chosen = chosen_instrument()
    found = None
    parts = cover_b2.split(" ") if isinstance(cover_b2, str) else []
    for k in range(1, len(parts) + 1):
        try:
            found = instrument_id(" ".join(parts[:k]))
            break
        except ParameterError:
            continue
    if found is None:
        return chosen or DEFAULT_INSTRUMENT
    if chosen is not None and chosen != found:
        raise WorkbookError(
            f"{book}: cover B2: the workbook is of instrument {found!r}, not {chosen!r} (choose --instrument {found})"
        )
    return found


def read_workbook_inputs(path: Path | str, sheet: str | None = None) -> WorkbookInputs:
    """Read the Inputs sheet of an exported (possibly edited) workbook, strictly.

    Every value is checked for type (numbers, whole years, TRUE/FALSE, text, no formulas);
    rows, ids and keys must be where the export put them. Errors name the book, sheet,
    cell and rule, e.g. ``book.xlsx: Inputs!D18: fields.digital_economy.capital_ratio: must
    be a number (got 'abc')``. Money is converted from the workbook's unit to bn RMB.
    """
    path = Path(path)
    book = path.name
    _check_limits(path, [sheet] if sheet else [xl_label("inputs", "en"), xl_label("inputs", "zh")])
    try:
        wb = load_workbook(path, read_only=True, data_only=False)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise WorkbookError(Message("workbook_unreadable", {"book": book, "detail": _detail(exc)})) from None
    try:
        instrument = _book_instrument(wb.worksheets[0]["B2"].value, book)
        ws = _find_inputs_sheet(wb, sheet, book)
        grid, formulas = [], set()
        with _damaged_sheet(book, ws.title):
            for r, cells_of_row in enumerate(ws.iter_rows(), start=1):
                grid.append([getattr(c, "value", None) for c in cells_of_row])
                formulas.update(
                    (r, j) for j, c in enumerate(cells_of_row, start=1) if getattr(c, "data_type", "") == "f"
                )
    finally:
        wb.close()
    title = ws.title

    def at(row: int, col: int) -> Any:
        if row - 1 < len(grid) and col - 1 < len(grid[row - 1]):
            return grid[row - 1][col - 1]
        return None

    def where(row: int, col: int) -> str:
        return f"{book}: {title}!{get_column_letter(col)}{row}"

    if at(3, 2) == "layout" and at(3, 3) != LAYOUT_VERSION:
        # a book of another version of fundmodel: its rows are elsewhere, say so before reading them
        found = str(at(3, 3))[:60]
        raise WorkbookError(
            Message("workbook_layout_version", {"where": where(3, 3), "found": found, "expected": LAYOUT_VERSION})
        )
    if at(3, 2) != "layout":
        # a book exported before the layout was recorded, or not an export of fundmodel at all
        found = repr(at(3, 3))[:60]
        raise WorkbookError(
            Message("workbook_no_layout", {"where": where(3, 3), "found": found, "expected": LAYOUT_VERSION})
        )
    unit = at(4, 3)
    if unit not in ("bn", "yi"):
        raise WorkbookError(Message("workbook_bad_unit", {"where": where(4, 3), "got": repr(unit)[:60]}))
    per_bn = PER_BN[unit]
    if (5, 3) in formulas:
        raise WorkbookError(Message("workbook_name_formula", {"where": where(5, 3)}))
    name = _typed(at(5, 3), "text", where(5, 3), "scenario.name")
    markers = {}
    for r in range(1, len(grid) + 1):
        v = at(r, 2)
        if isinstance(v, str) and v in MARKERS.values():
            markers[v] = r
    for key, marker in MARKERS.items():
        if marker not in markers:
            params = {"book": book, "sheet": title, "marker": repr(marker), "key": key}
            raise WorkbookError(Message("workbook_marker_missing", params))

    base = default_parameters(instrument)
    values: dict[str, Any] = {}
    cells: dict[str, str] = {}

    def take(path: str, row: int, col: int, kind: str) -> None:
        if (row, col) in formulas:
            raise WorkbookError(
                f"{where(row, col)}: {path}: must be a typed-in value, not a formula (got {at(row, col)!r})"
            )
        v = _typed(at(row, col), kind, where(row, col), path)
        values[path] = _money_to_bn(v, per_bn) if kind == "money" else v
        cells[path] = f"{title}!{get_column_letter(col)}{row}"

    def expect(row: int, col: int, wanted: Any, what: str) -> None:
        got = at(row, col)
        if got != wanted:
            raise WorkbookError(
                f"{where(row, col)}: expected {what} {wanted!r} here (got {got!r}); "
                "rows, columns, ids and keys of the Inputs sheet must not be moved or renamed"
            )

    r0 = markers[MARKERS["scalars"]] + 2
    for i, (path, kind) in enumerate(SCALAR_INPUTS):
        expect(r0 + i, 2, path, "key")
        take(path, r0 + i, 3, kind)

    def table(marker: str, ids: list[Any], columns: list[tuple[str, str]], path: Any) -> None:
        m = markers[MARKERS[marker]]
        for j, (key, _) in enumerate(columns):
            expect(m + 2, 3 + j, key, "column key")
        for i, rid in enumerate(ids):
            expect(m + 4 + i, 2, rid, "id")
            for j, (key, kind) in enumerate(columns):
                take(path(rid, key), m + 4 + i, 3 + j, kind)

    table("fields", base.field_ids, FIELD_INPUTS, lambda f, k: f"fields.{f}.{k}")
    table("banks", base.bank_ids, BANK_INPUTS, lambda b, k: f"banks.{b}.{k}")
    table("allocation", base.field_ids, [(b, "money") for b in base.bank_ids], lambda f, b: f"allocation_bn.{f}.{b}")
    table(
        "sectors",
        list(base.capital_ratios.sectors),
        [("minimum", "share")],
        lambda s, k: f"capital_ratios.sectors.{s}.{k}",
    )
    m = markers[MARKERS["growth"]]
    expect(m + 2, 3, "growth_pct", "column key")
    years = by_year_rows(grid, m + 4, formulas, f"{book}: {title}", "macro.growth_pct")
    for year, r in years.items():
        take(f"macro.growth_pct.{year}", r, 3, "pct")
    for year in sorted(set(base.macro.growth_pct.value) - set(years)):
        # a year the baseline has cannot be removed by deleting its row: it would keep the baseline's value
        raise WorkbookError(Message("workbook_year_missing", {"where": f"{book}: {title}!B{m + 4}", "year": year}))
    return WorkbookInputs(scenario_name=name, unit=unit, values=values, cells=cells, instrument=instrument)


_SOURCE_LABELS = frozenset({xl_label("source", "en"), xl_label("source", "zh")})


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def by_year_rows(grid: list[list[Any]], first_row: int, formulas: set, where: str, path: str) -> dict[int, int]:
    """Year -> sheet row of a by-year table whose years are in column B from ``first_row`` down
    to the table's source row (column A 'Source'/'来源') or the next section marker.

    Every row of the table is read, so an edit below a cleared row is never dropped. Refused,
    naming the sheet, row and column: a cleared row inside the table, a year that is not a
    typed-in whole number, a duplicate year, a year that does not follow the one above.

    >>> by_year_rows([["", 2024, 1.0], ["", 2025, 2.0], ["Source", None, "x"]], 1, set(), "b.xlsx: Inputs", "g")
    {2024: 1, 2025: 2}
    >>> by_year_rows([["", 2024, 1.0], ["", None, None], ["", 2026, 2.0]], 1, set(), "b.xlsx: Inputs", "g")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    fundmodel.errors.WorkbookError: b.xlsx: Inputs!B2: g: row 2 of the by-year table is empty (a cleared year?); ...
    """
    rows: dict[int, int] = {}
    markers = set(MARKERS.values())
    end = len(grid) + 1  # the table's end: its source row, the next section or the sheet's end
    for r in range(first_row, len(grid) + 1):
        row = grid[r - 1]
        if (row[0] if row else None) in _SOURCE_LABELS or (row[1] if len(row) > 1 else None) in markers:
            end = r
            break
    filled = [r for r in range(first_row, end) if not all(_blank(v) for v in grid[r - 1][:3])]
    if end == len(grid) + 1:
        end = (filled[-1] + 1) if filled else first_row  # no source row: blank rows below are not the table's
    for r in range(first_row, end):
        cell = f"{where}!B{r}"
        if r not in filled:
            raise WorkbookError(Message("workbook_year_row_empty", {"where": cell, "path": path, "row": r}))
        if (r, 2) in formulas:
            raise WorkbookError(Message("workbook_year_not_typed", {"where": cell, "path": path}))
        row = grid[r - 1]
        year = _typed(row[1] if len(row) > 1 else None, "year", cell, f"{path} (year)")
        if year in rows:
            raise WorkbookError(
                Message("workbook_year_duplicate", {"where": cell, "path": path, "year": year, "first": rows[year]})
            )
        if rows and year != max(rows) + 1:
            raise WorkbookError(
                Message("workbook_year_out_of_order", {"where": cell, "path": path, "year": year, "after": max(rows)})
            )
        rows[year] = r
    return rows


def _baseline_value(params: Parameters, path: str) -> Any:
    parts = path.split(".")
    if parts[0] == "allocation_bn":
        return params.allocation_bn[parts[1]][parts[2]]
    if parts[:2] == ["macro", "growth_pct"]:
        return params.macro.growth_pct.value.get(int(parts[2]))
    if parts[0] in ("fields", "banks"):
        return getattr(getattr(params, parts[0])[parts[1]], parts[2]).value
    if parts[:2] == ["capital_ratios", "sectors"]:
        return params.capital_ratios.sectors[parts[2]].minimum.value
    return param_node(params, path).value


def _differs(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is not b
    if any(isinstance(x, bool | str | dt.date) for x in (a, b)):
        return a != b
    return not math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-15)


def overrides_from_inputs(inputs: WorkbookInputs, base: Parameters | None = None) -> dict[str, Any]:
    """The nested overrides (only values that differ from ``base``, default the baseline)."""
    base = base or default_parameters()
    out: dict[str, Any] = {}
    for path, value in inputs.values.items():
        if not _differs(value, _baseline_value(base, path)):
            continue
        parts = path.split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        leaf = parts[-1]
        node[int(leaf) if parts[:2] == ["macro", "growth_pct"] else leaf] = value
    return out


def read_workbook_scenario(path: Path | str, sheet: str | None = None) -> Scenario:
    """The scenario an edited workbook describes, validated as strictly as a scenario file.

    Errors name the book, the sheet and cell, and the rule (e.g. ``must be <= 1``).
    """
    path = Path(path)
    inputs = read_workbook_inputs(path, sheet)
    overrides = overrides_from_inputs(inputs, default_parameters(inputs.instrument))
    data = {
        "instrument": inputs.instrument,
        "scenario": {
            "name": inputs.scenario_name,
            "description": f"Read from {path.name} ({inputs.unit}); values that differ from the baseline.",
            "date": dt.date.today(),
        },
        "overrides": overrides,
    }
    try:
        return Scenario.from_dict(data, source=path.name)
    except ParameterError as exc:
        raise WorkbookError(_locate(str(exc), inputs.cells, path.name)) from None


def _locate(message: str, cells: Mapping[str, str], book: str) -> str:
    """``book: Sheet!A1: rule`` for a validation message naming a parameter (longest key path first)."""
    rest = message.split(": ", 1)[1] if message.startswith(book) and ": " in message else message
    plain = rest.replace(".value.", ".").replace(".value:", ":")
    for path in sorted(cells, key=len, reverse=True):
        if re.search(re.escape(path) + r"(?![\w])", plain):
            return f"{book}: {cells[path]}: {rest}"
    return message


def scenario_yaml(scenario: Scenario) -> str:
    """A scenario file's text (``scenario:`` meta and ``overrides:``) for ``scenario``, read from
    an edited workbook (by :meth:`Scenario.to_yaml`, the one serializer)."""
    return scenario.to_yaml(
        header="# Scenario read from an edited fundmodel workbook: only values that differ from the baseline.\n"
    )


def _sheet_grid(path: Any, sheet: str | None) -> tuple[str, list[list[Any]], set[tuple[int, int]]]:
    """(sheet title, values by row, formula cells) of the Project inputs sheet of a workbook."""
    book = path.name
    names = [sheet] if sheet else [xl_label("project_inputs", "en"), xl_label("project_inputs", "zh")]
    _check_limits(path, names)
    try:
        wb = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises several kinds on a corrupt file
        raise WorkbookError(Message("workbook_unreadable", {"book": book, "detail": _detail(exc)})) from None
    try:
        title = next((n for n in names if n in wb.sheetnames), None)
        if title is None:
            looked = ", ".join(map(repr, names))
            raise WorkbookError(Message("workbook_no_project_sheet", {"book": book, "looked": looked}))
        grid, formulas = [], set()
        with _damaged_sheet(book, title):
            for r, row in enumerate(wb[title].iter_rows(), start=1):
                grid.append([getattr(c, "value", None) for c in row])
                formulas.update((r, j) for j, c in enumerate(row, start=1) if getattr(c, "data_type", "") == "f")
    finally:
        wb.close()
    return title, grid, formulas


def _cell_text(v: Any) -> str:
    """A cell as the text a portfolio file would hold (the portfolio reader parses it)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def project_inputs_table(path: Any, sheet: str | None = None) -> tuple[str, pd.DataFrame, list[list[Any]]]:
    """The Project inputs sheet as a raw portfolio table (headers as written in row 4, index =
    the sheet's row numbers), and the raw rows (header first) for writing a portfolio file.

    A formula typed into a project cell is refused (inputs are values), naming the cell.
    """
    path = Path(path)
    title, grid, formulas = _sheet_grid(path, sheet)
    if len(grid) < 4 or grid[2][: len(PROJECT_INPUTS)] != PROJECT_INPUTS:
        raise WorkbookError(
            f"{path.name}: {title}!A3: row 3 must hold the column ids {PROJECT_INPUTS} "
            "(columns must not be moved or renamed)"
        )
    for r, c in sorted(formulas):
        if r >= FIRST_ROW:
            raise WorkbookError(
                f"{path.name}: {title}!{get_column_letter(c)}{r}: project inputs must be "
                f"typed-in values, not formulas (got {grid[r - 1][c - 1]!r})"
            )
    width = len(PROJECT_INPUTS)
    header = [str(h) for h in grid[3][:width]]
    body = [(r, row[:width] + [None] * (width - len(row))) for r, row in enumerate(grid[FIRST_ROW - 1 :], FIRST_ROW)]
    body = [(r, row) for r, row in body if any(v not in (None, "") for v in row)]
    table = pd.DataFrame([[_cell_text(v) for v in row] for _, row in body], columns=header, index=[r for r, _ in body])
    return title, table, [header] + [row for _, row in body]


def read_workbook_portfolio(path: Any, sheet: str | None = None, params: Any = None) -> Any:
    """The portfolio on the (possibly edited) Project inputs sheet, validated by the portfolio
    reader: issues name the book and sheet, the sheet's row, the column as headed, and the rule."""
    title, table, _ = project_inputs_table(path, sheet)
    return parse_portfolio(table, params=params, source=f"{Path(path).name}: {title}")


def write_portfolio_file(rows: list[list[Any]], path: Any) -> Any:
    """Write raw project rows (header first) as an .xlsx portfolio file (text stays text,
    never a formula); read it back with :func:`fundmodel.inputs.portfolio.read_portfolio`."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError(Message("portfolio_write_xlsx", {"file": path.name}))
    wb = Workbook()
    ws = wb.active
    ws.title = "portfolio"
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row, start=1):
            if isinstance(v, str):
                write_text(ws, r, c, v)
            else:
                ws.cell(row=r, column=c, value=v)
    wb.save(path)
    return path
