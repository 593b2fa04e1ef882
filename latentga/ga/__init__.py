"""The GA engine: DEAP individuals, a toolbox built from a config, the generational loop with
elitism and a fitness cache, and atomic checkpoints (``run_ga`` ties them together)."""

from latentga.ga.checkpoint import config_fingerprint, load_checkpoint, save_checkpoint
from latentga.ga.engine import CHECKPOINT_NAME, run_ga
from latentga.ga.individual import FitnessMax, Layout, make_individual
from latentga.ga.loop import LOG_FIELDS, evaluate_invalid, run_generations, vary
from latentga.ga.toolbox import build_toolbox, evaluate_batch, operators_need_model

__all__ = [
    "run_ga", "CHECKPOINT_NAME",
    "build_toolbox", "evaluate_batch", "operators_need_model",
    "run_generations", "vary", "evaluate_invalid", "LOG_FIELDS",
    "save_checkpoint", "load_checkpoint", "config_fingerprint",
    "Layout", "FitnessMax", "make_individual",
]
