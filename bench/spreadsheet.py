"""fundmodel vs the same model in a spreadsheet engine, after one input change.

    python bench/spreadsheet.py

One 2,300-project scenario (the bundled synthetic national portfolio) is exported as a
live-formula workbook. The same input is changed on both sides: the fund requested by
the first project. fundmodel: time from the edited cell to a new :class:`Result`
(``Portfolio.with_edits`` re-validates the edited row, then the whole bottom-up run:
every project, field, bank, cell, province, year and check), and, for comparison, with
the whole table validated again. LibreOffice headless (Python-UNO, Debian's
python3-uno): time to recalculate the loaded workbook, the changed cells only
(AutoCalculate) and every formula (a full recalculation). Each side is timed REPEAT
times (default 7); the best and the median are printed, and the ratios of both. Both
sides must give the same total fund. Prints the times and the ratios.

    python bench/spreadsheet.py [REPEAT]
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import openpyxl

from fundmodel import default_parameters
from fundmodel.core.bottom_up import run_portfolio
from fundmodel.core.result import Result
from fundmodel.inputs.portfolio import parse_portfolio, read_portfolio
from fundmodel.outputs.excel import export_workbook

ROOT = Path(__file__).resolve().parent.parent
UNO_PYTHON = "/usr/bin/python3"
COLUMN = "fund_requested_bn"


def find_cells(book: Path) -> tuple[str, str]:
    """The first project's fund requested on 'Project inputs', and the total fund on 'Fields'."""
    wb = openpyxl.load_workbook(book, read_only=True)
    rows = [list(r) for r in wb["Project inputs"].iter_rows(min_row=1, max_row=6)]
    ids = next(r for r in rows if r[0].value == "project_id")
    col = next(c.column_letter for c in ids if c.value == COLUMN)
    first = ids[0].row + 2  # the id row, the label row, then the first project
    fields = [list(r) for r in wb["Fields"].iter_rows()]
    header = next(r for r in fields if r[0].value == "Id")
    fund_col = header[2].column_letter  # Id, Name, Fund, ...
    total_row = next(r[0].row for r in fields if r[0].value == "total")
    return f"Project inputs!{col}{first}", f"Fields!{fund_col}{total_row}"


def timed(call: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best and median wall time of ``repeat`` calls (seconds), after one untimed call."""
    call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main(repeat: int = 7) -> int:
    params = default_parameters()
    portfolio = read_portfolio(ROOT / "portfolios" / "national_synthetic.csv", params=params)
    tmp = Path(tempfile.mkdtemp(prefix="fundmodel-sheet-"))
    book = export_workbook(run_portfolio(portfolio, params, cashflow=False), tmp / "model.xlsx")

    raw = portfolio.raw
    first = raw.index[0]
    new_value = round(float(raw.loc[first, COLUMN]) * 1.04, 6)  # +4%, still within its cap
    edit = {(first, COLUMN): new_value}

    def edited_row() -> Result:
        return run_portfolio(portfolio.with_edits(edit, params), params, cashflow=False)

    def whole_table() -> Result:
        edited = raw.copy()
        edited[COLUMN] = edited[COLUMN].astype(object)
        edited.loc[first, COLUMN] = new_value
        return run_portfolio(parse_portfolio(edited, params=params, source="edited"), params, cashflow=False)

    changed = edited_row()
    if abs(whole_table().fund_size_bn - changed.fund_size_bn) > 1e-9 * changed.fund_size_bn:
        print("with_edits and a whole re-validation DISAGREE")
        return 1
    fundmodel_s = timed(edited_row, repeat)
    whole_s = timed(whole_table, repeat)

    probe = subprocess.run([UNO_PYTHON, "-c", "import uno"], capture_output=True, check=False)
    if probe.returncode:
        print("LibreOffice's Python-UNO is missing: apt-get install python3-uno libreoffice-calc-nogui")
        return 1
    input_ref, output_ref = find_cells(book)
    proc = subprocess.run(
        [
            UNO_PYTHON,
            str(Path(__file__).with_name("lo_recalc.py")),
            str(book),
            input_ref,
            str(new_value),
            output_ref,
            str(repeat),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    shutil.rmtree(tmp, ignore_errors=True)
    if proc.returncode:
        print(f"LibreOffice run failed: {proc.stderr.strip()[-500:]}")
        return 1
    lo = json.loads(proc.stdout.strip().splitlines()[-1])
    fund = changed.fund_size_bn
    agree = abs(lo["output_value"] - fund) <= 1e-9 * abs(fund)

    n = len(portfolio.frame)
    print(f"One input change on a {n:,}-project scenario: {COLUMN} of the first project -> {new_value}")
    print(f"  total fund after the change: fundmodel {fund:,.6f} bn, ", end="")
    print(f"LibreOffice {lo['output_value']:,.6f} bn: ", end="")
    print("agree (relative difference <= 1e-9)" if agree else "DISAGREE")
    lo_all = (lo["recalc_all_s"], lo["recalc_all_median_s"])
    lo_changed = (lo["recalc_changed_s"], lo["recalc_changed_median_s"])
    rows = [
        ("fundmodel: edited row re-validated + bottom-up re-run", fundmodel_s),
        ("fundmodel: whole table re-validated + bottom-up re-run", whole_s),
        ("LibreOffice: recalculate every formula (full recalculation)", lo_all),
        ("LibreOffice: recalculate the changed cells only (AutoCalculate)", lo_changed),
    ]
    print(f"  {'':<66} {'best':>9}    {'median':>9}")
    for name, (best, median) in rows:
        print(f"  {name:<66} {best * 1000:>6,.1f} ms {median * 1000:>6,.1f} ms")
    print(f"  {'LibreOffice: load the workbook (once; not in the ratios)':<66} {lo['load_s'] * 1000:>6,.1f} ms")
    for name, (best, median) in (("full recalculation", lo_all), ("changed cells only", lo_changed)):
        ratio_best, ratio_median = best / fundmodel_s[0], median / fundmodel_s[1]
        print(f"  ratio, LibreOffice {name} / fundmodel (edited row): {ratio_best:>6,.1f}x best, ", end="")
        print(f"{ratio_median:,.1f}x median")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 7))
