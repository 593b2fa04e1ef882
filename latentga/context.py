"""Answers in context: what a plan holds on fresh fires, beside no firebreaks on the same fires.

Why: a search's own fitness ("best fitness 0.8019") is measured on the fires it was tuned to and
says nothing a land manager can weigh. :func:`plan_context` scores the plan and the landscape
without firebreaks on a FRESH fire set (same landscape and fire settings, another seed), so the
answer reads "0.763 with the plan, 0.686 without: 25 % less area burned", and
:func:`write_plan_outputs` leaves that plan and both burn-probability maps in the formats other
tools read (:mod:`latentga.plans`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["FRESH_FIRES", "FRESH_SEED", "PlanContext", "fresh_simulator", "plan_context", "write_plan_outputs"]

#: Fresh fires a plan is re-scored on, and their seed (another when the search used this one).
FRESH_FIRES = 1000
FRESH_SEED = 2024


def fresh_simulator(simulator, n_fires: int = FRESH_FIRES, seed: int = FRESH_SEED):
    """The built-in simulator's settings with other fires (``seed`` moved on if it is the search's);
    None for a simulator that cannot be cloned (the Cell2Fire binary backend)."""
    from latentga.simulator import FireSimulator

    if not isinstance(simulator, FireSimulator):
        return None
    state = simulator.__getstate__()
    state["n_fires"] = int(n_fires)
    state["seed"] = int(seed) if int(seed) != simulator.seed else int(seed) + 1
    return FireSimulator(**state)


@dataclass
class PlanContext:
    """A plan's fitness on fresh fires beside no firebreaks on the same fires (and a baseline's)."""

    fitness: float
    untreated: float
    n_fires: int
    seed: int
    n_firebreaks: int
    burn: np.ndarray  # burn probability with the plan, float [H, W]
    burn_untreated: np.ndarray  # without firebreaks
    baseline: tuple[str, float] | None = None  # (what it is, e.g. "best baseline (dpv)"; its fitness on the same fires)
    label: str = "the plan"  # what the plan is, in the answer's words

    @property
    def cut(self) -> float:
        """Share of the burned area the plan removes (firebreak cells count as not burned):
        :func:`latentga.cut.burned_area_cut` on the same fires."""
        from latentga.cut import burned_area_cut

        return burned_area_cut(self.fitness, self.untreated)

    def lines(self) -> list[str]:
        """The answer in a few plain lines (console and report)."""
        out = [f"on {self.n_fires} fresh fires (seed {self.seed}): fitness {self.fitness:.4f} with {self.label} "
               f"({self.n_firebreaks} firebreaks), {self.untreated:.4f} with no firebreaks; "
               f"the plan cuts the burned area by {100 * self.cut:.1f} %"]
        if self.baseline is not None:
            name, value = self.baseline
            word = "above" if self.fitness > value else "below" if self.fitness < value else "level with"
            out.append(f"{name} on the same fires: {value:.4f}; the plan is {word} it "
                       f"by {abs(self.fitness - value):.4f}")
        return out

    def html(self) -> str:
        return "".join(f"<p><strong>{html.escape(line)}</strong></p>" for line in self.lines())


def plan_context(simulator, layout, baseline: tuple[str, np.ndarray] | None = None,
                 n_fires: int = FRESH_FIRES, seed: int = FRESH_SEED) -> PlanContext | None:
    """Score ``layout`` (and no firebreaks, and ``baseline = (name, layout)``) on fresh fires."""
    layout = np.asarray(layout, bool)
    fresh = fresh_simulator(simulator, n_fires, seed)
    if fresh is None or layout.shape != tuple(fresh.shape):  # not a layout of this landscape
        return None
    batch = np.stack([layout, np.zeros_like(layout)] + ([np.asarray(baseline[1], bool)] if baseline else []))
    burn = fresh.burn_probability(batch)
    fitness = 1.0 - burn.reshape(len(batch), -1).mean(axis=1)  # = fresh.evaluate(batch), one simulation
    base = (f"best baseline ({baseline[0]})", float(fitness[2])) if baseline else None
    return PlanContext(float(fitness[0]), float(fitness[1]), fresh.n_fires, fresh.seed, int(layout.sum()),
                       burn[0], burn[1], base)


def write_plan_outputs(folder, layout, landscape, context: PlanContext | None = None,
                       npy: bool = False) -> dict[str, Path]:
    """``plan.csv``, ``plan.asc`` (+ ``.prj``, ``plan.tif`` for GeoTIFF landscapes, ``plan.npy`` when
    asked) and, given the context, ``burn_probability.asc`` / ``burn_probability_untreated.asc``."""
    from latentga.plans import write_burn_probability, write_plan_files

    folder = Path(folder)
    files = write_plan_files(folder, layout, landscape, npy=npy)
    if context is not None:
        for name, values in (("burn_probability.asc", context.burn), ("burn_probability_untreated.asc",
                                                                      context.burn_untreated)):
            for p in write_burn_probability(folder / name, values, landscape):
                files[p.name] = p
    return files
