"""Every sentence the model says to a user, as a message id with parameters.

The templates live once in ``fundmodel/inputs/data/messages.csv`` (``id,en,zh``), one row a
message; code raises or returns a :class:`Message` and the interface renders it in the
user's language and money unit with :func:`render`. A table rather than gettext catalogs:
the same file feeds the CLI, the dashboard and the workbook, reviewers read and edit it in
a spreadsheet, and a test checks that both languages have the same parameters.

Placeholders are ``str.format`` fields with a few extra format specs:

- ``{x:money}``: ``x`` is an amount in bn RMB, shown in the chosen unit with its name and
  never rounded to 0 when it is not 0 (more decimals instead); ``{x:signed_money}`` the
  same with a ``+`` before a positive amount;
- ``{x:share}``: a fraction shown as a percentage (``0.5`` -> ``50.0%``);
- ``{x:pp}``: percentage points with a sign and the unit word;
- ``{x:name}``: an id (field, bank, province, output term, portfolio column, sector)
  shown by its label;
- ``{x:names}``: a list of such ids, each by its label, joined with the language's comma;
- any ordinary format spec (``{x:,.2f}``);
- ``{x:path}``: a parameter path (``fields.digital_economy.capital_ratio``) by the labels of
  its parts after the section (``数字经济 · 资本金比例``; a path of one part, ``allocation_bn``, by its own label);
- a parameter that is itself a :class:`Message` is rendered in the same language and unit
  (a quantity whose unit depends on what it measures); a list of messages is rendered
  item by item, joined by "; " (Chinese "；").

>>> render(Message("demo_allocation_total", {"total": 495.0, "size": 500.0, "diff": -5.0}), "zh", "yi")
'分配合计 4,950 亿元，工具规模 5,000 亿元（差额 -50 亿元）。'
>>> render(Message("demo_allocation_total", {"total": 495.0, "size": 500.0, "diff": -5.0}), "en", "bn")
'Allocation sums to 495.0 bn RMB; the instrument is 500.0 bn RMB (-5.0 bn RMB).'
>>> format_money(0.02076, "yi", "zh")
'0.21 亿元'
"""

from __future__ import annotations

import errno
import math
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from fundmodel.message_table import LANGS as LANGS
from fundmodel.message_table import templates
from fundmodel.units import decimals as money_decimals
from fundmodel.units import from_bn, unit_label


class UnknownMessageError(KeyError):
    """A message id that is not in the table (a programming error, not bad input)."""


@dataclass(frozen=True)
class Message:
    """A message id and its parameters; ``str(message)`` is the English text."""

    id: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, lang: str = "en", unit: str = "bn", names: Callable[[str, str], str] | None = None) -> str:
        """The message in ``lang`` and money ``unit`` (see :func:`render`)."""
        return render(self, lang, unit, names)

    def __str__(self) -> str:
        return self.render()


def format_money(amount_bn: float, unit: str = "bn", lang: str = "en") -> str:
    """An amount held in bn RMB, in ``unit`` with its name, never shown as 0 unless it is 0.

    The unit's usual decimals are used (none in 亿元/万元, one in bn); when that would round a
    non-zero amount to 0, two significant digits are kept instead.

    >>> format_money(7080, "yi", "zh")
    '70,800 亿元'
    >>> format_money(0.0001, "bn", "en")
    '0.00010 bn RMB'
    """
    value = float(from_bn(amount_bn, unit))
    places = money_decimals(unit)
    if value != 0 and math.isfinite(value) and round(value, places) == 0:
        places = max(places, 1 - math.floor(math.log10(abs(value))))
    return f"{value:,.{places}f} {unit_label(unit, lang)}"


#: The module that names ids (fields, banks, provinces, terms, portfolio columns, sectors):
#: it reads the parameter files, whose loader raises messages from this table, so the table
#: looks it up by name when a message first needs a name, never by an import of its own.
NAMES_MODULE = "fundmodel.labels"


def _default_names(key: str, lang: str) -> str:
    """The name of ``key`` in ``lang`` (:func:`fundmodel.labels.name_of`)."""
    return import_module(NAMES_MODULE).name_of(key, lang)


