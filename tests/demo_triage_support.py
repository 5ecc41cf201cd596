"""The demo as `oncall-tui check` and the board see it: its embedded config with the
incident asked for (and no host source, whose causes a busy test machine would add),
the cause each incident must name, and `check` run on it."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from oncall_cli import proxy_free_env, run_oncall

DEMO_TEXT = resources.files("oncall_tui.core").joinpath("demo_config.toml").read_text()


def demo_config(incident: str = "cycle") -> str:
    """The embedded demo config without the host source (a busy test machine would add
    its own causes) and with the incident asked for."""
    text = DEMO_TEXT.replace('incident = "cycle"', f'incident = "{incident}"')
    return text.replace('[sources.host]\nplugin = "host"\ninterval = "5s"\n', "")


EXPECTED: dict[str, tuple[str, set[str], str | None]] = {
    # incident: (first cause, what it must affect, the change attached)
    "overload": ("pay-api", {"checkout-web"}, "pay-api deployed"),
    "risk_rule": ("paylater/device-fingerprint", set(), "paylater/device-fingerprint edited"),
    "dependency": ("credit-bureau", {"loan-api"}, None),
    "cascade": (
        "credit-bureau",
        {"loan-api", "cashloan/credit-limit"},
        "credit-bureau client config reloaded",
    ),
    # A bad release caught on its slice of traffic: the canary names it.
    "canary": ("repayment-api", set(), "repayment-api deployed"),
}


def check(tmp_path: Path, incident: str, fmt: str = "json") -> tuple[int, Any]:
    config = tmp_path / f"{incident}.toml"
    config.write_text(demo_config(incident))
    # COLUMNS: the text report fits the terminal.
    result = run_oncall(
        "check", "--config", str(config), "--format", fmt, env=proxy_free_env(COLUMNS="160")
    )
    assert result.stderr == ""
    return result.returncode, json.loads(result.stdout) if fmt == "json" else result.stdout
