"""The errors a user can cause, under one base.

Every error that bad input can cause (a file that cannot be read, a parameter out of range, a
workbook that was edited wrongly, constraints that cannot be met, a library conflict) is a
:class:`FundmodelError`. The command line turns exactly these into one line and exit code 2;
any other exception is a bug and keeps its traceback.

>>> issubclass(ParameterError, FundmodelError) and issubclass(ParameterError, ValueError)
True
"""

from __future__ import annotations


class FundmodelError(ValueError):
    """Base of every error a user can cause (a :class:`ValueError`, so ``except ValueError``
    in user code keeps working).

    Raised with a :class:`fundmodel.messages.Message`, the error keeps it as ``text`` (the
    interface renders it in the reader's language) and its English text is ``str(error)``.
    """

    def __init__(self, *args: object) -> None:
        # a message is recognised by its shape (an id and a render method): the message table
        # reads the parameter files, whose errors are raised from here
        first = args[0] if args else None
        self.text = first if hasattr(first, "render") and hasattr(first, "params") else None
        super().__init__(*((str(self.text), *args[1:]) if self.text is not None else args))


class ParameterError(FundmodelError):
    """A parameter, scenario or uncertainty file is invalid; the message names file and key."""


class PortfolioError(FundmodelError):
    """A portfolio file cannot be read at all (individual bad cells are validation issues)."""


class WorkbookError(ParameterError):
    """An edited workbook cannot be read back; the message names sheet and cell."""


class SelectionError(FundmodelError):
    """The selection constraints cannot all be met; the message names a conflicting set."""


class StoreError(FundmodelError):
    """The scenario library refused an operation."""


class ScenarioNotFoundError(StoreError):
    """No scenario (or version) of that name in the library."""


class StaleVersionError(StoreError):
    """A save or change based on an older version than the library's latest."""


class InputError(FundmodelError):
    """An argument, option or edit is invalid (an unknown id, a value out of its range)."""
