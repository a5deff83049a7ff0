"""The comparison screen: a race of the cells (trained in a spawned process while the user's run
waits) and saved runs, overlaid on one plot with a summary table and the race's samples."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Static

from rnn_tui.engine.errors import UserError
from rnn_tui.engine.race import Entrant, saved_run
from rnn_tui.engine.texts import is_builtin, text_name
from rnn_tui.run.race_process import (
    BackgroundRace,
    Finished,
    LinedUp,
    Progress,
    RaceFailed,
    RaceOver,
    RaceRequest,
)
from rnn_tui.tui.screens.dialogs import PromptScreen
from rnn_tui.tui.widgets.compare import ComparePlot, colour_of, summary_table

POLL_SECONDS = 0.25


class CompareScreen(Screen[None]):
    DEFAULT_CSS = """
    CompareScreen #compare-info {
        height: auto;
        padding: 0 1;
        color: $text-muted;
    }
    CompareScreen #compare-table {
        height: auto;
        max-height: 10;
        padding: 0 1;
    }
    CompareScreen #compare-samples {
        height: 9;
    }
    CompareScreen #compare-samples Static {
        width: 1fr;
        height: 100%;
        padding: 0 1;
        border: round $primary 50%;
        border-title-style: bold;
        overflow: hidden;
    }
    """
    BINDINGS = [Binding("escape", "close", "close (ends a race)"), Binding("x", "toggle_x", "x: step or time"),
                Binding("o", "add_saved", "add a saved run")]

    def __init__(self, request: RaceRequest | None = None, race: BackgroundRace | None = None):
        super().__init__()
        self.request = request
        # the text whose losses are compared (a built-in name or an absolute path, as checkpoints keep it)
        self.text = None if request is None else (request.text if is_builtin(request.text)
                                                  else str(Path(request.text).resolve()))
        self.race = race if race is not None or request is None else BackgroundRace(request)
        self.runs: dict[str, Entrant] = {}  # by name, in the order they came
        self.saved: list[str] = []  # the names of saved runs, in the order they were added
        self.status: dict[str, str] = {}
        self.info_line = "Compare runs: o adds a saved run (a checkpoint)"
        self.over = request is None

    def compose(self) -> ComposeResult:
        yield Static(self.info_line, id="compare-info")
        yield ComparePlot(id="compare-plot", classes="panel")
        yield Static("", id="compare-table")
        yield Horizontal(id="compare-samples")
        yield Footer()

    def on_mount(self) -> None:
        if self.race is not None:
            budget = self.request.train
            each = f"{budget.steps:,} steps" if budget.steps else f"{budget.minutes * 60:g} s"
            self.info(f"Race: {', '.join(self.request.cells)} at {self.request.params:,} parameters each, "
                      f"{each} each, one after the other; your run waits until you close this (Escape)")
            self.race.start()
            self.set_interval(POLL_SECONDS, self.poll)
        else:
            self.action_add_saved()

    def info(self, line: str) -> None:
        self.info_line = line
        self.query_one("#compare-info", Static).update(line)

    # ---- what the race reports ----

    def poll(self) -> None:
        if self.race is None:
            return
        messages = self.race.receive()
        for message in messages:
            match message:
                case LinedUp(entrants=entrants, text=text):
                    for entrant in entrants:
                        self.runs[entrant.name] = entrant
                        self.status[entrant.name] = "waiting"
                    self.status[entrants[0].name] = "training"
                    self.info(self.info_line.replace("Race:", f"Race on {text}:", 1))
                case Progress(cell=cell, step=step, seconds=seconds, val_loss=val_loss):
                    entrant, train = self.runs[cell], self.request.train
                    best = entrant.best_val is None or val_loss < entrant.best_val
                    self.runs[cell] = replace(
                        entrant, steps=step, seconds=seconds,
                        chars_per_sec=step * train.batch * train.seq / seconds if seconds else 0.0,
                        best_val=val_loss if best else entrant.best_val, best_step=step if best else entrant.best_step,
                        val_curve=(*entrant.val_curve, (step, val_loss)), val_seconds=(*entrant.val_seconds, seconds))
                case Finished(entrant=entrant):
                    self.runs[entrant.name] = entrant
                    self.status[entrant.name] = "done"
                    following = [name for name, state in self.status.items() if state == "waiting"]
                    if following:
                        self.status[following[0]] = "training"
                    self.add_sample(entrant)
                case RaceOver():
                    self.over = True
                    self.app.notify("the race is over: the table has each cell's figures")
                case RaceFailed(message=text):
                    self.over = True
                    self.info(text)
                    self.app.notify(text, severity="error", timeout=8)
        if messages:
            self.redraw()

    def add_sample(self, entrant: Entrant) -> None:
        sample = Static(Text(entrant.sample), id=f"sample-{entrant.name}")
        sample.border_title = f"{entrant.name} · T 0.8, seed 0"
        self.query_one("#compare-samples", Horizontal).mount(sample)

    def redraw(self) -> None:
        runs = [(entrant, colour_of(entrant, self.saved.index(name) if name in self.saved else None))
                for name, entrant in self.runs.items()]
        self.query_one(ComparePlot).show(runs)
        self.query_one("#compare-table", Static).update(summary_table(runs, self.status))

    # ---- keys ----

    def action_toggle_x(self) -> None:
        self.query_one(ComparePlot).toggle_x()

    def action_add_saved(self) -> None:
        self.app.push_screen(PromptScreen("Checkpoint to compare:", ""), lambda path: path and self.load_saved(path))

    @work(thread=True, exclusive=True, group="saved-run")
    def load_saved(self, path: str) -> None:
        """Read a checkpoint's curves off the UI thread (it can hold a large model)."""
        from rnn_tui.engine.checkpoint import load_checkpoint

        try:
            data = load_checkpoint(path, mmap=True)
            entrant = saved_run(data, path)
        except UserError as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self.add_saved, entrant, (data.get("text") or {}).get("source"))

    def add_saved(self, entrant: Entrant, text: str | None = None) -> None:
        """Overlay a saved run; one trained on another text is marked, since its losses measure another text."""
        name = entrant.name
        while name in self.runs:  # two files of one name from two folders
            name += "'"
        self.runs[name] = replace(entrant, name=name)
        self.saved.append(name)
        if self.text is None:
            self.text = text
        other = text is not None and self.text is not None and text != self.text
        self.status[name] = "saved · other text" if other else "saved"
        if other:
            self.app.notify(f"{name} was trained on {text_name(text)}, not {text_name(self.text)}: its losses "
                            "measure another text and are not comparable", severity="warning", timeout=10)
        self.redraw()

    def action_close(self) -> None:
        if self.race is not None:
            self.race.close()
        self.dismiss()

    def on_unmount(self) -> None:
        if self.race is not None:
            self.race.close()
