"""The Inputs sheet: every assumption the model uses, styled as inputs, with its unit and
source; the only sheet of typed-in numbers. Its layout (:data:`LAYOUT_VERSION`, section
:data:`MARKERS` in column B, keys and ids beside the values) is what
:mod:`fundmodel.outputs.excel.readback` reads back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from fundmodel.core.allocation import TOLERANCE_BN
from fundmodel.core.cashflow import cashflow_defaults
from fundmodel.core.result import Result
from fundmodel.inputs.parameters import Parameters
from fundmodel.labels import label, parameter_word
from fundmodel.messages import Message
from fundmodel.outputs.excel.layout import (
    FMT_MONEY,
    FMT_PP,
    FMT_SHARE,
    FMT_YEAR,
    SECTION_FONT,
    TOLERANCE_SHARE,
    WRAP,
    Book,
    set_widths,
    sheet_a1,
    xl_label,
)
from fundmodel.outputs.excel.writer import write_text
from fundmodel.units import unit_label

#: Written to the sheet; an edited book is read back only with the same layout. Version 2:
#: each scalar's name in column A and its description in column F, a description row under
#: each table's source row.
LAYOUT_VERSION = "fundmodel-inputs-2"


@dataclass
class InputTable:
    """Where a table of the Inputs sheet sits: first data row, row ids, column of each key."""

    first_row: int
    ids: list[Any]
    cols: dict[str, int]

    def row(self, rid: Any) -> int:
        return self.first_row + self.ids.index(rid)

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.ids) - 1


# --------------------------------------------------------------- Inputs sheet

#: Scalar inputs: (parameter path, kind). kind: money | share | year | pp | pct | number | date
SCALAR_INPUTS: list[tuple[str, str]] = [
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
    ("macro.disbursement_date", "date"),
    ("instrument.funding_rate", "share"),
    ("instrument.buyback_rollover_share", "share"),
    ("instrument.buyback_default_share", "share"),
    ("instrument.lgfv_share_of_public_debt", "share"),
]
#: The fund's default terms (cashflow_defaults.yaml), not scenario parameters: on the Inputs sheet
#: for the Fiscal sheet's formulas, below the settings; import-excel does not read them.
FUND_TERMS: list[tuple[str, str]] = [
    ("fund_term_years", "year"),
    ("fund_return_rate", "share"),
    ("discount_rate", "share"),
]

#: Per-field inputs: (key, kind).
FIELD_INPUTS: list[tuple[str, str]] = [
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
    ("sunk_share", "share"),
]
BANK_INPUTS: list[tuple[str, str]] = [("quota_bn", "money"), ("fund_share_scale", "number")]
#: Number format of each kind of input.
FORMATS = {
    "money": FMT_MONEY,
    "share": FMT_SHARE,
    "year": FMT_YEAR,
    "pp": FMT_PP,
    "pct": "0.00",
    "number": "0.0000",
    "date": "yyyy-mm-dd",
}
#: Section markers in column B (the reader finds each table by them).
MARKERS = {
    "scalars": "#scalars",
    "fields": "#fields",
    "banks": "#banks",
    "allocation": "#allocation",
    "sectors": "#sectors",
    "growth": "#growth",
    "settings": "#settings",
}


def param_node(params: Parameters, path: str) -> Any:
    """The parameter node at a dotted ``path``, e.g. ``"instrument.size_bn"``."""
    section, _, rest = path.partition(".")
    node: Any = getattr(params, section)
    for part in rest.split("."):
        node = getattr(node, part)
    return node


def _source(node: Any) -> str:
    return f"{node.reference} ({node.date.isoformat()})"


def descriptions(nodes: list[Any], lang: str) -> str:
    """The distinct descriptions of ``nodes`` (parameters) in ``lang``, in order, one per line.

    >>> from types import SimpleNamespace as N
    >>> descriptions([N(describe=lambda lang: "份额"), N(describe=lambda lang: "份额")], "zh")
    '份额'
    """
    return "\n".join(dict.fromkeys(node.describe(lang) for node in nodes))


def allocation_used(result: Result) -> np.ndarray:
    """The fields x banks fund (bn RMB) the run actually used: the parameters' allocation, or
    one passed to :func:`fundmodel.core.topdown.run` (an allocation edited in the dashboard), or the
    sums of a portfolio's projects."""
    p = result.parameters
    return result.by_cell["fund_bn"].to_numpy(dtype=float).reshape(len(p.field_ids), len(p.bank_ids))


