"""`oncall-tui validate`: every config error at once, each with its path."""

from __future__ import annotations

import argparse
import sys

from oncall_tui.commands.base import EXIT_CONFIG, Command, config_option, print_problems
from oncall_tui.core.sanitize import MAX_PROBLEM, sanitize


def validate(args: argparse.Namespace) -> int:
    from oncall_tui.core.config.loader import load_config
    from oncall_tui.core.config.theme_files import load_catalog

    config = load_config(args.config)
    if config.load_errors:
        print_problems(config.load_errors)
        return EXIT_CONFIG
    for problem in load_catalog().problems:
        warning = sanitize(problem, MAX_PROBLEM)
        print(f"oncall-tui: warning: theme not loaded: {warning}", file=sys.stderr)
    where = config.path or "embedded demo config"
    names = ", ".join(f"{s.name} ({s.plugin})" for s in config.sources) or "none"
    print(f"{where}: valid; sources: {names}")
    return 0


COMMAND = Command(
    "validate",
    "report every config error at once, with its path; exit 0 or 2",
    config_option,
    validate,
)
