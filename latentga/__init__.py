"""latentga: genetic algorithms whose operators act in the latent space of a VAE/CCVAE,
applied to firebreak placement scored by a Cell2Fire-compatible fire simulator.

The package flows one way: ``simulator`` (layouts -> fitness) -> ``dataset`` -> ``models``
(VAE/CCVAE) -> ``latentga.operators`` (DEAP operators; the top-level ``operators/`` folder of
the repository) -> ``ga`` (toolbox, algorithm, checkpoints) -> ``cli`` and ``benchmarks``.
"""

from latentga._source_tree import install as _install_source_operators

_install_source_operators(__path__[0])

__version__ = "0.1.0"
__all__ = ["__version__"]
