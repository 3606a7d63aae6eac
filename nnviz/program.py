"""The forward pass, backward pass and training loop of one network, as straight-line NumPy.

At the tutorial's size a training iteration costs NumPy's per-call overhead,
not arithmetic: about 25 calls of a few hundred nanoseconds each. Python glue
around them (loops over layers, method calls, attribute look-ups) would cost as
much again, so this module writes the calls out for one configuration as
Python source, with every buffer preallocated and bound to a name, and
compiles it once. ``Program(...).source`` shows the code; for the tutorial's
network it reads like the tutorial's ``feedforward`` and ``backprop``.

Sigmoid layers keep their parameters negated: ``dot(a, -W)`` is exactly
``-dot(a, W)``, so the forward pass gets ``-z`` without a ``negative`` call, and
the backward pass carries the layer's delta times -1 (its derivative is written
``a * (a - 1.0)``, exactly ``-(a * (1.0 - a))``), which makes the gradient come
out for the negated parameters. Every optimizer here commutes exactly with that
sign flip, so the results are bit-identical to the plain loop, two calls fewer
per sigmoid layer. ``SIGN`` (P,) holds the -1s; :meth:`Program.parameters`
undoes them.

Buffers: ``THETA`` (P,) holds all weights and biases (views ``W0``, ``B0``, ...);
``REC`` holds every layer's activations on the whole table (``A0``, ``A1``, ...)
then the gradient ``GRAD`` (views ``GW0``, ``GB0``, ...); ``run`` copies ``REC``
into the history ``H`` each iteration, so losses, correctness and gradient
norms are computed afterwards for a whole block at once.
"""
from __future__ import annotations

import re
from typing import Optional, Sequence

import numpy as np

from .activations import ACTIVATIONS, CONSTANTS, NUMPY_NAMES
from .generated import compile_source
from .losses import Loss, regularizer
from .network import Layout


def _fill(statements: Sequence[str], **names: str) -> list[str]:
    """Statements with the placeholder names (z, a, s, o, y, d) replaced by buffer names."""
    pattern = re.compile(r"\b(" + "|".join(names) + r")\b")
    return [pattern.sub(lambda m: names[m.group(1)], s) for s in statements]


