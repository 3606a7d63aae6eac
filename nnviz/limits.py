"""Every limit nnviz enforces, in one table.

The engine's validation and the app's widgets both read this module, so a
slider can never offer a value the engine would refuse. The numbers keep one
request of a hosted demo well under two seconds of one core.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """Inclusive range of one numeric option, with the default the UI shows."""

    name: str
    minimum: float
    maximum: float
    default: float

    def allowed(self) -> str:
        return f"{_show(self.minimum)} to {_show(self.maximum)}"


def _show(value: float) -> str:
    # Whole numbers in full: :g would print the largest seed as 4.29497e+09.
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


_LIMITS = [
    Limit("inputs", 1, 10, 3),
    Limit("outputs", 1, 8, 1),
    Limit("rows", 1, 1024, 4),
    Limit("hidden_width", 1, 64, 4),
    Limit("hidden_layers", 0, 6, 1),
    Limit("iterations", 1, 20_000, 1500),
    Limit("snapshots", 2, 201, 101),
    Limit("learning_rate", 1e-6, 100.0, 1.0),
    Limit("seed", 0, 2**32 - 1, 0),
    Limit("networks", 1, 1000, 100),
    Limit("reg_rate", 0.0, 10.0, 0.0),
    # 2-D datasets (the TensorFlow Playground view)
    Limit("points", 20, 2000, 400),
    Limit("classes", 2, 6, 2),
]
LIMITS: dict[str, Limit] = {limit.name: limit for limit in _LIMITS}

# Work budget: rows x parameters x iterations (about the multiply-adds of one
# forward pass, times iterations). The tutorial's run is 4 * 16 * 1500 = 96,000.
# Measured on 2 cores, the slowest runs at this budget take about a second
# (1024 rows, one hidden layer of 64, saturated sigmoids); most take a quarter.
MAX_WORK = 300_000_000
# Per-iteration Python overhead also costs, whatever the size: layers x iterations.
MAX_LAYER_STEPS = 7 * 20_000
# Seed sweeps: networks x rows x parameters x iterations.
MAX_SWEEP_WORK = 400_000_000

# Threshold that turns an output into a class: an output is "right" when it is
# on the same side of it as the target.
DECISION_THRESHOLD = 0.5
