"""Policy parameters: strict loading of an instrument's parameter package.

An instrument is a folder of the same YAML files (instrument, fields, banks, capital
ratios, macro base, allocation); the bundled ones are in
``fundmodel/inputs/parameter_files/instruments/<name>/`` (``2025``, the default, and
``2022``), and any folder holding the same files can be named by its path. The fields, banks
and caps are whatever the package declares.

Every value in those files is a *parameter*: a mapping with ``value``, ``unit``,
``description``, ``description_zh`` (the same in Chinese, as names have ``name_en`` and
``name_zh``), ``reference`` and ``date`` (the OpenFisca habit of keeping policy
facts, with their sources, apart from the formulas that use them).

Loading is strict: unknown keys, duplicate keys, wrong types and out-of-range values
raise :class:`ParameterError`, whose message names the file and the key path.

Money is in bn RMB throughout (1 bn = 10 亿元); shares are fractions (0.2 = 20%).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fundmodel.errors import ParameterError
from fundmodel.inputs import yaml_loader
from fundmodel.inputs.limits import quoted
from fundmodel.messages import Message, message_or_text

#: The bundled instruments, one parameter package (folder) each.
INSTRUMENT_ROOT = Path(__file__).with_name("parameter_files") / "instruments"
#: The instrument used when none is chosen.
DEFAULT_INSTRUMENT = "2025"
#: The default instrument's package.
PARAMETER_DIR = INSTRUMENT_ROOT / DEFAULT_INSTRUMENT

#: The files that make up the parameters, and the section each one fills.
SECTION_FILES: dict[str, str] = {
    "instrument": "instrument.yaml",
    "fields": "fields.yaml",
    "banks": "banks.yaml",
    "capital_ratios": "capital_ratios.yaml",
    "macro": "macro.yaml",
    "allocation": "allocation.yaml",
}


# --------------------------------------------------------------------------- YAML


def read_yaml(path: Path | str) -> Any:
    """Read a YAML file strictly (:func:`fundmodel.inputs.yaml_loader.read_yaml`)."""
    return yaml_loader.read_yaml(path)


# ------------------------------------------------------------------------ schema

T = TypeVar("T")
# Every number has a finite range (no .inf, .nan, 1e-300 or 1e308): MAX_AMOUNT_BN is 1,000
# trillion RMB, several times China's GDP; a positive share or scale below MIN_POSITIVE is a typo.
MAX_AMOUNT_BN = 1e6
MIN_POSITIVE = 1e-3
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
PositiveShare = Annotated[float, Field(ge=MIN_POSITIVE, le=1, allow_inf_nan=False)]
AmountBn = Annotated[float, Field(ge=0, le=MAX_AMOUNT_BN, allow_inf_nan=False)]
PositiveAmountBn = Annotated[float, Field(ge=MIN_POSITIVE, le=MAX_AMOUNT_BN, allow_inf_nan=False)]
Scale = Annotated[float, Field(ge=MIN_POSITIVE, le=1 / MIN_POSITIVE, allow_inf_nan=False)]
GrowthPct = Annotated[float, Field(gt=-100, le=100, allow_inf_nan=False)]
Year = Annotated[int, Field(ge=1990, le=2100)]
Years = Annotated[int, Field(ge=1, le=30)]
Text = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Param(_Strict, Generic[T]):
    """One policy value with its unit, meaning, source and date."""

    value: T
    unit: Text
    description: Text
    description_zh: Text
    reference: Text
    date: dt.date

    def describe(self, lang: str = "en") -> str:
        """The description in ``lang`` ("zh": Chinese, else English)."""
        return self.description_zh if lang == "zh" else self.description


class Instrument(_Strict):
    name_zh: Text
    name_en: Text
    size_bn: Param[PositiveAmountBn]
    cap_in_principle: Param[PositiveShare]
    cap_key_area: Param[PositiveShare]
    private_share_min: Param[Share]
    target_total_investment_bn: Param[AmountBn]
    target_uplift_pp: Param[GrowthPct]
    reported_total_investment_bn: Param[AmountBn] | None = None
    funding_rate: Param[Share]
    buyback_rollover_share: Param[Share]
    buyback_default_share: Param[Share]
    lgfv_share_of_public_debt: Param[Share]


class FieldParams(_Strict):
    name_zh: Text
    name_en: Text
    group: Text
    key_area: Param[bool]
    sector: Param[Text]
    shortfall_infrastructure: Param[bool]
    capital_ratio: Param[PositiveShare]
    fund_share_of_capital: Param[PositiveShare]
    infrastructure_share: Param[Share]
    additionality: Param[Share]
    sunk_share: Param[Share]
    private_share: Param[Share]
    start_year: Param[Year]
    construction_years: Param[Years]
    phasing_profile: Param[Literal["s_curve", "uniform"]]


class FieldsFile(_Strict):
    fields: dict[str, FieldParams] = Field(min_length=1)


class ShortName(_Strict):
    """A bank's short name (table headers), in both languages, with where it is written so."""

    zh: Text
    en: Text
    reference: Text


