"""The dashboard playing a recording (`oncall-tui replay`): the same screens, triage
and keys as a live board, fed by a `Player` instead of an engine, read-only, with a
REPLAY badge and the recorded time in the header, and keys to pause, step and jump."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual.binding import Binding, BindingType

from oncall_tui.core.engine import Engine
from oncall_tui.core.recording.player import Player
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.dashboard import DashboardScreen
from oncall_tui.ui.widgets.status_header import BoardFlags


class ReplayDashboard(DashboardScreen):
    """The board in a replay: the same keys, but the footer keeps room for the replay's
    own (`w` and `/` still work, and are in the `?` help)."""

    SCREEN_ID = "replay-dashboard"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "worst", "Worst", show=False, tooltip="Go to the worst signal and follow it"),
        Binding(
            "slash",
            "filter",
            "Filter",
            show=False,
            tooltip="Filter names and labels: text or regex, !x hides x",
        ),
        Binding("p", "app.pause", "Play/pause", tooltip="Pause or resume the replay"),
    ]


class ReplayApp(OncallApp):
    """A read-only board on the recorded clock."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # `p` says it in the footer (the board's pause key pauses the replay).
        Binding(
            "space", "play_pause", "Play/pause", show=False, tooltip="Pause or resume the replay"
        ),
        Binding("n", "step", "Step", tooltip="The next recorded change"),
        Binding(
            "right_square_bracket",
            "next_change",
            "Next",
            key_display="]",
            tooltip="Jump to the next status change",
        ),
        # `r` collects now on a live board; here it steps, as `n` (not in the footer).
        Binding("r", "refresh_now", "Step", show=False, tooltip="The next recorded change"),
    ]
    DASHBOARD = ReplayDashboard
    FIRST_FRAME_WAIT = 0.0
    """The player steps the recording's first frame when it is built: nothing to wait for."""

    def __init__(self, player: Player) -> None:
        # The player answers what the app asks an engine (store, config, start, stop).
        super().__init__(as_engine(player), read_only=True, clock=player.replay.clock)
        self.player = player
        self._was_at_end = player.at_end

    async def on_mount(self) -> None:
        self.set_interval(0.5, self._watch_end, name="replay-end")

    def flags(self) -> BoardFlags:
        player = self.player
        if player.at_end:
            badge = "REPLAY END"
        elif player.paused:
            badge = "REPLAY PAUSED"
        else:
            badge = f"REPLAY {player.speed:g}x"
        return replace(super().flags(), replay=badge)

    def _watch_end(self) -> None:
        if self.player.at_end and not self._was_at_end:
            self.notify("END of the recording: the last frame stays up (q quits)")
        self._was_at_end = self.player.at_end
        self.refresh_flags()

    def action_play_pause(self) -> None:
        paused = self.player.toggle_pause()
        self.notify("replay paused (space resumes)" if paused else "replay resumed")
        self._redraw()

    def action_pause(self) -> None:
        self.action_play_pause()

    def action_step(self) -> None:
        if not self.player.step():
            self.notify("END of the recording")
        self._redraw()

    def action_next_change(self) -> None:
        if not self.player.jump_to_next_change():
            self.notify("no status change left in the recording")
        self._redraw()

    def action_refresh_now(self) -> None:
        self.action_step()

    def _redraw(self) -> None:
        self.refresh_flags()  # the REPLAY badge; the headers watch it


def as_engine(player: Player) -> Engine:
    """For type checkers: a player stands in for an engine in the app."""
    return player  # type: ignore[return-value]
