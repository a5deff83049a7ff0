"""Gate saturation, as Karpathy, Johnson and Fei-Fei measure it: for each unit of a gate, the
fraction of time it is left-saturated (a sigmoid below 0.1, a tanh below -0.9) and the fraction
it is right-saturated (above 0.9). A unit near (0, 1) is a gate that is always open; one near the
diagonal switches between shut and open; one near (0, 0) works in its linear range."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnn_tui.engine.inspection import Inspection

SIGMOID_GATES = {"i", "f", "o", "r", "z"}
TANH_QUANTITIES = {"g", "n"}
THRESHOLD = 0.9


@dataclass(frozen=True)
class Saturation:
    layer: int
    quantity: str
    left: np.ndarray  # (units,) fraction of time below the low threshold
    right: np.ndarray  # (units,) fraction of time above the high threshold

    def to_dict(self) -> dict[str, object]:
        return {"layer": self.layer + 1, "gate": self.quantity,
                "left": [round(float(v), 4) for v in self.left], "right": [round(float(v), 4) for v in self.right]}


def bounds(quantity: str, cell: str, nonlinearity: str = "tanh") -> tuple[float, float] | None:
    """The saturation thresholds of a quantity, or None for one with no bounded range (c, relu h)."""
    if quantity in SIGMOID_GATES:
        return 1 - THRESHOLD, THRESHOLD
    if quantity in TANH_QUANTITIES or (quantity == "h" and cell in ("elman", "jordan") and nonlinearity == "tanh"):
        return -THRESHOLD, THRESHOLD
    return None


def saturation(inspection: Inspection, cell: str, nonlinearity: str = "tanh") -> list[Saturation]:
    """Per layer, per bounded gate or quantity, each unit's left and right fractions."""
    out = []
    for layer, quantities in enumerate(inspection.layers):
        for quantity, values in quantities.items():
            limits = bounds(quantity, cell, nonlinearity)
            if limits is not None:
                low, high = limits
                out.append(Saturation(layer, quantity, (values < low).mean(axis=0), (values > high).mean(axis=0)))
    return out
