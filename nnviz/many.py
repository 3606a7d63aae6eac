"""Many networks at once: one configuration trained from many seeds in one vectorized pass.

For seed sweeps ("how often does this width learn XOR?"). The network index
``k`` is the innermost axis of every array: weights (fan_in, fan_out, K),
activations (rows, width, K). The first layer's input is the same table for all
networks, so its forward product and its weight gradient are single matrix
products over all K at once; deeper layers contract with ``einsum``. Results
equal :func:`nnviz.train` for each seed up to rounding (about 1e-13), not bit
for bit: the products are summed in another order.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Optional, Sequence

import numpy as np

from .activations import ACTIVATIONS, CONSTANTS, as_function
from .budget import check_sweep
from .config import (NnvizError, TrainConfig, check_fit, check_table, layer_sizes, limited_whole, make_config,
                     resolve_config)
from .limits import LIMITS, MAX_SWEEP_RECORD, MAX_SWEEP_WORK
from .losses import LOSSES, regularizer
from .network import Layout, initial_parameters
from .optimizers import SGD, make_optimizer
from .training import _BatchOrder, activation_names, row_correct

_BLOCK_BYTES = 8 << 20
try:  # einsum's C core, without the Python wrapper's argument parsing (2 us a call)
    from numpy._core._multiarray_umath import c_einsum as _einsum
except ImportError:  # pragma: no cover - other NumPy layouts
    _einsum = np.einsum


def _calls(statements: tuple[str, ...], **arrays: np.ndarray) -> Optional[list[Callable[[], Any]]]:
    """Each statement of an activation or loss ("exp(z, z)") as a call without arguments on ``arrays``: the
    function compiled from them (as_function) does the same calls, plus a Python frame each time. None when a
    statement is more than a function of names (softmax's ``z.max(...)`` must be computed on every call)."""
    namespace = {**vars(np), **CONSTANTS, **arrays}

    def plain(node) -> bool:
        return isinstance(node, ast.Constant) or isinstance(node, ast.Name) and node.id in namespace

    def value(node):
        return node.value if isinstance(node, ast.Constant) else namespace[node.id]

    calls = []
    for statement in statements:
        node = ast.parse(statement, mode="eval").body
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in namespace
                and all(map(plain, node.args)) and all(plain(k.value) for k in node.keywords)):
            return None
        calls.append(partial(namespace[node.func.id], *map(value, node.args),
                             **{k.arg: value(k.value) for k in node.keywords}))
    return calls


@dataclass(frozen=True, eq=False)
class SweepRun:
    """Training of one configuration from K seeds. T = config.iterations.

    - ``seeds`` (K,); ``loss`` (K, T), NaN from a network's divergence on;
    - ``predictions`` (K, rows, n_outputs): outputs of each trained network;
    - ``parameters`` (K, P): final flat weights and biases (``layout`` says where);
    - ``diverged_at`` (K,): the first non-finite iteration, or -1.
    """

    config: TrainConfig
    inputs: np.ndarray
    targets: np.ndarray
    layout: Layout
    seeds: np.ndarray
    loss: np.ndarray
    predictions: np.ndarray
    parameters: np.ndarray
    diverged_at: np.ndarray

    @property
    def learned(self) -> np.ndarray:
        """(K,) bool: every row right and no divergence."""
        multiclass = self.config.output_activation == "softmax"
        return (self.diverged_at < 0) & np.all(row_correct(self.predictions, self.targets, multiclass), axis=1)

    @property
    def fraction_learned(self) -> float:
        return float(np.mean(self.learned))

    @property
    def failed_seeds(self) -> list[int]:
        return [int(s) for s in self.seeds[~self.learned]]

    @property
    def final_loss(self) -> np.ndarray:
        """(K,) loss of each trained network's predictions (NaN where it diverged)."""
        value = LOSSES[self.config.loss].value(self.predictions, self.targets)
        return np.where(self.diverged_at < 0, value, np.nan)


