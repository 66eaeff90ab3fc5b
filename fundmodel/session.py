"""The one object that turns a scenario, a planner's edits, an allocation, a portfolio and
its cell edits into parameters and a :class:`~fundmodel.core.result.Result`.

The CLI builds one per scenario it runs; the dashboard builds one per state and keeps only
Streamlit state and caching around it. Nothing here changes a number the user gave: a
broken rule is reported in the result's checks, never corrected.

* ``scenario``: overrides on the bundled parameters (:class:`~fundmodel.inputs.scenario.Scenario`)
* ``edits``: further overrides (e.g. leverage assumptions edited on the dashboard)
* ``allocation_bn``: a fields x banks matrix (bn RMB) replacing the parameters' allocation
* ``portfolio``: a read portfolio, validated again under the session's parameters
* ``cell_edits``: {(row as in the file, header as written): cell} on the portfolio

On the portfolio basis the allocation is a budget per field x bank cell:
:meth:`Session.budgeted_result` runs the projects chosen under it
(:mod:`fundmodel.analysis.budgets`), so an allocation edit changes which projects are
funded; :meth:`Session.portfolio_result` runs the list as submitted.

>>> from fundmodel.inputs.scenario import baseline
>>> s = Session(baseline())
>>> round(s.result().total_investment_bn)
5992
>>> s.is_edited
False
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from fundmodel.analysis.budgets import BudgetedSelection, select_under_budgets
from fundmodel.core.bottom_up import run_portfolio
from fundmodel.core.result import Result
from fundmodel.core.topdown import run as run_top_down
from fundmodel.edits import allocation_overrides, merge_overrides
from fundmodel.inputs.parameters import Parameters, default_parameters
from fundmodel.inputs.portfolio import Portfolio
from fundmodel.inputs.scenario import Scenario

#: Marks a run whose inputs differ from its scenario as loaded.
EDITED_SUFFIX = " (edited)"
#: The source named on parameters a planner edited.
EDIT_SOURCE = "dashboard"


@dataclass(frozen=True, eq=False)
class Session:
    """A scenario with edits, an optional allocation and an optional portfolio (see the module)."""

    scenario: Scenario
    edits: Mapping[str, Any] = field(default_factory=dict)
    allocation_bn: np.ndarray | None = None
    portfolio: Portfolio | None = None
    cell_edits: Mapping[tuple[int, str], Any] = field(default_factory=dict)
    base: Parameters | None = None
    """The scenario's parameters when already built (a cache of the caller); else built here."""
    edited: Parameters | None = None
    """The scenario's parameters with the edits, when already built (a cache of the caller)."""
    previous_selection: BudgetedSelection | None = None
    """A budgeted selection of the same projects under other budgets (a cache of the caller):
    cells whose budget is unchanged keep its choice (see ``select_under_budgets``)."""

    # ------------------------------------------------------------------ parameters

    @cached_property
    def scenario_parameters(self) -> Parameters:
        """The bundled parameters with the scenario's overrides (validated)."""
        return self.base if self.base is not None else self.scenario.parameters()

    @cached_property
    def parameters(self) -> Parameters:
        """The scenario's parameters with the edits on top (the allocation stays the
        scenario's; an edited allocation is passed to the run as is, so that a broken sum
        is reported, not refused)."""
        if self.edited is not None:
            return self.edited
        if not self.edits:
            return self.scenario_parameters
        return self.scenario_parameters.with_overrides(dict(self.edits), source=EDIT_SOURCE)

    @property
    def allocation_edited(self) -> bool:
        """True when the allocation differs from the scenario's."""
        if self.allocation_bn is None:
            return False
        return bool(allocation_overrides(self.scenario_parameters, self.allocation_bn))

    @property
    def is_edited(self) -> bool:
        """True when the edits or the allocation change the scenario as loaded."""
        return bool(self.edits) or self.allocation_edited

    def overrides(self) -> dict[str, Any]:
        """The scenario's overrides with the edits and the edited allocation cells on top:
        the ``overrides:`` of a scenario file that reproduces this session.

        >>> from fundmodel.inputs.scenario import baseline
        >>> p = baseline().parameters()
        >>> a = np.array(p.allocation_matrix)
        >>> a[0, 0] += 1.0
        >>> list(Session(baseline(), allocation_bn=a).overrides())
        ['allocation_bn']
        """
        edits = dict(self.edits)
        if self.allocation_bn is not None:
            edits = merge_overrides(edits, allocation_overrides(self.scenario_parameters, self.allocation_bn))
        return merge_overrides(self.scenario.overrides, edits)

    def full_parameters(self) -> Parameters:
        """The parameters of this session, allocation included (raises ParameterError when
        an edit breaks a rule a scenario file may not break, e.g. a negative cell)."""
        return default_parameters(self.scenario_parameters.instrument_id).with_overrides(
            self.overrides(), source=EDIT_SOURCE
        )

    def to_scenario(self, name: str | None = None) -> Scenario:
        """This session as a scenario (its file is written by :meth:`Scenario.to_yaml`)."""
        title = name or self.run_name
        return Scenario(
            name=title,
            overrides=self.overrides(),
            source=EDIT_SOURCE,
            instrument=self.scenario_parameters.instrument_id,
        )

    # ------------------------------------------------------------------ runs

    @property
    def run_name(self) -> str:
        """The scenario's name, marked when edited."""
        return self.scenario.name + (EDITED_SUFFIX if self.is_edited else "")

    def result(self, name: str | None = None) -> Result:
        """The top-down run of this session."""
        return run_top_down(self.parameters, allocation_bn=self.allocation_bn, scenario_name=name or self.run_name)

    @cached_property
    def validated_portfolio(self) -> Portfolio | None:
        """The portfolio with its cell edits, validated under :attr:`parameters` (caps,
        statutory minimums and field defaults depend on them); None without a portfolio."""
        if self.portfolio is None:
            return None
        portfolio = self.portfolio.under(self.parameters)
        if self.cell_edits:
            portfolio = portfolio.with_edits(dict(self.cell_edits), self.parameters)
        return portfolio

    def portfolio_result(self, name: str, cashflow: bool | None = None) -> Result | None:
        """The bottom-up run of the validated portfolio; None when it has errors (its
        validation report says which)."""
        portfolio = self.validated_portfolio
        if portfolio is None or not portfolio.ok:
            return None
        return run_portfolio(portfolio, self.parameters, scenario_name=name, cashflow=cashflow)

    @property
    def budgets_bn(self) -> np.ndarray:
        """The field x bank budgets (bn RMB): the edited allocation, else the scenario's."""
        if self.allocation_bn is not None:
            return np.asarray(self.allocation_bn, dtype=float)
        return np.asarray(self.parameters.allocation_matrix, dtype=float)

    @cached_property
    def budgeted_selection(self) -> BudgetedSelection | None:
        """The validated portfolio's projects chosen under :attr:`budgets_bn` (objective:
        total investment; a project may be funded at half its request or more); None
        without a valid portfolio."""
        portfolio = self.validated_portfolio
        if portfolio is None or not portfolio.ok:
            return None
        return select_under_budgets(portfolio, self.parameters, self.budgets_bn, previous=self.previous_selection)

    def budgeted_result(self, name: str, cashflow: bool | None = None) -> Result | None:
        """The bottom-up run of the projects funded under the allocation's cell budgets: what
        the dashboard shows on the portfolio basis; None without a valid portfolio.

        >>> from fundmodel.inputs.bundled import PORTFOLIO_DIR
        >>> from fundmodel.inputs.portfolio import read_portfolio
        >>> from fundmodel.inputs.scenario import baseline
        >>> pf = read_portfolio(PORTFOLIO_DIR / "national_synthetic.csv")
        >>> s = Session(baseline(), portfolio=pf)
        >>> round(s.portfolio_result("as submitted").total_investment_bn)
        7080
        >>> round(s.budgeted_result("under the allocation").total_investment_bn)
        6858
        """
        selection = self.budgeted_selection
        if selection is None:
            return None
        return selection.run(self.parameters, name, cashflow=cashflow)
