"""Mapping the user can correct: --map HEADER=COLUMN_ID on validate and --portfolio commands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from fundmodel.errors import PortfolioError
from fundmodel.inputs.bundled import PORTFOLIO_DIR, SCENARIO_DIR
from fundmodel.inputs.portfolio import parse_column_map, read_portfolio
from fundmodel.inputs.scenario import load_scenario

EXAMPLE = PORTFOLIO_DIR / "template_example.xlsx"
ROOT = Path(__file__).resolve().parent.parent


def _renamed(tmp_path: Path, old: str, new: str) -> Path:
    """The bundled template with the sub-header ``old`` (row 5) written as ``new``."""
    book = openpyxl.load_workbook(EXAMPLE)
    sheet = book.active
    [cell] = [c for c in sheet[5] if c.value == old]
    cell.value = new
    path = tmp_path / "renamed.xlsx"
    book.save(path)
    return path


def test_an_unrecognised_column_mapped_by_the_user_is_read(tmp_path: Path) -> None:
    path = _renamed(tmp_path, "申请金额", "拟申请工具资金")  # a header the reader does not know
    unmapped = read_portfolio(path)
    assert not unmapped.ok
    assert "missing_column" in {e.rule for e in unmapped.errors}
    mapped = read_portfolio(path, column_map={"资金结构/拟申请工具资金": "fund_requested_bn"})
    assert mapped.ok, mapped.report()
    # 319,900 + 25,600 + 20,000 万元 (unit line of the title block) = 3.655 bn
    assert mapped.frame["fund_requested_bn"].sum() == pytest.approx(3.655)
    assert "column '资金结构/拟申请工具资金' -> fund_requested_bn (--map)" in mapped.report()


def test_a_wrongly_mapped_column_is_corrected() -> None:
    swapped = read_portfolio(EXAMPLE, column_map={"项目名称": "project_id", "项目编号": "project_name"})
    assert swapped.frame.loc[6, "project_id"] == "示例城际铁路"
    assert swapped.frame.loc[6, "project_name"] == "TPL-1"


def test_the_map_is_kept_under_another_scenario(tmp_path: Path) -> None:
    path = _renamed(tmp_path, "申请金额", "拟申请工具资金")
    mapped = read_portfolio(path, column_map={"资金结构/拟申请工具资金": "fund_requested_bn"})
    params = load_scenario(SCENARIO_DIR / "cap_50pct.yaml").parameters()
    again = mapped.under(params)
    assert again is not mapped  # parsed again from the raw table, under the scenario
    assert again.ok and again.frame["fund_requested_bn"].sum() == pytest.approx(3.655)


def test_a_wrong_target_id_names_the_valid_ids() -> None:
    with pytest.raises(
        PortfolioError, match=r"unknown column id 'fund_requested' \(valid: project_id, .*fund_requested_bn"
    ):
        read_portfolio(EXAMPLE, column_map={"资金结构/申请金额": "fund_requested"})


def test_a_header_not_in_the_file_names_the_headers() -> None:
    with pytest.raises(PortfolioError, match=r"no column '申请金额' \(columns: .*'资金结构/申请金额'"):
        read_portfolio(EXAMPLE, column_map={"申请金额": "fund_requested_bn"})


def test_map_options_are_parsed() -> None:
    assert parse_column_map(["a=b", " 资金结构/申请金额 = fund_requested_bn"]) == {
        "a": "b",
        "资金结构/申请金额": "fund_requested_bn",
    }
    with pytest.raises(PortfolioError, match="HEADER=COLUMN_ID"):
        parse_column_map(["fund_requested_bn"])


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fundmodel", *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_validate_and_run_take_map(tmp_path: Path) -> None:
    path = _renamed(tmp_path, "申请金额", "拟申请工具资金")
    option = "资金结构/拟申请工具资金=fund_requested_bn"
    done = _cli("validate", str(path), "--map", option)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(--map)" in done.stdout
    wrong = _cli("validate", str(path), "--map", "资金结构/拟申请工具资金=fund_requested")
    assert wrong.returncode != 0 and "valid: project_id" in wrong.stderr
    run = _cli("run", "--portfolio", str(path), "--map", option)
    assert run.returncode == 0, run.stdout + run.stderr
    refused = _cli("run", "--portfolio", str(path))
    assert refused.returncode == 1 and "missing_column" in refused.stdout + refused.stderr
