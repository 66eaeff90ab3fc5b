"""The low-level XLSX layer under the workbook: what openpyxl does not do, or does too slowly.

* Sheet names Excel accepts (:func:`safe_sheet_name`), user text written as text and never as
  a formula (:func:`write_text`).
* Cached values: openpyxl writes formulas without a value; :func:`save_xlsx` fills each
  formula cell's ``<v>`` from the Python result, so readers that do not calculate see numbers.
* Long tables (one row per project, one phasing row per project): kept as columns
  (:class:`Column`: one formula with :data:`ROW` / :data:`LINK_ROW` placeholders, one array of
  cached values) and streamed into the sheet XML at save, :data:`CHUNK_ROWS` rows at a time,
  compressed in a second thread (:func:`write_behind`).

Why the long tables are not written through a library (XlsxWriter, openpyxl's write-only
mode): measured with ``python bench/xlsx_writers.py`` (2026-12-03, 2 shared cores, load
average 5-14, so every time is inflated; compare the columns, not the absolute seconds).
Both writers wrote the same long-table cells (formula, cached value, number format) of the
Chinese 亿元 portfolio workbook; XlsxWriter 3.3 in ``constant_memory`` mode with
``write_formula(..., value=...)``. Best of 3, each in its own process::

    projects  writer      cells written  wall s  us/cell  peak RSS  file
    2,300     this layer        140,239     1.6       11    186 MB  2.3 MB
    2,300     XlsxWriter        140,239    55.6      396    146 MB  1.8 MB
    100,000   this layer      6,099,939    58.8       10    406 MB  102 MB
    100,000   XlsxWriter        305,000   158.1      518    381 MB  (3.8 MB, part)

At 100,000 projects XlsxWriter wrote the first 5,000 rows of each of the three long tables; all
6.1 million cells would take about 3,160 s at that rate (XlsxWriter's work per cell is
constant in ``constant_memory`` mode). Peak RSS includes the set-up (about 146 MB at 2,300
projects and 267 MB at 100,000 before writing). The whole 100,000-project export took 42.5 s
and 431 MB in the same run, less than its long tables alone in another: the load's noise.

XlsxWriter is 35-55 times slower per cell: each ``write_formula`` runs about 30 regular
expression substitutions (the prefixes of newer Excel functions) and the rest is Python work
per cell, where this layer joins a chunk of rows column-wise in one pass. It also writes
numbers with 16 significant digits (``%.16G``): 3,414 cached values of the 2,300-project book
would not read back as the same float, so the workbook's cached values would change. Its
memory is lower (it flushes each row; this layer keeps each column's array, which the
workbook holds anyway). The layer stays, as small as this module; LibreOffice recalculates
its output in ``tests/test_excel_libreoffice.py`` (every formula cell of the first-batch
portfolio book, long tables included, against the Python model) and
``bench/excel_libreoffice.py`` (the 2,300-project book).
"""

from __future__ import annotations

import io
import itertools
import math
import queue
import re
import threading
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from fundmodel.inputs.limits import limit
from fundmodel.outputs.csv_writer import clean_text

FORBIDDEN_SHEET_CHARS = "[]:*?/\\"
MAX_SHEET_NAME = 31
#: First characters that make a spreadsheet treat text as a formula (CSV/Excel injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Share tolerance of the checks (as in fundmodel.core.topdown: 1e-12).
#: At least this many year columns on the Macro sheet (room to move start years in Excel).
#: The layout version written on the Inputs sheet; the reader refuses other versions.

# ------------------------------------------------------------------------- safety


