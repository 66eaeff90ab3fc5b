"""A portfolio funded under the allocation: each field x bank cell of the allocation is a
budget, and the cell's candidate projects are chosen under it.

This is what an allocation means on the portfolio basis: moving money between cells
changes which projects are funded, and so the investment they carry.

Per cell c with budget B_c (bn RMB) and candidates with requests R_i:

* B_c <= 0: nothing is funded in the cell (a negative budget is the allocation's broken
  rule, reported by its checks, never corrected here);
* sum R_i <= B_c: every request is funded in full and B_c - sum R_i stays unused;
* otherwise the projects are chosen by :func:`~fundmodel.analysis.selection.select_projects`
  on the cell alone (bank quota = total = B_c), with its partial-funding rule (a project
  funded at a fraction >= ``min_fraction`` of its request counts that fraction of its
  investment) and without the instrument's private floor, which is a rule on the whole
  instrument: it is reported by the run's checks, not enforced per cell.

Cells are independent once their budgets are fixed, so one small program per cell gives
the same answer as one program with a row per cell.

Example: one cell, budget 10, requests 6 (I 60), 5 (I 45), 5 (I 40), whole projects only:
the two 5s are funded (investment 85); with budget 20 all three (145), 4 unused.

>>> from fundmodel import default_parameters
>>> from fundmodel.inputs.portfolio import parse_portfolio
>>> p = default_parameters()
>>> t = pd.DataFrame({'project_id': ['P0', 'P1', 'P2'], 'fund_requested_bn': ['6', '5', '5']}, index=[2, 3, 4])
>>> t['total_investment_bn'], t['capital_ratio'] = ['60', '45', '40'], '0.25'
>>> t['project_name'], t['field'], t['bank'] = t['project_id'], 'transport_logistics', 'cdb'
>>> t['province'], t['private'], t['start_year'], t['construction_years'] = 'jiangsu', 'yes', '2025', '3'
>>> budget = np.zeros((len(p.field_ids), len(p.bank_ids)))
>>> cell = (p.field_ids.index('transport_logistics'), p.bank_ids.index('cdb'))
>>> budget[cell] = 10.0
>>> chosen = select_under_budgets(parse_portfolio(t), p, budget, min_fraction=1.0)
>>> round(chosen.investment_bn, 6), chosen.projects['chosen'].tolist()
(85.0, [False, True, True])
>>> budget[cell] = 20.0
>>> chosen = select_under_budgets(parse_portfolio(t), p, budget, min_fraction=1.0)
>>> round(chosen.investment_bn, 6), round(float(chosen.cells['unused_bn'].sum()), 6)
(145.0, 4.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fundmodel.analysis.selection import (
    BINDING_TOLERANCE_BN,
    Objective,
    SelectionConstraints,
    scaled_portfolio,
    select_projects,
)
from fundmodel.core.bottom_up import run_portfolio
from fundmodel.core.result import Result
from fundmodel.errors import InputError
from fundmodel.inputs.parameters import Parameters
from fundmodel.inputs.portfolio import Portfolio
from fundmodel.messages import Message

#: Requests within this of a budget fit it (bn RMB; 1 yuan is 1e-9 bn).
FIT_TOLERANCE_BN = 1e-9


@dataclass(frozen=True)
class BudgetedSelection:
    """The projects funded under cell budgets.

    * ``projects``: every candidate (the portfolio's rows) with ``chosen``, ``fund_bn``
      (money it gets), ``funded_fraction`` and ``investment_bn`` (investment counted)
    * ``cells``: one row per (field, bank) with ``budget_bn``, ``requested_bn`` (all
      candidates' requests), ``funded_bn`` and ``unused_bn`` (budget no project takes)
    * ``portfolio``: the funded projects, each scaled by its funded fraction
    """

    projects: pd.DataFrame
    cells: pd.DataFrame
    portfolio: Portfolio
    objective: str = "total"
    min_fraction: float = 0.5

    @property
    def investment_bn(self) -> float:
        """Total investment of the funded projects (bn RMB), sum of ``investment_bn``."""
        return float(self.projects["investment_bn"].sum())

    @property
    def n_chosen(self) -> int:
        return int(self.projects["chosen"].sum())

    def basis_note(self, portfolio: str) -> Message:
        """The sentence naming this basis (``basis_portfolio_note``): the portfolio, the
        projects funded of the candidates, the money funded of the budgets and the budget
        no project takes (bn RMB, rendered in the reader's unit)."""
        cells = self.cells
        return Message(
            "basis_portfolio_note",
            {
                "portfolio": portfolio,
                "chosen": self.n_chosen,
                "candidates": len(self.projects),
                "funded": float(cells["funded_bn"].sum()),
                "budget": float(cells["budget_bn"].sum()),
                "unused": float(cells["unused_bn"].sum()),
            },
        )

    def run(self, params: Parameters, scenario_name: str, cashflow: bool | None = None) -> Result:
        """The bottom-up run of the funded projects (raises InputError when none is funded)."""
        if not self.n_chosen:
            raise InputError("no project is funded under these budgets")
        return run_portfolio(self.portfolio, params, scenario_name=scenario_name, cashflow=cashflow)


def select_under_budgets(
    portfolio: Portfolio,
    params: Parameters,
    budget_bn: np.ndarray,
    objective: Objective = "total",
    min_fraction: float = 0.5,
    previous: BudgetedSelection | None = None,
) -> BudgetedSelection:
    """Fund the projects of a valid ``portfolio`` under ``budget_bn`` (fields x banks, bn
    RMB, in parameter order), cell by cell (see the module).

    ``previous``: a selection of the same projects (same requests, investment, fields,
    banks and objective inputs) with the same settings; a cell whose budget is unchanged
    keeps its choice instead of being solved again (after a transfer only two cells are),
    which gives the same answer as solving it."""
    budget = np.asarray(budget_bn, dtype=float)
    shape = (len(params.field_ids), len(params.bank_ids))
    if budget.shape != shape:
        raise InputError(f"budgets must be {shape[0]} fields x {shape[1]} banks, got {budget.shape}")
    frame = portfolio.under(params).require_valid().frame
    limit = frame["fund_requested_bn"].to_numpy(dtype=float)
    field_code = pd.Categorical(frame["field"], categories=params.field_ids).codes
    bank_code = pd.Categorical(frame["bank"], categories=params.bank_ids).codes
    x = np.zeros(len(frame))
    reusable = _reusable(previous, frame, objective, min_fraction)
    for i, j in np.ndindex(*shape):
        in_cell = (field_code == i) & (bank_code == j)
        b = budget[i, j]
        if b <= 0 or not in_cell.any():
            continue
        if limit[in_cell].sum() <= b + FIT_TOLERANCE_BN:
            x[in_cell] = limit[in_cell]
            continue
        if reusable is not None and reusable.cells["budget_bn"].iloc[i * shape[1] + j] == b:
            x[in_cell] = reusable.projects["fund_bn"].to_numpy(dtype=float)[in_cell]
            continue
        cell = Portfolio(frame=frame[in_cell], issues=portfolio.issues.iloc[0:0], source=portfolio.source)
        constraints = SelectionConstraints(
            quota_bn={params.bank_ids[j]: b}, total_bn=b, private_min=0.0, min_fraction=min_fraction
        )
        chosen = select_projects(cell, objective, constraints, params=params, with_result=False)
        x[in_cell] = chosen.projects["fund_bn"].to_numpy(dtype=float)
    fraction = np.divide(x, limit, out=np.zeros_like(x), where=limit > 0)
    projects = frame.copy()
    projects["chosen"] = x > BINDING_TOLERANCE_BN
    projects["fund_bn"] = x
    projects["funded_fraction"] = fraction
    projects["investment_bn"] = frame["total_investment_bn"].to_numpy(dtype=float) * fraction
    cells = _cell_table(params, budget, field_code, bank_code, limit, x)
    source = Portfolio(frame=frame, issues=portfolio.issues.iloc[0:0], source=portfolio.source)
    return BudgetedSelection(
        projects=projects,
        cells=cells,
        portfolio=scaled_portfolio(source, projects),
        objective=objective,
        min_fraction=min_fraction,
    )


#: The columns a cell's choice depends on, per objective: requests, investment and cell
#: always; additionality (and the score) only where the objective weighs by them. An edit of
#: additionality on the ``total`` objective therefore keeps every cell's choice.
DECISION_COLUMNS: dict[str, list[str]] = {
    "total": ["fund_requested_bn", "total_investment_bn", "field", "bank"],
    "net": ["fund_requested_bn", "total_investment_bn", "field", "bank", "additionality"],
    "score": ["fund_requested_bn", "total_investment_bn", "field", "bank", "additionality", "score"],
}


def _reusable(
    previous: BudgetedSelection | None, frame: pd.DataFrame, objective: str, min_fraction: float
) -> BudgetedSelection | None:
    """``previous`` when its choices can stand for this one's in cells of equal budget."""
    if previous is None or (previous.objective, previous.min_fraction) != (objective, min_fraction):
        return None
    columns = [c for c in DECISION_COLUMNS[objective] if c in frame.columns]
    if not previous.projects.index.equals(frame.index) or not all(c in previous.projects for c in columns):
        return None
    return previous if previous.projects[columns].equals(frame[columns]) else None


def _cell_table(
    params: Parameters,
    budget: np.ndarray,
    field_code: np.ndarray,
    bank_code: np.ndarray,
    requested: np.ndarray,
    funded: np.ndarray,
) -> pd.DataFrame:
    """Budget, requests, money funded and budget left unused per (field, bank) (bn RMB)."""
    n_banks = len(params.bank_ids)
    flat = field_code * n_banks + bank_code
    size = budget.size
    funded_bn = np.bincount(flat, weights=funded, minlength=size)
    index = pd.MultiIndex.from_product([params.field_ids, params.bank_ids], names=["field", "bank"])
    return pd.DataFrame(
        {
            "budget_bn": budget.ravel(),
            "requested_bn": np.bincount(flat, weights=requested, minlength=size),
            "funded_bn": funded_bn,
            "unused_bn": np.maximum(budget.ravel() - funded_bn, 0.0),
        },
        index=index,
    )
