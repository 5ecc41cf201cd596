"""`oncall-tui serve`: the dashboard in a browser, read-only (the `serve` extra)."""

from __future__ import annotations

import argparse
import shlex
import sys

from oncall_tui.commands import options
from oncall_tui.commands.base import EXIT_CONFIG, Command, config_option, print_problems
from oncall_tui.commands.dashboard import display_options, theme_problem


def arguments(parser: argparse.ArgumentParser) -> None:
    config_option(parser)
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; "
        "0.0.0.0 for every network, said loudly at start)",
    )
    parser.add_argument(
        "--port", type=options.port, default=8000, help="port to listen on (default 8000)"
    )
    display_options(parser, sub=True)


def serve(args: argparse.Namespace) -> int:
    try:
        from oncall_tui.web.server import BoardServer
        from oncall_tui.web.server import serve as serve_app
    except ImportError:
        print(
            "oncall-tui: `serve` needs textual-serve: pip install 'oncall-tui[serve]'",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    from oncall_tui.core.config.loader import load_config

    config = load_config(args.config)  # fail here, not inside every browser session
    problem = theme_problem(args.theme)
    if problem:
        print_problems([f"--theme: {problem}"])
        return EXIT_CONFIG
    command = [sys.executable, "-m", "oncall_tui", "--read-only", "--no-ascii"]
    if args.wallboard:
        command.append("--wallboard")
    if args.theme is not None:
        command += ["--theme", args.theme]
    if args.max_fps is not None:
        command += ["--max-fps", str(args.max_fps)]
    if args.config is not None:
        command += ["--config", str(args.config.resolve())]
    board = BoardServer(
        shlex.join(command),
        host=args.host,
        port=args.port,
        title=config.title,
        origins=config.serve.origins,
        max_sessions=config.serve.max_sessions,
    )
    serve_app(board)
    return 0


COMMAND = Command(
    "serve",
    "the dashboard in a browser (read-only), needs the 'serve' extra",
    arguments,
    serve,
    description="The dashboard in a browser, read-only; the page needs no internet.",
)
