"""What a lesson measures of a trained model, beside its losses: the lines it must go below, how
diverse its samples are, how far back its gradient reaches, how well it closes brackets.

Each is a `Measure`: (model, corpus, training settings) -> named figures, run on each trained
model of a comparison (engine/race.train_model) in the process that trained it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from rnn_tui.engine.information import distinct_trigrams

if TYPE_CHECKING:
    from rnn_tui.engine.config import TrainConfig
    from rnn_tui.engine.data import Corpus
    from rnn_tui.engine.models import CharRNN

SAMPLE_CHARS = 400
LOOP_TAIL = 200  # greedy has settled into a loop when its last this many characters repeat
HORIZON_WINDOW = 300  # characters back that the gradient horizon looks: at 100, a trained Elman cell's gradient
# had not yet fallen under the floor (the zero state at the window's start props it up near its end)
HORIZON_FLOOR = 1e-3  # the horizon: the first k where the relative gradient falls under this
PASSAGE_CHARS = 4000
NEAR = 10  # a closer whose opener is at most this far back is near: a 9-gram still sees it


def counting_lines(model: CharRNN, corpus: Corpus, train: TrainConfig) -> dict[str, float]:
    """The unigram line and the best n-gram, scored on the characters the run's evaluations score."""
    from rnn_tui.engine.counting import CountingModel
    from rnn_tui.engine.data import evaluated_targets

    baseline = CountingModel(corpus).baseline(evaluated_targets(corpus, train))
    return {"unigram": corpus.unigram_entropy(), "ngram": baseline.loss, "ngram_order": float(baseline.order)}


def loop_period(text: str, tail: int = LOOP_TAIL) -> int:
    """The shortest period the last `tail` characters repeat with (0: they do not repeat)."""
    end = text[-tail:]
    if len(end) < tail:
        return 0
    for period in range(1, tail // 2 + 1):
        if end[period:] == end[:-period]:
            return period
    return 0


def diversity(model: CharRNN, corpus: Corpus, train: TrainConfig) -> dict[str, float]:
    """Distinct 3-grams per 100 sampled characters at T 0.2 and T 1.0, and greedy's loop."""
    from rnn_tui.engine.sampling import Sampler, SampleSettings

    def text(settings: SampleSettings) -> str:
        return Sampler(model, corpus.vocab, settings, seed=0).text("", SAMPLE_CHARS)

    return {"distinct_cold": distinct_trigrams(text(SampleSettings(temperature=0.2))),
            "distinct_hot": distinct_trigrams(text(SampleSettings(temperature=1.0))),
            "greedy_loop": float(loop_period(text(SampleSettings(greedy=True))))}


def reach(relative: np.ndarray, floor: float = HORIZON_FLOOR) -> int:
    """The first k where the relative gradient falls under `floor`; its length when it never does."""
    under = np.flatnonzero(relative < floor)
    return int(under[0]) if len(under) else len(relative)


def gradient_horizon(model: CharRNN, corpus: Corpus, train: TrainConfig) -> dict[str, float]:
    """How many characters back the last layer's gradient keeps a thousandth of its strength."""
    from rnn_tui.engine.insight.gradients import horizon, horizon_batch

    found = horizon(model, horizon_batch(corpus.val, HORIZON_WINDOW))
    return {"horizon": float(reach(found.relative[-1])), "window": float(HORIZON_WINDOW)}


def closers_within(model: CharRNN, corpus: Corpus, reach: int) -> tuple[tuple[float, int], tuple[float, int]]:
    """(mean p, count) the model gives the closing brackets and quotes of a validation passage whose
    opener is at most `reach` characters back, and the same for those opened further back."""
    from rnn_tui.engine.insight.edge import closers
    from rnn_tui.engine.insight.onion import network_guesses
    from rnn_tui.engine.inspection import inspect_text

    text = corpus.vocab.decode(corpus.val[:PASSAGE_CHARS])
    p, _ = network_guesses(inspect_text(model, corpus.vocab, text))
    found = closers(text)

    def mean_p(at: list[int]) -> tuple[float, int]:
        return float(np.mean(p[at])) if at else float("nan"), len(at)

    return mean_p([t for t, d in found if d <= reach]), mean_p([t for t, d in found if d > reach])


def closing(model: CharRNN, corpus: Corpus, train: TrainConfig) -> dict[str, float]:
    """Closers whose opener is near (at most NEAR characters back) and far."""
    (p_near, near), (p_far, far) = closers_within(model, corpus, NEAR)
    return {"p_near": p_near, "near": float(near), "p_far": p_far, "far": float(far)}


def closing_by_window(model: CharRNN, corpus: Corpus, train: TrainConfig) -> dict[str, float]:
    """Closers whose opener lies inside the training window (at most `train.seq` characters back, a
    transformer's whole context) and beyond it."""
    (p_inside, inside), (p_beyond, beyond) = closers_within(model, corpus, train.seq)
    return {"p_inside": p_inside, "inside": float(inside), "p_beyond": p_beyond, "beyond": float(beyond),
            "window": float(train.seq)}
