"""The statutory format, declared once (stage 1 of 7: imports nothing else of the package).

Owns the declaration (``schemas/format-2021.toml`` loaded into typed objects), where everything
sits in a workbook (layout, A1 addresses), the rules parsed from the declaration and translated
into worksheet formulas, the 统一社会信用代码 check digit, and the one registry of finding codes and
messages that every later stage reports in.
"""
