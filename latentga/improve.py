"""Improve an existing plan with at most M moves: the few changes that help most.

Why: a land manager rarely starts from nothing; the question is "we have these breaks, what
are the few changes that help most?". :func:`improve_plan` answers it greedily: each step takes
the single move (a break from one cell to another, or a new break while the plan has fewer than
``firebreaks``) that raises the fitness on the search fires most, scored EXACTLY by delta
evaluation (:class:`~latentga.simulator.delta.DeltaEvaluator`: only the fires a move can change
are re-run). It stops early when no move strictly improves, so the result never has more than
M moves and never scores below its input on those fires.

Candidate moves come from three generators: a screen (every free cell scored as an added break;
the ``shortlist`` best are the destinations tried from every current break), optionally the whole
neighbourhood (``exhaustive``), and optionally a latent model's gradient interventions (the
CCVAE's code pushed up its fitness head, decoded; the cells the decoding adds and drops become
moves; see :mod:`latentga.analysis.interventions`). Each step's plan is also scored on FRESH
fires, so the gain per move reported is not the search fires' own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from latentga.errors import ConfigError, LayoutError
from latentga.simulator.delta import DeltaEvaluator

__all__ = ["ImproveResult", "improve_plan", "model_moves", "MOVE_COLUMNS", "CURVE_COLUMNS", "plot_gain_curve"]

MOVE_COLUMNS = ["move", "kind", "from_row", "from_col", "from_id", "to_row", "to_col", "to_id", "source",
                "search_fitness", "search_gain", "fresh_fitness", "fresh_gain"]
CURVE_COLUMNS = ["moves", "firebreaks", "search_fitness", "fresh_fitness", "fresh_gain", "fresh_gain_total"]


@dataclass
class ImproveResult:
    """``plans[m]``: the plan after m moves (``plans[0]`` the input); ``moves`` and ``curve`` are
    the tables (:data:`MOVE_COLUMNS`, :data:`CURVE_COLUMNS`); ``curve`` runs M = 0..max_moves."""

    plans: list
    moves: pd.DataFrame
    curve: pd.DataFrame
    max_moves: int
    fires_simulated: int
    seconds: float
    notes: list = field(default_factory=list)

    @property
    def plan(self) -> np.ndarray:
        return self.plans[-1]


def _cell(flat_id: int | None, width: int) -> tuple:
    if flat_id is None:
        return (-1, -1, 0)
    r, c = divmod(int(flat_id), width)
    return (r, c, int(flat_id) + 1)  # Cell2Fire ids are 1-based, row-major


def model_moves(model, layout: np.ndarray, iterations: int = 20, step_size: float = 0.1) -> set:
    """Moves ``(from, to)`` (flat ids) a CCVAE suggests for ``layout``: its code pushed up the
    fitness head by Adam steps on z_c, each step decoded to the plan's firebreak count; every
    (dropped cell, added cell) pair of a decoding is a move."""
    from latentga.analysis.interventions import gradient_path
    from latentga.analysis.latent import decode_layouts, encode_mean, require_conditional

    require_conditional(model, "improve (gradient interventions)")
    if tuple(model.grid_shape) != layout.shape:
        raise ConfigError(f"the model was trained on {model.grid_shape[0]}x{model.grid_shape[1]} grids but the plan "
                          f"is {layout.shape[0]}x{layout.shape[1]}; give a model trained on this landscape")
    k = int(layout.sum())
    z0 = encode_mean(model, layout[None])
    path = gradient_path(model, z0, iterations, step_size)
    decoded = decode_layouts(model, path.reshape(path.shape[0], -1), k)
    flat = layout.ravel()
    moves = set()
    for d in decoded.reshape(len(decoded), -1):
        for a in np.flatnonzero(flat & ~d):
            for b in np.flatnonzero(d & ~flat):
                moves.add((int(a), int(b)))
    return moves


def _swap(flat: np.ndarray, a: int | None, b: int) -> np.ndarray:
    child = flat.copy()
    if a is not None:
        child[a] = False
    child[b] = True
    return child


def improve_plan(simulator, plan, max_moves: int, firebreaks: int | None = None, fresh=None, model=None,
                 shortlist: int = 40, exhaustive: bool = False, allowed=None) -> ImproveResult:
    """The best plan found within ``max_moves`` moves of ``plan`` (greedy, exact delta evaluation).

    Args:
        simulator: the built-in simulator whose fires the moves are chosen on (search fires).
        plan: bool ``[H, W]``, the existing breaks.
        max_moves: M >= 0; the result has at most M moves.
        firebreaks: the budget K (default: the plan's count); with K above it, a move may add a
            break instead of moving one, until the plan has K.
        fresh: a simulator with other fires (same landscape) every step's plan is scored on; None: none.
        model: a trained CCVAE whose gradient interventions propose moves; None: not used.
        shortlist: destinations tried from every break (the best cells as added breaks).
        exhaustive: try every (break, free cell) move, not only the shortlist's.
        allowed: bool ``[H, W]`` cells that may hold a break (default: the burnable ones).
    """
    t0 = time.perf_counter()
    shape = tuple(simulator.shape)
    plan = np.asarray(plan, bool)
    if plan.shape != shape:
        raise LayoutError(f"the plan is {plan.shape[0]}x{plan.shape[1]} but the landscape is {shape[0]}x{shape[1]}")
    if not isinstance(max_moves, (int, np.integer)) or max_moves < 0:
        raise ConfigError(f"--max-moves must be a whole number >= 0, got {max_moves!r}")
    if not isinstance(shortlist, (int, np.integer)) or shortlist < 1:
        raise ConfigError(f"shortlist must be a whole number >= 1, got {shortlist!r}")
    k0 = int(plan.sum())
    k = k0 if firebreaks is None else int(firebreaks)
    if k < k0:
        raise ConfigError(f"--firebreaks {k} is below the plan's {k0} breaks; improve never removes breaks "
                          f"(give --firebreaks {k0} or more)")
    allowed = (np.asarray(simulator.tables.burnable, bool).reshape(-1) if allowed is None
               else np.asarray(allowed, bool).reshape(-1))
    if k > int((allowed | plan.ravel()).sum()):
        raise ConfigError(f"--firebreaks {k} is more than the {int(allowed.sum())} cells that can hold a break")
    delta = DeltaEvaluator(simulator)
    cur = delta.record(plan[None])[0]
    start_fitness, fires = float(cur.fitness), delta.n_fires
    notes = []
    plans = [plan.copy()]
    rows = []
    for step in range(1, int(max_moves) + 1):
        flat = cur.layout.reshape(-1)
        on = np.flatnonzero(flat)
        off = np.flatnonzero(allowed & ~flat)
        if off.size == 0:
            break
        # screen: every free cell as an added break (these are the moves when breaks may be added)
        add_fit = np.empty(off.size)
        for i, b in enumerate(off):
            add_fit[i], _, f = delta.evaluate(_swap(flat, None, int(b)).reshape(shape), cur)
            fires += f
        candidates: dict = {}  # (from or None, to) -> source
        if flat.sum() < k:
            for b in off:
                candidates[(None, int(b))] = "add"
        dests = off if exhaustive else off[np.argsort(-add_fit, kind="stable")[:shortlist]]
        for a in on:
            for b in dests:
                candidates.setdefault((int(a), int(b)), "exhaustive" if exhaustive else "screen")
        if model is not None and on.size:
            for a, b in sorted(model_moves(model, cur.layout)):
                if allowed[b]:
                    key = (a, b)
                    candidates[key] = candidates[key] + "+model" if key in candidates else "model"
        best = None
        add_index = {int(b): i for i, b in enumerate(off)}
        for (a, b), source in candidates.items():  # insertion order: deterministic ties
            if a is None:
                fit = add_fit[add_index[b]]
                rec = None
            else:
                fit, rec, f = delta.evaluate(_swap(flat, a, b).reshape(shape), cur)
                fires += f
            if fit > (cur.fitness if best is None else best[0]):
                best = (fit, a, b, source, rec)
        if best is None:
            notes.append(f"no move improves the plan after {step - 1} moves (of {len(candidates)} tried)")
            break
        fit, a, b, source, rec = best
        if rec is None:  # an added break: its record
            _, rec, f = delta.evaluate(_swap(flat, None, b).reshape(shape), cur)
            fires += f
        cur = rec
        plans.append(cur.layout.copy())
        fr = _cell(a, shape[1])
        to = _cell(b, shape[1])
        rows.append([step, "add" if a is None else "move", *fr, *to, source, float(fit), 0.0, np.nan, np.nan])
    search = [start_fitness] + [r[9] for r in rows]
    fresh_fit = (np.asarray(fresh.evaluate(np.stack(plans)), float) if fresh is not None
                 else np.full(len(plans), np.nan))
    moves = pd.DataFrame(rows, columns=MOVE_COLUMNS)
    if len(moves):
        moves["search_gain"] = np.diff(search)
        moves["fresh_fitness"] = fresh_fit[1:]
        moves["fresh_gain"] = np.diff(fresh_fit)
    m_all = np.arange(int(max_moves) + 1)
    idx = np.minimum(m_all, len(plans) - 1)  # no improving move left: the curve stays flat
    curve = pd.DataFrame({"moves": m_all, "firebreaks": [int(plans[i].sum()) for i in idx],
                          "search_fitness": np.asarray(search)[idx], "fresh_fitness": fresh_fit[idx]})
    curve["fresh_gain"] = curve["fresh_fitness"].diff().fillna(0.0)
    curve["fresh_gain_total"] = curve["fresh_fitness"] - fresh_fit[0]
    return ImproveResult(plans, moves, curve[CURVE_COLUMNS], int(max_moves), int(fires),
                         time.perf_counter() - t0, notes)


def plot_gain_curve(result: ImproveResult, title: str):
    """Fitness on the search and on the fresh fires against the number of moves allowed (M)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    c = result.curve
    ax.plot(c["moves"], c["search_fitness"], marker="o", lw=1.5, label="search fires (moves chosen here)")
    if c["fresh_fitness"].notna().all():
        ax.plot(c["moves"], c["fresh_fitness"], marker="s", lw=2, label="fresh fires")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("moves allowed (M)")
    ax.set_ylabel("fitness (mean fraction of cells not burned)")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    return fig
