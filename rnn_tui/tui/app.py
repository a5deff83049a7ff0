"""The playground app: it starts the training process, routes its messages into `RunState`
and the widgets, and turns keys and forms into commands for the trainer and the sampler."""

from __future__ import annotations

import asyncio
import gc
import math
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Header, Input, Switch, TabbedContent, TabPane
from textual.worker import get_current_worker

from rnn_tui.background import Failed, Ready, RunSpec, Saved, Snapshot
from rnn_tui.config import PRESETS, ModelConfig, TrainConfig, apply_overrides
from rnn_tui.errors import UserError
from rnn_tui.events import StopEvent
from rnn_tui.tui.commands import PlaygroundCommands
from rnn_tui.tui.messages import EngineLoaded, InspectionReady, SampleUpdate, TrainerMessages
from rnn_tui.tui.screens.dialogs import ConfirmScreen, PromptScreen
from rnn_tui.tui.screens.help import HelpScreen
from rnn_tui.tui.state import RunState
from rnn_tui.tui.widgets.heatmap import HiddenStateView
from rnn_tui.tui.widgets.loss_plot import LossPlot
from rnn_tui.tui.widgets.sampler import Distribution, SamplerPanel
from rnn_tui.tui.widgets.settings import SettingsPanel
from rnn_tui.tui.widgets.status import TrainingStatus
from rnn_tui.tui.widgets.temperature import TemperatureControl

MAX_SEED = 500  # characters of seed the sampler reads; longer seeds keep their end
AUTOSAVE_AFTER = 60.0  # seconds of training after which quitting saves the run first
COMPACT_WIDTH, COMPACT_HEIGHT = 100, 30


class TrainerHandle(Protocol):
    """What the app needs of a trainer: `BackgroundTrainer`, or a scripted one in tests."""

    def start(self) -> None: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def step_once(self) -> None: ...
    def set_lr(self, lr: float) -> None: ...
    def save(self, path: str) -> None: ...
    def reset(self, spec: RunSpec) -> None: ...
    def receive(self, timeout: float = 0.1) -> list[Any]: ...
    def close(self, autosave: str | None = None, timeout: float = 1.0) -> None: ...


