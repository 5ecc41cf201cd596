"""`oncall-tui init --prometheus URL`: a first real board from what a running
Prometheus already knows — its alerting rules as live signals with their thresholds,
its scrape jobs, SLO rules and change timestamps — and the Alertmanager beside it.

The config is checked by the same loader `validate` uses before a byte is written: a
file `init` writes always loads. Exit 0 written, 1 a server unreachable or refusing
(nothing written), 2 usage (an existing --out without --force, a bad URL).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from .base import FILE_COMPLETION, Command, completes

if TYPE_CHECKING:  # imported when run: `oncall-tui --help` does not pay for httpx
    from .init_discover import Discovery
    from .init_render import Plan

EXIT_WRITTEN = 0
EXIT_UNREACHABLE = 1
EXIT_USAGE = 2


def init(prometheus: str, alertmanager: str | None, out: Path | None, force: bool) -> int:
    from oncall_tui.core.http import check_http_url

    from .init_discover import Unreachable
    from .init_render import render

    urls: list[str] = []
    for flag, url in (("--prometheus", prometheus), ("--alertmanager", alertmanager)):
        if url is None:
            continue
        try:
            urls.append(check_http_url(url).rstrip("/"))
        except ValueError as exc:
            return _fail(f"{flag}: {exc}", EXIT_USAGE)
    if out is not None and out.exists() and not force:
        return _fail(f"{out} exists; --force replaces it", EXIT_USAGE)
    try:
        found = _run(urls[0], urls[1] if len(urls) > 1 else None)
    except Unreachable as exc:
        return _fail(f"{exc}; nothing written", EXIT_UNREACHABLE)
    plan = render(found, slo_field=_plugin_takes_slo_rules())
    problems = _problems(plan.text)
    if problems:  # a bug of ours: never write a config that does not load
        return _fail("the written config would not load: " + "; ".join(problems), EXIT_USAGE)
    if out is None:
        sys.stdout.write(plan.text)
    else:
        try:
            _write(out, plan.text)
        except OSError as exc:
            return _fail(f"cannot write {out}: {exc.strerror or exc}", EXIT_UNREACHABLE)
    _report(plan, found, out)
    return EXIT_WRITTEN


def _run(prometheus: str, alertmanager: str | None) -> Discovery:
    import asyncio

    from .init_discover import co_occurring, discover
    from .init_render import render

    async def both() -> Discovery:
        # A first render names the labels components are made of: the topology hints
        # are those labels seen together on one series.
        found = await discover(prometheus, alertmanager)
        first = render(found, slo_field=False)
        labels = first.component_labels[:4]
        if len(labels) > 1:
            await co_occurring(found, labels, first.together)
        return found

    return asyncio.run(both())


def _plugin_takes_slo_rules() -> bool:
    from oncall_tui_prometheus.config import PrometheusConfig

    return "slo_rules" in PrometheusConfig.model_fields


def _problems(text: str) -> list[str]:
    from oncall_tui.core.config.loader import ConfigError, load_config

    with tempfile.TemporaryDirectory(prefix="oncall-init-") as folder:
        path = Path(folder) / "config.toml"
        path.write_text(text, encoding="utf-8")
        try:
            config = load_config(path)
        except ConfigError as exc:
            return list(exc.problems)
        return list(config.load_errors)


def _write(out: Path, text: str) -> None:
    """Whole or not at all: a crash mid-write never leaves half a config."""
    folder = out.parent if str(out.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(prefix=".oncall-init-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _report(plan: Plan, found: Discovery, out: Path | None) -> None:
    where = str(out) if out is not None else "stdout"
    print(
        f"oncall-tui: wrote {where}: {plan.signals} signals from {len(found.rules)} alerting "
        f"rules, {len(found.jobs)} scrape jobs and {len(found.changes)} change metrics"
        + (f"; {len(plan.alerts_only)} rules stay alerts" if plan.alerts_only else ""),
        file=sys.stderr,
    )
    if out is not None:
        print(f"  next: oncall-tui --config {out}", file=sys.stderr)


def _fail(message: str, code: int) -> int:
    from oncall_tui.core.sanitize import sanitize

    print(f"oncall-tui init: {sanitize(message, 600)}", file=sys.stderr)
    return code


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prometheus", required=True, metavar="URL", help="Prometheus base URL")
    parser.add_argument("--alertmanager", metavar="URL", help="Alertmanager base URL")
    out = parser.add_argument(
        "--out", type=Path, metavar="FILE", help="config to write (default: stdout)"
    )
    completes(out, FILE_COMPLETION)
    parser.add_argument("--force", action="store_true", help="replace an existing --out FILE")


COMMAND = Command(
    "init",
    "write a config from what a running Prometheus (and Alertmanager) knows",
    arguments,
    lambda args: init(args.prometheus, args.alertmanager, args.out, args.force),
    description="A commented config from what a running Prometheus already knows: its "
    "alerting rules as live signals with their thresholds, scrape jobs, SLO rules and "
    "change timestamps, and the Alertmanager. Exit 0 written, 1 a server unreachable "
    "(nothing written), 2 usage.",
)
