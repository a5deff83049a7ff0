"""`rnn-tui compare --vary NAME=V1,V2[,V3,V4]`: one run per value of one setting, everything else
the same, one after the other. Settings not given are the `tiny` preset's (small runs, several to a budget);
each run gets `--steps` or `--minutes` (default half a minute). `--equal-time M` gives each run M
minutes of training and nothing else, so a cheaper step buys more steps: the table shows the steps
each made and its characters per second beside its parameters."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from rnn_tui.cli.flags import ONE_THREAD_EACH, add_run_flags
from rnn_tui.engine.compare import MAX_VALUES
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.texts import DEFAULT_TEXT, text_length, text_name
from rnn_tui.run.spec import COMPARE_PRESET, DEFAULT_THREADS, check_threads, configs_from_args

DEFAULT_MINUTES = 0.5  # per run, when no budget is given


def add_parser(sub: Any) -> None:
    compare = sub.add_parser("compare", help="train one run per value of a setting and compare them")
    compare.add_argument("--vary", required=True, metavar="NAME=V1,V2",
                         help=f"the setting and 2 to {MAX_VALUES} values: cell, hidden, layers, embed, dropout, seq, "
                              "batch, lr, optimizer, clip or precision")
    compare.add_argument("--equal-params", type=int, metavar="N",
                         help="solve each run's hidden size for about N parameters (within 5%%)")
    compare.add_argument("--equal-time", type=float, metavar="MINUTES",
                         help="give each run the same minutes of training (no --steps or --epochs): a cheaper "
                              "step buys more steps")
    add_run_flags(compare, ONE_THREAD_EACH)
    compare.add_argument("--json", action="store_true", help="print one JSON object with one entry per run")


def run(args: argparse.Namespace) -> int:
    from rnn_tui.engine.compare import contenders, parse_vary, run_dict

    vary = parse_vary(args.vary)
    if args.equal_time is not None:
        if args.steps is not None or args.epochs is not None or args.minutes is not None:
            raise UserError("--equal-time is the runs' whole budget: give it without --steps, --epochs or --minutes")
        if not (math.isfinite(args.equal_time) and args.equal_time > 0):
            raise UserError(f"--equal-time must be a positive number of minutes, not {args.equal_time:g}")
        args.minutes = args.equal_time
    if args.steps is None and args.minutes is None and args.epochs is None:
        args.minutes = DEFAULT_MINUTES
    model, train = configs_from_args(args, default=COMPARE_PRESET)
    text = args.text or DEFAULT_TEXT
    text_length(text)  # a missing or unreadable text is refused before torch is imported

    import torch

    from rnn_tui.engine.compare import run_compare
    from rnn_tui.engine.data import Corpus
    from rnn_tui.engine.memory import check_memory

    torch.set_num_threads(DEFAULT_THREADS if args.threads is None else check_threads(args.threads))
    corpus = Corpus.load(text)
    runs = contenders(vary, model, train, len(corpus.vocab), args.equal_params)  # all checked before training
    for c in runs:
        check_memory(c.model, c.train, args.device)
    if not args.json:
        sizes = ", ".join(f"{vary.name}={c.value} ({c.parameters:,} parameters)" for c in runs)
        budget = f"; {args.minutes:g} minutes of training each" if args.equal_time is not None else ""
        print(f"{corpus.name}: {sizes}{budget}", file=sys.stderr)

    def report(name: str, event: Any, seconds: float) -> None:
        if not args.json and event.kind == "eval":
            print(f"  {name:<16} step {event.step:>6} val {event.val_loss:.3f}", file=sys.stderr, flush=True)

    finished = run_compare(runs, corpus, args.device, report)
    if args.json:
        print(json.dumps({"vary": vary.name, "text": text_name(text), "equal_params": args.equal_params,
                          "equal_minutes": args.equal_time,
                          "runs": [run_dict(c.value, r) for c, r in zip(runs, finished)]}))
        return 0
    print(f"{vary.name:<12}{'hidden':>7}{'params':>9}{'steps':>8}{'chars/s':>10}{'best val':>10}{'final train':>12}")
    for c, r in zip(runs, finished):
        best = "-" if r.best_val is None else f"{r.best_val:.3f}"
        speed = "-" if r.chars_per_sec is None else f"{r.chars_per_sec:,.0f}"
        final = "-" if r.final_train is None else f"{r.final_train:.3f}"
        print(f"{c.value:<12}{r.hidden:>7}{r.parameters:>9,}{r.steps:>8,}{speed:>10}{best:>10}{final:>12}")
    for c, r in zip(runs, finished):
        print(f"\n{vary.name}={c.value}: {r.sample!r}")
    return 0

