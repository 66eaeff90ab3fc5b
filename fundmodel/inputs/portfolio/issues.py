"""Validation issues and the one table of portfolio rules (:data:`RULES`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fundmodel.inputs.portfolio.cells import excel_text

# -------------------------------------------------------------------------- issues


@dataclass(frozen=True)
class ValidationIssue:
    """One broken rule: where (file, row as seen in the file, column as written), the
    value, the rule and a message. ``row`` is None for file-level problems; ``sheet`` is
    given when several files or sheets were read into one portfolio."""

    file: str
    row: int | None
    column: str
    value: str
    rule: str
    severity: str
    message: str
    sheet: str = ""

    def __str__(self) -> str:
        where = f"{self.file}" + (f", sheet '{self.sheet}'" if self.sheet else "")
        where += f", row {self.row}" if self.row is not None else ""
        col = f", column '{self.column}'" if self.column else ""
        val = f", value {self.value!r}" if self.value != "" else ""
        return f"{where}{col}{val}: [{self.severity}] {self.rule}: {self.message}"


ISSUE_COLUMNS = ["file", "row", "column", "value", "rule", "severity", "message"]
#: The issue table of a portfolio without issues (copied, never handed out).
EMPTY_ISSUES = pd.DataFrame({c: pd.Series(dtype=object) for c in ISSUE_COLUMNS})


#: Every rule a portfolio is checked against (the ``rule`` of its issues); each has a
#: label in both languages (``fundmodel.labels``: ``rule_<id>``).
RULES: frozenset[str] = frozenset(
    {
        "unknown_column", "duplicate_column", "missing_column", "unknown_unit", "unit_undeclared",
        "missing_value", "not_a_number", "not_an_integer", "negative_amount", "zero_amount", "out_of_range",
        "not_a_boolean", "unknown_field", "unknown_bank", "unknown_province", "unknown_profile",
        "inconsistent_capital", "capital_above_investment", "capital_ratio_below_minimum", "fund_above_cap",
        "other_public_above_capital", "duplicate_id", "unknown_column_name",
        "control_character", "error_cell", "placeholder_text", "no_projects",
        "total_mismatch", "sector_unmapped",
    }
)  # fmt: skip


def _known_rule(rule: str) -> None:
    if rule not in RULES:  # a programming error: a new rule needs its entry (and labels)
        raise ValueError(f"undeclared portfolio rule {rule!r}: add it to fundmodel.inputs.portfolio.RULES")


class IssueCollector:
    """Collects issues as small DataFrames (one per rule and column: vectorized)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.parts: list[pd.DataFrame] = []

    def add(self, row: int | None, column: str, value: Any, rule: str, message: str, severity: str = "error") -> None:
        _known_rule(rule)
        self.parts.append(
            pd.DataFrame(
                [[self.file, row, column, "" if value is None else str(value), rule, severity, message]],
                columns=ISSUE_COLUMNS,
            )
        )

    def add_rows(
        self,
        mask: np.ndarray,
        rows: np.ndarray,
        column: str,
        values: pd.Series | np.ndarray,
        rule: str,
        message: str | Callable[[np.ndarray], Any],
        severity: str = "error",
    ) -> None:
        """Issues for the rows in ``mask``; ``message`` is a string or a function of the
        masked row positions returning one message per row (built only for those rows)."""
        _known_rule(rule)
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        vals = [excel_text(v) for v in np.asarray(values, dtype=object)[mask]]
        msgs = message if isinstance(message, str) else list(message(np.flatnonzero(mask)))
        self.parts.append(
            pd.DataFrame(
                {
                    "file": self.file,
                    "row": rows[mask],
                    "column": column,
                    "value": vals,
                    "rule": rule,
                    "severity": severity,
                    "message": msgs,
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return EMPTY_ISSUES.copy()
        out = pd.concat(self.parts, ignore_index=True)
        out["row"] = out["row"].astype("Int64")
        return out.sort_values(["row", "column"], kind="stable", na_position="first").reset_index(drop=True)
