"""``python -m nnviz``: train one network from the command line.

By default stdout is exactly what the tutorial prints, ``print(nn.output)``;
``--json`` prints the whole run as one JSON object instead; ``--script`` prints
a standalone NumPy script that reproduces the run. Option values go
through :func:`nnviz.make_config` as typed, so a bad value gets the engine's
message naming the field, the value and what is allowed. Bad input exits
with status 2 and one line on stderr.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional, Sequence

from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from . import datasets
from .config import INITS, REGULARIZATIONS, NnvizError, TrainConfig, limited_whole, make_config
from .export import run_to_dict
from .limits import LIMITS
from .script import export_script
from .losses import LOSSES
from .optimizers import OPTIMIZERS
from .tables import PRESETS, Table, load_csv, preset, read_limited
from .training import train

USAGE_ERROR = 2


class _BadUsage(Exception):
    """Raised instead of argparse's exit, so main() reports it like any other bad input."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise _BadUsage(message)


def build_parser() -> argparse.ArgumentParser:
    default = TrainConfig()
    parser = _Parser(
        prog="nnviz",
        description="Train the tutorial's NumPy network (or a variation) and print its output.",
        epilog="Defaults are the tutorial's run; with --dataset, unset options take the Playground's choices "
               "(tanh, biases, xavier, learning rate 0.03, batches of 10, an output and loss for the problem). "
               "Presets: " + ", ".join(PRESETS) + ". Datasets: " + ", ".join(datasets.GENERATORS) + ".",
    )
    # Numbers stay strings and unset options None here: make_config converts and validates them,
    # and the defaults depend on whether a table or a dataset is trained.
    data = parser.add_mutually_exclusive_group()
    data.add_argument("--table", default=None, metavar="NAME|FILE.csv",
                      help="a preset table, or a CSV file with a header row (default: tutorial)")
    data.add_argument("--dataset", default=None, metavar="NAME|FILE.csv",
                      help="a 2-D dataset (" + "|".join(datasets.GENERATORS) + "), or a CSV of x1,x2,label")
    parser.add_argument("--targets", type=int, default=None, metavar="N",
                        help="trailing columns of the CSV table that are targets (default: 1)")
    parser.add_argument("--points", default=None, metavar="N", help="points of the dataset (default: 400)")
    parser.add_argument("--noise", default="0", metavar="PERCENT", help="dataset noise, 0 to 50 (default: 0)")
    parser.add_argument("--train-ratio", default="50", metavar="PERCENT",
                        help="share of the points trained on, 10 to 90; the rest test (default: 50)")
    parser.add_argument("--features", default=",".join(datasets.DEFAULT_FEATURES), metavar="NAMES",
                        help="dataset input features, from " + ",".join(datasets.FEATURES) + " (default: x1,x2)")
    parser.add_argument("--classes", default="2", metavar="N", help="classes of the gauss and spiral datasets")
    _choice(parser, "--problem", ("classification", "regression"), None,
            "what a CSV dataset's labels are (generated datasets know their own)")
    parser.add_argument("--hidden", default=None, metavar="WIDTHS",
                        help=f'hidden layer widths, e.g. 4 or 8,8; "" for no hidden layer (default: '
                             f'{",".join(map(str, default.hidden))})')
    parser.add_argument("--iterations", default=None, metavar="N",
                        help=f"training iterations (default: {default.iterations})")
    parser.add_argument("--epochs", default=None, metavar="N",
                        help="with --dataset: training epochs, each as many updates as batches cover the training "
                             "points once (instead of --iterations)")
    parser.add_argument("--batch-loss", action="store_true", default=None,
                        help="with --dataset: also record each update's own mini-batch loss (batch_loss)")
    _choice(parser, "--activation", HIDDEN_ACTIVATIONS, default.activation, "hidden layers' activation")
    _choice(parser, "--output-activation", ACTIVATIONS, default.output_activation, "output layer's activation")
    _choice(parser, "--loss", LOSSES, default.loss, "loss (bce needs a sigmoid output, ce a softmax one)")
    parser.add_argument("--bias", action=argparse.BooleanOptionalAction, default=None,
                        help="give every layer biases (the tutorial has none)")
    parser.add_argument("--learning-rate", default=None, metavar="RATE",
                        help=f"(default: {default.learning_rate})")
    _choice(parser, "--optimizer", OPTIMIZERS, default.optimizer, "optimizer")
    parser.add_argument("--batch-size", default=None, metavar="N",
                        help="rows per mini-batch (default: the whole table)")
    _choice(parser, "--init", INITS, default.init, "initial weights")
    _choice(parser, "--regularization", REGULARIZATIONS, default.regularization, "penalty on the weights")
    parser.add_argument("--reg-rate", default=None, metavar="RATE",
                        help=f"regularization rate (default: {default.reg_rate})")
    parser.add_argument("--seed", default=None, metavar="N",
                        help=f"seeds the initial weights, mini-batch order and dataset (default: {default.seed})")
    parser.add_argument("--snapshots", default=None, metavar="N",
                        help=f"parameter snapshots kept, first and last included (default: {default.snapshots})")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the whole run as one JSON object")
    output.add_argument("--script", action="store_true",
                        help="print a standalone NumPy script in the tutorial's style that reproduces this run "
                             "and prints what nnviz prints, bit for bit (no training here)")
    return parser


