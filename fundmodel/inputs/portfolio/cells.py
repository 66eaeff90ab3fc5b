"""Cells to values: text, numbers, categories; vectorized over a column."""

from __future__ import annotations

import math
import re
from contextlib import suppress
from typing import Any

import numpy as np
import pandas as pd

from fundmodel.messages import Message

#: Control characters other than tab, line feed and carriage return (NUL included).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

#: Error values a spreadsheet shows in a cell (as calamine and CSV exports give them).
EXCEL_ERRORS = frozenset(
    ["#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!"]
)

_PLACEHOLDERS = ("n/a", "na", "n.a.", "null", "none", "nan", "nil")
#: Texts standing for "no value" (as typed, upper, lower and title case): never read as empty.
PLACEHOLDER_TEXTS = frozenset(v for t in _PLACEHOLDERS for v in (t, t.upper(), t.title(), t.capitalize()))


def excel_text(v: Any) -> str:
    """Cells to text: integral floats without '.0', NaN/None as '', else via str."""
    if isinstance(v, str):
        return v
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return "" if v is None else str(v)


#: Full-width digits and number punctuation (as typed with a Chinese input method) -> ASCII.
FULL_WIDTH_NUMBER = str.maketrans(
    {**{chr(0xFF10 + d): str(d) for d in range(10)}, "，": ",", "．": ".", "％": "%", "＋": "+", "－": "-", "　": " "}
)
_FULL_WIDTH_CHARS = "[０-９，．％＋－　]"

#: How a value was written, for the "what was understood" report, in its order; each kind
#: says itself by the messages ``conversion_<kind>`` (one value) and ``conversion_<kind>_many``.
CONVERSION_KINDS = (
    "thousands_separator",
    "full_width",
    "percent_text",
    "surrounding_space",
    "yes_no_word",
    "number_text",
)

#: A number as Excel would have stored it had it not been typed as text: ``250000``, ``-1.5``.
_PLAIN_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def text_number_rows(grid: list[list[Any]], column: int, rows: list[int] | range) -> np.ndarray:
    """The rows (1-based, of ``grid`` as the sheet reader gave it: numbers as numbers) whose
    cell in ``column`` is text holding a plain number: a number stored as text.

    >>> text_number_rows([["a"], ["250000"], [250000.0], ["x"]], 0, [2, 3, 4]).tolist()
    [2]
    """
    return np.array(
        [
            r
            for r in rows
            if column < len(grid[r - 1])
            and type(cell := grid[r - 1][column]) is str
            and _PLAIN_NUMBER.fullmatch(cell) is not None
        ],
        dtype=np.int64,
    )


def count_conversion(conversions: dict[str, int] | None, kind: str, mask: np.ndarray) -> None:
    """Add the cells of ``mask`` to ``conversions[kind]`` (nothing when none, or no tally)."""
    n = int(np.count_nonzero(mask))
    if conversions is not None and n:
        conversions[kind] = conversions.get(kind, 0) + n


def describe_conversions(conversions: dict[str, int], lang: str = "en") -> str:
    """One report line part in ``lang``: ``{"percent_text": 1, "thousands_separator": 3}`` ->
    ``"3 numbers with thousands separators ..., 1 percentage written as text (20%)"``.

    >>> describe_conversions({"percent_text": 1, "thousands_separator": 2})
    '2 numbers with thousands separators, 1 percentage written as text (20%)'
    >>> describe_conversions({"percent_text": 1, "thousands_separator": 2}, "zh")
    '2 个带千分位分隔符的数字、1 个以文本写的百分比（20%）'
    """
    parts = [
        Message(f"conversion_{k}" + ("" if conversions[k] == 1 else "_many"), {"n": conversions[k]}).render(lang)
        for k in CONVERSION_KINDS
        if conversions.get(k)
    ]
    return ("、" if lang == "zh" else ", ").join(parts)


def _text_mask(cells: np.ndarray) -> np.ndarray:
    """Which cells are text (``str``), via the column's inferred type (no loop in the usual cases)."""
    kind = pd.api.types.infer_dtype(cells, skipna=True)
    if kind == "string":
        return ~pd.isna(cells)
    if kind in ("floating", "integer", "mixed-integer-float", "empty", "boolean"):
        return np.zeros(len(cells), dtype=bool)
    return np.fromiter((isinstance(c, str) for c in cells), dtype=bool, count=len(cells))


