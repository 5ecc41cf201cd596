"""Command line: the dashboard and its sub-commands.

Textual is imported only by the dashboard and `serve`, so `check`, `validate` and
`plugins` start fast and run where no terminal is attached (cron, CI, a probe).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel

from oncall_tui.core.config.durations import parse_duration
from oncall_tui.core.config.loader import AppConfig, ConfigError, SourceSettings, load_config
from oncall_tui.core.sources.registry import PluginLoadError, default_registry

EXIT_CONFIG = 2

DESCRIPTION = """\
A live terminal dashboard for on-call engineers: is it our services, our risk rules,
or a dependency? Without --config it reads $XDG_CONFIG_HOME/oncall-tui/config.toml,
or runs the embedded demo when there is none."""

EPILOG = """\
commands:
  check      collect every source once, print the result, exit 0/1/2/3 (ok/warning/critical/unknown)
  validate   report every config error at once, with its path; exit 0 or 2
  plugins    list installed data-source plugins and their options
  serve      the dashboard in a browser (read-only), needs the 'serve' extra
  record     collect as the dashboard does, headless, into a recording (JSON lines)
  replay     play a recording on the dashboard (read-only, REPLAY badge)
  timeline   print a recording as an incident timeline (markdown or json)
  init       write a config from what a running Prometheus (and Alertmanager) knows
  info       version, plugins, paths read, what the terminal supports
  completion the shell completion script (bash, zsh, fish)

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


def _config_option(parser: argparse.ArgumentParser, *, sub: bool = False) -> None:
    _files(
        parser.add_argument(
            "--config",
            "-c",
            type=Path,
            metavar="FILE",
            # On a sub-command, SUPPRESS keeps `oncall-tui --config F check` working: a
            # default of None there would overwrite the F parsed before the sub-command.
            default=argparse.SUPPRESS if sub else None,
            help="config file (TOML); default: $XDG_CONFIG_HOME/oncall-tui/config.toml or the demo",
        )
    )


FILE_COMPLETION = {
    "bash": "_shtab_compgen_files",
    "zsh": "_files",
    "fish": "(__fish_complete_path (commandline -ct))",
}
"""What shell completion offers for a file option: paths (shtab's own functions)."""
THEME_COMPLETION = {
    "bash": "_oncall_tui_themes",
    "zsh": "_oncall_tui_themes",
    "fish": "(_oncall_tui_themes)",
}
"""What it offers for --theme: a function the script's preamble defines (`completion`)."""


def _files(action: argparse.Action) -> argparse.Action:
    """Shell completion offers paths for this option (see `oncall-tui completion`)."""
    action.complete = FILE_COMPLETION  # type: ignore[attr-defined]
    return action


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oncall-tui",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version, help="show the version and plugins, exit")
    _config_option(parser)
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="nothing can change anything outside the process (no silences, no browser)",
    )
    _display_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="collect once, print, exit by the worst status")
    _config_option(check, sub=True)
    check.add_argument("--format", choices=("text", "json"), default="text")

    validate = sub.add_parser("validate", help="check the config and report every error")
    _config_option(validate, sub=True)

    sub.add_parser("plugins", help="installed plugins and their options")

    serve = sub.add_parser(
        "serve",
        help="the dashboard in a browser, read-only",
        description="The dashboard in a browser, read-only; the page needs no internet.",
    )
    _config_option(serve, sub=True)
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; "
        "0.0.0.0 for every network, said loudly at start)",
    )
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on (default 8000)")
    _display_options(serve, sub=True)

    record = sub.add_parser("record", help="collect headless into a recording for replay")
    _config_option(record, sub=True)
    _files(
        record.add_argument(
            "--out",
            type=Path,
            required=True,
            metavar="FILE",
            help="recording to write (JSON lines; gzip when it ends in .gz)",
        )
    )
    record.add_argument(
        "--for",
        dest="duration",
        type=_duration,
        metavar="DURATION",
        help="stop after this long (e.g. 30m); default: until Ctrl-C",
    )

    replay = sub.add_parser("replay", help="play a recording on the dashboard, read-only")
    _files(replay.add_argument("file", type=Path, metavar="FILE", help="a recording by `record`"))
    replay.add_argument(
        "--speed", type=_speed, default=1.0, metavar="N", help="N times real time (default 1)"
    )

    timeline = sub.add_parser("timeline", help="a recording as an incident timeline")
    _files(timeline.add_argument("file", type=Path, metavar="FILE", help="a recording by `record`"))
    timeline.add_argument("--format", choices=("markdown", "json"), default="markdown")

    init = sub.add_parser(
        "init",
        help="write a config from a running Prometheus (and Alertmanager)",
        description="A commented config from what a running Prometheus already knows: its "
        "alerting rules as live signals with their thresholds, scrape jobs, SLO rules and "
        "change timestamps, and the Alertmanager. Exit 0 written, 1 a server unreachable "
        "(nothing written), 2 usage.",
    )
    init.add_argument("--prometheus", required=True, metavar="URL", help="Prometheus base URL")
    init.add_argument("--alertmanager", metavar="URL", help="Alertmanager base URL")
    _files(
        init.add_argument(
            "--out", type=Path, metavar="FILE", help="config to write (default: stdout)"
        )
    )
    init.add_argument("--force", action="store_true", help="replace an existing --out FILE")

    info = sub.add_parser("info", help="version, plugins, paths read, terminal support")
    _config_option(info, sub=True)
    info.add_argument("--format", choices=("text", "json"), default="text")

    completion = sub.add_parser(
        "completion",
        help="the shell completion script (see README: Shell completion)",
        description="Print the completion script of a shell on stdout, e.g. "
        "`oncall-tui completion bash > ~/.local/share/bash-completion/completions/oncall-tui`.",
    )
    completion.add_argument("shell", choices=("bash", "zsh", "fish"))
    return parser


