"""`rnn-tui race`: the four cells at one parameter budget, on one text, seed and training budget."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rnn_tui.engine.config import CELLS
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.texts import DEFAULT_TEXT


def add_race_parser(sub: Any) -> None:
    race = sub.add_parser("race", help="train the cells at one parameter budget and compare them")
    race.add_argument("--cells", default=",".join(CELLS), help=f"comma-separated, from {', '.join(CELLS)} (all)")
    race.add_argument("--params", type=int, default=100_000, help="parameter budget per cell (default 100,000)")
    race.add_argument("--text", metavar="NAME|FILE", default=DEFAULT_TEXT, help=f"default {DEFAULT_TEXT}")
    race.add_argument("--embed", type=int, default=16, help="input projection size (default 16)")
    race.add_argument("--layers", type=int, default=1, help="stacked layers (default 1)")
    race.add_argument("--seq", type=int, default=64)
    race.add_argument("--batch", type=int, default=16)
    race.add_argument("--lr", type=float, default=3e-3)
    budget = race.add_mutually_exclusive_group()
    budget.add_argument("--steps", type=int, help="steps per cell")
    budget.add_argument("--minutes", type=float, help="training minutes per cell (default 1)")
    race.add_argument("--eval-every", type=int, default=100)
    race.add_argument("--seed", type=int, default=0)
    race.add_argument("--device", help="auto (default), cpu, cuda or mps")
    race.add_argument("--json", action="store_true", help="print one JSON object with one entry per cell")


def cmd_race(args: argparse.Namespace) -> int:
    from rnn_tui.engine.config import TrainConfig
    from rnn_tui.engine.data import Corpus
    from rnn_tui.engine.race import check_entries, line_up, run_race

    cells = [cell.strip() for cell in args.cells.split(",") if cell.strip()]
    check_entries(cells, args.params)  # before reading the text, which can take seconds
    minutes = 1.0 if args.steps is None and args.minutes is None else args.minutes
    train = TrainConfig(seq=args.seq, batch=args.batch, lr=args.lr, steps=args.steps, minutes=minutes,
                        eval_every=args.eval_every, seed=args.seed).validate()
    if args.embed < 0 or args.layers < 1:
        raise UserError(f"embed must be 0 or more and layers at least 1, not {args.embed} and {args.layers}")
    corpus = Corpus.load(args.text)
    entrants = line_up(cells, args.params, corpus, args.embed, args.layers)
    if not args.json:
        budget = f"{args.steps} steps" if args.steps else f"{minutes:g} min"
        print(f"{corpus.name}: {', '.join(f'{e.cell} {e.hidden} units ({e.parameters:,})' for e in entrants)}; "
              f"{budget} each", file=sys.stderr)

    def report(cell: str, event: Any, seconds: float) -> None:
        if not args.json and event.kind == "eval":
            print(f"  {cell:<6} step {event.step:>6} val {event.val_loss:.3f}", file=sys.stderr, flush=True)

    finished = run_race(entrants, corpus, train, args.embed, args.layers, args.device, report)
    if args.json:
        print(json.dumps({"text": corpus.name, "params": args.params, "steps": args.steps, "minutes": minutes,
                          "cells": [entrant.to_dict() for entrant in finished]}))
        return 0
    print(f"{'cell':<7}{'hidden':>7}{'params':>9}{'steps':>8}{'chars/s':>10}{'best val':>10}{'at step':>9}")
    for e in finished:
        best = "-" if e.best_val is None else f"{e.best_val:.3f}"
        print(f"{e.cell:<7}{e.hidden:>7}{e.parameters:>9,}{e.steps:>8,}{e.chars_per_sec:>10,.0f}{best:>10}"
              f"{e.best_step or '-':>9}")
    for e in finished:
        print(f"\n{e.cell}: {e.sample!r}")
    return 0
