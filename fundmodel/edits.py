"""Edits a planner makes on top of a scenario: leverage assumptions per field, the bank
scales, and the fields x banks allocation; turned into scenario overrides and runs.

Everything here is plain data in and out (no UI): the dashboard keeps the edited values
and calls these functions. Money in bn RMB; shares as fractions (0.4 = 40%).

Edits are absolute values (a slider says "s = 0.45", not "+0.05"), so applying the same
edit twice gives the same parameters, and an edit equal to the scenario's value is no
override at all (:func:`leverage_overrides` returns only what differs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fundmodel.core.result import Result
from fundmodel.core.topdown import run as run_model
from fundmodel.errors import InputError
from fundmodel.inputs.parameters import Parameters

#: The per-field leverage assumptions a planner edits, in the order shown.
FIELD_ASSUMPTIONS: tuple[str, ...] = (
    "fund_share_of_capital",
    "capital_ratio",
    "additionality",
    "infrastructure_share",
)

#: Values closer than this are the same assumption (shares; 1e-9 of a share).
SAME_VALUE = 1e-9


def assumption_table(params: Parameters) -> pd.DataFrame:
    """The editable per-field assumptions of ``params`` with their bounds, one row per field.

    Columns: the :data:`FIELD_ASSUMPTIONS`, ``fund_share_cap`` (upper bound of s) and
    ``capital_ratio_minimum`` (statutory lower bound of k), all fractions.

    Example: on the bundled parameters the digital-economy row has s = 0.40 with cap 0.50
    and k = 0.20 with minimum 0.20.

    >>> from fundmodel import default_parameters
    >>> row = assumption_table(default_parameters()).loc['digital_economy']
    >>> row[['fund_share_of_capital', 'fund_share_cap', 'capital_ratio', 'capital_ratio_minimum']].tolist()
    [0.4, 0.5, 0.2, 0.2]
    """
    table = pd.DataFrame(
        {name: np.array(getattr(params, name), dtype=float) for name in FIELD_ASSUMPTIONS},
        index=pd.Index(params.field_ids, name="field"),
    )
    table["fund_share_cap"] = np.array(params.fund_share_cap, dtype=float)
    table["capital_ratio_minimum"] = np.array(params.capital_ratio_minimum, dtype=float)
    return table


def bank_scales(params: Parameters) -> dict[str, float]:
    """Each bank's scale on the fund share of capital, by bank id (times)."""
    return {bid: float(v) for bid, v in zip(params.bank_ids, params.fund_share_scale, strict=True)}


def leverage_overrides(
    params: Parameters,
    field_values: Mapping[str, Mapping[str, float]] | None = None,
    bank_scale: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """Overrides (for :meth:`Parameters.with_overrides`) holding only the edited values
    that differ from ``params``.

    ``field_values`` maps field id -> {assumption: value}; ``bank_scale`` maps bank id ->
    fund_share_scale. Unknown ids or assumptions raise ValueError naming them; values are
    passed on unchanged (validation of ranges is the parameters' job).

    Example: ``leverage_overrides(p, {"digital_economy": {"capital_ratio": 0.25}})`` is
    ``{"fields": {"digital_economy": {"capital_ratio": 0.25}}}``; the same call with 0.20
    (the bundled value) is ``{}``.

    >>> from fundmodel import default_parameters
    >>> p = default_parameters()
    >>> leverage_overrides(p, {'digital_economy': {'capital_ratio': 0.25}})
    {'fields': {'digital_economy': {'capital_ratio': 0.25}}}
    >>> leverage_overrides(p, {'digital_economy': {'capital_ratio': 0.20}})
    {}
    """
    overrides: dict[str, Any] = {}
    for fid, values in (field_values or {}).items():
        if fid not in params.fields:
            raise InputError(f"unknown field {fid!r} (known: {', '.join(params.field_ids)})")
        row = params.fields[fid]
        for name, value in values.items():
            if name not in FIELD_ASSUMPTIONS:
                raise InputError(f"field {fid}: unknown assumption {name!r} (editable: {', '.join(FIELD_ASSUMPTIONS)})")
            if abs(float(value) - float(getattr(row, name).value)) > SAME_VALUE:
                overrides.setdefault("fields", {}).setdefault(fid, {})[name] = float(value)
    for bid, value in (bank_scale or {}).items():
        if bid not in params.banks:
            raise InputError(f"unknown bank {bid!r} (known: {', '.join(params.bank_ids)})")
        if abs(float(value) - float(params.banks[bid].fund_share_scale.value)) > SAME_VALUE:
            overrides.setdefault("banks", {}).setdefault(bid, {})["fund_share_scale"] = float(value)
    return overrides


def freeze(value: Any) -> Any:
    """A hashable, order-independent form of nested overrides (dicts -> sorted tuples,
    lists and arrays -> tuples), for use as a cache key.

    Example: ``freeze({"b": 1, "a": {"x": [1, 2]}}) == (("a", (("x", (1, 2)),)), ("b", 1))``.

    >>> freeze({'b': 1, 'a': {'x': [1, 2]}})
    (('a', (('x', (1, 2)),)), ('b', 1))
    """
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), freeze(v)) for k, v in value.items()))
    if isinstance(value, np.ndarray):
        return tuple(freeze(v) for v in value.tolist())
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def thaw(frozen: Any) -> Any:
    """Inverse of :func:`freeze` for frozen mappings: sorted (key, value) tuples -> dicts
    (the empty tuple is the empty mapping)."""
    if frozen == ():
        return {}
    pairs = isinstance(frozen, tuple) and all(isinstance(x, tuple) and len(x) == 2 for x in frozen)
    if pairs and all(isinstance(k, str) for k, _ in frozen):
        return {k: thaw(v) for k, v in frozen}
    if isinstance(frozen, tuple):
        return [thaw(v) for v in frozen]
    return frozen


