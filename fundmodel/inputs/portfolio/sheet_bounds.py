"""The used range of every sheet of a .xls or .ods file, from the file's own structure, before
the spreadsheet reader loads it.

calamine parses every sheet of a .xls or .ods file when the file is opened and holds each
sheet's used range densely, so one value far from the others (row 65,536, column IV) costs
rows x columns cells of memory: a 6 KB .xls took 1 GB. These scans find, per sheet, the
last row and column that hold a value, cheaply and without trusting a declared dimension:

* .xls (BIFF8 in an OLE2 compound file, read with ``olefile``): the sheet substreams' cell
  records (each names its row and column); blank cells that only carry a format do not count,
  since the reader skips them too;
* .ods: one streaming pass over ``content.xml``, expanding ``number-rows-repeated`` and
  ``number-columns-repeated`` arithmetically (never cell by cell) for cells that hold a value.

The scan stops as soon as a sheet exceeds a limit: the caller refuses it naming the sheet.
"""

from __future__ import annotations

import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from fundmodel.errors import PortfolioError
from fundmodel.inputs.limits import check, limit, where_sheet
from fundmodel.messages import Message


@dataclass
class UsedRange:
    """Last row and column (1-based) holding a value; 0 when the sheet holds none."""

    rows: int = 0
    columns: int = 0

    def over_limits(self) -> bool:
        return (
            self.rows > limit("rows")
            or self.columns > limit("columns")
            or self.rows * self.columns > limit("sheet_cells")
        )


# ------------------------------------------------------------------------------- .xls

_BOF, _EOF, _BOUNDSHEET = 0x0809, 0x000A, 0x0085
#: Cell records that hold a value: row and column are their first two 16-bit fields.
_VALUE_CELLS = frozenset({0x0203, 0x00FD, 0x027E, 0x0006, 0x0205, 0x0204, 0x00D6})
_MULRK = 0x00BD  # a run of numbers: row, first column, ..., last column (last 16 bits)
_UINT16_PAIR = struct.Struct("<HH")


def _boundsheets(data: bytes) -> list[tuple[str, int]]:
    """(name, stream offset of its BOF) of each sheet, from the workbook globals."""
    out, pos = [], 0
    while pos + 4 <= len(data):
        kind, size = _UINT16_PAIR.unpack_from(data, pos)
        body = pos + 4
        if kind == _BOUNDSHEET and size >= 8:
            offset = struct.unpack_from("<I", data, body)[0]
            count, flags = data[body + 6], data[body + 7]
            if flags & 1:
                name = data[body + 8 : body + 8 + 2 * count].decode("utf-16-le", "replace")
            else:
                name = data[body + 8 : body + 8 + count].decode("latin-1")
            out.append((name, offset))
        elif kind == _EOF:
            break
        pos = body + size
    return out


def _xls_sheet(data: bytes, pos: int) -> UsedRange:
    used = UsedRange()
    end = len(data)
    while pos + 4 <= end:
        kind, size = _UINT16_PAIR.unpack_from(data, pos)
        body = pos + 4
        if kind in _VALUE_CELLS and size >= 4:
            row, col = _UINT16_PAIR.unpack_from(data, body)
        elif kind == _MULRK and size >= 6:
            row = _UINT16_PAIR.unpack_from(data, body)[0]
            col = struct.unpack_from("<H", data, body + size - 2)[0]
        elif kind == _EOF:
            break
        else:
            pos = body + size
            continue
        if row >= used.rows or col >= used.columns:
            used.rows, used.columns = max(used.rows, row + 1), max(used.columns, col + 1)
            if used.over_limits():
                break
        pos = body + size
    return used


def xls_used_ranges(path: Path) -> dict[str, UsedRange]:
    """Sheet name -> used range of a .xls file (BIFF8); {} when the file is not one
    (the reader then reports it)."""
    import olefile

    try:
        if not olefile.isOleFile(str(path)):
            return {}
        with olefile.OleFileIO(str(path)) as ole:
            stream = next((s for s in ("Workbook", "Book") if ole.exists(s)), None)
            if stream is None:
                return {}
            data = ole.openstream(stream).read()
    except OSError as exc:
        raise PortfolioError(
            Message("read_not_a_spreadsheet", {"file": path.name, "detail": type(exc).__name__})
        ) from None
    return {name: _xls_sheet(data, offset) for name, offset in _boundsheets(data) if 0 <= offset < len(data)}