def train_many(inputs: Any, targets: Any, seeds: Optional[Sequence[int]] = None, networks: Optional[int] = None,
               config: Optional[TrainConfig] = None, **options) -> SweepRun:
    """Train the same configuration from each seed in ``seeds`` (default: ``networks`` seeds
    from the config's seed on) and return a :class:`SweepRun`."""
    config = resolve_config(config, options)
    x, y = check_table(inputs, targets)
    check_fit(config, x, y)
    if seeds is None:
        count = limited_whole("networks", LIMITS["networks"].default if networks is None else networks)
        seeds = [(config.seed + i) % (int(LIMITS["seed"].maximum) + 1) for i in range(int(count))]
    seeds = np.array([make_config(seed=s).seed for s in seeds], dtype=np.int64)
    limit = LIMITS["networks"]
    if not limit.minimum <= len(seeds) <= limit.maximum:
        raise NnvizError("seeds", f"{len(seeds)} seeds", f"{limit.allowed()} networks")
    layout = Layout(layer_sizes(config, x.shape[1], y.shape[1]), config.bias)
    work = len(seeds) * x.shape[0] * layout.size * config.iterations
    if work > MAX_SWEEP_WORK:
        raise NnvizError("networks", len(seeds),
                         f"fewer networks or a smaller run: networks x rows x parameters x iterations = {work:,} "
                         f"exceeds {MAX_SWEEP_WORK:,}")
    if len(seeds) * config.iterations > MAX_SWEEP_RECORD:
        raise NnvizError("networks", len(seeds),
                         f"fewer networks or iterations: networks x iterations = {len(seeds) * config.iterations:,} "
                         f"exceeds {MAX_SWEEP_RECORD:,}, the loss curves a sweep may keep")
    check_sweep(config, len(seeds), *x.shape, y.shape[1])  # time, per-iteration overhead included, and memory
    return _Sweep(config, x, y, layout, seeds).train()


