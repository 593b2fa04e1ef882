"""The GA engine: DEAP individuals, a toolbox built from a config and a Problem, the algorithm
object (ask/tell, callbacks, terminations; elitism, batched variation, a fitness cache, optional
delta evaluation) and atomic checkpoints. It knows nothing of fires: see :mod:`latentga.problems`."""

from latentga.ga.algorithm import GeneticAlgorithm, default_variation
from latentga.ga.callbacks import Callback, Checkpoint, OnGeneration, Progress, Statistics
from latentga.ga.checkpoint import config_fingerprint, load_checkpoint, save_checkpoint
from latentga.ga.engine import CHECKPOINT_NAME, run_ga, standard_callbacks
from latentga.ga.individual import FitnessMax, Layout, make_individual
from latentga.ga.init import initial_individuals
from latentga.ga.loop import RUN_FIELDS, default_statistics, evaluate, vary
from latentga.ga.termination import Generations, MaxCost, MaxSeconds, NoImprovement, Termination
from latentga.ga.toolbox import build_toolbox, operators_need_model, parallel_map

__all__ = [
    "run_ga", "CHECKPOINT_NAME", "initial_individuals", "standard_callbacks",
    "GeneticAlgorithm", "default_variation",
    "Callback", "Statistics", "Checkpoint", "OnGeneration", "Progress",
    "Termination", "Generations", "MaxCost", "MaxSeconds", "NoImprovement",
    "build_toolbox", "operators_need_model", "parallel_map",
    "vary", "evaluate", "default_statistics", "RUN_FIELDS",
    "save_checkpoint", "load_checkpoint", "config_fingerprint",
    "Layout", "FitnessMax", "make_individual",
]
