"""Which fires each role of a comparison uses, and the proof that no fire serves two roles.

Why: Cell2Fire seeds fire ``ep`` of ``--seed s`` with ``mt19937(s * ep)``, so two different
seeds can share fires (search seed 123 and validation seed 7 share four: 7 x 123 = 123 x 7, ...).
Choosing the returned layout on fires the search saw, or scoring it on them, flatters it. The
fires themselves are checked, not the seeds: every mt19937 seed a role's fires use (the main
stream of each fire and, for fires that start anywhere, its ignition stream) is listed, and the
roles must share none. The draws stay Cell2Fire's, so every fire can still be replayed by the
real binary.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Mapping

if TYPE_CHECKING:  # annotations only
    from latentga.comparison.config import CompareConfig


from latentga.errors import ConfigError
from latentga.simulator.c2f_random import fire_stream_seeds, ignition_stream_seeds

__all__ = ["ROLES", "role_fire_sets", "stream_seeds", "fire_overlaps", "check_disjoint_fires", "free_seed",
           "landscape_cells"]

#: The three fire sets of a comparison, each with its own job.
ROLES = ("search", "validation", "heldout")


def role_fire_sets(cfg: CompareConfig) -> dict[str, tuple[int, int]]:
    """``{role: (seed, n_fires)}`` of a comparison config (its variants' overrides included). The
    search set covers every fire a run simulator or a model's dataset draws (the same seed: the
    dataset's fires are the first ones)."""
    from latentga.comparison.config import shared_run_config, variant_config

    runs = [shared_run_config(cfg)] + [variant_config(cfg, name, 0) for name in cfg.variants]
    n_search = max(max(int(r.simulator.n_fires), int(r.dataset.n_fires)) for r in runs)
    return {"search": (int(runs[0]["simulator"]["seed"]), n_search),
            "validation": (int(cfg.validation.seed), int(cfg.validation.n_fires)),
            "heldout": (int(cfg.heldout.seed), int(cfg.heldout.n_fires))}


def stream_seeds(seed: int, n_fires: int, n_cells: int) -> dict[int, int]:
    """Every mt19937 seed fires ``1..n_fires`` of ``seed`` may use -> the (1-based) fire using it.

    Both streams are listed whether or not the landscape's fires start anywhere (stricter than
    needed with an Ignitions.csv, never looser).
    """
    out: dict[int, int] = {}
    for ep, value in enumerate(ignition_stream_seeds(seed, n_fires, n_cells).tolist(), start=1):
        out.setdefault(value, ep)
    for ep, value in enumerate(fire_stream_seeds(seed, n_fires).tolist(), start=1):
        out[value] = ep
    return out


def fire_overlaps(sets: Mapping[str, tuple[int, int]], n_cells: int) -> list[tuple[str, int, str, int]]:
    """``(role a, fire of a, role b, fire of b)`` for every stream two roles share (empty = disjoint)."""
    streams = {role: stream_seeds(seed, n, n_cells) for role, (seed, n) in sets.items()}
    roles = list(streams)
    out = []
    for i, a in enumerate(roles):
        for b in roles[i + 1:]:
            for value in sorted(streams[a].keys() & streams[b].keys()):
                out.append((a, streams[a][value], b, streams[b][value]))
    return out


def free_seed(sets: Mapping[str, tuple[int, int]], role: str, n_cells: int) -> int:
    """The smallest prime seed above every role's fire count that gives ``role`` fires of its own."""
    others = {r: v for r, v in sets.items() if r != role}
    n = sets[role][1]
    candidate = max(n for _, n in sets.values()) + 1
    while True:
        if _is_prime(candidate) and not fire_overlaps({**others, role: (candidate, n)}, n_cells):
            return candidate
        candidate += 1


def _is_prime(n: int) -> bool:
    return n > 1 and all(n % d for d in range(2, math.isqrt(n) + 1))


def check_disjoint_fires(cfg: CompareConfig, n_cells: int) -> None:
    """One ConfigError naming the first shared fire and a seed that fixes it, unless the search,
    validation and held-out fires of ``cfg`` (a landscape of ``n_cells`` cells) are disjoint."""
    sets = role_fire_sets(cfg)
    clash = fire_overlaps(sets, n_cells)
    if not clash:
        return
    a, fa, b, fb = clash[0]
    key = {"search": "run.simulator.seed", "validation": "validation.seed", "heldout": "heldout.seed"}
    fix = b if b != "search" else a
    raise ConfigError(f"{b} fire {fb} (seed {sets[b][0]}) is {a} fire {fa} (seed {sets[a][0]}): the same "
                      f"Cell2Fire random stream, {len(clash)} shared in all; the search, validation and held-out "
                      f"fires must be disjoint: set {key[fix]} = {free_seed(sets, fix, n_cells)} (or another seed "
                      "with no shared fire)")


def landscape_cells(run: Mapping) -> int:
    """Cells of the run's landscape (the ignition streams of fires that start anywhere depend on it)."""
    from latentga.simulator import load_landscape

    h, w = load_landscape(run.landscape).shape
    return int(h) * int(w)

