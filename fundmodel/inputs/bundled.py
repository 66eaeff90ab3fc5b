"""Where the bundled portfolios and scenarios are.

In a checkout they are the top-level ``portfolios/`` folder; an installed wheel carries the
same folder as ``fundmodel/portfolios`` (``[tool.setuptools.package-dir]`` in pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent

#: The bundled portfolios (CSV / XLSX) and, below it, ``scenarios/``.
PORTFOLIO_DIR: Path = _PACKAGE / "portfolios" if (_PACKAGE / "portfolios").is_dir() else _PACKAGE.parent / "portfolios"
#: The bundled scenario files.
SCENARIO_DIR: Path = PORTFOLIO_DIR / "scenarios"