class Bank(_Strict):
    name_zh: Text
    name_en: Text
    short_name: ShortName | None = None
    vehicle_zh: Text
    main_fields: list[str]
    quota_bn: Param[AmountBn]
    fund_share_scale: Param[Scale]
    reported_total_investment_bn: Param[AmountBn] | None = None


class BanksFile(_Strict):
    banks: dict[str, Bank] = Field(min_length=1)


class Sector(_Strict):
    name_zh: Text
    name_en: Text
    minimum: Param[PositiveShare]


class CapitalRatios(_Strict):
    shortfall_reduction: Param[Share]
    sectors: dict[str, Sector] = Field(min_length=1)


class Macro(_Strict):
    measure: Param[Text]
    base_year: Param[Year]
    base_level_bn: Param[PositiveAmountBn]
    growth_pct: Param[dict[Year, GrowthPct]]
    projected_growth_pct: Param[GrowthPct]
    disbursement_date: Param[dt.date]
    pro_rata_attribution: Param[bool]


class AllocationFile(_Strict):
    allocation_bn: Param[dict[str, dict[str, AmountBn]]]


_SECTION_MODELS: dict[str, type[_Strict]] = {
    "instrument": Instrument,
    "fields": FieldsFile,
    "banks": BanksFile,
    "capital_ratios": CapitalRatios,
    "macro": Macro,
    "allocation": AllocationFile,
}


def _format_loc(loc: tuple[Any, ...]) -> str:
    # pydantic puts the generic type name into locations of Param[...]; drop it.
    return ".".join(str(p) for p in loc if not (isinstance(p, str) and "[" in p))


def validation_issue(where: str, loc: str, err: Mapping[str, Any]) -> Message:
    """One pydantic error as a message, ``where: key.path: rule (got value)``: the rule by
    its pydantic type (``validation_<type>``, with the type's context such as ``ge``) where
    the table has it, else in pydantic's words (a validator's own sentence).

    >>> err = {"type": "greater_than_equal", "msg": "...", "ctx": {"ge": 0.0}, "input": -1}
    >>> validation_issue("a.yaml", "fields.x.capital_ratio", err).render("zh")
    'a.yaml：fields.x.capital_ratio：应大于或等于 0.0（实际为 -1）'
    """
    kind = str(err["type"])
    rule = message_or_text(f"validation_{kind}", err["msg"], dict(err.get("ctx") or {}))
    got = err.get("input")
    if kind not in ("missing", "extra_forbidden") and not isinstance(got, dict | list):
        rule = Message("validation_got", {"rule": rule, "got": quoted(got)})
    return Message("validation_issue", {"where": where, "loc": loc, "rule": rule})


# ----------------------------------------------------------------- parameters


def _frozen(a: np.ndarray) -> np.ndarray:
    """Parameters are shared (cached per process): their arrays are read-only."""
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class SourceEntry:
    """One parameter as used in a run: where its value came from."""

    path: str
    value: Any
    unit: str
    description: str
    reference: str
    date: str
    overridden_by: str | None = None
    description_zh: str = ""

    def describe(self, lang: str = "en") -> str:
        """The description in ``lang`` ("zh": Chinese, else English).

        >>> SourceEntry("p", 1, "u", "Size", "r", "2025-01-01", description_zh="规模").describe("zh")
        '规模'
        """
        return self.description_zh if lang == "zh" else self.description


