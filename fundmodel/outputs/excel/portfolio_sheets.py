"""The portfolio sheets of the workbook (a bottom-up run): Project inputs, Projects, and the
Allocation, Fields, Banks, Macro and Checks sheets summed from the projects.

Per project p (row r of both sheets), money in the workbook's unit, formulas:

* s = F / K, k = K / I, O = K - F, D = I - K, net = a I, m = I / F
* attributed investment = I F / (F + P), P = other public money in capital (OECD DAC rule)
* cap: the key-area cap if the project's field is a key field, else the cap in principle
* minimum k: the sector's statutory minimum less the shortfall reduction if flagged

Preparation is vectorized (numpy / pandas columns). The first project row is written through
openpyxl (it carries the styles); the rows below are handed over as columns (one formula with
the row number as a placeholder, one array of values) and streamed into the file at save, with
no Python work per cell beyond turning values into text (see ``fundmodel.outputs.excel.writer.LongTable``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from fundmodel.core.result import Result
from fundmodel.inputs.portfolio import FIELD_DEFAULT_COLUMNS, SCHEMA, header_label
from fundmodel.labels import label
from fundmodel.outputs.excel.inputs_sheet import FORMATS, InputsLayout
from fundmodel.outputs.excel.layout import (
    CHECKS_FIRST_ROW,
    FMT_MONEY,
    FMT_SHARE,
    FMT_TIMES,
    HEADER_FILL,
    HEADER_FONT,
    INPUT_FILL,
    INPUT_FONT,
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
from fundmodel.outputs.excel.topdown_sheets import (
    PhasingRows,
    field_chart,
    field_phasing,
    write_allocation,
    write_macro,
)
from fundmodel.outputs.excel.writer import LINK_ROW, ROW, Column, write_text
from fundmodel.units import unit_label

#: Columns of the Project inputs sheet (schema ids), in order.
PROJECT_INPUTS = [
    "project_id",
    "project_name",
    "field",
    "bank",
    "province",
    "private",
    "sector",
    "shortfall_infrastructure",
    "total_investment_bn",
    "project_capital_bn",
    "fund_requested_bn",
    "other_public_funding_bn",
    "start_year",
    "construction_years",
    "phasing_profile",
    "additionality",
    "infrastructure_share",
    "sunk_share",
    "fund_term_years",
    "fund_return_rate",
    "source",
]
#: Column (1-based) of each input on the Project inputs sheet.
PROJECT_INPUTS_COLUMN = {k: j + 1 for j, k in enumerate(PROJECT_INPUTS)}
_TEXT_INPUTS = {"project_id", "project_name", "field", "bank", "province", "sector", "phasing_profile", "source"}

#: Columns of the Projects sheet.
PROJECT_CALCS = [
    "project_id",
    "project_name",
    "field",
    "bank",
    "fund_bn",
    "project_capital_bn",
    "total_investment_bn",
    "other_public_funding_bn",
    "fund_share_of_capital",
    "capital_ratio",
    "other_capital_bn",
    "debt_bn",
    "additionality",
    "net_investment_bn",
    "attributed_investment_bn",
    "multiplier",
    "net_multiplier",
    "fund_share_cap",
    "capital_ratio_minimum",
    "cap_ok",
    "minimum_ok",
    "private_fund",
]
#: Column (1-based) of each key on the Projects sheet.
PROJECTS_COLUMN = {k: j + 1 for j, k in enumerate(PROJECT_CALCS)}
FIRST_ROW = 5

_PORTFOLIO_SUMS = [
    "fund_bn",
    "project_capital_bn",
    "other_capital_bn",
    "debt_bn",
    "total_investment_bn",
    "net_investment_bn",
    "attributed_investment_bn",
    "other_public_funding_bn",
    "private_fund",
]
_PF_SHEET = [
    "id",
    "name",
    *_PORTFOLIO_SUMS,
    "n_projects",
    "multiplier",
    "net_multiplier",
    "attributed_multiplier",
    "capital_ratio",
    "fund_share_of_capital",
]
#: Column (1-based) of each key on the Fields sheet of a portfolio run.
PORTFOLIO_FIELDS_COLUMN = {k: j + 1 for j, k in enumerate(_PF_SHEET)}


def _input_fmt(cid: str) -> str | None:
    kind = SCHEMA[cid].type
    return {"money": FMT_MONEY, "share": FMT_SHARE, "int": "0"}.get(kind)


def _took_field_value(table: pd.DataFrame, cid: str) -> np.ndarray:
    """Projects whose ``cid`` is their field's value (listed in ``field_defaults``)."""
    if "field_defaults" not in table:
        return np.zeros(len(table), dtype=bool)
    codes, uniques = pd.factorize(table["field_defaults"].fillna("").astype(str))  # at most 32 distinct lists
    flags = np.array([cid in u.split("|") for u in uniques] + [False], dtype=bool)
    return flags[codes]


