"""The plain forward and backward pass: a loop over layers, each activation's and loss's own NumPy.

This is the definition the fast forms are checked against (tests): the compiled
program (:mod:`nnviz.program`, straight-line and with negated sigmoid layers)
and the vectorized sweep (:mod:`nnviz.many`). Live math (:mod:`nnviz.explain`),
the plane's neuron maps (:mod:`nnviz.plane`, in float32) and the numerical
gradient check (:mod:`nnviz.diagnostics`) use it directly.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from .activations import ACTIVATIONS
from .losses import LOSSES, regularizer
from .network import Layout


def forward(layout: Layout, activations: Sequence[str], theta: np.ndarray, x: np.ndarray) -> list[np.ndarray]:
    """Every layer's activations (rows, width), input side first, for the parameters ``theta`` (P,); for
    several parameter vectors (K, P) at once, (K, rows, width) each.

    Computed in ``x``'s float type (float32 for a picture of the plane, else float64).
    """
    dtype = np.float32 if x.dtype == np.float32 else np.float64
    theta = np.asarray(theta, dtype=dtype)
    weights, biases = layout.weights(theta), layout.biases(theta)
    a, layers = np.asarray(x, dtype=dtype), []
    for l, name in enumerate(activations):
        z = a @ weights[l]
        if biases is not None:
            z += biases[l][..., None, :]
        # Activations work on rows (softmax on each row's units): all networks' rows as one table.
        ACTIVATIONS[name].apply(z.reshape(-1, z.shape[-1]))
        layers.append(z)
        a = z
    return layers


@dataclass(frozen=True, eq=False)
class Gradients:
    """dL/d of one backward pass, lists input side first: ``deltas[l]`` dL/dz (rows, width) of layer l,
    ``d_weights[l]`` dL/dW (fan_in, fan_out) and ``d_biases[l]`` (width,) (None without biases), the
    regularization's penalty included; ``flat`` all of them (P,) in the layout's order."""

    deltas: list[np.ndarray]
    d_weights: list[np.ndarray]
    d_biases: Optional[list[np.ndarray]]
    flat: np.ndarray


def backward(layout: Layout, activations: Sequence[str], loss: str, theta: np.ndarray, x: np.ndarray,
             y: np.ndarray, layers: Optional[list[np.ndarray]] = None, regularization: str = "none",
             reg_rate: float = 0.0) -> Gradients:
    """The gradient of ``loss`` (the name) plus the regularization's penalty on the weights, for the
    parameters ``theta`` (P,) on the rows ``x``, ``y``; ``layers``: :func:`forward`'s result, if at hand."""
    if layers is None:
        layers = forward(layout, activations, theta, x)
    rule, acts = LOSSES[loss], [ACTIVATIONS[name] for name in activations]
    weights = layout.weights(np.asarray(theta, dtype=np.float64))
    penalty = regularizer(regularization, reg_rate)
    flat = np.zeros(layout.size)
    d_weights, d_biases = layout.weights(flat), layout.biases(flat)
    deltas: list[np.ndarray] = [np.empty(0)] * len(acts)
    d = rule.gradient_into(layers[-1], y, np.empty_like(layers[-1]))
    if not rule.gradient_is_preactivation:
        d *= acts[-1].slope(layers[-1])
    for l in range(len(acts) - 1, -1, -1):
        deltas[l] = d
        d_weights[l][...] = (layers[l - 1] if l else x).T @ d
        if penalty is not None:
            d_weights[l] += penalty.gradient_into(weights[l], reg_rate, np.empty_like(weights[l]))
        if d_biases is not None:
            d_biases[l][...] = d.sum(axis=0)
        if l:
            d = (d @ weights[l].T) * acts[l - 1].slope(layers[l - 1])
    return Gradients(deltas, d_weights, d_biases, flat)


def penalty_of(layout: Layout, regularization: str, reg_rate: float, theta: np.ndarray) -> np.ndarray:
    """The regularization's penalty of each parameter vector, (..., P) -> (...): on the weights only."""
    rule = regularizer(regularization, reg_rate)
    theta = np.asarray(theta)
    if rule is None:
        return np.zeros(theta.shape[:-1])
    w = np.concatenate([theta[..., s] for s in layout.weight_slices], axis=-1)
    return rule.value(w, reg_rate)
