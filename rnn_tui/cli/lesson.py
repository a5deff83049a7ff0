"""`rnn-tui lesson NAME`: one of the lecture's claims, run as a comparison with its budget, and a
verdict computed from this run's numbers; `rnn-tui lesson` alone lists them."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rnn_tui.engine.errors import UserError
from rnn_tui.engine.lessons import LESSONS


def add_parser(sub: Any) -> None:
    lesson = sub.add_parser("lesson", help="run one of the lecture's claims as an experiment and judge it")
    lesson.add_argument("name", nargs="?", choices=sorted(LESSONS), help="the lesson to run; none: list them")
    lesson.add_argument("--steps", type=int, help="a step budget per run instead of the lesson's minutes")
    lesson.add_argument("--json", action="store_true", help="print one JSON object: the verdict and its numbers")


def listing(as_json: bool) -> str:
    """Every lesson: its name, title, text, what its runs vary and its minutes per run."""
    rows = [{"lesson": lesson.name, "title": lesson.title, "text": lesson.text, "vary": lesson.vary,
             "minutes_per_run": lesson.minutes} for lesson in LESSONS.values()]
    if as_json:
        return json.dumps({"lessons": rows})
    lines = [f"{len(rows)} lessons; `rnn-tui lesson NAME` runs one and judges it:"]
    lines += [f"  {row['lesson']:<15} {row['title']:<40} {row['text']:<11} "
              f"{row['vary'] or 'one run'}, {row['minutes_per_run']:g} min a run" for row in rows]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if args.name is None:
        if args.steps is not None:
            raise UserError("--steps needs a lesson to run: rnn-tui lesson NAME --steps N")
        print(listing(args.json))
        return 0
    import torch

    from rnn_tui.engine.compare import run_dict
    from rnn_tui.run.compare_process import CompareFailed, Finished, Progress, lesson_request, run_request
    from rnn_tui.run.spec import DEFAULT_THREADS

    lesson = LESSONS[args.name]
    request = lesson_request(lesson.name, args.steps)  # a bad --steps is one line
    torch.set_num_threads(DEFAULT_THREADS)
    if not args.json:
        print(f"{lesson.name}: {lesson.claim}\nwatch: {lesson.watch}", file=sys.stderr)
    finished = []

    def hear(message: object) -> None:
        if isinstance(message, Progress) and not args.json:  # the runs take minutes: say how they go
            print(f"  {message.name:<16} step {message.step:>6} val {message.val_loss:.3f}", file=sys.stderr,
                  flush=True)
        elif isinstance(message, Finished):
            finished.append(message.entrant)
        elif isinstance(message, CompareFailed):
            raise UserError(message.message)

    run_request(request, hear)  # as the app's lesson runs, in this process
    verdict = lesson.judge(finished)
    if args.json:
        vary = None if lesson.varied is None else lesson.varied.name
        print(json.dumps({"lesson": lesson.name, "claim": lesson.claim, "text": lesson.text, "vary": vary,
                          "held": verdict.held, "verdict": verdict.text, "numbers": verdict.numbers,
                          "runs": [run_dict(value, r) for value, r in zip(lesson.values, finished)]}))
    else:
        print(verdict.text)
    return 0
