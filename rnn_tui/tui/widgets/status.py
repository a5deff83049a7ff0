"""The training panel: what the run is doing, in numbers, and the coach's advice."""

from __future__ import annotations

import math
from pathlib import Path

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar, Static

from rnn_tui.tui.channels import channels_of
from rnn_tui.tui.labels import CELL_NAMES
from rnn_tui.tui.state import AUTOSAVE_AFTER, RunState
from rnn_tui.tui.widgets.throttle import Throttle

LN2 = math.log(2)
REFRESH_SECONDS = 0.25  # numbers that change 20 times a second are read at 4
NARROW = 40  # columns (inside the border and padding) below which the coach's advice shows only its headline
LABEL = 10  # columns of the labels, left of the values
WIDE = 42  # columns inside the border and padding of a panel 46 wide (the CSS below)


def _fmt(value: float | None, spec: str = ".3f") -> str:
    return "–" if value is None else format(value, spec)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def fit(items: list[str], width: int, drop: tuple[int, ...], sep: str = " · ") -> str:
    """`items` joined by `sep` on one line of at most `width` cells: while it is longer, the item at
    the next index of `drop` (if there is one) is left out, whole: never a word cut, nor a number
    without its name."""
    kept = dict(enumerate(items))
    for index in drop:
        if cell_len(sep.join(kept.values())) <= width:
            break
        kept.pop(index, None)
    return sep.join(kept.values())


def count(n: int) -> str:
    """4,033,577 -> 4.0M: a size that fits a narrow column."""
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= limit:
            return f"{n / limit:.1f}{suffix}"
    return str(n)


