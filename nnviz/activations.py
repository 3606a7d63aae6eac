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
        _run(self.forward, z=z)
        return z

    def slope(self, a: np.ndarray) -> np.ndarray:
        """da/dz as a new array, from the activation's output ``a``."""
        a = np.asarray(a, dtype=np.float64)
        s = np.ones_like(a)
        _run(self.derivative, a=a, s=s)
        return s


def _run(statements: tuple[str, ...], **arrays) -> None:
    namespace = {**CONSTANTS, **arrays}
    for statement in statements:
        eval(statement, vars(np), namespace)


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
    )
}
