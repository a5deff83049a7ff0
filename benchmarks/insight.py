"""Row 8: the unit finder and the activation factors over a 3,000-character passage, on one core.

The passage: the first 3,000 characters of tinyshakespeare.txt (--shakespeare, else
../shared/data/tinyshakespeare.txt beside the repository), or a generated text with quotes,
brackets and lines when there is none; the vocabulary is built from it. Weights are untrained
(seed 0): the work does not depend on them. One torch thread, and numpy's BLAS (which the
correlations and scikit-learn's NMF use) limited to one thread as well.

A: ranking the units: `inspect_text(model, vocab, passage)`, then
   `find_units(inspection, features_of(passage))`, for an LSTM 2x256, a GRU 2x256 (embed 16) and
   the app's default model (LSTM 1x128, embed 16). Timed in parts: inspection, the features,
   the ranking (`find_units`); "rank" below is features + find_units.
B: torch's own `nn.LSTM` (or `nn.GRU`) of the same shape, forward over the passage's embeddings
   (batch 1, inference mode): what a plain forward pass costs, with no activations recorded.
Rounds alternate A and B; medians. Figure: A's seconds, and A over B (median of per-round ratios).
Target (the issue's): the LSTM 2x256 under 0.5 s.

Factors: `factorise` (5 NMF factors) of the default model's layer-1 h over the passage; the first
call imports scikit-learn (cold), then warm calls, alternated with B for the default model.

Horizon (issue 11): the gradient horizon of an LSTM 2x256 over 8 windows of 100 characters of
the passage (`horizon(model, horizon_batch(ids, 100))`: a forward and a backward pass stepping the
readable cells), against B over the same windows; target under 1 s on one core.

One step (issue 20): `one_step` of the default model at the passage's last character (the
slowest place: the whole prefix runs first), what the One step view computes at each cursor
move, against B over the passage; target under 50 ms.

    python3 -m benchmarks.insight [--quick] [--shakespeare PATH]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import torch
from threadpoolctl import threadpool_limits

from benchmarks.common import Options, Result, ms, torch_threads
from benchmarks.report import header, load_average, table
from benchmarks.timing import alternate, median, paired_ratio, timed
from rnn_tui.engine.config import ModelConfig
from rnn_tui.engine.data import Vocab
from rnn_tui.engine.insight.factors import factorise
from rnn_tui.engine.insight.features import features_of
from rnn_tui.engine.insight.gradients import HORIZON_STREAMS, horizon, horizon_batch
from rnn_tui.engine.insight.step import one_step
from rnn_tui.engine.insight.units import find_units
from rnn_tui.engine.inspection import inspect_text
from rnn_tui.engine.models import CharRNN

PASSAGE = 3000
EMBED = 16
THREADS = 1
TARGET = 0.5  # seconds, LSTM 2x256
SHAKESPEARE = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "tinyshakespeare.txt"


@dataclass(frozen=True)
class Shape:
    cell: str
    hidden: int
    layers: int
    target: float | None = None

    @property
    def name(self) -> str:
        return f"{self.cell} {self.layers}x{self.hidden}"


SHAPES = (Shape("lstm", 256, 2, TARGET), Shape("gru", 256, 2), Shape("lstm", 128, 1))
DEFAULT_MODEL = SHAPES[-1]  # the app's "tiny" preset: LSTM 1x128, embed 16


def passage(options: Options) -> tuple[str, str]:
    """The text and where it came from."""
    path = options.shakespeare or SHAKESPEARE
    if path.is_file():
        with open(path, encoding="utf-8") as f:
            return f.read(PASSAGE), path.name
    return generated(PASSAGE), "generated text"


def generated(n: int) -> str:
    """Words in lines, some quoted, some in brackets, some capitalised, a few digits."""
    rng = random.Random(0)
    words = "the a of to and in that it is was he for on are with as his they be at one have this".split()
    out: list[str] = []
    while sum(map(len, out)) < n:
        line = [rng.choice(words) for _ in range(rng.randint(4, 12))]
        line[0] = line[0].capitalize()
        i = rng.randrange(len(line))
        line[i] = rng.choice(['"{}"', "({})", "'{}'", "{}", "{} 42"]).format(line[i])
        out.append(" ".join(line) + rng.choice(".,;:!?") + "\n")
    return "".join(out)[:n]


def engine_model(shape: Shape, vocab: Vocab) -> CharRNN:
    torch.manual_seed(0)
    config = ModelConfig(cell=shape.cell, hidden=shape.hidden, layers=shape.layers, embed=EMBED,
                         vocab_size=len(vocab))
    return CharRNN(config).eval()


def plain_forward(shape: Shape, model: CharRNN, vocab: Vocab, text: str):
    """B: torch's nn.LSTM / nn.GRU of the same shape over the passage's embeddings, batch 1."""
    torch.manual_seed(0)
    kind = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[shape.cell]
    rnn = kind(EMBED, shape.hidden, num_layers=shape.layers, batch_first=True).eval()
    with torch.inference_mode():
        x = model.inputs(torch.tensor(vocab.encode(text)))[None]  # (1, T, E)

    def forward() -> None:
        with torch.inference_mode():
            rnn(x)

    return forward


def run(options: Options) -> list[Result]:
    text, source = passage(options)
    vocab = Vocab.from_text(text)
    with torch_threads(THREADS), threadpool_limits(limits=THREADS):
        results = [units_result(shape, vocab, text, source, options) for shape in SHAPES]
        results.append(factors_result(vocab, text, options))
        results.append(horizon_result(vocab, text, options))
        results.append(step_result(vocab, text, options))
    return results


STEP_TARGET = 0.05  # seconds: a cursor move in the One step view


def step_result(vocab: Vocab, text: str, options: Options) -> Result:
    model = engine_model(DEFAULT_MODEL, vocab)
    reference = plain_forward(DEFAULT_MODEL, model, vocab, text)
    last = len(text) - 1

    def read() -> None:
        one_step(model, vocab, text, last)

    read(), reference()  # warm-up
    runs = alternate({"step": lambda: timed(read), "plain": lambda: timed(reference)}, options.rounds)
    seconds = median(runs["step"])
    figure = (f"{ms(seconds)} at character {last:,}; {paired_ratio(runs['step'], runs['plain']):.1f}x a plain "
              f"nn.LSTM forward over the passage ({ms(median(runs['plain']))})")
    return Result(f"8 one step {DEFAULT_MODEL.name} t{THREADS}", figure, f"< {STEP_TARGET * 1000:g} ms",
                  seconds < STEP_TARGET)


HORIZON_SEQ, HORIZON_TARGET = 100, 1.0  # seconds, LSTM 2x256


def horizon_result(vocab: Vocab, text: str, options: Options) -> Result:
    shape = SHAPES[0]
    model = engine_model(shape, vocab)
    windows = horizon_batch(vocab.encode_array(text), HORIZON_SEQ)
    torch.manual_seed(0)
    rnn = torch.nn.LSTM(EMBED, shape.hidden, num_layers=shape.layers, batch_first=True).eval()
    with torch.inference_mode():
        x = model.inputs(torch.as_tensor(windows[:, :-1], dtype=torch.long))

    def reference() -> None:
        with torch.inference_mode():
            rnn(x)

    horizon(model, windows), reference()  # warm-up
    runs = alternate({"horizon": lambda: timed(lambda: horizon(model, windows)), "plain": lambda: timed(reference)},
                     options.rounds)
    seconds = median(runs["horizon"])
    figure = (f"{ms(seconds)} for {HORIZON_STREAMS} windows of {HORIZON_SEQ}; "
              f"{paired_ratio(runs['horizon'], runs['plain']):.0f}x a plain nn.LSTM forward over them "
              f"({ms(median(runs['plain']))})")
    return Result(f"8 horizon {shape.name} seq {HORIZON_SEQ} t{THREADS}", figure, f"< {HORIZON_TARGET:g} s",
                  seconds < HORIZON_TARGET)


def units_result(shape: Shape, vocab: Vocab, text: str, source: str, options: Options) -> Result:
    model = engine_model(shape, vocab)
    reference = plain_forward(shape, model, vocab, text)

    def pipeline() -> tuple[float, float, float]:
        """Seconds of inspection, features and find_units, one call each."""
        start = time.perf_counter()
        inspection = inspect_text(model, vocab, text)
        inspected = time.perf_counter()
        features = features_of(text)
        featured = time.perf_counter()
        find_units(inspection, features)
        return inspected - start, featured - inspected, time.perf_counter() - featured

    pipeline(), reference()  # warm-up
    runs = alternate({"engine": pipeline, "plain": lambda: timed(reference)}, options.rounds)
    total = [sum(parts) for parts in runs["engine"]]
    inspect, feats, rank = (median([parts[i] for parts in runs["engine"]]) for i in range(3))
    seconds = median(total)
    figure = (f"{ms(seconds)} = inspect {ms(inspect)} + rank {ms(feats + rank)} (features {ms(feats)}, "
              f"find_units {ms(rank)}); {paired_ratio(total, runs['plain']):.1f}x plain nn.{shape.cell.upper()} "
              f"forward ({ms(median(runs['plain']))}); {len(text):,} chars of {source}, V = {len(vocab)}")
    row = f"8 rank units {shape.name} t{THREADS}"
    if shape.target is None:
        return Result(row, figure, "report", None)
    return Result(row, figure, f"< {shape.target:g} s", seconds < shape.target)


def factors_result(vocab: Vocab, text: str, options: Options) -> Result:
    model = engine_model(DEFAULT_MODEL, vocab)
    h = inspect_text(model, vocab, text).layers[0]["h"]
    reference = plain_forward(DEFAULT_MODEL, model, vocab, text)
    imported = "sklearn" in sys.modules
    cold = timed(lambda: factorise(h, 0, "h"))
    reference()
    runs = alternate({"factors": lambda: timed(lambda: factorise(h, 0, "h")), "plain": lambda: timed(reference)},
                     options.report_rounds)
    first = "first call" if imported else "first call, importing scikit-learn"
    figure = (f"warm {ms(median(runs['factors']))} ({paired_ratio(runs['factors'], runs['plain']):.0f}x plain "
              f"nn.LSTM 1x128 forward, {ms(median(runs['plain']))}); {first} {ms(cold)}; h is {h.shape[0]} x "
              f"{h.shape[1]}")
    return Result(f"8 NMF factors {DEFAULT_MODEL.name} h t{THREADS}", figure, "report", None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.insight", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two rounds instead of nine (for checking)")
    parser.add_argument("--shakespeare", type=Path, metavar="PATH", help=f"the text (default {SHAKESPEARE})")
    args = parser.parse_args(argv)
    started, load = datetime.now(), load_average()
    results = run(Options(quick=args.quick, shakespeare=args.shakespeare))
    print("\n".join(header(started, load, f"{THREADS} (numpy's BLAS too)") + [""] + table(results)))
    return 1 if any(r.met is False for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
