"""nianbao: workbook toolkit for the 政府信息公开工作年度报告 (statutory 2021 format).

The package is a pipeline of stages, one sub-package each (docs/ARCHITECTURE.md). A module may
import modules of its own stage and of the stages before it, never of a later one, and no import
goes round in a circle; the ``cli/`` package sits on top of them all. tests/test_architecture.py
holds the package to this. This module imports nothing, so any stage may read ``__version__``.
"""

__version__ = "0.1.0"

#: the stages, lowest first: the format declared once; untrusted bytes read; rules checked;
#: workbooks written; batches consolidated; years archived and compared; the application register
#: counted; published reports read; the published report written; Excel driven; workbooks
#: collected on an intranet page
STAGES = ("format", "read", "check", "write", "consolidate", "archive", "register", "published", "report", "excel",
          "collect")
