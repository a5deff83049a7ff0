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


def closer_guesses(model: CharRNN, corpus: Corpus) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """The probability the model gives each character of a validation passage, and the passage's
    closing brackets and quotes: (position, distance back to the opener)."""
    from rnn_tui.engine.insight.edge import closers
    from rnn_tui.engine.insight.onion import network_guesses
    from rnn_tui.engine.inspection import inspect_text

    text = corpus.vocab.decode(corpus.val[:PASSAGE_CHARS])
    p, _ = network_guesses(inspect_text(model, corpus.vocab, text))
    return p, closers(text)


def mean_p(p: np.ndarray, at: list[int]) -> tuple[float, int]:
    """The mean of p over `at` (NaN when empty), and how many."""
    return float(np.mean(p[at])) if at else float("nan"), len(at)


def split_at(p: np.ndarray, found: list[tuple[int, int]], reach: int) -> tuple[tuple[float, int], tuple[float, int]]:
    """(mean p, count) of the closers whose opener is at most `reach` characters back, then of the rest."""
    from rnn_tui.engine.insight.edge import at_distance

    return mean_p(p, at_distance(found, 0, reach)), mean_p(p, at_distance(found, reach + 1, None))


def closing(model: CharRNN, corpus: Corpus, train: TrainConfig) -> dict[str, float]:
    """Closers whose opener is near (at most NEAR characters back) and far."""
    (p_near, near), (p_far, far) = split_at(*closer_guesses(model, corpus), NEAR)
    return {"p_near": p_near, "near": float(near), "p_far": p_far, "far": float(far)}


def closing_by_window(model: CharRNN, corpus: Corpus, train: TrainConfig) -> dict[str, float]:
    """Closers whose opener lies inside the training window (at most `train.seq` characters back, a
    transformer's whole context) and beyond it, and by the edge chart's distances (`p 1-5`, `n 1-5`, ...)."""
    p, found = closer_guesses(model, corpus)
    (p_inside, inside), (p_beyond, beyond) = split_at(p, found, train.seq)
    return {"p_inside": p_inside, "inside": float(inside), "p_beyond": p_beyond, "beyond": float(beyond),
            "window": float(train.seq), **by_distance(p, found)}


def by_distance(p: np.ndarray, found: list[tuple[int, int]]) -> dict[str, float]:
    """The Edge view's chart as figures: `p 1-5` the mean p of the closers opened 1 to 5 characters
    back (NaN if none), `n 1-5` how many; and so for 6-10, 11-20, 21-50 and 51+."""
    from rnn_tui.engine.insight.edge import BUCKET_LABELS, BUCKETS, at_distance

    figures = {}
    for (start, end), label in zip(BUCKETS, BUCKET_LABELS):
        figures[f"p {label}"], count = mean_p(p, at_distance(found, start, end))
        figures[f"n {label}"] = float(count)
    return figures
