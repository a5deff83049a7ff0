"""The bundled corpora in sample_texts/: found in the source tree or inside an installed wheel."""

from __future__ import annotations

from pathlib import Path

DEFAULT_TEXT = "recurrent_networks.txt"


def sample_texts_dir() -> Path:
    inside_package = Path(__file__).parent / "sample_texts"  # where the wheel puts them
    return inside_package if inside_package.is_dir() else Path(__file__).parent.parent / "sample_texts"


def default_text_path() -> Path:
    return sample_texts_dir() / DEFAULT_TEXT


def sample_texts() -> list[Path]:
    return sorted(sample_texts_dir().glob("*.txt"))
