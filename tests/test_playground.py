"""The 2-D playground's pure parts: the URL field table, settings -> dataset/config/epochs, weight editing."""
from __future__ import annotations

import numpy as np
import pytest

import nnviz
from nnviz import plane, playground
from ui import planeurl
from nnviz.playground import FEATURE_LABELS


def test_link_round_trip_keeps_every_field():
    settings = {**planeurl.DEFAULTS, "dataset": "spiral", "classes": 4, "points": 330, "noise": 25, "ratio": 70,
                "data_seed": 99, "features": ("x1", "sin_x2", "x1x2"), "hidden": (8, 3, 1), "activation": "relu",
                "learning_rate": 0.003, "regularization": "l2", "reg_rate": 0.01, "batch_size": 17, "epochs": 40,
                "seed": 12345, "discretize": True, "show_test": True, "hide": ("dataset", "features")}
    parsed, notices = planeurl.parse(planeurl.serialize(settings))
    assert notices == [] and parsed == settings


def test_no_hidden_layer_travels_as_none():
    params = planeurl.serialize({**planeurl.DEFAULTS, "hidden": ()})
    assert params["hidden"] == "none" and "hide" not in params
    assert planeurl.parse(params)[0]["hidden"] == ()


@pytest.mark.parametrize("name, value", [("dataset", "moons"), ("noise", "60"), ("ratio", "5"), ("points", "3"),
                                         ("features", "x1,x3"), ("hidden", "9,2"), ("hidden", "1,1,1,1,1,1,1"),
                                         ("learning_rate", "0.05"), ("reg_rate", "abc"), ("activation", "softmax"),
                                         ("batch_size", "0"), ("epochs", "1e9"), ("seed", "-1"), ("discretize", "maybe")])
def test_bad_values_fall_back_to_defaults_with_a_notice(name, value):
    settings, notices = planeurl.parse({name: value, "noise": "20"} if name != "noise" else {name: value})
    assert settings[name] == planeurl.DEFAULTS[name]
    assert len(notices) == 1 and notices[0].startswith(f"{name}=")
    if name != "noise":
        assert settings["noise"] == 20  # the rest of the link still counts


def test_hide_keeps_known_names_and_reports_the_rest():
    settings, notices = planeurl.parse({"hide": "dataset,bogus,noise,dataset"})
    assert settings["hide"] == ("dataset", "noise")
    assert len(notices) == 1 and "bogus" in notices[0]


def test_the_other_pages_parameters_are_ignored_quietly():
    settings, notices = planeurl.parse({"preset": "xor", "table": "0,0:1", "hidden_width": "3", "wat": "1"})
    assert notices == ["wat=1 (unknown setting)"] and settings == planeurl.DEFAULTS


def test_config_follows_the_dataset_and_counts_epochs():
    settings = {**planeurl.DEFAULTS, "points": 200, "ratio": 50, "batch_size": 7, "epochs": 3}
    dataset = planeurl.dataset_from(settings)
    config = planeurl.config_for(settings, dataset)
    assert config.iterations == 3 * 15  # ceil(100 training points / 7)
    # two classes: TF Playground's tanh output with the square loss, and its L1
    assert config.output_activation == "tanh" and config.loss == "mse" and config.hidden == (4, 2) and config.l1_clip
    multi = planeurl.config_for({**settings, "dataset": "spiral", "classes": 3},
                                  planeurl.dataset_from({**settings, "dataset": "spiral", "classes": 3}))
    assert multi.output_activation == "softmax" and multi.loss == "ce"
    regression = planeurl.config_for({**settings, "dataset": "plane"},
                                       planeurl.dataset_from({**settings, "dataset": "plane"}))
    assert regression.output_activation == "linear" and regression.loss == "mse"
    # classes only apply where the generator takes them
    assert planeurl.dataset_from({**settings, "dataset": "circle", "classes": 5}).classes == 2
    big = planeurl.config_for({**settings, "batch_size": 100}, dataset)
    assert big.batch_size is None and big.iterations == 3  # a batch of every training point


def test_too_many_epochs_or_points_is_an_error_naming_the_setting():
    settings = {**planeurl.DEFAULTS, "points": 2000, "ratio": 50, "batch_size": 1, "epochs": 100}
    with pytest.raises(nnviz.NnvizError, match=r"epochs: 100 is not allowed; at most \d+ epochs for this data"):
        planeurl.config_for(settings, planeurl.dataset_from(settings))
    settings.update(ratio=90, epochs=1)
    with pytest.raises(nnviz.NnvizError, match="points: 2000 is not allowed; at most 1024 training"):
        planeurl.config_for(settings, planeurl.dataset_from(settings))


