"""What an hour of use found (issue 18): each test fails on the app as it was then."""

from textual.widgets import Input, Select, Static

from rnn_tui.tui.widgets.heatmap import Heatmap, HiddenStateView

from .conftest import sampling_ready, scripted_app, shown, switch_text, tiny_spec, wait_for


async def test_a_view_opened_by_its_key_takes_the_typing(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: sampling_ready(app), what="the engine")
        seed, paused = app.sampling.sampler.random_seed, app.state.paused
        await pilot.press("f4")
        await wait_for(pilot, lambda: app.focused is app.query_one("#hypothesis"), what="the hypothesis field")
        await pilot.press(*"def \\w+")  # d, space and f are keys of the app: here they are letters
        assert app.query_one("#hypothesis", Input).value == "def \\w+"
        assert app.sampling.sampler.random_seed == seed and app.state.paused == paused
        assert not app.hidden_view.frozen
        await app.action_quit()


def rebuilding_app(text_path, tmp_path, small_text):
    """The app on a stand-in trainer that builds the runs asked for, and another text to switch to."""
    from .scripted import ScriptedTrainer

    other = tmp_path / "other.txt"
    other.write_text(small_text[::-1])
    app = scripted_app(tiny_spec(text_path), tmp_path)
    app.training.handle = ScriptedTrainer(app.state.spec, 20, rebuild=True)
    return app, other


async def test_a_new_run_unfreezes_the_heatmap(text_path, tmp_path, small_text):
    app, other = rebuilding_app(text_path, tmp_path, small_text)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.channels.inspection.value is not None, what="a sample's states")
        await pilot.press("f")
        assert app.hidden_view.frozen
        await switch_text(pilot, str(other))
        assert not app.hidden_view.frozen and "frozen" not in str(app.hidden_view.border_subtitle)
        await app.action_quit()


async def test_the_heatmap_maximised_shows_two_dozen_units(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)  # 32 units
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.query_one(Heatmap).data is not None, what="the heatmap")
        await pilot.press("z")
        await pilot.pause()
        assert app.screen.maximized is app.query_one(HiddenStateView)
        heatmap = app.query_one(Heatmap)
        assert heatmap.size.height >= 24 + 1  # a row per unit, and the character row
        assert app.query_one("#unit-text", Static).region.height > 0  # and the passage coloured by the unit
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.maximized is None
        await app.action_quit()


async def test_the_parameter_count_follows_the_form_before_apply(text_path, tmp_path):
    from rnn_tui.engine.config import ModelConfig
    from rnn_tui.engine.models import build_model
    from rnn_tui.engine.race import count_parameters

    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.ready is not None, what="the run")
        await pilot.press("f3")
        now = app.state.ready.start.parameters
        app.query_one("#set-cell", Select).value = "gru"
        await pilot.pause()
        after = count_parameters("gru", 32, len(app.state.ready.vocab), 8, 1)
        note = shown(app.query_one("#settings-note", Static))
        assert f"{after:,} parameters after Apply (now {now:,})" in " ".join(note.split())
        app.query_one("#set-cell", Select).value = "transformer"  # its position embeddings count too
        await pilot.pause()
        seq, vocab_size = app.state.spec.train.seq, len(app.state.ready.vocab)
        built = build_model(ModelConfig(cell="transformer", hidden=32, layers=1, vocab_size=vocab_size), seq)
        note = shown(app.query_one("#settings-note", Static))
        assert f"{built.num_parameters():,} parameters after Apply" in " ".join(note.split())
        await app.action_quit()


async def test_a_new_run_takes_the_old_runs_toasts_away(text_path, tmp_path, small_text):
    app, other = rebuilding_app(text_path, tmp_path, small_text)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.ready is not None, what="the run")
        app.notify("overfitting since step 10: ...", title="coach", severity="warning", timeout=60)
        await pilot.pause()
        assert any("overfitting" in n.message for n in app._notifications)
        await switch_text(pilot, str(other))
        assert not any("overfitting" in n.message for n in app._notifications)
        await app.action_quit()


async def test_letters_typed_right_after_backspace_stay(text_path, tmp_path):
    """Keys arriving together, as from a fast typist or tmux: each Backspace deletes what came
    before it, never a letter typed after it."""
    from textual import events

    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: sampling_ready(app), what="the engine")
        await pilot.press("f4")
        field = app.query_one("#hypothesis", Input)
        await wait_for(pilot, lambda: app.focused is field, what="the hypothesis field")
        field.value = "hello"
        field.cursor_position = 5
        burst = [events.Key("backspace", None)] * 10 + [events.Key(ch, ch) for ch in "(abc["]
        for key in burst:  # all queued before the first is handled
            app.post_message(key)
        for _ in range(20):  # until every key has gone its whole way (bubbling up is queued, hop by hop)
            await pilot.pause()
        assert field.value == "(abc["
        await app.action_quit()


async def test_digits_in_write_pick_or_type_as_ctrl_t_says(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: sampling_ready(app) and app.state.ready is not None, what="the run")
        await pilot.press("f8")
        await wait_for(pilot, lambda: app.writer.writer is not None, what="the writer")
        writer = app.view("write")
        writer.focus()
        await pilot.press("2")  # picks the second likeliest
        picked = app.writer.writer.text
        assert len(picked) == 1
        assert "2" in app.state.ready.vocab  # the structured text has digits
        await pilot.press("ctrl+t", "2")  # now a digit types itself
        assert app.writer.writer.text == picked + "2"
        await wait_for(pilot, lambda: "digits are typed" in shown(writer.query_one("#writer-help", Static)),
                       what="the help saying so")
        await app.action_quit()


def test_a_tiny_temperature_is_not_shown_as_zero():
    from rnn_tui.engine.sampling import SampleSettings
    from rnn_tui.tui.live_sampling import describe

    assert describe(SampleSettings(temperature=1e-9)) == "T 1e-09"
    assert describe(SampleSettings(temperature=0.8)) == "T 0.80"


async def test_a_length_past_the_limit_is_refused_whole_not_cut(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: sampling_ready(app), what="the engine")
        await app.action_show_tab("sampler")
        length = app.query_one("#length", Input)
        length.value = ""
        length.focus()
        await pilot.press(*"100000", "enter")
        assert "'100000'" in app.notices[-1][1] and app.sampling.sampler.length != 100000
        await app.action_quit()
