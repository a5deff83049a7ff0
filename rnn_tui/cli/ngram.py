"""`rnn-tui ngram`: what counting alone scores on a text's validation split, order by order, to
measure a network against (interpolated Kneser-Ney, engine/ngram.py)."""

from __future__ import annotations

import argparse
import json
import math
import re
from typing import Any

from rnn_tui.engine.errors import UserError
from rnn_tui.engine.ngram import MAX_ORDER
from rnn_tui.engine.texts import DEFAULT_TEXT

LIMIT = 20


def add_parser(sub: Any) -> None:
    ngram = sub.add_parser("ngram", help="the validation loss of counting: Kneser-Ney n-grams of each order")
    ngram.add_argument("--text", metavar="NAME|FILE", default=DEFAULT_TEXT, help=f"default {DEFAULT_TEXT}")
    ngram.add_argument("--orders", default=f"1-{MAX_ORDER}", metavar="A-B|A,B,...",
                       help=f"the orders to score (default 1-{MAX_ORDER}; at most {LIMIT})")
    ngram.add_argument("--json", action="store_true", help="print one JSON object")


def parse_orders(text: str) -> list[int]:
    """"1-9" or "2,5,9": the orders asked for, each from 1 to LIMIT, as a sorted list."""
    orders: set[int] = set()
    for part in text.split(","):
        match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if match is None:
            raise UserError(f"--orders: {text!r} is not a range like 1-9 or a list like 2,5,9")
        low, high = int(match[1]), int(match[2] or match[1])
        if not 1 <= low <= high <= LIMIT:
            raise UserError(f"--orders: orders run from 1 to {LIMIT}, not {part.strip()!r}")
        orders.update(range(low, high + 1))
    return sorted(orders)


def run(args: argparse.Namespace) -> int:
    from rnn_tui.engine.counting import Baseline, CountingModel
    from rnn_tui.engine.data import Corpus
    from rnn_tui.engine.ngram import best_order

    orders = parse_orders(args.orders)  # before reading the text
    corpus = Corpus.load(args.text)
    model = CountingModel(corpus, max_order=max(orders))
    scored = model.ngrams.losses(corpus.val, model.ngrams.max_order)
    losses = {order: scored[order] for order in orders if order in scored}  # the note says of any left out
    if not losses:
        raise UserError(f"--orders: {model.note}")
    best = best_order(losses)
    if args.json:
        rows = [{"order": k, "val_loss": v, "val_bpc": v / math.log(2)} for k, v in losses.items()]
        print(json.dumps({"text": corpus.name, "chars": len(corpus.train) + len(corpus.val), "orders": rows,
                          "best_order": best, "best": Baseline(best, losses[best], losses, model.note).described,
                          "counted_chars": len(model.counted)}))
        return 0
    counted = f" ({model.note})" if model.note else ""
    print(f"{corpus.name}: Kneser-Ney n-grams fitted on the training 90%{counted}, scored on the validation 10%")
    print(f"{'order':>5}{'val loss':>10}{'bits/char':>11}")
    for order, loss in losses.items():
        print(f"{order:>5}{loss:>10.3f}{loss / math.log(2):>11.3f}" + ("   best" if order == best else ""))
    return 0
