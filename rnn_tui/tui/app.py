"""The playground app: the layout, and routing. Keys and widget messages go to the training and
sampling controllers; what the training process reports goes into `RunState`, which widgets read."""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from pathlib import Path

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.notifications import SeverityLevel
from textual.widgets import Footer, Header, Input, Switch, TabbedContent, TabPane

from rnn_tui.engine.config import CELLS
from rnn_tui.run.protocol import Ready, TrainerHandle
from rnn_tui.run.race_process import RaceRequest
from rnn_tui.run.spec import DEFAULT_CHECKPOINT, RunSpec
from rnn_tui.tui.commands import PlaygroundCommands
from rnn_tui.tui.controllers.insight import InsightController
from rnn_tui.tui.controllers.sampling import SamplingController
from rnn_tui.tui.controllers.training import TrainingController
from rnn_tui.tui.messages import (
    BeamReady,
    EngineLoaded,
    FanUpdate,
    InsightFailed,
    InsightReady,
    InspectionReady,
    SamplerFailed,
    SampleUpdate,
    SweepReady,
    TrainerMessages,
    WriterReady,
)
from rnn_tui.tui.screens.compare import CompareScreen
from rnn_tui.tui.screens.dialogs import PromptScreen
from rnn_tui.tui.screens.help import HelpScreen
from rnn_tui.tui.state import RunState
from rnn_tui.tui.widgets.factors import FactorsView
from rnn_tui.tui.widgets.fan import SamplerLab
from rnn_tui.tui.widgets.gates import GatesView
from rnn_tui.tui.widgets.gradients import GradientsView
from rnn_tui.tui.widgets.heatmap import HiddenStateView
from rnn_tui.tui.widgets.loss_plot import LossPlot
from rnn_tui.tui.widgets.passage import PassageControls
from rnn_tui.tui.widgets.sampler import Distribution, SamplerPanel
from rnn_tui.tui.widgets.settings import SettingsPanel
from rnn_tui.tui.widgets.status import TrainingStatus
from rnn_tui.tui.widgets.surprisal import SurprisalView
from rnn_tui.tui.widgets.temperature import TemperatureControl
from rnn_tui.tui.widgets.timeline import TimelineView
from rnn_tui.tui.widgets.units import UnitsView
from rnn_tui.tui.widgets.writer import WriterView

COMPACT_WIDTH, COMPACT_HEIGHT = 100, 39  # below 39 rows the full layout leaves the heatmap no room
TINY_WIDTH, TINY_HEIGHT = 70, 22
TRAINING_ACTIONS = {"toggle_pause", "step_once", "reset", "save"}  # off while watching a run trained elsewhere
PLAYGROUND_ACTIONS = {"toggle_pause", "step_once", "reset", "save", "temperature", "toggle_greedy", "toggle_best",
                      "toggle_freeze", "plot", "scrub", "reroll", "toggle_hold", "toggle_sampling", "copy_sample",
                      "help", "show_tab", "leave_field"}


