"""Recalculate the 2,300-project workbook with LibreOffice headless and compare every formula cell.

    python bench/excel_libreoffice.py

Prints the export time, LibreOffice's recalculation time, how many formula cells were
compared with the Python model and how many differ (relative difference > 1e-9).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from _libreoffice import mismatches, recalculate  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from fundmodel.core.bottom_up import run_portfolio  # noqa: E402
from fundmodel.inputs.portfolio import read_portfolio  # noqa: E402
from fundmodel.outputs.excel import export_workbook  # noqa: E402
from fundmodel.outputs.excel.workbook import build_workbook  # noqa: E402


def main() -> int:
    result = run_portfolio(read_portfolio(ROOT / "portfolios" / "national_synthetic.csv"))
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        book = export_workbook(result, Path(tmp) / "national.xlsx", lang="zh", unit="yi")
        exported = time.perf_counter() - start
        _, expected = build_workbook(result, lang="zh", unit="yi")
        start = time.perf_counter()
        (out,) = recalculate([book], Path(tmp) / "out")
        recalculated = time.perf_counter() - start
        bad = mismatches(load_workbook(out, data_only=True), expected, rel=1e-9)
    print(f"projects                   {len(result.projects):>10,}")
    print(f"export (.xlsx)             {exported:>10.2f} s")
    print(f"LibreOffice recalculation  {recalculated:>10.2f} s")
    print(f"formula cells compared     {len(expected):>10,}")
    print(f"cells differing (> 1e-9)   {len(bad):>10,}")
    for line in bad[:10]:
        print("  " + line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
