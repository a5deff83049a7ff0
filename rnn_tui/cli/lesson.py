"""`rnn-tui lesson NAME`: one of the lecture's claims, run as a comparison with its budget, and a
verdict computed from this run's numbers."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from typing import Any

from rnn_tui.engine.lessons import LESSONS


def add_parser(sub: Any) -> None:
    lesson = sub.add_parser("lesson", help="run one of the lecture's claims as an experiment and judge it")
    lesson.add_argument("name", choices=sorted(LESSONS))
    lesson.add_argument("--steps", type=int, help="a step budget per run instead of the lesson's minutes")
    lesson.add_argument("--json", action="store_true", help="print one JSON object: the verdict and its numbers")


def run(args: argparse.Namespace) -> int:
    import torch

    from rnn_tui.engine.compare import run_compare, run_dict
    from rnn_tui.engine.data import Corpus
    from rnn_tui.run.spec import DEFAULT_THREADS, configs_from_args

    lesson = LESSONS[args.name]
    model, train = configs_from_args(argparse.Namespace())  # the default run's settings
    budget = {"steps": args.steps, "minutes": None} if args.steps is not None else {"minutes": lesson.minutes}
    train = replace(train, **budget).validate()  # a bad --steps is one line
    torch.set_num_threads(DEFAULT_THREADS)
    corpus = Corpus.load(lesson.text)
    runs = lesson.runs(model, train, len(corpus.vocab))
    if not args.json:
        print(f"{lesson.name}: {lesson.claim}\nwatch: {lesson.watch}", file=sys.stderr)
    finished = run_compare(runs, corpus, measure=lesson.measure)
    verdict = lesson.judge(finished)
    if args.json:
        vary = None if lesson.vary is None else lesson.vary.partition("=")[0]
        print(json.dumps({"lesson": lesson.name, "claim": lesson.claim, "text": lesson.text, "vary": vary,
                          "held": verdict.held, "verdict": verdict.text, "numbers": verdict.numbers,
                          "runs": [run_dict(c.value, r) for c, r in zip(runs, finished)]}))
    else:
        print(verdict.text)
    return 0
