import math
import threading

import numpy as np
import pytest
import torch

from rnn_tui.engine.errors import UserError
from rnn_tui.engine.sampling import Sampler, SampleSettings, distribution

from .helpers import tiny_trainer


@pytest.fixture(scope="module")
def trained(small_text):
    torch.set_num_threads(1)
    trainer = tiny_trainer(small_text, layers=2)
    for _ in range(150):
        trainer.train_step()
    return trainer


def sampler(trainer, seed=0, **settings) -> Sampler:
    return Sampler(trainer.snapshot_model(), trainer.corpus.vocab, SampleSettings(**settings), seed=seed)


def test_greedy_is_deterministic_and_follows_the_argmax(trained):
    a = sampler(trained, seed=1, greedy=True).text("# count\n", 60)
    b = sampler(trained, seed=2, greedy=True).text("# count\n", 60)
    assert a == b
    s = sampler(trained, greedy=True)
    logits, _ = s.prime("# count\n")
    assert a[0] == trained.corpus.vocab.chars[int(logits.argmax())]
    assert sampler(trained, seed=5, temperature=0).text("# count\n", 60) == a  # T = 0 means greedy


def test_seeded_sampling_is_reproducible(trained):
    assert sampler(trained, seed=11).text("t=", 80) == sampler(trained, seed=11).text("t=", 80)
    assert sampler(trained, seed=11).text("t=", 80) != sampler(trained, seed=12).text("t=", 80)


def entropy_of_samples(trainer, temperature: float) -> float:
    text = sampler(trainer, seed=3, temperature=temperature).text("\n", 1500)
    _, counts = np.unique(list(text), return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum())


def test_higher_temperature_gives_more_varied_text(trained):
    low, mid, high = (entropy_of_samples(trained, t) for t in (0.3, 1.0, 2.0))
    assert low < mid < high


def test_temperature_change_takes_effect_on_the_next_character(trained):
    s = sampler(trained, seed=4, temperature=1.5)
    stream = s.generate("# brackets\n")
    head = [next(stream) for _ in range(20)]
    s.settings = SampleSettings(greedy=True)
    tail = [next(stream) for _ in range(20)]
    # from the same state, greedy decoding picks the argmax of each shown distribution
    for sampled in tail:
        assert sampled.index == int(np.argmax(sampled.probs))
    assert any(c.index != int(np.argmax(c.probs)) for c in head)


def test_top_k_and_top_p_restrict_the_choices():
    logits = torch.tensor([3.0, 2.0, 1.0, 0.0, -1.0])
    top2 = distribution(logits, SampleSettings(top_k=2))
    assert (top2[2:] == 0).all() and top2.sum().item() == pytest.approx(1)
    p = torch.softmax(logits, 0)
    nucleus = distribution(logits, SampleSettings(top_p=float(p[0] + 0.01)))
    assert (nucleus[:2] > 0).all() and (nucleus[2:] == 0).all()
    hot = distribution(logits, SampleSettings(temperature=100))
    assert hot.max() - hot.min() < 0.05  # a huge temperature is nearly uniform


@pytest.mark.parametrize("bad", [dict(temperature=-1), dict(temperature=math.nan), dict(top_k=999),
                                 dict(top_p=0.0), dict(temperature=1e9)])
def test_bad_sampling_settings_are_refused(bad):
    with pytest.raises(UserError):
        SampleSettings(**bad).validate(30)


def test_unknown_seed_character_is_named(trained):
    with pytest.raises(UserError, match="U\\+00E9"):
        sampler(trained).text("é", 5)


def test_sampling_while_training_uses_a_consistent_snapshot(small_text):
    trainer = tiny_trainer(small_text)
    boundaries = [trainer.snapshot()]  # the weights after each completed optimizer step

    def train():
        for _ in range(60):
            trainer.train_step()
            boundaries.append(trainer.snapshot())

    worker = threading.Thread(target=train)
    worker.start()
    model = trainer.snapshot_model()
    taken = []
    while worker.is_alive():
        snap = trainer.snapshot()
        model.load_state_dict(snap)
        taken.append((snap, Sampler(model, trainer.corpus.vocab, seed=9).text("# ", 30)))
    worker.join()
    assert len(taken) > 3
    for snap, during in taken:
        assert any(all(torch.equal(snap[k], b[k]) for k in snap) for b in boundaries), "half-updated snapshot"
        model.load_state_dict(snap)
        assert Sampler(model, trainer.corpus.vocab, seed=9).text("# ", 30) == during


def test_an_empty_seed_starts_from_a_newline_and_streams_distributions(trained):
    chars = list(sampler(trained, seed=4).generate("", 10))
    assert "".join(c.char for c in chars) == sampler(trained, seed=4).text("\n", 10)  # primed with a newline
    assert all(c.probs.shape == (len(trained.corpus.vocab),) for c in chars)
    assert all(abs(c.probs.sum() - 1) < 1e-4 for c in chars)
