import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def one_thread():
    torch.set_num_threads(1)  # the CI machine has 2 cores; determinism tests compare exact losses