def _effective(inp: InputsLayout, pi: str, row: str, cid: str) -> str:
    """A project's ``cid`` on the Project inputs row ``row`` (a row placeholder), or its
    field's value on the Inputs sheet where the project's cell is empty."""
    fi = inp.fields
    cell, field = sheet_a1(pi, row, PROJECT_INPUTS_COLUMN[cid]), sheet_a1(pi, row, PROJECT_INPUTS_COLUMN["field"])
    values = abs_range(inp.sheet, fi.first_row, fi.cols[cid], fi.last_row, fi.cols[cid])
    ids = abs_range(inp.sheet, fi.first_row, 2, fi.last_row, 2)
    return f"IF(ISBLANK({cell}),INDEX({values},MATCH({field},{ids},0)),{cell})"


def _write_project_inputs(book: Book, ws: Worksheet, table: pd.DataFrame, field_sunk_share: pd.Series) -> None:
    """One row per project: the portfolio's own figures (inputs), headers from the schema.
    ``field_sunk_share``: each field's sunk share, by field id (a project's sunk share equal to
    its field's is left empty, so that it follows the field's on the Inputs sheet)."""
    lang, u = book.lang, book.per_bn
    book.title(ws, xl_label("project_inputs", lang), xl_label("inputs_note", lang))
    for cid, j in PROJECT_INPUTS_COLUMN.items():
        write_text(ws, 3, j, cid)
    book.header(ws, 4, [header_label(cid, lang, book.unit) for cid in PROJECT_INPUTS])
    columns: list[list[Any]] = []
    for cid in PROJECT_INPUTS:
        col = table[cid] if cid in table else pd.Series([None] * len(table), index=table.index)
        if SCHEMA[cid].type == "money":
            values = (col.to_numpy(dtype=float) * u).tolist()
        elif SCHEMA[cid].type == "int":
            values = col.astype("Int64").tolist()
        else:
            values = col.tolist()
        empty = col.isna().to_numpy()
        if cid in FIELD_DEFAULT_COLUMNS:
            # A value the project took from its field stays empty here: the formulas read the
            # field's value on the Inputs sheet, so editing it there reaches these projects.
            empty = empty | _took_field_value(table, cid)
        if cid == "sunk_share" and cid in table:
            default = field_sunk_share.reindex(table["field"].astype(str)).to_numpy(dtype=float)
            empty = empty | (col.to_numpy(dtype=float) == default)
        for i in np.flatnonzero(empty).tolist():  # NaN / NA / the field's value: an empty cell
            values[i] = None
        columns.append(values)
    fmts = [_input_fmt(cid) for cid in PROJECT_INPUTS]
    text = [cid in _TEXT_INPUTS for cid in PROJECT_INPUTS]
    if len(table):
        # The template row: every later row takes its column's style (input fill, format, text).
        for j, values in enumerate(columns):
            v = values[0]
            v = bool(v) if isinstance(v, np.bool_) else v
            if text[j]:
                cell = write_text(ws, FIRST_ROW, j + 1, v)
                cell.quotePrefix = True
            else:
                cell = ws.cell(row=FIRST_ROW, column=j + 1, value=v)
                if fmts[j]:
                    cell.number_format = fmts[j]
            cell.fill = INPUT_FILL
            cell.font = INPUT_FONT
        # Text columns stay text (str), numbers stay numbers; None is an empty cell.
        written = [[None if v is None else str(v) for v in vs] if text[j] else vs for j, vs in enumerate(columns)]
        book.rows_below(ws, FIRST_ROW, len(table), [Column(j + 1, vs) for j, vs in enumerate(written)])
    ws.freeze_panes = "C5"
    set_widths(ws, {1: 14, 2: 36, **{j: 14 for j in range(3, len(PROJECT_INPUTS) + 1)}})


