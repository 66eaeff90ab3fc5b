"""The one CSV writer: every CSV fundmodel writes (``metrics --out``, ``select --out``, the
dashboard's downloads) goes through :func:`csv_bytes` / :func:`write_csv`.

Text cells are made safe the same way everywhere (:func:`safe_text`), following OWASP's
guidance on CSV injection (https://owasp.org/www-community/attacks/CSV_Injection):

* text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
  apostrophe, so that a spreadsheet shows it as text and never runs it as a formula;
* control characters (other than tab and line breaks inside a cell) become U+FFFD, visibly;
* text over Excel's 32,767 characters per cell (the ``cell_chars`` limit) is cut to fit with a
  visible marker, since Excel would otherwise cut it silently when opening the file.

Each change is reported as a warning naming the row and column; nothing is changed silently.
Numbers stay numbers. The file is UTF-8 with a byte-order mark (so that Excel reads Chinese
text) and is written atomically (:mod:`fundmodel.outputs.atomic`).

>>> safe_text("=cmd|' /C calc'!A0")
("'=cmd|' /C calc'!A0", ['starts like a formula: a leading apostrophe was added'])
>>> safe_text("北京 Metro")
('北京 Metro', [])
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from fundmodel.inputs.limits import limit
from fundmodel.outputs.atomic import write_bytes

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FORMULA = re.compile(r"^[=+\-@\t\r]")
#: Warnings listed one by one at most; the rest are counted.
MAX_WARNINGS = 20


def _cut_marker(length: int) -> str:
    return f" …[cut: {length:,} characters in all]"


def _replace_controls(text: str, notes: list[str]) -> str:
    text, n = _CONTROL.subn("\ufffd", text)
    if n:
        notes.append(f"{n:,} control character(s) replaced with U+FFFD")
    return text


def _cut_to_fit(text: str, notes: list[str]) -> str:
    most = limit("cell_chars")
    if len(text) > most:
        marker = _cut_marker(len(text))
        notes.append(f"longer than {most:,} characters: cut to fit, marked {marker.strip()!r}")
        text = text[: max(most - len(marker), 0)] + marker
    return text


def clean_text(text: str) -> tuple[str, list[str]]:
    """``text`` as a spreadsheet cell can hold it (the CSV writer and the workbook writer
    alike): control characters replaced with U+FFFD, text over ``cell_chars`` cut with a
    visible marker; and what was changed. Formula-like text is each writer's own matter.

    >>> clean_text("Ra\\x1bil") == ("Ra\\ufffdil", ["1 control character(s) replaced with U+FFFD"])
    True
    """
    notes: list[str] = []
    return _cut_to_fit(_replace_controls(text, notes), notes), notes


def safe_text(text: str) -> tuple[str, list[str]]:
    """``text`` as it is safe to write in a spreadsheet cell, and what was changed.

    >>> safe_text("a\\x00b") == ("a\\ufffdb", ["1 control character(s) replaced with U+FFFD"])
    True
    >>> out, notes = safe_text("x" * 40000)
    >>> len(out), notes[0].split(":")[0]
    (32767, 'longer than 32,767 characters')
    """
    notes: list[str] = []
    text = _replace_controls(text, notes)
    if text.startswith(FORMULA_START):
        text = "'" + text
        notes.append("starts like a formula: a leading apostrophe was added")
    return _cut_to_fit(text, notes), notes


def safe_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` with every text cell made safe (:func:`safe_text`), and a warning per changed
    cell naming the row (1 = first data row) and column. Only cells that need a change are
    visited: the search for them is vectorized."""
    out = frame.copy()
    warnings: list[str] = []
    for column in out.columns:
        series = out[column]
        if not (series.dtype == object or pd.api.types.is_string_dtype(series)):
            continue
        is_text = series.map(type).eq(str) if series.dtype == object else series.notna()
        text = series.where(is_text, "").astype(str)
        needs = is_text & (
            text.str.contains(_CONTROL, regex=True) | text.str.match(_FORMULA) | (text.str.len() > limit("cell_chars"))
        )
        for position in [int(i) for i in needs.to_numpy().nonzero()[0]]:
            value, notes = safe_text(text.iloc[position])
            out.iloc[position, out.columns.get_loc(column)] = value
            warnings += [f"row {position + 1:,}, column {column}: {note}" for note in notes]
    return out, warnings


def encode_csv(safe: pd.DataFrame) -> bytes:
    """The CSV of a frame already made safe by :func:`safe_frame`: no index, CRLF line ends,
    UTF-8 with a BOM (so that Excel reads Chinese text as such).

    >>> import codecs
    >>> data = encode_csv(pd.DataFrame({"a": [1]}))
    >>> data[:3] == codecs.BOM_UTF8, data[3:].split(b"\\r\\n")
    (True, [b'a', b'1', b''])
    """
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def csv_bytes(frame: pd.DataFrame) -> tuple[bytes, list[str]]:
    """The CSV of ``frame`` (:func:`encode_csv`) with text made safe, and the warnings."""
    safe, warnings = safe_frame(frame)
    return encode_csv(safe), warnings


def write_csv(
    frame: pd.DataFrame, path: str | os.PathLike, *, inputs: Iterable[str | os.PathLike | None] = ()
) -> list[str]:
    """Write ``frame`` to ``path`` (must end in .csv; never one of ``inputs``) whole or not at
    all; returns the warnings, each starting with the file name."""
    data, warnings = csv_bytes(frame)
    write_bytes(path, data, inputs=inputs, suffixes=(".csv",))
    return [f"{Path(path).name}: {w}" for w in warnings]


def summarize(warnings: list[str], most: int = MAX_WARNINGS) -> list[str]:
    """At most ``most`` warnings, then one line counting the rest.

    >>> summarize(["a", "b", "c"], most=2)
    ['a', 'b', '... and 1 more']
    """
    return warnings if len(warnings) <= most else [*warnings[:most], f"... and {len(warnings) - most:,} more"]
