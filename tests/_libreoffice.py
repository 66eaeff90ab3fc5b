"""Recalculate workbooks with LibreOffice headless, for real, and compare cells.

LibreOffice trusts the cached values of an .xlsx by default (it does not recalculate on
load); each run here uses a fresh user profile whose registry sets
``Calc/Formula/Load/OOXMLRecalcMode`` to 0 ("always recalculate"), so every formula is
computed by LibreOffice. tests/test_excel_libreoffice.py proves it with stale caches.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import tempfile
import zipfile
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
    return _convert(books, outdir, "xlsx:Calc MS Excel 2007 XML", ".xlsx", recalc)


def to_pdf(books: Sequence[Path], outdir: Path) -> list[Path]:
    """Print every book to PDF in ONE LibreOffice run (its page setup: paper, scaling, titles)."""
    return _convert(books, outdir, "pdf:calc_pdf_Export", ".pdf", recalc=False)


def pdf_pages(pdf: Path) -> int:
    """Pages of a PDF LibreOffice wrote (its page objects are plain dictionaries, ``/Type/Page``)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))


def only_sheet(book: Path, index: int, out: Path) -> Path:
    """A copy of ``book`` with every sheet but the ``index``-th (0-based) hidden, and that one
    active: printed, it shows that sheet's pages only. Edits ``xl/workbook.xml`` only."""
    with zipfile.ZipFile(book) as src:
        files = {n: src.read(n) for n in src.namelist()}
    xml = files["xl/workbook.xml"].decode("utf-8")
    sheets = re.findall(r"<sheet [^>]*/>", xml)
    for i, tag in enumerate(sheets):
        clean = re.sub(r'\s+state="[^"]*"', "", tag)
        xml = xml.replace(tag, clean if i == index else clean.replace("<sheet ", '<sheet state="hidden" ', 1), 1)
    xml = re.sub(r'activeTab="\d+"', f'activeTab="{index}"', xml)
    if "activeTab=" not in xml:
        xml = xml.replace("<workbookView ", f'<workbookView activeTab="{index}" ', 1)
    files["xl/workbook.xml"] = xml.encode("utf-8")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in files.items():
            dst.writestr(name, data)
    return out


def _convert(books: Sequence[Path], outdir: Path, target: str, suffix: str, recalc: bool) -> list[Path]:
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
                target,
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
    out = [outdir / (Path(b).stem + suffix) for b in books]
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
