"""The playground app, the composition root: it makes the controllers and routes to them. Keys go
to the controller that owns what they change; a view's request and what the background work sends
go, by their type, to the controller that declared it takes them (`route`), which publishes
results on typed channels (`channels.py`) that the views watch. The views come from `views.py`
(as tabs: `widgets/tabs.py`), the keys from `keys.py`."""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import events, on
from textual.app import App, ComposeResult
from textual.notifications import SeverityLevel
from textual.widget import Widget
from textual.widgets import Header, Input, Switch, TabPane

from rnn_tui.run.counting import Counting, CountingProcess
from rnn_tui.run.protocol import TrainerHandle
from rnn_tui.run.spec import DEFAULT_CHECKPOINT, RunSpec
from rnn_tui.tui.channels import Channels
from rnn_tui.tui.collector import PASS_SECONDS, PacedCollector
from rnn_tui.tui.commands import PlaygroundCommands
from rnn_tui.tui.controllers.comparisons import ComparisonsController
from rnn_tui.tui.controllers.counting import CountingController
from rnn_tui.tui.controllers.host import R
from rnn_tui.tui.controllers.insight import InsightController
from rnn_tui.tui.controllers.sampling import SamplingController
from rnn_tui.tui.controllers.step import StepController
from rnn_tui.tui.controllers.training import TrainingController
from rnn_tui.tui.controllers.weights import WeightsController
from rnn_tui.tui.controllers.writer import WriterController
from rnn_tui.tui.keys import BINDINGS, PLAYGROUND_ACTIONS, TRAINING_ACTIONS
from rnn_tui.tui.messages import EngineLoaded, Routed, RunResult
from rnn_tui.tui.screens.compare import CompareScreen
from rnn_tui.tui.screens.help import HelpScreen
from rnn_tui.tui.state import RunState
from rnn_tui.tui.torch_threads import on_one_torch_thread
from rnn_tui.tui.views import LEARNED, VIEWS, Feed, view_of
from rnn_tui.tui.widgets.fan import SamplerLab
from rnn_tui.tui.widgets.footer import KeysBar
from rnn_tui.tui.widgets.heatmap import HiddenStateView
from rnn_tui.tui.widgets.lessons import STEP, LessonsView
from rnn_tui.tui.widgets.loss_plot import LossPlot
from rnn_tui.tui.widgets.passage import PassageControls
from rnn_tui.tui.widgets.playground import Playground
from rnn_tui.tui.widgets.settings import SettingsPanel
from rnn_tui.tui.widgets.status import TrainingStatus
from rnn_tui.tui.widgets.tabs import ViewTabs
from rnn_tui.tui.widgets.temperature import TemperatureControl
from rnn_tui.tui.widgets.timeline import TimelineView

COMPACT_WIDTH, COMPACT_HEIGHT = 100, 39  # below 39 rows the full layout leaves the heatmap no room
TINY_WIDTH, TINY_HEIGHT = 70, 22

