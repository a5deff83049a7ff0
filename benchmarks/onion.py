"""The error onion and the edge chart on the default text's 3,000-character validation passage,
on one core: what they add to a reading of the passage (the inspection the views already do).

The counting model of the `python` text is fitted once (orders 1-9, as the app's counting process
does); then, alternating: A, the inspection of the passage by the default model (untrained, seed 0:
the work does not depend on the weights); B, what the onion and the edge chart add: the counting
model's probabilities of the passage at every order and its rare words (in the counting process),
the onion and the edge buckets (in the app). Five rounds, medians. Target: B under 0.3 s.

    python3 -m benchmarks.onion
"""

from __future__ import annotations

import statistics
import time
from datetime import datetime

import torch

from benchmarks.report import cpu_model, load_average
from rnn_tui.engine.config import PRESETS, ModelConfig, apply_overrides
from rnn_tui.engine.counting import CountingModel
from rnn_tui.engine.data import Corpus
from rnn_tui.engine.insight.edge import edge
from rnn_tui.engine.insight.onion import network_guesses, onion_of
from rnn_tui.engine.inspection import inspect_text
from rnn_tui.engine.models import CharRNN

ROUNDS = 5
TARGET = 0.3


def main() -> None:
    torch.set_num_threads(1)
    corpus = Corpus.load("python")
    counting = CountingModel(corpus)
    counting.word_counts  # noqa: B018 (built while the process is idle, before the first reading)
    torch.manual_seed(0)
    config = apply_overrides(ModelConfig(vocab_size=len(corpus.vocab)), PRESETS["tiny"].model)
    model = CharRNN(config).eval()
    text = corpus.passage()
    inspections, added, parts = [], [], []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        inspection = inspect_text(model, corpus.vocab, text)
        inspections.append(time.perf_counter() - started)
        started = time.perf_counter()
        counts = counting.passage(text)
        counted = time.perf_counter()
        onion_of(inspection, counts)
        edge(text, network_guesses(inspection)[0], counts.best)
        done = time.perf_counter()
        added.append(done - started)
        parts.append((counted - started, done - counted))
    b = statistics.median(added)
    print(f"{datetime.now():%Y-%m-%d %H:%M} · {cpu_model()} · load {load_average()}")
    print(f"A, inspecting the passage ({config.cell} {config.layers}x{config.hidden}): "
          f"{statistics.median(inspections) * 1000:.0f} ms")
    print(f"B, the onion and the edge chart: {b * 1000:.0f} ms (counting's probabilities "
          f"{statistics.median(p for p, _ in parts) * 1000:.0f} ms, onion and edge "
          f"{statistics.median(q for _, q in parts) * 1000:.0f} ms); B/A {b / statistics.median(inspections):.2f}; "
          f"target < {TARGET * 1000:.0f} ms: {'met' if b < TARGET else 'missed'}")


if __name__ == "__main__":
    main()
