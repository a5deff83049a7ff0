"""Beam search gives way to newer work: the app's fan asks it to stop when the user changes something."""

import torch

from rnn_tui.engine.beam import beam_search
from rnn_tui.engine.config import ModelConfig
from rnn_tui.engine.data import Vocab
from rnn_tui.engine.models import CharRNN


def test_a_beam_asked_to_stop_stops_within_a_character():
    torch.manual_seed(0)
    vocab = Vocab.from_text("abcdefgh ")
    model = CharRNN(ModelConfig(cell="gru", hidden=16, embed=4, vocab_size=len(vocab))).eval()
    asked = []

    def stop() -> bool:
        asked.append(True)
        return len(asked) > 5

    assert beam_search(model, vocab, "ab", 200, 8, stop=stop) is None
    assert len(asked) == 6  # checked at every character, and nothing after it said stop
    found = beam_search(model, vocab, "ab", 20, 8, stop=lambda: False)
    assert found is not None and len(found.text) == 20
