"""An auditable Excel workbook of a run, in live formulas; and reading an edited one back.

Layout after the FAST Standard / ICAEW Financial Modelling Code:

* **Cover**: scenario, date, fundmodel version, parameter sources, how to use, master check.
* **Inputs**: every assumption the model uses (styled as inputs, with unit and source);
  the only sheet holding typed-in numbers.
* **Cells, Allocation, Fields, Banks, Macro**: calculations, every derived number an Excel
  formula that refers (directly or through other calculations) to the Inputs sheet, the
  same formula along each row or down each column.
* **Checks**: each rule as a formula returning TRUE / FALSE, and one master check.
* **Scenario comparison** when several results are exported (each scenario then gets its own
  full set of sheets, suffixed " 2", " 3", ...).

Money: the workbook shows money in the unit chosen at export (``bn`` = bn RMB or ``yi`` =
亿元; 1 bn = 10 亿元); inputs and calculations are in that unit and labelled with it.
:func:`read_workbook_scenario` converts back to bn RMB (the model's internal unit).

Formulas get their cached values too (from the Python result), so readers that do not
calculate still see numbers; ``fullCalcOnLoad`` asks Excel to recalculate on opening.

Long tables (one row per project, one phasing row per project) are written through openpyxl
down to their first row only (the template: its cells carry the styles); the rows below are
kept as columns (a formula with the row number as a placeholder, and an array of values) and
streamed into the sheet XML at save, chunk by chunk, each cell styled like its column's
template cell. A 100,000-project workbook is then written in about 8 s and 0.6 GB.

User text (scenario names, project names, notes) is written as text, never as a
formula, even when it starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import math
import queue
import re
import threading
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from fundmodel import __version__
from fundmodel.core import macro
from fundmodel.core.allocation import TOLERANCE_BN
from fundmodel.core.result import Result
from fundmodel.errors import InputError, WorkbookError
from fundmodel.inputs.parameters import ParameterError, Parameters, default_parameters
from fundmodel.inputs.scenario import Scenario
from fundmodel.labels import label
from fundmodel.units import PER_BN, unit_label

#: Characters a sheet name may not contain (Excel), and its maximum length.
FORBIDDEN_SHEET_CHARS = "[]:*?/\\"
MAX_SHEET_NAME = 31
#: First characters that make a spreadsheet treat text as a formula (CSV/Excel injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Share tolerance of the checks (as in fundmodel.core.topdown: 1e-12).
TOLERANCE_SHARE = 1e-12
#: At least this many year columns on the Macro sheet (room to move start years in Excel).
MIN_TIMELINE_YEARS = 12
#: The layout version written on the Inputs sheet; the reader refuses other versions.
LAYOUT_VERSION = "fundmodel-inputs-1"

# ------------------------------------------------------------------------- safety


def safe_sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique Excel sheet name: forbidden characters ``[]:*?/\\`` become ``_``,
    leading/trailing apostrophes go, at most 31 characters, a ``~2`` suffix if taken.

    >>> safe_sheet_name("Q3/Q4: [draft]*")
    'Q3_Q4_ _draft__'
    """
    clean = "".join("_" if ch in FORBIDDEN_SHEET_CHARS else ch for ch in str(name))
    clean = "".join(ch for ch in clean if ch.isprintable()).strip().strip("'") or "Sheet"
    clean = clean[:MAX_SHEET_NAME]
    lowered = {t.lower() for t in taken}
    candidate, n = clean, 2
    while candidate.lower() in lowered:
        suffix = f"~{n}"
        candidate = clean[: MAX_SHEET_NAME - len(suffix)] + suffix
        n += 1
    return candidate


def is_formula_like(text: str) -> bool:
    """True if a spreadsheet could read ``text`` as a formula (starts with = + - @ tab CR)."""
    return isinstance(text, str) and text.startswith(FORMULA_TRIGGERS)


def write_text(ws: Worksheet, row: int, col: int, text: Any) -> Any:
    """Write user text as a text cell, never a formula (quote-prefixed when formula-like)."""
    cell = ws.cell(row=row, column=col)
    value = "" if text is None else str(text)
    cell.value = value
    cell.data_type = "s"
    if is_formula_like(value):
        cell.quotePrefix = True
    return cell


# ------------------------------------------------------------------------- styles

_THIN = Side(style="thin", color="BFBFBF")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
INPUT_FONT = Font(color="0000FF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
SECTION_FONT = Font(bold=True, size=12, color="1F4E78")
TITLE_FONT = Font(bold=True, size=14)
TOTAL_FONT = Font(bold=True)
TOTAL_BORDER = Border(top=_THIN)
WRAP = Alignment(wrap_text=True, vertical="top")

FMT_MONEY = "#,##0.00"
FMT_SHARE = "0.00%"
FMT_TIMES = '0.00"x"'
FMT_PP = "0.000"
FMT_WEIGHT = "0.0000"
FMT_YEAR = "0"
FMT_NUMBER = "#,##0.####"

#: Excel-only labels (sheets, sections, notes); other terms come from fundmodel.labels.
_XL: dict[str, tuple[str, str]] = {
    "cover": ("Cover", "封面"),
    "inputs": ("Inputs", "输入"),
    "cells": ("Cells", "领域银行明细"),
    "allocation": ("Allocation", "额度分配"),
    "fields": ("Fields", "领域"),
    "banks": ("Banks", "银行"),
    "macro": ("Macro", "宏观"),
    "checks": ("Checks", "校验"),
    "comparison": ("Scenario comparison", "情景比较"),
    "chk_allocation_total": ("Σ allocation = instrument size", "分配合计 = 工具规模"),
    "chk_bank_quota": ("Σ bank = quota", "银行合计 = 额度"),
    "chk_negative_cell": ("min cell >= 0", "最小单元 >= 0"),
    "chk_private_share": ("private share >= floor", "民营企业占比 >= 下限"),
    "chk_fund_share_cap": ("s <= cap", "占资本金比例 <= 上限"),
    "chk_capital_ratio_minimum": ("k >= statutory minimum", "资本金比例 >= 法定最低比例"),
    "chk_cell_cap": ("cell s x scale <= cap", "单元占比（领域×银行系数）<= 上限"),
    "chk_phasing": ("Σ phasing = 1 (within the Macro timeline)", "各年占比合计 = 1（在时间轴内）"),
    "chk_portfolio_total": ("Σ fund <= instrument size", "项目资金合计 <= 工具规模"),
    "chk_portfolio_bank": ("Σ bank <= quota", "银行合计 <= 额度"),
    "chk_portfolio_private": (
        "private share >= floor (when the whole instrument is used)",
        "民营企业占比 >= 下限（工具全部使用时）",
    ),
    "chk_projects_cap": ("projects above their cap", "超过上限的项目数"),
    "chk_projects_minimum": ("projects below their minimum", "低于最低资本金比例的项目数"),
    "chk_projects_phasing": ("projects whose phasing leaves the Macro timeline", "投资节奏超出时间轴的项目数"),
    "portfolio_note": (
        "Portfolio run: projects carry their own fund, capital, investment, phasing, additionality and "
        "infrastructure share (Project inputs); the per-field fund share, capital ratio and the allocation "
        "below are not used. Caps, key-area flags, sector minimums, quotas and the macro inputs are.",
        "项目组合运行：资金、资本金、总投资、投资节奏、额外性和基建口径占比取自「项目输入」；下列各领域占资本金比例、"
        "资本金比例和额度分配不参与计算。上限、重点领域标志、行业最低资本金比例、银行额度和宏观参数参与计算。",
    ),
    "project_inputs": ("Project inputs", "项目输入"),
    "projects": ("Projects", "项目"),
    "n_projects": ("Number of projects", "项目数"),
    "attributed_investment_bn": ("Investment attributed to the fund", "按比例归属投资"),
    "attributed_multiplier": ("Attributed multiplier", "归属撬动倍数"),
    "other_public_funding_bn": ("Other public money in capital", "其他财政资金"),
    "cap_ok": ("Within cap", "未超上限"),
    "minimum_ok": ("At or above minimum", "不低于最低比例"),
    "title": ("fundmodel: new policy-based financial instrument", "fundmodel：新型政策性金融工具模型"),
    "inputs_note": (
        "Inputs (yellow cells, blue text) are the only typed-in numbers; every other number is a formula.",
        "黄色底蓝色字为输入值；其余数字均为公式。",
    ),
    "scenario_name": ("Scenario name", "情景名称"),
    "money_unit": ("Money unit", "货币单位"),
    "layout": ("Workbook layout", "工作簿版式"),
    "sec_scalars": ("Instrument, capital ratios and macro base", "工具、资本金与宏观基数"),
    "sec_fields": ("Fields", "领域参数"),
    "sec_banks": ("Banks", "银行参数"),
    "sec_allocation": ("Allocation of the fund (fields x banks)", "额度分配（领域×银行）"),
    "sec_sectors": ("Statutory minimum capital ratios by sector", "各行业最低资本金比例"),
    "sec_growth": ("Published growth of infrastructure investment", "基建投资增速（已公布）"),
    "sec_settings": ("Workbook settings (not model parameters)", "工作簿设置（非模型参数）"),
    "key": ("Key", "键"),
    "value": ("Value", "数值"),
    "source": ("Source", "来源"),
    "description": ("Description", "说明"),
    "id": ("Id", "编号"),
    "name": ("Name", "名称"),
    "tolerance_sum": ("Tolerance of sums", "合计容差"),
    "tolerance_share": ("Tolerance of shares", "比例容差"),
    "check": ("Check", "校验项"),
    "subject": ("Subject", "对象"),
    "limit": ("Limit", "限值"),
    "pass": ("Pass", "通过"),
    "master_check": ("Master check (all checks pass)", "总校验（全部通过）"),
    "cell_fund_share": ("Fund share of capital (cell)", "占资本金比例（单元）"),
    "row_total": ("Row total", "行合计"),
    "column_total": ("Column total", "列合计"),
    "difference": ("Difference", "差额"),
    "instrument_size": ("Instrument size", "工具规模"),
    "private_fund": ("Fund to private-enterprise projects", "民营项目资金"),
    "private_share_of_fund": ("Private-enterprise share of the fund", "民营企业占比"),
    "timeline": ("Year", "年份"),
    "start_year": ("Start year", "开工年份"),
    "construction_years": ("Construction years", "建设年限"),
    "phasing_profile": ("Phasing profile", "投资节奏"),
    "phasing_weights": ("Share of investment landing (phasing)", "各年投资占比"),
    "phasing_sum": ("Sum of shares", "占比合计"),
    "landing": ("Investment landing by field", "各领域当年投资"),
    "growth_used": ("Growth of the base used (%)", "基数增速（%）"),
    "growth_factor": ("Growth factor", "增长系数"),
    "growth_index": ("Cumulative index", "累计指数"),
    "key_results": ("Key results", "主要结果"),
    "peak_uplift": ("Peak uplift (pp)", "峰值拉动（百分点）"),
    "how_to_use": ("How to use", "使用说明"),
    "sources": ("Parameter sources", "参数来源"),
    "date": ("Date", "日期"),
    "version": ("fundmodel version", "fundmodel 版本"),
    "mode": ("Mode", "模式"),
    "language": ("Language", "语言"),
    "sheets_of": ("Sheets of this scenario", "本情景工作表"),
    "overridden_by": ("Overridden by", "覆盖来源"),
    "parameter": ("Parameter", "参数"),
    "reference": ("Reference", "出处"),
    "metric": ("Metric", "指标"),
    "vs_first": ("Difference to the first scenario", "与第一个情景之差"),
    "chart_field": ("Total investment by field", "各领域总投资"),
    "chart_uplift": ("Uplift to infrastructure investment growth (pp)", "拉动基建投资增速（百分点）"),
    "key_area": ("Key / livelihood field", "重点民生领域"),
    "sector": ("Sector", "行业"),
    "shortfall_infrastructure": ("Shortfall-filling infrastructure", "补短板基础设施"),
}

_HOW_TO_USE = {
    "en": [
        "1. Change only yellow input cells on the Inputs sheet; every other number recalculates.",
        "2. The Checks sheet tests every rule as a formula; the master check is shown above.",
        "3. To bring edits back into fundmodel: fundmodel import-excel BOOK.xlsx --out scenario.yaml",
        "4. Amounts are in the unit named on the Inputs sheet; shares are fractions shown as %.",
    ],
    "zh": [
        "1. 只修改「输入」表中的黄色单元格；其余数字均自动重算。",
        "2. 「校验」表以公式检验每条规则；总校验结果见上。",
        "3. 将修改导回 fundmodel：fundmodel import-excel BOOK.xlsx --out scenario.yaml",
        "4. 金额单位见「输入」表；比例以百分比显示。",
    ],
}


def xl_label(term: str, lang: str) -> str:
    """Label of a workbook term in ``lang``; falls back to :func:`fundmodel.labels.label`."""
    if term in _XL:
        return _XL[term][1 if lang == "zh" else 0]
    return label(term, lang)


# ------------------------------------------------------------------- references


def _a1(row: int | str, col: int, abs_row: bool = False, abs_col: bool = False) -> str:
    """A1 reference; ``row`` may be :data:`ROW` / :data:`LINK_ROW` in a row template."""
    return f"{'$' if abs_col else ''}{get_column_letter(col)}{'$' if abs_row else ''}{row}"


def _ref(sheet: str, row: int, col: int, abs_row: bool = False, abs_col: bool = False) -> str:
    return f"{quote_sheetname(sheet)}!{_a1(row, col, abs_row, abs_col)}"


def _quoted(sheet: str) -> str:
    """Sheet name as used in a formula (always quoted, apostrophes doubled)."""
    return "'" + sheet.replace("'", "''") + "'"


def _rng(sheet: str, r1: int, c1: int, r2: int, c2: int) -> str:
    """Absolute range on ``sheet``, e.g. ``'Inputs'!$C$5:$C$12``."""
    return f"{_quoted(sheet)}!{_a1(r1, c1, True, True)}:{_a1(r2, c2, True, True)}"


def _lref(sheet: str, row: int | str, col: int, abs_row: bool = False, abs_col: bool = False) -> str:
    return f"{_quoted(sheet)}!{_a1(row, col, abs_row, abs_col)}"


# ------------------------------------------------------------------ the builder


@dataclass
class _Table:
    """Where a table of the Inputs sheet sits: first data row, row ids, column of each key."""

    first_row: int
    ids: list[Any]
    cols: dict[str, int]

    def row(self, rid: Any) -> int:
        return self.first_row + self.ids.index(rid)

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.ids) - 1


