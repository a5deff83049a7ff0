"""The figures lessons read off a trained model: greedy's loop, the gradient's reach."""

import random

import numpy as np

from rnn_tui.engine.measures import loop_period, reach


def test_a_loop_is_found_at_its_shortest_period_and_wild_text_has_none():
    assert loop_period("intro " + "the cat " * 40) == 8
    assert loop_period("a" * 300) == 1
    assert loop_period("".join(random.Random(0).choices("abcdefgh ", k=300))) == 0
    assert loop_period("ab" * 10) == 0  # too short to tell


def test_the_reach_is_the_first_step_under_the_floor_or_the_whole_window():
    assert reach(np.array([1.0, 0.1, 0.01, 0.0009, 0.5])) == 3
    assert reach(np.array([1.0, 0.5, 0.2])) == 3
