"""The controllers without the app: a fake host records what they publish, say, ask and send.
Nothing here draws; each check is of what a view would be told."""

from __future__ import annotations

from dataclasses import replace

from rich.console import Console

from rnn_tui.engine.compare import eval_every_for
from rnn_tui.engine.config import PRESETS
from rnn_tui.engine.events import BaselineEvent, StartEvent, StepEvent
from rnn_tui.engine.insight.registry import FACTORS
from rnn_tui.run.compare_process import CompareRequest
from rnn_tui.run.protocol import Failed, Pause, Paused, Ready, Reset, Resume, Save, Saved
from rnn_tui.tui.channels import Channels
from rnn_tui.tui.controllers.comparisons import ComparisonsController
from rnn_tui.tui.controllers.insight import InsightController
from rnn_tui.tui.controllers.sampling import SamplingController
from rnn_tui.tui.controllers.training import TrainingController
from rnn_tui.tui.controllers.weights import WeightsController
from rnn_tui.tui.controllers.writer import WriterController
from rnn_tui.tui.screens.dialogs import ConfirmScreen
from rnn_tui.tui.state import RunState
from rnn_tui.tui.widgets.status import TrainingStatus

from .fixed_run import SPEC, VOCAB


class FakeHost:
    """What a controller may use of the app (controllers/host.py), recorded."""

    def __init__(self, spec=SPEC, ready: bool = True):
        self.state = RunState(spec)
        if ready:
            start = StartEvent("fixed.txt", 12_000, len(VOCAB), 4.3, 3.2, 31_337, "cpu", 0)
            self.state.on_ready(Ready(0, spec, start, VOCAB, steps_per_epoch=50, passage="def f(x):\n"))
        self.published: list[tuple[str, object]] = []  # (channel, value), oldest first
        self.channels = Channels(self)
        for name, channel in vars(self.channels).items():
            channel.follow(lambda value, name=name: self.published.append((name, value)))
        self.notices: list[tuple[str, str]] = []
        self.screens: list = []
        self.messages: list = []
        self.routes: dict = {}  # message type -> the controller's receiver
        self.workers: list[str] = []  # the group of each worker started
        self.drawing: list | None = None  # a list: a frame is pending, and call_after_refresh waits for draw()

    def notify(self, message, *, title="", severity="information", timeout=None, markup=True) -> None:
        self.notices.append((severity, message))

    def push_screen(self, screen, callback=None):
        self.screens.append((screen, callback))

    def run_worker(self, work, *, thread=False, group="default", exclusive=False, exit_on_error=True):
        self.workers.append(group)
        return None  # nothing runs: the tests call what they need

    def post_message(self, message) -> bool:
        self.messages.append(message)
        return True

    def call_after_refresh(self, callback, *args) -> bool:
        if self.drawing is None:
            callback(*args)  # no screen to draw first
        else:
            self.drawing.append(lambda: callback(*args))
        return True

    def draw(self) -> None:
        """The frame that `drawing` held back: what waited for it runs now."""
        waiting, self.drawing = self.drawing, []
        for callback in waiting:
            callback()

    def route(self, kind, to) -> None:
        assert kind not in self.routes, f"{kind.__qualname__} routed twice"
        self.routes[kind] = to

    def last(self, name: str):
        return next(value for published, value in reversed(self.published) if published == name)


class RecordingHandle:
    def __init__(self):
        self.sent = []

    def send(self, command) -> None:
        self.sent.append(command)


def sampling_of(host: FakeHost) -> SamplingController:
    return SamplingController(host, random_seed=0, pace=None, gap=1.0)


def training_of(host: FakeHost, handle: RecordingHandle, checkpoint_path: str = "run.pt") -> TrainingController:
    return TrainingController(host, handle, checkpoint_path)


def test_a_refused_passage_leaves_the_source_as_it_was_and_says_why():
    host = FakeHost()
    insight = InsightController(host, lambda: None)
    insight.choose_source("yours", "café")  # é is not in the run's characters
    assert insight.source == "validation" and host.last("source") == "validation"
    assert host.notices[-1][0] == "error" and "passage refused" in host.notices[-1][1]
    insight.choose_source("yours", "def")
    assert insight.source == "yours" and host.last("source") == "yours"


