"""`rnn-tui race`: the cells at one parameter budget, on one text, seed and training budget.
Sizes and training settings not given are the `tiny` preset's, as in every comparison."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rnn_tui.cli.flags import add_threads_flag
from rnn_tui.engine.config import CELLS, PRESETS, ModelConfig, TrainConfig, apply_overrides
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.texts import DEFAULT_TEXT
from rnn_tui.run.spec import DEFAULT_THREADS, check_threads

TINY_MODEL = PRESETS["tiny"].model
TINY_TRAIN = apply_overrides(TrainConfig(), PRESETS["tiny"].train)
DEFAULT_MINUTES = 1.0  # per cell, when neither --steps nor --minutes is given
TRAIN_FLAGS = ("seq", "batch", "lr", "steps", "minutes", "eval_every", "seed")


def add_parser(sub: Any) -> None:
    race = sub.add_parser("race", help="train the cells at one parameter budget and compare them")
    race.add_argument("--cells", default=",".join(CELLS), help=f"comma-separated, from {', '.join(CELLS)} (all)")
    race.add_argument("--params", type=int, default=100_000, help="parameter budget per cell (default 100,000)")
    race.add_argument("--text", metavar="NAME|FILE", default=DEFAULT_TEXT, help=f"default {DEFAULT_TEXT}")
    race.add_argument("--embed", type=int, default=TINY_MODEL["embed"],
                      help=f"input projection size (default {TINY_MODEL['embed']})")
    race.add_argument("--layers", type=int, default=TINY_MODEL["layers"],
                      help=f"stacked layers (default {TINY_MODEL['layers']})")
    race.add_argument("--seq", type=int, help=f"default {TINY_TRAIN.seq}")
    race.add_argument("--batch", type=int, help=f"default {TINY_TRAIN.batch}")
    race.add_argument("--lr", type=float, help=f"default {TINY_TRAIN.lr:g}")
    budget = race.add_mutually_exclusive_group()
    budget.add_argument("--steps", type=int, help="steps per cell")
    budget.add_argument("--minutes", type=float, help=f"training minutes per cell (default {DEFAULT_MINUTES:g})")
    race.add_argument("--eval-every", type=int, help=f"default {TINY_TRAIN.eval_every}")
    race.add_argument("--seed", type=int, help=f"default {TINY_TRAIN.seed}")
    race.add_argument("--device", help="auto (default), cpu, cuda or mps")
    add_threads_flag(race)
    race.add_argument("--json", action="store_true", help="print one JSON object with one entry per cell")


def train_config(args: argparse.Namespace) -> TrainConfig:
    """The tiny preset's training settings with the flags given, and a budget per cell."""
    if args.steps is None and args.minutes is None:
        args.minutes = DEFAULT_MINUTES
    return apply_overrides(TINY_TRAIN, {k: getattr(args, k) for k in TRAIN_FLAGS}).validate()


def run(args: argparse.Namespace) -> int:
    """The race is the compare engine's comparison of `cell` at one parameter count."""
    import torch

    from rnn_tui.engine.compare import Vary, contenders, run_compare
    from rnn_tui.engine.data import Corpus
    from rnn_tui.engine.race import MIN_TIMED_STEPS, WARMUP_STEPS, check_entries

    cells = [cell.strip() for cell in args.cells.split(",") if cell.strip()]
    check_entries(cells, args.params)  # before reading the text, which can take seconds
    train = train_config(args)
    if args.embed < 0 or args.layers < 1:
        raise UserError(f"embed must be 0 or more and layers at least 1, not {args.embed} and {args.layers}")
    torch.set_num_threads(DEFAULT_THREADS if args.threads is None else check_threads(args.threads))
    corpus = Corpus.load(args.text)
    model = ModelConfig(cell=cells[0], layers=args.layers, embed=args.embed)  # the hidden size is solved per cell
    runs = contenders(Vary("cell", tuple(cells)), model, train, len(corpus.vocab), equal_params=args.params)
    if not args.json:
        budget = f"{args.steps} steps" if args.steps else f"{args.minutes:g} min"
        print(f"{corpus.name}: {', '.join(f'{c.value} {c.model.hidden} units ({c.parameters:,})' for c in runs)}; "
              f"{budget} each", file=sys.stderr)

    def report(name: str, event: Any, seconds: float) -> None:
        if not args.json and event.kind == "eval":
            print(f"  {name.partition('=')[2]:<6} step {event.step:>6} val {event.val_loss:.3f}", file=sys.stderr,
                  flush=True)

    finished = run_compare(runs, corpus, args.device, report)
    if args.json:
        print(json.dumps({"text": corpus.name, "params": args.params, "steps": args.steps, "minutes": args.minutes,
                          "cells": [entrant.to_dict() for entrant in finished]}))
        return 0
    width = max(len("cell"), *(len(e.cell) for e in finished)) + 1  # "transformer" is the longest name
    print(f"{'cell':<{width}}{'hidden':>7}{'params':>9}{'steps':>8}{'chars/s':>10}{'best val':>10}{'at step':>9}")
    for e in finished:
        best = "-" if e.best_val is None else f"{e.best_val:.3f}"
        speed = "-" if e.chars_per_sec is None else f"{e.chars_per_sec:,.0f}"
        print(f"{e.cell:<{width}}{e.hidden:>7}{e.parameters:>9,}{e.steps:>8,}{speed:>10}{best:>10}"
              f"{e.best_step or '-':>9}")
    if any(e.chars_per_sec is None for e in finished):
        print(f"chars/s -: too short to measure (fewer than {MIN_TIMED_STEPS} steps timed after a {WARMUP_STEPS}-step "
              "warm-up)")
    for e in finished:
        print(f"\n{e.cell}: {e.sample!r}")
    return 0
