"""The Fiscal sheet: the fund's funding cost against its return, buy-backs and default losses by
year with totals and present values, and the projects' debt by holder (and by province in a
portfolio run), in formulas of the Inputs sheet and the calculation sheets
(:mod:`fundmodel.core.fiscal` is the model).

With F_i the fund in row i (the whole fund top-down, each project in a portfolio), T_i its term
and r_i its return rate (a project's own, else the default), rho the rolled-over and delta the
defaulting share of buy-backs, year t = 0 the disbursement year:

    balance_t  = sum_i F_i [(T_i > t) + rho (T_i <= t < 2 T_i)]
    return_t   = sum_i F_i r_i [(T_i > t) + rho (T_i <= t < 2 T_i)]
    buyback_t  = sum_i F_i [(1 - rho - delta)(T_i = t + 1) + rho (2 T_i = t + 1)]
    loss_t     = delta sum_i F_i (T_i = t + 1)
    funding cost_t = balance_t x funding rate; net = funding cost - return; total = net + loss
    PV = sum_t x_t / (1 + r)^(t + 1)

The sheet spans n = 2 max_i T_i years (as exported), room for the longest term rolled over once.
A longer term typed into the book later would be cut, so the sheet checks, in a live formula,
that the years the longest term needs, max_i T_i x (1 + (rho > 0)), are at most n; the check
is also a row of the Checks sheet and so part of the master check.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from fundmodel.core import fiscal
from fundmodel.core.cashflow import cashflow_defaults
from fundmodel.core.result import Result
from fundmodel.labels import label
from fundmodel.outputs.excel.inputs_sheet import InputsLayout
from fundmodel.outputs.excel.layout import (
    FMT_MONEY,
    FMT_SHARE,
    FMT_YEAR,
    SECTION_FONT,
    TOTAL_FONT,
    Book,
    Sheets,
    abs_range,
    append_check,
    set_widths,
    sheet_a1,
    xl_label,
)
from fundmodel.outputs.excel.writer import write_text
from fundmodel.units import unit_label

#: Rows of the by-year block, in order: the fund's year t, the calendar year, the model's
#: yearly columns, the discount factor.
YEAR_ROWS = ["period", "year", *fiscal.BY_YEAR_COLUMNS, "discount_factor"]
#: Rows whose total and present value are shown (flows, not the balance).
FLOWS = [c for c in fiscal.BY_YEAR_COLUMNS if c != "balance_bn"]
FIRST_YEAR_COL = 3


@dataclass
class FundRows:
    """The funds the sheet sums: formula text of F, T and r (ranges in a portfolio, cells
    top-down), whether they are ranges, and the values the model used (bn RMB, years, rate)."""

    fund: str
    term: str
    rate: str
    ranges: bool
    longest_term: str
    fund_bn: np.ndarray
    term_years: np.ndarray
    return_rate: np.ndarray


def _agg(expr: str, ranges: bool) -> str:
    return f"SUMPRODUCT({expr})" if ranges else f"({expr})"


def fiscal_values(rows: FundRows, params_terms: dict[str, float], n_years: int) -> pd.DataFrame:
    """What the by-year formulas compute (bn RMB), by :mod:`fundmodel.core.fiscal` over ``n_years``."""
    return fiscal.fiscal_by_year(
        rows.fund_bn,
        rows.term_years,
        rows.return_rate,
        params_terms["funding_rate"],
        0,
        params_terms["buyback_rollover_share"],
        params_terms["buyback_default_share"],
    ).reindex(np.arange(n_years), fill_value=0.0)


def _fund_rows(book: Book, result: Result, inp: InputsLayout, sheets: Sheets) -> FundRows:
    from fundmodel.outputs.excel.portfolio_sheets import FIRST_ROW, PROJECT_INPUTS_COLUMN, PROJECTS_COLUMN

    d = cashflow_defaults()
    if result.mode != "portfolio" or result.projects is None:
        return FundRows(
            fund=sheets.totals["fund_bn"],
            term=inp.scalar("cashflow.fund_term_years"),
            rate=inp.scalar("cashflow.fund_return_rate"),
            ranges=False,
            longest_term=inp.scalar("cashflow.fund_term_years"),
            fund_bn=np.array([result.totals["fund_bn"]]),
            term_years=np.array([int(d["fund_term_years"])]),
            return_rate=np.array([d["fund_return_rate"]]),
        )
    t = result.projects
    last = FIRST_ROW + len(t) - 1

    def rng(sheet: str, col: int) -> str:
        return abs_range(sheet, FIRST_ROW, col, last, col)

    own_term = rng(sheets.project_inputs, PROJECT_INPUTS_COLUMN["fund_term_years"])
    own_rate = rng(sheets.project_inputs, PROJECT_INPUTS_COLUMN["fund_return_rate"])
    # A project's own term and rate, else the default (an empty cell counts 0 in the sum)
    term = f"(ISBLANK({own_term})*{inp.scalar('cashflow.fund_term_years')}+{own_term})"
    rate = f"(ISBLANK({own_rate})*{inp.scalar('cashflow.fund_return_rate')}+{own_rate})"
    return FundRows(
        fund=rng(sheets.projects, PROJECTS_COLUMN["fund_bn"]),
        term=term,
        rate=rate,
        ranges=True,
        # the longest own term, or the default where a project gives none
        longest_term=f"MAX(MAX({own_term}),IF(COUNTBLANK({own_term})>0,{inp.scalar('cashflow.fund_term_years')},0))",
        fund_bn=t["fund_bn"].to_numpy(dtype=float),
        term_years=t["fund_term_years"].fillna(d["fund_term_years"]).to_numpy(dtype=int),
        return_rate=t["fund_return_rate"].fillna(d["fund_return_rate"]).to_numpy(dtype=float),
    )


def write_fiscal(book: Book, ws: Worksheet, result: Result, inp: InputsLayout, sheets: Sheets) -> None:
    """The Fiscal sheet of ``result`` (see the module docstring)."""
    lang, u = book.lang, book.per_bn
    f = result.fiscal
    assert f is not None
    book.title(ws, xl_label("fiscal", lang), unit_label(book.unit, lang))
    a = f["assumptions"]
    rows = _fund_rows(book, result, inp, sheets)
    n_years = 2 * int(rows.term_years.max(initial=1))  # room for a rolled-over term
    # The terms block: links to the Inputs sheet.
    r = 4
    write_text(ws, r, 1, xl_label("fiscal_terms", lang)).font = SECTION_FONT
    links = {
        "funding_rate": ("instrument.funding_rate", a["funding_rate"]),
        "discount_rate": ("cashflow.discount_rate", a["discount_rate"]),
        "buyback_rollover_share": ("instrument.buyback_rollover_share", a["buyback_rollover_share"]),
        "buyback_default_share": ("instrument.buyback_default_share", a["buyback_default_share"]),
    }
    cell: dict[str, str] = {}
    for key, (path, value) in links.items():
        r += 1
        write_text(ws, r, 1, key)
        write_text(ws, r, 2, label(key, lang) if key != "discount_rate" else xl_label(key, lang))
        book.formula(ws, r, 3, inp.scalar(path), value, FMT_SHARE)
        cell[key] = sheet_a1(ws.title, r, 3, True, True)
    # the years check (written below, once the by-year columns are known)
    span_rows = {
        key: r + 1 + i for i, key in enumerate(("fiscal_years_needed", "fiscal_years_spanned", "fiscal_years_check"))
    }
    r += len(span_rows)

    # By year: t, calendar year, balance, costs, buy-backs, losses, discount factor; total and PV.
    r += 2
    first = r
    yr = {key: first + i for i, key in enumerate(YEAR_ROWS)}
    c0 = FIRST_YEAR_COL
    total_col, pv_col = c0 + n_years, c0 + n_years + 1
    write_text(ws, first - 1, 1, xl_label("fiscal_by_year", lang)).font = SECTION_FONT
    write_text(ws, first - 1, total_col, xl_label("total", lang)).font = TOTAL_FONT
    write_text(ws, first - 1, pv_col, xl_label("present_value", lang)).font = TOTAL_FONT
    values = fiscal_values(rows, a, n_years)
    disc = a["discount_rate"]
    cached = {key: values[key].to_numpy() * u for key in values.columns if key != "balance_bn"}
    cached["balance_bn"] = values["balance_bn"].to_numpy() * u
    cached["period"] = np.arange(n_years)
    cached["year"] = np.arange(n_years) + result.parameters.macro.disbursement_date.value.year
    cached["discount_factor"] = 1.0 / (1.0 + disc) ** (np.arange(n_years) + 1.0)
    rho, delta = cell["buyback_rollover_share"], cell["buyback_default_share"]
    F, T, R = rows.fund, rows.term, rows.rate
    disbursed = inp.scalar("macro.disbursement_date")

    def make(key: str, c: str) -> str:
        t = f"{c}${yr['period']}"
        held = f"(({T}>{t})+{rho}*({T}<={t})*(2*{T}>{t}))"
        due, rolled_due = f"({T}={t}+1)", f"(2*{T}={t}+1)"
        return {
            "period": f"{get_column_letter(column_index_from_string(c) - 1)}{yr['period']}+1"
            if column_index_from_string(c) > c0
            else "0",
            "year": f"YEAR({disbursed})+{t}",
            "balance_bn": _agg(f"{F}*{held}", rows.ranges),
            "funding_cost_bn": f"{c}{yr['balance_bn']}*{cell['funding_rate']}",
            "fund_return_bn": _agg(f"{F}*{R}*{held}", rows.ranges),
            "net_cost_bn": f"{c}{yr['funding_cost_bn']}-{c}{yr['fund_return_bn']}",
            "buyback_bn": _agg(f"{F}*((1-{rho}-{delta})*{due}+{rho}*{rolled_due})", rows.ranges),
            "default_loss_bn": f"{delta}*" + _agg(f"{F}*{due}", rows.ranges),
            "total_cost_bn": f"{c}{yr['net_cost_bn']}+{c}{yr['default_loss_bn']}",
            "discount_factor": f"1/(1+{cell['discount_rate']})^({t}+1)",
        }[key]

    fmts = {"period": "0", "year": FMT_YEAR, "discount_factor": "0.000000"}
    first_col, last_col = get_column_letter(c0), get_column_letter(c0 + n_years - 1)
    for key in YEAR_ROWS:
        row = yr[key]
        write_text(ws, row, 1, key)
        write_text(ws, row, 2, xl_label(key, lang))
        for j in range(n_years):
            c = get_column_letter(c0 + j)
            book.formula(ws, row, c0 + j, make(key, c), cached[key][j], fmts.get(key, FMT_MONEY))
        if key in FLOWS:
            span = f"{first_col}{row}:{last_col}{row}"
            dfs = f"${first_col}${yr['discount_factor']}:${last_col}${yr['discount_factor']}"
            book.formula(ws, row, total_col, f"SUM({span})", float(cached[key].sum()), FMT_MONEY)
            book.formula(
                ws, row, pv_col, f"SUMPRODUCT({span},{dfs})", float(fiscal.present_value(cached[key], disc)), FMT_MONEY
            )
    sheets.totals["net_cost_pv_bn"] = sheet_a1(ws.title, yr["net_cost_bn"], pv_col, True, True)
    periods = f"{first_col}{yr['period']}:{last_col}{yr['period']}"
    _write_years_check(book, ws, rows, span_rows, periods, (rho, a["buyback_rollover_share"]), sheets)

    # Debt by holder (and by province in a portfolio run).
    r = yr["discount_factor"] + 2
    _write_debt(book, ws, result, inp, sheets, r)
    set_widths(ws, {1: 26, 2: 44, **{c0 + j: 11 for j in range(n_years + 2)}})
    ws.freeze_panes = ws.cell(row=first, column=c0)


def _write_years_check(
    book: Book,
    ws: Worksheet,
    rows: FundRows,
    at: dict[str, int],
    periods: str,
    rho: tuple[str, float],
    sheets: Sheets,
) -> None:
    """The years the longest term needs (twice it when buy-backs are rolled over) against the
    years the sheet spans (the columns of its ``periods`` row), and the check that they fit,
    on this sheet and as a row of the Checks sheet. ``rho``: the rolled-over share's cell and value."""
    lang = book.lang
    rho, rollover_share = rho
    longest = int(rows.term_years.max(initial=1))
    needed = longest * (2 if rollover_share > 0 else 1)
    spanned = 2 * longest
    formulas = {
        "fiscal_years_needed": (f"{rows.longest_term}*(1+({rho}>0))", needed),
        "fiscal_years_spanned": (f"COLUMNS({periods})", spanned),
    }
    for key, (formula, value) in formulas.items():
        write_text(ws, at[key], 1, key)
        write_text(ws, at[key], 2, xl_label(key, lang))
        book.formula(ws, at[key], 3, formula, value, "0")
    check = at["fiscal_years_check"]
    write_text(ws, check, 1, "fiscal_years_check")
    write_text(ws, check, 2, xl_label("fiscal_years_check", lang)).font = TOTAL_FONT
    need, span = (f"C{at[k]}" for k in ("fiscal_years_needed", "fiscal_years_spanned"))
    book.formula(ws, check, 3, f"{need}<={span}", needed <= spanned)
    ws.cell(row=check, column=3).font = TOTAL_FONT
    append_check(
        book,
        book.wb[sheets.checks],
        (
            "fiscal_years_within_sheet",
            "fund_term_years",
            xl_label("chk_fiscal_years", lang),
            sheet_a1(ws.title, at["fiscal_years_needed"], 3, True, True),
            sheet_a1(ws.title, at["fiscal_years_spanned"], 3, True, True),
            needed,
            spanned,
            "{v}<={l}",
            needed <= spanned,
            "0",
        ),
    )