def safe_sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique Excel sheet name: forbidden characters ``[]:*?/\\`` become ``_``,
    leading/trailing apostrophes go, at most 31 characters, a ``~2`` suffix if taken.

    >>> safe_sheet_name("Q3/Q4: [draft]*")
    'Q3_Q4_ _draft__'
    """
    clean = "".join("_" if ch in FORBIDDEN_SHEET_CHARS else ch for ch in str(name))
    clean = "".join(ch for ch in clean if ch.isprintable()).strip().strip("'") or "Sheet"
    clean = clean[:MAX_SHEET_NAME]
    lowered = {t.lower() for t in taken}
    candidate, n = clean, 2
    while candidate.lower() in lowered:
        suffix = f"~{n}"
        candidate = clean[: MAX_SHEET_NAME - len(suffix)] + suffix
        n += 1
    return candidate


def is_formula_like(text: str) -> bool:
    """True if a spreadsheet could read ``text`` as a formula (starts with = + - @ tab CR)."""
    return isinstance(text, str) and text.startswith(FORMULA_TRIGGERS)


def write_text(ws: Worksheet, row: int, col: int, text: Any) -> Any:
    """Write user text as a text cell, never a formula (quote-prefixed when formula-like)."""
    cell = ws.cell(row=row, column=col)
    value, _ = clean_text("" if text is None else str(text))  # the validation report warned already
    cell.value = value
    cell.data_type = "s"
    if is_formula_like(value):
        cell.quotePrefix = True
    return cell


#: Placeholders of row numbers in a row template (private-use characters, never in a formula):
#: the row itself, and the row of the cell a column links to (e.g. the project's row on
#: the Projects sheet seen from the Macro sheet).
#: The row itself.
ROW = "\ue000"
LINK_ROW = "\ue001"
#: Rows rendered per chunk when a long table is streamed into the file.
CHUNK_ROWS = 4096


@dataclass(frozen=True)
class Column:
    """One column of a long table (one row per project or per phased row).

    ``formula`` is the formula of every row with :data:`ROW` (and :data:`LINK_ROW`) in place of
    the row numbers, and ``values`` its cached value in each row; without a formula, ``values``
    are the typed-in values themselves (None = empty cell, str = text, never a formula).
    """

    col: int
    values: Sequence[Any] | np.ndarray
    formula: str | None = None
    link_rows: np.ndarray | None = None

    def formula_at(self, i: int, row: int) -> str:
        """The formula of the ``i``-th row of the table, which sits on sheet row ``row``."""
        assert self.formula is not None
        text = self.formula.replace(ROW, str(row))
        return text if self.link_rows is None else text.replace(LINK_ROW, str(int(self.link_rows[i])))


@dataclass(frozen=True)
class LongTable:
    """Rows ``template_row + 1 .. template_row + n - 1`` of a sheet, written straight into the
    sheet XML at save time, column by column; each cell takes the style of its column's cell
    in the template row (written through openpyxl)."""

    template_row: int
    n: int
    columns: list[Column]


class CachedValues(Mapping):
    """``(sheet, A1) -> cached value`` of every formula cell: the cells written through openpyxl
    and the long tables' columns (looked up on demand, not stored cell by cell)."""

    def __init__(self, cells: dict[tuple[str, str], Any], tables: Mapping[str, LongTable]) -> None:
        self._cells = cells
        self._tables = {
            title: (t, {get_column_letter(c.col): c for c in t.columns if c.formula is not None})
            for title, t in tables.items()
        }

    def __getitem__(self, key: tuple[str, str]) -> Any:
        if key in self._cells:
            return self._cells[key]
        sheet, coord = key
        found = self._tables.get(sheet)
        m = re.fullmatch(r"([A-Z]+)([0-9]+)", coord)
        if found is None or m is None:
            raise KeyError(key)
        table, columns = found
        i = int(m.group(2)) - table.template_row
        if m.group(1) not in columns or not 1 <= i < table.n:
            raise KeyError(key)
        return plain_value(columns[m.group(1)].values[i])

    def __iter__(self):
        yield from self._cells
        for title, (table, columns) in self._tables.items():
            for letter in columns:
                for row in range(table.template_row + 1, table.template_row + table.n):
                    yield (title, f"{letter}{row}")

    def __len__(self) -> int:
        return len(self._cells) + sum(len(cols) * max(t.n - 1, 0) for t, cols in self._tables.values())


def _escape_all(texts: list[str], strip_illegal: bool) -> list[str]:
    """Each text escaped for XML (``& < >``; with ``strip_illegal``, cleaned as
    :func:`_xml_text` does: control characters shown as U+FFFD, over-long text cut with a
    marker), in a few passes over the joined column."""
    if not texts:
        return []
    if strip_illegal and max(map(len, texts)) > limit("cell_chars"):
        return [_xml_text(t) for t in texts]
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:  # a text holds the separator itself: one by one
        return [_xml_text(t) if strip_illegal else _xml_escape(t) for t in texts]
    if strip_illegal:
        joined = _ILLEGAL_BUT_NUL.sub("\ufffd", joined)
    return _xml_escape(joined).split("\x00")


