"""Limits on what fundmodel reads, declared once and enforced before any work.

Each limit has a default that fits every real file seen, an environment variable that raises
it (``FUNDMODEL_MAX_<NAME>``), and a refusal that names the limit, the value found and how to
raise it. Readers check the cheap facts first (file size, the sizes a file declares) so that a
small hostile file is refused before it costs time or memory, and no message ever contains an
unbounded value from the file.

>>> LIMITS["yaml_bytes"].default
1048576
>>> check("yaml_bytes", 10, "a.yaml")  # within the limit: nothing happens
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from fundmodel.errors import FundmodelError


class LimitError(FundmodelError):
    """An input exceeds a declared limit; ``limit`` is the limit's name."""

    def __init__(self, message: str, limit: str) -> None:
        super().__init__(message)
        self.limit = limit


@dataclass(frozen=True)
class Limit:
    """One limit: its name, default, the unit of its values and what it bounds."""

    name: str
    default: int
    unit: str
    description: str

    @property
    def env(self) -> str:
        """The environment variable that raises (or lowers) it."""
        return f"FUNDMODEL_MAX_{self.name.upper()}"

    def value(self) -> int:
        """The limit in force: the environment variable when set to a positive whole number,
        else the default (an unreadable setting is an error, never ignored)."""
        text = os.environ.get(self.env)
        if text is None or not text.strip():
            return self.default
        try:
            number = int(text.strip().replace("_", "").replace(",", ""))
        except ValueError:
            raise LimitError(f"{self.env}: expected a whole number, got {text[:40]!r}", self.name) from None
        if number < 1:
            raise LimitError(f"{self.env}: must be at least 1 (got {number})", self.name)
        return number


_DECLARED = [
    Limit("file_bytes", 200 * 2**20, "bytes", "size of a portfolio file on disk or uploaded"),
    Limit("rows", 1_100_000, "rows", "rows of a portfolio table"),
    Limit("columns", 200, "columns", "columns of a portfolio table (used range of a sheet)"),
    Limit("cell_chars", 32_767, "characters", "characters in one cell (Excel's own limit)"),
    Limit("xlsx_uncompressed_bytes", 2 * 2**30, "bytes", "uncompressed size of all parts of an XLSX file"),
    Limit("xlsx_compression_ratio", 200, "x", "uncompressed to compressed size of one part of an XLSX file"),
    # a sheet is held densely while read: about a second and 100 MB per million cells of its used range
    Limit("sheet_cells", 5_000_000, "cells", "cells a sheet's used range spans (rows x columns)"),
    Limit("yaml_bytes", 2**20, "bytes", "size of a scenario or parameter YAML file"),
    Limit("yaml_depth", 32, "levels", "nesting depth of a YAML document"),
    Limit("yaml_nodes", 200_000, "nodes", "mappings, sequences and values in a YAML document"),
    Limit("yaml_key_chars", 200, "characters", "characters in one key of a YAML mapping"),
]

#: Every limit by name.
LIMITS: dict[str, Limit] = {limit.name: limit for limit in _DECLARED}


def limit(name: str) -> int:
    """The value in force of the limit ``name``."""
    return LIMITS[name].value()


def check(name: str, found: int, where: str) -> None:
    """Refuse ``found`` when it exceeds the limit ``name``; ``where`` names the file (and
    sheet) in the message.

    >>> import os
    >>> os.environ["FUNDMODEL_MAX_YAML_DEPTH"] = "3"
    >>> try:
    ...     check("yaml_depth", 5, "a.yaml")
    ... except LimitError as exc:
    ...     print(exc.limit, str(exc).split(" (")[0])
    yaml_depth a.yaml: 5 levels exceeds the limit of 3 levels
    >>> del os.environ["FUNDMODEL_MAX_YAML_DEPTH"]
    """
    spec = LIMITS[name]
    allowed = spec.value()
    if found > allowed:
        raise LimitError(
            f"{where}: {found:,} {spec.unit} exceeds the limit of {allowed:,} {spec.unit} "
            f"({spec.description}; raise it with {spec.env})",
            name,
        )


#: Characters of a value from a file that a message quotes at most.
QUOTE_CHARS = 60


def quoted(value: object, chars: int = QUOTE_CHARS) -> str:
    """``repr(value)`` cut to ``chars`` characters with the full length said, so that no
    message is built from an unbounded value (only a bounded prefix is ever formatted).

    >>> quoted("abc")
    "'abc'"
    >>> quoted("x" * 1000, chars=10)
    "'xxxxxxxxx… (1,000 characters)"
    """
    if isinstance(value, str) and len(value) > chars:
        return f"{value[: chars - 1]!r}"[:-1] + f"… ({len(value):,} characters)"
    if isinstance(value, dict | list | tuple | set) and len(value) > 8:
        return f"<{type(value).__name__} of {len(value):,} items>"
    text = repr(value)
    return text if len(text) <= chars else text[: chars - 1] + f"… ({len(text):,} characters)"
