"""Views of a portfolio run for display: the project table filtered, and grouped.

Money in bn RMB. The filters never change a project's numbers; they only choose rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from fundmodel.core.result import STACK_COLUMNS

#: Columns summed when projects are grouped (bn RMB), when the project table has them.
GROUP_SUM_COLUMNS = [*STACK_COLUMNS, "attributed_investment_bn"]


def filter_projects(
    projects: pd.DataFrame,
    fields: Sequence[str] | None = None,
    banks: Sequence[str] | None = None,
    provinces: Sequence[str] | None = None,
    private: bool | None = None,
) -> pd.DataFrame:
    """The projects in any of ``fields``, ``banks`` and ``provinces`` (None or empty = all)
    and, when ``private`` is given, only private (True) or only other (False) sponsors.

    Example: ``filter_projects(t, fields=["green_low_carbon"], private=True)`` keeps the
    private green projects.

    >>> t = pd.DataFrame({'field': ['green_low_carbon', 'green_low_carbon', 'transport_logistics']})
    >>> t['private'] = [True, False, True]
    >>> filter_projects(t, fields=['green_low_carbon'], private=True).index.tolist()
    [0]
    """
    mask = np.ones(len(projects), dtype=bool)
    for column, chosen in (("field", fields), ("bank", banks), ("province", provinces)):
        if chosen:
            mask &= projects[column].isin(list(chosen)).to_numpy()
    if private is not None:
        mask &= projects["private"].astype(bool).to_numpy() == bool(private)
    return projects[mask]


def group_projects(projects: pd.DataFrame, by: str) -> pd.DataFrame:
    """Capital stack per group (field, bank, province, ...): sums of the money columns,
    the project count and the gross multiplier I / F; largest total investment first.

    Example: two projects of one province with F = 1, 2 and I = 10, 30 -> one row with
    F = 3, I = 40, multiplier 13.33, n_projects 2.

    >>> t = pd.DataFrame({'province': ['jiangsu', 'jiangsu'], 'fund_bn': [1.0, 2.0]})
    >>> t['total_investment_bn'] = [10.0, 30.0]
    >>> g = group_projects(t, 'province').loc['jiangsu']
    >>> float(g['fund_bn']), float(g['total_investment_bn']), round(float(g['multiplier']), 2), int(g['n_projects'])
    (3.0, 40.0, 13.33, 2)
    """
    columns = [c for c in GROUP_SUM_COLUMNS if c in projects.columns]
    grouped = projects.groupby(by, sort=False)[columns].sum()
    grouped["n_projects"] = projects.groupby(by, sort=False).size()
    with np.errstate(divide="ignore", invalid="ignore"):
        grouped["multiplier"] = grouped["total_investment_bn"] / grouped["fund_bn"]
    return grouped.sort_values("total_investment_bn", ascending=False)


def subset_totals(projects: pd.DataFrame) -> dict[str, float]:
    """Sums of the money columns of ``projects``, their count and the gross multiplier."""
    totals = {c: float(projects[c].sum()) for c in GROUP_SUM_COLUMNS if c in projects.columns}
    totals["n_projects"] = float(len(projects))
    fund = totals.get("fund_bn", 0.0)
    totals["multiplier"] = totals["total_investment_bn"] / fund if fund else float("nan")
    return totals


def province_label(province_id: str, lang: str = "en") -> str:
    """A province's name from ``fundmodel/data/provinces.csv`` (short Chinese name in
    Chinese, e.g. 四川; English name otherwise); unknown ids are returned as given."""
    from fundmodel.inputs.portfolio import PROVINCES

    if province_id not in PROVINCES.index:
        return province_id
    row = PROVINCES.loc[province_id]
    return str(row["short_zh"] if lang == "zh" else row["name_en"])


def column_label(column_id: str, lang: str = "en") -> str:
    """The label of a portfolio column (from the portfolio schema), else the label term."""
    from fundmodel.inputs.portfolio import SCHEMA
    from fundmodel.labels import label

    spec = SCHEMA.get(column_id)
    return spec.label(lang) if spec is not None else label(column_id, lang)
