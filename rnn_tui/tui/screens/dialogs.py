"""Small modal dialogs: a yes/no question and a one-line text prompt."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from rnn_tui.tui.widgets.field import Field

DIALOG_CSS = """
{screen} {{
    align: center middle;
}}
{screen} .dialog {{
    width: 70;
    height: auto;
    max-height: 90%;
    border: thick $accent;
    background: $surface;
    padding: 1 2;
}}
{screen} .dialog Label {{
    width: 100%;  /* wrap a long question, never cut it */
}}
{screen} .dialog-buttons {{
    height: auto;
    margin-top: 1;
}}
{screen} .dialog-buttons Button {{
    margin-right: 2;
}}
"""


class ConfirmScreen(ModalScreen[str | None]):
    """A question answered "yes", "save" (when a save-first button is offered) or None (cancel)."""

    DEFAULT_CSS = DIALOG_CSS.format(screen="ConfirmScreen")
    BINDINGS = [Binding("escape", "dismiss(None)", "cancel"), Binding("y", "dismiss('yes')", "yes")]

    def __init__(self, question: str, yes: str = "Yes", save: str | None = None):
        super().__init__()
        self.question, self.yes, self.save = question, yes, save

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question)
            with Horizontal(classes="dialog-buttons"):
                if self.save:
                    yield Button(self.save, variant="primary", id="save")
                yield Button(self.yes, variant="warning", id="yes")
                yield Button("Cancel", id="no")

    def on_mount(self) -> None:
        self.query_one("#save" if self.save else "#no", Button).focus()  # Enter takes the safe choice

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "no" else event.button.id)


class PromptScreen(ModalScreen[str | None]):
    DEFAULT_CSS = DIALOG_CSS.format(screen="PromptScreen")
    BINDINGS = [Binding("escape", "dismiss(None)", "cancel")]

    def __init__(self, question: str, value: str = ""):
        super().__init__()
        self.question, self.value = question, value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question)
            yield Field(self.value, id="prompt-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)
