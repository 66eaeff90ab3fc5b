"""Capital-stack formulas against hand-computed values."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fundmodel.core import leverage

shares = st.floats(min_value=0.01, max_value=1.0)
funds = st.floats(min_value=0.0, max_value=1e4)


def test_design_examples():
    # DESIGN.md: s = 0.5, k = 0.2 -> 10x; s = 0.8, k = 0.2 -> 6.25x
    assert leverage.multiplier(0.5, 0.2) == pytest.approx(10.0)
    assert leverage.multiplier(0.8, 0.2) == pytest.approx(6.25)


def test_capital_stack_by_hand():
    # F = 10, s = 0.5, k = 0.2, a = 0.6: K = 20, O = 10, I = 100, D = 80, net = 60
    st_ = leverage.capital_stack(10.0, 0.5, 0.2, 0.6)
    assert float(st_.project_capital_bn) == pytest.approx(20.0)
    assert float(st_.other_capital_bn) == pytest.approx(10.0)
    assert float(st_.total_investment_bn) == pytest.approx(100.0)
    assert float(st_.debt_bn) == pytest.approx(80.0)
    assert float(st_.net_investment_bn) == pytest.approx(60.0)
    assert leverage.project_capital(10, 0.5) == pytest.approx(20)
    assert leverage.other_capital(10, 0.5) == pytest.approx(10)
    assert leverage.debt(10, 0.5, 0.2) == pytest.approx(80)
    assert leverage.total_investment(10, 0.5, 0.2) == pytest.approx(100)
    assert leverage.net_investment(100, 0.6) == pytest.approx(60)


def test_implied_fund_share_reported_outturn():
    # 7.08 tn / 500 bn = 14.16x; at k = 0.2, s = 500 / (7080 * 0.2) = 0.353107...
    assert leverage.implied_fund_share(7080, 500, 0.2) == pytest.approx(500 / 1416)


def test_vectorized():
    stack = leverage.capital_stack(np.array([10.0, 8.0]), np.array([0.5, 0.8]), 0.2, np.array([1.0, 0.5]))
    np.testing.assert_allclose(stack.total_investment_bn, [100.0, 50.0])
    np.testing.assert_allclose(stack.net_investment_bn, [100.0, 25.0])


@given(funds, shares, shares, st.floats(min_value=0, max_value=1))
def test_conservation(fund, s, k, a):
    stack = leverage.capital_stack(fund, s, k, a)
    total = stack.fund_bn + stack.other_capital_bn + stack.debt_bn
    assert float(total) == pytest.approx(float(stack.total_investment_bn), rel=1e-9, abs=1e-9)
    assert float(stack.net_investment_bn) <= float(stack.total_investment_bn) + 1e-9


@given(st.floats(min_value=0.1, max_value=1e4), shares, shares)
def test_multiplier_is_one_over_s_k(fund, s, k):
    invest = leverage.total_investment(fund, s, k)
    assert invest / fund == pytest.approx(1 / (s * k), rel=1e-9)
    assert leverage.multiplier(s, k) == pytest.approx(1 / (s * k), rel=1e-12)