class PlaygroundApp(App):
    TITLE = "rnn-tui"
    SUB_TITLE = "a char-RNN playground"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {PlaygroundCommands}
    BINDINGS = [
        Binding("space", "toggle_pause", "pause/resume", id="pause"),
        Binding("n", "step_once", "step", id="step"),
        Binding("r", "reset", "reset", id="reset"),
        Binding("s", "save", "save", id="save"),
        Binding("left_square_bracket", "temperature(-1)", "colder", key_display="[", id="colder"),
        Binding("right_square_bracket", "temperature(1)", "hotter", key_display="]", id="hotter"),
        Binding("g", "toggle_greedy", "greedy", id="greedy"),
        Binding("f1", "help", "help", id="help"),
        Binding("f2", "show_tab('playground')", "playground", id="playground-tab", show=False),
        Binding("f3", "show_tab('settings-tab')", "settings", id="settings-tab", show=False),
    ]

    def __init__(self, spec: RunSpec, trainer: TrainerHandle, checkpoint_path: str = "rnn-tui.pt",
                 sample_seed: int | None = None, sample_pace: float | None = 120.0, sample_pause: float = 1.5):
        super().__init__()
        self.state = RunState(spec, paused=spec.paused)
        self.trainer = trainer
        self.checkpoint_path = checkpoint_path
        self.sample_options = dict(seed=sample_seed, pace=sample_pace, pause=sample_pause)
        self.sample_settings: Any = None  # rnn_tui.sampling.SampleSettings, once torch is loaded
        self.live_sampler: Any = None
        self.latest_snapshot: Snapshot | None = None
        self.last_sample: SampleUpdate | None = None
        self.last_inspection: InspectionReady | None = None
        self.engine_loaded = False
        self.closing = False
        self.autosave_after = AUTOSAVE_AFTER

    # ---- layout ----

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="tabs"):
            with TabPane("Playground", id="playground"):
                with Horizontal(id="top"):
                    yield TrainingStatus(self.state, id="status")
                    yield LossPlot(self.state, id="plot")
                with Horizontal(id="middle"):
                    yield SamplerPanel(id="sampler")
                    yield Distribution(id="distribution")
                yield HiddenStateView(id="hidden")
            with TabPane("Settings", id="settings-tab"):
                yield SettingsPanel(id="settings")
        yield Footer()

    def on_mount(self) -> None:
        # Held here because messages keep arriving while a dialog is the active screen.
        self.status_panel = self.query_one(TrainingStatus)
        self.sampler_panel = self.query_one(SamplerPanel)
        self.distribution = self.query_one(Distribution)
        self.hidden_view = self.query_one(HiddenStateView)
        self.settings_panel = self.query_one(SettingsPanel)
        self.temperature = self.query_one(TemperatureControl)
        self.greedy_switch = self.query_one("#greedy", Switch)
        self.seed_input = self.query_one("#seed", Input)
        for widget_id, title in [("status", "Training"), ("plot", "Loss"), ("sampler", "Sampling"),
                                 ("distribution", "Next character"), ("hidden", "Hidden state"),
                                 ("settings", "Model and training")]:
            self.query_one(f"#{widget_id}").border_title = title
        self.settings_panel.show(self.state.spec, None)
        self.call_after_refresh(self.start_background_work)  # the first frame first: both compete for the cores

    def start_background_work(self) -> None:
        self.trainer.start()
        self.bridge()
        self.load_engine()

    def on_resize(self, event: events.Resize) -> None:
        width, height = event.size
        self.set_class(width < COMPACT_WIDTH or height < COMPACT_HEIGHT, "-compact")

    # ---- background work ----

    @work(thread=True, group="bridge", exit_on_error=False)
    def bridge(self) -> None:
        """Carry the training process's messages onto the UI thread, a batch at a time."""
        worker = get_current_worker()
        while not (self.closing or worker.is_cancelled):
            items = self.trainer.receive(timeout=0.05)
            if items:
                self.post_message(TrainerMessages(items))

    @work(thread=True, group="engine", exit_on_error=False)
    def load_engine(self) -> None:
        """Import torch off the UI thread, so the first frame does not wait the seconds it takes."""
        try:
            import torch

            from rnn_tui.tui import live_sampling  # noqa: F401  (imports the sampling engine)

            torch.set_num_threads(1)  # one character at a time gains nothing from more
            gc.collect()
            gc.freeze()  # keep the collector from walking torch's objects on every UI pass
            self.post_message(EngineLoaded())
        except Exception as exc:  # pragma: no cover - a broken torch install
            self.post_message(EngineLoaded(error=f"{type(exc).__name__}: {exc}"))

    @work(thread=True, group="sampler", exit_on_error=False)
    def run_sampler(self) -> None:
        self.live_sampler.run()

    def on_engine_loaded(self, message: EngineLoaded) -> None:
        sampler_panel = self.sampler_panel
        if message.error:
            sampler_panel.show_message(f"the engine failed to load: {message.error}")
            return
        from rnn_tui.sampling import SampleSettings
        from rnn_tui.tui.live_sampling import LiveSampler

        self.engine_loaded = True
        self.sample_settings = SampleSettings(temperature=self.temperature.value,
                                              greedy=self.greedy_switch.value)
        self.live_sampler = LiveSampler(self.sample_settings, self._post_sample, self._post_inspection,
                                        **self.sample_options)
        self.live_sampler.set_seed_text(self.seed_input.value[-MAX_SEED:])
        sampler_panel.show_message("waiting for the first weights…")
        if self.latest_snapshot is not None:
            self._send_weights(self.latest_snapshot)
        self.run_sampler()

    def _post_sample(self, seed: str, generated: str, probs: Any, step: int, done: bool) -> None:
        self.post_message(SampleUpdate(seed, generated, probs, step, done))

    def _post_inspection(self, inspection: Any, step: int) -> None:
        self.post_message(InspectionReady(inspection, step))

    # ---- messages from the trainer and the sampler ----

    def on_trainer_messages(self, message: TrainerMessages) -> None:
        if self.closing:
            return
        state = self.state
        for item in message.items:
            if isinstance(item, list):
                for event in item:
                    state.on_event(event)
                    if isinstance(event, StopEvent) and event.reason != "stopped":
                        self.notify(event.message, severity="error" if event.reason == "diverged" else "information",
                                    timeout=10)
            elif isinstance(item, Ready):
                state.on_ready(item)
                self.settings_panel.show(item.spec, item.parameters)
            elif isinstance(item, Snapshot):
                self.latest_snapshot = item
                self._send_weights(item)
            elif isinstance(item, Saved):
                self.notify(f"saved {item.path} at step {item.step:,}", title="checkpoint")
            elif isinstance(item, Failed):
                self.notify(item.message, severity="error", timeout=8)

    def _send_weights(self, snapshot: Snapshot) -> None:
        if self.live_sampler is not None and self.state.ready is not None:
            self.live_sampler.set_weights(self.state.spec.model, self.state.ready.vocab, snapshot.weights,
                                          snapshot.step)

    def on_sample_update(self, message: SampleUpdate) -> None:
        if self.closing:
            return
        self.last_sample = message
        self.sampler_panel.show_sample(message.seed, message.generated, message.step, message.done)
        if self.state.ready is not None:
            self.distribution.show(message.probs, self.state.ready.vocab)

    def on_inspection_ready(self, message: InspectionReady) -> None:
        if self.closing:
            return
        self.last_inspection = message
        self.hidden_view.set_inspection(message.inspection)

    # ---- sampling controls ----

    @on(SamplerPanel.SeedSubmitted)
    def set_seed(self, message: SamplerPanel.SeedSubmitted) -> None:
        seed = message.text
        if self.state.ready is not None:
            from rnn_tui.data import Vocab

            try:
                Vocab(self.state.ready.vocab).encode(seed)
            except UserError as exc:
                self.notify(f"seed refused: {exc}", severity="error")
                return
        if len(seed) > MAX_SEED:
            self.notify(f"seed shortened to its last {MAX_SEED} characters", severity="warning")
            seed = seed[-MAX_SEED:]
        if self.live_sampler is not None:
            self.live_sampler.set_seed_text(seed)

    @on(SamplerPanel.TopKSubmitted)
    def set_top_k(self, message: SamplerPanel.TopKSubmitted) -> None:
        vocab_size = len(self.state.ready.vocab) if self.state.ready else None
        try:
            top_k = int(message.value or "0")
            if vocab_size is not None and top_k > vocab_size:
                raise ValueError
        except ValueError:
            self.notify(f"top-k must be a whole number from 0 (off) to {vocab_size}, not {message.value!r}",
                        severity="error")
            return
        if self.sample_settings is not None:
            self.sample_settings.top_k = top_k

    @on(TemperatureControl.Changed)
    def temperature_changed(self, message: TemperatureControl.Changed) -> None:
        if self.sample_settings is not None:
            self.sample_settings.temperature = message.value

    @on(Switch.Changed, "#greedy")
    def greedy_changed(self, message: Switch.Changed) -> None:
        if self.sample_settings is not None:
            self.sample_settings.greedy = message.value

    def action_temperature(self, direction: int) -> None:
        self.temperature.action_nudge(direction)

    def action_toggle_greedy(self) -> None:
        switch = self.greedy_switch
        switch.value = not switch.value

    # ---- training controls ----

    def action_toggle_pause(self) -> None:
        state = self.state
        if state.paused:
            self.trainer.resume()
            state.paused, state.finished = False, None
        else:
            self.trainer.pause()
            state.paused = True
        state.version += 1
        self.status_panel.show()  # at once: the key should answer visibly

    def action_step_once(self) -> None:
        if not self.state.paused:
            self.action_toggle_pause()
        self.trainer.step_once()

    def action_save(self) -> None:
        self.trainer.save(self.checkpoint_path)

    def action_reset(self) -> None:
        self.confirm_reset(self.state.spec, "Reset the model to fresh random weights? Unsaved training is lost.")

    def confirm_reset(self, spec: RunSpec, question: str) -> None:
        def answer(yes: bool | None) -> None:
            if yes:
                self.restart(spec)

        self.push_screen(ConfirmScreen(question, "Reset"), answer)

    def restart(self, spec: RunSpec) -> None:
        """Have the training process build a new run (a new model, text or checkpoint)."""
        self.state.ready = None
        self.state.version += 1
        self.trainer.reset(replace(spec, paused=self.state.paused))
        self.status_panel.show()

    def action_show_tab(self, tab: str) -> None:
        self.set_focus(None)  # a focused widget in the other pane would hold its tab in view
        self.query_one(TabbedContent).active = tab
        if tab == "settings-tab":
            self.settings_panel.query_one("#set-cell").focus()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.state.spec.model.cell))

    @on(SettingsPanel.Applied)
    def apply_settings(self, message: SettingsPanel.Applied) -> None:
        try:
            model, train = parse_settings(message.values, self.state.spec)
        except UserError as exc:
            self.notify(str(exc), severity="error")
            return
        current = self.state.spec
        if model != current.model or (train.seq, train.batch) != (current.train.seq, current.train.batch):
            self.confirm_reset(replace(current, model=model, train=train, checkpoint=None),
                               "The new settings need a fresh model. Reset and start again?")
        elif train.lr != current.train.lr:
            self.change_lr(train.lr)
        else:
            self.notify("nothing changed")

    def change_lr(self, lr: float) -> None:
        self.trainer.set_lr(lr)
        self.state.spec = replace(self.state.spec, train=replace(self.state.spec.train, lr=lr))
        self.state.mark_lr_change(lr)
        self.notify(f"learning rate {lr:g} from the next step")

    # ---- commands from the palette ----

    def change_cell(self, cell: str) -> None:
        spec = self.state.spec
        self.confirm_reset(replace(spec, model=replace(spec.model, cell=cell), checkpoint=None),
                           f"Switch to a fresh {cell.upper()} model? Unsaved training is lost.")

    def use_preset(self, name: str) -> None:
        preset, spec = PRESETS[name], self.state.spec
        model = apply_overrides(ModelConfig(vocab_size=spec.model.vocab_size), preset.model)
        train = apply_overrides(TrainConfig(), preset.train)
        self.confirm_reset(replace(spec, model=model, train=train, checkpoint=None),
                           f"Start a fresh {name} run ({preset.description})? Unsaved training is lost.")

    def switch_text(self, path: str) -> None:
        if not Path(path).is_file():
            self.notify(f"no such file: {path}", severity="error")
            return
        spec = self.state.spec
        self.confirm_reset(replace(spec, text_path=path, model=replace(spec.model, vocab_size=0), checkpoint=None),
                           f"Train a fresh model on {Path(path).name}? Unsaved training is lost.")

    def prompt_text_file(self) -> None:
        self.push_screen(PromptScreen("Text file to learn (UTF-8):"), lambda p: p and self.switch_text(p))

    def prompt_load_checkpoint(self) -> None:
        def load(path: str | None) -> None:
            if not path:
                return
            if not Path(path).is_file():
                self.notify(f"no such checkpoint: {path}", severity="error")
                return
            self.restart(replace(self.state.spec, checkpoint=path))

        self.push_screen(PromptScreen("Checkpoint to load:", self.checkpoint_path), load)

    def prompt_save_checkpoint(self) -> None:
        def save(path: str | None) -> None:
            if path:
                self.checkpoint_path = path
                self.action_save()

        self.push_screen(PromptScreen("Save checkpoint as:", self.checkpoint_path), save)

    # ---- quitting ----

    async def action_quit(self) -> None:
        await self.shutdown()
        self.exit()

    async def shutdown(self) -> None:
        """Stop the sampler and the training process (saving first after a long run)."""
        if self.closing:
            return
        self.closing = True
        if self.live_sampler is not None:
            self.live_sampler.stop()
        autosave = self.checkpoint_path if self.state.elapsed > self.autosave_after else None
        await asyncio.to_thread(self.trainer.close, autosave)

    async def on_unmount(self) -> None:
        await self.shutdown()


def parse_settings(values: dict[str, str], spec: RunSpec) -> tuple[ModelConfig, TrainConfig]:
    """The settings form's text as configs; a bad field is a one-line UserError naming it."""

    def number(name: str, kind: type) -> Any:
        text = values[name]
        try:
            value = kind(text)
        except ValueError:
            raise UserError(f"{name}: {text!r} is not a {'whole ' if kind is int else ''}number") from None
        if kind is float and not math.isfinite(value):
            raise UserError(f"{name}: {text!r} is not a finite number")
        return value

    model = replace(spec.model, cell=values["cell"], hidden=number("hidden", int), layers=number("layers", int),
                    embed=number("embed", int), dropout=number("dropout", float))
    train = replace(spec.train, seq=number("seq", int), batch=number("batch", int), lr=number("lr", float))
    replace(model, vocab_size=model.vocab_size or 1).validate()  # the vocabulary comes from the text later
    return model, train.validate()
