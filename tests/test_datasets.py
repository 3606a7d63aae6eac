"""2-D datasets, features, points from CSV, decision boundaries, and the CLI's dataset mode."""
import json

import numpy as np
import pytest

import nnviz
from nnviz import datasets
from nnviz.cli import main
from nnviz.plane import boundary, grid_points, neuron_maps, quantize

NAMES = list(datasets.GENERATORS)


@pytest.mark.parametrize("name", NAMES)
def test_datasets_are_deterministic_for_a_seed(name):
    a, b = datasets.generate(name, 300, 0.2, seed=5), datasets.generate(name, 300, 0.2, seed=5)
    c = datasets.generate(name, 300, 0.2, seed=6)
    np.testing.assert_array_equal(a.points, b.points)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(a.train, b.train)
    assert not np.array_equal(a.points, c.points)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("ratio", [0.1, 0.5, 0.9])
def test_dataset_shapes_labels_and_split(name, ratio):
    d = datasets.generate(name, 200, 0.1, ratio, seed=1)
    assert d.points.shape == (200, 2) and d.labels.shape == (200,)
    assert np.abs(d.points).max() <= 6.5
    assert d.train.sum() == round(200 * ratio)
    if name in datasets.REGRESSION:
        assert d.problem == "regression" and -1 <= d.labels.min() and d.labels.max() <= 1
        assert d.labels.std() > 0.1
    else:
        assert d.problem == "classification" and set(np.unique(d.labels)) == {0.0, 1.0}


def test_noiseless_labels_follow_the_rule():
    circle = datasets.generate("circle", 400, 0.0, seed=2)
    np.testing.assert_array_equal(circle.labels, np.hypot(*circle.points.T) < 2.5)
    xor = datasets.generate("xor", 400, 0.0, seed=2)
    np.testing.assert_array_equal(xor.labels, xor.points[:, 0] * xor.points[:, 1] >= 0)
    plane = datasets.generate("plane", 400, 0.0, seed=2)
    np.testing.assert_allclose(plane.labels, np.clip(plane.points.sum(axis=1) / 10, -1, 1))


def test_more_noise_mixes_the_classes():
    def mixed(noise):
        d = datasets.generate("circle", 1000, noise, seed=3)
        return np.mean(d.labels != (np.hypot(*d.points.T) < 2.5))
    assert mixed(0.0) == 0 < mixed(0.2) < mixed(0.5)


@pytest.mark.parametrize("name", ["gauss", "spiral"])
def test_three_or_more_classes_give_one_hot_targets(name):
    d = datasets.generate(name, 300, 0.0, classes=4, seed=0)
    assert set(np.unique(d.labels)) == {0, 1, 2, 3}
    y = d.targets()
    assert y.shape == (300, 4) and np.all(y.sum(axis=1) == 1)
    assert datasets.default_options("classification", 4)["output_activation"] == "softmax"


def test_features_change_the_input_width_and_values():
    d = datasets.generate("circle", 50, seed=0)
    x = d.inputs(["x1", "x2", "x1^2", "x2^2", "x1x2", "sin_x1", "sin_x2"])
    p1, p2 = d.points.T
    np.testing.assert_allclose(x, np.column_stack([p1, p2, p1 ** 2, p2 ** 2, p1 * p2, np.sin(p1), np.sin(p2)]))
    assert d.inputs(["x1^2"]).shape == (50, 1)
    run_a = nnviz.train(*d.split(["x1", "x2"])[:2], iterations=5)
    run_b = nnviz.train(*d.split(["x1", "x2", "x1^2", "x2^2"])[:2], iterations=5)
    assert run_a.weights[0].shape[0] == 2 and run_b.weights[0].shape[0] == 4


@pytest.mark.parametrize("bad", [[], ["x3"], ["x1", "x1"], "x1,,", "sin"])
def test_bad_features(bad):
    with pytest.raises(nnviz.NnvizError, match="features"):
        datasets.check_features(bad)


