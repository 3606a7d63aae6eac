"""Every way input can be wrong gets an NnvizError naming the field and the value."""
import re

import numpy as np
import pytest

import nnviz
from nnviz import datasets
from nnviz.config import INITS, check_table, make_config
from nnviz.limits import LIMITS, MAX_WORK, NEURON_WORK, UPDATE_WORK
from nnviz.tables import MAX_CSV_BYTES, load_csv

XOR_X = [[0, 0], [0, 1], [1, 0], [1, 1]]
XOR_Y = [[0], [1], [1], [0]]


def refused(call, field: str, value: str) -> nnviz.NnvizError:
    """Run ``call``, expect an NnvizError about ``field`` whose message shows ``value``."""
    with pytest.raises(nnviz.NnvizError) as info:
        call()
    error = info.value
    assert isinstance(error, ValueError)
    assert error.field == field
    message = str(error)
    assert message.startswith(f"{field}:"), message
    assert value in message, message
    assert "\n" not in message
    return error


# --- tables -------------------------------------------------------------------------------

@pytest.mark.parametrize("inputs,targets,field,value", [
    ([[0, 1], [1]], [[0], [1]], "inputs", "ragged"),
    ([[0, 1], [1, 0]], [[0], [1, 1]], "targets", "ragged"),
    ([], [[1]], "inputs", "shape (1, 0)"),
    ([[]], [[1]], "inputs", "shape (1, 0)"),
    ([[0, 1]], [], "targets", "shape (0, 1)"),
    (None, [[1]], "inputs", "None"),
    ([["0", "one"]], [[1]], "inputs", "'one'"),
    ([[0, 1]], [["yes"]], "targets", "'yes'"),
    ([[0, np.nan]], [[1]], "inputs", "nan"),
    ([[0, np.inf]], [[1]], "inputs", "inf"),
    ([[0, 1]], [[-np.inf]], "targets", "-inf"),
    ([[0, 2e6]], [[1]], "inputs", "2000000.0"),
])
def test_bad_tables(inputs, targets, field, value):
    refused(lambda: check_table(inputs, targets), field, value)


def test_row_counts_must_match():
    error = refused(lambda: check_table(XOR_X, XOR_Y[:3]), "targets", "3 rows")
    assert "(4)" in str(error)


@pytest.mark.parametrize("inputs,targets,value", [
    (np.zeros((int(LIMITS["rows"].maximum) + 1, 2)), np.zeros((int(LIMITS["rows"].maximum) + 1, 1)), "1025 rows"),
    (np.zeros((2, int(LIMITS["inputs"].maximum) + 1)), np.zeros((2, 1)), "11 inputs"),
    (np.zeros((2, 2)), np.zeros((2, int(LIMITS["outputs"].maximum) + 1)), "9 outputs"),
])
def test_table_sizes_beyond_limits(inputs, targets, value):
    field = "targets" if "outputs" in value else "inputs"
    refused(lambda: check_table(inputs, targets), field, value)


def test_tables_at_the_limits_are_fine():
    rows, n_in, n_out = (int(LIMITS[k].maximum) for k in ("rows", "inputs", "outputs"))
    x, y = check_table(np.zeros((rows, n_in)), np.zeros((rows, n_out)))
    assert x.shape == (rows, n_in) and y.shape == (rows, n_out) and x.dtype == np.float64


# --- targets the output activation cannot reach -----------------------------------------

@pytest.mark.parametrize("output_activation,target,value", [
    ("sigmoid", 1.5, "1.5"), ("sigmoid", -0.25, "-0.25"),
    ("tanh", -2.0, "-2.0"), ("tanh", 1.5, "1.5"),
    ("relu", -1.0, "-1.0"),
])
def test_targets_outside_the_output_range(output_activation, target, value):
    y = [[0], [1], [target], [0]]
    error = refused(lambda: nnviz.train(XOR_X, y, output_activation=output_activation, iterations=1),
                    "targets", value)
    assert output_activation in str(error)


