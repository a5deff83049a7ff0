"""The loss plot's options: x by step, epoch or time, log y, and the smoothing it names."""

import pytest

from rnn_tui.engine.events import BaselineEvent
from rnn_tui.tui.widgets.loss_plot import LossPlot, clock_label, nice_ticks, smooth

from .conftest import scripted_app, tiny_spec, wait_for


def test_smoothing_is_an_exponential_moving_average():
    assert smooth([1.0, 0.0, 0.0], 0.5) == [1.0, 0.5, 0.25]
    assert smooth([3.0, 1.0], 0.0) == [3.0, 1.0]


def test_ticks_and_clock_labels():
    assert nice_ticks(1.0, 5) == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert nice_ticks(100, 5) == [0, 20, 40, 60, 80, 100] and nice_ticks(95, 4) == [0, 50]
    assert clock_label(75) == "1:15" and clock_label(3725) == "1h02"


async def test_the_keys_change_the_axes_and_the_title_says_so(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.step == 40, what="the scripted run")
        plot = app.query_one(LossPlot)
        await wait_for(pilot, lambda: plot.redraws > 0, what="a first drawing")
        assert plot.to_x([40]) == [40] and "x: step" in plot.border_title
        await pilot.press("x")
        assert "x: epoch" in plot.border_title
        assert plot.to_x([40]) == [pytest.approx(40 / app.state.ready.steps_per_epoch)]
        await pilot.press("x")
        assert "x: time" in plot.border_title
        assert plot.to_x([40]) == [pytest.approx(app.state.elapsed)]  # the scripted steps take 0.01 s each
        await pilot.press("l", "m")
        assert "log y" in plot.border_title and "smoothing 0.97" in plot.border_title
        assert app.state.train_curve.ys[-1] != smooth(app.state.train_curve.ys, 0.97)[-1]  # raw kept, smoothed drawn
        await app.action_quit()


async def test_the_plot_marks_the_evaluation_that_passed_the_n_gram(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.step == 40, what="the scripted run")
        state, plot = app.state, app.query_one(LossPlot)
        xs, ys = state.val_curve.xs, state.val_curve.ys
        assert len(ys) >= 2 and min(ys[1:]) < ys[0]
        level = (ys[0] + min(ys[1:])) / 2  # the first evaluation is above it, a later one below
        state.on_event(BaselineEvent(step=40, ngram_order=9, ngram_loss=level, ngram_losses=(level,) * 9))
        assert state.passed_baseline == next(int(x) for x, y in zip(xs, ys) if y < level) > xs[0]
        plot.redraw()
        assert "passed the 9-gram" in plot.plt.build()
        state.on_event(BaselineEvent(step=40, ngram_order=9, ngram_loss=min(ys) - 0.1, ngram_losses=(0.1,) * 9))
        plot.redraw()
        assert state.passed_baseline is None and "passed the" not in plot.plt.build()
        await app.action_quit()