class TrainingStatus(Vertical):
    """Step, epoch, losses, speed and time, and a progress bar when the run has a stop point."""

    DEFAULT_CSS = """
    TrainingStatus {
        width: 46;
        padding: 0 1;
        border-subtitle-color: $text-muted;
    }
    TrainingStatus #status-table {
        height: auto;
    }
    """

    def __init__(self, state: RunState, **kwargs):
        super().__init__(**kwargs)
        self.state = state
        self._shape: tuple = ()

    def compose(self) -> ComposeResult:
        yield Static(id="status-table")
        yield ProgressBar(total=1.0, show_eta=False, id="status-progress")

    def on_mount(self) -> None:
        self.table = self.query_one("#status-table", Static)
        self.bar = self.query_one(ProgressBar)
        channels_of(self).run.watch(self, Throttle(self, REFRESH_SECONDS, self.show))

    def on_resize(self) -> None:
        self.show()  # the coach's line depends on the width

    def show(self) -> None:
        state = self.state
        width = self.size.width
        narrow = width < NARROW
        table = self.render_table(state, narrow, width)
        self.border_subtitle = self.subtitle(narrow)
        shape = (table.row_count, state.advice, state.failed, state.waiting, state.finished, width)
        self.table.update(table, layout=shape != self._shape)  # a layout pass only when the height may change
        self._shape = shape
        bar = self.bar
        progress = state.progress
        bar.display = progress is not None
        if progress is not None:
            bar.update(progress=progress)

    def subtitle(self, narrow: bool) -> str:
        """On the border below: a narrow panel's model and text; a wide one's file that quitting saves to."""
        state, width = self.state, self.size.width
        if narrow and state.ready is not None:
            model = state.spec.model
            return fit([f"{CELL_NAMES[model.cell]} {model.layers}×{model.hidden}", state.ready.start.text], width, (1,))
        if narrow or not state.quit_path or state.elapsed <= AUTOSAVE_AFTER or state.watching:
            return ""
        saves = f"quit saves to {Path(state.quit_path).name}"
        return saves if cell_len(saves) <= width else "quit saves the run"

    @staticmethod
    def condensed(state: RunState, table: Table, width: int) -> Table:
        """Every number in a few rows, for a small terminal; the model and text go to the border."""
        cps, val, best = state.chars_per_sec, state.val_loss, state.best
        table.add_row("step", fit([f"{state.step:,}", f"epoch {state.epoch:.2f}"], width, (1,)))
        table.add_row("loss", f"{_fmt(state.loss)} · val {_fmt(val)}")
        table.add_row("best val", "–" if best is None else f"{best[1]:.3f} at {best[0]:,}")
        table.add_row(*TrainingStatus.against_counting(state, short=True))
        TrainingStatus.add_counted(state, table)
        speed = "–" if cps is None or state.paused or state.quiet is not None else f"{cps / 1000:.1f}k/s"
        table.add_row("speed", f"{speed} · {_clock(state.elapsed)}")
        table.add_row("lr", fit([_fmt(state.lr, ".1e"), f"dropout {state.spec.model.dropout:g}"], width, (1,)))
        return table

    @staticmethod
    def against_counting(state: RunState, short: bool = False) -> tuple[str, Text]:
        """The gap between the network's validation loss and the best n-gram's: below 0 it beats counting."""
        baseline = state.baseline
        if baseline is None:
            return "vs n-gram", Text("counting…", style="dim italic")
        if state.val_loss is None:
            return f"vs {baseline.name}", Text(f"{baseline.ngram_loss:.3f} to beat")
        gap = state.val_loss - baseline.ngram_loss
        return f"vs {baseline.name}", Text(f"{gap:+.2f}" + ("" if short else f" (it scores {baseline.ngram_loss:.3f})"),
                                           style="green" if gap < 0 else "yellow")

    @staticmethod
    def add_counted(state: RunState, table: Table) -> None:
        """Under the baseline, what it was counted on when memory bounded that."""
        if state.baseline is not None and state.counted:
            table.add_row("", Text(state.counted, style="dim"))

    @staticmethod
    def render_table(state: RunState, narrow: bool = False, width: int = WIDE) -> Table:
        """The panel's rows in `width` columns. A line that could be longer leaves out whole items, in
        the order each row states, so that what stays is never cut: the best step's "◆ sampling" mark,
        the device, then the text's size and then its name (the vocabulary's size stays); in a narrow
        panel, the epoch and the dropout."""
        table = Table.grid(padding=(0, 1))
        table.add_column(style="dim", no_wrap=True, width=LABEL)
        table.add_column(overflow="fold")
        values = width - LABEL - 1
        if state.ready is None and state.waiting:
            table.add_row("", Text("◌ " + state.waiting, style="italic"))
            return table
        if state.ready is None and state.failed:
            table.add_row("", Text("■ no run: " + state.failed, style="bold red"))
            return table
        if state.ready is None:
            table.add_row("", Text("starting the training process…", style="italic"))
            return table
        if state.watching:  # the folder's name: its path is on the command line; how it ended is a toast
            ended = ", stopped" if state.finished else ""
            if state.quiet is not None and not state.finished:
                ended = f": no new line for {state.quiet:.0f} s, the writer may have stopped"
            mode = Text(f"◉ watching {Path(state.watching).name}{ended} (read-only)", style="bold cyan")
        elif state.finished:
            mode = Text("■ stopped: " + state.finished, style="bold yellow")
        elif state.pausing:  # the step under way finishes first, and is shown
            mode = Text("‖ pausing…", style="italic")
        elif state.paused:
            mode = Text("‖ paused", style="bold yellow")
        else:
            mode = Text("● training", style="bold green")
        table.add_row("", mode)
        if state.advice:  # a narrow panel keeps the headline; the app also shows the whole line as a toast
            headline = state.advice.partition(":")[0].replace("since step", "since")  # "overfitting since 1,200"
            table.add_row("coach", Text(headline if narrow else state.advice, style="yellow"))
        if narrow:
            return TrainingStatus.condensed(state, table, values)
        table.add_row("step", f"{state.step:,}   epoch {state.epoch:.2f}")
        table.add_row("train loss", _fmt(state.loss))
        val = state.val_loss
        table.add_row("val loss", "–" if val is None else f"{val:.3f} · {val / LN2:.2f} bits")
        best = ["–"] if state.best is None else [f"{state.best[1]:.3f} at step {state.best[0]:,}"]
        table.add_row("best val", fit(best + (["◆ sampling"] if state.reads_best else []), values, (1,), sep=" "))
        table.add_row(*TrainingStatus.against_counting(state))
        TrainingStatus.add_counted(state, table)
        cps = state.chars_per_sec
        stale = state.paused or state.quiet is not None
        speed = "–" if cps is None or stale else f"{cps / 1000:.1f}k chars/s"
        table.add_row("speed", f"{speed} · {_clock(state.elapsed)}")
        model = state.spec.model
        table.add_row("lr", f"{_fmt(state.lr, '.2e')}   dropout {model.dropout:g}")
        start = state.ready.start
        table.add_row("model", f"{CELL_NAMES[model.cell]} {model.layers}×{model.hidden}, embed {model.embed}")
        table.add_row("", fit([f"{start.parameters:,} parameters", start.device], values, (1,)))
        table.add_row("text", fit([start.text, f"{count(start.chars)} chars", f"V {len(state.ready.vocab):,}"],
                                  values, (1, 0)))
        if start.rare:
            table.add_row("", start.rare)
        return table