class _Sweep:
    def __init__(self, config: TrainConfig, x: np.ndarray, y: np.ndarray, layout: Layout, seeds: np.ndarray):
        self.config, self.x, self.y, self.layout, self.seeds = config, x, y, layout, seeds
        K = len(seeds)
        self.acts = [ACTIVATIONS[a] for a in activation_names(config)]
        self.loss = LOSSES[config.loss]
        self.theta = np.ascontiguousarray(
            np.stack([initial_parameters(layout, config.init, int(s)) for s in seeds], axis=1))  # (P, K)
        self.grad = np.empty_like(self.theta)
        self.W = [self.theta[s].reshape(a, b, K) for s, (a, b) in zip(layout.weight_slices, layout.shapes)]
        self.gW = [self.grad[s].reshape(a, b, K) for s, (a, b) in zip(layout.weight_slices, layout.shapes)]
        self.b = [self.theta[s] for s in layout.bias_slices] if config.bias else None
        self.gb = [self.grad[s] for s in layout.bias_slices] if config.bias else None
        self.optimizer = make_optimizer(config.optimizer, config.learning_rate, self.theta.shape)
        rows = x.shape[0]
        self.batch = config.batch_size if config.batch_size and config.batch_size < rows else None
        self.orders = [_BatchOrder(rows, self.batch, int(s)) for s in seeds] if self.batch else None
        self.forwards = [as_function(a.forward, "z") for a in self.acts]
        self.derivatives = [as_function(a.derivative, "a, s") for a in self.acts]
        self.loss_gradient = as_function(self.loss.gradient, "o, y, d, SCALE")
        self._buffers: dict[int, dict] = {}
        self.shapes = layout.shapes
        # The penalty is on weights, not biases: its rate is 0 on the biases.
        self.penalty = regularizer(config.regularization, config.reg_rate)
        if self.penalty is not None:
            self.penalty_rates, self.penalty_grad = np.zeros((layout.size, 1)), np.empty_like(self.theta)
            for s in layout.weight_slices:
                self.penalty_rates[s] = config.reg_rate
            self.penalty_gradient = as_function(self.penalty.gradient, "w, RATE, g")
        self.scales: dict[int, np.ndarray] = {}

    def buffers(self, rows: int) -> dict:
        """Preallocated arrays for passes over ``rows`` rows: activations A, deltas D, slopes S."""
        if rows not in self._buffers:
            K, widths = len(self.seeds), self.layout.sizes[1:]
            self._buffers[rows] = {key: [np.empty((rows, w, K)) for w in widths] for key in "ADS"}
        return self._buffers[rows]

    def forward(self, x: np.ndarray, shared_input: bool) -> list[np.ndarray]:
        """Activations of every layer, (rows, width, K) each. ``x``: (rows, n_in), or (rows, n_in, K)."""
        K = len(self.seeds)
        A = self.buffers(x.shape[0])["A"]
        a = x
        for l, act in enumerate(self.acts):
            fan_in, fan_out = self.shapes[l]
            z = A[l]
            if l == 0 and shared_input:  # one matrix product for all K networks
                np.dot(x, self.W[0].reshape(fan_in, fan_out * K), out=z.reshape(x.shape[0], fan_out * K))
            else:
                _einsum("nik,ijk->njk", a, self.W[l], out=z)
            if self.b is not None:
                np.add(z, self.b[l], out=z)
            self.forwards[l](z)
            a = z
        return A

    def backward(self, x: np.ndarray, shared_input: bool, layers: list[np.ndarray], y: np.ndarray) -> None:
        """dL/dtheta into self.grad (P, K) for every network, after forward() on the same rows."""
        K = len(self.seeds)
        buffers = self.buffers(x.shape[0])
        D, S = buffers["D"], buffers["S"]
        L = len(self.acts)
        o, d = layers[-1], D[L - 1]
        self.loss_gradient(o, y, d, self.scale(o))
        if not self.loss.gradient_is_preactivation and self.acts[-1].derivative:
            self.derivatives[-1](o, S[-1])
            np.multiply(d, S[-1], out=d)
        for l in range(L - 1, -1, -1):
            if l == 0 and shared_input:  # one matrix product for all K networks
                fan_in, fan_out = self.shapes[0]
                np.dot(x.T, d.reshape(x.shape[0], fan_out * K),
                       out=self.grad[self.layout.weight_slices[0]].reshape(fan_in, fan_out * K))
            else:
                _einsum("nik,njk->ijk", layers[l - 1] if l else x, d, out=self.gW[l])
            if self.gb is not None:
                np.sum(d, axis=0, out=self.gb[l])
            if l:
                h = D[l - 1]
                _einsum("njk,ijk->nik", d, self.W[l], out=h)
                if self.acts[l - 1].derivative:
                    self.derivatives[l - 1](layers[l - 1], S[l - 1])
                    np.multiply(h, S[l - 1], out=h)
                d = h
        if self.penalty is not None:
            self.regularize()

    def scale(self, o: np.ndarray) -> np.ndarray:
        scale = self.scales.get(o.shape[0])
        if scale is None:
            scale = self.scales[o.shape[0]] = np.array(self.loss.scale(o.shape[0], o.shape[1]))
        return scale

    def regularize(self) -> None:
        self.penalty_gradient(self.theta, self.penalty_rates, self.penalty_grad)
        self.grad += self.penalty_grad

    def full_batch_steps(self) -> tuple[list[Callable[[], Any]], list[Callable[[], Any]]]:
        """One full-batch update as two lists of calls without arguments: forward(x, True), then backward() and
        the optimizer's step, the same operations on the same arrays in the same order (the same numbers), with
        every view and lookup made once: at the tutorial's size each update is a few microseconds of NumPy
        calls, and the Python around them cost as much again."""
        x, K, rows = self.x, len(self.seeds), self.x.shape[0]
        # the targets spread over the K networks once: the loss gradient's subtraction without broadcasting
        y3 = np.ascontiguousarray(np.broadcast_to(self.y[..., None], (rows, self.y.shape[1], K)))
        buffers = self.buffers(rows)
        A, D, S = buffers["A"], buffers["D"], buffers["S"]
        forward: list[Callable[[], Any]] = []
        a = x
        for l in range(len(self.acts)):
            fan_in, fan_out = self.shapes[l]
            z = A[l]
            if l == 0:
                forward.append(partial(np.dot, x, self.W[0].reshape(fan_in, fan_out * K),
                                       z.reshape(rows, fan_out * K)))
            else:
                forward.append(partial(_einsum, "nik,ijk->njk", a, self.W[l], out=z))
            if self.b is not None:
                forward.append(partial(np.add, z, self.b[l], z))
            forward += _calls(self.acts[l].forward, z=z) or [partial(self.forwards[l], z)]
            a = z
        backward: list[Callable[[], Any]] = []
        L = len(self.acts)
        o, d = A[-1], D[L - 1]
        backward += (_calls(self.loss.gradient, o=o, y=y3, d=d, SCALE=self.scale(o))
                     or [partial(self.loss_gradient, o, y3, d, self.scale(o))])
        if not self.loss.gradient_is_preactivation and self.acts[-1].derivative:
            backward += _calls(self.acts[-1].derivative, a=o, s=S[-1]) or [partial(self.derivatives[-1], o, S[-1])]
            backward.append(partial(np.multiply, d, S[-1], d))
        for l in range(L - 1, -1, -1):
            if l == 0:
                fan_in, fan_out = self.shapes[0]
                backward.append(partial(np.dot, x.T, d.reshape(rows, fan_out * K),
                                        self.grad[self.layout.weight_slices[0]].reshape(fan_in, fan_out * K)))
            else:
                backward.append(partial(_einsum, "nik,njk->ijk", A[l - 1], d, out=self.gW[l]))
            if self.gb is not None:
                backward.append(partial(np.sum, d, axis=0, out=self.gb[l]))
            if l:
                h = D[l - 1]
                backward.append(partial(_einsum, "njk,ijk->nik", d, self.W[l], out=h))
                if self.acts[l - 1].derivative:
                    backward += (_calls(self.acts[l - 1].derivative, a=A[l - 1], s=S[l - 1])
                                 or [partial(self.derivatives[l - 1], A[l - 1], S[l - 1])])
                    backward.append(partial(np.multiply, h, S[l - 1], h))
                d = h
        if self.penalty is not None:
            backward.append(self.regularize)
        if isinstance(self.optimizer, SGD) and self.optimizer.unit:  # SGD.step's one call, without its frame
            backward.append(partial(np.subtract, self.theta, self.grad, self.theta))
        else:
            backward.append(partial(self.optimizer.step, self.theta, self.grad))
        return forward, backward

    def train(self) -> SweepRun:
        config, x, y = self.config, self.x, self.y
        T, K = config.iterations, len(self.seeds)
        losses = np.empty((T, K))
        block = max(1, min(T, _BLOCK_BYTES // (8 * K * y.size)))
        outputs = np.empty((block,) + y.shape + (K,))
        y3 = y[..., None]
        forward, backward = self.full_batch_steps()
        with np.errstate(all="ignore"):
            for start in range(0, T, block):
                stop = min(start + block, T)
                if not self.batch:  # the tutorial's case: every update on the whole table
                    output = self.buffers(x.shape[0])["A"][-1]
                    for j in range(stop - start):
                        for call in forward:
                            call()
                        outputs[j] = output
                        for call in backward:
                            call()
                    losses[start:stop] = self.loss.value(outputs[: stop - start], y3, axis=(1, 2))
                    continue
                idx = np.stack([o.take(stop - start) for o in self.orders], axis=-1)  # (count, batch, K)
                for j in range(stop - start):  # mini-batches: each network its own rows
                    outputs[j] = self.forward(x, True)[-1]
                    xb = np.ascontiguousarray(x[idx[j]].transpose(0, 2, 1))  # (batch, n_in, K)
                    yb = np.ascontiguousarray(y[idx[j]].transpose(0, 2, 1))
                    self.backward(xb, False, self.forward(xb, False), yb)
                    self.optimizer.step(self.theta, self.grad)
                losses[start:stop] = self.loss.value(outputs[: stop - start], y3, axis=(1, 2))
            predictions = self.forward(x, True)[-1].copy()
        bad = ~np.isfinite(losses)
        diverged = np.where(bad.any(axis=0), np.argmax(bad, axis=0), -1)
        for k in np.flatnonzero(diverged >= 0):
            losses[diverged[k]:, k] = np.nan
        return SweepRun(config, x, y, self.layout, self.seeds, np.ascontiguousarray(losses.T),
                        np.ascontiguousarray(predictions.transpose(2, 0, 1)),
                        np.ascontiguousarray(self.theta.T), diverged)
