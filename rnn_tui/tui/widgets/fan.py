"""The sampler as an instrument (the Sampler tab): a temperature fan, beam search beside it,
the trade-off of temperature measured, and the history of the playground's samples.

Fan rows are sampled together with common random numbers, so they differ only by their
temperature; the chart shows what temperature does to samples of the current weights: their
surprisal under the model (bits per character) and their variety (distinct 3-grams per 100
characters)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual_plotext import PlotextPlot

from rnn_tui.engine.information import bits_per_char
from rnn_tui.tui.state import FinishedSample
from rnn_tui.tui.widgets.field import Field

if TYPE_CHECKING:
    from rnn_tui.engine.beam import Beam
    from rnn_tui.tui.results import Fan, SampleCounts, Sweep

DEFAULT_TEMPERATURES = "0.2, 0.5, 0.8, 1.0, 1.5"
BITS, VARIETY = (0, 175, 215), (255, 135, 0)


def show_text(text: str) -> str:
    return text.replace("\t", "⇥")


def fan_table(temperatures: list[float], rows: tuple[str, ...], log_probs: tuple[float, ...], seed: str,
              beam: Beam | None = None, counted: SampleCounts | None = None) -> Table:
    """One row per temperature (then the best n-gram's, on the same uniform numbers, and beam
    search's): the label, the text's bits per character under the model that wrote it and how much
    of it is copied from the training text, beside the seed text and what was written after it."""
    table = Table(box=None, padding=(0, 1), expand=True, show_edge=False, show_header=False)
    table.add_column(justify="right", no_wrap=True, width=12)
    table.add_column(ratio=1, overflow="fold")  # a long run of one character wraps too
    copies = counted.copies if counted is not None else ()
    labelled = [(f"T {t:.2f}", text, log_prob, copies[k] if k < len(copies) else None)
                for k, (t, text, log_prob) in enumerate(zip(temperatures, rows, log_probs))]
    if counted is not None and counted.ngram is not None:
        labelled.append((f"{counted.ngram}\n{counted.settings}", counted.text, counted.log_prob, counted.ngram_copy))
    if beam is not None:
        labelled.append((f"beam {beam.width}", beam.text, beam.log_prob, None))
    for name, text, log_prob, copy in labelled:
        label = Text(f"{name}\n", style="bold")
        label.append(f"{bits_per_char(log_prob, len(text)):.2f} bpc", style="dim")
        if copy is not None:
            label.append(f"\ncopied {copy.share:.0%}", style="magenta" if copy.share >= 0.5 else "dim")
        body = Text()
        body.append(show_text(seed), style="bold reverse")
        body.append(show_text(text))
        table.add_row(label, body)
        table.add_row("", "")
    if beam is not None:
        score = f"beam score {beam.log_prob:.1f} nats; greedy's {beam.greedy_log_prob:.1f}"
        table.add_row("", Text(score, style="dim"))
    return table


class SweepPlot(PlotextPlot):
    """One measure of the sweep against temperature."""

    def __init__(self, title: str, field: str, colour: tuple[int, int, int], **kwargs):
        super().__init__(**kwargs)
        self.title, self.field, self.colour = title, field, colour

    def show(self, points: list) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        xs, ys = [p.temperature for p in points], [getattr(p, self.field) for p in points]
        plt.title(self.title)
        plt.plot(xs, ys, color=self.colour, marker="braille")
        # margins all round: plotext draws a line that reaches a limit a cell past the frame
        x_margin, y_margin = (xs[-1] - xs[0]) * 0.04, (max(ys) - min(ys)) * 0.08 or 0.5
        plt.xlim(xs[0] - x_margin, xs[-1] + x_margin)
        plt.ylim(max(0.0, min(ys) - y_margin), max(ys) + y_margin)  # both measures are >= 0
        plt.xticks([xs[0], 1.0, xs[-1]], [f"{xs[0]:g}", "T 1", f"{xs[-1]:g}"])
        self.refresh()


class TradeOff(Horizontal):
    """What temperature does to samples of the current weights: their surprisal under the model
    (bits per character) and their variety (distinct 3-grams per 100 characters)."""

    DEFAULT_CSS = """
    TradeOff {
        width: 1fr;
        border-subtitle-align: center;
        border-subtitle-color: $text-muted;
    }
    """

    def compose(self) -> ComposeResult:
        yield SweepPlot("bits per character", "bits_per_char", BITS)
        yield SweepPlot("3-grams per 100 chars", "distinct_trigrams", VARIETY)

    def on_mount(self) -> None:
        self.border_title = "Temperature, measured"
        self.border_subtitle = "one sample per temperature, one random seed for all"

    def show(self, points: list, step: int) -> None:
        self.border_title = f"Temperature, measured · step {step:,}"
        for plot in self.query(SweepPlot):
            plot.show(points)


class SamplerLab(Vertical):
    """The Sampler tab's contents. Fields post `Changed(name, value)`; the app checks and applies."""

    DEFAULT_CSS = """
    SamplerLab #fan-controls {
        height: 1;
        padding: 0 1;
    }
    SamplerLab #fan-controls Label {
        padding: 0 1 0 0;
    }
    SamplerLab #fan-controls Input {
        height: 1;
        border: none;
        padding: 0 1;
        margin-right: 2;
        background: $boost;
        width: 7;
    }
    SamplerLab #fan-controls #fan-temperatures {
        width: 26;
    }
    SamplerLab #fan-scroll {
        height: 1fr;
        border-subtitle-color: $text-muted;
    }
    SamplerLab #lab-bottom {
        height: 13;
    }
    SamplerLab #history {
        width: 1fr;
    }
    """

    @dataclass
    class Changed(Message):
        name: str  # temperatures, length, pace or beam
        value: str

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.finished: list[FinishedSample] = []
        self.beam: Beam | None = None  # the latest beam search, shown under the fan until turned off
        self.fan: tuple = ()  # the latest fan, redrawn with a new beam
        self.fan_sample: tuple[int, int] | None = None  # its (random seed, step)
        self.counted: SampleCounts | None = None  # the n-gram row and copy meters of the fan on screen

    def compose(self) -> ComposeResult:
        with Horizontal(id="fan-controls"):
            yield Label("temperatures")
            yield Field(DEFAULT_TEMPERATURES, id="fan-temperatures")
            yield Label("length")
            yield Field("240", id="length", restrict=r"[0-9]*", max_length=7)  # longer than the max: refused, not cut
            yield Label("pace")
            yield Field("120", id="pace", placeholder="now", restrict=r"[0-9.]*", max_length=6)
            yield Label("beam")
            yield Field("8", id="beam", placeholder="off", restrict=r"[0-9]*", max_length=3)
        with VerticalScroll(id="fan-scroll", classes="panel"):
            yield Static(Text("the fan starts with the first weights", style="dim italic"), id="fan-text")
        with Horizontal(id="lab-bottom"):
            yield TradeOff(id="trade-off", classes="panel")
            yield OptionList(id="history", classes="panel")

    def on_mount(self) -> None:
        self.query_one("#fan-scroll").border_title = "Temperature fan · one random number per position"
        self.query_one("#history").border_title = "Samples · c copies the highlighted one"
        self.watch(self.app, "fan", self.show_fan)
        self.watch(self.app, "beam", self.show_beam)
        self.watch(self.app, "fan_counted", self.show_counted)
        self.watch(self.app, "sweep", self.show_trade_off)
        self.watch(self.app, "history", self.show_history)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = "temperatures" if event.input.id == "fan-temperatures" else event.input.id
        self.post_message(self.Changed(name, event.value))

    def show_fan(self, fan: Fan | None) -> None:
        if fan is None:
            return
        self.fan = (list(fan.temperatures), fan.sample.rows, fan.sample.log_probs, fan.sample.seed_text)
        sample = (fan.sample.random_seed, fan.sample.step)
        if sample != self.fan_sample:  # a new sample: the last one's n-gram row and copies no longer apply
            self.fan_sample, self.counted = sample, None
        self.redraw_fan()
        self.query_one("#fan-scroll").border_subtitle = fan.note

    def show_counted(self, counted: SampleCounts | None) -> None:
        if counted is not None and (counted.random_seed, counted.step) == self.fan_sample:
            self.counted = counted
            self.redraw_fan()

    def show_beam(self, beam: Beam | None) -> None:
        self.beam = beam
        self.redraw_fan()

    def redraw_fan(self) -> None:
        if self.fan:
            self.query_one("#fan-text", Static).update(fan_table(*self.fan, beam=self.beam, counted=self.counted))

    def show_trade_off(self, sweep: Sweep | None) -> None:
        if sweep is not None:
            self.query_one(TradeOff).show(sweep.points, sweep.step)

    def show_history(self, samples: tuple[FinishedSample, ...]) -> None:
        """The finished samples, newest on top; the highlighted one stays highlighted as more come."""
        history = self.query_one("#history", OptionList)
        highlighted, old = history.highlighted, self.finished
        self.finished = list(samples)
        history.clear_options()
        history.add_options([Option(prompt(k)) for k in self.finished])
        if highlighted is not None and self.finished:
            added = 1 if old and self.finished[0] is not old[0] else 0
            history.highlighted = min(highlighted + added, len(self.finished) - 1)

    def highlighted_sample(self) -> FinishedSample | None:
        index = self.query_one("#history", OptionList).highlighted
        if index is None:
            return self.finished[0] if self.finished else None
        return self.finished[index] if index < len(self.finished) else None


def prompt(sample: FinishedSample) -> Text:
    head = Text()
    head.append(f"step {sample.step:,} · {sample.settings} · seed {sample.random_seed} · "
                f"{sample.bits_per_char:.2f} bpc\n", style="dim")
    head.append(show_text(sample.seed_text), style="bold")
    head.append(show_text(sample.text))
    return head
