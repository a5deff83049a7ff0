"""The sampling panel: seed, temperature, greedy and top-k, the streaming text, and the
next-character distribution beside it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Static, Switch

from rnn_tui.tui.widgets.temperature import TemperatureControl

TOP_CANDIDATES = 8


def show_char(ch: str) -> str:
    return {"\n": "⏎", " ": "␣", "\t": "⇥"}.get(ch, ch)


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
    SamplerPanel #top-k {
        width: 8;
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
    }
    SamplerPanel #sample-note {
        width: 1fr;
        text-align: right;
        color: $text-muted;
    }
    SamplerPanel #sample-scroll {
        height: 1fr;
    }
    """

    @dataclass
    class SeedSubmitted(Message):
        text: str

    @dataclass
    class TopKSubmitted(Message):
        value: str

    def compose(self) -> ComposeResult:
        with Horizontal(id="sampler-controls"):
            yield Input(placeholder="seed text, then Enter", id="seed")
            yield TemperatureControl(id="temperature")
        with Horizontal(id="sampler-options"):
            yield Label("greedy")
            yield Switch(id="greedy", animate=False)
            yield Label("top-k")
            yield Input("", placeholder="off", id="top-k", restrict=r"[0-9]*", max_length=5)
            yield Static("", id="sample-note")
        with VerticalScroll(id="sample-scroll"):
            yield Static(Text("loading the engine (torch)…", style="italic dim"), id="sample-text")

    def on_mount(self) -> None:  # held, so late updates during shutdown find them
        self.sample_text = self.query_one("#sample-text", Static)
        self.sample_note = self.query_one("#sample-note", Static)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "seed":
            self.post_message(self.SeedSubmitted(event.value))
        elif event.input.id == "top-k":
            if event.value.strip("0") == "":  # 0 is off: show it as "off"
                event.input.value = ""
            self.post_message(self.TopKSubmitted(event.value))

    def show_sample(self, seed: str, generated: str, source: str, done: bool) -> None:
        text = Text()
        text.append(seed, style="bold reverse")
        text.append(generated)
        if not done:
            text.append("▌", style="blink")
        self.sample_text.update(text)
        scroll = self.query_one("#sample-scroll", VerticalScroll)
        self.call_after_refresh(scroll.scroll_end, animate=False)  # the newest text in view, past a long seed
        self.sample_note.update(source, layout=False)

    def show_top_k(self, top_k: int) -> None:
        self.query_one("#top-k", Input).value = str(top_k) if top_k else ""

    def show_message(self, message: str) -> None:
        self.sample_text.update(Text(message, style="italic dim"))


class Distribution(Static):
    """The likeliest next characters after the newest sampled one, with their probabilities."""

    DEFAULT_CSS = """
    Distribution {
        width: 30;
        height: 100%;  /* fixed, so its updates can skip the layout pass */
        padding: 0 1;
    }
    """

    def show(self, probs: np.ndarray | None, vocab: str) -> None:
        table = Table.grid(padding=(0, 1))
        table.add_column(justify="right", no_wrap=True)
        table.add_column(justify="right", no_wrap=True)
        table.add_column(no_wrap=True)
        if probs is None:
            self.update(Text("next-character distribution appears with the first sample", style="dim italic"))
            return  # the panel's size is fixed by the layout, so updates need no layout pass
        top = np.argsort(-probs)[:TOP_CANDIDATES]
        width = max(4, self.size.width - 14)
        for i in top:
            p = float(probs[i])
            table.add_row(f"{show_char(vocab[i])!s}", f"{p:6.1%}", Text("█" * max(0, round(p * width)), style="cyan"))
        self.update(table, layout=False)
