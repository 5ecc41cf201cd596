"""`[keys]`: rebinding the board's keys (`drill = "enter,d"`), checked before the app
starts.

The ids are Textual binding ids (each rebindable `Binding` names one), applied with
Textual's keymap, so the footer and `?` help show the keys in force without a list of
their own. This table says which screen each id acts on, so a rebinding that would
make one key do two things on one screen is a config error with its path, not a key
that silently stops working. Defaults stay k9s-like; a default shadowed on purpose
(`q` goes back on the detail and quits on the board) is not a clash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EVERYWHERE = "everywhere"


@dataclass(frozen=True, slots=True)
class KeyAction:
    keys: str
    """Default keys, comma-separated Textual key names."""
    screens: tuple[str, ...]
    """Screens it acts on: board, detail, events; EVERYWHERE for the app's own."""
    what: str


ACTIONS: dict[str, KeyAction] = {
    "quit": KeyAction("q", (EVERYWHERE,), "quit"),
    "refresh": KeyAction("r", (EVERYWHERE,), "collect every source now"),
    "help": KeyAction("question_mark", (EVERYWHERE,), "this help"),
    "palette": KeyAction("ctrl+p,colon", (EVERYWHERE,), "commands"),
    "silence": KeyAction("s", (EVERYWHERE,), "silence the selected alert"),
    "silences": KeyAction("S", (EVERYWHERE,), "active silences"),
    "panel_health": KeyAction("1", ("board",), "health panel"),
    "panel_risk_rule": KeyAction("2", ("board",), "risk rules panel"),
    "panel_dependency": KeyAction("3", ("board",), "dependencies panel"),
    "panel_alert": KeyAction("4", ("board",), "alerts panel"),
    "next_panel": KeyAction("tab", ("board",), "next panel"),
    "previous_panel": KeyAction("shift+tab", ("board",), "previous panel"),
    "worst": KeyAction("w", ("board",), "go to the worst signal"),
    "cause": KeyAction("C", ("board",), "drill into the probable cause"),
    "filter": KeyAction("slash", ("board",), "filter"),
    "clear_filter": KeyAction("escape", ("board",), "clear the filter"),
    "events": KeyAction("e", ("board", "detail"), "event timeline"),
    "pause": KeyAction("p", ("board", "detail", "events"), "freeze the screen"),
    "drill": KeyAction("enter", ("board", "events"), "open the selected signal"),
    "down": KeyAction("j,down", ("board", "events"), "down"),
    "up": KeyAction("k,up", ("board", "events"), "up"),
    "top": KeyAction("g,home", ("board", "events"), "first row"),
    "bottom": KeyAction("G,end", ("board", "events"), "last row"),
    "page_down": KeyAction("pagedown,ctrl+f", ("board", "events"), "page down"),
    "page_up": KeyAction("pageup,ctrl+b", ("board", "events"), "page up"),
    "back": KeyAction("escape,q", ("detail", "events"), "back"),
    "copy_runbook": KeyAction("c", ("detail",), "copy the runbook"),
    "open_runbook": KeyAction("o", ("detail",), "open the runbook"),
    "shorter": KeyAction("left_square_bracket", ("detail",), "chart: a shorter window"),
    "longer": KeyAction("right_square_bracket", ("detail",), "chart: a longer window"),
    "event_kind": KeyAction("K", ("events",), "show one kind of event"),
    "event_status": KeyAction("s", ("events",), "show changes to one status"),
}
"""Every rebindable action by its binding id."""

SCREENS = ("board", "detail", "events")
_NAMED = {
    "?": "question_mark", "/": "slash", ":": "colon", "[": "left_square_bracket",
    "]": "right_square_bracket", " ": "space", "-": "minus", "+": "plus", ".": "full_stop",
    ",": "comma", "=": "equals_sign",
}  # fmt: skip
"""Characters written as themselves in [keys], by the name Textual gives their key."""
_KEY = re.compile(r"^(?:(?:ctrl|shift|alt|super|meta)\+)*[A-Za-z0-9_]{1,24}$")
_RESERVED = frozenset({"ctrl+c", "ctrl+q"})
"""Quitting stays where it is (a wallboard's only key is ctrl+q)."""


def check_keys(table: object) -> tuple[dict[str, str], list[str]]:
    """The keymap to apply (binding id -> "key,key") and every problem, with its path."""
    if not isinstance(table, dict):
        return {}, ['keys: expected a table ([keys] with lines such as drill = "enter,d")']
    problems: list[str] = []
    keymap: dict[str, str] = {}
    for action, value in table.items():
        path = f"keys.{action}"
        if action not in ACTIONS:
            known = ", ".join(sorted(ACTIONS))
            problems.append(f"{path}: unknown action; rebindable actions are: {known}")
            continue
        keys, problem = _parse(value)
        if problem:
            problems.append(f"{path}: {problem}")
            continue
        keymap[action] = ",".join(keys)
    problems += _clashes(keymap)
    return keymap, problems


def _parse(value: object) -> tuple[list[str], str]:
    if not isinstance(value, str) or not value.strip():
        return [], 'expected keys as a string, comma-separated, e.g. "enter,d"'
    keys: list[str] = []
    for raw in value.split(","):
        key = _NAMED.get(raw.strip() or raw, raw.strip())
        if not _KEY.match(key):
            shown = raw.encode("unicode_escape").decode("ascii")[:40]
            return [], f"{shown!r} is not a key name (e.g. d, D, enter, ctrl+d, question_mark)"
        key = _textual_case(key)
        if key in _RESERVED:
            return [], f"{key} always quits and cannot be rebound"
        if key not in keys:
            keys.append(key)
    return keys, ""


def _textual_case(key: str) -> str:
    """Key names as Textual spells them: modifiers and named keys in lower case
    ("Ctrl+F1" -> "ctrl+f1"), a letter as written ("D" is shift+d)."""
    *modifiers, last = key.split("+")
    last = last if len(last) == 1 else last.lower()
    return "+".join([*(m.lower() for m in modifiers), last])


def _clashes(keymap: dict[str, str]) -> list[str]:
    """Two actions of one screen on one key, at least one of them rebound here."""
    problems: list[str] = []
    for screen in SCREENS:
        owners: dict[str, str] = {}
        for action, spec in ACTIONS.items():
            if screen not in spec.screens and EVERYWHERE not in spec.screens:
                continue
            for key in keymap.get(action, spec.keys).split(","):
                other = owners.get(key)
                if other is None:
                    owners[key] = action
                elif action in keymap or other in keymap:
                    mine = action if action in keymap else other
                    theirs = other if mine == action else action
                    problems.append(
                        f'keys.{mine}: "{key}" is also {theirs} ({ACTIONS[theirs].what}) '
                        f"on the {screen} screen"
                    )
    return list(dict.fromkeys(problems))