@pytest.mark.parametrize("extra", [
    {"hidden": (8,) * 6, "batch_size": 1},
    {"points": 2000, "ratio": 50, "batch_size": 1, "hidden": (8, 8)},
    {"points": 1130, "ratio": 90, "batch_size": 1, "hidden": (8,) * 6, "features": tuple(FEATURE_LABELS)},
    {"points": 1130, "ratio": 10, "batch_size": 100, "hidden": (8,) * 6, "features": tuple(FEATURE_LABELS)},
    {"points": 1000, "batch_size": 50, "hidden": (8, 8, 8)},
    {"points": 20, "ratio": 10, "batch_size": 1, "hidden": ()},
    {"points": 20, "ratio": 90, "batch_size": 100, "hidden": (1,)},
    {"dataset": "spiral", "classes": 6, "points": 2000, "ratio": 50, "batch_size": 1, "hidden": (8,) * 6,
     "features": tuple(FEATURE_LABELS)},
    {"dataset": "multigauss", "points": 2000, "ratio": 50, "batch_size": 3, "hidden": (8,) * 6},
    {"dataset": "spiral", "points": 500, "ratio": 50, "batch_size": 10, "hidden": (8, 8)},  # TF Playground's
])
def test_advice_and_refusal_agree_at_the_corners(extra):
    """The page's "at most N epochs", its refusal and the engine's own check are one computation: N epochs
    pass both, N + 1 are refused naming N, and N is never 0 nor above what the engine accepts."""
    settings = {**planeurl.DEFAULTS, **extra, "epochs": 1}
    dataset = planeurl.dataset_from(settings)
    one = planeurl.config_for(settings, dataset)
    x, y, tx, ty = dataset.split(settings["features"])
    updates = one.iterations
    most = playground.most_epochs(one, len(x), len(tx), x.shape[1], y.shape[1], updates)
    assert 1 <= most <= playground.MAX_EPOCHS
    config = planeurl.config_for({**settings, "epochs": most}, dataset)
    assert config.iterations == most * updates and config.record_every == updates
    for shown in (most, most // 3):  # what train() checks for the frames the page asks for
        frames = len(playground.epoch_schedule(most, [shown]))
        nnviz.config.check_fit(config, x, y, len(tx), frames)
    if most < playground.MAX_EPOCHS:
        with pytest.raises(nnviz.NnvizError, match=f"at most {most} epochs"):
            planeurl.config_for({**settings, "epochs": most + 1}, dataset)


def test_tf_playgrounds_longest_runs_are_accepted():
    """Spiral, 500 points, half for training, 8,8 tanh, batch 10: 2,000 epochs (50,000 updates) fit."""
    settings = {**planeurl.DEFAULTS, "dataset": "spiral", "points": 500, "ratio": 50, "hidden": (8, 8),
                "batch_size": 10, "learning_rate": 0.03, "epochs": playground.MAX_EPOCHS}
    config = planeurl.config_for(settings, planeurl.dataset_from(settings))
    assert config.iterations == 50_000 and config.record_every == 25


def test_epoch_schedule_every_epoch_or_evenly_spaced_plus_the_one_shown():
    assert playground.epoch_schedule(5) == (0, 1, 2, 3, 4, 5)
    long = playground.epoch_schedule(1000)
    assert len(long) == 101 and long[0] == 0 and long[-1] == 1000
    assert 7 in playground.epoch_schedule(1000, [7]) and len(playground.epoch_schedule(1000, [7])) == 102


def test_training_is_deterministic_and_snapshots_fall_on_epochs():
    settings = {**planeurl.DEFAULTS, "points": 100, "epochs": 6}
    dataset = planeurl.dataset_from(settings)
    config = planeurl.config_for(settings, dataset)
    a = playground.train_plane(dataset, ("x1", "x2"), config, playground.epoch_schedule(6))
    b = playground.train_plane(dataset, ("x1", "x2"), config, (0, 3, 6))
    per = config.iterations // 6
    assert list(a.snapshot_iterations) == [e * per for e in range(7)]
    np.testing.assert_array_equal(a.parameters[[0, 3, 6]], b.parameters)  # reset/step: bit-identical
    assert a.test_loss.shape == a.loss.shape == (7,)  # once an epoch, the last included
    assert list(a.loss_iterations) == [e * per for e in range(7)]


def test_parameter_names_and_editing():
    settings = {**planeurl.DEFAULTS, "points": 100, "epochs": 2}
    dataset = planeurl.dataset_from(settings)
    run = playground.train_plane(dataset, ("x1", "x2"), planeurl.config_for(settings, dataset), (0, 1, 2))
    names = playground.parameter_names(run, [["x1", "x2"], ["a", "b", "c", "d"], ["e", "f"], ["y"]])
    assert len(names) == run.layout.size and names[0] == "x1 → a" and names[1] == "x1 → b"
    assert names[run.layout.bias_slices[0].start] == "bias → a" and names[-1] == "bias → y"
    theta = run.parameters[-1]
    changed = playground.edited(theta, 3, 2.5)
    assert changed[3] == 2.5 and theta[3] != 2.5 and np.count_nonzero(changed != theta) == 1
    assert not np.array_equal(plane.boundary_of(run, ("x1", "x2"), changed), plane.boundary(run, ("x1", "x2"), [-1]))
    np.testing.assert_array_equal(plane.boundary_of(run, ("x1", "x2"), theta), plane.boundary(run, ("x1", "x2"), [-1]))
    with pytest.raises(nnviz.NnvizError):
        playground.edited(theta, run.layout.size, 1.0)
    with pytest.raises(nnviz.NnvizError):
        playground.edited(theta, 0, float("nan"))
    train_loss, test_loss = playground.losses_of(run, theta)
    assert train_loss == pytest.approx(run.final_loss, rel=1e-9) and test_loss > 0
    maps = plane.neuron_maps(run, ("x1", "x2"), size=20, parameters=changed)
    assert [m.shape for m in maps] == [(4, 20, 20), (2, 20, 20), (1, 20, 20)]


def test_a_run_that_diverges_still_has_a_snapshot_for_every_epoch_drawn():
    """The page picks a snapshot by its epoch's place in the schedule: after the divergence, the last state."""
    settings = {**planeurl.DEFAULTS, "dataset": "plane", "learning_rate": 10.0, "activation": "relu", "epochs": 100}
    dataset = planeurl.dataset_from(settings)
    config = planeurl.config_for(settings, dataset)
    epochs = playground.epoch_schedule(100)
    run = playground.train_plane(dataset, ("x1", "x2"), config, epochs)
    assert run.diverged_at is not None and run.diverged_at < config.iterations
    assert len(run.snapshot_iterations) == len(run.parameters) == len(run.test_output_snapshots) == len(epochs)
    after = np.asarray(epochs) * (config.iterations // 100) >= run.diverged_at
    assert np.all(run.snapshot_iterations[after] == run.diverged_at)
    np.testing.assert_array_equal(run.parameters[after], np.repeat(run.parameters[-1:], after.sum(), axis=0))


def test_advice_and_refusal_agree_over_a_sweep_of_the_limits():
    """Every combination of the page's extremes: the advice is 1 to MAX_EPOCHS and is exactly what passes."""
    import itertools
    checked = 0
    for points, ratio, batch, hidden, features, (name, classes) in itertools.product(
            (20, 500, 2000), (10, 50, 90), (1, 10, 100), ((), (1,), (8,) * 6), (("x1",), tuple(FEATURE_LABELS)),
            (("circle", 2), ("spiral", 6), ("plane", 2))):
        settings = {**planeurl.DEFAULTS, "dataset": name, "classes": classes, "points": points, "ratio": ratio,
                    "batch_size": batch, "hidden": hidden, "features": features, "epochs": 1}
        dataset = planeurl.dataset_from(settings)
        if max(np.count_nonzero(dataset.train), np.count_nonzero(~dataset.train)) > 1024:
            continue  # refused for its points, whatever the epochs
        one = planeurl.config_for(settings, dataset)
        x, y, tx, ty = dataset.split(features)
        most = playground.most_epochs(one, len(x), len(tx), x.shape[1], y.shape[1], one.iterations)
        assert 1 <= most <= playground.MAX_EPOCHS
        config = planeurl.config_for({**settings, "epochs": most}, dataset)
        nnviz.config.check_fit(config, x, y, len(tx), playground.MOST_FRAMES)
        if most < playground.MAX_EPOCHS:
            with pytest.raises(nnviz.NnvizError, match=f"at most {most} epochs"):
                planeurl.config_for({**settings, "epochs": most + 1}, dataset)
        checked += 1
    assert checked > 250
