"""Phasing and the level and growth effects on infrastructure investment, by hand."""

import numpy as np
import pytest

from fundmodel import default_parameters, run
from fundmodel.core.macro import (
    base_and_previous_year,
    growth_effect_pp,
    infrastructure_base,
    level_effect_pct,
    phasing_matrix,
    quarter_index,
    quarterly_phasing,
    s_curve_weights,
    uniform_weights,
)


def test_s_curve_weights_by_hand():
    # C(t) = 3t^2 - 2t^3: C(1/4) = 3/16 - 2/64 = 0.15625, C(1/2) = 0.5, C(3/4) = 0.84375
    np.testing.assert_allclose(s_curve_weights(4), [0.15625, 0.34375, 0.34375, 0.15625])
    # C(1/3) = 1/3 - 2/27 = 7/27, C(2/3) = 4/3 - 16/27 = 20/27
    np.testing.assert_allclose(s_curve_weights(3), [7 / 27, 13 / 27, 7 / 27])
    np.testing.assert_allclose(s_curve_weights(1), [1.0])
    assert s_curve_weights(17).sum() == pytest.approx(1.0)


def test_uniform_and_bad_length():
    np.testing.assert_allclose(uniform_weights(4), [0.25] * 4)
    with pytest.raises(ValueError, match="at least 1"):
        s_curve_weights(0)


def test_phasing_matrix_by_hand():
    years, w = phasing_matrix([2025, 2026], [2, 1], ["uniform", "uniform"])
    assert list(years) == [2025, 2026]
    np.testing.assert_allclose(w, [[0.5, 0.5], [0.0, 1.0]])
    years, w = phasing_matrix([2025, 2027], [4, 1], ["s_curve", "s_curve"])
    assert list(years) == [2025, 2026, 2027, 2028]
    np.testing.assert_allclose(w[0], [0.15625, 0.34375, 0.34375, 0.15625])
    np.testing.assert_allclose(w[1], [0, 0, 1, 0])


def test_infrastructure_base_by_hand():
    growth = {2024: 4.4, 2025: -1.5}
    # forward: 25,000 x 0.985 = 24,625; then 0% projected -> 24,625; backward: 25,000 / 1.044
    b = infrastructure_base([2023, 2024, 2025, 2026], 2024, 25000, growth, 0.0)
    np.testing.assert_allclose(b, [25000 / 1.044, 25000, 24625, 24625])
    b = infrastructure_base([2027], 2024, 25000, growth, 2.0)
    assert b[0] == pytest.approx(24625 * 1.02 * 1.02)


def test_three_year_toy_level_and_growth_by_hand():
    # X = 100, 300, 0 bn landing on a base B_{2024..2027} = 10,000, 10,000, 12,500, 12,500.
    x = np.array([100.0, 300.0, 0.0])
    base, base_prev = np.array([10_000.0, 12_500.0, 12_500.0]), np.array([10_000.0, 10_000.0, 12_500.0])
    # level: 100/10,000 = 1%, 300/12,500 = 2.4%, 0
    np.testing.assert_allclose(level_effect_pct(x, base), [1.0, 2.4, 0.0])
    # growth: (100-0)/10,000 = 1 pp, (300-100)/10,000 = 2 pp, (0-300)/12,500 = -2.4 pp
    np.testing.assert_allclose(growth_effect_pp(x, base_prev), [1.0, 2.0, -2.4])


def test_growth_effect_increments_sum_to_zero_over_the_life():
    x = np.array([50.0, 120.0, 80.0, 0.0])
    g = growth_effect_pp(x, np.full(4, 1000.0))
    assert g.sum() == pytest.approx(0.0, abs=1e-12)


def test_base_and_previous_year_by_hand():
    b, prev = base_and_previous_year([2025, 2026], 2024, 25000, {2025: -2.0, 2026: 1.0}, 0.0)
    np.testing.assert_allclose(b, [24500.0, 24745.0])
    np.testing.assert_allclose(prev, [25000.0, 24500.0])


