"""The plane page's workload against issue 5's targets, measured in this process.

    python benchmarks/plane.py [--repeats 7]

400 spiral points (10 % noise, half for training), two hidden layers of 8 tanh
units, 1000 updates (100 epochs in batches of 20), 101 boundary frames of
100x100 with the network of neuron maps and the large neuron on the same timeline:
the time to train and build the animated figure, serialized as st.plotly_chart
serializes it (target: at most 1.5 s), and the size of that JSON (target: at most
2 MB). Prints medians (and the slowest) of each step.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import plotly.io as pio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnviz import planeurl, playground  # noqa: E402
from nnviz.figures import plane_figure  # noqa: E402

TIME_TARGET_S = 1.5
SIZE_TARGET_BYTES = 2_000_000
SETTINGS = {**planeurl.DEFAULTS, "dataset": "spiral", "points": 400, "noise": 10, "ratio": 50, "hidden": (8, 8),
            "batch_size": 20, "epochs": 100}


def once() -> dict:
    times = {}
    start = time.perf_counter()
    dataset = playground.dataset_from(SETTINGS)
    config = playground.config_for(SETTINGS, dataset)
    epochs = playground.epoch_schedule(SETTINGS["epochs"])
    features = tuple(SETTINGS["features"])
    run = playground.train_plane(dataset, features, config, epochs)
    times["train (1000 updates, test loss every update)"] = time.perf_counter() - start
    t = time.perf_counter()
    fig = plane_figure(run, dataset, features, config.iterations // SETTINGS["epochs"], show_test=True)
    times["figure (101 frames: boundary, network, large neuron)"] = time.perf_counter() - t
    t = time.perf_counter()
    spec = pio.to_json(fig, validate=False)
    times["serialize (as st.plotly_chart)"] = time.perf_counter() - t
    times["TOTAL train + figure + JSON"] = time.perf_counter() - start
    assert config.iterations == 1000 and len(fig.to_dict()["frames"]) == 101
    return {"times": times, "bytes": len(spec.encode())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    once()  # warm up: imports, compiled training programs
    results = [once() for _ in range(args.repeats)]
    print(f"plane page workload, {args.repeats} repeats: median (slowest)")
    for name in results[0]["times"]:
        values = [r["times"][name] for r in results]
        print(f"  {name:<48} {statistics.median(values) * 1000:8.1f} ms  ({max(values) * 1000:.1f})")
    total = statistics.median(r["times"]["TOTAL train + figure + JSON"] for r in results)
    size = results[0]["bytes"]
    print(f"  {'figure JSON':<48} {size / 1e6:8.2f} MB")
    ok = total <= TIME_TARGET_S and size <= SIZE_TARGET_BYTES
    print(f"targets: time <= {TIME_TARGET_S} s: {'met' if total <= TIME_TARGET_S else 'MISSED'}; "
          f"size <= {SIZE_TARGET_BYTES / 1e6:g} MB: {'met' if size <= SIZE_TARGET_BYTES else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
