"""Capital stack and crowding-in multipliers.

Notation (docs/model.md, the model reference), money in bn RMB, shares as fractions:

* ``F``  fund: the instrument's money put into project capital
* ``s``  fund share of capital = F / K, at most the field's cap
* ``k``  capital ratio = K / I, at least the statutory minimum
* ``K``  project capital = F / s
* ``I``  total investment = K / k = F / (s k)
* ``O``  other capital (sponsors, special bonds, private) = K - F
* ``D``  debt (policy-bank and commercial loans) = I - K
* ``m``  gross multiplier = I / F = 1 / (s k)
* ``a``  additionality; net (additional) investment = a I

All functions take scalars or numpy arrays (they broadcast) and are pure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ArrayLike = float | np.ndarray


def project_capital(fund_bn: ArrayLike, fund_share_of_capital: ArrayLike) -> ArrayLike:
    """Project capital K = F / s (bn RMB).

    Example: F = 10 bn covering s = 0.5 of capital -> K = 20 bn.

    >>> float(project_capital(10.0, 0.5))
    20.0
    """
    return np.divide(fund_bn, fund_share_of_capital)


def total_investment(fund_bn: ArrayLike, fund_share_of_capital: ArrayLike, capital_ratio: ArrayLike) -> ArrayLike:
    """Total investment I = F / (s k) (bn RMB).

    Example: F = 10, s = 0.5, k = 0.2 -> I = 10 / 0.1 = 100 bn.

    >>> float(total_investment(10.0, 0.5, 0.2))
    100.0
    """
    return np.divide(fund_bn, np.multiply(fund_share_of_capital, capital_ratio))


def other_capital(fund_bn: ArrayLike, fund_share_of_capital: ArrayLike) -> ArrayLike:
    """Other project capital O = K - F = F (1 - s) / s (bn RMB).

    Example: F = 10, s = 0.5 -> O = 10 bn from sponsors, special bonds and private owners.

    >>> float(other_capital(10.0, 0.5))
    10.0
    """
    return np.subtract(project_capital(fund_bn, fund_share_of_capital), fund_bn)


def debt(fund_bn: ArrayLike, fund_share_of_capital: ArrayLike, capital_ratio: ArrayLike) -> ArrayLike:
    """Debt D = I - K = K (1 - k) / k (bn RMB).

    Example: F = 10, s = 0.5, k = 0.2 -> K = 20, I = 100, D = 80 bn of loans.

    >>> float(debt(10.0, 0.5, 0.2))
    80.0
    """
    capital = project_capital(fund_bn, fund_share_of_capital)
    return np.subtract(np.divide(capital, capital_ratio), capital)


def multiplier(fund_share_of_capital: ArrayLike, capital_ratio: ArrayLike) -> ArrayLike:
    """Gross crowding-in multiplier m = I / F = 1 / (s k) (times).

    Examples: s = 0.5, k = 0.2 -> 10x; s = 0.8, k = 0.2 -> 6.25x.
    """
    return np.divide(1.0, np.multiply(fund_share_of_capital, capital_ratio))


def net_investment(total_investment_bn: ArrayLike, additionality: ArrayLike) -> ArrayLike:
    """Net (additional) investment a I (bn RMB): only what would not have happened anyway.

    Example: I = 100 bn, a = 0.6 -> 60 bn.

    >>> float(net_investment(100.0, 0.6))
    60.0
    """
    return np.multiply(total_investment_bn, additionality)


def implied_fund_share(total_investment_bn: ArrayLike, fund_bn: ArrayLike, capital_ratio: ArrayLike) -> ArrayLike:
    """The s that turns F into I at capital ratio k: s = F / (I k).

    Example: 500 bn crowding in 7,080 bn at k = 0.2 -> s = 500 / 1,416 = 0.3531.

    >>> round(float(implied_fund_share(7080.0, 500.0, 0.2)), 4)
    0.3531
    """
    return np.divide(fund_bn, np.multiply(total_investment_bn, capital_ratio))


@dataclass(frozen=True)
class CapitalStack:
    """The capital stack of a set of cells (fields, banks, projects), each array in bn RMB."""

    fund_bn: np.ndarray
    project_capital_bn: np.ndarray
    other_capital_bn: np.ndarray
    debt_bn: np.ndarray
    total_investment_bn: np.ndarray
    net_investment_bn: np.ndarray


def capital_stack(
    fund_bn: ArrayLike, fund_share_of_capital: ArrayLike, capital_ratio: ArrayLike, additionality: ArrayLike
) -> CapitalStack:
    """Every layer of the capital stack at once (vectorized; arrays broadcast).

    Example: F = 10, s = 0.5, k = 0.2, a = 0.6 -> K 20, O 10, D 80, I 100, net 60.

    >>> stack = capital_stack(10.0, 0.5, 0.2, 0.6)
    >>> float(stack.project_capital_bn), float(stack.other_capital_bn), float(stack.debt_bn)
    (20.0, 10.0, 80.0)
    >>> float(stack.total_investment_bn), float(stack.net_investment_bn)
    (100.0, 60.0)
    """
    fund = np.asarray(fund_bn, dtype=float)
    capital = fund / np.asarray(fund_share_of_capital, dtype=float)
    investment = capital / np.asarray(capital_ratio, dtype=float)
    return CapitalStack(
        fund_bn=fund,
        project_capital_bn=capital,
        other_capital_bn=capital - fund,
        debt_bn=investment - capital,
        total_investment_bn=investment,
        net_investment_bn=investment * np.asarray(additionality, dtype=float),
    )
