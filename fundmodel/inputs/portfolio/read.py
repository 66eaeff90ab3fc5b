"""Reading portfolio files: CSV, XLSX and the other spreadsheet formats."""

from __future__ import annotations

import codecs
import csv
import io
import re
import stat
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fundmodel.errors import FundmodelError, PortfolioError
from fundmodel.inputs.limits import check, quoted, where_sheet
from fundmodel.inputs.parameters import Parameters, default_parameters
from fundmodel.inputs.portfolio.cells import CONTROL_CHARACTERS, excel_text, text_number_rows
from fundmodel.inputs.portfolio.combine import ALL_SHEETS, combine, display_names, portfolio_files, sheets_to_read
from fundmodel.inputs.portfolio.issues import ValidationIssue
from fundmodel.inputs.portfolio.model import Portfolio
from fundmodel.inputs.portfolio.schema import NUMERIC_TYPES, SCHEMA, split_header
from fundmodel.inputs.portfolio.spreadsheet import SPREADSHEET_SUFFIXES, cannot_read, read_sheet
from fundmodel.inputs.portfolio.template import MIN_KNOWN_COLUMNS, TableLayout, find_table, known_columns
from fundmodel.inputs.portfolio.validate import parse_portfolio
from fundmodel.messages import Message

# -------------------------------------------------------------------------- reading


def _row_of(data: bytes, at: int) -> int:
    """The line number (1-based) of byte ``at``."""
    return data.count(b"\n", 0, at) + 1


def checked_encoding(encoding: str) -> str:
    """The text encoding named by the user (``--encoding``), as Python names it; a name that
    is no text encoding is refused in one line.

    >>> checked_encoding("BIG5")
    'big5'
    >>> checked_encoding("base64")
    Traceback (most recent call last):
    ...
    fundmodel.errors.PortfolioError: --encoding 'base64': not a text encoding (e.g. utf-8, gb18030, big5)
    """
    try:
        info = codecs.lookup(encoding)
    except (LookupError, TypeError, ValueError):
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):  # base64, zip: bytes to bytes
        raise PortfolioError(Message("read_unknown_encoding", {"encoding": quoted(encoding, 40)}))
    return info.name


def _decode(data: bytes, name: str, encoding: str | None = None) -> str:
    """Strict decoding: in ``encoding`` when the user names one (a row that is not valid in
    it is refused, naming the row); else UTF-8 (with or without BOM) for the whole file,
    else GB18030 for the whole file. A file valid in neither, or mixing them (a UTF-8 file
    with one GB18030 row, which GB18030 would decode with every other Chinese name
    garbled), is refused naming the first bad row.

    >>> _decode("名称".encode("gb18030"), "a.csv")
    '名称'
    >>> _decode("臺北".encode("big5"), "a.csv", "big5")
    '臺北'
    """
    if encoding is not None:
        encoding = checked_encoding(encoding)
        if encoding == "utf-8" and data.startswith(codecs.BOM_UTF8):
            data = data[3:]
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            row = _row_of(data, exc.start)
            raise PortfolioError(
                Message("read_not_in_encoding", {"file": name, "row": row, "encoding": encoding})
            ) from None
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
    _refuse_if_not_gb(text, data, name)
    return text


#: Private-use code points: GB18030 gives them to byte pairs no text uses (Big5 often hits them).
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def _refuse_if_not_gb(text: str, data: bytes, name: str) -> None:
    """Refuse GB18030 text that is really Big5 (traditional Chinese from Taiwan or Hong Kong).

    Almost every Big5 byte pair is also a GB18030 character, so Big5 would decode silently
    into other, wrong characters. Two decisive signs, no guessing: a private-use character
    (no text uses one), or a character outside GB2312 (the common simplified set) in a file
    that is also valid Big5 as a whole.

    >>> _refuse_if_not_gb("项目名称", "项目名称".encode("gb18030"), "a.csv")
    >>> _refuse_if_not_gb("高雄輕軌".encode("big5").decode("gb18030"), "高雄輕軌".encode("big5"), "a.csv")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    fundmodel.errors.PortfolioError: a.csv: row 1: the text is also valid Big5 (traditional Chinese), ... (U+74C2), ...
    """
    private = _PRIVATE_USE.search(text)
    if private is not None:
        raise PortfolioError(
            Message(
                "portfolio_encoding_private_use",
                {
                    "file": name,
                    "row": text.count("\n", 0, private.start()) + 1,
                    "code": f"U+{ord(private.group()):04X}",
                },
            )
        )
    try:
        text.encode("gb2312")
        return
    except UnicodeEncodeError as exc:
        rare = exc.start
    for big5 in ("big5", "cp950"):
        try:
            data.decode(big5)
        except UnicodeDecodeError:
            continue
        raise PortfolioError(
            Message(
                "portfolio_encoding_big5",
                {
                    "file": name,
                    "row": text.count("\n", 0, rare) + 1,
                    "char": text[rare] if text[rare].isprintable() else "?",
                    "code": f"U+{ord(text[rare]):04X}",
                },
            )
        )


