"""Ready-made lessons: a table or a 2-D dataset, a configuration and a seed, and three texts.

Each scene says what to watch, what to try and what it shows. Every number in those texts is checked against
the engine's run in ``tests/test_scenes.py``; change a text and its test together.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from nnviz.config import NnvizError, TrainConfig, make_config
from nnviz.tables import PRESETS, Table, preset
from nnviz import playground
from nnviz.training import TrainingRun


@dataclass(frozen=True)
class Scene:
    """A lesson on the truth-table page: ``table`` is a preset's name or a :class:`Table` of its own."""

    key: str
    title: str
    table: Union[str, Table]
    options: dict = field(default_factory=dict)
    watch: str = ""
    try_it: str = ""
    shows: str = ""
    based_on: str = "tutorial"  # the preset a table of its own is made from

    @property
    def preset(self) -> str:
        """The preset picker's value."""
        return self.table if isinstance(self.table, str) else self.based_on

    @property
    def config(self) -> TrainConfig:
        return make_config(**self.options)

    def load(self) -> tuple[Table, TrainConfig]:
        return (preset(self.table) if isinstance(self.table, str) else self.table), self.config


@dataclass(frozen=True)
class PlaneScene:
    """A lesson on the 2-D page: ``settings`` change :data:`ui.planeurl.DEFAULTS` (the page's URL fields)."""

    key: str
    title: str
    settings: dict
    watch: str = ""
    try_it: str = ""
    shows: str = ""

    def full_settings(self, **changes) -> dict:
        from .planeurl import DEFAULTS  # planeurl imports urlstate, which imports this module
        return {**DEFAULTS, **self.settings, **changes}

    def run(self, **changes) -> TrainingRun:
        """The page's run for the scene's settings (with ``changes``), every epoch's end a snapshot."""
        from . import planeurl  # planeurl imports urlstate, which imports this module
        settings = self.full_settings(**changes)
        dataset = planeurl.dataset_from(settings)
        config = planeurl.config_for(settings, dataset)
        return playground.train_plane(dataset, settings["features"], config,
                                      playground.epoch_schedule(int(settings["epochs"])))


_TUTORIAL = PRESETS["tutorial"]
TUTORIAL_IN_TENS = Table(_TUTORIAL.inputs * 10, _TUTORIAL.targets, _TUTORIAL.input_names,
                         _TUTORIAL.output_names, "The tutorial's table with 10 for every 1 in the inputs")

