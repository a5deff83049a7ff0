"""The app's keys in one table, in the footer's order (help first, so a narrow terminal never loses
it), with the views' keys from the views table; and which of them act on the playground (off while
help or a comparison is on screen) or on training (off while watching a run trained elsewhere)."""

from __future__ import annotations

from textual.binding import Binding

from rnn_tui.tui.views import BY_ID, VIEWS

TRAINING_ACTIONS = {"toggle_pause", "step_once", "reset", "save"}  # off while watching a run trained elsewhere
PLAYGROUND_ACTIONS = {"toggle_pause", "step_once", "reset", "save", "temperature", "toggle_greedy", "toggle_best",
                      "toggle_freeze", "plot", "scrub", "reroll", "toggle_hold", "toggle_sampling", "copy_sample",
                      "help", "show_tab", "leave_field", "maximize_panel"}

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
