"""The GA engine: DEAP individuals, a toolbox built from a config, the generational loop with
elitism and a fitness cache, delta evaluation of children from their parents' fire records,
and atomic checkpoints (``run_ga`` ties them together)."""

from latentga.ga.checkpoint import config_fingerprint, load_checkpoint, save_checkpoint
from latentga.ga.delta import DeltaTracker, make_tracker
from latentga.ga.engine import CHECKPOINT_NAME, run_ga
from latentga.ga.individual import FitnessMax, Layout, make_individual
from latentga.ga.loop import LOG_FIELDS, evaluate_invalid, evaluate_with_fires, run_generations, vary
from latentga.ga.toolbox import build_toolbox, evaluate_batch, operators_need_model

__all__ = [
    "run_ga", "CHECKPOINT_NAME",
    "build_toolbox", "evaluate_batch", "operators_need_model",
    "run_generations", "vary", "evaluate_invalid", "evaluate_with_fires", "LOG_FIELDS",
    "DeltaTracker", "make_tracker",
    "save_checkpoint", "load_checkpoint", "config_fingerprint",
    "Layout", "FitnessMax", "make_individual",
]
