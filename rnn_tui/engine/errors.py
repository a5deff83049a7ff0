"""UserError, the one exception type that carries a message meant for the person at the keyboard;
and Abandoned, for work given up on request."""


class UserError(Exception):
    """Bad input from the user: a file, a setting or a checkpoint.

    The message is one line that says what is wrong; the CLI prints it and exits 2,
    the app shows it and keeps running.
    """


class Abandoned(Exception):
    """Work given up because its `abandon()` turned true (the app is closing): nothing to report."""
