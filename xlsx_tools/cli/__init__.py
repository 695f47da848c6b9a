"""The ``nianbao`` command: a thin layer over the library (resolve arguments, call, render).

One module per command or small group of commands (:mod:`template`, :mod:`validate`, :mod:`merge`,
:mod:`importing`, :mod:`assess`, :mod:`report`, :mod:`archive`, :mod:`compare`, :mod:`registers`, :mod:`serve`,
:mod:`rules`, :mod:`addin`), the options and printing they share in :mod:`common`, the parser's own
texts in Chinese in :mod:`chinese`; this module only assembles the group. :mod:`entry` is the
console script's start.
"""

from __future__ import annotations

import click

from .. import __version__
from . import chinese  # noqa: F401  (first: click's texts in Chinese before any command is built)
from .addin import addin
from .archive import archive
from .assess import assess
from .compare import compare
from .importing import import_
from .merge import merge
from .registers import register, tally
from .report import report
from .rules import rules
from .serve import serve
from .template import DEFAULT_TEMPLATE, template
from .validate import validate

__all__ = ["DEFAULT_TEMPLATE", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nianbao")
def main() -> None:
    """政府信息公开工作年度报告工具：生成模板、校验报表、汇总报表、生成年报文稿、导入已发布的年报。

    \b
    示例：
      nianbao template -o 年报模板.xlsx --year 2025
      nianbao template --roster 名录.xlsx --outdir 各单位模板 --year 2025
      nianbao validate 收到的报表/
      nianbao merge 收到的报表/ -o 汇总.xlsx --roster 名录.xlsx
      nianbao import 往年年报/ -o 往年工作簿/ --roster 名录.xlsx
      nianbao assess 已发布年报/ -o 评估.xlsx --previous 上年年报/ --roster 名录.xlsx
      nianbao report 科技局2025.xlsx -o 年报文稿/
      nianbao rules R1
    """


for command in (template, validate, merge, import_, assess, report, archive, compare, register, tally, serve, rules,
                addin):
    main.add_command(command)
