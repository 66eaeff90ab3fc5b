"""Macro effects: when investment lands, and the uplift to infrastructure investment growth.

Uplift in year y, in percentage points (docs/model.md, the model reference):

    uplift_y = 100 * sum_f theta_f * a_f * I_f * w_{f,y} / B_{y-1}

with theta the infrastructure share, a the additionality, I total investment (bn RMB),
w the share of I landing in year y (the phasing) and B the infrastructure investment base.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd


def s_curve_weights(construction_years: int) -> np.ndarray:
    """Share of investment landing in each construction year on an S-curve.

    Cumulative share C(t) = 3t^2 - 2t^3 (smoothstep) at t = year / n; the weight of
    year i is C((i+1)/n) - C(i/n).

    Example: 4 years -> [0.15625, 0.34375, 0.34375, 0.15625]; 1 year -> [1.0].

    >>> s_curve_weights(4).tolist(), s_curve_weights(1).tolist()
    ([0.15625, 0.34375, 0.34375, 0.15625], [1.0])
    """
    n = int(construction_years)
    if n < 1:
        raise ValueError(f"construction_years must be at least 1 (got {construction_years})")
    t = np.arange(n + 1) / n
    return np.diff(3 * t**2 - 2 * t**3)


def uniform_weights(construction_years: int) -> np.ndarray:
    """Equal shares over the construction years. Example: 4 years -> [0.25] * 4.

    >>> uniform_weights(4).tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
    n = int(construction_years)
    if n < 1:
        raise ValueError(f"construction_years must be at least 1 (got {construction_years})")
    return np.full(n, 1.0 / n)


PROFILES = {"s_curve": s_curve_weights, "uniform": uniform_weights}


def phasing_matrix(
    start_year: Sequence[int] | np.ndarray,
    construction_years: Sequence[int] | np.ndarray,
    profile: Sequence[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Phasing of each row (field or project) over calendar years.

    Returns ``(years, w)`` where ``w[i, j]`` is the share of row i's investment landing
    in ``years[j]``; every row sums to 1.

    Example: start 2025 over 2 uniform years and start 2026 over 1 year ->
    years [2025, 2026], w [[0.5, 0.5], [0, 1]].

    >>> years, w = phasing_matrix([2025, 2026], [2, 1], ['uniform', 'uniform'])
    >>> years.tolist(), w.tolist()
    ([2025, 2026], [[0.5, 0.5], [0.0, 1.0]])
    """
    start = np.asarray(start_year, dtype=int)
    length = np.asarray(construction_years, dtype=int)
    first, last = int(start.min()), int((start + length).max()) - 1
    years = np.arange(first, last + 1)
    w = np.zeros((len(start), len(years)))
    # Vectorized over rows that share a (profile, length) pair: few distinct pairs.
    codes, names = pd.factorize(np.asarray(profile, dtype=object))
    if len(codes) != len(length) or (codes < 0).any():
        raise ValueError(
            f"phasing needs one profile per row ({len(codes)} profiles for {len(length)} rows, none empty)"
        )
    pair = codes.astype(np.int64) * (int(length.max()) + 1) + length
    for key in np.unique(pair):
        code, n = divmod(int(key), int(length.max()) + 1)
        rows = np.flatnonzero(pair == key)
        weights = PROFILES[names[code]](n)
        cols = (start[rows] - first)[:, None] + np.arange(n)[None, :]
        w[rows[:, None], cols] = weights[None, :]
    return years, w


def infrastructure_base(
    years: Sequence[int] | np.ndarray,
    base_year: int,
    base_level_bn: float,
    growth_pct: Mapping[int, float],
    projected_growth_pct: float,
) -> np.ndarray:
    """Infrastructure investment level B_y (bn RMB) for each year in ``years``.

    B_{base_year} = base level; forward B_y = B_{y-1} (1 + g_y / 100); backward
    B_{y-1} = B_y / (1 + g_y / 100); g_y from ``growth_pct`` where published, else
    ``projected_growth_pct``.

    Example: base 25,000 in 2024, growth 2025 = -1.5% -> B_2025 = 24,625.

    >>> infrastructure_base([2024, 2025], 2024, 25000.0, {2025: -1.5}, 0.0).tolist()
    [25000.0, 24625.0]
    """

    def g(y: int) -> float:
        return float(growth_pct.get(y, projected_growth_pct))

    out = []
    for y in years:
        level = float(base_level_bn)
        if y >= base_year:
            for t in range(base_year + 1, int(y) + 1):
                level *= 1 + g(t) / 100
        else:
            for t in range(base_year, int(y), -1):
                level /= 1 + g(t) / 100
        out.append(level)
    return np.array(out)


def growth_uplift_pp(infrastructure_net_bn: np.ndarray, base_previous_year_bn: np.ndarray) -> np.ndarray:
    """Uplift to infrastructure investment growth, percentage points: 100 * X_y / B_{y-1}.

    ``infrastructure_net_bn`` is sum_f theta_f a_f I_f w_{f,y} for each year.
    Example: 866 bn of additional infrastructure investment on a 24,625 bn base -> 3.52 pp.

    >>> round(float(growth_uplift_pp(866.0, 24625.0)), 2)
    3.52
    """
    return 100.0 * np.asarray(infrastructure_net_bn) / np.asarray(base_previous_year_bn)