def _value_tails(values: Sequence[Any] | np.ndarray) -> list[str]:
    """The cell XML after the style attribute of each typed-in value of a column: number,
    TRUE/FALSE, text (always a text cell, never a formula) or, for None, an empty cell."""
    values = [plain_value(v) for v in values] if isinstance(values, np.ndarray) else list(values)
    kinds = set(map(type, values))
    if kinds <= {float, int}:
        return [f"><v>{v!r}</v></c>" for v in values]
    if kinds <= {float, int, type(None)}:
        return ["/>" if v is None else f"><v>{v!r}</v></c>" for v in values]
    if kinds <= {str}:
        return [f' t="inlineStr"><is><t xml:space="preserve">{t}</t></is></c>' for t in _escape_all(values, True)]
    out = []
    for v in values:
        if v is None:
            out.append("/>")
        elif isinstance(v, bool):
            out.append(f' t="b"><v>{int(v)}</v></c>')
        elif isinstance(v, int | float):
            out.append(f"><v>{v!r}</v></c>")
        else:
            out.append(f' t="inlineStr"><is><t xml:space="preserve">{_xml_text(str(v))}</t></is></c>')
    return out


def cached_parts(values: Sequence[Any] | np.ndarray) -> tuple[str | list[str], list[str]]:
    """(type attribute(s), ``<v>`` element of each value) of a column's cached values, as
    :func:`cached_xml` writes them; one attribute for the whole column when it is uniform.

    Floats: ``repr`` (shortest round-trip), non-finite -> ``#N/A`` error; bools 1/0; text escaped.
    """
    arr = values if isinstance(values, np.ndarray) else None
    if arr is not None and arr.dtype.kind == "f":
        finite = np.isfinite(arr)
        v = [f"<v>{x!r}</v>" for x in arr.tolist()]
        if finite.all():
            return "", v
        for i in np.flatnonzero(~finite).tolist():
            v[i] = "<v>#N/A</v>"
        return ["" if ok else ' t="e"' for ok in finite.tolist()], v
    if arr is not None and arr.dtype.kind == "b":
        return ' t="b"', ["<v>1</v>" if x else "<v>0</v>" for x in arr.tolist()]
    if arr is not None and arr.dtype.kind in "iu":
        return "", [f"<v>{x}</v>" for x in arr.tolist()]
    plain = [plain_value(x) for x in values]
    if set(map(type, plain)) <= {str}:
        return ' t="str"', [f"<v>{t}</v>" for t in _escape_all(plain, True)]
    parts = [cached_xml(x) for x in plain]
    types = ["" if p is None else p[0].decode() for p in parts]
    v = ["" if p is None else f"<v>{p[1].decode('utf-8')}</v>" for p in parts]
    return (types[0] if len(set(types)) == 1 else types), v


def _cached_kind(values: Sequence[Any] | np.ndarray) -> str:
    """How a column's cached values are written: "float" (all finite), "bool", "int" or "any"."""
    if isinstance(values, np.ndarray):
        if values.dtype.kind == "f" and np.isfinite(values).all():
            return "float"
        if values.dtype.kind == "b":
            return "bool"
        if values.dtype.kind in "iu":
            return "int"
    return "any"


