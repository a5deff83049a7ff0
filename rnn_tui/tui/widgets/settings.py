"""The model and training settings form. It only collects text; the app parses and applies it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from rnn_tui.engine.config import CELLS
from rnn_tui.run.spec import RunSpec
from rnn_tui.tui.channels import channels_of
from rnn_tui.tui.labels import CELL_NAMES, SETTING_FIELDS
from rnn_tui.tui.messages import Routed
from rnn_tui.tui.widgets.field import Field


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
    class Applied(Routed):
        values: dict[str, str]

    def compose(self) -> ComposeResult:
        with Grid(id="settings-grid"):
            yield Label("cell")
            yield Select([(CELL_NAMES[c], c) for c in CELLS],
                         allow_blank=False, id="set-cell")
            for name, label, _ in SETTING_FIELDS:
                yield Label(label)
                yield Field(id=f"set-{name}")
        with Horizontal(id="settings-actions"):
            yield Button("Apply", variant="primary", id="apply")
            yield Static("", id="settings-note")

    def on_mount(self) -> None:
        self.border_title = "Model and training"
        self.vocab_size, self.parameters = 0, None
        channels_of(self).ready.watch(self, self.show_run)
        channels_of(self).settings_form.watch(self, lambda spec: spec is not None and self.show(spec, self.parameters))

    def show_run(self, ready) -> None:
        """The settings in force (a new run, or a change cancelled)."""
        self.vocab_size = 0 if ready is None else len(ready.vocab)
        self.show(self.app.state.spec, None if ready is None else ready.start.parameters)

    def show(self, spec: RunSpec, parameters: int | None) -> None:
        self.parameters = parameters
        with self.prevent(Select.Changed, Input.Changed):
            self.query_one("#set-cell", Select).value = spec.model.cell
            for name, _, section in SETTING_FIELDS:
                source = spec.model if section == "model" else spec.train
                self.query_one(f"#set-{name}", Input).value = f"{getattr(source, name):g}"
        self.show_note()

    def show_note(self) -> None:
        """The parameter count of the form as it stands (it follows the cell and sizes before Apply)."""
        if self.app.state.watching:
            self.query_one("#settings-note", Static).update("Read-only: this run is trained elsewhere; its settings "
                                                            "are shown, not changed.")
            return
        count = self.form_parameters()
        if count is None or self.parameters is None:
            note = "" if self.parameters is None else f"{self.parameters:,} parameters. "
        elif count == self.parameters:
            note = f"{count:,} parameters. "
        else:
            note = f"{count:,} parameters after Apply (now {self.parameters:,}). "
        self.query_one("#settings-note", Static).update(
            note + "Changing the cell, sizes, sequence or batch resets training; the learning rate and "
            "dropout change live.")

    def form_parameters(self) -> int | None:
        from rnn_tui.engine.race import count_parameters

        values = self.values()
        try:
            hidden, layers, embed, seq = (int(values[k]) for k in ("hidden", "layers", "embed", "seq"))
        except ValueError:
            return None
        if not self.vocab_size or min(hidden, layers, seq) < 1 or embed < 0:
            return None
        # a transformer's context is the sequence length, and each position has an embedding of its own
        return count_parameters(values["cell"], hidden, self.vocab_size, embed, layers, context=seq)

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.show_note()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.show_note()

    def values(self) -> dict[str, str]:
        out = {"cell": str(self.query_one("#set-cell", Select).value)}
        out.update({name: self.query_one(f"#set-{name}", Input).value.strip() for name, _, _ in SETTING_FIELDS})
        return out

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Applied(self.values()))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Applied(self.values()))