def test_a_bad_regular_expression_drops_the_last_hypothesis():
    host = FakeHost()
    insight = InsightController(host, lambda: None)
    insight.set_hypothesis(r"\d+")
    assert insight.hypothesis is not None
    insight.set_hypothesis("(unclosed")
    assert insight.hypothesis is None and "not a regular expression" in host.notices[-1][1]


class RecordingReader:
    """The insight thread's inbox: what the controller asks to be read."""

    def __init__(self):
        self.requests = []
        self.given_up = 0  # how often the controller gave up what was under way

    def request(self, request, now: bool = False) -> None:
        self.requests.append(request)

    def give_up(self) -> None:
        self.given_up += 1


def test_the_factors_choice_is_read_only_when_new_and_while_the_factors_view_is_open():
    host = FakeHost()
    insight = InsightController(host, lambda: None)
    host.channels.weights.publish("the weights")
    insight.live = reader = RecordingReader()
    insight.show_view("units")
    insight.ask_factors((0, "h", 5))  # the factors view mounts beside the units view and asks
    assert len(reader.requests) == 1 and FACTORS not in reader.requests[0].analyses
    insight.show_view("factors")
    insight.ask_factors((0, "h", 5))  # the same choice again: nothing new to read
    assert [r.questions.factors for r in reader.requests[1:]] == [(0, "h", 5)]
    insight.ask_factors((0, "c", 5))
    assert [r.questions.factors for r in reader.requests[1:]] == [(0, "h", 5), (0, "c", 5)]
    assert all(r.analyses == (FACTORS,) for r in reader.requests[1:])


def test_a_view_opened_gives_up_the_last_reading_at_once_and_starts_its_own_after_its_first_frame():
    from rnn_tui.engine.insight.registry import UNITS
    from rnn_tui.tui.controllers.step import StepController

    host = FakeHost()
    insight = InsightController(host, lambda: None)
    writer = WriterController(host, lambda: None)
    step = StepController(host, lambda: "def f(x):\n", lambda: 1.0)
    host.channels.weights.publish("the weights")
    insight.live = reader = RecordingReader()
    started = len(host.workers)
    host.drawing = []  # a key was pressed: its frame is pending
    insight.show_view("units")
    writer.show_view(True)
    step.show_view(True)
    assert reader.given_up == 1 and reader.requests == [] and len(host.workers) == started
    host.draw()
    assert [r.analyses for r in reader.requests] == [(UNITS,)]
    assert host.workers[started:] == ["writer", "one-step"]


def test_a_refused_rule_republishes_the_rules_in_force():
    from rnn_tui.engine.sampling import SampleSettings

    host = FakeHost()
    sampling = sampling_of(host)
    sampling.settings = SampleSettings(temperature=1.0)
    sampling.set_rule("top-k", "5")
    assert host.last("rules").top_k == 5
    sampling.set_rule("top-k", "lots")
    assert host.last("rules").top_k == 5 and "top-k must be" in host.notices[-1][1]


def test_the_sampler_and_the_status_agree_on_which_weights_are_read():
    host = FakeHost()
    sampling, weights = sampling_of(host), WeightsController(host)
    weights.best, host.state.best = object(), (7, 2.0)  # there are best weights
    weights.toggle_best()
    assert host.state.reads_best and sampling.source(7) == "best weights, step 7"  # the status reads reads_best
    host.state.replay = type("Moment", (), {"step": 7})()
    assert not host.state.reads_best and sampling.source(7) == "replaying step 7"  # replay wins, on both


def reset_after_unsaved_training():
    """A run trained past the autosave interval and not saved, then reset: the dialog is open."""
    host = FakeHost()
    handle = RecordingHandle()
    training = training_of(host, handle)
    host.state.on_event(StepEvent(5, 0.1, 2.0, 0.5, 1e-2, 1000.0, training.autosave_after + 1))
    training.reset()
    return host, handle, training


