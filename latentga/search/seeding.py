"""Generation 0 from what is known: greedy DPV's layout and layouts drawn in proportion to DPV.

Why: on Sub40x40 and Dogrib one greedy DPV pass beats every GA that starts from random layouts;
a GA that starts from it (and from varied layouts that put breaks where fires would spread
downstream) searches around the best known answer instead of rediscovering it. The DPV values
are computed on the run's own SEARCH fires, and the fires they cost are returned so the engine
charges them to the run (a fair budget): N fires per DPV pass (one per greedy round; plain
DPV and the sampling reuse the first round's values, on the empty landscape).

Config (``ga.seeding``): ``dpv`` = none | plain | greedy (that heuristic's layout first in
generation 0; greedy also adds the plain one, which costs nothing more), ``picks`` = breaks
placed per greedy round (1: the ``dpv_greedy`` baseline's layout, k passes; more: ceil(k /
picks) passes, what makes greedy DPV affordable on Dogrib's 700 breaks), ``sampled`` = how many
layouts are drawn with each cell's weight = its DPV value ** ``power`` (without replacement,
on burnable cells only; when fewer cells have a value than the budget, the rest are drawn
uniformly among the other burnable cells), ``lines: true`` puts the parallel fuel-break lines
heuristic's layout (:mod:`latentga.baselines.lines`) first. The rest of generation 0 comes from
``ga.init``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from latentga.config import SeedingConfig
from latentga.errors import ConfigError

__all__ = ["Seeds", "dpv_seeds", "seed_individuals", "seeding_on"]


@dataclass
class Seeds:
    """Layouts for generation 0 (bool ``[m, H, W]``) and the fires spent making them."""

    layouts: np.ndarray
    fires: int


def _sample(value: np.ndarray, burnable: np.ndarray, k: int, n: int, power: float,
            rng: np.random.Generator) -> np.ndarray:
    """``n`` layouts of ``k`` burnable cells drawn without replacement with weight value**power.

    Gumbel top-k: adding Gumbel noise to the log-weights and taking the top k is the same draw
    as sequential sampling without replacement, one vectorised call for all ``n`` layouts.
    Cells without value come after every valued cell (uniformly among themselves).
    """
    cells = np.flatnonzero(burnable)
    v = value[cells]
    with np.errstate(divide="ignore"):
        logw = np.where(v > 0, power * np.log(np.where(v > 0, v, 1.0)), -np.inf)
    keys = logw[None, :] + rng.gumbel(size=(n, cells.size))
    # cells without value: below every valued one, still in a random order among themselves
    low = keys.min(initial=0.0, where=np.isfinite(keys)) - 1.0
    keys = np.where(np.isfinite(keys), keys, low - rng.random((n, cells.size)))
    top = np.argpartition(-keys, k - 1, axis=1)[:, :k]
    out = np.zeros((n, value.size), bool)
    np.put_along_axis(out, cells[top], True, axis=1)
    return out


def _greedy(simulator, k: int, picks: int, burnable: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Greedy DPV, ``picks`` breaks a round: ``(layout, the first round's values, rounds)``.

    Each round recomputes the values on the layout so far and adds its ``picks`` best burnable
    cells (ties to the lower index, as :func:`~latentga.baselines.dpv.dpv_layout`).
    """
    from latentga.baselines.dpv import downstream_protection_value

    layout = np.zeros(burnable.size, bool)
    first, rounds = None, 0
    while layout.sum() < k:
        value = downstream_protection_value(simulator, layout.reshape(simulator.shape)).reshape(-1)
        rounds += 1
        first = value if first is None else first
        key = np.where(layout | ~burnable, -np.inf, value)
        take = min(picks, k - int(layout.sum()))
        layout[np.argsort(-key, kind="stable")[:take]] = True
    return layout, first, rounds


def dpv_seeds(simulator, k: int, rng: np.random.Generator, *, dpv: str = "greedy", picks: int = 1,
              sampled: int = 0, power: float = 1.0, lines: bool = False) -> Seeds:
    """DPV's layout(s) and ``sampled`` layouts drawn in proportion to DPV, on ``simulator``'s fires.

    ``rng`` is drawn from only when ``sampled > 0``. Returns :class:`Seeds`; its ``fires`` is
    every fire simulated here (see the module docstring for the charge).
    """
    from latentga.baselines.dpv import downstream_protection_value

    shape = tuple(simulator.shape)
    n_fires = int(simulator.n_fires)
    burnable = np.asarray(simulator.tables.burnable, bool).reshape(-1)
    if k > int(burnable.sum()):
        raise ConfigError(f"ga.seeding: {k} firebreaks do not fit on the {int(burnable.sum())} burnable cells; "
                          "lower the budget")
    layouts, fires = [], 0
    value = None
    if lines:
        from latentga.baselines.lines import parallel_lines

        found = parallel_lines(simulator, k)
        layouts.append(found.layout.reshape(shape))
        fires += found.calls * n_fires
    if dpv == "greedy":
        greedy, value, rounds = _greedy(simulator, k, max(1, int(picks)), burnable)
        layouts.append(greedy.reshape(shape))
        fires += rounds * n_fires
    elif dpv == "plain" or sampled > 0:
        value = downstream_protection_value(simulator).reshape(-1)
        fires += n_fires
    if dpv in ("plain", "greedy"):
        key = np.where(burnable, value, -np.inf)
        plain = np.zeros(value.size, bool)
        plain[np.argsort(-key, kind="stable")[:k]] = True
        layouts.append(plain.reshape(shape))
    if sampled > 0:
        layouts.extend(_sample(value, burnable, k, int(sampled), float(power), rng).reshape(-1, *shape))
    out = np.stack(layouts) if layouts else np.zeros((0, *shape), bool)
    return Seeds(out, fires)


def seeding_on(s: SeedingConfig) -> bool:
    """Whether the ``ga.seeding`` section asks for any seeded layout."""
    return s.dpv != "none" or s.sampled > 0 or s.lines


def seed_individuals(s: SeedingConfig, problem, rng: np.random.Generator, population: int) -> Seeds:
    """The seeded individuals of the ``ga.seeding`` section for ``problem`` (distinct, at most
    ``population``), and their fires. Needs a firebreak problem with the built-in simulator."""
    simulator = getattr(problem, "simulator", None)
    if simulator is None or not hasattr(simulator, "tables") or not hasattr(problem, "k"):
        raise ConfigError("ga.seeding needs a firebreak problem on the built-in simulator (DPV reads its fire "
                          "trees); set simulator.backend: builtin, or ga.seeding.dpv: none and sampled: 0")
    seeds = dpv_seeds(simulator, int(problem.k), rng, dpv=s.dpv, picks=s.picks, sampled=s.sampled, power=s.power,
                      lines=s.lines)
    _, first = np.unique(seeds.layouts.reshape(len(seeds.layouts), -1), axis=0, return_index=True)
    keep = np.sort(first)[:int(population)]
    return Seeds(seeds.layouts[keep], seeds.fires)