def parse_number(
    raw: pd.Series,
    allow_percent: bool = False,
    percent_header: bool = False,
    conversions: dict[str, int] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse text cells to floats: returns (values, empty, bad).

    Fast path: one C-level ``pd.to_numeric`` over the column; only cells it cannot read
    are looked at again (stripped; ``20%`` as 0.2 where ``allow_percent``; thousands
    separators only in proper groups, ``1,234.5``). inf and nan are not numbers. Under a
    ``(%)`` header (``percent_header``) plain numbers are percentages too: 20 -> 0.2.
    Full-width digits and punctuation (``１２３，４５６．７``, ``％``) are read as their ASCII
    forms. Each rewriting that read a value is added to ``conversions`` by kind (see
    :data:`CONVERSION_KINDS`). A number stored as text in a spreadsheet reads as the number
    (the reader counts those cells itself: :func:`text_number_rows`).

    >>> v, empty, bad = parse_number(pd.Series(["1,858,000", "１２", "x", ""], dtype=object))
    >>> v.tolist()[:2], empty.tolist(), bad.tolist()
    ([1858000.0, 12.0], [False, False, False, True], [False, False, True, False])
    """
    if raw.dtype.kind in "iuf":  # already numbers (a CSV column read in C): NaN is empty, inf is bad
        numbers = raw.to_numpy(dtype=float)
        values = np.where(np.isfinite(numbers), numbers, np.nan)
        return values / 100.0 if percent_header else values, np.isnan(numbers), np.isinf(numbers)
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, copy=True)
    failed = ~np.isfinite(values)
    values[failed] = np.nan
    if conversions is not None:
        _count_spaced_numbers(raw, ~failed, conversions)
    if percent_header:  # the header says "(%)": plain numbers are percentages
        values = values / 100.0
    empty = np.zeros(len(raw), dtype=bool)
    bad = np.zeros(len(raw), dtype=bool)
    idx = np.flatnonzero(failed)
    if len(idx):
        cells = raw.to_numpy(dtype=object)[idx]
        blank = pd.isna(cells) | (cells == "")
        empty[idx[blank]] = True
        idx = idx[~blank]
    if len(idx):
        # One pass in Python over the cells the C parser could not read (pandas' string
        # methods would each take a pass of their own): (value, empty, wide, pct, grouped, spaced).
        read = [_read_written(str(c), allow_percent, percent_header) for c in raw.to_numpy(dtype=object)[idx]]
        again, is_empty, wide, pct, grouped, spaced = (np.array(x) for x in zip(*read, strict=True))
        again = again.astype(float)
        ok = np.isfinite(again)
        values[idx] = np.where(ok, again, np.nan)
        empty[idx] = is_empty
        bad[idx] = ~ok & ~is_empty
        for kind, mask in (("full_width", wide), ("percent_text", pct), ("thousands_separator", grouped)):
            count_conversion(conversions, kind, mask & ok)
        count_conversion(conversions, "surrounding_space", spaced & ok & ~pct & ~grouped)
    return values, empty, bad


_WIDE = re.compile(_FULL_WIDTH_CHARS)
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")


def _read_written(
    written: str, allow_percent: bool, percent_header: bool
) -> tuple[float, bool, bool, bool, bool, bool]:
    """A number as people write it (see :func:`parse_number`): (value or NaN, empty,
    full-width, percentage, thousands separators, spaces around).

    >>> _read_written(" １,２３４ ", False, False)[:3], _read_written("20%", True, False)[0]
    ((1234.0, False, True), 0.2)
    """
    wide = _WIDE.search(written) is not None
    text = (written.translate(FULL_WIDTH_NUMBER) if wide else written).strip()
    spaced = len(text) != len(written) and not wide
    if not text:
        return math.nan, True, wide, False, False, spaced
    pct = allow_percent and text.endswith("%")
    if pct:
        text = text[:-1].strip()
    grouped = _GROUPED.fullmatch(text) is not None
    if grouped:
        text = text.replace(",", "")
    value = math.nan
    if text.isascii() and "_" not in text:  # what pandas reads: no 1_000, no other scripts' digits
        with suppress(ValueError):
            value = float(text)
    if pct or percent_header:
        value /= 100.0
    return value, False, wide, pct, grouped, spaced


def _count_spaced_numbers(raw: pd.Series, read: np.ndarray, conversions: dict[str, int]) -> None:
    """Tally the text cells the fast path read as numbers that had spaces around them."""
    cells = raw.to_numpy(dtype=object)
    text = _text_mask(cells) & read
    if not text.any():
        return
    # One pass in Python beats pandas' string methods (each a pass of its own) on object cells.
    spaced = [c[:1].isspace() or c[-1:].isspace() for c in cells[text]]
    spaced_mask = np.zeros(len(raw), dtype=bool)
    spaced_mask[np.flatnonzero(text)[np.asarray(spaced, dtype=bool)]] = True
    count_conversion(conversions, "surrounding_space", spaced_mask)


#: Up to this many cells, :func:`factorize` works in Python: pandas' fixed cost per call
#: dominates on the few rows an edit re-validates.
SMALL_TABLE = 64


def factorize(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Codes and distinct values in order of appearance, missing cells (None, NaN) coded
    -1: ``pd.factorize`` of an object array.

    Example: ["b", None, "a", "b"] -> codes [0, -1, 1, 0], uniques ["b", "a"]."""
    if len(values) > SMALL_TABLE:
        codes, uniques = pd.factorize(values)
        return codes, list(uniques)
    seen: dict[Any, int] = {}
    codes = np.array([-1 if is_missing(v) else seen.setdefault(v, len(seen)) for v in values], dtype=np.intp)
    return codes, list(seen)


def is_missing(value: Any) -> bool:
    """None, NaN, NA or NaT (what ``pd.factorize`` leaves out)."""
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def lookup_codes(
    raw: pd.Series,
    convert: Any,
    conversions: dict[str, int] | None = None,
    words: frozenset[str] = frozenset(),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Convert cells via their unique values only (fast on a million rows).

    ``convert(text)`` maps one stripped cell to its value or None. Returns (values as an
    object array, empty, bad). Read cells with spaces around them, and read cells whose
    lower-case text is in ``words`` (as ``yes_no_word``), are tallied in ``conversions``."""
    codes, uniques = factorize(raw.to_numpy(dtype=object))
    stripped = [str(u).strip() for u in uniques]
    converted = [convert(u) if u else None for u in stripped]
    mapped = np.array([*converted, None], dtype=object)
    blank = np.array([not u for u in stripped] + [True], dtype=bool)
    unknown = np.array([v is None for v in converted] + [True], dtype=bool)
    empty = blank[codes]
    if conversions is not None and len(uniques):
        read = ~blank[:-1] & ~unknown[:-1]
        per_unique = np.bincount(codes[codes >= 0], minlength=len(uniques))
        spaced = np.array([isinstance(u, str) and u != s for u, s in zip(uniques, stripped, strict=True)], dtype=bool)
        worded = np.array([s.lower() in words for s in stripped], dtype=bool)
        count_conversion(conversions, "surrounding_space", np.repeat(spaced & read, per_unique))
        count_conversion(conversions, "yes_no_word", np.repeat(worded & read, per_unique))
    return mapped[codes], empty, ~empty & unknown[codes]


def text_cells(raw: pd.Series, conversions: dict[str, int] | None = None) -> np.ndarray:
    """Text cells stripped, empty ones (NaN, None) as "" (object array); cells that had
    spaces around them are tallied in ``conversions``."""
    cells = raw.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(cells, skipna=False) == "string":  # every cell is text: the usual case
        out = np.array(list(map(str.strip, cells)), dtype=object)
        if conversions is not None:
            count_conversion(conversions, "surrounding_space", (out != cells) & (out != ""))
        return out
    return np.array([c.strip() if isinstance(c, str) else _cell_text(c) for c in cells], dtype=object)


def _cell_text(cell: Any) -> str:
    """A cell that is not a string as text: "" for NaN / None, else ``str`` stripped."""
    return "" if pd.isna(cell) else str(cell).strip()


def map_values(values: np.ndarray, mapping: dict[Any, Any], missing: Any = np.nan) -> np.ndarray:
    """``mapping`` applied to each value (``missing`` where a value is not a key, or is
    NaN / None), via the few distinct values only: ``Series.map`` as an object array.

    Example: values ["a", None, "b"], mapping {"a": 1, "b": 2} -> [1, nan, 2]."""
    codes, uniques = factorize(np.asarray(values, dtype=object))
    mapped = np.array([mapping.get(u, missing) for u in uniques] + [missing], dtype=object)
    return mapped[codes]
