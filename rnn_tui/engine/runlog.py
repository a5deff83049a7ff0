"""A run's log folder: its events as JSON lines and its checkpoint, for watching it from elsewhere.

`rnn-tui train --log DIR` writes DIR/events.jsonl (one event per line, as `train --json` prints
them) and DIR/run.pt (at the start, after evaluations at most every SAVE_SECONDS, and at the end;
each save atomic). `LogReader` reads the lines a writer has finished, however the file was cut.
No torch here.
"""

from __future__ import annotations

import json
from pathlib import Path

from rnn_tui.engine.errors import UserError
from rnn_tui.engine.events import Event, event_from_dict, event_to_dict

EVENTS, CHECKPOINT = "events.jsonl", "run.pt"
SAVE_SECONDS = 10.0  # the least time between two saves of a logged run (a torchrun job saves at every evaluation)


class RunLog:
    """Appends events to DIR/events.jsonl (the checkpoint beside it is `checkpoint`)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.file = open(self.folder / EVENTS, "a", encoding="utf-8")  # noqa: SIM115  (open for the run)
        except OSError as exc:
            raise UserError(f"cannot write the log in {self.folder}: {exc.strerror}") from None

    @property
    def checkpoint(self) -> Path:
        return self.folder / CHECKPOINT

    def write(self, event: Event) -> None:
        self.file.write(json.dumps(event_to_dict(event)) + "\n")
        self.file.flush()

    def close(self) -> None:
        self.file.close()


class LogReader:
    """Reads DIR/events.jsonl as it grows: each call returns the events of the lines finished since
    the last one. A line cut mid-way (the writer is still at it) waits for its end; a line that is
    whole but not an event is skipped and counted."""

    def __init__(self, folder: str | Path):
        self.path = Path(folder) / EVENTS
        self.offset = 0
        self.partial = b""
        self.skipped = 0

    def read(self) -> list[Event]:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return []
        if len(data) == 0:
            return []
        self.offset += len(data)
        *lines, self.partial = (self.partial + data).split(b"\n")
        events = []
        for line in lines:
            try:
                events.append(event_from_dict(json.loads(line)))
            except (ValueError, KeyError, TypeError):
                self.skipped += 1
        return events
