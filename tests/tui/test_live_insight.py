"""The insight thread: a reading that the user's next request makes useless is given up, not finished."""

import queue
import threading
from types import SimpleNamespace

from rnn_tui.engine.errors import Abandoned
from rnn_tui.tui import live_insight
from rnn_tui.tui.live_insight import LiveInsight

HANG = 60  # seconds: only a hung thread waits this long


def request(passage: str) -> SimpleNamespace:
    return SimpleNamespace(passage=passage, weights=SimpleNamespace(run=0))


class Reader:
    """A LiveInsight whose reading of "slow" lasts until it is given up; any other passage is read at once."""

    def __init__(self, monkeypatch):
        self.posted: queue.Queue = queue.Queue()
        self.slow_started, self.slow_given_up = threading.Event(), threading.Event()
        monkeypatch.setattr(live_insight, "analyse", self.analyse)
        self.live = LiveInsight(self.posted.put, min_seconds=0)
        self.thread = threading.Thread(target=self.live.run, daemon=True)

    def analyse(self, request, models, counts, abandon):
        if request.passage == "slow":
            self.slow_started.set()
            while not abandon():
                self.slow_given_up.wait(0.001)
            self.slow_given_up.set()
            raise Abandoned
        return f"read {request.passage}"

    def stop(self) -> None:
        self.live.stop()
        self.thread.join(HANG)
        assert not self.thread.is_alive()


def test_a_request_the_user_makes_gives_up_the_reading_under_way(monkeypatch):
    reader = Reader(monkeypatch)
    reader.thread.start()
    reader.live.request(request("slow"), now=True)
    assert reader.slow_started.wait(HANG)
    reader.live.request(request("fast"), now=True)
    assert reader.posted.get(timeout=HANG).insight == "read fast"  # nothing came of "slow"
    reader.stop()
    assert reader.posted.empty()


def test_a_closed_view_gives_up_its_reading_and_the_one_waiting(monkeypatch):
    reader = Reader(monkeypatch)
    reader.live.request(request("waiting"))
    reader.live.give_up()
    reader.thread.start()
    reader.live.request(request("fast"), now=True)  # the next view's, once its frame is drawn
    assert reader.posted.get(timeout=HANG).insight == "read fast"  # "waiting" was dropped
    reader.live.request(request("slow"))  # new weights, say: not urgent, so only giving up ends it
    assert reader.slow_started.wait(HANG)
    reader.live.give_up()
    assert reader.slow_given_up.wait(HANG)
    reader.stop()
    assert reader.posted.empty()
