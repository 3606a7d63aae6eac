"""``python -m nnviz``: the tutorial's printout by default, JSON on request, one-line errors."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nnviz
from nnviz.cli import main
from nnviz.export import loss_csv, run_to_dict

REPO = Path(__file__).resolve().parent.parent
KEYS = {"config", "inputs", "targets", "output", "predictions", "loss", "weights", "initial_weights",
        "biases", "initial_biases", "diverged_at", "final_loss", "accuracy", "solved_at",
        "gradient_norms", "snapshot_iterations"}
ADDER_CSV = "a,b,sum,carry\n0,0,0,0\n0,1,1,0\n1,0,1,0\n1,1,0,1\n"


def shape(nested) -> tuple:
    return np.asarray(nested, dtype=float).shape


def cli(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_default_prints_exactly_the_tutorials_output(capsys):
    status, out, err = cli(capsys)
    assert status == 0 and err == ""
    assert out == str(nnviz.train(*nnviz.preset("tutorial")).output) + "\n"
    assert out.startswith("[[0.0") and out.count("\n") == 4


def test_module_entry_point():
    done = subprocess.run([sys.executable, "-m", "nnviz"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == str(nnviz.train(*nnviz.preset("tutorial")).output) + "\n"
    assert done.stderr == ""


def test_module_entry_point_reports_bad_input_in_one_line():
    done = subprocess.run([sys.executable, "-m", "nnviz", "--hidden", "0"], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("nnviz: error: hidden: ") and done.stderr.count("\n") == 1


def test_json_has_every_key_with_the_right_shapes(capsys):
    status, out, _ = cli(capsys, "--json")
    assert status == 0 and out.count("\n") == 1
    data = json.loads(out)
    assert KEYS <= set(data)
    run = nnviz.train(*nnviz.preset("tutorial"))
    assert data["config"] == run.config.as_dict()
    assert shape(data["inputs"]) == (4, 3) and shape(data["targets"]) == (4, 1)
    assert data["output"] == run.output.tolist() and data["predictions"] == run.predictions.tolist()
    assert len(data["loss"]) == 1500 and data["loss"] == run.loss.tolist()
    assert [shape(w) for w in data["weights"]] == [(3, 4), (4, 1)]
    assert [shape(w) for w in data["initial_weights"]] == [(3, 4), (4, 1)]
    assert data["initial_weights"][0] == np.random.RandomState(0).rand(3, 4).tolist()  # the tutorial's draw
    assert data["biases"] is None and data["initial_biases"] is None
    assert data["diverged_at"] is None and data["solved_at"] == run.solved_at
    assert data["accuracy"] == 1.0 and data["final_loss"] == pytest.approx(run.final_loss, rel=1e-15)
    assert shape(data["gradient_norms"]) == (1500, 2)
    assert data["snapshot_iterations"][0] == 0 and data["snapshot_iterations"][-1] == 1500
    assert len(data["snapshot_iterations"]) == 101


def test_json_xor_with_two_hidden_layers_and_biases(capsys):
    status, out, _ = cli(capsys, "--table", "xor", "--hidden", "8,8", "--bias", "--json")
    assert status == 0
    data = json.loads(out)
    assert data["config"]["hidden"] == [8, 8] and data["config"]["bias"] is True
    assert [shape(w) for w in data["weights"]] == [(2, 8), (8, 8), (8, 1)]
    assert [shape(b) for b in data["biases"]] == [(8,), (8,), (1,)]
    assert data["initial_biases"] == [[0.0] * 8, [0.0] * 8, [0.0]]


def test_every_option_reaches_the_config(capsys):
    status, out, _ = cli(capsys, "--table", "and", "--hidden", "", "--iterations", "30", "--activation", "TANH",
                         "--output-activation", "sigmoid", "--loss", "bce", "--learning-rate", "0.5",
                         "--optimizer", "adam", "--batch-size", "2", "--init", "he", "--seed", "9",
                         "--snapshots", "4", "--json")
    assert status == 0
    config = json.loads(out)["config"]
    assert config == nnviz.make_config(hidden=(), iterations=30, activation="tanh", loss="bce",
                                       learning_rate=0.5, optimizer="adam", batch_size=2, init="he",
                                       seed=9, snapshots=4).as_dict()
    assert len(json.loads(out)["snapshot_iterations"]) == 4


def test_csv_file_with_two_targets(tmp_path, capsys):
    path = tmp_path / "adder.csv"
    path.write_text(ADDER_CSV, encoding="utf-8")
    status, out, _ = cli(capsys, "--table", str(path), "--targets", "2", "--hidden", "6", "--json")
    assert status == 0
    data = json.loads(out)
    assert shape(data["inputs"]) == (4, 2) and shape(data["targets"]) == (4, 2)
    assert [shape(w) for w in data["weights"]] == [(2, 6), (6, 2)]
    status, out, _ = cli(capsys, "--table", str(path), "--targets", "2", "--hidden", "6")
    assert status == 0
    assert out == str(nnviz.train(*nnviz.load_csv(path, targets=2), hidden=[6]).output) + "\n"


def test_diverged_run_prints_and_says_so(capsys):
    status, out, err = cli(capsys, "--activation", "linear", "--output-activation", "linear", "--json")
    assert status == 0
    data = json.loads(out)
    assert data["diverged_at"] is not None and data["final_loss"] is None
    assert err == f"nnviz: training diverged at iteration {data['diverged_at']}\n"


def bad_csv(tmp_path) -> str:
    path = tmp_path / "bad.csv"
    path.write_text("x,y\n0,1\n1,oops\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("argv,mentions", [
    (["--table", "nope"], "table: 'nope'"),
    (["--hidden", "8,x"], "hidden: 'x'"),
    (["--hidden", "0"], "hidden: '0'"),
    (["--iterations", "-1"], "iterations: '-1'"),
    (["--iterations", "1e9"], "iterations: '1e9'"),
    (["--learning-rate", "fast"], "learning_rate: 'fast'"),
    (["--seed", "-2"], "seed: '-2'"),
    (["--batch-size", "9"], "batch_size: 9"),
    (["--table", "missing.csv"], "csv: 'missing.csv'"),
    (["--table", "BAD_CSV"], "line 3, column y: 'oops'"),
    (["--table", "BAD_CSV", "--targets", "2"], "targets: 2"),
    (["--table", "xor", "--targets", "2"], "targets: 2"),
    (["--activation", "softmax"], "argument --activation: invalid choice: 'softmax'"),
    (["--targets", "two"], "argument --targets: invalid int value: 'two'"),
    (["--loss", "bce", "--output-activation", "tanh"], "output_activation: 'tanh'"),
    (["--table", "tutorial", "--output-activation", "tanh", "--loss", "mse", "--iterations", "20001"],
     "iterations: '20001'"),
    (["--no-such-flag"], "unrecognized arguments: --no-such-flag"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, monkeypatch, capsys, argv, mentions):
    monkeypatch.chdir(tmp_path)
    argv = [bad_csv(tmp_path) if a == "BAD_CSV" else a for a in argv]
    status, out, err = cli(capsys, *argv)
    assert status == 2 and out == ""
    assert err.startswith("nnviz: error: ") and err.endswith("\n") and err.count("\n") == 1
    assert "Traceback" not in err
    assert mentions in err, err


def test_help_lists_every_registered_name(capsys):
    status, out, _ = cli(capsys, "--help")
    assert status == 0
    for names in (nnviz.ACTIVATIONS, nnviz.LOSSES, nnviz.OPTIMIZERS, nnviz.config.INITS, nnviz.PRESETS):
        for name in names:
            assert name in out


def test_loss_csv():
    run = nnviz.train(*nnviz.preset("tutorial"), iterations=25)
    lines = loss_csv(run).splitlines()
    assert lines[0] == "iteration,loss" and len(lines) == 26
    rows = [line.split(",") for line in lines[1:]]
    assert [int(i) for i, _ in rows] == list(range(25))
    assert [float(v) for _, v in rows] == run.loss.tolist()  # repr: read back bit for bit


def test_run_to_dict_is_strict_json():
    run = nnviz.train(*nnviz.preset("half_adder"), hidden=[3], iterations=10, bias=True)
    data = run_to_dict(run)
    assert json.loads(json.dumps(data, allow_nan=False)) == data


# ---------------------------------------------------------------- hostile numbers and files (issue 14, part 7)
NUMERIC_FLAGS = {  # flag: the data option it needs
    "--points": ["--dataset", "spiral"], "--classes": ["--dataset", "spiral"], "--noise": ["--dataset", "spiral"],
    "--train-ratio": ["--dataset", "spiral"], "--hidden": [], "--iterations": [], "--learning-rate": [],
    "--batch-size": [], "--reg-rate": [], "--seed": [], "--snapshots": [], "--targets": ["--table", "xor"],
}


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "NaN", "1e400", "-1e400", "1e300", "9" * 400, "1e18"])
@pytest.mark.parametrize("flag", list(NUMERIC_FLAGS))
def test_non_finite_and_huge_numbers_exit_2_with_one_line(capsys, flag, value):
    status, out, err = cli(capsys, *NUMERIC_FLAGS[flag], f"{flag}={value}", "--iterations=3"
                           if flag != "--iterations" else "--seed=0")
    assert status == 2 and out == "", (status, err)
    assert err.startswith("nnviz: error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert len(err) < 400


@pytest.mark.parametrize("flag", ["--points", "--classes"])
def test_whole_number_flags_name_what_was_typed(capsys, flag):
    _, _, err = cli(capsys, "--dataset", "spiral", flag, "1e300")
    assert "'1e300' is not allowed; a whole number from" in err


@pytest.mark.parametrize("flag", ["--table", "--dataset"])
def test_a_device_stops_at_the_size_limit(capsys, flag):
    status, _, err = cli(capsys, flag, "/dev/zero")
    assert status == 2 and "at most 262,144 bytes" in err


def _cli_with_timeout(argv, seconds=20):
    """The CLI in a subprocess (a hang must fail the test, not stall it)."""
    return subprocess.run([sys.executable, "-m", "nnviz", *argv], capture_output=True, text=True, timeout=seconds,
                          cwd=REPO)


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("flag", ["--table", "--dataset"])
def test_a_fifo_without_a_writer_does_not_hang(tmp_path, flag):
    import os
    fifo = tmp_path / "table.csv"
    os.mkfifo(fifo)
    done = _cli_with_timeout([flag, str(fifo)])
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("nnviz: error: ") and done.stderr.count("\n") == 1


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no FIFOs here")
def test_a_fifo_with_a_writer_is_read_and_an_endless_one_stops_at_the_limit(tmp_path):
    import os
    import threading
    fifo = tmp_path / "table.csv"
    os.mkfifo(fifo)

    def write(data: bytes, endless: bool = False):
        try:
            with open(fifo, "wb") as f:  # blocks until the reader opens
                f.write(data)
                while endless:
                    f.write(b"0,1\n" * 4096)
        except BrokenPipeError:  # the reader stopped reading: what an endless writer should see
            pass

    writer = threading.Thread(target=write, args=(ADDER_CSV.encode(),), daemon=True)
    writer.start()
    table = nnviz.load_csv(_open_when_writer_waits(fifo, writer), targets=2)
    assert table.inputs.shape == (4, 2) and table.output_names == ("sum", "carry")

    writer = threading.Thread(target=write, args=(b"a,y\n", True), daemon=True)
    writer.start()
    with pytest.raises(nnviz.NnvizError, match="at most 262,144 bytes"):
        nnviz.load_csv(_open_when_writer_waits(fifo, writer))
    writer.join(10)
    assert not writer.is_alive()


def _open_when_writer_waits(fifo, writer):
    """The FIFO's path once the writer thread is blocked opening it (so the reader finds a writer)."""
    import time
    time.sleep(0.2)
    assert writer.is_alive()
    return str(fifo)


