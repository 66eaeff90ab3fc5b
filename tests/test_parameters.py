"""Strict loading of parameter and scenario files: each kind of bad file gives a clear error."""

import shutil
from pathlib import Path

import pytest

from fundmodel.inputs.bundled import SCENARIO_DIR
from fundmodel.inputs.parameters import PARAMETER_DIR, ParameterError, bundled_instruments, load_parameters
from fundmodel.inputs.scenario import load_scenario


def test_bundled_parameters_carry_sources():
    p = load_parameters()
    sources = p.sources()
    assert len(sources) > 100
    for s in sources:
        assert s.unit and s.description and s.reference and s.date
    size = next(s for s in sources if s.path == "instrument.size_bn")
    assert size.value == 500 and "NDRC" in size.reference


def test_statutory_minimum_with_shortfall_reduction():
    p = load_parameters()
    # transport: railways/highways 20%, shortfall infrastructure -> 20% - 5 pp = 15%
    assert p.capital_ratio_minimum[p.field_ids.index("transport_logistics")] == pytest.approx(0.15)
    # digital economy: power and other 20%, no reduction
    assert p.capital_ratio_minimum[p.field_ids.index("digital_economy")] == pytest.approx(0.20)
    assert p.sector_minimum("steel_aluminium") == pytest.approx(0.40)


def test_caps_by_key_area():
    p = load_parameters()
    caps = dict(zip(p.field_ids, p.fund_share_cap, strict=True))
    assert caps["agriculture_rural"] == 0.8  # livelihood (key) field
    assert caps["digital_economy"] == 0.5


