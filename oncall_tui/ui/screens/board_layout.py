"""Panel heights on the dashboard: from their content, the space shared so that no
panel hides rows while another shows blank lines."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

from textual.containers import Horizontal
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen

from oncall_tui.core.present.board_panels import LEFT, RIGHT, feeds, panel_number, panel_title
from oncall_tui.core.present.panel_rows import allocate_heights
from oncall_tui.core.signals.model import Signal
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.ui.keep_alive import keep_alive
from oncall_tui.ui.screens.board_guides import BoardGuides
from oncall_tui.ui.widgets.signal_panel import SignalPanel

log = logging.getLogger(__name__)

WIDE = 120
"""From this width the layer panels sit in two columns, unless they all fit stacked."""
TWO_COLUMNS = 180
"""From this width two columns whatever fits: each half is as wide as a whole 90-column
board (limit, age and summary shown), and one column would leave half the screen empty."""


class PanelColumns(Horizontal):
    """The layer panels' container; tells the screen when its size changes (a filter
    bar opened, the why-line grew) so panel heights are shared out again."""

    class Resized(Message):
        pass

    def on_resize(self, event: Resize) -> None:
        self.post_message(self.Resized())


def allocate(
    screen: Screen[None],
    panels: Mapping[str, SignalPanel],
    shrink: int = 0,
    moving: Callable[[], None] = lambda: None,
) -> None:
    """Panel heights from their content: everything shown when it fits, else the
    space shared so that no panel hides rows while another shows blank lines.

    `shrink`: lines the columns are about to lose (the why-line grew, the cause line
    appeared) that the last layout pass does not show yet. `moving` is called before
    anything is changed that moves a panel."""
    if not screen.is_attached:
        # The app is exiting: a pass asked for before (after a refresh) finds the
        # panels already gone.
        return
    try:
        screen_height = screen.size.height
        business = panels["business"]
        height = max(1, min(business.wanted_height, max(2, screen_height // 4)))
        if _height(business) != height:
            moving()
            business.styles.height = height
        columns = screen.query_one("#columns")
        available = columns.size.height - shrink
        if available <= 0:
            return
        wide = screen.size.width >= WIDE
        layers = [panels[g] for g in (*LEFT, *RIGHT) if panels[g].display]
        # Two columns only when the panels do not all fit stacked: stacked, every row
        # has the screen's whole width for its limit, age and summary (on a wide screen
        # each half has room for them).
        fits = sum(p.wanted_height for p in layers) <= available
        stacked = not wide or (fits and screen.size.width < TWO_COLUMNS)
        if wide and not any(panel.model.rows for panel in layers):
            # No rows to lay out (the first collection not in yet, a filter matching
            # nothing): the columns stay as they are. A class set on the screen restyles
            # every widget on it (~15-20 ms), and the board's start did it twice before
            # its first frame: stacked for the empty panels, unstacked once rows came.
            stacked = screen.has_class("-stacked")
        classes = {"-wide": wide, "-narrow": not wide, "-stacked": wide and stacked}
        if any(screen.has_class(name) != on for name, on in classes.items()):
            moving()
            for name, on in classes.items():
                screen.set_class(on, name)
        stacks = [[*LEFT, *RIGHT]] if stacked else [list(LEFT), list(RIGHT)]
        for stack in stacks:
            shown = [panels[g] for g in stack if panels[g].display]
            heights = allocate_heights(
                [p.wanted_height for p in shown],
                available,
                [p.minimum_height for p in shown],
            )
            for panel, height in zip(shown, heights, strict=True):
                if _height(panel) != height:
                    moving()
                    panel.styles.height = height
    except Exception:
        log.exception("sizing the panels failed")


def _height(panel: SignalPanel) -> float | None:
    height = panel.styles.height
    return None if height is None else height.value


class PanelSizer:
    """Shares out the panel heights, ahead of the layout pass when it can.

    `chrome` counts the lines the widgets around the columns take now (the why-line,
    the cause line, the filter bar). When they change, the heights are shared out at
    once for the room they will leave, so the layout pass that moves them sizes the
    panels too; waiting for the columns' resize costs one more pass, and in Textual 8
    each pass repaints the whole screen.
    """

    def __init__(
        self, screen: Screen[None], panels: Mapping[str, SignalPanel], chrome: Callable[[], int]
    ) -> None:
        self.screen = screen
        self.panels = panels
        self.chrome = chrome
        self._laid_out: int | None = None
        """The chrome's lines in the last layout pass."""
        self._allocated_for: int | None = None
        """The chrome's lines the heights were last shared out for."""
        self.guides = BoardGuides(screen, panels)
        """Cuts the panels' rows where their changing cells begin: placed again after
        every layout pass that moved a panel."""
        self._moving = False

    def laid_out(self) -> None:
        """After a layout pass (the columns' size is current): share out again."""
        self._laid_out = self.chrome()
        self.allocate()

    def allocate(self) -> None:
        chrome = self.chrome()
        self._allocated_for = chrome
        shrink = chrome - self._laid_out if self._laid_out is not None else 0
        allocate(self.screen, self.panels, shrink, self._before_move)
        self.settled()

    def _before_move(self) -> None:
        """The panels are about to move: their guides go, and come back after the
        layout pass."""
        if self._moving:
            return
        self._moving = True
        self.guides.hide()
        self.screen.call_after_refresh(self._moved)

    def _moved(self) -> None:
        self._moving = False
        self.guides.place()

    @keep_alive("sizing the panels")
    def chrome_changed(self) -> None:
        """Share out again if the chrome changed since the last time; never raises."""
        if self.chrome() != self._allocated_for:
            self.allocate()

    def settled(self) -> None:
        """A panel's columns, banners or size changed (`SignalPanel.rows_moved`): the
        guides follow (unless the panels are moving: they follow after)."""
        if not self._moving:
            self.guides.place()


def make_panel(
    store: SignalStore,
    group: str,
    accept: Callable[[Signal], bool],
    clock: Callable[[], float] = time.time,
) -> SignalPanel:
    """The panel widget for `group`: its title, key and feeding sources from
    `board_panels`, its rows from `accept`."""
    return SignalPanel(
        store,
        panel_title(group),
        accept,
        number=panel_number(group),
        sources=feeds(group),
        empty="no signals",
        clock=clock,
        id=f"panel-{group.replace('_', '-')}",
    )
