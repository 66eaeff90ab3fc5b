"""What every sheet of the workbook shares: styles and number formats, the workbook's label
table (``_XL``, read through :func:`xl_label`), cell references for formulas, :class:`Book`
(the workbook being written and the cached value of each formula) and :class:`Sheets` (where
one scenario's sheets and key results sit)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from fundmodel.labels import label
from fundmodel.outputs.excel.writer import (
    CachedValues,
    Column,
    LongTable,
    plain_value,
    safe_sheet_name,
    write_text,
)
from fundmodel.units import PER_BN

#: Tolerance of the share checks (a fund share at its cap passes).
TOLERANCE_SHARE = 1e-12
#: The Macro sheet shows at least this many years.
MIN_TIMELINE_YEARS = 12

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
    "chk_fiscal_years": (
        "years the longest fund term needs <= years the Fiscal sheet spans (else export again)",
        "最长工具期限所需年数 <= 财政成本表覆盖的年数（否则请重新导出）",
    ),
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
    "timeline": ("Year", "年份"),
    "phasing_profile": ("Phasing profile", "投资节奏"),
    "phasing_weights": ("Share of investment landing (phasing)", "各年投资占比"),
    "phasing_sum": ("Sum of shares", "占比合计"),
    "landing": ("Investment landing by field", "各领域当年投资"),
    "growth_used": ("Growth of the base used (%)", "基数增速（%）"),
    "growth_factor": ("Growth factor", "增长系数"),
    "growth_index": ("Cumulative index", "累计指数"),
    "key_results": ("Key results", "主要结果"),
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
    "chart_effects": (
        "Level effect (% above the base) and growth effect (pp of growth) on infrastructure investment",
        "对基建投资的水平效应（高于基数，%）与增速效应（百分点）",
    ),
    "by_quarter": ("By quarter, from the disbursement", "按季度（自资金投放起）"),
    "sec_fund_terms": (
        "Fund terms (cashflow_defaults.yaml; not a scenario input, import-excel does not read them)",
        "工具条款（cashflow_defaults.yaml；非情景参数，import-excel 不读取）",
    ),
    "fiscal": ("Fiscal", "财政成本"),
    "fiscal_terms": ("Fund, terms and rates", "工具资金、条款与利率"),
    "fiscal_debt": ("Project debt and who carries it", "项目债务及其承担主体"),
    "period": ("Year of the fund (t)", "工具年度（t）"),
    "discount_factor": ("Discount factor 1/(1+r)^(t+1)", "贴现因子 1/(1+r)^(t+1)"),
    "present_value": ("Present value", "现值"),
    "private_share_of_debt": ("Private firms' share of the debt (assumption)", "民营企业债务占比（假设）"),
    "fund_term_years": ("Fund term (years)", "工具期限（年）"),
    "fund_return_rate": ("Fund return rate", "工具收益率"),
    "discount_rate": ("Discount rate", "贴现率"),
    "fiscal_years_needed": (
        "Years the longest fund term needs (twice the term when buy-backs are rolled over)",
        "最长工具期限所需年数（回购展期时为期限的两倍）",
    ),
    "fiscal_years_spanned": ("Years this sheet spans", "本表覆盖的年数"),
    "fiscal_years_check": ("Check: the longest fund term fits in this sheet", "校验：最长工具期限在本表年份之内"),
    "quarter": ("Quarter", "季度"),
    "quarter_start": ("Start of the quarter (years)", "季度起点（年）"),
    "investment_bn_by_quarter": ("New investment landing in the quarter", "当季新增投资"),
    "infrastructure_net_bn_by_quarter": ("Additional infrastructure investment in the quarter", "当季新增基建投资"),
    "spending_start": ("Spending starts (year + quarters / 4)", "开始投资时点（年 + 季度/4）"),
}

HOW_TO_USE = {
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
    """Label of a workbook word in ``lang``. Output terms (fundmodel.terms) are not in the
    workbook's own table: they fall through to :func:`fundmodel.labels.label`, which reads the
    term table, so a term reads the same in the workbook as everywhere else."""
    if term in _XL:
        return _XL[term][1 if lang == "zh" else 0]
    return label(term, lang)


# ------------------------------------------------------------------- references


def a1(row: int | str, col: int, abs_row: bool = False, abs_col: bool = False) -> str:
    """A1 reference; ``row`` may be :data:`ROW` / :data:`LINK_ROW` in a row template."""
    return f"{'$' if abs_col else ''}{get_column_letter(col)}{'$' if abs_row else ''}{row}"


def _ref(sheet: str, row: int, col: int, abs_row: bool = False, abs_col: bool = False) -> str:
    return f"{quote_sheetname(sheet)}!{a1(row, col, abs_row, abs_col)}"


def quoted_sheet(sheet: str) -> str:
    """Sheet name as used in a formula (always quoted, apostrophes doubled)."""
    return "'" + sheet.replace("'", "''") + "'"


def abs_range(sheet: str, r1: int, c1: int, r2: int, c2: int) -> str:
    """Absolute range on ``sheet``, e.g. ``'Inputs'!$C$5:$C$12``."""
    return f"{quoted_sheet(sheet)}!{a1(r1, c1, True, True)}:{a1(r2, c2, True, True)}"


def sheet_a1(sheet: str, row: int | str, col: int, abs_row: bool = False, abs_col: bool = False) -> str:
    """``row``, ``col`` on ``sheet`` (always quoted), e.g. ``\'Inputs\'!$C$5``; ``row`` may be a placeholder."""
    return f"{quoted_sheet(sheet)}!{a1(row, col, abs_row, abs_col)}"


