"""Excel workbooks of a run, in live formulas with their cached values; and reading an edited
workbook back (its scenario, its inputs, its portfolio).

Modules, each importing only those above it:

* :mod:`~fundmodel.outputs.excel.writer`: the low-level XLSX layer (text never a formula,
  cached values, long tables streamed into the sheet XML).
* :mod:`~fundmodel.outputs.excel.layout`: styles, formats, labels, cell references and
  :class:`~fundmodel.outputs.excel.layout.Book`, the workbook being written.
* :mod:`~fundmodel.outputs.excel.inputs_sheet`: the Inputs sheet (every assumption).
* :mod:`~fundmodel.outputs.excel.topdown_sheets`: Cells, Allocation, Fields, Banks, Macro and
  Checks of a top-down run.
* :mod:`~fundmodel.outputs.excel.portfolio_sheets`: Project inputs, Projects and the sheets
  summed from the projects (a bottom-up run).
* :mod:`~fundmodel.outputs.excel.workbook`: the whole book (Cover, comparison) and saving it.
* :mod:`~fundmodel.outputs.excel.readback`: reading an edited workbook back.
"""

from fundmodel.errors import WorkbookError
from fundmodel.outputs.excel.readback import (
    read_workbook_inputs,
    read_workbook_portfolio,
    read_workbook_scenario,
    write_portfolio_file,
)
from fundmodel.outputs.excel.workbook import export_workbook, workbook_bytes

__all__ = [
    "WorkbookError",
    "export_workbook",
    "read_workbook_inputs",
    "read_workbook_portfolio",
    "read_workbook_scenario",
    "workbook_bytes",
    "write_portfolio_file",
]
