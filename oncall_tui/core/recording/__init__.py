"""Recordings: every collection of a session, for drills and post-mortems.

`record` writes one (`Recorder`), `replay` plays it back through a store on the recorded
clock (`Replay`), `timeline` prints it as an incident timeline. A recording is
self-contained (title, topology, change window, every source's state, every signal) and
carries only what the store holds, which the sanitiser has already cleaned and redacted:
no secret can be in it.
"""

from oncall_tui.core.recording.format import SCHEMA, Header, RecordingError
from oncall_tui.core.recording.reader import Recording, read_recording
from oncall_tui.core.recording.replay import Replay
from oncall_tui.core.recording.validate import Frame
from oncall_tui.core.recording.writer import Recorder

__all__ = [
    "SCHEMA",
    "Frame",
    "Header",
    "Recorder",
    "Recording",
    "RecordingError",
    "Replay",
    "read_recording",
]
