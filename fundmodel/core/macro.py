"""Macro effects: when investment lands, and its level and growth effects on
infrastructure investment.

With the additional infrastructure investment landing in year y (docs/economics.md)

    X_y = sum_f theta_f * a_f * I_f * w_{f,y}        (bn RMB)

(theta the infrastructure share, a the additionality, I new investment, w the share of I
landing in year y) and B_y the counterfactual infrastructure investment (the base):

    level effect_y  = 100 * X_y / B_y                       % above the counterfactual
    growth effect_y = 100 * (X_y - X_{y-1}) / B_{y-1}       pp added to the growth rate

with X_{first-1} = 0. The two agree (up to B_y vs B_{y-1}) only in the first year; the
growth effect turns negative when spending winds down, and sums to zero over the life.
"""

from __future__ import annotations

import datetime as dt
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


def quarter_index(year: int, quarter: int) -> int:
    """Quarters counted from year 0: 4 * year + (quarter - 1).

    >>> quarter_index(2025, 4)
    8103
    """
    return 4 * int(year) + int(quarter) - 1


def quarter_of(date: dt.date) -> int:
    """The quarter index of a date. Example: 2025-10-31 is 2025Q4.

    >>> quarter_of(dt.date(2025, 10, 31)) == quarter_index(2025, 4)
    True
    """
    return quarter_index(date.year, (date.month - 1) // 3 + 1)


def quarterly_phasing(
    start_year: Sequence[int] | np.ndarray,
    construction_years: Sequence[int] | np.ndarray,
    profile: Sequence[str],
    first_quarter: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Phasing by quarter from the disbursement, and the same aggregated to calendar years.

    Row i starts spending in quarter q0_i = max(Q1 of its start year, ``first_quarter``)
    (nothing lands before the instrument's money is paid in) and spreads its investment
    over 4 n_i quarters on its profile (the S-curve or uniform weights of 4 n quarters).
    Returns ``(years, w_year, quarters, w_quarter)``: ``w_quarter[i, j]`` is the share of
    row i landing in quarter ``quarters[j]`` (a quarter index, :func:`quarter_index`) and
    ``w_year`` its sum over each calendar year; every row sums to 1.

    Example: one uniform year from 2025Q4 lands 1/4 in 2025 and 3/4 in 2026:

    >>> y, w, q, wq = quarterly_phasing([2025], [1], ["uniform"], quarter_index(2025, 4))
    >>> y.tolist(), w.round(4).tolist()
    ([2025, 2026], [[0.25, 0.75]])
    """
    start = np.asarray(start_year, dtype=int)
    length_q = 4 * np.asarray(construction_years, dtype=int)
    q0 = np.maximum(4 * start, int(first_quarter))
    last_q = int((q0 + length_q).max()) - 1
    first_q = int(q0.min())
    quarters = np.arange(first_q, last_q + 1)
    wq = np.zeros((len(start), len(quarters)))
    codes, names = pd.factorize(np.asarray(profile, dtype=object))
    if len(codes) != len(length_q) or (codes < 0).any():
        raise ValueError(
            f"phasing needs one profile per row ({len(codes)} profiles for {len(length_q)} rows, none empty)"
        )
    # Vectorized over rows that share a (profile, length): few distinct pairs.
    pair = codes.astype(np.int64) * (int(length_q.max()) + 1) + length_q
    for key in np.unique(pair):
        code, n = divmod(int(key), int(length_q.max()) + 1)
        rows = np.flatnonzero(pair == key)
        cols = (q0[rows] - first_q)[:, None] + np.arange(n)[None, :]
        wq[rows[:, None], cols] = PROFILES[names[code]](n)[None, :]
    years = np.arange(first_q // 4, last_q // 4 + 1)
    to_year = (quarters // 4)[:, None] == years[None, :]
    return years, wq @ to_year, quarters, wq


def landing_by_quarter(
    values: np.ndarray,
    start_year: Sequence[int] | np.ndarray,
    construction_years: Sequence[int] | np.ndarray,
    profile: Sequence[str],
    first_quarter: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Sums over rows of ``values`` (k x n: k amounts per row) landing in each quarter, phased as
    :func:`quarterly_phasing` does, without its n x quarters matrix.

    Rows that share a profile, a length and a first quarter share their weights, so their
    amounts are summed first (one pass over the rows) and spread once per group:
    out[:, q] = sum over groups g of (sum of the group's amounts) x w_g(q).

    Returns ``(quarters, sums)``, sums k x len(quarters).

    >>> q, s = landing_by_quarter(np.array([[4.0, 8.0]]), [2025, 2025], [1, 1], ["uniform"] * 2, quarter_index(2025, 4))
    >>> [f"{x // 4}Q{x % 4 + 1}" for x in q], s.tolist()
    (['2025Q4', '2026Q1', '2026Q2', '2026Q3'], [[3.0, 3.0, 3.0, 3.0]])
    """
    amounts = np.atleast_2d(np.asarray(values, dtype=float))
    length_q = 4 * np.asarray(construction_years, dtype=np.int64)
    q0 = np.maximum(4 * np.asarray(start_year, dtype=np.int64), int(first_quarter))
    codes, names = pd.factorize(np.asarray(profile, dtype=object))
    if len(codes) != len(length_q) or (codes < 0).any():
        raise ValueError(
            f"phasing needs one profile per row ({len(codes)} profiles for {len(length_q)} rows, none empty)"
        )
    first_q, last_q = int(q0.min()), int((q0 + length_q).max()) - 1
    quarters = np.arange(first_q, last_q + 1)
    n_len, n_start = int(length_q.max()) + 1, last_q - first_q + 1
    group = (codes.astype(np.int64) * n_len + length_q) * n_start + (q0 - first_q)
    size = len(names) * n_len * n_start
    counts = np.bincount(group, minlength=size)
    sums = np.vstack([np.bincount(group, weights=row, minlength=size) for row in amounts])
    out = np.zeros((len(amounts), len(quarters)))
    for g in np.flatnonzero(counts):
        rest, offset = divmod(int(g), n_start)
        code, n = divmod(rest, n_len)
        out[:, offset : offset + n] += sums[:, g : g + 1] * PROFILES[names[code]](n)[None, :]
    return quarters, out


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


def base_and_previous_year(
    years: Sequence[int] | np.ndarray,
    base_year: int,
    base_level_bn: float,
    growth_pct: Mapping[int, float],
    projected_growth_pct: float,
) -> tuple[np.ndarray, np.ndarray]:
    """B_y and B_{y-1} (bn RMB) for consecutive ``years``, by :func:`infrastructure_base`.

    >>> b, prev = base_and_previous_year([2025, 2026], 2024, 25_000, {2025: -2.0}, 0.0)
    >>> b.tolist(), prev.tolist()
    ([24500.0, 24500.0], [25000.0, 24500.0])
    """
    years = np.asarray(years, dtype=int)
    levels = infrastructure_base(
        np.append(years[0] - 1, years) if len(years) else years,
        base_year,
        base_level_bn,
        growth_pct,
        projected_growth_pct,
    )
    return (levels[1:], levels[:-1]) if len(years) else (levels, levels)


def level_effect_pct(infrastructure_net_bn: np.ndarray, base_bn: np.ndarray) -> np.ndarray:
    """Level effect, percent above the counterfactual base: 100 * X_y / B_y.

    ``infrastructure_net_bn`` is X_y = sum_f theta_f a_f I_f w_{f,y} for each year and
    ``base_bn`` the base B_y of the same year.

    >>> level_effect_pct(np.array([100.0, 300.0]), np.array([10_000.0, 10_000.0])).tolist()
    [1.0, 3.0]
    """
    return 100.0 * np.asarray(infrastructure_net_bn, dtype=float) / np.asarray(base_bn, dtype=float)


def growth_effect_pp(infrastructure_net_bn: np.ndarray, base_previous_year_bn: np.ndarray) -> np.ndarray:
    """Growth effect, percentage points added to the growth rate: 100 * (X_y - X_{y-1}) / B_{y-1}.

    Years are consecutive; X before the first year is 0, so the first year's growth effect
    is 100 * X_first / B_{first-1}. Over the whole life the increments X_y - X_{y-1} sum to
    the last year's X (zero once spending has ended).

    >>> growth_effect_pp(np.array([100.0, 300.0, 0.0]), np.array([10_000.0] * 3)).tolist()
    [1.0, 2.0, -3.0]
    """
    x = np.asarray(infrastructure_net_bn, dtype=float)
    return 100.0 * np.diff(x, prepend=0.0) / np.asarray(base_previous_year_bn, dtype=float)
