"""The views of what the model learned, driven as a user drives them: keys, the mouse, text."""

import numpy as np
import torch
from textual.widgets import Static

from rnn_tui.engine.insight.registry import ATTENTION, CONNECTIVITY, FACTORS, HORIZON, UNITS
from rnn_tui.engine.insight.writer import Writer
from rnn_tui.tui.labels import NO_STATE
from rnn_tui.tui.widgets.passage import PassageView

from .conftest import sampling_ready, scripted_app, shown, switch_text, tiny_spec, wait_for


async def open_tab(pilot, key: str) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: sampling_ready(app) and app.channels.weights.value is not None,
                   what="the engine and the first weights")
    await pilot.press(key)
    if key != "f8":
        await wait_for(pilot, lambda: app.learned.last is not None, what="the passage read")


async def test_the_unit_finder_ranks_features_and_answers_a_hypothesis(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_tab(pilot, "f4")
        insight = app.learned.last
        assert insight.request.passage == app.state.ready.passage and len(insight.request.passage) > 500
        await wait_for(pilot, lambda: all(row in shown(app.query_one("#features"))
                                          for row in ("position in the line", 'inside "double quotes"')),
                       what="the table laid out")
        table = shown(app.query_one("#features"))
        assert 'inside "double quotes"' in table
        best = insight.of(UNITS).best("line_position", 1)[0]
        assert f"L{best.unit.layer + 1} {best.unit.quantity}[{best.unit.unit}]" in table

        await pilot.click("#hypothesis")
        await pilot.press(*"[0-9]+", "enter")
        await wait_for(pilot, lambda: "hypothesis" in app.learned.last.of(UNITS).r, what="the hypothesis ranked")
        await wait_for(pilot, lambda: "your hypothesis" in shown(app.query_one("#features")), what="its row drawn")
        digits = app.learned.last.of(UNITS).r["digit"]
        hypothesis = app.learned.last.of(UNITS).r["hypothesis"]
        assert (digits is None) == (hypothesis is None)  # [0-9]+ marks exactly the digits

        app.query_one("#hypothesis").value = "(unclosed"
        await pilot.click("#hypothesis")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("not a regular expression" in n for _, n in app.notices), what="the error")
        assert app.learned.hypothesis is None  # no row may show the last pattern's result beside the new text
        await wait_for(pilot, lambda: "hypothesis" not in app.learned.last.of(UNITS).r, what="a reading without it")
        assert "your hypothesis" not in shown(app.query_one("#features"))

        passage = app.query_one("#units-passage", PassageView)
        await pilot.click(passage, offset=(4, 0))  # the mouse puts the cursor on a character
        assert passage.cursor == 4 and app.focused is passage
        await pilot.press("shift+right", "shift+right", "enter")  # a span of three characters
        await wait_for(pilot, lambda: "across" in shown(app.query_one("#units-info")), what="the span's units")
        assert repr(insight.inspection.text[4:7])[1:-1] in shown(app.query_one("#units-info"))
        before = app.learned.last
        app.learned.refresh(now=True)  # what every new snapshot does while training
        await wait_for(pilot, lambda: app.learned.last is not before, what="the next reading")
        assert "across" in shown(app.query_one("#units-info"))  # the answer stays, read again
        app.query_one("#features").focus()
        await pilot.press("down")  # another feature: the span is no longer asked about
        await pilot.pause()
        assert app.learned.span is None and "across" not in shown(app.query_one("#units-info"))
        await app.action_quit()


async def test_your_own_passage_is_read_and_unknown_characters_are_refused(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_tab(pilot, "f7")
        mine = app.state.ready.passage[:120]
        await pilot.click(".your-text")
        app.query_one(".your-text").value = mine
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.learned.last.request.passage == mine, what="your passage read")
        assert app.learned.last.request.source == "your text"
        app.query_one(".your-text").value = "snow \u2603"
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("passage refused" in n for _, n in app.notices), what="the refusal")
        assert app.learned.your_text == mine
        await app.action_quit()


