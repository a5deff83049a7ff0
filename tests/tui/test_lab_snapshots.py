"""The Sampler tab and the comparison screen as SVG snapshots, from fixed data: a fan, a beam, a
temperature sweep and a history made by arithmetic; a race reported by a stand-in process."""

from dataclasses import replace

from rnn_tui.engine.beam import Beam
from rnn_tui.engine.race import Entrant
from rnn_tui.engine.sampling import SweepPoint
from rnn_tui.run.compare_process import CompareOver, CompareRequest, Finished, LinedUp, Progress
from rnn_tui.run.protocol import Message
from rnn_tui.tui.messages import BeamReady, FanUpdate, SampleUpdate, SweepReady
from rnn_tui.tui.results import Sample
from rnn_tui.tui.screens.compare import CompareScreen

from .conftest import settled, wait_for
from .fixed_run import SPEC, STEPS, TEXT, fixed_probs
from .test_snapshots import assert_same_screens, fixed_app, screen_of, settle_with

TEMPERATURES = [0.2, 0.5, 0.8, 1.0, 1.5]


def rotated(text: str, k: int) -> str:
    return text[k:] + text[:k]


async def show_lab(pilot, shift: float = 0.0) -> None:
    app = pilot.app
    await settle_with(shift)(pilot)
    for k in range(3):  # three finished samples for the history, newest last
        app.post_message(SampleUpdate(Sample(0, SPEC.text, "def ", (rotated(TEXT, 9 * k),), (-40.0 - k + shift,),
                                             None, None, STEPS - 10 * k, 1234 + k, done=True,
                                             settings=("T 0.80 · top-k 5",))))
    await app.action_show_tab("sampler-tab")
    await pilot.pause()
    probs = fixed_probs(shift)
    rows = tuple(rotated(TEXT, 11 * k)[: 40 + 12 * k] for k in range(5))
    app.post_message(FanUpdate(Sample(0, SPEC.text, "def ", rows, tuple(-0.3 * len(r) * (k + 1) + shift
                                                                         for k, r in enumerate(rows)),
                                      probs, probs, STEPS, 1234, done=True)))
    app.post_message(BeamReady(0, STEPS, Beam(TEXT[:60], -20.21 + shift, 8, -23.71 + shift)))
    ts = [0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 1.0, 1.2, 1.5, 2.0]
    points = [SweepPoint(t, 0.3 + 2.01 * t + shift, 10.02 + 80 * t - 22 * t * t + shift) for t in ts]
    app.post_message(SweepReady(0, STEPS, points))
    await wait_for(pilot, lambda: app.view("sampler").beam is not None and app.channels.fan.value is not None,
                   what="the fixed lab")
    app.set_focus(None)
    await settled(pilot)


class FixedRace:
    """Reports a race of two cells, then its end, as the race process would."""

    def __init__(self, shift: float):
        entrants = [Entrant("elman", 96, 20_012, name="cell=elman"), Entrant("gru", 52, 19_980, name="cell=gru")]
        curve = lambda k: tuple((step, 3.0 - 0.004 * step * (k + 1) + shift) for step in range(50, 301, 50))  # noqa: E731
        self.messages: list[Message] = [LinedUp(tuple(entrants), "structured")]
        for k, e in enumerate(entrants):
            points = curve(k)
            self.messages += [Progress(e.name, step, step * 0.05 * (k + 1), step * 1024, val, val - 0.0913 * k - 0.0271)
                              for step, val in points]
            self.messages.append(Finished(Entrant(
                e.cell, e.hidden, e.parameters, name=e.name, steps=300, seconds=15.0 * (k + 1),
                chars_per_sec=20_480 / (k + 1), best_val=points[-1][1], best_step=300, final_val=points[-1][1],
                val_curve=points, train_curve=tuple((step, val - 0.0913 * k - 0.0271) for step, val in points),
                val_seconds=tuple(step * 0.05 * (k + 1) for step, _ in points),
                sample=rotated(TEXT, 5 * k))))
        self.messages.append(CompareOver())

    def start(self) -> None:
        pass

    def receive(self) -> list[Message]:
        out, self.messages = self.messages, []
        return out

    def close(self) -> None:
        pass


async def show_race(pilot, shift: float = 0.0) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.state.step == STEPS, what="the fixed run")
    request = CompareRequest("structured", SPEC.model, replace(SPEC.train, steps=300), "cell=elman,gru", 20_000)
    screen = CompareScreen(request, compare=FixedRace(shift))
    await app.push_screen(screen)
    await wait_for(pilot, lambda: screen.over, what="the fixed race")
    await settled(pilot)


def test_race_screen(snap_compare, tmp_path):
    assert snap_compare(fixed_app(tmp_path), terminal_size=(120, 40), run_before=show_race)


async def test_the_lab_and_race_snapshots_are_immune_to_float_noise(tmp_path):
    screens: dict[str, list[str]] = {"lab": [], "race": []}
    for shift in (1e-6, -1e-6):  # against each other: a value on a rounding edge flips between them
        for name, show in (("lab", show_lab), ("race", show_race)):
            app = fixed_app(tmp_path, shift)
            async with app.run_test(size=(120, 40)) as pilot:
                await show(pilot, shift)
                screens[name].append(screen_of(app))
                await app.action_quit()
    for name, drawn in screens.items():
        assert_same_screens(name, drawn)
