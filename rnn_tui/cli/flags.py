"""Flags that several commands share: the run's text, model and training settings, and the app's."""

from __future__ import annotations

import argparse

from rnn_tui.engine.config import CELLS, OPTIMIZERS, PRECISIONS, PRESETS, SCHEDULES
from rnn_tui.engine.texts import BUILTIN_TEXTS, DEFAULT_TEXT
from rnn_tui.run.spec import DEFAULT_PRESET, DEFAULT_THREADS

MEASURED_THREADS = "default: measured while it trains, one thread or every core, whichever is faster now"


def add_run_flags(parser: argparse.ArgumentParser, threads: str = MEASURED_THREADS) -> None:
    """Text, model and training flags shared by the app, `train` and `compare`; unset flags stay None.
    `threads` says what the command does without --threads."""
    parser.add_argument("--text", metavar="NAME|FILE",
                        help=f"a UTF-8 file or a built-in text: {', '.join(BUILTIN_TEXTS)} (default {DEFAULT_TEXT})")
    parser.add_argument("--preset", choices=sorted(PRESETS),
                        help=f"a named model and training setup (default {DEFAULT_PRESET} without model flags)")
    model = parser.add_argument_group("model")
    model.add_argument("--cell", choices=CELLS)
    model.add_argument("--hidden", type=int, help="units per layer")
    model.add_argument("--layers", type=int, help="stacked recurrent layers")
    model.add_argument("--embed", type=int, help="input projection size; 0 feeds one-hot vectors")
    model.add_argument("--dropout", type=float, help="between layers and before the output")
    run = parser.add_argument_group("training")
    run.add_argument("--seq", type=int, help="characters per stream per step (BPTT length)")
    run.add_argument("--batch", type=int, help="parallel streams per step")
    run.add_argument("--lr", type=float, help="learning rate")
    run.add_argument("--optimizer", choices=OPTIMIZERS)
    run.add_argument("--weight-decay", type=float,
                     help="adam and rmsprop: an L2 term in the gradient; adamw: each step shrinks every "
                          "weight by lr x this")
    run.add_argument("--schedule", choices=SCHEDULES,
                     help="learning-rate schedule: cosine falls to a tenth at the stop point; anneal too, "
                          "and without one as 1/sqrt(step) after 500 steps")
    run.add_argument("--clip", type=float, help="gradient-norm clip (0: off)")
    stop = run.add_mutually_exclusive_group()
    stop.add_argument("--steps", type=int, help="stop after this many steps in total")
    stop.add_argument("--epochs", type=float, help="stop after this many passes over the text")
    stop.add_argument("--minutes", type=float, help="stop after this much training time")
    run.add_argument("--eval-every", type=int, help="steps between validation passes")
    run.add_argument("--seed", type=int, help="random seed (same seed, same losses on CPU)")
    run.add_argument("--device", help="auto (default: cuda, then mps, then cpu), cpu, cuda or mps")
    add_threads_flag(run, threads)
    run.add_argument("--precision", choices=PRECISIONS,
                     help="fp32 (default) or bf16: the forward pass under bf16 autocast (CUDA, or a CPU with bf16)")


ONE_THREAD_EACH = f"default {DEFAULT_THREADS}: each model trains on one"


def add_threads_flag(parser: argparse._ActionsContainer,  # a parser or a group of one
                     default: str = ONE_THREAD_EACH) -> None:
    parser.add_argument("--threads", type=int, help=f"torch CPU threads ({default})")


def add_app_flags(parser: argparse.ArgumentParser) -> None:
    """What the playground opens with: the run flags, a checkpoint and whether to start paused."""
    add_run_flags(parser)
    parser.add_argument("--checkpoint", metavar="CKPT", help="open the app on this checkpoint")
    parser.add_argument("--paused", action="store_true", help="open the app without starting to train")
