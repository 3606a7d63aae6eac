"""Panels that compare runs, or change the page's run: seed sweep, A/B comparison, scenes."""
from __future__ import annotations


import numpy as np
import streamlit as st

import nnviz
from nnviz import budget
from . import editing, page, urlstate
from nnviz.figures import compare_figure, presenter_style, sweep_figure
from ui.scenes import SCENES

from .cache import byte_cache
from .chart import STATIC_CONFIG, plotly_chart
from .common import View, cached_train, chart, config_json, ss
from .page import config_from

MAX_SEED_BUTTONS = 30


# ---------------------------------------------------------------- seed sweep

@byte_cache(show_spinner="Training the networks…")
def cached_sweep(config_text: str, inputs: np.ndarray, targets: np.ndarray, networks: int) -> nnviz.SweepRun:
    """``networks`` networks of one configuration, seeds 0 to networks - 1, in one vectorized pass."""
    return nnviz.train_many(inputs, targets, networks=networks, config=config_from(config_text))


@byte_cache(show_spinner=False)
def cached_sweep_figure(config_text: str, inputs, targets, networks: int, seed: int, presenter: bool):
    fig = sweep_figure(cached_sweep(config_text, inputs, targets, networks), seed)
    return presenter_style(fig) if presenter else fig


def sweep_config(view: View) -> str:
    """The page's configuration from seed 0: the sweep does not move when a seed is loaded from it."""
    return config_json(view.config.replace(seed=0))


def _load_seed(seed: int) -> None:
    ss.seed = seed
    ss.rerun_app = True


def seed_sweep(view: View) -> None:
    limit = nnviz.LIMITS["networks"]
    ask, _ = st.columns([1, 3])
    networks = int(ask.number_input("Networks", int(limit.minimum), int(limit.maximum), value=int(limit.default),
                                    step=10, key="sweep_networks",
                                    help="Seeds 0, 1, 2, ...: the same configuration from other starting weights"))
    text = sweep_config(view)
    budget.check_sweep(view.config, networks, *view.inputs.shape, view.targets.shape[1])  # before the work
    sweep = cached_sweep(text, view.inputs, view.targets, networks)
    learned = int(np.count_nonzero(sweep.learned))
    finals = sweep.final_loss
    a, b, c = st.columns(3)
    a.metric("Learned the table", f"{sweep.fraction_learned:.0%}", help=f"{learned} of {networks} networks "
             "get every row right and do not diverge")
    b.metric("Median final loss", f"{np.nanmedian(finals):.3g}" if np.isfinite(finals).any() else "NaN")
    c.metric("Diverged", f"{int(np.count_nonzero(sweep.diverged_at >= 0))}")
    fig = cached_sweep_figure(text, view.inputs, view.targets, networks, view.config.seed, view.presenter)
    plotly_chart(fig, "sweep_chart", STATIC_CONFIG)
    failed = sweep.failed_seeds
    if not failed:
        st.success(f"Every one of the {networks} networks learned the table.")
        return
    st.markdown(f"**{len(failed)} {'seed' if len(failed) == 1 else 'seeds'} failed.** "
                "Click one to load it into the main view:")
    shown = failed[:MAX_SEED_BUTTONS]
    with st.container(key="failed_seeds", horizontal=True, gap="small"):
        for seed in shown:
            st.button(str(seed), key=f"failed_seed_{seed}", on_click=_load_seed, args=(seed,),
                      type="primary" if seed == view.config.seed else "secondary",
                      help=f"Show seed {seed} in the main view")
    if len(failed) > len(shown):
        st.caption(f"… and {len(failed) - len(shown)} more: {', '.join(map(str, failed[len(shown):]))}")


# ---------------------------------------------------------------- A/B

# What B may change: settings of the page (ui.urlstate.FIELDS), shown by their labels; B's widget is the
# setting's own (bounds, options), its value changes A's settings, and the configuration follows from them.
AB_SETTINGS = ("hidden_width", "activation", "learning_rate", "optimizer", "bias")
AB_FIELDS = tuple(urlstate.FIELDS_BY_NAME[name].label for name in AB_SETTINGS)
_AB_BY_LABEL = dict(zip(AB_FIELDS, AB_SETTINGS))


