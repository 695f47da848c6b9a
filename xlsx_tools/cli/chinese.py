"""The command-line parser's own texts in Chinese: click's usage errors, help headings and the help
option, so that a mistyped option gets 错误：没有 --code 这个选项 rather than English.

click looks each of its texts up through ``gettext`` at the moment it shows it; :func:`install`
gives click's modules a lookup in :data:`TEXTS` (a text not listed stays as click wrote it). No
translation package exists for click, so the table is ours; ``tests/test_cli.py`` holds it to
click's own texts, so a click upgrade that rewords one fails there, not in front of a user.
"""

from __future__ import annotations

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types
import click.utils

TEXTS = {
    "Usage:": "用法:",
    "Options": "选项",
    "Commands": "命令",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行“{command} {option}”查看用法。",
    "Aborted!": "已取消。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing command.": "缺少命令。",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "No such command {name!r}.": "没有 {name} 这个命令。",
    "No such option {name!r}.": "没有 {name} 这个选项。",
    "Option {name!r} does not take a value.": "选项 {name} 不带值。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值不对：{message}",
    "Invalid value: {message}": "值不对：{message}",
    "Value must be an iterable.": "应为多个值。",
    "{name} {filename!r} does not exist.": "{name}“{filename}”不存在。",
    "{name} {filename!r} is a file.": "“{filename}”是文件，这里应为文件夹。",
    "{name} {filename!r} is a directory.": "“{filename}”是文件夹，这里应为文件。",
    "{name} {filename!r} is not readable.": "{name}“{filename}”没有读取权限。",
    "{name} {filename!r} is not writable.": "{name}“{filename}”没有写入权限。",
    "{name} {filename!r} is not executable.": "{name}“{filename}”不能执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件“{filename}”：{message}",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "{value!r} is not a valid {number_type}.": "“{value}”不是有效的数字。",
    "{value} is not in the range {range}.": "{value} 不在允许的范围（{range}）内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "“{value}”不是有效的是/否值（可用：{states}）。",
    "{value!r} is not a valid UUID.": "“{value}”不是有效的 UUID。",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "required": "必填",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "Repeat for confirmation": "再输入一次",
    "Error: The two entered values do not match.": "错误：两次输入的不一致。",
    "Error: invalid input": "错误：输入无效",
    "Do you want to continue?": "是否继续？",
    "Press any key to continue...": "按任意键继续……",
    "unknown error": "未知错误",
}
#: click's texts with a plural: singular → (Chinese, whatever the count)
PLURALS = {
    "Got unexpected extra argument ({args})": "多余的参数：{args}",
    "Option {name!r} requires an argument.": "选项 {name} 需要一个值。",
    "Did you mean {possibility}?": "是否要用 {possibility}？",
    "{value!r} is not {choice}.": "“{value}”不是可选的值：{choice}。",
    "{value!r} does not match the format {format}.": "“{value}”不符合格式 {format}。",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，只给了 1 个。",
    "{len_type} values are required, but {len_value} was given.": "需要 {len_type} 个值，只给了 {len_value} 个。",
}
#: where click looks its texts up
MODULES = (click.core, click.decorators, click.exceptions, click.formatting, click.parser, click.termui,
           click.types, click.utils)


def gettext(message: str) -> str:
    return TEXTS.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    # the Chinese text names the count itself where it matters ({nargs}, {len_value} …); plural-only
    # placeholders ({possibilities}, {choices}, {formats}) are spelt as the singular's
    chinese = PLURALS.get(singular)
    if chinese is None:
        return singular if n == 1 else plural
    if n == 1:
        return chinese
    return (chinese.replace("{possibility}", "{possibilities}").replace("{choice}", "{choices}")
            .replace("{format}", "{formats}").replace("只给了 1 个", "给了 {len} 个")
            .replace("只给了 {len_value} 个", "给了 {len_value} 个"))


def install() -> None:
    """Make click show :data:`TEXTS` (idempotent)."""
    for module in MODULES:
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext


install()  # on import, before any command module builds its parameter types (click.Path names itself then)
