"""Fixed data for snapshot tests: a run, a sample and hidden states that no torch kernel computes.

Every number is made with integer arithmetic and one IEEE division, so it is the same on every
CPU (torch picks other kernels on AVX2 and AVX-512 machines, and its last bits differ). Values
keep clear of the edges where a colour or a printed digit would change, which the perturbation
test checks: the screen is the same when every value moves by 1e-6.
"""

from __future__ import annotations

import time

import numpy as np

from rnn_tui.engine.coach import advise
from rnn_tui.engine.config import ModelConfig, TrainConfig
from rnn_tui.engine.events import BaselineEvent, EvalEvent, StartEvent, StepEvent
from rnn_tui.engine.insight.step import Guess, StepReading
from rnn_tui.engine.inspection import Inspection
from rnn_tui.run.protocol import Command, Events, Message, Ready
from rnn_tui.run.spec import RunSpec
from rnn_tui.tui.messages import InspectionReady, SampleUpdate
from rnn_tui.tui.results import Sample

TEXT = 'def count(items):\n    """How many."""\n    total = 0\n    for item in items:\n        total += 1\n'
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
VOCAB = "".join(sorted(set(TEXT + LETTERS + "()[]{}_-+*/=<>!?#'\"")))
SEED = "def count("
# Characters two cells wide: CJK and an emoji.
CJK = "def 数える(項目):\n    # 数を返す 🙂\n    合計 = 0\n    for 項 in 項目:\n        合計 += 1\n"
STEPS, EVAL_EVERY, UNITS = 60, 10, 32
SPEC = RunSpec("fixed.txt", ModelConfig(cell="lstm", vocab_size=len(VOCAB), hidden=UNITS, layers=2, embed=8),
               TrainConfig(seq=24, batch=8, lr=1e-2, eval_every=EVAL_EVERY))


BASELINE_STEP, NGRAM_ORDER = 25, 5
NGRAM_LOSSES = (3.2113, 2.8617, 2.8013, 2.7511, 2.7413, 2.7917)


def train_loss(step: int) -> float:
    return 1.5 + 2.5 * 40 / (40 + step) + 0.0013


def val_loss(step: int) -> float:
    """Falls until step 30, then rises: the coach says the run overfits."""
    return 1.7 + 2.5 * 40 / (40 + step) + max(0, step - 30) / 40 + 0.0017


class FixedTrainer:
    """A TrainerHandle that reports a fixed run of `STEPS` steps, every float moved by `shift`."""

    def __init__(self, shift: float = 0.0):
        self.shift = shift
        self.queue: list[Message] = []
        self.commands: list[Command] = []

    def start(self) -> None:
        s = self.shift
        start = StartEvent("fixed.txt", 12_000, len(VOCAB), 4.3567 + s, 3.2113 + s, 31_337, "cpu", 0)
        self.queue.append(Ready(0, SPEC, start, VOCAB, steps_per_epoch=50))
        events = []
        for step in range(1, STEPS + 1):
            events.append(StepEvent(step, step / 50, train_loss(step) + s, 0.5 + s, 1e-2, 19_200.0 + s, 0.01))
            if step % EVAL_EVERY == 0:
                points = [(k, val_loss(k) + s) for k in range(EVAL_EVERY, step + 1, EVAL_EVERY)]
                best = min(points, key=lambda point: point[1])
                events.append(EvalEvent(step, step / 50, val_loss(step) + s, train_loss(step) + s,
                                        best[1], best[0], advise(points, dropout=0.0), timeline_sample(step)))
            if step == BASELINE_STEP:  # the counting baseline, as the trainer reports it once counted
                losses = tuple(value + s for value in NGRAM_LOSSES)
                events.append(BaselineEvent(step, NGRAM_ORDER, losses[NGRAM_ORDER - 1], losses))
        self.queue.append(Events(0, tuple(events)))

    def receive(self, timeout: float = 0.1) -> list[Message]:
        if not self.queue:
            time.sleep(timeout)
            return []
        items, self.queue = self.queue, []
        return items

    def send(self, command: Command) -> None:
        self.commands.append(command)

    def exit_code(self) -> int | None:
        return None  # in this process: it runs as long as the test

    def close(self, autosave: str | None = None, timeout: float = 1.0) -> None:
        pass


def timeline_sample(step: int) -> str:
    """Noise early, the text later: the first `step` characters of TEXT after a scramble of the rest."""
    known = TEXT[: step + 20]
    return (known + "".join(LETTERS[(k * 7 + step) % len(LETTERS)] for k in range(len(TEXT))))[: len(TEXT)]


def fixed_probs(shift: float = 0.0) -> np.ndarray:
    weights = (np.arange(len(VOCAB)) * 7 % 13 + 1).astype(np.float64) ** 2
    weights[VOCAB.index("i")] = 600  # a clear favourite
    return weights / weights.sum() + shift


