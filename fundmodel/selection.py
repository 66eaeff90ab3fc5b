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

Example: quota 10, projects (F 6, I 60), (F 5, I 45), (F 5, I 40): greedy takes the 10x
project (60) and nothing else fits; the MILP takes the other two, 85.
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
from scipy.optimize import Bounds, LinearConstraint, milp

from fundmodel.bottom_up import run_portfolio
from fundmodel.parameters import Parameters, default_parameters
from fundmodel.portfolio import Portfolio
from fundmodel.result import Result

Objective = Literal["total", "net", "score"]
#: Slack below which a constraint counts as binding (bn RMB).
BINDING_TOLERANCE_BN = 1e-6
#: Relative MIP gap HiGHS stops at (the reported objective is within this of the optimum).
MIP_REL_GAP = 1e-5


class SelectionError(ValueError):
    """The selection problem is malformed or infeasible; the message names the conflict."""


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
    mip_gap: float
    result: Result | None = None

    @property
    def gain(self) -> float:
        return self.objective - self.greedy_objective

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
        raise SelectionError(f"unknown objective {objective!r} (use total, net or score)")
    c = constraints
    if not 0 < c.min_fraction <= 1:
        raise SelectionError(f"min_fraction must be in (0, 1] (got {c.min_fraction})")
    if not 0 <= c.min_quota_use <= 1:
        raise SelectionError(f"min_quota_use must be in [0, 1] (got {c.min_quota_use})")
    for name, bounds in (("field_min", c.field_min), ("field_max", c.field_max)):
        for fid, share in bounds.items():
            if fid not in params.fields:
                raise SelectionError(f"{name}: unknown field {fid!r}")
            if not 0 <= share <= 1:
                raise SelectionError(f"{name}.{fid}: share must be in [0, 1] (got {share})")
    for bid in c.quota_bn:
        if bid not in params.banks:
            raise SelectionError(f"quota: unknown bank {bid!r}")
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
            raise SelectionError("objective 'score' needs a 'score' column in the portfolio")
        score = frame["score"].to_numpy(dtype=float)
        if np.isnan(score).any():
            rows = frame.index[np.isnan(score)].tolist()[:5]
            raise SelectionError(f"objective 'score': projects without a score at rows {rows}")
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


def _solve(
    pb: _Problem, active: set[str], time_limit: float, floor: float | None = None
) -> tuple[np.ndarray | None, object]:
    """Solve the MILP with the active constraint groups; returns (x, scipy result).

    ``floor`` is a known feasible objective value (the greedy baseline's): the objective
    is constrained to reach it, which never cuts off the optimum and speeds the search."""
    n = len(pb.limit)
    eye = sparse.identity(n, format="csr")
    phi = pb.c.min_fraction if "min_fraction" in active else 0.0
    # x_i - R_i y_i <= 0 and x_i - phi R_i y_i >= 0
    link = sparse.vstack(
        [sparse.hstack([eye, -sparse.diags(pb.limit)]), sparse.hstack([eye, -sparse.diags(phi * pb.limit)])]
    )
    link_lo = np.concatenate([np.full(n, -np.inf), np.zeros(n)])
    link_hi = np.concatenate([np.zeros(n), np.full(n, np.inf)])
    a, lo, hi, _ = _rows(pb, active)
    constraints = [LinearConstraint(link, link_lo, link_hi)]
    if a.shape[0]:
        constraints.append(LinearConstraint(sparse.hstack([a, sparse.csr_matrix((a.shape[0], n))]), lo, hi))
    if floor is not None:
        # The greedy baseline is feasible: asking for at least its objective never cuts off the optimum.
        slack = 1e-9 * max(1.0, abs(floor))
        weights = np.concatenate([pb.weight, np.zeros(n)])[None, :]
        constraints.append(LinearConstraint(weights, floor - slack, np.inf))
    cost = np.concatenate([-pb.weight, np.zeros(n)])
    with _quiet_solver():
        res = milp(
            cost,
            constraints=constraints,
            integrality=np.concatenate([np.zeros(n), np.ones(n)]),
            bounds=Bounds(np.zeros(2 * n), np.concatenate([pb.limit, np.ones(n)])),
            options={"time_limit": time_limit, "mip_rel_gap": MIP_REL_GAP},
        )
    if res.x is None:
        return None, res
    x = res.x[:n]
    chosen = res.x[n:] > 0.5
    return np.where(chosen, x, 0.0), res


