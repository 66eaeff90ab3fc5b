"""Parameters keyed by date (OpenFisca style): the capital-ratio minimums of 国发〔2015〕51号
and 国发〔2019〕26号, read at the instrument's date."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from fundmodel.inputs.parameters import PARAMETER_DIR, ParameterError, load_parameters, value_in_force


def _source(params, path):
    return next(s for s in params.sources() if s.path == path)


def test_bundled_parameters_read_at_the_instrument_date():
    p = load_parameters()
    assert p.instrument.size_bn.date == dt.date(2025, 9, 29)
    # 国发〔2019〕26号 lowered ports and shipping from 25% to 20% and allowed -5 pp for shortfall infrastructure
    assert p.sector_minimum("ports_shipping") == pytest.approx(0.20)
    assert p.capital_ratios.shortfall_reduction.value == pytest.approx(0.05)
    s = _source(p, "capital_ratios.sectors.ports_shipping.minimum")
    assert (s.reference, s.date, s.unit) == ("国发〔2019〕26号", "2019-11-13", "share of total investment")


def test_before_2019_the_2015_values_apply():
    p = load_parameters(as_of=dt.date(2018, 6, 30))
    assert p.sector_minimum("ports_shipping") == pytest.approx(0.25)
    assert p.sector_minimum("airports") == pytest.approx(0.25)
    assert p.capital_ratios.shortfall_reduction.value == 0.0
    assert _source(p, "capital_ratios.sectors.cement.minimum").reference == "国发〔2015〕51号"
    # a shortfall-filling field's minimum is its sector's, with no reduction yet: k_min = 0.20 - 0 * 0.05
    today = load_parameters()
    shortfall = [i for i, f in enumerate(today.fields.values()) if f.shortfall_infrastructure.value]
    for i in shortfall:
        assert p.capital_ratio_minimum[i] == pytest.approx(today.capital_ratio_minimum[i] + 0.05)


def test_no_value_in_force_is_an_error_naming_the_parameter():
    with pytest.raises(ParameterError, match=r"capital_ratios.yaml.shortfall_reduction: no value in force on 2010"):
        load_parameters(as_of=dt.date(2010, 1, 1))


def test_a_dated_entry_without_reference_is_refused(tmp_path):
    for f in PARAMETER_DIR.glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    path = tmp_path / "capital_ratios.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('{value: 0.25, reference: "国发〔2015〕51号"}', "{value: 0.25}", 1), encoding="utf-8")
    with pytest.raises(ParameterError, match=r"sectors.ports_shipping.minimum.values.2015-09-09: must be"):
        load_parameters(tmp_path)


def test_value_in_force_takes_the_latest_date_on_or_before():
    node = {
        "description": "d",
        "unit": "u",
        "values": {
            dt.date(2015, 9, 9): {"value": 0.25, "reference": "a"},
            dt.date(2019, 11, 13): {"value": 0.2, "reference": "b"},
        },
    }
    assert value_in_force(node, dt.date(2019, 11, 13), "x")["reference"] == "b"  # in force on its own date
    assert value_in_force(node, dt.date(2019, 11, 12), "x")["value"] == 0.25
