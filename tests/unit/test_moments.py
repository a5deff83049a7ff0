"""Moments: compact weights kept at log-spaced evaluations, bounded in count and memory."""

import math

import numpy as np

from rnn_tui.engine.moments import MOMENTS_BYTES, MOMENTS_MAX, Moment, keep, moment_limit

from .helpers import tiny_trainer


def moment(step: int, floats: int = 10) -> Moment:
    return Moment(step, 1.0, {"w": np.zeros(floats, dtype=np.float16)})


def test_kept_moments_stay_bounded_and_log_spaced():
    moments: list[Moment] = []
    for step in range(10, 20_010, 10):  # 2,000 evaluations
        moments = keep(moments, moment(step))
    steps = [m.step for m in moments]
    assert len(moments) == MOMENTS_MAX and steps[0] == 10 and steps[-1] == 20_000 and steps == sorted(steps)
    gaps = np.diff(np.log(steps))
    assert gaps.max() < 3 * gaps.mean()  # even on a log scale: no stretch of training left without moments
    assert sum(s < 2_000 for s in steps) >= MOMENTS_MAX // 3  # the first tenth of training keeps many


def test_the_memory_budget_bounds_the_count_of_large_moments():
    large = moment(1, floats=MOMENTS_BYTES // 2 // 5 + 1)  # a bit over a fifth of the budget each
    assert moment_limit(large) == 4
    moments: list[Moment] = []
    for step in range(1, 50):
        moments = keep(moments, moment(step, floats=large.weights["w"].size))
    assert len(moments) == 4 and sum(m.nbytes for m in moments) <= MOMENTS_BYTES
    assert moment_limit(moment(1, floats=MOMENTS_BYTES)) == 2  # the first and the latest, whatever they cost


def test_a_trainer_keeps_half_precision_weights_at_each_evaluation(small_text):
    trainer = tiny_trainer(small_text)
    for _ in range(3):
        trainer.train_step()
        trainer.evaluate()
    assert [m.step for m in trainer.moments] == [1, 2, 3]
    last = trainer.moments[-1]
    weights = trainer.snapshot()
    assert last.val_loss == trainer.val_points[-1][1] and set(last.weights) == set(weights)
    for name, array in last.weights.items():
        assert array.dtype == np.float16
        assert math.isclose(float(np.abs(array.astype(np.float32) - weights[name].numpy()).max()), 0, abs_tol=2e-3)
