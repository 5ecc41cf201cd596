"""The footer of every screen: Textual's, drawn whether or not the app has focus."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from oncall_tui.ui.textual_compat import footer_keys_at_compose


class KeyFooter(Footer):
    """Textual's footer lays out its keys only while the app has focus: a browser page
    (`serve`) or a terminal that reports focus-out before the first paint left the row
    blank until some key changed the bindings after focus came back. The keys are
    what a newcomer reads first, so they are laid out either way.

    Laid out again only when what it shows changes: a screen opening reports its
    bindings changed three or four times (mount, focus, resize) with the same keys,
    and each lay-out mounted and styled every key anew (~15 ms each on a loaded
    machine, before the screen's first complete frame). A hidden screen's footer is
    left as it is: it is shown again with its own keys."""

    _laid_out_for: Hashable = None

    def __init__(self, *, at_once: bool = False, **kwargs: Any) -> None:
        """`at_once`: the keys are in the screen's first frame, as the bindings are
        before anything has focus (the detail's: its focused runbook adds none)."""
        super().__init__(**kwargs)
        self._at_once = at_once

    def compose(self) -> ComposeResult:
        if self._at_once and self._laid_out_for is None:
            footer_keys_at_compose(self)
            self._laid_out_for = self._shown_for(self.screen)
        yield from super().compose()

    def _shown_for(self, screen: Screen[object]) -> Hashable:
        keys = tuple(
            (binding.key, binding.action, binding.description, enabled, tooltip)
            for _, binding, enabled, tooltip in screen.active_bindings.values()
            if binding.show
        )
        return keys, self.show_command_palette, self.compact, screen.app.app_focus

    def bindings_changed(self, screen: Screen[object]) -> None:
        if not screen.is_current:
            # A screen kept while hidden (the detail) hears of the app's bindings,
            # which are then the screen on top's: laid out with those, it showed the
            # board's keys in its first frame back, and laid out twice more.
            return
        shown = self._shown_for(screen)
        if shown == self._laid_out_for:
            return  # laid out (or about to be) with exactly these keys
        self._laid_out_for = shown
        super().bindings_changed(screen)
        if not screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self.recompose)
