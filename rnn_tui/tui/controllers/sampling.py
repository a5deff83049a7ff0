"""The sampling side of the app: torch loaded off the UI thread, a live sampler on the weights
the app's views read (the `weights` channel: controllers/weights.py chooses them), the
temperature fan beside it while its tab is open, and the settings both read: seed text,
temperature, greedy, top-k, top-p, min-p, the random seed (held or rerolled), length and pace."""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from typing import TYPE_CHECKING

from rnn_tui.engine.errors import UserError
from rnn_tui.engine.information import bits_per_char
from rnn_tui.engine.sampler_fields import parse_beam, parse_temperatures
from rnn_tui.tui.messages import (
    BeamReady,
    CountedReady,
    EngineLoaded,
    FanUpdate,
    InspectionReady,
    SamplerFailed,
    SampleUpdate,
    SweepReady,
)
from rnn_tui.tui.results import Fan, Inspected, Sample, SampleCounts, Sweep, Weights
from rnn_tui.tui.state import FinishedSample
from rnn_tui.tui.widgets.fan import SamplerLab
from rnn_tui.tui.widgets.sampler import SamplerPanel
from rnn_tui.tui.widgets.temperature import TemperatureControl

if TYPE_CHECKING:
    from collections.abc import Callable

    from rnn_tui.engine.sampling import SampleSettings
    from rnn_tui.run.protocol import Ready
    from rnn_tui.tui.controllers.host import Host
    from rnn_tui.tui.live_sampling import LiveFan, LiveSampler

MAX_SEED_TEXT = 500  # characters of seed text the sampler reads; a longer one keeps its end
MAX_LENGTH = 5000
MAX_FAN_ROWS = 8
HISTORY = 50  # finished samples of the playground kept for the Sampler tab's history
RULES = {"top-k": "top_k", "top-p": "top_p", "min-p": "min_p"}
WAITING_FOR_WEIGHTS = "waiting for the first weights…"


