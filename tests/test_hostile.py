"""Hostile input where it enters the engine: generated tables and options, query strings and CSV files.

Every input either works or raises the engine's own `NnvizError` (a clear message naming the field); nothing else
escapes, and no NumPy warning is emitted (each test runs under ``warnings.simplefilter("error")``).
Property-based with hypothesis; kept small (tens of examples per property, tiny runs) so the file takes seconds.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import nnviz
from nnviz import datasets
from ui import editing, urlstate
from nnviz.config import NnvizError, TableError, make_config
from nnviz.limits import LIMITS, MAX_SWEEP_WORK, MAX_WORK
from ui.scenes import SCENES
from nnviz.tables import MAX_CSV_BYTES
from nnviz.text import NAME_LIMIT, plain_name

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def trains_or_refuses(fn, *args, **kwargs):
    """Call fn; return its result, or the NnvizError it raised. Any other exception fails the test."""
    try:
        return fn(*args, **kwargs)
    except NnvizError as error:
        text = str(error)
        assert text and len(text) < 400, text
        assert "Traceback" not in text
        return error


# ---------------------------------------------------------------------------------------------------------------
# strategies
# ---------------------------------------------------------------------------------------------------------------
weird_floats = st.floats(allow_nan=True, allow_infinity=True)
cells = st.one_of(
    st.sampled_from([0.0, 1.0, -1.0, 0.5]),
    st.floats(-2, 2, allow_nan=False),
    weird_floats,
    st.integers(-10**20, 10**20),
    st.booleans(),
    st.none(),
    st.text(max_size=6),
    st.sampled_from(["1", " 0 ", "1e3", "nan", "inf", "-inf", "=cmd|' /C calc'!A0", "0x10", "", "1,5"]),
)
good_cells = st.sampled_from([0.0, 1.0])


@st.composite
def tables(draw, cell=cells):
    rows = draw(st.integers(0, 6))
    n_in = draw(st.integers(0, 4))
    n_out = draw(st.integers(0, 3))
    ragged = draw(st.booleans()) and rows > 1
    inputs = [[draw(cell) for _ in range(n_in + (ragged and r == 0))] for r in range(rows)]
    targets = [[draw(cell) for _ in range(n_out)] for _ in range(rows)]
    return inputs, targets


option_values = {
    "hidden": st.one_of(st.integers(-2, 70), st.lists(st.integers(-1, 66), max_size=8), st.text(max_size=8),
                        st.just("4,4"), st.just(""), st.floats(), st.none()),
    "iterations": st.one_of(st.integers(-5, 60), st.integers(19_990, 30_000), st.floats(), st.text(max_size=5),
                            st.booleans()),
    "activation": st.one_of(st.sampled_from(list(nnviz.ACTIVATIONS)), st.text(max_size=8), st.none()),
    "output_activation": st.one_of(st.sampled_from(list(nnviz.ACTIVATIONS)), st.text(max_size=8)),
    "loss": st.one_of(st.sampled_from(list(nnviz.LOSSES)), st.text(max_size=5)),
    "bias": st.one_of(st.booleans(), st.integers(), st.text(max_size=3)),
    "learning_rate": st.one_of(st.floats(), st.floats(1e-7, 200), st.text(max_size=4), st.integers()),
    "optimizer": st.one_of(st.sampled_from(list(nnviz.OPTIMIZERS)), st.text(max_size=5)),
    "batch_size": st.one_of(st.none(), st.integers(-3, 2000), st.floats()),
    "init": st.one_of(st.sampled_from(["tutorial", "xavier", "he"]), st.text(max_size=5)),
    "seed": st.one_of(st.integers(-5, 2**33), st.floats(), st.text(max_size=5)),
    "snapshots": st.one_of(st.integers(-2, 300), st.floats()),
    "regularization": st.one_of(st.sampled_from(["none", "l1", "l2"]), st.text(max_size=4)),
    "reg_rate": st.one_of(st.floats(), st.floats(0, 10), st.integers(-1, 20)),
}
options = st.fixed_dictionaries({}, optional=option_values)


def small_run(opts: dict) -> dict:
    """Keep generated runs tiny so a hundred of them take a second: at most 40 iterations."""
    it = opts.get("iterations")
    if isinstance(it, (int, float)) and not isinstance(it, bool) and math.isfinite(it) and 40 < it <= 20_000:
        opts = {**opts, "iterations": 40}
    return opts


# ---------------------------------------------------------------------------------------------------------------
# the engine
# ---------------------------------------------------------------------------------------------------------------
@FAST
@given(tables(), options)
@example(([[0, 0], [1, 1]], [[0], [1]]), {"learning_rate": 100.0, "iterations": 40, "activation": "relu"})
@example(([[1e6, -1e6]], [[1.0]]), {"activation": "linear", "output_activation": "linear", "loss": "mse",
                                    "learning_rate": 100.0, "iterations": 40})
def test_train_trains_or_refuses(table, opts):
    result = trains_or_refuses(nnviz.train, *table, **small_run(opts))
    if isinstance(result, nnviz.TrainingRun):
        assert result.loss.shape[0] <= result.config.iterations
        # what the page shows next must not warn either
        result.final_loss, result.accuracy, result.solved_at


@FAST
@given(st.lists(st.lists(good_cells, min_size=2, max_size=2), min_size=1, max_size=8),
       st.lists(good_cells, min_size=1, max_size=8), options)
def test_train_valid_tables_with_any_options(inputs, targets, opts):
    n = min(len(inputs), len(targets))
    trains_or_refuses(nnviz.train, inputs[:n], targets[:n], **small_run(opts))


@FEW
@given(tables(good_cells), st.integers(-1, 1100), options)
def test_train_many_trains_or_refuses(table, networks, opts):
    opts = small_run(opts)
    if isinstance(opts.get("iterations"), int) and opts["iterations"] > 40:
        opts["iterations"] = 10
    if networks > 50 and MAX_WORK:  # large sweeps only via the budget check, not actually trained
        opts["iterations"] = 20_000
    trains_or_refuses(nnviz.train_many, *table, networks=networks, **opts)


def test_work_budget_refusal_says_what_to_lower():
    x = np.zeros((1024, 10))
    y = np.zeros((1024, 8))
    with pytest.raises(NnvizError) as info:
        nnviz.train(x, y, hidden=[64] * 6, iterations=20_000)
    assert "lower the iterations" in str(info.value)
    with pytest.raises(NnvizError) as info:
        nnviz.train_many(x[:64], y[:64], hidden=[8], iterations=3000, networks=1000)
    assert "fewer networks" in str(info.value)
    assert MAX_SWEEP_WORK > 0


@FAST
@given(st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=20), st.binary(max_size=10),
                 st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)))
def test_make_config_hidden_garbage(value):
    trains_or_refuses(make_config, hidden=value)


@FAST
@given(st.dictionaries(st.text(max_size=12), st.integers(), max_size=3))
def test_make_config_unknown_options(extra):
    trains_or_refuses(make_config, **extra)


# ---------------------------------------------------------------------------------------------------------------
# the query string
# ---------------------------------------------------------------------------------------------------------------
param_names = st.one_of(st.sampled_from([f.name for f in urlstate.FIELDS] + ["table", "names"]),
                        st.text(max_size=10))
param_values = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789.,;:-e ", max_size=60),
    st.sampled_from(["nan", "inf", "-inf", "1e309", "-0", "1e-400", "9" * 400, "0x1f", "4.0", "１２",
                     "0,0,1:0;0,1,1:1", "0,0:0;1", ":;:;", "1," * 20 + "1:1", "all", "true", "\x00", "%00",
                     "<script>alert(1)</script>", "=cmd|' /C calc'!A0", "[x](https://evil.example)",
                     "![i](http://e.example/i.png)", "www.evil.example", ":red[x] $x^2$", "a@b.example",
                     "`` [x](https://e.example) ``", "x\n\n[x](https://e.example)"]),
    st.integers(-10**30, 10**30).map(str),
    st.floats().map(repr),
    st.sampled_from(list(SCENES) + list(urlstate.TOOLS) + ["TUTORIAL", " sweep", "l1_sparse"]),
)


def assert_plain_names(table) -> None:
    """Names any figure, grid or CSV download may show: no markup, one short line, no formula."""
    for name in (*table.input_names, *table.output_names):
        assert name == plain_name(name) and not set("<>&\n\r") & set(name), name
        assert len(name) <= NAME_LIMIT + 1 and not name.startswith(("=", "+", "-", "@"))


def check_parse(params):
    settings_, table, notices = urlstate.parse(params)
    assert set(settings_) == set(urlstate.DEFAULTS)
    for note in notices:
        assert isinstance(note, str) and len(note) < 300, note
        assert "\n" not in note  # one line; the pages show it through nnviz.text.markdown_text (no markup)
    if table is not None:
        assert isinstance(table, nnviz.Table)
        assert_plain_names(table)
    # every parsed setting is one the page can use: the config built from it validates or says why not
    for field in urlstate.FIELDS:
        if field.name in ("preset", "activation", "output_activation", "loss", "optimizer"):
            assert settings_[field.name] in (urlstate.DEFAULTS[field.name],) + tuple(
                {"preset": nnviz.PRESETS, "activation": nnviz.ACTIVATIONS,
                 "output_activation": nnviz.ACTIVATIONS, "loss": nnviz.LOSSES,
                 "optimizer": nnviz.OPTIMIZERS}[field.name])
    assert settings_["tool"] in (None, *urlstate.TOOLS) and settings_["scene"] in (None, *SCENES)
    return settings_, table, notices


@FAST
@given(st.dictionaries(param_names, param_values, max_size=8))
def test_parse_never_raises(params):
    check_parse(params)


@FAST
@given(st.lists(st.tuples(param_names, param_values), max_size=8))
def test_parse_repeated_keys(pairs):
    # Streamlit's to_dict() keeps the last of repeated keys; a raw mapping may hold lists.
    grouped: dict = {}
    for k, v in pairs:
        grouped.setdefault(k, []).append(v)
    check_parse({k: v[-1] for k, v in grouped.items()})
    check_parse({k: v for k, v in grouped.items()})


@FAST
@given(st.lists(st.text(max_size=60), min_size=3, max_size=3))
@example(['<a href="//host/">x1</a>', "![x](http://x/t.png)", "=cmd|' /C calc'!A0"])
def test_parse_link_names_are_plain(names):
    _, table, _ = check_parse({"table": "0,0:0;1,1:1", "names": f"{names[0]},{names[1]}:{names[2]}"})
    assert table is not None


@FAST
@given(st.integers(0, 3000), st.integers(0, 30), st.integers(0, 12))
def test_parse_overlong_tables(rows, n_in, n_out):
    row = ",".join(["1"] * n_in) + ":" + ",".join(["0"] * n_out)
    _, table, notices = check_parse({"table": ";".join([row] * rows), "names": "a" * 10_000 + ":" + "b"})
    if table is not None:
        assert table.inputs.shape == (rows, n_in) and table.targets.shape == (rows, n_out)


@FAST
@given(st.sampled_from(list(SCENES)), st.dictionaries(param_names, param_values, max_size=6))
def test_parse_scene_with_anything_else(key, params):
    """A scene's settings are the defaults: a field the link does not set, or sets badly, is the scene's."""
    settings_, table, notices = check_parse({**params, "scene": key})
    assert settings_["scene"] == key
    wanted = urlstate.scene_settings(SCENES[key])
    for name, value in settings_.items():
        if name not in params or any(note.startswith(f"{name}=") for note in notices):
            assert value == wanted[name], name
    if table is None:
        assert isinstance(SCENES[key].table, str) or "preset" in params


def test_parse_huge_query_string_is_quick():
    import time
    t0 = time.perf_counter()
    settings_, table, notices = urlstate.parse({"table": "1,0:1;" * 200_000, "seed": "9" * 100_000,
                                                "iterations": "1" * 5000})
    assert time.perf_counter() - t0 < 2.0
    assert table is None and len(notices) == 3


@FAST
@given(st.sampled_from(urlstate.FIELDS), st.one_of(st.integers(-10**12, 10**12), st.floats()))
def test_parse_out_of_range_numbers_fall_back(field, number):
    settings_, _, notices = check_parse({field.name: repr(number)})
    value = settings_[field.name]
    if field.name in LIMITS:
        limit = LIMITS[field.name]
        assert limit.minimum <= value <= limit.maximum


# ---------------------------------------------------------------------------------------------------------------
# CSV files
# ---------------------------------------------------------------------------------------------------------------
csv_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet="01.,-\n\r\" e", max_size=400),
    st.lists(st.lists(st.sampled_from(["0", "1", "0.5", "-1", "", "x", "=cmd|' /C calc'!A0", "nan", "1e400",
                                       "@SUM(A1)", "+1", "\"1\"", "2"]), min_size=1, max_size=5),
             min_size=0, max_size=12).map(lambda rows: "\n".join(",".join(r) for r in rows)),
)
csv_bytes = st.one_of(
    csv_text.map(lambda t: t.encode("utf-8")),
    csv_text.map(lambda t: t.encode("utf-16")),
    csv_text.map(lambda t: t.encode("latin-1", "replace")),
    st.binary(max_size=300),
    csv_text.map(lambda t: b"\xef\xbb\xbf" + t.encode()),
)
target_counts = st.one_of(st.integers(-2, 20), st.floats(), st.text(max_size=3), st.none(), st.booleans())


@FAST
@given(csv_bytes, target_counts)
@example(b"x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n", 1)
@example(b"a,b\n=cmd|' /C calc'!A0,1\n", 1)
@example(b"0\n0", float("inf"))
@example(b'<a href="//h/">x</a>,=y\n0,1\n', 1)
@example(b"x;y\n0;1\n", 1)
def test_load_csv_loads_or_refuses(data, targets):
    table = trains_or_refuses(nnviz.load_csv, data, targets=targets)
    if isinstance(table, nnviz.Table):
        assert table.inputs.shape[0] == table.targets.shape[0] >= 1
        assert np.all(np.isfinite(table.inputs)) and np.all(np.isfinite(table.targets))
        assert_plain_names(table)
    else:
        assert "from 1 to 0" not in str(table)  # one column: says so, not "targets ... from 1 to 0"


@FAST
@given(csv_bytes, st.sampled_from(["classification", "regression", "other", ""]),
       st.one_of(st.floats(), st.just(0.5)), st.one_of(st.integers(-5, 2**40), st.just(0)))
@example(b"x1,x2,label\n0,0,0\n1,1,1\n", "classification", 0.5, 0)
@example(b"x1,x2,label\n0,0,-1\n1,1,1\n", "classification", 0.5, -1)
def test_load_points_csv_loads_or_refuses(data, problem, ratio, seed):
    data_set = trains_or_refuses(datasets.load_points_csv, data, problem, ratio, seed)
    if isinstance(data_set, datasets.Dataset):
        assert data_set.points.shape[1] == 2 and np.all(np.isfinite(data_set.points))


def wide_csv(columns: int) -> bytes:
    return (",".join(f"c{i}" for i in range(columns)) + "\n" + ",".join("1" for _ in range(columns))).encode()


@pytest.mark.parametrize("loader", [nnviz.load_csv, datasets.load_points_csv])
@pytest.mark.parametrize("data", [
    pytest.param(b"x,y\n" + b"1,0\n" * 200_000, id="huge"),
    pytest.param(b"a" * (MAX_CSV_BYTES + 1), id="just-over-limit"),
    pytest.param(wide_csv(40_000)[:MAX_CSV_BYTES], id="tens-of-thousands-of-columns"),
    pytest.param(b"," * 2_000_000, id="millions-of-columns"),
    pytest.param(b"\n" * 100_000, id="only-newlines"),
    pytest.param(bytes(range(256)) * 4, id="binary"),
    pytest.param("x,y\n1,0\n".encode("utf-16"), id="utf-16"),
    pytest.param("é,y\n1,0\n".encode("latin-1"), id="latin-1"),
    pytest.param(b"x,y\n=cmd|' /C calc'!A0,1\n", id="formula"),
    pytest.param(b'x,y\n"1\n2",0\n', id="newline-in-quoted-cell"),
    pytest.param(b'x,y\n"' + b"1" * 100_000, id="unterminated-quote"),
    pytest.param(b"x1,x2,label\n" + b"0,0,0\n1,1,1\n" * 1001, id="too-many-points"),
    pytest.param(b"x1,x2,label\n1e308,1e308,1\n0,0,0\n", id="huge-numbers"),
    pytest.param(b"x1,x2,label\n0,0,1e300\n1,1,0\n", id="huge-label"),
    pytest.param(b"x1,x2,label\n0,0,0.5\n1,1,1\n", id="fractional-label"),
])
def test_loaders_refuse_hostile_files_quickly(loader, data):
    import time
    t0 = time.perf_counter()
    trains_or_refuses(loader, data)
    assert time.perf_counter() - t0 < 2.0


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_load_csv_from_an_endless_device_stops_at_the_limit(device):
    import os
    import time
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    t0 = time.perf_counter()
    error = trains_or_refuses(nnviz.load_csv, device)
    assert isinstance(error, TableError) and f"at most {MAX_CSV_BYTES:,} bytes" in str(error)
    assert time.perf_counter() - t0 < 2.0


def test_load_csv_from_a_missing_path_or_a_directory(tmp_path):
    for source in (tmp_path / "missing.csv", tmp_path, str(tmp_path / "x.csv")):
        assert isinstance(trains_or_refuses(nnviz.load_csv, source), NnvizError)


# ---------------------------------------------------------------------------------------------------------------
# the edited table (what st.data_editor hands the page)
# ---------------------------------------------------------------------------------------------------------------
@FAST
@given(st.lists(st.lists(cells, min_size=3, max_size=3), max_size=6), st.integers(-1, 4))
def test_frame_to_arrays_converts_or_names_the_cell(rows, n_inputs):
    frame = pd.DataFrame(rows, columns=["x1", "x2", "y"], dtype=object)
    result = trains_or_refuses(editing.frame_to_arrays, frame, n_inputs)
    if isinstance(result, NnvizError):
        assert isinstance(result, TableError)


@FAST
@given(st.integers(-3, 15), st.integers(-3, 12), st.integers(1, 4))
def test_resize_keeps_or_refuses(new_in, new_out, rows):
    frame = editing.table_frame(np.zeros((rows, 3)), np.ones((rows, 1)), ["x1", "x2", "x3"], ["y"])
    result = trains_or_refuses(editing.resize, frame, 3, new_in, new_out)
    if isinstance(result, pd.DataFrame):
        assert result.shape == (rows, new_in + new_out)


@FAST
@given(st.sampled_from(list(datasets.GENERATORS) + ["nope", ""]), st.one_of(st.integers(-5, 2500), st.floats()),
       st.one_of(st.floats(), st.floats(0, 0.5)), st.one_of(st.floats(), st.floats(0.1, 0.9)),
       st.one_of(st.integers(-3, 2**40), st.floats(), st.text(max_size=3)), st.integers(-1, 8))
def test_generate_draws_or_refuses(name, points, noise, ratio, seed, classes):
    trains_or_refuses(datasets.generate, name, points, noise, ratio, seed, classes)
