"""Activation functions and their derivatives, keyed by the names the UI shows.

Each activation is written once, as NumPy statements that work in place on
preallocated buffers: the training loop's cost is NumPy's per-call overhead,
not arithmetic, so :mod:`nnviz.program` pastes these statements into one
straight-line loop. ``forward`` turns the pre-activation ``z`` into the
activation in place; ``derivative`` writes da/dz into ``s`` from the
activation's *output* ``a`` (as the tutorial's ``sigmoid_derivative`` does) and
is empty where the derivative is 1. ``sigmoid`` is the tutorial's
``1.0/(1+ np.exp(-x))`` and ``x * (1.0 - x)``, operation for operation, so
results match it bit for bit.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

# Constants as 0-d arrays: a ufunc converts a Python float on every call.
CONSTANTS = {"ONE": np.array(1.0), "ZERO": np.array(0.0), "TWO": np.array(2.0)}


@dataclass(frozen=True)
class Activation:
    name: str
    forward: tuple[str, ...]  # in place on z
    derivative: tuple[str, ...]  # a -> s; empty: the derivative is 1
    low: float  # the outputs it can reach, for validating targets
    high: float
    saturates: bool  # flat at both ends, like sigmoid and tanh
    # The same on negated parameters: forward from -z, derivative times -1 (see nnviz.program).
    negated_forward: tuple[str, ...] | None = None
    negated_derivative: tuple[str, ...] | None = None

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """The activation of ``z``, as a new array."""
        z = np.array(z, dtype=np.float64)
        as_function(self.forward, "z")(z)
        return z

    def slope(self, a: np.ndarray) -> np.ndarray:
        """da/dz as a new array, from the activation's output ``a``."""
        s = np.ones(np.shape(a))
        as_function(self.derivative, "a, s")(np.asarray(a, dtype=np.float64), s)
        return s


@lru_cache(maxsize=None)
def as_function(statements: tuple[str, ...], arguments: str):
    """The statements as a Python function of ``arguments`` (compiled once)."""
    namespace = {**vars(np), **CONSTANTS}
    body = "".join(f"    {s}\n" for s in statements) or "    pass\n"
    exec(f"def f({arguments}):\n{body}", namespace)
    return namespace["f"]


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "sigmoid",
            ("negative(z, z)", "exp(z, z)", "add(z, ONE, z)", "divide(ONE, z, z)"),
            ("subtract(ONE, a, s)", "multiply(a, s, s)"),
            0.0, 1.0, True,
            negated_forward=("exp(z, z)", "add(z, ONE, z)", "divide(ONE, z, z)"),
            negated_derivative=("subtract(a, ONE, s)", "multiply(a, s, s)"),
        ),
        Activation("tanh", ("tanh(z, z)",), ("multiply(a, a, s)", "subtract(ONE, s, s)"), -1.0, 1.0, True),
        Activation(
            "relu",
            ("maximum(z, ZERO, out=z)",),
            ("greater(a, ZERO, s, casting='unsafe')",),
            0.0, float("inf"), False,
        ),
        Activation("linear", (), (), float("-inf"), float("inf"), False),
        # Output only, with the "ce" loss, which supplies dL/dz (no derivative here).
        # Subtracting each row's maximum first keeps exp() finite.
        Activation(
            "softmax",
            ("subtract(z, z.max(axis=1, keepdims=True), z)", "exp(z, z)",
             "divide(z, z.sum(axis=1, keepdims=True), z)"),
            (), 0.0, 1.0, False,
        ),
    )
}
# Softmax couples a layer's units: it only makes sense as the output layer.
HIDDEN_ACTIVATIONS = tuple(name for name in ACTIVATIONS if name != "softmax")
