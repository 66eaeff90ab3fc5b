"""The README's table of the baseline's level and growth effects is what the model gives."""

import re
from pathlib import Path

from fundmodel.inputs.bundled import SCENARIO_DIR
from fundmodel.inputs.scenario import load_scenario

README = Path(__file__).resolve().parents[1] / "README.md"
ROW = re.compile(r"^\| (20\d\d) \| ([\d.,]+) \| ([\d.]+) \| ([+−-]?[\d.]+) \|$", re.M)


def test_readme_effects_table_matches_the_baseline_run():
    rows = ROW.findall(README.read_text(encoding="utf-8"))
    assert len(rows) >= 5
    result = load_scenario(SCENARIO_DIR / "baseline.yaml").run()
    by_year = result.by_year  # indexed by year
    for year, x_bn, level, growth in rows:
        row = by_year.loc[int(year)]
        assert float(x_bn.replace(",", "")) == round(float(row["infrastructure_net_bn"]), 1)
        assert float(level) == round(float(row["level_effect_pct"]), 2)
        assert float(growth.replace("−", "-")) == round(float(row["growth_effect_pp"]), 2)