def test_stdin_pipe_is_read_up_to_the_limit():
    done = subprocess.run([sys.executable, "-m", "nnviz", "--table", "/dev/stdin", "--targets", "2",
                           "--iterations", "3"], input=ADDER_CSV, capture_output=True, text=True, timeout=60,
                          cwd=REPO)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([sys.executable, "-m", "nnviz", "--table", "/dev/stdin"], input="a,y\n" + "0,1\n" * 70_000,
                          capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.returncode == 2 and "at most 262,144 bytes" in done.stderr


@pytest.mark.parametrize("content,says", [
    ("x1;x2;y\n0;0;0\n0;1;1\n", "separated by semicolons"),
    ("x1\tx2\ty\n0\t0\t0\n", "separated by tabs"),
    ("y\n0\n1\n", "found one column"),
    ("x1;x2;y\n0,5;0;0\n", "separated by semicolons"),  # decimal commas too
])
@pytest.mark.parametrize("flag", ["--table", "--dataset"])
def test_wrong_delimiter_or_one_column_says_what_is_wrong(tmp_path, capsys, content, says, flag):
    path = tmp_path / "t.csv"
    path.write_text(content, encoding="utf-8")
    status, _, err = cli(capsys, flag, str(path))
    assert status == 2 and says in err and "comma-separated" in err, err
    assert "from 1 to 0" not in err
