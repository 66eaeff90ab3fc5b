"""Files a planner sends to a province: the blank 申报表 (project list template) the reader
accepts, and a portfolio's validation report as a one-sheet workbook.

The template is generated from the column schema (``fundmodel/inputs/portfolio/schema.py``,
``portfolio_schema.csv`` and its aliases), so it names exactly the columns the reader
knows, with the money unit in each money header (``总投资(亿元)``). Its first sheet is the
table (header row only); the second explains each column. Every text cell is written as
text, never a formula (a cell starting with ``=`` stays text).

>>> from fundmodel.inputs.portfolio import read_portfolio
>>> import io, pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "申报表.xlsx"
>>> _ = path.write_bytes(blank_template_bytes("zh", "yi"))
>>> blank = read_portfolio(path)  # every header known; the one issue: no project yet
>>> len(blank.frame), blank.issues["rule"].tolist()
(0, ['no_projects'])
"""

from __future__ import annotations

import io
from collections.abc import Callable

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from fundmodel.inputs.portfolio import Portfolio
from fundmodel.inputs.portfolio.schema import SCHEMA, header_label
from fundmodel.outputs.excel.writer import write_text

#: Sheet names of the template and the report.
SHEETS = {
    "table": {"zh": "申报表", "en": "Projects"},
    "notes": {"zh": "填表说明", "en": "How to fill in"},
    "report": {"zh": "校验报告", "en": "Validation report"},
}
#: The report's columns: (issue column, label term), in the order a reader checks them.
REPORT_COLUMNS = [
    ("row", "col_row"),
    ("column", "col_column"),
    ("rule", "col_rule"),
    ("message", "col_message"),
    ("severity", "col_severity"),
    ("value", "col_value"),
]
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")


def _label(term: str, lang: str) -> str:
    from fundmodel.labels import label  # reads the parameter files: loaded only when needed

    return label(term, lang)


def template_columns() -> list[str]:
    """Column ids of the template: the required ones first, then the optional, each group
    in schema order."""
    return [c.id for c in SCHEMA.values() if c.required] + [c.id for c in SCHEMA.values() if not c.required]


def _header_row(ws, headers: list[str], widths: list[int]) -> None:
    for col, (text, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = write_text(ws, 1, col, text)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"


def _range(spec, lang: str) -> str:
    lo, hi = spec.min, spec.max
    if lo is None and hi is None:
        return ""
    fmt = "{:g}".format
    more = ("大于" if spec.min_exclusive else "不小于") if lang == "zh" else ("> " if spec.min_exclusive else ">= ")
    less = "不大于" if lang == "zh" else "<= "
    parts = ([f"{more}{fmt(lo)}"] if lo is not None else []) + ([f"{less}{fmt(hi)}"] if hi is not None else [])
    return ("，" if lang == "zh" else ", ").join(parts)


def blank_template_bytes(lang: str = "zh", unit: str = "yi") -> bytes:
    """The blank 申报表 as .xlsx bytes: headers in ``lang`` with money in ``unit``, and a
    sheet explaining each column (required, what to enter, range, other accepted headers)."""
    wb = Workbook()
    table = wb.active
    table.title = SHEETS["table"][lang]
    columns = template_columns()
    headers = [header_label(c, lang, unit) for c in columns]
    _header_row(table, headers, [max(12, 2 * len(h) + 2) for h in headers])
    notes = wb.create_sheet(SHEETS["notes"][lang])
    note_headers = [_label(t, lang) for t in ("col_column", "col_required", "col_content", "col_range", "col_aliases")]
    _header_row(notes, note_headers, [24, 8, 30, 20, 60])
    yes, no = _label("yes", lang), _label("no", lang)
    for r, (cid, header) in enumerate(zip(columns, headers, strict=True), start=2):
        spec = SCHEMA[cid]
        cells = [header, yes if spec.required else no, _label(f"coltype_{spec.type}", lang), _range(spec, lang)]
        cells.append(" | ".join(spec.aliases))
        for col, text in enumerate(cells, start=1):
            write_text(notes, r, col, text)
    return _to_bytes(wb)


def validation_report_bytes(
    portfolio: Portfolio, lang: str = "zh", message: Callable[[dict], str] | None = None
) -> bytes:
    """The validation report of ``portfolio`` as a one-sheet .xlsx: row, column, rule,
    message, severity and the value as written, headers in ``lang``; every text cell is
    text (a value ``=1+1`` stays the characters ``=1+1``). ``message(issue)`` renders an
    issue's sentence (default: the message as recorded)."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEETS["report"][lang]
    _header_row(ws, [_label(t, lang) for _, t in REPORT_COLUMNS], [8, 24, 28, 70, 8, 24])
    for r, issue in enumerate(portfolio.issues.to_dict("records"), start=2):
        for col, (key, _) in enumerate(REPORT_COLUMNS, start=1):
            value = issue.get(key)
            if key == "row" and value is not None and str(value).strip().lstrip("-").isdigit():
                ws.cell(row=r, column=col, value=int(value))
                continue
            if key == "rule":
                value = _label(f"rule_{value}", lang)
            elif key == "severity":
                value = _label(f"severity_{value}", lang)
            elif key == "message" and message is not None:
                value = message(issue)
            write_text(ws, r, col, "" if value is None or value != value else value)
    return _to_bytes(wb)


def _to_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
