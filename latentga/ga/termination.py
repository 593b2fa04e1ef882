"""When a run stops: small objects asked ``done(algorithm)`` before every new generation.

Generation 0 always runs; a run stops as soon as ANY of its terminations is done (pymoo's
termination objects, DEAP's ``ngen`` and a fire budget in one form). Generation counts, the
cost spent and the logbook are part of the checkpoint, so :class:`Generations`, :class:`MaxCost`
and :class:`NoImprovement` stop a resumed run where an uninterrupted one stops;
:class:`MaxSeconds` measures the time of the current process only (a resumed run gets its full
allowance again), and depends on the machine by nature.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from latentga.config import GAConfig

__all__ = ["Termination", "Generations", "MaxCost", "MaxSeconds", "NoImprovement", "from_config"]


class Termination:
    """Base class: ``done(algorithm)`` is True when no further generation should run."""

    def start(self, algorithm) -> None:
        """Called once when :meth:`~latentga.ga.algorithm.GeneticAlgorithm.run` begins."""

    def done(self, algorithm) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in vars(self).items() if k[0] != '_')})"


class Generations(Termination):
    """Stop after generation ``n`` (generation 0 is the initial population)."""

    def __init__(self, n: int):
        self.n = int(n)

    def done(self, algorithm) -> bool:
        return algorithm.gen >= self.n


class MaxCost(Termination):
    """Stop once ``cost`` (in the problem's unit, e.g. fires) has been spent; the generation that
    crosses the budget completes."""

    def __init__(self, cost: float):
        self.cost = cost

    def done(self, algorithm) -> bool:
        return algorithm.cost >= self.cost


class MaxSeconds(Termination):
    """Stop once ``seconds`` of ``clock`` (``"wall"`` or ``"cpu"``, this process) have passed
    since the run started."""

    _CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}

    def __init__(self, seconds: float, clock: str = "wall"):
        if clock not in self._CLOCKS:
            raise ValueError(f"clock must be 'wall' or 'cpu', got {clock!r}")
        self.seconds, self.clock = float(seconds), clock
        self._start = None

    def start(self, algorithm) -> None:
        self._start = self._CLOCKS[self.clock]()

    def done(self, algorithm) -> bool:
        if self._start is None:
            self.start(algorithm)
        return self._CLOCKS[self.clock]() - self._start >= self.seconds


class NoImprovement(Termination):
    """Stop when the best fitness so far has not risen for ``generations`` generations (read
    from the logbook's ``best_so_far``, so it survives a resume)."""

    def __init__(self, generations: int):
        if int(generations) < 1:
            raise ValueError(f"generations must be at least 1, got {generations}")
        self.generations = int(generations)

    def done(self, algorithm) -> bool:
        best = algorithm.logbook.select("best_so_far")
        if len(best) <= self.generations:
            return False
        return max(best[-self.generations:]) <= best[-self.generations - 1]


def from_config(ga: GAConfig) -> list[Termination]:
    """The terminations a config's ``ga`` section asks for: ``generations``, and ``max_cost``
    when set."""
    out: list[Termination] = [Generations(ga.generations)]
    if ga.max_cost is not None:
        out.append(MaxCost(ga.max_cost))
    return out
