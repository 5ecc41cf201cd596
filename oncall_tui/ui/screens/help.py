"""`?`: every key of the screen it was opened on, generated from the active bindings
(the focused widget's, the screen's and the app's), never a hand-written list that can
drift from what the keys do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

KEY_NAMES = {
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "enter": "Enter",
    "escape": "Esc",
    "tab": "Tab",
    "shift+tab": "Shift+Tab",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "home": "Home",
    "end": "End",
    "slash": "/",
    "question_mark": "?",
    "colon": ":",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
}


def key_label(key: str) -> str:
    if key in KEY_NAMES:
        return KEY_NAMES[key]
    if key.startswith("ctrl+"):
        return "ctrl+" + key.removeprefix("ctrl+")
    return key


@dataclass(frozen=True, slots=True)
class HelpEntry:
    """One line of the help: the keys bound to one action of one node."""

    keys: tuple[str, ...]
    description: str
    action: str
    where: str
    """'panel', 'screen' or 'app': where the binding lives."""


def _where(node: object, screen: Screen[Any]) -> str:
    if node is screen:
        return "screen"
    if node is screen.app:
        return "app"
    return "panel"


def help_entries(screen: Screen[Any]) -> list[HelpEntry]:
    """The screen's active bindings, one entry per (node, action), keys merged."""
    grouped: dict[tuple[int, str], tuple[list[str], Binding, str]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        group = (id(active.node), binding.action)
        entry = grouped.get(group)
        if entry is None:
            grouped[group] = ([key], binding, _where(active.node, screen))
        elif key not in entry[0]:
            entry[0].append(key)
    entries = [
        HelpEntry(
            tuple(keys),
            binding.tooltip or binding.description or binding.action.replace("_", " "),
            binding.action,
            where,
        )
        for keys, binding, where in grouped.values()
    ]
    order = {"panel": 0, "screen": 1, "app": 2}
    return sorted(entries, key=lambda e: order[e.where])


def help_table(entries: list[HelpEntry]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold", no_wrap=True)
    table.add_column()
    titles = {"panel": "This area", "screen": "This screen", "app": "Everywhere"}
    current = ""
    for entry in entries:
        if entry.where != current:
            current = entry.where
            table.add_row(Text(""), Text(titles[current], style="underline"))
        table.add_row(Text(" ".join(key_label(k) for k in entry.keys)), Text(entry.description))
    return table


class HelpScreen(ModalScreen[None], inherit_bindings=False):
    """The keys of the screen underneath; Esc, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "app.pop_screen", "Close help"),
        Binding("j,down", "scroll(1)", "Scroll down", show=False),
        Binding("k,up", "scroll(-1)", "Scroll up", show=False),
        Binding("pagedown,space,ctrl+f", "page(1)", "Page down", show=False),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False),
        Binding("g,home", "edge(0)", "Top", show=False),
        Binding("G,end", "edge(1)", "Bottom", show=False),
    ]

    def __init__(self, entries: list[HelpEntry], *, title: str) -> None:
        super().__init__(name="help")
        self.entries = entries
        self.title_text = title

    @property
    def text(self) -> str:
        return "\n".join(
            f"{' '.join(key_label(k) for k in e.keys)}  {e.description}" for e in self.entries
        )

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box") as box:
            box.border_title = f"Keys · {self.title_text} · Esc closes"
            yield Static(help_table(self.entries), id="help-table")

    def on_mount(self) -> None:
        box = self._box()
        self.watch(box, "scroll_y", self._say_more, init=False)
        self.watch(box, "virtual_size", self._say_more, init=False)
        self.call_after_refresh(self._say_more)

    def on_resize(self) -> None:
        self.call_after_refresh(self._say_more)

    @property
    def more(self) -> str:
        """What the box's bottom edge says: where the reader is when it does not all
        fit ("rows 1-20 of 34 · j/k G"), nothing when it does."""
        box = self._box()
        total = box.virtual_size.height
        shown = box.scrollable_content_region.height
        if box.max_scroll_y <= 0 or shown <= 0:
            return ""
        top = round(box.scroll_y)
        arrow = "↓ more" if top < box.max_scroll_y else "↑ top: g"
        return f"{arrow} · rows {top + 1}-{min(total, top + shown)} of {total} · j/k G"

    def _say_more(self) -> None:
        self._box().border_subtitle = self.more

    def _box(self) -> VerticalScroll:
        return self.query_one("#help-box", VerticalScroll)

    def action_scroll(self, lines: int) -> None:
        self._box().scroll_relative(y=lines, animate=False)

    def action_page(self, pages: int) -> None:
        box = self._box()
        step = max(1, box.scrollable_content_region.height - 1)
        box.scroll_relative(y=pages * step, animate=False)

    def action_edge(self, bottom: int) -> None:
        box = self._box()
        if bottom:
            box.scroll_end(animate=False)
        else:
            box.scroll_home(animate=False)
