"""Loss functions, keyed by the names the UI shows.

``value(outputs, targets, axis)`` reduces over the sample and output axes (so a
whole block of iterations can be scored at once). ``gradient`` is NumPy
statements (see :mod:`nnviz.activations`) writing dL/do into ``d`` from the
output ``o`` and targets ``y`` of one batch; ``SCALE`` is 1 / (rows x outputs)
of that batch (1 / rows for ``ce``). ``bce`` (with a sigmoid output) and ``ce``
(categorical cross-entropy, with a softmax output, for three or more classes)
give dL/dz (the pre-activation) directly, the numerically stable form.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

_EPS = 1e-15  # keeps log() finite when a sigmoid output rounds to exactly 0 or 1


def sse_value(o: np.ndarray, y: np.ndarray, axis=(-2, -1)) -> np.ndarray:
    """sum over samples and outputs of (y - o)**2, the tutorial's loss."""
    r = y - o
    return np.sum(r * r, axis=axis)


def mse_value(o: np.ndarray, y: np.ndarray, axis=(-2, -1)) -> np.ndarray:
    r = y - o
    return np.mean(r * r, axis=axis)


def bce_value(o: np.ndarray, y: np.ndarray, axis=(-2, -1)) -> np.ndarray:
    """-mean(y log o + (1 - y) log(1 - o))."""
    o = np.clip(o, _EPS, 1.0 - _EPS)
    return -np.mean(y * np.log(o) + (1.0 - y) * np.log1p(-o), axis=axis)


def ce_value(o: np.ndarray, y: np.ndarray, axis=(-2, -1)) -> np.ndarray:
    """Categorical cross-entropy, -sum(y log o) per row, averaged over rows (one-hot targets)."""
    o = np.clip(o, _EPS, 1.0)
    rows = o.shape[axis[0]]
    return -np.sum(y * np.log(o), axis=axis) / rows


@dataclass(frozen=True)
class Loss:
    name: str
    value: Callable[..., np.ndarray]
    gradient: tuple[str, ...]
    # True when gradient() already includes the output activation's derivative.
    gradient_is_preactivation: bool = False
    requires_output: str | None = None  # the output activation this loss needs
    negated_gradient: tuple[str, ...] | None = None  # -gradient, for a negated output layer
    per_output: bool = True  # SCALE is 1 / (rows x outputs); False: 1 / rows


LOSSES: dict[str, Loss] = {
    # 2*(o - y) is exactly -(2*(y - o)): the tutorial's term with the sign of a gradient.
    "sse": Loss("sse", sse_value, ("subtract(o, y, d)", "multiply(TWO, d, d)")),
    "mse": Loss("mse", mse_value, ("subtract(o, y, d)", "multiply(TWO, d, d)", "multiply(SCALE, d, d)")),
    # for a sigmoid output: dL/dz = (o - y) / N
    "bce": Loss("bce", bce_value, ("subtract(o, y, d)", "multiply(SCALE, d, d)"),
                gradient_is_preactivation=True, requires_output="sigmoid",
                negated_gradient=("subtract(y, o, d)", "multiply(SCALE, d, d)")),
    # for a softmax output: dL/dz = (o - y) / rows
    "ce": Loss("ce", ce_value, ("subtract(o, y, d)", "multiply(SCALE, d, d)"),
               gradient_is_preactivation=True, requires_output="softmax", per_output=False),
}
