"""`oncall-tui completion bash|zsh|fish`: the shell's completion script, generated from
the argument parser by shtab, so a new option completes without anyone writing shell.

Sub-commands, options and their choices come from the parser; file options complete
paths; `--theme` completes the shipped theme names (known when the script is made)
and the user's theme files (listed when TAB is pressed: a theme added later completes
too).
"""

from __future__ import annotations

import argparse
import re
import sys

from oncall_tui.commands.base import Command

_USER_THEMES = '"${XDG_CONFIG_HOME:-$HOME/.config}/oncall-tui/themes"'


def completion(parser: argparse.ArgumentParser, shell: str) -> int:
    import shtab

    names = " ".join(_shipped_names())
    preamble = {
        "bash": (
            # Not `compgen -W`: it expands the words, and a file name is no code.
            "_oncall_tui_themes() {\n"
            f"  local dir={_USER_THEMES} f n\n"
            f'  for n in {names} "$dir"/*.toml; do\n'
            "    n=${n##*/}; n=${n%.toml}\n"
            '    case $n in *[!a-z0-9_-]*|"") continue;; esac\n'
            '    [[ $n == "$1"* ]] && printf "%s\\n" "$n"\n'
            "  done\n"
            "}\n"
        ),
        "zsh": (
            "_oncall_tui_themes() {\n"
            f"  local dir={_USER_THEMES}\n"
            f"  local -a names; names=({names} $dir/*.toml(N:t:r))\n"
            "  compadd -a names\n"
            "}\n"
        ),
        "fish": (
            "function _oncall_tui_themes\n"
            f"  for n in {names}; echo $n; end\n"
            "  set -l dir $HOME/.config\n"
            "  set -q XDG_CONFIG_HOME; and set dir $XDG_CONFIG_HOME\n"
            "  for f in $dir/oncall-tui/themes/*.toml; basename $f .toml; end\n"
            "end\n"
        ),
    }
    sys.stdout.write(shtab.complete(parser, shell=shell, preamble=preamble[shell]))
    return 0


def _shipped_names() -> list[str]:
    """Shipped theme names, each a plain word (THEME_NAME) the scripts can hold as is."""
    from oncall_tui.core.config.theme_files import THEME_NAME, load_catalog, shipped_theme_dir

    catalog = load_catalog([(shipped_theme_dir(), "shipped")])
    return [name for name in catalog.names() if THEME_NAME.fullmatch(name) and _WORD.match(name)]


_WORD = re.compile(r"^[a-z0-9_-]+$")


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shell", choices=("bash", "zsh", "fish"))


def _run(args: argparse.Namespace) -> int:
    # The whole parser, this command included: the one that read these arguments.
    return completion(args.parser, args.shell)


COMMAND = Command(
    "completion",
    "the shell completion script (bash, zsh, fish) on stdout",
    arguments,
    _run,
    description="Print the completion script of a shell on stdout, e.g. "
    "`oncall-tui completion bash > ~/.local/share/bash-completion/completions/oncall-tui`.",
)