def test_a_presets_question_keeps_its_description_whole():
    """A description with parentheses of its own, inside the question's, read "characters))?"."""
    host = FakeHost(replace(SPEC, text="python"))
    training = training_of(host, RecordingHandle())
    for name in PRESETS:
        training.use_preset(name)
        question = host.screens[-1][0].question
        assert question.startswith(f"Start a fresh {name} run? ") and "))" not in question
        assert question.count("(") == question.count(")") == PRESETS[name].description.count("(")


def test_replacing_unsaved_training_offers_to_save_it_first():
    host, handle, training = reset_after_unsaved_training()
    (screen, answer), = host.screens
    assert isinstance(screen, ConfirmScreen) and screen.save == "Save and reset" and "run.pt" in screen.question
    answer("save")
    assert [type(c) for c in handle.sent] == [Save]  # replaced once the process says it saved
    training.apply([Saved(host.state.run, "run.pt", host.state.step)])
    assert [type(c) for c in handle.sent] == [Save, Reset]
    host.state.saved_step = host.state.step = 9  # saved where it stands: nothing to lose
    training.reset()
    assert host.screens[-1][0].save is None

    training.show_settings()  # a change cancelled: the form shows the run again, the run itself is not new
    assert host.published[-1] == ("settings_form", host.state.spec)


def test_a_save_that_fails_before_a_reset_keeps_the_run():
    host, handle, training = reset_after_unsaved_training()
    (_, answer), = host.screens
    answer("save")
    training.apply([Failed(host.state.run, "cannot save checkpoint run.pt: read-only file system")])
    assert "the run was kept" in host.notices[-1][1]
    training.apply([Saved(host.state.run, "run.pt", host.state.step)])  # a later save (s) replaces nothing
    assert [type(c) for c in handle.sent] == [Save]


def test_a_pause_says_pausing_until_the_process_confirms_it():
    """The steps made before the process reads the pause still arrive; "paused" means no more will."""
    host = FakeHost()
    handle = RecordingHandle()
    training = training_of(host, handle)

    def mode() -> str:
        console = Console(width=80, record=True)
        console.print(TrainingStatus.render_table(host.state))
        return console.export_text().splitlines()[0].strip()

    assert mode() == "● training"
    training.toggle_pause()
    assert isinstance(handle.sent[-1], Pause) and mode() == "‖ pausing…"
    training.apply([Paused(host.state.run, True)])
    assert mode() == "‖ paused"
    training.toggle_pause()
    assert isinstance(handle.sent[-1], Resume) and mode() == "● training"


def test_quitting_never_writes_over_a_checkpoint_the_user_opened(tmp_path):
    opened = tmp_path / "a.pt"
    opened.write_bytes(b"kept")
    (tmp_path / "a-1.pt").write_bytes(b"another")
    host = FakeHost(replace(SPEC, checkpoint=str(opened)))
    training = training_of(host, RecordingHandle(), str(opened))
    assert training.quit_path() == str(tmp_path / "a-2.pt")  # the first free name beside it
    from rnn_tui.run.protocol import Saved

    training.apply([Saved(0, str(opened), 12)])  # the user saved over it on purpose
    assert training.quit_path() == str(opened) and host.state.quit_path == str(opened)


def test_a_time_limit_counts_this_session_as_the_trainer_does():
    state = RunState(replace(SPEC, train=replace(SPEC.train, minutes=0.5)))
    start = StartEvent("fixed.txt", 12_000, len(VOCAB), 4.3, 3.2, 31_337, "cpu", 2_784, seconds=31.0)
    state.on_ready(Ready(0, state.spec, start, VOCAB, steps_per_epoch=50))
    assert state.progress == 0.0 and state.elapsed == 31.0  # a resumed run starts its budget again
    state.on_event(StepEvent(2_785, 55.7, 2.0, 0.5, 1e-2, 1000.0, 15.0))
    assert state.progress == 0.5 and state.elapsed == 46.0


