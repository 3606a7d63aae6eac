"""Activation functions, one record each, keyed by the names the UI shows.

An :class:`Activation` holds everything any part of nnviz needs of it, so a new
activation is one more entry in :data:`ACTIVATIONS` (and nothing else):

- its value and derivative as NumPy statements working in place on
  preallocated buffers. The training loop's cost is NumPy's per-call overhead,
  not arithmetic, so :mod:`nnviz.program` pastes these statements into one
  straight-line loop; :mod:`nnviz.reference` and :mod:`nnviz.many` call them
  compiled as functions (:meth:`Activation.apply`, :meth:`Activation.slope_into`).
  ``forward`` turns the pre-activation ``z`` into the activation in place;
  ``derivative`` writes da/dz into ``s`` from the activation's *output* ``a``
  (as the tutorial's ``sigmoid_derivative`` does) and is empty where the
  derivative is 1. The statements may use any NumPy function and the constants
  ``ONE``, ``ZERO``, ``TWO``;
- its LaTeX symbol (live math, :mod:`nnviz.explain`);
- the Python source the exported script prints (:mod:`nnviz.script`), the same
  operations in the same order, so the script reproduces the engine bit for bit;
- the outputs it can reach (targets are checked against them) and its
  saturation rule (:mod:`nnviz.diagnostics`).

``sigmoid`` is the tutorial's ``1.0/(1+ np.exp(-x))`` and ``x * (1.0 - x)``,
operation for operation, so results match it bit for bit.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import numpy as np

from .generated import compile_source

# Constants as 0-d arrays: a ufunc converts a Python float on every call. One set per
# float type, so that a float32 grid stays float32 (a float64 constant would make the
# ufunc compute in float64 and cast back, several times slower).
_CONSTANT_VALUES = {"ONE": 1.0, "ZERO": 0.0, "TWO": 2.0}
CONSTANTS = {name: np.array(value) for name, value in _CONSTANT_VALUES.items()}
_FLOAT32_CONSTANTS = {name: np.array(value, dtype=np.float32) for name, value in _CONSTANT_VALUES.items()}
# What statements may call: every public NumPy name.
NUMPY_NAMES = {name: value for name, value in vars(np).items() if not name.startswith("_")}


@dataclass(frozen=True)
class Activation:
    name: str
    forward: tuple[str, ...]  # in place on z
    derivative: tuple[str, ...]  # a -> s; empty: the derivative is 1
    low: float  # the outputs it can reach, for validating targets
    high: float
    symbol: str  # LaTeX, as in sigma(x . W)
    script: str  # the exported script's "def name(x)" (and "def name_derivative(x)" for a hidden activation)
    # Saturation rule: a unit is flat on a row where its slope is below a share of this, the
    # activation's steepest slope; None: never flat. ``stuck`` says what such a unit is.
    peak_slope: Optional[float] = None
    stuck: str = "saturated (flat on every row)"
    hidden: bool = True  # False: output layer only
    # The same on negated parameters: forward from -z, derivative times -1 (see nnviz.program).
    negated_forward: Optional[tuple[str, ...]] = None
    negated_derivative: Optional[tuple[str, ...]] = None

    def apply(self, z: np.ndarray) -> np.ndarray:
        """The activation of the pre-activation ``z``, in place (float64 or float32); returns ``z``."""
        as_function(self.forward, "z", z.dtype.name)(z)
        return z

    def slope_into(self, a: np.ndarray, s: np.ndarray) -> np.ndarray:
        """da/dz into ``s`` from the activation's output ``a``, same shape; returns ``s``."""
        if self.derivative:
            as_function(self.derivative, "a, s", s.dtype.name)(a, s)
        else:
            s.fill(1.0)
        return s

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """The activation of ``z``, as a new array (float32 stays float32, anything else becomes float64)."""
        z = np.asarray(z)
        return self.apply(np.array(z, dtype=np.float32 if z.dtype == np.float32 else np.float64))

    def slope(self, a: np.ndarray) -> np.ndarray:
        """da/dz as a new array, from the activation's output ``a``."""
        a = np.asarray(a, dtype=np.float64)
        return self.slope_into(a, np.empty_like(a))

    def flat(self, a: np.ndarray, share: float) -> np.ndarray:
        """Where a unit with outputs ``a`` is flat: its slope below ``share`` of the steepest (all False
        without a saturation rule)."""
        if self.peak_slope is None:
            return np.zeros(np.shape(a), dtype=bool)
        return self.slope(a) < share * self.peak_slope


@lru_cache(maxsize=None)
def as_function(statements: tuple[str, ...], arguments: str, dtype: str = "float64"):
    """The statements as a Python function of ``arguments`` (compiled once), constants of ``dtype``."""
    constants = _FLOAT32_CONSTANTS if dtype == "float32" else CONSTANTS
    namespace = {**NUMPY_NAMES, **constants}
    body = "".join(f"    {s}\n" for s in statements) or "    pass\n"
    source = f"def f({arguments}):\n{body}"
    exec(compile_source(source, "statements"), namespace)
    return namespace["f"]


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "sigmoid",
            ("negative(z, z)", "exp(z, z)", "add(z, ONE, z)", "divide(ONE, z, z)"),
            ("subtract(ONE, a, s)", "multiply(a, s, s)"),
            0.0, 1.0, r"\sigma",
            "def sigmoid(x):\n    return 1.0/(1+ np.exp(-x))\n\n"
            "def sigmoid_derivative(x):\n    return x * (1.0 - x)\n",
            peak_slope=0.25,
            negated_forward=("exp(z, z)", "add(z, ONE, z)", "divide(ONE, z, z)"),
            negated_derivative=("subtract(a, ONE, s)", "multiply(a, s, s)"),
        ),
        Activation(
            "tanh", ("tanh(z, z)",), ("multiply(a, a, s)", "subtract(ONE, s, s)"), -1.0, 1.0, r"\tanh",
            "def tanh(x):\n    return np.tanh(x)\n\n"
            "def tanh_derivative(x):\n    return 1.0 - x * x\n",
            peak_slope=1.0,
        ),
        Activation(
            "relu", ("maximum(z, ZERO, out=z)",), ("greater(a, ZERO, s, casting='unsafe')",),
            0.0, float("inf"), r"\mathrm{relu}",
            "def relu(x):\n    return np.maximum(x, 0.0)\n\n"
            "def relu_derivative(x):\n    return (x > 0) * 1.0\n",
            peak_slope=1.0, stuck="dead (zero on every row)",
        ),
        Activation(
            "linear", (), (), float("-inf"), float("inf"), r"\mathrm{id}",
            "def linear(x):\n    return x\n\n"
            "def linear_derivative(x):\n    return np.ones_like(x)\n",
        ),
        # Output only, with the "ce" loss, which supplies dL/dz (no derivative here).
        # Subtracting each row's maximum first keeps exp() finite.
        Activation(
            "softmax",
            ("subtract(z, z.max(axis=1, keepdims=True), z)", "exp(z, z)",
             "divide(z, z.sum(axis=1, keepdims=True), z)"),
            (), 0.0, 1.0, r"\mathrm{softmax}",
            "def softmax(x):\n    e = np.exp(x - x.max(axis=1, keepdims=True))\n"
            "    return e / e.sum(axis=1, keepdims=True)\n",
            hidden=False,
        ),
    )
}


def hidden_activations() -> tuple[str, ...]:
    """The activations a hidden layer may have (softmax couples a layer's units: output only)."""
    return tuple(name for name, a in ACTIVATIONS.items() if a.hidden)


HIDDEN_ACTIVATIONS = hidden_activations()
