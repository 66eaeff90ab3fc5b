"""Every rule declared once (fundmodel.core.rules): tolerances, vectorized checks by hand,
and the runs taking their checks from it."""

from __future__ import annotations

import numpy as np
import pytest

from fundmodel.core import rules
from fundmodel.core.topdown import run
from fundmodel.inputs.parameters import default_parameters
from fundmodel.labels import label
from fundmodel.terms import is_term


def test_each_rule_once_with_its_term_and_label():
    assert set(rules.RULES) == {
        "allocation_total",
        "bank_quota",
        "negative_cell",
        "private_share",
        "fund_share_cap",
        "capital_ratio_minimum",
    }
    for code, rule in rules.RULES.items():
        assert rule.code == code
        assert is_term(rule.term)
        assert label(f"check_{code}", "zh")  # the dashboard names every rule
    assert set(rules.ALLOCATION_RULES) <= set(rules.RULES)
    assert rules.TOLERANCE_BN == 1e-6


def test_violated_by_kind_and_tolerance():
    # equal within 1e-6 bn: 500 + 5e-7 passes, 500 + 2e-6 fails
    assert rules.ALLOCATION_TOTAL.violated(np.array([500 + 5e-7, 500 + 2e-6, 499.0]), 500.0).tolist() == [
        False,
        True,
        True,
    ]
    # at most: s = 0.8 at a cap of 0.8 passes; 0.8 + 1e-9 fails
    assert rules.FUND_SHARE_CAP.violated(np.array([0.8, 0.8 + 1e-9]), np.array([0.8, 0.8])).tolist() == [False, True]
    # at least: k = 0.2 at a minimum of 0.2 passes; 0.19 fails; an unknown k is not reported
    assert rules.CAPITAL_RATIO_MINIMUM.violated(np.array([0.2, 0.19, np.nan]), 0.2).tolist() == [False, True, False]
    # an undefined private share (no fund at all) breaks the floor
    assert rules.PRIVATE_SHARE.violated(np.nan, 0.2)
    assert not rules.NEGATIVE_CELL.violated(0.0, 0.0)


def test_checks_by_hand():
    checks = rules.bank_quota_checks(["cdb", "adbc"], ["CDB", "ADBC"], np.array([250.0, 140.0]), np.array([250, 150]))
    assert [(c.subject, c.values) for c in checks] == [("adbc", {"value": 140.0, "limit": 150.0})]
    assert checks[0].message == (
        "Agricultural Development Bank of China (adbc) is allocated 140.0 bn RMB;"
        " its quota is 150.0 bn RMB (-10.0 bn RMB)."
    )
    # 140 bn = 1,400 亿元; the difference -10 bn = -100 亿元
    assert checks[0].render("zh", "yi") == "中国农业发展银行分配 1,400 亿元，其额度为 1,500 亿元（差额 -100 亿元）。"
    assert checks[0].to_dict()["message_id"] == "bank_quota_off"
    cells = rules.negative_cell_checks(["f1", "f2"], ["b1", "b2"], np.array([[1.0, -0.5], [0.0, 2.0]]))
    assert [c.subject for c in cells] == ["f1/b2"]
    # a cell over the cap only through the bank's scale: s = 0.5, scale 1.2 -> 0.6 > cap 0.55
    cell = rules.cell_fund_share_cap_checks(
        ["f"], ["b1", "b2"], np.array([0.5]), np.array([[0.5, 0.6]]), np.array([0.55])
    )
    assert [c.subject for c in cell] == ["f/b2"]
    # a portfolio using 400 of 500 bn: a note, and a private share below the floor is a warning
    assert [c.severity for c in rules.portfolio_total_checks(400.0, 500.0)] == ["info"]
    assert [c.severity for c in rules.portfolio_total_checks(501.0, 500.0)] == ["error"]
    assert [c.severity for c in rules.portfolio_private_share_checks(0.1, 0.2, 400.0, 500.0)] == ["warning"]
    assert [c.severity for c in rules.portfolio_private_share_checks(0.1, 0.2, 500.0, 500.0)] == ["error"]
    quota = rules.portfolio_bank_quota_checks(["cdb"], ["CDB"], np.array([260.0]), np.array([250.0]))
    assert [c.severity for c in quota] == ["error"]


def test_top_down_run_reports_through_the_rules():
    p = default_parameters()
    a = np.array(p.allocation_matrix, dtype=float)
    a[0, 0] += 1.0  # one bn too much: the total and CDB's quota are off by 1 bn
    result = run(p, allocation_bn=a)
    codes = {(c.code, c.subject) for c in result.checks}
    assert ("allocation_total", "total") in codes
    assert ("bank_quota", p.bank_ids[0]) in codes
    total = next(c for c in result.checks if c.code == "allocation_total")
    assert total.values["value"] - total.values["limit"] == pytest.approx(1.0)
