import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def one_thread():
    torch.set_num_threads(1)  # the CI machine has 2 cores; determinism tests compare exact losses


@pytest.fixture(scope="session")
def corpus(small_text):
    from rnn_tui.engine.data import Corpus

    return Corpus.from_text(small_text)
