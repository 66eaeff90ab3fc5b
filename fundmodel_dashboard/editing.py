"""Data editors' cell edits turned into model inputs (no UI calls here).

``st.data_editor`` reports its edits as ``{"edited_rows": {row: {column: value}}, ...}``;
values are absolute, so applying the same edits twice gives the same result.

* the allocation editor: values in the unit shown, applied to the stored matrix; an
  emptied cell is not a number: it is reported back and the stored value kept
* the project editor: cells of the portfolio's raw table, as the file holds them
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

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


def project_cell_edits(raw: pd.DataFrame, editor_state: Mapping[str, Any] | None) -> dict[tuple[int, str], Any]:
    """The cells a data editor changed in a portfolio's raw table, as
    :meth:`~fundmodel.inputs.portfolio.Portfolio.with_edits` takes them: (row as seen in the
    file, header as written) -> the new cell. An emptied cell (None) is an empty cell ("");
    columns the table does not have are ignored. Positions are those of ``raw``'s rows.

    Example: raw rows [2, 3], editor ``{"edited_rows": {1: {"总投资(亿元)": 120}}}`` ->
    ``{(3, "总投资(亿元)"): 120}``.
    """
    out: dict[tuple[int, str], Any] = {}
    for position, cells in ((editor_state or {}).get("edited_rows") or {}).items():
        row = int(raw.index[int(position)])
        for column, value in (cells or {}).items():
            if column in raw.columns:
                out[(row, str(column))] = "" if value is None else value
    return out


def apply_bound_edits(
    bounds: Mapping[str, Mapping[str, float]],
    editor_state: Mapping[str, Any] | None,
    field_ids: list[str],
) -> dict[str, dict[str, float]]:
    """Field share bounds (``{field: {"min": share, "max": share}}``, fractions) with the
    bounds editor's cells applied; the editor shows percent (20 = 20%), an emptied cell
    removes that bound.

    Example: editor ``{"edited_rows": {0: {"max": 30}}}`` -> ``{field_ids[0]: {"max": 0.3}}``.
    """
    out = {f: dict(v) for f, v in bounds.items()}
    for row, cells in ((editor_state or {}).get("edited_rows") or {}).items():
        fid = field_ids[int(row)]
        for column, value in (cells or {}).items():
            if column not in ("min", "max"):
                continue
            entry = out.setdefault(fid, {})
            if value is None or (isinstance(value, float) and np.isnan(value)):
                entry.pop(column, None)
            else:
                entry[column] = float(value) / 100.0
            if not entry:
                out.pop(fid)
    return out
