"""Widget details that need no running app: the plot's step labels."""

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
    assert tiny == "━ train ━ val"
