"""Does it beat counting? The n-gram baseline in the app: the plot's line, the status's gap, the coach."""

from textual.widgets import Static

from rnn_tui.engine.counting import CountingModel
from rnn_tui.engine.data import Corpus
from rnn_tui.engine.training import evaluated_targets
from rnn_tui.run.protocol import SetBaseline

from .conftest import live_app, scripted_app, shown, tiny_spec, wait_for


async def test_the_baseline_is_counted_reported_by_the_trainer_and_drawn(text_path, tmp_path, small_text):
    spec = tiny_spec(text_path)
    app = scripted_app(spec, tmp_path)
    async with app.run_test(size=(140, 44)) as pilot:
        await wait_for(pilot, lambda: app.state.baseline is not None, what="the baseline event")
        expected = CountingModel(Corpus.from_text(small_text)).baseline(
            evaluated_targets(Corpus.from_text(small_text), spec.train))
        baseline = app.state.baseline
        assert (baseline.ngram_order, baseline.ngram_loss) == (expected.order, expected.loss)
        assert any(isinstance(c, SetBaseline) for c in app.training.handle.commands)  # it came back as an event
        plot = app.query_one("#plot")
        await wait_for(pilot, lambda: plot._drawn_version == app.state.version, what="the plot redrawn")
        assert ("n-gram", expected.loss) in plot.baselines()
        assert f"{expected.order}-gram" in plot.border_subtitle
        table = app.query_one("#status-table", Static)
        await wait_for(pilot, lambda: f"vs {expected.order}-gram" in shown(table), what="the status's gap")
        assert f"{app.state.val_loss - expected.loss:+.2f}" in shown(table)


async def test_the_real_training_process_reports_the_baseline_of_its_run(text_path, tmp_path):
    app = live_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.baseline is not None, what="the baseline from the process")
        assert app.state.baseline.step >= 0 and 1 <= app.state.baseline.ngram_order <= 9
