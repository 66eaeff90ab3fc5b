"""Selection under budgets: brute-force optimality, greedy baseline, constraints never broken."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse

from fundmodel.analysis.selection import (
    MIP_REL_GAP,
    SelectionConstraints,
    SelectionError,
    _problem,
    brute_force,
    dual_bound,
    greedy,
    select_projects,
    violations,
)
from fundmodel.inputs.portfolio import parse_portfolio, read_portfolio

ROOT = Path(__file__).resolve().parent.parent
SYNTHETIC = ROOT / "portfolios" / "national_synthetic.csv"
FIELDS = ["transport_logistics", "municipal_parks", "green_low_carbon"]
BANKS = ["cdb", "adbc", "exim"]


def portfolio(projects: list[tuple[float, float, str, str, bool]]):
    """Projects as (fund requested bn, multiplier I/F, bank, field, private); k = 0.25, so
    s = F / (0.25 F m) = 4 / m, within the 50% cap for m >= 8."""
    rows = [
        {
            "project_id": f"P{i}",
            "project_name": f"Project {i}",
            "field": fld,
            "bank": bank,
            "province": "jiangsu",
            "private": "yes" if private else "no",
            "total_investment_bn": repr(fund * mult),
            "capital_ratio": "0.25",
            "fund_requested_bn": repr(fund),
            "start_year": "2025",
            "construction_years": "3",
        }
        for i, (fund, mult, bank, fld, private) in enumerate(projects)
    ]
    table = pd.DataFrame(rows, index=range(2, 2 + len(rows)))
    p = parse_portfolio(table, source="test")
    assert p.ok, p.report()
    return p


def test_docstring_example_beats_greedy():
    # quota 10: greedy takes the 10x project (I 60) and nothing else fits; the MILP takes 45 + 40 = 85
    p = portfolio([(6, 10, "cdb", FIELDS[0], True), (5, 9, "cdb", FIELDS[0], True), (5, 8, "cdb", FIELDS[0], True)])
    c = SelectionConstraints(quota_bn={"cdb": 10}, min_fraction=1.0)
    s = select_projects(p, "total", c)
    assert s.greedy_objective == pytest.approx(60)
    assert s.objective == pytest.approx(85)
    assert s.gain == pytest.approx(25)
    assert s.chosen["project_id"].tolist() == ["P1", "P2"]
    assert "quota:cdb" in s.binding
    # Partial funding (phi 0.5): 6 to the 10x project (60) + 4 of 5 to the 9x one (36) = 96
    s = select_projects(p, "total", SelectionConstraints(quota_bn={"cdb": 10}, min_fraction=0.5))
    assert s.objective == pytest.approx(96)
    row = s.projects.set_index("project_id").loc["P1"]
    assert row["funded_fraction"] == pytest.approx(0.8)
    assert row["investment_bn"] == pytest.approx(36)  # 45 x 0.8
    assert "min_fraction" not in s.binding  # 0.8 > 0.5
    assert s.result is not None and s.result.fund_size_bn == pytest.approx(10)


def test_private_floor_and_field_bounds_change_the_choice():
    p = portfolio([(5, 12, "cdb", FIELDS[0], False), (5, 11, "cdb", FIELDS[0], False), (5, 8, "cdb", FIELDS[1], True)])
    # Without the floor: the two state projects (60 + 55). With a 30% private floor on 10 bn of quota,
    # the private project must be in: 60 + 40 = 100.
    s = select_projects(p, "total", SelectionConstraints(quota_bn={"cdb": 10}, min_fraction=1.0, private_min=0.0))
    assert s.objective == pytest.approx(115)
    s = select_projects(p, "total", SelectionConstraints(quota_bn={"cdb": 10}, min_fraction=1.0, private_min=0.3))
    assert s.objective == pytest.approx(100)
    assert "private_min" in s.greedy_violations
    # Field maximum 50% on transport: one transport project at most with the park project.
    c = SelectionConstraints(quota_bn={"cdb": 15}, min_fraction=1.0, private_min=0.0, field_max={FIELDS[0]: 0.5})
    s = select_projects(p, "total", c)
    assert s.objective == pytest.approx(100)
    assert "field_max:transport_logistics" in s.binding


def test_infeasible_names_the_conflict():
    p = portfolio([(5, 10, "cdb", FIELDS[0], False), (5, 10, "adbc", FIELDS[1], False)])
    c = SelectionConstraints(quota_bn={"cdb": 5, "adbc": 5, "exim": 0}, min_quota_use=1.0, private_min=0.2)
    with pytest.raises(SelectionError) as err:
        select_projects(p, "total", c)
    message = str(err.value)
    assert "private share at least 20.0%" in message
    assert "China Development Bank must use 100.0%" in message or "Agricultural Development Bank" in message
    assert "share at most" not in message and "minimum funded share" not in message
    # Feasible with partial funding down to zero (the LP relaxation), not with the 50% floor:
    # 10 bn asked, 4 bn of quota, at least 25% of it (1 bn) to be used, but a funded project gets >= 5 bn.
    one = portfolio([(10, 10, "cdb", FIELDS[0], True)])
    c = SelectionConstraints(quota_bn={"cdb": 4, "adbc": 0, "exim": 0}, min_quota_use=0.25)
    with pytest.raises(SelectionError) as err:
        select_projects(one, "total", c)
    message = str(err.value)
    assert "China Development Bank must use 25.0% of its 4.0 bn RMB quota (1.0 bn RMB" in message
    assert "China Development Bank's quota of 4.0 bn RMB" in message and "minimum funded share 50.0%" in message
    assert "private" not in message and "Agricultural" not in message
    # in Chinese and 亿元: 4 bn is 40 亿元, 25% of it 10 亿元
    zh = err.value.text.render("zh", "yi")
    assert zh.startswith("没有任何选择能同时满足全部约束；以下约束相互冲突：")
    assert "国家开发银行须使用其额度 40 亿元 的 25.0%（10 亿元；" in zh and "最低资助比例 50.0%" in zh
    with pytest.raises(SelectionError, match=r"sum to 120\.0%"):
        select_projects(p, constraints=SelectionConstraints(field_min={FIELDS[0]: 0.6, FIELDS[1]: 0.6}))
    with pytest.raises(SelectionError, match="needs a 'score' column"):
        select_projects(p, "score")
    with pytest.raises(SelectionError, match="core_size must be at least 1"):
        select_projects(p, method="lp_core", core_size=0)


def test_score_objective_uses_score_column():
    p = portfolio([(5, 10, "cdb", FIELDS[0], True), (5, 8, "cdb", FIELDS[0], True)])
    frame = p.frame.copy()
    frame["score"] = [1.0, 2.0]  # 50 x 0.55 x 1 = 27.5 < 40 x 0.55 x 2 = 44
    scored = type(p)(frame=frame, issues=p.issues, source="scored")
    s = select_projects(scored, "score", SelectionConstraints(quota_bn={"cdb": 5}, min_fraction=1.0))
    assert s.chosen["project_id"].tolist() == ["P1"]
    assert s.objective == pytest.approx(44)


project = st.tuples(
    st.floats(0.5, 10).map(lambda v: round(v, 3)),
    st.floats(8, 20).map(lambda v: round(v, 2)),
    st.sampled_from(BANKS),
    st.sampled_from(FIELDS),
    st.booleans(),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    projects=st.lists(project, min_size=1, max_size=7),
    quotas=st.tuples(*[st.floats(0, 25).map(lambda v: round(v, 2))] * 3),
    private_min=st.sampled_from([0.0, 0.2, 0.5]),
    field_max=st.sampled_from([{}, {FIELDS[0]: 0.6}]),
    field_min=st.sampled_from([{}, {FIELDS[1]: 0.2}]),
    objective=st.sampled_from(["total", "net"]),
)
def test_matches_brute_force_and_never_breaks_a_constraint(
    projects, quotas, private_min, field_max, field_min, objective
):
    p = portfolio(projects)
    c = SelectionConstraints(
        quota_bn=dict(zip(BANKS, quotas, strict=True)),
        min_fraction=1.0,
        private_min=private_min,
        field_max=field_max,
        field_min=field_min,
    )
    s = select_projects(p, objective, c, with_result=False)
    pb = _problem(p.frame, p_params(), objective, c)
    x = s.projects["fund_bn"].to_numpy()
    assert violations(pb, x) == []
    best, _ = brute_force(p, objective, c)
    assert s.objective == pytest.approx(best, rel=1e-5, abs=1e-6)
    assert best <= s.bound + 1e-6 * max(1, best)  # the reported bound is never below the optimum
    # The core path (one candidate decided by the MILP, the rest at their LP values): feasible,
    # never below greedy, never above its bound, which is above the true optimum.
    core = select_projects(p, objective, c, with_result=False, method="lp_core", core_size=1)
    assert violations(pb, core.projects["fund_bn"].to_numpy()) == []
    if not s.greedy_violations:
        assert core.objective >= core.greedy_objective - 1e-9
    assert core.objective <= best + 1e-6 * max(1, best)
    assert best <= core.bound + 1e-6 * max(1, best)
    # With partial funding allowed the optimum can only improve, and still breaks nothing.
    c_half = SelectionConstraints(**{**c.__dict__, "min_fraction": 0.5})
    s_half = select_projects(p, objective, c_half, with_result=False)
    assert violations(_problem(p.frame, p_params(), objective, c_half), s_half.projects["fund_bn"].to_numpy()) == []
    assert s_half.objective >= s.objective - 1e-6 * max(1, s.objective)


def p_params():
    from fundmodel.inputs.parameters import default_parameters

    return default_parameters()


@pytest.fixture(scope="module")
def synthetic():
    return read_portfolio(SYNTHETIC)


def test_synthetic_at_least_greedy(synthetic):
    c = SelectionConstraints(quota_bn={"cdb": 150, "adbc": 90, "exim": 60}, field_min={"agriculture_rural": 0.15})
    s = select_projects(synthetic, "total", c, with_result=False)
    pb = _problem(synthetic.frame, p_params(), "total", c)
    assert violations(pb, s.projects["fund_bn"].to_numpy()) == []
    assert s.greedy_violations == []
    assert s.objective >= s.greedy_objective
    assert {"quota:cdb", "quota:adbc", "quota:exim"} <= set(s.binding)
    x_greedy = greedy(pb)
    assert float(pb.weight @ x_greedy) == pytest.approx(s.greedy_objective)
    assert np.all(s.projects["fund_bn"] <= s.projects["fund_requested_bn"] + 1e-9)


def test_time_out_without_a_solution_keeps_the_feasible_greedy_selection(synthetic):
    # A time limit too short for HiGHS to find any selection: the greedy one is feasible, so it is
    # returned, marked as not proven optimal, and it breaks no constraint.
    c = SelectionConstraints(quota_bn={"cdb": 150, "adbc": 90, "exim": 60})
    s = select_projects(synthetic, "total", c, time_limit=1e-9, with_result=False)
    pb = _problem(synthetic.frame, p_params(), "total", c)
    assert s.method == "greedy" and "greedy ranking's selection is kept" in s.status
    assert s.objective == pytest.approx(s.greedy_objective)
    # The LP bound still says how far it may be from the optimum: here more than HiGHS's tolerance.
    assert s.gap == pytest.approx((s.bound - s.objective) / s.bound)
    assert s.gap > MIP_REL_GAP and not s.proven_optimal
    np.testing.assert_allclose(s.projects["fund_bn"].to_numpy(), greedy(pb))
    assert violations(pb, s.projects["fund_bn"].to_numpy()) == []


def test_dual_bound_by_hand():
    # One row x1 + x2 + x3 <= 10, R = (6, 5, 5), w = (10, 9, 8) (the docstring example).
    w, r = np.array([10.0, 9.0, 8.0]), np.array([6.0, 5.0, 5.0])
    g, b = sparse.csr_matrix(np.ones((1, 3))), np.array([10.0])
    # y = 9 (the LP's dual): d = (1, 0, -1); bound = 1 x 6 + 9 x 10 = 96, the LP optimum (6 + 4 funded)
    bound, d = dual_bound(w, r, g, b, np.array([9.0]))
    assert bound == pytest.approx(96) and d == pytest.approx([1, 0, -1])
    # Any y >= 0 gives a weaker bound: y = 0 -> 60 + 45 + 40 = 145; y = 10 -> d = (0, -1, -2), 10 x 10 = 100
    assert dual_bound(w, r, g, b, np.array([0.0]))[0] == pytest.approx(145)
    assert dual_bound(w, r, g, b, np.array([10.0]))[0] == pytest.approx(100)


def test_core_path_by_hand():
    # Quota 10; P0 (6 bn, 10x), P1 (5 bn, 9x), P2 (5 bn, 8x). The LP funds 6 + 4 (bound 96, dual 9 on
    # the quota), so reduced costs are (1, 0, -1): with a core of one, the MILP decides P1 only.
    p = portfolio([(6, 10, "cdb", FIELDS[0], True), (5, 9, "cdb", FIELDS[0], True), (5, 8, "cdb", FIELDS[0], True)])
    half = SelectionConstraints(quota_bn={"cdb": 10}, min_fraction=0.5)
    s = select_projects(p, "total", half, with_result=False, method="lp_core", core_size=1)
    # P1 at 4 of 5 (80% >= 50%): 60 + 36 = 96 = the bound, gap 0
    assert s.method == "lp_core" and "1 of 3 candidates" in s.status
    assert s.objective == pytest.approx(96) and s.bound == pytest.approx(96) and s.gap == pytest.approx(0, abs=1e-12)
    assert s.proven_optimal
    # All or nothing: P1 no longer fits beside the fixed P0, so the core answer is 60 (P0 alone),
    # the greedy one; the optimum (P1 + P2 = 85) lies outside the core, and the gap says so:
    # (96 - 60) / 96 = 0.375.
    whole = SelectionConstraints(quota_bn={"cdb": 10}, min_fraction=1.0)
    s = select_projects(p, "total", whole, with_result=False, method="lp_core", core_size=1)
    assert s.objective == pytest.approx(60) and s.greedy_objective == pytest.approx(60)
    assert s.bound == pytest.approx(96) and s.gap == pytest.approx(0.375) and not s.proven_optimal
    # A core as large as the portfolio is the whole MILP: 85, and HiGHS's bound closes the gap.
    s = select_projects(p, "total", whole, with_result=False, method="lp_core", core_size=3)
    assert s.method == "milp" and s.objective == pytest.approx(85) and s.gap == pytest.approx(0, abs=1e-6)


def test_core_path_on_a_few_hundred_candidates():
    rng = np.random.default_rng(7)
    n = 300
    projects = [
        (round(float(f), 3), round(float(m), 2), BANKS[b], FIELDS[fl], bool(pr))
        for f, m, b, fl, pr in zip(
            rng.uniform(0.2, 3, n),
            rng.uniform(8, 20, n),
            rng.integers(0, 3, n),
            rng.integers(0, 3, n),
            rng.random(n) < 0.3,
            strict=True,
        )
    ]
    p = portfolio(projects)
    c = SelectionConstraints(
        quota_bn={"cdb": 120, "adbc": 70, "exim": 40}, field_min={FIELDS[2]: 0.3}, field_max={FIELDS[0]: 0.45}
    )
    s = select_projects(p, "net", c, with_result=False, method="lp_core", core_size=20)
    pb = _problem(p.frame, p_params(), "net", c)
    x = s.projects["fund_bn"].to_numpy()
    assert s.method == "lp_core" and "20 of 300 candidates" in s.status
    assert violations(pb, x) == [] and s.greedy_violations == []
    assert s.objective == pytest.approx(float(pb.weight @ x))
    assert s.greedy_objective <= s.objective <= s.bound
    assert s.gap == pytest.approx((s.bound - s.objective) / s.bound)
    # The whole MILP on the same candidates: neither answer exceeds the other's bound.
    full = select_projects(p, "net", c, with_result=False, method="milp")
    assert full.method == "milp"
    assert full.objective <= s.bound * (1 + 1e-9) and s.objective <= full.bound * (1 + 1e-9)


def test_cli_select(tmp_path):
    out_csv = tmp_path / "chosen.csv"
    args = [sys.executable, "-m", "fundmodel", "select", "--portfolio", str(SYNTHETIC), "--quota", "cdb=100"]
    out = subprocess.run([*args, "--format", "json", "--out", str(out_csv)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)  # nothing from the solver leaks into stdout
    assert data["by_bank"][0]["fund_bn"] <= 100 + 1e-6
    assert data["gain_over_greedy_bn"] >= 0
    assert data["method"] == "milp" and data["objective_value_bn"] <= data["bound_bn"]
    assert data["gap"] == pytest.approx((data["bound_bn"] - data["objective_value_bn"]) / data["bound_bn"])
    chosen = pd.read_csv(out_csv, encoding="utf-8-sig")
    assert len(chosen) == 2300 and chosen["chosen"].sum() == data["n_chosen"]
    table = subprocess.run([*args, "--method", "lp_core", "--limit", "2"], capture_output=True, text=True)
    assert table.returncode == 0, table.stderr
    assert "Method: LP relaxation, then MILP" in table.stdout and "of the bound" in table.stdout
    bad = subprocess.run([*args, "--quota", "cdb"], capture_output=True, text=True)
    assert bad.returncode == 2 and "expected ID=NUMBER" in bad.stderr
