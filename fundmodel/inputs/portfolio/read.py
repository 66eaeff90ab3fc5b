"""Reading portfolio files: CSV, XLSX and the other spreadsheet formats."""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from fundmodel.errors import PortfolioError
from fundmodel.inputs.parameters import Parameters
from fundmodel.inputs.portfolio.cells import excel_text
from fundmodel.inputs.portfolio.issues import ValidationIssue
from fundmodel.inputs.portfolio.model import Portfolio
from fundmodel.inputs.portfolio.schema import NUMERIC_TYPES, SCHEMA, split_header
from fundmodel.inputs.portfolio.validate import parse_portfolio

# -------------------------------------------------------------------------- reading


def _decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), else GB18030; anything else is an error."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise PortfolioError(f"{name}: not UTF-8 or GB18030 text (byte {exc.start})") from None


def read_table(path: Path | str, sheet: str | int | None = None) -> pd.DataFrame:
    """The raw table of a CSV or XLSX file, headers as written, index = row number in the
    file (header = row 1). Cells are text, except CSV columns whose header names a numeric
    schema column: pandas parses those in C (numbers stay exact; a column holding any
    text stays text, checked cell by cell). Empty cells are NaN or ''. Fully empty rows
    are skipped (the other rows keep their numbers)."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            raw = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=object, header=None)
            if raw.empty:
                raise PortfolioError(f"{path.name}: the sheet is empty (no header row)")
            raw = raw.fillna("").map(excel_text)
            header = [str(h).strip() for h in raw.iloc[0].tolist()]
            body = raw.iloc[1:]
            body.index = np.arange(2, len(raw) + 1)
        elif suffix in (".csv", ".txt", ""):
            if sheet is not None:
                raise PortfolioError(f"{path.name}: --sheet applies to XLSX files only")
            text = _decode(path.read_bytes(), path.name)
            header = [h.strip() for h in next(csv.reader(io.StringIO(text[: text.find("\n") + 1 or None])), [])]
            if not any(header):
                raise PortfolioError(f"{path.name}: the file is empty (no header row)")
            text_columns = {
                i: str
                for i, h in enumerate(header)
                if (cid := split_header(h)[0]) is None or SCHEMA[cid].type not in NUMERIC_TYPES
            }
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
                    raise PortfolioError(_long_row(text, len(header), path.name)) from None
            body.index = np.arange(2, len(body) + 2)
        else:
            raise PortfolioError(f"{path.name}: unsupported file type {suffix!r} (use .csv or .xlsx)")
    except (OSError, PortfolioError):
        raise
    except pd.errors.ParserError as exc:
        detail = " ".join(str(exc).split()).replace("Error tokenizing data. C error: ", "")
        raise PortfolioError(f"{path.name}: cannot parse CSV ({detail}; quote cells that contain commas)") from None
    except ValueError as exc:  # unknown sheet, malformed workbook
        raise PortfolioError(f"{path.name}: {' '.join(str(exc).split())}") from None
    except Exception as exc:  # openpyxl raises its own errors on corrupt files
        raise PortfolioError(f"{path.name}: cannot read ({type(exc).__name__}: {exc})") from None
    body.columns = range(len(header))
    missing = body.isna() | (body == "")
    body = body[~missing.all(axis=1).to_numpy()]
    # Columns without a header and without values (spreadsheet padding) are dropped.
    keep = [i for i, h in enumerate(header) if h or not missing[i].all()]
    body = body[keep]
    body.columns = [header[i] if header[i] else f"(column {i + 1})" for i in keep]
    return body


def _long_row(text: str, n_header: int, name: str) -> str:
    """Message naming the first row with more cells than the header."""
    for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        if len(cells) > n_header:
            return (
                f"{name}: row {number} has {len(cells)} cells but the header has {n_header} "
                "(quote cells that contain commas)"
            )
    return f"{name}: a row has more cells than the header (quote cells that contain commas)"


def read_portfolio(
    path: Path | str,
    unit: str | None = None,
    sheet: str | int | None = None,
    params: Parameters | None = None,
) -> Portfolio:
    """Read and validate a portfolio file (CSV or XLSX).

    ``unit`` ("bn", "yi" = 亿元, "wan" = 万元) applies to money columns whose header
    declares no unit; ``sheet`` picks an XLSX sheet (name or 0-based index; default the
    first). Raises :class:`PortfolioError` only when the file cannot be read as a table;
    rule violations are in ``Portfolio.issues``.

    Example: ``read_portfolio("portfolios/first_batch_examples.csv").ok`` is True.
    """
    path = Path(path)
    return parse_portfolio(read_table(path, sheet), unit=unit, params=params, source=path.name)


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
