"""A new round made from the template: five fields and two banks, copied with
``fundmodel new-instrument`` and edited, runs every command without error."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from _instrument import FIVE_FIELDS, TWO_BANKS, shrink

from fundmodel.cli import build_parser, main
from fundmodel.inputs.bundled import PORTFOLIO_DIR
from fundmodel.inputs.parameters import ParameterError, load_parameters


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("round")
    assert main(["new-instrument", "round3", "--from", "2025", "--dir", str(base)]) == 0
    package = shrink(base / "round3")
    frame = pd.read_csv(PORTFOLIO_DIR / "national_synthetic.csv")
    frame = frame[frame["field"].isin(FIVE_FIELDS) & frame["bank"].isin(TWO_BANKS)].head(60)
    portfolio = base / "round3_projects.csv"
    frame.to_csv(portfolio, index=False)
    scenario = base / "round3.yaml"
    scenario.write_text(
        yaml.safe_dump(
            {
                "instrument": str(package),
                "scenario": {"name": "Round 3 test"},
                "overrides": {"banks": {"adbc": {"fund_share_scale": 0.9}}},
                "uncertainty": {
                    "draws": 200,
                    "seed": 1,
                    "distributions": {
                        "fund_share_of_capital": {
                            "all": {"dist": "triangular", "low": 0.9, "mode": 1.0, "high": 1.1, "relative": True}
                        },
                        "capital_ratio": {"green_low_carbon": {"dist": "normal", "mean": 0.22, "sd": 0.02}},
                    },
                },
            },
            allow_unicode=True,
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    return {"package": package, "portfolio": portfolio, "scenario": scenario, "base": base}


def commands(small: dict[str, Path]) -> dict[str, list[str]]:
    pkg, pf, sc, base = (str(small[k]) for k in ("package", "portfolio", "scenario", "base"))
    book = str(small["base"] / "round3.xlsx")
    db = str(small["base"] / "library.sqlite")
    return {
        "run": ["run", "--instrument", pkg, "--format", "json"],
        "run --portfolio": ["run", "--scenario", sc, "--portfolio", pf, "--format", "json"],
        "validate": ["validate", pf, "--instrument", pkg],
        "export": ["export", "--scenario", sc, "--out", book],
        "import-excel": ["import-excel", book, "--instrument", pkg, "--out", f"{base}/from_book.yaml"],
        "compare": ["compare", sc, f"{base}/from_book.yaml"],
        "sensitivity": ["sensitivity", "--scenario", sc, "--format", "json"],
        "goal-seek": [
            "goal-seek",
            "--scenario",
            sc,
            "--target",
            "4000",
            "--assumption",
            "capital_ratio",
            "--format",
            "json",
        ],
        "montecarlo": ["montecarlo", sc, "--draws", "200", "--format", "json"],
        "project-montecarlo": [
            "project-montecarlo",
            "--scenario",
            sc,
            "--portfolio",
            pf,
            "--draws",
            "50",
            "--format",
            "json",
        ],
        "sensitivity (table)": ["sensitivity", "--scenario", sc],
        "select": ["select", "--scenario", sc, "--portfolio", pf, "--format", "json"],
        "metrics": ["metrics", "--instrument", pkg, "--portfolio", pf, "--format", "json"],
        "scenarios": ["scenarios", "save", sc, "--db", db, "--author", "tester"],
        "backtest": ["backtest", "--instrument", pkg, "--format", "json"],
        "new-instrument": ["new-instrument", "round4", "--from", pkg, "--dir", base],
        "briefing": ["briefing", "--scenario", sc, "--out", f"{base}/briefing.pdf"],
        "mapping": ["mapping", "list"],
    }


def test_every_command_is_exercised(small):
    parser = build_parser()
    names = set(next(a for a in parser._actions if a.dest == "command").choices)
    assert names == {c.split()[0] for c in commands(small)}


def _recorded(document) -> set[str]:
    """The instruments a command's JSON records (a document, or a list of records)."""
    records = document if isinstance(document, list) else [document]
    return {r["instrument"] for r in records if isinstance(r, dict) and "instrument" in r}


@pytest.mark.parametrize("name", list(commands({k: Path("/x") for k in ("package", "portfolio", "scenario", "base")})))
def test_command_runs_on_five_fields_and_two_banks(small, name: str, capsys):
    code = main(commands(small)[name])
    out, err = capsys.readouterr()
    assert code == 0, f"{name}: exit {code}: {err}"
    command = commands(small)[name]
    if "json" in command and name != "compare":
        assert _recorded(json.loads(out)) == {str(small["package"].resolve())}, name
    if name == "run":
        result = json.loads(out)
        assert [r["field"] for r in result["by_field"]] == FIVE_FIELDS
        assert [r["bank"] for r in result["by_bank"]] == TWO_BANKS
        assert result["instrument"] == str(small["package"].resolve())


def test_an_edited_copy_is_validated_strictly(small, tmp_path: Path):
    assert main(["new-instrument", "broken", "--from", str(small["package"]), "--dir", str(tmp_path)]) == 0
    banks = tmp_path / "broken" / "banks.yaml"
    data = yaml.safe_load(banks.read_text(encoding="utf-8"))
    del data["banks"]["cdb"]["quota_bn"]
    banks.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ParameterError, match=r"banks\.yaml: banks\.cdb\.quota_bn: required key is missing"):
        load_parameters(instrument=tmp_path / "broken")
