"""Every output term once: its unit, number format, Chinese and English label and a
one-line description, read from ``fundmodel/inputs/data/terms.csv``.

The terminal report, the charts, the views, the comparison and the dashboard take their
column names and number formats from here; the Excel headers can too. An id that is not
in the table raises :class:`UnknownTermError` (a bug, never a silent fallback to the id).

Units: ``money`` (amounts held in bn RMB, shown in the chosen money unit, see
:mod:`fundmodel.units`), ``share`` (a fraction shown as %), ``multiplier``, ``pp``
(percentage points), ``ratio``, ``count``, ``year`` and ``none`` (a dimension such as a
field or a bank).

>>> term("total_investment_bn").label("zh")
'总投资'
>>> term("total_investment_bn").label_with_unit("zh", "yi")
'总投资（亿元）'
>>> term("total_investment_bn").format(7080, "yi")
'70,800'
>>> term("multiplier").format(14.16)
'14.16x'
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from fundmodel.units import decimals as money_decimals
from fundmodel.units import from_bn, unit_label

#: The units a term may have.
TERM_UNITS = ("money", "share", "multiplier", "pp", "pct", "ratio", "count", "year", "none")


class UnknownTermError(KeyError):
    """An output term that is not in the table (a programming error, not bad input)."""


@dataclass(frozen=True)
class Term:
    """One output term: ``id`` as used in results, ``unit`` (one of :data:`TERM_UNITS`),
    ``fmt`` (a ``str.format`` template; ``{d}`` is the money unit's decimals), labels and a
    one-line description."""

    id: str
    unit: str
    fmt: str
    zh: str
    en: str
    description: str

    @property
    def is_money(self) -> bool:
        """True when the term is an amount of money (held in bn RMB)."""
        return self.unit == "money"

    def label(self, lang: str = "en") -> str:
        """The label in ``lang`` ("zh" or "en")."""
        return self.zh if lang == "zh" else self.en

    def label_with_unit(self, lang: str = "en", money_unit: str = "bn") -> str:
        """The label with the money unit for money terms: "总投资（亿元）", "Total investment (bn RMB)".

        Other terms carry their unit in their label or their format; they get the label.

        >>> term("multiplier").label_with_unit("en", "yi")
        'Multiplier'
        """
        return with_unit(self.label(lang), lang, money_unit) if self.is_money else self.label(lang)

    def value_in(self, value: float, money_unit: str = "bn") -> float:
        """``value`` in the unit shown: money converted from bn RMB, others as given.

        >>> term("fund_bn").value_in(500, "yi")
        5000.0
        """
        return float(from_bn(value, money_unit)) if self.is_money else value

    def format(self, value: float, money_unit: str = "bn", decimals: int | None = None, lang: str = "en") -> str:
        """``value`` (money in bn RMB) as text in the term's format and ``money_unit``;
        ``decimals`` overrides the money unit's usual decimals; percentage points read
        个百分点 in Chinese.

        >>> term("private_share").format(0.2)
        '20.0%'
        >>> term("fund_bn").format(500, "bn", decimals=2)
        '500.00'
        >>> term("peak_growth_effect_pp").format(1.675, lang="zh")
        '+1.68 个百分点'
        """
        d = money_decimals(money_unit) if decimals is None else decimals
        text = self.fmt.format(self.value_in(value, money_unit), d=d)
        return pp_in(text, lang) if self.unit == "pp" else text


def pp_in(text: str, lang: str) -> str:
    """``text`` ending in the unit word "pp", with the word of ``lang`` (个百分点 in Chinese).

    >>> pp_in("+0.50 pp", "zh"), pp_in("+0.50 pp", "en")
    ('+0.50 个百分点', '+0.50 pp')
    """
    return text[: -len(" pp")] + " 个百分点" if lang == "zh" and text.endswith(" pp") else text


def with_unit(name: str, lang: str = "en", money_unit: str = "bn") -> str:
    """``name`` followed by the money unit in brackets of ``lang``.

    >>> with_unit("净新增投资", "zh", "yi"), with_unit("Net investment", "en", "bn")
    ('净新增投资（亿元）', 'Net investment (bn RMB)')
    """
    u = unit_label(money_unit, lang)
    return f"{name}（{u}）" if lang == "zh" else f"{name} ({u})"


@cache
def terms() -> dict[str, Term]:
    """The term table, by id (read once)."""
    text = resources.files("fundmodel").joinpath("inputs/data/terms.csv").read_text(encoding="utf-8")
    table: dict[str, Term] = {}
    for row in csv.DictReader(text.splitlines()):
        t = Term(row["id"], row["unit"], row["format"], row["zh"], row["en"], row["description"])
        if t.unit not in TERM_UNITS:
            raise ValueError(f"terms.csv: term {t.id!r} has unknown unit {t.unit!r} (use one of {TERM_UNITS})")
        if t.id in table:
            raise ValueError(f"terms.csv: term {t.id!r} declared twice")
        table[t.id] = t
    return table


def term(term_id: str) -> Term:
    """The term ``term_id``; :class:`UnknownTermError` when it is not in the table."""
    try:
        return terms()[term_id]
    except KeyError:
        raise UnknownTermError(f"{term_id!r} is not an output term (fundmodel/inputs/data/terms.csv)") from None


def is_term(term_id: str) -> bool:
    """True when ``term_id`` is in the table."""
    return term_id in terms()