#: Placeholders of row numbers in a row template (private-use characters, never in a formula):
#: the row itself, and the row of the cell a column links to (e.g. the project's row on
#: the Projects sheet seen from the Macro sheet).
ROW = "\ue000"
LINK_ROW = "\ue001"
#: Rows rendered per chunk when a long table is streamed into the file.
_CHUNK_ROWS = 4096


@dataclass(frozen=True)
class _Column:
    """One column of a long table (one row per project or per phased row).

    ``formula`` is the formula of every row with :data:`ROW` (and :data:`LINK_ROW`) in place of
    the row numbers, and ``values`` its cached value in each row; without a formula, ``values``
    are the typed-in values themselves (None = empty cell, str = text, never a formula).
    """

    col: int
    values: Sequence[Any] | np.ndarray
    formula: str | None = None
    link_rows: np.ndarray | None = None

    def formula_at(self, i: int, row: int) -> str:
        """The formula of the ``i``-th row of the table, which sits on sheet row ``row``."""
        assert self.formula is not None
        text = self.formula.replace(ROW, str(row))
        return text if self.link_rows is None else text.replace(LINK_ROW, str(int(self.link_rows[i])))


@dataclass(frozen=True)
class _LongTable:
    """Rows ``template_row + 1 .. template_row + n - 1`` of a sheet, written straight into the
    sheet XML at save time, column by column; each cell takes the style of its column's cell
    in the template row (written through openpyxl)."""

    template_row: int
    n: int
    columns: list[_Column]


@dataclass
class _Book:
    """The workbook being written and the cached value of every formula cell."""

    wb: Workbook
    lang: str
    unit: str
    cache: dict[tuple[str, str], Any] = field(default_factory=dict)
    long_tables: dict[str, _LongTable] = field(default_factory=dict)

    @property
    def per_bn(self) -> float:
        return PER_BN[self.unit]

    def sheet(self, title: str) -> Worksheet:
        ws = self.wb.create_sheet(safe_sheet_name(title, self.wb.sheetnames))
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.print_options.gridLines = False
        return ws

    def rows_below(self, ws: Worksheet, template_row: int, n: int, columns: list[_Column]) -> None:
        """The rows of a long table below its template row (already written, styled): kept as
        columns and written into the sheet XML at save time (see :class:`_LongTable`)."""
        if ws.title in self.long_tables:
            raise RuntimeError(f"sheet {ws.title!r} already has a long table")
        if n > 1:  # a table of one row is its template row
            self.long_tables[ws.title] = _LongTable(template_row, n, columns)

    def formula(self, ws: Worksheet, row: int, col: int, formula: str, cached: Any, fmt: str | None = None) -> None:
        cell = ws.cell(row=row, column=col, value="=" + formula)
        if fmt:
            cell.number_format = fmt
        self.cache[(ws.title, cell.coordinate)] = _plain(cached)

    def value(self, ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None, is_input: bool = False):
        """A typed-in value (text is always written as text)."""
        if isinstance(value, str):
            cell = write_text(ws, row, col, value)
        else:
            cell = ws.cell(row=row, column=col, value=_plain(value))
        if fmt:
            cell.number_format = fmt
        if is_input:
            cell.fill = INPUT_FILL
            cell.font = INPUT_FONT
        return cell

    def text(self, ws: Worksheet, row: int, col: int, text: Any) -> None:
        """Label or user text, as text."""
        write_text(ws, row, col, text)

    def cached_values(self) -> _CachedValues:
        """The cached value of every formula cell, long tables included."""
        return _CachedValues(self.cache, self.long_tables)

    def render_long_table(self, title: str) -> tuple[Iterator[bytes], int, int]:
        """The XML of the rows of ``title``'s long table (an iterable of chunks), the last row
        and the last column used by the sheet.

        Call after the workbook is complete (style ids are resolved from the template row).
        """
        ws = self.wb[title]
        table = self.long_tables[title]
        if ws.max_row > table.template_row:  # rows must stay in order in the XML
            raise RuntimeError(f"sheet {title!r}: cells below the template row {table.template_row} were written")
        max_col = max(c.col for c in table.columns)
        last_row = max(ws.max_row, table.template_row + table.n - 1)
        styles = {c.col: ws.cell(row=table.template_row, column=c.col).style_id for c in table.columns}
        return _render_rows(table, styles), last_row, max(max_col, ws.max_column)

    def header(self, ws: Worksheet, row: int, labels: Sequence[str], col: int = 1) -> None:
        for j, text in enumerate(labels):
            cell = write_text(ws, row, col + j, text)
            cell.fill = HEADER_FILL
            cell.font = HEADER_FONT
            cell.alignment = Alignment(wrap_text=True, vertical="center")

    def title(self, ws: Worksheet, text: str, sub: str = "") -> None:
        write_text(ws, 1, 1, text).font = TITLE_FONT
        if sub:
            write_text(ws, 2, 1, sub)


class _CachedValues(Mapping):
    """``(sheet, A1) -> cached value`` of every formula cell: the cells written through openpyxl
    and the long tables' columns (looked up on demand, not stored cell by cell)."""

    def __init__(self, cells: dict[tuple[str, str], Any], tables: Mapping[str, _LongTable]) -> None:
        self._cells = cells
        self._tables = {
            title: (t, {get_column_letter(c.col): c for c in t.columns if c.formula is not None})
            for title, t in tables.items()
        }

    def __getitem__(self, key: tuple[str, str]) -> Any:
        if key in self._cells:
            return self._cells[key]
        sheet, coord = key
        found = self._tables.get(sheet)
        m = re.fullmatch(r"([A-Z]+)([0-9]+)", coord)
        if found is None or m is None:
            raise KeyError(key)
        table, columns = found
        i = int(m.group(2)) - table.template_row
        if m.group(1) not in columns or not 1 <= i < table.n:
            raise KeyError(key)
        return _plain(columns[m.group(1)].values[i])

    def __iter__(self):
        yield from self._cells
        for title, (table, columns) in self._tables.items():
            for letter in columns:
                for row in range(table.template_row + 1, table.template_row + table.n):
                    yield (title, f"{letter}{row}")

    def __len__(self) -> int:
        return len(self._cells) + sum(len(cols) * max(t.n - 1, 0) for t, cols in self._tables.values())


def _escape_all(texts: list[str], strip_illegal: bool) -> list[str]:
    """Each text escaped for XML (``& < >``; with ``strip_illegal``, the characters XML cannot
    hold dropped as :func:`_xml_text` does), in a few passes over the joined column."""
    if not texts:
        return []
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:  # a text holds the separator itself: one by one
        return [_xml_text(t) if strip_illegal else _xml_escape(t) for t in texts]
    if strip_illegal:
        joined = _ILLEGAL_BUT_NUL.sub("", joined)
    return _xml_escape(joined).split("\x00")


def _value_tails(values: Sequence[Any] | np.ndarray) -> list[str]:
    """The cell XML after the style attribute of each typed-in value of a column: number,
    TRUE/FALSE, text (always a text cell, never a formula) or, for None, an empty cell."""
    values = [_plain(v) for v in values] if isinstance(values, np.ndarray) else list(values)
    kinds = set(map(type, values))
    if kinds <= {float, int}:
        return [f"><v>{v!r}</v></c>" for v in values]
    if kinds <= {float, int, type(None)}:
        return ["/>" if v is None else f"><v>{v!r}</v></c>" for v in values]
    if kinds <= {str}:
        return [f' t="inlineStr"><is><t xml:space="preserve">{t}</t></is></c>' for t in _escape_all(values, True)]
    out = []
    for v in values:
        if v is None:
            out.append("/>")
        elif isinstance(v, bool):
            out.append(f' t="b"><v>{int(v)}</v></c>')
        elif isinstance(v, int | float):
            out.append(f"><v>{v!r}</v></c>")
        else:
            out.append(f' t="inlineStr"><is><t xml:space="preserve">{_xml_text(str(v))}</t></is></c>')
    return out


def _cached_parts(values: Sequence[Any] | np.ndarray) -> tuple[str | list[str], list[str]]:
    """(type attribute(s), ``<v>`` element of each value) of a column's cached values, as
    :func:`_cached_xml` writes them; one attribute for the whole column when it is uniform.

    Floats: ``repr`` (shortest round-trip), non-finite -> ``#N/A`` error; bools 1/0; text escaped.
    """
    arr = values if isinstance(values, np.ndarray) else None
    if arr is not None and arr.dtype.kind == "f":
        finite = np.isfinite(arr)
        v = [f"<v>{x!r}</v>" for x in arr.tolist()]
        if finite.all():
            return "", v
        for i in np.flatnonzero(~finite).tolist():
            v[i] = "<v>#N/A</v>"
        return ["" if ok else ' t="e"' for ok in finite.tolist()], v
    if arr is not None and arr.dtype.kind == "b":
        return ' t="b"', ["<v>1</v>" if x else "<v>0</v>" for x in arr.tolist()]
    if arr is not None and arr.dtype.kind in "iu":
        return "", [f"<v>{x}</v>" for x in arr.tolist()]
    plain = [_plain(x) for x in values]
    if set(map(type, plain)) <= {str}:
        return ' t="str"', [f"<v>{t}</v>" for t in _escape_all(plain, True)]
    parts = [_cached_xml(x) for x in plain]
    types = ["" if p is None else p[0].decode() for p in parts]
    v = ["" if p is None else f"<v>{p[1].decode('utf-8')}</v>" for p in parts]
    return (types[0] if len(set(types)) == 1 else types), v


def _cached_kind(values: Sequence[Any] | np.ndarray) -> str:
    """How a column's cached values are written: "float" (all finite), "bool", "int" or "any"."""
    if isinstance(values, np.ndarray):
        if values.dtype.kind == "f" and np.isfinite(values).all():
            return "float"
        if values.dtype.kind == "b":
            return "bool"
        if values.dtype.kind in "iu":
            return "int"
    return "any"


def _render_rows(table: _LongTable, styles: Mapping[int, int]) -> Iterator[bytes]:
    """The ``<row>`` elements of a long table, in chunks of :data:`_CHUNK_ROWS` rows.

    The XML of a row is a fixed sequence of literal pieces (tags, formulas) and variable ones
    (row numbers, values). For a chunk, each variable piece is turned into a list of texts
    (one per row, column-wise), the literals repeated, and the rows interleaved and joined in
    one pass: no Python work per cell beyond turning each value into text.
    """
    columns = sorted(table.columns, key=lambda c: c.col)
    pieces: list[Any] = []  # str = literal; (kind, column) = one text per row

    def literal(text: str) -> None:
        if pieces and isinstance(pieces[-1], str):
            pieces[-1] += text
        else:
            pieces.append(text)

    literal('<row r="')
    pieces.append(("row", None))
    literal('">')
    for c in columns:
        literal(f'<c r="{get_column_letter(c.col)}')
        pieces.append(("row", None))
        literal(f'" s="{styles[c.col]}"')
        if c.formula is None:
            pieces.append(("value", c))
            continue
        kind = _cached_kind(c.values)
        if kind == "any":
            pieces.append(("type", c))
        elif kind == "bool":
            literal(' t="b"')
        literal("><f>")
        for k, part in enumerate(re.split(f"({ROW}|{LINK_ROW})", _xml_escape(c.formula))):
            if k % 2 == 0:
                literal(part)
            else:
                pieces.append(("row", None) if part == ROW else ("link", c))
        literal("</f>")
        if kind == "any":
            pieces.append(("cached", c))
            literal("</c>")
        else:
            literal("<v>")
            pieces.append((kind, c))
            literal("</v></c>")
    literal("</row>")

    first = table.template_row
    for start in range(1, table.n, _CHUNK_ROWS):
        stop = min(table.n, start + _CHUNK_ROWS)
        rows = list(map(str, range(first + start, first + stop)))
        links: dict[int, list[str]] = {}
        cached: dict[int, tuple[Any, list[str]]] = {}
        parts: list[Iterable[str]] = []
        for piece in pieces:
            if isinstance(piece, str):
                parts.append(itertools.repeat(piece, stop - start))
                continue
            kind, c = piece
            if kind == "row":
                parts.append(rows)
            elif kind == "link":
                if id(c.link_rows) not in links:
                    links[id(c.link_rows)] = list(map(str, c.link_rows[start:stop].tolist()))
                parts.append(links[id(c.link_rows)])
            elif kind == "value":
                parts.append(_value_tails(c.values[start:stop]))
            elif kind == "float":
                parts.append(list(map(repr, c.values[start:stop].tolist())))
            elif kind == "int":
                parts.append(list(map(str, c.values[start:stop].tolist())))
            elif kind == "bool":
                parts.append(["1" if x else "0" for x in c.values[start:stop].tolist()])
            elif kind == "type":
                cached[c.col] = _cached_parts(c.values[start:stop])
                types = cached[c.col][0]
                parts.append(types if isinstance(types, list) else itertools.repeat(types, stop - start))
            else:
                parts.append(cached.pop(c.col)[1])
        yield "".join(itertools.chain.from_iterable(zip(*parts, strict=True))).encode("utf-8")


