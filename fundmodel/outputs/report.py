"""Plain-text rendering of a result for the terminal (the CLI's ``--format table``)."""

from __future__ import annotations

import unicodedata

from fundmodel.core.result import Result
from fundmodel.labels import label
from fundmodel.units import from_bn, unit_label


def display_width(text: str) -> int:
    """Terminal columns taken by ``text``: CJK characters take two. Example: "总投资" -> 6."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, left: bool) -> str:
    fill = " " * (width - display_width(text))
    return text + fill if left else fill + text


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(display_width(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    out = ["  ".join(_pad(h, w, i == 0) for i, (h, w) in enumerate(zip(headers, widths, strict=True)))]
    out.append("  ".join("-" * w for w in widths))
    for r in rows:
        out.append("  ".join(_pad(c, w, i == 0) for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    return "\n".join(out)


def _portfolio_totals(result: Result, lang: str, money) -> list[list[str]]:
    """Extra total rows of a portfolio run: attributed investment, the top-down multiplier
    for comparison, private and major-province shares, project count."""
    if result.mode != "portfolio":
        return []
    t = result.totals
    return [
        [label("attributed_investment_bn", lang), money(t["attributed_investment_bn"])],
        [label("attributed_multiplier", lang), f"{t['attributed_multiplier']:.2f}x"],
        [label("top_down_multiplier", lang), f"{t['top_down_multiplier']:.2f}x"],
        [label("private_share", lang), f"{t['private_share']:.1%}"],
        [label("major_province_share", lang), f"{t['major_province_share']:.1%}"],
        [label("n_projects", lang), f"{int(t['n_projects']):,}"],
        *_cashflow_totals(t, lang),
    ]


def _cashflow_totals(t: dict[str, float], lang: str) -> list[list[str]]:
    """Cash-flow rows of a portfolio run (only when metrics were computed)."""
    n = t.get("n_projects_with_cashflow", float("nan"))
    if n != n:  # NaN: metrics left out of the run
        return []
    subsidy = t.get("subsidy_per_yuan", float("nan"))
    return [
        [label("n_projects_with_cashflow", lang), f"{int(n):,}"],
        [label("subsidy_per_yuan", lang), "n/a" if subsidy != subsidy else f"{subsidy:.4f}"],
    ]


def render_table(result: Result, unit: str = "bn", lang: str = "en") -> str:
    """A readable summary: totals, by field, by bank, by year, checks."""
    u = unit_label(unit, lang)

    def money(v: float) -> str:
        return f"{from_bn(v, unit):,.1f}"

    t = result.totals
    parts = [
        f"{label('scenario', lang)}: {result.scenario_name}   ({label('unit', lang)}: {u})",
        "",
        _table(
            [label("total", lang), u],
            [
                [label("fund_bn", lang), money(t["fund_bn"])],
                [label("project_capital_bn", lang), money(t["project_capital_bn"])],
                [label("other_capital_bn", lang), money(t["other_capital_bn"])],
                [label("debt_bn", lang), money(t["debt_bn"])],
                [label("total_investment_bn", lang), money(t["total_investment_bn"])],
                [label("net_investment_bn", lang), money(t["net_investment_bn"])],
                [label("multiplier", lang), f"{t['multiplier']:.2f}x"],
                [label("gap_to_target_bn", lang), money(t["gap_to_target_bn"])],
                *_portfolio_totals(result, lang, money),
            ],
        ),
    ]
    for title, table, key in (("by_field", result.by_field, "field"), ("by_bank", result.by_bank, "bank")):
        rows = [
            [
                label(str(idx), lang),
                money(r["fund_bn"]),
                money(r["total_investment_bn"]),
                money(r["net_investment_bn"]),
                f"{r['multiplier']:.2f}x",
            ]
            for idx, r in table.iterrows()
        ]
        heads = [
            label(key, lang),
            label("fund_bn", lang),
            label("total_investment_bn", lang),
            label("net_investment_bn", lang),
            label("multiplier", lang),
        ]
        parts += ["", label(title, lang), _table(heads, rows)]
    for name, table in result.breakdowns.items():
        rows = [
            [label(str(idx), lang), money(r["fund_bn"]), money(r["total_investment_bn"]), f"{r['multiplier']:.2f}x"]
            for idx, r in table.iterrows()
        ]
        heads = [
            label(name, lang),
            label("fund_bn", lang),
            label("total_investment_bn", lang),
            label("multiplier", lang),
        ]
        parts += ["", label(f"by_{name}", lang), _table(heads, rows)]
    rows = [
        [
            str(y),
            money(r["investment_bn"]),
            money(r["infrastructure_net_bn"]),
            f"{r['level_effect_pct']:.2f}",
            f"{r['growth_effect_pp']:+.2f}",
        ]
        for y, r in result.by_year.iterrows()
    ]
    parts += [
        "",
        label("by_year", lang),
        _table(
            [
                label("year", lang),
                label("investment_bn", lang),
                label("infrastructure_net_bn", lang),
                label("level_effect_pct", lang),
                label("growth_effect_pp", lang),
            ],
            rows,
        ),
    ]
    te = result.target_effect()
    parts.append(
        label("target_effect_line", lang).format(
            target=te["target_pp"], level=te["value"], growth=te["peak_growth_effect_pp"]
        )
    )
    parts += [
        "",
        f"{label('checks', lang)}: " + (label("all_pass", lang) if not result.checks else f"{len(result.checks)}"),
    ]
    parts += [f"  [{c.severity}] {c.message}" for c in result.checks]
    return "\n".join(parts)
