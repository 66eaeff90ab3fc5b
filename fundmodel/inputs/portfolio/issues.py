"""Validation issues and the one table of portfolio rules (:data:`RULES`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fundmodel.inputs.portfolio.cells import excel_text
from fundmodel.messages import Message, templates

# -------------------------------------------------------------------------- issues


@dataclass(frozen=True)
class ValidationIssue:
    """One broken rule: where (file, row as seen in the file, column as written), the
    value, the rule and a message. ``row`` is None for file-level problems; ``sheet`` is
    given when several files or sheets were read into one portfolio.

    ``message`` is the English text (money in bn RMB); ``text``, when given, the message
    as an id with parameters, rendered in any language and unit by :meth:`render`."""

    file: str
    row: int | None
    column: str
    value: str
    rule: str
    severity: str
    message: str
    sheet: str = ""
    text: Message | None = None

    def render(self, lang: str = "en", unit: str = "bn", variant: str = "") -> str:
        """The message in ``lang`` and money ``unit`` (see :func:`render_issue`)."""
        return render_issue(self.message, self.text, lang, unit, variant)

    def line(self, lang: str = "en", unit: str = "bn") -> str:
        """The issue as a line of a validation report in ``lang`` and ``unit``: where, the
        rule (its id in English, its name in Chinese) and the message; in English and bn
        the same as ``str(issue)``.

        >>> issue = ValidationIssue("a.csv", 3, "资本金比例", "x", "not_a_number", "error", "not a number", "",
        ...                         Message("issue_not_a_number"))
        >>> issue.line("zh")
        "a.csv，第 3 行，列“资本金比例”，值 'x'：[错误] 不是数字：不是数字"
        >>> issue.line() == str(issue)
        True
        """
        from fundmodel.inputs.limits import where_sheet  # limits raise errors this package reads
        from fundmodel.labels import label  # labels read the parameter files

        where: str | Message = where_sheet(self.file, self.sheet) if self.sheet else self.file
        if self.row is not None:
            where = Message("issue_where_row", {"where": where, "row": self.row})
        if self.column:
            where = Message("issue_where_column", {"where": where, "column": self.column})
        if self.value != "":
            where = Message("issue_where_value", {"where": where, "value": repr(self.value)})
        zh = lang == "zh"
        params = {
            "where": where,
            "severity": label(f"severity_{self.severity}", lang) if zh else self.severity,
            "rule": label(f"rule_{self.rule}", lang) if zh else self.rule,
            "message": self.render(lang, unit),
        }
        return Message("issue_line", params).render(lang, unit)

    def __str__(self) -> str:
        where = f"{self.file}" + (f", sheet '{self.sheet}'" if self.sheet else "")
        where += f", row {self.row}" if self.row is not None else ""
        col = f", column '{self.column}'" if self.column else ""
        val = f", value {self.value!r}" if self.value != "" else ""
        return f"{where}{col}{val}: [{self.severity}] {self.rule}: {self.message}"


ISSUE_COLUMNS = ["file", "row", "column", "value", "rule", "severity", "message"]
#: Beside :data:`ISSUE_COLUMNS`, the issue table keeps each message as a
#: :class:`~fundmodel.messages.Message` (or None) in this column.
TEXT_COLUMN = "text"
#: The issue table of a portfolio without issues (copied, never handed out).
EMPTY_ISSUES = pd.DataFrame({c: pd.Series(dtype=object) for c in [*ISSUE_COLUMNS, TEXT_COLUMN]})


def render_issue(english: str, text: Message | None, lang: str = "en", unit: str = "bn", variant: str = "") -> str:
    """An issue's message in ``lang`` and ``unit``: ``text`` rendered, or ``english`` when the
    issue has no message id. ``variant`` picks the message ``<id>.<variant>`` where the table
    has one (``"web"``: the dashboard's wording, which names no command-line option).

    >>> render_issue("not a number", Message("issue_not_a_number"), "zh")
    '不是数字'
    >>> render_issue("money unit not declared", Message("issue_unit_undeclared"), "zh", variant="web")[:8]
    '未注明金额单位：'
    """
    if text is None:
        return english
    if variant and f"{text.id}.{variant}" in templates():
        text = Message(f"{text.id}.{variant}", text.params)
    return text.render(lang, unit)


def rendered_issues(issues: pd.DataFrame, lang: str = "en", unit: str = "bn", variant: str = "") -> pd.DataFrame:
    """The issue table without its message objects (:data:`ISSUE_COLUMNS`, and the sheet
    where several files or sheets were read), each message rendered in ``lang`` and ``unit``
    (the table a report or a page shows)."""
    out = issues[[*ISSUE_COLUMNS, *(["sheet"] if "sheet" in issues.columns else [])]].copy()
    if TEXT_COLUMN in issues.columns and len(issues):
        out["message"] = [
            render_issue(m, t if isinstance(t, Message) else None, lang, unit, variant)
            for m, t in zip(issues["message"], issues[TEXT_COLUMN], strict=True)
        ]
    return out


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

    def add(
        self, row: int | None, column: str, value: Any, rule: str, message: str | Message, severity: str = "error"
    ) -> None:
        _known_rule(rule)
        text = message if isinstance(message, Message) else None
        self.parts.append(
            pd.DataFrame(
                [[self.file, row, column, "" if value is None else str(value), rule, severity, str(message), text]],
                columns=[*ISSUE_COLUMNS, TEXT_COLUMN],
            )
        )

    def add_rows(
        self,
        mask: np.ndarray,
        rows: np.ndarray,
        column: str,
        values: pd.Series | np.ndarray,
        rule: str,
        message: str | Message | Callable[[np.ndarray], Any],
        severity: str = "error",
    ) -> None:
        """Issues for the rows in ``mask``; ``message`` is a string or :class:`Message`, or a
        function of the masked row positions returning one per row (built only for those rows)."""
        _known_rule(rule)
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        vals = [excel_text(v) for v in np.asarray(values, dtype=object)[mask]]
        one = isinstance(message, str | Message)
        texts = [message] * int(mask.sum()) if one else list(message(np.flatnonzero(mask)))
        msgs = str(message) if one else [str(m) for m in texts]
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
                    TEXT_COLUMN: [m if isinstance(m, Message) else None for m in texts],
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return EMPTY_ISSUES.copy()
        out = pd.concat(self.parts, ignore_index=True)
        out["row"] = out["row"].astype("Int64")
        return out.sort_values(["row", "column"], kind="stable", na_position="first").reset_index(drop=True)
