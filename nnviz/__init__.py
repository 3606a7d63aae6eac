"""nnviz: the NumPy network of the tutorial, reproduced bit for bit, then generalized.

    >>> import nnviz
    >>> run = nnviz.train(*nnviz.preset("tutorial"))
    >>> run.output.shape
    (4, 1)
"""
from .activations import ACTIVATIONS
from .config import NnvizError, TableError, TrainConfig, make_config
from .limits import LIMITS
from .losses import LOSSES, REGULARIZERS
from .many import SweepRun, train_many
from .optimizers import OPTIMIZERS
from .tables import PRESETS, Table, load_csv, preset
from .training import TrainingRun, train, train_further

__all__ = ["ACTIVATIONS", "LIMITS", "LOSSES", "OPTIMIZERS", "PRESETS", "REGULARIZERS", "NnvizError", "TableError",
           "Table", "TrainConfig", "TrainingRun", "SweepRun", "load_csv", "make_config", "preset", "train",
           "train_further", "train_many"]
