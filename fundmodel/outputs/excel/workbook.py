"""An auditable Excel workbook of a run, in live formulas: assembling the sheets and saving the book.

Layout after the FAST Standard / ICAEW Financial Modelling Code:

* **Cover**: scenario, date, fundmodel version, parameter sources, how to use, master check.
* **Inputs**: every assumption the model uses (styled as inputs, with unit and source);
  the only sheet holding typed-in numbers.
* **Cells, Allocation, Fields, Banks, Macro**: calculations, every derived number an Excel
  formula that refers (directly or through other calculations) to the Inputs sheet, the
  same formula along each row or down each column.
* **Fiscal**: the fund's funding cost against its return, buy-backs and default losses by year,
  their totals and present values, and the projects' debt by holder (and province), in formulas.
* **Checks**: each rule as a formula returning TRUE / FALSE, and one master check.
* **Scenario comparison** when several results are exported (each scenario then gets its own
  full set of sheets, suffixed " 2", " 3", ...).

Money: the workbook shows money in the unit chosen at export (``bn`` = bn RMB or ``yi`` =
亿元; 1 bn = 10 亿元); inputs and calculations are in that unit and labelled with it.
:func:`~fundmodel.outputs.excel.readback.read_workbook_scenario` converts back to bn RMB (the model's internal unit).

Formulas get their cached values too (from the Python result), so readers that do not
calculate still see numbers; ``fullCalcOnLoad`` asks Excel to recalculate on opening.

Long tables (one row per project, one phasing row per project) are written through openpyxl
down to their first row only (the template: its cells carry the styles); the rows below are
kept as columns (a formula with the row number as a placeholder, and an array of values) and
streamed into the sheet XML at save, chunk by chunk, each cell styled like its column's
template cell (:mod:`fundmodel.outputs.excel.writer`, which says why the XML is written there).

Every sheet prints on A4, fitted to the page width, its header rows repeated on each page,
the Cover on one page (:func:`~fundmodel.outputs.excel.layout.print_on_a4`).

User text (scenario names, project names, notes) is written as text, never as a
formula, even when it starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from fundmodel import __version__
from fundmodel.core.result import Result
from fundmodel.errors import InputError
from fundmodel.labels import instrument_title, label
from fundmodel.messages import Message
from fundmodel.outputs.atomic import atomic_path
from fundmodel.outputs.excel.fiscal_sheet import write_fiscal
from fundmodel.outputs.excel.inputs_sheet import write_inputs
from fundmodel.outputs.excel.layout import (
    FMT_MONEY,
    FMT_PP,
    FMT_TIMES,
    HOW_TO_USE,
    SECTION_FONT,
    TOTAL_FONT,
    Book,
    Sheets,
    a1,
    print_on_a4,
    set_widths,
    xl_label,
)
from fundmodel.outputs.excel.portfolio_sheets import write_portfolio_sheets
from fundmodel.outputs.excel.topdown_sheets import write_topdown_sheets
from fundmodel.outputs.excel.writer import safe_sheet_name, save_xlsx, write_text
from fundmodel.units import unit_label

# ------------------------------------------------------------------ whole book


def _scenario_sheets(book: Book, result: Result, index: int) -> Sheets:
    lang = book.lang
    suffix = "" if index == 0 else f" {index + 1}"
    portfolio = result.mode == "portfolio" and result.projects is not None
    keys = ["inputs", "cells", "allocation", "fields", "banks", "macro", "fiscal", "checks"]
    if portfolio:
        keys = ["inputs", "project_inputs", "projects", "allocation", "fields", "banks", "macro", "fiscal", "checks"]
    if result.fiscal is None:
        keys.remove("fiscal")
    names = {k: safe_sheet_name(xl_label(k, lang) + suffix, book.wb.sheetnames) for k in keys}
    sheets = Sheets(**names)
    ws = {k: book.sheet(v) for k, v in names.items()}
    inp = write_inputs(book, ws["inputs"], result)
    if portfolio:
        write_portfolio_sheets(book, ws, result, inp, sheets)
    else:
        write_topdown_sheets(book, ws, result, inp, sheets)
    if "fiscal" in ws:
        write_fiscal(book, ws["fiscal"], result, inp, sheets)
    return sheets


_KEY_METRICS = [
    ("fund_bn", FMT_MONEY, True),
    ("total_investment_bn", FMT_MONEY, True),
    ("net_investment_bn", FMT_MONEY, True),
    ("multiplier", FMT_TIMES, False),
    ("net_multiplier", FMT_TIMES, False),
    ("gap_to_target_bn", FMT_MONEY, True),
    ("peak_level_effect_pct", FMT_PP, False),
    ("peak_growth_effect_pp", FMT_PP, False),
    ("lowest_growth_effect_pp", FMT_PP, False),
]


def _metric_value(result: Result, key: str, per_bn: float) -> float:
    v = getattr(result, key) if key not in result.totals else result.totals[key]
    return v * per_bn if key.endswith("_bn") else v


def _write_cover(book: Book, ws: Worksheet, results: list[Result], sets: list[Sheets]) -> None:
    lang = book.lang
    first = results[0]
    book.title(ws, xl_label("title", lang))
    # the instrument goes in the row under the title, so that every cell below keeps its place
    write_text(ws, 2, 1, xl_label("instrument", lang)).font = TOTAL_FONT
    write_text(ws, 2, 2, instrument_title(first.parameters, lang))
    info = [
        ("scenario", first.scenario_name),
        ("date", dt.date.today().isoformat()),
        ("version", __version__),
        ("mode", label(f"basis_{first.mode}", lang) if lang == "zh" else first.mode),
        ("unit", unit_label(book.unit, lang)),
        ("language", lang),
    ]
    r = 3
    for key, value in info:
        write_text(ws, r, 1, xl_label(key, lang)).font = TOTAL_FONT
        write_text(ws, r, 2, value)
        r += 1
    write_text(ws, r, 1, xl_label("master_check", lang)).font = TOTAL_FONT
    book.formula(ws, r, 2, "AND(" + ",".join(s.master for s in sets) + ")", all(not x.errors for x in results))
    ws.cell(row=r, column=2).font = TOTAL_FONT
    r += 2
    write_text(ws, r, 1, xl_label("key_results", lang)).font = SECTION_FONT
    r += 1
    for key, fmt, _ in _KEY_METRICS:
        write_text(ws, r, 1, xl_label(key, lang))
        book.formula(ws, r, 2, sets[0].totals[key], _metric_value(first, key, book.per_bn), fmt)
        r += 1
    if first.projects is not None:
        write_text(ws, r, 1, xl_label("n_projects", lang))
        ws.cell(row=r, column=2, value=len(first.projects))
        r += 1
    r += 1
    write_text(ws, r, 1, xl_label("how_to_use", lang)).font = SECTION_FONT
    for line in HOW_TO_USE[lang]:
        r += 1
        write_text(ws, r, 1, line)
    r += 2
    write_text(ws, r, 1, xl_label("sheets_of", lang)).font = SECTION_FONT
    for res, s in zip(results, sets, strict=True):
        r += 1
        write_text(ws, r, 1, res.scenario_name)
        titles = [
            *(s.inputs, s.project_inputs, s.projects, s.cells, s.allocation, s.fields, s.banks, s.macro),
            *(s.fiscal, s.checks),
        ]
        write_text(ws, r, 2, ", ".join(t for t in titles if t))
    r += 2
    write_text(ws, r, 1, xl_label("sources", lang)).font = SECTION_FONT
    r += 1
    # each parameter by its name in the book's language (import-excel reads no path here)
    book.header(ws, r, [xl_label(t, lang) for t in ("parameter", "reference", "date", "overridden_by", "description")])
    for src in first.parameters.sources():
        r += 1
        write_text(ws, r, 1, Message("parameter_name", {"path": src.path}).render(lang))
        write_text(ws, r, 2, src.reference)
        write_text(ws, r, 3, src.date)
        write_text(ws, r, 4, src.overridden_by or "")
        write_text(ws, r, 5, src.describe(lang))
    set_widths(ws, {1: 48, 2: 70, 3: 12, 4: 24, 5: 90})


def _write_comparison(book: Book, ws: Worksheet, results: list[Result], sets: list[Sheets]) -> None:
    lang = book.lang
    book.title(ws, xl_label("comparison", lang), unit_label(book.unit, lang))
    n = len(results)
    book.header(ws, 4, [xl_label("metric", lang)] + [""] * n + [f"Δ {r.scenario_name}" for r in results[1:]])
    for j, res in enumerate(results):
        write_text(ws, 4, 2 + j, res.scenario_name)
    write_text(ws, 3, 2 + n, xl_label("vs_first", lang))
    for i, (key, fmt, _) in enumerate(_KEY_METRICS):
        r = 5 + i
        write_text(ws, r, 1, xl_label(key, lang))
        for j, (res, s) in enumerate(zip(results, sets, strict=True)):
            book.formula(ws, r, 2 + j, s.totals[key], _metric_value(res, key, book.per_bn), fmt)
        for j in range(1, n):
            book.formula(
                ws,
                r,
                1 + n + j,
                f"{a1(r, 2 + j)}-$B{r}",
                _metric_value(results[j], key, book.per_bn) - _metric_value(results[0], key, book.per_bn),
                fmt,
            )
    r = 5 + len(_KEY_METRICS)
    write_text(ws, r, 1, xl_label("master_check", lang))
    for j, (res, s) in enumerate(zip(results, sets, strict=True)):
        book.formula(ws, r, 2 + j, s.master, not res.errors)
    ws.freeze_panes = "B5"
    set_widths(ws, {1: 36, **{2 + j: 22 for j in range(2 * n)}})


def _as_list(result_or_results: Result | Sequence[Result]) -> list[Result]:
    results = [result_or_results] if isinstance(result_or_results, Result) else list(result_or_results)
    if not results:
        raise InputError("nothing to export: give at least one result")
    return results


def build_workbook(
    result_or_results: Result | Sequence[Result], lang: str = "en", unit: str = "bn"
) -> tuple[Workbook, Mapping[tuple[str, str], Any]]:
    """The workbook (openpyxl; the long tables only down to their template row) and the cached
    value of each formula cell ``(sheet, A1) -> value``, long tables included."""
    wb, book = build_book(result_or_results, lang, unit)
    return wb, book.cached_values()


def build_book(result_or_results: Result | Sequence[Result], lang: str, unit: str) -> tuple[Workbook, Book]:
    """The workbook being written (:class:`~fundmodel.outputs.excel.layout.Book`: openpyxl down to
    the long tables' template rows, the long tables as columns, every formula's cached value),
    ready for :func:`~fundmodel.outputs.excel.writer.save_xlsx`; also returns its openpyxl book."""
    if lang not in ("en", "zh"):
        raise InputError(f"lang must be 'en' or 'zh' (got {lang!r})")
    if unit not in ("bn", "yi"):
        raise InputError(f"unit must be 'bn' or 'yi' (got {unit!r})")
    results = _as_list(result_or_results)
    wb = Workbook()
    book = Book(wb, lang, unit)
    cover = wb.active
    cover.title = safe_sheet_name(xl_label("cover", lang))
    sets = [_scenario_sheets(book, res, i) for i, res in enumerate(results)]
    if len(results) > 1:
        comp = book.sheet(xl_label("comparison", lang))
        wb.move_sheet(comp, offset=1 - wb.index(comp))
        _write_comparison(book, comp, results, sets)
    _write_cover(book, cover, results, sets)
    for ws in wb.worksheets:
        print_on_a4(ws, one_page=ws is cover)
    wb.calculation.fullCalcOnLoad = True
    wb.calculation.calcMode = "auto"
    return wb, book


def workbook_bytes(result_or_results: Result | Sequence[Result], lang: str = "en", unit: str = "bn") -> bytes:
    """The .xlsx file as bytes (e.g. for a download button). See :func:`export_workbook`."""
    _, book = build_book(result_or_results, lang, unit)
    out = io.BytesIO()
    save_xlsx(book.wb, book.cache, book.long_tables, out)
    return out.getvalue()


def export_workbook(
    result_or_results: Result | Sequence[Result], path: Path | str, lang: str = "en", unit: str = "bn"
) -> Path:
    """Write an auditable workbook of one result (or several, with a scenario comparison) to ``path``.

    Money appears in ``unit`` ("bn" = bn RMB, "yi" = 亿元; 1 bn = 10 亿元); labels in ``lang``.
    Every derived number is a live formula of the Inputs sheet, with its cached value.
    """
    path = Path(path)
    _, book = build_book(result_or_results, lang, unit)
    # The file appears whole or not at all, also when the process is stopped while writing.
    with atomic_path(path, suffixes=(".xlsx",)) as partial:
        save_xlsx(book.wb, book.cache, book.long_tables, partial)
    return path
