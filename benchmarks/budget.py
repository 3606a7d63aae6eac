"""The slowest request the limits allow (a script, not a test).

    python benchmarks/budget.py [--top 6] [--quick]

Searches the corners of nnviz.limits: for each network shape, activation, optimizer, batch size and
regularization it picks the largest table and iteration count the work budgets allow (MAX_WORK,
MAX_LAYER_STEPS), estimates every candidate's time from a short run, then times the slowest few in full,
together with what the page does with a run (the animated figure, the JSON/CSV/script downloads).
Also: the slowest seed sweep under MAX_SWEEP_WORK and the slowest 2-D request (points + test points +
decision-boundary grid frames). Prints the slowest allowed request; the target is about 2 s of one core.

Single-threaded BLAS (OMP/OPENBLAS_NUM_THREADS=1) so a figure is "one core" (a hosted server runs one
request per core); the script sets it before NumPy loads. Times are the process's CPU time
(time.process_time), so other work on a shared machine does not inflate them much.
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import itertools  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nnviz  # noqa: E402
from nnviz.config import parameter_count, run_work  # noqa: E402
from nnviz.limits import LIMITS, MAX_LAYER_STEPS, MAX_SWEEP_WORK, MAX_WORK, NEURON_WORK, UPDATE_WORK  # noqa: E402

TARGET_S = 2.0
MAX_ROWS = int(LIMITS["rows"].maximum)
MAX_IN = int(LIMITS["inputs"].maximum)
MAX_OUT = int(LIMITS["outputs"].maximum)
MAX_IT = int(LIMITS["iterations"].maximum)


def largest_run(hidden, n_in, n_out, bias, rows):
    """(rows, iterations) the budgets allow for this shape, with rows as given (or fewer), or None."""
    probe = nnviz.make_config(hidden=list(hidden), bias=bias, iterations=1)
    iterations = min(MAX_IT, MAX_WORK // run_work(probe, rows, n_in, n_out), MAX_LAYER_STEPS // (len(hidden) + 1))
    if iterations < 1:
        return None
    return rows, int(iterations)


def table(rows, n_in, n_out, softmax, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, (rows, n_in)).astype(float)
    if softmax:
        y = np.eye(n_out)[rng.integers(0, n_out, rows)]
    else:
        y = rng.integers(0, 2, (rows, n_out)).astype(float)
    return x, y


def candidates(quick=False):
    shapes = [(), (1,), (8,), (64,), (64, 64), (16,) * 6, (1,) * 6, (64,) * 5, (64,) * 6]
    acts = ["sigmoid", "tanh", "relu"] if not quick else ["sigmoid", "relu"]
    opts = ["sgd", "adam"] if not quick else ["adam"]
    batches = [None, 1, 64]
    for hidden, act, opt, batch, reg, rows_choice in itertools.product(
            shapes, acts, opts, batches, ["none", "l1"], ["max_rows", "max_iterations"]):
        for n_out, softmax in ((MAX_OUT, False), (MAX_OUT, True)):
            n_in = MAX_IN
            probe = nnviz.make_config(hidden=list(hidden), bias=True, iterations=1)
            per_row = run_work(probe, 1, n_in, n_out)
            if rows_choice == "max_rows":
                rows = MAX_ROWS
            else:  # as many rows as still allow every iteration
                rows = max(1, min(MAX_ROWS, MAX_WORK // (per_row * min(MAX_IT, MAX_LAYER_STEPS // (len(hidden) + 1)))))
            found = largest_run(hidden, n_in, n_out, True, rows)
            if found is None:
                continue
            rows, iterations = found
            if batch is not None and batch > rows:
                continue
            options = dict(hidden=list(hidden), activation=act, optimizer=opt, bias=True, batch_size=batch,
                           iterations=iterations, regularization=reg, reg_rate=0.001 if reg != "none" else 0.0,
                           learning_rate=0.01, init="xavier")
            if softmax:
                options.update(output_activation="softmax", loss="ce")
            # the per-iteration overhead depends on the optimizer, the batch and the output too
            unit = run_work(nnviz.make_config(**dict(options, iterations=1)), rows, n_in, n_out)
            options["iterations"] = int(min(options["iterations"], MAX_WORK // unit))
            if options["iterations"] < 1:
                continue
            yield rows, n_in, n_out, softmax, options


def time_run(rows, n_in, n_out, softmax, options):
    x, y = table(rows, n_in, n_out, softmax)
    t0 = time.process_time()
    run = nnviz.train(x, y, **options)
    return time.process_time() - t0, run


def time_page(run):
    """What the page does with a run besides training: the animated figure and the three downloads."""
    import json

    from nnviz.export import loss_csv, run_to_dict
    from nnviz.figures import training_figure
    from nnviz.script import export_script
    t0 = time.process_time()
    try:
        fig = training_figure(run)
    except Exception as error:  # noqa: BLE001 - a figure bug is reported, the timing goes on
        print(f"    (training_figure failed: {type(error).__name__}: {str(error).strip().splitlines()[0]})")
        fig = None
    t1 = time.process_time()
    json.dumps(run_to_dict(run)), loss_csv(run), export_script(run.inputs, run.targets, run.config)
    t2 = time.process_time()
    size = len(fig.to_json()) if fig is not None else 0
    return t1 - t0, t2 - t1, size


def describe(rows, n_in, n_out, options):
    h = "x".join(map(str, options["hidden"])) or "none"
    return (f"rows {rows}, {n_in}->{h}->{n_out}, {options.get('output_activation', 'sigmoid')}, "
            f"{options['activation']}, {options['optimizer']}, batch {options['batch_size']}, "
            f"{options['regularization']}, {options['iterations']} it")


def search_single(top, quick):
    """Estimate every candidate from a 1/20-length run, then time the slowest `top` in full."""
    estimates = []
    for rows, n_in, n_out, softmax, options in candidates(quick):
        short = dict(options, iterations=max(1, options["iterations"] // 20))
        seconds, _ = time_run(rows, n_in, n_out, softmax, short)
        estimates.append((seconds * options["iterations"] / short["iterations"], rows, n_in, n_out, softmax,
                          options))
    estimates.sort(key=lambda e: -e[0])
    print(f"single runs: {len(estimates)} corners estimated; the slowest {top} in full:")
    worst = 0.0
    for est, rows, n_in, n_out, softmax, options in estimates[:top]:
        seconds, run = time_run(rows, n_in, n_out, softmax, options)
        fig_s, dl_s, size = time_page(run)
        total = seconds + fig_s + dl_s
        worst = max(worst, total)
        print(f"  {total:5.2f} s = train {seconds:5.2f} + figure {fig_s:4.2f} + downloads {dl_s:4.2f} "
              f"(est. {est:4.2f}; figure {size / 1e6:.2f} MB)  {describe(rows, n_in, n_out, options)}")
    return worst


def search_sweep():
    """Seed sweeps: the page's sweep is seeds 0..networks-1 of the page's configuration."""
    worst = 0.0
    print(f"seed sweeps under MAX_SWEEP_WORK = {MAX_SWEEP_WORK:,}:")
    for hidden, networks, rows, act in [((4,), 1000, 4, "sigmoid"), ((2,), 1000, 4, "tanh"),
                                        ((64,), 100, 4, "sigmoid"), ((8,), 1000, 16, "sigmoid"),
                                        ((64, 64), 10, 8, "tanh"), ((1,) * 6, 1000, 4, "sigmoid"),
                                        ((4,), 1, 1024, "sigmoid"), ((1,) * 6, 1, 4, "adam batch 1"),
                                        ((64,), 148, 1024, "tanh")]:
        # "adam batch 1": the sweep (6x1, Adam, batch 1: 5.1 s at 20,000 iterations before the overhead
        # term)
        config = (nnviz.make_config(hidden=list(hidden), optimizer="adam", batch_size=1) if act == "adam batch 1"
                  else nnviz.make_config(hidden=list(hidden), activation=act))
        params = parameter_count(config, 3, 1)
        iterations = min(MAX_IT, MAX_SWEEP_WORK // (networks * rows * params),
                         MAX_LAYER_STEPS // (len(hidden) + 1))
        from nnviz.budget import sweep_cost  # and the sweep's own budget: overhead per iteration, memory
        while iterations > 1 and sweep_cost(config.replace(iterations=int(iterations)), networks, rows, 3, 1
                                            ).work > MAX_WORK:
            iterations = int(iterations * 0.98)
        x, y = table(rows, 3, 1, False)
        try:
            nnviz.config.check_fit(config.replace(iterations=max(1, int(iterations))), x, y)
        except nnviz.NnvizError:
            continue
        if iterations < 1:
            continue
        t0 = time.process_time()
        try:
            nnviz.train_many(x, y, networks=networks, config=config.replace(iterations=int(iterations)))
        except nnviz.NnvizError as error:  # the sweep's own budget (overhead, memory) refused it before the work
            print(f"  refused: {networks} networks x rows {rows} x hidden {hidden} x {iterations} it: "
                  f"{str(error)[:90]}")
            continue
        seconds = time.process_time() - t0
        worst = max(worst, seconds)
        print(f"  {seconds:5.2f} s  {networks} networks x rows {rows} x hidden {hidden} x {iterations} it ({act})")
    return worst


def search_plane():
    """The 2-D page: train points, test points evaluated every iteration, boundary frames on a 100x100 grid."""
    from nnviz import datasets, plane
    worst = 0.0
    print("2-D requests (train + test every iteration + decision-boundary frames):")
    points = int(LIMITS["points"].maximum)
    for hidden, feats, frames in [((8, 8), datasets.FEATURES, 101), ((64,), ("x1", "x2"), 101),
                                  ((64, 64), tuple(datasets.FEATURES), 101), ((64,) * 6, tuple(datasets.FEATURES), 101)]:
        data = datasets.generate("spiral", points=points, noise=0.2, seed=1)
        x, y, tx, ty = data.split(list(feats))
        options = datasets.default_options(data.problem, data.classes)
        options.update(hidden=list(hidden), batch_size=None)
        config = nnviz.make_config(**options, iterations=1)
        params = parameter_count(config, x.shape[1], y.shape[1])
        # the test rows are evaluated every iteration too: train() budgets them with the training rows
        iterations = min(MAX_IT, MAX_WORK // run_work(config, x.shape[0] + tx.shape[0], x.shape[1], y.shape[1]),
                         MAX_LAYER_STEPS // (len(hidden) + 1))
        config = config.replace(iterations=int(iterations), snapshots=frames)
        t0 = time.process_time()
        run = nnviz.train(x, y, config, test_inputs=tx, test_targets=ty)
        t1 = time.process_time()
        plane.boundary(run, list(feats), range(len(run.snapshot_iterations)))
        t2 = time.process_time()
        total = t2 - t0
        worst = max(worst, total)
        print(f"  {total:5.2f} s = train {t1 - t0:5.2f} + {len(run.snapshot_iterations)} grid frames {t2 - t1:5.2f} "
              f" {x.shape[0]}+{tx.shape[0]} points, {x.shape[1]} features, hidden {hidden}, {iterations} it, "
              f"{params} parameters")
    return worst


def _cpu(job, repeats=3) -> float:
    """Median CPU seconds of ``job()``."""
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        job()
        times.append(time.process_time() - t0)
    return float(np.median(times))


def measure_scheduled_parts():
    """The parts of a run that records on a schedule (the plane page), each timed alone, against the work
    units nnviz.config.scheduled_work gives them: an update (per weight layer, and per row x parameter), a
    record over all training and test rows, a boundary frame over the grid. Prints ns per unit: the
    constants in nnviz.limits should keep every part at about UNIT_NS or less."""
    from nnviz import datasets, plane
    from nnviz.config import scheduled_work
    from nnviz.limits import GRID_CELLS, UNIT_NS
    print(f"parts of a run recording on a schedule, CPU ns per work unit (budget assumes {UNIT_NS} ns):")
    shapes = [((8, 8), 10, ("x1", "x2")), ((1,) * 6, 1, ("x1", "x2")), ((8,) * 6, 100, tuple(datasets.FEATURES)),
              ((8,) * 6, 1, tuple(datasets.FEATURES)), ((1,), 1, ("x1", "x2")), ((64, 64), 100, tuple(datasets.FEATURES)),
              ((64,) * 6, 1, tuple(datasets.FEATURES))]
    data = datasets.generate("spiral", points=1000, noise=0.2, seed=1)
    for hidden, batch, feats in shapes:
        x, y, tx, ty = data.split(list(feats))
        options = {**datasets.default_options(data.problem, data.classes), "hidden": list(hidden),
                   "batch_size": batch, "snapshots": 2}
        probe = nnviz.make_config(**options, iterations=1, record_every=2)
        updates = min(2000, nnviz.config.most_iterations(probe, x.shape[0], x.shape[1], y.shape[1], tx.shape[0], 2))

        def run(every):
            config = nnviz.make_config(**options, iterations=updates, record_every=every)
            return nnviz.train(x, y, config, test_inputs=tx, test_targets=ty)

        quiet = _cpu(lambda: run(updates))
        loud = _cpu(lambda: run(10))
        trained = run(10)
        config = trained.config
        layers = len(hidden) + 1
        per_update = scheduled_work(config.replace(record_every=updates), x.shape[0], x.shape[1], y.shape[1],
                                    tx.shape[0], frames=0, records=0)
        per_record = (scheduled_work(config, x.shape[0], x.shape[1], y.shape[1], tx.shape[0], frames=0, records=1)
                      - scheduled_work(config, x.shape[0], x.shape[1], y.shape[1], tx.shape[0], frames=0,
                                       records=0))
        records = len(trained.loss_iterations) - 2
        frame_s = _cpu(lambda: plane.boundary(trained, list(feats), [0, 1] * 10)) / 20
        frame_units = (scheduled_work(config, 1, x.shape[1], y.shape[1], 0, frames=1, records=0)
                       - scheduled_work(config, 1, x.shape[1], y.shape[1], 0, frames=0, records=0))
        print(f"  hidden {hidden}, batch {batch}, {x.shape[1]} features, {layers} layers: "
              f"update {quiet * 1e9 / per_update:5.2f} ns/unit, "
              f"record ({x.shape[0]}+{tx.shape[0]} rows) {(loud - quiet) / records * 1e9 / per_record:5.2f} ns/unit, "
              f"frame ({GRID_CELLS} cells) {frame_s * 1e9 / frame_units:5.2f} ns/unit")


def _peak_mb(job) -> float:
    """Peak memory (MB) that ``job()`` allocates, by tracemalloc (NumPy reports its buffers to it)."""
    import tracemalloc
    tracemalloc.start()
    try:
        job()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _largest(options, rows, n_in, n_out):
    """``options`` with the most iterations the run budget allows for this table (at most the limit)."""
    from nnviz.config import check_fit
    x, y = table(rows, n_in, n_out, options.get("loss") == "ce")
    low, high = 1, MAX_IT
    while low < high:
        middle = (low + high + 1) // 2
        try:
            check_fit(nnviz.make_config(**options, iterations=middle), x, y)
            low = middle
        except nnviz.NnvizError:
            high = middle - 1
    return dict(options, iterations=low), x, y


PANEL_CORNERS = [  # (description, options, rows, inputs, outputs): the panels' worst cases are big tables
    ("1024 rows, 10->64x64->8", dict(hidden=[64, 64], bias=True, init="xavier", learning_rate=0.1), 1024, 10, 8),
    ("1024 rows, 10->64x6->8", dict(hidden=[64] * 6, bias=True, init="xavier", learning_rate=0.01), 1024, 10, 8),
    ("1024 rows, 10->8x6->8 relu adam batch 1", dict(hidden=[8] * 6, bias=True, init="he", activation="relu",
                                                    optimizer="adam", batch_size=1, learning_rate=0.01), 1024, 10, 8),
    ("94 rows, 10->1x6->8 softmax adam batch 1", dict(hidden=[1] * 6, bias=True, optimizer="adam", batch_size=1,
                                                      output_activation="softmax", loss="ce", learning_rate=0.01),
     94, 10, 8),
    ("4 rows, 3->64x6->1", dict(hidden=[64] * 6, bias=True, init="xavier", learning_rate=0.1), 4, 3, 1),
    ("4 rows, 3->1x6->1 adam batch 1", dict(hidden=[1] * 6, bias=True, optimizer="adam", batch_size=1), 4, 3, 1),
]


def search_panels(quick=False):
    """Every kind of request of page 1, at the corners of its limits: the largest run the budget allows on
    each shape, then each panel on it (its widest allowed setting). CPU seconds (one run) and peak MB (a
    second run under tracemalloc). A refusal is a request that did no work: it is listed, not timed."""
    import json

    from nnviz import budget, diagnostics
    from nnviz.explain import explain, latex
    from nnviz.export import loss_csv, run_to_dict
    from nnviz.figures import (gradient_check_figure, health_figure, hidden_units_figure, training_figure,
                               weight_change_figure)
    from nnviz.script import export_script
    worst: dict[str, tuple[float, float, str]] = {}
    corners = PANEL_CORNERS[:3] if quick else PANEL_CORNERS
    print("panels at the corners (CPU s, peak MB):")
    for label, options, rows, n_in, n_out in corners:
        options, x, y = _largest(options, rows, n_in, n_out)
        config = nnviz.make_config(**options)
        run = nnviz.train(x, y, config)
        last = len(run.snapshot_iterations) - 1

        def first_load():
            r = nnviz.train(x, y, config)
            training_figure(r)
            json.dumps(run_to_dict(r)), loss_csv(r), export_script(x, y, r.config)

        def further():
            half = nnviz.train(x, y, config.replace(iterations=max(1, config.iterations // 2)))
            nnviz.train_further(half, config.iterations - half.iterations)

        def stepping():
            t = config.iterations
            budget.check(budget.run_cost(config.replace(iterations=t), rows, n_in, n_out), "stepping", "-")
            r = nnviz.train(x, y, config.replace(iterations=t), snapshot_iterations=(t - 1, t))
            weight_change_figure(r, r.parameters[0], r.parameters[-1])

        def gradcheck():
            budget.check(diagnostics.gradient_check_cost(run), "check", "-")
            gradient_check_figure(diagnostics.gradient_check(run, last), run)

        def health():
            budget.check(diagnostics.health_cost(run), "health", "-")
            diagnostics.health_notes(run)
            health_figure(run, diagnostics.saturation(run))

        def hidden():
            hidden_units_figure(run, last, len(config.hidden) - 1)

        def live_math():
            latex(explain(run, last, rows - 1))

        def ab():
            b = config.replace(hidden=[64] * len(config.hidden))
            budget.check(budget.run_cost(b, rows, n_in, n_out), "B", "-")
            nnviz.train(x, y, b)

        def sweep():
            most = budget._most_networks(config, 1000, rows, n_in, n_out) or [1]
            budget.check_sweep(config, most[0], rows, n_in, n_out)
            nnviz.train_many(x, y, networks=most[0], config=config)

        print(f"  {label}, {config.iterations:,} iterations:")
        for kind, job in [("first load", first_load), ("train further", further), ("stepping", stepping),
                          ("gradient check", gradcheck), ("health", health), ("hidden units", hidden),
                          ("live math", live_math), ("A/B", ab), ("seed sweep", sweep)]:
            try:
                t0 = time.process_time()
                job()
                seconds = time.process_time() - t0
            except nnviz.NnvizError as error:
                print(f"    {kind:15s} refused before the work: {str(error)[:110]}")
                continue
            peak = _peak_mb(job)
            print(f"    {kind:15s} {seconds:5.2f} s {peak:6.0f} MB")
            if seconds > worst.get(kind, (0, 0, ""))[0] or peak > worst.get(kind, (0, 0, ""))[1]:
                old = worst.get(kind, (0.0, 0.0, ""))
                worst[kind] = (max(seconds, old[0]), max(peak, old[1]), label if seconds >= old[0] else old[2])
    print("slowest allowed request of each kind (CPU s of one core, peak MB):")
    for kind, (seconds, peak, label) in worst.items():
        print(f"  {kind:15s} {seconds:5.2f} s {peak:6.0f} MB  ({label})")
    return max(seconds for seconds, _, _ in worst.values())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--top", type=int, default=6, help="full runs of the slowest estimated corners")
    ap.add_argument("--quick", action="store_true", help="fewer corners (sigmoid/relu, adam only)")
    ap.add_argument("--skip", default="", help="comma list of parts to skip: single,sweep,plane,panels")
    ap.add_argument("--parts", action="store_true",
                    help="only time the parts of a run recording on a schedule against their work units")
    args = ap.parse_args(argv)
    if args.parts:
        measure_scheduled_parts()
        return 0
    skip = set(filter(None, args.skip.split(",")))
    print(f"budgets: MAX_WORK {MAX_WORK:,} (NEURON_WORK {NEURON_WORK}, UPDATE_WORK {UPDATE_WORK}), MAX_LAYER_STEPS {MAX_LAYER_STEPS:,}, MAX_SWEEP_WORK {MAX_SWEEP_WORK:,};"
          f" one BLAS thread")
    results = {}
    if "single" not in skip:
        results["single run + page"] = search_single(args.top, args.quick)
    if "sweep" not in skip:
        results["seed sweep"] = search_sweep()
    if "plane" not in skip:
        results["2-D request"] = search_plane()
    if "panels" not in skip:
        results["panels"] = search_panels(args.quick)
    name, worst = max(results.items(), key=lambda kv: kv[1])
    print(f"slowest allowed request: {worst:.2f} s ({name}) "
          f"[{'OK ' if worst <= TARGET_S else 'OVER'} target <= {TARGET_S} s of one core]")
    return 0 if worst <= TARGET_S * 1.25 else 1


if __name__ == "__main__":
    sys.exit(main())