def test_the_writer_says_what_it_waits_for():
    host = FakeHost()
    writer = WriterController(host, lambda: None)
    writer.type("d")
    assert host.last("writer_note") == "the writer starts when the model has weights"


def test_a_comparison_holds_the_users_run_and_gives_it_back_as_it_was():
    host = FakeHost()
    handle = RecordingHandle()
    training_of(host, handle)
    comparisons = ComparisonsController(host)
    comparisons.race_cells(0.5)
    (screen, closed), = host.screens
    assert isinstance(handle.sent[-1], Pause) and host.state.paused
    closed(None)
    assert isinstance(handle.sent[-1], Resume) and not host.state.paused

    host.state.paused = True  # paused by the user: a comparison leaves it paused
    comparisons.race_cells(0.5)
    host.screens[-1][1](None)
    assert host.state.paused and len(handle.sent) == 2


def test_the_race_draws_counting_only_where_its_runs_are_scored_on_the_runs_characters():
    host = FakeHost()
    comparisons = ComparisonsController(host)
    request = CompareRequest(SPEC.text, SPEC.model, SPEC.train, "cell=lstm,gru", 20_000)
    assert comparisons.floor(request) is None  # not counted yet
    host.state.on_event(BaselineEvent(step=40, ngram_order=9, ngram_loss=1.31, ngram_losses=(1.31,) * 9))
    assert comparisons.floor(request) == ("9-gram", 1.31)
    assert comparisons.floor(replace(request, vary="seq=16,64")) is None  # other windows: other characters
    assert comparisons.floor(replace(request, text="essay")) is None
    assert comparisons.floor(replace(request, train=replace(SPEC.train, batch=SPEC.train.batch + 1))) is None
    comparisons.race_cells(0.5)
    assert host.screens[-1][0].floor == ("9-gram", 1.31)


def test_a_race_evaluates_at_the_speed_of_the_run_on_screen():
    host = FakeHost()
    comparisons = ComparisonsController(host)
    train = replace(SPEC.train, eval_every=250)
    host.state.spec = replace(SPEC, train=train)
    comparisons.race_cells(0.5)
    assert host.screens[-1][0].request.train.eval_every == 250  # no speed measured yet: the run's own
    host.state.chars_per_sec = 7 * train.batch * train.seq  # 7 steps a second: 210 in 30 s
    comparisons.race_cells(0.5)
    assert host.screens[-1][0].request.train.eval_every == eval_every_for(train, 0.5, host.state.chars_per_sec) < 250


class EndingHandle(RecordingHandle):
    """A process that has exited (status 1) when its last message, why it ended, is still on the way:
    the message is there to read only once the exit status has been seen."""

    def __init__(self, last: list):
        super().__init__()
        self.last, self.ended = last, False

    def receive(self, timeout: float = 0.1) -> list:
        if not self.ended:
            return []
        items, self.last = self.last, []
        return items

    def exit_code(self) -> int:
        self.ended = True
        return 1


def test_the_bridge_reads_what_an_ended_process_said_before_saying_it_ended_unexpectedly(monkeypatch):
    from rnn_tui.tui.controllers import training
    from rnn_tui.tui.messages import TrainerMessages

    class Running:
        is_cancelled = False

    monkeypatch.setattr(training, "get_current_worker", lambda: Running())
    host = FakeHost()
    why = Failed(-1, "the training process failed: RuntimeError: out of memory")
    controller = training_of(host, EndingHandle([why]))
    controller._bridge()
    carried = [item for message in host.messages if isinstance(message, TrainerMessages) for item in message.items]
    assert carried == [why]  # its own line, not "ended unexpectedly" over it


def test_turning_the_beam_off_takes_its_last_text_away_and_a_bad_width_changes_nothing():
    host = FakeHost()
    sampling = sampling_of(host)
    assert sampling.set_beam("4") and ("beam", None) not in host.published
    assert not sampling.set_beam("wide") and sampling.beam == 4 and host.notices[-1][0] == "error"
    assert sampling.set_beam("0") and host.last("beam") is None and sampling.beam == 0