def render_rows(table: LongTable, styles: Mapping[int, int]) -> Iterator[bytes]:
    """The ``<row>`` elements of a long table, in chunks of :data:`CHUNK_ROWS` rows.

    The XML of a row is a fixed sequence of literal pieces (tags, formulas) and variable ones
    (row numbers, values). For a chunk, each variable piece is turned into a list of texts
    (one per row, column-wise), the literals repeated, and the rows interleaved and joined in
    one pass: no Python work per cell beyond turning each value into text.
    """
    columns = sorted(table.columns, key=lambda c: c.col)
    pieces: list[Any] = []  # str = literal; (kind, column) = one text per row

    def literal(text: str) -> None:
        if pieces and isinstance(pieces[-1], str):
            pieces[-1] += text
        else:
            pieces.append(text)

    literal('<row r="')
    pieces.append(("row", None))
    literal('">')
    for c in columns:
        literal(f'<c r="{get_column_letter(c.col)}')
        pieces.append(("row", None))
        literal(f'" s="{styles[c.col]}"')
        if c.formula is None:
            pieces.append(("value", c))
            continue
        kind = _cached_kind(c.values)
        if kind == "any":
            pieces.append(("type", c))
        elif kind == "bool":
            literal(' t="b"')
        literal("><f>")
        for k, part in enumerate(re.split(f"({ROW}|{LINK_ROW})", _xml_escape(c.formula))):
            if k % 2 == 0:
                literal(part)
            else:
                pieces.append(("row", None) if part == ROW else ("link", c))
        literal("</f>")
        if kind == "any":
            pieces.append(("cached", c))
            literal("</c>")
        else:
            literal("<v>")
            pieces.append((kind, c))
            literal("</v></c>")
    literal("</row>")

    first = table.template_row
    for start in range(1, table.n, CHUNK_ROWS):
        stop = min(table.n, start + CHUNK_ROWS)
        rows = list(map(str, range(first + start, first + stop)))
        links: dict[int, list[str]] = {}
        cached: dict[int, tuple[Any, list[str]]] = {}
        parts: list[Iterable[str]] = []
        for piece in pieces:
            if isinstance(piece, str):
                parts.append(itertools.repeat(piece, stop - start))
                continue
            kind, c = piece
            if kind == "row":
                parts.append(rows)
            elif kind == "link":
                if id(c.link_rows) not in links:
                    links[id(c.link_rows)] = list(map(str, c.link_rows[start:stop].tolist()))
                parts.append(links[id(c.link_rows)])
            elif kind == "value":
                parts.append(_value_tails(c.values[start:stop]))
            elif kind == "float":
                parts.append(list(map(repr, c.values[start:stop].tolist())))
            elif kind == "int":
                parts.append(list(map(str, c.values[start:stop].tolist())))
            elif kind == "bool":
                parts.append(["1" if x else "0" for x in c.values[start:stop].tolist()])
            elif kind == "type":
                cached[c.col] = cached_parts(c.values[start:stop])
                types = cached[c.col][0]
                parts.append(types if isinstance(types, list) else itertools.repeat(types, stop - start))
            else:
                parts.append(cached.pop(c.col)[1])
        yield "".join(itertools.chain.from_iterable(zip(*parts, strict=True))).encode("utf-8")


_ILLEGAL_BUT_NUL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")  # as clean_text, but NUL: the separator


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_text(text: str) -> str:
    """Text escaped for XML and cleaned as on the sheets (:func:`clean_text`: control
    characters, which XML cannot hold, shown as U+FFFD; over-long text cut with a marker)."""
    return _xml_escape(clean_text(text)[0])


def plain_value(v: Any) -> Any:
    """A numpy scalar as the Python value it holds (``np.float64(1.5)`` -> ``1.5``); others unchanged."""
    if isinstance(v, np.generic):
        v = v.item()
    return v


_CELL_RE = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*)><f>(.*?)</f><v\s*/></c>', re.S)
#: Deflate level of the saved file (1: fastest; the long tables are most of the bytes).
ZIP_LEVEL = 1
#: A sheet part larger than this is written with ZIP64 headers (the plain limit is 2 GiB).
_ZIP64_FROM = 1 << 30


def cached_xml(value: Any) -> tuple[bytes, bytes] | None:
    """(type attribute, <v> text) of a cached value, or None when there is nothing to cache.

    Text is escaped, characters XML cannot hold dropped (as on the sheets)."""
    if isinstance(value, bool):
        return b' t="b"', b"1" if value else b"0"
    if isinstance(value, int | float):
        if not math.isfinite(value):  # NaN in Python: the formula shows #N/A (a 0/0 guarded by NA())
            return b' t="e"', b"#N/A"
        return b"", repr(float(value)).encode() if isinstance(value, float) else str(value).encode()
    if isinstance(value, str):
        return b' t="str"', _xml_text(value).encode("utf-8")
    return None


