"""Weighted retraining (Tripp, Daxberger & Hernández-Lobato, 2020) as a GA callback.

Why: a VAE/CCVAE trained once on random layouts knows nothing of the region the search reaches
(random layouts hold 0.70-0.77 on Sub20x20, a converged search 0.9+), so its decoder and its
fitness head are out of their depth exactly where the latent operators act. Every ``every``
generations the hook fine-tunes the model on the training data plus every layout the run has
evaluated (labels: the search fitness), weighted by rank, ``w = 1 / (k N + rank)``, so the model
follows the search. The operators hold the same model object, so they use the update at once.

Cost is bounded: each retraining uses the ``top`` best-ranked layouts (training data and
archive together) for ``epochs`` epochs, with the rank weights computed over that selection
(N = ``top``): the selection is where almost all of Tripp et al.'s weight lies anyway, and
``k N`` of about 100 (k = 0.05 with top = 2,000) spreads the draws over the best few hundred
instead of a handful. The hook's archive and the model's weights go into the GA checkpoint, so a
resumed run retrains exactly as an uninterrupted one.
"""

from __future__ import annotations

import numpy as np

from latentga.config import RunConfig

__all__ = ["WeightedRetraining", "weighted_retraining"]


class WeightedRetraining:
    """A GA callback: archive each generation's population, fine-tune every ``every`` gens
    (``on_generation``; also callable as the older ``hook(gen, population, hof)``). Duck-typed,
    not a subclass of :class:`latentga.ga.callbacks.Callback`, so that the search package, which
    builds it, imports nothing of the GA (no import cycle).

    Args:
        model: the (frozen) model the operators use; fine-tuned in place.
        layouts, fitness: the model's training data (fitness NaN = unlabelled).
        every: retrain after generations every, 2*every, ...
        k: Tripp et al.'s weight parameter (small k: weight on the best few).
        epochs: epochs per retraining.
        top: layouts (best by rank) each retraining uses.
        seed: base seed; retraining g uses ``seed * 1_000_003 + g``.
    """

    def __init__(self, model, layouts: np.ndarray, fitness: np.ndarray, *, every: int, k: float, epochs: int,
                 top: int, seed: int):
        self.model = model
        self.base_layouts = np.asarray(layouts, bool)
        self.base_fitness = np.asarray(fitness, np.float64)
        self.every, self.k, self.epochs, self.top, self.seed = int(every), float(k), int(epochs), int(top), int(seed)
        self.keys: dict[bytes, int] = {}
        self.layouts: list[np.ndarray] = []
        self.fitness: list[float] = []
        self.retrained = 0

    def on_generation(self, algorithm) -> None:
        self(algorithm.gen, algorithm.population, algorithm.hof)

    def __call__(self, gen: int, population, hof) -> None:
        for ind in population:
            key = np.packbits(np.asarray(ind, bool)).tobytes()
            if key not in self.keys:
                self.keys[key] = len(self.layouts)
                self.layouts.append(np.array(ind, bool))
                self.fitness.append(float(ind.fitness.values[0]))
        if gen > 0 and gen % self.every == 0:
            self.retrain(gen)

    def training_set(self) -> tuple[np.ndarray, np.ndarray]:
        """The ``top`` best-ranked of training data + archive (unlabelled rows rank last)."""
        x = np.concatenate([self.base_layouts, np.stack(self.layouts)]) if self.layouts else self.base_layouts
        y = np.concatenate([self.base_fitness, np.array(self.fitness)]) if self.layouts else self.base_fitness
        order = np.argsort(-np.nan_to_num(y, nan=-np.inf), kind="stable")[: self.top]
        return x[order], y[order]

    def retrain(self, gen: int) -> None:
        from latentga.models.retraining import fine_tune

        x, y = self.training_set()
        fine_tune(self.model, x, y, k=self.k, epochs=self.epochs, seed=self.seed * 1_000_003 + gen)
        self.retrained += 1

    def state(self) -> dict[str, np.ndarray]:
        from latentga.models.retraining import model_state_arrays

        arrays = {f"model/{name}": value for name, value in model_state_arrays(self.model).items()}
        arrays["archive_layouts"] = np.stack(self.layouts) if self.layouts else np.zeros((0, 0, 0), bool)
        arrays["archive_fitness"] = np.array(self.fitness, np.float64)
        arrays["retrained"] = np.array(self.retrained)
        return arrays

    def restore(self, state: dict[str, np.ndarray]) -> None:
        from latentga.models.retraining import load_model_state_arrays

        load_model_state_arrays(self.model, {k[len("model/"):]: v for k, v in state.items() if k.startswith("model/")})
        layouts, fitness = state["archive_layouts"], state["archive_fitness"]
        self.layouts = [np.array(x, bool) for x in layouts] if len(fitness) else []
        self.fitness = [float(f) for f in fitness]
        self.keys = {np.packbits(x).tobytes(): i for i, x in enumerate(self.layouts)}
        self.retrained = int(state["retrained"])


def weighted_retraining(config: RunConfig, model, dataset) -> WeightedRetraining:
    """The hook a run config's ``retraining`` section describes (``every`` > 0), on ``dataset``."""
    section = config.retraining
    return WeightedRetraining(model, dataset.layouts, dataset.fitness, every=section.every, k=section.k,
                              epochs=section.epochs, top=section.top, seed=int(config.seed))
