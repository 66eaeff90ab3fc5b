"""Sensitivity, goal-seek and Monte Carlo, against hand-computed and closed-form values."""

import datetime as dt
import math

import numpy as np
import pytest
from scipy import stats

from fundmodel.analysis.uncertainty import (
    evaluate,
    feasible_interval,
    goal_seek,
    monte_carlo,
    parse_uncertainty,
    sensitivity,
)
from fundmodel.cli import main
from fundmodel.core.topdown import run
from fundmodel.inputs.bundled import SCENARIO_DIR
from fundmodel.inputs.parameters import ParameterError, default_parameters
from fundmodel.inputs.scenario import Scenario, load_scenario

FIELDS = default_parameters().field_ids


@pytest.fixture(scope="module")
def one_field():
    """All 500 bn in transport_logistics via CDB, s = 0.5, k = 0.2 -> I = 500 / 0.1 = 5,000 bn.
    transport_logistics: cap 0.5, statutory minimum k 0.15 (shortfall), a 0.55, theta 1.0, 4 years S-curve.
    Nothing sunk and spending from 2025Q1, so the quarterly S-curve sums to the yearly one
    (C(t) = 3t^2 - 2t^3 at whole years is the same on 16 quarters as on 4 years)."""
    alloc = {f: {"cdb": 0, "adbc": 0, "exim": 0} for f in FIELDS}
    alloc["transport_logistics"]["cdb"] = 500
    return default_parameters().with_overrides(
        {
            "allocation_bn": alloc,
            "fields": {"transport_logistics": {"fund_share_of_capital": 0.5, "sunk_share": 0.0}},
            "macro": {"disbursement_date": dt.date(2025, 1, 1)},
        },
        "one_field",
    )


def _spec(params, block, source="test.yaml"):
    return parse_uncertainty(block, params, source)


# ----------------------------------------------------------- evaluation


@pytest.mark.parametrize("name", ["baseline", "fit_reported_2025", "cap_50pct"])
def test_vectorized_evaluation_equals_the_model(name):
    p = load_scenario(SCENARIO_DIR / f"{name}.yaml").parameters()
    r, o = run(p), evaluate(p)
    assert o.total_investment_bn[0] == pytest.approx(r.total_investment_bn, rel=1e-12)
    assert o.net_investment_bn[0] == pytest.approx(r.net_investment_bn, rel=1e-12)
    assert o.peak_level_effect_pct[0] == pytest.approx(r.peak_level_effect_pct, rel=1e-12)
    assert o.peak_growth_effect_pp[0] == pytest.approx(r.peak_growth_effect_pp, rel=1e-12)
    assert o.by_bank_bn[0] == pytest.approx(r.by_bank["total_investment_bn"].to_numpy(), rel=1e-12)


def test_batch_rows_equal_single_runs():
    p = default_parameters()
    rng = np.random.default_rng(1)
    s = rng.uniform(0.3, 0.5, (3, 8))
    k = rng.uniform(0.2, 0.3, (3, 8))
    batch = evaluate(p, {"fund_share_of_capital": s, "capital_ratio": k})
    for i in range(3):
        q = p.with_overrides(
            {"fields": {f: {"fund_share_of_capital": s[i, j], "capital_ratio": k[i, j]} for j, f in enumerate(FIELDS)}}
        )
        r = run(q)
        assert batch.total_investment_bn[i] == pytest.approx(r.total_investment_bn, rel=1e-12)
        assert batch.peak_level_effect_pct[i] == pytest.approx(r.peak_level_effect_pct, rel=1e-12)
        assert batch.peak_growth_effect_pp[i] == pytest.approx(r.peak_growth_effect_pp, rel=1e-12)