_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ILLEGAL_BUT_NUL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f]")


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_text(text: str) -> str:
    """Text escaped for XML (characters XML cannot hold are dropped, as openpyxl refuses them)."""
    return _xml_escape(_ILLEGAL_XML.sub("", text))


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    return v


def _widths(ws: Worksheet, widths: Mapping[int, float]) -> None:
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width


# --------------------------------------------------------------- Inputs sheet

#: Scalar inputs: (parameter path, kind). kind: money | share | year | pp | pct | number
_SCALARS: list[tuple[str, str]] = [
    ("instrument.size_bn", "money"),
    ("instrument.cap_in_principle", "share"),
    ("instrument.cap_key_area", "share"),
    ("instrument.private_share_min", "share"),
    ("instrument.target_total_investment_bn", "money"),
    ("instrument.target_uplift_pp", "pp"),
    ("capital_ratios.shortfall_reduction", "share"),
    ("macro.base_year", "year"),
    ("macro.base_level_bn", "money"),
    ("macro.projected_growth_pct", "pct"),
]

#: Per-field inputs: (key, kind).
_FIELD_COLUMNS: list[tuple[str, str]] = [
    ("fund_share_of_capital", "share"),
    ("capital_ratio", "share"),
    ("additionality", "share"),
    ("infrastructure_share", "share"),
    ("private_share", "share"),
    ("key_area", "bool"),
    ("sector", "text"),
    ("shortfall_infrastructure", "bool"),
    ("start_year", "year"),
    ("construction_years", "year"),
    ("phasing_profile", "text"),
]
_BANK_COLUMNS: list[tuple[str, str]] = [("quota_bn", "money"), ("fund_share_scale", "number")]
_FORMATS = {
    "money": FMT_MONEY,
    "share": FMT_SHARE,
    "year": FMT_YEAR,
    "pp": FMT_PP,
    "pct": "0.00",
    "number": "0.0000",
}
_MARKERS = {
    "scalars": "#scalars",
    "fields": "#fields",
    "banks": "#banks",
    "allocation": "#allocation",
    "sectors": "#sectors",
    "growth": "#growth",
    "settings": "#settings",
}


def _param_node(params: Parameters, path: str) -> Any:
    section, _, rest = path.partition(".")
    node: Any = getattr(params, section)
    for part in rest.split("."):
        node = getattr(node, part)
    return node


def _source(node: Any) -> str:
    return f"{node.reference} ({node.date.isoformat()})"


def allocation_used(result: Result) -> np.ndarray:
    """The fields x banks fund (bn RMB) the run actually used: the parameters' allocation, or
    one passed to :func:`fundmodel.core.topdown.run` (an allocation edited in the dashboard), or the
    sums of a portfolio's projects."""
    p = result.parameters
    return result.by_cell["fund_bn"].to_numpy(dtype=float).reshape(len(p.field_ids), len(p.bank_ids))


def _override_note(params: Parameters, match: Any) -> str:
    """ " | overridden by FILE: a, b" for the overridden parameter paths ``match(path)`` accepts."""
    by_source: dict[str, list[str]] = {}
    for path, source in params.overridden.items():
        if match(path):
            by_source.setdefault(source, []).append(path.split(".")[-2] if path.count(".") >= 2 else path)
    return "".join(f" | overridden by {src}: {', '.join(paths)}" for src, paths in by_source.items())


def _unit_text(kind: str, book: _Book, fallback: str) -> str:
    if kind == "money":
        return unit_label(book.unit, book.lang)
    if kind == "pct":
        return "%" if book.lang == "zh" else "percent"
    return fallback


@dataclass
class _InputsLayout:
    sheet: str
    scalars: dict[str, int]  # path -> row (value in column C)
    fields: _Table
    banks: _Table
    allocation: _Table
    sectors: _Table
    growth: _Table
    tolerance_sum: int
    tolerance_share: int
    scenario_name: int
    value_col: int = 3

    def scalar(self, path: str, absolute: bool = True) -> str:
        return _lref(self.sheet, self.scalars[path], self.value_col, absolute, absolute)


def _write_inputs(book: _Book, ws: Worksheet, result: Result) -> _InputsLayout:
    p, lang = result.parameters, book.lang
    u = book.per_bn
    book.title(ws, xl_label("title", lang), xl_label("inputs_note", lang))
    write_text(ws, 3, 1, xl_label("layout", lang))
    write_text(ws, 3, 2, "layout")
    write_text(ws, 3, 3, LAYOUT_VERSION)
    write_text(ws, 4, 1, xl_label("money_unit", lang))
    write_text(ws, 4, 2, "unit")
    write_text(ws, 4, 3, book.unit)
    write_text(ws, 4, 4, unit_label(book.unit, lang))
    write_text(ws, 5, 1, xl_label("scenario_name", lang))
    write_text(ws, 5, 2, "scenario.name")
    book.value(ws, 5, 3, result.scenario_name, is_input=True)
    scenario_row = 5
    if result.mode == "portfolio":
        write_text(ws, 6, 1, xl_label("portfolio_note", lang)).font = Font(italic=True, color="C00000")

    row = 7
    write_text(ws, row, 1, xl_label("sec_scalars", lang)).font = SECTION_FONT
    write_text(ws, row, 2, _MARKERS["scalars"])
    row += 1
    book.header(ws, row, [xl_label(t, lang) for t in ("parameter", "key", "value", "unit", "source")])
    row += 1
    scalars: dict[str, int] = {}
    for path, kind in _SCALARS:
        node = _param_node(p, path)
        value = node.value * u if kind == "money" else node.value
        write_text(ws, row, 1, node.description)
        write_text(ws, row, 2, path)
        book.value(ws, row, 3, value, _FORMATS[kind], is_input=True)
        write_text(ws, row, 4, _unit_text(kind, book, node.unit))
        write_text(ws, row, 5, _source(node) + _override_note(p, lambda q, path=path: q == path))
        scalars[path] = row
        row += 1

    def table(
        marker: str,
        title: str,
        ids: list[Any],
        names: list[str],
        columns: list[tuple[str, str, str, str, list[Any], str]],
        row: int,
    ) -> tuple[_Table, int]:
        """columns: (key, label, kind, unit, values, source). Returns the table and the next free row."""
        row += 1
        write_text(ws, row, 1, title).font = SECTION_FONT
        write_text(ws, row, 2, _MARKERS[marker])
        book.header(ws, row + 1, [xl_label("name", lang), xl_label("id", lang)] + [c[1] for c in columns])
        write_text(ws, row + 2, 2, xl_label("key", lang))
        write_text(ws, row + 3, 2, xl_label("unit", lang))
        cols: dict[str, int] = {}
        for j, (key, _, _kind, unit_text, _, _) in enumerate(columns):
            cols[key] = 3 + j
            write_text(ws, row + 2, 3 + j, key)
            write_text(ws, row + 3, 3 + j, unit_text)
        first = row + 4
        for i, (rid, name) in enumerate(zip(ids, names, strict=True)):
            write_text(ws, first + i, 1, name)
            if isinstance(rid, str):
                write_text(ws, first + i, 2, rid)
            else:
                ws.cell(row=first + i, column=2, value=rid)
            for key, _, kind, _, values, _ in columns:
                book.value(ws, first + i, cols[key], values[i], _FORMATS.get(kind), is_input=True)
        src_row = first + len(ids)
        write_text(ws, src_row, 1, xl_label("source", lang))
        for key, _, _, _, _, source in columns:
            write_text(ws, src_row, cols[key], source).alignment = WRAP
        return _Table(first, list(ids), cols), src_row + 1

    fields = list(p.fields.values())
    fcols = []
    for key, kind in _FIELD_COLUMNS:
        node0 = getattr(fields[0], key)
        values = [getattr(f, key).value for f in fields]
        sources = "; ".join(sorted({_source(getattr(f, key)) for f in fields}))
        sources += _override_note(p, lambda q, key=key: q.startswith("fields.") and q.endswith("." + key))
        fcols.append((key, xl_label(key, lang), kind, _unit_text(kind, book, node0.unit), values, sources))
    names = [label(fid, lang) for fid in p.field_ids]
    t_fields, row = table("fields", xl_label("sec_fields", lang), p.field_ids, names, fcols, row)

    banks = list(p.banks.values())
    bcols = []
    for key, kind in _BANK_COLUMNS:
        values = [getattr(b, key).value * (u if kind == "money" else 1) for b in banks]
        sources = ["; ".join(sorted({_source(getattr(b, key)) for b in banks}))]
        sources[0] += _override_note(p, lambda q, key=key: q.startswith("banks.") and q.endswith("." + key))
        bcols.append(
            (
                key,
                label(key, lang),
                kind,
                _unit_text(kind, book, getattr(banks[0], key).unit),
                values,
                "; ".join(sources),
            )
        )
    t_banks, row = table(
        "banks", xl_label("sec_banks", lang), p.bank_ids, [label(b, lang) for b in p.bank_ids], bcols, row
    )

    alloc_node = p.raw["allocation"]["allocation_bn"]
    allocation = allocation_used(result)
    edited = (
        "" if np.array_equal(allocation, p.allocation_matrix) else " | edited for this run (not in a scenario file)"
    )
    acols = [
        (
            bid,
            label(bid, lang),
            "money",
            unit_label(book.unit, lang),
            list(allocation[:, j] * u),
            f"{alloc_node['reference']} ({alloc_node['date']})"
            + _override_note(p, lambda q: q.startswith("allocation_bn"))
            + edited,
        )
        for j, bid in enumerate(p.bank_ids)
    ]
    t_alloc, row = table("allocation", xl_label("sec_allocation", lang), p.field_ids, names, acols, row)

    sectors = p.capital_ratios.sectors
    sids = list(sectors)
    scols = [
        (
            "minimum",
            label("capital_ratio_minimum", lang),
            "share",
            "share of total investment",
            [s.minimum.value for s in sectors.values()],
            "; ".join(sorted({_source(s.minimum) for s in sectors.values()}))
            + _override_note(p, lambda q: q.startswith("capital_ratios.sectors")),
        )
    ]
    t_sectors, row = table(
        "sectors",
        xl_label("sec_sectors", lang),
        sids,
        [s.name_zh if lang == "zh" else s.name_en for s in sectors.values()],
        scols,
        row,
    )

    growth = p.macro.growth_pct
    years = sorted(growth.value)
    gcols = [
        (
            "growth_pct",
            xl_label("growth_used", lang),
            "pct",
            _unit_text("pct", book, growth.unit),
            [growth.value[y] for y in years],
            _source(growth) + _override_note(p, lambda q: q == "macro.growth_pct"),
        )
    ]
    t_growth, row = table("growth", xl_label("sec_growth", lang), years, [str(y) for y in years], gcols, row)

    row += 1
    write_text(ws, row, 1, xl_label("sec_settings", lang)).font = SECTION_FONT
    write_text(ws, row, 2, _MARKERS["settings"])
    tol_sum_row, tol_share_row = row + 1, row + 2
    write_text(ws, tol_sum_row, 1, xl_label("tolerance_sum", lang))
    write_text(ws, tol_sum_row, 2, "tolerance_sum")
    book.value(ws, tol_sum_row, 3, TOLERANCE_BN * u, "0.0E+00", is_input=True)
    write_text(ws, tol_sum_row, 4, unit_label(book.unit, lang))
    write_text(ws, tol_share_row, 1, xl_label("tolerance_share", lang))
    write_text(ws, tol_share_row, 2, "tolerance_share")
    book.value(ws, tol_share_row, 3, TOLERANCE_SHARE, "0.0E+00", is_input=True)

    # Drop-down lists keep typed values valid (the reader checks them again).
    n = len(p.field_ids)
    prof = DataValidation(type="list", formula1='"s_curve,uniform"', allow_blank=False)
    prof.add(
        f"{get_column_letter(t_fields.cols['phasing_profile'])}{t_fields.first_row}:"
        f"{get_column_letter(t_fields.cols['phasing_profile'])}{t_fields.first_row + n - 1}"
    )
    sector_list = DataValidation(
        type="list", formula1=f"$B${t_sectors.first_row}:$B${t_sectors.last_row}", allow_blank=False
    )
    col = get_column_letter(t_fields.cols["sector"])
    sector_list.add(f"{col}{t_fields.first_row}:{col}{t_fields.first_row + n - 1}")
    flags = DataValidation(type="list", formula1='"TRUE,FALSE"', allow_blank=False)
    for key in ("key_area", "shortfall_infrastructure"):
        col = get_column_letter(t_fields.cols[key])
        flags.add(f"{col}{t_fields.first_row}:{col}{t_fields.first_row + n - 1}")
    for dv in (prof, sector_list, flags):
        ws.add_data_validation(dv)

    _widths(ws, {1: 46, 2: 30, 3: 16, 4: 16, 5: 16, 6: 16, 7: 16, 8: 16, 9: 16, 10: 16, 11: 14, 12: 14, 13: 16})
    ws.freeze_panes = "C1"
    return _InputsLayout(
        sheet=ws.title,
        scalars=scalars,
        fields=t_fields,
        banks=t_banks,
        allocation=t_alloc,
        sectors=t_sectors,
        growth=t_growth,
        tolerance_sum=tol_sum_row,
        tolerance_share=tol_share_row,
        scenario_name=scenario_row,
    )


