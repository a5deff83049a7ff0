"""Writing with the model: each typed character on a background of its surprisal, the likeliest
next characters to take with Tab or a digit, the hidden state at the cursor, and a second
continuation kept beside the first.

The widget only shows and reports keys; the insight controller owns the writer (the model and
its cached states) and answers every key with `show`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Static

from rnn_tui.tui.channels import channels_of
from rnn_tui.tui.labels import NO_STATE, show_char
from rnn_tui.tui.messages import Routed
from rnn_tui.tui.results import Written
from rnn_tui.tui.widgets.colours import diverging, surprisal_colour
from rnn_tui.tui.widgets.passage import Painting, PassageView
from rnn_tui.tui.widgets.renderables import stack

CHOICES = 9  # digits 1-9 pick the k-th likeliest



def state_strip(state: np.ndarray, width: int) -> Text:
    """One cell per unit, coloured by its value, wrapped to `width`."""
    out = Text()
    for k, value in enumerate(state):
        if k and k % width == 0:
            out.append("\n")
        out.append(" ", style=f"on {diverging(value)}")
    return out


class WriterView(Vertical, can_focus=True):
    DEFAULT_CSS = """
    WriterView {
        padding: 0 1;
    }
    WriterView:focus {
        background: $boost;
    }
    WriterView #writer-help {
        height: auto;  /* wraps in a narrow terminal rather than losing words */
        color: $text-muted;
    }
    WriterView #writer-texts {
        height: 1fr;
    }
    WriterView .writer-column {
        width: 1fr;
        height: 100%;
        border: round $primary 50%;
        border-title-color: $text-accent;
        border-subtitle-color: $text-muted;
    }
    WriterView #writer-bottom {
        height: 12;
    }
    WriterView #writer-next {
        width: 34;
    }
    WriterView #writer-state {
        width: 1fr;
    }
    """
    BINDINGS = [  # run as their key arrives (on_key), in the order of the keys typed around them
        Binding("tab", "accept(0)", "take the likeliest", show=False),
        Binding("backspace", "rewind", "rewind one", show=False),
        Binding("ctrl+k", "put_beside", "keep beside", show=False),
        Binding("ctrl+t", "toggle_digits", "digits pick or type", show=False),
    ]
    HELP = ("type · Tab: the likeliest next · 1-9: the k-th · ctrl+t: digits type digits · Backspace: rewind · "
            "ctrl+k: keep beside")
    HELP_TYPING = ("type · Tab: the likeliest next · digits are typed (ctrl+t: they pick again) · Backspace: rewind · "
                   "ctrl+k: keep beside")

    @dataclass
    class Typed(Routed):
        text: str

    @dataclass
    class Accepted(Routed):
        rank: int  # 0: the likeliest

    class Rewound(Routed):
        pass

    class PutBeside(Routed):
        """Keep the text beside, to write another continuation of it."""

    def compose(self) -> ComposeResult:
        yield Static(self.HELP, id="writer-help")
        with Horizontal(id="writer-texts"):
            yield PassageView("click here and type: the model reads along", id="writer-text", classes="writer-column")
            yield PassageView("ctrl+k keeps a continuation here", id="writer-kept-text", classes="writer-column")
        with Horizontal(id="writer-bottom"):
            yield Static("", id="writer-next")
            yield Static("", id="writer-state")

    def on_mount(self) -> None:
        self.query_one("#writer-text").border_title = "your text, coloured by surprisal"
        self.query_one("#writer-kept-text").border_title = "kept"
        for passage in self.query(PassageView):
            passage.can_focus = False  # keys go to the writer
            passage.show_cursor = False
        self.digits_type = False  # digits pick the k-th likeliest; ctrl+t makes them type (alt+digit is not
        # a digit in every terminal: Textual reads ESC+digit from an xterm as a macOS character)
        channels_of(self).written.watch(self, self.show)
        channels_of(self).writer_note.watch(self, self.show_message)

    def on_click(self) -> None:
        self.focus()

    async def on_key(self, event: events.Key) -> None:
        key, ch = event.key, event.character
        if bindings := self._bindings.key_to_bindings.get(key):
            # Not once the key has bubbled up to the app, as Textual runs a binding: the letters typed
            # after a Backspace were typed before it ran, and it rewound them (see field.py)
            event.stop()
            event.prevent_default()
            await self.run_action(bindings[0].action)
            return
        if key.startswith("alt+") and key[4:].isdigit() and len(key) == 5:
            message: Message = self.Typed(key[4:])
        elif ch is not None and ch.isdigit() and ch != "0" and len(ch) == 1 and not self.digits_type:
            message = self.Accepted(int(ch) - 1)
        elif key == "enter":
            message = self.Typed("\n")
        elif ch is not None and event.is_printable:
            message = self.Typed(ch)
        else:
            return
        event.stop()
        event.prevent_default()
        self.post_message(message)

    def action_accept(self, rank: int) -> None:
        self.post_message(self.Accepted(rank))

    def action_rewind(self) -> None:
        self.post_message(self.Rewound())

    def action_put_beside(self) -> None:
        self.post_message(self.PutBeside())

    def action_toggle_digits(self) -> None:
        self.digits_type = not self.digits_type
        self.query_one("#writer-help", Static).update(self.HELP_TYPING if self.digits_type else self.HELP)

    def show(self, written: Written | None) -> None:
        if written is None:
            return
        text_view = self.query_one("#writer-text", PassageView)
        text_view.paint(Painting(written.text + "▌", np.append(written.bits, np.nan), surprisal_colour))
        text_view.scroll_end(animate=False)
        if written.beside is not None:
            beside_text, beside_bits = written.beside
            self.query_one("#writer-kept-text", PassageView).paint(Painting(beside_text, beside_bits, surprisal_colour))
        text_view.border_subtitle = (
            f"{np.nanmean(written.bits):.2f} bits/char" if len(written.bits) else "")
        table = Table.grid(padding=(0, 1))
        for _ in range(3):
            table.add_column(no_wrap=True)
        for k, (ch, p) in enumerate(written.top[:CHOICES]):
            key = "Tab" if k == 0 else str(k + 1)
            table.add_row(Text.assemble((f"{key:<4}", "bold"), show_char(ch)), f"{p:6.1%}",
                          Text("█" * round(p * 14), style="cyan"))
        self.query_one("#writer-next", Static).update(stack(Text(f"next (weights of step {written.step:,})",
                                                                  style="dim"), table))
        readings = Table.grid(padding=(0, 1))
        readings.add_column(justify="right", no_wrap=True, min_width=5)  # the value first: a narrow panel cuts labels
        readings.add_column(no_wrap=True, overflow="ellipsis")
        for label, value in written.readings:
            readings.add_row(Text(f"{value:+.2f}", style=f"on {diverging(value)}"), f" {label}")
        if written.state is None:
            self.query_one("#writer-state", Static).update(Text(NO_STATE, style="dim"))
            return
        width = max(8, self.query_one("#writer-state").size.width - 2)
        self.query_one("#writer-state", Static).update(stack(
            Text(f"hidden state of the top layer now ({len(written.state)} units)", style="dim"),
            state_strip(written.state, width), Text("units the finder found, now:", style="dim"), readings))

    def show_message(self, message: str | None) -> None:
        if message is not None:
            self.query_one("#writer-next", Static).update(Text(message, style="dim italic"))

