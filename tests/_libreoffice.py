"""Recalculate workbooks with LibreOffice headless, for real, and compare cells.

LibreOffice trusts the cached values of an .xlsx by default (it does not recalculate on
load); each run here uses a fresh user profile whose registry sets
``Calc/Formula/Load/OOXMLRecalcMode`` to 0 ("always recalculate"), so every formula is
computed by LibreOffice. tests/test_excel_libreoffice.py proves it with stale caches.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

_ALWAYS_RECALC = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def recalculate(books: Sequence[Path], outdir: Path, recalc: bool = True) -> list[Path]:
    """Open every book in ONE LibreOffice run, recalculate, save as .xlsx into ``outdir``.

    Raises AssertionError if LibreOffice fails or does not write a book (a repair or a load
    error ends the conversion without output).
    """
    assert SOFFICE, "LibreOffice (soffice) is not installed"
    profile = Path(tempfile.mkdtemp(prefix="fundmodel-lo-"))
    try:
        if recalc:
            (profile / "user").mkdir(parents=True)
            (profile / "user" / "registrymodifications.xcu").write_text(_ALWAYS_RECALC, encoding="utf-8")
        outdir.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            [
                SOFFICE,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                "xlsx:Calc MS Excel 2007 XML",
                "--outdir",
                str(outdir),
                *map(str, books),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    out = [outdir / Path(b).name for b in books]
    missing = [p for p in out if not p.exists()]
    assert proc.returncode == 0 and not missing, f"LibreOffice failed ({proc.returncode}): {proc.stderr}\n{missing}"
    assert "Error" not in proc.stdout, proc.stdout
    return out


def mismatches(recalculated: Any, expected: Mapping[tuple[str, str], Any], rel: float = 1e-9) -> list[str]:
    """Cells whose recalculated value differs from the expected one (relative tolerance ``rel``)."""
    bad = []
    for (sheet, coord), want in expected.items():
        got = recalculated[sheet][coord].value
        if isinstance(want, bool | str):
            ok = got == want
        elif isinstance(want, int | float) and math.isfinite(want):
            ok = (
                isinstance(got, int | float)
                and not isinstance(got, bool)
                and abs(got - want) <= rel * max(1.0, abs(want))
            )
        else:  # NaN in Python: the spreadsheet shows an error or nothing
            ok = not isinstance(got, int | float) or not math.isfinite(got)
        if not ok:
            bad.append(f"{sheet}!{coord}: expected {want!r}, got {got!r}")
    return bad
