"""The statutory format, declared once (stage 1: imports nothing else of the package).

Owns :mod:`declaration` (``schemas/format-2021.toml`` loaded into typed objects), where everything
sits in a workbook (:mod:`layout`, with :mod:`address` for A1 arithmetic), the rule conditions
parsed from the declaration (:mod:`rules`) and walked by one walker (:mod:`walker`) whose backends
include the template's worksheet formulas (:mod:`formula`), the 统一社会信用代码 check character
(:mod:`uscc`), the one registry of finding codes and messages that every later stage reports in
(:mod:`findings`), the rules reference made from the two (:mod:`reference`, docs/RULES.md and
``nianbao rules``), and the operating system's errors in Chinese (:mod:`oserrors`).
"""
