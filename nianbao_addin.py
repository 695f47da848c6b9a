"""The module the Excel add-in ``nianbao_addin.xlam`` imports: its 校验 button runs
``import nianbao_addin; nianbao_addin.main()`` (the name must match the add-in's file name)."""

from xlsx_tools.excel.button import main

__all__ = ["main"]