def _check_file(path: Path) -> None:
    """A regular file within the size limit (a FIFO or device would hang or never end)."""
    try:
        info = path.stat()
    except OSError as exc:
        raise PortfolioError(cannot_read(path.name, exc)) from None
    if not stat.S_ISREG(info.st_mode):
        raise PortfolioError(Message("read_not_a_regular_file", {"file": path.name}))
    check("file_bytes", info.st_size, path.name)


def _sheet_table(path: Path, sheet: str | int | None) -> tuple[list[str], pd.DataFrame, str]:
    """Header (row 1) and body of a spreadsheet's sheet, every cell as text."""
    read = read_sheet(path, sheet)
    where = where_sheet(path.name, read.name)
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
        sheet_columns = [i for i in range(len(layout.headers)) if i not in layout.dropped_columns]
    else:
        raw = pd.DataFrame(cells, dtype=object)
        header = [str(h).strip() for h in cells[0]]
        body = raw.iloc[1:]
        body.index = np.arange(2, len(raw) + 1)
        sheet_columns = list(range(len(header)))
    body.attrs["text_numbers"] = _text_numbers(rows, header, sheet_columns, body.index.tolist())
    if CONTROL_CHARACTERS.search(text):
        body.attrs["control_characters"] = True
    body.attrs["sheet"] = read.name
    body.attrs["hidden_sheets_skipped"] = read.skipped_hidden
    return header, body, read.name


def _text_numbers(
    grid: list[list[Any]], header: list[str], columns: list[int], rows: list[int]
) -> dict[str, np.ndarray]:
    """Rows whose cell is a number stored as text, by header, in the columns that may be
    numbers (a numeric column, or one no alias knows, which ``--map`` may make numeric)."""
    out = {}
    for name, column in zip(header, columns, strict=True):
        cid = split_header(name)[0]
        if cid is None or SCHEMA[cid].type in NUMERIC_TYPES:
            found = text_number_rows(grid, column, rows)
            if len(found):
                out[name] = found
    return out


