"""The fire simulator: firebreak layouts in, fitness, burn maps and spread trees out.

Arrays in, arrays out: nothing here knows of torch, DEAP or configs. ``FireSimulator`` runs
the Cell2Fire model (FBP rates, C2F-W's exact spread bookkeeping and random draws) in
compiled kernels; ``load_landscape`` reads a Cell2Fire instance folder, ``default_landscape``
is the built-in Sub20x20.
"""

from latentga.simulator.landscape import CURING_MODES, Landscape, default_landscape, load_landscape
from latentga.simulator.simulator import IGNITION_SOURCES, SIMULATOR_DEFAULTS, FireSimulator, SimulationResult

__all__ = ["Landscape", "default_landscape", "load_landscape", "FireSimulator", "SIMULATOR_DEFAULTS",
           "SimulationResult", "IGNITION_SOURCES", "CURING_MODES"]
