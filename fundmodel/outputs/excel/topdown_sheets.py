"""The calculation and check sheets of a top-down run: Cells (fields x banks), Allocation,
Fields, Banks, Macro (phasing, level and growth effects) and Checks, every number a formula of the
Inputs sheet. The Allocation and Macro sheets and the field phasing are shared with the
portfolio sheets (:mod:`fundmodel.outputs.excel.portfolio_sheets`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from openpyxl.chart import BarChart, Reference, Series
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from fundmodel.core import macro
from fundmodel.core.result import Result
from fundmodel.labels import label
from fundmodel.outputs.excel.inputs_sheet import InputsLayout, allocation_used
from fundmodel.outputs.excel.layout import (
    CHECKS_FIRST_ROW,
    FMT_MONEY,
    FMT_PP,
    FMT_SHARE,
    FMT_TIMES,
    FMT_WEIGHT,
    FMT_YEAR,
    MIN_TIMELINE_YEARS,
    SECTION_FONT,
    TOLERANCE_SHARE,
    TOTAL_BORDER,
    TOTAL_FONT,
    Book,
    Sheets,
    a1,
    abs_range,
    set_widths,
    sheet_a1,
    xl_label,
)
from fundmodel.outputs.excel.writer import LINK_ROW, ROW, Column, write_text
from fundmodel.units import unit_label

# ------------------------------------------------------------ calculation sheets


_STACK = ["fund_bn", "project_capital_bn", "other_capital_bn", "debt_bn", "total_investment_bn", "net_investment_bn"]


#: Columns of the Cells sheet (1-based).
_CELL_SHEET = [
    "field",
    "bank",
    "field_name",
    "bank_name",
    *_STACK,
    "fund_share_of_capital",
    "fund_share_scale",
    "cell_fund_share",
    "capital_ratio",
    "additionality",
    "multiplier",
    "fund_share_cap",
]
#: Column (1-based) of each key on the Cells sheet.
CELLS_COLUMN = {k: j + 1 for j, k in enumerate(_CELL_SHEET)}


def _write_cells(book: Book, ws: Worksheet, result: Result, inp: InputsLayout, sheets: Sheets) -> tuple[int, int]:
    """One row per (field, bank) cell: F, s = s_f x scale_b, k, a, K = F/s, O = K-F, I = K/k, D = I-K, aI, 1/(sk)."""
    p, lang, u = result.parameters, book.lang, book.per_bn
    book.title(ws, xl_label("cells", lang), unit_label(book.unit, lang))
    heads = [xl_label("field", lang), xl_label("bank", lang), xl_label("field", lang), xl_label("bank", lang)]
    heads += [xl_label(c, lang) for c in _CELL_SHEET[4:]]
    book.header(ws, 4, heads)
    c = CELLS_COLUMN
    fi, ba = inp.fields, inp.banks
    field_ids = abs_range(inp.sheet, fi.first_row, 2, fi.last_row, 2)
    bank_ids = abs_range(inp.sheet, ba.first_row, 2, ba.last_row, 2)
    al = inp.allocation
    alloc = abs_range(inp.sheet, al.first_row, 3, al.last_row, 2 + len(p.bank_ids))
    alloc_keys = abs_range(inp.sheet, al.first_row - 2, 3, al.first_row - 2, 2 + len(p.bank_ids))

    def fcol(key: str) -> str:
        return abs_range(inp.sheet, fi.first_row, fi.cols[key], fi.last_row, fi.cols[key])

    cells = result.by_cell
    cap = p.fund_share_cap
    row = 5
    for i, fid in enumerate(p.field_ids):
        for j, bid in enumerate(p.bank_ids):
            r = row
            L = {k: a1(r, v) for k, v in c.items()}
            fa, ba_ = f"$A{r}", f"$B{r}"
            write_text(ws, r, 1, fid)
            write_text(ws, r, 2, bid)
            write_text(ws, r, 3, label(fid, lang))
            write_text(ws, r, 4, label(bid, lang))
            rec = cells.loc[(fid, bid)]
            s_cell = p.cell_fund_share[i, j]
            book.formula(
                ws,
                r,
                c["fund_bn"],
                f"INDEX({alloc},MATCH({fa},{field_ids},0),MATCH({ba_},{alloc_keys},0))",
                rec["fund_bn"] * u,
                FMT_MONEY,
            )
            book.formula(
                ws,
                r,
                c["fund_share_of_capital"],
                f"INDEX({fcol('fund_share_of_capital')},MATCH({fa},{field_ids},0))",
                p.fund_share_of_capital[i],
                FMT_SHARE,
            )
            scale_rng = abs_range(
                inp.sheet, ba.first_row, ba.cols["fund_share_scale"], ba.last_row, ba.cols["fund_share_scale"]
            )
            book.formula(
                ws,
                r,
                c["fund_share_scale"],
                f"INDEX({scale_rng},MATCH({ba_},{bank_ids},0))",
                p.fund_share_scale[j],
                "0.0000",
            )
            book.formula(
                ws, r, c["cell_fund_share"], f"{L['fund_share_of_capital']}*{L['fund_share_scale']}", s_cell, FMT_SHARE
            )
            book.formula(
                ws,
                r,
                c["capital_ratio"],
                f"INDEX({fcol('capital_ratio')},MATCH({fa},{field_ids},0))",
                p.capital_ratio[i],
                FMT_SHARE,
            )
            book.formula(
                ws,
                r,
                c["additionality"],
                f"INDEX({fcol('additionality')},MATCH({fa},{field_ids},0))",
                p.additionality[i],
                FMT_SHARE,
            )
            book.formula(
                ws,
                r,
                c["project_capital_bn"],
                f"{L['fund_bn']}/{L['cell_fund_share']}",
                rec["project_capital_bn"] * u,
                FMT_MONEY,
            )
            book.formula(
                ws,
                r,
                c["other_capital_bn"],
                f"{L['project_capital_bn']}-{L['fund_bn']}",
                rec["other_capital_bn"] * u,
                FMT_MONEY,
            )
            book.formula(
                ws,
                r,
                c["total_investment_bn"],
                f"{L['project_capital_bn']}/{L['capital_ratio']}",
                rec["total_investment_bn"] * u,
                FMT_MONEY,
            )
            book.formula(
                ws,
                r,
                c["debt_bn"],
                f"{L['total_investment_bn']}-{L['project_capital_bn']}",
                rec["debt_bn"] * u,
                FMT_MONEY,
            )
            book.formula(
                ws,
                r,
                c["net_investment_bn"],
                f"{L['additionality']}*{L['total_investment_bn']}",
                rec["net_investment_bn"] * u,
                FMT_MONEY,
            )
            book.formula(
                ws,
                r,
                c["multiplier"],
                f"1/({L['cell_fund_share']}*{L['capital_ratio']})",
                1.0 / (s_cell * p.capital_ratio[i]),
                FMT_TIMES,
            )
            cap_rng = abs_range(
                sheets.fields, 5, FIELDS_COLUMN["fund_share_cap"], 4 + len(p.field_ids), FIELDS_COLUMN["fund_share_cap"]
            )
            fid_rng = abs_range(sheets.fields, 5, 1, 4 + len(p.field_ids), 1)
            book.formula(ws, r, c["fund_share_cap"], f"INDEX({cap_rng},MATCH({fa},{fid_rng},0))", cap[i], FMT_SHARE)
            row += 1
    ws.freeze_panes = "E5"
    set_widths(ws, {1: 24, 2: 8, 3: 30, 4: 30, **{k: 14 for k in range(5, 18)}})
    return 5, row - 1


#: Columns of the Fields sheet (1-based).
_FIELD_SHEET = [
    "id",
    "name",
    *_STACK,
    "multiplier",
    "net_multiplier",
    "fund_share_of_capital",
    "fund_share_cap",
    "capital_ratio",
    "capital_ratio_minimum",
    "additionality",
    "infrastructure_share",
    "private_share",
    "private_fund",
]
#: Column (1-based) of each key on the Fields sheet.
FIELDS_COLUMN = {k: j + 1 for j, k in enumerate(_FIELD_SHEET)}


def _stack_sumifs(
    book: Book,
    ws: Worksheet,
    r: int,
    key_col_letter: str,
    cells_first: int,
    cells_last: int,
    cells_key_col: int,
    sheets: Sheets,
    values: Mapping[str, float],
) -> None:
    for name in _STACK:
        src = abs_range(sheets.cells, cells_first, CELLS_COLUMN[name], cells_last, CELLS_COLUMN[name])
        keys = abs_range(sheets.cells, cells_first, cells_key_col, cells_last, cells_key_col)
        book.formula(
            ws,
            r,
            3 + _STACK.index(name),
            f"SUMIF({keys},${key_col_letter}{r},{src})",
            values[name] * book.per_bn,
            FMT_MONEY,
        )


def _write_fields(
    book: Book, ws: Worksheet, result: Result, inp: InputsLayout, sheets: Sheets, cells_rows: tuple[int, int]
) -> None:
    p, lang, u = result.parameters, book.lang, book.per_bn
    book.title(ws, xl_label("fields", lang), unit_label(book.unit, lang))
    book.header(ws, 4, [xl_label("id", lang), xl_label("name", lang)] + [xl_label(k, lang) for k in _FIELD_SHEET[2:]])
    ws.cell(row=4, column=FIELDS_COLUMN["private_fund"]).value = xl_label("private_fund", lang)
    fi = inp.fields
    bf = result.by_field
    n = len(p.field_ids)
    for i, fid in enumerate(p.field_ids):
        r = 5 + i
        ir = fi.first_row + i
        L = {k: a1(r, v) for k, v in FIELDS_COLUMN.items()}

        def inref(key: str, ir: int = ir) -> str:
            return sheet_a1(inp.sheet, ir, fi.cols[key])

        write_text(ws, r, 1, fid)
        write_text(ws, r, 2, label(fid, lang))
        rec = bf.loc[fid]
        _stack_sumifs(book, ws, r, "A", *cells_rows, 1, sheets, rec)
        s, k, a = p.fund_share_of_capital[i], p.capital_ratio[i], p.additionality[i]
        book.formula(
            ws,
            r,
            FIELDS_COLUMN["multiplier"],
            f"IF({L['fund_bn']}=0,1/({L['fund_share_of_capital']}*{L['capital_ratio']}),"
            f"{L['total_investment_bn']}/{L['fund_bn']})",
            rec["multiplier"],
            FMT_TIMES,
        )
        book.formula(
            ws,
            r,
            FIELDS_COLUMN["net_multiplier"],
            f"IF({L['fund_bn']}=0,{L['additionality']}/({L['fund_share_of_capital']}*{L['capital_ratio']}),"
            f"{L['net_investment_bn']}/{L['fund_bn']})",
            rec["net_multiplier"],
            FMT_TIMES,
        )
        book.formula(ws, r, FIELDS_COLUMN["fund_share_of_capital"], inref("fund_share_of_capital"), s, FMT_SHARE)
        book.formula(
            ws,
            r,
            FIELDS_COLUMN["fund_share_cap"],
            f"IF({inref('key_area')},{inp.scalar('instrument.cap_key_area')},"
            f"{inp.scalar('instrument.cap_in_principle')})",
            p.fund_share_cap[i],
            FMT_SHARE,
        )
        book.formula(ws, r, FIELDS_COLUMN["capital_ratio"], inref("capital_ratio"), k, FMT_SHARE)
        se = inp.sectors
        book.formula(
            ws,
            r,
            FIELDS_COLUMN["capital_ratio_minimum"],
            f"INDEX({abs_range(inp.sheet, se.first_row, 3, se.last_row, 3)},"
            f"MATCH({inref('sector')},{abs_range(inp.sheet, se.first_row, 2, se.last_row, 2)},0))"
            f"-IF({inref('shortfall_infrastructure')},{inp.scalar('capital_ratios.shortfall_reduction')},0)",
            p.capital_ratio_minimum[i],
            FMT_SHARE,
        )
        book.formula(ws, r, FIELDS_COLUMN["additionality"], inref("additionality"), a, FMT_SHARE)
        book.formula(
            ws,
            r,
            FIELDS_COLUMN["infrastructure_share"],
            inref("infrastructure_share"),
            p.infrastructure_share[i],
            FMT_SHARE,
        )
        book.formula(ws, r, FIELDS_COLUMN["private_share"], inref("private_share"), p.private_share[i], FMT_SHARE)
        book.formula(
            ws,
            r,
            FIELDS_COLUMN["private_fund"],
            f"{L['private_share']}*{L['fund_bn']}",
            p.private_share[i] * rec["fund_bn"] * u,
            FMT_MONEY,
        )
    t = 5 + n
    T = {k: a1(t, v) for k, v in FIELDS_COLUMN.items()}
    write_text(ws, t, 1, "total")
    write_text(ws, t, 2, xl_label("total", lang))
    totals = result.totals
    private_total = float(np.dot(p.private_share, bf["fund_bn"]))
    for name in [*_STACK, "private_fund"]:
        col = get_column_letter(FIELDS_COLUMN[name])
        cached = private_total * u if name == "private_fund" else totals[name] * u
        book.formula(ws, t, FIELDS_COLUMN[name], f"SUM({col}5:{col}{t - 1})", cached, FMT_MONEY)
    book.formula(
        ws,
        t,
        FIELDS_COLUMN["multiplier"],
        f"{T['total_investment_bn']}/{T['fund_bn']}",
        totals["multiplier"],
        FMT_TIMES,
    )
    book.formula(
        ws,
        t,
        FIELDS_COLUMN["net_multiplier"],
        f"{T['net_investment_bn']}/{T['fund_bn']}",
        totals["net_multiplier"],
        FMT_TIMES,
    )
    book.formula(
        ws,
        t,
        FIELDS_COLUMN["private_share"],
        f"{T['private_fund']}/{T['fund_bn']}",
        private_total / totals["fund_bn"],
        FMT_SHARE,
    )
    for cell in ws[t]:
        cell.font, cell.border = TOTAL_FONT, TOTAL_BORDER
    g = t + 2
    write_text(ws, g, 2, xl_label("gap_to_target_bn", lang))
    book.formula(
        ws,
        g,
        FIELDS_COLUMN["total_investment_bn"],
        f"{T['total_investment_bn']}-{inp.scalar('instrument.target_total_investment_bn')}",
        totals["gap_to_target_bn"] * u,
        FMT_MONEY,
    )
    sheets.totals.update(
        {
            "fund_bn": sheet_a1(ws.title, t, FIELDS_COLUMN["fund_bn"], True, True),
            "debt_bn": sheet_a1(ws.title, t, FIELDS_COLUMN["debt_bn"], True, True),
            "total_investment_bn": sheet_a1(ws.title, t, FIELDS_COLUMN["total_investment_bn"], True, True),
            "net_investment_bn": sheet_a1(ws.title, t, FIELDS_COLUMN["net_investment_bn"], True, True),
            "multiplier": sheet_a1(ws.title, t, FIELDS_COLUMN["multiplier"], True, True),
            "net_multiplier": sheet_a1(ws.title, t, FIELDS_COLUMN["net_multiplier"], True, True),
            "gap_to_target_bn": sheet_a1(ws.title, g, FIELDS_COLUMN["total_investment_bn"], True, True),
            "private_share": sheet_a1(ws.title, t, FIELDS_COLUMN["private_share"], True, True),
        }
    )
    ws.freeze_panes = "C5"
    set_widths(ws, {1: 26, 2: 34, **{k: 14 for k in range(3, len(_FIELD_SHEET) + 1)}})
    field_chart(book, ws, FIELDS_COLUMN["total_investment_bn"], n, f"B{t + 5}")


def field_chart(book: Book, ws: Worksheet, col: int, n: int, anchor: str) -> None:
    """Native bar chart of column ``col`` (header in row 4, n fields below) by field name (column B)."""
    chart = BarChart()
    chart.type = "bar"
    chart.title = xl_label("chart_field", book.lang)
    chart.y_axis.title = unit_label(book.unit, book.lang)
    chart.add_data(Reference(ws, min_col=col, min_row=4, max_row=4 + n), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, min_row=5, max_row=4 + n))
    chart.height, chart.width = 9, 18
    ws.add_chart(chart, anchor)


_BANK_SHEET = ["id", "name", *_STACK, "multiplier", "net_multiplier", "quota_bn", "fund_share_scale", "difference"]
#: Column (1-based) of each key on the Banks sheet.
BANKS_COLUMN = {k: j + 1 for j, k in enumerate(_BANK_SHEET)}


def _write_banks(
    book: Book, ws: Worksheet, result: Result, inp: InputsLayout, sheets: Sheets, cells_rows: tuple[int, int]
) -> None:
    p, lang, u = result.parameters, book.lang, book.per_bn
    book.title(ws, xl_label("banks", lang), unit_label(book.unit, lang))
    book.header(ws, 4, [xl_label("id", lang), xl_label("name", lang)] + [xl_label(k, lang) for k in _BANK_SHEET[2:]])
    ba = inp.banks
    bb = result.by_bank
    for j, bid in enumerate(p.bank_ids):
        r = 5 + j
        L = {k: a1(r, v) for k, v in BANKS_COLUMN.items()}
        write_text(ws, r, 1, bid)
        write_text(ws, r, 2, label(bid, lang))
        rec = bb.loc[bid]
        _stack_sumifs(book, ws, r, "A", *cells_rows, 2, sheets, rec)
        book.formula(
            ws,
            r,
            BANKS_COLUMN["multiplier"],
            f"{L['total_investment_bn']}/{L['fund_bn']}",
            rec["multiplier"],
            FMT_TIMES,
        )
        book.formula(
            ws,
            r,
            BANKS_COLUMN["net_multiplier"],
            f"{L['net_investment_bn']}/{L['fund_bn']}",
            rec["net_multiplier"],
            FMT_TIMES,
        )
        book.formula(
            ws,
            r,
            BANKS_COLUMN["quota_bn"],
            sheet_a1(inp.sheet, ba.first_row + j, ba.cols["quota_bn"]),
            p.bank_quota[j] * u,
            FMT_MONEY,
        )
        book.formula(
            ws,
            r,
            BANKS_COLUMN["fund_share_scale"],
            sheet_a1(inp.sheet, ba.first_row + j, ba.cols["fund_share_scale"]),
            p.fund_share_scale[j],
            "0.0000",
        )
        book.formula(
            ws,
            r,
            BANKS_COLUMN["difference"],
            f"{L['fund_bn']}-{L['quota_bn']}",
            (rec["fund_bn"] - p.bank_quota[j]) * u,
            FMT_MONEY,
        )
    t = 5 + len(p.bank_ids)
    T = {k: a1(t, v) for k, v in BANKS_COLUMN.items()}
    write_text(ws, t, 1, "total")
    write_text(ws, t, 2, xl_label("total", lang))
    for name in [*_STACK, "quota_bn", "difference"]:
        col = get_column_letter(BANKS_COLUMN[name])
        cached = {"quota_bn": p.bank_quota.sum(), "difference": bb["fund_bn"].sum() - p.bank_quota.sum()}.get(
            name, bb[name].sum() if name in bb else 0.0
        )
        book.formula(ws, t, BANKS_COLUMN[name], f"SUM({col}5:{col}{t - 1})", cached * u, FMT_MONEY)
    book.formula(
        ws,
        t,
        BANKS_COLUMN["multiplier"],
        f"{T['total_investment_bn']}/{T['fund_bn']}",
        bb["total_investment_bn"].sum() / bb["fund_bn"].sum(),
        FMT_TIMES,
    )
    book.formula(
        ws,
        t,
        BANKS_COLUMN["net_multiplier"],
        f"{T['net_investment_bn']}/{T['fund_bn']}",
        bb["net_investment_bn"].sum() / bb["fund_bn"].sum(),
        FMT_TIMES,
    )
    for cell in ws[t]:
        cell.font, cell.border = TOTAL_FONT, TOTAL_BORDER
    ws.freeze_panes = "C5"
    set_widths(ws, {1: 10, 2: 40, **{k: 14 for k in range(3, len(_BANK_SHEET) + 1)}})


def write_allocation(book: Book, ws: Worksheet, result: Result, inp: InputsLayout, fund_formula: Any = None) -> None:
    """The fields x banks matrix with row and column totals, quotas and differences.

    Top-down the matrix links to the Inputs allocation; in a portfolio run ``fund_formula(r, c)``
    sums the projects of the field in row r and the bank in column c.
    """
    p, lang, u = result.parameters, book.lang, book.per_bn
    book.title(ws, xl_label("allocation", lang), unit_label(book.unit, lang))
    nb, nf = len(p.bank_ids), len(p.field_ids)
    al, ba = inp.allocation, inp.banks
    for j, bid in enumerate(p.bank_ids):
        write_text(ws, 3, 3 + j, bid)
    book.header(
        ws,
        4,
        [xl_label("id", lang), xl_label("field", lang)]
        + [label(b, lang) for b in p.bank_ids]
        + [xl_label("row_total", lang)],
    )
    m = allocation_used(result)
    m = m * u
    for i, fid in enumerate(p.field_ids):
        r = 5 + i
        write_text(ws, r, 1, fid)
        write_text(ws, r, 2, label(fid, lang))
        for j in range(nb):
            link = sheet_a1(inp.sheet, al.first_row + i, 3 + j) if fund_formula is None else fund_formula(r, 3 + j)
            book.formula(ws, r, 3 + j, link, m[i, j], FMT_MONEY)
        book.formula(ws, r, 3 + nb, f"SUM({a1(r, 3)}:{a1(r, 2 + nb)})", m[i].sum(), FMT_MONEY)
    t, q, d = 5 + nf, 6 + nf, 7 + nf
    write_text(ws, t, 2, xl_label("column_total", lang))
    write_text(ws, q, 2, xl_label("quota_bn", lang))
    write_text(ws, d, 2, xl_label("difference", lang))
    quota = abs_range(inp.sheet, ba.first_row, ba.cols["quota_bn"], ba.last_row, ba.cols["quota_bn"])
    bank_ids = abs_range(inp.sheet, ba.first_row, 2, ba.last_row, 2)
    for j in range(nb + 1):
        col = get_column_letter(3 + j)
        total = m[:, j].sum() if j < nb else m.sum()
        book.formula(ws, t, 3 + j, f"SUM({col}5:{col}{t - 1})", total, FMT_MONEY)
        if j < nb:
            book.formula(ws, q, 3 + j, f"INDEX({quota},MATCH({col}$3,{bank_ids},0))", p.bank_quota[j] * u, FMT_MONEY)
        else:
            book.formula(ws, q, 3 + j, inp.scalar("instrument.size_bn"), p.instrument.size_bn.value * u, FMT_MONEY)
        qv = p.bank_quota[j] * u if j < nb else p.instrument.size_bn.value * u
        book.formula(ws, d, 3 + j, f"{col}{t}-{col}{q}", total - qv, FMT_MONEY)
    for cell in ws[t]:
        cell.font, cell.border = TOTAL_FONT, TOTAL_BORDER
    ws.freeze_panes = "C5"
    set_widths(ws, {1: 26, 2: 34, **{k: 16 for k in range(3, 4 + nb)}})


@dataclass
class PhasingRows:
    """The rows phased on the Macro sheet (fields top-down, projects in a portfolio run):
    their ids and names, a formula linking each input (start year, construction years,
    profile, total investment, additionality, infrastructure share, sunk share) for row i,
    and the values the Python model used."""

    ids: list[str]
    names: list[str]
    links: Any  # column key -> (formula with LINK_ROW for the linked row, the linked row of each row)
    start: np.ndarray
    length: np.ndarray
    profile: list[str]
    investment: np.ndarray  # in the workbook's unit
    additionality: np.ndarray
    infrastructure_share: np.ndarray
    sunk_share: np.ndarray
    start_range: str  # range of the start years on an input sheet (for the timeline)


def _timeline(result: Result, rows: PhasingRows) -> np.ndarray:
    """Years of the Macro sheet: from the base year or first start year, at least 12 columns,
    through the last year in which the model has investment landing."""
    m = result.parameters.macro
    first = int(min(m.base_year.value, rows.start.min()))
    last = int(max((rows.start + rows.length).max(), result.by_year.index.max(), first + MIN_TIMELINE_YEARS - 1))
    return np.arange(first, last + 1)


def _weights_formula(year: str, start: str, length: str, profile: str) -> str:
    """Share landing in ``year``: C(t1) - C(t0) with t clipped to [0, 1], C(t) = 3t^2 - 2t^3
    (S-curve) or C(t) = t (uniform), t1 = (year - start + 1) / n, t0 = (year - start) / n.

    ``start`` is when spending starts, in years: a quarter adds a quarter of a year (2025.75 is
    the start of 2025Q4), so the yearly share is the sum of the quarterly shares of the
    S-curve over 4n quarters (:func:`fundmodel.core.macro.quarterly_phasing`).

    Example: 4 S-curve years from 2025, year 2026: t0 = 0.25, t1 = 0.5 -> 0.5 - 0.15625 = 0.34375;
    one uniform year from 2025Q4 puts 3/4 into 2026.

    >>> excel = {'IF': lambda test, yes, no: yes if test else no, 'MIN': min, 'MAX': max, 'P': 's_curve'}
    >>> def ev(formula):
    ...     return eval(formula.replace('^', '**').replace('=', '=='), excel)
    >>> ev(_weights_formula('2026', '2025', '4', 'P'))
    0.34375
    >>> excel['P'] = 'uniform'
    >>> ev(_weights_formula('2026', '2025.75', '1', 'P'))
    0.75
    """
    t1 = f"MIN(1,MAX(0,({year}-{start}+1)/{length}))"
    t0 = f"MIN(1,MAX(0,({year}-{start})/{length}))"
    return f'IF({profile}="uniform",{t1}-{t0},3*{t1}^2-2*{t1}^3-(3*{t0}^2-2*{t0}^3))'


def _clip_array(expr: str) -> str:
    """``expr`` (an array) clipped to [0, 1] without MIN/MAX, which do not work element by element:
    (x >= 1) + (0 < x < 1) x."""
    return f"(({expr})>=1)+(({expr})>0)*(({expr})<1)*({expr})"


def _quarter_weights_array(quarter_start: str, start: str, length: str, profile: str) -> str:
    """Shares of every row landing in the quarter starting at ``quarter_start`` (in years, e.g.
    2025.75 for 2025Q4), as an array expression over the row ranges for SUMPRODUCT: the same
    C(t1) - C(t0) as :func:`_weights_formula` with t1 = (q + 1/4 - start) / n, t0 = (q - start) / n."""
    t1 = _clip_array(f"({quarter_start}+1/4-{start})/{length}")
    t0 = _clip_array(f"({quarter_start}-{start})/{length}")
    uniform = f'({profile}="uniform")'
    s_curve = f'({profile}<>"uniform")'
    return f"({uniform}*(({t1})-({t0}))+{s_curve}*(({t1})^2*(3-2*({t1}))-({t0})^2*(3-2*({t0}))))"


#: Rows of the yearly block of the Macro sheet (row 5 onwards).
_MACRO_TOTALS = [
    "investment_bn",
    "net_investment_bn",
    "infrastructure_net_bn",
    "growth_used",
    "growth_factor",
    "growth_index",
    "base_bn",
    "base_previous_year_bn",
    "level_effect_pct",
    "growth_effect_pp",
]
#: Rows below the yearly block: the peaks and the trough of the two effects.
_MACRO_PEAKS = {
    "peak_level_effect_pct": ("MAX", "level_effect_pct"),
    "peak_growth_effect_pp": ("MAX", "growth_effect_pp"),
    "lowest_growth_effect_pp": ("MIN", "growth_effect_pp"),
}
#: Rows of the quarterly block (keys in column A).
_MACRO_QUARTERS = ["quarter", "quarter_start", "investment_bn_by_quarter", "infrastructure_net_bn_by_quarter"]
#: Columns of the phasing table before the years (1-based): inputs linked, then new investment
#: and the start of spending.
_MACRO_PHASING = [
    "id",
    "name",
    "start_year",
    "construction_years",
    "phasing_profile",
    "total_investment_bn",
    "additionality",
    "infrastructure_share",
    "sunk_share",
    "new_investment_bn",
    "spending_start",
]
MACRO_COLUMN = {k: j + 1 for j, k in enumerate(_MACRO_PHASING)}
#: First year (and first quarter) column of the Macro sheet.
MACRO_Y0 = len(_MACRO_PHASING) + 1
_MACRO_PEAK_ROW = 5 + len(_MACRO_TOTALS)
_MACRO_QUARTER_ROW = _MACRO_PEAK_ROW + len(_MACRO_PEAKS) + 2
#: Row of the Macro sheet's first phasing row (the template row of its long table).
MACRO_FIRST_PHASING_ROW = _MACRO_QUARTER_ROW + len(_MACRO_QUARTERS) + 3


def macro_sheet_values(
    result: Result, ph: PhasingRows, years: np.ndarray, per_bn: float
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """What the Macro sheet's formulas compute, by the model's own functions: the yearly block
    (in the workbook's unit) on ``years``, each row's start of spending (years), its yearly
    weights (rows x years) and the quarterly landing of new and additional infrastructure
    investment (2 x 4 len(years), quarters from Q1 of the first year)."""
    m = result.parameters.macro
    first_q = macro.quarter_of(m.disbursement_date.value)
    q0 = np.maximum(4 * ph.start, first_q)
    y, w_y, q, w_q = macro.quarterly_phasing(ph.start, ph.length, ph.profile, first_q)
    n, ny = len(ph.ids), len(years)
    w = np.zeros((n, ny))
    w[:, int(y[0] - years[0]) : int(y[0] - years[0]) + w_y.shape[1]] = w_y
    wq = np.zeros((n, 4 * ny))
    off = int(q[0] - 4 * years[0])
    wq[:, off : off + w_q.shape[1]] = w_q
    new = ph.investment * (1 - ph.sunk_share)
    weight = ph.additionality * ph.infrastructure_share
    infra = (weight * new) @ w
    growth = np.array([m.growth_pct.value.get(int(t), m.projected_growth_pct.value) for t in years], dtype=float)
    base, base_prev = macro.base_and_previous_year(
        years, m.base_year.value, m.base_level_bn.value, m.growth_pct.value, m.projected_growth_pct.value
    )
    factor = 1 + growth / 100
    yearly = {
        "investment_bn": new @ w,
        "net_investment_bn": (ph.additionality * new) @ w,
        "infrastructure_net_bn": infra,
        "growth_used": growth,
        "growth_factor": factor,
        "growth_index": np.cumprod(factor),
        "base_bn": base * per_bn,
        "base_previous_year_bn": base_prev * per_bn,
        "level_effect_pct": macro.level_effect_pct(infra, base * per_bn),
        "growth_effect_pp": macro.growth_effect_pp(infra, base_prev * per_bn),
    }
    quarterly = np.vstack([new @ wq, (weight * new) @ wq])
    return yearly, q0 / 4, w, quarterly


def write_macro(book: Book, ws: Worksheet, result: Result, inp: InputsLayout, sheets: Sheets, ph: PhasingRows) -> None:
    """The Macro sheet: by year, new investment landing, the base, the level effect (100 X_y / B_y)
    and the growth effect (100 (X_y - X_{y-1}) / B_{y-1}); by quarter, new and additional
    infrastructure investment landing; below, each row's sunk share, new investment, start of
    spending (from the disbursement date) and yearly weights, all formulas of the inputs."""
    lang = book.lang
    book.title(ws, xl_label("macro", lang), unit_label(book.unit, lang))
    years = _timeline(result, ph)
    ny, n = len(years), len(ph.ids)
    Y0 = MACRO_Y0
    yfirst, ylast = get_column_letter(Y0), get_column_letter(Y0 + ny - 1)
    book.header(ws, 4, [xl_label("id", lang), xl_label("name", lang)] + [None] * (Y0 - 3) + [None] * ny)
    book.formula(ws, 4, Y0, f"MIN({inp.scalar('macro.base_year')},MIN({ph.start_range}))", int(years[0]), FMT_YEAR)
    for j in range(1, ny):
        book.formula(ws, 4, Y0 + j, f"{a1(4, Y0 + j - 1)}+1", int(years[j]), FMT_YEAR)

    cached, spending_start, w, quarterly = macro_sheet_values(result, ph, years, book.per_bn)
    first, last = MACRO_FIRST_PHASING_ROW, MACRO_FIRST_PHASING_ROW + n - 1
    rows = {key: 5 + i for i, key in enumerate(_MACRO_TOTALS)}
    gr = inp.growth
    g_years = abs_range(inp.sheet, gr.first_row, 2, gr.last_row, 2)
    g_vals = abs_range(inp.sheet, gr.first_row, 3, gr.last_row, 3)

    def col(key: str) -> str:
        letter = get_column_letter(MACRO_COLUMN[key])
        return f"${letter}${first}:${letter}${last}"

    def wcol(c: str) -> str:
        return f"{c}${first}:{c}${last}"

    def prev(c: str) -> str:  # the column before; left of the first year it is an empty cell (0)
        return get_column_letter(column_index_from_string(c) - 1)

    new, a, theta = col("new_investment_bn"), col("additionality"), col("infrastructure_share")
    make = {
        "investment_bn": lambda c: f"SUMPRODUCT({new},{wcol(c)})",
        "net_investment_bn": lambda c: f"SUMPRODUCT({new},{a},{wcol(c)})",
        "infrastructure_net_bn": lambda c: f"SUMPRODUCT({new},{a},{theta},{wcol(c)})",
        "growth_used": lambda c: (
            f"IFERROR(INDEX({g_vals},MATCH({c}$4,{g_years},0)),{inp.scalar('macro.projected_growth_pct')})"
        ),
        "growth_factor": lambda c: f"1+{c}{rows['growth_used']}/100",
        "growth_index": lambda c: f"PRODUCT(${yfirst}{rows['growth_factor']}:{c}{rows['growth_factor']})",
        "base_bn": lambda c: (
            f"{inp.scalar('macro.base_level_bn')}*{c}{rows['growth_index']}"
            f"/INDEX(${yfirst}${rows['growth_index']}:${ylast}${rows['growth_index']},"
            f"MATCH({inp.scalar('macro.base_year')},${yfirst}$4:${ylast}$4,0))"
        ),
        "base_previous_year_bn": lambda c: f"{c}{rows['base_bn']}/{c}{rows['growth_factor']}",
        "level_effect_pct": lambda c: f"100*{c}{rows['infrastructure_net_bn']}/{c}{rows['base_bn']}",
        "growth_effect_pp": lambda c: (
            f"100*({c}{rows['infrastructure_net_bn']}-N({prev(c)}{rows['infrastructure_net_bn']}))"
            f"/{c}{rows['base_previous_year_bn']}"
        ),
    }
    fmts = {"growth_used": "0.00", "growth_factor": "0.000000", "growth_index": "0.000000"}
    fmts |= {"level_effect_pct": FMT_PP, "growth_effect_pp": FMT_PP}
    for key in _MACRO_TOTALS:
        r = rows[key]
        write_text(ws, r, 1, key)
        write_text(ws, r, 2, xl_label(key, lang))
        for j in range(ny):
            book.formula(ws, r, Y0 + j, make[key](get_column_letter(Y0 + j)), cached[key][j], fmts.get(key, FMT_MONEY))
    for key in ("level_effect_pct", "growth_effect_pp"):
        for cell in ws[rows[key]]:
            cell.font = TOTAL_FONT
    for i, (key, (fn, of)) in enumerate(_MACRO_PEAKS.items()):
        r = _MACRO_PEAK_ROW + i
        write_text(ws, r, 1, key)
        write_text(ws, r, 2, xl_label(key, lang))
        value = (max if fn == "MAX" else min)(cached[of])
        book.formula(ws, r, Y0, f"{fn}(${yfirst}${rows[of]}:${ylast}${rows[of]})", float(value), FMT_PP)
        sheets.totals[key] = sheet_a1(ws.title, r, Y0, True, True)

    # By quarter: the quarter's start in years (2025.75 = 2025Q4), its name, and the landing
    # summed over the rows with the quarterly weights computed inside SUMPRODUCT.
    qr = {key: _MACRO_QUARTER_ROW + i for i, key in enumerate(_MACRO_QUARTERS)}
    write_text(ws, qr["quarter"] - 1, 1, xl_label("by_quarter", lang)).font = SECTION_FONT
    for key in _MACRO_QUARTERS:
        write_text(ws, qr[key], 1, key)
        write_text(ws, qr[key], 2, xl_label(key, lang))
    start, length, profile = col("spending_start"), col("construction_years"), col("phasing_profile")
    for j in range(4 * ny):
        c = get_column_letter(Y0 + j)
        qs = f"{c}${qr['quarter_start']}"
        start_formula = f"${yfirst}$4" if j == 0 else f"{prev(c)}{qr['quarter_start']}+1/4"
        book.formula(ws, qr["quarter_start"], Y0 + j, start_formula, float(years[0]) + j / 4, "0.00")
        book.formula(
            ws, qr["quarter"], Y0 + j, f'INT({qs})&"Q"&(4*({qs}-INT({qs}))+1)', f"{years[0] + j // 4}Q{j % 4 + 1}"
        )
        weights = _quarter_weights_array(qs, start, length, profile)
        book.formula(
            ws, qr["investment_bn_by_quarter"], Y0 + j, f"SUMPRODUCT({new},{weights})", quarterly[0, j], FMT_MONEY
        )
        book.formula(
            ws,
            qr["infrastructure_net_bn_by_quarter"],
            Y0 + j,
            f"SUMPRODUCT({new},{a},{theta},{weights})",
            quarterly[1, j],
            FMT_MONEY,
        )

    write_text(ws, first - 2, 1, xl_label("phasing_weights", lang)).font = SECTION_FONT
    heads = [xl_label(t, lang) for t in _MACRO_PHASING]
    book.header(ws, first - 1, heads + [str(int(y)) for y in years] + [xl_label("phasing_sum", lang)])
    linked = {
        "start_year": (ph.start, FMT_YEAR),
        "construction_years": (ph.length, FMT_YEAR),
        "phasing_profile": (ph.profile, None),
        "total_investment_bn": (ph.investment, FMT_MONEY),
        "additionality": (ph.additionality, FMT_SHARE),
        "infrastructure_share": (ph.infrastructure_share, FMT_SHARE),
        "sunk_share": (ph.sunk_share, FMT_SHARE),
    }
    C = {k: f"${get_column_letter(v)}{ROW}" for k, v in MACRO_COLUMN.items()}
    disbursed = inp.scalar("macro.disbursement_date")
    year_refs = [a1(4, Y0 + j, abs_row=True) for j in range(ny)]
    sum_col = Y0 + ny
    columns = [Column(1, ph.ids), Column(2, ph.names)]
    fmts_of: dict[int, str | None] = {}
    for key, (vals, fmt) in linked.items():
        formula, link_rows = ph.links(key)
        columns.append(Column(MACRO_COLUMN[key], vals, formula, link_rows))
        fmts_of[MACRO_COLUMN[key]] = fmt
    columns.append(
        Column(
            MACRO_COLUMN["new_investment_bn"],
            ph.investment * (1 - ph.sunk_share),
            f"{C['total_investment_bn']}*(1-{C['sunk_share']})",
        )
    )
    fmts_of[MACRO_COLUMN["new_investment_bn"]] = FMT_MONEY
    # Spending starts at the start year or at the disbursement's quarter, whichever is later.
    columns.append(
        Column(
            MACRO_COLUMN["spending_start"],
            spending_start,
            f"MAX({C['start_year']},YEAR({disbursed})+INT((MONTH({disbursed})-1)/3)/4)",
        )
    )
    fmts_of[MACRO_COLUMN["spending_start"]] = "0.00"
    for j in range(ny):
        weights = _weights_formula(year_refs[j], C["spending_start"], C["construction_years"], C["phasing_profile"])
        columns.append(Column(Y0 + j, np.ascontiguousarray(w[:, j]), weights))
        fmts_of[Y0 + j] = FMT_WEIGHT
    columns.append(Column(sum_col, w.sum(axis=1), f"SUM({yfirst}{ROW}:{ylast}{ROW})"))
    fmts_of[sum_col] = FMT_WEIGHT
    for c in columns:  # the template row; the rows below are written at save (rows_below)
        if c.formula is None:
            book.text(ws, first, c.col, c.values[0])
        else:
            book.formula(ws, first, c.col, c.formula_at(0, first), c.values[0], fmts_of[c.col])
    book.rows_below(ws, first, n, columns)
    sheets.macro_rows = {"weights": (first, last), "sum_col": sum_col}
    ws.freeze_panes = ws.cell(row=5, column=Y0)
    widths = {1: 24, 2: 34, **{k: 10 for k in range(3, Y0)}, 6: 14, 10: 14}
    set_widths(ws, widths | {Y0 + j: 11 for j in range(max(ny + 1, 4 * ny))})
    chart = BarChart()
    chart.title = xl_label("chart_effects", lang)
    chart.y_axis.title = "% / pp"
    for key in ("level_effect_pct", "growth_effect_pp"):
        values = Reference(ws, min_col=Y0, max_col=Y0 + ny - 1, min_row=rows[key])
        chart.series.append(Series(values, title=xl_label(key, lang)))
    chart.set_categories(Reference(ws, min_col=Y0, max_col=Y0 + ny - 1, min_row=4))
    chart.height, chart.width = 8, 18
    ws.add_chart(chart, f"{get_column_letter(Y0 + 4 * ny + 1)}4")


def field_phasing(book: Book, result: Result, inp: InputsLayout, sheets: Sheets) -> PhasingRows:
    """Top-down: each field phased from its Inputs row; investment from the Fields sheet."""
    p = result.parameters
    fi = inp.fields
    fields = list(p.fields.values())
    fields_cols = {
        "total_investment_bn": FIELDS_COLUMN["total_investment_bn"],
        "additionality": FIELDS_COLUMN["additionality"],
        "infrastructure_share": FIELDS_COLUMN["infrastructure_share"],
    }

    n = len(p.field_ids)

    def links(key: str) -> tuple[str, np.ndarray]:
        if key in fields_cols:
            return sheet_a1(sheets.fields, LINK_ROW, fields_cols[key]), 5 + np.arange(n)
        return sheet_a1(inp.sheet, LINK_ROW, fi.cols[key]), fi.first_row + np.arange(n)

    return PhasingRows(
        ids=p.field_ids,
        names=[label(f, book.lang) for f in p.field_ids],
        links=links,
        start=np.array([f.start_year.value for f in fields]),
        length=np.array([f.construction_years.value for f in fields]),
        profile=[f.phasing_profile.value for f in fields],
        investment=result.by_field["total_investment_bn"].to_numpy() * book.per_bn,
        additionality=np.asarray(p.additionality),
        infrastructure_share=np.asarray(p.infrastructure_share),
        sunk_share=np.asarray(p.sunk_share),
        start_range=abs_range(inp.sheet, fi.first_row, fi.cols["start_year"], fi.last_row, fi.cols["start_year"]),
    )


def _write_checks(
    book: Book, ws: Worksheet, result: Result, inp: InputsLayout, sheets: Sheets, cells_rows: tuple[int, int]
) -> None:
    """Each rule as a formula returning TRUE/FALSE (column F); the master check is their AND."""
    p, lang, u = result.parameters, book.lang, book.per_bn
    book.title(ws, xl_label("checks", lang))
    book.header(ws, 4, [xl_label(t, lang) for t in ("check", "subject", "description", "value", "limit", "pass")])
    tol_sum = sheet_a1(inp.sheet, inp.tolerance_sum, 3, True, True)
    tol_share = sheet_a1(inp.sheet, inp.tolerance_share, 3, True, True)
    rows: list[tuple[str, str, str, str, str, Any, Any, str, bool, str]] = []
    al = inp.allocation
    alloc = abs_range(inp.sheet, al.first_row, 3, al.last_row, 2 + len(p.bank_ids))
    matrix = allocation_used(result)
    size = p.instrument.size_bn.value
    failing = {(c.code, c.subject) for c in result.checks}
    fund_total = float(matrix.sum())
    # (code, subject, description, value formula, limit formula, value, limit, pass template, passed, fmt)
    rows.append(
        (
            "allocation_total",
            "total",
            xl_label("chk_allocation_total", lang),
            f"SUM({alloc})",
            inp.scalar("instrument.size_bn"),
            fund_total * u,
            size * u,
            "ABS({v}-{l})<=" + tol_sum,
            ("allocation_total", "total") not in failing,
            FMT_MONEY,
        )
    )
    for j, bid in enumerate(p.bank_ids):
        rows.append(
            (
                "bank_quota",
                bid,
                xl_label("chk_bank_quota", lang),
                sheet_a1(sheets.banks, 5 + j, BANKS_COLUMN["fund_bn"]),
                sheet_a1(sheets.banks, 5 + j, BANKS_COLUMN["quota_bn"]),
                matrix[:, j].sum() * u,
                p.bank_quota[j] * u,
                "ABS({v}-{l})<=" + tol_sum,
                ("bank_quota", bid) not in failing,
                FMT_MONEY,
            )
        )
    rows.append(
        (
            "negative_cell",
            "allocation",
            xl_label("chk_negative_cell", lang),
            f"MIN({alloc})",
            "0",
            float(matrix.min()) * u,
            0.0,
            "{v}>={l}",
            not any(c.code == "negative_cell" for c in result.checks),
            FMT_MONEY,
        )
    )
    nf = len(p.field_ids)
    priv = float(np.dot(matrix.sum(axis=1), p.private_share) / fund_total) if fund_total else float("nan")
    rows.append(
        (
            "private_share",
            "total",
            xl_label("chk_private_share", lang),
            sheets.totals["private_share"],
            inp.scalar("instrument.private_share_min"),
            priv,
            p.instrument.private_share_min.value,
            "{v}>={l}-" + tol_share,
            ("private_share", "total") not in failing,
            FMT_SHARE,
        )
    )
    for i, fid in enumerate(p.field_ids):
        rows.append(
            (
                "fund_share_cap",
                fid,
                xl_label("chk_fund_share_cap", lang),
                sheet_a1(sheets.fields, 5 + i, FIELDS_COLUMN["fund_share_of_capital"]),
                sheet_a1(sheets.fields, 5 + i, FIELDS_COLUMN["fund_share_cap"]),
                p.fund_share_of_capital[i],
                p.fund_share_cap[i],
                "{v}<={l}+" + tol_share,
                ("fund_share_cap", fid) not in failing,
                FMT_SHARE,
            )
        )
    for i, fid in enumerate(p.field_ids):
        rows.append(
            (
                "capital_ratio_minimum",
                fid,
                xl_label("chk_capital_ratio_minimum", lang),
                sheet_a1(sheets.fields, 5 + i, FIELDS_COLUMN["capital_ratio"]),
                sheet_a1(sheets.fields, 5 + i, FIELDS_COLUMN["capital_ratio_minimum"]),
                p.capital_ratio[i],
                p.capital_ratio_minimum[i],
                "{v}>={l}-" + tol_share,
                ("capital_ratio_minimum", fid) not in failing,
                FMT_SHARE,
            )
        )
    first_cell = cells_rows[0]
    nb = len(p.bank_ids)
    for i, fid in enumerate(p.field_ids):
        for j, bid in enumerate(p.bank_ids):
            r = first_cell + i * nb + j
            s_cell, cap = p.cell_fund_share[i, j], p.fund_share_cap[i]
            rows.append(
                (
                    "fund_share_cap",
                    f"{fid}/{bid}",
                    xl_label("chk_cell_cap", lang),
                    sheet_a1(sheets.cells, r, CELLS_COLUMN["cell_fund_share"]),
                    sheet_a1(sheets.cells, r, CELLS_COLUMN["fund_share_cap"]),
                    s_cell,
                    cap,
                    "{v}<={l}+" + tol_share,
                    bool(s_cell <= cap + TOLERANCE_SHARE),
                    FMT_SHARE,
                )
            )
    mr = sheets.macro_rows
    for i, fid in enumerate(p.field_ids):
        r = mr["weights"][0] + i
        rows.append(
            (
                "phasing_within_timeline",
                fid,
                xl_label("chk_phasing", lang),
                sheet_a1(sheets.macro, r, mr["sum_col"]),
                "1",
                1.0,
                1.0,
                "ABS({v}-{l})<=" + tol_share,
                True,
                FMT_WEIGHT,
            )
        )
    first = CHECKS_FIRST_ROW
    for n, (code, subject, desc, vf, lf, v, lim, test, passed, fmt) in enumerate(rows):
        r = first + n
        write_text(ws, r, 1, code)
        write_text(ws, r, 2, subject)
        write_text(ws, r, 3, desc)
        book.formula(ws, r, 4, vf, v, fmt)
        if lf in ("0", "1"):  # a mathematical bound, written into the test itself
            write_text(ws, r, 5, lf)
            book.formula(ws, r, 6, test.format(v=f"D{r}", l=lf), passed)
        else:
            book.formula(ws, r, 5, lf, lim, fmt)
            book.formula(ws, r, 6, test.format(v=f"D{r}", l=f"E{r}"), passed)
    last = first + len(rows) - 1
    master_passed = not result.errors
    write_text(ws, 3, 3, xl_label("master_check", lang)).font = TOTAL_FONT
    book.formula(ws, 3, 6, f"AND(F{first}:F{last})", master_passed)
    ws.cell(row=3, column=6).font = TOTAL_FONT
    sheets.master = sheet_a1(ws.title, 3, 6, True, True)
    ws.freeze_panes = "A5"
    set_widths(ws, {1: 26, 2: 34, 3: 40, 4: 14, 5: 14, 6: 10})
    _ = u, nf


def write_topdown_sheets(
    book: Book, ws: dict[str, Worksheet], result: Result, inp: InputsLayout, sheets: Sheets
) -> None:
    """The calculation and check sheets of a top-down run (Cells, Allocation, Fields, Banks,
    Macro, Checks) into the sheets ``ws`` (by key), all formulas of the Inputs sheet ``inp``."""
    cells_rows = _write_cells(book, ws["cells"], result, inp, sheets)
    write_allocation(book, ws["allocation"], result, inp)
    _write_fields(book, ws["fields"], result, inp, sheets, cells_rows)
    _write_banks(book, ws["banks"], result, inp, sheets, cells_rows)
    write_macro(book, ws["macro"], result, inp, sheets, field_phasing(book, result, inp, sheets))
    _write_checks(book, ws["checks"], result, inp, sheets, cells_rows)
