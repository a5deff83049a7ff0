"""Text files: reading any UTF-8 file with a clear refusal, and finding the bundled corpora
(sample_texts/, in the source tree or inside an installed wheel). No torch here: the app
checks a file before the engine has loaded."""

from __future__ import annotations

import os
from pathlib import Path

from rnn_tui.errors import UserError

DEFAULT_TEXT = "recurrent_networks.txt"
MAX_TEXT_BYTES = 1 << 30  # beyond 1 GiB a char-RNN on this machine would not finish an epoch anyway
_BINARY_SIGNATURES = (b"\x89PNG", b"%PDF", b"PK\x03\x04", b"\x7fELF", b"GIF8", b"\xff\xd8\xff")


def sample_texts_dir() -> Path:
    inside_package = Path(__file__).parent / "sample_texts"  # where the wheel puts them
    return inside_package if inside_package.is_dir() else Path(__file__).parent.parent / "sample_texts"


def default_text_path() -> Path:
    return sample_texts_dir() / DEFAULT_TEXT


def sample_texts() -> list[Path]:
    return sorted(sample_texts_dir().glob("*.txt"))


def read_text(path: str | os.PathLike[str]) -> str:
    """Read a UTF-8 text file, refusing what is not one with a one-line reason."""
    p = Path(path)
    if not p.exists():
        raise UserError(f"no such file: {p}")
    if p.is_dir():
        raise UserError(f"{p} is a directory, not a text file")
    try:
        size = p.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise UserError(f"{p} is {size / 2**30:.1f} GiB; texts up to {MAX_TEXT_BYTES / 2**30:.0f} GiB are read")
        raw = p.read_bytes()
    except PermissionError:
        raise UserError(f"permission denied reading {p}") from None
    except OSError as exc:
        raise UserError(f"cannot read {p}: {exc.strerror or exc}") from None
    if not raw:
        raise UserError(f"{p} is empty")
    if raw.startswith(_BINARY_SIGNATURES) or b"\x00" in raw[: 1 << 16]:
        raise UserError(f"{p} looks like a binary file, not text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(
            f"{p} is not UTF-8 (byte 0x{raw[exc.start]:02X} at offset {exc.start}); "
            "convert it, e.g. iconv -f latin1 -t utf-8"
        ) from None
    return text.removeprefix("\ufeff")
