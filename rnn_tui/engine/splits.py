"""How a text is split and whether it is long enough, in plain arithmetic (no torch): the app
checks a run before the engine has loaded."""

from __future__ import annotations

from rnn_tui.engine.errors import UserError

VAL_FRACTION = 0.1


def val_size(chars: int) -> int:
    """Characters of a text held out for validation: its last 10%."""
    return max(1, int(chars * VAL_FRACTION))


def check_fits(chars: int, batch: int, seq: int, name: str = "the text") -> None:
    """Refuse, before anything is built, a text too short for `batch` streams of `seq` characters,
    with the message building the training streams would give."""
    train = chars - val_size(chars)
    if (train - 1) // batch < seq + 1:
        raise UserError(f"{name} ({chars:,} characters) is too short for batch {batch} x seq {seq}: its training "
                        f"part needs at least {batch * (seq + 1) + 1:,}; lower the batch or the sequence length")
    if chars - train < seq + 2:
        raise UserError(f"{name} ({chars:,} characters) is too short for seq {seq}: its validation part (the last "
                        f"10%) needs at least {seq + 2:,} characters; lower the sequence length")
