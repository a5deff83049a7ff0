"""Widget details that need no running app: the plot's step labels, its legend, the compare table."""

from rnn_tui.tui.widgets.loss_plot import step_label, step_ticks


def test_steps_are_labelled_as_whole_numbers_then_thousands():
    assert [step_label(s) for s in (0, 7, 800, 1000, 1200, 2444, 25_000, 1_500_000)] == \
        ["0", "7", "800", "1k", "1.2k", "2.4k", "25k", "1.5M"]


def test_ticks_are_round_steps_within_the_run():
    assert step_ticks(2444.2) == [0, 500, 1000, 1500, 2000]
    assert step_ticks(60) == [0, 20, 40, 60]
    assert step_ticks(1) == [0, 1]
    for last in (3, 99, 1222, 987_654):
        ticks = step_ticks(last)
        assert ticks[0] == 0 and ticks[-1] <= last and 2 <= len(ticks) <= 11
        assert len({b - a for a, b in zip(ticks, ticks[1:])}) == 1  # evenly spaced


def test_the_legend_shortens_to_fit_and_never_cuts_a_name():
    from rich.text import Text

    from rnn_tui.tui.widgets.loss_plot import legend

    wide, narrow, narrower, tiny = (Text.from_markup(legend(w)).plain for w in (200, 50, 40, 20))
    assert wide == "━ train ━ val ━ uniform ln V ━ unigram │ lr set │ dropout set"
    assert narrow == "━ train ━ val ━ ln V ━ unigram │ lr │ dropout" and len(narrow) <= 50
    assert narrower == "━ train ━ val ━ ln V ━ unigram"
    assert tiny == "━ train ━ val ━ ln V" and Text.from_markup(legend(19)).plain == "━ train ━ val"


def test_the_compare_table_fits_80_columns_and_cuts_a_long_run_name_before_a_number():
    from rich.console import Console

    from rnn_tui.engine.race import Entrant
    from rnn_tui.tui.widgets.compare import summary_table

    runs = [(Entrant("elman", 96, 20_012, name="cell=elman", steps=300, chars_per_sec=20_480, best_val=1.8,
                     best_step=300), (255, 0, 0)),
            (Entrant("gru", 52, 19_980, name="optimizer=adamw", steps=3_000, chars_per_sec=10_240, best_val=0.6,
                     best_step=2_950), (0, 255, 0))]
    status = {"cell=elman": "done", "optimizer=adamw": "running"}
    numbers = ("96", "20,012", "20,480", "1.800", "52", "19,980", "3,000", "10,240", "0.600", "2,950", "running")

    def drawn(width: int) -> str:
        console = Console(width=width, record=True)
        console.print(summary_table(runs, status))
        return console.export_text()

    wide = drawn(120)
    assert "optimizer=adamw" in wide and "…" not in wide
    narrow = drawn(76)  # what an 80-column terminal leaves the table
    assert all(number in narrow for number in numbers) and "cell=elman" in narrow
    assert "optimizer=a…" in narrow and narrow.count("…") == 1  # the long name is cut, and only it


def test_the_horizon_table_fits_its_side_panel_at_the_default_window():
    """At seq 128 the table had six steps, 56 cells in a 49-cell panel: rich squeezed the columns
    and the numbers ran together ("layer 16.6e-014.4e-02")."""
    import re

    import numpy as np
    from rich.console import Console

    from rnn_tui.engine.insight.gradients import Horizon
    from rnn_tui.tui.widgets.gradients import TABLE_STEPS, horizon_table

    console = Console(width=49, record=True)  # the side panel: 50 cells (app CSS) less its padding
    k = np.arange(128)
    console.print(horizon_table(Horizon(np.stack([0.9 ** k, 0.5 ** k, 0.99 ** k, 0.7 ** k]), streams=8)))
    rows = console.export_text().splitlines()
    assert len(rows) == 5 and rows[0].split() == ["k", *map(str, TABLE_STEPS)]
    for layer, row in enumerate(rows[1:], 1):
        assert re.fullmatch(rf"layer {layer}( +\d\.\de[-+]\d\d){{{len(TABLE_STEPS)}}}", row.rstrip()), row
