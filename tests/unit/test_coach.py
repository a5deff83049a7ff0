"""The coach reads the validation curve: overfitting, a plateau, or nothing to say."""

from rnn_tui.engine.coach import OVERFIT_MARGIN, PLATEAU_EVALS, advise


def curve(values):
    return [(100 * (k + 1), v) for k, v in enumerate(values)]


def test_an_improving_curve_gets_no_advice():
    assert advise(curve([3.0, 2.5, 2.2, 2.0, 1.9, 1.85]), dropout=0.0) is None


def test_one_evaluation_above_the_best_is_not_yet_overfitting():
    assert advise(curve([3.0, 2.0, 1.8, 1.8 + 2 * OVERFIT_MARGIN]), dropout=0.0) is None


def test_two_evaluations_above_the_best_are_overfitting():
    advice = advise(curve([3.0, 2.0, 1.8, 1.9, 1.92]), dropout=0.1)
    assert advice == "overfitting since step 300: val 0.12 above its best; try dropout 0.3 or a larger text"


def test_a_rise_within_the_margin_is_not_overfitting():
    small = OVERFIT_MARGIN / 2
    assert advise(curve([3.0, 2.0, 1.8, 1.8 + small, 1.8 + small]), dropout=0.0) is None


def test_a_flat_curve_is_a_plateau_and_the_window_grows_with_the_run():
    flat = [3.0, 2.0] + [1.8] * (PLATEAU_EVALS + 1)  # no gain in the last PLATEAU_EVALS evaluations
    assert advise(curve(flat), dropout=0.0).startswith("plateau since step 300:")
    slow = [3.0 - 0.0012 * k for k in range(60)]  # 0.012 per 10 evaluations: slow, but still learning
    assert advise(curve(slow), dropout=0.0) is None


def test_passing_the_counting_baseline_is_said_once_at_the_evaluation_that_passes_it():
    baseline = ("9-gram", 1.5)
    assert advise(curve([3.0, 2.0, 1.6]), dropout=0.0, baseline=baseline) is None
    assert advise(curve([3.0, 2.0, 1.6, 1.45]), dropout=0.0, baseline=baseline) == \
        "passed the 9-gram at step 400: val 1.450 against its 1.500"
    assert advise(curve([3.0, 2.0, 1.6, 1.45, 1.44]), dropout=0.0, baseline=baseline) is None
    assert advise(curve([3.0, 2.0, 1.6, 1.45]), dropout=0.0, baseline=baseline, seconds=134.9) == \
        "passed the 9-gram at 2:14, step 400: val 1.450 against its 1.500"


def test_a_plateau_above_the_baseline_says_counting_does_better_and_below_it_does_not():
    flat = [3.0, 2.0] + [1.8] * (PLATEAU_EVALS + 1)
    above = advise(curve(flat), dropout=0.0, baseline=("6-gram", 1.6))
    assert above.startswith("plateau since step 300 above the 6-gram: counting does better (1.600 against 1.800)")
    assert "larger model or more time" in above
    below = advise(curve(flat), dropout=0.0, baseline=("6-gram", 1.9))
    assert below.startswith("plateau since step 300:") and "counting" not in below
