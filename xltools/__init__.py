"""xltools — official Excel templates and a toolkit for 部门预算公开 and 项目支出绩效目标.

Importing this package is deliberately cheap: openpyxl, pandas, docx and xlwings are imported only by the
modules that use them.
"""
from xltools.errors import XltoolsError

__version__ = "0.1.0"
__all__ = ["XltoolsError", "__version__"]
