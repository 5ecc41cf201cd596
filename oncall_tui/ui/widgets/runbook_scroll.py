"""The runbook's scroll area: vi keys as well as arrows, only vertical, and a focus
change that restyles the area alone."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll


class RunbookScroll(VerticalScroll, inherit_bindings=False):
    """The runbook's scroll area, with vi keys as well as arrows; only vertical."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "scroll_down", "Scroll down", show=False),
        Binding("k,up", "scroll_up", "Scroll up", show=False),
        Binding("pagedown,space", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("g,home", "scroll_home", "Top of the runbook", show=False),
        Binding("G,end", "scroll_end", "End of the runbook", show=False),
    ]

    # No animation for the jumps: a long runbook renders the pages where the scroll
    # stops, and an animated jump would pass (and render) every page on the way.
    def action_scroll_home(self) -> None:
        self.scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        self.scroll_end(animate=False)

    def watch_has_focus(self, _has_focus: bool) -> None:
        """Restyle the area itself (its tint while focused) and repaint what is in
        it: Textual restyles every descendant on a focus change, and the ~150
        widgets of a Markdown runbook took ~90 ms of each Esc (the area is blurred as
        the detail closes). No style in the runbook depends on the area's focus."""
        self.app.stylesheet.update_nodes([self])
        for widget in self.walk_children():
            widget.refresh()
