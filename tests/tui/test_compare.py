"""The race and saved runs side by side, in the app: a real race in its own process, the user's
run waiting meanwhile, and a checkpoint's curve overlaid."""

import re
from dataclasses import replace

from textual.widgets import Input

from rnn_tui.engine.checkpoint import save_checkpoint, trainer_state
from rnn_tui.engine.config import ModelConfig, TrainConfig
from rnn_tui.engine.race import Entrant, saved_run
from rnn_tui.run.compare_process import CompareRequest
from rnn_tui.run.protocol import Pause, Resume
from rnn_tui.tui.screens.compare import CompareScreen
from rnn_tui.tui.widgets.compare import ComparePlot

from ..unit.helpers import tiny_trainer
from .conftest import asked, scripted_app, shown, tiny_spec, wait_for


async def test_a_race_trains_each_cell_and_the_run_waits_meanwhile(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path, steps=10)
    train = TrainConfig(seq=16, batch=4, lr=1e-2, steps=12, eval_every=4, seed=1)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.ready is not None, what="the run")
        app.comparisons.open(CompareRequest(str(text_path), ModelConfig(embed=8), train, "cell=elman,gru", 3000))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen) and isinstance(asked(app)[-1], Pause)
        await wait_for(pilot, lambda: screen.over, what="the race to finish")
        assert [e.name for e in screen.runs.values()] == ["cell=elman", "cell=gru"]
        for entrant in screen.runs.values():
            assert entrant.steps == 12 and [step for step, _ in entrant.val_curve] == [4, 8, 12]
            assert [step for step, _ in entrant.train_curve] == [4, 8, 12]
            assert len(entrant.val_seconds) == 3 and abs(entrant.parameters - 3000) / 3000 <= 0.05
        await wait_for(pilot, lambda: shown(screen.query_one("#compare-table")).count("done") == 2
                       and shown(screen.query_one("#sample-cell_gru")).strip(),  # the samples, side by side
                       what="the table and the samples drawn")
        table = shown(screen.query_one("#compare-table"))
        assert "Elman" in table and "GRU" in table
        plot = screen.query_one(ComparePlot)
        assert "step" in str(plot.border_title)
        await pilot.press("x")
        assert plot.by_seconds and "training time" in str(plot.border_title)
        await pilot.press("escape")
        assert not isinstance(app.screen, CompareScreen)
        assert isinstance(asked(app)[-1], Resume) and not app.state.paused
        await app.action_quit()


async def test_a_saved_run_is_overlaid_from_its_checkpoint(text_path, tmp_path, small_text):
    trainer = tiny_trainer(small_text, eval_every=2)
    for _ in range(6):
        trainer.train_step()
        if trainer.step % 2 == 0:
            trainer.evaluate()
    path = tmp_path / "saved.pt"
    save_checkpoint(path, trainer_state(trainer))
    app = scripted_app(tiny_spec(text_path), tmp_path, steps=5)
    async with app.run_test(size=(120, 40)) as pilot:
        app.comparisons.saved_runs()
        await pilot.pause()
        app.screen.query_one(Input).value = str(tmp_path / "missing.pt")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("no such checkpoint" in t for _, t in app.notices),
                       what="the refusal")
        compare = app.screen
        assert isinstance(compare, CompareScreen) and compare.runs == {}
        await pilot.press("o")
        app.screen.query_one(Input).value = str(path)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "saved.pt" in compare.runs, what="the saved run")
        entrant = compare.runs["saved.pt"]
        assert entrant.val_curve == tuple(trainer.val_points) and entrant.steps == 6
        assert entrant == replace(saved_run(trainer_state(trainer), str(path)), name="saved.pt")
        await wait_for(pilot, lambda: "saved.pt" in shown(compare.query_one("#compare-table")), what="its row")
        # Runs of two texts: the second is marked, and said, since its losses measure another text.
        compare.text = "python"
        compare.add_saved(replace(entrant, name="essay.pt"), "essay")
        assert compare.status["essay.pt"] == "saved · other text"
        assert "essay.pt was trained on essay, not python" in app.notices[-1][1]
        compare.add_saved(replace(entrant, name="again.pt"), "python")
        assert compare.status["again.pt"] == "saved"
        await app.action_quit()


def test_the_validation_curves_set_the_plots_height_and_a_first_training_loss_far_above_is_cut():
    run = Entrant("lstm", 32, 3000, name="lstm", val_curve=((10, 2.5), (20, 2.0), (30, 1.8)),
                  train_curve=((10, 6.9), (20, 2.1), (30, 1.7)), val_seconds=(1.0, 2.0, 3.0))
    plot = ComparePlot()
    plot.show([(run, (0, 175, 215))], ("9-gram", 1.5))
    plot.plt.plotsize(60, 20)
    text = re.sub(r"\x1b\[[0-9;]*m", "", plot.plt.build())
    labels = [float(label) for label in re.findall(r"^\s*([0-9.]+)┤", text, re.M)]
    assert labels and max(labels) < 2.7 and min(labels) < 1.5  # up to the validation's 2.5; the 9-gram in view
