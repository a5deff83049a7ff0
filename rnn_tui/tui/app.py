"""The playground app: the layout, and routing. Keys and widget messages go to the controllers;
what the background work sends goes to the controller that owns it, which publishes results
on typed channels (`channels.py`) that the views watch. The views and their keys come from `views.py`."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.notifications import SeverityLevel
from textual.widget import Widget
from textual.widgets import Header, Input, Switch, TabbedContent, TabPane

from rnn_tui.engine.compare import parse_vary
from rnn_tui.engine.errors import UserError
from rnn_tui.run.compare_process import RACE, CompareRequest
from rnn_tui.run.counting import Counting, CountingProcess
from rnn_tui.run.protocol import TrainerHandle
from rnn_tui.run.spec import DEFAULT_CHECKPOINT, RunSpec
from rnn_tui.tui.channels import Channels
from rnn_tui.tui.commands import PlaygroundCommands
from rnn_tui.tui.controllers.counting import CountingController
from rnn_tui.tui.controllers.insight import InsightController
from rnn_tui.tui.controllers.lessons import LessonsController
from rnn_tui.tui.controllers.sampling import SamplingController
from rnn_tui.tui.controllers.step import StepController
from rnn_tui.tui.controllers.training import TrainingController
from rnn_tui.tui.controllers.weights import WeightsController
from rnn_tui.tui.controllers.writer import WriterController
from rnn_tui.tui.messages import (
    BeamReady,
    CountedReady,
    EngineLoaded,
    FanUpdate,
    InsightFailed,
    InsightReady,
    InspectionReady,
    SamplerFailed,
    SampleUpdate,
    StepReady,
    SweepReady,
    TrainerMessages,
    WriterReady,
)
from rnn_tui.tui.results import Inspected, LessonRun, Sweep
from rnn_tui.tui.screens.compare import CompareScreen
from rnn_tui.tui.screens.dialogs import PromptScreen
from rnn_tui.tui.screens.help import HelpScreen
from rnn_tui.tui.state import RunState
from rnn_tui.tui.views import BY_ID, LEARNED, LEARNED_VIEWS, VIEWS, Feed, view_of
from rnn_tui.tui.widgets.factors import FactorsView
from rnn_tui.tui.widgets.fan import SamplerLab
from rnn_tui.tui.widgets.footer import SteadyFooter
from rnn_tui.tui.widgets.gradients import GradientsView
from rnn_tui.tui.widgets.heatmap import HiddenStateView
from rnn_tui.tui.widgets.lessons import STEP, LessonsView
from rnn_tui.tui.widgets.loss_plot import LossPlot
from rnn_tui.tui.widgets.passage import PassageControls
from rnn_tui.tui.widgets.sampler import Distribution, SamplerPanel
from rnn_tui.tui.widgets.settings import SettingsPanel
from rnn_tui.tui.widgets.status import TrainingStatus
from rnn_tui.tui.widgets.step import StepView
from rnn_tui.tui.widgets.temperature import TemperatureControl
from rnn_tui.tui.widgets.timeline import TimelineView
from rnn_tui.tui.widgets.units import UnitsView
from rnn_tui.tui.widgets.writer import WriterView

COMPACT_WIDTH, COMPACT_HEIGHT = 100, 39  # below 39 rows the full layout leaves the heatmap no room
TINY_WIDTH, TINY_HEIGHT = 70, 22
TRAINING_ACTIONS = {"toggle_pause", "step_once", "reset", "save"}  # off while watching a run trained elsewhere
PLAYGROUND_ACTIONS = {"toggle_pause", "step_once", "reset", "save", "temperature", "toggle_greedy", "toggle_best",
                      "toggle_freeze", "plot", "scrub", "reroll", "toggle_hold", "toggle_sampling", "copy_sample",
                      "help", "show_tab", "leave_field", "maximize_panel"}


class PlaygroundApp(App):
    TITLE = "rnn-tui"
    SUB_TITLE = "a char-RNN playground"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {PlaygroundCommands}
    BINDINGS = [  # in the footer's order: help first, so a narrow terminal never loses it
        Binding("f1", "help", "help", id="help"),
        Binding(BY_ID["lessons"].key, "show_tab('lessons')", "lessons", id=BY_ID["lessons"].pane),  # a first step
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
        Binding("y", "plot('toggle_whole_y')", "plot: the whole y range", id="plot-y", show=False),
        Binding("comma", "scrub(-1)", "replay earlier", key_display=",", id="earlier", show=False),
        Binding("full_stop", "scrub(1)", "replay later", key_display=".", id="later", show=False),
        Binding("z", "maximize_panel", "maximise the panel", id="maximize", show=False),
        Binding("escape", "leave_field", "leave the field", show=False, id="leave-field"),
        *(Binding(view.key, f"show_tab('{view.id}')", view.title.lower(), id=view.pane, show=False)
          for view in VIEWS if view.id != "lessons"),
    ]

    def __init__(self, spec: RunSpec, trainer: TrainerHandle, checkpoint_path: str = DEFAULT_CHECKPOINT,
                 random_seed: int | None = None, sample_pace: float | None = 120.0, sample_gap: float = 1.5,
                 watching: str | None = None, hint_marker: Path | None = None, lesson_steps: int | None = None,
                 counter: Callable[[str, str], Counting] = CountingProcess):
        """`hint_marker`: a file whose absence means a first launch (the title then points to the
        lessons until they are opened); `lesson_steps`: a step budget per lesson run (tests);
        `counter`: what counts a text (a process of its own; tests count their small texts in place)."""
        super().__init__()
        self.channels = Channels(self)
        self.state = RunState(spec, paused=spec.paused, watching=watching,
                              on_change=lambda: self.channels.run.publish(self.state))
        self.hint_marker = hint_marker
        self.first_launch = hint_marker is not None and not hint_marker.exists()
        if self.first_launch:  # in the title, where it shifts none of the numbers below
            self.sub_title = f"{self.SUB_TITLE} · new here? press L for the lessons"
        # a new run: what was said of the old one goes (a coach's toast about another run's curve would
        # mislead); followed first, so that what the controllers below say of the new run stays
        self.channels.ready.follow(lambda ready: ready is not None and self.clear_notifications())
        self.counting = CountingController(self, counter)
        self.weights = WeightsController(self)  # which weights every view reads
        self.sampling = SamplingController(self, random_seed=random_seed, pace=sample_pace, gap=sample_gap,
                                           count=self.counting.ask)
        self.learned = InsightController(self, lambda: self.sampling.last, count=self.counting.ask)
        self.writer = WriterController(self, lambda: self.learned.last)
        self.training = TrainingController(self, trainer, checkpoint_path)
        self.lessons = LessonsController(self, lesson_steps)
        self.step = StepController(self, self.learned.passage,
                                   lambda: self.sampling.settings.temperature if self.sampling.settings else 1.0)
        self.notices: deque[tuple[SeverityLevel, str]] = deque(maxlen=100)  # every notification shown, newest last
        # The views of what the model learned, the writer and the sampler lab are mounted when first
        # opened: most sessions never pay for their widgets, and the first frame comes sooner.
        self.views: dict[str, Widget] = {}

    # ---- layout ----

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="tabs"):
            learned = False
            for view in VIEWS:
                if view.inside == LEARNED:
                    if not learned:
                        learned = True
                        yield TabPane("What it learned", id=LEARNED, classes="view-pane")  # filled when opened
                    continue
                with TabPane(view.title, id=view.pane, classes="view-pane"):
                    yield from self.compose_view(view.id)
        yield SteadyFooter()

    def compose_view(self, view: str) -> ComposeResult:
        """The views that are there from the start (the others are mounted when first opened)."""
        if view == "playground":
            with Horizontal(id="top"):
                yield TrainingStatus(self.state, id="status", classes="panel")
                yield LossPlot(self.state, id="plot", classes="panel")
            with Horizontal(id="middle"):
                yield SamplerPanel(id="sampler", classes="panel")
                yield Distribution(id="distribution", classes="panel")
            yield HiddenStateView(id="hidden", classes="panel")
        elif view == "timeline":
            yield TimelineView(self.state, id="timeline-view")
        elif view == "settings":
            yield SettingsPanel(id="settings", classes="panel")

    def on_mount(self) -> None:
        # Held here because key actions reach them while a dialog is the active screen.
        self.status_panel = self.query_one(TrainingStatus)
        self.hidden_view = self.query_one(HiddenStateView)
        self.temperature = self.query_one(TemperatureControl)
        self.greedy_switch = self.query_one("#greedy", Switch)
        self.seed_input = self.query_one("#seed", Input)
        for widget_id, title in [("status", "Training"), ("plot", "Loss"), ("sampler", "Sampling"),
                                 ("distribution", "Next character"), ("hidden", "Hidden state"),
                                 ("settings", "Model and training")]:
            self.query_one(f"#{widget_id}").border_title = title
        self.call_after_refresh(self.start_background_work)  # the first frame first: both compete for the cores
        if self.first_launch:
            self.notify("New here? L opens the lessons: the lecture's claims about recurrent networks, each run "
                        "on real networks and judged on the numbers.", title="lessons", timeout=20)

    def lessons_seen(self) -> None:
        """The lessons were found: the first-launch hint goes, for this launch and the next."""
        self.first_launch, self.sub_title = False, self.SUB_TITLE
        if self.hint_marker is not None:
            try:
                self.hint_marker.parent.mkdir(parents=True, exist_ok=True)
                self.hint_marker.touch()
            except OSError:
                pass  # a read-only home: the hint comes back next time, nothing else is lost

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

    def view(self, view_id: str) -> Widget | None:
        """The widget of a view once it is mounted."""
        return self.views.get(view_id)

    # ---- what the background work sends, to the controller that owns it ----

    def on_trainer_messages(self, message: TrainerMessages) -> None:
        if not self.training.closing:
            self.training.apply(message.items)

    def on_engine_loaded(self, message: EngineLoaded) -> None:
        if message.error:
            self.sampling.engine_failed(message.error)
            return
        self.sampling.engine_ready(self.temperature.value, self.greedy_switch.value, self.seed_input.value)
        self.weights.engine_ready()
        self.learned.engine_ready()

    def current(self, run: int) -> bool:
        """Whether something made off the UI thread belongs to the run on screen (and the app is not closing)."""
        return run == self.state.run and not self.training.closing

    def on_sample_update(self, message: SampleUpdate) -> None:
        if self.current(message.sample.run):
            self.sampling.sample_written(message.sample)

    def on_fan_update(self, message: FanUpdate) -> None:
        if self.current(message.sample.run):
            self.sampling.fan_written(message.sample)

    def on_counted_ready(self, message: CountedReady) -> None:
        if self.current(message.run):
            self.sampling.sample_counted(message.counted, message.fan)

    def on_beam_ready(self, message: BeamReady) -> None:
        if self.current(message.run) and self.sampling.beam:
            self.channels.beam.publish(message.beam)

    def on_sweep_ready(self, message: SweepReady) -> None:
        if self.current(message.run):
            self.channels.sweep.publish(Sweep(message.points, message.step))

    def on_inspection_ready(self, message: InspectionReady) -> None:
        if self.current(message.run):
            self.channels.inspection.publish(Inspected(message.inspection, message.step))

    def on_insight_ready(self, message: InsightReady) -> None:
        if self.current(message.run):
            self.learned.insight_read(message.insight)

    def on_insight_failed(self, message: InsightFailed) -> None:
        if self.current(message.run):
            self.notify(f"reading the passage failed: {message.error}", severity="error", timeout=8)

    def on_step_ready(self, message: StepReady) -> None:
        if self.current(message.run):
            self.step.ready(message)

    @on(StepView.Move)
    def move_step(self, message: StepView.Move) -> None:
        self.step.move(message.delta)

    @on(StepView.PickUnits)
    def pick_step_units(self) -> None:
        chosen = "" if self.step.units is None else f"{self.step.layer + 1}: {', '.join(map(str, self.step.units))}"
        self.push_screen(PromptScreen("Units to read, e.g. 12, 40 (2: 12, 40 for layer 2; empty: the 6 whose h "
                                      "changed most):", chosen), self.step.set_units)

    def on_writer_ready(self, message: WriterReady) -> None:
        if self.current(message.run):
            self.writer.ready(message)

    def on_sampler_failed(self, message: SamplerFailed) -> None:
        if self.current(message.run):
            self.sampling.failed(message.error)

    # ---- sampling controls ----

    @on(SamplerPanel.SeedSubmitted)
    def set_seed_text(self, message: SamplerPanel.SeedSubmitted) -> None:
        self.sampling.set_seed_text(message.text)

    @on(SamplerPanel.RuleSubmitted)
    def set_rule(self, message: SamplerPanel.RuleSubmitted) -> None:
        self.sampling.set_rule(message.rule, message.value)

    @on(SamplerLab.Changed)
    def sampler_lab_changed(self, message: SamplerLab.Changed) -> None:
        setter = {"temperatures": self.sampling.set_temperatures, "length": self.sampling.set_length,
                  "pace": self.sampling.set_pace, "beam": self.sampling.set_beam}[message.name]
        if setter(message.value) and message.name == "beam" and not self.sampling.beam:
            self.channels.beam.publish(None)

    def action_reroll(self) -> None:
        """`d`: a new random seed (the sampler and the fan share it)."""
        random_seed = self.sampling.reroll()
        if random_seed is not None:
            self.notify(f"random seed {random_seed}")

    def action_toggle_hold(self) -> None:
        """`h`: hold the random seed (the same numbers every sample) or draw a new one each sample."""
        held = self.sampling.toggle_hold()
        self.notify("random seed held: same settings, same weights, same text" if held
                    else "a new random seed for every sample")

    def action_toggle_sampling(self) -> None:
        """`p`: pause or resume sampling; training goes on."""
        running = self.sampling.toggle_running()
        self.sampling.show_fan(running and self.open_view() == "sampler")

    def action_copy_sample(self) -> None:
        """`c`: copy a sample (the Sampler tab's highlighted one, else the latest) to the clipboard."""
        lab = self.view("sampler")
        chosen = lab.highlighted_sample() if isinstance(lab, SamplerLab) else None
        last = self.sampling.last
        text = (chosen.seed_text + chosen.text) if chosen else (last.seed_text + last.generated if last else "")
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
        """x: step, epoch or training time; l: log y; m: the train curve's smoothing; y: the whole y range."""
        getattr(self.query_one(LossPlot), option)()

    def action_scrub(self, direction: int) -> None:
        """`,` and `.`: move the loss plot's cursor to an earlier or later kept moment of the run."""
        if not self.state.moments:
            self.notify("nothing to replay yet: moments are kept at each evaluation")
            return
        was_live = self.state.replay is None
        if self.weights.scrub(direction):
            self.sampling.restart()  # the fan too: the same weights of another moment start over
        if was_live and direction > 0:
            self.notify("already live: `,` replays an earlier moment")

    def action_toggle_best(self) -> None:
        self.weights.toggle_best()
        if self.state.use_best and self.weights.best is None:
            self.notify("no best weights yet: they come with the first evaluation; sampling the latest until then")
        self.status_panel.show()

    # ---- what it learned ----

    @on(PassageControls.SourceChosen)
    def choose_passage(self, message: PassageControls.SourceChosen) -> None:
        self.learned.choose_source(message.source, message.text)
        self.step.refresh()

    @on(UnitsView.HypothesisSubmitted)
    def set_hypothesis(self, message: UnitsView.HypothesisSubmitted) -> None:
        self.learned.set_hypothesis(message.pattern)

    @on(UnitsView.SpanAsked)
    def ask_span(self, message: UnitsView.SpanAsked) -> None:
        self.learned.ask_span(message.start, message.end, message.threshold)

    @on(UnitsView.SpanCleared)
    def clear_span(self) -> None:
        self.learned.clear_span()

    @on(FactorsView.Asked)
    def ask_factors(self, message: FactorsView.Asked) -> None:
        self.learned.ask_factors(message.choice)

    @on(GradientsView.TargetChosen)
    def choose_target(self, message: GradientsView.TargetChosen) -> None:
        self.learned.choose_target(message.target)

    @on(HiddenStateView.OrderChosen)
    def order_heatmap(self, message: HiddenStateView.OrderChosen) -> None:
        self.learned.order_heatmap(message.feature)

    @on(WriterView.Typed)
    def writer_typed(self, message: WriterView.Typed) -> None:
        self.writer.type(message.text)

    @on(WriterView.Accepted)
    def writer_accepted(self, message: WriterView.Accepted) -> None:
        self.writer.accept(message.rank)

    @on(WriterView.Rewound)
    def writer_rewound(self) -> None:
        self.writer.rewind()

    @on(WriterView.PutBeside)
    def writer_put_beside(self) -> None:
        self.writer.put_beside()

    # ---- tabs ----

    def open_view(self) -> str | None:
        """The id of the view on screen."""
        outer = self.query_one("#tabs", TabbedContent).active
        if outer == LEARNED:
            inner = self.query("#learned-tabs")
            return view.id if inner and (view := view_of(inner.first(TabbedContent).active)) else None
        view = view_of(outer)
        return view.id if view is not None else None

    @on(TabbedContent.TabActivated)
    async def tab_shown(self) -> None:
        """Work that feeds a view runs only while it is open: training keeps the cores otherwise."""
        await self.mount_views(self.query_one("#tabs", TabbedContent).active)
        view = self.open_view()
        if view == "lessons" and self.first_launch:
            self.lessons_seen()
        if view != self.learned.view:
            self.learned.show_view(view)
        feed = view_of(view).feed if view else None
        self.writer.show_view(feed is Feed.WRITER)
        self.step.show_view(feed is Feed.ONE_STEP)
        self.sampling.show_fan(feed is Feed.FAN)

    async def mount_views(self, pane: str) -> None:
        """Mount the views of a tab the first time it is opened."""
        if pane == LEARNED:
            if not self.query("#learned-tabs"):
                tabs = TabbedContent(id="learned-tabs")
                await self.query_one(f"#{LEARNED}", TabPane).mount(PassageControls(self.learned.source,
                                                                                   id="passage-controls"), tabs)
                for view in LEARNED_VIEWS:
                    widget = view.build()
                    await tabs.add_pane(TabPane(view.title, widget, id=view.pane, classes="view-pane"))
                    self.views[view.id] = widget  # only now: a result published meanwhile must not find it half-built
            return
        view = view_of(pane)
        if view is not None and view.widget is not None and view.id not in self.views:
            widget = view.build()
            await self.query_one(f"#{view.pane}", TabPane).mount(widget)
            self.views[view.id] = widget

    async def action_show_tab(self, view_id: str) -> None:
        """Show a view (by its id, or its tab's id), mounting it the first time."""
        self.set_focus(None)  # a focused widget in the other pane would hold its tab in view
        view = view_of(view_id)
        if view is None:
            return
        if view.inside == LEARNED:
            await self.mount_views(LEARNED)
            self.query_one("#learned-tabs", TabbedContent).active = view.pane
            outer = LEARNED
        else:
            await self.mount_views(view.pane)
            outer = view.pane
        self.query_one("#tabs", TabbedContent).active = outer
        if view.id == "settings":
            self.query_one("#set-cell").focus()
        elif (widget := self.views.get(view.id)) is not None:
            self.focus_view(widget)

    def focus_view(self, widget: Widget) -> None:
        """A view opened by its key takes the keys: its text field, or itself, so typing goes there.
        At once (Widget.focus would wait a turn, and could take the focus from a field chosen since)."""
        fields = [field for field in widget.query(Input) if field.display]
        choices = [child for child in widget.query("*") if child.focusable]  # a view that is a list (Lessons)
        target = fields[0] if fields else widget if widget.focusable or not choices else choices[0]
        if target.focusable:
            self.set_focus(target)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The playground's keys act on the playground: while help or the comparison is open they are
        off (and so not listed in its footer); quitting and the palette stay on."""
        if isinstance(self.screen, (HelpScreen, CompareScreen)) and action in PLAYGROUND_ACTIONS:
            return False
        return not (self.state.watching and action in TRAINING_ACTIONS)

    def action_maximize_panel(self) -> None:
        """`z`: the focused panel (or view) fills the screen; the heatmap when nothing is focused.
        Escape restores it (Textual's minimize)."""
        panel = next((node for node in (self.focused.ancestors_with_self if self.focused else ())
                      if isinstance(node, Widget) and (node.has_class("panel") or node in self.views.values())),
                     self.hidden_view if self.open_view() == "playground" else None)
        if panel is not None:
            self.screen.maximized = panel

    def action_leave_field(self) -> None:
        """Escape leaves a text box (the seed, top-k, a setting), so the keys work again."""
        if isinstance(self.focused, Input):
            self.set_focus(None)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.state.spec.model.cell))

    # ---- the palette's commands ----

    def race_cells(self, minutes: float) -> None:
        """The four cells at this run's parameter count and text: the comparison of the cell."""
        self.compare_setting(RACE, minutes)

    def prompt_compare(self) -> None:
        self.push_screen(PromptScreen("Compare a setting, NAME=V1,V2 (e.g. dropout=0,0.3 or layers=1,2), 30 s a run:"),
                         lambda vary: vary and self.compare_setting(vary))

    def compare_setting(self, vary: str, minutes: float = 0.5) -> None:
        """One run per value on this run's text and settings; the cell, the depth and the input
        projection are compared at this run's parameter count, so that none is simply bigger."""
        ready, spec = self.state.ready, self.state.spec
        if ready is None:
            self.notify("no run yet: a comparison uses its text and settings", severity="warning")
            return
        try:
            name = parse_vary(vary).name
        except UserError as exc:
            self.notify(str(exc), severity="error")
            return
        equal = max(1000, ready.start.parameters) if name in ("cell", "layers", "embed") else None
        train = replace(spec.train, steps=None, epochs=None, minutes=minutes)
        self.open_compare(CompareRequest(ready.spec.text, spec.model, train, vary, equal))

    def open_compare(self, request: CompareRequest | None = None, earlier: LessonRun | None = None) -> None:
        """The comparison's screen; the user's run waits while anything trains there."""
        # a watched run is not ours to pause
        was_training = earlier is None and not self.state.paused and not self.state.watching
        if was_training:
            self.training.toggle_pause()

        def closed(_: None) -> None:
            if was_training and self.state.paused:
                self.training.toggle_pause()

        self.push_screen(CompareScreen(request, earlier=earlier), closed)

    @on(CompareScreen.Reached)
    def remember_lesson(self, message: CompareScreen.Reached) -> None:
        self.lessons.remember(message.run)

    @on(LessonsView.Start)
    async def start_lesson(self, message: LessonsView.Start) -> None:
        """A lesson from its key: its runs from before, unless asked again; "a cell at work"
        opens the one-step view on the user's run."""
        if message.name == STEP:
            await self.action_show_tab("step")
            return
        earlier = None if message.again else self.lessons.earlier_runs(message.name)
        if earlier is not None:
            self.open_compare(earlier=earlier)
        else:
            self.open_compare(self.lessons.request(message.name))

    def compare_runs(self) -> None:
        self.push_screen(CompareScreen())

    def prompt_text(self) -> None:
        self.push_screen(PromptScreen("Text file (UTF-8) or built-in text to learn:"),
                         lambda text: text and self.training.switch_text(text))

    def prompt_passage(self) -> None:
        self.push_screen(PromptScreen("Passage to read (a UTF-8 file or a built-in text):"),
                         lambda path: path and self.learned.load_passage(path))

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

    # ---- quitting ----

    async def action_quit(self) -> None:
        await self.shutdown()
        self.exit()

    async def shutdown(self) -> None:
        """Stop the sampler, a race on screen and the training process (saving first after a long run)."""
        self.sampling.stop()
        self.learned.stop()
        for screen in self.screen_stack:
            if isinstance(screen, CompareScreen) and screen.compare is not None:
                screen.compare.close()
        await self.training.shutdown()
        await asyncio.to_thread(self.counting.stop)

    async def on_unmount(self) -> None:
        await self.shutdown()