def test_one_field_by_hand(one_field):
    o = evaluate(one_field)
    # I = 500 / (0.5 x 0.2) = 5,000; net = 0.55 x 5,000 = 2,750
    assert o.total_investment_bn[0] == pytest.approx(5000)
    assert o.net_investment_bn[0] == pytest.approx(2750)
    # peak level: S-curve over 4 years puts 0.34375 in 2026; theta 1.0: 2,750 x 0.34375 = 945.3125 bn
    # on B_2026 = B_2025 = 25,000 x (1 + g_2025) (projected growth 0)
    b25 = 25000 * (1 + one_field.macro.growth_pct.value[2025] / 100)
    assert o.peak_level_effect_pct[0] == pytest.approx(100 * 945.3125 / b25)
    # peak growth: 2025 adds 2,750 x 0.15625 = 429.6875 on B_2024 = 25,000; 2026 adds
    # 2,750 x (0.34375 - 0.15625) = 515.625 on B_2025; the larger of the two
    assert o.peak_growth_effect_pp[0] == pytest.approx(max(100 * 429.6875 / 25000, 100 * 515.625 / b25))


# ------------------------------------------------------------ sensitivity


def test_sensitivity_by_hand(one_field):
    t = sensitivity(
        one_field,
        ["fund_share_of_capital", "capital_ratio", "additionality"],
        ranges={"fund_share_of_capital": (0.8, 1.0), "capital_ratio": (1.0, 1.5), "additionality": (0.8, 1.2)},
    ).table.set_index("assumption")
    # s 0.4 .. 0.5: I = 500 / (0.4 x 0.2) = 6,250 .. 5,000 -> swing 1,250
    assert t.loc["fund_share_of_capital", "total_investment_bn:low"] == pytest.approx(6250)
    assert t.loc["fund_share_of_capital", "total_investment_bn:swing"] == pytest.approx(1250)
    # k 0.2 .. 0.3: I = 5,000 .. 500 / (0.5 x 0.3) = 3,333.3 -> swing 1,666.7 (the largest: first row)
    assert t.loc["capital_ratio", "total_investment_bn:high"] == pytest.approx(3333.333, abs=1e-3)
    assert t.index[0] == "capital_ratio"
    # a 0.44 .. 0.66: net 2,200 .. 3,300 (swing 1,100); total does not move
    assert t.loc["additionality", "net_investment_bn:swing"] == pytest.approx(1100)
    assert t.loc["additionality", "total_investment_bn:swing"] == 0


def test_sensitivity_default_ranges_respect_caps_and_minimums(one_field):
    t = sensitivity(one_field, ["fund_share_of_capital", "capital_ratio"], by="field").table
    row = t[(t.assumption == "fund_share_of_capital") & (t.element == "transport_logistics")].iloc[0]
    # s = 0.5 is at its cap: it may only go down (0.8 x 0.5 = 0.4)
    assert (row.change_low, row.change_high) == (0.8, 1.0)
    assert row.value_high == pytest.approx(0.5)
    row = t[(t.assumption == "capital_ratio") & (t.element == "digital_economy")].iloc[0]
    # k = 0.2 is digital_economy's statutory minimum: it may only go up
    assert (row.change_low, row.change_high) == (1.0, 1.2)
    assert len(t) == 16  # 2 assumptions x 8 fields


def test_sensitivity_construction_years_moves_the_effects_only(one_field):
    t = sensitivity(one_field, ["construction_years"], ranges={"construction_years": (-1, 1)}).table.iloc[0]
    # 3 years S-curve: [7/27, 13/27, 7/27] -> peak level 100 x 2,750 x 13/27 / B_2026 (= B_2025)
    b25 = 25000 * (1 + one_field.macro.growth_pct.value[2025] / 100)
    assert t["peak_level_effect_pct:low"] == pytest.approx(100 * 2750 * (13 / 27) / b25)
    # peak growth: 2026 adds 2,750 x (13 - 7) / 27 on B_2025; 2025 adds 2,750 x 7/27 on 25,000
    assert t["peak_growth_effect_pp:low"] == pytest.approx(
        max(100 * 2750 * (6 / 27) / b25, 100 * 2750 * (7 / 27) / 25000)
    )
    assert t["total_investment_bn:swing"] == 0