SCENES: dict[str, Scene] = {s.key: s for s in (
    Scene("tutorial", "The tutorial itself", "tutorial", {},
          watch="The loss falls from 1.30 to 0.53 by iteration 143, from where every row is right; it ends at "
                "0.0028.",
          try_it="Change the seed: open the Seed sweep, 99 of the 100 seeds 0-99 learn this table.",
          shows="The tutorial's network, bit for bit: 4 sigmoid hidden units, no biases, the sum of squared "
                "errors, learning rate 1, 1500 iterations."),
    Scene("xor_no_hidden", "XOR needs a hidden layer", "xor", {"hidden": [], "bias": True},
          watch="With no hidden layer the output is a sigmoid of one weighted sum of x1 and x2. For XOR it ends "
                "at exactly 0.5 on every row: loss 1, no row right.",
          try_it="Set Hidden layers to 1 and Hidden width to 2: every row is right from iteration 180 on.",
          shows="No straight line puts XOR's two 1s on one side and its two 0s on the other: none of the seeds "
                "0-99 learns it without a hidden layer. A hidden layer bends the boundary."),
    Scene("xor_one_unit", "Too few hidden units: XOR with one", "xor", {"hidden": [1], "bias": True},
          watch="Row (0, 0) is learned, but the other three outputs huddle near 2/3, so row (1, 1) stays wrong.",
          try_it="Set Iterations to 20000: still one row wrong. Set Hidden width to 2: every row is right from "
                 "iteration 180 on.",
          shows="One hidden unit sorts the rows along a single line, and XOR needs two: none of the seeds 0-99 "
                "learns it with one unit, 99 of them with two."),
    Scene("saturation", "Saturation: big inputs flatten the sigmoid", TUTORIAL_IN_TENS, {},
          watch="Open Health: at the start 3 of the 4 hidden units are saturated (flat on every row), from "
                "iteration 60 all 4. On the three rows with a 10 each unit outputs almost exactly 1, so the "
                "network cannot tell them apart: their outputs settle near 2/3 and one row stays wrong.",
          try_it="Load the scene \"The tutorial itself\": the same table with 1 for every 10, and the same "
                 "network and seed learn it, every row right from iteration 143 on.",
          shows="Inputs 10 times larger make the same weighted sums as first-layer weights 10 times larger: far "
                "from 0, where the sigmoid's slope, the factor backprop multiplies by, is nearly 0. Saturated "
                "units stop learning."),
    Scene("rate_too_high", "A learning rate too high diverges", "tutorial",
          {"activation": "tanh", "output_activation": "linear", "learning_rate": 0.5},
          watch="The loss never falls: from the first step it grows, after a dozen steps by a factor of 225 every "
                "iteration, until it is no longer a number (around iteration 130).",
          try_it="Lower the learning rate to 0.1: the same network learns.",
          shows="Each step overshoots: every output jumps to the other side of its target, further from it than "
                "before, where the slope is steeper, so the next step is larger still."),
    Scene("rate_too_low", "A learning rate too low barely moves", "tutorial", {"learning_rate": 0.01},
          watch="The loss falls from 1.30 to 0.996 and stays there: after 1500 iterations every output is still "
                "within 0.02 of 0.5 and row (1, 1, 1) is wrong.",
          try_it="Set Iterations to 20000: every row is right from around iteration 14,000 on. Or set the "
                 "learning rate back to 1: from iteration 143.",
          shows="An SGD step is the learning rate times the gradient: at 0.01, a hundred times smaller than the "
                "tutorial's, 1500 iterations are far too few."),
    Scene("adam_vs_sgd", "Adam wants a small learning rate, SGD a large one", "tutorial",
          {"optimizer": "adam", "learning_rate": 0.01},
          watch="Adam at learning rate 0.01: every row is right from iteration 165 on.",
          try_it="Open A/B and let B change the Optimizer to sgd: at 0.01 SGD does not learn the table in 1500 "
                 "iterations (loss 0.996). Now set the learning rate to 1: SGD learns, and Adam stalls at loss "
                 "0.75 with two rows wrong.",
          shows="Adam divides each step by the gradient's recent size, so its steps are about the learning rate "
                "whatever the gradient: 0.01 is plenty, 1 far too much. SGD's steps are the rate times the "
                "gradient, small here, so it needs a larger rate."),
    Scene("seed_lottery", "The seed lottery", "tutorial", {"hidden": [2]},
          watch="Two hidden units, seed 0: every row is right from iteration 389 on. A lucky seed.",
          try_it="Open the Seed sweep: only 26 of the 100 seeds 0-99 learn this table with 2 hidden units. Set "
                 "Hidden width to 3 and 99 of them do.",
          shows="Whether a small network learns can depend on its starting weights alone. More hidden units "
                "give it more ways to succeed, so more seeds win."),
    Scene("x3_is_a_bias", "The constant third input does the work of a bias", "xor", {"activation": "tanh"},
          watch="The tutorial's table without its x3 column of ones, biases off. On row (0, 0) every tanh unit "
                "gets 0 in and gives 0 out, so the output is stuck at exactly 0.5.",
          try_it="Switch Biases on: every row is right from iteration 97 on. Or go back to the tutorial's table "
                 "(keep tanh): from iteration 33.",
          shows="A unit whose inputs are all 0 can only output its activation of 0 unless something shifts it: "
                "a bias, or a constant input like the tutorial's x3 = 1."),
    Scene("stuck_seed", "The seed that gets stuck", "tutorial", {"seed": 67},
          watch="Of the seeds 0-99 this is the only one where the tutorial's own network does not learn its "
                "table in 1500 iterations: rows (1, 0, 1) and (1, 1, 1) stay within 0.01 of 0.5.",
          try_it="Set Iterations to 3000: it leaves the plateau, every row right from iteration 2608 on.",
          shows="Same maths, unlucky start: a network can sit on a plateau for a long time before it learns."),
)}

ALL_FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1x2", "sin_x1", "sin_x2")

# The 2-D page's lessons: the engine's part (that page does not offer them yet).
PLANE_SCENES: dict[str, PlaneScene] = {s.key: s for s in (
    PlaneScene("l1_sparse", "L1 makes a network sparse",
               {"dataset": "circle", "features": ALL_FEATURES, "hidden": (4, 2), "regularization": "l1",
                "reg_rate": 0.01, "epochs": 300},
               watch="After 300 epochs 24 of the 28 weights from the seven features into the first hidden layer "
                     "are exactly 0, dead for good. The four left come from x1² and x2², and every training and "
                     "test point is right.",
               try_it="Set Regularization to none: none of the 28 is below 0.01, and every feature feeds the "
                      "network.",
               shows="L1, as TensorFlow Playground does it, moves every weight a small step towards 0 after each "
                     "update; a weight that step would carry past 0 is set to exactly 0 and stays there. The "
                     "weights the data does not need die. A circle needs only x1² and x2²."),
    PlaneScene("overfitting", "Few noisy points: overfitting",
               {"dataset": "xor", "points": 40, "noise": 40, "hidden": (8, 8), "learning_rate": 0.1,
                "epochs": 1000, "show_test": True},
               watch="20 noisy training points, two hidden layers of 8: the training loss falls to 0.001 with every "
                     "training point right. The test loss is lowest (0.32) around epoch 190, then climbs to 0.38; "
                     "75% of the test points end right.",
               try_it="Set Points to 200: 86% of the test points end right.",
               shows="A network with many more weights than points learns the noise: its training loss keeps "
                     "falling while the test loss rises. Only the test loss says how well it generalizes."),
)}


def scene(key: str) -> Scene:
    if key not in SCENES:
        raise NnvizError("scene", key, "one of " + ", ".join(SCENES))
    return SCENES[key]


def plane_scene(key: str) -> PlaneScene:
    if key not in PLANE_SCENES:
        raise NnvizError("scene", key, "one of " + ", ".join(PLANE_SCENES))
    return PLANE_SCENES[key]

