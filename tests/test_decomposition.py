"""The outturn from identified drivers, the dispersion of s·k, and the sequential
decomposition of a scenario's difference into its drivers (hand-computed cases)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fundmodel.analysis.decomposition import (
    DECOMPOSED_METRICS,
    RESIDUAL,
    Driver,
    decompose,
    dispersion_by_field,
    parse_drivers,
    render_decomposition,
    restrict_overrides,
    sequential_decomposition,
    sk_dispersion,
)
from fundmodel.errors import ParameterError
from fundmodel.inputs.bundled import PORTFOLIO_DIR, SCENARIO_DIR
from fundmodel.inputs.portfolio import read_portfolio
from fundmodel.inputs.scenario import Scenario, load_scenario
from tests.test_sources import LOOKUP, OWN, UNTRACEABLE

ROOT = Path(__file__).resolve().parent.parent
OUTTURN = SCENARIO_DIR / "outturn_2025.yaml"
REPORTED_BN = {"cdb": 3850.0, "adbc": 1930.0, "exim": 1300.0}


@pytest.fixture(scope="module")
def outturn():
    return load_scenario(OUTTURN)


@pytest.fixture(scope="module")
def decomposition(outturn):
    return decompose(load_scenario(SCENARIO_DIR / "baseline.yaml"), outturn)


# ------------------------------------------------------------- dispersion


def test_dispersion_by_hand():
    # F = 1, 2, 1 bn; I = 10, 40, 5 bn -> s·k = 0.1, 0.05, 0.2
    # M = 55 / 4 = 13.75x; mean s·k = (1*0.1 + 2*0.05 + 1*0.2) / 4 = 0.1; 1/0.1 = 10x; D = 1.375
    d = sk_dispersion(np.array([1.0, 2.0, 1.0]), np.array([10.0, 40.0, 5.0]))
    assert d.multiplier == pytest.approx(13.75)
    assert d.mean_sk == pytest.approx(0.1)
    assert d.factor == pytest.approx(1.375)
    assert d.multiplier > 1 / d.mean_sk  # the harmonic-mean effect


def test_no_dispersion_when_every_project_has_the_same_leverage():
    assert sk_dispersion(np.array([1.0, 3.0]), np.array([12.0, 36.0])).factor == pytest.approx(1.0)


def test_dispersion_of_the_first_batch_portfolio():
    # municipal parks: F 0.02076, 0.256, 0.049 bn; I 0.12, 4.8, 0.5 bn
    # M = 5.42 / 0.32576 = 16.638x; mean s·k = (0.02076^2/0.12 + 0.256^2/4.8 + 0.049^2/0.5) / 0.32576
    #   = (0.0035915 + 0.0136533 + 0.0048020) / 0.32576 = 0.067678; D = 16.638 x 0.067678 = 1.1260
    frame = read_portfolio(PORTFOLIO_DIR / "first_batch_examples.csv").frame
    table = dispersion_by_field(frame)
    assert table.loc["municipal_parks", "multiplier"] == pytest.approx(5.42 / 0.32576)
    assert table.loc["municipal_parks", "factor"] == pytest.approx(1.1260, abs=1e-4)
    assert table.loc["transport_logistics", "factor"] == pytest.approx(1.0)  # one project: no dispersion
    assert table.loc["all", "factor"] == pytest.approx(1.2098, abs=1e-4)


def test_outturn_dispersion_is_the_computed_value(outturn):
    frame = read_portfolio(PORTFOLIO_DIR / "first_batch_examples.csv").frame
    factor = dispersion_by_field(frame).loc["municipal_parks", "factor"]
    scales = {b: v["fund_share_scale"] for b, v in outturn.overrides["banks"].items()}
    assert len(set(scales.values())) == 1  # one value, not three fitted ones
    assert scales["cdb"] == pytest.approx(1 / factor, abs=5e-4)


# ------------------------------------------------------------- the outturn


def test_outturn_reproduces_each_bank_within_one_percent(outturn):
    result = outturn.run()
    by_bank = result.by_bank["total_investment_bn"]
    for bank, reported in REPORTED_BN.items():
        assert by_bank[bank] == pytest.approx(reported, rel=0.01), bank
    assert result.totals["total_investment_bn"] == pytest.approx(7080.0, rel=0.01)
    assert result.totals["fund_bn"] == pytest.approx(500.0)
    assert not result.errors  # every cap and statutory minimum holds


def test_outturn_uses_named_drivers_not_free_bank_scales(outturn):
    ids = [d["id"] for d in outturn.drivers]
    assert ids == [
        "field_mix",
        "large_project_capital_ratio",
        "large_energy_fund_share",
        "dispersion",
        "sunk_share",
    ]
    # Wuxi-Yixing: 3.199 bn of fund, at most 50% of capital, on 18.58 bn -> k >= 6.398 / 18.58 = 0.344
    assert outturn.overrides["fields"]["transport_logistics"]["capital_ratio"] == pytest.approx(
        2 * 3.199 / 18.58, abs=5e-4
    )


def test_every_driver_has_a_source(outturn):
    for driver in outturn.drivers:
        ref = driver["reference"]
        assert not UNTRACEABLE.search(ref), driver["id"]
        assert LOOKUP.search(ref) or OWN.search(ref), driver["id"]


def test_fit_scenario_is_labelled_a_fit():
    fit = load_scenario(SCENARIO_DIR / "fit_reported_2025.yaml")
    assert "explains nothing" in fit.name
    assert fit.drivers is None
    assert not (SCENARIO_DIR / "reported_2025.yaml").exists()


# ---------------------------------------------------------- decomposition


def _toy_invest(overrides):
    x = {"F": 10.0, "s": 0.5, "k": 0.2, "a": 0.5} | overrides.get("x", {})
    total = x["F"] / (x["s"] * x["k"])
    return {"I": total, "N": x["a"] * total}


def test_sequential_decomposition_by_hand():
    # F = 10: s 0.5 -> 0.4 then k 0.2 -> 0.16, a 0.5 -> 0.6 owned by no driver.
    # I: 100 -> 125 (+25) -> 156.25 (+31.25); residual 0 (a does not move I): 56.25 in all.
    # N = a I: 50 -> 62.5 (+12.5) -> 78.125 (+15.625); scenario 0.6 x 156.25 = 93.75: residual 15.625.
    drivers = [Driver("s", "fund share", ("x.s",)), Driver("k", "capital ratio", ("x.k",))]
    full = {"x": {"s": 0.4, "k": 0.16, "a": 0.6}}
    out = sequential_decomposition(drivers, full, _toy_invest, _toy_invest(full), ["I", "N"])
    assert list(out.table.index) == ["s", "k", RESIDUAL]
    assert out.table["I"].tolist() == pytest.approx([25.0, 31.25, 0.0])
    assert out.table["share:I"].tolist() == pytest.approx([25 / 56.25, 31.25 / 56.25, 0.0])
    assert out.table["N"].tolist() == pytest.approx([12.5, 15.625, 15.625])
    assert out.table["share:N"].tolist() == pytest.approx([0.2857143, 0.3571429, 0.3571429])
    assert out.table["share:N"].sum() == pytest.approx(1.0)
    assert out.reference == {"I": 100.0, "N": 50.0}


def test_order_matters_and_is_the_files():
    # k first: 100 -> 125 (k) -> 156.25 (s): the interaction goes to the later driver
    drivers = [Driver("k", "capital ratio", ("x.k",)), Driver("s", "fund share", ("x.s",))]
    full = {"x": {"s": 0.4, "k": 0.16}}
    out = sequential_decomposition(drivers, full, _toy_invest, _toy_invest(full), ["I"])
    assert out.table["I"].tolist() == pytest.approx([25.0, 31.25, 0.0])
    assert list(out.table.index) == ["k", "s", RESIDUAL]


def test_outturn_decomposition_adds_up(decomposition):
    table = decomposition.table
    for metric in DECOMPOSED_METRICS:
        assert table[metric].sum() == pytest.approx(decomposition.difference[metric])
        assert table[f"share:{metric}"].sum() == pytest.approx(1.0)
    assert decomposition.reference["total_investment_bn"] == pytest.approx(5992.06, abs=0.01)
    assert table.loc[RESIDUAL, "total_investment_bn"] == pytest.approx(0.0, abs=1e-6)
    # the reporting basis moves new investment, never the reported total
    assert table.loc["sunk_share", "total_investment_bn"] == pytest.approx(0.0, abs=1e-6)
    assert table.loc["sunk_share", "new_investment_bn"] < 0
    # a higher capital ratio crowds in less
    assert table.loc["large_project_capital_ratio", "total_investment_bn"] < 0


def test_outturn_sunk_driver_by_hand(decomposition, outturn):
    # sunk share 0.15 -> 0.25 everywhere: new investment falls by 0.10 x the outturn's total
    total = outturn.run().totals["total_investment_bn"]
    assert decomposition.table.loc["sunk_share", "new_investment_bn"] == pytest.approx(-0.10 * total)


def test_residual_shows_overrides_no_driver_owns(outturn):
    extra = {**outturn.overrides, "instrument": {"target_total_investment_bn": 6500}}
    extra["fields"] = {**extra["fields"], "digital_economy": {"sunk_share": 0.25, "additionality": 0.5}}
    changed = Scenario("extra", extra, drivers=outturn.drivers, source="extra.yaml")
    out = decompose(load_scenario(SCENARIO_DIR / "baseline.yaml"), changed)
    assert out.table.loc[RESIDUAL, "net_investment_bn"] < 0  # additionality 0.6 -> 0.5 belongs to no driver
    assert out.table.loc[RESIDUAL, "total_investment_bn"] == pytest.approx(0.0, abs=1e-6)


def test_restrict_overrides_keeps_only_owned_paths():
    ov = {"fields": {"a": {"k": 0.3, "s": 0.4}, "b": {"k": 0.2}}, "allocation_bn": {"a": {"cdb": 1}}}
    assert restrict_overrides(ov, ["fields.*.k"]) == {"fields": {"a": {"k": 0.3}, "b": {"k": 0.2}}}
    assert restrict_overrides(ov, ["allocation_bn"]) == {"allocation_bn": {"a": {"cdb": 1}}}


@pytest.mark.parametrize(
    ("drivers", "message"),
    [
        ([{"id": "a", "name": "A", "paths": ["fields.x.nothing"]}], "matches no override"),
        (
            [{"id": "a", "name": "A", "paths": ["fields"]}, {"id": "b", "name": "B", "paths": ["fields.x.k"]}],
            "already belongs",
        ),
        ([{"id": "a", "name": "A"}], "drivers.0.paths: required key is missing"),
        ([{"id": "a", "name": "A", "paths": ["fields"], "colour": 1}], "drivers.0.colour: unknown key"),
        ([], "non-empty list"),
    ],
)
def test_bad_drivers_are_refused_with_file_and_rule(drivers, message):
    with pytest.raises(ParameterError, match=message) as err:
        parse_drivers(drivers, {"fields": {"x": {"k": 0.3}}}, "mine.yaml")
    assert str(err.value).startswith("mine.yaml: drivers")


def test_a_scenario_file_with_bad_drivers_is_refused(tmp_path):
    text = OUTTURN.read_text(encoding="utf-8").replace("paths: [allocation_bn]", "paths: [allocation]")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError, match=r"bad.yaml: drivers.0.paths: 'allocation' matches no override"):
        load_scenario(bad)


def test_drivers_round_trip_through_the_scenario_file(outturn):
    again = Scenario.from_dict(json.loads(json.dumps(outturn.to_dict(), default=str)) | {"scenario": {"name": "x"}})
    assert again.drivers == outturn.drivers


def test_the_scenario_library_keeps_the_drivers(tmp_path):
    from fundmodel.store import ScenarioStore

    with ScenarioStore(f"sqlite:///{tmp_path / 'library.sqlite'}") as store:
        store.save("outturn_2025", OUTTURN.read_text(encoding="utf-8"))
        stored = store.load("outturn_2025")
    assert stored.drivers == load_scenario(OUTTURN).drivers
    assert decompose(load_scenario(SCENARIO_DIR / "baseline.yaml"), stored).table.shape[0] == 6  # 5 drivers + residual


def test_render_in_both_languages_and_units(decomposition):
    en = render_decomposition(decomposition, "bn", "en")
    assert "Dispersion of s·k across projects" in en and "Residual" in en and "100.0%" in en
    zh = render_decomposition(decomposition, "yi", "zh")
    assert "项目间 s·k 的离散" in zh and "亿元" in zh
    # 亿元 are ten times bn: the reference total 5,992.1 bn is 59,920.6 亿元
    assert "59,920.6" in zh and "5,992.1" in en


def test_cli_compare_decompose():
    cmd = [
        sys.executable,
        "-m",
        "fundmodel",
        "compare",
        str(SCENARIO_DIR / "baseline.yaml"),
        str(OUTTURN),
        "--decompose",
    ]
    out = subprocess.run([*cmd, "--format", "json"], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    doc = json.loads(out)
    rows = pd.DataFrame(doc["decomposition"][0]["drivers"]).set_index("driver")
    assert rows["share:total_investment_bn"].sum() == pytest.approx(1.0)
    assert doc["decomposition"][0]["difference"]["total_investment_bn"] == pytest.approx(
        rows["total_investment_bn"].sum()
    )
    bad = subprocess.run(
        [*cmd[:5], str(SCENARIO_DIR / "cap_50pct.yaml"), "--decompose"], capture_output=True, text=True, cwd=ROOT
    )
    assert bad.returncode != 0 and "cap_50pct.yaml: drivers" in bad.stderr
    with_portfolio = [*cmd, "--portfolio", str(PORTFOLIO_DIR / "first_batch_examples.csv")]
    refused = subprocess.run(with_portfolio, capture_output=True, text=True, cwd=ROOT)
    assert refused.returncode == 2 and "--decompose splits top-down runs" in refused.stderr
