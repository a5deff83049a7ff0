"""The One step view draws a reading it is given (hand-made numbers here) and asks to move; in the
app, it shows the engine's reading of the same weights, at the cursor, after each training step."""

from textual.app import App, ComposeResult
from textual.widgets import Static

from rnn_tui.engine.insight.step import one_step
from rnn_tui.tui.channels import Channels
from rnn_tui.tui.controllers.step import START
from rnn_tui.tui.live_sampling import ModelCache
from rnn_tui.tui.widgets.step import StepView, gate_bar

from .conftest import pick_units, scripted_app, shown, tiny_spec, wait_for
from .fixed_run import STEP_READING as READING


class StepApp(App):
    def __init__(self):
        super().__init__()
        self.channels = Channels(self)
        self.moves: list[int] = []

    def compose(self) -> ComposeResult:
        yield StepView()

    def on_step_view_move(self, event: StepView.Move) -> None:
        self.moves.append(event.delta)


async def test_the_view_shows_the_rule_the_parts_and_the_prediction():
    app = StepApp()
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.query_one(StepView)
        assert "appears once" in shown(view.query_one("#step-body", Static))
        view.show(READING)
        await pilot.pause()
        text = shown(view.query_one("#step-body", Static))
        assert "one step · reading 'a' at position 7 (next '␣') · ← → move" in text
        assert "GRU, layer 2; units: the 2 whose h changed most" in text
        assert "h = (1 - z) ⊙ n + z ⊙ h_old" in text and "x = h of layer 1" in text
        assert "unit 12" in text and "unit 3" in text
        for name in ("r", "z", "n", "h_old", "(1-z)*n", "z*h_old"):
            assert any(line.split() and line.split()[0] == name for line in text.splitlines()), name
        assert "-0.312" in text and "0.438" in text and "-0.062" in text  # three decimals, signs kept
        assert "████▍ 0.875" in text and "▋···· 0.125" in text  # a gate has its bar; n and h (not gates) have none
        assert "█ -0.750" not in text
        assert "'e'" in text and "'␣'" in text and "'⏎'" in text
        assert "2.500" in text and "p at T = 0.5" in text and "0.031" in text
        assert "had p = 0.125" in text


async def test_left_and_right_ask_the_app_to_move_the_cursor():
    app = StepApp()
    async with app.run_test() as pilot:
        app.query_one(StepView).focus()
        await pilot.press("right", "right", "left")
        await pilot.pause()
        assert app.moves == [1, 1, -1]


def test_a_gate_bar_fills_to_an_eighth_of_a_cell():
    assert [gate_bar(v).plain for v in (0.0, 0.5, 0.03, 1.0, 1.5)] == ["·····", "██▌··", "▏····", "█████", "█████"]


async def test_o_opens_the_step_the_engine_reads_on_the_same_weights_and_follows_the_cursor_and_training(
        text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path, cell="gru"), tmp_path, steps=10)

    def engine_reading(position, units=None):
        model, vocab = ModelCache().load(app.channels.weights.value)
        return one_step(model, vocab, app.learned.passage(), position, units=units,
                        temperature=app.sampling.settings.temperature)

    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: (weights := app.channels.weights.value) is not None and weights.step == 10,
                       what="the run's last weights")
        reading = app.channels.step_reading
        await pilot.press("O")
        await wait_for(pilot, lambda: reading.value is not None, what="the first reading")
        assert reading.value == engine_reading(START) and reading.value.position == START
        assert not app.learned.analyses  # one step is read, not the whole passage's analysis as well
        body = app.view("step").query_one("#step-body", Static)
        assert f"at position {START} " in shown(body)
        await pilot.press("right")
        await wait_for(pilot, lambda: reading.value.position == START + 1, what="the next character's reading")
        assert reading.value == engine_reading(START + 1)
        first = reading.value
        await pilot.press("n")  # one training step: new weights, read again at the same character
        await wait_for(pilot, lambda: app.channels.weights.value.step == 11 and reading.value != first,
                       what="the reading of the new weights")
        assert reading.value == engine_reading(START + 1)
        await pick_units(pilot, "3, 5")  # the user's units instead of those that changed most
        await wait_for(pilot, lambda: reading.value.units == (3, 5), what="the chosen units read")
        assert reading.value == engine_reading(START + 1, units=(3, 5)) and not reading.value.most_changed
        assert "3, 5, chosen" in shown(body)
        await pick_units(pilot, "99")  # the model has 32 units: one line, and the view keeps what it showed
        await wait_for(pilot, lambda: any("units are numbered 0 to 31" in text for _, text in app.notices),
                       what="the refusal")
        assert app.channels.step_reading.value.units == (3, 5) and app.step.units == (3, 5)
        await pick_units(pilot, "x")
        assert any("units: whole numbers" in text for _, text in app.notices)


async def test_a_narrow_view_shows_the_unit_columns_that_fit_and_cuts_no_number():
    app = StepApp()
    async with app.run_test(size=(30, 40)) as pilot:
        view = app.query_one(StepView)
        view.show(READING)
        await pilot.pause()
        text = shown(view.query_one("#step-body", Static))
        assert "unit 12" in text and "unit 3" not in text and "1 shown" in text
        rows = text.split("part", 1)[1].split("the prediction")[0]
        assert "█▎··· 0.250" in rows and "…" not in rows
