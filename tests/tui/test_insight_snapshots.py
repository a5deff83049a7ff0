"""The features table of the units view, drawn whole whatever the order of frames and measuring
(every view's snapshot is in test_views.py)."""

from rnn_tui.engine.insight.features import DESCRIPTIONS
from rnn_tui.engine.insight.registry import UNITS

from .conftest import settled, shown
from .fixed_run import fixed_insight
from .test_snapshots import fixed_app, settle_with


async def test_the_features_table_is_whole_when_a_frame_falls_between_its_rows_and_their_measuring(tmp_path):
    """A DataTable measures new rows when idle; a frame drawn before that (the screen's timer) drew
    them at the old column widths, and Textual kept those cells after the columns widened."""
    app = fixed_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_with(0.0)(pilot)
        await app.action_show_tab("units-tab")
        await pilot.pause()
        app.learned.insight_read(fixed_insight())
        table = app.query_one("#features")
        shown(table)  # the early frame
        await settled(pilot)
        drawn = shown(table)
        assert all(DESCRIPTIONS.get(name, "your hypothesis") in drawn for name in app.learned.last.of(UNITS).r), drawn
