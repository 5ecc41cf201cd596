"""The active silences (`S`), each of which can be expired (`x`, with a confirm step).

Listing is reading and works in read-only mode; expiring changes Alertmanager, so
`action_expire` declares `Effect.REMOTE` and the app's gate refuses it in read-only
before anything is asked. The rows come from the source (sanitised by its plugin) and
are drawn as `Text`, never markup. Loading and expiring are the app's
(ui/silencing.py); this screen shows and asks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from oncall_tui.core.gate import Effect, declares
from oncall_tui.ui.widgets.key_footer import KeyFooter


@dataclass(frozen=True, slots=True)
class SilenceRow:
    source: str
    fields: Mapping[str, str]
    """id, matchers, created_by, ends_at, comment (sanitised by the plugin)."""

    @property
    def id(self) -> str:
        return self.fields.get("id", "")


Loader = Callable[[], Awaitable[tuple[list[SilenceRow], list[str]]]]
"""Returns the rows of every source and the problems of those that failed."""


def describe(row: SilenceRow) -> Text:
    fields = row.fields
    text = Text()
    text.append(f"until {fields.get('ends_at', '?')}", style="bold")
    text.append(f"  by {fields.get('created_by') or 'someone'}")
    text.append(f"  [{row.source}]", style="dim")
    text.append(f"\n  {fields.get('matchers', '')}")
    if fields.get("comment"):
        text.append(f"\n  {fields['comment']}", style="italic")
    return text


class SilenceListScreen(ModalScreen[None]):
    """Active silences of every source that has them, the one ending first on top."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close"),
        Binding("x", "expire", "Expire", tooltip="Expire the selected silence"),
        Binding("r", "reload", "Reload"),
    ]

    def __init__(self, load: Loader, expire: Callable[[SilenceRow], None]) -> None:
        super().__init__(name="silences")
        self._load = load
        self._expire = expire
        self.rows: list[SilenceRow] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Active silences: loading…"), id="silences-status")
            yield OptionList(id="silences-list")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.reload()

    @work(exclusive=True, group="silences", exit_on_error=False)
    async def reload(self) -> None:
        rows, problems = await self._load()
        self.show(rows, problems)

    def show(self, rows: Sequence[SilenceRow], problems: Sequence[str]) -> None:
        self.rows = list(rows)
        self.loaded = True
        listing = self.query_one(OptionList)
        listing.clear_options()
        listing.add_options([Option(describe(row), id=f"{row.source}\0{row.id}") for row in rows])
        if rows:
            listing.highlighted = 0
            listing.focus()
        count = f"{len(rows)} active silence{'s' if len(rows) != 1 else ''}"
        status = Text(f"{count} · x expires the selected one · r reloads")
        for problem in problems:
            status.append(f"\n{problem}", style="bold")
        self.query_one("#silences-status", Static).update(status)

    @property
    def selected(self) -> SilenceRow | None:
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self.rows):
            return None
        return self.rows[index]

    @declares(Effect.REMOTE)
    def action_expire(self) -> None:
        row = self.selected
        if row is None:
            self.notify("no silence selected", severity="warning", markup=False)
            return
        self._expire(row)

    def action_reload(self) -> None:
        self.reload()

    def action_close(self) -> None:
        self.dismiss(None)
