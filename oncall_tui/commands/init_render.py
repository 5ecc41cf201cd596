"""The config `init` writes: TOML text with a comment beside every guess.

Everything taken from the servers is data: strings are written as escaped TOML basic
strings, comments pass the sanitiser (one line, control characters made visible), and
label values or names put into a template have their braces doubled so that they stay
literal text.
"""

from __future__ import annotations

import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from oncall_tui.core.sanitize import sanitize

from .init_discover import Discovery
from .init_rules import (
    NotAThreshold,
    Rule,
    Split,
    guess_kind,
    identity_labels,
    merged_limits,
    rule_words,
    runbook_template,
    split_rule,
    template_labels,
)

_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
_COMMENT = 160
"""Longest comment line written from server text."""
_VERBS = (("deploy", "deployed"), ("release", "released"), ("rollout", "rolled out"),
          ("edit", "edited"), ("reload", "reloaded"), ("upgrade", "upgraded"))  # fmt: skip


@dataclass
class Plan:
    """The config to write, and what `init` says about it on stderr."""

    text: str
    signals: int = 0
    alerts_only: list[str] = field(default_factory=list)
    component_labels: list[str] = field(default_factory=list)
    together: set[frozenset[str]] = field(default_factory=set)
    """Pairs of labels that name one component together ({product}/{rule}): seen on
    one series, they say nothing of a dependency."""


def toml_string(value: str) -> str:
    """A TOML basic string the config loader reads back as `value` exactly: `$` is
    doubled, or a `${VAR}` in a server's text would be filled from the environment."""
    out = ['"']
    for ch in value.replace("$", "$$"):
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif _hidden(ch):  # escaped: the file shows what is there
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _hidden(ch: str) -> bool:
    """Control, bidi and invisible characters."""
    return ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 or unicodedata.category(ch) in _HIDDEN


def query_string(value: str) -> str:
    """A PromQL query as a TOML literal string ('...': its quotes and backslashes read
    as written) where it can be one, else a basic string."""
    if "'" in value or "$" in value or any(_hidden(ch) for ch in value):
        return toml_string(value)
    return f"'{value}'"


def comment(text: str) -> str:
    return sanitize(" ".join(text.split()), _COMMENT)


def literal(text: str) -> str:
    """`text` as literal template text: braces doubled."""
    return text.replace("{", "{{").replace("}", "}}")


def _number(value: float) -> str:
    return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _duration(seconds: float) -> str:
    return f"{int(seconds)}s" if float(seconds).is_integer() else f"{round(seconds * 1000)}ms"


@dataclass
class _Signal:
    split: Split
    rules: dict[str, Rule] = field(default_factory=dict)
    """severity -> the rule at it."""
    notes: list[str] = field(default_factory=list)


def render(found: Discovery, slo_field: bool) -> Plan:
    """The whole config. `slo_field`: whether the installed prometheus plugin takes
    `slo_rules` (written commented out when it does not)."""
    lines = [
        f"# oncall-tui config written by `oncall-tui init` from {comment(found.prometheus)}",
        f"# at {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. It runs as it is;",
        "# every guess says so in a comment: read them and correct what is wrong.",
        "# Check it with:  oncall-tui validate --config FILE",
        "",
        'title = "On-call"',
        'refresh = "15s"',
        'change_window = "1h"                 # a change this long before a breach is a suspect',
        "",
        "[sources.prom]",
        'plugin = "prometheus"',
        f"url = {toml_string(found.prometheus)}",
        'timeout = "5s"',
    ]
    plan = Plan("")
    if found.slo_rules:
        prefix = "" if slo_field else "# "
        lines += [
            f"# {found.slo_rules.capitalize()} SLO recording rules found: their SLOs are read",
            "# from them (burn rates, budget left)."
            + ("" if slo_field else " This oncall-tui's prometheus plugin cannot yet."),
            f"{prefix}slo_rules = {toml_string(found.slo_rules)}",
        ]
    signals, alerts_only = _signals(found.rules)
    components: list[str] = []
    for signal in signals:
        lines += _signal_lines(signal, components, plan.together)
        plan.signals += 1
    lines += _job_lines(found.jobs or ([] if signals or found.changes else [""]))
    plan.signals += max(len(found.jobs), 0 if signals or found.changes else 1)
    for metric, labels in found.changes:
        lines += _change_lines(metric, labels, plan.together)
        plan.signals += 1
    lines += _alert_lines(found, alerts_only)
    plan.alerts_only = [rule.name for rule, _ in alerts_only]
    plan.component_labels = components
    lines += _topology_lines(found)
    plan.text = "\n".join(lines) + "\n"
    return plan