def fixed_activations(length: int, units: int, phase: int, shift: float) -> np.ndarray:
    """(T, units) values in (-1, 1): a saw-tooth per unit, each unit with its own amplitude, so the
    variance order has no near-ties."""
    t = np.arange(length)[:, None]
    u = np.arange(units)[None, :]
    pattern = ((t * 7 + u * 13 + phase) % 41 - 20) / 21  # in [-20/21, 20/21]
    amplitude = (units - u) / units
    return np.round(pattern * amplitude, 2) + 0.003 + shift  # 0.003: away from colour and print edges


def fixed_inspection(shift: float = 0.0, text: str = TEXT) -> Inspection:
    quantities = ("h", "c", "i", "f", "g", "o")
    layers = [{q: fixed_activations(len(text), UNITS, 5 * layer + k, shift) for k, q in enumerate(quantities)}
              for layer in range(2)]
    surprisal = (np.arange(len(text)) % 9 + 1) / 4 + 0.0031 + shift
    surprisal[0] = np.nan
    log_probs = np.tile(np.log(fixed_probs()), (len(text), 1))  # printed as rounded percentages only
    return Inspection(text, VOCAB, layers, log_probs, surprisal)


def fixed_messages(shift: float = 0.0, text: str = TEXT) -> list:
    """What the sampler would post: the finished sample, then its hidden states."""
    own = sorted(set(text) - set(VOCAB))  # a text with other characters: they take the first places
    vocab = VOCAB if not own else "".join(own + [ch for ch in VOCAB if ch not in own])[: len(VOCAB)]
    probs = fixed_probs(shift)
    shaped = np.where(probs >= 0.05 * probs.max(), probs, 0.0)  # as min-p 0.05 leaves it
    shaped = shaped / shaped.sum()
    return [SampleUpdate(Sample(0, vocab, text[:4], (text[4:],), (-1.0 * len(text[4:]),), probs, shaped, STEPS, 1234,
                                done=True, settings=("T 1.00 · min-p 0.05",))),
            InspectionReady(0, fixed_inspection(shift, text), STEPS)]


PASSAGE = ('def area(w, h):\n    """Width times height."""\n    return w * h  # no units\n\n'
           "print(area(3, 4), 'done')\nSIZES = [(1, 2), (30, 40)]\n") * 3


