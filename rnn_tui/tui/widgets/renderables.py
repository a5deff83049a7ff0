"""Small Rich building blocks shared by the panels."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table


def stack(*parts: RenderableType) -> Table:
    """Renderables one under the other, in one Static."""
    grid = Table.grid()
    for part in parts:
        grid.add_row(part)
    return grid
