"""Every value in a source-bearing parameter file carries a source a reader can look up:
a publication with a URL or a document number, or a statement that it is fundmodel's own
assumption or choice; and a date. No reference names an untraceable source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
INSTRUMENTS = ROOT / "fundmodel" / "inputs" / "parameter_files" / "instruments"
#: Every file of every bundled instrument package (the capital-ratio rules are dated documents).
FILES = [
    *sorted(p for p in INSTRUMENTS.glob("*/*.yaml") if p.name != "capital_ratios.yaml"),
    ROOT / "fundmodel" / "inputs" / "data" / "cashflow_defaults.yaml",
    ROOT / "fundmodel" / "inputs" / "data" / "synthetic_calibration.yaml",
]
#: A URL-like address (domain with a dot and a path or a known TLD) or a document number.
LOOKUP = re.compile(r"([a-z0-9-]+\.)+(com|cn|org|net|int|eu|gov|ai|hk)\b|https?://|〔\d{4}〕\d+号|VID=\d+|newsid", re.I)
OWN = re.compile(r"fundmodel (assumption|choice|mapping)", re.I)
UNTRACEABLE = re.compile(r"seed article|digitalphablet|\brewrite\b", re.I)


def params_of(node, path=""):
    """Every {value, reference, ...} mapping in a parsed YAML tree, with its key path."""
    if isinstance(node, dict):
        if "value" in node:
            yield path, node
            return
        for key, child in node.items():
            yield from params_of(child, f"{path}.{key}" if path else str(key))


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_value_has_a_source(path):
    params = list(params_of(yaml.safe_load(path.read_text(encoding="utf-8"))))
    assert params, f"{path.name}: no values found"
    problems = []
    for key, p in params:
        ref = str(p.get("reference") or "")
        if not ref.strip() or not p.get("date"):
            problems.append(f"{key}: no reference or no date")
        elif UNTRACEABLE.search(ref):
            problems.append(f"{key}: untraceable reference {ref!r}")
        elif not (LOOKUP.search(ref) or OWN.search(ref)):
            problems.append(f"{key}: reference has no URL, document number or 'fundmodel assumption': {ref!r}")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_the_checker_catches_a_missing_source():
    bad = {
        "x": {"value": 1, "reference": "seed article", "date": "2025-01-01"},
        "y": {"value": 2, "reference": "a blog"},
    }
    found = dict(params_of(bad))
    assert UNTRACEABLE.search(found["x"]["reference"])
    assert not (LOOKUP.search(found["y"]["reference"]) or OWN.search(found["y"]["reference"]))