# ------------------------------------------------------------ calculation sheets


@dataclass
class _Sheets:
    """Titles of one scenario's sheets and where its key results sit."""

    inputs: str
    allocation: str
    fields: str
    banks: str
    macro: str
    checks: str
    cells: str = ""
    project_inputs: str = ""
    projects: str = ""
    totals: dict[str, str] = field(default_factory=dict)  # metric -> absolute reference
    master: str = ""
    macro_rows: dict[str, Any] = field(default_factory=dict)


_STACK = ["fund_bn", "project_capital_bn", "other_capital_bn", "debt_bn", "total_investment_bn", "net_investment_bn"]


#: Columns of the Cells sheet (1-based).
_CELL_SHEET = [
    "field",
    "bank",
    "field_name",
    "bank_name",
    *_STACK,
    "fund_share_of_capital",
    "fund_share_scale",
    "cell_fund_share",
    "capital_ratio",
    "additionality",
    "multiplier",
    "fund_share_cap",
]
_CC = {k: j + 1 for j, k in enumerate(_CELL_SHEET)}


def _write_cells(book: _Book, ws: Worksheet, result: Result, inp: _InputsLayout, sheets: _Sheets) -> tuple[int, int]:
    """One row per (field, bank) cell: F, s = s_f x scale_b, k, a, K = F/s, O = K-F, I = K/k, D = I-K, aI, 1/(sk)."""
    p, lang, u = result.parameters, book.lang, book.per_bn
    book.title(ws, xl_label("cells", lang), unit_label(book.unit, lang))
    heads = [xl_label("field", lang), xl_label("bank", lang), xl_label("field", lang), xl_label("bank", lang)]
    heads += [xl_label(c, lang) for c in _CELL_SHEET[4:]]
    book.header(ws, 4, heads)
    c = _CC
    fi, ba = inp.fields, inp.banks
    field_ids = _rng(inp.sheet, fi.first_row, 2, fi.last_row, 2)
    bank_ids = _rng(inp.sheet, ba.first_row, 2, ba.last_row, 2)
    al = inp.allocation
    alloc = _rng(inp.sheet, al.first_row, 3, al.last_row, 2 + len(p.bank_ids))
    alloc_keys = _rng(inp.sheet, al.first_row - 2, 3, al.first_row - 2, 2 + len(p.bank_ids))

    def fcol(key: str) -> str:
        return _rng(inp.sheet, fi.first_row, fi.cols[key], fi.last_row, fi.cols[key])

    cells = result.by_cell
    cap = p.fund_share_cap
    row = 5
    for i, fid in enumerate(p.field_ids):
        for j, bid in enumerate(p.bank_ids):
            r = row
            L = {k: _a1(r, v) for k, v in c.items()}
            fa, ba_ = f"$A{r}", f"$B{r}"
            write_text(ws, r, 1, fid)
            write_text(ws, r, 2, bid)
            write_text(ws, r, 3, label(fid, lang))
            write_text(ws, r, 4, label(bid, lang))
            rec = cells.loc[(fid, bid)]
            s_cell = p.cell_fund_share[i, j]
            book.formula(
                ws,
                r,
                c["fund_bn"],
                f"INDEX({alloc},MATCH({fa},{field_ids},0),MATCH({ba_},{alloc_keys},0))",
                rec["fund_bn"] * u,
                FMT_MONEY,
            )
            book.formula(
                ws,
                r,
                c["fund_share_of_capital"],
                f"INDEX({fcol('fund_share_of_capital')},MATCH({fa},{field_ids},0))",
                p.fund_share_of_capital[i],
                FMT_SHARE,
            )
            scale_rng = _rng(
                inp.sheet, ba.first_row, ba.cols["fund_share_scale"], ba.last_row, ba.cols["fund_share_scale"]
            )
            book.formula(
                ws,
                r,
                c["fund_share_scale"],
                f"INDEX({scale_rng},MATCH({ba_},{bank_ids},0))",
                p.fund_share_scale[j],
                "0.0000",
            )
            book.formula(
                ws, r, c["cell_fund_share"], f"{L['fund_share_of_capital']}*{L['fund_share_scale']}", s_cell, FMT_SHARE
            )
            book.formula(
                ws,
                r,
                c["capital_ratio"],
                f"INDEX({fcol('capital_ratio')},MATCH({fa},{field_ids},0))",
                p.capital_ratio[i],
                FMT_SHARE,
            )
            book.formula(
                ws,
                r,
                c["additionality"],
                f"INDEX({fcol('additionality')},MATCH({fa},{field_ids},0))",
                p.additionality[i],
                FMT_SHARE,
            )
            book.formula(
                ws,
                r,
                c["project_capital_bn"],
                f"{L['fund_bn']}/{L['cell_fund_share']}",
                rec["project_capital_bn"] * u,
                FMT_MONEY,
            )
            book.formula(
                ws,
                r,
                c["other_capital_bn"],
                f"{L['project_capital_bn']}-{L['fund_bn']}",
                rec["other_capital_bn"] * u,
                FMT_MONEY,
            )
            book.formula(
                ws,
                r,
                c["total_investment_bn"],
                f"{L['project_capital_bn']}/{L['capital_ratio']}",
                rec["total_investment_bn"] * u,
                FMT_MONEY,
            )
            book.formula(
                ws,
                r,
                c["debt_bn"],
                f"{L['total_investment_bn']}-{L['project_capital_bn']}",
                rec["debt_bn"] * u,
                FMT_MONEY,
            )
            book.formula(
                ws,
                r,
                c["net_investment_bn"],
                f"{L['additionality']}*{L['total_investment_bn']}",
                rec["net_investment_bn"] * u,
                FMT_MONEY,
            )
            book.formula(
                ws,
                r,
                c["multiplier"],
                f"1/({L['cell_fund_share']}*{L['capital_ratio']})",
                1.0 / (s_cell * p.capital_ratio[i]),
                FMT_TIMES,
            )
            cap_rng = _rng(sheets.fields, 5, _FC["fund_share_cap"], 4 + len(p.field_ids), _FC["fund_share_cap"])
            fid_rng = _rng(sheets.fields, 5, 1, 4 + len(p.field_ids), 1)
            book.formula(ws, r, c["fund_share_cap"], f"INDEX({cap_rng},MATCH({fa},{fid_rng},0))", cap[i], FMT_SHARE)
            row += 1
    ws.freeze_panes = "E5"
    _widths(ws, {1: 24, 2: 8, 3: 30, 4: 30, **{k: 14 for k in range(5, 18)}})
    return 5, row - 1


#: Columns of the Fields sheet (1-based).
_FIELD_SHEET = [
    "id",
    "name",
    *_STACK,
    "multiplier",
    "net_multiplier",
    "fund_share_of_capital",
    "fund_share_cap",
    "capital_ratio",
    "capital_ratio_minimum",
    "additionality",
    "infrastructure_share",
    "private_share",
    "private_fund",
]
_FC = {k: j + 1 for j, k in enumerate(_FIELD_SHEET)}


def _stack_sumifs(
    book: _Book,
    ws: Worksheet,
    r: int,
    key_col_letter: str,
    cells_first: int,
    cells_last: int,
    cells_key_col: int,
    sheets: _Sheets,
    values: Mapping[str, float],
) -> None:
    for name in _STACK:
        src = _rng(sheets.cells, cells_first, _CC[name], cells_last, _CC[name])
        keys = _rng(sheets.cells, cells_first, cells_key_col, cells_last, cells_key_col)
        book.formula(
            ws,
            r,
            3 + _STACK.index(name),
            f"SUMIF({keys},${key_col_letter}{r},{src})",
            values[name] * book.per_bn,
            FMT_MONEY,
        )


def _write_fields(
    book: _Book, ws: Worksheet, result: Result, inp: _InputsLayout, sheets: _Sheets, cells_rows: tuple[int, int]
) -> None:
    p, lang, u = result.parameters, book.lang, book.per_bn
    book.title(ws, xl_label("fields", lang), unit_label(book.unit, lang))
    book.header(ws, 4, [xl_label("id", lang), xl_label("name", lang)] + [xl_label(k, lang) for k in _FIELD_SHEET[2:]])
    ws.cell(row=4, column=_FC["private_fund"]).value = xl_label("private_fund", lang)
    fi = inp.fields
    bf = result.by_field
    n = len(p.field_ids)
    for i, fid in enumerate(p.field_ids):
        r = 5 + i
        ir = fi.first_row + i
        L = {k: _a1(r, v) for k, v in _FC.items()}

        def inref(key: str, ir: int = ir) -> str:
            return _lref(inp.sheet, ir, fi.cols[key])

        write_text(ws, r, 1, fid)
        write_text(ws, r, 2, label(fid, lang))
        rec = bf.loc[fid]
        _stack_sumifs(book, ws, r, "A", *cells_rows, 1, sheets, rec)
        s, k, a = p.fund_share_of_capital[i], p.capital_ratio[i], p.additionality[i]
        book.formula(
            ws,
            r,
            _FC["multiplier"],
            f"IF({L['fund_bn']}=0,1/({L['fund_share_of_capital']}*{L['capital_ratio']}),"
            f"{L['total_investment_bn']}/{L['fund_bn']})",
            rec["multiplier"],
            FMT_TIMES,
        )
        book.formula(
            ws,
            r,
            _FC["net_multiplier"],
            f"IF({L['fund_bn']}=0,{L['additionality']}/({L['fund_share_of_capital']}*{L['capital_ratio']}),"
            f"{L['net_investment_bn']}/{L['fund_bn']})",
            rec["net_multiplier"],
            FMT_TIMES,
        )
        book.formula(ws, r, _FC["fund_share_of_capital"], inref("fund_share_of_capital"), s, FMT_SHARE)
        book.formula(
            ws,
            r,
            _FC["fund_share_cap"],
            f"IF({inref('key_area')},{inp.scalar('instrument.cap_key_area')},"
            f"{inp.scalar('instrument.cap_in_principle')})",
            p.fund_share_cap[i],
            FMT_SHARE,
        )
        book.formula(ws, r, _FC["capital_ratio"], inref("capital_ratio"), k, FMT_SHARE)
        se = inp.sectors
        book.formula(
            ws,
            r,
            _FC["capital_ratio_minimum"],
            f"INDEX({_rng(inp.sheet, se.first_row, 3, se.last_row, 3)},"
            f"MATCH({inref('sector')},{_rng(inp.sheet, se.first_row, 2, se.last_row, 2)},0))"
            f"-IF({inref('shortfall_infrastructure')},{inp.scalar('capital_ratios.shortfall_reduction')},0)",
            p.capital_ratio_minimum[i],
            FMT_SHARE,
        )
        book.formula(ws, r, _FC["additionality"], inref("additionality"), a, FMT_SHARE)
        book.formula(
            ws, r, _FC["infrastructure_share"], inref("infrastructure_share"), p.infrastructure_share[i], FMT_SHARE
        )
        book.formula(ws, r, _FC["private_share"], inref("private_share"), p.private_share[i], FMT_SHARE)
        book.formula(
            ws,
            r,
            _FC["private_fund"],
            f"{L['private_share']}*{L['fund_bn']}",
            p.private_share[i] * rec["fund_bn"] * u,
            FMT_MONEY,
        )
    t = 5 + n
    T = {k: _a1(t, v) for k, v in _FC.items()}
    write_text(ws, t, 1, "total")
    write_text(ws, t, 2, xl_label("total", lang))
    totals = result.totals
    private_total = float(np.dot(p.private_share, bf["fund_bn"]))
    for name in [*_STACK, "private_fund"]:
        col = get_column_letter(_FC[name])
        cached = private_total * u if name == "private_fund" else totals[name] * u
        book.formula(ws, t, _FC[name], f"SUM({col}5:{col}{t - 1})", cached, FMT_MONEY)
    book.formula(
        ws, t, _FC["multiplier"], f"{T['total_investment_bn']}/{T['fund_bn']}", totals["multiplier"], FMT_TIMES
    )
    book.formula(
        ws, t, _FC["net_multiplier"], f"{T['net_investment_bn']}/{T['fund_bn']}", totals["net_multiplier"], FMT_TIMES
    )
    book.formula(
        ws, t, _FC["private_share"], f"{T['private_fund']}/{T['fund_bn']}", private_total / totals["fund_bn"], FMT_SHARE
    )
    for cell in ws[t]:
        cell.font, cell.border = TOTAL_FONT, TOTAL_BORDER
    g = t + 2
    write_text(ws, g, 2, xl_label("gap_to_target_bn", lang))
    book.formula(
        ws,
        g,
        _FC["total_investment_bn"],
        f"{T['total_investment_bn']}-{inp.scalar('instrument.target_total_investment_bn')}",
        totals["gap_to_target_bn"] * u,
        FMT_MONEY,
    )
    sheets.totals.update(
        {
            "fund_bn": _lref(ws.title, t, _FC["fund_bn"], True, True),
            "total_investment_bn": _lref(ws.title, t, _FC["total_investment_bn"], True, True),
            "net_investment_bn": _lref(ws.title, t, _FC["net_investment_bn"], True, True),
            "multiplier": _lref(ws.title, t, _FC["multiplier"], True, True),
            "net_multiplier": _lref(ws.title, t, _FC["net_multiplier"], True, True),
            "gap_to_target_bn": _lref(ws.title, g, _FC["total_investment_bn"], True, True),
            "private_share": _lref(ws.title, t, _FC["private_share"], True, True),
        }
    )
    ws.freeze_panes = "C5"
    _widths(ws, {1: 26, 2: 34, **{k: 14 for k in range(3, len(_FIELD_SHEET) + 1)}})
    field_chart(book, ws, _FC["total_investment_bn"], n, f"B{t + 5}")


