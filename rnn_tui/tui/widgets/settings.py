"""The model and training settings form. It only collects text; the app parses and applies it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Select, Static

from rnn_tui.engine.config import CELLS
from rnn_tui.run.spec import RunSpec

FIELDS = [  # (name, label, section)
    ("hidden", "hidden units", "model"),
    ("layers", "layers", "model"),
    ("embed", "embed (0 = one-hot)", "model"),
    ("dropout", "dropout", "model"),
    ("seq", "sequence length", "train"),
    ("batch", "batch", "train"),
    ("lr", "learning rate", "train"),
]
LABELS = {name: label.split(" (")[0] for name, label, _ in FIELDS}  # what errors call each field


class SettingsPanel(Vertical):
    DEFAULT_CSS = """
    SettingsPanel {
        height: auto;
        padding: 1 2;
    }
    SettingsPanel #settings-grid {
        grid-size: 2;
        grid-columns: 24 30;
        grid-rows: 3;
        height: auto;
    }
    SettingsPanel #settings-grid Label {
        padding: 1 0;
    }
    SettingsPanel #settings-actions {
        height: auto;
        margin-top: 1;
    }
    SettingsPanel #settings-note {
        width: 1fr;
        padding: 1 2;
        color: $text-muted;
    }
    """

    @dataclass
    class Applied(Message):
        values: dict[str, str]

    def compose(self) -> ComposeResult:
        with Grid(id="settings-grid"):
            yield Label("cell")
            yield Select([(c.upper() if c in ("lstm", "gru") else c.capitalize(), c) for c in CELLS],
                         allow_blank=False, id="set-cell")
            for name, label, _ in FIELDS:
                yield Label(label)
                yield Input(id=f"set-{name}")
        with Horizontal(id="settings-actions"):
            yield Button("Apply", variant="primary", id="apply")
            yield Static("", id="settings-note")

    def show(self, spec: RunSpec, parameters: int | None) -> None:
        self.query_one("#set-cell", Select).value = spec.model.cell
        for name, _, section in FIELDS:
            source = spec.model if section == "model" else spec.train
            self.query_one(f"#set-{name}", Input).value = f"{getattr(source, name):g}"
        note = "" if parameters is None else f"{parameters:,} parameters. "
        self.query_one("#settings-note", Static).update(
            note + "Changing the cell, sizes, sequence or batch resets training; the learning rate and "
            "dropout change live.")

    def values(self) -> dict[str, str]:
        out = {"cell": str(self.query_one("#set-cell", Select).value)}
        out.update({name: self.query_one(f"#set-{name}", Input).value.strip() for name, _, _ in FIELDS})
        return out

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Applied(self.values()))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Applied(self.values()))
