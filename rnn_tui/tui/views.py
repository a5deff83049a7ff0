"""Every view of the app in one table. The keys, the tabs, what is computed for the open view (the
analyses it names from the registry, or another feed) and the help's list of keys all come from
here, so adding a view is one line (with its widget, which watches what it shows, and the
analysis or engine function behind it)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from rnn_tui.engine.insight.registry import (
    ATTENTION,
    CONNECTIVITY,
    ERRORS,
    FACTORS,
    HORIZON,
    LONGRANGE,
    SATURATION,
    SURPRISAL,
    UNITS,
    Analysis,
)

if TYPE_CHECKING:
    from textual.widget import Widget

LEARNED = "learned"  # the "What it learned" tab, whose views read one passage chosen above them


class Feed(Enum):
    """What a view that is not an analysis of the passage needs computed while it is open."""

    WRITER = "the writer's text re-read with newer weights"
    FAN = "the temperature fan, beam search and the temperature sweep"
    ONE_STEP = "one step of the cell at a character of the passage"


@dataclass(frozen=True)
class View:
    id: str  # its tab is `#{id}-tab`, its widget `#{id}-view`
    title: str
    key: str
    about: str  # for the help's list of keys
    widget: str | None = None  # "module:Class" in tui/widgets, imported and mounted when first opened;
    # None: composed with the app
    inside: str | None = None  # the tab it sits in, when not a tab of its own
    analyses: tuple[Analysis[Any], ...] = ()  # what it shows of the passage, run while it is open
    feed: Feed | None = None

    @property
    def pane(self) -> str:
        return f"{self.id}-tab"

    def build(self) -> Widget:
        """A new widget of this view (its module imported on first use: most sessions open few views)."""
        assert self.widget is not None, f"the {self.id} view is composed with the app"
        module, name = self.widget.split(":")
        return getattr(importlib.import_module(f"rnn_tui.tui.widgets.{module}"), name)(id=f"{self.id}-view")


VIEWS = (  # in the order of their tabs
    View("playground", "Playground", "f2", "training, loss, sampling and the hidden state"),
    View("lessons", "Lessons", "L", "the lecture's claims, run as experiments and judged", "lessons:LessonsView"),
    View("units", "Units", "f4", "which units track which feature", "units:UnitsView", LEARNED, (UNITS,)),
    View("factors", "Factors", "f5", "NMF of a layer's activations", "factors:FactorsView", LEARNED, (FACTORS,)),
    View("gates", "Gates", "f6", "how often each gate is shut or open", "gates:GatesView", LEARNED, (SATURATION,)),
    View("surprisal", "Surprisal", "f7", "surprisal, the loss by class, the error onion", "surprisal:SurprisalView",
         LEARNED, (SURPRISAL, ERRORS)),
    View("edge", "Edge", "f12", "where the network beats counting: closers by distance", "edge:EdgeView", LEARNED,
         (LONGRANGE,)),
    View("step", "One step", "O", "one step of the cell, with its numbers", "step:StepView", LEARNED,
         feed=Feed.ONE_STEP),
    View("gradients", "Gradients", "f9", "how far back the loss reaches; a transformer's attention",
         "gradients:GradientsView", LEARNED, (HORIZON, CONNECTIVITY, ATTENTION)),
    View("sampler", "Sampler", "f11", "temperature fan, beam and history", "fan:SamplerLab", feed=Feed.FAN),
    View("write", "Write", "f8", "type, and the model reads along", "writer:WriterView", analyses=(UNITS,),
         feed=Feed.WRITER),  # UNITS: the units found in the passage, read along as you type
    View("timeline", "Timeline", "f10", "a sample at every evaluation"),
    View("settings", "Settings", "f3", "the cell, sizes and training settings"),
)
BY_ID = {view.id: view for view in VIEWS}
LEARNED_VIEWS = tuple(view for view in VIEWS if view.inside == LEARNED)


def view_of(pane: str) -> View | None:
    """The view whose tab has the id `pane`."""
    return BY_ID.get(pane.removesuffix("-tab"))


def keys_line() -> str:
    """The views' keys, for the help."""
    def order(view: View) -> tuple[int, int]:  # F2 .. F12 by number, then the letters
        function = view.key.startswith("f") and view.key[1:].isdigit()
        return (0, int(view.key[1:])) if function else (1, 0)

    by_key = sorted(VIEWS, key=order)
    return " · ".join(f"`{view.key.upper()}` {view.title.lower()}" for view in by_key)