def field_chart(book: _Book, ws: Worksheet, col: int, n: int, anchor: str) -> None:
    """Native bar chart of column ``col`` (header in row 4, n fields below) by field name (column B)."""
    chart = BarChart()
    chart.type = "bar"
    chart.title = xl_label("chart_field", book.lang)
    chart.y_axis.title = unit_label(book.unit, book.lang)
    chart.add_data(Reference(ws, min_col=col, min_row=4, max_row=4 + n), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, min_row=5, max_row=4 + n))
    chart.height, chart.width = 9, 18
    ws.add_chart(chart, anchor)


_BANK_SHEET = ["id", "name", *_STACK, "multiplier", "net_multiplier", "quota_bn", "fund_share_scale", "difference"]
_BC = {k: j + 1 for j, k in enumerate(_BANK_SHEET)}


def _write_banks(
    book: _Book, ws: Worksheet, result: Result, inp: _InputsLayout, sheets: _Sheets, cells_rows: tuple[int, int]
) -> None:
    p, lang, u = result.parameters, book.lang, book.per_bn
    book.title(ws, xl_label("banks", lang), unit_label(book.unit, lang))
    book.header(ws, 4, [xl_label("id", lang), xl_label("name", lang)] + [xl_label(k, lang) for k in _BANK_SHEET[2:]])
    ba = inp.banks
    bb = result.by_bank
    for j, bid in enumerate(p.bank_ids):
        r = 5 + j
        L = {k: _a1(r, v) for k, v in _BC.items()}
        write_text(ws, r, 1, bid)
        write_text(ws, r, 2, label(bid, lang))
        rec = bb.loc[bid]
        _stack_sumifs(book, ws, r, "A", *cells_rows, 2, sheets, rec)
        book.formula(
            ws, r, _BC["multiplier"], f"{L['total_investment_bn']}/{L['fund_bn']}", rec["multiplier"], FMT_TIMES
        )
        book.formula(
            ws, r, _BC["net_multiplier"], f"{L['net_investment_bn']}/{L['fund_bn']}", rec["net_multiplier"], FMT_TIMES
        )
        book.formula(
            ws,
            r,
            _BC["quota_bn"],
            _lref(inp.sheet, ba.first_row + j, ba.cols["quota_bn"]),
            p.bank_quota[j] * u,
            FMT_MONEY,
        )
        book.formula(
            ws,
            r,
            _BC["fund_share_scale"],
            _lref(inp.sheet, ba.first_row + j, ba.cols["fund_share_scale"]),
            p.fund_share_scale[j],
            "0.0000",
        )
        book.formula(
            ws,
            r,
            _BC["difference"],
            f"{L['fund_bn']}-{L['quota_bn']}",
            (rec["fund_bn"] - p.bank_quota[j]) * u,
            FMT_MONEY,
        )
    t = 5 + len(p.bank_ids)
    T = {k: _a1(t, v) for k, v in _BC.items()}
    write_text(ws, t, 1, "total")
    write_text(ws, t, 2, xl_label("total", lang))
    for name in [*_STACK, "quota_bn", "difference"]:
        col = get_column_letter(_BC[name])
        cached = {"quota_bn": p.bank_quota.sum(), "difference": bb["fund_bn"].sum() - p.bank_quota.sum()}.get(
            name, bb[name].sum() if name in bb else 0.0
        )
        book.formula(ws, t, _BC[name], f"SUM({col}5:{col}{t - 1})", cached * u, FMT_MONEY)
    book.formula(
        ws,
        t,
        _BC["multiplier"],
        f"{T['total_investment_bn']}/{T['fund_bn']}",
        bb["total_investment_bn"].sum() / bb["fund_bn"].sum(),
        FMT_TIMES,
    )
    book.formula(
        ws,
        t,
        _BC["net_multiplier"],
        f"{T['net_investment_bn']}/{T['fund_bn']}",
        bb["net_investment_bn"].sum() / bb["fund_bn"].sum(),
        FMT_TIMES,
    )
    for cell in ws[t]:
        cell.font, cell.border = TOTAL_FONT, TOTAL_BORDER
    ws.freeze_panes = "C5"
    _widths(ws, {1: 10, 2: 40, **{k: 14 for k in range(3, len(_BANK_SHEET) + 1)}})


def _write_allocation(book: _Book, ws: Worksheet, result: Result, inp: _InputsLayout, fund_formula: Any = None) -> None:
    """The fields x banks matrix with row and column totals, quotas and differences.

    Top-down the matrix links to the Inputs allocation; in a portfolio run ``fund_formula(r, c)``
    sums the projects of the field in row r and the bank in column c.
    """
    p, lang, u = result.parameters, book.lang, book.per_bn
    book.title(ws, xl_label("allocation", lang), unit_label(book.unit, lang))
    nb, nf = len(p.bank_ids), len(p.field_ids)
    al, ba = inp.allocation, inp.banks
    for j, bid in enumerate(p.bank_ids):
        write_text(ws, 3, 3 + j, bid)
    book.header(
        ws,
        4,
        [xl_label("id", lang), xl_label("field", lang)]
        + [label(b, lang) for b in p.bank_ids]
        + [xl_label("row_total", lang)],
    )
    m = allocation_used(result)
    m = m * u
    for i, fid in enumerate(p.field_ids):
        r = 5 + i
        write_text(ws, r, 1, fid)
        write_text(ws, r, 2, label(fid, lang))
        for j in range(nb):
            link = _lref(inp.sheet, al.first_row + i, 3 + j) if fund_formula is None else fund_formula(r, 3 + j)
            book.formula(ws, r, 3 + j, link, m[i, j], FMT_MONEY)
        book.formula(ws, r, 3 + nb, f"SUM({_a1(r, 3)}:{_a1(r, 2 + nb)})", m[i].sum(), FMT_MONEY)
    t, q, d = 5 + nf, 6 + nf, 7 + nf
    write_text(ws, t, 2, xl_label("column_total", lang))
    write_text(ws, q, 2, xl_label("quota_bn", lang))
    write_text(ws, d, 2, xl_label("difference", lang))
    quota = _rng(inp.sheet, ba.first_row, ba.cols["quota_bn"], ba.last_row, ba.cols["quota_bn"])
    bank_ids = _rng(inp.sheet, ba.first_row, 2, ba.last_row, 2)
    for j in range(nb + 1):
        col = get_column_letter(3 + j)
        total = m[:, j].sum() if j < nb else m.sum()
        book.formula(ws, t, 3 + j, f"SUM({col}5:{col}{t - 1})", total, FMT_MONEY)
        if j < nb:
            book.formula(ws, q, 3 + j, f"INDEX({quota},MATCH({col}$3,{bank_ids},0))", p.bank_quota[j] * u, FMT_MONEY)
        else:
            book.formula(ws, q, 3 + j, inp.scalar("instrument.size_bn"), p.instrument.size_bn.value * u, FMT_MONEY)
        qv = p.bank_quota[j] * u if j < nb else p.instrument.size_bn.value * u
        book.formula(ws, d, 3 + j, f"{col}{t}-{col}{q}", total - qv, FMT_MONEY)
    for cell in ws[t]:
        cell.font, cell.border = TOTAL_FONT, TOTAL_BORDER
    ws.freeze_panes = "C5"
    _widths(ws, {1: 26, 2: 34, **{k: 16 for k in range(3, 4 + nb)}})


@dataclass
class _PhasingRows:
    """The rows phased on the Macro sheet (fields top-down, projects in a portfolio run):
    their ids and names, a formula linking each input (start year, construction years,
    profile, total investment, additionality, infrastructure share) for row i, and the
    values the Python model used."""

    ids: list[str]
    names: list[str]
    links: Any  # column key -> (formula with LINK_ROW for the linked row, the linked row of each row)
    start: np.ndarray
    length: np.ndarray
    profile: list[str]
    investment: np.ndarray  # in the workbook's unit
    additionality: np.ndarray
    infrastructure_share: np.ndarray
    start_range: str  # range of the start years on an input sheet (for the timeline)


def _timeline(result: Result, rows: _PhasingRows) -> np.ndarray:
    """Years of the Macro sheet: from the base year or first start year, at least 12 columns."""
    m = result.parameters.macro
    first = int(min(m.base_year.value, rows.start.min()))
    last = int(max((rows.start + rows.length - 1).max(), result.by_year.index.max(), first + MIN_TIMELINE_YEARS - 1))
    return np.arange(first, last + 1)


def _weights_formula(year: str, start: str, length: str, profile: str) -> str:
    """Share landing in ``year``: C(t1) - C(t0) with t clipped to [0, 1], C(t) = 3t^2 - 2t^3
    (S-curve) or C(t) = t (uniform), t1 = (year - start + 1) / n, t0 = (year - start) / n.

    Example: 4 S-curve years from 2025, year 2026: t0 = 0.25, t1 = 0.5 -> 0.5 - 0.15625 = 0.34375.
    """
    t1 = f"MIN(1,MAX(0,({year}-{start}+1)/{length}))"
    t0 = f"MIN(1,MAX(0,({year}-{start})/{length}))"
    return f'IF({profile}="uniform",{t1}-{t0},3*{t1}^2-2*{t1}^3-(3*{t0}^2-2*{t0}^3))'


#: Rows of the totals block of the Macro sheet (row 5 onwards) and the first phasing row.
_MACRO_TOTALS = [
    "investment_bn",
    "net_investment_bn",
    "infrastructure_net_bn",
    "growth_used",
    "growth_factor",
    "growth_index",
    "base_previous_year_bn",
    "uplift_pp",
]
_MACRO_Y0 = 9  # first year column
_MACRO_FIRST_PHASING_ROW = 5 + len(_MACRO_TOTALS) + 5