@pytest.mark.parametrize("output_activation,target", [("tanh", -1.0), ("relu", 7.0), ("linear", -50.0)])
def test_targets_inside_the_output_range_are_fine(output_activation, target):
    y = [[0], [1], [target], [0]]
    run = nnviz.train(XOR_X, y, output_activation=output_activation, iterations=2, learning_rate=0.01)
    assert run.loss.shape == (2,)


@pytest.mark.parametrize("output_activation", ["tanh", "relu", "linear"])
def test_bce_needs_a_sigmoid_output(output_activation):
    error = refused(lambda: make_config(loss="bce", output_activation=output_activation),
                    "output_activation", repr(output_activation))
    assert "sigmoid" in str(error) and "bce" in str(error)


# --- widths and layers --------------------------------------------------------------------

@pytest.mark.parametrize("hidden,value", [
    (0, "0"), (-3, "-3"), ([4, 0], "0"), (2.5, "2.5"), ([8, 1.5], "1.5"), ("8,x", "'x'"),
    ("8,,8", "'8,,8'"), (65, "65"), (True, "True"), ({"a": 1}, "{'a': 1}"), ("nan", "'nan'"),
])
def test_bad_widths(hidden, value):
    refused(lambda: make_config(hidden=hidden), "hidden", value)


def test_too_many_layers():
    too_many = [4] * (int(LIMITS["hidden_layers"].maximum) + 1)
    error = refused(lambda: make_config(hidden=too_many), "hidden", repr(too_many))
    assert "0 to 6 hidden layers" in str(error)


@pytest.mark.parametrize("hidden,expected", [
    ("", ()), ([], ()), (4, (4,)), ("8, 8", (8, 8)), ([2.0, 3], (2, 3)), ((64,) * 6, (64,) * 6),
])
def test_good_widths(hidden, expected):
    assert make_config(hidden=hidden).hidden == expected


# --- names --------------------------------------------------------------------------------

@pytest.mark.parametrize("field,known", [
    ("activation", nnviz.ACTIVATIONS), ("output_activation", nnviz.ACTIVATIONS),
    ("loss", nnviz.LOSSES), ("optimizer", nnviz.OPTIMIZERS), ("init", INITS),
])
def test_unknown_names_list_the_known_ones(field, known):
    error = refused(lambda: make_config(**{field: "softmaxx"}), field, "'softmaxx'")
    for name in known:
        assert name in str(error)


def test_names_ignore_case_and_spaces():
    assert make_config(activation=" TanH ").activation == "tanh"


def test_unknown_option():
    refused(lambda: make_config(hiden=4), "option", "'hiden'")


def test_unknown_preset():
    error = refused(lambda: nnviz.preset("xorr"), "table", "'xorr'")
    assert "xor" in str(error) and "tutorial" in str(error)


# --- numbers beyond nnviz.limits ----------------------------------------------------------

@pytest.mark.parametrize("field,value,shown", [
    ("iterations", 0, "0"), ("iterations", 20_001, "20001"), ("iterations", -1, "-1"),
    ("iterations", 1.5, "1.5"), ("iterations", "many", "'many'"), ("iterations", None, "None"),
    ("snapshots", 1, "1"), ("snapshots", 202, "202"),
    ("learning_rate", 0, "0"), ("learning_rate", -0.1, "-0.1"), ("learning_rate", 100.5, "100.5"),
    ("learning_rate", float("nan"), "nan"), ("learning_rate", float("inf"), "inf"),
    ("learning_rate", "fast", "'fast'"), ("learning_rate", True, "True"),
    ("seed", -1, "-1"), ("seed", 2**32, "4294967296"), ("seed", np.int64(-5), "-5"),
    ("batch_size", 0, "0"), ("batch_size", 1025, "1025"), ("bias", "yes", "'yes'"),
])
def test_numbers_beyond_the_limits(field, value, shown):
    error = refused(lambda: make_config(**{field: value}), field, shown)
    if field in LIMITS:
        assert LIMITS[field].allowed() in str(error)