def _choice(parser: argparse.ArgumentParser, flag: str, names, default: Optional[str], what: str) -> None:
    parser.add_argument(flag, type=str.lower, choices=list(names), default=None,
                        help=f"{what}" + (f" (default: {default})" if default else ""))


_OPTIONS = ("hidden", "iterations", "activation", "output_activation", "loss", "bias", "learning_rate",
            "optimizer", "batch_size", "init", "seed", "snapshots", "regularization", "reg_rate", "batch_loss")


def load_table(name: str, targets: Optional[int]) -> Table:
    """A preset by name, or a CSV file when ``name`` is not a preset."""
    key = name.strip().lower().replace("-", "_")
    if key in PRESETS:
        if targets not in (None, 1):
            raise NnvizError("targets", targets, "only with a CSV file (a preset has its own targets)")
        return preset(key)
    if name.lower().endswith(".csv") or Path(name).exists():
        return load_csv(name, 1 if targets is None else targets)
    raise NnvizError("table", name, "one of " + ", ".join(PRESETS) + ", or a path to a .csv file")


def load_dataset(args: argparse.Namespace) -> datasets.Dataset:
    seed = make_config(seed=args.seed if args.seed is not None else 0).seed
    ratio = _percent("train_ratio", args.train_ratio)
    name = args.dataset.strip()
    if name.lower() in datasets.GENERATORS:
        problem = "regression" if name.lower() in datasets.REGRESSION else "classification"
        if args.problem not in (None, problem):
            raise NnvizError("problem", args.problem, f"{problem}: the {name} dataset's problem")
        points = args.points if args.points is not None else int(LIMITS["points"].default)
        return datasets.generate(name.lower(), limited_whole("points", points), _percent("noise", args.noise), ratio,
                                 seed, limited_whole("classes", args.classes))
    if not Path(name).exists():
        raise NnvizError("dataset", name, "one of " + ", ".join(datasets.GENERATORS) + ", or a CSV file")
    data = read_limited(name, field="dataset")  # at most its size limit, whatever the file is
    return datasets.load_points_csv(data, args.problem or "classification", ratio, seed)


def _percent(field: str, value: str) -> float:
    """A share (LIMITS[field], a fraction) from the percentage the user typed, checked in the user's units."""
    limit = LIMITS[field]
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not limit.minimum * 100 <= number <= limit.maximum * 100:
        raise NnvizError(field, value, f"a percentage from {limit.minimum * 100:g} to {limit.maximum * 100:g}")
    return number / 100


def table_and_config(args: argparse.Namespace):
    """(inputs, targets, test inputs or None, test targets or None, config) the arguments name."""
    given = {name: getattr(args, name) for name in _OPTIONS if getattr(args, name) is not None}
    if args.epochs is not None and args.dataset is None:
        raise NnvizError("epochs", args.epochs, "only with --dataset (a table trains for --iterations)")
    if args.batch_loss and args.dataset is None:
        raise NnvizError("batch_loss", True, "only with --dataset (a table records its loss every iteration)")
    if args.dataset is None:
        table = load_table(args.table or "tutorial", args.targets)
        return table.inputs, table.targets, None, None, make_config(**given)
    if args.targets is not None:
        raise NnvizError("targets", args.targets, "only with --table (a dataset has one label column)")
    dataset = load_dataset(args)
    split = dataset.split(datasets.check_features(args.features))
    options = {**datasets.default_options(dataset.problem, dataset.classes), **given}
    # As on the plane page: the losses over all training and test points are recorded once an epoch.
    batch = make_config(**{**options, "iterations": 1, "record_every": 1}).batch_size
    rows = split[0].shape[0]
    per_epoch = -(-rows // batch) if batch and batch < rows else 1
    options["record_every"] = per_epoch
    if args.epochs is not None:
        if args.iterations is not None:
            raise NnvizError("epochs", args.epochs, "either --epochs or --iterations, not both")
        # Epochs are bounded by the updates a scheduled run may have; make_config says the exact most.
        epochs = limited_whole("epochs", args.epochs, "scheduled_iterations")
        options["iterations"] = epochs * per_epoch
    return (*split, make_config(**options))


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line with ``argv`` (default: sys.argv[1:]); returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
        inputs, targets, test_inputs, test_targets, config = table_and_config(args)
        if args.script:
            if test_inputs is not None:
                raise NnvizError("script", "--dataset", "a --table run (the script trains a table)")
            print(export_script(inputs, targets, config), end="")
            return 0
        result = train(inputs, targets, config, test_inputs=test_inputs, test_targets=test_targets)
    except SystemExit as done:  # --help
        return done.code if isinstance(done.code, int) else 0
    except (_BadUsage, NnvizError) as error:
        # One line, whatever the message holds: scripts read stderr line by line.
        print("nnviz: error: " + " ".join(str(error).split()), file=sys.stderr)
        return USAGE_ERROR
    if args.json:
        print(json.dumps(run_to_dict(result), allow_nan=False))
    else:
        print(result.output)
    if result.diverged_at is not None:
        print(f"nnviz: training diverged at iteration {result.diverged_at}", file=sys.stderr)
    return 0
