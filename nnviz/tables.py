"""Truth tables: the presets, and tables read from CSV."""
from __future__ import annotations

import csv
import io
import itertools
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence, Union

import numpy as np

from .config import TableError, check_table
from .limits import LIMITS
from .text import cap, one_line, plain_name

MAX_CSV_BYTES = 256 * 1024  # a 1024-row table of 18 columns is well under this


@dataclass(frozen=True, eq=False)
class Table:
    """A truth table: ``inputs`` (rows, n_inputs) and ``targets`` (rows, n_outputs), float64."""

    inputs: np.ndarray
    targets: np.ndarray
    input_names: tuple[str, ...]
    output_names: tuple[str, ...]
    description: str = ""

    def __iter__(self):  # so that ``train(*table)`` works
        return iter((self.inputs, self.targets))


def _truth_table(n_inputs: int, rule: Callable[..., Sequence[int]], input_names, output_names,
                 description: str) -> Table:
    rows = list(itertools.product((0, 1), repeat=n_inputs))
    targets = [list(rule(*r)) for r in rows]
    return Table(np.array(rows, dtype=np.float64), np.array(targets, dtype=np.float64),
                 tuple(input_names), tuple(output_names), description)


def _two(rule, description):
    return _truth_table(2, lambda a, b: (rule(a, b),), ("x1", "x2"), ("y",), description)


PRESETS: dict[str, Table] = {
    "tutorial": Table(
        np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64),
        np.array([[0], [1], [1], [0]], dtype=np.float64),
        ("x1", "x2", "x3"), ("y",),
        "The tutorial's table: y = x1 XOR x2; x3 is always 1 and acts as a bias.",
    ),
    "and": _two(lambda a, b: a & b, "y = x1 AND x2"),
    "or": _two(lambda a, b: a | b, "y = x1 OR x2"),
    "nand": _two(lambda a, b: 1 - (a & b), "y = NOT (x1 AND x2)"),
    "nor": _two(lambda a, b: 1 - (a | b), "y = NOT (x1 OR x2)"),
    "xor": _two(lambda a, b: a ^ b, "y = x1 XOR x2: not linearly separable, needs a hidden layer"),
    "xnor": _two(lambda a, b: 1 - (a ^ b), "y = NOT (x1 XOR x2)"),
    "parity3": _truth_table(3, lambda a, b, c: (a ^ b ^ c,), ("x1", "x2", "x3"), ("y",),
                            "y = 1 when an odd number of inputs are 1"),
    "majority3": _truth_table(3, lambda a, b, c: (int(a + b + c >= 2),), ("x1", "x2", "x3"), ("y",),
                              "y = 1 when at least two inputs are 1"),
    "half_adder": _truth_table(2, lambda a, b: (a ^ b, a & b), ("a", "b"), ("sum", "carry"),
                               "sum = a XOR b, carry = a AND b"),
    "full_adder": _truth_table(3, lambda a, b, c: ((a + b + c) % 2, int(a + b + c >= 2)),
                               ("a", "b", "carry_in"), ("sum", "carry_out"),
                               "Adds three bits: sum and carry out"),
}


def preset(name: str) -> Table:
    """A preset table by name (see :data:`PRESETS`)."""
    key = name.strip().lower().replace("-", "_") if isinstance(name, str) else name
    if key not in PRESETS:
        raise TableError("table", name, "one of " + ", ".join(PRESETS))
    return PRESETS[key]


def csv_rows(data: bytes, expected: str) -> list[list[str]]:
    """The non-empty rows of an uploaded CSV, or TableError for an oversized, binary or non-UTF-8 file."""
    if len(data) > MAX_CSV_BYTES:
        raise TableError("csv", f"{len(data):,} bytes", f"a file of at most {MAX_CSV_BYTES:,} bytes")
    if b"\0" in data:
        raise TableError("csv", "a binary file", expected)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableError("csv", "bytes that are not UTF-8", "a UTF-8 text file") from None
    try:  # newline="": a bare carriage return ends a line, as in old Mac files
        return [r for r in csv.reader(io.StringIO(text, newline="")) if any(cell.strip() for cell in r)]
    except csv.Error as error:  # e.g. an unterminated quote longer than csv's field limit
        raise TableError("csv", f"unreadable CSV ({error})", expected) from None


