"""The comparison screen: a comparison of one setting (trained in a spawned process while the
user's run waits; the race of the cells is one) and saved runs, their training and validation
curves overlaid on one plot, with a summary table and the runs' samples. A lesson's comparison
also shows its claim and, once its runs are over, the verdict computed from them."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from rich.console import Group
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Static

from rnn_tui.engine.errors import UserError
from rnn_tui.engine.lessons import LESSONS
from rnn_tui.engine.race import Entrant, saved_run
from rnn_tui.engine.texts import is_builtin, text_name
from rnn_tui.run.compare_process import (
    BackgroundCompare,
    CompareFailed,
    CompareOver,
    CompareRequest,
    Finished,
    LinedUp,
    Progress,
)
from rnn_tui.tui.messages import Routed
from rnn_tui.tui.results import LessonRun
from rnn_tui.tui.screens.dialogs import PromptScreen
from rnn_tui.tui.widgets.compare import ComparePlot, Floor, colour_of, distance_table, summary_table
from rnn_tui.tui.widgets.footer import KeysBar

POLL_SECONDS = 0.25


def sample_id(name: str) -> str:
    """The id of a run's sample ("cell=gru" -> "sample-cell_gru"): ids take no "=" or "."."""
    return "sample-" + re.sub(r"[^\w-]", "_", name)