def explain_infeasible(pb: _Problem, time_limit: float = 10.0) -> list[str]:
    """A minimal set of constraint groups that cannot hold together (deletion filter:
    drop each group in turn; keep it only if the rest become feasible without it)."""
    groups = _groups(pb)
    needed = list(groups)
    for g in groups:
        trial = set(needed) - {g}
        x, res = _solve(pb, trial, time_limit)
        if x is None and res.status == 2:  # still infeasible without g: g is not needed
            needed.remove(g)
    return needed


def _describe_groups(pb: _Problem, names: list[str]) -> str:
    parts = []
    for g in names:
        kind, _, key = g.partition(":")
        if kind == "min_quota_use":
            j = pb.bank_ids.index(key)
            avail = pb.limit[pb.bank == j].sum()
            parts.append(
                f"{key} must use {pb.c.min_quota_use:.0%} of its {pb.quota[j]:,.3f} bn quota "
                f"({pb.c.min_quota_use * pb.quota[j]:,.3f} bn; its candidates ask for {avail:,.3f} bn)"
            )
        elif kind == "quota":
            parts.append(f"{key}'s quota of {pb.quota[pb.bank_ids.index(key)]:,.3f} bn")
        elif kind == "total":
            parts.append(f"the instrument size of {pb.size:,.3f} bn")
        elif kind == "private_min":
            avail = pb.limit[pb.private].sum()
            parts.append(f"private share >= {pb.private_min:.0%} (private candidates ask for {avail:,.3f} bn)")
        elif kind == "field_min":
            parts.append(f"{key} share >= {pb.c.field_min[key]:.0%}")
        elif kind == "field_max":
            parts.append(f"{key} share <= {pb.c.field_max[key]:.0%}")
        elif kind == "min_fraction":
            parts.append(f"minimum funded fraction {pb.c.min_fraction:.0%}")
    return "; ".join(parts)


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
) -> Selection:
    """Choose which projects to fund, and how much, maximising ``objective``.

    Raises :class:`SelectionError` naming the conflicting constraints when no selection
    can satisfy them all, and :class:`~fundmodel.portfolio.PortfolioError` when the
    portfolio has validation errors.
    """
    p = params or default_parameters()
    c = constraints or SelectionConstraints()
    frame = portfolio.under(p).require_valid().frame
    if not len(frame):
        raise SelectionError(f"{portfolio.source}: no candidate projects")
    pb = _problem(frame, p, objective, c)
    mins = sum(c.field_min.values())
    if mins > 1 + 1e-12:
        raise SelectionError(f"field minimum shares sum to {mins:.0%}, more than 100%: {dict(c.field_min)}")
    for fid in set(c.field_min) & set(c.field_max):
        if c.field_min[fid] > c.field_max[fid]:
            raise SelectionError(f"{fid}: minimum share {c.field_min[fid]:.0%} > maximum {c.field_max[fid]:.0%}")
    start = time.perf_counter()
    x_greedy = greedy(pb)
    greedy_violations = violations(pb, x_greedy)
    floor = None if greedy_violations else float(pb.weight @ x_greedy)
    x, res = _solve(pb, set(_groups(pb)), time_limit, floor)
    seconds = time.perf_counter() - start
    status = str(res.message)
    if x is None:
        if res.status == 2:
            conflict = explain_infeasible(pb)
            raise SelectionError(
                "no selection satisfies all constraints; these conflict: " + _describe_groups(pb, conflict)
            )
        if greedy_violations:
            raise SelectionError(f"the solver stopped without a solution: {res.message}")
        # The greedy ranking is feasible: keep it, and say it is not proven optimal.
        x = x_greedy
        status = (
            f"{res.message} before the solver found a selection: the greedy ranking's selection "
            "(feasible, not proven optimal) is kept"
        )
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
    gap = getattr(res, "mip_gap", float("nan"))
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
        mip_gap=float(gap) if gap is not None else float("nan"),
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
