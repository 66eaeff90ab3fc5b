"""Phasing and the uplift to infrastructure investment growth, by hand."""

import numpy as np
import pytest

from fundmodel import default_parameters, run
from fundmodel.core.macro import growth_uplift_pp, infrastructure_base, phasing_matrix, s_curve_weights, uniform_weights


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


def test_uplift_by_hand():
    # 866 bn of additional infrastructure investment on a 24,625 bn base -> 3.5168 pp
    assert growth_uplift_pp(np.array([866.0]), np.array([24625.0]))[0] == pytest.approx(100 * 866 / 24625)


def test_model_uplift_by_hand_single_field():
    # Put all 500 bn in transport (s 0.4, k 0.2 -> I = 6,250; theta 1, a 0.55, 4-year S-curve from 2025).
    p = default_parameters()
    a = np.zeros((8, 3))
    a[p.field_ids.index("transport_logistics"), 0] = 500
    r = run(p, allocation_bn=a)
    infra = 6250 * 1.0 * 0.55
    expected = {
        2025: 100 * infra * 0.15625 / 25000,  # base of 2024
        2026: 100 * infra * 0.34375 / 24625,  # base of 2025 = 25,000 x (1 - 1.5%)
        2027: 100 * infra * 0.34375 / 24625,
        2028: 100 * infra * 0.15625 / 24625,
    }
    for year, pp in expected.items():
        assert r.uplift_pp[year] == pytest.approx(pp)
