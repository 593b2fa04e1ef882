"""Which fuel model a landscape burns in, and the coefficients of the Kitral and Scott & Burgan ones.

Cell2Fire (C2F-W) picks its rate equations with ``--sim``: ``C`` Canadian FBP, ``K`` Kitral
(Chile), ``S`` Scott & Burgan (the Spanish fuel models). An instance folder says which it is
made for by the lookup table it carries: ``fbp_lookup_table.csv``, ``kitral_lookup_table.csv``
or ``spain_lookup_table.csv``. latentga reads the same tables, so the folder chooses the model;
``simulator.fuel_model`` overrides when a folder carries more than one.

Kitral and Scott & Burgan key their coefficients by the raster's grid code (C2F-W's
``nftype``), not by the type's name, so the tables here are keyed by grid code too. The numbers
are C2F-W's (``FuelModelKitral.cpp``: ``setup_const``; ``FuelModelSpain.cpp``:
``initialize_coeff``, four fuel-moisture scenarios, 3 being C2F-W's default), stored as data in
``data/kitral_coefficients.csv`` and ``data/scott_burgan_coefficients.csv``.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import numpy as np

from latentga.errors import LandscapeError

__all__ = ["FUEL_MODELS", "LOOKUP_TABLES", "MODEL_WEATHER_COLUMNS", "SB_DEFAULT_SCENARIO", "choose_fuel_model",
           "kitral_fmc", "scott_burgan_coefficients", "check_codes"]

#: The fuel models the built-in simulator burns, as ``simulator.fuel_model`` names them.
FUEL_MODELS = ("fbp", "kitral", "scott_burgan")
#: The lookup table that marks a folder as made for each model (C2F-W's file names).
LOOKUP_TABLES = {"fbp": "fbp_lookup_table.csv", "kitral": "kitral_lookup_table.csv",
                 "scott_burgan": "spain_lookup_table.csv"}
#: Weather columns each model reads (C2F-W: FBP WS/WD/FFMC/BUI; Kitral WS/WD/TMP/RH; S&B WS/WD).
MODEL_WEATHER_COLUMNS = {"fbp": ("WS", "WD", "FFMC", "BUI"), "kitral": ("WS", "WD", "TMP", "RH"),
                         "scott_burgan": ("WS", "WD")}
#: C2F-W's default ``--scenario`` (the fuel-moisture scenario of the S&B coefficients).
SB_DEFAULT_SCENARIO = 3
_DATA = Path(__file__).with_name("data")
_NOT_MODELLED = {"portugal_lookup_table.csv": "the Portuguese fuel model (C2F-W --sim P)"}


def choose_fuel_model(folder: Path, override: str | None = None) -> str:
    """The folder's fuel model: ``override`` if given (its table must be there), else the one
    lookup table present. No table, or several without an override, is one clear error."""
    if override is not None:
        if override not in FUEL_MODELS:
            raise LandscapeError(f"fuel model {override!r} is not one of {', '.join(FUEL_MODELS)}; "
                                 "set simulator.fuel_model to one of them (or leave it empty)")
        if not (folder / LOOKUP_TABLES[override]).exists():
            raise LandscapeError(f"{folder} has no {LOOKUP_TABLES[override]}, which fuel model {override} needs; "
                                 "copy Cell2Fire's table there or choose the folder's own model")
        return override
    found = [m for m in FUEL_MODELS if (folder / LOOKUP_TABLES[m]).exists()]
    if len(found) == 1:
        return found[0]
    if found:
        raise LandscapeError(f"{folder} has lookup tables for {', '.join(found)}; set simulator.fuel_model "
                             "to the one to burn")
    for name, what in _NOT_MODELLED.items():
        if (folder / name).exists():
            raise LandscapeError(f"{folder} is made for {what}, which the built-in simulator does not model; "
                                 "use a landscape with an fbp, kitral or spain lookup table")
    raise LandscapeError(f"{folder} has no fuel lookup table; copy Cell2Fire's fbp_lookup_table.csv, "
                         "kitral_lookup_table.csv or spain_lookup_table.csv there")


def _rows(name: str) -> list[dict]:
    with open(_DATA / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def kitral_fmc() -> dict[int, float]:
    """Kitral grid code -> its propagation factor ``fmc`` (m/s, as C2F-W's float)."""
    return {int(r["grid_value"]): float(np.float32(float(r["fmc"]))) for r in _rows("kitral_coefficients.csv")}


@lru_cache(maxsize=4)
def scott_burgan_coefficients(scenario: int = SB_DEFAULT_SCENARIO) -> dict[int, tuple[float, float, float]]:
    """S&B grid code -> (p1, p2, p3) of ``ros = 1 / (p1 exp(-p2 WS) + p3)`` in one moisture scenario."""
    table = {int(r["grid_value"]): tuple(float(np.float32(float(r[k]))) for k in ("p1", "p2", "p3"))
             for r in _rows("scott_burgan_coefficients.csv") if int(r["scenario"]) == scenario}
    if not table:
        raise LandscapeError(f"Scott & Burgan scenario {scenario} does not exist; use 1, 2, 3 or 4 (3 is C2F-W's default)")
    return table


def check_codes(model: str, lookup: dict[int, str], used: set[int], lookup_name: str) -> None:
    """Every burnable grid code the raster uses must have the model's coefficients."""
    if model == "fbp":
        return  # FBP resolves its types by name (latentga.simulator.fbp), when the tables are built
    known = kitral_fmc() if model == "kitral" else scott_burgan_coefficients()
    from latentga.simulator.landscape import NON_FUEL

    bad = sorted(c for c in used if lookup.get(c, NON_FUEL) != NON_FUEL and c not in known)
    if bad:
        raise LandscapeError(f"{lookup_name} gives fuel code {bad[0]} ({lookup[bad[0]]}) a fuel type, but the {model} "
                             f"fuel model has no rates for code {bad[0]} (it knows {min(known)}-{max(known)}: "
                             f"{len(known)} codes); mark it Non-fuel in the table or fix the raster")
