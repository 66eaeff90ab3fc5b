"""Reading portfolio files: CSV, XLSX and the other spreadsheet formats."""

from __future__ import annotations

import csv
import io
import stat
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from fundmodel.errors import FundmodelError, PortfolioError
from fundmodel.inputs.limits import check
from fundmodel.inputs.parameters import Parameters
from fundmodel.inputs.portfolio.cells import CONTROL_CHARACTERS, excel_text
from fundmodel.inputs.portfolio.issues import ValidationIssue
from fundmodel.inputs.portfolio.model import Portfolio
from fundmodel.inputs.portfolio.schema import NUMERIC_TYPES, SCHEMA, split_header
from fundmodel.inputs.portfolio.spreadsheet import SPREADSHEET_SUFFIXES, read_sheet
from fundmodel.inputs.portfolio.template import MIN_KNOWN_COLUMNS, TableLayout, find_table, known_columns
from fundmodel.inputs.portfolio.validate import parse_portfolio
from fundmodel.messages import Message

# -------------------------------------------------------------------------- reading


def _row_of(data: bytes, at: int) -> int:
    """The line number (1-based) of byte ``at``."""
    return data.count(b"\n", 0, at) + 1


def _decode(data: bytes, name: str) -> str:
    """Strict decoding: UTF-8 (with or without BOM) for the whole file, else GB18030 for
    the whole file. A file valid in neither, or mixing them (a UTF-8 file with one GB18030
    row, which GB18030 would decode with every other Chinese name garbled), is refused
    naming the first bad row.

    >>> _decode("名称".encode("gb18030"), "a.csv")
    '名称'
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc.start
    if not data[:utf8_error].isascii():  # valid UTF-8 text with non-ASCII before the bad byte
        raise PortfolioError(Message("read_mixed_not_utf8", {"file": name, "row": _row_of(data, utf8_error)}))
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise PortfolioError(Message("read_not_text", {"file": name, "row": _row_of(data, exc.start)})) from None
    # A GB18030 file whose later rows are valid UTF-8 with non-ASCII text is mixed.
    for number, line in enumerate(data.split(b"\n"), start=1):
        if number > 1 and not line.isascii():
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                continue
            raise PortfolioError(Message("read_mixed_gb18030", {"file": name, "row": number}))
    return text


def _check_file(path: Path) -> None:
    """A regular file within the size limit (a FIFO or device would hang or never end)."""
    try:
        info = path.stat()
    except OSError as exc:
        raise PortfolioError(f"{path.name}: cannot read ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise PortfolioError(f"{path.name}: not a regular file")
    check("file_bytes", info.st_size, path.name)


def _sheet_table(path: Path, sheet: str | int | None) -> tuple[list[str], pd.DataFrame, str]:
    """Header (row 1) and body of a spreadsheet's sheet, every cell as text."""
    read = read_sheet(path, sheet)
    where = f"{path.name}, sheet '{read.name[:60]}'"
    rows = read.rows
    if not rows or not any(str(c).strip() for c in rows[0]):
        raise PortfolioError(Message("read_empty_sheet", {"file": where}))
    width = max(map(len, rows))
    cells = [[c if type(c) is str else excel_text(c) for c in row] + [""] * (width - len(row)) for row in rows]
    text = "\n".join(c for row in cells for c in row if c)
    check("cell_chars", max((len(c) for row in cells for c in row), default=0), where)
    layout = find_table(cells) if known_columns(cells[0]) < MIN_KNOWN_COLUMNS else None
    if layout is not None:
        header, body = _template_body(cells, layout)
    else:
        raw = pd.DataFrame(cells, dtype=object)
        header = [str(h).strip() for h in cells[0]]
        body = raw.iloc[1:]
        body.index = np.arange(2, len(raw) + 1)
    if CONTROL_CHARACTERS.search(text):
        body.attrs["control_characters"] = True
    body.attrs["sheet"] = read.name
    body.attrs["hidden_sheets_skipped"] = read.skipped_hidden
    return header, body, read.name


