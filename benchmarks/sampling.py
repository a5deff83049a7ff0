"""Row 4: the sampler's speed while the app's training process trains, and temperature on the next char.

Also (issue 12): the temperature fan, five rows sampled as one batch with common random numbers
(`Sampler` with five settings, `generate_rows`), in characters per second per row while the
trainer trains (target >= 1,000); and beam search of width 8 over 200 characters on the same
weights (target under 1 s on one core), against greedy decoding of the same length.

The app's default run ("tiny" preset on the bundled text, as `rnn-tui` with no flags builds it)
trains in a real `BackgroundTrainer` (spawned process, 1 torch thread). Once it has sent weights
from step WARM_STEPS on, this process loads them into a CharRNN, as the app's sampler thread does
(1 torch thread), and streams characters from `Sampler.generate`, timing every character.

A: characters per second and per-character latency (p50, p95) while the trainer trains.
B: the same with the trainer paused (nothing else of ours running). Figure: A, and A over B.

Temperature: the setting is changed between two `next()` calls, alternating a cold and a hot
value, and every character drawn is checked against both. `SampledChar.probs` is the T = 1
distribution the character was drawn from before temperature, so `distribution(log probs, T)`
rebuilds the distribution at either temperature. If the change shows on the next character,
the cold picks are the argmax about as often as the cold distribution predicts, and the
characters' log-likelihood under the temperature just set beats that under the previous one.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from benchmarks.common import Options, Result, kilo, torch_threads
from benchmarks.timing import alternate, median, paired_ratio, percentile, repeats_for, timed
from rnn_tui.cli import build_parser
from rnn_tui.engine.data import Vocab
from rnn_tui.engine.events import StepEvent
from rnn_tui.engine.models import CharRNN
from rnn_tui.engine.sampling import SampledChar, Sampler, SampleSettings, distribution
from rnn_tui.run.process import BackgroundTrainer
from rnn_tui.run.protocol import Events, Pause, Ready, Resume, Snapshot
from rnn_tui.run.spec import RunSpec, spec_from_args

WARM_STEPS = 100
SAMPLER_THREADS = 1  # the app's load_engine sets this in the UI process
TARGET = 1000.0  # chars/s
COLD, HOT = 0.05, 2.0


def app_spec() -> RunSpec:
    """The run `rnn-tui` starts with no flags."""
    return spec_from_args(build_parser().parse_args([]))


def run(options: Options) -> list[Result]:
    trainer = BackgroundTrainer(app_spec())
    trainer.start()
    try:
        ready, snapshot = wait_for_weights(trainer)
        with torch_threads(SAMPLER_THREADS):
            model = load(ready, snapshot)
            vocab = Vocab(ready.vocab)
            speed = speed_result(trainer, Sampler(model, vocab, seed=0), options)
            fan = fan_result(trainer, model, vocab, options)
            trainer.send(Pause())
            return [speed, fan, beam_result(model, vocab, options), temperature_result(model, vocab, options)]
    finally:
        trainer.close()


def wait_for_weights(trainer: BackgroundTrainer, timeout: float = 180.0) -> tuple[Ready, Snapshot]:
    ready: Ready | None = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for item in trainer.receive(0.1):
            if isinstance(item, Ready):
                ready = item
            elif isinstance(item, Snapshot) and ready is not None and item.step >= WARM_STEPS:
                return ready, item
    raise RuntimeError(f"no weights from step {WARM_STEPS} within {timeout:.0f} s")


def load(ready: Ready, snapshot: Snapshot) -> CharRNN:
    model = CharRNN(ready.spec.model)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in snapshot.weights.items()})
    return model.eval()


def steps_in(items: list[Any]) -> int:
    return sum(isinstance(e, StepEvent) for batch in items if isinstance(batch, Events) for e in batch.events)


def speed_result(trainer: BackgroundTrainer, sampler: Sampler, options: Options) -> Result:
    stream = sampler.generate("", None)
    per_char = timed(lambda: [next(stream) for _ in range(200)]) / 200
    chars = repeats_for(per_char, options.window, least=100)

    def window(training: bool) -> tuple[list[float], int]:
        """Per-character latencies, and the trainer's steps reported meanwhile."""
        if training:
            trainer.send(Resume())
        else:
            trainer.send(Pause())
        settle(trainer, training)
        latencies = [timed(lambda: next(stream)) for _ in range(chars)]
        return latencies, steps_in(trainer.receive(0.0))

    runs = alternate({"training": lambda: window(True), "idle": lambda: window(False)}, options.rounds)
    rate = {k: [len(lat) / sum(lat) for lat, _ in v] for k, v in runs.items()}
    latencies = [x for lat, _ in runs["training"] for x in lat]
    steps = sum(n for _, n in runs["training"])
    figure = (f"{kilo(median(rate['training']))} chars/s, p50 {percentile(latencies, 50) * 1e3:.2f} ms, "
              f"p95 {percentile(latencies, 95) * 1e3:.2f} ms while training ({steps} trainer steps); "
              f"{paired_ratio(rate['training'], rate['idle']):.2f} of paused ({kilo(median(rate['idle']))})")
    return Result("4 sample tiny, training", figure, f">= {TARGET:,.0f} chars/s", median(rate["training"]) >= TARGET)