def fixed_insight(shift: float = 0.0, passage: str = PASSAGE):
    """What the insight thread would post, from fixed numbers: the finder's r, the factors and
    the saturation are made here, not computed by torch, numpy's BLAS or scikit-learn."""
    from rnn_tui.engine.insight import registry
    from rnn_tui.engine.insight.breakdown import error_breakdown
    from rnn_tui.engine.insight.factors import Factors
    from rnn_tui.engine.insight.features import FEATURES
    from rnn_tui.engine.insight.gradients import Horizon
    from rnn_tui.engine.insight.saturation import Saturation
    from rnn_tui.engine.insight.units import Finding, Unit
    from rnn_tui.tui.results import Insight, InsightRequest, Weights

    inspection = fixed_inspection(shift, passage)
    units = [Unit(layer, q, u) for layer, quantities in enumerate(inspection.layers) for q in quantities
             for u in range(UNITS)]
    n = np.arange(len(units))
    r = {name: None if name == "digit" else ((n * 7 + k * 11) % 41 - 20) / 21 * 0.95 + 0.003 + shift
         for k, name in enumerate([*FEATURES, "hypothesis"])}
    t = np.arange(len(passage))[:, None]
    strength = (((t * (np.arange(5) + 2)) % 17) / 16.0) * 0.96 + 0.02 + shift
    strength /= strength.max(axis=0)
    # units numbered as a 384-unit layer's are: three digits take the width that wrapped a row at 80 columns
    factors = Factors(1, "h", strength, [[(k * 53 + 101, "+", 0.083), (k * 31 + 202, "-", 0.061), (k + 307, "+", 0.047)]
                                         for k in range(5)])
    u = np.arange(UNITS)
    saturation = [Saturation(layer, q, (u * (3 + j) % 11) / 20 + 0.0013 + shift,
                             (u * (5 + j) % 9) / 20 + 0.0017 + shift)
                  for layer in range(2) for j, q in enumerate("ifgo")]
    request = InsightRequest(Weights(0, SPEC.model, VOCAB, {}, STEPS), passage, "the validation passage",
                             registry.ANALYSES, registry.Questions(factors=(1, "h", 5), seq=24, target=40),
                             first=Weights(0, SPEC.model, VOCAB, {}, 10))
    k = np.arange(24)
    horizon = Horizon(np.stack([2.0 ** -k, 2.0 ** -(k // 2)]) * (1.001 + shift), streams=8)
    pull = ((np.arange(40) * 7) % 10 + 0.5) / 10 + 0.013 + shift  # 0.013: off the colour edges
    counts, onions, edge = fixed_counting(len(passage), shift)
    found = {registry.UNITS.name: Finding(units, r), registry.SATURATION.name: saturation,
             registry.SURPRISAL.name: error_breakdown(inspection), registry.FACTORS.name: factors,
             registry.HORIZON.name: horizon, registry.CONNECTIVITY.name: pull, registry.ERRORS.name: onions,
             registry.LONGRANGE.name: edge}
    return Insight(request, inspection, found, counts)


def fixed_transformer_insight(shift: float = 0.0, passage: str = PASSAGE):
    """The Gradients view's reading of a transformer (context 24, two layers of two heads) at
    character 40: no recurrent state, no horizon; its connectivity and each head's attention."""
    from dataclasses import replace

    from rnn_tui.engine.insight import registry
    from rnn_tui.engine.insight.attention import Attention
    from rnn_tui.tui.results import Insight

    lstm = fixed_insight(shift, passage)
    inspection = replace(lstm.inspection, layers=[])
    k = np.arange(24)
    raw = np.stack([np.stack([(k * (3 + 2 * layer + head)) % 11 + 1.5 + 8 * (k == 23 - 5 * head)
                              for head in range(2)]) for layer in range(2)])
    weights = raw / raw.sum(axis=-1, keepdims=True) + shift
    pull = np.zeros(40)
    pull[16:] = ((k * 5) % 9 + 0.5) / 9 + 0.013 + shift
    found = {registry.CONNECTIVITY.name: pull, registry.ATTENTION.name: Attention(40, 16, weights)}
    return Insight(lstm.request, inspection, found)


def fixed_counting(length: int, shift: float = 0.0):
    """What counting would say of the passage: the n-gram's probabilities, an onion now and at the
    first evaluation (step 10), and the closers by distance (the edge chart), all by arithmetic."""
    from rnn_tui.engine.counting import PassageCounts
    from rnn_tui.engine.insight.edge import BUCKETS, Bucket
    from rnn_tui.engine.insight.onion import ORACLES, Onion

    t = np.arange(length)
    probs = np.stack([((t * (k + 3)) % 13 + 1.5) / 16 + shift for k in range(5)])
    counts = PassageCounts(probs, t % 17 == 0, best_order=5)
    now = Onion(np.where(t % 3 == 0, t % len(ORACLES), -1), length - 1)
    first = Onion(np.where(t % 2 == 0, (t * 5) % len(ORACLES), -1), length - 1)
    closers = (40, 22, 12, 6, 3)
    network, ngram = (0.813, 0.622, 0.443, 0.312, 0.213), (0.863, 0.553, 0.233, 0.113, 0.063)
    edge = [Bucket(start, end, n, p + shift, q + shift)
            for (start, end), n, p, q in zip(BUCKETS, closers, network, ngram)]
    return counts, (now, first), edge


def fixed_written(shift: float = 0.0):
    from rnn_tui.tui.results import Written

    text, kept = "def area(w, h):\n    return", "def area(w, h):\n    print"
    bits = lambda s: (np.arange(len(s)) % 7 + 1) / 2 + 0.0031 + shift  # noqa: E731
    probs = fixed_probs(shift)
    top = [(VOCAB[i], float(probs[i])) for i in np.argsort(-fixed_probs())[:9]]
    state = fixed_activations(1, UNITS, 3, shift)[0]
    readings = [('inside "double quotes" (layer 2 h[7], r -0.91)', -0.853 + shift),
                ("depth of (), [] and {} (layer 1 c[3], r +0.88)", 0.613 + shift)]
    return Written(text, bits(text), top, state, readings, STEPS, (kept, bits(kept)))


STEP_READING = StepReading(  # One step of a GRU's second layer, every number a short binary fraction
    position=7, char="a", next_char=" ", cell="gru", layer=1,
    equations=("r = σ(W_ir x + b_ir + W_hr h_old + b_hr)", "h = (1 - z) ⊙ n + z ⊙ h_old", "x = h of layer 1"),
    units=(12, 3), most_changed=True,
    parts={"r": (0.25, 0.875), "z": (0.5, 0.125), "n": (-0.75, 0.5), "h_old": (0.125, -0.5),
           "(1-z)*n": (-0.375, 0.4375), "z*h_old": (0.0625, -0.0625), "h": (-0.3125, 0.375)},
    gates=("r", "z"), temperature=0.5,
    top=(Guess("e", 2.5, 0.625, 0.875), Guess(" ", 1.25, 0.125, 0.0625), Guess("\n", -1.0, 0.0625, 0.03125)),
    next_p=0.125)