@pytest.mark.parametrize("field", ["iterations", "snapshots", "learning_rate", "seed"])
def test_the_limits_themselves_are_allowed(field):
    limit = LIMITS[field]
    for value in (limit.minimum, limit.maximum):
        assert getattr(make_config(**{field: value}), field) == value


def test_batch_size_larger_than_the_table():
    error = refused(lambda: nnviz.train(XOR_X, XOR_Y, batch_size=5), "batch_size", "5")
    assert "4" in str(error)


def test_work_budget():
    rows, n_in = 1024, 10
    x, y = np.zeros((rows, n_in)), np.zeros((rows, 1))
    hidden = [64, 64]
    params = n_in * 64 + 64 * 64 + 64
    per_iteration = (rows + UPDATE_WORK) * params + rows * NEURON_WORK * (64 + 64 + 1)
    iterations = MAX_WORK // per_iteration + 1  # the smallest run over budget
    error = refused(lambda: nnviz.train(x, y, hidden=hidden, iterations=iterations), "iterations", str(iterations))
    assert f"{MAX_WORK:,}" in str(error)
    # One iteration fewer is within budget: the check is exact, not merely conservative.
    nnviz.config.check_fit(make_config(hidden=hidden, iterations=iterations - 1), x, y)


# --- CSV files ----------------------------------------------------------------------------

def test_csv_with_two_target_columns(tmp_path):
    path = tmp_path / "adder.csv"
    path.write_text("a,b,sum,carry\n0,0,0,0\n0,1,1,0\n1,0,1,0\n1,1,0,1\n", encoding="utf-8")
    table = load_csv(path, targets=2)
    np.testing.assert_array_equal(table.inputs, XOR_X)
    np.testing.assert_array_equal(table.targets, [[0, 0], [1, 0], [1, 0], [0, 1]])
    assert table.input_names == ("a", "b") and table.output_names == ("sum", "carry")
    assert load_csv(path.read_bytes(), targets=2).targets.shape == (4, 2)


def test_csv_with_bom_blank_lines_and_spaces():
    table = load_csv("\ufeffx1, y\n\n 0 , 1\n1,0\n\n".encode("utf-8"))
    np.testing.assert_array_equal(table.inputs, [[0], [1]])
    assert table.input_names == ("x1",) and table.output_names == ("y",)


