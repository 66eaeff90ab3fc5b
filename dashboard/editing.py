"""The allocation editor's cell edits applied to the stored matrix (no UI calls here).

``st.data_editor`` reports its edits as ``{"edited_rows": {row: {column: value}}, ...}``;
values are in the unit shown and absolute, so applying the same edits twice gives the same
matrix. An emptied cell is not a number: it is reported back and the stored value kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from fundmodel.units import to_bn


def apply_cell_edits(
    matrix_bn: np.ndarray,
    edits: Mapping[str, Any] | None,
    bank_ids: list[str],
    unit: str,
) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """Return the matrix (bn RMB) with the editor's edited cells applied, and the
    (row, bank) cells left empty by the user (not applied).

    Example: ``apply_cell_edits(m, {"edited_rows": {0: {"cdb": 400}}}, banks, "yi")`` sets
    row 0, column cdb to 40 bn (400 亿元).
    """
    out = np.array(matrix_bn, dtype=float)
    empty: list[tuple[int, str]] = []
    if not edits:
        return out, empty
    for row, cells in (edits.get("edited_rows") or {}).items():
        i = int(row)
        for column, value in (cells or {}).items():
            if column not in bank_ids:
                continue  # computed columns are read-only
            if value is None or (isinstance(value, float) and np.isnan(value)):
                empty.append((i, column))
                continue
            out[i, bank_ids.index(column)] = float(to_bn(float(value), unit))
    return out, empty
