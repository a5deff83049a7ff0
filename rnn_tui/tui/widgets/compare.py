"""Runs side by side: the runs of a comparison and saved runs, their training and validation
curves overlaid (by step or by training seconds, as TensorBoard overlays runs), a summary table,
and samples."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual_plotext import PlotextPlot

from rnn_tui.engine.insight.edge import BUCKET_LABELS
from rnn_tui.engine.race import Entrant
from rnn_tui.tui.labels import CELL_NAMES
from rnn_tui.tui.widgets.colours import NGRAM
from rnn_tui.tui.widgets.loss_plot import clock_label, nice_ticks, step_label, step_ticks

CELL_COLOURS = {"elman": (215, 95, 95), "jordan": (215, 95, 215), "lstm": (0, 175, 215), "gru": (95, 175, 0),
                "mingru": (215, 215, 95), "minlstm": (255, 175, 215), "transformer": (255, 135, 0)}
RUN_COLOURS = (CELL_COLOURS["lstm"], CELL_COLOURS["elman"], CELL_COLOURS["gru"], CELL_COLOURS["jordan"])
SAVED_COLOURS = ((255, 175, 0), (175, 175, 175), (255, 255, 95), (95, 215, 175))
TRAIN_MARKER = "·"  # the training curve: dotted, in its run's colour
Floor = tuple[str, float]  # ("9-gram", its loss): counting, on the characters every run is scored on


def colour_of(entrant: Entrant, index: int, by_cell: bool, saved_index: int | None) -> tuple[int, int, int]:
    """A race's cells by cell, another comparison's runs by their order; saved runs in colours no
    run uses, in the order they were added."""
    if saved_index is not None:
        return SAVED_COLOURS[saved_index % len(SAVED_COLOURS)]
    return CELL_COLOURS[entrant.cell] if by_cell else RUN_COLOURS[index % len(RUN_COLOURS)]


class ComparePlot(PlotextPlot):
    """Validation loss of each run, solid, and its training loss at the same steps, dotted; `x`
    toggles steps and training seconds."""

    DEFAULT_CSS = """
    ComparePlot {
        height: 1fr;
        min-height: 12;  /* a small terminal scrolls the screen rather than lose the curves */
        border-subtitle-align: center;
    }
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.by_seconds = False
        self.runs: list[tuple[Entrant, tuple[int, int, int]]] = []
        self.floor: Floor | None = None

    def show(self, runs: list[tuple[Entrant, tuple[int, int, int]]], floor: Floor | None = None) -> None:
        self.runs, self.floor = runs, floor
        r, g, b = NGRAM
        line = [] if floor is None else [f"[#{r:02x}{g:02x}{b:02x}]─ {floor[0]} {floor[1]:.3f}[/]"]
        self.border_subtitle = " ".join([*(f"[#{r:02x}{g:02x}{b:02x}]━ {entrant.name}[/]"
                                           for entrant, (r, g, b) in runs), *line])
        self.draw()
        self.refresh()

    def toggle_x(self) -> None:
        self.by_seconds = not self.by_seconds
        self.show(self.runs, self.floor)

    def draw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        self.border_title = (f"Loss: validation ━, training {TRAIN_MARKER * 3} · x: "
                             f"{'training time' if self.by_seconds else 'step'} (x)")
        last, low, high = 0.0, None, None
        for entrant, colour in self.runs:
            if not entrant.val_curve:
                continue
            xs = list(entrant.val_seconds) if self.by_seconds else [step for step, _ in entrant.val_curve]
            at = dict(zip((step for step, _ in entrant.val_curve), xs))
            trains = [(at[step], loss) for step, loss in entrant.train_curve if step in at]
            if trains:
                plt.plot([x for x, _ in trains], [y for _, y in trains], color=colour, marker=TRAIN_MARKER)
            ys = [val for _, val in entrant.val_curve]
            plt.plot(xs, ys, color=colour, marker="dot" if len(xs) < 3 else "braille")
            last = max(last, xs[-1])
            # the validation curves set the height: a few training losses far above them (a run's
            # first steps) would squeeze every curve into the bottom rows; they are cut at the top
            low, high = min(low or ys[0], *ys, *(y for _, y in trains)), max(high or ys[0], *ys)
        if low is None:
            return
        if self.floor is not None:  # the line to beat, always in view
            plt.hline(self.floor[1], NGRAM)
            low, high = min(low, self.floor[1]), max(high, self.floor[1])
        last = last or 1
        count = max(2, self.size.width // 16)
        ticks = nice_ticks(last, count) if self.by_seconds else step_ticks(last, count)
        plt.xticks(ticks, [clock_label(t) if self.by_seconds else step_label(t) for t in ticks])
        plt.xlim(0, last)
        margin = max(0.02, (high - low) * 0.05)
        plt.ylim(low - margin, high + margin)


def distance_table(runs: list[tuple[Entrant, tuple[int, int, int]]]) -> Table | None:
    """The Edge view's chart for the runs that measured it (the attention lessons): the mean p each
    gave closing brackets and quotes, by distance to their opener; None when none did."""
    labels = BUCKET_LABELS
    measured = [(entrant, colour) for entrant, colour in runs if f"n {labels[0]}" in entrant.measures]
    if not measured:
        return None
    table = Table(box=None, padding=(0, 1), collapse_padding=True, show_edge=False, header_style="bold")
    table.add_column("closers by distance to their opener: mean p", no_wrap=True, overflow="ellipsis")
    for label in labels:
        table.add_column(label, justify="right", no_wrap=True)
    for entrant, (r, g, b) in measured:
        figures = entrant.measures
        table.add_row(Text(entrant.name, style=f"#{r:02x}{g:02x}{b:02x}"),
                      *(f"{figures[f'p {label}']:.2f}" if figures[f"n {label}"] else "-" for label in labels))
    counts = measured[0][0].measures  # one passage: the same closers for every run
    table.add_row(Text("closers in the passage", style="dim"),
                  *(Text(f"{int(counts[f'n {label}']):,}", style="dim") for label in labels))
    return table


def summary_table(runs: list[tuple[Entrant, tuple[int, int, int]]], status: dict[str, str]) -> Table:
    # Two-line headers and one space between columns: the columns fit 80 terminal columns;
    # where they still do not, a long run name is cut, never a number.
    table = Table(box=None, padding=(0, 1), collapse_padding=True, show_edge=False, header_style="bold")
    for title, justify in (("", "left"), ("run", "left"), ("cell", "left"), ("hidden", "right"), ("params", "right"),
                           ("steps", "right"), ("chars/s", "right"), ("best\nval", "right"), ("at\nstep", "right"),
                           ("last\ntrain", "right"), ("", "left")):
        table.add_column(title, justify=justify, no_wrap=title != "run", overflow="ellipsis", vertical="bottom")
    for entrant, (r, g, b) in runs:
        best = "-" if entrant.best_val is None else f"{entrant.best_val:.3f}"
        colour = f"#{r:02x}{g:02x}{b:02x}"
        table.add_row(Text("━", style=colour), Text(entrant.name, style=colour),
                      CELL_NAMES.get(entrant.cell, entrant.cell),
                      f"{entrant.hidden}", f"{entrant.parameters:,}", f"{entrant.steps:,}",
                      f"{entrant.chars_per_sec:,.0f}" if entrant.chars_per_sec else "-", best,
                      f"{entrant.best_step:,}" if entrant.best_step is not None else "-",
                      f"{entrant.train_curve[-1][1]:.3f}" if entrant.train_curve else "-",
                      Text(status.get(entrant.name, ""), style="dim"))
    return table