def _write_macro(
    book: _Book, ws: Worksheet, result: Result, inp: _InputsLayout, sheets: _Sheets, ph: _PhasingRows
) -> None:
    """Totals per year (landing, net, infrastructure, base, uplift) above the phasing weights of
    every row (formulas of start year, construction years and profile)."""
    p, lang = result.parameters, book.lang
    book.title(ws, xl_label("macro", lang), unit_label(book.unit, lang))
    years = _timeline(result, ph)
    ny, n = len(years), len(ph.ids)
    Y0 = _MACRO_Y0
    yfirst, ylast = get_column_letter(Y0), get_column_letter(Y0 + ny - 1)
    book.header(ws, 4, [xl_label("id", lang), xl_label("name", lang)] + [None] * 6 + [None] * ny)
    book.formula(ws, 4, Y0, f"MIN({inp.scalar('macro.base_year')},MIN({ph.start_range}))", int(years[0]), FMT_YEAR)
    for j in range(1, ny):
        book.formula(ws, 4, Y0 + j, f"{_a1(4, Y0 + j - 1)}+1", int(years[j]), FMT_YEAR)

    _, w_py = macro.phasing_matrix(ph.start, ph.length, ph.profile)
    w = np.zeros((n, ny))
    off = int(ph.start.min()) - int(years[0])
    w[:, off : off + w_py.shape[1]] = w_py
    landing = ph.investment[:, None] * w

    m = p.macro
    growth = np.array([m.growth_pct.value.get(int(y), m.projected_growth_pct.value) for y in years], dtype=float)
    factor = 1 + growth / 100
    base_prev = (
        macro.infrastructure_base(
            years - 1, m.base_year.value, m.base_level_bn.value, m.growth_pct.value, m.projected_growth_pct.value
        )
        * book.per_bn
    )
    uplift = np.array([result.by_year["uplift_pp"].get(int(y), 0.0) for y in years])
    a, theta = ph.additionality, ph.infrastructure_share
    cached = {
        "investment_bn": landing.sum(axis=0),
        "net_investment_bn": (a[:, None] * landing).sum(axis=0),
        "infrastructure_net_bn": ((theta * a)[:, None] * landing).sum(axis=0),
        "growth_used": growth,
        "growth_factor": factor,
        "growth_index": np.cumprod(factor),
        "base_previous_year_bn": base_prev,
        "uplift_pp": uplift,
    }
    first, last = _MACRO_FIRST_PHASING_ROW, _MACRO_FIRST_PHASING_ROW + n - 1
    rows = {key: 5 + i for i, key in enumerate(_MACRO_TOTALS)}
    gr = inp.growth
    g_years = _rng(inp.sheet, gr.first_row, 2, gr.last_row, 2)
    g_vals = _rng(inp.sheet, gr.first_row, 3, gr.last_row, 3)

    def col(letter: str) -> str:
        return f"${letter}${first}:${letter}${last}"

    def wcol(c: str) -> str:
        return f"{c}${first}:{c}${last}"

    make = {
        "investment_bn": lambda c: f"SUMPRODUCT({col('F')},{wcol(c)})",
        "net_investment_bn": lambda c: f"SUMPRODUCT({col('F')},{col('G')},{wcol(c)})",
        "infrastructure_net_bn": lambda c: f"SUMPRODUCT({col('F')},{col('G')},{col('H')},{wcol(c)})",
        "growth_used": lambda c: (
            f"IFERROR(INDEX({g_vals},MATCH({c}$4,{g_years},0)),{inp.scalar('macro.projected_growth_pct')})"
        ),
        "growth_factor": lambda c: f"1+{c}{rows['growth_used']}/100",
        "growth_index": lambda c: f"PRODUCT(${yfirst}{rows['growth_factor']}:{c}{rows['growth_factor']})",
        "base_previous_year_bn": lambda c: (
            f"{inp.scalar('macro.base_level_bn')}*{c}{rows['growth_index']}/{c}{rows['growth_factor']}"
            f"/INDEX(${yfirst}${rows['growth_index']}:${ylast}${rows['growth_index']},"
            f"MATCH({inp.scalar('macro.base_year')},${yfirst}$4:${ylast}$4,0))"
        ),
        "uplift_pp": lambda c: f"100*{c}{rows['infrastructure_net_bn']}/{c}{rows['base_previous_year_bn']}",
    }
    fmts = {"growth_used": "0.00", "growth_factor": "0.000000", "growth_index": "0.000000", "uplift_pp": FMT_PP}
    for key in _MACRO_TOTALS:
        r = rows[key]
        write_text(ws, r, 1, key)
        write_text(ws, r, 2, xl_label(key, lang))
        for j in range(ny):
            book.formula(ws, r, Y0 + j, make[key](get_column_letter(Y0 + j)), cached[key][j], fmts.get(key, FMT_MONEY))
    for cell in ws[rows["uplift_pp"]]:
        cell.font = TOTAL_FONT
    peak = rows["uplift_pp"] + 1
    write_text(ws, peak, 2, xl_label("peak_uplift", lang))
    book.formula(
        ws, peak, Y0, f"MAX(${yfirst}${rows['uplift_pp']}:${ylast}${rows['uplift_pp']})", float(uplift.max()), FMT_PP
    )
    sheets.totals["peak_uplift_pp"] = _lref(ws.title, peak, Y0, True, True)

    write_text(ws, first - 2, 1, xl_label("phasing_weights", lang)).font = SECTION_FONT
    heads = [
        xl_label(t, lang)
        for t in (
            "id",
            "name",
            "start_year",
            "construction_years",
            "phasing_profile",
            "total_investment_bn",
            "additionality",
            "infrastructure_share",
        )
    ]
    book.header(ws, first - 1, heads + [str(int(y)) for y in years] + [xl_label("phasing_sum", lang)])
    values = {
        "C": (ph.start, FMT_YEAR),
        "D": (ph.length, FMT_YEAR),
        "E": (ph.profile, None),
        "F": (ph.investment, FMT_MONEY),
        "G": (a, FMT_SHARE),
        "H": (theta, FMT_SHARE),
    }
    keys = {
        "C": "start_year",
        "D": "construction_years",
        "E": "phasing_profile",
        "F": "total_investment_bn",
        "G": "additionality",
        "H": "infrastructure_share",
    }
    year_refs = [_a1(4, Y0 + j, abs_row=True) for j in range(ny)]
    sum_col = Y0 + ny
    columns = [_Column(1, ph.ids), _Column(2, ph.names)]
    fmts: dict[int, str | None] = {}
    for k, letter in enumerate("CDEFGH"):
        vals, fmts[3 + k] = values[letter]
        formula, link_rows = ph.links(keys[letter])
        columns.append(_Column(3 + k, vals, formula, link_rows))
    for j in range(ny):
        weights = _weights_formula(year_refs[j], f"$C{ROW}", f"$D{ROW}", f"$E{ROW}")
        columns.append(_Column(Y0 + j, np.ascontiguousarray(w[:, j]), weights))
        fmts[Y0 + j] = FMT_WEIGHT
    columns.append(_Column(sum_col, w.sum(axis=1), f"SUM({yfirst}{ROW}:{ylast}{ROW})"))
    fmts[sum_col] = FMT_WEIGHT
    for c in columns:  # the template row; the rows below are written at save (rows_below)
        if c.formula is None:
            book.text(ws, first, c.col, c.values[0])
        else:
            book.formula(ws, first, c.col, c.formula_at(0, first), c.values[0], fmts[c.col])
    book.rows_below(ws, first, n, columns)
    sheets.macro_rows = {"weights": (first, last), "sum_col": sum_col}
    ws.freeze_panes = ws.cell(row=5, column=Y0)
    _widths(ws, {1: 24, 2: 34, 3: 10, 4: 10, 5: 10, 6: 14, 7: 10, 8: 10, **{Y0 + j: 11 for j in range(ny + 1)}})
    chart = BarChart()
    chart.title = xl_label("chart_uplift", lang)
    chart.y_axis.title = "pp"
    chart.add_data(
        Reference(ws, min_col=Y0, max_col=Y0 + ny - 1, min_row=rows["uplift_pp"]),
        from_rows=True,
        titles_from_data=False,
    )
    chart.set_categories(Reference(ws, min_col=Y0, max_col=Y0 + ny - 1, min_row=4))
    chart.legend = None
    chart.height, chart.width = 8, 18
    ws.add_chart(chart, f"J{peak + 1}")


def _field_phasing(book: _Book, result: Result, inp: _InputsLayout, sheets: _Sheets) -> _PhasingRows:
    """Top-down: each field phased from its Inputs row; investment from the Fields sheet."""
    p = result.parameters
    fi = inp.fields
    fields = list(p.fields.values())
    fields_cols = {
        "total_investment_bn": _FC["total_investment_bn"],
        "additionality": _FC["additionality"],
        "infrastructure_share": _FC["infrastructure_share"],
    }

    n = len(p.field_ids)

    def links(key: str) -> tuple[str, np.ndarray]:
        if key in fields_cols:
            return _lref(sheets.fields, LINK_ROW, fields_cols[key]), 5 + np.arange(n)
        return _lref(inp.sheet, LINK_ROW, fi.cols[key]), fi.first_row + np.arange(n)

    return _PhasingRows(
        ids=p.field_ids,
        names=[label(f, book.lang) for f in p.field_ids],
        links=links,
        start=np.array([f.start_year.value for f in fields]),
        length=np.array([f.construction_years.value for f in fields]),
        profile=[f.phasing_profile.value for f in fields],
        investment=result.by_field["total_investment_bn"].to_numpy() * book.per_bn,
        additionality=np.asarray(p.additionality),
        infrastructure_share=np.asarray(p.infrastructure_share),
        start_range=_rng(inp.sheet, fi.first_row, fi.cols["start_year"], fi.last_row, fi.cols["start_year"]),
    )


def _write_checks(
    book: _Book, ws: Worksheet, result: Result, inp: _InputsLayout, sheets: _Sheets, cells_rows: tuple[int, int]
) -> None:
    """Each rule as a formula returning TRUE/FALSE (column F); the master check is their AND."""
    p, lang, u = result.parameters, book.lang, book.per_bn
    book.title(ws, xl_label("checks", lang))
    book.header(ws, 4, [xl_label(t, lang) for t in ("check", "subject", "description", "value", "limit", "pass")])
    tol_sum = _lref(inp.sheet, inp.tolerance_sum, 3, True, True)
    tol_share = _lref(inp.sheet, inp.tolerance_share, 3, True, True)
    rows: list[tuple[str, str, str, str, str, Any, Any, str, bool, str]] = []
    al = inp.allocation
    alloc = _rng(inp.sheet, al.first_row, 3, al.last_row, 2 + len(p.bank_ids))
    matrix = allocation_used(result)
    size = p.instrument.size_bn.value
    failing = {(c.code, c.subject) for c in result.checks}
    fund_total = float(matrix.sum())
    # (code, subject, description, value formula, limit formula, value, limit, pass template, passed, fmt)
    rows.append(
        (
            "allocation_total",
            "total",
            xl_label("chk_allocation_total", lang),
            f"SUM({alloc})",
            inp.scalar("instrument.size_bn"),
            fund_total * u,
            size * u,
            "ABS({v}-{l})<=" + tol_sum,
            ("allocation_total", "total") not in failing,
            FMT_MONEY,
        )
    )
    for j, bid in enumerate(p.bank_ids):
        rows.append(
            (
                "bank_quota",
                bid,
                xl_label("chk_bank_quota", lang),
                _lref(sheets.banks, 5 + j, _BC["fund_bn"]),
                _lref(sheets.banks, 5 + j, _BC["quota_bn"]),
                matrix[:, j].sum() * u,
                p.bank_quota[j] * u,
                "ABS({v}-{l})<=" + tol_sum,
                ("bank_quota", bid) not in failing,
                FMT_MONEY,
            )
        )
    rows.append(
        (
            "negative_cell",
            "allocation",
            xl_label("chk_negative_cell", lang),
            f"MIN({alloc})",
            "0",
            float(matrix.min()) * u,
            0.0,
            "{v}>={l}",
            not any(c.code == "negative_cell" for c in result.checks),
            FMT_MONEY,
        )
    )
    nf = len(p.field_ids)
    priv = float(np.dot(matrix.sum(axis=1), p.private_share) / fund_total) if fund_total else float("nan")
    rows.append(
        (
            "private_share",
            "total",
            xl_label("chk_private_share", lang),
            sheets.totals["private_share"],
            inp.scalar("instrument.private_share_min"),
            priv,
            p.instrument.private_share_min.value,
            "{v}>={l}-" + tol_share,
            ("private_share", "total") not in failing,
            FMT_SHARE,
        )
    )
    for i, fid in enumerate(p.field_ids):
        rows.append(
            (
                "fund_share_cap",
                fid,
                xl_label("chk_fund_share_cap", lang),
                _lref(sheets.fields, 5 + i, _FC["fund_share_of_capital"]),
                _lref(sheets.fields, 5 + i, _FC["fund_share_cap"]),
                p.fund_share_of_capital[i],
                p.fund_share_cap[i],
                "{v}<={l}+" + tol_share,
                ("fund_share_cap", fid) not in failing,
                FMT_SHARE,
            )
        )
    for i, fid in enumerate(p.field_ids):
        rows.append(
            (
                "capital_ratio_minimum",
                fid,
                xl_label("chk_capital_ratio_minimum", lang),
                _lref(sheets.fields, 5 + i, _FC["capital_ratio"]),
                _lref(sheets.fields, 5 + i, _FC["capital_ratio_minimum"]),
                p.capital_ratio[i],
                p.capital_ratio_minimum[i],
                "{v}>={l}-" + tol_share,
                ("capital_ratio_minimum", fid) not in failing,
                FMT_SHARE,
            )
        )
    first_cell = cells_rows[0]
    nb = len(p.bank_ids)
    for i, fid in enumerate(p.field_ids):
        for j, bid in enumerate(p.bank_ids):
            r = first_cell + i * nb + j
            s_cell, cap = p.cell_fund_share[i, j], p.fund_share_cap[i]
            rows.append(
                (
                    "fund_share_cap",
                    f"{fid}/{bid}",
                    xl_label("chk_cell_cap", lang),
                    _lref(sheets.cells, r, _CC["cell_fund_share"]),
                    _lref(sheets.cells, r, _CC["fund_share_cap"]),
                    s_cell,
                    cap,
                    "{v}<={l}+" + tol_share,
                    bool(s_cell <= cap + TOLERANCE_SHARE),
                    FMT_SHARE,
                )
            )
    mr = sheets.macro_rows
    for i, fid in enumerate(p.field_ids):
        r = mr["weights"][0] + i
        rows.append(
            (
                "phasing_within_timeline",
                fid,
                xl_label("chk_phasing", lang),
                _lref(sheets.macro, r, mr["sum_col"]),
                "1",
                1.0,
                1.0,
                "ABS({v}-{l})<=" + tol_share,
                True,
                FMT_WEIGHT,
            )
        )
    first = 6
    for n, (code, subject, desc, vf, lf, v, lim, test, passed, fmt) in enumerate(rows):
        r = first + n
        write_text(ws, r, 1, code)
        write_text(ws, r, 2, subject)
        write_text(ws, r, 3, desc)
        book.formula(ws, r, 4, vf, v, fmt)
        if lf in ("0", "1"):  # a mathematical bound, written into the test itself
            write_text(ws, r, 5, lf)
            book.formula(ws, r, 6, test.format(v=f"D{r}", l=lf), passed)
        else:
            book.formula(ws, r, 5, lf, lim, fmt)
            book.formula(ws, r, 6, test.format(v=f"D{r}", l=f"E{r}"), passed)
    last = first + len(rows) - 1
    master_passed = not result.errors
    write_text(ws, 3, 3, xl_label("master_check", lang)).font = TOTAL_FONT
    book.formula(ws, 3, 6, f"AND(F{first}:F{last})", master_passed)
    ws.cell(row=3, column=6).font = TOTAL_FONT
    sheets.master = _lref(ws.title, 3, 6, True, True)
    ws.freeze_panes = "A5"
    _widths(ws, {1: 26, 2: 34, 3: 40, 4: 14, 5: 14, 6: 10})
    _ = u, nf


