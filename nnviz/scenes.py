"""Ready-made lessons: a table, a configuration and a seed, and what to watch."""
from __future__ import annotations

from dataclasses import dataclass, field

from .config import NnvizError, TrainConfig, make_config
from .tables import Table, preset


@dataclass(frozen=True)
class Scene:
    key: str
    title: str
    table: str  # a preset name
    options: dict = field(default_factory=dict)
    watch: str = ""

    @property
    def config(self) -> TrainConfig:
        return make_config(**self.options)

    def load(self) -> tuple[Table, TrainConfig]:
        return preset(self.table), self.config


SCENES: dict[str, Scene] = {s.key: s for s in (
    Scene("tutorial", "The tutorial itself", "tutorial", {},
          "The tutorial's network, bit for bit. Watch the loss sit on a plateau, then drop around iteration "
          "150 as the hidden units split the rows between them."),
    Scene("xor_one_unit", "XOR with one hidden unit fails", "xor", {"hidden": [1]},
          "One hidden unit draws one line, and XOR needs two. The outputs huddle near 0.5 and two rows stay "
          "wrong however long you train. Set the hidden width to 2 and play again."),
    Scene("rate_too_high", "A learning rate too high diverges", "tutorial",
          {"activation": "tanh", "output_activation": "linear", "learning_rate": 0.5},
          "Each step overshoots further than the last, until the loss explodes (around iteration 130). "
          "Lower the learning rate to 0.1: the same network learns."),
    Scene("x3_is_a_bias", "The constant third input does the work of a bias", "xor", {"activation": "tanh"},
          "The tutorial's table without its x3 column of ones, biases off. On row (0, 0) every tanh unit gets "
          "0 in and gives 0 out, so the output is stuck at exactly 0.5. Switch Biases on, or go back to the "
          "tutorial's table, and row (0, 0) learns."),
    Scene("stuck_seed", "The seed that gets stuck", "tutorial", {"seed": 67},
          "Of seeds 0-99, this is the one where the tutorial's own network does not learn its table in 1500 "
          "iterations: two rows stay at 0.5. Same maths, unlucky start. Try more iterations or another seed."),
)}


def scene(key: str) -> Scene:
    if key not in SCENES:
        raise NnvizError("scene", key, "one of " + ", ".join(SCENES))
    return SCENES[key]

