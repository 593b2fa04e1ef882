"""Side-by-side comparison of the GA variants and the baselines (``benchmarks/compare.py``).

- :mod:`~latentga.comparison.config`: the comparison config (methods, seeds, budgets, held-out fires).
- :mod:`~latentga.comparison.tasks`: one (method, seed) run, picklable for SCOOP / process pools.
- :mod:`~latentga.comparison.runner`: prepare models once, map the tasks, write outputs.
- :mod:`~latentga.comparison.aggregate`: the tidy per-generation table and the summary.
- :mod:`~latentga.comparison.plots`: convergence, held-out fitness vs cost, best layouts.
- :mod:`~latentga.comparison.tuning`: the vanilla GA's rate sweep (so it is no straw man).
"""

from latentga.comparison.aggregate import summary_frame, summary_markdown, tidy_frame
from latentga.comparison.config import (
                                        BASELINES,
                                        COMPARE_DEFAULTS,
                                        QUICK,
                                        load_compare_config,
                                        method_budget,
                                        validate_compare_config,
                                        variant_config,
)
from latentga.comparison.runner import (
                                        Comparison,
                                        build_tasks,
                                        comparison_map,
                                        prepare_models,
                                        run_comparison,
                                        write_outputs,
)
from latentga.comparison.tasks import Task, TaskResult, run_task

__all__ = [
    "BASELINES", "COMPARE_DEFAULTS", "QUICK", "load_compare_config", "validate_compare_config",
    "variant_config", "method_budget",
    "Task", "TaskResult", "run_task",
    "Comparison", "build_tasks", "prepare_models", "comparison_map", "run_comparison", "write_outputs",
    "tidy_frame", "summary_frame", "summary_markdown",
]
