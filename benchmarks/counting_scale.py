"""Counting at scale: what the counting process costs on the default text (4 MB) and on a 100 MB
one, counted cold (an empty cache folder) and read from the cache; `rnn-tui ngram --json` on the
100 MB text; and the time from launching the app (the default run) to its baseline while two
other processes keep both cores busy. Each measured process is a child of its own, whose peak
resident size and CPU time the kernel reports when it ends:

    python3 -m benchmarks.counting_scale [--large FILE]

Without --large, a 100 MB text is made of the .py files under the Python installation (in a
temporary folder, removed after).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
import time
from datetime import datetime
from pathlib import Path

from benchmarks.report import cpu_model, load_average

LARGE_BYTES = 100_000_000
SPINNERS = 2

# What the counting process does, phase by phase: count, the baseline, then (once idle) the words
# and the suffix array of the copy meter.
COUNTING = """
import json, sys, time
from rnn_tui.engine.config import TrainConfig
from rnn_tui.engine.counting import CountingModel
from rnn_tui.engine.data import Corpus, evaluated_targets

phases, started = {}, time.process_time()
def phase(name):
    global started
    now = time.process_time()
    phases[name] = round(now - started, 2)
    started = now
corpus = Corpus.load(sys.argv[1]); phase("read")
model = CountingModel(corpus); phase("count")
baseline = model.baseline(evaluated_targets(corpus, TrainConfig())); phase("baseline")
model.word_counts, model.copies; phase("words and copy index")
print(json.dumps({"phases": phases, "baseline": baseline.described, "loss": round(baseline.loss, 4)}))
"""


def child(argv: list[str], cache: Path) -> tuple[str, float, float, float]:
    """Its stdout, wall seconds, CPU seconds and peak resident GB."""
    started = time.perf_counter()
    environment = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=environment)
    with process.stdout:
        out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{argv} failed")
    return out, time.perf_counter() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 2**20


def python_source(size: int, folder: Path) -> Path:
    """`size` characters of the .py files under the Python installation (site-packages included)."""
    path, written = folder / "large.txt", 0
    with path.open("w", encoding="utf-8") as out:
        for source in sorted(Path(sysconfig.get_paths()["stdlib"]).rglob("*.py")):
            try:
                text = source.read_text(encoding="utf-8")[: size - written]
            except (UnicodeDecodeError, OSError):
                continue
            out.write(text)
            written += len(text)
            if written >= size:
                return path
    raise SystemExit(f"only {written:,} characters of Python source under {sysconfig.get_paths()['stdlib']}")


def counting_rows(text: str, cache: Path) -> None:
    for run in ("cold", "cached"):
        out, wall, cpu, peak = child([sys.executable, "-c", COUNTING, text], cache)
        found = json.loads(out)
        print(f"| {Path(text).name} | {run} | {wall:.1f} s | {cpu:.1f} s | {peak:.2f} GB | {found['phases']} | "
              f"{found['baseline']} {found['loss']} |", flush=True)


def ngram_row(text: str, cache: Path) -> None:
    _, wall, cpu, peak = child([sys.executable, "-m", "rnn_tui", "ngram", "--json", "--text", text], cache)
    print(f"`rnn-tui ngram --json` on {Path(text).name} (cold): {wall:.1f} s, {cpu:.1f} s of CPU, "
          f"peak {peak:.2f} GB", flush=True)


LAUNCH = "import asyncio, benchmarks.counting_scale as c; print(*asyncio.run(c.launch_to_baseline()))"


async def launch_to_baseline() -> tuple[float, float]:
    """The clock's times when the app (the default run, its real training process) has its run
    built, which starts the counting, and has the baseline in its state, which the status draws
    at its next refresh."""
    from rnn_tui.cli import build_parser
    from rnn_tui.run.process import BackgroundTrainer
    from rnn_tui.run.spec import spec_from_args
    from rnn_tui.tui.app import PlaygroundApp

    spec = spec_from_args(build_parser().parse_args([]))
    with tempfile.TemporaryDirectory() as folder:
        app = PlaygroundApp(spec, BackgroundTrainer(spec), checkpoint_path=str(Path(folder) / "run.pt"))
        async with app.run_test(size=(120, 40)) as pilot:
            while app.state.ready is None:
                await pilot.pause(0.1)
            built = time.time()
            while app.state.baseline is None:
                await pilot.pause(0.1)
            counted = time.time()
            await app.action_quit()
    return built, counted


def busy_launches(cache: Path) -> list[tuple[float, float]]:
    """Seconds from launch to the run built and to the baseline on the default text, counted and
    then cached, each app a process of its own, beside SPINNERS processes that never sleep (and
    end with this one, however it ends)."""
    spin = f"import os\nwhile os.getppid() == {os.getpid()}: pass"
    spinners = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(SPINNERS)]
    try:
        seconds = []
        for _ in range(2):
            launched = time.time()
            built, counted = map(float, child([sys.executable, "-c", LAUNCH], cache)[0].split()[-2:])
            seconds.append((built - launched, counted - launched))
        return seconds
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--large", metavar="FILE", help=f"a large text (default: {LARGE_BYTES / 1e6:.0f} MB of Python)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rnn-tui-counting-") as folder:
        print(f"{datetime.now():%Y-%m-%d %H:%M} · {cpu_model()} · {os.cpu_count()} CPUs · load {load_average()}")
        print("| text | counts | wall | CPU | peak RSS | CPU by phase (s) | baseline |")
        print("|---|---|---|---|---|---|---|")
        large = args.large or str(python_source(LARGE_BYTES, Path(folder)))
        for text in ("python", large):
            counting_rows(text, Path(folder) / "counts")
        ngram_row(large, Path(folder) / "ngram")
        for (built, counted), how in zip(busy_launches(Path(folder) / "launches"), ("counted", "from the cache")):
            print(f"launch to the baseline beside {SPINNERS} busy processes, {how}: {counted:.1f} s (the run built at "
                  f"{built:.1f} s, counting started then; target: on screen within 30 s)")


if __name__ == "__main__":
    main()
