"""The network diagram's pieces: neuron names, positions, edges grouped by sign and strength."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from ..training import TrainingRun
from .style import EDGE_BINS, EDGE_WIDTHS, FRAME_BUDGET, MAX_EDGES, MAX_FRAMES


def neuron_names(run: TrainingRun, input_names: Optional[Sequence[str]] = None,
                 output_names: Optional[Sequence[str]] = None) -> list[list[str]]:
    """Names per layer, input side first: x1.., h1.. (h1.1.. with several hidden layers), y.."""
    sizes = list(run.layout.sizes)
    inputs = list(input_names) if input_names else [f"x{i + 1}" for i in range(sizes[0])]
    outputs = list(output_names) if output_names else (
        ["y"] if sizes[-1] == 1 else [f"y{i + 1}" for i in range(sizes[-1])])
    hidden = sizes[1:-1]
    layers = [[f"h{i + 1}" if len(hidden) == 1 else f"h{l + 1}.{i + 1}" for i in range(w)]
              for l, w in enumerate(hidden)]
    return [inputs, *layers, outputs]


def frame_indices(snapshots: int, per_frame_numbers: int = 0) -> np.ndarray:
    """Snapshot indices to animate: evenly spaced, first and last included, within the budget."""
    frames = MAX_FRAMES
    if per_frame_numbers:
        frames = max(2, min(frames, FRAME_BUDGET // per_frame_numbers))
    return np.unique(np.round(np.linspace(0, snapshots - 1, min(snapshots, frames))).astype(int))


def weight_range(run: TrainingRun) -> float:
    """max |w| over every layer and snapshot (at least a tiny positive number)."""
    finite = run.parameters[np.isfinite(run.parameters)]
    return float(max(np.max(np.abs(finite)) if finite.size else 0.0, 1e-9))


def node_positions(sizes: Sequence[int]) -> list[np.ndarray]:
    """Per layer, (size, 2) x/y positions: layers left to right, neurons centred top to bottom."""
    return [np.column_stack([np.full(n, float(l)), (n - 1) / 2 - np.arange(n)])
            for l, n in enumerate(sizes)]


def edge_groups(weights: Sequence[np.ndarray], scale: float) -> dict[tuple[bool, int], list[tuple]]:
    """Connections grouped by (positive, width bin): lists of (layer, i, j, w).

    Big networks keep only the :data:`MAX_EDGES` strongest connections.
    """
    edges = [(l, i, j, float(w[i, j])) for l, w in enumerate(weights)
             for i in range(w.shape[0]) for j in range(w.shape[1])]
    if len(edges) > MAX_EDGES:
        edges = sorted(edges, key=lambda e: -abs(e[3]))[:MAX_EDGES]
    groups: dict[tuple[bool, int], list[tuple]] = {(s, b): [] for s in (True, False)
                                                   for b in range(len(EDGE_WIDTHS))}
    for edge in edges:
        w = edge[3]
        if not np.isfinite(w):
            continue
        groups[(w >= 0, int(np.searchsorted(EDGE_BINS, abs(w) / scale)))].append(edge)
    return groups


def _edge_xy(edges: list[tuple], positions: list[np.ndarray]) -> tuple[list, list]:
    xs: list = []
    ys: list = []
    for l, i, j, _ in edges:
        (x0, y0), (x1, y1) = positions[l][i], positions[l + 1][j]
        xs += [x0, x1, None]
        ys += [round(float(y0), 3), round(float(y1), 3), None]
    return xs, ys

