"""Excel workbooks with live formulas."""
