"""Export a run as a standalone NumPy script in the tutorial's style.

The script needs only NumPy, defines the tutorial's ``NeuralNetwork`` class
(``feedforward``, ``backprop``, one ``weightsN`` per layer), trains with the
same configuration and prints ``nn.output`` as ``python -m nnviz`` does, bit for
bit: every floating-point operation is the engine's, in the engine's order.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .activations import ACTIVATIONS
from .config import NnvizError, TrainConfig, check_fit, check_table, make_config
from .losses import LOSSES, regularizer


def _array(a: np.ndarray) -> str:
    rows = ",\n                  ".join("[" + ", ".join(repr(float(v)) for v in row) + "]" for row in a)
    return f"np.array([{rows}])"


def export_script(inputs: Any, targets: Any, config: TrainConfig | None = None, **options) -> str:
    """The source of a standalone script that reproduces ``nnviz.train(inputs, targets, ...)``."""
    config = config or make_config(**options)
    x, y = check_table(inputs, targets)
    check_fit(config, x, y)
    if config.regularization == "l1" and config.l1_clip and config.reg_rate > 0:
        raise NnvizError("l1_clip", True, "False: the script writes L1 as the penalty's gradient, the truth-table "
                                          "page's form")
    sizes = [x.shape[1], *config.hidden, y.shape[1]]
    L = len(sizes) - 1
    acts = [config.activation] * (L - 1) + [config.output_activation]
    rows = x.shape[0]
    batch = config.batch_size if config.batch_size and config.batch_size < rows else None
    b = "_batch" if batch else ""  # mini-batches learn from their own forward pass
    name = lambda l: "output" if l == L else f"layer{l}"  # noqa: E731  activations of layer l (1-based)
    below = lambda l: f"self.input{b}" if l == 1 else f"self.{name(l - 1)}{b}"  # noqa: E731
    lines: list[str] = []
    emit = lines.append

    emit("# Exported from nnviz: a standalone NumPy script in the style of the tutorial.")
    emit(f"# hidden={list(config.hidden)} activation={config.activation} output_activation="
         f"{config.output_activation} loss={config.loss} bias={config.bias}")
    emit(f"# learning_rate={config.learning_rate!r} optimizer={config.optimizer} batch_size={config.batch_size}"
         f" init={config.init} seed={config.seed} iterations={config.iterations}"
         f" regularization={config.regularization} reg_rate={config.reg_rate!r}")
    emit("import numpy as np\n")
    for act in dict.fromkeys(acts):
        emit(ACTIVATIONS[act].script)
    loss = LOSSES[config.loss]
    emit("def loss(y, output):")
    emit(f'    """{loss.title}"""\n{loss.script}')
    emit(f"learning_rate = {config.learning_rate!r}")
    if regularizer(config.regularization, config.reg_rate):
        emit(f"reg_rate = {config.reg_rate!r}  # {config.regularization} regularization of the weights")
    emit(f"seed = {config.seed}\n")

    emit("class NeuralNetwork:")
    emit("    def __init__(self, x, y):")
    emit("        self.input      = x")
    emit("        self.y          = y")
    if config.init == "tutorial":
        emit("        np.random.seed(seed)")
        for l in range(1, L + 1):
            emit(f"        self.weights{l}   = np.random.rand({sizes[l - 1]},{sizes[l]})")
    else:
        emit("        rng = np.random.default_rng(seed)")
        for l in range(1, L + 1):
            fan_in, fan_out = sizes[l - 1], sizes[l]
            if config.init == "xavier":
                emit(f"        self.weights{l}   = rng.uniform(-np.sqrt(6.0 / ({fan_in} + {fan_out})), "
                     f"np.sqrt(6.0 / ({fan_in} + {fan_out})), size=({fan_in}, {fan_out}))")
            else:
                emit(f"        self.weights{l}   = rng.normal(0.0, np.sqrt(2.0 / {fan_in}), "
                     f"size=({fan_in}, {fan_out}))")
    if config.bias:
        for l in range(1, L + 1):
            emit(f"        self.bias{l}      = np.zeros({sizes[l]})")
    params = [f"weights{l}" for l in range(1, L + 1)] + ([f"bias{l}" for l in range(1, L + 1)] if config.bias else [])
    if config.optimizer == "momentum":
        for p in params:
            emit(f"        self.velocity_{p} = np.zeros_like(self.{p})")
    if config.optimizer == "adam":
        emit("        self.t = 0")
        for p in params:
            emit(f"        self.m_{p} = np.zeros_like(self.{p})")
            emit(f"        self.v_{p} = np.zeros_like(self.{p})")
    emit("        self.output     = np.zeros(self.y.shape)\n")

    def forward(suffix: str) -> None:
        prev = f"self.input{suffix}"
        for l in range(1, L + 1):
            z = f"np.dot({prev}, self.weights{l})" + (f" + self.bias{l}" if config.bias else "")
            emit(f"        self.{name(l)}{suffix} = {acts[l - 1]}({z})")
            prev = f"self.{name(l)}{suffix}"

    emit("    def feedforward(self):")
    forward("")
    emit("")
    emit("    def backprop(self):")
    if batch:
        emit("        # the forward pass on this step's mini-batch (self.input_batch, self.y_batch)")
        forward(b)
    emit("        # application of the chain rule, layer by layer from the output; each delta is -dLoss/dz")
    term = loss.script_gradient.format(y=f"self.y{b}", output=f"self.output{b}")
    if loss.gradient_is_preactivation:
        emit(f"        delta{L} = {term}")
    else:
        emit(f"        delta{L} = {term} * {acts[-1]}_derivative(self.output{b})")
    penalty = regularizer(config.regularization, config.reg_rate)
    for l in range(L, 0, -1):
        emit(f"        d_weights{l} = np.dot({below(l)}.T, delta{l})"
             + (f" - {penalty.script_gradient.format(w=f'self.weights{l}')}  # {config.regularization} penalty"
                if penalty else ""))
        if config.bias:
            emit(f"        d_bias{l} = np.dot(np.ones(len(delta{l})), delta{l})  # the sum over rows")
        if l > 1:
            emit(f"        delta{l - 1} = np.dot(delta{l}, self.weights{l}.T) * "
                 f"{acts[l - 2]}_derivative({below(l)})")
    emit("")
    emit("        # update the weights with the derivative (slope) of the loss function")
    if config.optimizer == "adam":
        emit("        self.t += 1")
        emit("        rate_t = learning_rate * np.sqrt(1.0 - 0.999**self.t) / (1.0 - 0.9**self.t)")
        emit("        eps_t = 1e-08 * np.sqrt(1.0 - 0.999**self.t)")
    for p in params:
        step = "d_" + p
        if config.optimizer == "sgd":
            emit(f"        self.{p} += {step}" if config.learning_rate == 1.0
                 else f"        self.{p} += learning_rate * {step}")
        elif config.optimizer == "momentum":
            emit(f"        self.velocity_{p} = 0.9 * self.velocity_{p} + learning_rate * {step}")
            emit(f"        self.{p} += self.velocity_{p}")
        else:  # adam, on the gradient g = -step
            emit(f"        g = -{step}")
            emit(f"        self.m_{p} = 0.9 * self.m_{p} + (1.0 - 0.9) * g")
            emit(f"        self.v_{p} = 0.999 * self.v_{p} + (1.0 - 0.999) * (g * g)")
            emit(f"        self.{p} -= rate_t * (self.m_{p} / (np.sqrt(self.v_{p}) + eps_t))")
    emit("")

    emit("\nif __name__ == \"__main__\":")
    emit(f"    X = {_array(x)}")
    emit(f"    y = {_array(y)}")
    emit("    nn = NeuralNetwork(X,y)")
    emit("    np.seterr(all=\"ignore\")  # a diverging run stops below instead of warning")
    emit("    last_output = None")
    if batch:
        emit("    # mini-batches: a stream of shuffled epochs, cut into batches of equal size")
        emit("    shuffle = np.random.default_rng([seed, 1])")
        emit("    order = np.empty(0, dtype=np.intp)")
    emit("")
    emit(f"    for i in range({config.iterations}):")
    emit("        nn.feedforward()")
    emit("        if not np.isfinite(loss(y, nn.output)):  # diverged: keep the last finite pass, as nnviz does")
    emit("            nn.output = nn.output if last_output is None else last_output")
    emit("            break")
    emit("        last_output = nn.output")
    if batch:
        emit(f"        if len(order) < {batch}:")
        emit(f"            order = np.concatenate([order, shuffle.permutation({rows})])")
        emit(f"        rows, order = order[:{batch}], order[{batch}:]")
        emit("        nn.input_batch, nn.y_batch = X[rows], y[rows]")
    emit("        nn.backprop()")
    emit("")
    emit("    print(nn.output)")
    return "\n".join(lines) + "\n"