def test_sensitivity_range_past_cap_is_an_error(one_field):
    # uniform: 1.2 x 0.42 = 0.504 in low_altitude_economy is the first field past its cap
    with pytest.raises(ValueError, match=r"low_altitude_economy at 0\.504, above its cap 0\.5"):
        sensitivity(one_field, ["fund_share_of_capital"], ranges={"fund_share_of_capital": (0.8, 1.2)})
    # by field, 1.1 x: only transport_logistics (0.5 -> 0.55) passes its cap
    with pytest.raises(ValueError, match=r"transport_logistics at 0\.55, above its cap 0\.5"):
        sensitivity(one_field, ["fund_share_of_capital"], by="field", ranges={"fund_share_of_capital": (0.8, 1.1)})
    with pytest.raises(ValueError, match=r"below its statutory minimum 0\.2"):
        sensitivity(one_field, ["capital_ratio"], ranges={"capital_ratio": (0.9, 1.1)})


# -------------------------------------------------------------- goal-seek


def test_goal_seek_uniform_value_by_hand(one_field):
    # 500 / (s x 0.2) = 6,000 -> s = 500 / 1,200 = 0.416667
    g = goal_seek(6000, "fund_share_of_capital", one_field, mode="value")
    assert g.reachable
    assert g.change == pytest.approx(500 / 1200, abs=1e-9)
    assert g.achieved == pytest.approx(6000, abs=1e-6)
    assert g.overrides["fields"]["transport_logistics"]["fund_share_of_capital"] == pytest.approx(0.416667, abs=1e-6)


def test_goal_seek_scale_by_hand(one_field):
    # from s = 0.5, a factor x with 500 / (0.5 x x 0.2) = 6,000 -> x = 5,000 / 6,000 = 0.83333
    g = goal_seek(6000, "fund_share_of_capital", one_field, mode="scale")
    assert g.change == pytest.approx(5 / 6, abs=1e-9)
    assert g.values["transport_logistics"] == pytest.approx(0.5 * 5 / 6)


def test_goal_seek_level_effect_per_field_by_hand(one_field):
    # 100 x 1.0 x a x 5,000 x 0.34375 / B_2026 = 3.5 -> a = 3.5 x B_2026 / 171,875
    b26 = 25000 * (1 + one_field.macro.growth_pct.value[2025] / 100)
    g = goal_seek(3.5, "additionality", one_field, metric="peak_level", mode="element", element="transport_logistics")
    assert g.change == pytest.approx(3.5 * b26 / 171875, abs=1e-9)


def test_goal_seek_unreachable_says_how_close(one_field):
    # s <= cap 0.5 -> I >= 5,000: 4,000 cannot be reached; closest 5,000 at s = 0.5
    g = goal_seek(4000, "fund_share_of_capital", one_field, mode="value")
    assert not g.reachable
    assert g.change == pytest.approx(0.5)
    assert g.achieved == pytest.approx(5000)
    assert "unreachable" in g.message and "+1,000" in g.message
    g = goal_seek(6000, "additionality", one_field)
    assert not g.reachable and "does not depend on Additionality" in g.message
    # 4,000 bn = 40,000 亿元; the closest, 5,000 bn, is 10,000 亿元 above it
    g = goal_seek(4000, "fund_share_of_capital", one_field, mode="value")
    assert "最接近的是取 0.5 时的 50,000 亿元（与目标 40,000 亿元 相差 +10,000 亿元）" in g.render("zh", "yi")


def test_goal_seek_bank_scale_matches_reported_calibration():
    # fit_reported_2025.yaml: CDB's scale 0.7898 makes CDB's investment 3,850 bn; solve it back from 7,080 in total
    p = load_scenario(SCENARIO_DIR / "fit_reported_2025.yaml").parameters()
    target = evaluate(p).total_investment_bn[0]
    q = p.with_overrides({"banks": {"cdb": {"fund_share_scale": 1.0}}})
    g = goal_seek(target, "fund_share_scale", q, mode="element", element="cdb")
    assert g.change == pytest.approx(0.7898, abs=1e-9)