class _Formatter(string.Formatter):
    def __init__(self, lang: str, unit: str, names: Callable[[str, str], str]):
        self.lang, self.unit, self.names = lang, unit, names

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Message):  # a quantity rendered by its own message
            return render(value, self.lang, self.unit, self.names)
        if isinstance(value, list | tuple) and all(isinstance(v, Message) for v in value):
            items = (render(v, self.lang, self.unit, self.names) for v in value)
            return ("；" if self.lang == "zh" else "; ").join(items)
        if format_spec == "money":
            return format_money(value, self.unit, self.lang)
        if format_spec == "signed_money":
            return ("+" if value > 0 else "") + format_money(value, self.unit, self.lang)
        if format_spec == "share":
            return f"{100 * value:.1f}%"
        if format_spec == "pp":
            return f"{value:+.2f} " + ("个百分点" if self.lang == "zh" else "pp")
        if format_spec == "name":
            return self.names(str(value), self.lang)
        if format_spec == "path":  # a parameter path: the labels of its parts after the section
            parts = str(value).split(".")
            return " · ".join(self.names(part, self.lang) for part in parts[1:] or parts)
        if format_spec == "names":
            return ("、" if self.lang == "zh" else ", ").join(self.names(str(v), self.lang) for v in value)
        return super().format_field(value, format_spec)


def render_error(error: BaseException, lang: str = "en", unit: str = "bn") -> str:
    """An error's message in ``lang`` and ``unit`` when it was raised with a :class:`Message`
    (:class:`fundmodel.errors.FundmodelError`), an operating system's error (a file that
    does not exist, no permission) by :func:`os_error_message`, else its text.

    >>> from fundmodel.errors import PortfolioError
    >>> render_error(PortfolioError(Message("read_empty_file", {"file": "a.csv"})), "zh")
    'a.csv：文件为空（没有表头行）'
    >>> render_error(FileNotFoundError(2, "No such file or directory", "a.csv"), "zh")
    'a.csv：文件或文件夹不存在'
    """
    text = getattr(error, "text", None)
    if isinstance(text, Message):
        return text.render(lang, unit)
    if isinstance(error, OSError):
        return os_error_message(error).render(lang, unit)
    return str(error)


def message_or_text(message_id: str, text: object, params: Mapping[str, Any] | None = None) -> Message:
    """The message ``message_id`` when the table has it, else ``text`` as it is (words the
    program was given from elsewhere: a solver's status, a stored action, the system's
    reason for an error).

    >>> message_or_text("library_action_save", "save").render("zh"), message_or_text("no_such", "x").render("zh")
    ('保存', 'x')
    """
    return Message(message_id, params or {}) if message_id in templates() else Message("text", {"text": text})


def os_error_message(error: OSError) -> Message:
    """An operating system's error as a message: its file and its reason, the reason by its
    errno (``os_ENOENT`` ...) where the table has it, else in the system's words.

    >>> os_error_message(PermissionError(13, "Permission denied", "/x/b.xlsx")).render("zh")
    '/x/b.xlsx：没有权限'
    """
    if error.filename is None:
        return os_reason(error)
    return Message("os_error_file", {"file": str(error.filename), "reason": os_reason(error)})


def os_reason(error: OSError) -> Message:
    """Why the operating system refused (its errno, ``os_ENOENT`` ...), without the file.

    >>> os_reason(FileNotFoundError(2, "No such file or directory")).render("zh")
    '文件或文件夹不存在'
    """
    return message_or_text(f"os_{errno.errorcode.get(error.errno or 0, '')}", error.strerror or error)


def render(message: Message, lang: str = "en", unit: str = "bn", names: Callable[[str, str], str] | None = None) -> str:
    """``message`` in ``lang`` ("en" or "zh") with money in ``unit`` ("bn", "yi", "wan").

    ``names(id, lang)`` gives the label of an id used with the ``name`` spec; by default
    :func:`fundmodel.labels.label`, falling back to the id itself.
    """
    try:
        template = templates()[message.id]["zh" if lang == "zh" else "en"]
    except KeyError:
        raise UnknownMessageError(f"message {message.id!r} is not in fundmodel/inputs/data/messages.csv") from None
    return _Formatter(lang, unit, names or _default_names).format(template, **message.params)
