"""Limits on what fundmodel reads, declared once and enforced before any work.

Each limit has a default that fits every real file seen, an environment variable that raises
it (``FUNDMODEL_MAX_<NAME>``), and a refusal that names the limit, the value found and how to
raise it: a message (``limit_exceeded`` in ``fundmodel/inputs/data/messages.csv``, with the
limit's unit ``limit_unit_<unit>`` and what it bounds ``limit_about_<name>``) that the
interface renders in the reader's language. Readers check the cheap facts first (file size,
the sizes a file declares) so that a small hostile file is refused before it costs time or
memory, and no message ever contains an unbounded value from the file.

>>> LIMITS["yaml_bytes"].default
1048576
>>> check("yaml_bytes", 10, "a.yaml")  # within the limit: nothing happens
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from fundmodel.errors import ParameterError, PortfolioError
from fundmodel.messages import Message


class LimitError(PortfolioError, ParameterError):
    """An input exceeds a declared limit; ``limit`` is the limit's name, ``text`` the
    message (its English text is ``str(error)``). A portfolio file over a limit cannot be
    read, a scenario or parameter file over one is invalid: the error is both, so that
    whoever reads either file reports it as it reports that file's other errors.

    >>> issubclass(LimitError, PortfolioError) and issubclass(LimitError, ParameterError)
    True
    """

    def __init__(self, message: Message, limit: str) -> None:
        super().__init__(message)
        self.limit = limit


@dataclass(frozen=True)
class Limit:
    """One limit: its name, default and the unit of its values; what it bounds is the
    message ``limit_about_<name>``.

    >>> LIMITS["rows"].description.render("zh")
    '项目表的行数'
    """

    name: str
    default: int
    unit: str

    @property
    def description(self) -> Message:
        """What the limit bounds, as a message."""
        return Message(f"limit_about_{self.name}")

    @property
    def unit_word(self) -> Message:
        """The unit of its values (bytes, rows ...), as a message."""
        return Message(f"limit_unit_{self.unit}")

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
            raise LimitError(
                Message("limit_env_not_whole", {"env": self.env, "text": repr(text[:40])}), self.name
            ) from None
        if number < 1:
            raise LimitError(Message("limit_env_below_one", {"env": self.env, "number": number}), self.name)
        return number


_DECLARED = [
    Limit("file_bytes", 200 * 2**20, "bytes"),
    Limit("rows", 1_100_000, "rows"),
    Limit("columns", 200, "columns"),
    Limit("cell_chars", 32_767, "characters"),  # Excel's own limit
    Limit("xlsx_uncompressed_bytes", 2 * 2**30, "bytes"),
    Limit("xlsx_compression_ratio", 200, "x"),
    # a sheet is held densely while read: about a second and 100 MB per million cells of its used range
    Limit("sheet_cells", 5_000_000, "cells"),
    Limit("portfolio_files", 1_000, "files"),
    Limit("yaml_bytes", 2**20, "bytes"),
    Limit("yaml_depth", 32, "levels"),
    Limit("yaml_nodes", 200_000, "nodes"),
    Limit("yaml_key_chars", 200, "characters"),
]

#: Every limit by name.
LIMITS: dict[str, Limit] = {limit.name: limit for limit in _DECLARED}


def limit(name: str) -> int:
    """The value in force of the limit ``name``."""
    return LIMITS[name].value()


def where_sheet(file: str, sheet: str) -> Message:
    """A sheet of a file, for a message's ``where`` (the sheet's name cut to 60 characters).

    >>> where_sheet("a.xlsx", "项目").render("zh")
    'a.xlsx，工作表“项目”'
    """
    return Message("limit_where_sheet", {"file": file, "sheet": sheet[:60]})


def check(name: str, found: int, where: str | Message) -> None:
    """Refuse ``found`` when it exceeds the limit ``name``; ``where`` names the file (and
    sheet, row or part) in the message: a file name, or a message (:func:`where_sheet`).

    >>> import os
    >>> os.environ["FUNDMODEL_MAX_YAML_DEPTH"] = "3"
    >>> try:
    ...     check("yaml_depth", 5, "a.yaml")
    ... except LimitError as exc:
    ...     print(exc.limit, str(exc).split(" (")[0])
    ...     print(exc.text.render("zh"))
    yaml_depth a.yaml: 5 levels exceeds the limit of 3 levels
    a.yaml：5 层，超过上限 3 层（YAML 文档的嵌套层数；可用环境变量 FUNDMODEL_MAX_YAML_DEPTH 提高上限）
    >>> del os.environ["FUNDMODEL_MAX_YAML_DEPTH"]
    """
    spec = LIMITS[name]
    allowed = spec.value()
    if found > allowed:
        params = {"where": where, "found": found, "allowed": allowed, "unit": spec.unit_word}
        raise LimitError(Message("limit_exceeded", {**params, "about": spec.description, "env": spec.env}), name)


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