def test_feasible_interval_by_hand():
    p = default_parameters()
    # capital ratio already at 0.2 = minimum in non-shortfall fields: factor in [1, 1 / 0.2 = 5]
    assert feasible_interval(p, "capital_ratio", "scale") == pytest.approx((1.0, 5.0))
    # one value for s in every field: at most the smallest cap, 0.5
    assert feasible_interval(p, "fund_share_of_capital", "value")[1] == pytest.approx(0.5)


# ------------------------------------------------------------ Monte Carlo


def test_monte_carlo_matches_closed_form_uniform(one_field):
    # s ~ U(0.3, 0.5), k = 0.2: E[m] = ln(b/a) / ((b - a) k) = ln(5/3) / 0.04 = 12.7706
    # median m = 1 / (0.4 x 0.2) = 12.5; P5 of m = 1 / (0.49 x 0.2); P(I >= 6,000) = P(s <= 5/12) = 0.58333
    block = {
        "draws": 100_000,
        "seed": 7,
        "distributions": {
            "fund_share_of_capital": {"transport_logistics": {"dist": "uniform", "low": 0.3, "high": 0.5}}
        },
    }
    mc = monte_carlo(_spec(one_field, block), one_field, targets={"total_investment_bn": 6000})
    m = mc.summary.loc["multiplier"]
    assert m["mean"] == pytest.approx(math.log(5 / 3) / (0.2 * 0.2), rel=3e-3)
    assert m["p50"] == pytest.approx(12.5, rel=3e-3)
    assert m["p5"] == pytest.approx(1 / (0.49 * 0.2), rel=3e-3)
    assert m["p95"] == pytest.approx(1 / (0.31 * 0.2), rel=3e-3)
    assert mc.probabilities["total_investment_bn"] == pytest.approx((5 / 12 - 0.3) / 0.2, abs=0.01)


def test_monte_carlo_triangular_and_truncated_normal_marginals(one_field):
    block = {
        "draws": 50_000,
        "seed": 3,
        "distributions": {
            "fund_share_of_capital": {
                "transport_logistics": {"dist": "triangular", "low": 0.3, "mode": 0.35, "high": 0.5}
            },
            "capital_ratio": {"transport_logistics": {"dist": "normal", "mean": 0.17, "sd": 0.03}},
        },
    }
    mc = monte_carlo(_spec(one_field, block), one_field)
    s = mc.samples["fund_share_of_capital"][:, FIELDS.index("transport_logistics")]
    k = mc.samples["capital_ratio"][:, FIELDS.index("transport_logistics")]
    # triangular mean (0.3 + 0.35 + 0.5) / 3 = 0.38333
    assert s.mean() == pytest.approx(1.15 / 3, abs=2e-3)
    # normal(0.17, 0.03) truncated to [0.15 statutory minimum, 1]: scipy's truncnorm mean
    expected = stats.truncnorm((0.15 - 0.17) / 0.03, (1 - 0.17) / 0.03, loc=0.17, scale=0.03).mean()
    assert k.mean() == pytest.approx(expected, abs=1e-3)
    assert k.min() >= 0.15 and s.max() <= 0.5


def test_monte_carlo_gaussian_copula_rank_correlation(one_field):
    # Spearman's rho of a Gaussian copula with correlation r: (6 / pi) asin(r / 2); r = 0.6 -> 0.5853
    block = {
        "draws": 20_000,
        "seed": 11,
        "distributions": {
            "fund_share_of_capital": {"all": {"dist": "uniform", "low": 0.9, "high": 1.0, "relative": True}},
            "capital_ratio": {"all": {"dist": "uniform", "low": 0.2, "high": 0.3}},
        },
        "correlations": [{"between": ["fund_share_of_capital", "capital_ratio"], "rho": 0.6}],
    }
    mc = monte_carlo(_spec(one_field, block), one_field)
    j = FIELDS.index("transport_logistics")
    rho = stats.spearmanr(mc.samples["fund_share_of_capital"][:, j], mc.samples["capital_ratio"][:, j]).statistic
    assert rho == pytest.approx(6 / math.pi * math.asin(0.3), abs=0.02)
    # relative: 0.9 .. 1.0 x the field's s (0.5) -> 0.45 .. 0.5
    assert mc.samples["fund_share_of_capital"][:, j].min() >= 0.45


