"""The overfitting coach: one line of advice read off the validation curve.

Overfitting: the last two evaluations both sit more than `OVERFIT_MARGIN` above the best one.
Plateau: the best value improved by less than `PLATEAU_GAIN` over the last third of the
evaluations (at least `PLATEAU_EVALS`): a window that grows with the run, so the slow progress
of a long run is not called a plateau. Margins are in nats per character; evaluations read a
fixed validation slice, so a rise is the model's own, not noise from sampling.
"""

from __future__ import annotations

OVERFIT_MARGIN = 0.05
PLATEAU_EVALS = 10
PLATEAU_GAIN = 0.01


def advise(curve: list[tuple[int, float]], dropout: float) -> str | None:
    """Advice for a validation curve of (step, val_loss) points, or None while it improves."""
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
        if earlier_best - best < PLATEAU_GAIN:
            return (f"plateau since step {curve[-window - 1][0]:,}: val gained under {PLATEAU_GAIN} in {window} "
                    "evaluations; try a lower learning rate or a larger model")
    return None
