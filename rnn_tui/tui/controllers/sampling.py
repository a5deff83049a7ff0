"""The sampling side of the app: torch loaded off the UI thread, a live sampler on the newest
(or the best) weights, and the seed, temperature, greedy and top-k settings it reads."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from rnn_tui.engine.errors import UserError
from rnn_tui.run.protocol import Snapshot
from rnn_tui.tui.messages import EngineLoaded

if TYPE_CHECKING:
    from rnn_tui.engine.sampling import SampleSettings
    from rnn_tui.tui.app import PlaygroundApp
    from rnn_tui.tui.live_sampling import LiveSampler, Weights

MAX_SEED = 500  # characters of seed the sampler reads; longer seeds keep their end


class SamplingController:
    def __init__(self, app: PlaygroundApp, seed: int | None, pace: float | None, pause: float):
        self.app = app
        self.state = app.state
        self.options = dict(seed=seed, pace=pace, pause=pause)
        self.settings: SampleSettings | None = None  # once torch is loaded
        self.sampler: LiveSampler | None = None
        self.latest: Snapshot | None = None
        self.best: Snapshot | None = None
        self.use_best = False  # sample from the best-on-validation weights instead of the latest
        self.engine_loaded = False

    def start(self) -> None:
        self.app.run_worker(self._load_engine, thread=True, group="engine", exit_on_error=False)

    def _load_engine(self) -> None:
        """Import torch off the UI thread, so the first frame does not wait the seconds it takes."""
        try:
            import torch

            from rnn_tui.tui import live_sampling  # noqa: F401  (imports the sampling engine)

            torch.set_num_threads(1)  # one character at a time gains nothing from more
            gc.collect()
            gc.freeze()  # keep the collector from walking torch's objects on every UI pass
            self.app.post_message(EngineLoaded())
        except Exception as exc:  # pragma: no cover - a broken torch install
            self.app.post_message(EngineLoaded(error=f"{type(exc).__name__}: {exc}"))

    def engine_ready(self, temperature: float, greedy: bool, seed_text: str) -> None:
        from rnn_tui.engine.sampling import SampleSettings
        from rnn_tui.tui.live_sampling import LiveSampler

        self.engine_loaded = True
        self.settings = SampleSettings(temperature=temperature, greedy=greedy)
        self.sampler = LiveSampler(self.settings, self.app.post_message, **self.options)
        self.sampler.set_seed_text(seed_text[-MAX_SEED:])
        self._send_weights()
        self.app.run_worker(self.sampler.run, thread=True, group="sampler", exit_on_error=False)

    # ---- weights ----

    def new_run(self) -> None:
        """A new run was asked for: nothing of the old one is sampled any more."""
        self.latest = self.best = None
        self._send_weights()

    def run_ready(self, vocab_size: int) -> None:
        """The run's vocabulary is known: a top-k beyond it would be refused, so it is capped."""
        if self.settings is not None and self.settings.top_k > vocab_size:
            self.app.notify(f"top-k {self.settings.top_k} is more than the {vocab_size} characters of this text: "
                            "set to off", severity="warning")
            self.settings.top_k = 0
            self.app.sampler_panel.show_top_k(0)

    def receive_weights(self, snapshot: Snapshot) -> None:
        if snapshot.best:
            self.best = snapshot
        else:
            self.latest = snapshot
        self._send_weights()

    @property
    def weights(self) -> Snapshot | None:
        """The snapshot the sampler reads: the best one when chosen and there is one, else the latest."""
        return (self.best if self.use_best and self.best is not None else None) or self.latest

    def toggle_best(self) -> None:
        self.use_best = not self.use_best
        self._send_weights()

    def scrub(self, direction: int) -> None:
        """Replay an earlier moment of the run (or come back to the live weights): the sample, the
        distribution, the heatmap and the insight views all read it, from the next character."""
        before = self.state.replay
        if self.state.scrub(direction) is not before:
            self._send_weights()
            if self.sampler is not None:
                self.sampler.restart()

    def source(self, step: int) -> str:
        """Which weights a sample of `step` came from, in words."""
        replay = self.state.replay
        if replay is not None and replay.step == step:
            return f"replaying step {step:,}"
        return f"{'best' if self.use_best and self.best is not None else 'latest'} weights, step {step:,}"

    def current_weights(self) -> Weights | None:
        """What the sampler reads, for the other views that read the same weights: the replayed
        moment, else the best or the latest snapshot."""
        from rnn_tui.tui.live_sampling import Weights

        ready, replay = self.state.ready, self.state.replay
        if not self.engine_loaded or ready is None:
            return None
        if replay is not None:
            return Weights(self.app.training.run, self.state.spec.model, ready.vocab, replay.weights, replay.step)
        if (snapshot := self.weights) is None:
            return None
        return Weights(snapshot.run, self.state.spec.model, ready.vocab, snapshot.weights, snapshot.step)

    def _send_weights(self) -> None:
        if self.sampler is not None:
            self.sampler.set_weights(self.current_weights())
        self.app.insight.weights_changed()

    # ---- settings ----

    def set_seed(self, seed: str) -> None:
        if self.state.ready is not None:
            from rnn_tui.engine.data import Vocab

            try:
                Vocab(self.state.ready.vocab).encode(seed)
            except UserError as exc:
                self.app.notify(f"seed refused: {exc}", severity="error")
                return
        if len(seed) > MAX_SEED:
            self.app.notify(f"seed shortened to its last {MAX_SEED} characters", severity="warning")
            seed = seed[-MAX_SEED:]
        if self.sampler is not None:
            self.sampler.set_seed_text(seed)

    def set_top_k(self, value: str) -> None:
        vocab_size = len(self.state.ready.vocab) if self.state.ready else None
        try:
            top_k = int(value or "0")
            if vocab_size is not None and top_k > vocab_size:
                raise ValueError
        except ValueError:
            self.app.notify(f"top-k must be a whole number from 0 (off) to {vocab_size}, not {value!r}",
                            severity="error")
            self.app.sampler_panel.show_top_k(self.settings.top_k if self.settings else 0)  # the value in force
            return
        if self.settings is not None:
            self.settings.top_k = top_k

    def set_temperature(self, value: float) -> None:
        if self.settings is not None:
            self.settings.temperature = value

    def set_greedy(self, greedy: bool) -> None:
        if self.settings is not None:
            self.settings.greedy = greedy

    def stop(self) -> None:
        if self.sampler is not None:
            self.sampler.stop()
