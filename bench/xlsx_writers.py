"""XLSX writers compared: fundmodel's own streaming layer (fundmodel.outputs.excel.writer)
against XlsxWriter in constant_memory mode, on the same cells.

    python bench/xlsx_writers.py           # 2,300 and 100,000 projects
    python bench/xlsx_writers.py --quick   # 2,300 projects only

What is written: the long tables of the portfolio workbook (Chinese, 亿元), i.e. every row
below the template row of the Project inputs, Projects and Macro (one phasing row per
project) sheets: each cell's formula with its cached value, or its typed-in value, styled
with its column's number format. These rows are more than 90% of the workbook's XML at
100,000 projects; both writers get them from the same :class:`~fundmodel.outputs.excel.layout.Book`
(built before timing) and write them to a file:

* ``fundmodel``: :func:`fundmodel.outputs.excel.writer.save_xlsx` on a book holding only those
  sheets (template rows styled, no other cells), deflate level 1, as the export does.
* ``xlsxwriter``: ``xlsxwriter.Workbook(path, {"constant_memory": True})``, row by row,
  ``write_formula(row, col, formula, format, value)`` / ``write_number`` / ``write_string``
  / ``write_boolean`` / ``write_blank``; XlsxWriter's own deflate level (zipfile's default).

For scale, ``full export`` is the whole workbook as ``fundmodel export`` writes it (openpyxl
for the other sheets and the template rows, then the same streaming).

Each figure: one writer in its own process (set-up not timed), best of 3 runs by wall time;
peak RSS is the process's peak (set-up included) with the peak before writing beside it.
Before timing, the 2,300-project files of both writers are read back with openpyxl and
compared cell by cell (formula text and cached value), so both wrote the same cells.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

WRITERS = ["fundmodel", "xlsxwriter", "full export"]
SIZES = {"2,300": 2_300, "100,000": 100_000}
RUNS = 3


def _result(n: int):
    from fundmodel.core.bottom_up import run_portfolio
    from fundmodel.inputs.portfolio import read_portfolio

    if n == 2_300:
        return run_portfolio(read_portfolio(ROOT / "portfolios" / "national_synthetic.csv"))
    from cases import portfolio_file

    return run_portfolio(read_portfolio(portfolio_file(n)), cashflow=False)


def _formats(book) -> dict[str, dict[int, str]]:
    """Number format of each long-table column (its template cell's)."""
    return {
        title: {c.col: book.wb[title].cell(row=t.template_row, column=c.col).number_format for c in t.columns}
        for title, t in book.long_tables.items()
    }


def write_fundmodel(book, path: Path) -> None:
    """The long tables through fundmodel's writer, in a book of only their sheets."""
    from openpyxl import Workbook

    from fundmodel.outputs.excel.writer import save_xlsx

    formats = _formats(book)
    wb = Workbook()
    wb.remove(wb.active)
    for title, table in book.long_tables.items():
        ws = wb.create_sheet(title)
        for col, fmt in formats[title].items():
            ws.cell(row=table.template_row, column=col).number_format = fmt
    save_xlsx(wb, {}, book.long_tables, path)


def _cached(v):
    """A cached value as XlsxWriter takes it (NaN -> the #N/A error, as fundmodel writes it)."""
    if isinstance(v, float) and not math.isfinite(v):
        return "#N/A"
    return v


def write_xlsxwriter(book, path: Path, rows: int | None = None) -> int:
    """The same cells through XlsxWriter (constant_memory: rows written in order, each row
    flushed when the next begins). With ``rows``, only the first ``rows`` rows below each
    template row; returns the cells written."""
    import xlsxwriter

    from fundmodel.outputs.excel.writer import LINK_ROW, ROW

    formats = _formats(book)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    written = 0
    for title, table in book.long_tables.items():
        ws = wb.add_worksheet(title)
        fmt = {col: wb.add_format({"num_format": f}) for col, f in formats[title].items()}
        columns = sorted(table.columns, key=lambda c: c.col)
        for c in columns:  # the template row: styled, empty (as in fundmodel's book above)
            ws.write_blank(table.template_row - 1, c.col - 1, None, fmt[c.col])
        # Values as Python objects, column by column (what fundmodel's writer does too).
        values = {c.col: (c.values.tolist() if hasattr(c.values, "tolist") else list(c.values)) for c in columns}
        links = {c.col: c.link_rows.tolist() for c in columns if c.link_rows is not None}
        pieces = {c.col: c.formula.split(ROW) for c in columns if c.formula is not None}
        stop = table.n if rows is None else min(table.n, rows + 1)
        written += len(columns) * (stop - 1)
        for i in range(1, stop):
            r = table.template_row + i
            rs = str(r)
            for c in columns:
                v = values[c.col][i]
                if c.formula is None:
                    if v is None:
                        ws.write_blank(r - 1, c.col - 1, None, fmt[c.col])
                    elif isinstance(v, str):
                        ws.write_string(r - 1, c.col - 1, v, fmt[c.col])
                    elif isinstance(v, bool):
                        ws.write_boolean(r - 1, c.col - 1, v, fmt[c.col])
                    else:
                        ws.write_number(r - 1, c.col - 1, v, fmt[c.col])
                    continue
                formula = rs.join(pieces[c.col])
                if c.col in links:
                    formula = formula.replace(LINK_ROW, str(links[c.col][i]))
                ws.write_formula(r - 1, c.col - 1, formula, fmt[c.col], _cached(v))
    wb.close()
    return written


def write_full(result, path: Path) -> None:
    from fundmodel.outputs.excel import export_workbook

    export_workbook(result, path, lang="zh", unit="yi")


def child(writer: str, n: int, path: Path, rows: int | None) -> dict:
    """Set up (not timed), write once, report wall time, peak RSS, file size and cells written."""
    from fundmodel.outputs.excel.workbook import build_book

    result = _result(n)
    book = None if writer == "full export" else build_book(result, "zh", "yi")[1]
    cells = 0 if book is None else sum(len(t.columns) * (t.n - 1) for t in book.long_tables.values())
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    if writer == "fundmodel":
        write_fundmodel(book, path)
        written = cells
    elif writer == "xlsxwriter":
        written = write_xlsxwriter(book, path, rows)
    else:
        write_full(result, path)
        written = 0
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb = path.stat().st_size / 1e6
    return {
        "seconds": seconds,
        "peak_mb": peak_mb,
        "before_mb": before_mb,
        "mb": size_mb,
        "cells": cells,
        "written": written,
    }


def _run_child(writer: str, n: int, path: Path, rows: int | None = None) -> dict:
    command = [sys.executable, __file__, "--child", writer, str(n), str(path), str(rows or 0)]
    out = subprocess.run(command, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{writer} at {n:,} projects failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def same_cells(a: Path, b: Path) -> tuple[int, int]:
    """Compare two files cell by cell (formula text, then cached value): the cells compared, and
    how many hold a number that differs only in its last digits (XlsxWriter writes numbers with
    16 significant digits, ``%.16G``; fundmodel the shortest text that reads back as the same
    float, up to 17). Anything else that differs stops the benchmark."""
    from openpyxl import load_workbook

    compared = rounded = 0
    for data_only in (False, True):
        wa = load_workbook(a, read_only=True, data_only=data_only)
        wb = load_workbook(b, read_only=True, data_only=data_only)
        assert wa.sheetnames == wb.sheetnames, (wa.sheetnames, wb.sheetnames)
        for title in wa.sheetnames:
            rows_a = [[c.value for c in row] for row in wa[title].iter_rows()]
            rows_b = [[c.value for c in row] for row in wb[title].iter_rows()]
            for r, (ra, rb) in enumerate(zip(rows_a, rows_b, strict=True), start=1):
                for j, (x, y) in enumerate(zip(ra, rb, strict=True), start=1):
                    compared += x is not None
                    if x == y:
                        continue
                    if isinstance(x, float) and isinstance(y, float) and float(f"{x:.16G}") == y:
                        rounded += 1
                        continue
                    raise SystemExit(f"{title} row {r} col {j}: fundmodel {x!r} != xlsxwriter {y!r}")
        wa.close()
        wb.close()
    return compared, rounded


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,300 projects only")
    parser.add_argument(
        "--xlsxwriter-rows",
        type=int,
        default=5_000,
        metavar="N",
        help="at 100,000 projects, XlsxWriter writes the first N rows of each long table (default 5,000; "
        "0 = all, which takes about 40 minutes here); its time for the whole book is then extrapolated "
        "in proportion to the cells",
    )
    parser.add_argument("--child", nargs=4, metavar=("WRITER", "N", "PATH", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        writer, n, path, rows = args.child
        print(json.dumps(child(writer, int(n), Path(path), int(rows) or None)))
        return 0
    sizes = {"2,300": 2_300} if args.quick else SIZES
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for w in ("fundmodel", "xlsxwriter"):
            _run_child(w, 2_300, tmp / f"check-{w}.xlsx")
        compared, rounded = same_cells(tmp / "check-fundmodel.xlsx", tmp / "check-xlsxwriter.xlsx")
        print(
            f"same cells: {compared:,} formulas and values compared at 2,300 projects; {rounded:,} numbers "
            "differ in the 17th significant digit (XlsxWriter writes 16, so those do not read back as "
            "the same float); nothing else differs"
        )
        print()
        head = f"{'projects':>9} {'writer':<12} {'cells written':>14} {'wall s':>8} {'us/cell':>8}"
        head += f" {'peak RSS MB':>12} {'(before)':>9} {'file MB':>8}"
        print(head)
        print("-" * len(head))
        notes = []
        for label, n in sizes.items():
            for w in WRITERS:
                rows = args.xlsxwriter_rows if (w == "xlsxwriter" and n > 2_300 and args.xlsxwriter_rows) else None
                runs = [_run_child(w, n, tmp / f"{n}-{w.replace(' ', '_')}.xlsx", rows) for _ in range(RUNS)]
                best = min(runs, key=lambda r: r["seconds"])
                written = best["written"]
                per_cell = f"{best['seconds'] / written * 1e6:8.2f}" if written else f"{'':>8}"
                cells = f"{written:,}" if written else "whole book"
                print(
                    f"{label:>9} {w:<12} {cells:>14} {best['seconds']:>8.2f} {per_cell}"
                    f" {max(r['peak_mb'] for r in runs):>12.0f} {best['before_mb']:>9.0f} {best['mb']:>8.1f}",
                    flush=True,
                )
                if written and written < best["cells"]:
                    whole = best["seconds"] * best["cells"] / written
                    notes.append(
                        f"{w} at {label} projects wrote {written:,} of the {best['cells']:,} long-table cells "
                        f"(first {rows:,} rows of each table): all of them would take about {whole:,.0f} s "
                        "(in proportion to the cells; constant_memory writes row by row)"
                    )
    print(f"\nbest of {RUNS} runs by wall time, each in its own process; peak RSS: the highest of the runs")
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