# ------------------------------------------------------------------ whole book


def _scenario_sheets(book: _Book, result: Result, index: int) -> _Sheets:
    lang = book.lang
    suffix = "" if index == 0 else f" {index + 1}"
    portfolio = result.mode == "portfolio" and result.projects is not None
    keys = ["inputs", "cells", "allocation", "fields", "banks", "macro", "checks"]
    if portfolio:
        keys = ["inputs", "project_inputs", "projects", "allocation", "fields", "banks", "macro", "checks"]
    names = {k: safe_sheet_name(xl_label(k, lang) + suffix, book.wb.sheetnames) for k in keys}
    sheets = _Sheets(**names)
    ws = {k: book.sheet(v) for k, v in names.items()}
    inp = _write_inputs(book, ws["inputs"], result)
    if portfolio:
        from fundmodel.outputs.excel import portfolio_sheets as excel_portfolio

        excel_portfolio.write_portfolio_sheets(book, ws, result, inp, sheets)
        return sheets
    cells_rows = _write_cells(book, ws["cells"], result, inp, sheets)
    _write_allocation(book, ws["allocation"], result, inp)
    _write_fields(book, ws["fields"], result, inp, sheets, cells_rows)
    _write_banks(book, ws["banks"], result, inp, sheets, cells_rows)
    _write_macro(book, ws["macro"], result, inp, sheets, _field_phasing(book, result, inp, sheets))
    _write_checks(book, ws["checks"], result, inp, sheets, cells_rows)
    return sheets


_KEY_METRICS = [
    ("fund_bn", FMT_MONEY, True),
    ("total_investment_bn", FMT_MONEY, True),
    ("net_investment_bn", FMT_MONEY, True),
    ("multiplier", FMT_TIMES, False),
    ("net_multiplier", FMT_TIMES, False),
    ("gap_to_target_bn", FMT_MONEY, True),
    ("peak_uplift_pp", FMT_PP, False),
]


def _metric_value(result: Result, key: str, per_bn: float) -> float:
    v = result.peak_uplift_pp if key == "peak_uplift_pp" else result.totals[key]
    return v * per_bn if key.endswith("_bn") else v


def _write_cover(book: _Book, ws: Worksheet, results: list[Result], sets: list[_Sheets]) -> None:
    lang = book.lang
    first = results[0]
    book.title(ws, xl_label("title", lang))
    info = [
        ("scenario", first.scenario_name),
        ("date", dt.date.today().isoformat()),
        ("version", __version__),
        ("mode", first.mode),
        ("unit", unit_label(book.unit, lang)),
        ("language", lang),
    ]
    r = 3
    for key, value in info:
        write_text(ws, r, 1, xl_label(key, lang)).font = TOTAL_FONT
        write_text(ws, r, 2, value)
        r += 1
    write_text(ws, r, 1, xl_label("master_check", lang)).font = TOTAL_FONT
    book.formula(ws, r, 2, "AND(" + ",".join(s.master for s in sets) + ")", all(not x.errors for x in results))
    ws.cell(row=r, column=2).font = TOTAL_FONT
    r += 2
    write_text(ws, r, 1, xl_label("key_results", lang)).font = SECTION_FONT
    r += 1
    for key, fmt, _ in _KEY_METRICS:
        write_text(ws, r, 1, xl_label(key if key != "peak_uplift_pp" else "peak_uplift", lang))
        book.formula(ws, r, 2, sets[0].totals[key], _metric_value(first, key, book.per_bn), fmt)
        r += 1
    if first.projects is not None:
        write_text(ws, r, 1, xl_label("n_projects", lang))
        ws.cell(row=r, column=2, value=len(first.projects))
        r += 1
    r += 1
    write_text(ws, r, 1, xl_label("how_to_use", lang)).font = SECTION_FONT
    for line in _HOW_TO_USE[lang]:
        r += 1
        write_text(ws, r, 1, line)
    r += 2
    write_text(ws, r, 1, xl_label("sheets_of", lang)).font = SECTION_FONT
    for res, s in zip(results, sets, strict=True):
        r += 1
        write_text(ws, r, 1, res.scenario_name)
        titles = [s.inputs, s.project_inputs, s.projects, s.cells, s.allocation, s.fields, s.banks, s.macro, s.checks]
        write_text(ws, r, 2, ", ".join(t for t in titles if t))
    r += 2
    write_text(ws, r, 1, xl_label("sources", lang)).font = SECTION_FONT
    r += 1
    book.header(ws, r, [xl_label(t, lang) for t in ("parameter", "reference", "date", "overridden_by")])
    for src in first.parameters.sources():
        r += 1
        write_text(ws, r, 1, src.path)
        write_text(ws, r, 2, src.reference)
        write_text(ws, r, 3, src.date)
        write_text(ws, r, 4, src.overridden_by or "")
    _widths(ws, {1: 48, 2: 70, 3: 12, 4: 24})


def _write_comparison(book: _Book, ws: Worksheet, results: list[Result], sets: list[_Sheets]) -> None:
    lang = book.lang
    book.title(ws, xl_label("comparison", lang), unit_label(book.unit, lang))
    n = len(results)
    book.header(ws, 4, [xl_label("metric", lang)] + [""] * n + [f"Δ {r.scenario_name}" for r in results[1:]])
    for j, res in enumerate(results):
        write_text(ws, 4, 2 + j, res.scenario_name)
    write_text(ws, 3, 2 + n, xl_label("vs_first", lang))
    for i, (key, fmt, _) in enumerate(_KEY_METRICS):
        r = 5 + i
        write_text(ws, r, 1, xl_label(key if key != "peak_uplift_pp" else "peak_uplift", lang))
        for j, (res, s) in enumerate(zip(results, sets, strict=True)):
            book.formula(ws, r, 2 + j, s.totals[key], _metric_value(res, key, book.per_bn), fmt)
        for j in range(1, n):
            book.formula(
                ws,
                r,
                1 + n + j,
                f"{_a1(r, 2 + j)}-$B{r}",
                _metric_value(results[j], key, book.per_bn) - _metric_value(results[0], key, book.per_bn),
                fmt,
            )
    r = 5 + len(_KEY_METRICS)
    write_text(ws, r, 1, xl_label("master_check", lang))
    for j, (res, s) in enumerate(zip(results, sets, strict=True)):
        book.formula(ws, r, 2 + j, s.master, not res.errors)
    ws.freeze_panes = "B5"
    _widths(ws, {1: 36, **{2 + j: 22 for j in range(2 * n)}})


def _as_list(result_or_results: Result | Sequence[Result]) -> list[Result]:
    results = [result_or_results] if isinstance(result_or_results, Result) else list(result_or_results)
    if not results:
        raise InputError("nothing to export: give at least one result")
    return results


def build_workbook(
    result_or_results: Result | Sequence[Result], lang: str = "en", unit: str = "bn"
) -> tuple[Workbook, Mapping[tuple[str, str], Any]]:
    """The workbook (openpyxl; the long tables only down to their template row) and the cached
    value of each formula cell ``(sheet, A1) -> value``, long tables included."""
    wb, book = _build(result_or_results, lang, unit)
    return wb, book.cached_values()


def _build(result_or_results: Result | Sequence[Result], lang: str, unit: str) -> tuple[Workbook, _Book]:
    if lang not in ("en", "zh"):
        raise InputError(f"lang must be 'en' or 'zh' (got {lang!r})")
    if unit not in ("bn", "yi"):
        raise InputError(f"unit must be 'bn' or 'yi' (got {unit!r})")
    results = _as_list(result_or_results)
    wb = Workbook()
    book = _Book(wb, lang, unit)
    cover = wb.active
    cover.title = safe_sheet_name(xl_label("cover", lang))
    cover.page_setup.orientation = "landscape"
    sets = [_scenario_sheets(book, res, i) for i, res in enumerate(results)]
    if len(results) > 1:
        comp = book.sheet(xl_label("comparison", lang))
        wb.move_sheet(comp, offset=1 - wb.index(comp))
        _write_comparison(book, comp, results, sets)
    _write_cover(book, cover, results, sets)
    wb.calculation.fullCalcOnLoad = True
    wb.calculation.calcMode = "auto"
    return wb, book


_CELL_RE = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*)><f>(.*?)</f><v\s*/></c>', re.S)
#: Deflate level of the saved file (1: fastest; the long tables are most of the bytes).
ZIP_LEVEL = 1
#: A sheet part larger than this is written with ZIP64 headers (the plain limit is 2 GiB).
_ZIP64_FROM = 1 << 30


def _cached_xml(value: Any) -> tuple[bytes, bytes] | None:
    """(type attribute, <v> text) of a cached value, or None when there is nothing to cache.

    Text is escaped, characters XML cannot hold dropped (as on the sheets)."""
    if isinstance(value, bool):
        return b' t="b"', b"1" if value else b"0"
    if isinstance(value, int | float):
        if not math.isfinite(value):  # NaN in Python: the formula shows #N/A (a 0/0 guarded by NA())
            return b' t="e"', b"#N/A"
        return b"", repr(float(value)).encode() if isinstance(value, float) else str(value).encode()
    if isinstance(value, str):
        return b' t="str"', _xml_text(value).encode("utf-8")
    return None


def _fill_cached(content: bytes, values: Mapping[bytes, Any]) -> bytes:
    """The sheet XML openpyxl wrote (formulas without values) with each formula's cached value."""

    def fill(match: re.Match[bytes]) -> bytes:
        cached = _cached_xml(values.get(match.group(1)))
        if cached is None:
            return match.group(0)
        t, v = cached
        attrs = re.sub(rb'\s+t="[^"]*"', b"", match.group(2))
        return b'<c r="' + match.group(1) + b'"' + attrs + t + b"><f>" + match.group(3) + b"</f><v>" + v + b"</v></c>"

    return _CELL_RE.sub(fill, content)


