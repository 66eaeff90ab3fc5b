"""Choosing projects under budgets: a mixed-integer program (scipy.optimize.milp, HiGHS).

Decision per candidate project i (money in bn RMB):

* y_i in {0, 1}: the project is funded or not
* x_i: the instrument's money it gets, R_i y_i >= x_i >= phi R_i y_i, where R_i is its
  request (validation has checked R_i <= cap_i x K_i) and phi the minimum funded fraction

**Partial funding rule.** A project funded with a fraction x_i / R_i of its request is
taken to go ahead at that fraction of its scale (e.g. a first phase): its whole capital
stack scales with it, so its fund share of capital and capital ratio are unchanged (the
cap and statutory minimum still hold) and it counts I_i x_i / R_i of investment. Below
``min_fraction`` (phi, default 0.5) a project is not viable and is not funded at all;
phi = 1 means all-or-nothing. This keeps the objective linear and never credits a project
with investment it could not carry out on less money.

Objective (maximised): sum_i w_i m_i x_i with m_i = I_i / R_i (investment per yuan of
fund) and w_i = 1 (``total``: gross investment), a_i (``net``: additional investment) or
the project's ``score`` column times a_i (``score``).

Constraints: each bank's money <= its quota (and >= ``min_quota_use`` x quota); total <=
the instrument size; private-enterprise money >= the floor share of the total; optional
field minimum / maximum shares of the total.

The greedy baseline ranks projects by multiplier m_i and funds each whole request that
still fits its bank's quota; the report gives the MILP's gain over it.

**How it is solved.** Up to ``FULL_MILP_MAX_CANDIDATES`` candidates HiGHS gets the whole
MILP. Above that (HiGHS finds no selection in 60 s at 100,000 candidates) the LP relaxation
(x_i anywhere in [0, R_i]) is solved first: it is a knapsack with a few coupling rows, so
an optimal vertex funds every project in full or not at all except at most one per
constraint row. Its duals y give reduced costs d_i = w_i - sum_j y_j g_ji and a
bound no selection can exceed (:func:`dual_bound`). Projects far from the threshold
(large |d_i|) keep their LP values; the MILP decides the ``CORE_SIZE`` nearest ones. Every
answer carries its ``bound`` and ``gap`` = (bound - objective) / bound, and is never worse
than the greedy baseline (that is kept if it is better).

Example: quota 10, projects (F 6, I 60), (F 5, I 45), (F 5, I 40): greedy takes the 10x
project (60) and nothing else fits; the MILP takes the other two, 85.

>>> from fundmodel.inputs.portfolio import parse_portfolio
>>> t = pd.DataFrame({'project_id': ['P0', 'P1', 'P2'], 'fund_requested_bn': ['6', '5', '5']}, index=[2, 3, 4])
>>> t['total_investment_bn'], t['capital_ratio'] = ['60', '45', '40'], '0.25'
>>> t['project_name'], t['field'], t['bank'] = t['project_id'], 'transport_logistics', 'cdb'
>>> t['province'], t['private'], t['start_year'], t['construction_years'] = 'jiangsu', 'yes', '2025', '3'
>>> budget = SelectionConstraints(quota_bn={'cdb': 10}, min_fraction=1.0)
>>> s = select_projects(parse_portfolio(t), 'total', budget)
>>> round(s.greedy_objective, 6), round(s.objective, 6), s.chosen['project_id'].tolist()
(60.0, 85.0, ['P1', 'P2'])
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from fundmodel.core.bottom_up import run_portfolio
from fundmodel.core.result import Result
from fundmodel.errors import SelectionError
from fundmodel.inputs.parameters import Parameters, default_parameters
from fundmodel.inputs.portfolio import Portfolio
from fundmodel.messages import Message, message_or_text

Objective = Literal["total", "net", "score"]
Method = Literal["auto", "milp", "lp_core"]
#: What can produce a selection (``Selection.method``).
METHODS = {
    "milp": "MILP on every candidate (HiGHS)",
    "lp_core": "LP relaxation, then MILP on the candidates nearest its threshold (HiGHS)",
    "greedy": "greedy ranking by multiplier",
}
#: Slack below which a constraint counts as binding (bn RMB).
BINDING_TOLERANCE_BN = 1e-6
#: Relative MIP gap HiGHS stops at (the reported objective is within this of the optimum).
MIP_REL_GAP = 1e-5
#: Above this many candidates ``method="auto"`` solves the LP relaxation and a core MILP
#: instead of the whole MILP (at 100,000 candidates HiGHS finds no selection in 60 s).
FULL_MILP_MAX_CANDIDATES = 5_000
#: Candidates (nearest the LP threshold) whose funding the core MILP decides.
CORE_SIZE = 1_000


@dataclass(frozen=True)
class SelectionConstraints:
    """What the chosen set must satisfy (shares are of the total money chosen).

    ``quota_bn`` replaces the banks' quotas (bn RMB) where given; ``min_quota_use`` is the
    share of each quota that must be spent (0 = none); ``field_min`` / ``field_max`` bound
    each field's share; ``private_min`` defaults to the instrument's floor (20%).
    """

    quota_bn: Mapping[str, float] = field(default_factory=dict)
    min_quota_use: float = 0.0
    field_min: Mapping[str, float] = field(default_factory=dict)
    field_max: Mapping[str, float] = field(default_factory=dict)
    private_min: float | None = None
    min_fraction: float = 0.5
    total_bn: float | None = None


@dataclass(frozen=True)
class Selection:
    """The chosen set and how it was found.

    * ``projects``: every candidate with ``chosen``, ``fund_bn`` (money chosen),
      ``funded_fraction``, ``investment_bn`` (investment counted), ``objective_bn``,
      and the greedy baseline's ``greedy_fund_bn``
    * ``objective``, ``greedy_objective``, ``gain``: objective values (bn RMB) and the gain
    * ``binding``: names of the constraints that bind at the optimum
    * ``usage``: money per bank against quota; ``status``: the solver's message
    * ``method``: what produced the answer (a key of :data:`METHODS`); ``bound``: an upper
      bound on the objective (bn RMB); ``gap``: (bound - objective) / bound
    * ``result``: the bottom-up :class:`Result` of the chosen (scaled) projects
    """

    projects: pd.DataFrame
    objective_name: str
    objective: float
    greedy_objective: float
    greedy_violations: list[str]
    binding: list[str]
    usage: pd.DataFrame
    status: str
    seconds: float
    method: str
    bound: float
    result: Result | None = None

    @property
    def gain(self) -> float:
        return self.objective - self.greedy_objective

    @property
    def gap(self) -> float:
        """How far below the optimum the objective can be at most, as a share of the bound:
        (bound - objective) / bound (0 when nothing can be funded; never negative)."""
        if self.bound <= 0:
            return 0.0
        return max(0.0, (self.bound - self.objective) / self.bound)

    @property
    def proven_optimal(self) -> bool:
        """The objective is within ``MIP_REL_GAP`` of the bound (HiGHS's own optimality test)."""
        return self.gap <= MIP_REL_GAP

    @property
    def method_text(self) -> str:
        return METHODS[self.method]

    @property
    def chosen(self) -> pd.DataFrame:
        return self.projects[self.projects["chosen"]]


# ----------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class _Problem:
    ids: np.ndarray
    bank: np.ndarray  # bank index per project
    field: np.ndarray  # field index per project
    private: np.ndarray  # bool
    limit: np.ndarray  # R_i (bn)
    investment: np.ndarray  # I_i
    weight: np.ndarray  # objective per bn of fund: w_i m_i
    multiplier: np.ndarray  # m_i
    quota: np.ndarray
    size: float
    bank_ids: list[str]
    field_ids: list[str]
    c: SelectionConstraints
    private_min: float


def _problem(
    frame: pd.DataFrame, params: Parameters, objective: Objective, constraints: SelectionConstraints
) -> _Problem:
    if objective not in ("total", "net", "score"):
        raise SelectionError(Message("selection_unknown_objective", {"objective": repr(objective)}))
    c = constraints
    if not 0 < c.min_fraction <= 1:
        raise SelectionError(Message("selection_min_fraction_range", {"got": c.min_fraction}))
    if not 0 <= c.min_quota_use <= 1:
        raise SelectionError(Message("selection_min_quota_use_range", {"got": c.min_quota_use}))
    for name, bounds in (("field_min", c.field_min), ("field_max", c.field_max)):
        for fid, share in bounds.items():
            if fid not in params.fields:
                raise SelectionError(Message("selection_unknown_field", {"option": name, "field": repr(fid)}))
            if not 0 <= share <= 1:
                raise SelectionError(Message("selection_share_range", {"option": f"{name}.{fid}", "got": share}))
    for bid in c.quota_bn:
        if bid not in params.banks:
            raise SelectionError(Message("selection_unknown_bank", {"bank": repr(bid)}))
    # A valid portfolio has request <= cap x project capital, so the request is the limit.
    limit = frame["fund_requested_bn"].to_numpy(dtype=float)
    investment = frame["total_investment_bn"].to_numpy(dtype=float)
    multiplier = investment / limit
    if objective == "total":
        weight = multiplier
    elif objective == "net":
        weight = multiplier * frame["additionality"].to_numpy(dtype=float)
    else:
        if "score" not in frame or frame["score"].isna().all():
            raise SelectionError(Message("selection_score_column"))
        score = frame["score"].to_numpy(dtype=float)
        if np.isnan(score).any():
            rows = frame.index[np.isnan(score)].tolist()[:5]
            raise SelectionError(Message("selection_score_missing", {"rows": ", ".join(map(str, rows))}))
        weight = multiplier * frame["additionality"].to_numpy(dtype=float) * score
    quota = np.array([c.quota_bn.get(b, q) for b, q in zip(params.bank_ids, params.bank_quota, strict=True)])
    size = float(c.total_bn if c.total_bn is not None else params.instrument.size_bn.value)
    private_min = float(params.instrument.private_share_min.value if c.private_min is None else c.private_min)
    return _Problem(
        ids=frame["project_id"].astype(str).to_numpy(),
        bank=pd.Categorical(frame["bank"], categories=params.bank_ids).codes.astype(int),
        field=pd.Categorical(frame["field"], categories=params.field_ids).codes.astype(int),
        private=frame["private"].astype(bool).to_numpy(),
        limit=limit,
        investment=investment,
        weight=weight,
        multiplier=multiplier,
        quota=quota,
        size=size,
        bank_ids=list(params.bank_ids),
        field_ids=list(params.field_ids),
        c=c,
        private_min=private_min,
    )


# ------------------------------------------------------------------------------ model


def _groups(pb: _Problem) -> list[str]:
    """Constraint groups a conflict can be made of (used to explain infeasibility)."""
    groups = []
    if pb.c.min_quota_use > 0:
        groups += [f"min_quota_use:{b}" for b in pb.bank_ids]
    groups += [f"quota:{b}" for b in pb.bank_ids] + ["total"]
    if pb.private_min > 0:
        groups.append("private_min")
    groups += [f"field_min:{f}" for f, s in pb.c.field_min.items() if s > 0]
    groups += [f"field_max:{f}" for f, s in pb.c.field_max.items() if s < 1]
    if pb.c.min_fraction > 0:
        groups.append("min_fraction")
    return groups


def _rows(pb: _Problem, active: set[str]) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray, list[str]]:
    """The constraint rows on x (the first n variables) of the active groups."""
    n = len(pb.limit)
    rows: list[np.ndarray] = []
    lo: list[float] = []
    hi: list[float] = []
    names: list[str] = []
    for j, bid in enumerate(pb.bank_ids):
        in_bank = (pb.bank == j).astype(float)
        upper = pb.quota[j] if f"quota:{bid}" in active else np.inf
        lower = pb.c.min_quota_use * pb.quota[j] if f"min_quota_use:{bid}" in active else -np.inf
        if np.isfinite(upper) or np.isfinite(lower):
            rows.append(in_bank)
            lo.append(lower)
            hi.append(upper)
            names.append(f"bank:{bid}")
    if "total" in active:
        rows.append(np.ones(n))
        lo.append(-np.inf)
        hi.append(pb.size)
        names.append("total")
    if "private_min" in active:
        rows.append(pb.private.astype(float) - pb.private_min)
        lo.append(0.0)
        hi.append(np.inf)
        names.append("private_min")
    for fid, share in pb.c.field_min.items():
        if f"field_min:{fid}" in active:
            rows.append((pb.field == pb.field_ids.index(fid)).astype(float) - share)
            lo.append(0.0)
            hi.append(np.inf)
            names.append(f"field_min:{fid}")
    for fid, share in pb.c.field_max.items():
        if f"field_max:{fid}" in active:
            rows.append((pb.field == pb.field_ids.index(fid)).astype(float) - share)
            lo.append(-np.inf)
            hi.append(0.0)
            names.append(f"field_max:{fid}")
    a = sparse.csr_matrix(np.vstack(rows)) if rows else sparse.csr_matrix((0, n))
    return a, np.array(lo), np.array(hi), names


