"""Where the board's rows are cut for the terminal: widgets nobody sees, behind the panels.

Textual 8 sends a repainted part of a line from the start of the stretch ("chop") it
begins in, and it cuts a line into stretches only where a widget begins or ends on it
(`Compositor.cuts`, `ChopsUpdate.render_segments`). A panel is one widget, so a new
value was sent from the panel's left edge: cursor mark, badge and name again, ~64
bytes for the few cells that changed; and once a minute, when every visible row's
trend moves one cell along, every row again.

A `Guide` sits in a layer under every other (`layers: guides default` on the board's
screen), always covered by a panel, so it never shows; its edges cut the lines it
spans. Each panel gets a guide from where its rows' changing cells begin
(`changing_cuts`: the value) to the rows' end, over the panel's row lines only: every
column of a row is fitted to its width, so a cut never falls inside a character there
(a cut inside a wide character would show it as two blanks); the title and the
banners, which may hold any text, are not cut.

Guides follow the panels: hidden while the layout is about to change (a resize, new
panel heights), placed again once it has been done, and moved in the very turn a
panel's rows move within it (`SignalPanel.rows_moved`: new columns, a banner, its own
resize). Moving one costs a layout pass, so they move only when a panel did. A panel
that moved without a word (a layout pass of Textual's own) may be cut a line off for
a frame, until its resize moves its guides: a wide character at a cut shows as two
blanks in that frame, and the layout pass that moves the guide repaints it.

What it costs: Textual builds one strip per stretch of each drawn line, and keeps
them with the line (each ~1 KB with its caches): ~0.7 MB of Python objects at 1k
(400 rows, 120x40), and ~24 KB a guide widget.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from rich.style import Style
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

from oncall_tui.core.present.panel_rows import changing_cuts
from oncall_tui.ui.widgets.signal_panel import SignalPanel

log = logging.getLogger(__name__)

GUIDES_PER_PANEL = 1
"""A guide's left edge is the cut (`changing_cuts`: where the value begins)."""


class Guide(Widget):
    """Never seen (a layer under the panels); its left and right edges cut the lines
    it spans into stretches the terminal is sent separately."""

    def __init__(self) -> None:
        super().__init__(classes="board-guide")
        self.display = False
        self.at: Region | None = None
        """Where it is (screen cells); None while hidden."""
        self._blank: list[Strip] = []

    def place(self, region: Region | None) -> None:
        if region == self.at:
            return
        self.at = region
        if region is None:
            self.display = False
            return
        self.styles.offset = (region.x, region.y)
        self.styles.width = region.width
        self.styles.height = region.height
        self.display = True

    def render_lines(self, crop: Region) -> list[Strip]:
        # Covered everywhere: what it draws never reaches the terminal, so the
        # cheapest lines do (the compositor asks every widget in a frame's area).
        if not self._blank or self._blank[0].cell_length != crop.width:
            self._blank = [Strip.blank(crop.width, Style())]
        return self._blank * crop.height


class BoardGuides:
    """The guides of a board's panels, kept where the panels' rows are."""

    def __init__(self, screen: Screen[None], panels: Mapping[str, SignalPanel]) -> None:
        self.screen = screen
        self.panels = panels
        self.guides: dict[str, list[Guide]] = {
            group: [Guide() for _ in range(GUIDES_PER_PANEL)] for group in panels
        }

    @property
    def widgets(self) -> Iterable[Guide]:
        for guides in self.guides.values():
            yield from guides

    def hide(self) -> None:
        """Before the panels move: no cut where a panel's rows no longer are."""
        for guide in self.widgets:
            guide.place(None)

    def place(self) -> None:
        """Guides where the panels' rows are now; never raises (it only saves bytes)."""
        if not self.screen.is_attached:
            return
        try:
            for group, panel in self.panels.items():
                wanted = wanted_regions(panel)
                for index, guide in enumerate(self.guides[group]):
                    guide.place(wanted[index] if index < len(wanted) else None)
        except Exception:
            log.exception("placing the row guides failed")
            self.hide()


def wanted_regions(panel: SignalPanel) -> list[Region]:
    """Where `panel`'s guides go: over its row lines, their edges at `changing_cuts`
    (paired: a guide makes two cuts)."""
    if not panel.display or not panel.is_mounted:
        return []
    area = panel.scrollable_content_region
    if area.width != panel.laid_out_for:
        return []  # its columns are laid out again after the resize: placed then
    pinned = len(panel.pinned_text)
    height = area.height - pinned
    cuts = [cut for cut in changing_cuts(panel.columns) if cut < area.width]
    if height <= 0 or not cuts:
        return []
    ends = [*cuts[1::2], area.width][: len(cuts[0::2])]
    return [
        Region(area.x + start, area.y + pinned, end - start, height)
        for start, end in zip(cuts[0::2], ends, strict=True)
        if end > start
    ][:GUIDES_PER_PANEL]
