"""The figures lessons read off a trained model: greedy's loop, the gradient's reach."""

import random

import numpy as np

from rnn_tui.engine.insight.edge import closers
from rnn_tui.engine.measures import by_distance, loop_period, reach, split_at


def test_a_loop_is_found_at_its_shortest_period_and_wild_text_has_none():
    assert loop_period("intro " + "the cat " * 40) == 8
    assert loop_period("a" * 300) == 1
    assert loop_period("".join(random.Random(0).choices("abcdefgh ", k=300))) == 0
    assert loop_period("ab" * 10) == 0  # too short to tell


def test_the_reach_is_the_first_step_under_the_floor_or_the_whole_window():
    assert reach(np.array([1.0, 0.1, 0.01, 0.0009, 0.5])) == 3
    assert reach(np.array([1.0, 0.5, 0.2])) == 3


def test_closers_are_split_at_a_window_and_by_the_edge_charts_distances():
    text = "(a)" + "(" + "b" * 7 + ")" + "[" + "c" * 60 + "]"  # closers 2, 8 and 61 characters after their opener
    found = closers(text)
    assert found == [(2, 2), (11, 8), (73, 61)]
    p = np.zeros(len(text))
    p[[2, 11, 73]] = (0.5, 0.25, 0.125)
    assert split_at(p, found, 8) == ((0.375, 2), (0.125, 1))
    figures = by_distance(p, found)
    assert (figures["p 1-5"], figures["n 1-5"], figures["p 6-10"], figures["p 51+"]) == (0.5, 1.0, 0.25, 0.125)
    assert figures["n 11-20"] == 0 and np.isnan(figures["p 11-20"])