@dataclass
class Book:
    """The workbook being written and the cached value of every formula cell."""

    wb: Workbook
    lang: str
    unit: str
    cache: dict[tuple[str, str], Any] = field(default_factory=dict)
    long_tables: dict[str, LongTable] = field(default_factory=dict)

    @property
    def per_bn(self) -> float:
        return PER_BN[self.unit]

    def sheet(self, title: str) -> Worksheet:
        """A new sheet titled ``title`` (made safe and unique); its page is set up at the end
        (:func:`print_on_a4`), when its columns are known."""
        return self.wb.create_sheet(safe_sheet_name(title, self.wb.sheetnames))

    def rows_below(self, ws: Worksheet, template_row: int, n: int, columns: list[Column]) -> None:
        """The rows of a long table below its template row (already written, styled): kept as
        columns and written into the sheet XML at save time (see :class:`LongTable`)."""
        if ws.title in self.long_tables:
            raise RuntimeError(f"sheet {ws.title!r} already has a long table")
        if n > 1:  # a table of one row is its template row
            self.long_tables[ws.title] = LongTable(template_row, n, columns)

    def formula(self, ws: Worksheet, row: int, col: int, formula: str, cached: Any, fmt: str | None = None) -> None:
        cell = ws.cell(row=row, column=col, value="=" + formula)
        if fmt:
            cell.number_format = fmt
        self.cache[(ws.title, cell.coordinate)] = plain_value(cached)

    def value(self, ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None, is_input: bool = False):
        """A typed-in value (text is always written as text)."""
        if isinstance(value, str):
            cell = write_text(ws, row, col, value)
        else:
            cell = ws.cell(row=row, column=col, value=plain_value(value))
        if fmt:
            cell.number_format = fmt
        if is_input:
            cell.fill = INPUT_FILL
            cell.font = INPUT_FONT
        return cell

    def text(self, ws: Worksheet, row: int, col: int, text: Any) -> None:
        """Label or user text, as text."""
        write_text(ws, row, col, text)

    def cached_values(self) -> CachedValues:
        """The cached value of every formula cell, long tables included."""
        return CachedValues(self.cache, self.long_tables)

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


#: Characters (of the default font) a portrait A4 page holds across at 100% with the default
#: margins: 210 mm less 2 x 19 mm margins = 172 mm at about 1.9 mm per character.
PORTRAIT_A4_CHARS = 90
#: Width of a column whose width was not set (Excel's default, in characters).
DEFAULT_COLUMN_CHARS = 8.43


def print_on_a4(ws: Worksheet, one_page: bool = False) -> None:
    """Page setup of ``ws``: A4 paper, fitted to one page wide (and tall with ``one_page``),
    landscape when its used columns are wider than a portrait page holds
    (:data:`PORTRAIT_A4_CHARS`), the rows above its frozen panes repeated on every page.
    Paper size 9 is A4 (ECMA-376 Part 1, 18.3.1.63 pageSetup, paperSize).

    Example: a sheet frozen at ``C5`` with 200 characters of columns prints landscape, rows 1-4
    on every page.

    >>> from openpyxl import Workbook
    >>> ws = Workbook().active
    >>> ws.freeze_panes = "C5"
    >>> set_widths(ws, {1: 100, 2: 100})
    >>> print_on_a4(ws)
    >>> ws.page_setup.paperSize, ws.page_setup.orientation, ws.print_title_rows
    (9, 'landscape', '$1:$4')
    """
    ws.page_setup.paperSize = 9  # A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if one_page else 0
    ws.print_options.gridLines = False
    width = 0.0
    for col in range(1, ws.max_column + 1):
        dim = ws.column_dimensions.get(get_column_letter(col))
        width += dim.width if dim is not None and dim.width else DEFAULT_COLUMN_CHARS
    ws.page_setup.orientation = "landscape" if width > PORTRAIT_A4_CHARS else "portrait"
    frozen = ws.freeze_panes
    first_row = int("".join(ch for ch in frozen if ch.isdigit())) if frozen else 1
    if first_row > 1:
        ws.print_title_rows = f"1:{first_row - 1}"


def set_widths(ws: Worksheet, widths: Mapping[int, float]) -> None:
    """Set the width (characters) of each column of ``ws`` (1-based column -> width)."""
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width


#: First row of the checks on a Checks sheet (column F holds each check's TRUE / FALSE, F3 their AND).
CHECKS_FIRST_ROW = 6


def append_check(
    book: Book,
    ws: Worksheet,
    row: tuple[str, str, str, str, str, Any, Any, str, bool, str],
) -> None:
    """Add one check below the others on the Checks sheet ``ws`` and widen its master check to it.

    ``row`` is (code, subject, description, value formula, limit formula, value, limit, pass
    template with ``{v}`` and ``{l}``, passed, number format), as the Checks sheets write theirs.
    """
    code, subject, desc, vf, lf, v, lim, test, passed, fmt = row
    r = ws.max_row + 1
    write_text(ws, r, 1, code)
    write_text(ws, r, 2, subject)
    write_text(ws, r, 3, desc)
    book.formula(ws, r, 4, vf, v, fmt)
    book.formula(ws, r, 5, lf, lim, fmt)
    book.formula(ws, r, 6, test.format(v=f"D{r}", l=f"E{r}"), passed)
    master = book.cache.get((ws.title, "F3"))
    book.formula(ws, 3, 6, f"AND(F{CHECKS_FIRST_ROW}:F{r})", bool(master) and passed)


@dataclass
class Sheets:
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
    fiscal: str = ""
    totals: dict[str, str] = field(default_factory=dict)  # metric -> absolute reference
    master: str = ""
    macro_rows: dict[str, Any] = field(default_factory=dict)
