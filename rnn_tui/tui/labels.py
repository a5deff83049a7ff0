"""How the app names things on screen, for every widget and controller that needs it: the cells,
characters that print as nothing, and the settings form's fields."""

from __future__ import annotations

from rnn_tui.engine.config import CELL_NAMES  # noqa: F401  (the app's widgets take it from here)

# what the views that read a recurrent state (the heatmap, units, gates, factors, the horizon) say for a transformer
NO_STATE = "a transformer has no recurrent state: units, gates, factors and the gradient horizon read one"
NO_HORIZON = ("a transformer has no recurrent state, so no gradient horizon: pick a character (arrows or a click, "
              "then Enter) to see what each head of its attention weighs, and each earlier character's pull")

SETTING_FIELDS = [  # (name, label, section)
    ("hidden", "hidden units", "model"),
    ("layers", "layers", "model"),
    ("embed", "embed (0 = one-hot)", "model"),
    ("dropout", "dropout", "model"),
    ("seq", "sequence length", "train"),
    ("batch", "batch", "train"),
    ("lr", "learning rate", "train"),
]
SETTING_LABELS = {name: label.split(" (")[0] for name, label, _ in SETTING_FIELDS}  # what errors call each field


def show_char(ch: str) -> str:
    """A character as it can be seen: a newline, a space and a tab get a symbol."""
    return {"\n": "⏎", " ": "␣", "\t": "⇥"}.get(ch, ch)
