"""Project portfolios: the schema (as data), reading CSV / XLSX, and validation.

A portfolio is a table with one row per project. Its columns are described once, in
``fundmodel/data/portfolio_schema.csv`` (id, type, unit, required, range, Chinese and
English labels, header aliases, description); the same table drives reading,
validation, dashboard labels and Excel headers (:data:`SCHEMA`).

Reading accepts English ids (``total_investment_bn``), English names and the Chinese
headers of project application sheets (项目名称, 所属领域, 总投资, 项目资本金, 资本金比例,
申请金额, 省份, 开工年份 ...). Money columns declare their unit in the header
(``总投资(亿元)``, ``总投资（万元）``, ``total investment (bn)``) or by the ``unit``
option; a money column whose unit is declared nowhere is an error, never a guess.
CSV files may be UTF-8 (with or without BOM) or GB18030.

Validation reports every problem at once as :class:`ValidationIssue` records naming
the file, the row as the user sees it (the header is row 1), the column as written in
the file, the value and the rule. Nothing is dropped, clipped or changed: a cell that
breaks a rule is reported, and is NaN in the canonical table.

Money in the canonical table is in bn RMB (1 bn = 10 亿元 = 100,000 万元).
"""

from __future__ import annotations

from fundmodel.errors import PortfolioError
from fundmodel.inputs.portfolio.issues import ISSUE_COLUMNS, RULES, ValidationIssue, rendered_issues
from fundmodel.inputs.portfolio.model import Portfolio
from fundmodel.inputs.portfolio.read import parse_column_map, read_portfolio, read_table, validate_portfolio
from fundmodel.inputs.portfolio.schema import (
    CASHFLOW_COLUMNS,
    DATA_DIR,
    MAJOR_PROVINCES,
    MONEY_UNIT_SUFFIXES,
    NUMERIC_TYPES,
    PROVINCES,
    SCHEMA,
    ColumnSpec,
    header_label,
    load_schema,
    schema_frame,
)
from fundmodel.inputs.portfolio.validate import (
    CAPITAL_CONSISTENCY_TOLERANCE,
    FIELD_DEFAULT_COLUMNS,
    RULE_EPSILON,
    parse_portfolio,
)

__all__ = [
    "CAPITAL_CONSISTENCY_TOLERANCE",
    "CASHFLOW_COLUMNS",
    "DATA_DIR",
    "FIELD_DEFAULT_COLUMNS",
    "ISSUE_COLUMNS",
    "MAJOR_PROVINCES",
    "MONEY_UNIT_SUFFIXES",
    "NUMERIC_TYPES",
    "PROVINCES",
    "RULES",
    "RULE_EPSILON",
    "SCHEMA",
    "ColumnSpec",
    "Portfolio",
    "PortfolioError",
    "ValidationIssue",
    "header_label",
    "load_schema",
    "parse_column_map",
    "parse_portfolio",
    "read_portfolio",
    "read_table",
    "rendered_issues",
    "schema_frame",
    "validate_portfolio",
]
