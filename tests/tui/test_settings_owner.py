"""The training process owns the run's settings: the app shows what it reports, also after a
checkpoint round trip through the real spawned process."""

from textual.widgets import Input

from rnn_tui.engine.checkpoint import load_checkpoint

from .conftest import answer, apply_settings, live_app, status_text, tiny_spec, wait_for


def optimizer_lrs(path) -> set[float]:
    return {group["lr"] for group in load_checkpoint(path)["optimizer"]["param_groups"]}


async def save_and_wait(pilot, app, path) -> None:
    saves = sum("saved" in text for _, text in app.notices)
    await pilot.press("s")
    await wait_for(pilot, lambda: sum("saved" in text for _, text in app.notices) > saves, what="the save")


async def test_the_lr_agrees_everywhere_after_a_change_a_save_and_a_reload(text_path, tmp_path):
    app = live_app(tiny_spec(text_path), tmp_path)
    path = tmp_path / "run.pt"
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.step >= 3, what="training")
        await pilot.press("f3")
        app.query_one("#set-lr", Input).value = "0.0007"
        await apply_settings(pilot)
        await wait_for(pilot, lambda: app.state.spec.train.lr == 0.0007, what="the process to report the lr")
        (change,) = app.state.setting_changes
        changed_at = change[0]
        assert change == (changed_at, "lr", 0.0007)
        await wait_for(pilot, lambda: app.state.step > changed_at + 1, what="steps at the new rate")
        await pilot.press("f2", "space")  # pause, then save what we read
        await save_and_wait(pilot, app, path)
        assert load_checkpoint(path)["train_config"]["lr"] == 0.0007
        assert optimizer_lrs(path) == {0.0007}  # the optimizer trained at the rate the panel shows

        app.training.load_checkpoint(str(path))
        await answer(pilot, "#yes")  # loading replaces the run: it asks first
        await wait_for(pilot, lambda: app.state.ready is not None, what="the reloaded run")
        assert app.state.spec.train.lr == 0.0007 and app.query_one("#set-lr", Input).value == "0.0007"
        await wait_for(pilot, lambda: "7.00e-04" in status_text(app), what="the lr on the status")
        assert app.state.setting_changes == [change]  # the plot's mark survives too
        await pilot.press("f3")
        await apply_settings(pilot)
        await wait_for(pilot, lambda: ("information", "nothing changed") in app.notices, what="Apply to see no change")
        await pilot.press("f2")
        step = app.state.step
        await pilot.press("n")
        await wait_for(pilot, lambda: app.state.step > step, what="a step of the reloaded run")
        await save_and_wait(pilot, app, path)
        assert optimizer_lrs(path) == {0.0007}
        await app.action_quit()