FAN = (0.2, 0.5, 0.8, 1.0, 1.5)
BEAM_WIDTH, BEAM_CHARS, BEAM_TARGET = 8, 200, 1.0


def fan_result(trainer: BackgroundTrainer, model: CharRNN, vocab: Vocab, options: Options) -> Result:
    rows = [SampleSettings(temperature=t) for t in FAN]
    stream = Sampler(model, vocab, rows, seed=0).generate_rows("", None)
    trainer.send(Resume())
    settle(trainer, True)
    rates = []
    for _ in range(options.rounds):
        positions = 200 if options.quick else 1000
        rates.append(positions / timed(lambda n=positions: [next(stream) for _ in range(n)]))
    steps = steps_in(trainer.receive(0.0))
    figure = f"{kilo(median(rates))} chars/s per row, {len(FAN)} rows ({steps} trainer steps meanwhile)"
    return Result("4 temperature fan tiny, training", figure, f">= {TARGET:,.0f} chars/s per row",
                  median(rates) >= TARGET)


def beam_result(model: CharRNN, vocab: Vocab, options: Options) -> Result:
    from rnn_tui.engine.beam import beam_search

    runs = alternate({"beam": lambda: timed(lambda: beam_search(model, vocab, "", BEAM_CHARS, BEAM_WIDTH)),
                      "greedy": lambda: timed(lambda: beam_search(model, vocab, "", BEAM_CHARS, 1))},
                     options.report_rounds)
    seconds, greedy = median(runs["beam"]), median(runs["greedy"])
    figure = (f"{seconds * 1e3:.0f} ms for width {BEAM_WIDTH} over {BEAM_CHARS} chars (trainer paused); "
              f"{paired_ratio(runs['beam'], runs['greedy']):.1f}x greedy decoding ({greedy * 1e3:.0f} ms)")
    return Result("4 beam search tiny", figure, f"< {BEAM_TARGET:g} s", seconds < BEAM_TARGET)


def settle(trainer: BackgroundTrainer, training: bool) -> None:
    """Wait until the trainer is stepping (or has stopped stepping), discarding its messages."""
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        steps = steps_in(trainer.receive(0.2))
        if (steps > 0) == training:
            return


def temperature_result(model: CharRNN, vocab: Vocab, options: Options) -> Result:
    settings = SampleSettings()
    stream = Sampler(model, vocab, settings, seed=1).generate("", None)
    picks: list[tuple[SampledChar, float, float]] = []  # the char, the temperature just set, the one before
    for i in range(100 if options.quick else 400):
        previous, settings.temperature = settings.temperature, (COLD if i % 2 else HOT)
        picks.append((next(stream), settings.temperature, previous))
    cold = [(c, prev) for c, t, prev in picks if t == COLD]
    observed = np.mean([c.index == int(np.argmax(c.probs)) for c, _ in cold])
    expect_now = np.mean([prob_max(c, COLD) for c, _ in cold])
    expect_late = np.mean([prob_max(c, prev) for c, prev in cold])
    llr = sum(log_prob(c, t) - log_prob(c, prev) for c, t, prev in picks)
    entropy = {t: np.mean([entropy_of(at(c, t)) for c, set_t, _ in picks if set_t == t]) for t in (COLD, HOT)}
    met = bool(llr > 0 and abs(observed - expect_now) < abs(observed - expect_late))
    figure = (f"cold picks are argmax {observed:.0%} (expected {expect_now:.0%} if T applies at once, "
              f"{expect_late:.0%} if a char late); mean entropy T={COLD:g} {entropy[COLD]:.2f} vs T={HOT:g} "
              f"{entropy[HOT]:.2f} nats; log-lik. new T - old T {llr:+.0f} nats")
    return Result("4 temperature, next char", figure, "visible on next char", met)


def at(c: SampledChar, temperature: float) -> torch.Tensor:
    """The distribution `c` was drawn from if the sampler used `temperature`."""
    logits = torch.log(torch.from_numpy(c.probs).double())
    return distribution(logits, SampleSettings(temperature=temperature))


def prob_max(c: SampledChar, temperature: float) -> float:
    return float(at(c, temperature).max())


def log_prob(c: SampledChar, temperature: float) -> float:
    return float(torch.log(at(c, temperature)[c.index]))


def entropy_of(p: torch.Tensor) -> float:
    p = p[p > 0]
    return float(-(p * p.log()).sum())
