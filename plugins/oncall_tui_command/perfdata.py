"""Nagios plugin output: the status line, and performance data after `|`.

The format is the one in the Nagios plugin development guidelines (also what Icinga,
Naemon and the monitoring-plugins project write):

    TEXT OUTPUT | 'label'=value[UOM];[warn];[crit];[min];[max] ...
    LONG TEXT LINE 1
    LONG TEXT LINE 2 | more perfdata
    more perfdata

Labels containing spaces are single-quoted, a quote inside one is doubled (`''`). The
value `U` means the plugin could not determine it. Checks in the wild bend the format
(a missing value, a stray word): a malformed item is skipped, never fatal, because the
exit code and the status line still say what the check found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from oncall_tui.plugin import Unit, as_number

_UNITS: dict[str, tuple[float, Unit]] = {
    "": (1.0, "count"),
    "s": (1.0, "seconds"),
    "ms": (1e-3, "seconds"),
    "us": (1e-6, "seconds"),
    "%": (1.0, "percent"),
    "B": (1.0, "bytes"),
    "KB": (1024.0, "bytes"),
    "MB": (1024.0**2, "bytes"),
    "GB": (1024.0**3, "bytes"),
    "TB": (1024.0**4, "bytes"),
    "c": (1.0, "count"),
}
"""Units of measure the guidelines name (plus GB), as a factor to the unit oncall-tui
shows. Byte multiples are binary, as the monitoring-plugins' check_disk writes them."""

_ITEM = re.compile(r"\s*(?:'((?:[^']|'')+)'|([^'=\s]+))=(\S*)")
_VALUE = re.compile(r"([-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|U)(\S*)")


@dataclass(frozen=True, slots=True)
class PerfValue:
    """One perfdata item, its value converted to `unit` (ms become seconds)."""

    label: str
    value: float | None
    """None for `U` (undetermined) or a value that is not a finite number."""
    unit: Unit
    uom: str
    """The unit of measure as the plugin wrote it; "" when none."""
    known_unit: bool
    """False for a UOM the guidelines do not name (the value is then kept as is)."""


@dataclass(frozen=True, slots=True)
class PluginOutput:
    """What a Nagios plugin printed, split the way Nagios splits it."""

    summary: str
    """The first line, without its perfdata."""
    perfdata: dict[str, PerfValue]
    """By label; a label given twice keeps its first value, as Nagios graphers do."""


def parse_output(text: str) -> PluginOutput:
    """Split plugin output into its status line and perfdata.

    Perfdata is what follows `|` on the first line, plus everything after the first `|`
    in the long text (that line's remainder and all lines after it).
    """
    lines = text.splitlines()
    first = lines[0] if lines else ""
    summary, _, perf = first.partition("|")
    chunks = [perf]
    rest = lines[1:]
    for index, line in enumerate(rest):
        if "|" in line:
            chunks.append(line.partition("|")[2])
            chunks.extend(rest[index + 1 :])
            break
    return PluginOutput(summary.strip(), parse_perfdata(" ".join(chunks)))


def parse_perfdata(text: str) -> dict[str, PerfValue]:
    """Every well-formed `label=value[UOM];...` item of `text`, by label."""
    items: dict[str, PerfValue] = {}
    position = 0
    while position < len(text):
        match = _ITEM.match(text, position)
        if match is None:
            # Not an item: skip one word and try again from the next.
            gap = re.compile(r"\s*\S+").match(text, position)
            if gap is None:
                break
            position = gap.end()
            continue
        position = match.end()
        quoted, bare, spec = match.groups()
        label = quoted.replace("''", "'") if quoted is not None else bare
        parsed = _parse_value(label, spec.split(";", 1)[0])
        if parsed is not None and label not in items:
            items[label] = parsed
    return items


def _parse_value(label: str, text: str) -> PerfValue | None:
    match = _VALUE.fullmatch(text)
    if match is None:
        return None
    number, uom = match.groups()
    factor, unit = _UNITS.get(uom, (1.0, "count"))
    value = None if number == "U" else as_number(number)
    if value is not None:
        value *= factor
    return PerfValue(label, value, unit, uom, uom in _UNITS)