def test_monte_carlo_is_reproducible_by_seed():
    sc = load_scenario(SCENARIO_DIR / "uncertain_leverage.yaml")
    p = sc.parameters()
    spec = parse_uncertainty(sc.uncertainty, p, sc.source)
    a = monte_carlo(spec, p, draws=2000)
    b = monte_carlo(spec, p, draws=2000)
    c = monte_carlo(spec, p, draws=2000, seed=spec.seed + 1)
    assert np.array_equal(a.outcomes.total_investment_bn, b.outcomes.total_investment_bn)
    assert not np.array_equal(a.outcomes.total_investment_bn, c.outcomes.total_investment_bn)
    assert a.summary.equals(b.summary)


def test_bundled_uncertain_scenario_respects_caps():
    sc = load_scenario(SCENARIO_DIR / "uncertain_leverage.yaml")
    p = sc.parameters()
    mc = monte_carlo(parse_uncertainty(sc.uncertainty, p, sc.source), p, draws=5000)
    s, k = mc.samples["fund_share_of_capital"], mc.samples["capital_ratio"]
    assert (s <= p.fund_share_cap[None, :] + 1e-12).all()
    assert (k >= p.capital_ratio_minimum[None, :] - 1e-12).all()
    assert mc.summary.loc["total_investment_bn", "p5"] < mc.summary.loc["total_investment_bn", "p95"]
    assert set(mc.probabilities) == {"total_investment_bn", "peak_level_effect_pct"}


# ------------------------------------------------------- block validation

BAD_BLOCKS = [
    ({"distributions": {"nope": {"all": {"dist": "uniform", "low": 0, "high": 1}}}}, "uncertainty.distributions.nope"),
    (
        {"distributions": {"capital_ratio": {"mars": {"dist": "uniform", "low": 0.2, "high": 0.3}}}},
        "uncertainty.distributions.capital_ratio.mars: unknown field",
    ),
    (
        {"distributions": {"fund_share_of_capital": {"all": {"dist": "uniform", "low": 0.3, "high": 0.6}}}},
        "fund_share_of_capital.all.high: 0.6 is above the cap 0.5",
    ),
    (
        {"distributions": {"capital_ratio": {"transport_logistics": {"dist": "normal", "mean": 0.1, "sd": 0.01}}}},
        "capital_ratio.transport_logistics.mean: 0.1 is below the statutory minimum 0.15",
    ),
    (
        {"distributions": {"capital_ratio": {"all": {"dist": "uniform", "low": 0.3, "high": 0.2}}}},
        "capital_ratio.all: Value error, low (0.3) must be below high",
    ),
    ({"distributions": {"capital_ratio": {"all": {"dist": "beta"}}}}, "capital_ratio.all.dist: must be one of"),
    (
        {"distributions": {"capital_ratio": {"all": {"dist": "normal", "mean": 0.2, "sd": 0.1, "sigma": 1}}}},
        "capital_ratio.all.sigma: unknown key",
    ),
    ({"draws": 0, "distributions": {"capital_ratio": {}}}, "uncertainty.draws"),
    (
        # each alone is valid, together a cell reaches 0.5 x 1.1 = 0.55 > cap 0.5
        {
            "distributions": {
                "fund_share_of_capital": {"low_altitude_economy": {"dist": "uniform", "low": 0.4, "high": 0.5}},
                "fund_share_scale": {"cdb": {"dist": "uniform", "low": 0.9, "high": 1.1}},
            }
        },
        "low_altitude_economy up to 0.5 (uncertainty.distributions.fund_share_of_capital.low_altitude_economy) "
        "times fund_share_scale of cdb up to 1.1",
    ),
    ({"seeds": 1, "distributions": {}}, "uncertainty.seeds: unknown key"),
    (
        {
            "distributions": {"capital_ratio": {"all": {"dist": "uniform", "low": 0.2, "high": 0.3}}},
            "correlations": [{"within": "capital_ratio", "rho": -0.9}],
        },
        "not positive semi-definite",
    ),
    (
        {
            "distributions": {"capital_ratio": {"all": {"dist": "uniform", "low": 0.2, "high": 0.3}}},
            "correlations": [{"between": ["capital_ratio", "additionality"], "rho": 0.5}],
        },
        "correlations.0.between: 'additionality' is not an uncertain",
    ),
]