class _Version(argparse.Action):
    """--version: this program's version and every installed plugin's, looked up only
    when asked (reading the installed distributions costs every other run time)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        from oncall_tui.commands.info import version_text

        print(version_text())
        parser.exit()


def _speed(text: str) -> float:
    try:
        speed = float(text)
    except ValueError:
        speed = float("nan")
    if not 0 < speed <= 10_000:
        raise argparse.ArgumentTypeError(f"expected a number above 0 (e.g. 10), got {text!r}")
    return speed


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _display_options(parser: argparse.ArgumentParser, *, sub: bool = False) -> None:
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
    theme.complete = THEME_COMPLETION  # type: ignore[attr-defined]
    parser.add_argument(
        "--max-fps",
        type=_fps,
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


def _fps(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= 120:
        raise argparse.ArgumentTypeError(f"expected 1 to 120, got {value}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected 0 to 65535, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    # httpx logs full URLs (credentials included) at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    try:
        if args.command == "check":
            return _check(args.config, args.format)
        if args.command == "validate":
            return _validate(args.config)
        if args.command == "plugins":
            return _plugins()
        if args.command == "serve":
            return _serve(args)
        if args.command == "record":
            from oncall_tui.commands.record import record

            return record(load_config(args.config), args.out, args.duration)
        if args.command == "replay":
            from oncall_tui.commands.replay import replay

            return replay(args.file, args.speed)
        if args.command == "timeline":
            from oncall_tui.commands.timeline import timeline

            return timeline(args.file, args.format)
        if args.command == "info":
            from oncall_tui.commands.info import info

            return info(args.config, args.format)
        if args.command == "completion":
            from oncall_tui.commands.completion import completion

            return completion(build_parser(), args.shell)
        if args.command == "init":
            from oncall_tui.commands.init import init

            return init(args.prometheus, args.alertmanager, args.out, args.force)
        return _dashboard(args)
    except ConfigError as exc:
        _print_problems(exc.problems)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `oncall-tui check | head`
        sys.stderr.close()
        return 0


def _print_problems(problems: list[str]) -> None:
    noun = "problem" if len(problems) == 1 else "problems"
    print(f"oncall-tui: {len(problems)} config {noun}:", file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)


def _check(path: Path | None, fmt: str) -> int:
    from oncall_tui.core.engine import Engine
    from oncall_tui.core.present.report import render_json, render_text
    from oncall_tui.core.triage.causes import store_diagnosis

    config = load_config(path)
    engine = Engine(config, read_only=True)

    async def collect() -> None:
        try:
            await engine.collect_settled()
        finally:
            await engine.stop()

    # Not asyncio.run(): at exit it waits for every task, and a plugin that ignores
    # cancellation would hang `check` forever after its deadline was already reported.
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(collect())
    finally:
        for task in asyncio.all_tasks(loop):
            task.cancel()
        loop.close()
    store = engine.store
    now = time.time()
    diagnosis = store_diagnosis(store, config.topology, config.change_window)
    if fmt == "json":
        print(render_json(store, now, diagnosis))
    else:
        print(render_text(store, diagnosis=diagnosis, now=now, change_window=config.change_window))
    sys.stdout.flush()
    if diagnosis.unmatched:
        # Knowable only once signals exist, hence here and not in `validate`.
        names = ", ".join(diagnosis.unmatched)
        print(f"warning: topology names matching no signal: {names}", file=sys.stderr)
    return store.overall().exit_code


def _validate(path: Path | None) -> int:
    from oncall_tui.core.config.theme_files import load_catalog

    config = load_config(path)
    if config.load_errors:
        _print_problems(config.load_errors)
        return EXIT_CONFIG
    for problem in load_catalog().problems:
        print(f"oncall-tui: warning: theme not loaded: {problem}", file=sys.stderr)
    where = config.path or "embedded demo config"
    names = ", ".join(f"{s.name} ({s.plugin})" for s in config.sources) or "none"
    print(f"{where}: valid; sources: {names}")
    return 0


def _plugins() -> int:
    registry = default_registry
    for name in registry.names():
        try:
            plugin = registry.load(name)
        except PluginLoadError as exc:
            print(f"{name}  [BROKEN] {exc}\n")
            continue
        doc = (plugin.description or (plugin.__doc__ or "")).strip().splitlines()
        print(f"{name}  ({registry.origin(name)})")
        if doc:
            print(f"  {doc[0]}")
        for line in _describe_model(plugin.Config, "    "):
            print(line)
        print()
    print("Every source also takes:")
    for line in _describe_model(SourceSettings, "    "):
        print(line)
    return 0


def _describe_model(model: type[BaseModel], indent: str) -> list[str]:
    lines = []
    for field_name, info in model.model_fields.items():
        key = info.alias or field_name
        # Duration is Annotated[float, <parse_duration>]: say "duration", not float.
        is_duration = any(
            getattr(m, "func", None) is parse_duration for m in info.metadata
        ) or parse_duration.__name__ in str(info.annotation)
        optional = type(None) in get_args(info.annotation)
        if is_duration:
            annotation = "duration | None" if optional else "duration"
        else:
            annotation = _type_name(info.annotation)
        default = (
            "" if info.is_required() else f" = {info.get_default(call_default_factory=True)!r}"
        )
        required = " (required)" if info.is_required() else ""
        lines.append(f"{indent}{key}: {annotation}{default}{required}")
        if info.description:
            for doc_line in info.description.strip().splitlines():
                lines.append(f"{indent}    {doc_line.strip()}")
        nested = _nested_model(info.annotation)
        if nested is not None:
            lines += _describe_model(nested, indent + "    ")
    return lines


def _type_name(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) if not get_args(annotation) else None
    return text or str(annotation).replace("typing.", "")


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _nested_model(arg)
        if found is not None:
            return found
    return None


def _dashboard(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    problem = _theme_problem(args.theme)
    if problem:
        _print_problems([f"--theme: {problem}"])
        return EXIT_CONFIG
    if args.theme is not None:
        config.theme = args.theme
    _display_environment(args)
    read_only = args.read_only or args.wallboard
    return run_dashboard(config, read_only=read_only, wallboard=args.wallboard)


def _theme_problem(name: str | None) -> str | None:
    from oncall_tui.core.config.theme_files import load_catalog

    return None if name is None else load_catalog().problem_with(name)


def _display_environment(args: argparse.Namespace) -> None:
    """Settings Textual reads once, at import: set them before it is imported."""
    from oncall_tui.core.present.words import ascii_terminal, choose_symbols

    if args.max_fps is not None:
        os.environ["TEXTUAL_FPS"] = str(args.max_fps)
    use_ascii = args.ascii if args.ascii is not None else ascii_terminal(os.environ)
    choose_symbols(ascii=use_ascii)


def run_dashboard(config: AppConfig, *, read_only: bool, wallboard: bool = False) -> int:
    from oncall_tui.ui.terminal import EXIT_NO_TERMINAL, missing_terminal

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
    app.run()
    return app.return_code or 0


def _serve(args: argparse.Namespace) -> int:
    try:
        from oncall_tui.web.server import serve
    except ImportError:
        print(
            "oncall-tui: `serve` needs textual-serve: pip install 'oncall-tui[serve]'",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    config = load_config(args.config)  # fail here, not inside every browser session
    problem = _theme_problem(args.theme)
    if problem:
        _print_problems([f"--theme: {problem}"])
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
    serve(shlex.join(command), host=args.host, port=args.port, title=config.title)
    return 0
