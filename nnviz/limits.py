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
    Limit("iterations", 1, 20_000, 1500),  # recording every iteration, as the truth-table page does
    # Recording on a schedule (record_every set, the plane page): TF Playground's longest runs, 2,000 epochs of
    # 25 updates, fit.
    Limit("scheduled_iterations", 1, 50_000, 25_000),
    Limit("extra_iterations", 1, 20_000, 500),  # "Train further": how many more iterations a press adds
    Limit("snapshots", 2, 201, 101),
    Limit("learning_rate", 1e-6, 100.0, 1.0),
    Limit("seed", 0, 2**32 - 1, 0),
    Limit("networks", 1, 1000, 100),
    Limit("reg_rate", 0.0, 10.0, 0.0),
    # 2-D datasets (the TensorFlow Playground view)
    Limit("points", 20, 2000, 400),
    Limit("classes", 2, 6, 2),
    # Shares, as fractions (the plane page and the command line show them in percent, x 100).
    Limit("noise", 0.0, 0.5, 0.0),
    Limit("train_ratio", 0.1, 0.9, 0.5),
]
LIMITS: dict[str, Limit] = {limit.name: limit for limit in _LIMITS}

# Work budget of one run: ((rows + UPDATE_WORK) x parameters + rows x NEURON_WORK x neurons) x iterations.
# The matrix products cost rows x parameters; the element-wise work (activations, derivatives, softmax, the
# recorded history) costs rows x neurons (every layer's width, the output included) and, per value, about
# NEURON_WORK times a multiply-add, which dominates narrow networks; the update of the parameters (Adam, a
# penalty) costs about as much as UPDATE_WORK rows of products, which dominates wide networks on tiny tables.
# The tutorial's run is ((4 + 16) x 21 + 4 x 50 x 5) x 1500 = 2.1 million.
# Measured with benchmarks/budget.py (CPU time, one BLAS thread) on the project's 2-core machine: 0.1-0.55 ns
# per unit of work plus 25-90 us per iteration. At MAX_WORK = 2.5e9 the slowest of 1152 corners of the limits
# took 1.98 s of one core, figure and downloads included (94 rows, 10 -> six hidden layers of 1 -> 8 softmax,
# batch 1, L1, 20,000 iterations: train 1.83 s + page 0.15 s); wide networks on big tables take 0.1-1 s.
# (The budget used to be rows x parameters x iterations <= 3e8, which let narrow runs take 3-4 s.)
NEURON_WORK = 50
UPDATE_WORK = 16
MAX_WORK = 2_500_000_000
# A run recording on a schedule (record_every set, the plane page and --dataset) is budgeted part by part, in the
# same units (about UNIT_NS of one core each, MAX_WORK about 2 s), by nnviz.config.scheduled_work:
#   updates x (layers x STEP_WORK + batch x row / BATCH_SHARE + UPDATE_WORK x parameters)  mini-batch training
#   + records x ((training + test rows) x row / RECORD_SHARE + RECORD_WORK)              losses over all rows
#   + frames x GRID_CELLS x row / GRID_SHARE                                     snapshots drawn over the grid
# where row = parameters + NEURON_WORK x neurons (one row through the network and back, as above). STEP_WORK
# is one weight layer's share of an update's Python and NumPy call overhead, which dominates small batches;
# a row costs less in a batch or a record than in the per-iteration formula above (fewer calls a row, no
# history copy), and a grid point less again (float32). Measured per part with `python benchmarks/budget.py
# --parts` (CPU time on the shared, busy 2-core machine): every part 0.2-1.1 ns a unit. TF Playground's
# longest run (spiral, 250 + 250 points, 8,8 tanh, batch 10, 2,000 epochs = 50,000 updates, 102 frames)
# is 1.5e9.
UNIT_NS = 0.8
STEP_WORK = 6_000
BATCH_SHARE = 3
RECORD_SHARE = 4
RECORD_WORK = 20_000
GRID_CELLS = 100 * 100
GRID_SHARE = 8
# Per-iteration Python overhead also costs, whatever the size: layers x iterations. Slowest at this limit
# alone: 6 hidden layers of one neuron, 20,000 iterations, Adam, batch 1, L1, 2 rows: 1.3 s.
MAX_LAYER_STEPS = 7 * 20_000
# Per-iteration overhead of a run recording every iteration, in work units (1 us of one core is about 1,250):
# Python and NumPy calls whatever the size, measured with `python benchmarks/budget.py --overhead` on 4 rows of
# networks one neuron wide (7.3 us an iteration for one weight layer, SGD, the whole table; 70 us for seven
# layers, Adam, batch 1, softmax). run_work adds iterations x iteration_overhead(config) to the size term.
ITERATION_WORK = 5_000  # every iteration
LAYER_WORK = 3_300  # each weight layer, the whole table each iteration
BATCH_LAYER_WORK = 9_400  # each weight layer with mini-batches (a pass over the batch and one over all rows)
OPTIMIZER_WORK = 6_250  # Adam or momentum's update
SOFTMAX_WORK = 3_750  # a softmax output, and as much again with mini-batches
# Seed sweeps: networks x rows x parameters x iterations. Slowest at this limit: 1000 networks of 6 hidden
# layers of one neuron on 4 rows, 11,111 iterations: 1.73 s.
MAX_SWEEP_WORK = 400_000_000
# A sweep's per-iteration overhead does not shrink with fewer networks: 1 network of 6 hidden layers of one
# neuron, Adam, batch 1 costs 118 us an iteration (20,000 iterations took 2.4-5.1 s under the old budget,
# which had no such term). In work units per weight layer (einsum and element-wise calls), each iteration:
SWEEP_LAYER_WORK = 11_000  # the whole table
SWEEP_BATCH_LAYER_WORK = 20_000  # mini-batches: the batch's pass and the pass over all rows
# What one sweep work unit (networks x rows x parameters x iterations) costs in run work units.
SWEEP_UNIT = 5
# A sweep keeps every network's loss at every iteration: networks x iterations floats (16 MB here),
# which a cache holds per entry.
MAX_SWEEP_RECORD = 2_000_000

# Memory: no request may allocate more than this at its peak (a hosted process serves several visitors).
MAX_BYTES = 256 << 20

# "Train further" keeps a continued run with the runs it went on from (their snapshots differ from a run from
# scratch), and rebuilds it through them if the cache dropped them: the page allows this many in a row.
MAX_CONTINUATIONS = 50

# Threshold that turns an output into a class: an output is "right" when it is
# on the same side of it as the target.
DECISION_THRESHOLD = 0.5
