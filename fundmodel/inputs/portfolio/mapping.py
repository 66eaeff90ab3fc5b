"""Column mappings kept for a template received every month: a small YAML file.

A mapping says how columns of a file are read (``header as the file writes it: column id``,
the same as ``--map HEADER=COLUMN_ID``) and, optionally, the money unit of money columns whose
header declares none. It is kept as a named profile under
``$XDG_DATA_HOME/fundmodel/mappings/NAME.yaml`` (default ``~/.local/share``), or given as a
file; both are read with the strict YAML loader (:mod:`fundmodel.inputs.yaml_loader`)::

    # fundmodel column mapping
    columns:
      资金结构/拟申请工具资金: fund_requested_bn
      建设单位: project_name
    input_unit: wan

>>> text = "columns:\\n  资金结构/拟申请工具资金: fund_requested_bn\\ninput_unit: wan\\n"
>>> parse_mapping(loads(text, "m.yaml"), "m.yaml")
ColumnMapping(columns={'资金结构/拟申请工具资金': 'fund_requested_bn'}, input_unit='wan', source='m.yaml')
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fundmodel.errors import PortfolioError
from fundmodel.inputs.portfolio.schema import SCHEMA
from fundmodel.inputs.yaml_loader import loads, read_yaml
from fundmodel.messages import Message
from fundmodel.outputs.atomic import write_text
from fundmodel.units import PER_BN

#: A profile name: letters (Chinese too), digits, ``_``, ``-`` and ``.`` inside; no path.
PROFILE_NAME = re.compile(r"^[\w\u4e00-\u9fff][\w\u4e00-\u9fff.-]{0,63}$")
#: The keys a mapping file may have.
MAPPING_KEYS = ("columns", "input_unit")


@dataclass(frozen=True)
class ColumnMapping:
    """Headers as files write them -> column ids, an optional unit, and where it came from."""

    columns: dict[str, str] = field(default_factory=dict)
    input_unit: str | None = None
    source: str | Message = ""  # a file name, ``--map``, or a profile (a message)


def mappings_dir() -> Path:
    """Where named profiles are kept: ``$XDG_DATA_HOME/fundmodel/mappings`` (the XDG base
    directory rule: an unset or relative ``XDG_DATA_HOME`` means ``~/.local/share``)."""
    base = os.environ.get("XDG_DATA_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / "fundmodel" / "mappings"


def profile_path(name: str) -> Path:
    """The file of profile ``name``; a name that could leave the folder is refused.

    >>> profile_path("../x")
    Traceback (most recent call last):
    ...
    fundmodel.errors.PortfolioError: mapping profile '../x': use letters, digits, _ and - (at most 64 characters)
    """
    if not PROFILE_NAME.match(name) or name.endswith("."):
        raise PortfolioError(Message("mapping_profile_bad_name", {"name": name[:80]}))
    return mappings_dir() / f"{name}.yaml"


def parse_mapping(data: Any, source: str) -> ColumnMapping:
    """A mapping read from YAML, checked: a ``columns`` mapping of header -> column id, an
    optional ``input_unit`` (bn, yi, wan), no other key."""
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict) or not data["columns"]:
        raise PortfolioError(Message("mapping_no_columns", {"source": source}))
    for key in data:
        if key not in MAPPING_KEYS:
            raise PortfolioError(
                Message(
                    "mapping_unknown_key", {"source": source, "key": str(key)[:60], "keys": ", ".join(MAPPING_KEYS)}
                )
            )
    columns: dict[str, str] = {}
    for header, cid in data["columns"].items():
        if not isinstance(cid, str) or cid not in SCHEMA:
            raise PortfolioError(
                Message(
                    "mapping_unknown_id",
                    {"source": source, "header": str(header)[:60], "id": str(cid)[:60], "ids": ", ".join(SCHEMA)},
                )
            )
        columns[str(header).strip()] = cid
    unit = data.get("input_unit")
    if unit is not None and unit not in PER_BN:
        raise PortfolioError(
            Message("mapping_unknown_unit", {"source": source, "unit": str(unit)[:20], "units": ", ".join(PER_BN)})
        )
    return ColumnMapping(columns, unit, source)


def read_mapping_file(path: Path | str) -> ColumnMapping:
    """A mapping file (``--mapping FILE``)."""
    path = Path(path)
    return parse_mapping(read_yaml(path), path.name)


def load_mapping_profile(name: str) -> ColumnMapping:
    """The named profile (``--mapping-profile NAME``); a missing one names the profiles kept."""
    path = profile_path(name)
    if not path.is_file():
        kept = ", ".join(mapping_profiles()) or Message("mapping_profiles_none")
        raise PortfolioError(
            Message("mapping_profile_missing", {"name": name, "folder": str(path.parent), "kept": kept})
        )
    mapping = read_mapping_file(path)
    return ColumnMapping(mapping.columns, mapping.input_unit, Message("mapping_source_profile", {"name": name}))


def mapping_profiles() -> list[str]:
    """The names of the profiles kept, sorted."""
    folder = mappings_dir()
    return sorted(p.stem for p in folder.glob("*.yaml") if p.is_file()) if folder.is_dir() else []


def mapping_yaml(mapping: ColumnMapping) -> str:
    """The YAML text of a mapping (what :func:`save_mapping_profile` writes).

    >>> print(mapping_yaml(ColumnMapping({"建设单位": "project_name"})), end="")
    # fundmodel column mapping: header as the file writes it -> column id
    columns:
      建设单位: project_name
    """
    data: dict[str, Any] = {"columns": dict(mapping.columns)}
    if mapping.input_unit:
        data["input_unit"] = mapping.input_unit
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False)
    return "# fundmodel column mapping: header as the file writes it -> column id\n" + body


def save_mapping_profile(name: str, mapping: ColumnMapping) -> Path:
    """Keep ``mapping`` as profile ``name`` (replacing one of that name, whole or not at all);
    returns its file. The mapping is checked as it will be read back."""
    path = profile_path(name)
    text = mapping_yaml(mapping)
    parse_mapping(loads(text, path.name), path.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_text(path, text, suffixes=(".yaml",))


def merged_mapping(*mappings: ColumnMapping) -> tuple[dict[str, str], dict[str, str | Message], str | None]:
    """Mappings applied in order (a later one wins for the same header): the column map,
    where each header's mapping came from, and the last unit given.

    >>> profile = ColumnMapping({"a": "project_id"}, "wan", "profile p")
    >>> merged_mapping(profile, ColumnMapping({"a": "project_name"}, None, "--map"))
    ({'a': 'project_name'}, {'a': '--map'}, 'wan')
    """
    columns: dict[str, str] = {}
    sources: dict[str, str | Message] = {}
    unit = None
    for mapping in mappings:
        for header, cid in mapping.columns.items():
            columns[header], sources[header] = cid, mapping.source
        unit = mapping.input_unit or unit
    return columns, sources, unit
