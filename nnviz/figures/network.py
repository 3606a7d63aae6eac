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


class EdgePaths:
    """Every connection's segment written once; per snapshot, one path per (positive, width bin) group.

    Groups by sign and |w| / scale bin; big networks keep the :data:`MAX_EDGES` strongest finite
    connections. A figure asks for it once a frame. ``inset``: how far from each node's centre a segment
    starts and ends (the plane's neuron maps are squares, the edges meet their sides); ``most``: how many
    connections at most (None: all, as TF Playground draws them)."""

    def __init__(self, positions: list[np.ndarray], inset: float = 0.0, most: Optional[int] = MAX_EDGES):
        self.most = most
        segments, ends = [], []
        for l in range(len(positions) - 1):
            for (x0, y0) in positions[l]:  # row-major like each layer's (fan_in, fan_out) weights
                for (x1, y1) in positions[l + 1]:
                    segments.append(f"M{x0 + inset:g},{round(float(y0), 3):g}"
                                    f"L{x1 - inset:g},{round(float(y1), 3):g}")
                    ends.append((x0 + inset, round(float(y0), 3), x1 - inset, round(float(y1), 3)))
        self.segments = np.array(segments, dtype=object)
        self.ends = np.array(ends, dtype=float).reshape(-1, 4)  # x0, y0, x1, y1 of every segment
        # each segment as a scatter line's x and y, a gap (None) after it: written once, joined per frame
        self._xs = [(_plain(x0), _plain(x1), None) for x0, _, x1, _ in self.ends.tolist()]
        self._ys = [(_plain(y0), _plain(y1), None) for _, y0, _, y1 in self.ends.tolist()]

    def _groups(self, weights: Sequence[np.ndarray], scale: float,
                dead: Optional[Sequence[np.ndarray]] = None) -> dict:
        """(positive, width bin) -> indices of its segments; with ``dead``, also "dead" -> theirs."""
        w = np.concatenate([np.asarray(layer, dtype=float).ravel() for layer in weights])
        keep = np.flatnonzero(np.isfinite(w))
        if self.most is not None and keep.size > self.most:
            keep = keep[np.argsort(-np.abs(w[keep]), kind="stable")[:self.most]]
        gone = np.zeros(len(keep), dtype=bool)
        if dead is not None:
            gone = np.concatenate([np.asarray(mask, dtype=bool).ravel() for mask in dead])[keep]
        bins = np.searchsorted(EDGE_BINS, np.abs(w[keep]) / scale)
        # one sort by group (negative first, then by bin; stable: each group keeps its order) instead of a
        # mask per group
        group = np.where(w[keep] >= 0, len(EDGE_WIDTHS), 0) + np.minimum(bins, len(EDGE_WIDTHS))
        group[gone] = -1
        order = np.argsort(group, kind="stable")
        ends = np.searchsorted(group[order], np.arange(2 * len(EDGE_WIDTHS) + 1) - 0.5)
        members = {g: keep[order[ends[g]:ends[g + 1]]] for g in range(2 * len(EDGE_WIDTHS))}
        groups = {(sign, b): members[(len(EDGE_WIDTHS) if sign else 0) + b]
                  for sign in (True, False) for b in range(len(EDGE_WIDTHS))}
        if dead is not None:
            groups["dead"] = keep[gone]
        return groups

    def paths(self, weights: Sequence[np.ndarray], scale: float,
              dead: Optional[Sequence[np.ndarray]] = None) -> dict:
        """(positive, width bin) -> path; with ``dead`` (per layer a boolean (fan_in, fan_out) mask: TF
        Playground's L1 set those links to exactly 0 for good), also "dead" -> their path, kept apart."""
        return {key: "".join(self.segments[index]) or "M0,0"
                for key, index in self._groups(weights, scale, dead).items()}

    def lines(self, weights: Sequence[np.ndarray], scale: float) -> dict:
        """(positive, width bin) -> (x, y): the group's segments as one scatter line, ``None`` between
        segments; an empty group is a single gap ([None], [None]), so its trace stays in the figure."""
        groups = {}
        for key, index in self._groups(weights, scale).items():
            if not index.size:
                groups[key] = ([None], [None])
                continue
            index = index.tolist()
            groups[key] = ([v for i in index for v in self._xs[i]][:-1], [v for i in index for v in self._ys[i]][:-1])
        return groups


def _plain(value):
    """A coordinate for JSON: 2 rather than 2.0 (shorter frames), None stays a gap."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)