class CompareScreen(Screen[None]):
    DEFAULT_CSS = """
    CompareScreen #compare-info {
        height: auto;
        padding: 0 1;
        color: $text-muted;
    }
    CompareScreen #compare-lesson {
        height: auto;
        padding: 0 1;
        border: round $accent;
        border-title-style: bold;
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
    BINDINGS = [Binding("escape", "close", "close (ends the runs)"), Binding("x", "toggle_x", "x: step or time"),
                Binding("o", "add_saved", "add a saved run")]

    class Reached(Routed):
        """A lesson's runs as far as they went, for the app to remember until the next lesson."""

        def __init__(self, run: LessonRun):
            super().__init__()
            self.run = run

    def __init__(self, request: CompareRequest | None = None, compare: BackgroundCompare | None = None,
                 earlier: LessonRun | None = None, floor: Floor | None = None):
        """A new comparison (`request`, run by `compare` or a process of its own), saved runs only (no
        request), or a lesson's runs from before (`earlier`: nothing is trained again). `floor`: the
        best n-gram on the characters the runs are scored on, drawn as a line under the curves."""
        super().__init__()
        self.floor = floor
        request = earlier.request if earlier is not None else request
        self.request = request
        self.lesson = LESSONS[request.lesson] if request is not None and request.lesson else None
        self.by_cell = request is not None and request.setting == "cell"  # a run's colour is its cell's
        # the text whose losses are compared (a built-in name or an absolute path, as checkpoints keep it)
        self.text = None if request is None else (request.text if is_builtin(request.text)
                                                  else str(Path(request.text).resolve()))
        self.compare = None if earlier is not None or request is None else compare or BackgroundCompare(request)
        self.runs: dict[str, Entrant] = {}  # by name, in the order they came
        self.saved: list[str] = []  # the names of saved runs, in the order they were added
        self.status: dict[str, str] = {}
        self.info_line = "Compare runs: o adds a saved run (a checkpoint)"
        self.over = self.compare is None
        self.verdict = None if earlier is None else earlier.verdict
        if earlier is not None:
            self.runs = {entrant.name: entrant for entrant in earlier.runs}
            self.status = {name: "done" if name in earlier.done else "stopped" for name in self.runs}

    def compose(self) -> ComposeResult:
        if self.lesson is not None:
            lesson = Static(self.lesson_text(), id="compare-lesson")
            lesson.border_title = f"Lesson: {self.lesson.title}"
            yield lesson
        yield Static(self.info_line, id="compare-info")
        yield ComparePlot(id="compare-plot", classes="panel")
        yield Static("", id="compare-table")
        yield Horizontal(id="compare-samples")
        yield KeysBar()

    def on_mount(self) -> None:
        if self.compare is not None:
            kind = "Race" if self.request.is_race else "Compare"
            self.info(f"{kind}: {self.request.describe()}; your run waits until you close this (Escape)")
            self.compare.start()
            self.set_interval(POLL_SECONDS, self.poll)
        elif self.request is not None:  # a lesson's runs from before
            self.info(f"From before: {self.request.describe()}")
            for name, entrant in self.runs.items():
                if self.status[name] == "done":
                    self.add_sample(entrant)
            self.redraw()
        else:
            self.action_add_saved()

    def lesson_text(self) -> Text:
        lesson = self.lesson
        text = Text.assemble(lesson.claim, "\n", ("watch: ", "bold"), lesson.watch)
        if self.verdict is not None:
            text.append("\nverdict: ", style="bold")
            text.append(self.verdict.text, style="green" if self.verdict.held else "yellow")
        elif self.compare is not None:
            text.append("\nverdict: when the runs are over", style="dim")
        return text

    def keep(self) -> None:
        """A lesson's runs outlive the screen: the lessons controller keeps them until the next lesson."""
        if self.lesson is not None and self.compare is not None:
            done = frozenset(name for name, state in self.status.items() if state == "done")
            self.app.post_message(self.Reached(LessonRun(self.request, tuple(self.runs.values()), done, self.verdict,
                                                  self.over)))

    def info(self, line: str) -> None:
        self.info_line = line
        self.query_one("#compare-info", Static).update(line)

    # ---- what the comparison reports ----

    def poll(self) -> None:
        if self.compare is None:
            return
        messages = self.compare.receive()
        for message in messages:
            match message:
                case LinedUp(entrants=entrants, text=text):
                    for entrant in entrants:
                        self.runs[entrant.name] = entrant
                        self.status[entrant.name] = "waiting"
                    self.status[entrants[0].name] = "training"
                    self.info(self.info_line.replace(":", f" on {text}:", 1))
                case Progress():
                    self.progress(message)
                case Finished(entrant=entrant):
                    self.runs[entrant.name] = entrant
                    self.status[entrant.name] = "done"
                    following = [name for name, state in self.status.items() if state == "waiting"]
                    if following:
                        self.status[following[0]] = "training"
                    self.add_sample(entrant)
                case CompareOver():
                    self.over = True
                    if self.lesson is not None:
                        self.verdict = self.lesson.judge(list(self.runs.values()))
                        self.query_one("#compare-lesson", Static).update(self.lesson_text())
                        self.app.notify(f"{self.lesson.title}: {self.verdict.text}", timeout=10)
                    else:
                        self.app.notify("the comparison is over: the table has each run's figures")
                case CompareFailed(message=text):
                    self.over = True
                    self.info(text)
                    self.app.notify(text, severity="error", timeout=8)
        if messages:
            self.redraw()

    def progress(self, message: Progress) -> None:
        entrant = self.runs[message.name]
        step, seconds, val_loss = message.step, message.seconds, message.val_loss
        best = entrant.best_val is None or val_loss < entrant.best_val
        self.runs[message.name] = replace(
            entrant, steps=step, seconds=seconds, chars_per_sec=message.chars / seconds if seconds else 0.0,
            best_val=val_loss if best else entrant.best_val, best_step=step if best else entrant.best_step,
            val_curve=(*entrant.val_curve, (step, val_loss)),
            train_curve=(*entrant.train_curve, (step, message.train_loss)), val_seconds=(*entrant.val_seconds, seconds))

    def add_sample(self, entrant: Entrant) -> None:
        widget_id = sample_id(entrant.name)
        if self.query(f"#{widget_id}"):
            return
        sample = Static(Text(entrant.sample), id=widget_id)
        sample.border_title = f"{entrant.name} · T 0.8, seed 0"
        self.query_one("#compare-samples", Horizontal).mount(sample)

    def redraw(self) -> None:
        runs = [(entrant, colour_of(entrant, k, self.by_cell, self.saved.index(name) if name in self.saved else None))
                for k, (name, entrant) in enumerate(self.runs.items())]
        self.query_one(ComparePlot).show(runs, self.floor)
        by_distance = distance_table(runs)
        summary = summary_table(runs, self.status)
        self.query_one("#compare-table", Static).update(summary if by_distance is None else
                                                        Group(summary, Text(""), by_distance))

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
        """Leaving ends the runs (a lesson keeps what they reached)."""
        if self.compare is not None:
            self.compare.close()
            self.keep()
        self.dismiss()

    def on_unmount(self) -> None:
        if self.compare is not None:
            self.compare.close()
