"""The built-in fire simulator: firebreak layouts in, fitness / burn maps / spread trees out.

In its default (``ignition_mode="cell2fire"``) configuration fire ``k`` with seed ``s`` burns
exactly the cells the real C2F-W binary burns with ``--seed s`` (same weather file, ROS-CV
factor and ignition cell per fire, same spread bookkeeping), so its fitness numbers can be
checked against Cell2Fire directly (``benchmarks/fidelity.py``).

Cell2Fire (C2F-W ``--sim C``) quirks reproduced on purpose, because the numbers depend on them:

* WD is the bearing the head fire spreads toward (no 180-degree flip), and slope changes only
  the size of the effective wind (WSV), never the head direction.
* The spread ellipse is built from a = HROS and b = FROS about a focus, so the forward rate is
  about 2 x HROS and the flanks are very slow in strong wind (a fire becomes a narrow tongue).
* Weather row of period p is max(0, ceil(p/60) - 1): row 0 lasts 61 periods, the last one 59;
  fires stop after 60 x rows periods and every cell alight then counts as burned.
* FBP rates and edge rates are float32, accumulated per edge in double, overshoot discarded.
* A fire drawn on a firebreak or non-fuel cell does not happen (it is not redrawn);
  ``--nweathers 358`` never draws Weather0 or Weather359.
* The ROS-CV factor 1 + cv |z| scales the edge rates and the "keeps spreading" test, not the
  "can ignite" test; a reached cell that cannot ignite is offered fire again every period.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from latentga.errors import ConfigError, LayoutError
from latentga.layouts import as_layout_batch
from latentga.simulator import kernel
from latentga.simulator.landscape import CURING_MODES, Landscape, default_landscape, load_landscape
from latentga.simulator.tables import RateTables, rate_tables

__all__ = ["FireSimulator", "SIMULATOR_DEFAULTS", "IGNITION_MODES", "IGNITION_SOURCES", "SimulationResult", "FireScenarios"]

SIMULATOR_DEFAULTS = {
    "n_fires": 100,
    "seed": 123,
    "ignition_radius": 4,
    "n_weathers": None,
    "ros_cv": 0.0,
    "ignition_mode": "cell2fire",
    "ignitions": "file",
}
#: ``cell2fire``: a fire whose drawn ignition cell is a firebreak or non-fuel does not happen
#: (Cell2Fire's behaviour). ``redraw``: redraw among the block's burnable, non-firebreak cells.
IGNITION_MODES = ("cell2fire", "redraw")
#: Where fires start. ``file``: in the ``--IgnitionRad`` block around the landscape's
#: Ignitions.csv cell (Cell2Fire's ``--ignitions``; a landscape without the file falls back to
#: ``anywhere``). ``anywhere``: any cell of the landscape, as Cell2Fire draws without
#: ``--ignitions`` (a uniform cell from its second random engine, retried until one can burn).
IGNITION_SOURCES = ("file", "anywhere")
MAX_ROS_CV = 10.0  # a larger coefficient of variation is almost surely a typo
_RANDOM_TRIES = 256  # landscapes without Ignitions.csv: cells tried per fire, as C2F-W does


class FireScenarios(NamedTuple):
    """What each fire draws, independent of the layout (common random numbers)."""

    weather: np.ndarray  # int64 [N]: index into landscape.weathers
    z: np.ndarray  # float64 [N]: the normal draw behind the ROS-CV factor
    factor: np.ndarray  # float64 [N]: 1 + ros_cv * |z|
    candidate: np.ndarray  # int64 [N]: 0-based cell drawn from the ignition block (-1: see tries)
    candidates: np.ndarray  # int64 [M]: the ignition block, in Cell2Fire's order
    tries: np.ndarray | None  # int64 [N, T]: random-ignition tries (landscapes without Ignitions.csv)


class SimulationResult(NamedTuple):
    burned: np.ndarray  # bool [B, N, H, W]
    ignition: np.ndarray  # int64 [B, N]: 0-based ignition cell, -1 where the fire did not happen
    parents: np.ndarray | None  # int32 [B, N, H*W]: cell that set it alight; -1 ignition, -2 unburned


class FireSimulator:
    """Cell2Fire-compatible simulator on a landscape, scoring layouts on N fixed fires.

    Args:
        landscape: a :class:`Landscape`, a Cell2Fire instance folder, or None (built-in Sub20x20).
        n_fires: fires per layout (Cell2Fire's ``--nsims``).
        seed: Cell2Fire's ``--seed``; fire k uses mt19937(seed * k) as the binary does.
        ignition_radius: Cell2Fire's ``--IgnitionRad`` around the landscape's ignition cell.
        n_weathers: Cell2Fire's ``--nweathers`` (weather files 1..n drawn); None = all but the
            first and last file (358 on Sub20x20).
        ros_cv: Cell2Fire's ``--ROS-CV``: every rate of a fire is scaled by 1 + ros_cv * |z|.
        ignition_mode: see :data:`IGNITION_MODES`.
        ignitions: ``"file"`` or ``"anywhere"``, see :data:`IGNITION_SOURCES`.
        curing: None (the landscape's own setting) or a
            :data:`~latentga.simulator.landscape.CURING_MODES` entry for its cur.asc.
        fuel_model: None (the landscape folder's lookup table decides) or ``fbp``, ``kitral`` or
            ``scott_burgan`` (Cell2Fire's ``--sim C / K / S``), see :mod:`latentga.simulator.fuel_models`.
    """

    def __init__(self, landscape=None, n_fires: int = 100, seed: int = 123, ignition_radius: int = 4,
                 n_weathers: int | None = None, ros_cv: float = 0.0, ignition_mode: str = "cell2fire",
                 ignitions: str = "file", curing: str | None = None, fuel_model: str | None = None):
        self.landscape: Landscape = load_landscape(landscape, fuel_model=fuel_model)
        if curing is not None:
            if curing not in CURING_MODES:
                raise ConfigError(f"simulator: curing must be one of {CURING_MODES}, got {curing!r}")
            self.landscape = self.landscape.with_curing(curing)
        n_avail = len(self.landscape.weathers)
        if n_weathers is None:
            n_weathers = n_avail - 2 if n_avail >= 3 else max(n_avail - 1, 1)
        checks = [
            (isinstance(n_fires, (int, np.integer)) and n_fires >= 1, f"n_fires must be an integer >= 1, got {n_fires!r}"),
            (isinstance(seed, (int, np.integer)), f"seed must be an integer, got {seed!r}"),
            (isinstance(ignition_radius, (int, np.integer)) and ignition_radius >= 0,
             f"ignition_radius must be an integer >= 0, got {ignition_radius!r}"),
            (isinstance(n_weathers, (int, np.integer)) and 1 <= n_weathers <= max(n_avail - 1, 1),
             f"n_weathers must be between 1 and {max(n_avail - 1, 1)} for landscape "
             f"{self.landscape.name} (it has {n_avail} weather files), got {n_weathers!r}"),
            (isinstance(ros_cv, (int, float, np.integer, np.floating)) and not isinstance(ros_cv, bool)
             and math.isfinite(ros_cv) and 0 <= ros_cv <= MAX_ROS_CV,
             f"ros_cv must be a number from 0 to {MAX_ROS_CV:g} (Cell2Fire's --ROS-CV, a coefficient of "
             f"variation; 0 = no rate noise), got {ros_cv!r}"),
            (ignition_mode in IGNITION_MODES, f"ignition_mode must be one of {IGNITION_MODES}, got {ignition_mode!r}"),
            (ignitions in IGNITION_SOURCES, f"ignitions must be one of {IGNITION_SOURCES} (from the landscape's "
             f"Ignitions.csv, or anywhere on it), got {ignitions!r}"),
        ]
        for ok, msg in checks:
            if not ok:
                raise ConfigError(f"simulator: {msg}")
        self.n_fires, self.seed = int(n_fires), int(seed)
        self.ignition_radius, self.n_weathers = int(ignition_radius), int(n_weathers)
        self.ros_cv, self.ignition_mode = float(ros_cv), ignition_mode
        self.ignition_source = ignitions  # (``ignitions()`` is the method giving each fire's cell)
        self._tables: RateTables | None = None
        self._scenarios: FireScenarios | None = None

    # ------------------------------------------------------------------ plain properties
    @property
    def shape(self) -> tuple[int, int]:
        return self.landscape.shape

    @property
    def n_cells(self) -> int:
        return self.shape[0] * self.shape[1]

    @property
    def settings(self) -> dict:
        """Everything that determines the numbers (plain types: usable as a cache key)."""
        return {"backend": "builtin", "landscape": self.landscape.name,
                "landscape_hash": self.landscape.fingerprint(), "n_fires": self.n_fires, "seed": self.seed,
                "ignition_radius": self.ignition_radius, "n_weathers": self.n_weathers, "ros_cv": self.ros_cv,
                "ignition_mode": self.ignition_mode,
                # only when not the default, so that existing caches keep their keys
                **({"ignitions": self.ignition_source} if self.ignition_source != "file" else {}),
                **({"fuel_model": self.landscape.fuel_model} if self.landscape.fuel_model != "fbp" else {})}

    def __repr__(self) -> str:
        s = self.settings
        return "FireSimulator(" + ", ".join(f"{k}={v!r}" for k, v in s.items() if k != "backend") + ")"

    # Pickle only the settings and the landscape (None for the built-in one); workers rebuild
    # the tables lazily (cached per process).
    def __getstate__(self):
        state = {k: getattr(self, k) for k in ("n_fires", "seed", "ignition_radius", "n_weathers",
                                                "ros_cv", "ignition_mode")}
        state["ignitions"] = self.ignition_source
        state["landscape"] = None if self.landscape is default_landscape() else self.landscape
        return state

    def __setstate__(self, state):
        self.__init__(**state)

    # ------------------------------------------------------------------ lazy tables
    @property
    def tables(self) -> RateTables:
        if self._tables is None:
            self._tables = rate_tables(self.landscape)
        return self._tables

    @property
    def scenarios(self) -> FireScenarios:
        """Each fire's weather file, ROS-CV factor and drawn ignition: Cell2Fire's exact draws."""
        if self._scenarios is None:
            self._scenarios = self._draw(0, self.n_fires)
        return self._scenarios

    def _draw(self, start: int, stop: int) -> FireScenarios:
        """The scenarios of fires ``start..stop-1`` (0-based), drawn as Cell2Fire draws them."""
        from latentga.simulator.c2f_random import draw_fire_scenarios, ignition_candidates, random_ignition_draws

        land = self.landscape
        from_file = land.ignition_cell is not None and self.ignition_source == "file"
        if from_file:
            cands = ignition_candidates(land.ignition_cell, self.ignition_radius, self.shape)
        else:
            cands = np.arange(self.n_cells, dtype=np.int64)
        w, z, c = draw_fire_scenarios(self.seed, stop - start, self.n_weathers, len(cands), first=start)
        if len(land.weathers) == 1:  # a single Weather.csv: every fire uses it
            w = np.zeros_like(w)
        tries = None
        if not from_file:
            tries = np.stack([random_ignition_draws(self.seed, k + 1, self.n_cells, _RANDOM_TRIES)
                              for k in range(start, stop)])
            cand = tries[:, 0].copy()
        else:
            cand = cands[c]
        return FireScenarios(weather=w.astype(np.int64), z=z, factor=self._factors(z),
                             candidate=cand.astype(np.int64), candidates=cands, tries=tries)

    def fire_chunks(self, size: int):
        """Yield ``(start, simulator)`` for consecutive blocks of at most ``size`` of this simulator's
        fires: each block's simulator scores its fires exactly as this one would (same draws),
        in memory of the block's size. For fire counts too large to draw at once (progress bars)."""
        import copy

        for start in range(0, self.n_fires, max(1, int(size))):
            stop = min(self.n_fires, start + max(1, int(size)))
            part = copy.copy(self)
            part.n_fires = stop - start
            part._scenarios = self._draw(start, stop)
            yield start, part

    def _factors(self, z: np.ndarray) -> np.ndarray:
        """C2F-W's per-fire factor 1 + CV |z|, with CV a C float (as its ``--ROS-CV``)."""
        return 1.0 + float(np.float32(self.ros_cv)) * np.abs(z)

    @property
    def edge_rates(self) -> np.ndarray:
        """The edge-rate table the kernels read: float32 without ROS-CV, else the doubles C2F-W scales."""
        return self.tables.rates if self.ros_cv == 0 else self.tables.rates64

    def _batch(self, layouts) -> np.ndarray:
        """Layouts as bool [B, n]; numbers other than 0 and 1 (0.5, NaN, inf) are refused."""
        try:
            arr = np.asarray(layouts)
        except Exception:  # ragged and the like: as_layout_batch names the problem
            arr = layouts
        if isinstance(arr, np.ndarray) and arr.dtype != bool and np.issubdtype(arr.dtype, np.number):
            bad = (arr != 0) & (arr != 1)
            if bad.any():
                idx = tuple(int(i) for i in np.argwhere(bad)[0])
                raise LayoutError(f"layout value {float(arr[idx])} at index {idx}: a layout holds 0 (no firebreak) or "
                                  "1 (firebreak) per cell, or booleans; round or threshold it first")
        return as_layout_batch(arr, self.shape).reshape(-1, self.n_cells)

    def ignitions(self, layouts) -> np.ndarray:
        """The ignition cell of every fire on every layout (int64 [B, N], -1 = no fire)."""
        return self._ignitions(self._batch(layouts))

    def _ignitions(self, batch: np.ndarray) -> np.ndarray:
        sc = self.scenarios
        blocked = batch | ~self.tables.burnable[None, :]  # [B, n]
        b = len(batch)
        if sc.tries is not None:  # no Ignitions.csv: first tried cell that can burn
            ok = ~blocked[:, sc.tries]  # [B, N, T]
            first = ok.argmax(axis=2)
            ign = np.where(ok.any(axis=2), np.take_along_axis(
                np.broadcast_to(sc.tries, ok.shape), first[..., None], 2)[..., 0], -1)
            return ign.astype(np.int64)
        ign = np.broadcast_to(sc.candidate, (b, self.n_fires)).copy()
        hit = blocked[np.arange(b)[:, None], ign]
        if self.ignition_mode == "cell2fire":
            ign[hit] = -1
        elif hit.any():
            # redraw among the block's usable cells, from a generator keyed by (seed, fire)
            for bi, fi in zip(*np.nonzero(hit)):
                usable = sc.candidates[~blocked[bi, sc.candidates]]
                if usable.size == 0:
                    ign[bi, fi] = -1
                else:
                    rng = np.random.default_rng([self.seed & 0xFFFFFFFF, int(fi)])
                    ign[bi, fi] = usable[rng.integers(usable.size)]
        return ign

    # ------------------------------------------------------------------ running fires
    def _run(self, layouts, want_masks: bool, record_parents: bool = False, sums: str = ""):
        """Run every fire; ``sums`` ("burn" or "subtree") asks for that per-layout [B, n] sum."""
        batch = self._batch(layouts)
        t, sc = self.tables, self.scenarios
        ign = self._ignitions(batch)
        b, n = len(batch), self.n_cells
        counts = np.zeros((b, self.n_fires), np.int64)
        masks = np.zeros((b, self.n_fires, n) if want_masks else (0, 0, 0), np.bool_)
        parents = np.zeros((b, self.n_fires, n) if record_parents else (0, 0, 0), np.int32)
        burn = np.zeros((b, n) if sums == "burn" else (0, 0), np.int64)
        subtree = np.zeros((b, n) if sums == "subtree" else (0, 0), np.int64)
        kernel.simulate_batch(np.ascontiguousarray(batch), sc.weather, sc.factor, ign, ~t.burnable, self.edge_rates,
                              t.hros, t.nrows, t.nbr, t.dist, want_masks, counts, masks, parents, burn, subtree)
        return counts, masks, parents, ign, burn if sums == "burn" else subtree

    def evaluate(self, layouts) -> np.ndarray:
        """Fitness of each layout: mean over the N fires of the fraction of cells not burned."""
        counts = self._run(layouts, want_masks=False)[0]
        return 1.0 - counts.mean(axis=1) / self.n_cells

    def burned_counts(self, layouts) -> np.ndarray:
        """Burned cells of every fire on every layout: int64 [B, N]."""
        return self._run(layouts, want_masks=False)[0]

    def burned(self, layouts) -> np.ndarray:
        """Final burned cells of every fire on every layout: bool [B, N, H, W]."""
        masks = self._run(layouts, want_masks=True)[1]
        return masks.reshape(len(masks), self.n_fires, *self.shape)

    def burn_probability(self, layouts, chunk: int = 256) -> np.ndarray:
        """Share of the N fires that burn each cell: float [B, H, W].

        Counted in the kernel, fire by fire: memory is [B, H, W], not one grid per fire
        (1,000 fires on a 400,000-cell landscape would need 400 MB a layout)."""
        batch = self._batch(layouts).reshape(-1, *self.shape)
        out = np.empty(batch.shape, np.float64)
        for i in range(0, len(batch), chunk):
            counts = self._run(batch[i:i + chunk], want_masks=False, sums="burn")[4]
            out[i:i + chunk] = (counts / self.n_fires).reshape(-1, *self.shape)
        return out

    def subtree_totals(self, layouts) -> np.ndarray:
        """Sum over the N fires of every cell's subtree size in the fire's spread tree: int64 [B, H, W].

        What downstream protection value needs (``baselines.dpv``), without the ``[N, H*W]``
        spread trees of :meth:`simulate`: a cell counts itself plus every cell downstream of it."""
        totals = self._run(layouts, want_masks=False, sums="subtree")[4]
        return totals.reshape(len(totals), *self.shape)

    def simulate(self, layouts, record_parents: bool = False) -> SimulationResult:
        """Burned cells, ignition cell and (optionally) the spread tree of every fire.

        ``parents[b, k, c]`` is the 0-based cell that set cell c alight in fire k (-1 for the
        ignition cell, -2 for cells that did not burn): the tree the fire spread along.
        """
        counts, masks, parents, ign, _ = self._run(layouts, want_masks=True, record_parents=record_parents)
        return SimulationResult(burned=masks.reshape(len(masks), self.n_fires, *self.shape), ignition=ign,
                                parents=parents if record_parents else None)
