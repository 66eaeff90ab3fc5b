"""fundmodel: leverage and project portfolios of China's 2025 new policy-based financial instrument.

Money is in bn RMB internally (1 bn = 10 亿元); shares are fractions.
"""

from fundmodel.core.result import Check, Result
from fundmodel.core.topdown import run
from fundmodel.inputs.parameters import ParameterError, Parameters, default_parameters, load_parameters
from fundmodel.inputs.scenario import Scenario, load_scenario

__version__ = "0.1.0"

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