def _flush_c_stdio() -> None:
    """fflush(NULL): write out every C stdio buffer (no-op where libc cannot be loaded)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).fflush(None)


@contextlib.contextmanager
def _quiet_solver() -> Iterator[None]:
    """HiGHS prints some MIP diagnostics straight to file descriptors 1 and 2 (they would
    corrupt JSON output); send them to /dev/null while solving. The solver's status and
    message are still returned in its result."""
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        saved = [os.dup(1), os.dup(2)]
    except OSError:  # no real descriptors (embedded interpreters)
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        _flush_c_stdio()  # C-level buffers still hold HiGHS output: flush them into /dev/null
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)


def _semicontinuous_milp(
    weight: np.ndarray,
    limit: np.ndarray,
    phi: float,
    rows: tuple[sparse.csr_matrix, np.ndarray, np.ndarray],
    time_limit: float,
    rel_gap: float = MIP_REL_GAP,
    floor: float | None = None,
) -> tuple[np.ndarray | None, object]:
    """max weight . x subject to lo <= a x <= hi and x_i in {0} u [phi R_i, R_i] (a binary y_i
    per project: phi R_i y_i <= x_i <= R_i y_i), solved by HiGHS (scipy.optimize.milp).

    Returns (x or None, scipy result); x_i is 0 wherever y_i rounds to 0. ``floor`` is a known
    feasible objective value: the objective is constrained to reach it."""
    n = len(limit)
    a, lo, hi = rows
    eye = sparse.identity(n, format="csr")
    # x_i - R_i y_i <= 0 and x_i - phi R_i y_i >= 0
    link = sparse.vstack([sparse.hstack([eye, -sparse.diags(limit)]), sparse.hstack([eye, -sparse.diags(phi * limit)])])
    link_lo = np.concatenate([np.full(n, -np.inf), np.zeros(n)])
    link_hi = np.concatenate([np.zeros(n), np.full(n, np.inf)])
    constraints = [LinearConstraint(link, link_lo, link_hi)]
    if a.shape[0]:
        constraints.append(LinearConstraint(sparse.hstack([a, sparse.csr_matrix((a.shape[0], n))]), lo, hi))
    if floor is not None:
        slack = 1e-9 * max(1.0, abs(floor))
        weights = np.concatenate([weight, np.zeros(n)])[None, :]
        constraints.append(LinearConstraint(weights, floor - slack, np.inf))
    cost = np.concatenate([-weight, np.zeros(n)])
    with _quiet_solver():
        res = milp(
            cost,
            constraints=constraints,
            integrality=np.concatenate([np.zeros(n), np.ones(n)]),
            bounds=Bounds(np.zeros(2 * n), np.concatenate([limit, np.ones(n)])),
            options={"time_limit": max(time_limit, 1e-9), "mip_rel_gap": rel_gap},
        )
    if res.x is None:
        return None, res
    chosen = res.x[n:] > 0.5
    return np.where(chosen, res.x[:n], 0.0), res


def _solve(
    pb: _Problem, active: set[str], time_limit: float, floor: float | None = None
) -> tuple[np.ndarray | None, object]:
    """Solve the whole MILP with the active constraint groups; returns (x, scipy result).

    ``floor`` is a known feasible objective value (the greedy baseline's): the objective
    is constrained to reach it, which never cuts off the optimum and speeds the search."""
    a, lo, hi, _ = _rows(pb, active)
    phi = pb.c.min_fraction if "min_fraction" in active else 0.0
    return _semicontinuous_milp(pb.weight, pb.limit, phi, (a, lo, hi), time_limit, MIP_REL_GAP, floor)


# ------------------------------------------------------------------ LP relaxation and core


@dataclass(frozen=True)
class _Relaxation:
    """The LP relaxation (x_i anywhere in [0, R_i]) and the bound its duals certify.

    * ``x``: an optimal basic solution (money per project, bn RMB)
    * ``reduced_cost``: d_i = w_i - sum_j y_j g_ji, per bn of fund (y: row duals >= 0)
    * ``bound``: the objective no selection can exceed (bn RMB), see :func:`dual_bound`
    """

    x: np.ndarray
    reduced_cost: np.ndarray
    bound: float


def _upper_rows(a: sparse.csr_matrix, lo: np.ndarray, hi: np.ndarray) -> tuple[sparse.csr_matrix, np.ndarray]:
    """The rows lo <= a x <= hi as G x <= b (each finite side one row; a lower side negated)."""
    upper, lower = np.isfinite(hi), np.isfinite(lo)
    g = sparse.vstack([a[upper], -a[lower]]).tocsr()
    return g, np.concatenate([hi[upper], -lo[lower]])


def dual_bound(
    weight: np.ndarray, limit: np.ndarray, g: sparse.csr_matrix, b: np.ndarray, duals: np.ndarray
) -> tuple[float, np.ndarray]:
    """Upper bound on max w . x over 0 <= x <= R, G x <= b, from any duals y >= 0 (bn RMB).

    Formula: with d = w - G^T y, w . x = d . x + y . G x <= sum_i max(d_i, 0) R_i + y . b
    for every such x, hence for every selection (a selection funds x_i in {0} u [phi R_i, R_i]).
    At the LP's optimal duals the bound is the LP optimum; any other y >= 0 gives a weaker
    but still valid bound, so the figure never depends on the LP solver's tolerances.
    Returns (bound, d).

    Example: one row x_1 + x_2 <= 10, R = (6, 5), w = (10, 9), y = 9: d = (1, 0), bound
    1 x 6 + 9 x 10 = 96 (the LP optimum: 6 to the first project, 4 to the second).

    >>> from scipy import sparse
    >>> g = sparse.csr_matrix([[1.0, 1.0]])
    >>> bound, d = dual_bound(np.array([10.0, 9.0]), np.array([6.0, 5.0]), g, np.array([10.0]), np.array([9.0]))
    >>> bound, d.tolist()
    (96.0, [1.0, 0.0])
    """
    y = np.maximum(duals, 0.0)
    d = weight - g.T @ y if len(y) else weight.astype(float).copy()
    return float(np.maximum(d, 0.0) @ limit + y @ b), d


def _relaxation(pb: _Problem, active: set[str]) -> _Relaxation | None:
    """Solve the LP relaxation (HiGHS interior point, no presolve: HiGHS's presolve and dual
    simplex are slow on a few dense rows over 100,000 columns). None when it is infeasible,
    which makes the selection problem infeasible too."""
    a, lo, hi, _ = _rows(pb, active)
    g, b = _upper_rows(a, lo, hi)
    bounds = np.column_stack([np.zeros(len(pb.limit)), pb.limit])
    kwargs = {"A_ub": g, "b_ub": b} if g.shape[0] else {}
    res = None
    for method in ("highs-ipm", "highs-ds"):
        with _quiet_solver():
            res = linprog(-pb.weight, bounds=bounds, method=method, options={"presolve": False}, **kwargs)
        if res.status in (0, 2):
            break
    if res.status == 2:
        return None
    if res.status != 0:
        raise SelectionError(Message("selection_lp_failed", {"status": str(res.message)}))
    duals = -res.ineqlin.marginals if g.shape[0] else np.zeros(0)
    bound, d = dual_bound(pb.weight, pb.limit, g, b, duals)
    return _Relaxation(x=np.clip(res.x, 0.0, pb.limit), reduced_cost=d, bound=bound)


def core_mask(relax: _Relaxation, limit: np.ndarray, size: int) -> np.ndarray:
    """The ``size`` candidates whose reduced cost |d_i| is smallest (the ones near the LP's
    threshold, where funding decisions can change), plus every candidate the LP funds in part.
    The others stay at their LP values: funded in full (d_i > 0) or not at all (d_i < 0)."""
    n = len(limit)
    core = np.zeros(n, dtype=bool)
    core[np.argsort(np.abs(relax.reduced_cost), kind="stable")[: max(size, 0)]] = True
    tol = BINDING_TOLERANCE_BN
    core |= (relax.x > tol) & (relax.x < limit - tol)
    return core


def _solve_core(
    pb: _Problem, relax: _Relaxation, core: np.ndarray, time_limit: float
) -> tuple[np.ndarray | None, object]:
    """The MILP over the core candidates, the others fixed at their LP values (0 or R_i);
    the constraint bounds are moved by what the fixed projects use. It stops at the same
    relative gap as the whole MILP (``MIP_REL_GAP``), here of the core's objective only."""
    fixed = np.where(relax.x >= 0.5 * pb.limit, pb.limit, 0.0)
    fixed[core] = 0.0
    a, lo, hi, _ = _rows(pb, set(_groups(pb)))
    used = a @ fixed
    weight, limit = pb.weight[core], pb.limit[core]
    phi = pb.c.min_fraction
    x_core, res = _semicontinuous_milp(weight, limit, phi, (a[:, core].tocsr(), lo - used, hi - used), time_limit)
    if x_core is None:
        return None, res
    x = fixed
    x[core] = x_core
    return x, res


def explain_infeasible(pb: _Problem, time_limit: float = 10.0, relaxed: bool = False) -> list[str]:
    """A minimal set of constraint groups that cannot hold together (deletion filter:
    drop each group in turn; keep it only if the rest become feasible without it).

    ``relaxed`` tests feasibility on the LP relaxation (fast at any size): use it when the
    relaxation itself is infeasible; a set that no partial funding can satisfy cannot be
    satisfied by a selection either."""
    groups = [g for g in _groups(pb) if not (relaxed and g == "min_fraction")]
    needed = list(groups)
    for g in groups:
        trial = set(needed) - {g}
        if relaxed:
            still_infeasible = _relaxation(pb, trial) is None
        else:
            x, res = _solve(pb, trial, time_limit)
            still_infeasible = x is None and res.status == 2
        if still_infeasible:  # g is not needed for the conflict
            needed.remove(g)
    return needed


def _describe_groups(pb: _Problem, names: list[str]) -> list[Message]:
    """The constraints of a conflict, each as a message with its numbers (money in bn RMB)."""
    parts = []
    for g in names:
        kind, _, key = g.partition(":")
        if kind == "min_quota_use":
            j = pb.bank_ids.index(key)
            params = {"bank": key, "share": pb.c.min_quota_use, "quota": pb.quota[j]}
            params |= {"needed": pb.c.min_quota_use * pb.quota[j], "asked": pb.limit[pb.bank == j].sum()}
            parts.append(Message("selection_conflict_min_quota_use", params))
        elif kind == "quota":
            parts.append(Message("selection_conflict_quota", {"bank": key, "quota": pb.quota[pb.bank_ids.index(key)]}))
        elif kind == "total":
            parts.append(Message("selection_conflict_total", {"size": pb.size}))
        elif kind == "private_min":
            params = {"share": pb.private_min, "asked": pb.limit[pb.private].sum()}
            parts.append(Message("selection_conflict_private_min", params))
        elif kind == "field_min":
            parts.append(Message("selection_conflict_field_min", {"field": key, "share": pb.c.field_min[key]}))
        elif kind == "field_max":
            parts.append(Message("selection_conflict_field_max", {"field": key, "share": pb.c.field_max[key]}))
        elif kind == "min_fraction":
            parts.append(Message("selection_conflict_min_fraction", {"share": pb.c.min_fraction}))
    return parts


# ----------------------------------------------------------------------------- greedy


def greedy(pb: _Problem) -> np.ndarray:
    """The greedy baseline: rank by multiplier (ties by id), fund each whole request that
    still fits its bank's quota and the instrument size. Returns the money per project."""
    order = np.lexsort((pb.ids, -pb.multiplier))
    left = pb.quota.astype(float).copy()
    total_left = pb.size
    x = np.zeros(len(pb.limit))
    for i in order:
        need = pb.limit[i]
        b = pb.bank[i]
        if need <= left[b] + BINDING_TOLERANCE_BN and need <= total_left + BINDING_TOLERANCE_BN:
            x[i] = need
            left[b] -= need
            total_left -= need
    return x


def violations(pb: _Problem, x: np.ndarray) -> list[str]:
    """Every constraint ``x`` (money per project) breaks; empty when it satisfies all."""
    out: list[str] = []
    tol = BINDING_TOLERANCE_BN
    total = float(x.sum())
    for j, bid in enumerate(pb.bank_ids):
        used = float(x[pb.bank == j].sum())
        if used > pb.quota[j] + tol:
            out.append(f"quota:{bid}")
        if used < pb.c.min_quota_use * pb.quota[j] - tol:
            out.append(f"min_quota_use:{bid}")
    if total > pb.size + tol:
        out.append("total")
    if float(x[pb.private].sum()) < pb.private_min * total - tol:
        out.append("private_min")
    for fid, share in pb.c.field_min.items():
        if float(x[pb.field == pb.field_ids.index(fid)].sum()) < share * total - tol:
            out.append(f"field_min:{fid}")
    for fid, share in pb.c.field_max.items():
        if float(x[pb.field == pb.field_ids.index(fid)].sum()) > share * total + tol:
            out.append(f"field_max:{fid}")
    funded = x > tol
    if np.any(x > pb.limit + tol):
        out.append("request_or_cap")
    if np.any(funded & (x < pb.c.min_fraction * pb.limit - tol)):
        out.append("min_fraction")
    return out


def _binding(pb: _Problem, x: np.ndarray) -> list[str]:
    """Constraints that bind at ``x``. A bank's quota binds when no unchosen project of
    that bank would fit in what is left, even at the minimum funded fraction (with whole
    projects a quota binds before it is spent to the last yuan)."""
    tol = BINDING_TOLERANCE_BN * max(1.0, len(x) ** 0.5)
    total = float(x.sum())
    unchosen = x <= BINDING_TOLERANCE_BN
    smallest = pb.c.min_fraction * pb.limit
    out: list[str] = []
    for j, bid in enumerate(pb.bank_ids):
        in_bank = pb.bank == j
        left = pb.quota[j] - float(x[in_bank].sum())
        could_fit = unchosen & in_bank & (smallest <= left + tol)
        if left <= tol or (not could_fit.any() and (unchosen & in_bank).any()):
            out.append(f"quota:{bid}")
        elif pb.c.min_quota_use > 0 and -left + pb.quota[j] <= pb.c.min_quota_use * pb.quota[j] + tol:
            out.append(f"min_quota_use:{bid}")
    if total >= pb.size - tol:
        out.append("total")
    if pb.private_min > 0 and float(x[pb.private].sum()) <= pb.private_min * total + tol:
        out.append("private_min")
    for fid, share in pb.c.field_min.items():
        if share > 0 and float(x[pb.field == pb.field_ids.index(fid)].sum()) <= share * total + tol:
            out.append(f"field_min:{fid}")
    for fid, share in pb.c.field_max.items():
        if float(x[pb.field == pb.field_ids.index(fid)].sum()) >= share * total - tol:
            out.append(f"field_max:{fid}")
    partial = (x > tol) & (x < pb.limit - tol)
    if pb.c.min_fraction < 1 and np.any(partial & (x <= pb.c.min_fraction * pb.limit + tol)):
        out.append("min_fraction")
    return out


# ------------------------------------------------------------------------------- public


def select_projects(
    portfolio: Portfolio,
    objective: Objective = "total",
    constraints: SelectionConstraints | None = None,
    params: Parameters | None = None,
    time_limit: float = 60.0,
    with_result: bool = True,
    *,
    method: Method = "auto",
    core_size: int = CORE_SIZE,
) -> Selection:
    """Choose which projects to fund, and how much, maximising ``objective``.

    ``method``: ``"milp"`` hands the whole MILP to HiGHS; ``"lp_core"`` solves the LP
    relaxation, keeps the candidates far from its threshold at their LP values and hands the
    MILP on the ``core_size`` nearest ones to HiGHS; ``"auto"`` (default) takes ``"milp"`` up to
    ``FULL_MILP_MAX_CANDIDATES`` candidates and ``"lp_core"`` above. Either way the answer is
    at least as good as the greedy baseline, and ``bound`` / ``gap`` say how far from the
    optimum it can be at most (the LP bound, or HiGHS's own bound when it solved the whole
    MILP). ``time_limit`` (seconds) bounds the MILP solve; the best selection found by then
    is returned.

    Raises :class:`SelectionError` naming the conflicting constraints when no selection
    can satisfy them all, and :class:`~fundmodel.inputs.portfolio.PortfolioError` when the
    portfolio has validation errors.
    """
    p = params or default_parameters()
    c = constraints or SelectionConstraints()
    if method not in ("auto", "milp", "lp_core"):
        raise SelectionError(Message("selection_unknown_method", {"method": repr(method)}))
    if core_size < 1:
        raise SelectionError(Message("selection_core_size", {"n": core_size}))
    frame = portfolio.under(p).require_valid().frame
    if not len(frame):
        raise SelectionError(Message("selection_no_candidates", {"source": portfolio.source}))
    pb = _problem(frame, p, objective, c)
    mins = sum(c.field_min.values())
    if mins > 1 + 1e-12:
        raise SelectionError(Message("selection_field_mins", {"sum": mins, "fields": list(c.field_min)}))
    for fid in set(c.field_min) & set(c.field_max):
        if c.field_min[fid] > c.field_max[fid]:
            params = {"field": fid, "low": c.field_min[fid], "high": c.field_max[fid]}
            raise SelectionError(Message("selection_field_min_above_max", params))
    start = time.perf_counter()
    n = len(pb.limit)
    x_greedy = greedy(pb)
    greedy_violations = violations(pb, x_greedy)
    relax = _relaxation(pb, set(_groups(pb)))
    if relax is None:
        conflict = _describe_groups(pb, explain_infeasible(pb, relaxed=True))
        raise SelectionError(Message("selection_infeasible", {"conflict": conflict}))
    bound = relax.bound
    use_core = method == "lp_core" or (method == "auto" and n > FULL_MILP_MAX_CANDIDATES)
    if use_core:
        size = core_size
        while True:
            core = core_mask(relax, pb.limit, size)
            x, res = _solve_core(pb, relax, core, time_limit - (time.perf_counter() - start))
            if x is not None or res.status != 2 or core.all():
                break
            size = 4 * max(size, 1)  # the fixed projects leave the core no feasible choice: widen it
        whole = bool(core.all())
        used = "milp" if whole else "lp_core"
        status = str(res.message)
        if not whole:
            status += (
                f"; the MILP decided the {int(core.sum()):,} of {n:,} candidates nearest the LP threshold, "
                "the others kept their LP values"
            )
    else:
        floor = None if greedy_violations else float(pb.weight @ x_greedy)
        x, res = _solve(pb, set(_groups(pb)), time_limit - (time.perf_counter() - start), floor)
        whole, used, status = True, "milp", str(res.message)
    if x is None:
        if res.status == 2:  # only when the whole model was tried: the core was widened to all
            conflict = explain_infeasible(pb)
            raise SelectionError(Message("selection_infeasible", {"conflict": _describe_groups(pb, conflict)}))
        if greedy_violations:
            raise SelectionError(Message("selection_solver_stopped", {"status": str(res.message)}))
        x, used = x_greedy, "greedy"
        status = f"{res.message} before the solver found a selection: the greedy ranking's selection is kept"
    elif whole and np.isfinite(getattr(res, "mip_dual_bound", np.nan) or np.nan):
        bound = min(bound, -float(res.mip_dual_bound))  # HiGHS's bound on the whole MILP
    if used != "greedy" and not greedy_violations and float(pb.weight @ x_greedy) > float(pb.weight @ x):
        x, used = x_greedy, "greedy"
        status += "; the greedy ranking's selection is better and is kept"
    seconds = time.perf_counter() - start
    # HiGHS meets the rows to its feasibility tolerance, which can put its objective a
    # rounding error above a bound: a bound is never reported below a feasible objective.
    bound = max(bound, float(pb.weight @ x))
    projects = frame.copy()
    fraction = np.divide(x, pb.limit, out=np.zeros_like(x), where=pb.limit > 0)
    projects["chosen"] = x > BINDING_TOLERANCE_BN
    projects["fund_bn"] = x
    projects["funded_fraction"] = fraction
    projects["investment_bn"] = pb.investment * fraction
    projects["objective_bn"] = pb.weight * x
    projects["greedy_fund_bn"] = x_greedy
    usage = pd.DataFrame(
        {
            "fund_bn": np.bincount(pb.bank, weights=x, minlength=len(pb.bank_ids)),
            "quota_bn": pb.quota,
            "greedy_fund_bn": np.bincount(pb.bank, weights=x_greedy, minlength=len(pb.bank_ids)),
        },
        index=pd.Index(pb.bank_ids, name="bank"),
    )
    result = None
    if with_result and projects["chosen"].any():
        result = run_portfolio(scaled_portfolio(portfolio, projects), p, scenario_name=f"selection ({objective})")
    return Selection(
        projects=projects,
        objective_name=objective,
        objective=float(pb.weight @ x),
        greedy_objective=float(pb.weight @ x_greedy),
        greedy_violations=greedy_violations,
        binding=_binding(pb, x),
        usage=usage,
        status=status,
        seconds=seconds,
        method=used,
        bound=bound,
        result=result,
    )


def scaled_portfolio(portfolio: Portfolio, projects: pd.DataFrame) -> Portfolio:
    """The chosen projects as a portfolio, each scaled by its funded fraction (the whole
    capital stack scales, so s and k are unchanged)."""
    chosen = projects[projects["chosen"]]
    frame = portfolio.frame.loc[chosen.index].copy()
    f = chosen["funded_fraction"].to_numpy()
    for col in ("fund_requested_bn", "total_investment_bn", "project_capital_bn", "other_public_funding_bn"):
        frame[col] = frame[col].to_numpy(dtype=float) * f
    frame["fund_requested_bn"] = chosen["fund_bn"].to_numpy()
    return Portfolio(frame=frame, issues=portfolio.issues.iloc[0:0], source=f"{portfolio.source} (selected)")


def brute_force(
    portfolio: Portfolio,
    objective: Objective = "total",
    constraints: SelectionConstraints | None = None,
    params: Parameters | None = None,
) -> tuple[float, np.ndarray]:
    """Exhaustive optimum for small portfolios (tests): every subset, all-or-nothing
    (requires ``min_fraction == 1``). Returns (objective, money per project)."""
    p = params or default_parameters()
    c = constraints or SelectionConstraints(min_fraction=1.0)
    if c.min_fraction != 1.0:
        raise ValueError("brute_force enumerates whole projects: min_fraction must be 1")
    pb = _problem(portfolio.under(p).require_valid().frame, p, objective, c)
    n = len(pb.limit)
    if n > 16:
        raise ValueError("brute_force is for at most 16 projects")
    best, best_x = -np.inf, np.zeros(n)
    for mask in itertools.product([0.0, 1.0], repeat=n):
        x = pb.limit * np.array(mask)
        if not violations(pb, x):
            value = float(pb.weight @ x)
            if value > best + 1e-12:
                best, best_x = value, x
    return best, best_x


def constraint_message(name: str) -> Message:
    """A constraint of the selection as :func:`select_projects` names it (``binding``,
    ``greedy_violations``: ``quota:cdb``, ``private_min``, ``field_max:energy``) as a message
    naming its bank or field.

    >>> constraint_message("quota:cdb").render("zh"), constraint_message("total").render("en")
    ('国家开发银行的额度', 'the instrument size')
    """
    kind, _, key = name.partition(":")
    return message_or_text(f"select_constraint_{kind}", name, {"key": key})
