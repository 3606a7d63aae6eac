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
from .config import INITS, NnvizError, TrainConfig, make_config
from .export import run_to_dict
from .script import export_script
from .losses import LOSSES
from .optimizers import OPTIMIZERS
from .tables import PRESETS, Table, load_csv, preset
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
        epilog="Defaults are the tutorial's run. Presets: " + ", ".join(PRESETS) + ".",
    )
    # Numbers stay strings here: make_config converts and validates them.
    parser.add_argument("--table", default="tutorial", metavar="NAME|FILE.csv",
                        help="a preset table, or a CSV file with a header row (default: tutorial)")
    parser.add_argument("--targets", type=int, default=None, metavar="N",
                        help="trailing columns of the CSV that are targets (default: 1)")
    parser.add_argument("--hidden", default=",".join(map(str, default.hidden)), metavar="WIDTHS",
                        help='hidden layer widths, e.g. 4 or 8,8; "" for no hidden layer (default: %(default)s)')
    parser.add_argument("--iterations", default=str(default.iterations), metavar="N",
                        help="training iterations (default: %(default)s)")
    _choice(parser, "--activation", HIDDEN_ACTIVATIONS, default.activation, "hidden layers' activation")
    _choice(parser, "--output-activation", ACTIVATIONS, default.output_activation, "output layer's activation")
    _choice(parser, "--loss", LOSSES, default.loss, "loss (bce needs a sigmoid output)")
    parser.add_argument("--bias", action="store_true", help="give every layer biases (the tutorial has none)")
    parser.add_argument("--learning-rate", default=str(default.learning_rate), metavar="RATE",
                        help="(default: %(default)s)")
    _choice(parser, "--optimizer", OPTIMIZERS, default.optimizer, "optimizer")
    parser.add_argument("--batch-size", default=None, metavar="N",
                        help="rows per mini-batch (default: the whole table)")
    _choice(parser, "--init", INITS, default.init, "initial weights")
    parser.add_argument("--seed", default=str(default.seed), metavar="N",
                        help="seeds the initial weights and mini-batch order (default: %(default)s)")
    parser.add_argument("--snapshots", default=str(default.snapshots), metavar="N",
                        help="parameter snapshots kept, first and last included (default: %(default)s)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the whole run as one JSON object")
    output.add_argument("--script", action="store_true",
                        help="print a standalone NumPy script in the tutorial's style that reproduces this run "
                             "and prints what nnviz prints, bit for bit (no training here)")
    return parser


def _choice(parser: argparse.ArgumentParser, flag: str, names, default: str, what: str) -> None:
    parser.add_argument(flag, type=str.lower, choices=list(names), default=default,
                        help=f"{what} (default: {default})")


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


def table_and_config(args: argparse.Namespace) -> tuple[Table, TrainConfig]:
    """The table and configuration the parsed arguments name; NnvizError for bad values."""
    table = load_table(args.table, args.targets)
    return table, make_config(
        hidden=args.hidden, iterations=args.iterations, activation=args.activation,
        output_activation=args.output_activation, loss=args.loss, bias=args.bias,
        learning_rate=args.learning_rate, optimizer=args.optimizer, batch_size=args.batch_size,
        init=args.init, seed=args.seed, snapshots=args.snapshots,
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line with ``argv`` (default: sys.argv[1:]); returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
        table, config = table_and_config(args)
        if args.script:
            print(export_script(table.inputs, table.targets, config), end="")
            return 0
        result = train(table.inputs, table.targets, config)
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
