"""The fields x banks allocation matrix (bn RMB) and its checks (rules declared in
:mod:`fundmodel.core.rules`). Checks report; they never change a number:

* ``allocation_total``: sum of all cells differs from the instrument size
* ``bank_quota``: a bank's column total differs from its quota
* ``negative_cell``: a cell is below zero
* ``private_share``: the private-enterprise share of the fund is below the floor
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fundmodel.core import rules
from fundmodel.core.result import Check
from fundmodel.errors import InputError
from fundmodel.inputs.parameters import Parameters

#: Sums are equal when they differ by less than this (bn RMB; declared in fundmodel.core.rules).
TOLERANCE_BN = rules.TOLERANCE_BN


def allocation_frame(params: Parameters, matrix: np.ndarray | None = None) -> pd.DataFrame:
    """The allocation as a DataFrame, fields as rows and banks as columns (bn RMB)."""
    data = np.array(params.allocation_matrix if matrix is None else matrix, dtype=float)  # a copy: frames get edited
    return pd.DataFrame(data, index=pd.Index(params.field_ids, name="field"), columns=params.bank_ids)


def matrix_from_frame(params: Parameters, frame: pd.DataFrame) -> np.ndarray:
    """The fields x banks array from an (edited) allocation frame, in parameter order.

    Raises ValueError naming the row or column if the frame's labels do not match.
    """
    missing_rows = [f for f in params.field_ids if f not in frame.index]
    missing_cols = [b for b in params.bank_ids if b not in frame.columns]
    if missing_rows or missing_cols:
        raise InputError(f"allocation is missing fields {missing_rows} / banks {missing_cols}")
    values = frame.loc[params.field_ids, params.bank_ids]
    try:
        return values.to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"allocation cells must be numbers: {exc}") from None


def private_share_of_fund(fund_by_field_bn: np.ndarray, private_share: np.ndarray) -> float:
    """Private-enterprise share of the fund: sum_f p_f F_f / sum_f F_f.

    Example: F = [100, 100], p = [0.1, 0.3] -> 0.2.

    >>> private_share_of_fund([100, 100], [0.1, 0.3])
    0.2
    """
    total = float(np.sum(fund_by_field_bn))
    return float(np.dot(fund_by_field_bn, private_share) / total) if total else float("nan")


def allocation_checks(params: Parameters, matrix: np.ndarray) -> list[Check]:
    """Every allocation rule (:data:`fundmodel.core.rules.ALLOCATION_RULES`) broken by
    ``matrix`` (fields x banks, bn RMB)."""
    size = float(params.instrument.size_bn.value)
    names = [params.banks[b].name_en for b in params.bank_ids]
    share = private_share_of_fund(matrix.sum(axis=1), params.private_share)
    return [
        *rules.allocation_total_checks(float(matrix.sum()), size),
        *rules.bank_quota_checks(params.bank_ids, names, matrix.sum(axis=0), np.asarray(params.bank_quota, float)),
        *rules.negative_cell_checks(params.field_ids, params.bank_ids, matrix),
        *rules.private_share_checks(share, float(params.instrument.private_share_min.value)),
    ]