class Program:
    """Compiled passes for one network on a table of ``rows`` rows.

    ``theta`` (P,): the initial parameters. ``batch``: rows per mini-batch, or None for
    the whole table. ``block``: iterations of history kept (rows of ``H``).
    ``step``: the optimizer's ``step(theta, grad)``, or None for plain SGD with
    ``rate`` (rate 1 skips the multiplication, which would change nothing).
    ``regularization`` ("none", "l1", "l2") with ``reg_rate`` adds the penalty's
    gradient on the weights (not the biases): ``reg_rate * sign(w)`` or
    ``reg_rate * w``. ``test_x``: rows the network is evaluated on each iteration,
    without learning from them; their outputs are recorded at the end of ``REC``.

    ``record=False`` (with mini-batches): ``run`` only trains, recording nothing; the
    batches come from :meth:`gather`, one call a block. A second program without
    mini-batches, built on the same parameters (``theta_buffer``, its signed
    ``theta``), records the whole table when asked: its ``evaluate(j)`` does the
    forward passes on the test and training rows and the full gradient, and copies
    ``REC`` into ``H[j]``.
    ``l1_clip`` (with ``regularization="l1"``): TensorFlow Playground's L1 instead of the
    penalty's gradient: after the data step, a separate step ``w -= rate * reg_rate *
    sign(w)`` (``w`` before the data step); a weight that this step takes across zero
    is set to 0 and is dead from then on (``ALIVE`` holds 0 for it), never updated again.
    ``batch_outputs`` (with ``record=False``): ``run`` keeps each update's outputs on the rows it trained on
    in ``BOUT[j]`` (``self.batch_outputs``), for the mini-batch's own loss.
    """

    def __init__(self, layout: Layout, activations: Sequence[str], loss: Loss, x: np.ndarray,
                 y: np.ndarray, theta: np.ndarray, batch: Optional[int] = None, block: int = 1,
                 step=None, rate: float = 1.0, regularization: str = "none", reg_rate: float = 0.0,
                 test_x: Optional[np.ndarray] = None, record: bool = True, l1_clip: bool = False,
                 theta_buffer: Optional[np.ndarray] = None, batch_outputs: bool = False):
        self.layout = layout
        rows, widths = x.shape[0], layout.sizes[1:]
        acts = [ACTIVATIONS[a] for a in activations]
        L = len(widths)
        negated = [a.negated_forward is not None for a in acts]
        self.sign = np.ones(layout.size)
        for l, s in enumerate(layout.layer_slices()):
            if negated[l]:
                self.sign[s] = -1.0
        if theta_buffer is not None:  # share another program's (signed) parameters: see `record` above
            self.theta = theta = theta_buffer
        else:
            self.theta = theta = theta * self.sign
        ns: dict[str, object] = {**CONSTANTS, "X": x, "XT": np.ascontiguousarray(x.T), "Y": y,
                                 "THETA": theta, "SIGN": self.sign}
        # np.dot's __wrapped__ is the same C function without the __array_function__
        # dispatch, which plain float64 arrays never need: 0.29 us a call instead of 0.51.
        ns["dot"] = getattr(np.dot, "__wrapped__", np.dot)

        # REC: activations of every layer on the whole table, the gradient, the test rows' outputs.
        sizes = [rows * w for w in widths]
        test_rows = 0 if test_x is None else test_x.shape[0]
        self.record = np.empty(sum(sizes) + layout.size + test_rows * widths[-1])
        ns["REC"] = self.record
        offsets = np.cumsum([0, *sizes])
        self.activation_slices = [slice(int(a), int(b)) for a, b in zip(offsets, offsets[1:])]
        self.grad_slice = slice(int(offsets[-1]), int(offsets[-1]) + layout.size)
        for l, s in enumerate(self.activation_slices):
            ns[f"A{l}"] = self.record[s].reshape(rows, widths[l])
        self.grad = ns["GRAD"] = self.record[self.grad_slice]
        self.test_slice = slice(self.grad_slice.stop, self.record.size)
        if test_rows:
            ns["XV"] = test_x
            for l, w in enumerate(widths[:-1]):
                ns[f"V{l}"] = np.empty((test_rows, w))
            ns[f"V{L - 1}"] = self.record[self.test_slice].reshape(test_rows, widths[-1])
        for l, w in enumerate(layout.weights(theta)):
            ns[f"W{l}"], ns[f"W{l}t"] = w, w.T
        for l, g in enumerate(layout.weights(self.grad)):
            ns[f"GW{l}"] = g
        if layout.bias:
            for l, (b, g) in enumerate(zip(layout.biases(theta), layout.biases(self.grad))):
                ns[f"B{l}"], ns[f"GB{l}"] = b, g

        # The rows the network trains on: the whole table, or a mini-batch.
        train_rows = batch or rows
        if batch:
            ns["XB"], ns["YB"] = np.empty((batch, x.shape[1])), np.empty((batch, y.shape[1]))
            ns["XBt"] = ns["XB"].T
            trained = np.empty(batch * sum(widths))
            for l, (a, b) in enumerate(zip(offsets // rows * batch, offsets[1:] // rows * batch)):
                ns[f"T{l}"] = trained[a:b].reshape(batch, widths[l])
            ns["TALL"] = trained
            x_t, y_in, t = "XBt", "YB", "T"
        else:
            ns["TALL"] = self.record[: int(offsets[-1])]
            x_t, y_in, t = "XT", "Y", "A"
        for l in range(L):
            ns[f"{t}{l}t"] = ns[f"{t}{l}"].T
        derivatives = np.empty(train_rows * sum(widths))
        ns["SALL"] = derivatives
        for l, (a, b) in enumerate(zip(offsets // rows * train_rows, offsets[1:] // rows * train_rows)):
            ns[f"S{l}"] = derivatives[a:b].reshape(train_rows, widths[l])
            ns[f"D{l}"] = np.empty((train_rows, widths[l]))
        ns["ONES"] = np.ones(train_rows)
        ns["SCALE"] = np.array(loss.scale(train_rows, y.shape[1]))

        def forward(src: str, prefix: str) -> list[str]:
            lines, a = [], src
            for l, act in enumerate(acts):
                z = f"{prefix}{l}"
                lines.append(f"dot({a}, W{l}, {z})")
                if layout.bias:
                    lines.append(f"add({z}, B{l}, {z})")
                lines += _fill(act.negated_forward if negated[l] else act.forward, z=z)
                a = z
            return lines

        # One call for every layer's derivative when all layers share the activation.
        def derivative(l: int) -> tuple[str, ...]:
            return acts[l].negated_derivative if negated[l] else acts[l].derivative

        joint = len({a.name for a in acts}) == 1 and bool(acts[0].derivative)
        loss_gradient = loss.negated_gradient if negated[-1] and loss.gradient_is_preactivation else loss.gradient
        backward = _fill(loss_gradient, o=f"{t}{L - 1}", y=y_in, d=f"D{L - 1}")
        if joint:
            backward += _fill(derivative(0), a="TALL", s="SALL")
        for l in range(L - 1, -1, -1):
            act = acts[l]
            if act.derivative and not (l == L - 1 and loss.gradient_is_preactivation):
                if not joint:
                    backward += _fill(derivative(l), a=f"{t}{l}", s=f"S{l}")
                backward.append(f"multiply(D{l}, S{l}, D{l})")
            backward.append(f"dot({f'{t}{l - 1}t' if l else x_t}, D{l}, GW{l})")
            if layout.bias:
                backward.append(f"dot(ONES, D{l}, GB{l})")
            if l:
                backward.append(f"dot(D{l}, W{l}t, D{l - 1})")

        penalty = regularizer(regularization, reg_rate)
        clip = l1_clip and penalty is not None and penalty.clip_note is not None  # TF Playground's L1
        if penalty is not None and not clip:
            # Only weights are penalized: REGMASK is reg_rate on weights, 0 on biases.
            ns["REGMASK"], ns["REGTMP"] = np.zeros(layout.size), np.empty(layout.size)
            for s in layout.weight_slices:
                ns["REGMASK"][s] = reg_rate
            backward += _fill(penalty.gradient, w="THETA", RATE="REGMASK", g="REGTMP") + ["add(GRAD, REGTMP, GRAD)"]

        if step is None and rate == 1.0:
            update = ["subtract(THETA, GRAD, THETA)"]
        elif step is None:
            ns["RATE"], ns["SCALED"] = np.array(rate), np.empty(layout.size)
            update = ["multiply(GRAD, RATE, SCALED)", "subtract(THETA, SCALED, THETA)"]
        else:
            ns["STEP"] = step
            update = ["STEP(THETA, GRAD)"]

        self.alive = None
        if clip:
            # TF Playground's updateWeights: the data step, then w_new = w - rate*reg_rate*sign(w_before);
            # a weight whose w * w_new < 0 crossed zero: it is set to 0 and dies. ALIVE (1 alive, 0 dead;
            # biases always 1) zeroes dead weights after every step, whatever the optimizer moved.
            ns["L1STEP"], ns["L1NEW"], ns["L1OK"] = np.zeros(layout.size), np.empty(layout.size), np.empty(
                layout.size)
            ns["L1RATE"] = np.zeros(layout.size)
            for s in layout.weight_slices:
                ns["L1RATE"][s] = rate * reg_rate
            ns["ALIVE"] = self.alive = np.ones(layout.size)
            update = (_fill(penalty.gradient, w="THETA", RATE="L1RATE", g="L1STEP") + update
                      + ["subtract(THETA, L1STEP, L1NEW)", "multiply(THETA, L1NEW, L1OK)",
                         "greater_equal(L1OK, ZERO, L1OK, casting='unsafe')", "multiply(ALIVE, L1OK, ALIVE)",
                         "multiply(L1NEW, ALIVE, THETA)", "add(THETA, ZERO, THETA)"])  # the last turns -0.0 into 0.0

        ns["H"] = self.history = np.empty((block, self.record.size) if record else (0, 0))
        if batch:
            ns["IDX"] = self.batches = np.empty((block, batch), dtype=np.intp)
            if record:
                # X.take skips np.take's Python wrapper: 1.1 us a call instead of 2.5, the same rows.
                fetch = ["XTAKE(IDX[j], 0, XB)", "YTAKE(IDX[j], 0, YB)"]
                ns["XTAKE"], ns["YTAKE"] = x.take, y.take
                train_pass = forward("X", "A") + fetch + forward("XB", "T") + backward
            else:
                # Every batch of the block gathered at once (gather); the loop only picks its views.
                self._xblock = ns["XBLK"] = np.empty((block, batch, x.shape[1]))
                self._yblock = ns["YBLK"] = np.empty((block, batch, y.shape[1]))
                ns["XBTLK"] = ns["XBLK"].transpose(0, 2, 1)
                fetch = ["XB = XBLK[j]", "XBt = XBTLK[j]", "YB = YBLK[j]"]
                train_pass = fetch + forward("XB", "T") + backward
        else:
            train_pass = forward("X", "A") + backward
        if test_rows and (record or not batch):
            train_pass = forward("XV", "V") + train_pass

        keep_outputs = []
        self.batch_outputs = None
        if batch_outputs and not record:
            ns["BOUT"] = self.batch_outputs = np.empty((block, train_rows, widths[-1]))
            keep_outputs = [f"BOUT[j] = {t}{L - 1}"]

        def body(lines: list[str], indent: str) -> str:
            return "".join(f"{indent}{line}\n" for line in lines)

        self.source = (
            "def forward():\n" + body(forward("X", "A"), "    ") + f"    return A{L - 1}\n\n"
            + ("" if batch else "def gradient():\n" + body(train_pass, "    ") + "    return GRAD\n\n")
            + ("" if batch else "def evaluate(j):\n" + body(train_pass + ["H[j] = REC"], "    ") + "\n")
            + "def run(first, last):\n    for j in range(first, last):\n"
            + body(train_pass + (["H[j] = REC"] if record else []) + keep_outputs + update, "        ")
        )
        # Any NumPy function the statements call (only those: the loop's globals stay few).
        for name in set(re.findall(r"[A-Za-z_]\w*", self.source)) - ns.keys():
            if name in NUMPY_NAMES:
                ns[name] = NUMPY_NAMES[name]
        ns["gradient"] = ns["evaluate"] = None  # NumPy's own, unless the source defines them
        exec(compile_source(self.source, "program", keep=False), ns)
        self.namespace = ns
        self.forward, self.run = ns["forward"], ns["run"]
        self._gradient = ns.get("gradient")
        self.evaluate = ns.get("evaluate")

    def gather(self, indices: np.ndarray) -> None:
        """The rows of the next ``len(indices)`` mini-batches, (count, batch) row indices, for ``run``
        (``record=False``): one take per block instead of two per update."""
        count = len(indices)
        self.namespace["X"].take(indices, 0, self._xblock[:count])
        self.namespace["Y"].take(indices, 0, self._yblock[:count])

    def gradient(self) -> np.ndarray:
        """dL/dtheta (P,) on the whole table, as a new array (programs without mini-batches)."""
        if self._gradient is None:
            raise RuntimeError("gradient() needs a program without mini-batches")
        return self._gradient() * self.sign

    def parameters(self, out: Optional[np.ndarray] = None) -> np.ndarray:
        """The current weights and biases (P,), signs restored (a dead weight's 0 stays +0.0, not -0.0)."""
        out = np.multiply(self.theta, self.sign, out)
        return np.add(out, 0.0, out)

    def set_parameters(self, theta: np.ndarray) -> None:
        np.multiply(theta, self.sign, out=self.theta)

    def layer_activations(self) -> list[np.ndarray]:
        """Each layer's activations (rows, width) on the whole table from the last forward pass."""
        return [self.namespace[f"A{l}"] for l in range(len(self.activation_slices))]


def forward_many(layout: Layout, activations: Sequence[str], loss: Loss, params: np.ndarray,
                 x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Outputs and every layer's activations for several parameter vectors.

    params (S, P) -> outputs (S, rows, n_out) and per layer (S, rows, width).
    """
    params = np.atleast_2d(params)
    program = Program(layout, activations, loss, x, y, params[0])
    layers = [np.empty((len(params), x.shape[0], w)) for w in layout.sizes[1:]]
    for k, p in enumerate(params):
        program.set_parameters(p)
        program.forward()
        for store, a in zip(layers, program.layer_activations()):
            store[k] = a
    return layers[-1], layers
