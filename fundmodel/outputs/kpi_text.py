"""The headline figures of a run as text: the KPI cards of the dashboard and of the briefing.

Each KPI is an output term (:mod:`fundmodel.terms`) formatted in its own format; money in the
unit asked for. One place, so the card on the screen and the line on paper always agree.
"""

from __future__ import annotations

from fundmodel.core.kpis import Headline, headline
from fundmodel.core.result import Result
from fundmodel.terms import pp_in
from fundmodel.terms import term as output_term
from fundmodel.units import decimals as money_decimals
from fundmodel.units import format_amount

#: The KPIs, in the order shown: term -> attribute of :class:`~fundmodel.core.kpis.Headline`.
KPI_TERMS: dict[str, str] = {
    "fund_bn": "fund_bn",
    "total_investment_bn": "total_investment_bn",
    "net_investment_bn": "net_investment_bn",
    "multiplier": "multiplier",
    "peak_level_effect_pct": "peak_level_effect_pct",
    "peak_growth_effect_pp": "peak_growth_effect_pp",
    "gap_to_target_bn": "gap_to_target_bn",
    "private_share_of_fund": "private_share",
    "violations": "violations",
}


def kpi_texts(result: Result, unit: str = "bn", lang: str = "en") -> dict[str, str]:
    """Each KPI of ``result`` as displayed (term -> text); money in ``unit`` ("bn" or "yi").

    The level effect (in % above the base) and the growth effect (in percentage points) are
    two cards, two quantities; a positive gap to the target gets a plus sign.

    >>> from fundmodel.core.topdown import run
    >>> texts = kpi_texts(run(), "yi")
    >>> texts["total_investment_bn"], texts["multiplier"], texts["violations"]
    ('59,921', '11.98x', '0')
    """
    h = headline(result)
    values = {key: output_term(key).format(getattr(h, attr), unit, lang=lang) for key, attr in KPI_TERMS.items()}
    if h.gap_to_target_bn > 0:
        values["gap_to_target_bn"] = "+" + values["gap_to_target_bn"]
    return values


def kpi_differences(h: Headline, reference: Headline, unit: str = "bn", lang: str = "en") -> dict[str, str | None]:
    """Each KPI of ``h`` minus ``reference`` as text (None where they are equal): money in
    ``unit`` with the unit's decimals, multiplier in times, shares and level effects in
    percentage points, violations as a count.

    >>> from fundmodel.core.topdown import run
    >>> import numpy as np
    >>> from fundmodel.inputs.parameters import default_parameters
    >>> more = np.array(default_parameters().allocation_matrix)
    >>> more[0, 0] += 5.0  # 505 bn against a 500 bn instrument, and over the CDB's quota: two rules broken
    >>> d = kpi_differences(headline(run(allocation_bn=more)), headline(run()), "bn")
    >>> d["fund_bn"], d["violations"], d["private_share_of_fund"] is None
    ('+5.0', '+2', False)
    """
    d = money_decimals(unit)

    def d_money(a: float, b: float) -> str | None:
        diff = a - b
        return None if abs(diff) < 5e-4 else ("+" if diff > 0 else "") + format_amount(diff, unit, d)

    def d_plain(a: float, b: float, fmt: str, suffix: str) -> str | None:
        diff = a - b
        return None if abs(diff) < 5e-5 else pp_in(f"{diff:+{fmt}}{suffix}", lang)

    return {
        "fund_bn": d_money(h.fund_bn, reference.fund_bn),
        "total_investment_bn": d_money(h.total_investment_bn, reference.total_investment_bn),
        "net_investment_bn": d_money(h.net_investment_bn, reference.net_investment_bn),
        "multiplier": d_plain(h.multiplier, reference.multiplier, ",.2f", "x"),
        "peak_level_effect_pct": d_plain(h.peak_level_effect_pct, reference.peak_level_effect_pct, ",.2f", " pp"),
        "peak_growth_effect_pp": d_plain(h.peak_growth_effect_pp, reference.peak_growth_effect_pp, ",.2f", " pp"),
        "gap_to_target_bn": d_money(h.gap_to_target_bn, reference.gap_to_target_bn),
        "private_share_of_fund": d_plain(100 * h.private_share, 100 * reference.private_share, ".1f", " pp"),
        "violations": None if h.violations == reference.violations else f"{h.violations - reference.violations:+d}",
    }
