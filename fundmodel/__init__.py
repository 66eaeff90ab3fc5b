"""fundmodel: leverage and project portfolios of China's 2025 new policy-based financial instrument.

Money is in bn RMB internally (1 bn = 10 亿元); shares are fractions.

The names below load on first use (PEP 562), so that ``import fundmodel`` (and the command
line, until it has installed its Ctrl-C handling) does not wait for numpy and pandas.

>>> import fundmodel
>>> fundmodel.default_parameters().instrument.size_bn.value
500.0
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fundmodel.core.result import Check, Result
    from fundmodel.core.topdown import run
    from fundmodel.inputs.parameters import ParameterError, Parameters, default_parameters, load_parameters
    from fundmodel.inputs.scenario import Scenario, load_scenario

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_EXPORTS = {
    "Check": "fundmodel.core.result",
    "Result": "fundmodel.core.result",
    "run": "fundmodel.core.topdown",
    "ParameterError": "fundmodel.inputs.parameters",
    "Parameters": "fundmodel.inputs.parameters",
    "default_parameters": "fundmodel.inputs.parameters",
    "load_parameters": "fundmodel.inputs.parameters",
    "Scenario": "fundmodel.inputs.scenario",
    "load_scenario": "fundmodel.inputs.scenario",
}

__all__ = [
    "Check",
    "ParameterError",
    "Parameters",
    "Result",
    "Scenario",
    "__version__",
    "default_parameters",
    "load_parameters",
    "load_scenario",
    "run",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'fundmodel' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value  # loaded once
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
