"""Every rule of the instrument once: its code, tolerance, severity and a vectorized check.

The top-down run (:mod:`fundmodel.core.topdown`, :mod:`fundmodel.core.allocation`), the
bottom-up run (:mod:`fundmodel.core.bottom_up`), the portfolio validation and the
dashboard take their rules from here. Checks report; they never change a number.

=======================  ============================================  ==========  =========
code                     rule                                          tolerance   kind
=======================  ============================================  ==========  =========
allocation_total         Σ allocation = instrument size                1e-6 bn     equal
bank_quota               Σ of a bank's column = its quota              1e-6 bn     equal
negative_cell            every allocation cell >= 0                    0           at_least
private_share            private-enterprise share of the fund >= floor 1e-12       at_least
fund_share_cap           fund share of capital s <= its cap            1e-12       at_most
capital_ratio_minimum    capital ratio k >= its statutory minimum      1e-12       at_least
=======================  ============================================  ==========  =========

Tolerances absorb floating point only; they are not policy margins (1e-6 bn = 1,000 RMB).

>>> FUND_SHARE_CAP.violated(np.array([0.5, 0.8, 0.81]), 0.8).tolist()
[False, False, True]
>>> [c.subject for c in fund_share_cap_checks(["a", "b"], np.array([0.9, 0.5]), np.array([0.8, 0.8]))]
['a']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from fundmodel.core.result import Check, Severity
from fundmodel.messages import Message

Kind = Literal["equal", "at_most", "at_least"]


@dataclass(frozen=True)
class Rule:
    """One rule: ``value`` compared with ``limit`` (``kind``) within ``tolerance``.

    ``term`` names the output term (:mod:`fundmodel.terms`) of the value and the limit.
    ``validation_code`` is the rule's code in a portfolio file's validation report, where
    a project's row breaks it; ``nan_breaks`` says whether an undefined value (0 / 0)
    counts as broken.
    """

    code: str
    kind: Kind
    tolerance: float
    severity: Severity
    description: str
    term: str
    validation_code: str = ""
    nan_breaks: bool = False

    def violated(self, value: np.ndarray | float, limit: np.ndarray | float) -> np.ndarray:
        """Vectorized: True where ``value`` breaks the rule against ``limit``.

        equal: |value − limit| > tol; at_most: value > limit + tol; at_least: value < limit − tol.

        >>> ALLOCATION_TOTAL.violated(np.array([500.0, 500.0000001, 499.99]), 500.0).tolist()
        [False, False, True]
        >>> PRIVATE_SHARE.violated(np.array([0.2, np.nan]), 0.2).tolist()
        [False, True]
        """
        v = np.asarray(value, dtype=float)
        lim = np.asarray(limit, dtype=float)
        with np.errstate(invalid="ignore"):
            if self.kind == "equal":
                broken = np.abs(v - lim) > self.tolerance
            elif self.kind == "at_most":
                broken = v > lim + self.tolerance
            else:
                broken = v < lim - self.tolerance
        if self.nan_breaks:
            broken = broken | np.isnan(v)
        return broken


ALLOCATION_TOTAL = Rule(
    "allocation_total", "equal", 1e-6, "error", "Σ allocation = instrument size (bn RMB)", "fund_bn"
)
BANK_QUOTA = Rule("bank_quota", "equal", 1e-6, "error", "Σ of a bank's allocation = its quota (bn RMB)", "fund_bn")
NEGATIVE_CELL = Rule("negative_cell", "at_least", 0.0, "error", "every allocation cell >= 0 (bn RMB)", "fund_bn")
PRIVATE_SHARE = Rule(
    "private_share",
    "at_least",
    1e-12,
    "error",
    "private-enterprise share of the fund >= floor",
    "private_share",
    nan_breaks=True,
)
FUND_SHARE_CAP = Rule(
    "fund_share_cap",
    "at_most",
    1e-12,
    "error",
    "fund share of project capital <= cap",
    "fund_share_of_capital",
    "fund_above_cap",
)
CAPITAL_RATIO_MINIMUM = Rule(
    "capital_ratio_minimum",
    "at_least",
    1e-12,
    "error",
    "capital ratio >= statutory minimum (国发〔2015〕51号, 国发〔2019〕26号)",
    "capital_ratio",
    "capital_ratio_below_minimum",
)

#: Every rule by code.
RULES: dict[str, Rule] = {
    r.code: r
    for r in (ALLOCATION_TOTAL, BANK_QUOTA, NEGATIVE_CELL, PRIVATE_SHARE, FUND_SHARE_CAP, CAPITAL_RATIO_MINIMUM)
}
#: The rules of the allocation matrix (the allocation page shows these).
ALLOCATION_RULES: tuple[str, ...] = ("allocation_total", "bank_quota", "negative_cell", "private_share")
#: Sums are equal when they differ by less than this (bn RMB).
TOLERANCE_BN = ALLOCATION_TOTAL.tolerance


# ------------------------------------------------------------------ allocation (top-down)


def allocation_total_checks(total_bn: float, size_bn: float) -> list[Check]:
    """The allocation's sum against the instrument size (error when they differ).

    >>> allocation_total_checks(499.0, 500.0)[0].values
    {'value': 499.0, 'limit': 500.0}
    """
    if not ALLOCATION_TOTAL.violated(total_bn, size_bn):
        return []
    text = Message("allocation_total_off", {"total": total_bn, "size": size_bn, "diff": total_bn - size_bn})
    return [Check.of("allocation_total", "error", text, "total", {"value": total_bn, "limit": size_bn})]


def bank_quota_checks(
    bank_ids: Sequence[str], bank_names: Sequence[str], used_bn: np.ndarray, quota_bn: np.ndarray
) -> list[Check]:
    """Each bank's allocation against its quota (error when they differ)."""
    return [
        Check.of(
            "bank_quota",
            "error",
            Message(
                "bank_quota_off",
                {
                    "bank": bank_ids[j],
                    "used": float(used_bn[j]),
                    "quota": float(quota_bn[j]),
                    "diff": float(used_bn[j] - quota_bn[j]),
                },
            ),
            bank_ids[j],
            {"value": float(used_bn[j]), "limit": float(quota_bn[j])},
        )
        for j in np.flatnonzero(BANK_QUOTA.violated(used_bn, quota_bn))
    ]


