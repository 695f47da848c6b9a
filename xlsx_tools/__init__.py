"""nianbao: workbook toolkit for the 政府信息公开工作年度报告 (statutory 2021 format)."""

__version__ = "0.1.0"
