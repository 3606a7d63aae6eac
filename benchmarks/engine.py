"""Engine speed against the tutorial's own loop, measured in this process.

    python benchmarks/engine.py [--repeats 21]

Prints the median time of each workload and its ratio to the tutorial's loop
(a plain copy of the tutorial's code, 1500 iterations on its table), measured
interleaved so that machine noise hits all of them alike. Targets on the
project's 2-core machines: the default run (recording on) at most 0.45x the
tutorial, 100 networks at once at most 1.5x (issue 13); the app's seed sweep (100 networks x
1500 iterations and its figure) at most 1 s.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import nnviz  # noqa: E402
from nnviz.figures import sweep_figure  # noqa: E402
from tutorial_reference import X, tutorial_run, y  # noqa: E402


SWEEP_PAGE = "seed sweep: 100 x 1500 + its figure"
SWEEP_TARGET_S = 1.0  # the app's seed sweep panel, on the project's 2-core machines


def workloads():
    table = nnviz.preset("tutorial")
    return {
        "tutorial loop (reference)": lambda: tutorial_run(0),
        "nnviz.train, defaults, recording on": lambda: nnviz.train(X, y, seed=0),
        "nnviz.train_many, 100 networks": lambda: nnviz.train_many(*table, networks=100),
        "nnviz.train, hidden 8,8 + biases + adam": lambda: nnviz.train(
            X, y, hidden=[8, 8], bias=True, optimizer="adam", learning_rate=0.05),
        "nnviz.train, batch size 2": lambda: nnviz.train(X, y, batch_size=2),
        SWEEP_PAGE: lambda: sweep_figure(nnviz.train_many(*table, networks=100, iterations=1500)),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21)
    args = parser.parse_args(argv)
    jobs = workloads()
    # Bit-identity first: a fast wrong answer is no answer.
    nn, run = tutorial_run(0), nnviz.train(X, y, seed=0)
    identical = all(np.array_equal(a, b) for a, b in
                    [(nn.output, run.output), (nn.weights1, run.weights[0]), (nn.weights2, run.weights[1])])
    for job in jobs.values():  # warm up: imports, caches, BLAS threads
        job()
    times = {name: [] for name in jobs}
    for _ in range(args.repeats):
        for name, job in jobs.items():
            start = time.perf_counter()
            job()
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["tutorial loop (reference)"])
    print(f"numpy {np.__version__}; {args.repeats} interleaved repeats; medians")
    print(f"{'workload':44s} {'median ms':>10s} {'vs tutorial':>12s}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:44s} {median * 1e3:10.2f} {median / base:11.2f}x")
    default = statistics.median(times["nnviz.train, defaults, recording on"]) / base
    sweep = statistics.median(times["nnviz.train_many, 100 networks"]) / base
    print(f"\nbit-identical to the tutorial: {identical}")
    print(f"default run: {default:.2f}x the tutorial (target <= 0.45x): {'ok' if default <= 0.45 else 'MISSED'}")
    print(f"100 networks: {sweep:.2f}x one tutorial run (target <= 1.5x): {'ok' if sweep <= 1.5 else 'MISSED'}")
    page = statistics.median(times[SWEEP_PAGE])
    print(f"seed sweep panel (100 networks x 1500 iterations + figure): {page:.3f} s (target <= {SWEEP_TARGET_S:g} s):"
          f" {'ok' if page <= SWEEP_TARGET_S else 'MISSED'}")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
