"""`oncall-tui info`: what this installation is and what it reads — the first thing to
paste into a bug report, and the answer to "why does it draw ASCII here?".

Every value is read from the environment and the installed distributions, never by
starting the dashboard, so it answers without a terminal too (then it says so). Values
from the environment are shown through the sanitiser: a hostile TERM cannot drive the
terminal that prints it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from oncall_tui import __version__
from oncall_tui.commands.base import Command, config_option

_VALUE = 200
"""Longest environment value or path shown."""
_HYPERLINK_TERMINALS = ("iterm.app", "wezterm", "vscode", "ghostty", "kitty", "tabby", "hyper")
"""TERM_PROGRAM values (lower case) of terminals known to draw OSC 8 links."""
_CLIPBOARD_TERMINALS = ("iterm.app", "wezterm", "kitty", "ghostty", "alacritty", "foot")


def info(config: Path | None, fmt: str) -> int:
    document = describe(os.environ, config)
    if fmt == "json":
        print(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        print(render_text(document), end="")
    return 0


def version_text() -> str:
    """`--version`: ours and each plugin's."""
    plugins = ", ".join(f"{p['name']} {p['version'] or '?'}" for p in _plugins(with_paths=False))
    return f"oncall-tui {__version__}\nplugins: {plugins or 'none'}"


def describe(environ: Mapping[str, str], config: Path | None) -> dict[str, Any]:
    return {
        "version": __version__,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "executable": _text(sys.executable),
        "plugins": _plugins(with_paths=True),
        "paths": _paths(environ, config),
        "terminal": _terminal(environ),
    }


def _plugins(*, with_paths: bool) -> list[dict[str, str]]:
    from oncall_tui.core.sources.registry import default_registry

    found = []
    for name in default_registry.names():
        origin = default_registry.origin(name)
        entry: dict[str, str] = {
            "name": _text(name),
            "version": _text(default_registry.version(name)),
            "origin": _text(origin),
        }
        if with_paths:
            entry["path"] = _module_path(origin)
        found.append(entry)
    return found


def _module_path(origin: str) -> str:
    """Where the plugin's top-level package lives, found without importing it."""
    top = origin.partition(":")[0].partition(".")[0]
    try:
        spec = importlib.util.find_spec(top) if top else None
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.origin:
        return ""
    return _text(str(Path(spec.origin).parent))


def _paths(environ: Mapping[str, str], config: Path | None) -> dict[str, dict[str, Any]]:
    from oncall_tui.core.config.loader import default_configpath_of
    from oncall_tui.core.config.theme_files import shipped_theme_dir, user_theme_dir

    default = default_configpath_of()
    if config is not None:
        chosen, why = config, "--config"
    elif default.is_file():
        chosen, why = default, "the default file exists"
    else:
        chosen, why = None, f"{default} does not exist: the embedded demo runs"
    themes = user_theme_dir(environ)
    return {
        "config": {
            "path": _text(str(chosen)) if chosen else None,
            "exists": bool(chosen and chosen.is_file()),
            "why": _text(why),
        },
        "default_config": {"path": _text(str(default)), "exists": default.is_file()},
        "shipped_themes": {"path": _text(str(shipped_theme_dir())), "exists": True},
        "user_themes": {"path": _text(str(themes)), "exists": themes.is_dir()},
        "recordings": {
            "path": None,
            "why": "no default: `record --out FILE` names the file, `replay FILE` reads it",
        },
    }


def _terminal(environ: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    from oncall_tui.core.present.words import ascii_terminal

    term = environ.get("TERM", "")
    colorterm = environ.get("COLORTERM", "").lower()
    program = environ.get("TERM_PROGRAM", "").lower()
    attached = all(_isatty(fd) for fd in (0, 1, 2))
    shown_term = f"TERM={_text(term)}" if term else "TERM is not set"

    def said(value: object, why: str) -> dict[str, Any]:
        return {"value": value, "why": why}

    if "NO_COLOR" in environ:
        colours = said("none", "NO_COLOR is set")
    elif term in ("dumb", ""):
        colours = said("none", shown_term)
    elif colorterm in ("truecolor", "24bit"):
        colours = said("truecolor", f"COLORTERM={_text(colorterm)}")
    elif "256" in term:
        colours = said("256", shown_term)
    else:
        colours = said("16", f"{shown_term} (no 256color, COLORTERM not truecolor)")
    ascii_only = ascii_terminal(environ)
    locale = next((environ[n] for n in ("LC_ALL", "LC_CTYPE", "LANG") if environ.get(n)), "")
    unicode_why = f"{shown_term}, locale {_text(locale) or 'C (none set)'}; --ascii overrides"
    tmux = "TMUX" in environ
    return {
        "attached": said(attached, "stdin, stdout and stderr are a terminal" if attached
                         else "stdin, stdout or stderr is not a terminal: the dashboard "
                         "refuses to start (use `check`)"),
        "colours": colours,
        "truecolor": said(colours["value"] == "truecolor", colours["why"]),
        "unicode": said(not ascii_only, unicode_why),
        "mouse": said(term not in ("dumb", "linux", ""), f"{shown_term} (xterm mouse modes)"),
        "osc52_clipboard": said(
            "maybe" if tmux else program in _CLIPBOARD_TERMINALS or "probably",
            "inside tmux: only with `set -g set-clipboard on`" if tmux
            else f"TERM_PROGRAM={_text(program)}" if program
            else "most terminals accept it; it cannot be asked without writing to the screen",
        ),
        "osc8_links": said(
            program in _HYPERLINK_TERMINALS or bool(environ.get("VTE_VERSION")),
            f"TERM_PROGRAM={_text(program)}" if program
            else "VTE_VERSION is set" if environ.get("VTE_VERSION")
            else "neither TERM_PROGRAM nor VTE_VERSION names a terminal known to draw links",
        ),
    }  # fmt: skip


def _isatty(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False


def _text(value: str) -> str:
    from oncall_tui.core.sanitize import sanitize

    return sanitize(value, _VALUE)


def render_text(document: dict[str, Any]) -> str:
    lines = [f"oncall-tui {document['version']} ({document['python']}, {document['executable']})"]
    lines.append("plugins:")
    for plugin in document["plugins"]:
        lines.append(
            f"  {plugin['name']:<13} {plugin['version'] or '?':<10} {plugin['origin']}"
            + (f"  [{plugin['path']}]" if plugin.get("path") else "")
        )
    lines.append("paths:")
    for name, path in document["paths"].items():
        where = path.get("path") or "-"
        state = "" if path.get("path") is None else " (exists)" if path["exists"] else " (absent)"
        why = f"  — {path['why']}" if path.get("why") else ""
        lines.append(f"  {name:<15} {where}{state}{why}")
    lines.append("terminal:")
    for name, item in document["terminal"].items():
        value = item["value"]
        shown = "yes" if value is True else "no" if value is False else str(value)
        lines.append(f"  {name:<15} {shown:<10} {item['why']}")
    return "\n".join(lines) + "\n"


def arguments(parser: argparse.ArgumentParser) -> None:
    config_option(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")


COMMAND = Command(
    "info",
    "version, plugins, every path read, what the terminal supports",
    arguments,
    lambda args: info(args.config, args.format),
)
