"""The lecture's claims as experiments: each lesson is a comparison (engine/compare.py) with its
setup, and a verdict computed from the numbers of this run, never written in advance.

A verdict says whether the claim held this time and by how much, with the numbers behind it, so a
teacher can prepare a class headless (`rnn-tui lesson NAME --json`) and a test can check that the
same logic says "held" of numbers where the claim holds and "did not hold" where it fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rnn_tui.engine.race import Entrant


@dataclass(frozen=True)
class Verdict:
    held: bool
    text: str
    numbers: dict[str, float]


@dataclass(frozen=True)
class Lesson:
    name: str
    claim: str  # in our words
    vary: str  # the compare engine's NAME=V1,V2
    text: str
    watch: str  # what to look at while it runs
    judge: Callable[[list[Entrant]], Verdict]
    equal_params: int | None = None
    minutes: float = 0.5  # per run


def _best(run: Entrant) -> float:
    return run.best_val if run.best_val is not None else float("inf")


def _gap(run: Entrant) -> float:
    """How far the validation loss sits above the training loss at the end: what memorising costs."""
    if run.final_val is None or run.final_train is None:
        return float("nan")
    return run.final_val - run.final_train


def judge_dropout(runs: list[Entrant]) -> Verdict:
    without, with_ = runs
    lower, narrower = _best(without) - _best(with_), _gap(without) - _gap(with_)
    numbers = {"best_val_without": _best(without), "best_val_with": _best(with_), "gap_without": _gap(without),
               "gap_with": _gap(with_)}
    said = (f"dropout kept the best validation loss {abs(lower):.3f} nats {'lower' if lower > 0 else 'higher'} "
            f"({_best(with_):.3f} against {_best(without):.3f}) and the gap between validation and training loss "
            f"{abs(narrower):.2f} nats {'narrower' if narrower > 0 else 'wider'}")
    held = lower > 0
    return Verdict(held, f"{said}: the claim held" if held else f"it did not hold this time: {said}", numbers)


def judge_better_second(what: str) -> Callable[[list[Entrant]], Verdict]:
    """The claim that the second value does better than the first (deeper, gated, ...)."""

    def judge(runs: list[Entrant]) -> Verdict:
        first, second = runs[0], runs[1]
        gain = _best(first) - _best(second)
        numbers = {f"best_val_{run.name}": _best(run) for run in runs}
        said = (f"{second.name} reached {_best(second):.3f} against {first.name}'s {_best(first):.3f} "
                f"({gain:+.3f} nats in its favour) at {second.parameters:,} and {first.parameters:,} parameters")
        held = gain > 0
        return Verdict(held, f"{what}: {said}: the claim held" if held else
                       f"it did not hold this time ({what}): {said}", numbers)

    return judge


def judge_best_of(what: str) -> Callable[[list[Entrant]], Verdict]:
    """No value is named in advance: the verdict says which did best and by how much."""

    def judge(runs: list[Entrant]) -> Verdict:
        ranked = sorted(runs, key=_best)
        best, runner = ranked[0], ranked[1]
        numbers = {f"best_val_{run.name}": _best(run) for run in runs}
        middle = runs[1:-1]
        held = best in middle  # a size between the extremes: too small loses, too large gains nothing
        said = (f"{best.name} did best ({_best(best):.3f}), {_best(runner) - _best(best):.3f} nats ahead of "
                f"{runner.name}")
        return Verdict(held, f"{what}: {said}: the claim held" if held else
                       f"it did not hold this time ({what}): {said}", numbers)

    return judge


LESSONS = {lesson.name: lesson for lesson in (
    Lesson("dropout", "On a small text a network soon memorises it; dropping units at random while it trains "
           "keeps it from relying on any one of them, so it does better on text it has not seen.",
           "dropout=0,0.3", "essay", "the gap between the training and the validation curve of each run",
           judge_dropout),
    Lesson("depth", "Stacked layers let the upper one read what the lower one found; at the same number of "
           "parameters, two layers can beat one.", "layers=1,2", "python",
           "the validation curves: which falls faster, and which ends lower", judge_better_second("depth"),
           equal_params=60_000),
    Lesson("gates", "Gates let a cell keep what it read for as long as it is needed: a GRU learns text that "
           "an Elman network at the same size learns slowly.", "cell=elman,gru", "structured",
           "the validation curves, and the samples' brackets", judge_better_second("gates"), equal_params=30_000),
    Lesson("projections", "The input projection turns each character into a few numbers the cell can use; too "
           "few lose what sets characters apart, many more buy nothing at the same parameter count.",
           "embed=4,16,64", "python", "the three validation curves", judge_best_of("the input projection"),
           equal_params=60_000),
)}
