"""Named column mappings (``fundmodel mapping save``, ``--mapping-profile``) and mapping files
(``--mapping``), kept under a temporary ``XDG_DATA_HOME``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fundmodel.cli import main
from fundmodel.errors import PortfolioError
from fundmodel.inputs.portfolio import read_portfolio
from fundmodel.inputs.portfolio.mapping import (
    ColumnMapping,
    load_mapping_profile,
    mappings_dir,
    merged_mapping,
    read_mapping_file,
    save_mapping_profile,
)

# A monthly list whose fund column has a header no alias knows; money in 万元, said nowhere.
MONTHLY = (
    "项目编号,项目名称,所属领域,政策性银行,省份,民营企业项目,总投资,资本金比例,拟申请工具资金,开工年份,建设期\n"
    "M-1,示例物流园,交通物流,国开行,江苏,否,200000,0.2,12000,2025,2\n"
    "M-2,示例冷链,农业农村,农发行,山东,否,50000,0.25,3500,2026,2\n"
)
# fund: 12,000 + 3,500 万元 = 15,500 万元 = 0.155 bn; investment 250,000 万元 = 2.5 bn.


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


@pytest.fixture
def monthly(tmp_path: Path) -> Path:
    path = tmp_path / "monthly.csv"
    path.write_text(MONTHLY, encoding="utf-8")
    return path


def test_a_saved_profile_reads_the_monthly_list(data_home: Path, monthly: Path, capsys: pytest.CaptureFixture) -> None:
    assert read_portfolio(monthly).n_errors > 0  # fund column unknown, unit undeclared
    argv = ["mapping", "save", "月报", "--map", "拟申请工具资金=fund_requested_bn", "--input-unit", "wan"]
    assert main(argv) == 0
    path = data_home / "fundmodel" / "mappings" / "月报.yaml"
    assert f"to {path}" in capsys.readouterr().out
    assert path.read_text(encoding="utf-8").splitlines()[1:] == [
        "columns:",
        "  拟申请工具资金: fund_requested_bn",
        "input_unit: wan",
    ]
    assert main(["validate", str(monthly), "--mapping-profile", "月报"]) == 0
    report = capsys.readouterr().out
    assert "monthly.csv: 2 projects, 0 errors" in report
    assert "column '拟申请工具资金' -> fund_requested_bn (profile 月报)" in report
    assert main(["run", "--portfolio", str(monthly), "--mapping-profile", "月报", "--format", "json"]) == 0
    totals = json.loads(capsys.readouterr().out)["totals"]
    assert totals["fund_bn"] == pytest.approx(0.155)
    assert totals["total_investment_bn"] == pytest.approx(2.5)
    assert main(["mapping", "list"]) == 0
    assert capsys.readouterr().out.strip().endswith(": 月报")


def test_map_wins_over_the_profile_and_the_option_unit_over_its_unit(data_home: Path, monthly: Path) -> None:
    save_mapping_profile("p", ColumnMapping({"拟申请工具资金": "other_public_funding_bn"}, "wan"))
    profile = load_mapping_profile("p")
    assert str(profile.source) == "profile p"
    columns, sources, unit = merged_mapping(
        profile, ColumnMapping({"拟申请工具资金": "fund_requested_bn"}, None, "--map")
    )
    assert (columns, sources, unit) == ({"拟申请工具资金": "fund_requested_bn"}, {"拟申请工具资金": "--map"}, "wan")
    portfolio = read_portfolio(monthly, unit="yi", column_map=columns, column_map_sources=sources)
    # read in 亿元: 12,000 亿元 = 1,200 bn; 3,500 亿元 = 350 bn (under the profile's 万元: 0.12 and 0.035)
    assert portfolio.frame["fund_requested_bn"].tolist() == pytest.approx([1200.0, 350.0])


def test_a_mapping_file(tmp_path: Path, monthly: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("columns:\n  拟申请工具资金: fund_requested_bn\ninput_unit: wan\n", encoding="utf-8")
    assert read_mapping_file(path) == ColumnMapping({"拟申请工具资金": "fund_requested_bn"}, "wan", "m.yaml")
    assert main(["validate", str(monthly), "--mapping", str(path)]) == 0
    assert "(m.yaml)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("columns:\n  a: &x project_id\n  b: *x\n", "anchors and aliases"),
        ("columns:\n  a: project_id\n  a: project_name\n", "duplicate key"),
        ("columns: {}\n", "a mapping needs 'columns:'"),
        ("columns:\n  a: project_id\nsheet: x\n", "unknown key 'sheet'"),
        ("columns:\n  a: fund\n", "unknown column id 'fund'"),
        ("columns:\n  a: project_id\ninput_unit: yuan\n", "input_unit 'yuan' is not a money unit"),
    ],
)
def test_a_wrong_mapping_file_is_refused_naming_it(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(Exception, match=r"bad\.yaml") as info:
        read_mapping_file(path)
    assert error in str(info.value)


def test_profile_names_stay_in_the_folder_and_missing_ones_name_the_kept(data_home: Path) -> None:
    for name in ("../x", "a/b", "", ".hidden", "x" * 65):
        with pytest.raises(PortfolioError, match="use letters, digits"):
            save_mapping_profile(name, ColumnMapping({"a": "project_id"}))
    save_mapping_profile("kept-1", ColumnMapping({"a": "project_id"}))
    with pytest.raises(PortfolioError, match=r"no mapping profile 'other' .* \(kept: kept-1\)"):
        load_mapping_profile("other")


def test_without_xdg_data_home_profiles_live_in_local_share(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert mappings_dir() == tmp_path / ".local" / "share" / "fundmodel" / "mappings"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/path")  # not absolute: ignored, as the XDG rule says
    assert mappings_dir() == tmp_path / ".local" / "share" / "fundmodel" / "mappings"


def test_a_mapped_header_keeps_the_unit_it_names(tmp_path: Path) -> None:
    path = tmp_path / "unit.csv"
    text = MONTHLY.replace("拟申请工具资金", "拟申请工具资金（万元）").replace(",总投资,", ",总投资(万元),")
    path.write_text(text, "utf-8")
    portfolio = read_portfolio(path, column_map={"拟申请工具资金（万元）": "fund_requested_bn"})
    assert portfolio.ok, portfolio.report()
    # 12,000 and 3,500 万元 = 0.12 and 0.035 bn (1 bn = 100,000 万元)
    assert portfolio.units["fund_requested_bn"] == "wan"
    assert portfolio.frame["fund_requested_bn"].tolist() == pytest.approx([0.12, 0.035])
