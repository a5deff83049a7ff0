"""Activation factors, as Ecco finds them: the passage's activations of one layer and quantity
factorised by non-negative matrix factorisation (scikit-learn's NMF) into a few factors, each a
strength per character. A tanh state is signed, so each unit enters twice, as its positive and
its negative part: a factor may be "unit 7 high" or "unit 7 low"."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rnn_tui.engine.errors import give_up_if

DEFAULT_FACTORS = 5
ITERATIONS = 300  # a few hundred show the factors well; the fit rarely converges sooner
ITERATIONS_A_CALL = 30  # the fit goes on in calls this long, so that a reading no longer wanted stops within one
BLAS_THREADS = 1  # coordinate descent is sequential: a second BLAS thread took 1.5 times the CPU for a 20% shorter
# fit (benchmarks/RESULTS.md, 2026-12-08), and in the app it takes the core the screen draws with
TOP_UNITS = 3
BLOCKS = " ▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class Factors:
    layer: int
    quantity: str
    strength: np.ndarray  # (T, k): each factor over the passage, scaled so its peak is 1
    units: list[list[tuple[int, str, float]]]  # per factor: (unit, "+" high or "-" low, share of its loading)

    def to_dict(self) -> dict[str, object]:
        return {"layer": self.layer + 1, "quantity": self.quantity,
                "factors": [{"strength": [round(float(v), 3) for v in column],
                             "units": [{"unit": u, "sign": sign, "share": round(share, 3)} for u, sign, share in units]}
                            for column, units in zip(self.strength.T, self.units)]}


def factorise(values: np.ndarray, layer: int, quantity: str, k: int = DEFAULT_FACTORS, seed: int = 0,
              abandon: Callable[[], bool] | None = None) -> Factors:
    """Factorise (T, U) activations into k non-negative factors; `abandon` is asked between calls of the
    fit (each goes on from the last one's factors: the same coordinate descent as one long call, which
    may stop a little sooner, its tolerance being relative to its first iteration)."""
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    if k < 1:
        raise ValueError(f"the number of factors must be at least 1, not {k}")
    units = values.shape[1]
    centred = values - values.mean(axis=0)  # a unit's resting level says nothing about the text
    parts = np.concatenate([np.maximum(centred, 0), np.maximum(-centred, 0)], axis=1).astype(np.float64)
    k = min(k, *parts.shape)
    model = NMF(n_components=k, init="nndsvda", max_iter=ITERATIONS_A_CALL, random_state=seed)
    done, strength, loadings = 0, None, None
    with warnings.catch_warnings(), threadpool_limits(BLAS_THREADS, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)  # a call stops short of convergence by design
        while done < ITERATIONS:
            give_up_if(abandon)
            if strength is None:
                strength = model.fit_transform(parts)  # (T, k)
            else:
                model.set_params(init="custom")
                strength = model.fit_transform(parts, W=strength, H=loadings)
            loadings = model.components_  # (k, 2U)
            done += model.n_iter_
            if model.n_iter_ < ITERATIONS_A_CALL:  # converged
                break
    peak = strength.max(axis=0)
    strength = strength / np.where(peak > 0, peak, 1)
    top = []
    for row in loadings:
        total = row.sum() or 1.0
        best = np.argsort(-row, kind="stable")[:TOP_UNITS]
        top.append([(int(j % units), "+" if j < units else "-", float(row[j] / total)) for j in best])
    order = np.argsort(-strength.sum(axis=0), kind="stable")  # the factors most present first
    return Factors(layer, quantity, strength[:, order], [top[i] for i in order])


def sparkline(values: np.ndarray | list[float], width: int) -> str:
    """Values as a line of `width` block characters, each the mean of its stretch of the passage,
    scaled so the highest is a full block."""
    n = len(values)
    cells = np.array([np.mean(values[i * n // width:max(i * n // width + 1, (i + 1) * n // width)])
                      for i in range(min(width, n))])
    peak = cells.max() if len(cells) else 0.0
    return "".join(BLOCKS[round(float(v) * 8)] for v in (cells / peak if peak > 0 else cells))