@pytest.mark.parametrize("kwargs, field", [
    (dict(name="moons"), "dataset"), (dict(points=5), "points"), (dict(points=10**6), "points"),
    (dict(noise=0.6), "noise"), (dict(noise=-0.1), "noise"), (dict(train_ratio=0.95), "train_ratio"),
    (dict(name="circle", classes=3), "classes"), (dict(name="spiral", classes=9), "classes"),
])
def test_dataset_limits(kwargs, field):
    with pytest.raises(nnviz.NnvizError) as error:
        datasets.generate(**{"name": "spiral", **kwargs})
    assert error.value.field == field


def test_spiral_is_learned_by_two_layers_of_eight_tanh_units():
    d = datasets.generate("spiral", 400, 0.1, 0.5, seed=0)
    x, y, xt, yt = d.split(["x1", "x2"])
    run = nnviz.train(x, y, test_inputs=xt, test_targets=yt, hidden=[8, 8], activation="tanh", bias=True,
                      init="xavier", optimizer="adam", learning_rate=0.03, loss="bce", iterations=2000)
    assert run.test_accuracy >= 0.9
    assert run.test_loss.shape == run.loss.shape == (2000,)
    assert run.test_loss[-1] < run.test_loss[0]


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_regularization_shrinks_weights(kind):
    d = datasets.generate("gauss", 200, 0.3, seed=1)
    x, y, _, _ = d.split(["x1", "x2", "x1^2", "x2^2", "x1x2"])
    options = dict(hidden=[8], activation="tanh", bias=True, init="xavier", learning_rate=0.1, loss="bce",
                   iterations=1500)
    size = lambda run: sum(np.abs(w).sum() for w in run.weights)  # noqa: E731
    plain = nnviz.train(x, y, **options)
    regular = nnviz.train(x, y, regularization=kind, reg_rate=0.01, **options)
    assert size(regular) < 0.8 * size(plain)
    if kind == "l1":  # l1 drives weights to (nearly) zero
        assert np.mean(np.abs(np.concatenate([w.ravel() for w in regular.weights])) < 0.01) > 0.2


def test_points_from_csv():
    d = datasets.load_points_csv(b"x1,x2,label\n0,1,0\n1,0,1\n2,2,2\n-1,-1,0\n", train_ratio=0.5)
    assert d.classes == 3 and d.targets().shape == (4, 3) and d.train.sum() == 2
    pm = datasets.load_points_csv(b"x1,x2,label\n0,1,-1\n1,0,1\n2,2,1\n")
    assert list(pm.labels) == [0, 1, 1] and pm.classes == 2
    reg = datasets.load_points_csv(b"a,b,c\n0,1,0.5\n1,0,-0.25\n3,3,1\n", problem="regression")
    assert reg.problem == "regression" and reg.targets().shape == (3, 1)


@pytest.mark.parametrize("data, says", [
    (b"x1,x2,label\n0,1,0\n", "non-empty lines"),
    (b"x1,x2,label\n0,1\n1,1,1\n", "3 cells"),
    (b"x1,x2,label\n0,a,1\n1,1,1\n", "numbers only"),
    (b"x1,x2,label\n0,1,0.5\n1,1,1\n", "class labels"),
    (b"x1,x2,label\n0,1,9\n1,1,1\n", "classes"),
    (b"x1,x2,label\n0,nan,1\n1,1,1\n", "finite"),
    (b"\x00\x01\x02", "binary"),
    (b"x1,x2,label\n" + b"0,1,1\n" * 3000, "points"),
    (b"x1,x2,label\n" + b"0,1,1," * 100000, "bytes"),
])
def test_bad_points_csv(data, says):
    with pytest.raises(nnviz.TableError, match=says):
        datasets.load_points_csv(data)