class PlaygroundApp(App):
    TITLE = "rnn-tui"
    SUB_TITLE = "a char-RNN playground"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {PlaygroundCommands}
    BINDINGS = [  # in the footer's order: help first, so a narrow terminal never loses it
        Binding("f1", "help", "help", id="help"),
        Binding("space", "toggle_pause", "pause/resume", id="pause"),
        Binding("n", "step_once", "step", id="step"),
        Binding("r", "reset", "reset", id="reset"),
        Binding("s", "save", "save", id="save"),
        Binding("left_square_bracket", "temperature(-1)", "colder", key_display="[", id="colder"),
        Binding("right_square_bracket", "temperature(1)", "hotter", key_display="]", id="hotter"),
        Binding("g", "toggle_greedy", "greedy", id="greedy"),
        Binding("b", "toggle_best", "best weights", id="best"),
        Binding("d", "reroll", "new random seed", id="reroll", show=False),
        Binding("h", "toggle_hold", "hold the random seed", id="hold", show=False),
        Binding("p", "toggle_sampling", "pause sampling", id="pause-sampling", show=False),
        Binding("c", "copy_sample", "copy the sample", id="copy", show=False),
        Binding("f", "toggle_freeze", "freeze heatmap", id="freeze", show=False),  # in the help; the footer is full
        Binding("x", "plot('cycle_x')", "plot: step, epoch or time", id="plot-x", show=False),
        Binding("l", "plot('toggle_log')", "plot: log y", id="plot-log", show=False),
        Binding("m", "plot('cycle_smoothing')", "plot: smoothing", id="plot-smoothing", show=False),
        Binding("comma", "scrub(-1)", "replay earlier", key_display=",", id="earlier", show=False),
        Binding("full_stop", "scrub(1)", "replay later", key_display=".", id="later", show=False),
        Binding("escape", "leave_field", "leave the field", show=False, id="leave-field"),
        Binding("f2", "show_tab('playground')", "playground", id="playground-tab", show=False),
        Binding("f3", "show_tab('settings-tab')", "settings", id="settings-tab", show=False),
        Binding("f4", "show_tab('units-tab')", "units", id="units-tab", show=False),
        Binding("f5", "show_tab('factors-tab')", "factors", id="factors-tab", show=False),
        Binding("f6", "show_tab('gates-tab')", "gates", id="gates-tab", show=False),
        Binding("f7", "show_tab('surprisal-tab')", "surprisal", id="surprisal-tab", show=False),
        Binding("f8", "show_tab('write-tab')", "write", id="write-tab", show=False),
        Binding("f9", "show_tab('gradients-tab')", "gradients", id="gradients-tab", show=False),
        Binding("f10", "show_tab('timeline-tab')", "timeline", id="timeline-tab", show=False),
        Binding("f11", "show_tab('sampler-tab')", "sampler", id="sampler-tab", show=False),
    ]

    def __init__(self, spec: RunSpec, trainer: TrainerHandle, checkpoint_path: str = DEFAULT_CHECKPOINT,
                 sample_seed: int | None = None, sample_pace: float | None = 120.0, sample_pause: float = 1.5,
                 watching: str | None = None):
        super().__init__()
        self.state = RunState(spec, paused=spec.paused, watching=watching)
        self.training = TrainingController(self, trainer, checkpoint_path)
        self.sampling = SamplingController(self, seed=sample_seed, pace=sample_pace, pause=sample_pause)
        self.insight = InsightController(self)
        self.last_sample: SampleUpdate | None = None
        self.last_fan: FanUpdate | None = None
        self.last_inspection: InspectionReady | None = None
        self.sampler_failure: str | None = None  # the last failure shown, so a repeat is not shown again
        self.notices: deque[tuple[SeverityLevel, str]] = deque(maxlen=100)  # every notification shown, newest last
        # The views of what the model learned, mounted when first opened: most sessions never pay
        # for their widgets, and the first frame comes sooner.
        self.units_view: UnitsView | None = None
        self.factors_view: FactorsView | None = None
        self.gates_view: GatesView | None = None
        self.surprisal_view: SurprisalView | None = None
        self.gradients_view: GradientsView | None = None
        self.writer_view: WriterView | None = None
        self.sampler_lab: SamplerLab | None = None

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
            yield TabPane("What it learned", id="learned")  # filled when first opened: see open_views
            yield TabPane("Sampler", id="sampler-tab")  # filled when first opened
            yield TabPane("Write", id="write-tab")
            with TabPane("Timeline", id="timeline-tab"):
                yield TimelineView(self.state, id="timeline-view")
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
        self.training.start()
        self.sampling.start()

    def on_resize(self, event: events.Resize) -> None:
        width, height = event.size
        self.set_class(width < COMPACT_WIDTH or height < COMPACT_HEIGHT, "-compact")
        self.set_class(width < TINY_WIDTH or height < TINY_HEIGHT, "-tiny")

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        self.notices.append((severity, message))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    # ---- messages from the training process and the sampler ----

    def on_trainer_messages(self, message: TrainerMessages) -> None:
        if not self.training.closing:
            self.training.receive(message.items)

    def run_ready(self, ready: Ready) -> None:
        """A run was built: the settings form and the sampler follow it."""
        self.show_settings()
        self.sampling.run_ready(len(ready.vocab))
        self.insight.run_ready()

    def on_engine_loaded(self, message: EngineLoaded) -> None:
        if message.error:
            self.sampler_panel.show_message(f"the engine failed to load: {message.error}")
            return
        self.sampler_panel.show_message("waiting for the first weights…")
        self.sampling.engine_ready(self.temperature.value, self.greedy_switch.value, self.seed_input.value)
        self.insight.engine_ready()

    def show_settings(self) -> None:
        """The settings form shows the run's settings in force (and drops what was typed)."""
        ready = self.state.ready
        self.settings_panel.show(self.state.spec, None if ready is None else ready.start.parameters)

    def current(self, run: int) -> bool:
        """Whether something the sampler made belongs to the run on screen (and the app is not closing)."""
        return run == self.training.run and not self.training.closing

    def on_sample_update(self, message: SampleUpdate) -> None:
        if not self.current(message.run):
            return
        self.last_sample = message
        self.sampler_failure = None
        self.sampler_panel.show_sample(message.seed, message.generated, self.sampling.note(message), message.done)
        self.distribution.show(message.probs, message.shaped, message.vocab)
        if message.done:
            self.sampling.keep(message)
            if self.sampler_lab is not None:
                self.sampler_lab.show_history(list(self.sampling.history))

    def on_fan_update(self, message: FanUpdate) -> None:
        if self.current(message.run) and self.sampler_lab is not None:
            self.last_fan = message
            self.sampler_lab.show_fan(self.sampling.temperatures, message.rows, message.log_probs, message.seed,
                                      self.sampling.note(message))

    def on_beam_ready(self, message: BeamReady) -> None:
        if self.current(message.run) and self.sampler_lab is not None:
            self.sampler_lab.show_beam(message.beam)

    def on_sweep_ready(self, message: SweepReady) -> None:
        if self.current(message.run) and self.sampler_lab is not None:
            self.sampler_lab.show_trade_off(message.points, message.step)

    def on_inspection_ready(self, message: InspectionReady) -> None:
        if not self.current(message.run):
            return
        self.last_inspection = message
        self.hidden_view.set_inspection(message.inspection)

    def on_insight_ready(self, message: InsightReady) -> None:
        if self.current(message.run):
            self.insight.receive(message.insight)

    def on_insight_failed(self, message: InsightFailed) -> None:
        if self.current(message.run):
            self.notify(f"reading the passage failed: {message.error}", severity="error", timeout=8)

    def on_writer_ready(self, message: WriterReady) -> None:
        if self.current(message.run):
            self.insight.writer_ready(message)

    def on_sampler_failed(self, message: SamplerFailed) -> None:
        if not self.current(message.run) or message.error == self.sampler_failure:
            return
        self.sampler_failure = message.error
        self.sampler_panel.show_message(f"sampling failed, trying again: {message.error}")
        self.notify(f"sampling failed: {message.error}", severity="error", timeout=8)

    # ---- sampling controls ----

    @on(SamplerPanel.SeedSubmitted)
    def set_seed(self, message: SamplerPanel.SeedSubmitted) -> None:
        self.sampling.set_seed(message.text)

    @on(SamplerPanel.RuleSubmitted)
    def set_rule(self, message: SamplerPanel.RuleSubmitted) -> None:
        self.sampling.set_rule(message.rule, message.value)

    @on(SamplerLab.Changed)
    def sampler_lab_changed(self, message: SamplerLab.Changed) -> None:
        setter = {"temperatures": self.sampling.set_temperatures, "length": self.sampling.set_length,
                  "pace": self.sampling.set_pace, "beam": self.sampling.set_beam}[message.name]
        if setter(message.value) and message.name == "beam" and not self.sampling.beam:
            self.sampler_lab.show_beam(None)

    def action_reroll(self) -> None:
        """`d`: a new random seed (the sampler and the fan share it)."""
        seed = self.sampling.reroll()
        if seed is not None:
            self.notify(f"random seed {seed}")

    def action_toggle_hold(self) -> None:
        """`h`: hold the random seed (the same numbers every sample) or draw a new one each sample."""
        held = self.sampling.toggle_hold()
        self.notify("random seed held: same settings, same weights, same text" if held
                    else "a new random seed for every sample")

    def action_toggle_sampling(self) -> None:
        """`p`: pause or resume sampling; training goes on."""
        running = self.sampling.toggle_running()
        if not running:
            self.sampler_panel.show_note(self.sampler_panel.note + " · sampling paused")
        self.sampling.show_fan(running and self.query_one("#tabs", TabbedContent).active == "sampler-tab")

    def action_copy_sample(self) -> None:
        """`c`: copy a sample (the Sampler tab's highlighted one, else the latest) to the clipboard."""
        sample = self.sampler_lab.highlighted_sample() if self.sampler_lab is not None else None
        text = (sample.seed + sample.text) if sample else (self.last_sample.seed + self.last_sample.generated
                                                           if self.last_sample else "")
        if not text:
            self.notify("no sample to copy yet")
            return
        self.copy_to_clipboard(text)
        self.notify(f"copied {len(text)} characters")

    @on(TemperatureControl.Changed)
    def temperature_changed(self, message: TemperatureControl.Changed) -> None:
        self.sampling.set_temperature(message.value)

    @on(Switch.Changed, "#greedy")
    def greedy_changed(self, message: Switch.Changed) -> None:
        self.sampling.set_greedy(message.value)
        self.temperature.greedy = message.value

    def action_temperature(self, direction: int) -> None:
        self.temperature.action_nudge(direction)

    def action_toggle_greedy(self) -> None:
        self.greedy_switch.value = not self.greedy_switch.value

    def action_toggle_freeze(self) -> None:
        self.hidden_view.toggle_freeze()

    def action_plot(self, option: str) -> None:
        """x: step, epoch or training time; l: log y; m: the train curve's smoothing."""
        getattr(self.query_one(LossPlot), option)()

    def action_scrub(self, direction: int) -> None:
        """`,` and `.`: move the loss plot's cursor to an earlier or later kept moment of the run."""
        if not self.state.moments:
            self.notify("nothing to replay yet: moments are kept at each evaluation")
            return
        was_live = self.state.replay is None
        self.sampling.scrub(direction)
        if was_live and direction > 0:
            self.notify("already live: `,` replays an earlier moment")

    def action_toggle_best(self) -> None:
        self.sampling.toggle_best()
        if self.sampling.use_best and self.sampling.best is None:
            self.notify("no best weights yet: they come with the first evaluation; sampling the latest until then")
        self.status_panel.sampling_best = self.sampling.use_best
        self.status_panel.show()

    # ---- what it learned ----

    @on(PassageControls.SourceChosen)
    def choose_passage(self, message: PassageControls.SourceChosen) -> None:
        self.insight.choose_source(message.source, message.text)

    @on(UnitsView.HypothesisSubmitted)
    def set_hypothesis(self, message: UnitsView.HypothesisSubmitted) -> None:
        self.insight.set_hypothesis(message.pattern)

    @on(UnitsView.SpanAsked)
    def ask_span(self, message: UnitsView.SpanAsked) -> None:
        self.insight.ask_span(message.start, message.end, message.threshold)

    @on(FactorsView.Asked)
    def ask_factors(self) -> None:
        self.insight.ask_factors()

    @on(GradientsView.TargetChosen)
    def choose_target(self, message: GradientsView.TargetChosen) -> None:
        self.insight.choose_target(message.target)

    @on(HiddenStateView.OrderChosen)
    def order_heatmap(self, message: HiddenStateView.OrderChosen) -> None:
        self.insight.order_heatmap(message.feature)

    @on(WriterView.Typed)
    def writer_typed(self, message: WriterView.Typed) -> None:
        self.insight.type(message.text)

    @on(WriterView.Accepted)
    def writer_accepted(self, message: WriterView.Accepted) -> None:
        self.insight.accept(message.rank)

    @on(WriterView.Rewound)
    def writer_rewound(self) -> None:
        self.insight.rewind()

    @on(WriterView.Kept)
    def writer_kept(self) -> None:
        self.insight.keep()

    @on(TabbedContent.TabActivated)
    async def tab_shown(self) -> None:
        """The insight views read their passage only while open: training keeps the cores otherwise."""
        outer = self.query_one("#tabs", TabbedContent).active
        await self.open_views(outer)
        inner = self.query_one("#learned-tabs", TabbedContent).active if self.units_view is not None else ""
        view = {"learned": inner.removesuffix("-tab"), "write-tab": "write"}.get(outer)
        if view != self.insight.view:
            self.insight.show_view(view)
        self.sampling.show_fan(outer == "sampler-tab")

    async def open_views(self, tab: str) -> None:
        """Mount the views of a tab the first time it is opened."""
        if tab == "learned" and self.units_view is None:
            self.units_view, self.factors_view = UnitsView(id="units"), FactorsView(id="factors")
            self.gates_view, self.surprisal_view = GatesView(id="gates"), SurprisalView(id="surprisal")
            self.gradients_view = GradientsView(id="gradients")
            tabs = TabbedContent(id="learned-tabs")
            await self.query_one("#learned", TabPane).mount(PassageControls(self.insight.source, id="passage-controls"),
                                                            tabs)
            for title, view in (("Units", self.units_view), ("Factors", self.factors_view),
                                ("Gates", self.gates_view), ("Surprisal", self.surprisal_view),
                                ("Gradients", self.gradients_view)):
                await tabs.add_pane(TabPane(title, view, id=f"{view.id}-tab"))
            self.insight.views_opened()
        elif tab == "sampler-tab" and self.sampler_lab is None and not self.query("#sampler-lab"):
            lab = SamplerLab(id="sampler-lab")
            await self.query_one("#sampler-tab", TabPane).mount(lab)
            self.sampler_lab = lab  # only now: messages handled while it mounted must not find it half-built
            lab.show_history(list(self.sampling.history))
        elif tab == "write-tab" and self.writer_view is None and not self.query("#writer"):
            writer = WriterView(id="writer")
            await self.query_one("#write-tab", TabPane).mount(writer)
            self.writer_view = writer

    def passage_controls(self) -> list[PassageControls]:
        return list(self.query(PassageControls))

    # ---- training controls ----

    def action_toggle_pause(self) -> None:
        self.training.toggle_pause()
        self.status_panel.show()  # at once: the key should answer visibly

    def action_step_once(self) -> None:
        self.training.step_once()
        self.status_panel.show()

    def action_save(self) -> None:
        self.training.save()

    def action_reset(self) -> None:
        self.training.reset()

    @on(SettingsPanel.Applied)
    def apply_settings(self, message: SettingsPanel.Applied) -> None:
        self.training.apply_settings(message.values)

    # ---- screens ----

    async def action_show_tab(self, tab: str) -> None:
        self.set_focus(None)  # a focused widget in the other pane would hold its tab in view
        if tab in ("units-tab", "factors-tab", "gates-tab", "surprisal-tab", "gradients-tab"):
            await self.open_views("learned")
            self.query_one("#learned-tabs", TabbedContent).active = tab
            tab = "learned"
        await self.open_views(tab)
        self.query_one("#tabs", TabbedContent).active = tab
        if tab == "settings-tab":
            self.settings_panel.query_one("#set-cell").focus()
        elif tab == "write-tab" and self.writer_view is not None:
            self.writer_view.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The playground's keys act on the playground: while help or the comparison is open they are
        off (and so not listed in its footer); quitting and the palette stay on."""
        if isinstance(self.screen, (HelpScreen, CompareScreen)) and action in PLAYGROUND_ACTIONS:
            return False
        return not (self.state.watching and action in TRAINING_ACTIONS)

    def action_leave_field(self) -> None:
        """Escape leaves a text box (the seed, top-k, a setting), so the keys work again."""
        if isinstance(self.focused, Input):
            self.set_focus(None)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.state.spec.model.cell))

    def race_cells(self, minutes: float) -> None:
        """The four cells at this run's parameter count and text; the run waits while they train."""
        from rnn_tui.run.race_process import RaceRequest

        ready, spec = self.state.ready, self.state.spec
        if ready is None:
            self.notify("no run yet: the race uses its text and size", severity="warning")
            return
        train = replace(spec.train, steps=None, epochs=None, minutes=minutes)
        self.open_race(RaceRequest(ready.spec.text, CELLS, max(1000, ready.start.parameters), spec.model.embed,
                                   spec.model.layers, train))

    def open_race(self, request: RaceRequest) -> None:
        was_training = not self.state.paused and not self.state.watching  # a watched run is not ours to pause
        if was_training:
            self.training.toggle_pause()

        def closed(_: None) -> None:
            if was_training and self.state.paused:
                self.training.toggle_pause()

        self.push_screen(CompareScreen(request), closed)

    def compare_runs(self) -> None:
        self.push_screen(CompareScreen())

    def prompt_text(self) -> None:
        self.push_screen(PromptScreen("Text file (UTF-8) or built-in text to learn:"),
                         lambda text: text and self.training.switch_text(text))

    def prompt_passage(self) -> None:
        self.push_screen(PromptScreen("Passage to read (a UTF-8 file or a built-in text):"),
                         lambda path: path and self.insight.load_passage(path))

    def prompt_load_checkpoint(self) -> None:
        self.push_screen(PromptScreen("Checkpoint to load:", self.training.checkpoint_path),
                         lambda path: path and self.training.load_checkpoint(path))

    def prompt_save_checkpoint(self) -> None:
        self.push_screen(PromptScreen("Save checkpoint as:", self.training.checkpoint_path),
                         lambda path: path and self.training.save(path))

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        """The palette's "Screenshot": Textual saves to a Downloads folder that a server may not have;
        save where the user is instead (Textual then says where)."""
        return super().deliver_screenshot(filename, path or str(Path.cwd()), time_format)

    # ---- quitting ----

    async def action_quit(self) -> None:
        await self.shutdown()
        self.exit()

    async def shutdown(self) -> None:
        """Stop the sampler, a race on screen and the training process (saving first after a long run)."""
        self.sampling.stop()
        self.insight.stop()
        for screen in self.screen_stack:
            if isinstance(screen, CompareScreen) and screen.race is not None:
                screen.race.close()
        await self.training.shutdown()

    async def on_unmount(self) -> None:
        await self.shutdown()