def _signals(rules: list[Rule]) -> tuple[list[_Signal], list[tuple[Rule, str]]]:
    """Rules grouped by the query they split into (a warning and a critical rule on one
    expression are one signal), and the rules that stay alerts with the reason."""
    by_query: dict[tuple[str, bool], _Signal] = {}
    alerts_only: list[tuple[Rule, str]] = []
    for rule in rules:
        try:
            split = split_rule(rule.expr)
        except NotAThreshold as exc:
            alerts_only.append((rule, str(exc)))
            continue
        signal = by_query.setdefault((split.same or split.query, split.below), _Signal(split))
        severity = rule.severity
        if severity in signal.rules:
            kept = signal.rules[severity]
            signal.notes.append(
                f"{rule.name} ({severity}, {_number(split.threshold)}) is on the same query as "
                f"{kept.name}: only {kept.name}'s limit is kept"
            )
            continue
        signal.rules[severity] = rule
    return list(by_query.values()), alerts_only


def _signal_lines(
    signal: _Signal, components: list[str], together: set[frozenset[str]]
) -> list[str]:
    rules = signal.rules
    first = rules.get("critical") or rules["warning"]
    splits = {severity: (_resplit(rule), rule) for severity, rule in rules.items()}
    warning, critical, notes = merged_limits(splits)
    notes = signal.notes + notes
    fallback = template_labels([*first.annotations.values()])
    labels = identity_labels(signal.split.labels, fallback)
    for name in labels:
        if name not in components:
            components.append(name)
    together.update(frozenset((a, b)) for a in labels for b in labels if a != b)
    component = "/".join("{" + name + "}" for name in labels)
    name = literal(first.name) + (f" {component}" if component else "")
    kind, word = guess_kind(rule_words(first))
    names = " + ".join(f"{rule.name} ({severity})" for severity, rule in sorted(rules.items()))
    lines = ["", f"  # From alerting rule {comment(names)}."]
    summary = first.annotations.get("summary") or first.annotations.get("description", "")
    if summary:
        lines.append(f"  # {comment(summary)}")
    why = (
        f'"{word}" in its name, labels or expression'
        if word
        else "no business, risk or dependency word"
    )
    lines.append(f"  # kind guessed ({why}): business, health, risk_rule or dependency.")
    lines += [f"  # {comment(note)}" for note in notes]
    lines += [
        "  [[sources.prom.queries]]",
        f"  kind = {toml_string(kind)}",
        f"  name = {toml_string(name)}",
    ]
    if component:
        lines.append(f"  component = {toml_string(component)}")
    lines.append(f"  query = {query_string(signal.split.query)}")
    unit_note = "  # a guess" if signal.split.unit != "bool" else ""
    lines.append(f"  unit = {toml_string(signal.split.unit)}{unit_note}")
    if warning is not None:
        lines.append(f"  warning = {_number(warning)}")
    if critical is not None:
        lines.append(f"  critical = {_number(critical)}")
    if signal.split.below:
        lines.append("  below = true                       # the rule fires on low values")
    # One `for` per signal: the most severe rule's; another rule's differing one is said.
    if first.for_seconds > 0:
        lines.append(f'  for = "{_duration(first.for_seconds)}"')
    for rule in rules.values():
        if rule.for_seconds != first.for_seconds:
            lines.append(
                f"  # {comment(rule.name)} waits {_duration(rule.for_seconds)}: the board "
                f"waits {_duration(first.for_seconds)} for both levels"
            )
    runbook, problem = runbook_template(first.annotations.get("runbook_url", ""))
    if runbook:
        lines.append(f"  runbook = {toml_string(runbook)}")
    elif problem:
        lines.append(f"  # runbook left out: {comment(problem)}")
    return lines


