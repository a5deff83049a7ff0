"""The one owner of which weights the app's views read: the moment the loss plot's cursor replays,
else the best weights on validation when the user chose them and there are some, else the newest.
It follows the snapshots the training process sends and publishes its choice on the `weights`
channel, which the sampler, the fan, the views of what the model learned, the writer and One step
all follow: they read the same weights, always."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rnn_tui.tui.results import Weights

if TYPE_CHECKING:
    from rnn_tui.run.protocol import Snapshot
    from rnn_tui.tui.controllers.host import Host


class WeightsController:
    def __init__(self, host: Host):
        self.host = host
        self.state = host.state
        self.latest: Snapshot | None = None
        self.best: Snapshot | None = None
        self.engine_loaded = False  # torch is imported: before that nothing can read weights
        host.channels.run_asked.follow(self.new_run)
        host.channels.snapshot.follow(self.snapshot_sent)

    def engine_ready(self) -> None:
        self.engine_loaded = True
        self.publish()

    def new_run(self, _run: int) -> None:
        """A new run was asked for: nothing of the old one is read any more."""
        self.latest = self.best = None
        self.publish()

    def snapshot_sent(self, snapshot: Snapshot | None) -> None:
        if snapshot is None:
            return
        if snapshot.best:
            self.best = snapshot
        else:
            self.latest = snapshot
        self.publish()

    def toggle_best(self) -> None:
        self.state.use_best = not self.state.use_best
        self.state.changed()
        self.publish()

    def scrub(self, direction: int) -> bool:
        """Replay an earlier moment of the run (-1), or a later one or the live weights (+1); whether
        the weights read changed."""
        before = self.state.replay
        if self.state.scrub(direction) is before:
            return False
        self.publish()
        return True

    @property
    def snapshot(self) -> Snapshot | None:
        """The snapshot read when no moment is replayed: the best one when chosen and there is one, else the latest."""
        return (self.best if self.state.use_best and self.best is not None else None) or self.latest

    def current(self) -> Weights | None:
        ready, replay = self.state.ready, self.state.replay
        if not self.engine_loaded or ready is None:
            return None
        if replay is not None:
            return Weights(self.state.run, self.state.spec.model, ready.vocab, replay.weights, replay.step)
        if (snapshot := self.snapshot) is None:
            return None
        return Weights(snapshot.run, self.state.spec.model, ready.vocab, snapshot.weights, snapshot.step)

    def publish(self) -> None:
        self.host.channels.weights.publish(self.current())