def read_table(path: Path | str, sheet: str | int | None = None) -> pd.DataFrame:
    """The raw table of a CSV or spreadsheet file (.xlsx, .xlsm, .xls, .ods), headers as
    written, index = row number in the file (header = row 1). Cells are text, except CSV
    columns whose header names a numeric schema column: pandas parses those in C (numbers
    stay exact; a column holding any text stays text, checked cell by cell). Empty cells
    are NaN or ''. Fully empty rows are skipped (the other rows keep their numbers).
    ``attrs["sheet"]`` names the sheet read; hidden sheets are never read unless named."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (*SPREADSHEET_SUFFIXES, ".csv", ".txt", ""):
        raise PortfolioError(
            f"{path.name}: unsupported file type {suffix[:12]!r} (use .csv, .xlsx, .xlsm, .xls or .ods)"
        )
    _check_file(path)
    try:
        if suffix in SPREADSHEET_SUFFIXES:
            header, body, _ = _sheet_table(path, sheet)
        elif suffix in (".csv", ".txt", ""):
            if sheet is not None:
                raise PortfolioError(f"{path.name}: --sheet applies to spreadsheet files only")
            text = _decode(path.read_bytes(), path.name)
            if "\r" in text and "\n" not in text:  # classic Mac line ends: one row per CR
                text = text.replace("\r", "\n")
            control = CONTROL_CHARACTERS.search(text) is not None
            header = [h.strip() for h in next(csv.reader(io.StringIO(text[: text.find("\n") + 1 or None])), [])]
            if not any(header):
                raise PortfolioError(Message("read_empty_file", {"file": path.name}))
            check("columns", len(header), path.name)
            # A cell with a control character is read as text, so that it is reported, not cut.
            text_columns = {
                i: str
                for i, h in enumerate(header)
                if control or (cid := split_header(h)[0]) is None or SCHEMA[cid].type not in NUMERIC_TYPES
            }
            layout = None
            if known_columns(header) < MIN_KNOWN_COLUMNS:  # a template: find the table
                cells = list(csv.reader(io.StringIO(text)))
                layout = find_table(cells)
            if layout is not None:
                header, body = _template_body(cells, layout)
            elif control:  # pandas' C parser cuts a cell at NUL: the csv module keeps it, to be reported
                body = _csv_cells(text, len(header), path.name)
                body.index = np.arange(2, len(body) + 2)
            else:
                body = _csv_frame(text, header, text_columns, path.name)
                body.index = np.arange(2, len(body) + 2)
            check("rows", len(body) + 1, path.name)
            if control:
                body.attrs["control_characters"] = True
        else:
            raise PortfolioError(
                f"{path.name}: unsupported file type {suffix[:12]!r} (use .csv, .xlsx, .xlsm, .xls or .ods)"
            )
    except (OSError, FundmodelError):
        raise
    except pd.errors.ParserError as exc:
        detail = " ".join(str(exc).split()).replace("Error tokenizing data. C error: ", "")[:200]
        raise PortfolioError(Message("read_bad_csv", {"file": path.name, "detail": detail})) from None
    except ValueError as exc:
        raise PortfolioError(f"{path.name}: {' '.join(str(exc).split())[:200]}") from None
    except Exception as exc:
        raise PortfolioError(f"{path.name}: cannot read ({type(exc).__name__}: {str(exc)[:200]})") from None
    attrs = dict(body.attrs)
    body.columns = range(len(header))
    missing = body.isna() | (body == "")
    body = body[~missing.all(axis=1).to_numpy()]
    # Columns without a header and without values (spreadsheet padding) are dropped.
    keep = [i for i, h in enumerate(header) if h or not missing[i].all()]
    body = body[keep]
    body.columns = [header[i] if header[i] else f"(column {i + 1})" for i in keep]
    body.attrs.update(attrs)
    return body


def _template_body(cells: list[list[str]], layout: TableLayout) -> tuple[list[str], pd.DataFrame]:
    """Header and project rows of a table found in a template (totals, notes, blank rows
    and the 序号 column left out; each recorded in ``attrs`` for the report)."""
    width = len(layout.headers)
    keep = [i for i in range(width) if i not in layout.dropped_columns]
    grid = [list(cells[r - 1][:width]) + [""] * (width - len(cells[r - 1][:width])) for r in layout.project_rows]
    body = pd.DataFrame([[row[i] for i in keep] for row in grid], index=layout.project_rows, dtype=object)
    if body.empty:
        body = pd.DataFrame(columns=range(len(keep)), dtype=object)
    body.columns = range(len(keep))
    header = [layout.headers[i] for i in keep]
    body.attrs.update(
        header_rows=layout.header_rows,
        headers=header,
        title_unit=layout.unit,
        title_unit_row=layout.unit_row,
        skipped_rows=[
            *((0, f"column '{layout.headers[i]}' numbers the rows (not read)") for i in layout.dropped_columns),
            *layout.skipped,
        ],
        totals={row: dict(zip(layout.headers, cells_, strict=False)) for row, cells_ in layout.totals.items()},
    )
    return header, body


def _csv_frame(text: str, header: list[str], text_columns: dict[int, type], name: str) -> pd.DataFrame:
    """The body of a CSV through pandas' C parser (numeric columns parsed in C)."""
    with warnings.catch_warnings():
        # pandas warns (and drops cells) when a row is longer than the header: refuse instead.
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            body = pd.read_csv(
                io.StringIO(text),
                header=0,
                names=list(range(len(header))),
                index_col=False,
                dtype=text_columns,
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=False,
            )
        except pd.errors.ParserWarning:
            raise PortfolioError(Message("read_long_row", _long_row(text, len(header), name))) from None
    return body


