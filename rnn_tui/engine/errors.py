"""The one exception type that carries a message meant for the person at the keyboard."""


class UserError(Exception):
    """Bad input from the user: a file, a setting or a checkpoint.

    The message is one line that says what is wrong; the CLI prints it and exits 2,
    the app shows it and keeps running.
    """
