"""The network diagram's pieces: neuron names, positions, edges grouped by sign and strength."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from ..training import TrainingRun
from .style import EDGE_BINS, EDGE_WIDTHS, FRAME_BYTES, MAX_EDGES, MAX_FRAMES


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


def frame_indices(snapshots: int, bytes_per_frame: int = 0) -> np.ndarray:
    """Snapshot indices to animate: evenly spaced, first and last included, at most MAX_FRAMES and, given
    what a frame costs, as many as fit :data:`FRAME_BYTES` (never fewer than 2)."""
    frames = MAX_FRAMES
    if bytes_per_frame:
        frames = max(2, min(frames, FRAME_BYTES // bytes_per_frame))
    return np.unique(np.round(np.linspace(0, snapshots - 1, min(snapshots, frames))).astype(int))


def weight_range(run: TrainingRun) -> float:
    """max |w| over every layer and snapshot, finite values only (at least a tiny positive number)."""
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


def edge_path(edges: list[tuple], positions: list[np.ndarray]) -> str:
    """An SVG path of straight segments ("M x0,y0 L x1,y1 M ...") in the diagram's data coordinates; a
    group without edges gets a path that draws nothing, so every frame has the same shapes."""
    parts = []
    for l, i, j, _ in edges:
        (x0, y0), (x1, y1) = positions[l][i], positions[l + 1][j]
        parts.append(f"M{x0:g},{round(float(y0), 3):g}L{x1:g},{round(float(y1), 3):g}")
    return "".join(parts) or "M0,0"