def _csv_cells(text: str, width: int, name: str) -> pd.DataFrame:
    """The body of a CSV through the csv module, every cell as text (kept whole)."""
    rows = list(csv.reader(io.StringIO(text)))[1:]
    for number, cells in enumerate(rows, start=2):
        if len(cells) > width:
            said = {"file": name, "row": number, "n": len(cells), "width": width}
            raise PortfolioError(Message("read_long_row", said))
    return pd.DataFrame([cells + [""] * (width - len(cells)) for cells in rows], columns=range(width), dtype=object)


def _long_row(text: str, n_header: int, name: str) -> dict[str, object]:
    """The parameters of the message naming the first row with more cells than the header."""
    for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        if len(cells) > n_header:
            return {"file": name, "row": number, "n": len(cells), "width": n_header}
    return {"file": name, "row": "?", "n": "?", "width": n_header}


def read_portfolio(
    path: Path | str,
    unit: str | None = None,
    sheet: str | int | None = None,
    params: Parameters | None = None,
    column_map: dict[str, str] | None = None,
) -> Portfolio:
    """Read and validate a portfolio file (CSV or XLSX).

    ``column_map`` maps a header as the file writes it (two-row headers joined with "/")
    to a column id, overriding what was recognised: ``{"资金结构/申请金额": "fund_requested_bn"}``.

    ``unit`` ("bn", "yi" = 亿元, "wan" = 万元) applies to money columns whose header
    declares no unit; ``sheet`` picks an XLSX sheet (name or 0-based index; default the
    first). Raises :class:`PortfolioError` only when the file cannot be read as a table;
    rule violations are in ``Portfolio.issues``.

    Example: ``read_portfolio("portfolios/first_batch_examples.csv").ok`` is True.
    """
    path = Path(path)
    table = read_table(path, sheet)
    if column_map:
        table.attrs["column_map"] = checked_column_map(column_map, table, path.name)
    return parse_portfolio(table, unit=unit, params=params, source=path.name)


def parse_column_map(items: list[str] | None) -> dict[str, str]:
    """``--map`` options (``HEADER=COLUMN_ID``) as a mapping; the header as the file writes it.

    >>> parse_column_map(["资金结构/申请金额=fund_requested_bn"])
    {'资金结构/申请金额': 'fund_requested_bn'}
    """
    mapping: dict[str, str] = {}
    for item in items or []:
        header, sep, cid = item.rpartition("=")
        if not sep or not header.strip() or not cid.strip():
            raise PortfolioError(
                f"--map {item!r}: write it as HEADER=COLUMN_ID, e.g. '资金结构/申请金额=fund_requested_bn'"
            )
        mapping[header.strip()] = cid.strip()
    return mapping


def checked_column_map(column_map: dict[str, str], table: pd.DataFrame, name: str) -> dict[str, str]:
    """``column_map`` when each header is in the file and each target is a column id, else
    :class:`PortfolioError` naming the valid ids (or the file's headers)."""
    headers = [str(h) for h in table.columns]
    for header, cid in column_map.items():
        if cid not in SCHEMA:
            raise PortfolioError(
                f"{name}: --map {header}={cid}: unknown column id '{cid}' (valid: {', '.join(SCHEMA)})"
            )
        if header not in headers:
            shown = ", ".join(f"'{h}'" for h in headers)
            raise PortfolioError(f"{name}: --map {header}={cid}: the file has no column '{header}' (columns: {shown})")
    return dict(column_map)


def validate_portfolio(
    source: Path | str | pd.DataFrame,
    unit: str | None = None,
    sheet: str | int | None = None,
    params: Parameters | None = None,
) -> list[ValidationIssue]:
    """Every problem of a portfolio file (or raw table) at once, as records."""
    if isinstance(source, pd.DataFrame):
        return parse_portfolio(source.fillna("").astype(str), unit=unit, params=params).issue_records()
    return read_portfolio(source, unit=unit, sheet=sheet, params=params).issue_records()
