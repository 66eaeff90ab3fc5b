"""The model: pure formulas, rules, the top-down and bottom-up runs, the result."""
