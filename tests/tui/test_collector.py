"""The app paces Python's cycle collector (tui/collector.py): no automatic full collection while it
runs, garbage freed every pass or at the sweep, and CPython's thresholds back when it quits."""

import gc
import weakref

from rnn_tui.tui.collector import NEVER, SWEEP_SECONDS, PacedCollector

from .conftest import sampling_ready, scripted_app, tiny_spec, wait_for


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_a_pass_frees_a_cycle_made_since_the_last_and_keeps_what_is_alive():
    collector = PacedCollector()
    collector.start()
    try:
        assert gc.get_threshold()[2] == NEVER
        garbage, alive = Node(), Node()
        dead = weakref.ref(garbage)
        del garbage
        collector.collect()
        assert dead() is None and alive.me is alive
        assert gc.get_freeze_count() > 0  # what survived is out of later walks
    finally:
        collector.stop()


def test_a_cycle_that_dies_after_it_was_frozen_is_freed_at_the_sweep():
    collector = PacedCollector()
    collector.start()
    try:
        node = Node()
        collector.collect()  # frozen alive
        dead = weakref.ref(node)
        del node
        collector.collect()
        assert dead() is not None  # frozen: the pass does not walk it
        collector.swept -= SWEEP_SECONDS
        collector.collect()
        assert dead() is None
    finally:
        collector.stop()


def test_stop_gives_back_cpythons_thresholds():
    before = gc.get_threshold()
    collector = PacedCollector()
    collector.start()
    collector.collect()
    collector.stop()
    assert gc.get_threshold() == before


async def test_the_app_paces_the_collector_while_it_runs_and_not_after(text_path, tmp_path):
    before = gc.get_threshold()
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: sampling_ready(app), what="the engine")  # the first frame drawn, torch loaded
        assert gc.get_threshold()[2] == NEVER
        frozen = gc.get_freeze_count()
        while gc.get_freeze_count() == frozen:  # the app's timer runs a pass
            await pilot.pause(0.1)
        await app.action_quit()
    assert gc.get_threshold() == before
