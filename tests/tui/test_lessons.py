"""Lessons in the app: from the Lessons tab's key to a verdict computed from the runs, kept to
come back to; leaving a lesson mid-run ends its runs and the user's run goes on; the first
launch's hint points to the lessons until they are opened."""

from textual.widgets import OptionList

from rnn_tui.engine.lessons import LESSONS
from rnn_tui.engine.race import Entrant
from rnn_tui.run.compare_process import lesson_request
from rnn_tui.run.protocol import Pause, Resume
from rnn_tui.tui.results import LessonRun
from rnn_tui.tui.screens.compare import CompareScreen

from .conftest import asked, live_app, read, scripted_app, shown, tiny_spec, wait_for
from .test_snapshots import fixed_app


async def open_lesson(pilot, name: str) -> None:
    app = pilot.app
    await pilot.press("L")
    await wait_for(pilot, lambda: app.view("lessons") is not None, what="the Lessons tab")
    options = app.view("lessons").query_one(OptionList)
    assert app.focused is options  # L, then the arrows and Enter
    await pilot.press(*["down"] * (list(LESSONS).index(name) - options.highlighted), "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), what="the lesson's screen")


async def test_a_lesson_runs_from_its_key_to_its_verdict_and_is_kept(text_path, tmp_path):
    marker = tmp_path / "state" / "lessons-seen"
    app = scripted_app(tiny_spec(text_path), tmp_path, steps=10, hint_marker=marker, lesson_steps=3)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.ready is not None, what="the run")
        title = app.query_one("HeaderTitle")
        await wait_for(pilot, lambda: "press L for the lessons" in shown(title), what="the hint in the title")
        assert any("L opens the lessons" in text for _, text in app.notices)
        await open_lesson(pilot, "sampling")
        await wait_for(pilot, lambda: "lessons" not in shown(title), what="the title without the hint")
        assert marker.exists()  # found: the hint goes, for the next launch too
        screen = app.screen
        assert screen.lesson.name == "sampling" and isinstance(asked(app)[-1], Pause)
        assert "verdict: when the runs are over" in shown(screen.query_one("#compare-lesson"))
        await wait_for(pilot, lambda: screen.verdict is not None, what="the verdict")
        (run,) = screen.runs.values()
        figures = run.measures
        assert run.steps == 3 and set(figures) == {"distinct_cold", "distinct_hot", "greedy_loop"}
        assert screen.verdict.held == (figures["distinct_hot"] > figures["distinct_cold"])  # from this run's numbers
        panel = screen.query_one("#compare-lesson")
        await wait_for(pilot, lambda: screen.verdict.text in read(panel), what="the verdict drawn")  # a frame later
        await pilot.press("escape")
        assert isinstance(asked(app)[-1], Resume) and not app.state.paused
        await wait_for(pilot, lambda: app.comparisons.last is not None and app.comparisons.last.verdict is not None,
                       what="the kept lesson")
        await wait_for(pilot, lambda: "verdict:" in shown(app.view("lessons").query_one("#lesson-text")),
                       what="the verdict beside the lesson")
        # Back to it: its runs and verdict again, nothing trained anew, the user's run not paused.
        before = len(asked(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), what="the kept runs")
        again = app.screen
        assert again.compare is None and again.verdict == screen.verdict and list(again.runs) == list(screen.runs)
        assert not any(isinstance(m, Pause) for m in asked(app)[before:])
        await pilot.press("escape")
        await app.action_quit()


async def test_leaving_a_lesson_mid_run_ends_its_runs_and_the_users_run_goes_on(text_path, tmp_path):
    app = live_app(tiny_spec(text_path), tmp_path, lesson_steps=100_000)  # the real process: it pauses and resumes
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.step > 0, what="the user's run training")
        await open_lesson(pilot, "dropout")
        screen = app.screen
        assert app.state.paused
        await wait_for(pilot, lambda: bool(screen.runs), what="the runs lined up in their process")
        process = screen.compare.process
        await pilot.press("escape")
        assert not process.is_alive()
        assert not app.state.paused
        step = app.state.step
        await wait_for(pilot, lambda: app.state.step > step, what="the user's run to go on")
        await wait_for(pilot, lambda: app.comparisons.last is not None, what="what the lesson reached")
        reached = app.comparisons.last
        assert reached.verdict is None and not reached.over and reached.done == frozenset()
        detail = shown(app.view("lessons").query_one("#lesson-text"))
        assert "left before its runs were over (0 of 2 finished)" in detail
        await app.action_quit()


def kept_attention_lesson() -> LessonRun:
    """The attention lesson's two runs as kept when over, every number made here (no torch)."""
    lesson = LESSONS["attention"]
    labels = ("1-5", "6-10", "11-20", "21-50", "51+")
    counts = dict(zip([f"n {label}" for label in labels], (41.0, 17.0, 9.0, 5.0, 0.0)))

    def run(cell: str, hidden: int, val: tuple[float, ...], p: tuple[float, ...], beyond: float) -> Entrant:
        curve = tuple((100 * (k + 1), loss + 0.0013) for k, loss in enumerate(val))
        figures = {"window": 16.0, "inside": 58.0, "beyond": 14.0, "p_inside": p[0] - 0.05, "p_beyond": beyond,
                   **counts, **{f"p {label}": value + 0.0013 for label, value in zip(labels, p)}}
        return Entrant(cell, hidden, 40_000, name=f"cell={cell}", steps=len(val) * 100, seconds=60.0,
                       chars_per_sec=21_000.0, best_val=curve[-1][1], best_step=curve[-1][0], final_val=curve[-1][1],
                       val_curve=curve, train_curve=tuple((s, v - 0.1) for s, v in curve),
                       sample="{[(a, b)], [(c, d)]}\n" * 3, measures=figures)

    runs = (run("lstm", 84, (2.9, 1.8, 1.2, 0.9), (0.61, 0.52, 0.33, 0.24, 0.0), 0.23),
            run("transformer", 37, (3.1, 2.1, 1.4, 1.05), (0.66, 0.47, 0.12, 0.09, 0.0), 0.10))
    return LessonRun(lesson_request("attention", 400), runs, frozenset(r.name for r in runs), lesson.judge(list(runs)),
                     over=True)


def test_a_kept_attention_lesson_shows_both_models_by_distance_under_its_verdict(snap_compare, tmp_path):
    async def show(pilot) -> None:
        pilot.app.push_screen(CompareScreen(earlier=kept_attention_lesson()))
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, CompareScreen), what="the lesson's runs")
        screen = pilot.app.screen
        table = shown(screen.query_one("#compare-table"))
        assert "closers by distance to their opener" in table and "0.12" in table  # the transformer at 11-20
        assert "by distance to the opener the LSTM at 6-10, 11-20 and 21-50" in read(
            screen.query_one("#compare-lesson"))
        await pilot.pause()

    assert snap_compare(fixed_app(tmp_path), terminal_size=(120, 40), run_before=show)
