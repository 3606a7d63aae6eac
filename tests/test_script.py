"""Export as a script: a standalone NumPy file that prints what `python -m nnviz` prints, bit for bit."""
import ast
import subprocess
import sys

import pytest

import nnviz
from nnviz.cli import main
from nnviz.script import export_script

CASES = {
    "the tutorial": [],
    "other seed and width": ["--seed", "7", "--hidden", "6"],
    "two layers, biases, tanh, adam": ["--hidden", "3,3", "--bias", "--activation", "tanh", "--optimizer", "adam",
                                       "--learning-rate", "0.1"],
    "mini-batches, momentum, mse": ["--batch-size", "3", "--optimizer", "momentum", "--learning-rate", "0.5",
                                    "--loss", "mse", "--table", "half_adder"],
    "bce, xavier, relu": ["--loss", "bce", "--init", "xavier", "--activation", "relu", "--learning-rate", "0.5",
                          "--table", "xor", "--bias"],
    "no hidden layer, he init, linear output": ["--hidden", "", "--init", "he", "--output-activation", "linear",
                                                "--learning-rate", "0.05", "--table", "and", "--bias"],
    "a run that diverges": ["--activation", "linear", "--output-activation", "linear"],
    "full adder, 3 layers": ["--table", "full_adder", "--hidden", "5,4,3", "--iterations", "700"],
}


def nnviz_prints(args, capsys) -> str:
    assert main(args) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("args", CASES.values(), ids=CASES.keys())
def test_exported_script_prints_what_nnviz_prints(args, capsys, tmp_path):
    expected = nnviz_prints(args, capsys)
    assert main([*args, "--script"]) == 0
    source = capsys.readouterr().out
    path = tmp_path / "exported.py"
    path.write_text(source)
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected


def test_the_default_script_is_the_tutorials_code():
    source = export_script(*nnviz.preset("tutorial"))
    for line in ["return 1.0/(1+ np.exp(-x))", "return x * (1.0 - x)",
                 "self.layer1 = sigmoid(np.dot(self.input, self.weights1))",
                 "self.output = sigmoid(np.dot(self.layer1, self.weights2))",
                 "self.weights1 += d_weights1", "np.random.seed(seed)", "self.weights1   = np.random.rand(3,4)",
                 "print(nn.output)"]:
        assert line in source


@pytest.mark.parametrize("args", CASES.values(), ids=CASES.keys())
def test_script_needs_only_numpy(args, capsys):
    assert main([*args, "--script"]) == 0
    tree = ast.parse(capsys.readouterr().out)
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in node.names}
    assert imported == {"numpy"}


def test_script_and_json_are_exclusive(capsys):
    assert main(["--script", "--json"]) == 2
    assert "not allowed with" in capsys.readouterr().err
