"""Time LibreOffice's own recalculation of a workbook after one input change (Python-UNO).

Run with the system Python that has LibreOffice's ``uno`` module (Debian: python3-uno):

    /usr/bin/python3 bench/lo_recalc.py BOOK.xlsx SHEET!CELL VALUE OUTSHEET!CELL [REPEAT]

Loads the book once (not timed), turns automatic calculation off, sets the input cell,
then times ``calculate()`` (only what depends on the change, as AutoCalculate does) and
``calculateAll()`` (every formula, as Ctrl+Shift+F9), REPEAT times each (default 7).
Prints JSON with the best and the median of each and the output cell's value after
recalculation.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]


def _connect(pipe: str, deadline: float):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def main(book: str, input_ref: str, value: float, output_ref: str, repeat: int = 7) -> dict:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    profile = Path(tempfile.mkdtemp(prefix="fundmodel-lo-bench-"))
    pipe = f"fundmodel_bench_{profile.name}"
    proc = subprocess.Popen(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        ctx = _connect(pipe, time.monotonic() + 60)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        hidden = PropertyValue()
        hidden.Name, hidden.Value = "Hidden", True
        start = time.perf_counter()
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(str(Path(book).resolve())), "_blank", 0, (hidden,))
        load_s = time.perf_counter() - start
        doc.calculateAll()  # warm: every formula computed once before timing
        doc.enableAutomaticCalculation(False)
        in_sheet, in_cell = input_ref.split("!")
        out_sheet, out_cell = output_ref.split("!")
        cell = doc.Sheets.getByName(in_sheet).getCellRangeByName(in_cell)
        out = doc.Sheets.getByName(out_sheet).getCellRangeByName(out_cell)
        original = cell.getValue()
        dirty, full = [], []
        for _ in range(repeat):
            cell.setValue(value)
            t = time.perf_counter()
            doc.calculate()
            dirty.append(time.perf_counter() - t)
            cell.setValue(original)
            doc.calculate()
            cell.setValue(value)
            t = time.perf_counter()
            doc.calculateAll()
            full.append(time.perf_counter() - t)
        result = {
            "load_s": load_s,
            "recalc_changed_s": min(dirty),
            "recalc_all_s": min(full),
            "recalc_changed_median_s": statistics.median(dirty),
            "recalc_all_median_s": statistics.median(full),
            "output_value": out.getValue(),
        }
        doc.close(True)
        return result
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    repeat = int(sys.argv[5]) if len(sys.argv) > 5 else 7
    print(json.dumps(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], repeat)))