@pytest.mark.parametrize(("block", "message"), BAD_BLOCKS)
def test_bad_uncertainty_blocks_name_file_and_key(block, message):
    data = {"scenario": {"name": "x"}, "overrides": {}, "uncertainty": block}
    with pytest.raises(ParameterError) as err:
        Scenario.from_dict(data, source="bad.yaml")
    assert str(err.value).startswith("bad.yaml: ")
    assert message in str(err.value)


# -------------------------------------------------------------------- CLI


def test_tornado_rows_for_the_chart(one_field):
    sens = sensitivity(one_field, ["fund_share_of_capital", "capital_ratio"], by="field")
    rows = sens.tornado()
    assert list(rows.columns) == ["parameter", "low_bn", "high_bn"]
    # widest first: transport_logistics (all the money); s 0.4 .. 0.5 -> 6,250 .. 5,000
    assert rows.iloc[0]["parameter"] in (
        "Fund share of capital · Transport and logistics",
        "Capital ratio · Transport and logistics",
    )
    top = rows.iloc[:2].set_index("parameter")
    assert top.loc["Fund share of capital · Transport and logistics", "low_bn"] == pytest.approx(6250)


def test_too_many_draws_is_an_error(capsys):
    path = str(SCENARIO_DIR / "uncertain_leverage.yaml")
    assert main(["montecarlo", path, "--draws", "2000000"]) == 2
    assert "draws must be between 1 and 1,000,000" in capsys.readouterr().err


def test_cli_goal_seek(capsys):
    assert main(["goal-seek", "--target", "6000", "--assumption", "fund_share_of_capital", "--mode", "value"]) == 0
    out = capsys.readouterr().out
    assert "reaches 6,000" in out
    # unreachable -> exit code 1 and the message says so
    assert main(["goal-seek", "--target", "6000", "--assumption", "capital_ratio"]) == 1
    assert "unreachable" in capsys.readouterr().out


def test_cli_sensitivity_and_montecarlo(capsys):
    assert main(["sensitivity", "--by", "field", "--assumption", "capital_ratio", "--format", "json"]) == 0
    assert '"capital_ratio"' in capsys.readouterr().out
    path = str(SCENARIO_DIR / "uncertain_leverage.yaml")
    assert main(["montecarlo", path, "--draws", "2000", "--target-total", "5500"]) == 0
    out = capsys.readouterr().out
    assert "Draws 2,000" in out and ">= 5,500.0" in out and "P95" in out
    assert main(["montecarlo", str(SCENARIO_DIR / "baseline.yaml")]) == 2
    assert "no uncertainty: block" in capsys.readouterr().err
    assert main(["sensitivity", "--range", "capital_ratio=0.5:1"]) == 2
    assert "below its statutory minimum" in capsys.readouterr().err


def test_percentile_summary_by_hand():
    # draws [1, 2, 3, nan]: NaN left out -> mean 2, sd sqrt(((1-2)^2 + 0 + (3-2)^2) / 2) = 1, P50 2,
    # P5 = 1 + 0.05 * 2 = 1.1 (linear interpolation over the three draws)
    from fundmodel.analysis.uncertainty import percentile_summary

    row = percentile_summary({"m": np.array([1.0, 2.0, 3.0, np.nan])}, {"m": 2.5}).loc["m"]
    assert (row["base"], row["mean"], row["sd"], row["p50"]) == pytest.approx((2.5, 2.0, 1.0, 2.0))
    assert row["p5"] == pytest.approx(1.1)
