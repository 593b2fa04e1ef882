"""The latent levers as one ``run_ga`` hook, built from the run config's ``latent`` section.

:meth:`LatentLevers.variation` is the GA's variation (``GeneticAlgorithm(variation=...)``): the
default varAnd, then :meth:`LatentLevers.revise` on the varied children before they are
evaluated (trust-region draws, surrogate pre-screening, then no stalls, in that order). The
object is also a generation hook (archive of everything simulated, trust-region bookkeeping,
head refits). :func:`search_hooks` is what a run or a comparison task calls: it also performs
the "learn from good layouts" step up front and returns the fires it cost, which the caller
charges to the run. Every lever off (the default) builds no hook: old numbers are unchanged.
"""

from __future__ import annotations

import copy
from typing import Callable, NamedTuple

import numpy as np

from latentga.config import LatentConfig, RunConfig
from latentga.errors import ConfigError

__all__ = ["LatentLevers", "levers_on", "lever_hooks", "search_hooks", "SearchSetup"]


def levers_on(lat: LatentConfig) -> dict[str, bool]:
    """Which levers the ``latent`` section turns on: ``fresh``, ``learn``, ``screen``, ``trust``."""
    return {"fresh": bool(lat.fresh), "learn": lat.learn.samples > 0,
            "screen": lat.screen.candidates > 1, "trust": lat.trust.share > 0}


