"""fundmodel vs the same model in a spreadsheet engine, after one input change.

    python bench/spreadsheet.py

One 2,300-project scenario (the bundled synthetic national portfolio) is exported as a
live-formula workbook. The same input is changed on both sides: the fund requested by
the first project. fundmodel: time to take the edited table through validation and the
bottom-up run again (best of 5). LibreOffice headless (Python-UNO, Debian's
python3-uno): time to recalculate the loaded workbook, the changed cells only
(AutoCalculate) and every formula (a full recalculation), best of 3. Both sides must give
the same total fund and total investment. Prints the times and the ratios.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

from fundmodel import default_parameters
from fundmodel.bottom_up import run_portfolio
from fundmodel.excel import export_workbook
from fundmodel.portfolio import parse_portfolio, read_portfolio

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


def main() -> int:
    params = default_parameters()
    portfolio = read_portfolio(ROOT / "portfolios" / "national_synthetic.csv", params=params)
    tmp = Path(tempfile.mkdtemp(prefix="fundmodel-sheet-"))
    book = export_workbook(run_portfolio(portfolio, params, cashflow=False), tmp / "model.xlsx")

    raw = portfolio.raw
    first = raw.index[0]
    new_value = round(float(raw.loc[first, COLUMN]) * 1.04, 6)  # +4%, still within its cap
    times = []
    for _ in range(5):
        start = time.perf_counter()
        edited = raw.copy()
        # the raw table keeps what the file held: text for CSV cells, numbers where a reader typed them
        edited.loc[first, COLUMN] = new_value if edited[COLUMN].dtype.kind == "f" else f"{new_value:.6f}"
        changed = run_portfolio(parse_portfolio(edited, params=params, source="edited"), params, cashflow=False)
        times.append(time.perf_counter() - start)
    fundmodel_s = min(times)

    probe = subprocess.run([UNO_PYTHON, "-c", "import uno"], capture_output=True, check=False)
    if probe.returncode:
        print("LibreOffice's Python-UNO is missing: apt-get install python3-uno libreoffice-calc-nogui")
        return 1
    input_ref, output_ref = find_cells(book)
    proc = subprocess.run(
        [UNO_PYTHON, str(Path(__file__).with_name("lo_recalc.py")), str(book), input_ref, str(new_value), output_ref],
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
    rows = [
        ("fundmodel: validate the edited table + bottom-up re-run", fundmodel_s),
        ("LibreOffice: recalculate every formula (full recalculation)", lo["recalc_all_s"]),
        ("LibreOffice: recalculate the changed cells only (AutoCalculate)", lo["recalc_changed_s"]),
        ("LibreOffice: load the workbook (once; not in the ratios)", lo["load_s"]),
    ]
    for name, seconds in rows:
        print(f"  {name:<66} {seconds * 1000:>9,.1f} ms")
    print(f"  ratio, LibreOffice full recalculation / fundmodel:    {lo['recalc_all_s'] / fundmodel_s:>6,.1f}x")
    print(f"  ratio, LibreOffice changed cells only / fundmodel:    {lo['recalc_changed_s'] / fundmodel_s:>6,.2f}x")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
