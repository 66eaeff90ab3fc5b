"""Instruments as parameter packages: chosen by name or folder, recorded in every output,
strictly validated, and a scenario bound to its instrument."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
import yaml
from _instrument import FIVE_FIELDS, TWO_BANKS, small_instrument
from openpyxl import load_workbook

from fundmodel import load_parameters
from fundmodel.cli import build_parser, main
from fundmodel.core.topdown import run
from fundmodel.inputs.parameters import (
    DEFAULT_INSTRUMENT,
    PARAMETER_DIR,
    ParameterError,
    default_parameters,
    instrument_id,
    using_instrument,
)
from fundmodel.inputs.scenario import Scenario, baseline, load_scenario
from fundmodel.outputs.excel import export_workbook
from fundmodel.outputs.report import render_table


@pytest.fixture()
def small(tmp_path: Path) -> Path:
    return small_instrument(tmp_path / "small")


def _edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_the_default_instrument_is_2025_by_name_or_by_folder():
    assert DEFAULT_INSTRUMENT == "2025"
    by_name = load_parameters(instrument="2025")
    assert by_name.fingerprint == load_parameters(PARAMETER_DIR).fingerprint == default_parameters().fingerprint
    assert by_name.instrument_id == instrument_id(PARAMETER_DIR) == "2025"


def test_a_package_declares_its_own_fields_and_banks(small: Path):
    p = load_parameters(instrument=small)
    assert p.field_ids == FIVE_FIELDS and p.bank_ids == TWO_BANKS
    assert p.allocation_matrix.shape == (5, 2)
    assert p.instrument_id == str(small.resolve())
    result = run(p)
    # every cell is still F / (s k): the sum over the five fields and two banks by hand
    expected = sum(
        p.allocation_bn[f][b] / (p.fields[f].fund_share_of_capital.value * p.fields[f].capital_ratio.value)
        for f in FIVE_FIELDS
        for b in TWO_BANKS
    )
    assert result.total_investment_bn == pytest.approx(expected)
    assert not result.errors


def test_an_unknown_instrument_is_one_clear_error(tmp_path: Path):
    with pytest.raises(ParameterError, match="neither a bundled instrument"):
        load_parameters(instrument="1999")
    with pytest.raises(ParameterError, match=r"no instrument\.yaml"):
        load_parameters(instrument=tmp_path)


def test_a_field_added_without_a_cap_names_file_and_key(small: Path):
    def add(data):
        new = copy.deepcopy(data["fields"]["digital_economy"])
        del new["key_area"]  # key_area chooses the field's cap
        data["fields"]["quantum"] = new

    _edit_yaml(small / "fields.yaml", add)
    with pytest.raises(ParameterError) as err:
        load_parameters(instrument=small)
    assert "fields.yaml" in str(err.value) and "fields.quantum.key_area" in str(err.value)


def test_a_field_added_without_its_allocation_row_names_file_and_key(small: Path):
    def add(data):
        data["fields"]["quantum"] = copy.deepcopy(data["fields"]["digital_economy"])

    _edit_yaml(small / "fields.yaml", add)
    with pytest.raises(ParameterError) as err:
        load_parameters(instrument=small)
    message = str(err.value)
    assert "allocation.yaml" in message and "allocation_bn.value.quantum" in message and "fields.yaml" in message


def test_an_allocation_with_a_bank_not_declared_names_file_and_key(small: Path):
    _edit_yaml(small / "allocation.yaml", lambda d: d["allocation_bn"]["value"]["digital_economy"].update(exim=1.0))
    with pytest.raises(
        ParameterError, match=r"allocation\.yaml: allocation_bn\.value\.digital_economy\.exim: unknown bank"
    ):
        load_parameters(instrument=small)


def test_a_bank_without_a_quota_names_file_and_key(small: Path):
    _edit_yaml(small / "banks.yaml", lambda d: d["banks"]["adbc"].pop("quota_bn"))
    with pytest.raises(ParameterError, match=r"banks\.yaml: banks\.adbc\.quota_bn: required key is missing"):
        load_parameters(instrument=small)


def test_a_scenario_refuses_another_instrument(small: Path):
    s = Scenario("Small", {"banks": {"adbc": {"fund_share_scale": 0.9}}}, instrument=str(small), source="small.yaml")
    with pytest.raises(ParameterError) as err:
        s.parameters(default_parameters("2025"))
    message = str(err.value)
    assert "small.yaml" in message and str(small.resolve()) in message and "'2025'" in message
    # the file records the instrument and reads back under it
    again = Scenario.from_dict(yaml.safe_load(s.to_yaml()), source="again.yaml")
    assert again.instrument_name == str(small.resolve())
    assert again.parameters().banks["adbc"].fund_share_scale.value == 0.9


def test_a_2025_scenario_file_under_another_chosen_instrument_is_one_error(small: Path, tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text("scenario: {name: Plain}\noverrides: {}\n", encoding="utf-8")
    assert load_scenario(path).instrument_name == "2025"  # no key: written for 2025
    with using_instrument(small), pytest.raises(ParameterError, match="belongs to instrument '2025'"):
        load_scenario(path)
    with using_instrument(small):
        assert baseline().parameters().instrument_id == str(small.resolve())


def test_every_command_takes_the_one_instrument_option():
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert len(commands) >= 12
    for name, command in commands.items():
        options = {o for a in command._actions for o in a.option_strings}
        assert "--instrument" in options, name


def test_the_instrument_is_recorded_in_json_report_and_workbook(small: Path, tmp_path: Path, capsys):
    assert main(["run", "--instrument", str(small), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["instrument"] == str(small.resolve())
    assert {r["field"] for r in out["by_field"]} == set(FIVE_FIELDS)
    result = run(load_parameters(instrument=small))
    assert f"Instrument: {small.resolve()} New policy-based financial instrument" in render_table(result)
    book = tmp_path / "small.xlsx"
    export_workbook(result, book, lang="en", unit="bn")
    cover = load_workbook(book)["Cover"]
    assert cover["A2"].value == "Instrument" and cover["B2"].value.startswith(str(small.resolve()))


def test_a_copy_of_a_bundled_package_runs_like_it(tmp_path: Path):
    shutil.copytree(PARAMETER_DIR, tmp_path / "copy")
    copied = run(load_parameters(instrument=tmp_path / "copy"))
    assert copied.total_investment_bn == pytest.approx(run(default_parameters()).total_investment_bn)


def test_the_2022_instrument_runs_at_ten_times_ex_ante():
    """Ex ante every 2022 cell has s = 0.5 and k = 0.2, so I = F / (0.5 x 0.2) = 10 F:
    739.9 bn -> 7,399 bn; ADBC's 245.9 bn -> 2,459 bn."""
    p = default_parameters("2022")
    assert p.instrument.size_bn.value == 739.9
    assert p.bank_ids == ["cdb", "adbc", "exim"] and len(p.field_ids) == 7
    assert p.allocation_matrix.sum() == pytest.approx(739.9)
    assert p.allocation_matrix.sum(axis=0).tolist() == pytest.approx(p.bank_quota.tolist())
    result = run(p)
    assert result.total_investment_bn == pytest.approx(7399.0)
    assert result.by_bank.loc["adbc", "total_investment_bn"] == pytest.approx(2459.0)
    assert not result.errors
    # the 2019 capital-ratio rules are in force on the instrument's date (2022-11-16)
    assert p.capital_ratios.shortfall_reduction.value == 0.05
    assert result.to_dict()["instrument"] == "2022"
    assert result.by_year.index.min() == 2022


def test_run_under_2022_from_the_command_line(capsys):
    assert main(["run", "--instrument", "2022", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["instrument"] == "2022" and out["fund_size_bn"] == pytest.approx(739.9)
    assert main(["run", "--instrument", "2022", "--scenario", "portfolios/scenarios/fit_reported_2025.yaml"]) == 2
    assert "belongs to instrument '2025', not '2022'" in capsys.readouterr().err