def read_limited(path: Union[str, Path], limit: int = MAX_CSV_BYTES, field: str = "csv") -> bytes:
    """The bytes of the file at ``path``, or TableError when it holds more than ``limit`` bytes.

    Reads at most ``limit + 1`` bytes whatever the file is (a device such as /dev/zero, a pipe, a FIFO), and
    opens without blocking, so a FIFO that nobody writes to reads as empty instead of waiting forever.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise TableError(field, str(path), f"a readable file ({error.strerror})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise TableError(field, str(path), "a readable file (this is a directory)")
        if stat.S_ISREG(info.st_mode) and info.st_size > limit:
            raise TableError(field, f"{info.st_size:,} bytes", f"a file of at most {limit:,} bytes")
        os.set_blocking(fd, True)  # a FIFO with a writer: wait for its data (without one, a read ends at once)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(65536, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        raise TableError(field, str(path), f"a readable file ({error.strerror})") from None
    finally:
        os.close(fd)
    if size > limit:
        raise TableError(field, f"more than {limit:,} bytes", f"a file of at most {limit:,} bytes")
    return b"".join(chunks)


def delimiter_hint(rows: list[list[str]], expected: str) -> None:
    """TableError saying what is wrong with a CSV of one column: another delimiter, or too few columns."""
    line = ",".join(rows[0]) if rows else ""
    reads = f"nnviz reads comma-separated values: {expected}"
    for mark, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
        if mark in line:
            raise TableError("csv", "one column", f"{reads}, with commas",
                             f"csv: the values are separated by {name}, not commas; {reads}. "
                             "Save the file as CSV with commas.")
    raise TableError("csv", "one column", reads, f"csv: found one column; {reads}")


def load_csv(source: Union[str, Path, bytes], targets: int = 1) -> Table:
    """A table from CSV: a header row, then numbers; the last ``targets`` columns are targets.

    ``source`` is a path, or the file's contents as bytes (an upload). Column names are made plain
    (:func:`nnviz.text.plain_name`): no markup, at most 40 characters.
    """
    data = read_limited(source) if isinstance(source, (str, Path)) else bytes(source)
    rows = csv_rows(data, "a text file of comma-separated numbers")
    if rows and len(rows[0]) < 2:
        delimiter_hint(rows, "inputs, then targets")
    if len(rows) < 2:
        raise TableError("csv", f"{len(rows)} non-empty lines", "a header row and at least one row of numbers")
    header, body = [h.strip() for h in rows[0]], rows[1:]
    width = len(header)
    max_columns = int(LIMITS["inputs"].maximum + LIMITS["outputs"].maximum)
    if width > max_columns:
        raise TableError("csv", f"{width} columns", f"at most {max_columns} columns")
    n_targets = _target_count(targets, width)
    names = [plain_name(h) or f"column {i + 1}" for i, h in enumerate(header)]
    for line, row in enumerate(body, start=2):
        if len(row) != width:
            raise TableError("csv", f"line {line} has {len(row)} cells",
                             f"{width} cells on every line, as in the header")
    values = np.empty((len(body), width))
    for line, row in enumerate(body, start=2):
        for col, cell in enumerate(row):
            try:
                values[line - 2, col] = float(cell)
            except ValueError:
                raise TableError("csv", f"line {line}, column {names[col]}: {cap(one_line(cell), 20)!r}",
                                 "numbers only") from None
    x, y = check_table(values[:, :-n_targets], values[:, -n_targets:])
    return Table(x, y, tuple(names[:-n_targets]), tuple(names[-n_targets:]), "Loaded from CSV")


def _target_count(targets, width: int) -> int:
    try:
        n = int(targets)
    except (TypeError, ValueError, OverflowError):  # OverflowError: infinity
        n = 0
    if isinstance(targets, bool) or n != targets or not 1 <= n < width:
        raise TableError("targets", targets, f"a number of target columns from 1 to {width - 1}")
    return n