@pytest.fixture()
def param_dir(tmp_path: Path) -> Path:
    target = tmp_path / "parameters"
    shutil.copytree(PARAMETER_DIR, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# (file, text to replace, replacement, words the error must contain)
BAD_PARAMETER_FILES = [
    ("instrument.yaml", "size_bn:\n  value: 500", "size_bn:\n  value: -500", ["instrument.yaml", "size_bn", "-500"]),
    (
        "instrument.yaml",
        "size_bn:\n  value: 500",
        "size_bn:\n  value: five hundred",
        ["instrument.yaml", "size_bn", "number"],
    ),
    (
        "instrument.yaml",
        "cap_key_area:\n  value: 0.8",
        "cap_key_area:\n  value: 1.8",
        ["instrument.yaml", "cap_key_area", "1.8"],
    ),
    (
        "instrument.yaml",
        "private_share_min:",
        "surprise_key: 1\nprivate_share_min:",
        ["instrument.yaml", "surprise_key", "unknown key"],
    ),
    (
        "instrument.yaml",
        "cap_in_principle:",
        "size_bn: {value: 1}\ncap_in_principle:",
        ["instrument.yaml", "duplicate key", "size_bn"],
    ),
    (
        "instrument.yaml",
        '  reference: "NDRC press conference',
        '  refrence: "NDRC press conference',
        ["instrument.yaml", "size_bn", "refrence"],
    ),
    (
        "fields.yaml",
        "capital_ratio: {value: 0.2,",
        "capital_ratio: {value: 0,",
        ["fields.yaml", "fields.digital_economy.capital_ratio", "greater than or equal to 0.001"],
    ),
    (
        "fields.yaml",
        "additionality: {value: 0.6,",
        'additionality: {value: "0.6",',
        ["fields.yaml", "additionality", "number"],
    ),
    (
        "fields.yaml",
        "sector: {value: power_other,",
        "sector: {value: shipbuilding,",
        ["fields.yaml", "digital_economy.sector", "shipbuilding"],
    ),
    (
        "fields.yaml",
        "phasing_profile: {value: s_curve,",
        "phasing_profile: {value: linear,",
        ["fields.yaml", "phasing_profile", "linear"],
    ),
    ("fields.yaml", "key_area: {value: false,", "key_area: {value: 0,", ["fields.yaml", "key_area", "boolean"]),
    ("banks.yaml", "value: 250", "value: -250", ["banks.yaml", "banks.cdb.quota_bn", "-250"]),
    ("banks.yaml", "main_fields: [transport_logistics,", "main_fields: [space_travel,", ["banks.yaml", "space_travel"]),
    (
        "allocation.yaml",
        "{cdb: 30, adbc: 0,  exim: 15}",
        "{cdb: 30, adbc: 0,  exim: -15}",
        ["allocation.yaml", "digital_economy.exim"],
    ),
    ("allocation.yaml", "{cdb: 30, adbc: 0,  exim: 15}", "{cdb: 30, adbc: 0}", ["allocation.yaml", "digital_economy"]),
    ("macro.yaml", "value: 25000", "value: 0", ["macro.yaml", "base_level_bn"]),
    ("macro.yaml", "date: 2025-09-29\nbase_level_bn", "date: someday\nbase_level_bn", ["macro.yaml", "base_year.date"]),
    ("capital_ratios.yaml", "value: 0.05", "value: 5", ["capital_ratios.yaml", "shortfall_reduction"]),
    (
        "capital_ratios.yaml",
        "shortfall_reduction:",
        "shortfall_reduction: [\n",
        ["capital_ratios.yaml", "invalid YAML", "line"],
    ),
]


@pytest.mark.parametrize(
    ("name", "old", "new", "words"), BAD_PARAMETER_FILES, ids=[f"{b[0]}:{b[3][-1]}" for b in BAD_PARAMETER_FILES]
)
def test_bad_parameter_file(param_dir, name, old, new, words):
    _edit(param_dir / name, old, new)
    with pytest.raises(ParameterError) as err:
        load_parameters(param_dir)
    message = str(err.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


@pytest.mark.parametrize(
    ("name", "old", "line"),
    [
        ("instrument.yaml", '  description_zh: "工具规模；全部用于补充项目资本金。"\n', "instrument.size_bn"),
        ("fields.yaml", ', description_zh: "项目资本金 / 总投资（k）。"', "fields.digital_economy.capital_ratio"),
        (
            "capital_ratios.yaml",
            '\n      description_zh: "机场的最低资本金比例。"',
            "capital_ratios.sectors.airports.minimum",
        ),
    ],
)
def test_a_parameter_without_its_chinese_description_is_refused(param_dir, name, old, line):
    # every parameter has a description in both languages, as every field has a name in both
    _edit(param_dir / name, old, "")
    with pytest.raises(ParameterError) as err:
        load_parameters(param_dir)
    message = str(err.value)
    assert message.endswith(f"/{name}: {line}.description_zh: required key is missing"), message
    assert "\n" not in message


def test_every_bundled_parameter_has_a_chinese_description():
    for name in bundled_instruments():
        for src in load_parameters(instrument=name).sources():
            assert src.describe("zh") and src.describe("zh") != src.describe("en"), (name, src.path)
            assert src.describe("en") == src.description


def test_missing_parameter_file(param_dir):
    (param_dir / "macro.yaml").unlink()
    with pytest.raises(ParameterError, match=r"macro\.yaml.*cannot read"):
        load_parameters(param_dir)


def test_not_utf8(param_dir):
    (param_dir / "banks.yaml").write_bytes("name_zh: 国家开发银行\n".encode("gb18030"))
    with pytest.raises(ParameterError, match=r"banks\.yaml.*UTF-8"):
        load_parameters(param_dir)


# ---------------------------------------------------------------- scenarios

BAD_SCENARIOS = [
    ("overrides: {}\n", ["scenario", "required key is missing"]),
    ("scenario: {name: x, colour: red}\n", ["scenario.colour", "unknown key"]),
    ("scenario: {name: x}\nextras: 1\n", ["extras", "unknown key"]),
    ("scenario: {name: x}\noverrides: {weather: {sunny: true}}\n", ["overrides.weather", "unknown key"]),
    ("scenario: {name: x}\noverrides: {fields: {nope: {capital_ratio: 0.2}}}\n", ["fields.nope", "unknown key"]),
    (
        "scenario: {name: x}\noverrides: {fields: {digital_economy: {capital_ratio: 1.2}}}\n",
        ["fields.digital_economy.capital_ratio", "1.2"],
    ),
    (
        "scenario: {name: x}\noverrides: {fields: {digital_economy: {capital_ratio: high}}}\n",
        ["fields.digital_economy.capital_ratio", "number"],
    ),
    (
        "scenario: {name: x}\noverrides: {fields: {digital_economy: {capital_ratio: {value: 0.3}}}}\n",
        ["fields.digital_economy.capital_ratio", "single value"],
    ),
    (
        "scenario: {name: x}\noverrides: {allocation_bn: {digital_economy: {cdb: -1}}}\n",
        ["allocation_bn", "digital_economy.cdb"],
    ),
    (
        "scenario: {name: x}\noverrides: {allocation_bn: {digital_economy: {pboc: 1}}}\n",
        ["allocation_bn.digital_economy.pboc", "unknown key"],
    ),
    (
        "scenario: {name: x}\noverrides: {banks: {cdb: {fund_share_scale: 0}}}\n",
        ["banks.cdb.fund_share_scale", "greater than or equal to 0.001"],
    ),
    ("scenario: {name: x}\noverrides: {instrument: {size_bn: -1}}\n", ["instrument.size_bn", "-1"]),
    (
        "scenario: {name: x}\noverrides: {fields: {digital_economy: {sector: shipbuilding}}}\n",
        ["shipbuilding", "unknown sector"],
    ),
    (
        "scenario: {name: x}\noverrides: {fields: {digital_economy: {construction_years: 2.5}}}\n",
        ["construction_years", "integer"],
    ),
    ("scenario: {name: x}\noverrides: {fields: {digital_economy: 0.3}}\n", ["fields.digital_economy", "mapping"]),
    ("scenario: {name: x}\nscenario: {name: y}\n", ["duplicate key", "scenario"]),
    ("- just\n- a list\n", ["must be a mapping"]),
]


@pytest.mark.parametrize(("text", "words"), BAD_SCENARIOS, ids=[b[1][0] for b in BAD_SCENARIOS])
def test_bad_scenario_file(tmp_path, text, words):
    path = tmp_path / "my_scenario.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError) as err:
        load_scenario(path)
    message = str(err.value)
    assert "my_scenario.yaml" in message
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


def test_override_records_its_source(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "scenario: {name: s}\noverrides: {fields: {digital_economy: {capital_ratio: 0.25}}}\n", encoding="utf-8"
    )
    params = load_scenario(path).parameters()
    entry = next(s for s in params.sources() if s.path == "fields.digital_economy.capital_ratio")
    assert entry.value == 0.25 and entry.overridden_by == "s.yaml"
    assert params.capital_ratio[0] == 0.25


def test_growth_years_can_be_added_but_not_allocation_keys():
    p = load_parameters()
    q = p.with_overrides({"macro": {"growth_pct": {2026: 2.0}}})
    assert q.macro.growth_pct.value[2026] == 2.0
    assert p.macro.growth_pct.value.get(2026) is None  # the original is untouched


def test_bundled_scenarios_load():
    names = {load_scenario(path).name for path in SCENARIO_DIR.glob("*.yaml")}
    fit, outturn = "Fit to the reported 2025 totals (explains nothing)", "Outturn 2025 from identified drivers"
    assert {"Baseline: ex-ante expectation", fit, outturn, "50% cap in every field"} <= names