def run_edited(
    base: Parameters,
    overrides: Mapping[str, Any] | None = None,
    allocation_bn: np.ndarray | None = None,
    scenario_name: str = "edited",
    source: str = "dashboard",
) -> Result:
    """Run the top-down model on ``base`` with the edited ``overrides`` and allocation.

    The allocation (fields x banks, bn RMB) is passed to the model as is: a negative cell
    or a broken sum is reported as a check, never corrected.
    """
    params = base.with_overrides(overrides or {}, source=source)
    return run_model(params, allocation_bn=allocation_bn, scenario_name=scenario_name)


def proportional_allocation(params: Parameters, matrix_bn: np.ndarray) -> np.ndarray:
    """Propose an allocation whose bank columns sum to the bank quotas, keeping each
    bank's field mix: column j is scaled by quota_j / sum_j (bn RMB).

    A column that sums to zero or less, or holds a negative cell, has no usable mix: it
    takes the field mix of the parameters' own allocation for that bank. The input is
    not changed; the result is a proposal the planner may apply.

    Example: column [30, 10] with quota 100 -> [75, 25] (scale 100 / 40 = 2.5).

    >>> from fundmodel import default_parameters
    >>> p = default_parameters()
    >>> proposal = proportional_allocation(p, p.allocation_matrix * 0.5)
    >>> proposal.sum(axis=0).tolist()
    [250.0, 150.0, 100.0]
    """
    a = np.array(matrix_bn, dtype=float)
    if a.shape != (len(params.field_ids), len(params.bank_ids)):
        raise InputError(
            f"allocation must be {len(params.field_ids)} fields x {len(params.bank_ids)} banks, got {a.shape}"
        )
    default = np.array(params.allocation_matrix, dtype=float)
    quota = np.array(params.bank_quota, dtype=float)
    column_sum = a.sum(axis=0)
    usable = (column_sum > 0) & (a >= 0).all(axis=0)
    mix = np.where(usable[None, :], a, default)
    mix_sum = mix.sum(axis=0)
    fallback_sum = np.where(mix_sum > 0, mix_sum, 1.0)
    # A bank with no default mix either: spread its quota evenly over the fields.
    even = np.full_like(a, 1.0 / a.shape[0])
    share = np.where(mix_sum[None, :] > 0, mix / fallback_sum[None, :], even)
    return share * quota[None, :]


def merge_overrides(base: Mapping[str, Any] | None, edits: Mapping[str, Any] | None) -> dict[str, Any]:
    """Deep merge of two override mappings; values in ``edits`` win.

    Example: ``merge_overrides({"banks": {"cdb": {"fund_share_scale": 0.8}}},
    {"banks": {"exim": {"fund_share_scale": 0.9}}})`` keeps both banks.

    >>> a = {'banks': {'cdb': {'fund_share_scale': 0.8}}}
    >>> b = {'banks': {'exim': {'fund_share_scale': 0.9}}}
    >>> merge_overrides(a, b)
    {'banks': {'cdb': {'fund_share_scale': 0.8}, 'exim': {'fund_share_scale': 0.9}}}
    """
    out: dict[str, Any] = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in (base or {}).items()}
    for key, value in (edits or {}).items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge_overrides(out[key], value)
        else:
            out[key] = value
    return out


def allocation_overrides(params: Parameters, matrix_bn: np.ndarray) -> dict[str, Any]:
    """The cells of ``matrix_bn`` (fields x banks, bn RMB) that differ from the parameters'
    allocation, as ``{"allocation_bn": {field: {bank: value}}}``; empty when none differ.

    Example: digital economy x CDB 30 -> 40 gives ``{"allocation_bn": {"digital_economy": {"cdb": 40.0}}}``.

    >>> from fundmodel import default_parameters
    >>> p = default_parameters()
    >>> edited = np.array(p.allocation_matrix, dtype=float)
    >>> edited[0, 0] = 40.0
    >>> allocation_overrides(p, edited)
    {'allocation_bn': {'digital_economy': {'cdb': 40.0}}}
    """
    a = np.asarray(matrix_bn, dtype=float)
    base = np.asarray(params.allocation_matrix, dtype=float)
    cells: dict[str, dict[str, float]] = {}
    for i, j in zip(*np.nonzero(np.abs(a - base) > SAME_VALUE), strict=True):
        cells.setdefault(params.field_ids[i], {})[params.bank_ids[j]] = float(a[i, j])
    return {"allocation_bn": cells} if cells else {}


