"""The Lessons tab: the lecture's claims, each one key from the experiment that tests it. The list
on the left; on the right the chosen lesson's claim, its setup, what to watch and, once it has
run, the verdict its runs earned (kept until another lesson starts)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from rnn_tui.engine.lessons import LESSONS, Lesson
from rnn_tui.tui.channels import channels_of

if TYPE_CHECKING:
    from rnn_tui.tui.results import LessonRun

STEP = "step"  # "a cell at work": not a comparison, it opens the one-step view on the current run
STEP_TITLE = "a cell at work"
STEP_CLAIM = ("The update rule is arithmetic on real numbers: at any character, each gate, the old state and "
              "the new one can be read off the current weights, and they add up to what the network carries on.")


def setup(lesson: Lesson) -> Text:
    varied = lesson.varied
    sized = f", at {lesson.equal_params:,} parameters each" if lesson.equal_params else ""
    what = f"{varied.name} = {', '.join(varied.values)}" if varied else "one run of the default settings"
    total = len(lesson.values) * lesson.minutes
    return Text.assemble(("setup: ", "bold"), f"{what} on {lesson.text}{sized}; {lesson.minutes * 60:g} s of "
                         f"training each, about {total:g} minute{'s' if total != 1 else ''} in all")


class LessonsView(Horizontal):
    DEFAULT_CSS = """
    LessonsView #lesson-list {
        width: 34;
        height: 100%;
    }
    LessonsView #lesson-detail {
        width: 1fr;
        padding: 0 2;
    }
    """
    BINDINGS = [Binding("enter", "start", "run the lesson (or show its runs)"),
                Binding("r", "start(True)", "run it again")]

    class Start(Message):
        """Run a lesson, or show the runs it kept (`again`: run it anew)."""

        def __init__(self, name: str, again: bool = False):
            super().__init__()
            self.name = name
            self.again = again

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.kept: LessonRun | None = None

    def compose(self) -> ComposeResult:
        options = [Option(f"{k + 1}. {lesson.title}", id=name) for k, (name, lesson) in enumerate(LESSONS.items())]
        options.append(Option(f"{len(options) + 1}. {STEP_TITLE}", id=STEP))
        yield OptionList(*options, id="lesson-list")
        with VerticalScroll(id="lesson-detail"):
            yield Static(id="lesson-text")

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0
        channels_of(self).lesson_run.watch(self, self.show_kept)

    def show_kept(self, kept: LessonRun | None) -> None:
        self.kept = kept
        self.describe()

    @property
    def chosen(self) -> str:
        options = self.query_one(OptionList)
        return options.get_option_at_index(options.highlighted or 0).id or STEP

    @on(OptionList.OptionHighlighted)
    def describe(self) -> None:
        name = self.chosen
        if name == STEP:
            text = Text.assemble((STEP_TITLE + "\n\n", "bold"), STEP_CLAIM, "\n\n",
                                 ("Enter", "bold"), " opens the One step view (O) on your run: ← → move along "
                                 "the passage, and the numbers are this step's, on the current weights.")
        else:
            lesson = LESSONS[name]
            text = Text.assemble((lesson.title + "\n\n", "bold"), lesson.claim, "\n\n", setup(lesson), "\n",
                                 ("watch: ", "bold"), lesson.watch, "\n\n")
            kept = self.kept if self.kept is not None and self.kept.lesson == name else None
            if kept is None:
                text.append("Enter", style="bold").append(" runs it (your run waits meanwhile; Escape leaves it)")
            elif kept.verdict is not None:
                text.append("verdict: ", style="bold").append(kept.verdict.text,
                                                              style="green" if kept.verdict.held else "yellow")
                text.append("\n\n").append("Enter", style="bold").append(" shows its runs again, ")
                text.append("r", style="bold").append(" runs it anew")
            else:
                text.append(f"left before its runs were over ({len(kept.done)} of {len(kept.runs)} finished): ",
                            style="yellow")
                text.append("Enter", style="bold").append(" shows what they reached, ")
                text.append("r", style="bold").append(" runs it anew")
        self.query_one("#lesson-text", Static).update(text)

    def action_start(self, again: bool = False) -> None:
        self.post_message(self.Start(self.chosen, again))

    @on(OptionList.OptionSelected)
    def selected(self) -> None:
        self.action_start()
