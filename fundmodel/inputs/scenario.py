"""Scenarios: YAML files of overrides on the baseline parameters (only what changes).

A scenario file::

    instrument: "2025"          # the parameter package it belongs to (default 2025)
    scenario:
      name: Reported outturn 2025
      description: ...
      reference: ...
      date: 2025-10-31
    overrides:
      fields:
        transport_logistics: {fund_share_of_capital: 0.33}
      allocation_bn:
        agriculture_rural: {adbc: 80}

Loading is as strict as for parameters: unknown keys, wrong types and out-of-range
values raise :class:`~fundmodel.inputs.parameters.ParameterError` naming the file and key.
A scenario belongs to one instrument (its overrides name that package's fields and banks):
a file without ``instrument:`` was written for the default, ``2025``; running it under
another instrument is one error naming both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fundmodel.core.result import Result
from fundmodel.core.topdown import run as run_model
from fundmodel.inputs.bundled import SCENARIO_DIR
from fundmodel.inputs.limits import quoted
from fundmodel.inputs.parameters import (
    DEFAULT_INSTRUMENT,
    ParameterError,
    Parameters,
    chosen_instrument,
    default_parameters,
    instrument_id,
    read_yaml,
    validation_issue,
)
from fundmodel.messages import Message


class ScenarioMeta(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    name: str = Field(min_length=1)
    name_zh: str | None = None
    description: str = ""
    description_zh: str = ""
    reference: str = ""
    date: dt.date | None = None


class ScenarioFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    instrument: str = Field(default=DEFAULT_INSTRUMENT, min_length=1)
    scenario: ScenarioMeta
    overrides: dict[str, Any] = Field(default_factory=dict)
    uncertainty: dict[str, Any] | None = None
    drivers: list[Any] | None = None


@dataclass(frozen=True)
class Scenario:
    """A named set of overrides on the baseline parameters."""

    name: str
    overrides: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    reference: str = ""
    source: str = "overrides"
    name_zh: str | None = None
    date: dt.date | None = None
    uncertainty: dict[str, Any] | None = None
    description_zh: str = ""
    instrument: str | None = None
    """The instrument (bundled name or package path) the overrides apply to; None: the chosen one."""
    #: identified drivers owning the overrides (fundmodel.analysis.decomposition), in order
    drivers: list[Any] | None = None

    @property
    def instrument_name(self) -> str:
        """The instrument this scenario runs under (:func:`~fundmodel.inputs.parameters.instrument_id`)."""
        return instrument_id(self.instrument)

    def check_instrument(self, instrument: str | None) -> None:
        """Refuse to run under another instrument than the scenario's (None: no check)."""
        if instrument is not None and instrument_id(instrument) != self.instrument_name:
            raise ParameterError(
                f"{self.source}: scenario {self.name!r} belongs to instrument {self.instrument_name!r}, "
                f"not {instrument_id(instrument)!r} (choose --instrument {self.instrument_name})"
            )

    def parameters(self, base: Parameters | None = None) -> Parameters:
        """The instrument's parameters with this scenario's overrides applied (validated)."""
        if base is not None:
            self.check_instrument(base.instrument_id)
        return (base or default_parameters(self.instrument)).with_overrides(self.overrides, source=self.source)

    def run(self, base: Parameters | None = None) -> Result:
        """Run the top-down model on this scenario."""
        return run_model(self.parameters(base), scenario_name=self.name)

    def to_dict(self) -> dict[str, Any]:
        """The content of this scenario's file: ``scenario:`` (name, and name_zh,
        description, reference and date when given), ``overrides:`` and, when declared,
        ``uncertainty:`` and ``drivers:``. :meth:`from_dict` reads it back."""
        meta: dict[str, Any] = {"name": self.name}
        for key in ("name_zh", "description", "description_zh", "reference", "date"):
            value = getattr(self, key)
            if value:
                meta[key] = value
        data: dict[str, Any] = {"scenario": meta, "overrides": dict(self.overrides)}
        if self.instrument is not None and self.instrument_name != DEFAULT_INSTRUMENT:
            data = {"instrument": self.instrument_name, **data}
        if self.uncertainty is not None:
            data["uncertainty"] = self.uncertainty
        if self.drivers is not None:
            data["drivers"] = self.drivers
        return data

    def to_yaml(self, header: str = "") -> str:
        """This scenario's file as YAML text (the only scenario serializer), after an
        optional ``header`` (comment lines).

        >>> print(Scenario("Edited", {"fields": {"digital_economy": {"capital_ratio": 0.25}}}).to_yaml())
        scenario:
          name: Edited
        overrides:
          fields:
            digital_economy:
              capital_ratio: 0.25
        <BLANKLINE>
        """
        return header + dump_scenario(self.to_dict())

    @classmethod
    def from_dict(cls, data: Any, source: str = "scenario") -> Scenario:
        """Validate a scenario mapping (as read from YAML); errors name ``source`` and the key."""
        if not isinstance(data, dict):
            raise ParameterError(Message("scenario_not_mapping", {"file": source, "got": quoted(data)}))
        try:
            parsed = ScenarioFile.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(x) for x in err["loc"]) or "scenario"
            raise ParameterError(validation_issue(source, loc, err)) from None
        meta = parsed.scenario
        scenario = cls(
            name=meta.name,
            overrides=dict(parsed.overrides),
            description=meta.description,
            reference=meta.reference,
            source=source,
            name_zh=meta.name_zh,
            date=meta.date,
            uncertainty=parsed.uncertainty,
            description_zh=meta.description_zh,
            instrument=instrument_id(parsed.instrument),
            drivers=parsed.drivers,
        )
        params = scenario.parameters()  # validate the overrides now, not at first use
        if parsed.uncertainty is not None:
            from fundmodel.analysis.uncertainty import parse_uncertainty  # late: uncertainty builds on the model

            parse_uncertainty(parsed.uncertainty, params, source)
        if parsed.drivers is not None:
            from fundmodel.analysis.decomposition import parse_drivers  # late: decomposition builds on the model

            parse_drivers(parsed.drivers, scenario.overrides, source)
        return scenario


def dump_scenario(document: Mapping[str, Any]) -> str:
    """A scenario file's content (as :meth:`Scenario.to_dict` gives it) as YAML text: keys
    in the given order, Chinese as written. Use :meth:`Scenario.to_yaml`; this is for text
    stored as given (the scenario library keeps what the user saved)."""
    return yaml.safe_dump(dict(document), allow_unicode=True, sort_keys=False)


def load_scenario(path: Path | str) -> Scenario:
    """Read and validate a scenario file.

    >>> load_scenario(SCENARIO_DIR / "baseline.yaml").name
    'Baseline: ex-ante expectation'
    """
    path = Path(path)
    scenario = Scenario.from_dict(read_yaml(path), source=path.name)
    scenario.check_instrument(chosen_instrument())
    return scenario


def baseline(instrument: str | None = None) -> Scenario:
    """The baseline scenario (no overrides) of ``instrument`` (default: the chosen one, else
    2025): for 2025 the bundled file, else the package's own values.

    >>> baseline("2025").name
    'Baseline: ex-ante expectation'
    """
    name = instrument_id(instrument)
    if name == DEFAULT_INSTRUMENT:
        return load_scenario(SCENARIO_DIR / "baseline.yaml")
    meta = default_parameters(name).instrument
    return Scenario(
        name=f"Baseline: {meta.name_en}",
        name_zh=f"基准情景：{meta.name_zh}",
        source=f"{name} (baseline)",
        instrument=name,
    )