def _write_projects(book: Book, ws: Worksheet, result: Result, inp: InputsLayout, sheets: Sheets) -> int:
    """Per-project capital stack in formulas of the Project inputs row (same row number)."""
    lang, u = book.lang, book.per_bn
    t = result.projects
    n = len(t)
    book.title(ws, xl_label("projects", lang), unit_label(book.unit, lang))
    for cid, j in PROJECTS_COLUMN.items():
        write_text(ws, 3, j, cid)
    heads = [header_label(c, lang, book.unit) if c in SCHEMA else xl_label(c, lang) for c in PROJECT_CALCS]
    book.header(ws, 4, heads)
    fi, se = inp.fields, inp.sectors
    key_area = abs_range(inp.sheet, fi.first_row, fi.cols["key_area"], fi.last_row, fi.cols["key_area"])
    field_ids = abs_range(inp.sheet, fi.first_row, 2, fi.last_row, 2)
    sector_min = abs_range(inp.sheet, se.first_row, 3, se.last_row, 3)
    sector_ids = abs_range(inp.sheet, se.first_row, 2, se.last_row, 2)
    tol = sheet_a1(inp.sheet, inp.tolerance_share, 3, True, True)
    cap_key, cap_principle = inp.scalar("instrument.cap_key_area"), inp.scalar("instrument.cap_in_principle")
    reduction = inp.scalar("capital_ratios.shortfall_reduction")

    F = t["fund_bn"].to_numpy(float) * u
    K = t["project_capital_bn"].to_numpy(float) * u
    I = t["total_investment_bn"].to_numpy(float) * u  # noqa: E741
    P = np.nan_to_num(t["other_public_funding_bn"].to_numpy(float)) * u
    a = t["additionality"].to_numpy(float)
    cap = t["fund_share_cap"].to_numpy(float)
    kmin = t["capital_ratio_minimum"].to_numpy(float)
    s, k = F / K, K / I
    cached = {
        "project_id": t["project_id"].astype(str).to_numpy(),
        "project_name": t["project_name"].astype(str).to_numpy(),
        "field": t["field"].to_numpy(),
        "bank": t["bank"].to_numpy(),
        "fund_bn": F,
        "project_capital_bn": K,
        "total_investment_bn": I,
        "other_public_funding_bn": P,
        "fund_share_of_capital": s,
        "capital_ratio": k,
        "other_capital_bn": K - F,
        "debt_bn": I - K,
        "additionality": a,
        "net_investment_bn": a * I,
        "attributed_investment_bn": I * F / (F + P),
        "multiplier": I / F,
        "net_multiplier": a * I / F,
        "fund_share_cap": cap,
        "capital_ratio_minimum": kmin,
        "cap_ok": s <= cap + TOLERANCE_SHARE,
        "minimum_ok": k >= kmin - TOLERANCE_SHARE,
        "private_fund": np.where(t["private"].astype(bool).to_numpy(), F, 0.0),
    }
    pi = sheets.project_inputs

    def src(cid: str) -> str:
        return sheet_a1(pi, ROW, PROJECT_INPUTS_COLUMN[cid])

    fmts = {
        "fund_share_of_capital": FMT_SHARE,
        "capital_ratio": FMT_SHARE,
        "additionality": FMT_SHARE,
        "fund_share_cap": FMT_SHARE,
        "capital_ratio_minimum": FMT_SHARE,
        "multiplier": FMT_TIMES,
        "net_multiplier": FMT_TIMES,
    }
    # The formula of every row, ROW standing for the row number (the project's row on both sheets).
    L = {k: f"{get_column_letter(v)}{ROW}" for k, v in PROJECTS_COLUMN.items()}
    formulas = {
        "project_id": src("project_id"),
        "project_name": src("project_name"),
        "field": src("field"),
        "bank": src("bank"),
        "fund_bn": src("fund_requested_bn"),
        "project_capital_bn": src("project_capital_bn"),
        "total_investment_bn": src("total_investment_bn"),
        "other_public_funding_bn": src("other_public_funding_bn"),
        "fund_share_of_capital": f"{L['fund_bn']}/{L['project_capital_bn']}",
        "capital_ratio": f"{L['project_capital_bn']}/{L['total_investment_bn']}",
        "other_capital_bn": f"{L['project_capital_bn']}-{L['fund_bn']}",
        "debt_bn": f"{L['total_investment_bn']}-{L['project_capital_bn']}",
        "additionality": _effective(inp, pi, ROW, "additionality"),
        "net_investment_bn": f"{L['additionality']}*{L['total_investment_bn']}",
        "attributed_investment_bn": (
            f"{L['total_investment_bn']}*{L['fund_bn']}/({L['fund_bn']}+{L['other_public_funding_bn']})"
        ),
        "multiplier": f"{L['total_investment_bn']}/{L['fund_bn']}",
        "net_multiplier": f"{L['net_investment_bn']}/{L['fund_bn']}",
        "fund_share_cap": f"IF(INDEX({key_area},MATCH({L['field']},{field_ids},0)),{cap_key},{cap_principle})",
        "capital_ratio_minimum": (
            f"INDEX({sector_min},MATCH({_effective(inp, pi, ROW, 'sector')},{sector_ids},0))"
            f"-IF({_effective(inp, pi, ROW, 'shortfall_infrastructure')},{reduction},0)"
        ),
        "cap_ok": f"{L['fund_share_of_capital']}<={L['fund_share_cap']}+{tol}",
        "minimum_ok": f"{L['capital_ratio']}>={L['capital_ratio_minimum']}-{tol}",
        "private_fund": f"IF({src('private')},{L['fund_bn']},0)",
    }
    columns = [Column(j, cached[key], formulas[key]) for key, j in PROJECTS_COLUMN.items()]
    if n:
        for key, c in zip(PROJECTS_COLUMN, columns, strict=True):  # the template row; the rows below at save
            fmt = fmts.get(key, FMT_MONEY if key.endswith("_bn") or key == "private_fund" else None)
            book.formula(ws, FIRST_ROW, c.col, c.formula_at(0, FIRST_ROW), c.values[0], fmt)
        book.rows_below(ws, FIRST_ROW, n, columns)
    ws.freeze_panes = "C5"
    set_widths(ws, {1: 14, 2: 36, 3: 22, 4: 8, **{j: 13 for j in range(5, len(PROJECT_CALCS) + 1)}})
    return FIRST_ROW + n - 1