def allocation_from_projects(params: Parameters, projects: pd.DataFrame, amount: str = "fund_bn") -> np.ndarray:
    """The fields x banks matrix (bn RMB) of the money ``projects`` get (column ``amount``),
    e.g. the projects a portfolio selection chose; fields and banks in parameter order.

    Raises ValueError naming an unknown field or bank. Example: projects (digital_economy,
    cdb, 2.0) and (digital_economy, cdb, 1.5) give 3.5 in that cell, 0 elsewhere.

    >>> from fundmodel import default_parameters
    >>> projects = pd.DataFrame({'field': ['digital_economy'] * 2, 'bank': ['cdb'] * 2, 'fund_bn': [2.0, 1.5]})
    >>> m = allocation_from_projects(default_parameters(), projects)
    >>> float(m[0, 0]), float(m.sum())
    (3.5, 3.5)
    """
    fields = pd.Index(params.field_ids)
    banks = pd.Index(params.bank_ids)
    i = fields.get_indexer(projects["field"])
    j = banks.get_indexer(projects["bank"])
    if (i < 0).any() or (j < 0).any():
        bad = sorted(set(projects["field"][i < 0]) | set(projects["bank"][j < 0]))
        raise InputError(f"projects name unknown fields or banks: {bad}")
    matrix = np.zeros((len(fields), len(banks)))
    np.add.at(matrix, (i, j), projects[amount].to_numpy(dtype=float))
    return matrix


def transfer(matrix_bn: np.ndarray, source: tuple[int, int], target: tuple[int, int], amount_bn: float) -> np.ndarray:
    """Move ``amount_bn`` from cell ``source`` to cell ``target`` (fields x banks, bn RMB):
    the one cell loses exactly what the other gains, so the grand total is unchanged (and
    the bank sums too when both cells are in one bank).

    Refused (InputError) when the amount is not positive, the cells are the same or
    outside the matrix, or the source holds less than the amount (a transfer never makes
    a cell negative). The input is not changed.

    Example: [[30, 15], [20, 10]], 5 from (0, 0) to (1, 1) -> [[25, 15], [20, 15]].

    >>> transfer(np.array([[30.0, 15.0], [20.0, 10.0]]), (0, 0), (1, 1), 5.0).tolist()
    [[25.0, 15.0], [20.0, 15.0]]
    """
    a = np.array(matrix_bn, dtype=float)
    amount = float(amount_bn)
    for cell in (source, target):
        if len(cell) != 2 or not all(0 <= c < n for c, n in zip(cell, a.shape, strict=True)):
            raise InputError(f"cell {cell} is outside the {a.shape[0]} x {a.shape[1]} allocation")
    if tuple(source) == tuple(target):
        raise InputError("a transfer needs two different cells")
    if not np.isfinite(amount) or amount <= 0:
        raise InputError(f"the amount to transfer must be positive (got {amount_bn})")
    if a[source] < amount - SAME_VALUE:
        raise InputError(f"cell {source} holds {a[source]:g} bn, less than the {amount:g} bn to transfer")
    a[source] -= amount
    a[target] += amount
    return a


@dataclass(frozen=True)
class History:
    """Undo and redo of edits: the states before (``past``, oldest first), the state now
    (``present``) and the states undone (``future``, next first). Immutable: every step
    returns a new history. States are any values compared with ``==`` (e.g. frozen edits).

    Recording the state now again is no step; recording a new state drops the redo states.

    >>> h = History('a').record('b').record('c')
    >>> h.undo().present, h.undo().undo().present, h.undo().undo().can_undo
    ('b', 'a', False)
    >>> h.undo().redo().present
    'c'
    >>> h.undo().record('d').can_redo
    False
    """

    present: Any
    past: tuple = ()
    future: tuple = ()
    limit: int = 100
    """At most this many undo steps are kept (the oldest are dropped first)."""

    @property
    def can_undo(self) -> bool:
        return bool(self.past)

    @property
    def can_redo(self) -> bool:
        return bool(self.future)

    def record(self, state: Any) -> History:
        """The history with ``state`` as the state now (no step when it equals it)."""
        if state == self.present:
            return self
        past = (*self.past, self.present)[-self.limit :]
        return History(state, past, (), self.limit)

    def undo(self) -> History:
        """One step back (unchanged when there is nothing to undo)."""
        if not self.past:
            return self
        return History(self.past[-1], self.past[:-1], (self.present, *self.future), self.limit)

    def redo(self) -> History:
        """One undone step forward again (unchanged when there is nothing to redo)."""
        if not self.future:
            return self
        return History(self.future[0], (*self.past, self.present), self.future[1:], self.limit)
