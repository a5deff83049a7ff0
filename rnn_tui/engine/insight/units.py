"""The unit finder: which units of which layer and quantity track a feature of the text.

The measure is Pearson's r between a unit's value and the feature over the passage, ranked by
|r| (a unit that is low inside quotes tracks them as well as one that is high). A unit or a
feature that never changes over the passage has no correlation; it is left out, not ranked 0.
The second hypothesis, as LSTMVis asks it: the units on across a span the user selects, and the
other places where those units are on together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnn_tui.engine.inspection import Inspection

TOP_UNITS = 5


@dataclass(frozen=True)
class Unit:
    layer: int  # 0-based; shown and written as layer + 1
    quantity: str
    unit: int

    def label(self) -> str:
        return f"layer {self.layer + 1} {self.quantity}[{self.unit}]"


@dataclass(frozen=True)
class Match:
    unit: Unit
    r: float

    def to_dict(self) -> dict[str, object]:
        return {"layer": self.unit.layer + 1, "quantity": self.unit.quantity, "unit": self.unit.unit,
                "r": round(self.r, 4)}


def activation_matrix(inspection: Inspection, layer: int | None = None) -> tuple[np.ndarray, list[Unit]]:
    """Every unit of every quantity (of one layer, or all) as the columns of one (T, N) array."""
    columns, units = [], []
    for k, quantities in enumerate(inspection.layers):
        if layer is not None and k != layer:
            continue
        for quantity, values in quantities.items():
            columns.append(values)
            units += [Unit(k, quantity, u) for u in range(values.shape[1])]
    return np.concatenate(columns, axis=1), units


def correlations(values: np.ndarray, feature: np.ndarray) -> np.ndarray | None:
    """Pearson r of each column of (T, N) `values` with the (T,) feature; NaN for a constant
    column; None when the feature itself is constant (absent from the passage, say)."""
    f = feature.astype(np.float64) - feature.mean()
    f_norm = np.sqrt(f @ f)
    if f_norm < 1e-12:
        return None
    v = values.astype(np.float64)
    v = v - v.mean(axis=0)
    v_norm = np.sqrt(np.einsum("tn,tn->n", v, v))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (f @ v) / (v_norm * f_norm)
    r[v_norm < 1e-9] = np.nan
    return r


def rank(r: np.ndarray) -> np.ndarray:
    """Column indices by |r|, strongest first; undefined ones last."""
    return np.argsort(-np.nan_to_num(np.abs(r), nan=-1.0), kind="stable")


def best_units(values: np.ndarray, units: list[Unit], feature: np.ndarray, top: int = TOP_UNITS) -> list[Match]:
    r = correlations(values, feature)
    if r is None:
        return []
    return [Match(units[i], float(r[i])) for i in rank(r)[:top] if not np.isnan(r[i])]


def find_units(inspection: Inspection, features: dict[str, np.ndarray], layer: int | None = None,
               top: int = TOP_UNITS) -> dict[str, list[Match]]:
    """For each feature, its best units over all layers and quantities (or one layer); an empty
    list for a feature the passage does not show (no digits, say)."""
    values, units = activation_matrix(inspection, layer)
    return {name: best_units(values, units, feature, top) for name, feature in features.items()}


def units_on_span(values: np.ndarray, start: int, end: int, threshold: float) -> np.ndarray:
    """Units of a (T, U) array above `threshold` at every character of text[start:end]."""
    if not 0 <= start < end <= len(values):
        raise ValueError(f"span {start}:{end} is outside the passage of {len(values)} characters")
    return np.flatnonzero((values[start:end] > threshold).all(axis=0))


def where_units_fire(values: np.ndarray, units: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """The spans (start, end) of the passage where all of `units` are above `threshold` together."""
    if len(units) == 0:
        return []
    on = (values[:, units] > threshold).all(axis=1)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], on.astype(np.int8), [0]])))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]