def _resplit(rule: Rule) -> Split:
    return split_rule(rule.expr)


def _job_lines(jobs: list[str]) -> list[str]:
    lines: list[str] = []
    if jobs:
        lines += ["", "  # Scrape targets, per job: is each one up? (Prometheus' `up`)"]
    for job in jobs:
        if not job:  # nothing scraped and no rules: `up` keeps the config loadable
            lines += [
                "  [[sources.prom.queries]]",
                '  kind = "health"',
                '  name = "{job} {instance} up"',
                '  component = "{job}"',
                '  query = "up"',
                '  unit = "bool"',
                "  critical = 0.5",
                "  below = true",
            ]
            continue
        lines += [
            "  [[sources.prom.queries]]",
            '  kind = "health"',
            f"  name = {toml_string(literal(job) + ' {instance} up')}",
            f"  component = {toml_string(literal(job))}",
            f"  query = {query_string('up{job=' + _promql_string(job) + '}')}",
            '  unit = "bool"',
            "  critical = 0.5",
            "  below = true",
        ]
    return lines


def _promql_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _change_lines(metric: str, labels: list[str], together: set[frozenset[str]]) -> list[str]:
    chosen = identity_labels(labels, [])
    together.update(frozenset((a, b)) for a in chosen for b in chosen if a != b)
    component = "/".join("{" + name + "}" for name in chosen) or literal(metric)
    verb = next((past for word, past in _VERBS if word in metric.lower()), "changed")
    return [
        "",
        f"  # Change marker: {comment(metric)} looks like the unix time of a change.",
        "  [[sources.prom.queries]]",
        '  kind = "change"',
        f"  name = {toml_string(component + ' ' + verb)}",
        f"  component = {toml_string(component)}",
        f"  query = {query_string(metric)}",
    ]


def _alert_lines(found: Discovery, alerts_only: list[tuple[Rule, str]]) -> list[str]:
    lines = [""]
    if found.skipped_rules:
        lines.append(f"# {found.skipped_rules} more alerting rules were not read (too many).")
    for rule, why in alerts_only:
        lines.append(f"# {comment(rule.name)} stays an alert: {comment(why)}")
    if found.alertmanager is None:
        if alerts_only:
            lines.append("# (give `init --alertmanager URL` to see them on the board)")
        return lines
    lines += [
        "[sources.alerts]                     # firing alerts, their severity and runbook_url",
        'plugin = "alertmanager"',
        f"url = {toml_string(found.alertmanager)}",
    ]
    return lines


def _topology_lines(found: Discovery) -> list[str]:
    lines = [
        "",
        "# What depends on what (component = the components it depends on): the probable",
        "# cause of a failure downstream is its failing dependency. Confirm, then uncomment.",
        "# [topology]",
    ]
    grouped: dict[str, list[str]] = defaultdict(list)
    seen: dict[str, tuple[str, str]] = {}
    for first, a, second, b in found.together:
        if b not in grouped[a]:
            grouped[a].append(b)
        seen[a] = (first, second)
    for value, others in list(grouped.items())[:30]:
        first, second = seen[value]
        deps = ", ".join(toml_string(v) for v in others[:10])
        lines.append(
            f"# {toml_string(value)} = [{deps}]   # {comment(first)} and {comment(second)} "
            "seen on one series: which depends on which?"
        )
    if not grouped:
        lines.append('# "payment-api" = ["credit-bureau", "payment-gateway"]')
    return lines
