"""The CUDA path, where torch sees a GPU (skipped elsewhere, saying so): the cells' weights are
views into one cuDNN buffer, the fused kernel runs without its copy warning, and still equals the
readable cells."""

import warnings

import pytest
import torch

from rnn_tui.engine.config import ModelConfig
from rnn_tui.engine.models import CharRNN

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here: the CUDA path is not tested")


@pytest.mark.parametrize("cell", ["lstm", "gru", "elman"])
def test_the_weights_are_one_cudnn_buffer_and_the_kernel_copies_nothing(cell):
    torch.manual_seed(0)
    model = CharRNN(ModelConfig(cell=cell, hidden=64, layers=2, embed=16, vocab_size=40)).cuda()
    storages = {w.untyped_storage().data_ptr() for w in model.flat_weights()}
    assert len(storages) == 1
    x = torch.randint(0, 40, (4, 30), device="cuda")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "RNN module weights are not part of single contiguous chunk" fails here
        fused, _ = model(x)
    readable, _ = model(x, fused=False)
    assert torch.allclose(fused, readable, atol=1e-4)
    model.load_state_dict(CharRNN(model.config).state_dict())  # a snapshot loads into the views
    assert {w.untyped_storage().data_ptr() for w in model.flat_weights()} == storages