@pytest.mark.parametrize("data,value", [
    (b"", "0 non-empty lines"),
    (b"x1,x2,y\n", "1 non-empty lines"),
    (b"x1,x2,y\n0,0,0\n0,1\n", "line 3 has 2 cells"),
    (b"x1,x2,y\n0,0,0\n0,1,1,1\n", "line 3 has 4 cells"),
    (b"x1,x2,y\n0,zero,0\n", "line 2, column x2: 'zero'"),
    (b"x1,x2,y\n0,,0\n", "line 2, column x2: ''"),
    (b"x1,x2,y\n0\x000,0\n", "a binary file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "a binary file"),
    ("x1,y\n\u00e9,1\n".encode("latin-1"), "bytes that are not UTF-8"),
    (b"x" * (MAX_CSV_BYTES + 1), f"{MAX_CSV_BYTES + 1:,} bytes"),
    ((",".join(f"c{i}" for i in range(19)) + "\n" + ",".join("0" * 19) + "\n").encode(), "19 columns"),
])
def test_bad_csv(data, value):
    refused(lambda: load_csv(data), "csv", value)


@pytest.mark.parametrize("data,field,value", [
    (b"x,y\nnan,1\n", "inputs", "nan"),
    (b"x,y\n0,inf\n", "targets", "inf"),
])
def test_csv_non_finite_numbers(data, field, value):
    refused(lambda: load_csv(data), field, value)


def test_csv_too_large_on_disk(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"x,y\n" + b"0,1\n" * (MAX_CSV_BYTES // 4))
    refused(lambda: load_csv(path), "csv", "bytes")


@pytest.mark.parametrize("path", ["missing.csv", "folder.csv"])
def test_csv_unreadable_paths(tmp_path, monkeypatch, path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder.csv").mkdir()
    error = refused(lambda: load_csv(path), "csv", repr(path))
    assert re.search(r"readable file \(.+\)", str(error))


@pytest.mark.parametrize("targets,value", [(0, "0"), (3, "3"), (-1, "-1"), (1.5, "1.5"), ("x", "'x'"), (True, "True")])
def test_csv_bad_target_count(targets, value):
    error = refused(lambda: load_csv(b"x1,x2,y\n0,0,0\n", targets=targets), "targets", value)
    assert "1 to 2" in str(error)


# Cross-entropy with softmax: its gradient (o - y) / rows is the true one only for one-hot target rows.
@pytest.mark.parametrize("targets, says", [
    ([[1.0, 1.0]], "one-hot"),          # sums to 2: the gradient was [-0.541, -0.459], the true one sums to 0
    ([[0.0, 0.0]], "one-hot"),          # zero loss, yet it moved the weights
    ([[0.5, 0.5]], "one-hot"),          # soft labels are not offered
    ([[1.0]], "two or more target columns"),  # one column: output constantly 1, accuracy always 100%
])
def test_cross_entropy_refuses_targets_that_are_not_one_hot(targets, says):
    with pytest.raises(nnviz.TableError, match=says):
        nnviz.train([[1.0]] * len(targets), targets, hidden=[], output_activation="softmax", loss="ce",
                    iterations=1)


def test_cross_entropy_names_the_first_bad_row():
    targets = [[1, 0, 0], [0, 1, 0], [0, 1, 1], [0, 0, 1]]
    with pytest.raises(nnviz.TableError, match="row 3: 0,1,1"):
        nnviz.train([[0, 0], [0, 1], [1, 0], [1, 1]], targets, hidden=[2], output_activation="softmax",
                    loss="ce", iterations=1)


def test_cross_entropy_on_one_hot_rows_matches_its_finite_difference_gradient():
    from nnviz.diagnostics import gradient_check
    run = nnviz.train([[0, 0], [0, 1], [1, 0], [1, 1]], [[1, 0], [0, 1], [0, 1], [1, 0]], hidden=[3],
                      output_activation="softmax", loss="ce", iterations=5, bias=True)
    assert gradient_check(run).passed


# One whole-number check (nnviz.config.whole) behind make_config, generate and train_many: a whole number is
# accepted however it is written, a fraction, a bool or NaN refused, by each of them alike.
WHOLE_CALLS = {
    "iterations": lambda v: make_config(iterations=v).iterations,
    "points": lambda v: len(datasets.generate("circle", points=v).labels),
    "networks": lambda v: len(nnviz.train_many([[0.0], [1.0]], [[0.0], [1.0]], networks=v, hidden=[1],
                                               iterations=2).seeds),
}


@pytest.mark.parametrize("field", list(WHOLE_CALLS))
@pytest.mark.parametrize("written", [int, float, np.int64, np.float64, str])
def test_whole_numbers_are_accepted_alike(field, written):
    value = int(LIMITS[field].minimum) + 20
    assert WHOLE_CALLS[field](written(value)) == value


@pytest.mark.parametrize("field", list(WHOLE_CALLS))
@pytest.mark.parametrize("bad", [20.5, "20.5", True, float("nan"), float("inf"), [20], "twenty"])
def test_whole_numbers_are_refused_alike(field, bad):
    with pytest.raises(nnviz.NnvizError, match="a whole number from") as error:
        WHOLE_CALLS[field](bad)
    assert error.value.field == field


def test_shares_are_checked_against_their_limits():
    for field, name in (("noise", "noise"), ("train_ratio", "train_ratio")):
        limit = LIMITS[field]
        datasets.generate("circle", **{name: limit.maximum})
        with pytest.raises(nnviz.NnvizError, match=f"{limit.maximum:.0%}") as error:
            datasets.generate("circle", **{name: limit.maximum + 0.01})
        assert error.value.field == field