def _override_note(params: Parameters, lang: str, match: Any) -> str:
    """ " | overridden by FILE: a, b" ("覆盖来源 FILE：a, b") for the overridden parameter paths
    ``match(path)`` accepts."""
    by_source: dict[str, list[str]] = {}
    for path, source in params.overridden.items():
        if match(path):
            by_source.setdefault(source, []).append(path.split(".")[-2] if path.count(".") >= 2 else path)
    said = "覆盖来源 {src}：{paths}" if lang == "zh" else "overridden by {src}: {paths}"
    return "".join(" | " + said.format(src=src, paths=", ".join(paths)) for src, paths in by_source.items())


def _unit_text(kind: str, book: Book, fallback: str) -> str:
    if kind == "money":
        return unit_label(book.unit, book.lang)
    if kind == "pct":
        return "%" if book.lang == "zh" else "percent"
    return parameter_word(fallback, book.lang)


@dataclass
class InputsLayout:
    """Where the Inputs sheet put each input: rows of the scalars, the tables, the settings."""

    sheet: str
    scalars: dict[str, int]  # path -> row (value in column C)
    fields: InputTable
    banks: InputTable
    allocation: InputTable
    sectors: InputTable
    growth: InputTable
    tolerance_sum: int
    tolerance_share: int
    scenario_name: int
    value_col: int = 3

    def scalar(self, path: str, absolute: bool = True) -> str:
        return sheet_a1(self.sheet, self.scalars[path], self.value_col, absolute, absolute)


