"""rnn-tui: a terminal playground for character-level recurrent language models.

The engine (data, models, training, sampling, inspection, checkpoint) imports nothing from
Textual; the app in `rnn_tui.tui` only drives it.
"""

__version__ = "0.1.0"