def test_decision_boundary_is_the_networks_output_over_the_grid():
    d = datasets.generate("circle", 200, 0.0, seed=0)
    x, y, _, _ = d.split(["x1", "x2", "x1^2", "x2^2"])
    run = nnviz.train(x, y, hidden=[4], activation="tanh", bias=True, init="xavier", loss="bce",
                      learning_rate=0.3, iterations=300, snapshots=11)
    frames = boundary(run, ["x1", "x2", "x1^2", "x2^2"], range(11), size=30)
    assert frames.shape == (11, 30, 30) and frames.dtype == np.float32
    axis, points = grid_points(30)
    from nnviz.program import forward_many
    outputs, _ = forward_many(run.layout, run.activations, nnviz.LOSSES["bce"], run.parameters[5],
                              datasets.feature_matrix(points, ["x1", "x2", "x1^2", "x2^2"]), np.zeros((900, 1)))
    np.testing.assert_allclose(frames[5].ravel(), outputs[0][:, 0], atol=1e-5)
    assert not np.allclose(frames[0], frames[-1])  # it learns: the picture changes
    maps = neuron_maps(run, ["x1", "x2", "x1^2", "x2^2"], size=20)
    assert [m.shape for m in maps] == [(4, 20, 20), (1, 20, 20)]
    np.testing.assert_allclose(maps[-1][0], boundary(run, ["x1", "x2", "x1^2", "x2^2"], [-1], size=20)[0])
    q = quantize(frames, 0.0, 1.0)
    assert q.dtype == np.uint8 and q.min() >= 0 and q.max() <= 255


def test_cli_dataset_json_has_train_and_test_losses(capsys):
    assert main(["--dataset", "circle", "--points", "100", "--noise", "10", "--train-ratio", "60",
                 "--features", "x1,x2,x1^2,x2^2", "--regularization", "l2", "--reg-rate", "0.001",
                 "--batch-size", "10", "--iterations", "300", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    # once an epoch (60 training points in batches of 10: 6 updates), at every snapshot and at the end
    assert len(record["train_loss"]) == len(record["test_loss"]) == len(record["loss_iterations"])
    assert set(range(0, 301, 6)) <= set(record["loss_iterations"]) and record["loss_iterations"][-1] == 300
    assert "every 6 updates" in record["losses_recorded"] and record["config"]["record_every"] == 6
    assert "batch_loss" not in record
    assert 0 <= record["test_accuracy"] <= 1 and len(record["test_inputs"]) == 40
    assert record["config"]["regularization"] == "l2" and record["config"]["loss"] == "mse"
    assert len(record["weights"][0]) == 4  # four features in
    assert main(["--dataset", "circle", "--points", "100", "--iterations", "30", "--batch-loss", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert len(record["batch_loss"]) == 30 and "own mini-batch" in record["losses_recorded"]


def test_cli_regression_dataset(capsys):
    assert main(["--dataset", "multigauss", "--problem", "regression", "--iterations", "50", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["test_accuracy"] is None and record["config"]["output_activation"] == "linear"


def test_cli_runs_tf_playgrounds_longest_spiral_and_says_what_the_losses_are(capsys):
    argv = ["--dataset", "spiral", "--points", "500", "--train-ratio", "50", "--hidden", "8,8",
            "--activation", "tanh", "--batch-size", "10", "--learning-rate", "0.03", "--epochs", "1000",
            "--snapshots", "2", "--json"]
    assert main(argv) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["config"]["iterations"] == 25_000 and record["config"]["record_every"] == 25
    assert record["loss_iterations"] == list(range(0, 25_001, 25))  # 1,001 losses, one an epoch
    assert "every 25 updates" in record["losses_recorded"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out) == record  # the same numbers every time for a seed


@pytest.mark.parametrize("argv, says", [
    (["--dataset", "xor", "--epochs", "3", "--iterations", "30"], "epochs"),
    (["--table", "xor", "--epochs", "3"], "epochs"), (["--table", "xor", "--batch-loss"], "batch_loss"),
    (["--dataset", "moons"], "dataset"), (["--dataset", "xor", "--noise", "70"], "noise"),
    (["--dataset", "xor", "--train-ratio", "95"], "train_ratio"), (["--dataset", "xor", "--features", "x9"], "features"),
    (["--dataset", "plane", "--problem", "classification"], "problem"),
    (["--dataset", "xor", "--table", "xor"], "not allowed with"), (["--dataset", "xor", "--script"], "script"),
])
def test_cli_dataset_errors(argv, says, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1
