"""A small instrument for tests: the 2025 package cut to five fields and two banks."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from fundmodel.inputs.parameters import PARAMETER_DIR

FIVE_FIELDS = [
    "digital_economy",
    "consumption_infrastructure",
    "green_low_carbon",
    "agriculture_rural",
    "municipal_parks",
]
TWO_BANKS = ["cdb", "adbc"]


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _dump(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def small_instrument(target: Path, source: Path = PARAMETER_DIR) -> Path:
    """Copy ``source`` to ``target`` and :func:`shrink` it."""
    shutil.copytree(source, target)
    return shrink(target)


def shrink(target: Path) -> Path:
    """Keep five fields and two banks of the 2025 package in ``target``; each bank's allocation
    is scaled to its quota and the size is the sum of the quotas (so every check passes)."""
    fields = _load(target / "fields.yaml")
    fields["fields"] = {f: fields["fields"][f] for f in FIVE_FIELDS}
    _dump(target / "fields.yaml", fields)
    banks = _load(target / "banks.yaml")
    banks["banks"] = {b: banks["banks"][b] for b in TWO_BANKS}
    for bank in banks["banks"].values():
        bank["main_fields"] = [f for f in bank["main_fields"] if f in FIVE_FIELDS]
    _dump(target / "banks.yaml", banks)
    alloc = _load(target / "allocation.yaml")
    rows = {f: {b: float(alloc["allocation_bn"]["value"][f][b]) for b in TWO_BANKS} for f in FIVE_FIELDS}
    for b in TWO_BANKS:
        quota = float(banks["banks"][b]["quota_bn"]["value"])
        total = sum(r[b] for r in rows.values())
        for r in rows.values():
            r[b] = r[b] * quota / total
    alloc["allocation_bn"]["value"] = rows
    _dump(target / "allocation.yaml", alloc)
    inst = _load(target / "instrument.yaml")
    inst["size_bn"]["value"] = sum(float(banks["banks"][b]["quota_bn"]["value"]) for b in TWO_BANKS)
    _dump(target / "instrument.yaml", inst)
    return target