def _save(book: _Book, target: Any) -> None:
    """Write the workbook to ``target`` (a path or a binary file): openpyxl saves the sheets
    down to the long tables' template rows; then every formula gets its cached value and the
    long tables are streamed into their sheets chunk by chunk (memory stays bounded)."""
    wb = book.wb
    # Style ids of the template rows are taken before saving (as the cells of the long tables
    # are not in the openpyxl sheets, their styles are registered here).
    long_tables = {title: book.render_long_table(title) for title in book.long_tables}
    buf = io.BytesIO()
    wb.save(buf)
    by_sheet: dict[str, dict[bytes, Any]] = {}
    for (sheet, coord), value in book.cache.items():
        by_sheet.setdefault(sheet, {})[coord.encode()] = value
    with (
        zipfile.ZipFile(buf) as src,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as dst,
    ):
        for info in src.infolist():
            content = src.read(info.filename)
            m = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", info.filename)
            title = wb.worksheets[int(m.group(1)) - 1].title if m else None
            if title is None:
                dst.writestr(info.filename, content)
                continue
            content = _fill_cached(content, by_sheet.get(title, {}))
            if title not in book.long_tables:
                dst.writestr(info.filename, content)
                continue
            chunks, last_row, last_col = long_tables[title]
            dim = f'<dimension ref="A1:{get_column_letter(last_col)}{last_row}" />'.encode()
            content = re.sub(rb"<dimension ref=\"[^\"]*\"\s*/>", dim, content, count=1)
            head, tail = content.split(b"</sheetData>", 1)
            chunks = iter(chunks)
            first = next(chunks, b"")
            table = book.long_tables[title]
            estimate = len(content) + len(first) * (1 + table.n // _CHUNK_ROWS)
            with dst.open(info.filename, "w", force_zip64=estimate > _ZIP64_FROM) as out:
                out.write(head)
                _write_behind(out, itertools.chain([first], chunks))
                out.write(b"</sheetData>" + tail)


def _write_behind(out: Any, chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` to ``out`` from a second thread, so that compressing one chunk (zlib
    releases the GIL) overlaps rendering the next; at most two chunks wait in between."""
    waiting: queue.Queue[bytes | None] = queue.Queue(maxsize=2)
    failed: list[BaseException] = []

    def writer() -> None:
        while (chunk := waiting.get()) is not None:
            if not failed:
                try:
                    out.write(chunk)
                except BaseException as exc:  # re-raised in the calling thread
                    failed.append(exc)

    thread = threading.Thread(target=writer, name="xlsx-writer", daemon=True)
    thread.start()
    try:
        for chunk in chunks:
            if failed:
                break
            waiting.put(chunk)
    finally:
        waiting.put(None)
        thread.join()
    if failed:
        raise failed[0]


def workbook_bytes(result_or_results: Result | Sequence[Result], lang: str = "en", unit: str = "bn") -> bytes:
    """The .xlsx file as bytes (e.g. for a download button). See :func:`export_workbook`."""
    _, book = _build(result_or_results, lang, unit)
    out = io.BytesIO()
    _save(book, out)
    return out.getvalue()


def export_workbook(
    result_or_results: Result | Sequence[Result], path: Path | str, lang: str = "en", unit: str = "bn"
) -> Path:
    """Write an auditable workbook of one result (or several, with a scenario comparison) to ``path``.

    Money appears in ``unit`` ("bn" = bn RMB, "yi" = 亿元; 1 bn = 10 亿元); labels in ``lang``.
    Every derived number is a live formula of the Inputs sheet, with its cached value.
    """
    path = Path(path)
    _, book = _build(result_or_results, lang, unit)
    partial = path.with_name(f".{path.name}.partial")  # the file appears whole or not at all
    try:
        _save(book, partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


# ------------------------------------------------------------------ reading back


@dataclass(frozen=True)
class WorkbookInputs:
    """What :func:`read_workbook_inputs` found: the scenario name, the workbook's money unit,
    every input as a parameter override (bn RMB), and the cell each override came from."""

    scenario_name: str
    unit: str
    values: dict[str, Any]
    cells: dict[str, str]


def _find_inputs_sheet(wb: Any, sheet: str | None, book: str) -> Any:
    candidates = [sheet] if sheet else [_XL["inputs"][0], _XL["inputs"][1]]
    for name in candidates:
        if name in wb.sheetnames:
            return wb[name]
    raise WorkbookError(
        f"{book}: no inputs sheet (looked for {', '.join(map(repr, candidates))}; sheets: {', '.join(wb.sheetnames)})"
    )


def _typed(value: Any, kind: str, where: str, path: str) -> Any:
    """Check one input cell's type; never coerce a number that would change."""

    def fail(rule: str) -> WorkbookError:
        return WorkbookError(f"{where}: {path}: {rule} (got {value!r})")

    if value is None or (isinstance(value, str) and not value.strip()):
        raise fail("is empty; every input needs a value")
    if kind == "bool":
        if not isinstance(value, bool):
            raise fail("must be TRUE or FALSE")
        return value
    if kind == "text":
        if not isinstance(value, str):
            raise fail("must be text")
        return value.strip()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail("must be a number")
    if not math.isfinite(value):
        raise fail("must be a finite number")
    if kind == "year":
        if float(value) != int(value):
            raise fail("must be a whole number")
        return int(value)
    return value


def _money_to_bn(value: float, per_bn: float) -> float:
    """Amount in the workbook's unit -> bn RMB, rounded only where the division left float noise."""
    bn = value / per_bn
    rounded = round(bn, 9)
    return rounded if math.isclose(bn, rounded, rel_tol=1e-13, abs_tol=1e-13) else bn


def read_workbook_inputs(path: Path | str, sheet: str | None = None) -> WorkbookInputs:
    """Read the Inputs sheet of an exported (possibly edited) workbook, strictly.

    Every value is checked for type (numbers, whole years, TRUE/FALSE, text, no formulas);
    rows, ids and keys must be where the export put them. Errors name the book, sheet,
    cell and rule, e.g. ``book.xlsx: Inputs!D18: fields.digital_economy.capital_ratio: must
    be a number (got 'abc')``. Money is converted from the workbook's unit to bn RMB.
    """
    path = Path(path)
    book = path.name
    try:
        wb = load_workbook(path, read_only=True, data_only=False)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise WorkbookError(f"{book}: not a readable .xlsx workbook ({exc})") from None
    try:
        ws = _find_inputs_sheet(wb, sheet, book)
        grid, formulas = [], set()
        for r, cells_of_row in enumerate(ws.iter_rows(), start=1):
            grid.append([getattr(c, "value", None) for c in cells_of_row])
            formulas.update((r, j) for j, c in enumerate(cells_of_row, start=1) if getattr(c, "data_type", "") == "f")
    finally:
        wb.close()
    title = ws.title

    def at(row: int, col: int) -> Any:
        if row - 1 < len(grid) and col - 1 < len(grid[row - 1]):
            return grid[row - 1][col - 1]
        return None

    def where(row: int, col: int) -> str:
        return f"{book}: {title}!{get_column_letter(col)}{row}"

    if at(3, 2) != "layout" or at(3, 3) != LAYOUT_VERSION:
        raise WorkbookError(
            f"{where(3, 3)}: not a fundmodel inputs sheet of layout {LAYOUT_VERSION!r} (got {at(3, 3)!r})"
        )
    unit = at(4, 3)
    if unit not in ("bn", "yi"):
        raise WorkbookError(f"{where(4, 3)}: unit: must be 'bn' or 'yi' (got {unit!r})")
    per_bn = PER_BN[unit]
    if (5, 3) in formulas:
        raise WorkbookError(f"{where(5, 3)}: scenario.name: must be typed-in text, not a formula")
    name = _typed(at(5, 3), "text", where(5, 3), "scenario.name")
    markers = {}
    for r in range(1, len(grid) + 1):
        v = at(r, 2)
        if isinstance(v, str) and v in _MARKERS.values():
            markers[v] = r
    for key, marker in _MARKERS.items():
        if marker not in markers:
            raise WorkbookError(f"{book}: {title}: section marker {marker!r} ({key}) is missing from column B")

    base = default_parameters()
    values: dict[str, Any] = {}
    cells: dict[str, str] = {}

    def take(path: str, row: int, col: int, kind: str) -> None:
        if (row, col) in formulas:
            raise WorkbookError(
                f"{where(row, col)}: {path}: must be a typed-in value, not a formula (got {at(row, col)!r})"
            )
        v = _typed(at(row, col), kind, where(row, col), path)
        values[path] = _money_to_bn(v, per_bn) if kind == "money" else v
        cells[path] = f"{title}!{get_column_letter(col)}{row}"

    def expect(row: int, col: int, wanted: Any, what: str) -> None:
        got = at(row, col)
        if got != wanted:
            raise WorkbookError(
                f"{where(row, col)}: expected {what} {wanted!r} here (got {got!r}); "
                "rows, columns, ids and keys of the Inputs sheet must not be moved or renamed"
            )

    r0 = markers[_MARKERS["scalars"]] + 2
    for i, (path, kind) in enumerate(_SCALARS):
        expect(r0 + i, 2, path, "key")
        take(path, r0 + i, 3, kind)

    def table(marker: str, ids: list[Any], columns: list[tuple[str, str]], path: Any) -> None:
        m = markers[_MARKERS[marker]]
        for j, (key, _) in enumerate(columns):
            expect(m + 2, 3 + j, key, "column key")
        for i, rid in enumerate(ids):
            expect(m + 4 + i, 2, rid, "id")
            for j, (key, kind) in enumerate(columns):
                take(path(rid, key), m + 4 + i, 3 + j, kind)

    table("fields", base.field_ids, _FIELD_COLUMNS, lambda f, k: f"fields.{f}.{k}")
    table("banks", base.bank_ids, _BANK_COLUMNS, lambda b, k: f"banks.{b}.{k}")
    table("allocation", base.field_ids, [(b, "money") for b in base.bank_ids], lambda f, b: f"allocation_bn.{f}.{b}")
    table(
        "sectors",
        list(base.capital_ratios.sectors),
        [("minimum", "share")],
        lambda s, k: f"capital_ratios.sectors.{s}.{k}",
    )
    m = markers[_MARKERS["growth"]]
    expect(m + 2, 3, "growth_pct", "column key")
    r = m + 4
    while at(r, 2) is not None and at(r, 1) != xl_label("source", "en") and at(r, 1) != xl_label("source", "zh"):
        year = _typed(at(r, 2), "year", where(r, 2), "macro.growth_pct (year)")
        take(f"macro.growth_pct.{year}", r, 3, "pct")
        r += 1
    return WorkbookInputs(scenario_name=name, unit=unit, values=values, cells=cells)


def _baseline_value(params: Parameters, path: str) -> Any:
    parts = path.split(".")
    if parts[0] == "allocation_bn":
        return params.allocation_bn[parts[1]][parts[2]]
    if parts[:2] == ["macro", "growth_pct"]:
        return params.macro.growth_pct.value.get(int(parts[2]))
    if parts[0] in ("fields", "banks"):
        return getattr(getattr(params, parts[0])[parts[1]], parts[2]).value
    if parts[:2] == ["capital_ratios", "sectors"]:
        return params.capital_ratios.sectors[parts[2]].minimum.value
    return _param_node(params, path).value


def _differs(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is not b
    if isinstance(a, bool) or isinstance(b, bool) or isinstance(a, str) or isinstance(b, str):
        return a != b
    return not math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-15)


def overrides_from_inputs(inputs: WorkbookInputs, base: Parameters | None = None) -> dict[str, Any]:
    """The nested overrides (only values that differ from ``base``, default the baseline)."""
    base = base or default_parameters()
    out: dict[str, Any] = {}
    for path, value in inputs.values.items():
        if not _differs(value, _baseline_value(base, path)):
            continue
        parts = path.split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        leaf = parts[-1]
        node[int(leaf) if parts[:2] == ["macro", "growth_pct"] else leaf] = value
    return out


def read_workbook_scenario(path: Path | str, sheet: str | None = None) -> Scenario:
    """The scenario an edited workbook describes, validated as strictly as a scenario file.

    Errors name the book, the sheet and cell, and the rule (e.g. ``must be <= 1``).
    """
    path = Path(path)
    inputs = read_workbook_inputs(path, sheet)
    overrides = overrides_from_inputs(inputs)
    data = {
        "scenario": {
            "name": inputs.scenario_name,
            "description": f"Read from {path.name} ({inputs.unit}); values that differ from the baseline.",
            "date": dt.date.today(),
        },
        "overrides": overrides,
    }
    try:
        return Scenario.from_dict(data, source=path.name)
    except ParameterError as exc:
        raise WorkbookError(_locate(str(exc), inputs.cells, path.name)) from None


def _locate(message: str, cells: Mapping[str, str], book: str) -> str:
    """``book: Sheet!A1: rule`` for a validation message naming a parameter (longest key path first)."""
    rest = message.split(": ", 1)[1] if message.startswith(book) and ": " in message else message
    plain = rest.replace(".value.", ".").replace(".value:", ":")
    for path in sorted(cells, key=len, reverse=True):
        if re.search(re.escape(path) + r"(?![\w])", plain):
            return f"{book}: {cells[path]}: {rest}"
    return message


def scenario_yaml(scenario: Scenario) -> str:
    """A scenario file's text (``scenario:`` meta and ``overrides:``) for ``scenario``."""
    meta: dict[str, Any] = {"name": scenario.name}
    if scenario.name_zh:
        meta["name_zh"] = scenario.name_zh
    if scenario.description:
        meta["description"] = scenario.description
    if scenario.reference:
        meta["reference"] = scenario.reference
    if scenario.date:
        meta["date"] = scenario.date
    header = "# Scenario read from an edited fundmodel workbook: only values that differ from the baseline.\n"
    body = yaml.safe_dump({"scenario": meta, "overrides": scenario.overrides}, allow_unicode=True, sort_keys=False)
    return header + body
