"""Spreadsheets (.xlsx, .xlsm, .xls, .ods) through one reader, python-calamine, with the
input limits of :mod:`fundmodel.inputs.limits` checked before any cell is loaded.

A small hostile file can claim a huge sheet: calamine (like openpyxl) builds the used
range densely, so a cell in column XFD on 20,000 rows costs rows x columns cells of
memory. Before loading, the zip directory gives each part's compressed and uncompressed
size (a 400 MB shared string in a 400 KB file has a ratio near 1,000), and one streaming
pass over the chosen sheet's XML finds the declared ``<dimension>``, the last row, the
last column and any formula without a cached value. Macros in .xlsm files are never run
(calamine reads cell values only). Hidden sheets are never read unless named.

>>> column_number("A"), column_number("Z"), column_number("AA"), column_number("XFD")
(1, 26, 27, 16384)
"""

from __future__ import annotations

import errno
import html
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fundmodel.errors import PortfolioError
from fundmodel.inputs.limits import check, limit, where_sheet
from fundmodel.inputs.portfolio.sheet_bounds import check_used_ranges
from fundmodel.messages import Message

#: Spreadsheet suffixes read through calamine.
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
#: Zip-based formats whose directory is checked before reading.
_ZIPPED = (".xlsx", ".xlsm", ".ods")
#: Parts smaller than this are not held to the compression-ratio limit (tiny XML compresses well).
_RATIO_FLOOR_BYTES = 2**20
_CHUNK = 8 * 2**20

