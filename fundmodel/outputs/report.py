"""Plain-text rendering of a result for the terminal (the CLI's ``--format table``)."""

from __future__ import annotations

import unicodedata

from fundmodel.core.fiscal import BY_YEAR_COLUMNS
from fundmodel.core.result import Check, Result
from fundmodel.labels import instrument_title, label
from fundmodel.messages import Message, render
from fundmodel.terms import term
from fundmodel.units import unit_label


def display_width(text: str) -> int:
    """Terminal columns taken by ``text``: CJK characters take two. Example: "总投资" -> 6.

    >>> display_width('总投资'), display_width('I')
    (6, 1)
    """
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, left: bool) -> str:
    fill = " " * (width - display_width(text))
    return text + fill if left else fill + text


def text_table(headers: list[str], rows: list[list[str]]) -> str:
    """Rows of text as an aligned terminal table (CJK characters count as two columns)."""
    widths = [max(display_width(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    out = ["  ".join(_pad(h, w, i == 0) for i, (h, w) in enumerate(zip(headers, widths, strict=True)))]
    out.append("  ".join("-" * w for w in widths))
    for r in rows:
        out.append("  ".join(_pad(c, w, i == 0) for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    return "\n".join(out)


#: Rows of the totals table of every run, then the extra rows of a portfolio run.
TOTAL_TERMS = [
    "fund_bn",
    "project_capital_bn",
    "other_capital_bn",
    "debt_bn",
    "total_investment_bn",
    "net_investment_bn",
    "multiplier",
    "gap_to_target_bn",
]
PORTFOLIO_TOTAL_TERMS = [
    "attributed_investment_bn",
    "attributed_multiplier",
    "top_down_multiplier",
    "private_share",
    "major_province_share",
    "n_projects",
]
#: Columns of the by-field and by-bank tables; breakdowns (province, ownership) omit net investment.
GROUP_TERMS = ["fund_bn", "total_investment_bn", "net_investment_bn", "multiplier"]
BREAKDOWN_TERMS = ["fund_bn", "total_investment_bn", "multiplier"]
YEAR_TERMS = ["investment_bn", "infrastructure_net_bn", "level_effect_pct", "growth_effect_pp"]
#: Columns of the fiscal table by year, and the holders of the projects' debt.
FISCAL_YEAR_TERMS = BY_YEAR_COLUMNS
HOLDER_TERMS = ["lgfv_debt_bn", "state_firm_debt_bn", "private_firm_debt_bn", "debt_bn"]


def cell(term_id: str, value: float, unit: str = "bn") -> str:
    """A value in a terminal table: money with one decimal in any unit, others in their term's format.

    >>> cell("total_investment_bn", 7080, "yi"), cell("multiplier", 14.156)
    ('70,800.0', '14.16x')
    """
    return term(term_id).format(value, unit, decimals=1)


def _rows(terms_: list[str], values, lang: str, unit: str) -> list[list[str]]:
    return [[label(k, lang), cell(k, values[k], unit)] for k in terms_]


def _cashflow_totals(t: dict[str, float], lang: str) -> list[list[str]]:
    """Cash-flow rows of a portfolio run (only when metrics were computed)."""
    n = t.get("n_projects_with_cashflow", float("nan"))
    if n != n:  # NaN: metrics left out of the run
        return []
    subsidy = t.get("subsidy_per_yuan", float("nan"))
    return [
        [label("n_projects_with_cashflow", lang), term("n_projects_with_cashflow").format(n)],
        [label("subsidy_per_yuan", lang), "n/a" if subsidy != subsidy else term("subsidy_per_yuan").format(subsidy)],
    ]


def _group_table(table, key: str, columns: list[str], lang: str, unit: str) -> str:
    rows = [[label(str(idx), lang), *(cell(c, r[c], unit) for c in columns)] for idx, r in table.iterrows()]
    return text_table([label(key, lang), *(label(c, lang) for c in columns)], rows)


def fiscal_assumptions(result: Result) -> Message:
    """The fiscal block's assumptions as a sentence (funding and discount rates, term, shares of
    buy-backs rolled over and defaulting)."""
    a, sm = result.fiscal["assumptions"], result.fiscal["summary"]
    params = {
        "funding": a["funding_rate"],
        "discount": a["discount_rate"],
        "term": sm["fund_term_years"],
        "rollover": a["buyback_rollover_share"],
        "default": a["buyback_default_share"],
    }
    return Message("fiscal_assumptions", params)


def buyback_message(check: Check) -> Message:
    """The buy-back-at-par check (名股实债, 国发〔2019〕26号) as a sentence."""
    return Message("fiscal_buyback_check", {"fund": check.values["fund_bn"], "term": check.values["term_years"]})


def render_fiscal(result: Result, unit: str = "bn", lang: str = "en") -> list[str]:
    """The fiscal section: funding cost against return and buy-backs by year, their present
    values, debt by holder (and by province in a portfolio run), special bonds in capital and
    the buy-back-at-par check (名股实债). Empty when the run has no fiscal block."""
    f = result.fiscal
    if not f:
        return []
    a, sm = f["assumptions"], f["summary"]
    by_year = f["by_year"]
    say = [render(fiscal_assumptions(result), lang, unit)]
    rows = [[str(y), *(cell(c, r[c], unit) for c in FISCAL_YEAR_TERMS)] for y, r in by_year.iterrows()]
    # a balance is a stock: its sum over years means nothing, so its total stays empty
    totals = [cell(c, by_year[c].sum(), unit) if c != "balance_bn" else "" for c in FISCAL_YEAR_TERMS]
    rows.append([label("total", lang), *totals])
    pv = {
        "discount": sm["discount_rate"],
        "funding": sm["funding_cost_pv_bn"],
        "fund_return": sm["fund_return_pv_bn"],
        "net": sm["net_cost_pv_bn"],
        "loss": sm["default_loss_pv_bn"],
        "total": sm["total_cost_pv_bn"],
    }
    holders = f["debt_by_holder"]
    split = (
        Message("fiscal_debt_split_portfolio", {"lgfv": a["lgfv_share_of_public_debt"]})
        if result.mode == "portfolio"
        else Message(
            "fiscal_debt_split_top_down",
            {"private": result.parameters.instrument.private_share_min.value, "lgfv": a["lgfv_share_of_public_debt"]},
        )
    )
    parts = [
        "",
        label("fiscal", lang),
        *say,
        label("fiscal_by_year", lang),
        text_table([label("year", lang), *(label(c, lang) for c in FISCAL_YEAR_TERMS)], rows),
        render(Message("fiscal_present_value", pv), lang, unit),
        "",
        label("debt_by_holder", lang),
        text_table([label("holder", lang), unit_label(unit, lang)], _rows(HOLDER_TERMS, holders, lang, unit)),
        render(split, lang, unit),
    ]
    province = f.get("debt_by_province")
    if province is not None and len(province):
        rows = [[label(str(p), lang), *(cell(c, r[c], unit) for c in HOLDER_TERMS)] for p, r in province.iterrows()]
        parts += [
            "",
            label("debt_by_province", lang),
            text_table([label("province", lang), *(label(c, lang) for c in HOLDER_TERMS)], rows),
        ]
    if "special_bonds_in_capital_bn" in f:
        parts.append(render(Message("fiscal_special_bonds", {"bonds": f["special_bonds_in_capital_bn"]}), lang, unit))
    parts += [render(buyback_message(c), lang, unit) for c in result.checks if c.code == "fund_buyback_at_par"]
    return parts


def render_table(result: Result, unit: str = "bn", lang: str = "en") -> str:
    """A readable summary: totals, by field, by bank, by year, fiscal cost and debt, checks."""
    u = unit_label(unit, lang)
    t = result.totals
    totals = _rows(TOTAL_TERMS, t, lang, unit)
    if result.mode == "portfolio":
        totals += _rows(PORTFOLIO_TOTAL_TERMS, t, lang, unit) + _cashflow_totals(t, lang)
    parts = [
        f"{label('scenario', lang)}: {result.scenario_name}   ({label('unit', lang)}: {u})",
        f"{label('instrument', lang)}: {instrument_title(result.parameters, lang)}",
        "",
        text_table([label("total", lang), u], totals),
    ]
    for title, table, key in (("by_field", result.by_field, "field"), ("by_bank", result.by_bank, "bank")):
        parts += ["", label(title, lang), _group_table(table, key, GROUP_TERMS, lang, unit)]
    for name, table in result.breakdowns.items():
        parts += ["", label(f"by_{name}", lang), _group_table(table, name, BREAKDOWN_TERMS, lang, unit)]
    rows = [[str(y), *(cell(c, r[c], unit) for c in YEAR_TERMS)] for y, r in result.by_year.iterrows()]
    parts += [
        "",
        label("by_year", lang),
        text_table([label("year", lang), *(label(c, lang) for c in YEAR_TERMS)], rows),
    ]
    te = result.target_effect()
    parts.append(
        label("target_effect_line", lang).format(
            target=te["target_pp"], level=te["value"], growth=te["peak_growth_effect_pp"]
        )
    )
    parts += render_fiscal(result, unit, lang)
    parts += [
        "",
        f"{label('checks', lang)}: " + (label("all_pass", lang) if not result.checks else f"{len(result.checks)}"),
    ]
    parts += [f"  [{c.severity}] {c.render(lang, unit)}" for c in result.checks]
    return "\n".join(parts)
