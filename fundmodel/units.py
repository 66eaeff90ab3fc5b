"""Money units. Internally every amount is in bn RMB (十亿元); these convert at the edges.

1 bn RMB = 10 亿元 = 100,000 万元.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from fundmodel.errors import InputError

Unit = Literal["bn", "yi", "wan"]

#: How many of each unit make one bn RMB.
PER_BN: dict[str, float] = {"bn": 1.0, "yi": 10.0, "wan": 100_000.0}

LABELS: dict[str, dict[str, str]] = {
    "bn": {"en": "bn RMB", "zh": "十亿元"},
    "yi": {"en": "100 mn RMB (亿元)", "zh": "亿元"},
    "wan": {"en": "10 k RMB (万元)", "zh": "万元"},
}


def _check(unit: str) -> float:
    try:
        return PER_BN[unit]
    except KeyError:
        raise InputError(f"unknown money unit {unit!r} (use one of {', '.join(PER_BN)})") from None


def from_bn(amount_bn: float | np.ndarray, unit: str) -> float | np.ndarray:
    """Convert bn RMB to ``unit``. Example: ``from_bn(500, "yi") == 5000`` (500 bn = 5,000 亿元).

    >>> from_bn(500, 'yi')
    5000.0
    """
    return amount_bn * _check(unit)


def to_bn(amount: float | np.ndarray, unit: str) -> float | np.ndarray:
    """Convert an amount in ``unit`` to bn RMB. Example: ``to_bn(31.99, "yi") == 3.199``.

    >>> to_bn(31.99, 'yi')
    3.199
    """
    return amount / _check(unit)


def unit_label(unit: str, lang: str = "en") -> str:
    """Display label of a unit, e.g. ``unit_label("yi", "zh") == "亿元"``."""
    _check(unit)
    return LABELS[unit]["zh" if lang == "zh" else "en"]


def decimals(unit: str) -> int:
    """Decimals an amount is usually shown with in ``unit``: none in 亿元 or 万元, one in bn.

    >>> decimals("yi"), decimals("bn")
    (0, 1)
    """
    _check(unit)
    return 1 if unit == "bn" else 0


def format_amount(amount_bn: float, unit: str = "bn", decimals: int = 1) -> str:
    """Format an amount given in bn RMB in ``unit`` with thousands separators.

    >>> format_amount(7080, "yi")
    '70,800.0'
    """
    return f"{from_bn(amount_bn, unit):,.{decimals}f}"