def write_inputs(book: Book, ws: Worksheet, result: Result) -> InputsLayout:
    """Write the Inputs sheet of ``result`` into ``ws``; returns where each input sits."""
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
    write_text(ws, row, 2, MARKERS["scalars"])
    row += 1
    book.header(ws, row, [xl_label(t, lang) for t in ("parameter", "key", "value", "unit", "source", "description")])
    row += 1
    scalars: dict[str, int] = {}
    for path, kind in SCALAR_INPUTS:
        node = param_node(p, path)
        value = node.value * u if kind == "money" else node.value
        write_text(ws, row, 1, Message("parameter_name", {"path": path}).render(lang))
        write_text(ws, row, 2, path)
        book.value(ws, row, 3, value, FORMATS[kind], is_input=True)
        write_text(ws, row, 4, _unit_text(kind, book, node.unit))
        write_text(ws, row, 5, _source(node) + _override_note(p, lang, lambda q, path=path: q == path))
        write_text(ws, row, 6, node.describe(lang))
        scalars[path] = row
        row += 1

    def table(
        marker: str,
        title: str,
        ids: list[Any],
        names: list[str],
        columns: list[tuple[str, str, str, str, list[Any], str, str]],
        row: int,
    ) -> tuple[InputTable, int]:
        """columns: (key, label, kind, unit, values, source, description). Returns the table and
        the next free row."""
        row += 1
        write_text(ws, row, 1, title).font = SECTION_FONT
        write_text(ws, row, 2, MARKERS[marker])
        book.header(ws, row + 1, [xl_label("name", lang), xl_label("id", lang)] + [c[1] for c in columns])
        write_text(ws, row + 2, 2, xl_label("key", lang))
        write_text(ws, row + 3, 2, xl_label("unit", lang))
        cols: dict[str, int] = {}
        for j, (key, _, _kind, unit_text, *_) in enumerate(columns):
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
            for key, _, kind, _, values, *_ in columns:
                book.value(ws, first + i, cols[key], values[i], FORMATS.get(kind), is_input=True)
        src_row = first + len(ids)
        write_text(ws, src_row, 1, xl_label("source", lang))
        write_text(ws, src_row + 1, 1, xl_label("description", lang))
        for key, *_, source, description in columns:
            write_text(ws, src_row, cols[key], source).alignment = WRAP
            write_text(ws, src_row + 1, cols[key], description).alignment = WRAP
        return InputTable(first, list(ids), cols), src_row + 2

    fields = list(p.fields.values())
    fcols = []
    for key, kind in FIELD_INPUTS:
        node0 = getattr(fields[0], key)
        values = [getattr(f, key).value for f in fields]
        sources = "; ".join(sorted({_source(getattr(f, key)) for f in fields}))
        sources += _override_note(p, lang, lambda q, key=key: q.startswith("fields.") and q.endswith("." + key))
        fcols.append(
            (
                key,
                xl_label(key, lang),
                kind,
                _unit_text(kind, book, node0.unit),
                values,
                sources,
                descriptions([getattr(f, key) for f in fields], lang),
            )
        )
    names = [label(fid, lang) for fid in p.field_ids]
    t_fields, row = table("fields", xl_label("sec_fields", lang), p.field_ids, names, fcols, row)

    banks = list(p.banks.values())
    bcols = []
    for key, kind in BANK_INPUTS:
        values = [getattr(b, key).value * (u if kind == "money" else 1) for b in banks]
        sources = ["; ".join(sorted({_source(getattr(b, key)) for b in banks}))]
        sources[0] += _override_note(p, lang, lambda q, key=key: q.startswith("banks.") and q.endswith("." + key))
        bcols.append(
            (
                key,
                label(key, lang),
                kind,
                _unit_text(kind, book, getattr(banks[0], key).unit),
                values,
                "; ".join(sources),
                descriptions([getattr(b, key) for b in banks], lang),
            )
        )
    t_banks, row = table(
        "banks", xl_label("sec_banks", lang), p.bank_ids, [label(b, lang) for b in p.bank_ids], bcols, row
    )

    alloc_node = p.raw["allocation"]["allocation_bn"]
    alloc_source = next(src for src in p.sources() if src.path == "allocation_bn")
    allocation = allocation_used(result)
    edited = (
        ""
        if np.array_equal(allocation, p.allocation_matrix)
        else (
            " | 本次测算已修改（不在情景文件中）" if lang == "zh" else " | edited for this run (not in a scenario file)"
        )
    )
    acols = [
        (
            bid,
            label(bid, lang),
            "money",
            unit_label(book.unit, lang),
            list(allocation[:, j] * u),
            f"{alloc_node['reference']} ({alloc_node['date']})"
            + _override_note(p, lang, lambda q: q.startswith("allocation_bn"))
            + edited,
            alloc_source.describe(lang),
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
            parameter_word("share of total investment", lang),
            [s.minimum.value for s in sectors.values()],
            "; ".join(sorted({_source(s.minimum) for s in sectors.values()}))
            + _override_note(p, lang, lambda q: q.startswith("capital_ratios.sectors")),
            descriptions([s.minimum for s in sectors.values()], lang),
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
            _source(growth) + _override_note(p, lang, lambda q: q == "macro.growth_pct"),
            growth.describe(lang),
        )
    ]
    t_growth, row = table("growth", xl_label("sec_growth", lang), years, [str(y) for y in years], gcols, row)

    row += 1
    write_text(ws, row, 1, xl_label("sec_settings", lang)).font = SECTION_FONT
    write_text(ws, row, 2, MARKERS["settings"])
    tol_sum_row, tol_share_row = row + 1, row + 2
    write_text(ws, tol_sum_row, 1, xl_label("tolerance_sum", lang))
    write_text(ws, tol_sum_row, 2, "tolerance_sum")
    book.value(ws, tol_sum_row, 3, TOLERANCE_BN * u, "0.0E+00", is_input=True)
    write_text(ws, tol_sum_row, 4, unit_label(book.unit, lang))
    write_text(ws, tol_share_row, 1, xl_label("tolerance_share", lang))
    write_text(ws, tol_share_row, 2, "tolerance_share")
    book.value(ws, tol_share_row, 3, TOLERANCE_SHARE, "0.0E+00", is_input=True)

    row = tol_share_row + 2
    write_text(ws, row, 1, xl_label("sec_fund_terms", lang)).font = SECTION_FONT
    defaults = cashflow_defaults()
    for key, kind in FUND_TERMS:
        row += 1
        write_text(ws, row, 1, xl_label(key, lang))
        write_text(ws, row, 2, f"cashflow.{key}")
        book.value(ws, row, 3, defaults[key], FORMATS[kind], is_input=True)
        scalars[f"cashflow.{key}"] = row

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

    set_widths(ws, {1: 46, 2: 30, 3: 16, 4: 16, 5: 16, 6: 16, 7: 16, 8: 16, 9: 16, 10: 16, 11: 14, 12: 14, 13: 16})
    ws.freeze_panes = "C1"
    return InputsLayout(
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
