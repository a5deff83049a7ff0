"""UserError, the one exception type that carries a message meant for the person at the keyboard;
and Abandoned, for work given up on request."""

from __future__ import annotations

from collections.abc import Callable


class UserError(Exception):
    """Bad input from the user: a file, a setting or a checkpoint.

    The message is one line that says what is wrong; the CLI prints it and exits 2,
    the app shows it and keeps running.
    """


class Abandoned(Exception):
    """Work given up because its `abandon()` turned true (the app is closing, or the user asked for
    something else meanwhile): nothing to report."""


def give_up_if(abandon: Callable[[], bool] | None) -> None:
    """Raise Abandoned when `abandon()` says the work is no longer wanted (None: it always is)."""
    if abandon is not None and abandon():
        raise Abandoned
