"""``--encoding NAME``: a CSV portfolio in an encoding the reader does not try by itself
(Big5, from Taiwan or Hong Kong) is read when the user names it; an unknown name, or a row
not in the named encoding, is one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from fundmodel.cli import main
from fundmodel.errors import PortfolioError
from fundmodel.inputs.portfolio import read_portfolio
from tests.test_language import english_sentences

HEADER = (
    "project_id,project_name,field,bank,province,private,total_investment_bn,capital_ratio,"
    "fund_requested_bn,start_year,construction_years\n"
)
ROWS = (
    "T1,臺北捷運環狀線,transport_logistics,cdb,北京,否,10,0.2,0.5,2025,3\n"
    "T2,高雄輕軌,digital_economy,adbc,北京,否,8,0.2,0.4,2025,2\n"
)


def _big5(tmp_path: Path) -> Path:
    path = tmp_path / "big5.csv"
    path.write_bytes((HEADER + ROWS).encode("big5"))
    return path


def test_a_big5_file_is_read_when_named_and_refused_otherwise(tmp_path):
    path = _big5(tmp_path)
    with pytest.raises(PortfolioError):
        read_portfolio(path)  # UTF-8 and GB18030 are tried, and Big5 is not silently misread
    portfolio = read_portfolio(path, encoding="big5")
    assert portfolio.ok, portfolio.report()
    assert portfolio.frame["project_name"].tolist() == ["臺北捷運環狀線", "高雄輕軌"]
    assert portfolio.frame["fund_requested_bn"].sum() == pytest.approx(0.9)


def test_the_command_line_takes_encoding(tmp_path, capsys):
    path = _big5(tmp_path)
    assert main(["validate", str(path), "--encoding", "big5", "--format", "json"]) == 0
    assert '"projects": 2' in capsys.readouterr().out
    assert main(["run", "--portfolio", str(path), "--encoding", "big5", "--format", "json"]) == 0
    assert '"fund_size_bn": 0.9' in capsys.readouterr().out


@pytest.mark.parametrize("name", ["klingon", "base64"])
def test_an_unknown_encoding_is_one_clear_line(name, tmp_path, capsys):
    path = _big5(tmp_path)
    assert main(["validate", str(path), "--encoding", name]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"fundmodel: error: --encoding '{name}': not a text encoding (e.g. utf-8, gb18030, big5)"
    assert main(["validate", str(path), "--encoding", name, "--lang", "zh"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"fundmodel：错误：--encoding '{name}'：不是可识别的文本编码（例如 utf-8、gb18030、big5）"
    assert not english_sentences(err)


def test_a_row_not_in_the_named_encoding_is_named(tmp_path, capsys):
    path = tmp_path / "mixed.csv"
    path.write_bytes((HEADER + ROWS).encode("big5") + "T3,四川,digital_economy,cdb,北京,否,1,0.2,0.1,2025,2\n".encode())
    assert main(["validate", str(path), "--encoding", "big5", "--lang", "zh"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "fundmodel：错误：mixed.csv：第 4 行不是 big5 编码的文本（请检查 --encoding 选项）"