def _write_debt(book: Book, ws: Worksheet, result: Result, inp: InputsLayout, sheets: Sheets, r: int) -> None:
    from fundmodel.outputs.excel.portfolio_sheets import FIRST_ROW, PROJECT_INPUTS_COLUMN, PROJECTS_COLUMN

    lang, u = book.lang, book.per_bn
    f = result.fiscal
    holders = f["debt_by_holder"]
    lgfv = inp.scalar("instrument.lgfv_share_of_public_debt")
    write_text(ws, r, 1, xl_label("fiscal_debt", lang)).font = SECTION_FONT
    portfolio = result.mode == "portfolio" and result.projects is not None
    rows = {k: r + 1 + i for i, k in enumerate(["debt_bn", "private_share_of_debt", "lgfv_share_of_public_debt"])}
    rows |= {k: rows["lgfv_share_of_public_debt"] + 1 + i for i, k in enumerate(fiscal.HOLDERS)}
    for key, row in rows.items():
        write_text(ws, row, 1, key)
        write_text(ws, row, 2, xl_label(key, lang))
    C = {k: f"$C${v}" for k, v in rows.items()}
    debt = holders["debt_bn"]
    private = holders["private_firm_debt_bn"]
    if portfolio:
        last = FIRST_ROW + len(result.projects) - 1
        debt_rng = abs_range(sheets.projects, FIRST_ROW, PROJECTS_COLUMN["debt_bn"], last, PROJECTS_COLUMN["debt_bn"])
        col = PROJECT_INPUTS_COLUMN
        priv_rng = abs_range(sheets.project_inputs, FIRST_ROW, col["private"], last, col["private"])
        prov_rng = abs_range(sheets.project_inputs, FIRST_ROW, col["province"], last, col["province"])
        book.formula(ws, rows["debt_bn"], 3, f"SUM({debt_rng})", debt * u, FMT_MONEY)
        share = f"SUMPRODUCT({debt_rng},{priv_rng}*1)/{C['debt_bn']}"
        book.formula(ws, rows["private_share_of_debt"], 3, share, private / debt if debt else 0.0, FMT_SHARE)
    else:
        book.formula(ws, rows["debt_bn"], 3, sheets.totals["debt_bn"], debt * u, FMT_MONEY)
        p_min = result.parameters.instrument.private_share_min.value
        book.formula(ws, rows["private_share_of_debt"], 3, inp.scalar("instrument.private_share_min"), p_min, FMT_SHARE)
    book.formula(
        ws, rows["lgfv_share_of_public_debt"], 3, lgfv, f["assumptions"]["lgfv_share_of_public_debt"], FMT_SHARE
    )
    public = f"{C['debt_bn']}*(1-{C['private_share_of_debt']})"
    formulas = {
        "lgfv_debt_bn": f"{public}*{C['lgfv_share_of_public_debt']}",
        "state_firm_debt_bn": f"{public}*(1-{C['lgfv_share_of_public_debt']})",
        "private_firm_debt_bn": f"{C['debt_bn']}*{C['private_share_of_debt']}",
    }
    for key in fiscal.HOLDERS:
        book.formula(ws, rows[key], 3, formulas[key], holders[key] * u, FMT_MONEY)
    r = rows[fiscal.HOLDERS[-1]] + 2
    write_text(ws, r, 1, "fund_buyback_at_par")
    write_text(ws, r, 2, label("check_fund_buyback_at_par", lang))
    if not portfolio:
        return
    bonds_rng = abs_range(
        sheets.projects,
        FIRST_ROW,
        PROJECTS_COLUMN["other_public_funding_bn"],
        last,
        PROJECTS_COLUMN["other_public_funding_bn"],
    )
    r += 1
    write_text(ws, r, 1, "special_bonds_in_capital_bn")
    write_text(ws, r, 2, xl_label("special_bonds_in_capital_bn", lang))
    book.formula(ws, r, 3, f"SUM({bonds_rng})", f["special_bonds_in_capital_bn"] * u, FMT_MONEY)
    by_province = f["debt_by_province"]
    r += 2
    write_text(ws, r, 1, xl_label("debt_by_province", lang)).font = SECTION_FONT
    book.header(ws, r + 1, [xl_label("province", lang), ""] + [xl_label(k, lang) for k in [*fiscal.HOLDERS, "debt_bn"]])
    lam = C["lgfv_share_of_public_debt"]
    for i, (prov, rec) in enumerate(by_province.iterrows()):
        row = r + 2 + i
        write_text(ws, row, 1, str(prov))
        write_text(ws, row, 2, label(str(prov), lang))
        here = f"({prov_rng}=$A{row})"
        public_debt = f"SUMPRODUCT({debt_rng},{here}*(1-{priv_rng}))"
        cells = {
            "lgfv_debt_bn": f"{public_debt}*{lam}",
            "state_firm_debt_bn": f"{public_debt}*(1-{lam})",
            "private_firm_debt_bn": f"SUMPRODUCT({debt_rng},{here}*{priv_rng})",
            "debt_bn": f"SUM(C{row}:E{row})",
        }
        for j, key in enumerate([*fiscal.HOLDERS, "debt_bn"]):
            book.formula(ws, row, 3 + j, cells[key], rec[key] * u, FMT_MONEY)
