"""Command line: the dashboard, and the sub-commands registered in `oncall_tui.commands`.

Textual is imported only by the dashboard and `serve`, so `check`, `validate` and
`plugins` start fast and run where no terminal is attached (cron, CI, a probe).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Any

from oncall_tui.commands.base import EXIT_CONFIG, Command, config_option, print_problems
from oncall_tui.commands.dashboard import dashboard, display_options
from oncall_tui.commands.registry import NAMES, WHOLE_PARSER, all_commands, command
from oncall_tui.core import start_gc
from oncall_tui.core.config.config_error import ConfigError

DESCRIPTION = """\
A live terminal dashboard for on-call engineers: is it our services, our risk rules,
or a dependency? Without --config it reads $XDG_CONFIG_HOME/oncall-tui/config.toml,
or runs the embedded demo when there is none."""

EXAMPLES = """\
examples:
  oncall-tui                          the demo, or your default config
  oncall-tui --config prod.toml --read-only
  oncall-tui --wallboard --theme high-contrast
  oncall-tui --ascii --max-fps 5      a slow SSH link to a console without Unicode
  oncall-tui serve --host 0.0.0.0     the board in a browser, for other machines too
  oncall-tui check --format json | jq .status
  oncall-tui validate --config prod.toml
  oncall-tui init --prometheus http://prom:9090 --alertmanager http://am:9093 --out c.toml
"""


class _Version(argparse.Action):
    """--version: this program's version and every installed plugin's, looked up only
    when asked (reading the installed distributions costs every other run time)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        from oncall_tui.commands.info import version_text

        print(version_text())
        parser.exit()


def _epilog(commands: Sequence[Command]) -> str:
    width = max(len(command.name) for command in commands) + 3
    lines = [f"  {command.name:<{width}}{command.help}" for command in commands]
    return "commands:\n" + "\n".join(lines) + "\n\n" + EXAMPLES


_TAKES_VALUE = frozenset({"--config", "-c", "--theme", "--max-fps"})
_FLAGS = frozenset({"--read-only", "--wallboard", "--ascii", "--no-ascii"})


def command_asked_for(argv: Sequence[str]) -> str | None:
    """The sub-command `argv` runs, when its words alone make that certain; else None
    (no command: the dashboard; `-h`, `--version`, an abbreviated option, anything
    unusual: the whole parser decides, as it always did)."""
    words = iter(argv)
    for word in words:
        if word in _TAKES_VALUE:
            next(words, None)
        elif (word.split("=", 1)[0] in _TAKES_VALUE and "=" in word) or word in _FLAGS:
            continue
        elif word.startswith("-"):
            return None
        else:
            return word if word in NAMES and word not in WHOLE_PARSER else None
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with `only`, the same one holding that sub-command alone (what
    a run of it needs: the other commands' modules are not imported)."""
    commands = (command(only),) if only else all_commands()
    parser = argparse.ArgumentParser(
        prog="oncall-tui",
        description=DESCRIPTION,
        epilog=None if only else _epilog(commands),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version, help="show the version and plugins, exit")
    config_option(parser, sub=False)
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="nothing can change anything outside the process (no silences, no browser)",
    )
    display_options(parser)
    # Every command may ask for the parser that read its arguments (completion does).
    parser.set_defaults(run=dashboard, parser=parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for each in commands:
        command_parser = sub.add_parser(
            each.name, help=each.help, description=each.description or None
        )
        each.arguments(command_parser)
        command_parser.set_defaults(run=each.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # httpx logs full URLs (credentials included) at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    words = sys.argv[1:] if argv is None else argv
    try:
        # Inside: `--version` and `--help` write while the arguments are read.
        args = build_parser(only=command_asked_for(words)).parse_args(words)
        code: int = args.run(args)
        return code
    except ConfigError as exc:
        print_problems(exc.problems)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `oncall-tui check | head`
        sys.stderr.close()
        return 0
    finally:
        start_gc.undo()
