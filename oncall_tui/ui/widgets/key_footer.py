"""The footer of every screen: Textual's, drawn whether or not the app has focus."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's footer lays out its keys only while the app has focus: a browser page
    (`serve`) or a terminal that reports focus-out before the first paint left the row
    blank until some key changed the bindings after focus came back. The keys are
    what a newcomer reads first, so they are laid out either way."""

    def bindings_changed(self, screen: Screen[object]) -> None:
        super().bindings_changed(screen)
        if not screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self.recompose)
