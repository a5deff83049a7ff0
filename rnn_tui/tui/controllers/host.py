"""What a controller may ask of the app: the run's state, a word to the user, a dialog, a worker,
the messages of a type (a view's request, a result of its background work), and publishing a
result for the views that watch it. Never a widget: views watch what is
published on the app's typed channels (`tui/channels.py` names them all), so a controller can be
tested with a fake host."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from textual.message import Message
    from textual.notifications import SeverityLevel
    from textual.screen import Screen

    from rnn_tui.tui.channels import Channels
    from rnn_tui.tui.messages import Routed
    from rnn_tui.tui.state import RunState

R = TypeVar("R", bound="Routed")


class Host(Protocol):
    state: RunState
    channels: Channels

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None: ...

    def push_screen(self, screen: Screen[Any], callback: Callable[[Any], None] | None = None) -> Any: ...

    def run_worker(self, work: Callable[[], Any], *, thread: bool = False, group: str = "default",
                   exclusive: bool = False, exit_on_error: bool = True) -> Any: ...

    def post_message(self, message: Message) -> bool: ...

    def call_after_refresh(self, callback: Callable[..., Any], *args: Any) -> bool:
        """Call back once the screen has drawn what is pending (work a key starts waits for its frame)."""

    def route(self, kind: type[R], to: Callable[[R], None]) -> None:
        """Hand every message of this type to `to` (one receiver per type; a run's result only while
        its run is on screen)."""
