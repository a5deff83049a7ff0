"""F1: what each panel shows, the keys, and the equations of the cell being trained."""

from __future__ import annotations

import inspect
import sys

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from rnn_tui.tui.labels import CELL_NAMES
from rnn_tui.tui.screens.dialogs import DIALOG_CSS
from rnn_tui.tui.views import keys_line
from rnn_tui.tui.widgets.footer import KeysBar

PANELS = """\
# rnn-tui

A character-level recurrent network learns a text (named on the status panel's last row),
one character at a time: given the characters so far, it predicts the next one.

## Panels

- **Training**: step, epoch (passes over the text), the training loss (smoothed), the
  validation loss on the held-out last 10% of the text in nats and bits per character, the
  best validation loss so far, speed, elapsed time, the learning rate and dropout. The
  coach's line appears when validation turns up (overfitting) or stops improving (a plateau).
- **Loss plot**: the red line is a uniform guess (ln V for V characters); the orange line
  is the unigram entropy, the best a model can do knowing only how common each character
  is. Below orange, the network is using context. Magenta lines mark learning-rate changes,
  yellow lines dropout changes. `,` replays an earlier moment of the run (weights kept at
  log-spaced evaluations): a cursor on the plot marks it, and the sample, the next-character
  distribution, the heatmap and the insight views read those weights; `.` moves later, and
  past the latest moment back to the live weights.
- **Sampling**: type a seed and press Enter; the model reads it, then writes. Temperature
  divides the logits before the softmax: low is safe and repetitive, high is varied and
  wild; 0 (or greedy) always takes the likeliest character. Top-k keeps only the k likeliest,
  top-p the likeliest mass p, min-p those with at least min-p times the likeliest's
  probability (empty: off). `b` samples from the weights of the best validation loss instead
  of the latest. The random seed is held (same settings, same weights: same text): `d` rolls a
  new one, `h` releases or holds it, `p` pauses sampling, `c` copies the sample. Beside it: the
  likeliest next characters, their probability under the model and as drawn, and the entropy
  of both.
- **Hidden state**: one column per character of the last sample, one row per unit (most
  variable first, by index, or best tracker of a feature first), blue for negative, red for
  positive. Pick a layer and a quantity (h; for
  LSTM also c and the gates i f g o; for GRU r z n). Focus it and use the arrow keys: left
  and right move along the text, up and down pick a unit; the line below colours the text by
  the picked unit. The picked unit and a moved cursor stay put when the next sample arrives
  (`End` follows the newest character again); `f` freezes the view to read it.
- **What it learned** (F4 units, F5 factors, F6 gates, F7 surprisal): the current weights
  read a passage (the validation passage, the latest sample, or your text). Units: which
  units track quotes, brackets, positions, comments... by Pearson's r; type a regular
  expression as your own hypothesis, or select a span (shift+arrows or shift+click) and press
  Enter for the units on across it and where else they fire. Factors: NMF of a layer's
  activations. Gates: each unit's fraction of time shut against open. Surprisal: how
  unexpected each character was, and the loss by class of character. Gradients (F9): how far
  back the last step's loss reaches, per layer on a log scale, and which earlier characters a
  picked character's prediction leans on (pick it and press Enter).
- **Sampler** (F11): a temperature fan (one random number per position for every row, so
  rows differ only by temperature), beam search, what temperature does to samples of the
  current weights (bits per character and distinct 3-grams), and the last samples.
- **Race the cells** and **Compare saved runs** (palette): the six cells at one parameter
  count trained one after the other on this text (your run waits), their validation curves
  overlaid by step or time (`x`), a table and their samples; `o` adds a saved run.
- **Write** (F8): type, and the model reads along: surprisal per character, the likeliest
  next characters (Tab takes the first, 1-9 the k-th, alt+digit types a digit), Backspace
  rewinds, ctrl+k keeps the text beside to write another continuation.
- **Timeline** (F10): a sample at every evaluation, from a line start at one temperature and
  one random seed: only the weights change from row to row.
- **Settings** tab: the cell and sizes. Changing the model resets it; the learning rate
  and dropout change live.

## Keys

`x` the plot's x axis (step, epoch, training time) · `l` log y · `y` the whole y range (from 0;
past the first evaluation the curves fill it) · `m` smoothing of the train curve (0.9, 0.97, off,
0.6) · `,` `.` replay an earlier or later moment · `d` new random seed · `h` hold it · `p` pause
sampling · `c` copy the sample · `space` pause/resume · `n` one step · `r` reset · `s` save
checkpoint · `[` `]` temperature · `g` greedy · `b` best or latest weights · `f` freeze the heatmap
· `z` maximise the focused panel (the heatmap when none; Escape restores) · `tab` next panel ·
`ctrl+p` commands (cell, checkpoints, texts, themes) · `ctrl+q` quit

Views: {views}
"""


def cell_equations(cell: str) -> str:
    """The update rule from the cell class's docstring, once the engine is loaded."""
    models = sys.modules.get("rnn_tui.engine.models")
    if models is None:
        return "The equations appear here once the engine has loaded."
    doc = inspect.getdoc(models.CELL_CLASSES.get(cell, models.TransformerLM)) or ""  # the transformer: no cell
    title, _, body = doc.partition("\n")
    return f"{title}\n\n```\n{body.strip()}\n```"


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = DIALOG_CSS.format(screen="HelpScreen") + """
    HelpScreen #help {
        width: 90;
        max-width: 100%;
        height: 90%;
    }
    """
    BINDINGS = [Binding("escape,f1,q", "dismiss", "close")]

    def __init__(self, cell: str):
        super().__init__()
        self.cell = cell

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help"):
            yield Markdown(PANELS.format(views=keys_line()) + f"\n## The {CELL_NAMES[self.cell]} cell\n\n"
                           + cell_equations(self.cell))
        yield KeysBar()  # this screen's keys only: the app's are off while help is open