_SHEET_ENTRY = re.compile(rb'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_SHEET_ENTRY_REVERSED = re.compile(rb'<sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"')
_RELATIONSHIP = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_RELATIONSHIP_REVERSED = re.compile(rb'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')
_DIMENSION = re.compile(rb'<dimension\s+ref="([A-Z]{1,3})?(\d{1,9})?(?::([A-Z]{1,3})(\d{1,9}))?"')
_ROW = re.compile(rb'<row\b[^>]*?\br="(\d{1,9})"')
_CELL_ROW = re.compile(rb'<c\s+r="[A-Z]{1,3}(\d{7,9})"')
_ERROR_CELL = re.compile(
    rb'<c\s+r="([A-Z]{1,3})(\d{1,9})"[^>]*?\bt="e"[^>]*>(?:\s*<f\b[^>]*(?:/>|>[^<]*</f>))?\s*<v>([^<]{0,30})</v>'
)
#: Error cells kept per sheet (each is reported; a sheet of errors stops being listed here).
_MAX_ERROR_CELLS = 10_000
_UNCALCULATED = re.compile(
    rb'<c\s+r="([A-Z]{1,3}\d{1,9})"[^>]*>\s*<f\b[^>]*(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>'
)


#: Operating-system errors a reader meets, by errno: said in the reader's language.
_OS_REASONS = {errno.ENOENT: "os_no_such_file", errno.EACCES: "os_permission_denied", errno.EISDIR: "os_is_a_directory"}


def cannot_read(where: str | Message, exc: BaseException) -> Message:
    """``where: cannot read (reason)``: an operating-system error by its reason (in the
    reader's language when it is a common one), any other by its type and first words.

    >>> str(cannot_read("a.csv", FileNotFoundError(2, "No such file or directory")))
    'a.csv: cannot read (No such file or directory)'
    >>> cannot_read("a.csv", PermissionError(13, "Permission denied")).render("zh")
    'a.csv：无法读取（没有读取权限）'
    """
    if isinstance(exc, OSError) and exc.strerror:
        reason: str | Message = Message(_OS_REASONS[exc.errno]) if exc.errno in _OS_REASONS else exc.strerror
    else:
        reason = f"{type(exc).__name__}: {str(exc)[:200]}"
    return Message("read_cannot_read", {"file": where, "reason": reason})


def column_number(letters: str) -> int:
    """Spreadsheet column letters to a 1-based number (A = 1, AA = 27)."""
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def column_letters(number: int) -> str:
    """1-based column number to letters: ``column_letters(28) == "AB"``."""
    out = ""
    while number:
        number, rest = divmod(number - 1, 26)
        out = chr(65 + rest) + out
    return out


def _wide_columns(max_columns: int) -> re.Pattern[bytes]:
    """A pattern for cell references at or beyond column ``max_columns + 1`` (a cheap
    pre-filter: it may match some narrower columns, the exact test follows)."""
    first = column_letters(max_columns + 1)
    if len(first) == 1:
        return re.compile(rb'<c\s+r="([' + first.encode() + rb"-Z]|[A-Z]{2,3})\d")
    if len(first) == 2:
        return re.compile(rb'<c\s+r="([' + first[0].encode() + rb"-Z][A-Z]|[A-Z]{3})\d")
    return re.compile(rb'<c\s+r="([A-Z]{3})\d')


@dataclass
class SheetFacts:
    """What one streaming pass over a worksheet's XML found."""

    declared_rows: int = 0
    declared_columns: int = 0
    last_row: int = 0
    last_column: int = 0
    uncalculated: str = ""  # the first formula cell without a cached value, e.g. "C4"
    #: Error cells (row, column, both 1-based, and the error shown, e.g. "#DIV/0!"): calamine
    #: reads them as empty, so they are put back before validation reports them.
    errors: list[tuple[int, int, str]] = field(default_factory=list)


def _check_zip(path: Path, where: str) -> zipfile.ZipFile:
    """Open the zip and refuse it on its directory alone: total uncompressed size and the
    compression ratio of each large part."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise PortfolioError(Message("read_not_a_spreadsheet", {"file": where, "detail": type(exc).__name__})) from None
    infos = archive.infolist()
    check("xlsx_uncompressed_bytes", sum(i.file_size for i in infos), where)
    for info in infos:
        if info.file_size >= _RATIO_FLOOR_BYTES:
            ratio = info.file_size // max(info.compress_size, 1)
            check(
                "xlsx_compression_ratio",
                ratio,
                Message("limit_where_part", {"where": where, "part": info.filename[:80]}),
            )
    return archive


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> path of its XML part, from xl/workbook.xml and its relationships."""
    try:
        book = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    ids = {rid: name for name, rid in _SHEET_ENTRY.findall(book)}
    ids.update({rid: name for rid, name in _SHEET_ENTRY_REVERSED.findall(book)})
    targets = dict(_RELATIONSHIP.findall(rels))
    targets.update({rid: target for target, rid in _RELATIONSHIP_REVERSED.findall(rels)})
    out = {}
    for rid, name in ids.items():
        target = targets.get(rid, b"").decode("utf-8", "replace").lstrip("/")
        if target:
            part = target if target.startswith("xl/") else f"xl/{target}"
            out[html.unescape(name.decode("utf-8", "replace"))] = part
    return out


def scan_sheet_xml(stream: Any, max_columns: int) -> SheetFacts:
    """One pass over a worksheet's XML in chunks: declared dimension, last row, last
    column (exactly only for columns beyond ``max_columns``), first uncalculated formula.

    >>> import io
    >>> xml = b'<dimension ref="A1:C3"/><row r="3"><c r="A3"><f>1/0</f></c></row>'
    >>> facts = scan_sheet_xml(io.BytesIO(xml), 200)
    >>> facts.declared_rows, facts.declared_columns, facts.last_row, facts.uncalculated
    (3, 3, 3, 'A3')
    """
    facts = SheetFacts()
    wide = _wide_columns(max_columns)
    tail = b""
    first = True
    while True:
        block = stream.read(_CHUNK)
        if not block:
            break
        chunk = tail + block
        if first:
            first = False
            dim = _DIMENSION.search(chunk[:4096])
            if dim and dim.group(4):
                facts.declared_rows = int(dim.group(4)) - int(dim.group(2) or 1) + 1
                facts.declared_columns = (
                    column_number(dim.group(3).decode()) - column_number((dim.group(1) or b"A").decode()) + 1
                )
        rows = _ROW.findall(chunk)
        if rows:
            facts.last_row = max(facts.last_row, max(map(int, rows)))
        far = _CELL_ROW.findall(chunk)  # cells beyond row 999,999 whatever their row element says
        if far:
            facts.last_row = max(facts.last_row, max(map(int, far)))
        columns = wide.findall(chunk)
        if columns:
            facts.last_column = max(facts.last_column, max(column_number(c.decode()) for c in set(columns)))
        if not facts.uncalculated:
            hit = _UNCALCULATED.search(chunk)
            if hit:
                facts.uncalculated = hit.group(1).decode()
        if len(facts.errors) < _MAX_ERROR_CELLS and b't="e"' in chunk:
            seen = {(r, c) for r, c, _ in facts.errors[-64:]}  # a cell in the overlap is found twice
            for col, row, shown in _ERROR_CELL.findall(chunk):
                key = (int(row), column_number(col.decode()))
                if key not in seen:
                    facts.errors.append((*key, shown.decode("utf-8", "replace")))
        tail = chunk[-256:]  # a tag cut by the chunk boundary is seen whole in the next one
    return facts


def _check_sheet(archive: zipfile.ZipFile, part: str, where: str | Message) -> SheetFacts:
    """Refuse a sheet whose declared or actual used range exceeds the limits, or that holds
    a formula without a cached value (its cells would read as empty)."""
    try:
        stream = archive.open(part)
    except KeyError:
        return SheetFacts()
    with stream:
        facts = scan_sheet_xml(stream, limit("columns"))
    check(
        "sheet_cells", facts.declared_rows * facts.declared_columns, Message("limit_where_declared", {"where": where})
    )
    check("rows", facts.last_row, where)
    check("columns", facts.last_column, where)
    if facts.uncalculated:
        raise PortfolioError(Message("read_formula_not_calculated", {"file": where, "cell": facts.uncalculated}))
    return facts


def check_xlsx_limits(path: Path, sheets: list[str]) -> None:
    """The checks :func:`read_sheet` makes before loading, for an .xlsx another reader
    (openpyxl) will load: the zip directory, then each of ``sheets`` that exists (declared
    ``<dimension>``, last row and column). Formulas are left to that reader."""
    where = path.name
    archive = _check_zip(path, where)
    with archive:
        parts = _sheet_parts(archive)
        for name in sheets:
            if name in parts:
                with archive.open(parts[name]) as stream:
                    facts = scan_sheet_xml(stream, limit("columns"))
                here = where_sheet(where, name)
                declared = Message("limit_where_declared", {"where": here})
                check("sheet_cells", facts.declared_rows * facts.declared_columns, declared)
                check("rows", facts.last_row, here)
                check("columns", facts.last_column, here)


def _visible(meta: Any) -> bool:
    return str(meta.visible).rsplit(".", 1)[-1].lower() == "visible"


def _is_worksheet(meta: Any) -> bool:
    return str(meta.typ).rsplit(".", 1)[-1].lower() == "worksheet"


@dataclass
class SheetRead:
    """One sheet's cells (rows of Python values, row 1 first), its name, the hidden
    sheets passed over and the merged ranges ((row0, col0), (row1, col1), 0-based)."""

    name: str
    rows: list[list[Any]]
    skipped_hidden: list[str]
    merged: list[tuple[tuple[int, int], tuple[int, int]]]


def read_sheet(path: Path, sheet: str | int | None = None) -> SheetRead:
    """The cells of one sheet of a spreadsheet file: ``sheet`` by name or 0-based index,
    default the first visible worksheet. Limits are checked first; see the module."""
    import python_calamine

    where = path.name
    suffix = path.suffix.lower()
    archive = _check_zip(path, where) if suffix in _ZIPPED else None
    try:
        check_used_ranges(path)  # .xls and .ods: calamine loads every sheet densely on opening
        try:
            book = python_calamine.load_workbook(path)
        except Exception as exc:  # calamine raises its own errors on corrupt files
            raise PortfolioError(cannot_read(where, exc)) from None
        metas = [m for m in book.sheets_metadata if _is_worksheet(m)]
        if not metas:
            raise PortfolioError(Message("read_no_worksheet", {"file": where}))
        hidden = [m.name for m in metas if not _visible(m)]
        if sheet is None:
            visible = [m for m in metas if _visible(m)]
            if not visible:
                raise PortfolioError(Message("read_every_sheet_hidden", {"file": where}))
            chosen = visible[0].name
            skipped = [
                name
                for name in hidden
                if metas.index(next(m for m in metas if m.name == name)) < metas.index(visible[0])
            ]
        elif isinstance(sheet, int) or (isinstance(sheet, str) and sheet.isdigit() and sheet not in book.sheet_names):
            index = int(sheet)
            if not 0 <= index < len(metas):
                raise PortfolioError(Message("read_no_sheet_number", {"file": where, "index": index, "n": len(metas)}))
            chosen, skipped = metas[index].name, []
        else:
            if sheet not in book.sheet_names:
                names = ", ".join(repr(n[:40]) for n in book.sheet_names[:12])
                raise PortfolioError(
                    Message("read_no_sheet", {"file": where, "sheet": repr(str(sheet)[:60]), "sheets": names})
                )
            chosen, skipped = str(sheet), []
        here = where_sheet(where, chosen)
        facts = SheetFacts()
        if archive is not None and suffix != ".ods":
            part = _sheet_parts(archive).get(chosen)
            if part:
                facts = _check_sheet(archive, part, here)
        try:
            data = book.get_sheet_by_name(chosen)
            check("rows", data.total_height, here)
            check("columns", data.total_width, here)
            check("sheet_cells", data.total_height * data.total_width, here)
            rows = data.to_python(skip_empty_area=False)
            merged = list(data.merged_cell_ranges or [])
            for row, col, shown in facts.errors:
                if row <= len(rows) and col <= len(rows[row - 1]) and rows[row - 1][col - 1] in ("", None):
                    rows[row - 1][col - 1] = shown
        except PortfolioError:
            raise
        except Exception as exc:
            if type(exc).__name__ == "LimitError":
                raise
            raise PortfolioError(cannot_read(here, exc)) from None
        return SheetRead(name=chosen, rows=rows, skipped_hidden=skipped, merged=merged)
    finally:
        if archive is not None:
            archive.close()


def visible_sheets(path: Path) -> list[str]:
    """The names of the visible worksheets of a spreadsheet file, in order."""
    import python_calamine

    try:
        check("file_bytes", path.stat().st_size, path.name)
    except OSError as exc:
        raise PortfolioError(cannot_read(path.name, exc)) from None
    try:
        book = python_calamine.load_workbook(path)
    except Exception as exc:  # calamine raises its own errors on corrupt files
        raise PortfolioError(cannot_read(path.name, exc)) from None
    return [m.name for m in book.sheets_metadata if _is_worksheet(m) and _visible(m)]