class LatentLevers:
    """The per-generation levers (no stalls, screening, trust region) on one run's model copy.

    Args:
        model: the operators' model (refitted in place by screening and trust-region restarts).
        section: the config's ``latent`` section; k: the firebreak budget; seed: the run's seed.
        archive: ``(layouts, fitness)`` already simulated on the search fires (good layouts).
        base_variation: the variation the levers revise the children of
            (:func:`latentga.ga.algorithm.default_variation`).
    """

    def __init__(self, model, section: dict, *, k: int, seed: int, archive=None, base_variation=None):
        from latentga.search.trust_region import TrustRegion

        self.model, self.section, self.k, self.seed = model, section, int(k), int(seed)
        self.base_variation = base_variation  # the engine's default varAnd (passed in: search imports no ga)
        on = {"fresh": bool(section.fresh), "screen": section.screen.candidates > 1,
              "trust": section.trust.share > 0}
        self.on = on
        tr = section.trust
        self.region = TrustRegion(length=tr.length, min_length=tr.min, max_length=tr.max,
                                  success=tr.success, failure=tr.failure) if on["trust"] else None
        self.keys: dict[bytes, int] = {}
        self.layouts: list[np.ndarray] = []
        self.fitness: list[float] = []
        if archive is not None:
            self._add(*archive)
        self.best = -np.inf
        self.stats = np.zeros(4, np.int64)  # replaced stale, screened slots, trust draws, refits

    # -- archive -------------------------------------------------------------------------------
    def _add(self, layouts, fitness) -> None:
        for x, f in zip(layouts, fitness):
            key = np.packbits(np.asarray(x, bool)).tobytes()
            if key not in self.keys:
                self.keys[key] = len(self.layouts)
                self.layouts.append(np.array(x, bool))
                self.fitness.append(float(f))

    # -- before evaluation ---------------------------------------------------------------------
    def variation(self, algorithm, parents: list) -> tuple[list, list]:
        """The default varAnd, then :meth:`revise` (the engine's ``variation`` extension point)."""
        offspring, origin = self.base_variation(algorithm, parents)
        self.revise(offspring, toolbox=algorithm.toolbox, problem=algorithm.problem, cache=algorithm.cache,
                    hof=algorithm.hof, rng=algorithm.rng)
        return offspring, origin

    def revise(self, offspring: list, *, toolbox, problem, cache: dict, hof, rng: np.random.Generator) -> None:
        """Replace varied children in place: trust-region draws, screening, then no stalls."""
        varied = [i for i, ind in enumerate(offspring) if not ind.fitness.valid]
        known = set(cache)
        if not varied:
            return
        m = int(self.section.screen.candidates)
        allowed = getattr(problem, "allowed", None)  # breaks on burnable cells only
        if self.region is not None and len(hof):
            n = int(round(self.section.trust.share * len(varied)))
            slots = sorted(rng.choice(varied, size=n, replace=False).tolist()) if n else []
            if slots:
                draws = self.region.sample(self.model, np.asarray(hof[0], bool), len(slots) * m, rng, k=self.k,
                                           allowed=allowed)
                self._place(offspring, slots, draws.reshape(len(slots), m, *draws.shape[1:]), problem, known, rng)
                self.stats[2] += len(slots)
            rest = [i for i in varied if i not in set(slots)]
        else:
            rest = varied
        if self.on["screen"] and rest:
            from latentga.search.surrogate import posterior_neighbours

            kids = np.stack([np.asarray(offspring[i], bool) for i in rest])
            cand = np.concatenate([kids[:, None], posterior_neighbours(self.model, kids, m - 1, rng, k=self.k,
                                                                             allowed=allowed)], 1)
            self._place(offspring, rest, cand, problem, known, rng)
            self.stats[1] += len(rest)
        if self.on["fresh"]:
            from latentga.search.fresh import replace_stale

            self.stats[0] += replace_stale(offspring, problem=problem, mutate=toolbox.mutate, known=known,
                                           redraws=self.section.redraws, rng=rng)

    def _place(self, offspring: list, slots: list, cand: np.ndarray, problem, known: set, rng) -> None:
        """Write into each slot its candidate chosen by the head (the first one without a head)."""
        if cand.shape[1] > 1 and getattr(self.model, "is_conditional", False):
            from latentga.search.surrogate import pick_candidates

            pick = pick_candidates(self.model, cand, problem.key, known)
        else:
            pick = np.zeros(len(slots), np.int64)
        for row, (i, j) in enumerate(zip(slots, pick)):
            offspring[i][...] = cand[row, j]
            problem.repair(offspring[i], rng)  # decoded top-k is feasible already (no draws); a plug-in may not be

    # -- after evaluation ----------------------------------------------------------------------
    def __call__(self, gen: int, population, hof) -> None:
        self._add([np.asarray(ind, bool) for ind in population], [ind.fitness.values[0] for ind in population])
        best = float(hof[0].fitness.values[0])
        improved = best > self.best + 1e-12
        self.best = max(self.best, best)
        if gen == 0:
            return
        every = int(self.section.screen.refit_every)
        if self.on["screen"] and every and gen % every == 0:
            self.refit(gen)
        if self.region is not None and self.region.update(improved):
            self.update_model(gen)

    def _archive(self) -> tuple[np.ndarray, np.ndarray]:
        return np.stack(self.layouts), np.array(self.fitness)

    def refit(self, gen: int) -> None:
        """The head, retrained on everything simulated with rank weights (Tripp et al.)."""
        if not getattr(self.model, "is_conditional", False) or len(self.layouts) < 2:
            return
        from latentga.search.surrogate import refit_head

        sc = self.section.screen
        refit_head(self.model, *self._archive(), k=sc.k, epochs=sc.epochs, seed=self.seed * 1_000_003 + gen)
        self.stats[3] += 1

    def update_model(self, gen: int) -> None:
        """The trust region restarted: fine-tune the whole model on the archive (rank-weighted)."""
        if len(self.layouts) < 2:
            return
        from latentga.models.retraining import fine_tune

        x, y = self._archive()
        top = np.argsort(-y, kind="stable")[: int(self.section.trust.top)]
        fine_tune(self.model, x[top], y[top], k=self.section.screen.k, epochs=1,
                  seed=self.seed * 1_000_003 + gen + 500_000)
        if self.on["screen"]:
            self.refit(gen)
        self.stats[3] += 1

    # -- checkpoints ---------------------------------------------------------------------------
    def state(self) -> dict[str, np.ndarray]:
        from latentga.models.retraining import model_state_arrays

        out = {f"model/{n}": v for n, v in model_state_arrays(self.model).items()} if self.model is not None else {}
        out["archive_layouts"] = np.stack(self.layouts) if self.layouts else np.zeros((0, 0, 0), bool)
        out["archive_fitness"] = np.array(self.fitness, np.float64)
        out["best"] = np.array(self.best)
        out["stats"] = self.stats.copy()
        out["region"] = self.region.state() if self.region is not None else np.zeros(0)
        return out

    def restore(self, state: dict[str, np.ndarray]) -> None:
        from latentga.models.retraining import load_model_state_arrays

        if self.model is not None:
            load_model_state_arrays(self.model, {k[6:]: v for k, v in state.items() if k.startswith("model/")})
        self.keys, self.layouts, self.fitness = {}, [], []
        if len(state["archive_fitness"]):
            self._add(state["archive_layouts"], state["archive_fitness"])
        self.best, self.stats = float(state["best"]), np.asarray(state["stats"], np.int64).copy()
        if self.region is not None:
            self.region.restore(state["region"])


