"""The coach: one line of advice read off the validation curve.

Overfitting: the last two evaluations both sit more than `OVERFIT_MARGIN` above the best one.
Plateau: the best value improved by less than `PLATEAU_GAIN` over the last third of the
evaluations (at least `PLATEAU_EVALS`): a window that grows with the run, so the slow progress
of a long run is not called a plateau. With a counting baseline known (the best n-gram), the
coach also says when the network first passes it, and a plateau above it says that counting
does better. Margins are in nats per character; evaluations read a
fixed validation slice, so a rise is the model's own, not noise from sampling.
"""

from __future__ import annotations

import math

OVERFIT_MARGIN = 0.05
PLATEAU_EVALS = 10
PLATEAU_GAIN = 0.01


def advise(curve: list[tuple[int, float]], dropout: float, baseline: tuple[str, float] | None = None,
           seconds: float | None = None) -> str | None:
    """Advice for a validation curve of (step, val_loss) points, or None while it improves;
    `baseline`: the counting model's name and loss ("9-gram", 1.29); `seconds`: the training time at
    the last point."""
    if baseline is not None and curve:
        name, loss = baseline
        (step, last), earlier = curve[-1], [val for _, val in curve[:-1]]
        if last < loss <= min(earlier, default=math.inf):
            when = f"{clock(seconds)}, step {step:,}" if seconds is not None else f"step {step:,}"
            return f"passed the {name} at {when}: val {last:.3f} against its {loss:.3f}"
    if len(curve) < 3:
        return None
    best_step, best = min(curve, key=lambda point: point[1])
    (_, before), (_, last) = curve[-2], curve[-1]
    if min(before, last) > best + OVERFIT_MARGIN:
        return (f"overfitting since step {best_step:,}: val {last - best:.2f} above its best; "
                f"try dropout {min(0.5, dropout + 0.2):.1f} or a larger text")
    window = max(PLATEAU_EVALS, len(curve) // 3)
    if len(curve) > window:
        earlier_best = min(val for _, val in curve[:-window])
        if earlier_best - best < PLATEAU_GAIN and baseline is not None and best > baseline[1]:
            return (f"plateau since step {curve[-window - 1][0]:,} above the {baseline[0]}: counting does better "
                    f"({baseline[1]:.3f} against {best:.3f}); try a larger model or more time")
        if earlier_best - best < PLATEAU_GAIN:
            return (f"plateau since step {curve[-window - 1][0]:,}: val gained under {PLATEAU_GAIN} in {window} "
                    "evaluations; try a lower learning rate or a larger model")
    return None


def clock(seconds: float) -> str:
    """Training time as minutes and seconds: 2:14."""
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"
