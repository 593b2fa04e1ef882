"""A DEAP toolbox wired from a validated run config.

The toolbox holds the population initializer, the batched fitness evaluation, the three
operators (with the budget ``k``, the random generator and the model filled in where the
operator declares them) and ``map``: the builtin ``map``, or ``scoop.futures.map`` when the run
was started under SCOOP (``python -m scoop -n 2 latentga/__main__.py run ...``). Evaluation tasks are chunks
of layouts, so SCOOP's per-task cost is paid per chunk, not per individual.
"""

from __future__ import annotations

import numpy as np
from deap import base

from latentga.errors import ConfigError, DatasetError
from latentga.ga.delta import make_tracker
from latentga.ga.individual import make_individual
from latentga.layouts import check_budget, random_layouts
from operators.base import accepted_keywords, is_batch_capable, needs_conditional
from operators.registry import resolve_operator

__all__ = ["build_toolbox", "evaluate_batch", "parallel_map", "operators_need_model", "resolve_operators"]


def evaluate_batch(simulator, layouts: np.ndarray) -> np.ndarray:
    """Fitness of a chunk of layouts (module level, so SCOOP can send it to workers)."""
    return np.asarray(simulator.evaluate(np.asarray(layouts, dtype=bool)), dtype=np.float64)


def parallel_map():
    """``scoop.futures.map`` when running under SCOOP, else the builtin ``map``."""
    try:
        import scoop
    except ImportError:
        return map
    if getattr(scoop, "IS_RUNNING", False):
        from scoop import futures

        return futures.map
    return map


def resolve_operators(config: dict) -> dict:
    """``{role: function}`` for the config's mate, mutate and select operators."""
    return {role: resolve_operator(config["operators"][role]["name"], role=role,
                                   key=f"operators.{role}.name")
            for role in ("mate", "mutate", "select")}


def operators_need_model(config: dict) -> bool:
    """True when some configured operator takes a ``model`` (vanilla runs then train nothing)."""
    return any("model" in accepted_keywords(f)[0] for f in resolve_operators(config).values())


def _injected(func, role: str, name: str, *, k: int, rng: np.random.Generator, model) -> dict:
    names, _ = accepted_keywords(func)
    out = {}
    if "rng" in names:
        out["rng"] = rng
    if "k" in names and role != "select":  # DEAP selectors use k for "how many to select"
        out["k"] = k
    if "model" in names:
        if model is None:
            raise ConfigError(f"operators.{role}.name = {name} needs a trained model, but none was "
                              "given; run it through `python -m latentga run` (which trains one) "
                              "or pick a model-free operator such as mut_flip / cx_uniform")
        if needs_conditional(func) and not getattr(model, "is_conditional", False):
            raise ConfigError(f"operators.{role}.name = {name} needs a CCVAE (a fitness head); "
                              "set model.kind: ccvae, or use mut_latent_resample with a VAE")
        out["model"] = model
    return out


def _initial_layouts(config: dict, n: int, shape: tuple[int, int], rng: np.random.Generator,
                     dataset) -> np.ndarray:
    init, k = config["ga"]["init"], config["firebreaks"]
    if init == "random":
        return random_layouts(n, shape, k, rng)
    if dataset is None:
        raise ConfigError(f"ga.init = {init} needs the run's dataset; pass it, or set ga.init: random")
    layouts = np.asarray(dataset.layouts, bool)
    if tuple(layouts.shape[1:]) != tuple(shape):
        raise DatasetError(f"the dataset's layouts are {layouts.shape[1:]} but the landscape is {shape}; "
                           "rebuild the dataset for this landscape")
    if init == "dataset_best":
        order = np.argsort(-np.asarray(dataset.fitness), kind="stable")
        idx = np.resize(order, n)
    else:
        idx = rng.choice(len(layouts), size=n, replace=n > len(layouts))
    chosen = layouts[idx]
    check_budget(chosen, k, name="dataset layout")
    return chosen


def build_toolbox(config: dict, simulator, model=None, *, rng: np.random.Generator,
                  dataset=None) -> base.Toolbox:
    """A toolbox for ``config``: ``population(n)``, ``evaluate(chunk)``, ``mate``, ``mutate``,
    ``select``, ``clone``, ``map``; plus attributes ``k`` (budget), ``rng``, ``chunk_size``,
    ``n_fires`` (fires per full evaluation) and ``delta`` (a :class:`~latentga.ga.delta.DeltaTracker`
    when ``ga.delta_evaluation`` is on and the simulator can run single fires, else None).

    Builds nothing random itself: every draw happens later from ``rng`` (so a checkpointed
    generator state resumes exactly).
    """
    k = int(config["firebreaks"])
    shape = tuple(simulator.shape)
    tb = base.Toolbox()
    tb.k, tb.rng, tb.chunk_size, tb.shape = k, rng, int(config["ga"]["chunk_size"]), shape

    def population(n: int) -> list:
        return [make_individual(l) for l in _initial_layouts(config, n, shape, rng, dataset)]

    tb.population = population  # the toolbox stays in the main process; never pickled
    tb.register("evaluate", evaluate_batch, simulator)
    tb.map = parallel_map()
    tb.n_fires = int(getattr(simulator, "n_fires", 0) or (getattr(simulator, "settings", None) or {}).get(
        "n_fires", config["simulator"]["n_fires"]))
    tb.delta = make_tracker(simulator, bool(config["ga"].get("delta_evaluation", True)))
    for role, func in resolve_operators(config).items():
        section = config["operators"][role]
        kwargs = {**section["params"], **_injected(func, role, section["name"], k=k, rng=rng, model=model)}
        tb.register(role, func, **kwargs)
        getattr(tb, role).batch_capable = is_batch_capable(func)
    return tb
