"""The unit finder: which units of which layer and quantity track a feature of the text.

The measure is Pearson's r between a unit's value and the feature over the passage, ranked by
|r| (a unit that is low inside quotes tracks them as well as one that is high). A unit or a
feature that never changes over the passage has no correlation; it is left out, not ranked 0.
The second hypothesis, as LSTMVis asks it: the units on across a span the user selects, and the
other places where those units are on together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
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
    if not columns:  # a transformer: no units at all
        return np.zeros((len(inspection.text), 0), dtype=np.float32), units
    return np.concatenate(columns, axis=1), units


def correlations(values: np.ndarray, feature: np.ndarray) -> np.ndarray | None:
    """Pearson r of each column of (T, N) `values` with the (T,) feature; NaN for a constant
    column; None when the feature itself is constant (absent from the passage, say)."""
    return correlate(values, {"feature": feature})["feature"]


def correlate(values: np.ndarray, features: dict[str, np.ndarray]) -> dict[str, np.ndarray | None]:
    """`correlations` for many features at once: the activations are centred once and every
    feature is one row of a single matrix product (ten times faster than one by one)."""
    v = values.astype(np.float32)
    v -= v.mean(axis=0)
    v_norm = np.sqrt(np.einsum("tn,tn->n", v, v, dtype=np.float64))
    names = list(features)
    f = np.stack([features[name] for name in names]).astype(np.float64) if names else np.zeros((0, len(v)))
    f -= f.mean(axis=1, keepdims=True)
    f_norm = np.sqrt((f * f).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (f.astype(np.float32) @ v).astype(np.float64) / np.outer(f_norm, v_norm)
    r[:, v_norm < 1e-6] = np.nan
    return {name: None if f_norm[k] < 1e-12 else r[k] for k, name in enumerate(names)}


def rank(r: np.ndarray) -> np.ndarray:
    """Column indices by |r|, strongest first; undefined ones last."""
    return np.argsort(-np.nan_to_num(np.abs(r), nan=-1.0), kind="stable")


@dataclass(frozen=True)
class Finding:
    """Every unit's r with every feature over one passage: the finder's rankings, and any order."""

    units: list[Unit]  # the columns of activation_matrix
    r: dict[str, np.ndarray | None]  # feature -> (N,) r per unit; None for a feature the passage lacks

    def best(self, feature: str, top: int = TOP_UNITS) -> list[Match]:
        r = self.r[feature]
        if r is None:
            return []
        return [Match(self.units[i], float(r[i])) for i in rank(r)[:top] if not np.isnan(r[i])]

    def order(self, feature: str, layer: int, quantity: str) -> np.ndarray | None:
        """The units of one layer and quantity, the best tracker of `feature` first."""
        r = self.r.get(feature)
        if r is None:
            return None
        columns = [i for i, u in enumerate(self.units) if u.layer == layer and u.quantity == quantity]
        return rank(r[columns]) if columns else None


def finding(inspection: Inspection, features: dict[str, np.ndarray], layer: int | None = None) -> Finding:
    values, units = activation_matrix(inspection, layer)
    return Finding(units, correlate(values, features))


def find_units(inspection: Inspection, features: dict[str, np.ndarray], layer: int | None = None,
               top: int = TOP_UNITS) -> dict[str, list[Match]]:
    """For each feature, its best units over all layers and quantities (or one layer); an empty
    list for a feature the passage does not show (no digits, say)."""
    found = finding(inspection, features, layer)
    return {name: found.best(name, top) for name in features}


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
