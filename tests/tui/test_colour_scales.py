"""The heatmap's colour scale: fixed for values within [-1, 1], stretched beyond, and one-sided for
a quantity that is never negative but passes 1 (minGRU's h), which would otherwise be red everywhere."""

import numpy as np

from rnn_tui.tui.widgets.colours import Scale, diverging, scale_of


def test_values_within_one_keep_the_fixed_diverging_scale():
    tanh_like = np.linspace(-0.9, 0.95, 200).reshape(20, 10)
    assert scale_of(tanh_like) == Scale() and scale_of(tanh_like).colour(-0.5) == diverging(-0.5)
    gates = np.linspace(0.0, 1.0, 100).reshape(10, 10)
    assert scale_of(gates) == Scale() and scale_of(gates).describe() == ""


def test_a_cell_state_beyond_one_is_stretched_to_its_99th_percentile():
    c = np.linspace(-4.0, 4.0, 1001)
    scale = scale_of(c)
    assert not scale.one_sided and 3.9 < scale.high < 4.0
    assert scale.colour(scale.high) == diverging(1.0) and scale.colour(-scale.high) == diverging(-1.0)
    assert scale.describe() == "blue -4 to red +4"


def test_a_never_negative_quantity_past_one_runs_dark_to_red_over_its_own_range():
    h = np.linspace(0.4, 3.0, 1001)  # minGRU: g(x) > 0, so h is too
    scale = scale_of(h)
    assert scale.one_sided and 0.42 < scale.low < 0.43 and 2.97 < scale.high < 2.98
    assert scale.colour(0.4) == diverging(0.0)  # its least is dark, not already half red
    assert scale.colour(3.0) == diverging(1.0)
    colours = {scale.colour(v) for v in h}
    assert len(colours) > 50  # a range of shades, not one red
    assert scale.describe() == "dark 0.43 to red 3"
