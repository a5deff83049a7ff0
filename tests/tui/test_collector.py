"""The app paces Python's cycle collector (tui/collector.py): no automatic full collection while it
runs, garbage freed by each pass, what lasts frozen when it is made, and CPython's thresholds back
when it quits."""

import gc
import weakref

import pytest

from rnn_tui.tui.collector import NEVER, PACED, SHARE, PacedCollector

from .conftest import sampling_ready, scripted_app, tiny_spec, wait_for

pytestmark = pytest.mark.skipif(not PACED, reason="Python 3.14's incremental collector paces itself")


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_a_pass_frees_an_old_cycle_that_the_young_collections_leave_and_keeps_what_is_alive():
    collector = PacedCollector()
    collector.start()
    try:
        assert gc.get_threshold()[2] == NEVER
        garbage, alive = Node(), Node()
        dead = weakref.ref(garbage)
        gc.collect(1)  # both survive into the oldest generation
        del garbage
        gc.collect(1)
        assert dead() is not None  # only a full collection reaches it
        collector.collect()
        assert dead() is None and alive.me is alive
    finally:
        collector.stop()


def test_a_pass_waits_until_the_last_one_is_a_small_share_of_the_time_since():
    wait = 0.1 * (1 / SHARE - 1)  # after a pass of 0.1 s
    readings = iter([0.0, 0.1, 0.1 + wait - 0.01, 0.1 + wait + 0.01, 1e9])
    collector = PacedCollector(clock=lambda: next(readings))
    collector.start()
    try:
        collector.collect()  # the first runs at once and takes 0.1 s by this clock
        garbage = Node()
        dead = weakref.ref(garbage)
        gc.collect(1)
        del garbage
        collector.collect()  # too soon
        assert dead() is not None
        collector.collect()
        assert dead() is None
    finally:
        collector.stop()


def test_settling_collects_first_so_no_garbage_is_frozen():
    collector = PacedCollector()
    collector.start()
    try:
        garbage, lasting = Node(), Node()
        dead = weakref.ref(garbage)
        del garbage
        collector.settle()
        assert dead() is None and lasting.me is lasting
        # frozen: still tracked, in no generation a collection walks (the freeze count says less: the
        # collection before the freeze may free frozen objects that other garbage held)
        assert gc.is_tracked(lasting) and all(tracked is not lasting for tracked in gc.get_objects())
    finally:
        collector.stop()


def test_stop_gives_back_cpythons_thresholds():
    before = gc.get_threshold()
    assert before[2] != NEVER
    collector = PacedCollector()
    collector.start()
    collector.stop()
    assert gc.get_threshold() == before


async def test_the_app_paces_the_collector_while_it_runs_and_settles_a_view_when_it_mounts(text_path, tmp_path):
    before = gc.get_threshold()
    assert before[2] != NEVER
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: sampling_ready(app), what="the engine")  # the first frame drawn, torch loaded
        assert gc.get_threshold()[2] == NEVER
        frozen = gc.get_freeze_count()
        await app.action_show_tab("gates")  # mounted now: its widgets are frozen once shown
        await wait_for(pilot, lambda: gc.get_freeze_count() > frozen, what="the view settled")
        await app.action_quit()
    assert gc.get_threshold() == before
