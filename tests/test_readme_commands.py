"""Every ``nianbao …`` command the README shows, in its code blocks and inline, is one the real CLI
takes: each line is parsed by the command's own click parser (options, choices, types, required
options, files that must exist — made in a scratch folder), so ``register --code`` or a renamed flag
fails here before a reader meets it. The Quick start's merge is also run for real."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
from batches import nianbao
from conftest import ROOT

from xlsx_tools.cli import main

README = ROOT / "README.md"
#: placeholder values in the README's Chinese prose that are not meant literally
PLACEHOLDERS = {"用户:密码@服务器": "user:pw@server"}


def readme_commands(text: str) -> list[tuple[int, str, bool]]:
    """(line number, command, whether it is a whole command line) for every ``nianbao …`` in a code
    block (whole lines) or in inline code (which may name just a command and its options)."""
    found: list[tuple[int, str, bool]] = []
    in_block = False
    pending = ""
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            in_block = not in_block
            continue
        if in_block:
            line = pending + line.split("  #")[0].strip()
            pending = ""
            if line.endswith("\\"):
                pending = line[:-1] + " "
                continue
            for piece in re.split(r"\s*(?:&&|;)\s*", line):
                if piece.startswith("nianbao "):
                    found.append((number, piece, True))
            continue
        for inline in re.findall(r"`(nianbao [^`]+)`", line):
            found.append((number, inline, False))
    return found


def _parse(args: list[str]) -> None:
    """What click does with ``args`` before running anything, for the group and each subcommand."""
    command: click.Command = main
    ctx = command.make_context("nianbao", list(args), resilient_parsing=False)
    while isinstance(command, click.Group) and (ctx._protected_args or ctx.args):  # click 8.2+: name kept apart
        name, command, rest = command.resolve_command(ctx, [*ctx._protected_args, *ctx.args])
        ctx = command.make_context(name, rest, parent=ctx)


def _leaf(args: list[str]) -> click.Command:
    command: click.Command = main
    for word in args:
        if not isinstance(command, click.Group) or word not in command.commands:
            break
        command = command.commands[word]
    return command


def _scratch_inputs(args: list[str], folder: Path) -> list[str]:
    """The arguments with every path they name made in ``folder``: a folder where the option wants
    one (or the name ends in a slash), else a file."""
    command = _leaf(args)
    options = {name: p for p in command.params for name in p.opts}
    out, wanted = [], None
    for arg in args:
        if arg.startswith("-"):
            option = options.get(arg.split("=")[0])
            wanted = option.type if option is not None and not getattr(option, "is_flag", False) else None
            out.append(arg)
            continue
        kind, wanted = wanted, None
        looks_like_path = "/" in arg or re.search(r"\.\w{2,5}$", arg)  # a positional argument
        if "://" in arg or arg in main.commands or (kind is not None and not isinstance(kind, click.Path)) \
                or (kind is None and not looks_like_path):
            out.append(arg)
            continue
        target = folder / arg
        extension = re.search(r"\.\w{2,5}$", arg)
        folder_wanted = isinstance(kind, click.Path) and not kind.file_okay
        if arg.endswith("/") or folder_wanted or (kind is None and not extension):
            target.mkdir(parents=True, exist_ok=True)
        elif not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(b"")
        out.append(str(target))
    return out


COMMANDS = readme_commands(README.read_text(encoding="utf-8"))


def test_the_readme_shows_commands_in_blocks_and_inline():
    lines = [c for _, c, _ in COMMANDS]
    assert len(lines) > 40
    assert any(c.startswith("nianbao register") for c in lines) and any(c.startswith("nianbao rules") for c in lines)


@pytest.mark.parametrize("number, command, whole", COMMANDS, ids=[f"line{n}" for n, _, _ in COMMANDS])
def test_each_readme_command_is_one_the_cli_takes(tmp_path, number, command, whole):
    for placeholder, value in PLACEHOLDERS.items():
        command = command.replace(placeholder, value)
    args = shlex.split(command.split(" > ")[0])[1:]
    words = [a for a in args if not a.startswith("-")]
    if len(words) < 1 or words[0] not in main.commands:
        pytest.fail(f"README 第 {number} 行：没有 nianbao {words[0] if words else ''} 这个命令")
    if not whole:  # named in a sentence: the command and each option it shows exist
        leaf = _leaf(args)
        names = {name for p in leaf.params for name in p.opts}
        unknown = [a.split("=")[0] for a in args if a.startswith("-") and a.split("=")[0] not in names]
        assert not unknown, f"README 第 {number} 行 `{command}`：没有选项 {'、'.join(unknown)}"
        if not any("/" in w or "." in w for w in words):
            return  # no file named: not meant as a whole command line
    args = [a.replace("…", "") for a in args if a not in ("…", "...")]
    try:
        _parse(_scratch_inputs(args, tmp_path))
    except click.exceptions.Exit:
        pass
    except click.ClickException as exc:
        pytest.fail(f"README 第 {number} 行 `{command}`：{exc.format_message()}")


def test_a_wrong_option_in_the_readme_would_fail(tmp_path):
    """The parser is strict: the README's old `register --code` is refused, in Chinese."""
    with pytest.raises(click.NoSuchOption):
        _parse(_scratch_inputs(["register", "-o", "台账.xlsx", "--code", "X", "--year", "2025"], tmp_path))


def test_the_quick_start_merge_runs(tmp_path):
    (quick,) = [c for n, c, _ in COMMANDS if c.startswith("nianbao merge samples/")][:1]
    args = [a if a != "汇总.xlsx" else str(tmp_path / "汇总.xlsx") for a in shlex.split(quick)[1:]]
    done = nianbao(*args, cwd=ROOT)
    assert done.returncode in (0, 1), done.stderr
    assert (tmp_path / "汇总.xlsx").exists() and "汇总表" in done.stdout