def _sum_sheet(
    book: Book,
    ws: Worksheet,
    result: Result,
    sheets: Sheets,
    last: int,
    key: str,
    ids: list[str],
    table: pd.DataFrame,
    extra: Any,
) -> int:
    """Fields or Banks of a portfolio run: sums over the Projects sheet by ``key`` (field or bank)."""
    lang, u = book.lang, book.per_bn
    pr = sheets.projects
    keys = abs_range(pr, FIRST_ROW, PROJECTS_COLUMN[key], last, PROJECTS_COLUMN[key])
    t = result.projects
    private = pd.Series(np.where(t["private"].astype(bool), t["fund_bn"], 0.0)).groupby(t[key].to_numpy()).sum()
    for i, rid in enumerate(ids):
        r = 5 + i
        L = {k: a1(r, v) for k, v in PORTFOLIO_FIELDS_COLUMN.items()}
        write_text(ws, r, 1, rid)
        write_text(ws, r, 2, label(rid, lang))
        rec = table.loc[rid]
        for name in _PORTFOLIO_SUMS:
            src = abs_range(pr, FIRST_ROW, PROJECTS_COLUMN[name], last, PROJECTS_COLUMN[name])
            value = private.get(rid, 0.0) if name == "private_fund" else rec[name]
            book.formula(ws, r, PORTFOLIO_FIELDS_COLUMN[name], f"SUMIF({keys},$A{r},{src})", value * u, FMT_MONEY)
        book.formula(
            ws, r, PORTFOLIO_FIELDS_COLUMN["n_projects"], f"COUNTIF({keys},$A{r})", int(rec["n_projects"]), "0"
        )
        for name, num, den in [
            ("multiplier", "total_investment_bn", "fund_bn"),
            ("net_multiplier", "net_investment_bn", "fund_bn"),
            ("attributed_multiplier", "attributed_investment_bn", "fund_bn"),
            ("capital_ratio", "project_capital_bn", "total_investment_bn"),
            ("fund_share_of_capital", "fund_bn", "project_capital_bn"),
        ]:
            d = rec[den]
            book.formula(
                ws,
                r,
                PORTFOLIO_FIELDS_COLUMN[name],
                f"IF({L[den]}>0,{L[num]}/{L[den]},NA())",
                rec[num] / d if d > 0 else float("nan"),
                FMT_TIMES if "multiplier" in name else FMT_SHARE,
            )
        extra(r, i, rid, rec)
    tr = 5 + len(ids)
    T = {k: a1(tr, v) for k, v in PORTFOLIO_FIELDS_COLUMN.items()}
    write_text(ws, tr, 1, "total")
    write_text(ws, tr, 2, xl_label("total", lang))
    totals = table[_PORTFOLIO_SUMS[:-1]].sum()
    totals["private_fund"] = float(private.sum())
    for name in [*_PORTFOLIO_SUMS, "n_projects"]:
        c = get_column_letter(PORTFOLIO_FIELDS_COLUMN[name])
        v = int(table["n_projects"].sum()) if name == "n_projects" else totals[name] * u
        book.formula(
            ws,
            tr,
            PORTFOLIO_FIELDS_COLUMN[name],
            f"SUM({c}5:{c}{tr - 1})",
            v,
            "0" if name == "n_projects" else FMT_MONEY,
        )
    for name, num, den in [
        ("multiplier", "total_investment_bn", "fund_bn"),
        ("net_multiplier", "net_investment_bn", "fund_bn"),
        ("attributed_multiplier", "attributed_investment_bn", "fund_bn"),
        ("capital_ratio", "project_capital_bn", "total_investment_bn"),
        ("fund_share_of_capital", "fund_bn", "project_capital_bn"),
    ]:
        book.formula(
            ws,
            tr,
            PORTFOLIO_FIELDS_COLUMN[name],
            f"{T[num]}/{T[den]}",
            totals[num] / totals[den],
            FMT_TIMES if "multiplier" in name else FMT_SHARE,
        )
    for cell in ws[tr]:
        cell.font, cell.border = TOTAL_FONT, TOTAL_BORDER
    ws.freeze_panes = "C5"
    set_widths(ws, {1: 26, 2: 34, **{j: 14 for j in range(3, len(_PF_SHEET) + 4)}})
    return tr


