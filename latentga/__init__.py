"""latentga: genetic algorithms whose operators act in the latent space of a VAE/CCVAE,
applied to firebreak placement scored by a Cell2Fire-compatible fire simulator.

The package flows one way: ``simulator`` (layouts -> fitness) -> ``dataset`` -> ``models``
(VAE/CCVAE) -> the top-level ``operators`` package (DEAP operators) -> ``ga`` (toolbox,
loop, checkpoints) -> ``cli`` and ``benchmarks``.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