def read_table(path: Path | str, sheet: str | int | None = None, encoding: str | None = None) -> pd.DataFrame:
    """The raw table of a CSV or spreadsheet file (.xlsx, .xlsm, .xls, .ods), headers as
    written, index = row number in the file (header = row 1). Cells are text, except CSV
    columns whose header names a numeric schema column: pandas parses those in C (numbers
    stay exact; a column holding any text stays text, checked cell by cell). Empty cells
    are NaN or ''. Fully empty rows are skipped (the other rows keep their numbers).
    ``attrs["sheet"]`` names the sheet read; hidden sheets are never read unless named.
    ``encoding`` (a CSV's text encoding, e.g. ``big5``) replaces the UTF-8 / GB18030 rule;
    a spreadsheet stores its text as Unicode and needs none."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (*SPREADSHEET_SUFFIXES, ".csv", ".txt", ""):
        raise PortfolioError(Message("read_unsupported_type", {"file": path.name, "suffix": repr(suffix[:12])}))
    _check_file(path)
    try:
        if suffix in SPREADSHEET_SUFFIXES:
            header, body, _ = _sheet_table(path, sheet)
        elif suffix in (".csv", ".txt", ""):
            if sheet is not None:
                raise PortfolioError(Message("read_sheet_option_not_csv", {"file": path.name}))
            text = _decode(path.read_bytes(), path.name, encoding)
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
                header, body = _template_body(cells, layout, None if control else text)
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
            raise PortfolioError(Message("read_unsupported_type", {"file": path.name, "suffix": repr(suffix[:12])}))
    except (OSError, FundmodelError):
        raise
    except pd.errors.ParserError as exc:
        detail = " ".join(str(exc).split()).replace("Error tokenizing data. C error: ", "")[:200]
        raise PortfolioError(Message("read_bad_csv", {"file": path.name, "detail": detail})) from None
    except ValueError as exc:
        raise PortfolioError(f"{path.name}: {' '.join(str(exc).split())[:200]}") from None
    except Exception as exc:
        raise PortfolioError(cannot_read(path.name, exc)) from None
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


def _template_body(
    cells: list[list[str]], layout: TableLayout, csv_text: str | None = None
) -> tuple[list[str], pd.DataFrame]:
    """Header and project rows of a table found in a template (totals, notes, blank rows
    and the 序号 column left out; each recorded in ``attrs`` for the report). ``csv_text``:
    the CSV the cells were read from, whose project rows pandas then parses in C."""
    width = len(layout.headers)
    keep = [i for i in range(width) if i not in layout.dropped_columns]
    body = _template_csv_frame(csv_text, len(cells), layout, keep) if csv_text is not None else None
    if body is None:
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
            *((0, Message("skipped_row_numbers", {"header": layout.headers[i]})) for i in layout.dropped_columns),
            *layout.skipped,
        ],
        totals={row: dict(zip(layout.headers, cells_, strict=False)) for row, cells_ in layout.totals.items()},
    )
    return header, body


def _template_csv_frame(text: str, n_rows: int, layout: TableLayout, keep: list[int]) -> pd.DataFrame | None:
    """The project rows of a template CSV through pandas' C parser, numeric columns parsed
    in C as in a plain CSV (a column holding any text stays text); None when its lines are
    not its rows (a cell holding a line break), so the rows already read are used."""
    lines = text.count("\n") + (not text.endswith("\n"))
    if lines != n_rows or not layout.project_rows:
        return None
    width = len(layout.headers)
    project = np.zeros(n_rows, dtype=bool)
    project[np.asarray(layout.project_rows) - 1] = True
    text_columns = {
        i: str
        for i, h in enumerate(layout.headers)
        if (cid := split_header(h)[0]) is None or SCHEMA[cid].type not in NUMERIC_TYPES or i not in keep
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            frame = pd.read_csv(
                io.StringIO(text),
                header=None,
                names=list(range(width)),
                skiprows=np.flatnonzero(~project).tolist(),
                index_col=False,
                dtype=text_columns,
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=False,
            )
        except (pd.errors.ParserWarning, pd.errors.ParserError, ValueError):
            return None  # the rows as the csv module read them say what is wrong
    if len(frame) != len(layout.project_rows):
        return None
    body = frame[keep]
    body.index = layout.project_rows
    return body


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
    path: Path | str | Sequence[Path | str],
    unit: str | None = None,
    sheet: str | int | Sequence[str | int] | None = None,
    params: Parameters | None = None,
    column_map: dict[str, str] | None = None,
    column_map_sources: Mapping[str, str] | None = None,
    encoding: str | None = None,
) -> Portfolio:
    """Read and validate a portfolio file (CSV, XLSX, XLSM, XLS or ODS).

    ``path`` may also be a folder or a list of files and folders, and ``sheet`` a list of
    sheets or ``"*"`` (every visible sheet): their projects are read into one portfolio
    that keeps each project's file, sheet and row (:func:`~fundmodel.inputs.portfolio.
    combine.read_portfolios`).

    ``column_map`` maps a header as the file writes it (two-row headers joined with "/")
    to a column id, overriding what was recognised: ``{"资金结构/申请金额": "fund_requested_bn"}``;
    ``column_map_sources`` says where each header's mapping came from, for the report
    (``"profile monthly"``; default ``--map``).

    ``unit`` ("bn", "yi" = 亿元, "wan" = 万元) applies to money columns whose header
    declares no unit; ``sheet`` picks an XLSX sheet (name or 0-based index; default the
    first); ``encoding`` names the text encoding of CSV files (default: UTF-8, else
    GB18030). Raises :class:`PortfolioError` only when the file cannot be read as a table;
    rule violations are in ``Portfolio.issues``.

    Example: ``read_portfolio("portfolios/first_batch_examples.csv").ok`` is True.
    """
    if isinstance(path, list | tuple) or isinstance(sheet, list | tuple) or sheet == ALL_SHEETS or Path(path).is_dir():
        paths = path if isinstance(path, list | tuple) else [path]
        return read_portfolios(paths, unit, sheet, params, column_map, column_map_sources, encoding)
    if encoding is not None:
        checked_encoding(encoding)  # a wrong name is refused whatever the files are
    path = Path(path)
    table = read_table(path, sheet, encoding)
    if column_map:
        table.attrs["column_map"] = checked_column_map(column_map, table, path.name)
        table.attrs["column_map_sources"] = dict(column_map_sources or {})
    return parse_portfolio(table, unit=unit, params=params, source=path.name)


def read_portfolios(
    paths: Iterable[Path | str],
    unit: str | None = None,
    sheet: str | int | Sequence[str | int] | None = None,
    params: Parameters | None = None,
    column_map: Mapping[str, str] | None = None,
    column_map_sources: Mapping[str, str] | None = None,
    encoding: str | None = None,
) -> Portfolio:
    """Read several files, folders or sheets into one portfolio.

    ``sheet``: a sheet name or index read in every spreadsheet, a list of them, or ``"*"``
    for every visible sheet (default: the first). ``column_map`` corrections apply in the
    files that have the header; a header in none of the files is an error. One file and
    one sheet give the portfolio :func:`~fundmodel.inputs.portfolio.read_portfolio` gives.
    """
    p = params or default_parameters()
    if encoding is not None:
        checked_encoding(encoding)
    files = portfolio_files(paths)
    names = display_names(files)
    wanted = dict(column_map or {})
    used: set[str] = set()
    parts: list[Portfolio] = []
    for path, name in zip(files, names, strict=True):
        for one_sheet in sheets_to_read(path, sheet):
            table = read_table(path, one_sheet, encoding)
            mapping = {h: c for h, c in wanted.items() if h in {str(c) for c in table.columns}}
            if mapping:
                table.attrs["column_map"] = checked_column_map(mapping, table, name)
                table.attrs["column_map_sources"] = dict(column_map_sources or {})
                used |= set(mapping)
            parts.append(parse_portfolio(table, unit=unit, params=p, source=name))
    unused = [h for h in wanted if h not in used]
    if unused:
        raise PortfolioError(Message("portfolio_map_header_nowhere", {"header": unused[0], "files": ", ".join(names)}))
    check("rows", sum(len(part.index) for part in parts), ", ".join(names[:3]))
    return parts[0] if len(parts) == 1 else combine(parts)


def parse_column_map(items: list[str] | None) -> dict[str, str]:
    """``--map`` options (``HEADER=COLUMN_ID``) as a mapping; the header as the file writes it.

    >>> parse_column_map(["资金结构/申请金额=fund_requested_bn"])
    {'资金结构/申请金额': 'fund_requested_bn'}
    """
    mapping: dict[str, str] = {}
    for item in items or []:
        header, sep, cid = item.rpartition("=")
        if not sep or not header.strip() or not cid.strip():
            raise PortfolioError(Message("map_bad_item", {"item": quoted(item)}))
        mapping[header.strip()] = cid.strip()
    return mapping


def checked_column_map(column_map: dict[str, str], table: pd.DataFrame, name: str) -> dict[str, str]:
    """``column_map`` when each header is in the file and each target is a column id, else
    :class:`PortfolioError` naming the valid ids (or the file's headers)."""
    headers = [str(h) for h in table.columns]
    for header, cid in column_map.items():
        if cid not in SCHEMA:
            params = {"file": name, "header": header, "id": cid, "ids": ", ".join(SCHEMA)}
            raise PortfolioError(Message("map_unknown_id", params))
        if header not in headers:
            shown = ", ".join(f"'{h}'" for h in headers)
            raise PortfolioError(
                Message("map_no_column", {"file": name, "header": header, "id": cid, "columns": shown})
            )
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
