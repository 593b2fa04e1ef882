"""Latent-space analysis of trained VAE/CCVAE models: the reference report's four experiments.

Each experiment is a ``run_*`` function (model, dataset, simulator, seed in; a result with
pandas tables out) whose result ``.save(out_dir)`` writes its CSVs and PNG atomically and
``.report()`` gives the key numbers as text. ``python -m latentga analyze`` wraps them.

* :func:`run_interpolation` - decode the line between the worst and best dataset codes.
* :func:`run_embeddings` - 2-D maps of z_c / z_rest / z coloured by fitness, linear-probe R^2.
* :func:`run_conditional` - prior samples and rejection sampling on the head's prediction.
* :func:`run_interventions` - gradient steps on z_c and steps along the worst-to-best direction.
"""

from latentga.analysis.conditional import ConditionalResult, run_conditional
from latentga.analysis.embeddings import EmbeddingResult, run_embeddings
from latentga.analysis.interpolation import InterpolationResult, run_interpolation
from latentga.analysis.interventions import InterventionResult, gains_stop, run_interventions
from latentga.analysis.latent import simulate_unique, simulator_for_dataset
from latentga.analysis.probes import linear_probe_r2, reduce_2d

EXPERIMENTS = ("interpolation", "embeddings", "conditional", "interventions")

__all__ = [
    "EXPERIMENTS",
    "run_interpolation",
    "InterpolationResult",
    "run_embeddings",
    "EmbeddingResult",
    "run_conditional",
    "ConditionalResult",
    "run_interventions",
    "InterventionResult",
    "gains_stop",
    "linear_probe_r2",
    "reduce_2d",
    "simulate_unique",
    "simulator_for_dataset",
]
