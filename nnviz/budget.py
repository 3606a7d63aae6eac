"""One work budget for every request: each kind estimates its cost before doing the work, and refuses with
what to lower.

Costs are in the work units of :mod:`nnviz.config` (about ``UNIT_NS`` of one core each; ``MAX_WORK`` is about
2 s) and in bytes allocated at the peak (``MAX_BYTES``, 256 MB). The same cost model prices runs
(:func:`nnviz.config.run_work`, :func:`~nnviz.config.scheduled_work`), seed sweeps
(:func:`~nnviz.config.sweep_work`) and the teaching panels below; ``benchmarks/budget.py`` times the slowest
request each allows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .config import NnvizError, TrainConfig, layer_sizes, parameter_count, run_work, sweep_work
from .limits import MAX_BYTES, MAX_WORK, NEURON_WORK, RECORD_SHARE, STEP_WORK, UNIT_NS

_FLOAT = 8
# Working buffers a pass allocates besides what it keeps (history blocks, activations): a fixed allowance.
_BUFFERS = 24 << 20


@dataclass(frozen=True)
class Cost:
    """What a request costs: ``work`` units of about UNIT_NS of one core, ``memory`` bytes at its peak."""

    work: int
    memory: int

    def __add__(self, other: "Cost") -> "Cost":
        return Cost(self.work + other.work, max(self.memory, other.memory))


def check(cost: Cost, request: str, lower: str, field: str = "request", value: Any = None) -> None:
    """NnvizError naming ``request`` and what to ``lower`` when ``cost`` is over the work or memory budget."""
    if cost.work > MAX_WORK:
        seconds = cost.work * UNIT_NS / 1e9
        raise NnvizError(field, value, lower, f"{request} would cost {cost.work:,} work units (about {seconds:.1f} s "
                                              f"of the server), more than the {MAX_WORK:,} one visitor may ask; "
                                              f"lower {lower}")
    if cost.memory > MAX_BYTES:
        raise NnvizError(field, value, lower, f"{request} would need about {cost.memory / 2**20:,.0f} MB of "
                                              f"memory, more than the {MAX_BYTES / 2**20:.0f} MB one visitor may "
                                              f"ask; lower {lower}")


def row_work(config: TrainConfig, n_inputs: int, n_outputs: int) -> int:
    """One row through the network and back, as nnviz.config.scheduled_work counts it."""
    return parameter_count(config, n_inputs, n_outputs) + NEURON_WORK * sum(layer_sizes(config, n_inputs,
                                                                                         n_outputs)[1:])


def forward_work(config: TrainConfig, rows: int, n_inputs: int, n_outputs: int) -> int:
    """One forward pass of ``rows`` rows for one parameter vector: the calls of each layer and the rows."""
    return (len(config.hidden) + 1) * STEP_WORK + rows * row_work(config, n_inputs, n_outputs) // RECORD_SHARE


def run_memory(config: TrainConfig, rows: int, n_inputs: int, n_outputs: int, test_rows: int = 0) -> int:
    """Bytes a run recording every iteration keeps and builds its page from: snapshots of the parameters and
    outputs (kept, then drawn: twice), the per-iteration records, working buffers."""
    params = parameter_count(config, n_inputs, n_outputs)
    snapshots = min(config.snapshots, config.iterations + 1)
    kept = snapshots * (params + (rows + test_rows) * n_outputs)
    records = config.iterations * (len(config.hidden) + 5)
    return _FLOAT * 2 * (kept + records) + _BUFFERS


def run_cost(config: TrainConfig, rows: int, n_inputs: int, n_outputs: int) -> Cost:
    """A run recording every iteration (the truth-table page): its training, then its page."""
    return Cost(run_work(config, rows, n_inputs, n_outputs), run_memory(config, rows, n_inputs, n_outputs))


def sweep_memory(config: TrainConfig, networks: int, rows: int, n_inputs: int, n_outputs: int) -> int:
    """Bytes of a seed sweep: every network's loss at every iteration, activations, deltas and slopes of all
    rows (and of a batch) for every network, parameters with their gradient and optimizer state."""
    neurons = sum(layer_sizes(config, n_inputs, n_outputs)[1:])
    batch = min(config.batch_size or 0, rows)
    params = parameter_count(config, n_inputs, n_outputs)
    per_network = (config.iterations + 3 * (rows + batch) * neurons + batch * (n_inputs + n_outputs)
                   + 5 * params + 2 * rows * n_outputs)
    return _FLOAT * networks * per_network + _BUFFERS


def sweep_cost(config: TrainConfig, networks: int, rows: int, n_inputs: int, n_outputs: int) -> Cost:
    return Cost(sweep_work(config, networks, rows, n_inputs, n_outputs),
                sweep_memory(config, networks, rows, n_inputs, n_outputs))


def check_sweep(config: TrainConfig, networks: int, rows: int, n_inputs: int, n_outputs: int) -> None:
    """NnvizError saying how many networks (or, when one is too many, how many iterations) would fit."""
    cost = sweep_cost(config, networks, rows, n_inputs, n_outputs)
    if cost.work <= MAX_WORK and cost.memory <= MAX_BYTES:
        return
    fewer = [n for n in range(networks - 1, 0, -1) if _fits(sweep_cost(config, n, rows, n_inputs, n_outputs))
             ][:1] if networks <= 64 else _most_networks(config, networks, rows, n_inputs, n_outputs)
    if fewer:
        lower = f"the networks (at most {fewer[0]:,} here), the iterations, the widths or the rows"
    else:
        one = sweep_cost(config.replace(iterations=1), 1, rows, n_inputs, n_outputs)
        most = min(MAX_WORK // max(1, one.work), config.iterations - 1)
        lower = f"the iterations (at most {most:,} here for one network), the layers, the widths or the rows"
    check(cost, f"A sweep of {networks:,} network{'s' if networks != 1 else ''}", lower, "networks", networks)


def _fits(cost: Cost) -> bool:
    return cost.work <= MAX_WORK and cost.memory <= MAX_BYTES


def _most_networks(config: TrainConfig, networks: int, rows: int, n_inputs: int, n_outputs: int) -> list[int]:
    low, high = 0, networks  # the cost grows with the networks: the most that fit, by bisection
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if _fits(sweep_cost(config, middle, rows, n_inputs, n_outputs)) else (low, middle)
    return [low] if low else []


def snapshots_cost(config: TrainConfig, snapshots: int, rows: int, n_inputs: int, n_outputs: int,
                   chunk_bytes: int) -> Cost:
    """A forward pass over all rows at each of ``snapshots`` snapshots, evaluated in chunks of about
    ``chunk_bytes`` (the health panel's saturation, the hidden units panel)."""
    # The chunk's activations, and as much again three times over in the element-wise tests on them.
    return Cost(snapshots * forward_work(config, rows, n_inputs, n_outputs),
                4 * chunk_bytes + _FLOAT * snapshots * (len(config.hidden) + 2) + _BUFFERS)
