"""``run_ga``: one GA run from a validated config, checkpointed every generation."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np
from deap import tools

from latentga.errors import CheckpointError
from latentga.ga import checkpoint as ckpt
from latentga.ga.delta import unpack_records
from latentga.ga.loop import evaluate_invalid, new_logbook, record, run_generations
from latentga.ga.toolbox import build_toolbox

__all__ = ["run_ga", "CHECKPOINT_NAME", "print_progress"]

CHECKPOINT_NAME = "checkpoint.pkl"


def print_progress(entry: dict, ngen: int, stream=None) -> None:
    """One line per generation: best so far, population statistics, simulator work, time."""
    print(f"gen {entry['gen']:>3}/{ngen}  best {entry['best_so_far']:.4f}  max {entry['max']:.4f}  "
          f"avg {entry['avg']:.4f}  std {entry['std']:.4f}  nevals {entry['nevals']:>3}  "
          f"sim calls {entry['sim_calls']:>5}  fires {entry['fires']:>7}  {entry['time']:.2f}s",
          file=stream or sys.stdout, flush=True)


def _fires_per_call(simulator, config: dict) -> int:
    settings = getattr(simulator, "settings", None) or {}
    return int(settings.get("n_fires", config["simulator"]["n_fires"]))


def run_ga(config: dict, simulator, model=None, out_dir: str | os.PathLike | None = ".",
           resume: bool = False, progress: bool = True, dataset=None,
           on_generation: Callable[[int, list, tools.HallOfFame], None] | None = None,
           ) -> tuple[list, tools.Logbook, tools.HallOfFame]:
    """Run (or, with ``resume``, continue) the GA of ``config``; returns (population, logbook, hof).

    ``out_dir/checkpoint.pkl`` is rewritten atomically after every generation (``out_dir=None``:
    no checkpoints, e.g. for many short runs in a comparison). A resumed run ends with the same
    population, logbook (except timings) and hall of fame as an uninterrupted one. ``dataset``
    is needed only for ``ga.init: dataset | dataset_best``. ``on_generation(gen, population,
    hof)`` is called after every generation, including generation 0. With ``ga.delta_evaluation``
    (and a built-in simulator) children are scored from their parents' fire records: the same
    fitness, fewer fires simulated (the logbook's ``fires``; ``fires_full`` is the full cost).
    """
    if out_dir is None and resume:
        raise CheckpointError("resume needs the folder of the run's checkpoint; give out_dir")
    path = Path(out_dir) / CHECKPOINT_NAME if out_dir is not None else None
    ga = config["ga"]
    ngen = int(ga["generations"])
    rng = np.random.default_rng(int(config["seed"]))
    toolbox = build_toolbox(config, simulator, model, rng=rng, dataset=dataset)
    fires = _fires_per_call(simulator, config)
    show = (lambda entry: print_progress(entry, ngen)) if progress else None

    def save(gen: int, population: list) -> None:
        if path is not None:
            ckpt.save_checkpoint(path, config=config, generation=gen, population=population, hof=hof,
                                 logbook=logbook, cache=cache, rng=rng,
                                 records=toolbox.delta.records if toolbox.delta is not None else None)
        if on_generation is not None:
            on_generation(gen, population, hof)

    if resume:
        state = ckpt.load_checkpoint(path, config)
        rng.bit_generator.state = state["rng_state"]
        population = ckpt.restore_population(state)
        hof = ckpt.restore_hall_of_fame(state, int(ga["hof_size"]))
        logbook, cache = state["logbook"], dict(state["cache"])
        if toolbox.delta is not None:  # none stored (delta was off): those parents' children run fully
            toolbox.delta.records = unpack_records(state.get("records"), toolbox.delta.evaluator)
        start = int(state["generation"]) + 1
        if progress:
            print(f"resuming {path} after generation {state['generation']}", flush=True)
    else:
        t0 = time.perf_counter()
        population = toolbox.population(int(ga["population"]))
        hof = tools.HallOfFame(int(ga["hof_size"]), similar=np.array_equal)
        logbook, cache = new_logbook(), {}
        nevals, calls = evaluate_invalid(population, toolbox, cache)
        hof.update(population)
        entry = record(logbook, 0, population, hof, nevals, calls, fires, time.perf_counter() - t0)
        save(0, population)
        if show:
            show(entry)
        start = 1
    population = run_generations(population, toolbox, start_gen=start, ngen=ngen, cxpb=ga["cxpb"],
                                 mutpb=ga["mutpb"], elite=int(ga["elite"]), hof=hof, logbook=logbook,
                                 cache=cache, fires_per_call=fires, on_generation=save, progress=show)
    return population, logbook, hof
