"""Allocation checks: every broken sum is reported, nothing is changed."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fundmodel import default_parameters, run
from fundmodel.core.allocation import allocation_checks, allocation_frame, matrix_from_frame, private_share_of_fund


def test_default_allocation_sums_to_fund_and_quotas():
    p = default_parameters()
    a = p.allocation_matrix
    assert a.sum() == pytest.approx(500)
    np.testing.assert_allclose(a.sum(axis=0), [250, 150, 100])
    assert allocation_checks(p, a) == []


def test_private_share_by_hand():
    assert private_share_of_fund(np.array([100.0, 100.0]), np.array([0.1, 0.3])) == pytest.approx(0.2)


def test_each_broken_rule_is_named():
    p = default_parameters()
    a = p.allocation_matrix.copy()
    a[0, 0] = -5.0  # digital economy x CDB: negative, CDB total now 215, grand total 465
    codes = {(c.code, c.subject) for c in allocation_checks(p, a)}
    assert ("negative_cell", "digital_economy/cdb") in codes
    assert ("bank_quota", "cdb") in codes
    assert ("allocation_total", "total") in codes
    # and the model keeps the number: the cell's investment is negative, not zeroed
    r = run(p, allocation_bn=a)
    assert r.by_cell.loc[("digital_economy", "cdb"), "fund_bn"] == -5.0
    assert r.fund_size_bn == pytest.approx(465)


def test_private_share_below_floor_is_reported():
    p = default_parameters().with_overrides(
        {"fields": {f: {"private_share": 0.1} for f in default_parameters().fields}}
    )
    [check] = [c for c in run(p).checks if c.code == "private_share"]
    assert check.values["value"] == pytest.approx(0.1)
    assert check.values["limit"] == pytest.approx(0.2)


def test_frame_round_trip():
    p = default_parameters()
    frame = allocation_frame(p)
    frame.loc["agriculture_rural", "adbc"] = 80
    m = matrix_from_frame(p, frame)
    assert m[p.field_ids.index("agriculture_rural"), 1] == 80
    with pytest.raises(ValueError, match="missing fields"):
        matrix_from_frame(p, frame.drop(index="agriculture_rural"))


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=0, max_value=7),
    st.integers(min_value=0, max_value=2),
    st.floats(min_value=-100, max_value=100).filter(lambda d: abs(d) > 1e-3),
)
def test_any_broken_sum_is_caught(i, j, delta):
    p = default_parameters()
    a = p.allocation_matrix.copy()
    a[i, j] += delta
    codes = {(c.code, c.subject) for c in allocation_checks(p, a)}
    assert ("allocation_total", "total") in codes
    assert ("bank_quota", p.bank_ids[j]) in codes
    if a[i, j] < 0:
        assert ("negative_cell", f"{p.field_ids[i]}/{p.bank_ids[j]}") in codes


@settings(max_examples=30, deadline=None)
@given(
    st.integers(min_value=0, max_value=7),
    st.integers(min_value=0, max_value=7),
    st.floats(min_value=0.01, max_value=10),
)
def test_moving_money_between_fields_keeps_sums(i, k, amount):
    # moving money within a bank's column keeps every sum: no allocation error may appear
    p = default_parameters()
    a = p.allocation_matrix.copy()
    a[i, 0] += amount
    a[k, 0] -= amount
    codes = {c.code for c in allocation_checks(p, a)}
    assert "allocation_total" not in codes and "bank_quota" not in codes
