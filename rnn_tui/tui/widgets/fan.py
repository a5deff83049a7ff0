"""The sampler as an instrument (the Sampler tab): a temperature fan, beam search beside it,
the trade-off of temperature measured, and the history of the playground's samples.

Fan rows are sampled together with common random numbers, so they differ only by their
temperature; the chart shows what temperature does to samples of the current weights: their
surprisal under the model (bits per character) and their variety (distinct 3-grams per 100
characters)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual_plotext import PlotextPlot

from rnn_tui.engine.information import bits_per_char
from rnn_tui.tui.channels import channels_of
from rnn_tui.tui.labels import show_char
from rnn_tui.tui.messages import Routed
from rnn_tui.tui.state import FinishedSample
from rnn_tui.tui.widgets.field import Field
from rnn_tui.tui.widgets.status import fit

if TYPE_CHECKING:
    from rnn_tui.engine.beam import Beam
    from rnn_tui.engine.copying import Copying
    from rnn_tui.tui.results import Fan, SampleCounts, Sweep

DEFAULT_TEMPERATURES = "0.2, 0.5, 0.8, 1.0, 1.5"
BITS, VARIETY = (0, 175, 215), (255, 135, 0)
LABEL = 14  # columns of a fan row's label: its name, bits per character and copy meter


def show_text(text: str) -> str:
    return text.replace("\t", "⇥")


def one_line(text: str) -> Text:
    """A sample on one line, one cell per character: line breaks and tabs as dim symbols (the
    heatmap's text line's), and in a text of nothing but whitespace its spaces too, so that it
    never looks blank."""
    shown = "\n\t " if text.isspace() else "\n\t"
    line = Text(text.translate(str.maketrans({ch: show_char(ch) for ch in shown})))
    for run in re.finditer(f"[{shown}]+", text):
        line.stylize("dim", run.start(), run.end())
    return line


def block(seed: str, text: str, width: int, lines: int) -> Text:
    """The seed and what was written after it in `lines` lines of `width` characters: character k
    of every row of the fan at the same place. What does not fit is left out."""
    whole = one_line(seed)
    whole.stylize("bold reverse")
    whole.append_text(one_line(text))
    cut = whole.divide(range(width, len(whole), width))[:lines]
    return Text("\n").join([*cut, *[Text()] * (lines - len(cut))])


def packed(words: list[str], width: int) -> tuple[str, ...]:
    """Words (or phrases) in lines of at most `width` cells, a line holding as many as fit."""
    lines = [words[0]]
    for word in words[1:]:
        if cell_len(lines[-1]) + 1 + cell_len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return tuple(lines)


@dataclass(frozen=True)
class FanRow:
    name: tuple[str, ...]  # its first line, then any more its name takes (the n-gram's decoding rule)
    text: str
    log_prob: float
    copy: Copying | None = None

    def label(self) -> list[Text]:
        """Its name, bits per character, copy meter and the rest of its name: a short row shows the first lines."""
        label = [Text(self.name[0], style="bold"),
                 Text(f"{bits_per_char(self.log_prob, len(self.text)):.2f} bpc", style="dim")]
        if self.copy is not None:
            label.append(Text(f"copied {self.copy.share:.0%}", style="magenta" if self.copy.share >= 0.5 else "dim"))
        return label + [Text(line, style="dim") for line in self.name[1:]]


def fan_rows(temperatures: list[float], rows: tuple[str, ...], log_probs: tuple[float, ...], beam: Beam | None,
             counted: SampleCounts | None) -> list[FanRow]:
    """One row per temperature, then the best n-gram's on the same uniform numbers, then beam search's."""
    copies = counted.copies if counted is not None else ()
    fan = [FanRow((f"T {t:.2f}",), text, log_prob, copies[k] if k < len(copies) else None)
           for k, (t, text, log_prob) in enumerate(zip(temperatures, rows, log_probs))]
    if counted is not None and counted.ngram is not None:
        fan.append(FanRow(packed([counted.ngram, *counted.settings.split(" · ")], LABEL), counted.text,
                          counted.log_prob, counted.ngram_copy))
    if beam is not None:
        fan.append(FanRow((f"beam {beam.width}",), beam.text, beam.log_prob))
    return fan


def fan_table(rows: list[FanRow], seed: str, width: int, height: int) -> Table:
    """The rows in `width` by `height` cells, each as tall as the longest text or label needs or as
    all allow, the same for every row, its text in fixed-width lines so that the rows read against
    each other position by position; a blank line between rows where there is room for one."""
    columns = max(1, width - LABEL - 1)
    labels = [row.label() for row in rows]
    needed = max(max(math.ceil(len(seed + row.text) / columns) for row in rows), *map(len, labels))
    lines = max(1, min(needed, height // len(rows)))
    gap = len(rows) * (lines + 1) - 1 <= height
    table = Table.grid(padding=(0, 1))
    table.add_column(width=LABEL, no_wrap=True, overflow="crop")
    table.add_column(width=columns, no_wrap=True, overflow="crop")  # two-cell characters push a line's end out
    for k, (row, label) in enumerate(zip(rows, labels)):
        if gap and k:
            table.add_row("", "")
        table.add_row(Text("\n").join(label[:lines]), block(seed, row.text, columns, lines))
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
        height: 12;  /* at 120x40 the fan's 7 rows of 240 characters, 3 lines each, fit above it */
    }
    SamplerLab #history {
        width: 1fr;
    }
    """

    @dataclass
    class Changed(Routed):
        name: str  # temperatures, length, pace or beam
        value: str

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.finished: list[FinishedSample] = []
        self.beam: Beam | None = None  # the latest beam search, shown under the fan until turned off
        self.fan: tuple = ()  # the latest fan, redrawn with a new beam
        self.fan_sample: tuple[int, int] | None = None  # its (random seed, step)
        self.counted: SampleCounts | None = None  # the n-gram row and copy meters of the fan on screen
        self.note = ""  # which weights wrote the fan, with which random seed

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
        channels_of(self).fan.watch(self, self.show_fan)
        channels_of(self).beam.watch(self, self.show_beam)
        channels_of(self).fan_counted.watch(self, self.show_counted)
        channels_of(self).sweep.watch(self, self.show_trade_off)
        channels_of(self).history.watch(self, self.show_history)

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
        self.note = fan.note
        self.redraw_fan()

    def show_counted(self, counted: SampleCounts | None) -> None:
        if counted is not None and (counted.random_seed, counted.step) == self.fan_sample:
            self.counted = counted
            self.redraw_fan()

    def show_beam(self, beam: Beam | None) -> None:
        self.beam = beam
        self.redraw_fan()

    def on_resize(self) -> None:
        self.redraw_fan()  # the rows' lines are as wide and as many as the panel allows

    def redraw_fan(self) -> None:
        if not self.fan:
            return
        temperatures, rows, log_probs, seed = self.fan
        scroll = self.query_one("#fan-scroll")
        size = scroll.scrollable_content_region.size
        fan = fan_rows(temperatures, rows, log_probs, self.beam, self.counted)
        self.query_one("#fan-text", Static).update(fan_table(fan, seed, size.width, size.height))
        beam = self.beam
        score = [] if beam is None else [f"beam score {beam.log_prob:.1f} nats; greedy's {beam.greedy_log_prob:.1f}"]
        scroll.border_subtitle = fit([self.note, *score], size.width - 2, (1,))  # the beam's score goes first

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
