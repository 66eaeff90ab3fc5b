"""Finding the table in a government template: the header row(s) under a title block, the
unit line, a 序号 column, total rows (合计, 小计 ...) and notes (注：...) under the table.

Project lists circulated by development-and-reform commissions start with a title block
(附件1, a merged title row, 填报单位：（盖章）, 单位：万元), then a header of one or two rows
(资金结构 merged over 资本金比例 and 申请金额), a 序号 column, the projects, a 合计 row and
notes. :func:`find_table` looks at the first rows for the row (or pair of rows) whose
cells name the most known columns, reads the unit line above it, and classifies the rows
below: projects, totals, notes. Plain files (a known header on row 1) never come here.

>>> rows = [["附件1"], ["单位：万元"], ["序号", "项目名称", "总投资", "申请金额"], ["1", "A", "100", "5"],
...         ["合计", "", "100", "5"]]
>>> layout = find_table(rows)
>>> layout.header_rows, layout.unit, layout.headers, layout.project_rows
([3], 'wan', ['序号', '项目名称', '总投资', '申请金额'], [4])
>>> [(row, str(reason)) for row, reason in layout.skipped]
[(5, 'total row (合计)')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from fundmodel.inputs.portfolio.schema import MONEY_UNIT_SUFFIXES, SCHEMA, norm, split_header
from fundmodel.messages import Message
from fundmodel.units import unit_label

#: How many rows from the top are searched for the header.
HEADER_SEARCH_ROWS = 30
#: A header names at least this many known columns.
MIN_KNOWN_COLUMNS = 3
#: Relative gap between a total row and the sum of its projects that is reported.
TOTAL_TOLERANCE = 0.001

_UNIT_LINE = re.compile(r"单位\s*[:：]\s*(十亿元|亿元|万元)")
_TOTAL = re.compile(r"^(合\s*计|总\s*计|小\s*计|共\s*计|其\s*中)")
_NOTE = re.compile(r"^(注|说明|备注|填表说明)\s*\d*\s*[:：、.]")
#: Columns that number the rows and are not project data.
_ROW_NUMBER_HEADERS = {"序号", "编号no", "no", "no.", "#"}


@dataclass
class TableLayout:
    """Where the table is: ``header_rows`` (1-based), the header of each column as written
    (two-row headers joined as ``资金结构/申请金额``), the money ``unit`` of the title block and
    the row it came from, the project rows, the rows skipped (row, reason), the total rows
    (row -> cells) and the columns dropped (a leading 序号)."""

    header_rows: list[int]
    headers: list[str]
    unit: str | None = None
    unit_row: int | None = None
    project_rows: list[int] = field(default_factory=list)
    skipped: list[tuple[int, Message]] = field(default_factory=list)
    totals: dict[int, list[str]] = field(default_factory=dict)
    dropped_columns: list[int] = field(default_factory=list)


@lru_cache(maxsize=4096)
def _known(label: str) -> bool:
    # cached: the header search asks about each cell of its rows two or three times
    return bool(label) and split_header(label)[0] is not None


def known_columns(cells: list[str]) -> int:
    """How many cells of a row name a portfolio column (``总投资(亿元)`` counts)."""
    return sum(1 for c in cells if _known(str(c).strip()))


def _joined(upper: list[str], lower: list[str]) -> list[str]:
    """One header from two rows: the lower cell under a group heading that spans it
    (``资金结构/申请金额``: the heading was merged across, so only its first cell holds it),
    the upper cell where the lower one is empty (a cell merged down).

    Example: ["资金结构", "", "建设期"] over ["资本金比例", "申请金额", ""] ->
    ["资金结构/资本金比例", "资金结构/申请金额", "建设期"]."""
    out = []
    group = ""
    for u, low in zip(upper, lower, strict=True):
        if u:
            group = u if low else ""  # a heading over a sub-header starts a group
        elif not low:
            group = ""
        heading = u or group
        out.append(f"{heading}/{low}" if low and heading and heading != low else (low or heading))
    return out


def _label_known(label: str) -> bool:
    return _known(label) or ("/" in label and _known(label.rsplit("/", 1)[1]))


def _lead_cells(row: list[str], dropped: set[int]) -> tuple[str, str]:
    """The first non-empty cell of ``row`` outside the ``dropped`` columns (the lead: a
    name, 合计 or 注：...) and the first inside them (a 序号), each stripped; "" where none.

    >>> _lead_cells(["1", " 示例 ", "x"], {0}), _lead_cells(["", "  "], {0})
    (('示例', '1'), ('', ''))
    """
    lead = number = ""
    for i, cell in enumerate(row):
        text = str(cell).strip()
        if not text:
            continue
        if i in dropped:
            number = number or text
        elif not lead:
            lead = text
        if lead and (number or not dropped):
            break
    return lead, number


def find_table(rows: list[list[str]]) -> TableLayout | None:
    """The table's layout in ``rows`` (text cells, row 1 first), or None when no row in
    the first :data:`HEADER_SEARCH_ROWS` names :data:`MIN_KNOWN_COLUMNS` known columns."""
    width = max((len(r) for r in rows), default=0)

    def stripped(r: int) -> list[str]:
        return [str(c).strip() for c in rows[r]] + [""] * (width - len(rows[r]))

    # Only the rows a header is searched in are stripped whole; project rows are looked at
    # cell by cell, up to their first cells (most of a large file).
    grid = [stripped(r) for r in range(min(HEADER_SEARCH_ROWS + 1, len(rows)))]
    best: tuple[int, int, list[str], list[int]] | None = None
    for r in range(min(HEADER_SEARCH_ROWS, len(grid))):
        single = grid[r]
        score = sum(_known(c) for c in single)
        if best is None or score > best[0]:
            best = (score, r, single, [r + 1])
        if r + 1 < len(grid):
            pair = _joined(grid[r], grid[r + 1])
            pair_score = sum(_label_known(c) for c in pair)
            # A pair is a two-row header only when the upper row adds known columns to the
            # lower one (a unit line above a one-row header is not a header row).
            lower_score = sum(_known(c) for c in grid[r + 1])
            if pair_score > max(score, lower_score) and pair_score > best[0] and any(grid[r + 1]):
                best = (pair_score, r, pair, [r + 1, r + 2])
    if best is None or best[0] < MIN_KNOWN_COLUMNS:
        return None
    _, first, headers, header_rows = best
    layout = TableLayout(header_rows=header_rows, headers=headers)
    for r in range(first):
        hit = next((m for c in grid[r] if (m := _UNIT_LINE.search(c))), None)
        if hit:
            layout.unit = MONEY_UNIT_SUFFIXES[norm(hit.group(1))]
            layout.unit_row = r + 1
    layout.dropped_columns = [i for i, h in enumerate(headers) if norm(h) in _ROW_NUMBER_HEADERS]
    dropped = set(layout.dropped_columns)
    in_notes = False
    for r in range(header_rows[-1], len(rows)):
        lead, number = _lead_cells(rows[r], dropped)
        if not lead and not number:
            continue
        if in_notes or _NOTE.match(lead) or _NOTE.match(number):
            in_notes = True
            layout.skipped.append((r + 1, Message("skipped_note")))
            continue
        total = _TOTAL.match(number) or _TOTAL.match(lead)
        if total:
            word = re.sub(r"\s+", "", total.group(1))
            layout.skipped.append((r + 1, Message("skipped_total", {"word": word})))
            if word in ("合计", "总计", "共计"):
                layout.totals[r + 1] = stripped(r)
            continue
        layout.project_rows.append(r + 1)
    return layout


def total_checks(
    data: dict[str, np.ndarray], rows: np.ndarray, totals: dict[int, dict[str, str]], headers: dict[str, str],
    units: dict[str, str], per_bn: dict[str, float],
) -> list[tuple[int, str, str, Message]]:  # fmt: skip
    """Each total row's money cells against the sum of the projects above it: a list of
    (row, header, total as written, message) for the ones that differ by more than
    :data:`TOTAL_TOLERANCE` of the total.

    Example: projects 100 and 200 万元 under a 合计 of 310 -> one message naming 310 and 300."""
    out = []
    for row, cells in sorted(totals.items()):
        above = rows < row
        for cid, header in headers.items():
            if SCHEMA[cid].type != "money" or cid not in units or header not in cells:
                continue
            text = str(cells[header]).replace(",", "").replace("，", "").strip()
            try:
                stated = float(text)
            except ValueError:
                continue
            factor = per_bn[units[cid]]
            summed = float(np.nansum(np.asarray(data[cid], dtype=float)[above])) * factor
            if abs(summed - stated) > TOTAL_TOLERANCE * max(abs(stated), 1e-9):
                out.append(
                    (
                        row,
                        header,
                        str(cells[header]),
                        Message("issue_total_mismatch", {"stated": stated, "summed": summed}),
                    )
                )
    return out


def describe(attrs: dict[str, Any], lang: str = "en") -> list[str]:
    """The "what was understood" lines of a table found in a template, in ``lang``.

    >>> attrs = {"header_rows": [3, 4], "title_unit": "wan", "title_unit_row": 2, "headers": ["项目名称", "备注"],
    ...          "skipped_rows": [(9, Message("skipped_total", {"word": "合计"}))]}
    >>> for line in describe(attrs, "zh"):
    ...     print(line)
      表头：第 3、4 行（两行合为一行表头）
      金额单位：万元（取自第 2 行的单位说明）
      列“项目名称” → 项目名称（project_name）
      列“备注”：不是项目组合的列（已忽略）
      第 9 行未读取：合计行（合计）
    """
    zh = lang == "zh"

    def say(message_id: str, **params: Any) -> str:
        return "  " + Message(message_id, params).render(lang)

    lines = []
    if attrs.get("header_rows"):
        rows = attrs["header_rows"]
        joined = ("、" if zh else " and ").join(str(r) for r in rows)
        lines.append(say("understood_header_joined" if len(rows) > 1 else "understood_header", rows=joined))
    if attrs.get("title_unit"):
        unit = unit_label(attrs["title_unit"], lang) if zh else attrs["title_unit"]
        lines.append(say("understood_unit_line", unit=unit, row=attrs["title_unit_row"]))
    column_map = attrs.get("column_map") or {}
    sources = attrs.get("column_map_sources") or {}
    headers = attrs.get("headers", [])
    for header in [*headers, *(h for h in column_map if h not in headers)]:
        cid = column_map.get(header) or split_header(header)[0]
        source = sources.get(header, "--map") if header in column_map else None
        which = "understood_column" if cid else "understood_column_ignored"
        lines.append(say(which + ("_mapped" if source else ""), header=header, id=cid, source=source))
    skipped = attrs.get("skipped_rows", [])
    for row, reason in skipped[:50]:
        lines.append(
            say("understood_row_skipped", row=row, reason=reason) if row else say("understood_note", note=reason)
        )
    if len(skipped) > 50:
        lines.append(say("understood_more_skipped", n=len(skipped) - 50))
    return lines
