"""The sampling panel: seed, temperature, greedy, top-k, top-p and min-p, the streaming text,
and the next-character distribution beside it: the model's and the one drawn from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Static, Switch

from rnn_tui.engine.information import entropy_bits
from rnn_tui.tui.channels import channels_of
from rnn_tui.tui.labels import show_char
from rnn_tui.tui.messages import Routed
from rnn_tui.tui.widgets.field import Field
from rnn_tui.tui.widgets.temperature import TemperatureControl

if TYPE_CHECKING:
    from rnn_tui.engine.sampling import SampleSettings
    from rnn_tui.tui.results import Sample

TOP_CANDIDATES = 7  # below the header and the entropy and count rows


class SamplerPanel(Vertical):
    DEFAULT_CSS = """
    SamplerPanel {
        width: 1fr;
        padding: 0 1;
    }
    SamplerPanel #sampler-controls, SamplerPanel #sampler-options {
        height: 1;
    }
    SamplerPanel #seed {
        width: 1fr;
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
    }
    SamplerPanel #temperature {
        width: 40;
        height: 1;
        padding: 0 1;
    }
    SamplerPanel #temperature:focus {
        background: $boost;
    }
    SamplerPanel #sampler-options Label {
        padding: 0 1;
    }
    SamplerPanel #greedy {
        height: 1;
        border: none;
        padding: 0;
        width: 6;
    }
    SamplerPanel .rule {
        width: 7;
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
    }
    SamplerPanel {
        border-subtitle-color: $text-muted;
    }
    SamplerPanel #sample-scroll {
        height: 1fr;
    }
    """

    @dataclass
    class SeedSubmitted(Routed):
        text: str

    @dataclass
    class RuleSubmitted(Routed):
        """A decoding rule's field: "top-k", "top-p" or "min-p", and the text typed."""

        rule: str
        value: str

    def compose(self) -> ComposeResult:
        with Horizontal(id="sampler-controls"):
            yield Field(placeholder="seed text, then Enter", id="seed")
            yield TemperatureControl(id="temperature")
        with Horizontal(id="sampler-options"):
            yield Label("greedy")
            yield Switch(id="greedy", animate=False)
            for rule, allowed in (("top-k", r"[0-9]*"), ("top-p", r"[0-9.]*"), ("min-p", r"[0-9.]*")):
                yield Label(rule)
                yield Field("", placeholder="off", id=rule, classes="rule", restrict=allowed, max_length=5)
        with VerticalScroll(id="sample-scroll"):
            yield Static(Text("loading the engine (torch)…", style="italic dim"), id="sample-text")

    def on_mount(self) -> None:  # held, so late updates during shutdown find them
        self.note = ""
        self.sample_text = self.query_one("#sample-text", Static)
        channels_of(self).sample.watch(self, self.show_sample)
        channels_of(self).sample_note.watch(self, self.show_note)
        channels_of(self).sampler_message.watch(self, self.show_message)
        channels_of(self).rules.watch(self, self.show_rules)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "seed":
            self.post_message(self.SeedSubmitted(event.value))
        else:
            self.post_message(self.RuleSubmitted(event.input.id, event.value))

    def show_sample(self, sample: Sample | None) -> None:
        if sample is None:
            return
        text = Text()
        text.append(sample.seed_text, style="bold reverse")
        text.append(sample.generated)
        if not sample.done:
            text.append("▌", style="blink")
        self.sample_text.update(text)
        scroll = self.query_one("#sample-scroll", VerticalScroll)
        self.call_after_refresh(scroll.scroll_end, animate=False)  # the newest text in view, past a long seed

    def show_note(self, note: str) -> None:
        """Which weights wrote the sample and with which random seed, on the border below it."""
        self.note = note
        self.border_subtitle = note

    def show_rules(self, settings: SampleSettings | None) -> None:
        """The values in force, "off" (empty) when a rule is off."""
        if settings is None:
            return
        for rule, value, off in (("top-k", settings.top_k, 0), ("top-p", settings.top_p, 1.0),
                                 ("min-p", settings.min_p, 0.0)):
            self.query_one(f"#{rule}", Input).value = "" if value == off else f"{value:g}"

    def show_message(self, message: str | None) -> None:
        if message is not None:
            self.sample_text.update(Text(message, style="italic dim"))


class Distribution(Static):
    """The likeliest next characters after the newest sampled one: the model's probability (T = 1)
    and the probability it was drawn with (after T, top-k, top-p, min-p), with the entropy of each
    and how many characters each leaves in play."""

    DEFAULT_CSS = """
    Distribution {
        width: 34;
        height: 100%;  /* fixed, so its updates can skip the layout pass */
        padding: 0 1;
    }
    """

    def on_mount(self) -> None:
        channels_of(self).sample.watch(self, self.show_sample)

    def show_sample(self, sample: Sample | None) -> None:
        if sample is not None:
            self.show(sample.probs, sample.shaped, sample.vocab)

    def show(self, probs: np.ndarray | None, shaped: np.ndarray | None, vocab: str) -> None:
        if probs is None or shaped is None:
            self.update(Text("next-character distribution appears with the first sample", style="dim italic"))
            return  # the panel's size is fixed by the layout, so updates need no layout pass
        self.update(distribution_table(probs, shaped, vocab, max(3, self.size.width - 17)), layout=False)


def distribution_table(probs: np.ndarray, shaped: np.ndarray, vocab: str, bar_width: int) -> Table:
    """Columns: the character, its probability under the model (T = 1), the probability it is drawn
    with, and a bar of the latter; above them each distribution's entropy and characters in play."""
    table = Table(box=None, padding=(0, 0, 0, 1), pad_edge=False, show_edge=False, header_style="dim")
    table.add_column("", justify="right", no_wrap=True, width=2)
    table.add_column("T=1", justify="right", no_wrap=True, width=6)
    table.add_column("drawn", justify="right", no_wrap=True, width=6)
    table.add_column("", no_wrap=True, overflow="crop", width=bar_width)
    table.add_row(Text("H", style="bold"), Text(f"{entropy_bits(probs):.2f}", style="dim"),
                  Text(f"{entropy_bits(shaped):.2f}", style="bold"), Text("bits", style="dim"))
    table.add_row(Text("n", style="bold"), Text(f"{int((probs > 0).sum())}", style="dim"),
                  Text(f"{int((shaped > 0).sum())}", style="bold"), Text("in play", style="dim"))
    top = float(shaped.max()) or 1.0
    for i in np.argsort(-probs)[:TOP_CANDIDATES]:
        p, q = float(probs[i]), float(shaped[i])
        table.add_row(show_char(vocab[i]), Text(f"{p:.1%}", style="dim"), Text(f"{q:.1%}" if q else "·"),
                      Text("█" * max(0, round(q / top * bar_width)), style="cyan"))
    return table
