"""The network's output over the plane: decision boundaries and what each neuron computes.

Grids are evaluated in float32 (four times cheaper for tanh than float64 and
plenty for a picture), for several snapshots at once, and come back as uint8
levels so an animated figure of 100 frames of 100x100 stays small.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .datasets import DOMAIN, feature_matrix
from .reference import forward
from .training import TrainingRun

GRID = 100


def grid_points(size: int = GRID, domain: float = DOMAIN) -> tuple[np.ndarray, np.ndarray]:
    """The axis values (size,) and all grid points (size * size, 2), row by row from the bottom."""
    axis = np.linspace(-domain, domain, size)
    xx, yy = np.meshgrid(axis, axis)
    return axis, np.column_stack([xx.ravel(), yy.ravel()])


def _layers(run: TrainingRun, inputs: np.ndarray, parameters: np.ndarray) -> list[np.ndarray]:
    """Every layer's activations (points, width) for one flat parameter vector, in float32 (``inputs``'s)."""
    return forward(run.layout, run.activations, parameters, inputs)


def boundary(run: TrainingRun, features: Sequence[str], snapshots: Sequence[int], size: int = GRID,
             domain: float = DOMAIN) -> np.ndarray:
    """(len(snapshots), size, size) float32 values over the grid, row 0 at the bottom (y = -domain).

    Two classes: the output (probability of class 1). More classes: the predicted class
    (argmax). Regression: the output value.
    """
    return boundary_of(run, features, run.parameters[list(snapshots)], size, domain)


def boundary_of(run: TrainingRun, features: Sequence[str], parameters: np.ndarray, size: int = GRID,
                domain: float = DOMAIN) -> np.ndarray:
    """As :func:`boundary`, for flat parameter vectors (K, P) or (P,) of ``run``'s network (an edited weight)."""
    parameters = np.atleast_2d(parameters)
    _, points = grid_points(size, domain)
    inputs = feature_matrix(points, features).astype(np.float32)
    frames = np.empty((len(parameters), size, size), dtype=np.float32)
    with np.errstate(all="ignore"):
        for i, theta in enumerate(parameters):
            out = _layers(run, inputs, theta)[-1]
            value = np.argmax(out, axis=1) if out.shape[1] > 1 else out[:, 0]
            frames[i] = value.reshape(size, size)
    return frames


def neuron_maps(run: TrainingRun, features: Sequence[str], snapshot: int = -1, size: int = 40,
                domain: float = DOMAIN, parameters: np.ndarray | None = None) -> list[np.ndarray]:
    """Per layer (hidden layers, then the output), (width, size, size): each neuron's output over the plane.

    ``parameters`` (P,): a flat parameter vector to use instead of the snapshot's (an edited weight).
    """
    _, points = grid_points(size, domain)
    inputs = feature_matrix(points, features).astype(np.float32)
    with np.errstate(all="ignore"):
        layers = _layers(run, inputs, run.parameters[snapshot] if parameters is None else parameters)
    return [a.T.reshape(a.shape[1], size, size) for a in layers]


def feature_maps(features: Sequence[str], size: int = 40, domain: float = DOMAIN) -> np.ndarray:
    """(len(features), size, size): each input feature over the plane (the network's first column)."""
    _, points = grid_points(size, domain)
    return feature_matrix(points, features).T.reshape(len(features), size, size).astype(np.float32)


def quantize(values: np.ndarray, low: float, high: float, levels: int = 255) -> np.ndarray:
    """Values mapped to uint8 0..levels over [low, high] (clipped; NaN -> 0): a compact frame for the browser."""
    scaled = (np.nan_to_num(values, nan=low) - low) / max(high - low, 1e-12)
    return np.round(np.clip(scaled, 0, 1) * levels).astype(np.uint8)