def _b_default(field: str, config: nnviz.TrainConfig):
    width = config.hidden[0] if config.hidden else 4
    return {"Hidden width": 2 if width != 2 else 4,
            "Activation": "tanh" if config.activation != "tanh" else "sigmoid",
            "Learning rate": config.learning_rate / 10,
            "Optimizer": "adam" if config.optimizer != "adam" else "sgd",
            "Biases": not config.bias}[field]


def b_config(config: nnviz.TrainConfig, field: str, value) -> nnviz.TrainConfig:
    """A's configuration with the setting labelled ``field`` changed (B's width gives a network with no hidden
    layer one)."""
    name = _AB_BY_LABEL[field]
    settings = {**urlstate.settings_of(config), name: value}
    if name == "hidden_width":
        settings["hidden_layers"] = max(1, settings["hidden_layers"])
    return config.replace(**{option: value for option, value in urlstate.config_of(settings).as_dict().items()
                             if option in ("hidden", "activation", "learning_rate", "optimizer", "bias")})


def describe(config: nnviz.TrainConfig, field: str) -> str:
    if field == "Hidden width":
        return f"hidden {'×'.join(map(str, config.hidden)) or 'none'}"
    return {"Activation": f"{config.activation}", "Learning rate": f"learning rate {config.learning_rate:g}",
            "Optimizer": config.optimizer, "Biases": "biases on" if config.bias else "biases off"}[field]


def ab_comparison(view: View) -> None:
    config = view.config
    what, value_col = st.columns([1, 1])
    field = what.selectbox("What B changes", AB_FIELDS, key="ab_field")
    key = "ab_" + field.lower().replace(" ", "_")
    ss.setdefault(key, _b_default(field, config))
    setting = urlstate.FIELDS_BY_NAME[_AB_BY_LABEL[field]]
    value = page.draw(setting, value_col, key, label=f"B: {field.lower()}", help=None)
    config_b = b_config(config, field, value)
    run_a = view.run
    budget.check(budget.run_cost(config_b, *view.inputs.shape, view.targets.shape[1]), "Training B",
                 f"B's {field.lower()}, or the page's iterations, widths or rows")
    run_b = cached_train(config_json(config_b), view.inputs, view.targets)
    label_a, label_b = f"A: {describe(config, field)}", f"B: {describe(config_b, field)}"
    chart(compare_figure(run_a, run_b, label_a, label_b), view, "ab_chart")
    for column, run, label, key in zip(st.columns(2), (run_a, run_b), (label_a, label_b), ("ab_a", "ab_b")):
        with column.container(key=key):
            solved = "never solved" if run.solved_at is None else f"solved at iteration {run.solved_at}"
            if run.diverged_at is not None:
                solved = f"diverged at iteration {run.diverged_at}"
            st.markdown(f"**{label}** · final loss {run.final_loss:.3g} · {solved}")
            st.dataframe(editing.prediction_frame(run.inputs, run.targets, run.predictions, view.input_names,
                                                  view.output_names), hide_index=True, width="stretch")


# ---------------------------------------------------------------- scenes

def _load_scene(key: str, load_table) -> None:
    lesson = SCENES[key]
    table, config = lesson.load()
    load_table(table, lesson.preset)
    ss.update(urlstate.settings_of(config))
    ss.scene = key  # in the link as scene=<key>
    ss.rerun_app = True


def scenes(view: View) -> None:
    st.markdown("Ready-made lessons: each sets the table, the network and the seed, and says what to watch, "
                "what to try and what it shows.")
    if ss.get("scene") in SCENES and "scene_pick" not in ss:  # the panel opens on the scene loaded last
        ss.scene_pick = ss.scene
    pick, go = st.columns([3, 1], vertical_alignment="bottom")
    key = pick.selectbox("Scene", list(SCENES), format_func=lambda k: SCENES[k].title, key="scene_pick")
    go.button("Load this scene", key="scene_load", type="primary", on_click=_load_scene,
              args=(key, view.load_table), width="stretch")
    lesson = SCENES[key]
    with st.container(key="scene_texts"):
        loaded = " · loaded" if ss.get("scene") == key else ""
        st.markdown(f"**{lesson.title}**{loaded}")
        st.info(f"**What to watch:** {lesson.watch}", icon=":material/visibility:")
        st.markdown(f"**Try:** {lesson.try_it}")
        st.markdown(f"**What it shows:** {lesson.shows}")
