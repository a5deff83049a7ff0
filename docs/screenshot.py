"""Save docs/screenshot.svg: the app on its defaults (the python text) after about 40 seconds of training.

    python docs/screenshot.py
"""

import asyncio
import time
from argparse import Namespace
from pathlib import Path

from rnn_tui.cli import build_parser
from rnn_tui.run.process import BackgroundTrainer
from rnn_tui.run.spec import spec_from_args
from rnn_tui.tui.app import PlaygroundApp

OUT = Path(__file__).with_name("screenshot.svg")


async def main(seconds: float = 40.0) -> None:
    args: Namespace = build_parser().parse_args([])
    spec = spec_from_args(args)
    app = PlaygroundApp(spec, BackgroundTrainer(spec), checkpoint_path="/tmp/screenshot.pt")
    async with app.run_test(size=(120, 40)) as pilot:
        started = time.monotonic()
        while time.monotonic() - started < seconds or app.last_inspection is None:
            await pilot.pause(0.5)
        app.seed_input.cursor_blink = False
        app.set_focus(None)
        await pilot.pause(1.0)
        app.save_screenshot(str(OUT))
        await app.action_quit()
    print(f"wrote {OUT} at step {app.state.step}")


if __name__ == "__main__":
    asyncio.run(main())