def _fill_cached(content: bytes, values: Mapping[bytes, Any]) -> bytes:
    """The sheet XML openpyxl wrote (formulas without values) with each formula's cached value."""

    def fill(match: re.Match[bytes]) -> bytes:
        cached = cached_xml(values.get(match.group(1)))
        if cached is None:
            return match.group(0)
        t, v = cached
        attrs = re.sub(rb'\s+t="[^"]*"', b"", match.group(2))
        return b'<c r="' + match.group(1) + b'"' + attrs + t + b"><f>" + match.group(3) + b"</f><v>" + v + b"</v></c>"

    return _CELL_RE.sub(fill, content)


def render_long_table(ws: Worksheet, table: LongTable) -> tuple[Iterator[bytes], int, int]:
    """The XML of the rows of ``ws``'s long table (an iterable of chunks), the last row and
    the last column used by the sheet.

    Call after the workbook is complete (style ids are resolved from the template row).
    """
    if ws.max_row > table.template_row:  # rows must stay in order in the XML
        raise RuntimeError(f"sheet {ws.title!r}: cells below the template row {table.template_row} were written")
    max_col = max(c.col for c in table.columns)
    last_row = max(ws.max_row, table.template_row + table.n - 1)
    styles = {c.col: ws.cell(row=table.template_row, column=c.col).style_id for c in table.columns}
    return render_rows(table, styles), last_row, max(max_col, ws.max_column)


def save_xlsx(
    wb: Workbook, cache: Mapping[tuple[str, str], Any], long_tables: Mapping[str, LongTable], target: Any
) -> None:
    """Write ``wb`` to ``target`` (a path or a binary file): openpyxl saves the sheets down to
    the long tables' template rows; then every formula cell gets its cached value from
    ``cache`` (``(sheet, A1) -> value``) and the long tables are streamed into their sheets
    chunk by chunk (memory stays bounded)."""
    # Style ids of the template rows are taken before saving (as the cells of the long tables
    # are not in the openpyxl sheets, their styles are registered here).
    rendered = {title: render_long_table(wb[title], table) for title, table in long_tables.items()}
    buf = io.BytesIO()
    wb.save(buf)
    by_sheet: dict[str, dict[bytes, Any]] = {}
    for (sheet, coord), value in cache.items():
        by_sheet.setdefault(sheet, {})[coord.encode()] = value
    with (
        zipfile.ZipFile(buf) as src,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as dst,
    ):
        for info in src.infolist():
            content = src.read(info.filename)
            m = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", info.filename)
            title = wb.worksheets[int(m.group(1)) - 1].title if m else None
            if title is None:
                dst.writestr(info.filename, content)
                continue
            content = _fill_cached(content, by_sheet.get(title, {}))
            if title not in long_tables:
                dst.writestr(info.filename, content)
                continue
            chunks, last_row, last_col = rendered[title]
            dim = f'<dimension ref="A1:{get_column_letter(last_col)}{last_row}" />'.encode()
            content = re.sub(rb"<dimension ref=\"[^\"]*\"\s*/>", dim, content, count=1)
            head, tail = content.split(b"</sheetData>", 1)
            chunks = iter(chunks)
            first = next(chunks, b"")
            table = long_tables[title]
            estimate = len(content) + len(first) * (1 + table.n // CHUNK_ROWS)
            with dst.open(info.filename, "w", force_zip64=estimate > _ZIP64_FROM) as out:
                out.write(head)
                write_behind(out, itertools.chain([first], chunks))
                out.write(b"</sheetData>" + tail)


def write_behind(out: Any, chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` to ``out`` from a second thread, so that compressing one chunk (zlib
    releases the GIL) overlaps rendering the next; at most two chunks wait in between."""
    waiting: queue.Queue[bytes | None] = queue.Queue(maxsize=2)
    failed: list[BaseException] = []

    def writer() -> None:
        while (chunk := waiting.get()) is not None:
            if not failed:
                try:
                    out.write(chunk)
                except BaseException as exc:  # re-raised in the calling thread
                    failed.append(exc)

    thread = threading.Thread(target=writer, name="xlsx-writer", daemon=True)
    thread.start()
    try:
        for chunk in chunks:
            if failed:
                break
            waiting.put(chunk)
    finally:
        waiting.put(None)
        thread.join()
    if failed:
        raise failed[0]