class SamplingController:
    def __init__(self, host: Host, random_seed: int | None, pace: float | None, gap: float,
                 count: Callable[[object], object | None] | None = None):
        self.host = host
        self.count = count  # asks the run's counting process: copy meters, the fan's n-gram row
        self.state = host.state
        self.options = dict(random_seed=random_seed, pace=pace, gap=gap)
        self.settings: SampleSettings | None = None  # once torch is loaded
        self.sampler: LiveSampler | None = None
        self.fan: LiveFan | None = None  # started when the Sampler tab is first opened
        self.temperatures = [0.2, 0.5, 0.8, 1.0, 1.5]
        self.beam = 8
        self.history: deque[FinishedSample] = deque(maxlen=HISTORY)  # newest first
        self.last: Sample | None = None  # the playground's newest sample
        self.failure: str | None = None  # the last failure shown, so a repeat is not shown again
        self.fan_shown = False  # the Sampler tab is on screen
        host.channels.ready.follow(self.run_ready)
        host.channels.run_asked.follow(self.new_run)
        host.channels.weights.follow(self.set_weights)
        channels = host.channels
        host.route(SampleUpdate, lambda m: self.sample_written(m.sample))
        host.route(FanUpdate, lambda m: self.fan_written(m.sample))
        host.route(CountedReady, lambda m: self.sample_counted(m.counted, m.fan))
        host.route(InspectionReady, lambda m: channels.inspection.publish(Inspected(m.inspection, m.step)))
        host.route(SweepReady, lambda m: channels.sweep.publish(Sweep(m.points, m.step)))
        host.route(BeamReady, lambda m: self.beam and channels.beam.publish(m.beam))  # a beam turned off meanwhile
        host.route(SamplerFailed, lambda m: self.failed(m.error))
        host.route(SamplerPanel.SeedSubmitted, lambda m: self.set_seed_text(m.text))
        host.route(SamplerPanel.RuleSubmitted, lambda m: self.set_rule(m.rule, m.value))
        host.route(SamplerLab.Changed, lambda m: self.lab_changed(m.name, m.value))
        host.route(TemperatureControl.Changed, lambda m: self.set_temperature(m.value))

    def start(self) -> None:
        self.host.run_worker(self._load_engine, thread=True, group="engine", exit_on_error=False)

    def _load_engine(self) -> None:
        """Import torch off the UI thread, so the first frame does not wait the seconds it takes."""
        try:
            from rnn_tui.tui import live_sampling  # noqa: F401  (imports torch and the sampling engine)

            self.host.post_message(EngineLoaded())
        except Exception as exc:  # pragma: no cover - a broken torch install
            self.host.post_message(EngineLoaded(error=f"{type(exc).__name__}: {exc}"))

    def engine_ready(self, temperature: float, greedy: bool, seed_text: str) -> None:
        from rnn_tui.engine.sampling import SampleSettings
        from rnn_tui.tui.live_sampling import LiveSampler

        self.settings = SampleSettings(temperature=temperature, greedy=greedy)
        self.sampler = LiveSampler([self.settings], self.host.post_message, count=self.count, **self.options)
        self.sampler.set_seed_text(seed_text[-MAX_SEED_TEXT:])
        self.host.channels.sampler_message.publish(WAITING_FOR_WEIGHTS)
        self.sampler.set_weights(self.host.channels.weights.value)
        self.host.run_worker(self.sampler.run, thread=True, group="sampler", exit_on_error=False)

    def engine_failed(self, error: str) -> None:
        self.host.channels.sampler_message.publish(f"the engine failed to load: {error}")

    # ---- weights ----

    def new_run(self, _run: int) -> None:
        self.last = None  # the new run's samples are not the old run's

    def run_ready(self, ready: Ready | None) -> None:
        """The run's vocabulary is known: a top-k beyond it would be refused, so it is capped."""
        if ready is not None and self.settings is not None and self.settings.top_k > len(ready.vocab):
            self.host.notify(f"top-k {self.settings.top_k} is more than the {len(ready.vocab)} characters of this "
                             "text: set to off", severity="warning")
            for row in [self.settings, *(self.fan.rows if self.fan else [])]:
                row.top_k = 0
            self.host.channels.rules.publish(self.settings)

    def set_weights(self, weights: Weights | None) -> None:
        for sampler in self.samplers:
            sampler.set_weights(weights)

    def restart(self) -> None:
        """Sample afresh, the fan too: other weights of the same run (a replayed moment) start over."""
        for sampler in self.samplers:
            sampler.restart()

    def source(self, step: int) -> str:
        """Which weights a sample of `step` came from, in words."""
        replay = self.state.replay
        if replay is not None and replay.step == step:
            return f"replaying step {step:,}"
        return f"{'best' if self.state.reads_best else 'latest'} weights, step {step:,}"

    @property
    def samplers(self) -> list[LiveSampler]:
        return [s for s in (self.sampler, self.fan) if s is not None]

    # ---- the fan ----

    def show_fan(self, shown: bool) -> None:
        """The fan samples only while its tab is on screen: training keeps the cores otherwise."""
        self.fan_shown = shown
        if self.sampler is None:
            return
        if self.fan is None and shown:
            from rnn_tui.tui.live_sampling import LiveFan

            self.fan = LiveFan(self.fan_rows(), self.host.post_message, random_seed=self.sampler.random_seed,
                               beam=self.beam, count=self.count, counting_row=self.settings,
                               gap=self.sampler.gap, length=self.sampler.length, pace=self.sampler.pace)
            self.fan.hold = self.sampler.hold
            self.fan.set_seed_text(self.sampler.seed_text)
            self.fan.set_weights(self.host.channels.weights.value)
            self.host.run_worker(self.fan.run, thread=True, group="fan", exit_on_error=False)
        if self.fan is not None:
            self.fan.set_running(shown and self.sampler.running)

    def fan_rows(self) -> list[SampleSettings]:
        """One row per temperature, with the playground's top-k, top-p and min-p."""
        from rnn_tui.engine.sampling import SampleSettings

        base = self.settings
        return [SampleSettings(temperature=t, top_k=base.top_k, top_p=base.top_p, min_p=base.min_p)
                for t in self.temperatures]

    def set_temperatures(self, text: str) -> bool:
        if self.settings is None:  # the engine is not loaded (yet): nothing samples
            self.host.notify("the sampler is not ready yet: torch is still loading", severity="warning")
            return False
        try:
            values = parse_temperatures(text, most=MAX_FAN_ROWS)  # the CLI's parser: one meaning everywhere
        except UserError as exc:
            self.host.notify(str(exc), severity="error")
            return False
        self.temperatures = values
        if self.fan is not None:
            if len(values) == len(self.fan.rows):  # in place: the next character already uses them
                for row, value in zip(self.fan.rows, values):
                    row.temperature = value
            else:  # another number of rows: a new sample
                self.fan.rows = self.fan_rows()
                self.fan.restart()
        return True

    def lab_changed(self, name: str, value: str) -> None:
        """A field of the Sampler tab: temperatures, length, pace or beam."""
        {"temperatures": self.set_temperatures, "length": self.set_length, "pace": self.set_pace,
         "beam": self.set_beam}[name](value)

    def set_beam(self, text: str) -> bool:
        try:
            width = parse_beam(text)
        except UserError as exc:
            self.host.notify(str(exc), severity="error")
            return False
        self.beam = width
        if self.fan is not None:
            self.fan.beam = width
        if not width:
            self.host.channels.beam.publish(None)  # off: the last beam's text goes
        return True

    def set_length(self, text: str) -> bool:
        try:
            length = int(text)
            if not 1 <= length <= MAX_LENGTH:
                raise ValueError
        except ValueError:
            self.host.notify(f"length: a whole number of characters from 1 to {MAX_LENGTH:,}, not {text!r}",
                             severity="error")
            return False
        for sampler in self.samplers:
            sampler.length = length
            sampler.restart()
        return True

    def set_pace(self, text: str) -> bool:
        """Characters per second; empty or 0: as fast as it can (the whole sample at once)."""
        try:
            pace = float(text or "0")
            if not (0 <= pace <= 1e6):
                raise ValueError
        except ValueError:
            self.host.notify(f"pace: characters per second (empty or 0: at once), not {text!r}", severity="error")
            return False
        for sampler in self.samplers:
            sampler.pace = pace or None
        return True

    # ---- what the samplers wrote ----

    def sample_written(self, sample: Sample) -> None:
        """The playground's sampler wrote more; a finished sample goes into the history."""
        self.last, self.failure = sample, None
        self.host.channels.sample.publish(sample)
        self.host.channels.sample_note.publish(self.note(sample))
        if sample.done:
            text = sample.generated
            self.history.appendleft(FinishedSample(sample.step, sample.settings[0] if sample.settings else "",
                                               sample.random_seed, sample.seed_text, text,
                                               bits_per_char(sample.log_probs[0], len(text))))
            self.host.channels.history.publish(tuple(self.history))

    def fan_written(self, sample: Sample) -> None:
        self.host.channels.fan.publish(Fan(sample, tuple(self.temperatures), self.note(sample)))

    def sample_counted(self, counted: SampleCounts, fan: bool) -> None:
        """Copy meters of a finished sample (and the fan's n-gram row)."""
        if fan:
            self.host.channels.fan_counted.publish(counted)
            return
        last = self.last
        if last is not None and (last.random_seed, last.step) == (counted.random_seed, counted.step) and counted.copies:
            self.host.channels.sample_note.publish(f"{self.note(last)} · {counted.copies[0].describe()}")

    def failed(self, error: str) -> None:
        """A sample failed (the sampler tries again): said once, not at every retry."""
        if error == self.failure:
            return
        self.failure = error
        self.host.channels.sampler_message.publish(f"sampling failed, trying again: {error}")
        self.host.notify(f"sampling failed: {error}", severity="error", timeout=8)

    def note(self, sample: Sample) -> str:
        """Which weights wrote a sample, and with which random seed."""
        held = "held" if self.sampler is None or self.sampler.hold else "new each sample"
        paused = "" if self.sampler is None or self.sampler.running else " · sampling paused"
        return f"{self.source(sample.step)} · seed {sample.random_seed} {held}{paused}"

    # ---- the random seed ----

    def reroll(self) -> None:
        """A new random seed for the sampler and the fan (they share one)."""
        if self.sampler is None:
            return
        random_seed = self.sampler.reroll()
        if self.fan is not None:
            self.fan.random_seed = random_seed
            self.fan.restart()
        self.host.notify(f"random seed {random_seed}")

    def toggle_hold(self) -> None:
        """Held: every sample draws the same numbers. Released: each sample draws a new seed."""
        hold = not (self.sampler.hold if self.sampler else True)
        for sampler in self.samplers:
            sampler.hold = hold
        self.host.notify("random seed held: same settings, same weights, same text" if hold
                         else "a new random seed for every sample")

    def toggle_running(self) -> None:
        """Pause sampling (training goes on) or resume it, the fan's too while its tab is on screen."""
        if self.sampler is None:
            return
        running = not self.sampler.running
        self.sampler.set_running(running)
        self.show_fan(self.fan_shown)
        if self.last is not None:
            self.host.channels.sample_note.publish(self.note(self.last))

    # ---- settings ----

    def set_seed_text(self, text: str) -> None:
        if self.state.ready is not None:
            from rnn_tui.engine.data import Vocab

            try:
                Vocab(self.state.ready.vocab).encode(text)
            except UserError as exc:
                self.host.notify(f"seed refused: {exc}", severity="error")
                return
        if len(text) > MAX_SEED_TEXT:
            self.host.notify(f"seed shortened to its last {MAX_SEED_TEXT} characters", severity="warning")
            text = text[-MAX_SEED_TEXT:]
        for sampler in self.samplers:
            sampler.set_seed_text(text)

    def set_rule(self, rule: str, value: str) -> None:
        """top-k, top-p or min-p from its field; empty is off. The fan's rows follow."""
        if self.settings is None:
            return
        field = RULES[rule]
        vocab_size = len(self.state.ready.vocab) if self.state.ready else None
        off = {"top_k": 0, "top_p": 1.0, "min_p": 0.0}[field]
        try:
            number = (int if field == "top_k" else float)(value) if value.strip() else off
            replace(self.settings, **{field: number}).validate(vocab_size)
        except (ValueError, UserError):
            bounds = {"top_k": f"a whole number from 0 (off) to {vocab_size}", "top_p": "a number in (0, 1] (1: off)",
                      "min_p": "a number in [0, 1] (0: off)"}[field]
            self.host.notify(f"{rule} must be {bounds}, not {value!r}", severity="error")
            self.host.channels.rules.publish(self.settings)  # the fields show the values in force
            return
        for row in [self.settings, *(self.fan.rows if self.fan else [])]:
            setattr(row, field, number)
        self.host.channels.rules.publish(self.settings)

    def set_temperature(self, value: float) -> None:
        if self.settings is not None:
            self.settings.temperature = value

    def set_greedy(self, greedy: bool) -> None:
        if self.settings is not None:
            self.settings.greedy = greedy

    def stop(self) -> None:
        for sampler in self.samplers:
            sampler.stop()