@dataclass(frozen=True)
class Parameters:
    """Validated parameters, the raw tree they came from, and which values were overridden.

    Use :func:`load_parameters` and :meth:`with_overrides`; do not build directly.
    """

    instrument: Instrument
    fields: dict[str, FieldParams]
    banks: dict[str, Bank]
    capital_ratios: CapitalRatios
    macro: Macro
    allocation_bn: dict[str, dict[str, float]]
    raw: dict[str, Any] = field(repr=False)
    overridden: dict[str, str] = field(default_factory=dict, repr=False)
    instrument_id: str = DEFAULT_INSTRUMENT
    """The instrument these parameters belong to: a bundled name (``2025``) or a package's path."""

    @cached_property
    def fingerprint(self) -> str:
        """A digest of every value: equal fingerprints mean the same parameters, however built."""
        text = json.dumps(self.raw, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    # --- ids and labels -------------------------------------------------
    @property
    def field_ids(self) -> list[str]:
        return list(self.fields)

    @property
    def bank_ids(self) -> list[str]:
        return list(self.banks)

    # --- per-field vectors (numpy, in field order) ------------------------
    def _vector(self, name: str) -> np.ndarray:
        return _frozen(np.array([getattr(f, name).value for f in self.fields.values()], dtype=float))

    @cached_property
    def capital_ratio(self) -> np.ndarray:
        return self._vector("capital_ratio")

    @cached_property
    def fund_share_of_capital(self) -> np.ndarray:
        return self._vector("fund_share_of_capital")

    @cached_property
    def infrastructure_share(self) -> np.ndarray:
        return self._vector("infrastructure_share")

    @cached_property
    def additionality(self) -> np.ndarray:
        return self._vector("additionality")

    @cached_property
    def sunk_share(self) -> np.ndarray:
        return self._vector("sunk_share")

    @cached_property
    def private_share(self) -> np.ndarray:
        return self._vector("private_share")

    @cached_property
    def fund_share_cap(self) -> np.ndarray:
        """Cap on s per field: the key-area cap for key fields, else the cap in principle."""
        key = self._vector("key_area").astype(bool)
        inst = self.instrument
        return _frozen(np.where(key, inst.cap_key_area.value, inst.cap_in_principle.value))

    @cached_property
    def capital_ratio_minimum(self) -> np.ndarray:
        """Statutory minimum k per field: its sector's minimum, less the shortfall
        reduction where the field is shortfall-filling infrastructure."""
        sectors = self.capital_ratios.sectors
        minimum = np.array([sectors[f.sector.value].minimum.value for f in self.fields.values()])
        reduction = self.capital_ratios.shortfall_reduction.value
        return _frozen(minimum - reduction * self._vector("shortfall_infrastructure"))

    @cached_property
    def allocation_matrix(self) -> np.ndarray:
        """Fields x banks allocation in bn RMB (rows in field order, columns in bank order)."""
        a = self.allocation_bn
        return _frozen(np.array([[a[f][b] for b in self.bank_ids] for f in self.field_ids], dtype=float))

    @cached_property
    def fund_share_scale(self) -> np.ndarray:
        """Per-bank scale on the fund share of capital (banks in order)."""
        return _frozen(np.array([b.fund_share_scale.value for b in self.banks.values()], dtype=float))

    @cached_property
    def cell_fund_share(self) -> np.ndarray:
        """Fund share of capital of each (field, bank) cell: s_f x scale_b."""
        return _frozen(self.fund_share_of_capital[:, None] * self.fund_share_scale[None, :])

    @cached_property
    def bank_quota(self) -> np.ndarray:
        return _frozen(np.array([b.quota_bn.value for b in self.banks.values()], dtype=float))

    def sector_minimum(self, sector: str) -> float:
        return self.capital_ratios.sectors[sector].minimum.value

    # --- sources --------------------------------------------------------
    def sources(self) -> list[SourceEntry]:
        """Every parameter value with its unit, reference and date, and the scenario
        that overrode it (if any)."""
        out: list[SourceEntry] = []

        def walk(node: Any, path: str) -> None:
            if _is_param(node):
                out.append(
                    SourceEntry(
                        path=path,
                        value=node["value"],
                        unit=node["unit"],
                        description=node["description"],
                        reference=node["reference"],
                        date=str(node["date"]),
                        overridden_by=self.overridden.get(path),
                        description_zh=node["description_zh"],
                    )
                )
            elif isinstance(node, dict):
                for key, child in node.items():
                    walk(child, f"{path}.{key}" if path else str(key))

        for section, tree in self.raw.items():
            walk(tree, _prefix(section))
        return out

    # --- overrides ------------------------------------------------------
    def with_overrides(self, overrides: Mapping[str, Any] | None, source: str = "overrides") -> Parameters:
        """Return new parameters with ``overrides`` applied (a nested mapping of only the
        values that change, e.g. ``{"fields": {"digital_economy": {"capital_ratio": 0.25}}}``).

        Errors name ``source`` (a scenario file) and the key path.
        """
        if not overrides:
            return self
        raw = copy.deepcopy(self.raw)
        overridden = dict(self.overridden)
        if not isinstance(overrides, Mapping):
            raise ParameterError(
                Message("override_not_mapping", {"file": source, "key": "overrides", "got": quoted(overrides)})
            )
        for section, value in overrides.items():
            if section not in _OVERRIDE_ROOTS:
                raise ParameterError(
                    f"{source}: overrides.{section}: unknown key (allowed: {', '.join(_OVERRIDE_ROOTS)})"
                )
            file_section = _OVERRIDE_ROOTS[section]
            prefix = _prefix(file_section)
            if prefix:
                _merge(raw[file_section], value, prefix, source, overridden)
            else:
                _merge(raw[file_section], {section: value}, "", source, overridden)
        return _build(raw, overridden, override_source=source, instrument_id=self.instrument_id)


#: Override keys a scenario may use, mapped to the parameter section they change.
_OVERRIDE_ROOTS: dict[str, str] = {
    "instrument": "instrument",
    "fields": "fields",
    "banks": "banks",
    "capital_ratios": "capital_ratios",
    "macro": "macro",
    "allocation_bn": "allocation",
}


def _prefix(section: str) -> str:
    """Key paths read the same in files, overrides and errors: sections whose file has
    no single top key are prefixed with the section name (``instrument.size_bn``)."""
    return section if section in ("instrument", "capital_ratios", "macro") else ""


def _is_param(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node and "reference" in node


def _merge(base: dict, over: Any, path: str, source: str, overridden: dict[str, str]) -> None:
    if not isinstance(over, Mapping):
        raise ParameterError(
            Message("override_not_mapping", {"file": source, "key": path or "overrides", "got": quoted(over)})
        )
    for key, value in over.items():
        here = f"{path}.{key}" if path else str(key)
        if key not in base:
            raise ParameterError(Message("override_unknown_key", {"file": source, "key": here}))
        node = base[key]
        if _is_param(node):
            if isinstance(node["value"], dict):
                if isinstance(value, Mapping) and "value" not in value:
                    _merge_value_dict(node["value"], value, here, source, grow=key == "growth_pct")
                else:
                    params = {"file": source, "key": here, "got": quoted(value)}
                    raise ParameterError(Message("override_not_values", params))
            elif isinstance(value, Mapping):
                raise ParameterError(
                    Message("override_not_single", {"file": source, "key": here, "got": quoted(value)})
                )
            else:
                node["value"] = value
            overridden[here] = source
        elif isinstance(node, dict):
            _merge(node, value, here, source, overridden)
        else:
            base[key] = value
            overridden[here] = source


def _merge_value_dict(base: dict, over: Mapping, path: str, source: str, grow: bool) -> None:
    for key, value in over.items():
        here = f"{path}.{key}"
        if key not in base and not grow:
            known = ", ".join(map(str, base))
            raise ParameterError(Message("override_unknown_key_known", {"file": source, "key": here, "known": known}))
        if isinstance(base.get(key), dict):
            if not isinstance(value, Mapping):
                raise ParameterError(
                    Message("override_not_mapping", {"file": source, "key": here, "got": quoted(value)})
                )
            _merge_value_dict(base[key], value, here, source, grow=False)
        else:
            base[key] = value


def _validate_section(section: str, tree: Any, where: str, overridden: Mapping[str, str]) -> Any:
    model = _SECTION_MODELS[section]
    if not isinstance(tree, dict):
        raise ParameterError(Message("parameters_not_mapping", {"file": where, "got": type(tree).__name__}))
    try:
        return model.model_validate(tree)
    except ValidationError as exc:
        messages = []
        for err in exc.errors():
            loc = ".".join(p for p in (_prefix(section), _format_loc(err["loc"])) if p)
            src = where
            for opath, osrc in overridden.items():
                if loc == opath or loc.startswith(opath + "."):
                    src = osrc
            messages.append(validation_issue(src, loc or section, err))
        raise ParameterError(Message("list", {"items": messages})) from None


def _cross_check(p: dict[str, Any], where: dict[str, str]) -> None:
    fields: dict[str, FieldParams] = p["fields"].fields
    banks: dict[str, Bank] = p["banks"].banks
    sectors = p["capital_ratios"].sectors
    for fid, f in fields.items():
        if f.sector.value not in sectors:
            raise ParameterError(
                f"{where['fields']}: fields.{fid}.sector.value: unknown sector {f.sector.value!r} "
                f"(known: {', '.join(sectors)})"
            )
    for bid, b in banks.items():
        for fid in b.main_fields:
            if fid not in fields:
                raise ParameterError(f"{where['banks']}: banks.{bid}.main_fields: unknown field {fid!r}")
    alloc = p["allocation"].allocation_bn.value
    _same_keys(alloc, fields, where["allocation"], "allocation_bn.value", "field", where["fields"])
    for fid, row in alloc.items():
        _same_keys(row, banks, where["allocation"], f"allocation_bn.value.{fid}", "bank", where["banks"])
    macro = p["macro"]
    if macro.base_year.value not in macro.growth_pct.value and not macro.growth_pct.value:
        raise ParameterError(f"{where['macro']}: growth_pct.value: needs at least one year")


def _same_keys(got: Mapping[str, Any], declared: Mapping[str, Any], file: str, path: str, what: str, decl: str) -> None:
    """The keys of ``got`` (an allocation's rows or columns) are the declared ids, in order:
    a missing, unknown or reordered one is named with its file and key."""
    missing = [k for k in declared if k not in got]
    if missing:
        raise ParameterError(f"{file}: {path}.{missing[0]}: no entry for {what} {missing[0]!r} declared in {decl}")
    extra = [k for k in got if k not in declared]
    if extra:
        raise ParameterError(f"{file}: {path}.{extra[0]}: unknown {what} {extra[0]!r} (not declared in {decl})")
    if list(got) != list(declared):
        raise ParameterError(f"{file}: {path}: the {what}s must be in the order of {decl}: {', '.join(declared)}")


def _build(
    raw: dict[str, Any],
    overridden: dict[str, str],
    override_source: str | None = None,
    instrument_id: str = DEFAULT_INSTRUMENT,
) -> Parameters:
    where = _files_of(instrument_id)
    sections = {}
    for section, tree in raw.items():
        sections[section] = _validate_section(section, tree, where[section], overridden)
    try:
        _cross_check(sections, where)
    except ParameterError as exc:
        if override_source and overridden:
            said = exc.text or Message("text", {"text": str(exc)})
            raise ParameterError(Message("override_after", {"file": override_source, "error": said})) from None
        raise
    return Parameters(
        instrument=sections["instrument"],
        fields=dict(sections["fields"].fields),
        banks=dict(sections["banks"].banks),
        capital_ratios=sections["capital_ratios"],
        macro=sections["macro"],
        allocation_bn={f: dict(r) for f, r in sections["allocation"].allocation_bn.value.items()},
        raw=raw,
        overridden=overridden,
        instrument_id=instrument_id,
    )


#: What a dated parameter states once, for all its dates.
_DATED_KEYS = ("description", "description_zh", "unit")


def _is_dated(node: Any) -> bool:
    """A parameter whose values are keyed by the date they took effect (OpenFisca style)."""
    return isinstance(node, dict) and "values" in node and "description" in node and "value" not in node


def value_in_force(node: Mapping[str, Any], as_of: dt.date, where: str) -> dict[str, Any]:
    """The value of a dated parameter in force on ``as_of``: the entry with the latest date
    on or before it, as a plain parameter (value, unit, description, description_zh,
    reference, date).

    A dated parameter states its descriptions and unit once and, under ``values``, each
    date with its value and reference::

        minimum:
          description: Minimum capital ratio for ports and shipping.
          description_zh: 港口、沿海及内河航运的最低资本金比例。
          unit: share of total investment
          values:
            2015-09-09: {value: 0.25, reference: 国发〔2015〕51号}
            2019-11-13: {value: 0.20, reference: 国发〔2019〕26号}

    >>> node = {"description": "d", "unit": "u", "values": {
    ...     dt.date(2015, 9, 9): {"value": 0.25, "reference": "51"},
    ...     dt.date(2019, 11, 13): {"value": 0.2, "reference": "26"}}}
    >>> [value_in_force(node, dt.date(y, 1, 1), "x")["value"] for y in (2018, 2025)]
    [0.25, 0.2]
    """
    extra = set(node) - {*_DATED_KEYS, "values"}
    if extra:
        raise ParameterError(
            f"{where}: unknown key {sorted(extra)[0]!r} (a dated parameter has {', '.join(_DATED_KEYS)}, values)"
        )
    values = node["values"]
    if not isinstance(values, dict) or not values:
        raise ParameterError(f"{where}.values: must map dates to {{value, reference}} (got {values!r})")
    for date, entry in values.items():
        if not isinstance(date, dt.date):
            raise ParameterError(f"{where}.values: key {date!r} is not a date (YYYY-MM-DD)")
        if not isinstance(entry, dict) or set(entry) != {"value", "reference"}:
            raise ParameterError(f"{where}.values.{date}: must be {{value, reference}} (got {entry!r})")
    in_force = [d for d in values if d <= as_of]
    if not in_force:
        raise ParameterError(f"{where}: no value in force on {as_of} (the first takes effect {min(values)})")
    date = max(in_force)
    entry = values[date]
    # a missing description_zh is left out, for the schema to name it like any missing key
    stated = {key: node[key] for key in _DATED_KEYS if key in node}
    return {"value": entry["value"], **stated, "reference": entry["reference"], "date": date}


def resolve_dated(tree: Any, as_of: dt.date, where: str) -> Any:
    """``tree`` with every dated parameter replaced by its value in force on ``as_of``."""
    if _is_dated(tree):
        return value_in_force(tree, as_of, where)
    if isinstance(tree, dict):
        return {k: resolve_dated(v, as_of, f"{where}.{k}") for k, v in tree.items()}
    return tree


def instrument_date(raw_instrument: Any, file: str = SECTION_FILES["instrument"]) -> dt.date:
    """The instrument's date (the date of its size, the announcement): the date at which
    dated parameters are read."""
    try:
        date = raw_instrument["size_bn"]["date"]
    except (KeyError, TypeError):
        raise ParameterError(f"{file}: size_bn.date: required key is missing") from None
    if not isinstance(date, dt.date):
        raise ParameterError(f"{file}: size_bn.date: must be a date (got {date!r})")
    return date


# ----------------------------------------------------------------- instruments


def bundled_instruments() -> list[str]:
    """The names of the bundled instruments, newest first.

    >>> bundled_instruments()[:2]
    ['2025', '2022']
    """
    return list(_bundled_instruments(INSTRUMENT_ROOT.stat().st_mtime_ns))


@functools.lru_cache(maxsize=4)
def _bundled_instruments(root_mtime_ns: int) -> tuple[str, ...]:
    # Listed once per state of the folder (its modification time is the key): every label of a
    # field or bank asks for it, thousands of times on a page of projects.
    names = [d.name for d in INSTRUMENT_ROOT.iterdir() if (d / SECTION_FILES["instrument"]).is_file()]
    return tuple(sorted(names, reverse=True))


def instrument_dir(instrument: str | Path) -> Path:
    """The package folder of ``instrument``: a bundled name or a folder's path.

    >>> instrument_dir("2025") == PARAMETER_DIR
    True
    """
    text = str(instrument)
    if text in bundled_instruments():
        return INSTRUMENT_ROOT / text
    path = Path(text).expanduser()
    if path.is_dir():
        if not (path / SECTION_FILES["instrument"]).is_file():
            raise ParameterError(
                f"instrument {text!r}: the folder has no {SECTION_FILES['instrument']} "
                f"(a package holds {', '.join(SECTION_FILES.values())})"
            )
        return path.resolve()
    raise ParameterError(
        f"instrument {text!r}: neither a bundled instrument ({', '.join(bundled_instruments())}) nor a folder"
    )


def instrument_id(instrument: str | Path | None) -> str:
    """The name recorded for ``instrument``: a bundled name as is, else the folder's full path;
    None is the chosen instrument (:func:`using_instrument`), else the default.

    >>> instrument_id(PARAMETER_DIR)
    '2025'
    """
    if instrument is None:
        return _ACTIVE.get() or DEFAULT_INSTRUMENT
    directory = instrument_dir(instrument)
    return directory.name if directory.parent == INSTRUMENT_ROOT else str(directory)


def _files_of(instrument: str) -> dict[str, str]:
    """How errors name each file of ``instrument``'s package: ``2022/fields.yaml``, or the
    full path of a package outside the bundle (the default's files by their names alone)."""
    if instrument == DEFAULT_INSTRUMENT:
        return dict(SECTION_FILES)
    return {section: str(Path(instrument) / name) for section, name in SECTION_FILES.items()}


#: The instrument chosen for this command or dashboard run (None: the default).
_ACTIVE: ContextVar[str | None] = ContextVar("fundmodel_instrument", default=None)


def chosen_instrument() -> str | None:
    """The instrument chosen with :func:`using_instrument`, or None when none was chosen."""
    return _ACTIVE.get()


@contextmanager
def using_instrument(instrument: str | Path | None) -> Iterator[str | None]:
    """Within the block, :func:`default_parameters` (and everything that falls back on it)
    loads ``instrument``; None leaves the default. The CLI's ``--instrument`` uses this."""
    name = None if instrument is None else instrument_id(instrument)
    if name is not None:
        default_parameters(name)  # a broken package fails here, with its file and key
    token = _ACTIVE.set(name)
    try:
        yield name
    finally:
        _ACTIVE.reset(token)


def load_parameters(
    directory: Path | str | None = None, as_of: dt.date | None = None, instrument: str | Path | None = None
) -> Parameters:
    """Load and validate an instrument's parameter package: ``instrument`` (a bundled name or
    a folder), or the folder ``directory``, default the chosen instrument, else ``2025``;
    dated parameters are read at ``as_of`` (default: the instrument's date).

    >>> p = load_parameters()
    >>> p.instrument.size_bn.value
    500.0
    >>> load_parameters(instrument="2022").instrument.size_bn.value
    739.9
    >>> load_parameters(as_of=dt.date(2018, 1, 1)).sector_minimum("ports_shipping")
    0.25
    """
    name = instrument_id(instrument if instrument is not None else directory)
    folder = instrument_dir(name)
    files = _files_of(name)
    raw = {section: read_yaml(folder / file) for section, file in SECTION_FILES.items()}
    as_of = as_of or instrument_date(raw["instrument"], files["instrument"])
    raw = {section: resolve_dated(tree, as_of, files[section]) for section, tree in raw.items()}
    return _build(raw, {}, instrument_id=name)


_LOADED: dict[str, Parameters] = {}


def default_parameters(instrument: str | Path | None = None) -> Parameters:
    """The parameters of ``instrument`` (default: the chosen one, else ``2025``) as bundled,
    loaded once per process (they are immutable)."""
    name = instrument_id(instrument)
    if name not in _LOADED:
        _LOADED[name] = load_parameters(instrument=name)
    return _LOADED[name]
