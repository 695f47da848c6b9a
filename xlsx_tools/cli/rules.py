"""``nianbao rules``: the rules reference in the terminal (the same as docs/RULES.md)."""

from __future__ import annotations

import difflib
import sys

import click


@click.command()
@click.argument("code", required=False)
@click.option("--markdown", is_flag=True, help="输出 Markdown 格式的完整规则一览（即 docs/RULES.md）。")
def rules(code, markdown) -> None:
    """查看规则编号：检查什么、在哪些单元格、何时检查、怎么改。

    不带 CODE 时列出全部编号；CODE 不区分大小写（R1、s6、IMP-NEAR-LABEL、S6/text 均可）。
    退出码：0 找到，2 没有这个编号。

    \b
    示例：
      nianbao rules R1
      nianbao rules F-TOO-BIG
      nianbao rules --markdown > docs/RULES.md
    """
    from ..format import reference

    if markdown:
        if code:
            raise click.UsageError("--markdown 输出全部编号，不能与 CODE 同用。")
        click.echo(reference.markdown(), nl=False)
        return
    if code is None:
        for entry in reference.entries():
            click.echo("\n".join(reference.text_lines(entry)))
        return
    entry = reference.find(code)
    if entry is None:
        close = difflib.get_close_matches(code.strip().upper(), reference.codes(), n=3, cutoff=0.5)
        hint = f"，是否要查 {'、'.join(close)}？" if close else "。"
        click.echo(f"没有规则编号 {code}{hint}不带编号运行 nianbao rules 可列出全部编号。", err=True)
        sys.exit(2)
    click.echo("\n".join(reference.text_lines(entry)))