class PlaygroundApp(App):
    TITLE = "rnn-tui"
    SUB_TITLE = "a char-RNN playground"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {PlaygroundCommands}
    BINDINGS = BINDINGS

    def __init__(self, spec: RunSpec, trainer: TrainerHandle, checkpoint_path: str = DEFAULT_CHECKPOINT,
                 random_seed: int | None = None, sample_pace: float | None = 120.0, sample_gap: float = 1.5,
                 watching: str | None = None, hint_marker: Path | None = None, lesson_steps: int | None = None,
                 counter: Callable[[str, str], Counting] = CountingProcess):
        """`hint_marker`: a file whose absence means a first launch (the title then points to the
        lessons until they are opened); `lesson_steps`: a step budget per lesson run (tests);
        `counter`: what counts a text (a process of its own; tests count their small texts in place)."""
        super().__init__()
        if "TEXTUAL_ANIMATIONS" not in os.environ:  # unless the user asks for them: the tab bar's sliding
            self.animation_level = "none"  # underline redraws the screen some 20 times a view switch, frames
            # that a 2-core machine shared with training (or an SSH link) pays for in the next key's wait
        self.channels = Channels(self)
        self.collector = PacedCollector()  # short full collections on the app's timer, over what is not frozen
        self.routes: dict[type[Routed], Callable[[Any], None]] = {}  # filled by the controllers below
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
        self.comparisons = ComparisonsController(self, lesson_steps)
        self.step = StepController(self, self.learned.passage,
                                   lambda: self.sampling.settings.temperature if self.sampling.settings else 1.0)
        self.notices: deque[tuple[SeverityLevel, str]] = deque(maxlen=100)  # every notification shown, newest last

    # ---- layout ----

    def compose(self) -> ComposeResult:
        yield Header()
        with ViewTabs(controls=lambda: PassageControls(self.learned.source, id="passage-controls"), id="tabs"):
            learned = False
            for view in VIEWS:
                if view.inside == LEARNED:
                    if not learned:
                        learned = True
                        yield TabPane("What it learned", id=LEARNED, classes="view-pane")  # filled when opened
                    continue
                with TabPane(view.title, id=view.pane, classes="view-pane"):
                    yield from self.compose_view(view.id)
        yield KeysBar()

    def compose_view(self, view: str) -> ComposeResult:
        """The views that are there from the start (the others are mounted when first opened)."""
        if view == "playground":
            yield Playground(self.state, id="playground-view")
        elif view == "timeline":
            yield TimelineView(self.state, id="timeline-view")
        elif view == "settings":
            yield SettingsPanel(id="settings", classes="frame")

    def on_mount(self) -> None:
        # Held here because key actions reach them while a dialog is the active screen.
        self.tabs = self.query_one(ViewTabs)
        self.status_panel = self.query_one(TrainingStatus)
        self.hidden_view = self.query_one(HiddenStateView)
        self.temperature = self.query_one(TemperatureControl)
        self.greedy_switch = self.query_one("#greedy", Switch)
        self.seed_input = self.query_one("#seed", Input)
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
        self.collector.start()  # after the first frame: its widgets stay
        self.set_interval(PASS_SECONDS, self.collector.collect)
        self.training.start()
        self.sampling.start()

    def run_worker(self, work: Any, *args: Any, thread: bool = False, **kwargs: Any) -> Any:
        """Every thread worker runs torch on one core (tui/torch_threads.py says why)."""
        return super().run_worker(on_one_torch_thread(work) if thread else work, *args, thread=thread, **kwargs)

    def on_resize(self, event: events.Resize) -> None:
        width, height = event.size
        self.set_class(width < COMPACT_WIDTH or height < COMPACT_HEIGHT, "-compact")
        self.set_class(width < TINY_WIDTH or height < TINY_HEIGHT, "-tiny")

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        self.notices.append((severity, message))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def view(self, view_id: str) -> Widget | None:
        """The widget of a view once it is mounted (most are mounted when first opened)."""
        return self.tabs.views.get(view_id)

    # ---- views' requests and background work's results, to the controller that takes them ----

    def route(self, kind: type[R], to: Callable[[R], None]) -> None:
        """`to` takes every message of this type: one receiver each, declared by the controller that owns it."""
        assert kind not in self.routes, f"{kind.__qualname__} already goes to {self.routes[kind]}"
        self.routes[kind] = to

    @on(Routed)
    def hand_on(self, message: Routed) -> None:
        """A view's request, or background work's result, to the controller that takes its type; a run's
        result only while that run is on screen and the app is not closing."""
        if not isinstance(message, RunResult) or (message.run == self.state.run and not self.training.closing):
            self.routes[type(message)](message)

    def on_engine_loaded(self, message: EngineLoaded) -> None:
        if message.error:
            self.sampling.engine_failed(message.error)
            return
        self.sampling.engine_ready(self.temperature.value, self.greedy_switch.value, self.seed_input.value)
        self.weights.engine_ready()
        self.learned.engine_ready()
        self.collector.settle()  # torch and the sampling engine stay

    # ---- sampling controls ----

    def action_reroll(self) -> None:
        """`d`: a new random seed (the sampler and the fan share it)."""
        self.sampling.reroll()

    def action_toggle_hold(self) -> None:
        """`h`: hold the random seed (the same numbers every sample) or draw a new one each sample."""
        self.sampling.toggle_hold()

    def action_toggle_sampling(self) -> None:
        """`p`: pause or resume sampling; training goes on."""
        self.sampling.toggle_running()

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

    # ---- tabs ----

    def open_view(self) -> str | None:
        """The id of the view on screen."""
        view = self.tabs.open_view()
        return view.id if view is not None else None

    @on(ViewTabs.Shown)
    def view_shown(self, message: ViewTabs.Shown) -> None:
        """Work that feeds a view runs only while it is open: training keeps the cores otherwise."""
        view = message.view
        if message.mounted:
            self.collector.settle()  # a view's widgets stay
        if view is not None and view.id == "lessons" and self.first_launch:
            self.lessons_seen()
        if (view.id if view else None) != self.learned.view:
            self.learned.show_view(view.id if view else None)
        feed = view.feed if view else None
        self.writer.show_view(feed is Feed.WRITER)
        self.step.show_view(feed is Feed.ONE_STEP)
        self.sampling.show_fan(feed is Feed.FAN)

    async def action_show_tab(self, view_id: str) -> None:
        """Show a view (by its id, or its tab's id), mounting it the first time."""
        if (view := view_of(view_id)) is not None:
            await self.tabs.show(view)
            if view.id == "settings":
                self.query_one("#set-cell").focus()

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
                      if isinstance(node, Widget) and (node.has_class("panel") or node in self.tabs.views.values())),
                     self.hidden_view if self.open_view() == "playground" else None)
        if panel is not None:
            self.screen.maximized = panel

    def action_leave_field(self) -> None:
        """Escape leaves a text box (the seed, top-k, a setting), so the keys work again."""
        if isinstance(self.focused, Input):
            self.set_focus(None)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.state.spec.model.cell))

    # ---- comparisons and lessons ----

    @on(LessonsView.Start)
    async def start_lesson(self, message: LessonsView.Start) -> None:
        """A lesson from its key; "a cell at work" opens the one-step view on the user's run."""
        if message.name == STEP:
            await self.action_show_tab("step")
        else:
            self.comparisons.start_lesson(message.name, message.again)

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
        try:
            await self.shutdown()
        finally:
            self.collector.stop()
