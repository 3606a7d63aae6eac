""""Train further" against training the longer run from scratch, measured in this process.

    python benchmarks/further.py [--repeats 5]

Three workloads: the tutorial (1500 iterations, then +500), the plane page's default circle (100 epochs of 20
updates, then +100 epochs) and its spiral workload of benchmarks/plane.py (8x8 tanh, 100 epochs, then +100).
For each: the time of nnviz.train_further on the finished run and of the longer run from scratch (the fastest of
the repeats, wall time: the machine is shared, the fastest is the least disturbed), and the bytes a cache keeps
for the state that going on needs.
"""
from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nnviz  # noqa: E402
from nnviz import playground  # noqa: E402
from ui import planeurl  # noqa: E402


def timed(work, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def tutorial(repeats: int) -> tuple[str, float, float, int]:
    table = nnviz.preset("tutorial")
    run = nnviz.train(*table)
    going_on = timed(lambda: nnviz.train_further(run, 500), repeats)
    scratch = timed(lambda: nnviz.train(*table, iterations=2000), repeats)
    return "tutorial 1500 + 500 iterations", going_on, scratch, len(pickle.dumps(run._state))


def plane(name: str, settings: dict, repeats: int) -> tuple[str, float, float, int]:
    dataset = planeurl.dataset_from(settings)
    config = planeurl.config_for(settings, dataset)
    updates = config.iterations // settings["epochs"]
    features = tuple(settings["features"])
    run = playground.train_plane(dataset, features, config, playground.epoch_schedule(settings["epochs"]))
    total = settings["epochs"] + 100
    drawn = playground.further_epochs(run, updates, total)
    longer = config.replace(iterations=total * updates)
    going_on = timed(lambda: playground.train_plane_further(run, updates, drawn), repeats)
    scratch = timed(lambda: playground.train_plane(dataset, features, longer, playground.epoch_schedule(total)),
                    repeats)
    return f"{name} {settings['epochs']} + 100 epochs", going_on, scratch, len(pickle.dumps(run._state))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    spiral = {**planeurl.DEFAULTS, "dataset": "spiral", "points": 400, "noise": 10, "hidden": (8, 8),
              "batch_size": 20, "epochs": 100}
    rows = [tutorial(repeats), plane("plane, circle", dict(planeurl.DEFAULTS), repeats),
            plane("plane, spiral 8x8", spiral, repeats)]
    print(f"{'workload':<36} {'further':>10} {'scratch':>10} {'state kept':>12}")
    for name, going_on, scratch, state in rows:
        print(f"{name:<36} {going_on * 1000:>8.1f}ms {scratch * 1000:>8.1f}ms {state:>10,} B")


if __name__ == "__main__":
    main()
