"""The story of a run in samples: at every evaluation the training process writes from a line
start with one temperature and one random seed, so from row to row only the weights change and
the text turns from noise into words (the "evolution of samples" of Karpathy's char-rnn post)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from rnn_tui.engine.history import TIMELINE_CHARS, TIMELINE_SEED, TIMELINE_TEMPERATURE
from rnn_tui.tui.channels import channels_of
from rnn_tui.tui.labels import show_char
from rnn_tui.tui.state import RunState
from rnn_tui.tui.widgets.throttle import Throttle

REFRESH_SECONDS = 1.0


def timeline_table(timeline: list[tuple[int, float, str]]) -> Table:
    table = Table(box=None, padding=(0, 1), expand=True, show_edge=False)
    table.add_column("step", justify="right", no_wrap=True, style="bold")
    table.add_column("val", justify="right", no_wrap=True, style="dim")
    table.add_column("sample", ratio=1)
    for step, val_loss, sample in timeline:
        table.add_row(f"{step:,}", f"{val_loss:.3f}", Text("".join(show_char(ch) if ch in "\n\t" else ch
                                                                    for ch in sample)))
    return table


class TimelineView(VerticalScroll):
    DEFAULT_CSS = """
    TimelineView {
        padding: 0 1;
    }
    TimelineView #timeline-note {
        color: $text-muted;
        margin-bottom: 1;
    }
    """

    def __init__(self, state: RunState, **kwargs):
        super().__init__(**kwargs)
        self.state = state
        self.shown: tuple[int, int] | None = None  # (entries, last step) on screen

    def compose(self):
        yield Static(f"at every evaluation, {TIMELINE_CHARS} characters from a line start at temperature "
                     f"{TIMELINE_TEMPERATURE:g} with random seed {TIMELINE_SEED}: from row to row only the weights "
                     "change", id="timeline-note")
        yield Static(Text("the first sample comes with the first evaluation", style="dim italic"), id="timeline")

    def on_mount(self) -> None:
        channels_of(self).run.watch(self, Throttle(self, REFRESH_SECONDS, self.show_if_changed))

    def on_show(self) -> None:
        self.show_if_changed()  # what changed while the tab was not on screen

    def show_if_changed(self) -> None:
        timeline = self.state.timeline
        key = (len(timeline), timeline[-1][0] if timeline else -1)
        if key == self.shown or not self.is_on_screen:
            return
        at_end = self.scroll_y >= self.max_scroll_y - 1
        self.shown = key
        self.query_one("#timeline", Static).update(timeline_table(timeline) if timeline else
                                                   Text("the first sample comes with the first evaluation",
                                                        style="dim italic"))
        if at_end:
            self.call_after_refresh(self.scroll_end, animate=False)