def _header(book: Book, ws: Worksheet, extra: list[str]) -> None:
    lang = book.lang
    heads = [xl_label("id", lang), xl_label("name", lang)] + [xl_label(k, lang) for k in _PF_SHEET[2:]]
    book.header(ws, 4, heads + extra)
    ws.cell(row=4, column=PORTFOLIO_FIELDS_COLUMN["private_fund"]).value = xl_label("private_fund", lang)


def write_portfolio_sheets(
    book: Book, ws: dict[str, Worksheet], result: Result, inp: InputsLayout, sheets: Sheets
) -> None:
    """Every sheet of a portfolio run after Inputs (see the module docstring)."""
    p, lang, u = result.parameters, book.lang, book.per_bn
    t = result.projects
    _write_project_inputs(book, ws["project_inputs"], t, pd.Series(p.sunk_share, index=p.field_ids))
    last = _write_projects(book, ws["projects"], result, inp, sheets)
    pr = sheets.projects
    F_rng = abs_range(pr, FIRST_ROW, PROJECTS_COLUMN["fund_bn"], last, PROJECTS_COLUMN["fund_bn"])
    f_rng = abs_range(pr, FIRST_ROW, PROJECTS_COLUMN["field"], last, PROJECTS_COLUMN["field"])
    b_rng = abs_range(pr, FIRST_ROW, PROJECTS_COLUMN["bank"], last, PROJECTS_COLUMN["bank"])

    def fund_formula(r: int, c: int) -> str:
        return f"SUMIFS({F_rng},{f_rng},$A{r},{b_rng},{get_column_letter(c)}$3)"

    write_allocation(book, ws["allocation"], result, inp, fund_formula)

    # Fields: sums over projects, then the field's cap from the Inputs sheet.
    wf = ws["fields"]
    book.title(wf, xl_label("fields", lang), unit_label(book.unit, lang))
    cap_col = len(_PF_SHEET) + 1
    _header(book, wf, [xl_label("fund_share_cap", lang)])
    fi = inp.fields

    def field_extra(r: int, i: int, rid: str, rec: Any) -> None:
        book.formula(
            wf,
            r,
            cap_col,
            f"IF({sheet_a1(inp.sheet, fi.first_row + i, fi.cols['key_area'])},{inp.scalar('instrument.cap_key_area')},"
            f"{inp.scalar('instrument.cap_in_principle')})",
            p.fund_share_cap[i],
            FMT_SHARE,
        )

    tr = _sum_sheet(book, wf, result, sheets, last, "field", p.field_ids, result.by_field, field_extra)
    T = {k: sheet_a1(wf.title, tr, v, True, True) for k, v in PORTFOLIO_FIELDS_COLUMN.items()}
    g = tr + 2
    write_text(wf, g, 2, xl_label("gap_to_target_bn", lang))
    book.formula(
        wf,
        g,
        PORTFOLIO_FIELDS_COLUMN["total_investment_bn"],
        f"{a1(tr, PORTFOLIO_FIELDS_COLUMN['total_investment_bn'])}"
        f"-{inp.scalar('instrument.target_total_investment_bn')}",
        result.totals["gap_to_target_bn"] * u,
        FMT_MONEY,
    )
    write_text(wf, g + 1, 2, xl_label("private_share_of_fund", lang))
    private_share = float(result.projects.loc[result.projects["private"].astype(bool), "fund_bn"].sum()) / float(
        result.projects["fund_bn"].sum()
    )
    book.formula(
        wf,
        g + 1,
        PORTFOLIO_FIELDS_COLUMN["fund_bn"],
        f"{a1(tr, PORTFOLIO_FIELDS_COLUMN['private_fund'])}/{a1(tr, PORTFOLIO_FIELDS_COLUMN['fund_bn'])}",
        private_share,
        FMT_SHARE,
    )
    field_chart(book, wf, PORTFOLIO_FIELDS_COLUMN["total_investment_bn"], len(p.field_ids), f"B{g + 4}")
    sheets.totals.update(
        {
            "fund_bn": T["fund_bn"],
            "total_investment_bn": T["total_investment_bn"],
            "net_investment_bn": T["net_investment_bn"],
            "multiplier": T["multiplier"],
            "net_multiplier": T["net_multiplier"],
            "gap_to_target_bn": sheet_a1(wf.title, g, PORTFOLIO_FIELDS_COLUMN["total_investment_bn"], True, True),
            "private_share": sheet_a1(wf.title, g + 1, PORTFOLIO_FIELDS_COLUMN["fund_bn"], True, True),
        }
    )

    # Banks: sums over projects, quota and the difference.
    wb_ = ws["banks"]
    book.title(wb_, xl_label("banks", lang), unit_label(book.unit, lang))
    q_col, d_col = len(_PF_SHEET) + 1, len(_PF_SHEET) + 2
    _header(book, wb_, [xl_label("quota_bn", lang), xl_label("difference", lang)])
    ba = inp.banks

    def bank_extra(r: int, j: int, rid: str, rec: Any) -> None:
        book.formula(
            wb_, r, q_col, sheet_a1(inp.sheet, ba.first_row + j, ba.cols["quota_bn"]), p.bank_quota[j] * u, FMT_MONEY
        )
        book.formula(
            wb_,
            r,
            d_col,
            f"{a1(r, PORTFOLIO_FIELDS_COLUMN['fund_bn'])}-{a1(r, q_col)}",
            (rec["fund_bn"] - p.bank_quota[j]) * u,
            FMT_MONEY,
        )

    _sum_sheet(book, wb_, result, sheets, last, "bank", p.bank_ids, result.by_bank, bank_extra)
    sheets.macro_rows = {}

    # Macro: every project phased from its own row.
    project_rows = FIRST_ROW + np.arange(len(t))

    # The investment the macro effects count: the fund's pro-rata share with macro.pro_rata_attribution
    counted = "attributed_investment_bn" if p.macro.pro_rata_attribution.value else "total_investment_bn"

    def links(key: str) -> tuple[str, np.ndarray]:
        if key == "total_investment_bn":
            return sheet_a1(pr, LINK_ROW, PROJECTS_COLUMN[counted]), project_rows
        if key in FIELD_DEFAULT_COLUMNS or key == "sunk_share":  # the project's own value, else its field's
            return _effective(inp, sheets.project_inputs, LINK_ROW, key), project_rows
        return sheet_a1(sheets.project_inputs, LINK_ROW, PROJECT_INPUTS_COLUMN[key]), project_rows

    starts = t["start_year"].to_numpy(dtype=int)
    phasing = PhasingRows(
        ids=t["project_id"].astype(str).tolist(),
        names=t["project_name"].astype(str).tolist(),
        links=links,
        start=starts,
        length=t["construction_years"].to_numpy(dtype=int),
        profile=t["phasing_profile"].astype(str).tolist(),
        investment=t[counted].to_numpy(dtype=float) * u,
        additionality=t["additionality"].to_numpy(dtype=float),
        infrastructure_share=t["infrastructure_share"].to_numpy(dtype=float),
        sunk_share=t["sunk_share"].to_numpy(dtype=float),
        start_range=abs_range(
            sheets.project_inputs,
            FIRST_ROW,
            PROJECT_INPUTS_COLUMN["start_year"],
            last,
            PROJECT_INPUTS_COLUMN["start_year"],
        ),
    )
    write_macro(book, ws["macro"], result, inp, sheets, phasing)
    _write_portfolio_checks(book, ws["checks"], result, inp, sheets, last, F_rng)
    _ = field_phasing, Alignment, HEADER_FILL, HEADER_FONT, FORMATS