def lever_hooks(config: RunConfig, model, problem, dataset=None, *, progress: bool = False,
                base_variation=None) -> tuple[list, int]:
    """The levers' hook for ``config`` (``[]`` when every lever is off) and the fires spent up
    front by "learn from good layouts" (charge them to the run). ``model`` is changed in place:
    pass the run's own copy."""
    on = levers_on(config.latent)
    if not any(on.values()):
        return [], 0
    lat = config.latent
    if model is None and (on["learn"] or on["screen"] or on["trust"]):
        raise ConfigError("latent.learn / latent.screen / latent.trust act on the operators' model, but this run's "
                          "operators use none; pick latent operators (e.g. mut_ccvae_gradient) or turn the levers off")
    if on["screen"] and not getattr(model, "is_conditional", False):
        raise ConfigError("latent.screen.candidates > 1 needs a CCVAE (its fitness head screens); set model.kind: "
                          "ccvae, or latent.screen.candidates: 1")
    archive, spent = None, 0
    if on["learn"]:
        from latentga.search.good_layouts import heuristic_layouts, learn_from_layouts

        ln = lat.learn
        rng = np.random.default_rng([int(config.seed), 21])  # its own stream: the GA's draws stay as they were
        layouts, fitness, spent = heuristic_layouts(problem.simulator, problem.k, rng, samples=ln.samples,
                                                    perturbed=ln.perturbed, descent_fires=ln.descent_fires)
        if dataset is None:
            raise ConfigError("latent.learn needs the run's dataset (the model's training data) to fine-tune on")
        learn_from_layouts(model, dataset, layouts, fitness, k=ln.k, epochs=ln.epochs, top=ln.top,
                           seed=int(config.seed) * 1_000_003 + 21)
        archive = (layouts, fitness)
        if progress:
            print(f"latent.learn: {len(layouts)} good layouts (best {fitness.max():.4f}), {spent} fires", flush=True)
    hook = LatentLevers(model, lat, k=problem.k, seed=int(config.seed), archive=archive,
                        base_variation=base_variation)
    if on["screen"] and archive is not None:
        hook.refit(0)
    return [hook], int(spent)


class SearchSetup(NamedTuple):
    """What a run hands ``run_ga``: ``hooks``, the ``model`` the operators use (the run's own copy
    when a hook changes it), ``variation`` (None: the default) and the fires ``spent`` before the
    search (charge them to the run)."""

    hooks: list
    model: object
    variation: Callable | None
    spent: int


def search_hooks(config: RunConfig, model, problem, dataset=None, *, base_variation: Callable | None = None,
                 progress: bool = False) -> SearchSetup:
    """Every hook a run's config asks for (weighted retraining, the latent levers) on ONE private
    copy of ``model`` (which both fine-tune), as a :class:`SearchSetup`. ``base_variation`` is
    the engine's default varAnd (:func:`latentga.ga.algorithm.default_variation`), which the
    levers' variation revises; the caller passes it, so this package imports nothing of the GA."""
    wants_wr = model is not None and config.retraining.every > 0
    if not wants_wr and not any(levers_on(config.latent).values()):
        return SearchSetup([], model, None, 0)
    own = copy.deepcopy(model) if model is not None else None
    hooks = []
    if wants_wr:
        from latentga.retraining import weighted_retraining

        if dataset is None:
            raise ConfigError("retraining.every > 0 needs the run's dataset (the model's training data)")
        hooks.append(weighted_retraining(config, own, dataset))
    if any(levers_on(config.latent).values()) and base_variation is None:
        raise ConfigError("the latent levers revise the GA's own variation: pass base_variation="
                          "latentga.ga.algorithm.default_variation to search_hooks")
    levers, spent = lever_hooks(config, own, problem, dataset, progress=progress, base_variation=base_variation)
    return SearchSetup(hooks + levers, own, levers[0].variation if levers else None, spent)