def negative_cell_checks(field_ids: Sequence[str], bank_ids: Sequence[str], matrix_bn: np.ndarray) -> list[Check]:
    """Every allocation cell below zero (fields x banks, bn RMB)."""
    checks = []
    for i, j in zip(*np.nonzero(NEGATIVE_CELL.violated(matrix_bn, 0.0)), strict=True):
        fid, bid = field_ids[i], bank_ids[j]
        checks.append(
            Check.of(
                "negative_cell",
                "error",
                Message("negative_cell", {"field": fid, "bank": bid, "amount": float(matrix_bn[i, j])}),
                f"{fid}/{bid}",
                {"value": float(matrix_bn[i, j]), "limit": 0.0},
            )
        )
    return checks


def private_share_checks(share: float, floor: float) -> list[Check]:
    """The private-enterprise share of an allocation's fund against the floor.

    >>> private_share_checks(0.15, 0.2)[0].message
    'Private-enterprise projects get 15.0% of the fund; the floor is 20.0%.'
    >>> private_share_checks(0.15, 0.2)[0].render("zh")
    '民营企业项目获得工具资金的 15.0%，下限为 20.0%。'
    """
    if not PRIVATE_SHARE.violated(share, floor):
        return []
    text = Message("private_share_below", {"share": share, "floor": floor})
    return [Check.of("private_share", "error", text, "total", {"value": share, "limit": floor})]


# ---------------------------------------------------------------- leverage (fields, projects)


def fund_share_cap_checks(
    ids: Sequence[str], fund_share_of_capital: np.ndarray, cap: np.ndarray, what: str = "field"
) -> list[Check]:
    """Every fund share of capital above its cap (one per field or project)."""
    return [
        Check.of(
            "fund_share_cap",
            "error",
            Message(
                f"fund_share_above_cap_{what}",
                {"id": str(ids[i]), "share": float(fund_share_of_capital[i]), "cap": float(cap[i])},
            ),
            str(ids[i]),
            {"value": float(fund_share_of_capital[i]), "limit": float(cap[i])},
        )
        for i in np.flatnonzero(FUND_SHARE_CAP.violated(fund_share_of_capital, cap))
    ]


