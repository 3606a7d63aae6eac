"""The parameters of a fully connected network, in one flat array.

Weights and biases are views into ``theta`` (shape (P,)) and gradients are
written into a flat array of the same layout, so an optimizer updates every
layer with one NumPy call and a snapshot is one copy. Layer ``l`` has weights
of shape (fan_in, fan_out), input side first, as in the tutorial.
"""
from __future__ import annotations

import threading
from typing import Optional, Sequence

import numpy as np



class Layout:
    """Where each layer's weights and biases sit in a flat parameter vector."""

    def __init__(self, sizes: Sequence[int], bias: bool):
        self.sizes = list(sizes)
        self.bias = bias
        self.weight_slices: list[slice] = []
        self.bias_slices: list[Optional[slice]] = []
        offset = 0
        for fan_in, fan_out in zip(self.sizes, self.sizes[1:]):
            self.weight_slices.append(slice(offset, offset + fan_in * fan_out))
            offset += fan_in * fan_out
            if bias:
                self.bias_slices.append(slice(offset, offset + fan_out))
                offset += fan_out
            else:
                self.bias_slices.append(None)
        self.size = offset

    @property
    def shapes(self) -> list[tuple[int, int]]:
        return list(zip(self.sizes, self.sizes[1:]))

    def layer_slices(self) -> list[slice]:
        """Each layer's weights and biases together (for per-layer gradient norms)."""
        ends = [(b or w).stop for w, b in zip(self.weight_slices, self.bias_slices)]
        return [slice(w.start, end) for w, end in zip(self.weight_slices, ends)]

    def weights(self, flat: np.ndarray) -> list[np.ndarray]:
        """Views of each layer's weights in ``flat`` (..., P) -> (..., fan_in, fan_out)."""
        lead = flat.shape[:-1]
        return [flat[..., s].reshape(*lead, a, b) for s, (a, b) in zip(self.weight_slices, self.shapes)]

    def biases(self, flat: np.ndarray) -> Optional[list[np.ndarray]]:
        """Views of each layer's biases in ``flat`` (..., P) -> (..., fan_out), or None."""
        if not self.bias:
            return None
        return [flat[..., s] for s in self.bias_slices]

    def pack(self, weights: Sequence[np.ndarray], biases: Optional[Sequence[np.ndarray]] = None) -> np.ndarray:
        theta = np.zeros(self.size)
        for view, w in zip(self.weights(theta), weights):
            view[...] = w
        if self.bias and biases is not None:
            for view, b in zip(self.biases(theta), biases):
                view[...] = b
        return theta


_thread = threading.local()


def _legacy_generator(seed: int) -> np.random.RandomState:
    """A RandomState seeded with ``seed``; reseeding one per thread is 100x cheaper than a new one."""
    if not hasattr(_thread, "legacy"):
        _thread.legacy = np.random.RandomState()
    _thread.legacy.seed(seed)
    return _thread.legacy


def initial_parameters(layout: Layout, init: str, seed: int) -> np.ndarray:
    """Initial flat parameters. Biases start at zero.

    ``tutorial`` draws each layer with ``rand(fan_in, fan_out)`` from the legacy
    generator seeded with ``seed``, which is what ``np.random.seed(seed)`` then
    ``np.random.rand`` gives, without touching NumPy's global state.
    ``xavier`` (Glorot uniform) and ``he`` (normal) draw from ``default_rng(seed)``.
    """
    theta = np.zeros(layout.size)
    if init == "tutorial":
        legacy = _legacy_generator(seed)
        for view, (a, b) in zip(layout.weights(theta), layout.shapes):
            view[...] = legacy.rand(a, b)
        return theta
    rng = np.random.default_rng(seed)
    for view, (a, b) in zip(layout.weights(theta), layout.shapes):
        if init == "xavier":
            limit = np.sqrt(6.0 / (a + b))
            view[...] = rng.uniform(-limit, limit, size=(a, b))
        elif init == "he":
            view[...] = rng.normal(0.0, np.sqrt(2.0 / a), size=(a, b))
        else:
            raise ValueError(f"unknown init {init!r}")
    return theta