def _write_portfolio_checks(
    book: Book, ws: Worksheet, result: Result, inp: InputsLayout, sheets: Sheets, last: int, f_rng: str
) -> None:
    """The portfolio's rules as formulas (errors only; a partial portfolio may stay under its quotas)."""
    p, lang, u = result.parameters, book.lang, book.per_bn
    t = result.projects
    book.title(ws, xl_label("checks", lang))
    book.header(ws, 4, [xl_label(k, lang) for k in ("check", "subject", "description", "value", "limit", "pass")])
    tol_sum = sheet_a1(inp.sheet, inp.tolerance_sum, 3, True, True)
    tol_share = sheet_a1(inp.sheet, inp.tolerance_share, 3, True, True)
    fund_total = float(t["fund_bn"].sum())
    size = p.instrument.size_bn.value
    pr = sheets.projects
    rows: list[tuple] = []
    rows.append(
        (
            "allocation_total",
            "total",
            xl_label("chk_portfolio_total", lang),
            f"SUM({f_rng})",
            inp.scalar("instrument.size_bn"),
            fund_total * u,
            size * u,
            "{v}<={l}+" + tol_sum,
            fund_total <= size + 1e-6,
            FMT_MONEY,
        )
    )
    by_bank = result.by_bank
    for j, bid in enumerate(p.bank_ids):
        used = float(by_bank.loc[bid, "fund_bn"])
        rows.append(
            (
                "bank_quota",
                bid,
                xl_label("chk_portfolio_bank", lang),
                sheet_a1(sheets.banks, 5 + j, PORTFOLIO_FIELDS_COLUMN["fund_bn"]),
                sheet_a1(sheets.banks, 5 + j, len(_PF_SHEET) + 1),
                used * u,
                p.bank_quota[j] * u,
                "{v}<={l}+" + tol_sum,
                used <= p.bank_quota[j] + 1e-6,
                FMT_MONEY,
            )
        )
    private = float(t.loc[t["private"].astype(bool), "fund_bn"].sum()) / fund_total
    floor = p.instrument.private_share_min.value
    full = abs(fund_total - size) <= 1e-6
    rows.append(
        (
            "private_share",
            "total",
            xl_label("chk_portfolio_private", lang),
            sheets.totals["private_share"],
            inp.scalar("instrument.private_share_min"),
            private,
            floor,
            "OR({v}>={l}-" + tol_share + f",ABS(SUM({f_rng})-{inp.scalar('instrument.size_bn')})>{tol_sum})",
            bool(private >= floor - 1e-12 or not full),
            FMT_SHARE,
        )
    )
    cap_ok = abs_range(pr, FIRST_ROW, PROJECTS_COLUMN["cap_ok"], last, PROJECTS_COLUMN["cap_ok"])
    min_ok = abs_range(pr, FIRST_ROW, PROJECTS_COLUMN["minimum_ok"], last, PROJECTS_COLUMN["minimum_ok"])
    F = t["fund_bn"].to_numpy(float)
    K = t["project_capital_bn"].to_numpy(float)
    s, k = F / K, K / t["total_investment_bn"].to_numpy(float)
    n_over = int((s > t["fund_share_cap"].to_numpy(float) + TOLERANCE_SHARE).sum())
    n_under = int((k < t["capital_ratio_minimum"].to_numpy(float) - TOLERANCE_SHARE).sum())
    rows.append(
        (
            "fund_share_cap",
            "projects",
            xl_label("chk_projects_cap", lang),
            f"COUNTIF({cap_ok},FALSE())",
            "0",
            n_over,
            0,
            "{v}={l}",
            n_over == 0,
            "0",
        )
    )
    rows.append(
        (
            "capital_ratio_minimum",
            "projects",
            xl_label("chk_projects_minimum", lang),
            f"COUNTIF({min_ok},FALSE())",
            "0",
            n_under,
            0,
            "{v}={l}",
            n_under == 0,
            "0",
        )
    )
    mr = sheets.macro_rows
    w0, w1 = mr["weights"]
    sums = abs_range(sheets.macro, w0, mr["sum_col"], w1, mr["sum_col"])
    rows.append(
        (
            "phasing_within_timeline",
            "projects",
            xl_label("chk_projects_phasing", lang),
            f"SUMPRODUCT((ABS({sums}-1)>{tol_share})*1)",
            "0",
            0,
            0,
            "{v}={l}",
            True,
            "0",
        )
    )
    first = CHECKS_FIRST_ROW
    for n, (code, subject, desc, vf, lf, v, lim, test, passed, fmt) in enumerate(rows):
        r = first + n
        write_text(ws, r, 1, code)
        write_text(ws, r, 2, subject)
        write_text(ws, r, 3, desc)
        book.formula(ws, r, 4, vf, v, fmt)
        if lf == "0":
            write_text(ws, r, 5, lf)
            book.formula(ws, r, 6, test.format(v=f"D{r}", l=lf), passed)
        else:
            book.formula(ws, r, 5, lf, lim, fmt)
            book.formula(ws, r, 6, test.format(v=f"D{r}", l=f"E{r}"), passed)
    last_row = first + len(rows) - 1
    write_text(ws, 3, 3, xl_label("master_check", lang)).font = TOTAL_FONT
    book.formula(ws, 3, 6, f"AND(F{first}:F{last_row})", all(r[8] for r in rows))
    sheets.master = sheet_a1(ws.title, 3, 6, True, True)
    ws.freeze_panes = "A5"
    set_widths(ws, {1: 26, 2: 20, 3: 48, 4: 14, 5: 14, 6: 10})