def cell_fund_share_cap_checks(
    field_ids: Sequence[str],
    bank_ids: Sequence[str],
    field_share: np.ndarray,
    cell_share: np.ndarray,
    cap: np.ndarray,
) -> list[Check]:
    """Cells (field x bank) whose share, the field's s times the bank's scale, is above the
    field's cap while the field's own s is not (that one is reported per field)."""
    over = FUND_SHARE_CAP.violated(cell_share, cap[:, None]) & ~FUND_SHARE_CAP.violated(field_share, cap)[:, None]
    checks = []
    for i, j in zip(*np.nonzero(over), strict=True):
        cell = f"{field_ids[i]}/{bank_ids[j]}"
        checks.append(
            Check.of(
                "fund_share_cap",
                "error",
                Message(
                    "cell_fund_share_above_cap",
                    {
                        "field": field_ids[i],
                        "bank": bank_ids[j],
                        "share": float(cell_share[i, j]),
                        "cap": float(cap[i]),
                    },
                ),
                cell,
                {"value": float(cell_share[i, j]), "limit": float(cap[i])},
            )
        )
    return checks


def capital_ratio_minimum_checks(
    ids: Sequence[str], capital_ratio: np.ndarray, minimum: np.ndarray, what: str = "field"
) -> list[Check]:
    """Every capital ratio below its statutory minimum (one per field or project)."""
    return [
        Check.of(
            "capital_ratio_minimum",
            "error",
            Message(
                f"capital_ratio_below_minimum_{what}",
                {"id": str(ids[i]), "ratio": float(capital_ratio[i]), "minimum": float(minimum[i])},
            ),
            str(ids[i]),
            {"value": float(capital_ratio[i]), "limit": float(minimum[i])},
        )
        for i in np.flatnonzero(CAPITAL_RATIO_MINIMUM.violated(capital_ratio, minimum))
    ]


# ----------------------------------------------------------------------- portfolio (bottom-up)


def portfolio_total_checks(total_bn: float, size_bn: float) -> list[Check]:
    """A portfolio's fund against the instrument size: above is an error, below a note.

    >>> [c.severity for c in portfolio_total_checks(400.0, 500.0)]
    ['info']
    """
    if not ALLOCATION_TOTAL.violated(total_bn, size_bn):
        return []
    diff = total_bn - size_bn
    text = Message(
        "portfolio_total_above" if diff > 0 else "portfolio_total_below",
        {"total": total_bn, "size": size_bn, "diff": diff},
    )
    severity: Severity = "error" if diff > 0 else "info"
    return [Check.of("allocation_total", severity, text, "total", {"value": total_bn, "limit": size_bn})]


def portfolio_bank_quota_checks(
    bank_ids: Sequence[str], bank_names: Sequence[str], used_bn: np.ndarray, quota_bn: np.ndarray
) -> list[Check]:
    """Each bank's projects against its quota: above is an error, below a note."""
    checks = []
    for j in np.flatnonzero(BANK_QUOTA.violated(used_bn, quota_bn)):
        used, quota = float(used_bn[j]), float(quota_bn[j])
        checks.append(
            Check.of(
                "bank_quota",
                "error" if used > quota else "info",
                Message(
                    "portfolio_bank_quota_above" if used > quota else "portfolio_bank_quota_below",
                    {"bank": str(bank_ids[j]), "used": used, "quota": quota, "diff": used - quota},
                ),
                str(bank_ids[j]),
                {"value": used, "limit": quota},
            )
        )
    return checks


def portfolio_private_share_checks(share: float, floor: float, total_bn: float, size_bn: float) -> list[Check]:
    """A portfolio's private-enterprise share against the floor: an error when the
    portfolio spends the whole instrument, a warning for a partial one (the floor is national)."""
    if not PRIVATE_SHARE.violated(share, floor):
        return []
    full = not ALLOCATION_TOTAL.violated(total_bn, size_bn)
    text = Message(
        "portfolio_private_share_below" if full else "portfolio_private_share_below_partial",
        {"share": share, "floor": floor},
    )
    severity: Severity = "error" if full else "warning"
    return [Check.of("private_share", severity, text, "total", {"value": share, "limit": floor})]