async def test_surprisal_follows_the_cursor_and_breaks_the_loss_down(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_tab(pilot, "f7")
        await wait_for(pilot, lambda: all(row in shown(app.query_one("#breakdown"))
                                          for row in ("share of the loss", "word start", "line end")), what="the chart")
        chart = shown(app.query_one("#breakdown"))
        assert "word start" in chart and "line end" in chart
        passage = app.query_one("#surprisal-passage", PassageView)
        passage.focus()
        await pilot.press("right", "right")
        await wait_for(pilot, lambda: "at 2:" in shown(app.query_one("#surprisal-cursor")), what="the cursor's line")
        inspection = app.learned.last.inspection
        top_char, top_p = inspection.predictions(2, 1)[0]
        assert f"{top_p:6.1%}".strip() in shown(app.query_one("#surprisal-cursor"))
        await app.action_quit()


async def test_factors_and_gates_are_drawn_for_the_layer_asked(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path, layers=2), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_tab(pilot, "f5")
        await wait_for(pilot, lambda: app.learned.last.of(FACTORS) is not None, what="the factors")
        factors = app.learned.last.of(FACTORS)
        assert factors.layer == 1 and factors.quantity == "h" and factors.strength.shape[1] == 5
        passage = app.query_one("#factor-passage", PassageView)
        first = passage.painting.values.copy()
        app.query_one("#factor-list").focus()
        await pilot.press("down")
        assert not np.array_equal(passage.painting.values, first)  # the second factor colours the text
        np.testing.assert_array_equal(passage.painting.values, factors.strength[:, 1])

        await pilot.press("f6")
        await wait_for(pilot, lambda: "mostly open" in shown(app.query_one("#gate-summary"))
                       and all(f"{gate} (" in shown(app.query_one("#gate-summary")) for gate in "ifgo"),
                       what="saturation, every gate")
        summary = shown(app.query_one("#gate-summary"))
        assert all(f"{gate} (" in summary for gate in "ifgo")
        await app.action_quit()


async def test_writing_with_the_model(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_tab(pilot, "f8")
        await wait_for(pilot, lambda: app.writer.writer is not None, what="the writer")
        assert app.focused is app.view("write")
        vocab = app.writer.writer.vocab
        word = "".join(ch for ch in "the" if ch in vocab.index) or vocab.chars[-3:]
        await pilot.press(*word)
        expected_next = app.writer.writer.top(2)
        await pilot.press("tab")  # the likeliest
        await pilot.press("2")  # the second likeliest after that
        writer = app.writer.writer
        assert writer.text[: len(word) + 1] == word + expected_next[0][0] and len(writer.text) == len(word) + 2
        typed = writer.text
        await pilot.press("backspace", "backspace")
        assert writer.text == typed[:-2]
        fresh = Writer(writer.model, vocab, typed[:-2])
        for a, b in zip(writer.current.state, fresh.current.state):
            assert torch.equal(a, b)  # rewinding leaves the state that typing the shorter text gives
        next_lines = shown(app.query_one("#writer-next"))
        assert "Tab" in next_lines and f"{fresh.top(1)[0][1]:6.1%}".strip() in next_lines
        await pilot.press("ctrl+k")
        assert app.writer.beside is not None and app.writer.beside.text == typed[:-2]
        await pilot.press(*word[:1])
        assert app.writer.beside.text == typed[:-2] and writer.text == typed[:-2] + word[0]
        await pilot.press("space")  # a key the playground binds types a space here
        assert writer.text.endswith(" ") and not app.state.paused
        await app.action_quit()


async def test_the_heatmap_orders_units_by_a_feature_and_the_views_rest_off_screen(text_path, tmp_path):
    from textual.widgets import Select

    from rnn_tui.tui.widgets.heatmap import Heatmap

    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.channels.inspection.value is not None, what="the first sample's states")
        assert app.learned.view == "playground" and not app.learned.analyses  # nothing to read on the playground
        app.query_one("#order", Select).value = "line_position"
        await wait_for(pilot, lambda: app.learned.last is not None, what="the finder for the order")
        heatmap = app.query_one(Heatmap)
        await wait_for(pilot, lambda: heatmap.data is not None, what="the heatmap")
        expected = app.learned.last.of(UNITS).order("line_position", 0, "h")
        np.testing.assert_array_equal(heatmap.data.order, expected)
        app.query_one("#order", Select).value = "index"
        await pilot.pause()
        np.testing.assert_array_equal(heatmap.data.order, np.arange(32))
        assert not app.learned.analyses and app.view("units") is None  # its views are not even mounted yet
        await pilot.click("#--content-tab-learned")  # the mouse opens them too
        await wait_for(pilot, lambda: app.learned.view == "units" and app.view("units") is not None, what="the units")
        assert app.learned.analyses
        await app.action_quit()


async def test_a_new_run_replaces_what_the_views_and_the_writer_hold(text_path, tmp_path, small_text):
    from .scripted import ScriptedTrainer

    other = tmp_path / "other.txt"
    other.write_text(small_text[::-1])
    spec = tiny_spec(text_path)
    app = scripted_app(spec, tmp_path, trainer=lambda spec, steps: ScriptedTrainer(spec, steps, rebuild=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_tab(pilot, "f8")
        await wait_for(pilot, lambda: app.writer.writer is not None, what="the writer")
        typed = app.writer.writer.vocab.chars[-2:]
        await pilot.press(*typed)
        assert app.writer.writer.text == typed
        await pilot.press("f4")
        await wait_for(pilot, lambda: app.learned.last is not None, what="the first run's passage")
        await switch_text(pilot, str(other))
        await wait_for(pilot, lambda: app.state.ready is not None
                       and app.learned.last is not None and app.learned.last.request.weights.run == app.state.run,
                       what="the new run's passage read")
        assert app.learned.last.request.passage == app.state.ready.passage != ""
        assert app.writer.writer is None  # of the old model: gone with it
        await pilot.press("f8")
        await wait_for(pilot, lambda: app.writer.writer is not None, what="a writer for the new run")
        assert app.writer.writer.vocab.chars == app.state.ready.vocab
        assert app.writer.writer.text == typed  # the same characters: the new model reads the text again

        third = tmp_path / "third.txt"
        third.write_text("".join(ch for ch in small_text if ch not in typed))
        await switch_text(pilot, str(third))
        await wait_for(pilot, lambda: app.writer.writer is not None
                       and app.writer.writer.vocab.chars == app.state.ready.vocab, what="a writer for the third run")
        assert app.writer.writer.text == ""  # not in this text's characters: cleared, and said
        assert any("the text in Write was cleared" in text for _, text in app.notices)
        await app.action_quit()


async def test_the_gradient_horizon_and_a_picked_characters_connectivity(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path, cell="elman", layers=2), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_tab(pilot, "f9")
        await wait_for(pilot, lambda: app.learned.last.of(HORIZON) is not None, what="the horizon")
        found = app.learned.last.of(HORIZON)
        assert found.relative.shape == (2, 24) and app.learned.horizons[-1][1] is found
        await wait_for(pilot, lambda: "layer 2" in shown(app.query_one("#horizon-side")), what="the table")
        passage = app.query_one("#connectivity-passage", PassageView)
        await pilot.click(passage, offset=(10, 1))  # a character on the second line
        target = passage.cursor
        assert target > 10
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.learned.last.of(CONNECTIVITY) is not None, what="the connectivity")
        pull = app.learned.last.of(CONNECTIVITY)
        assert app.learned.last.request.questions.target == target and len(pull) == target
        await wait_for(pilot, lambda: passage.painting.marks is not None and passage.painting.marks[target],
                       what="the target marked")
        np.testing.assert_array_equal(passage.painting.values[:target], pull)
        await wait_for(pilot, lambda: "leans most on" in shown(app.query_one("#connectivity-info")), what="the answer")
        await app.action_quit()


async def test_the_timeline_shows_a_sample_per_evaluation(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: len(app.state.timeline) == 4, what="four evaluations")  # 40 steps, every 10
        await pilot.press("f10")
        timeline = app.query_one("#timeline")
        await wait_for(pilot, lambda: all(f"{loss:.3f}" in shown(timeline) for _, loss, _ in app.state.timeline),
                       what="the timeline drawn, every evaluation")
        text = shown(timeline)
        assert all(f"{val_loss:.3f}" in text for _, val_loss, _ in app.state.timeline)
        assert [step for step, _, _ in app.state.timeline] == [10, 20, 30, 40]
        assert app.state.timeline[-1][2][:20].replace("\n", "⏎") in text.replace("\n", "")
        await app.action_quit()


async def test_every_view_opens_and_reads_on_a_transformer_run_and_gradients_shows_its_attention(text_path, tmp_path):
    """A day of use: F8 on a transformer run crashed the app (Write read a hidden state it has not)."""
    from rnn_tui.tui.views import LEARNED, VIEWS
    from rnn_tui.tui.widgets.heatmap import HiddenStateView

    app = scripted_app(tiny_spec(text_path, cell="transformer", layers=2), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: sampling_ready(app) and app.channels.weights.value is not None,
                       what="the engine and the first weights")
        for view in VIEWS:
            await app.action_show_tab(view.id)
            if view.analyses:
                await wait_for(pilot, lambda view=view: app.learned.last is not None
                               and app.learned.last.request.analyses == view.analyses, what=f"{view.id} read")
            if view.inside == LEARNED and view.analyses and all(a.state for a in view.analyses):  # units, gates, ...
                widget = app.view(view.id)
                await wait_for(pilot, lambda widget=widget: widget.has_class("stateless"), what=f"{view.id}: no state")
                assert not any(part.display for part in widget.query(".reads-state")), view.id  # no empty panel
                said = " ".join(" ".join(shown(part).split()) for part in widget.query(Static) if part.display)
                assert NO_STATE in said, view.id
            if view.id == "playground":  # the hidden state panel: one line, not a placeholder waiting forever
                hidden = app.query_one(HiddenStateView)
                await wait_for(pilot, lambda hidden=hidden: hidden.has_class("stateless"), what="no hidden state")
                assert not app.query_one("#heatmap").display and NO_STATE in shown(app.query_one("#no-state"))
            if view.id == "write":
                await wait_for(pilot, lambda: app.writer.writer is not None, what="the writer")
                await pilot.press(*"the")
                await wait_for(pilot, lambda: "Tab" in shown(app.query_one("#writer-next")), what="the next characters")
                assert app.writer.writer.text == "the"
                assert NO_STATE.split(":")[0] in " ".join(shown(app.query_one("#writer-state")).split())
            await pilot.pause()
            assert app._exception is None, view.id
        await shows_attention_one_head_at_a_time(pilot)
        await app.action_quit()


async def shows_attention_one_head_at_a_time(pilot) -> None:
    """Gradients on a two-layer transformer: a picked character's attention, the last layer's head
    first, `a` for the next."""
    app = pilot.app
    await app.action_show_tab("gradients")
    view = app.view("gradients")
    await wait_for(pilot, lambda: view.has_class("stateless"), what="the attention in the horizon's place")
    assert not app.query_one("#horizon-row").display and app.query_one("#attention-pane").display
    passage = app.query_one("#attention-passage", PassageView)
    await wait_for(pilot, lambda: passage.painting is not None, what="the passage to pick in")
    await pilot.click(passage, offset=(10, 2))
    target = passage.cursor
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.learned.last.of(ATTENTION) is not None, what="the attention")
    found = app.learned.last.of(ATTENTION)
    assert found.target == target and found.weights.shape == (2, 1, target - found.start)

    def painted(layer: int) -> bool:
        values = passage.painting.values
        row = found.weights[layer, 0]
        return (passage.painting.marks is not None and passage.painting.marks[target]
                and np.allclose(values[found.start:target], row / row.max())
                and np.isnan(values[:found.start]).all() and np.isnan(values[target:]).all())

    await wait_for(pilot, lambda: painted(1), what="the last layer's head painted")
    assert "layer 2 of 2, head 1 of 1" in shown(app.query_one("#attention-info"))
    await pilot.press("a")
    assert painted(0) and "layer 1 of 2, head 1 of 1" in shown(app.query_one("#attention-info"))
    heaviest = found.strongest(0, 0)[0]
    assert f"at {heaviest} ({found.weights[0, 0, heaviest - found.start]:.2f})" in shown(
        app.query_one("#attention-info"))
    await pilot.press("right", "right")  # on to the next character to pick
    moved = passage.cursor
    app.learned.insight_read(app.learned.last)  # a newer reading of the same pick, as each snapshot brings
    await pilot.pause()
    assert passage.cursor == moved == target + 2  # not pulled back to the picked character


async def test_a_passage_keeps_its_lines_drawn_both_with_and_without_the_focus(monkeypatch):
    """A view switch takes the focus away and gives it back: neither redraws lines already drawn,
    and each shows the background of the focus it has."""
    from textual.app import App
    from textual.widgets import Input

    from rnn_tui.tui.widgets.passage import Painting

    class Passage(App):
        def compose(self):
            yield PassageView()
            yield Input()

    app = Passage()
    async with app.run_test(size=(40, 12)) as pilot:
        passage, field = app.query_one(PassageView), app.query_one(Input)
        field.focus()
        passage.paint(Painting("one two three\n" * 30, None))
        await pilot.pause()
        build, built = passage._build, []
        monkeypatch.setattr(passage, "_build", lambda row, painting: built.append(row) or build(row, painting))
        backgrounds = set()
        for target in (passage, field, passage, field):
            target.focus()
            await pilot.pause()
            first = passage.render_line(0)
            assert {segment.style.bgcolor for segment in first} == {passage.rich_style.bgcolor}
            backgrounds.add(passage.rich_style.bgcolor)
        assert len(backgrounds) == 2  # the focus changed the background
        assert built and len(built) == len(set(built))  # each line drawn once with the focus, never again
