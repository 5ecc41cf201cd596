"""`oncall-tui` with no sub-command: the dashboard in this terminal."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import TYPE_CHECKING

from oncall_tui.commands import options
from oncall_tui.commands.base import EXIT_CONFIG, THEME_COMPLETION, completes, print_problems

if TYPE_CHECKING:
    from oncall_tui.core.config.loader import AppConfig


def display_options(parser: argparse.ArgumentParser, *, sub: bool = False) -> None:
    """Options of the board itself, on the dashboard and on `serve` alike."""
    default = argparse.SUPPRESS if sub else None
    parser.add_argument(
        "--wallboard",
        action="store_true",
        default=argparse.SUPPRESS if sub else False,
        help="big status and rotating pages for a wall TV; implies --read-only; "
        "keys do nothing but ctrl+q",
    )
    theme = parser.add_argument(
        "--theme",
        metavar="NAME",
        default=default,
        help="colour theme: dark (default), light, high-contrast (wallboard default), "
        "colorblind, or one from $XDG_CONFIG_HOME/oncall-tui/themes/",
    )
    completes(theme, THEME_COMPLETION)
    parser.add_argument(
        "--max-fps",
        type=options.fps,
        metavar="N",
        default=default,
        help="repaint at most N times a second (default 60); 2-10 for a slow SSH link",
    )
    if not sub:
        parser.add_argument(
            "--ascii",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="draw with ASCII only (default: automatic, on for TERM=linux or a "
            "non-UTF-8 locale such as LANG=C)",
        )


def theme_problem(name: str | None) -> str | None:
    """Why `--theme NAME` cannot be used, or None."""
    from oncall_tui.core.config.theme_files import load_catalog

    return None if name is None else load_catalog().problem_with(name)


def display_environment(args: argparse.Namespace) -> None:
    """Settings Textual reads once, at import: set them before it is imported."""
    from oncall_tui.core.present.words import ascii_terminal, choose_symbols

    if args.max_fps is not None:
        os.environ["TEXTUAL_FPS"] = str(args.max_fps)
    use_ascii = args.ascii if args.ascii is not None else ascii_terminal(os.environ)
    choose_symbols(ascii=use_ascii)


def dashboard(args: argparse.Namespace) -> int:
    from oncall_tui.core import start_gc

    # Off while the modules load (released in run_dashboard, before the app runs).
    start_gc.hold()
    from oncall_tui.core.config.loader import load_config

    config = load_config(args.config)
    problem = theme_problem(args.theme)
    if problem:
        print_problems([f"--theme: {problem}"])
        return EXIT_CONFIG
    if args.theme is not None:
        config.theme = args.theme
    display_environment(args)
    read_only = args.read_only or args.wallboard
    return run_dashboard(config, read_only=read_only, wallboard=args.wallboard)


def run_dashboard(config: AppConfig, *, read_only: bool, wallboard: bool = False) -> int:
    from oncall_tui.core import start_gc
    from oncall_tui.ui.terminal import EXIT_NO_TERMINAL, missing_terminal, release_streams

    # After the config (its mistakes are the first to fix), before Textual is imported:
    # without a terminal, say so at once.
    problem = missing_terminal()
    if problem is not None:
        print(problem, file=sys.stderr)
        return EXIT_NO_TERMINAL
    from oncall_tui.core.engine import Engine
    from oncall_tui.ui.app import OncallApp

    logging.getLogger().addHandler(logging.NullHandler())
    engine = Engine(config, read_only=read_only)
    app = OncallApp(engine, read_only=read_only, wallboard=wallboard)
    # What the imports built is frozen; the app's own start-up garbage (Textual makes
    # plenty) is collected as usual: held through the first frame, it cost 2-4 MiB of
    # RSS for good.
    start_gc.release(collect=False)
    app.run()
    release_streams()
    return app.return_code or 0