def test_quarterly_phasing_from_disbursement_by_hand():
    # one S-curve year (4 quarters) from 2025Q4: C(1/4) = 0.15625 lands in 2025, the rest in 2026
    years, w, _, wq = quarterly_phasing([2025], [1], ["s_curve"], quarter_index(2025, 4))
    assert years.tolist() == [2025, 2026]
    np.testing.assert_allclose(w, [[0.15625, 0.84375]])
    np.testing.assert_allclose(wq, [[0.15625, 0.34375, 0.34375, 0.15625]])
    # a row starting in 2026 starts in 2026Q1, after the disbursement quarter
    years, w, _, _ = quarterly_phasing([2025, 2026], [1, 1], ["uniform", "uniform"], quarter_index(2025, 4))
    np.testing.assert_allclose(w, [[0.25, 0.75], [0.0, 1.0]])


def smoothstep(t):
    return 3 * t**2 - 2 * t**3


def test_model_effects_by_hand_single_field():
    # All 500 bn in transport (s 0.4, k 0.2 -> I = 6,250; theta 1, a 0.55, sunk share sigma):
    # new investment (1 - sigma) I over 16 S-curve quarters from 2025Q4.
    p = default_parameters()
    a = np.zeros((8, 3))
    a[p.field_ids.index("transport_logistics"), 0] = 500
    r = run(p, allocation_bn=a)
    sigma = p.fields["transport_logistics"].sunk_share.value
    infra = 6250 * (1 - sigma) * 1.0 * 0.55
    c = {y: smoothstep(min(1.0, (4 * (y - 2025) + 1) / 16)) for y in range(2025, 2030)}
    share = {2025: c[2025], **{y: c[y] - c[y - 1] for y in range(2026, 2030)}}
    x = {y: infra * share[y] for y in share}
    g25 = p.macro.growth_pct.value[2025]
    b24, b25 = 25000.0, 25000.0 * (1 + g25 / 100)  # later years: projected growth 0
    for year in x:
        assert r.level_effect_pct[year] == pytest.approx(100 * x[year] / b25)
        growth = 100 * (x[year] - x.get(year - 1, 0.0)) / (b24 if year == 2025 else b25)
        assert r.growth_effect_pp[year] == pytest.approx(growth)
    assert r.lowest_growth_effect_pp < 0
    assert r.totals["new_investment_bn"] == pytest.approx(6250 * (1 - sigma))
    assert r.total_investment_bn == pytest.approx(6250)
    data = r.to_dict()
    assert data["growth_effect_pp"]["2029"] == pytest.approx(r.growth_effect_pp[2029])
    assert "uplift_pp" not in data["by_year"][0] and "infra_growth_uplift_pp" not in data
    assert data["target_effect"]["compared_with"] == "peak_level_effect_pct"
    assert data["by_quarter"][0]["quarter"] == "2025Q4"


def test_macro_docstring_examples_run():
    import doctest

    from fundmodel.core import macro

    failed, attempted = doctest.testmod(macro)
    assert attempted >= 4 and failed == 0


def test_landing_by_quarter_equals_the_dense_phasing_summed():
    from fundmodel.core.macro import landing_by_quarter, quarter_index, quarterly_phasing

    rng = np.random.default_rng(7)
    n = 500
    start = rng.integers(2024, 2028, n)
    length = rng.integers(1, 7, n)
    profile = rng.choice(["s_curve", "uniform"], n).tolist()
    values = rng.uniform(0, 10, (3, n))
    first = quarter_index(2025, 4)
    _, _, quarters, w = quarterly_phasing(start, length, profile, first)
    q, sums = landing_by_quarter(values, start, length, profile, first)
    assert q.tolist() == quarters.tolist()
    np.testing.assert_allclose(sums, values @ w, rtol=1e-12)
    # by hand: 4 bn over one uniform year from 2025Q4 and 8 bn from 2026 (paid in 2025Q4): 1, 3, 3, 3, 2
    q, sums = landing_by_quarter(np.array([[4.0, 8.0]]), [2025, 2026], [1, 1], ["uniform"] * 2, first)
    assert sums[0].tolist() == [1.0, 1.0 + 2.0, 1.0 + 2.0, 1.0 + 2.0, 2.0]
