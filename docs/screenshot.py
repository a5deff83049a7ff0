"""Save a screenshot of the app on its defaults (the python text) after some training.

    python docs/screenshot.py                       # docs/screenshot.svg: the playground after 40 s
    python docs/screenshot.py --tab units-tab --feature bracket_depth --seconds 180 --out docs/finder.svg
    python docs/screenshot.py --tab gradients-tab --seconds 90 --out docs/horizon-elman.svg -- --cell elman
    python docs/screenshot.py --tab sampler-tab --seconds 120 --out docs/fan.svg
    python docs/screenshot.py --tab surprisal-tab --seconds 5 --out docs/onion.svg -- --checkpoint run.pt
    python docs/screenshot.py --tab edge-tab --seconds 5 --out docs/edge.svg -- --checkpoint run.pt
    python docs/screenshot.py --lesson dropout --seconds 5 --out docs/lesson.svg   # its runs, then the verdict
    python docs/screenshot.py --race 0.5 --seconds 150 --out docs/race.svg  # the race of the cells, with the n-gram
"""

import argparse
import asyncio
import time
from pathlib import Path

from rnn_tui.cli import build_parser
from rnn_tui.engine.insight.registry import UNITS
from rnn_tui.run.process import BackgroundTrainer
from rnn_tui.run.spec import spec_from_args
from rnn_tui.tui.app import PlaygroundApp
from rnn_tui.tui.screens.compare import CompareScreen
from rnn_tui.tui.views import view_of

HERE = Path(__file__).parent


async def main(tab: str, seconds: float, out: Path, feature: str | None, lesson: str | None, race: float | None,
               app_args: list[str]) -> None:
    args = build_parser().parse_args(app_args)
    spec = spec_from_args(args, checkpoint=args.checkpoint)
    app = PlaygroundApp(spec, BackgroundTrainer(spec), checkpoint_path="/tmp/screenshot.pt")
    async with app.run_test(size=(120, 40)) as pilot:
        started = time.monotonic()
        while time.monotonic() - started < seconds or app.channels.inspection.value is None \
                or (race is not None and app.state.baseline is None):  # the race's n-gram line is the run's
            await pilot.pause(0.5)
        app.seed_input.cursor_blink = False
        if tab == "sampler-tab":  # training paused: a whole fan, its beam and the sweep of the same weights
            app.action_toggle_pause()
            await app.action_show_tab(tab)
            await pilot.pause(2.0)
            lab, step = app.view("sampler"), app.channels.weights.value.step  # the last weights sent
            fan = app.channels.fan
            while not (fan.value is not None and fan.value.sample.done and fan.value.sample.step == step
                       and lab.beam is not None and lab.query_one("TradeOff").border_title.endswith(f"{step:,}")):
                await pilot.pause(0.5)
        elif lesson is not None:  # the lesson's screen once its verdict is in
            app.comparisons.start_lesson(lesson, again=True)
            while not (isinstance(app.screen, CompareScreen) and app.screen.verdict is not None):
                await pilot.pause(0.5)
        elif race is not None:  # the race's screen once every run is over
            app.comparisons.race_cells(race)
            while not (isinstance(app.screen, CompareScreen) and app.screen.over):
                await pilot.pause(0.5)
        elif tab != "playground":
            await app.action_show_tab(tab)
            read_after = time.monotonic()
            counted = any(analysis.counts for analysis in view_of(tab).analyses)  # the onion and the edge chart
            # wait for the text's counting
            while app.learned.last is None or app.learned.last.request.weights.step < app.state.step - 2000 \
                    or time.monotonic() - read_after < 2 or (counted and app.learned.last.counts is None):
                await pilot.pause(0.5)
            if feature is not None:  # the unit finder's row for this feature
                app.query_one("#features").move_cursor(row=list(app.learned.last.of(UNITS).r).index(feature))
        app.set_focus(None)
        await pilot.pause(1.0)
        app.save_screenshot(str(out))
        await app.action_quit()
    print(f"wrote {out} at step {app.state.step}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tab", default="playground", help="playground, units-tab, factors-tab, gates-tab, ...")
    parser.add_argument("--seconds", type=float, default=40.0, help="training before the screenshot")
    parser.add_argument("--out", type=Path, default=HERE / "screenshot.svg")
    parser.add_argument("--feature", help="with --tab units-tab: the feature to show, e.g. bracket_depth")
    parser.add_argument("--lesson", help="a lesson's screen, once its runs are over: dropout, depth, ...")
    parser.add_argument("--race", type=float, metavar="MINUTES", help="the race of the cells, minutes a run")
    parser.add_argument("app_args", nargs="*", help="after --: the app's own flags, e.g. --cell elman")
    options = parser.parse_args()
    asyncio.run(main(options.tab, options.seconds, options.out, options.feature, options.lesson, options.race,
                     options.app_args))