# ------------------------------------------------------------------------------- .ods

_ODS_TOKEN = re.compile(
    rb'<table:table(?=[\s>])[^>]*?table:name="([^"]*)"'  # 1: a sheet starts
    rb"|<table:table-row(?=[\s/>])([^>]*?)(/?)>"  # 2, 3: a row (self-closing: empty)
    rb"|<table:(?:covered-)?table-cell(?=[\s/>])([^>]*?)(/?)>"  # 4, 5: a cell
    rb"|(</table:table-row>)"  # 6: a row ends
)
_ROWS_REPEATED = re.compile(rb'table:number-rows-repeated="(\d{1,9})"')
_COLUMNS_REPEATED = re.compile(rb'table:number-columns-repeated="(\d{1,9})"')
_CHUNK = 4 * 2**20
#: A tag longer than this is not a spreadsheet's.
_MAX_TAG_BYTES = 2**20


def _repeat(pattern: re.Pattern[bytes], attrs: bytes) -> int:
    hit = pattern.search(attrs)
    return int(hit.group(1)) if hit else 1


def ods_used_ranges(path: Path) -> dict[str, UsedRange]:
    """Sheet name -> used range of an .ods file, from one streaming pass over content.xml."""
    import html

    out: dict[str, UsedRange] = {}
    used = UsedRange()
    row = col = 0
    row_repeat, row_has_value = 1, False
    try:
        with zipfile.ZipFile(path) as archive, archive.open("content.xml") as stream:
            tail = b""
            while True:
                block = stream.read(_CHUNK)
                chunk = tail + block
                # up to the last '<': every tag before it is whole (a tag holds no '<')
                cut = (chunk.rfind(b"<") % (len(chunk) + 1)) if block else len(chunk)
                for m in _ODS_TOKEN.finditer(chunk, 0, cut):
                    if m.group(1) is not None:
                        used = out.setdefault(html.unescape(m.group(1).decode("utf-8", "replace")), UsedRange())
                        row = 0
                    elif m.group(2) is not None:
                        row_repeat, row_has_value, col = _repeat(_ROWS_REPEATED, m.group(2)), False, 0
                        if m.group(3):
                            row += row_repeat
                    elif m.group(4) is not None:
                        span = _repeat(_COLUMNS_REPEATED, m.group(4))
                        if not m.group(5) or b"office:value-type" in m.group(4):
                            row_has_value = True
                            used.columns = max(used.columns, col + span)
                        col += span
                    else:
                        if row_has_value:
                            used.rows = max(used.rows, row + row_repeat)
                        row += row_repeat
                        if used.over_limits():
                            return out
                if not block:
                    break
                tail = chunk[cut:]
                if len(tail) > _MAX_TAG_BYTES:
                    raise PortfolioError(f"{path.name}: content.xml holds a tag longer than 1 MB: not a spreadsheet")
    except (KeyError, zipfile.BadZipFile, OSError) as exc:
        raise PortfolioError(
            Message("read_not_a_spreadsheet", {"file": path.name, "detail": type(exc).__name__})
        ) from None
    return out


def used_ranges(path: Path) -> dict[str, UsedRange]:
    """The used range of every sheet of a .xls or .ods file ({} for other formats)."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        return xls_used_ranges(path)
    if suffix == ".ods":
        return ods_used_ranges(path)
    return {}


def check_used_ranges(path: Path) -> None:
    """Refuse a .xls or .ods file one of whose sheets (hidden ones too: the reader loads them
    all) exceeds the rows, columns or sheet_cells limit, naming the sheet; before loading."""
    for name, used in used_ranges(path).items():
        where = where_sheet(path.name, name)
        check("rows", used.rows, where)
        check("columns", used.columns, where)
        check("sheet_cells", used.rows * used.columns, Message("limit_where_used_range", {"where": where}))
