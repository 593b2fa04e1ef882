"""validation.early_stopping: a run that overfits its search fires gives back its earlier answer."""

from pathlib import Path

import numpy as np

from latentga.comparison import build_tasks, load_compare_config
from latentga.comparison.store import task_key
from latentga.comparison.tasks import _Point, _score_points, validation_simulator

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "compare.yaml"
QUICK = ["validation.n_fires=30", "heldout.n_fires=30", "run.simulator.n_fires=10"]


def _task(early: bool):
    config = load_compare_config(CONFIG, quick=True, overrides=QUICK + [f"validation.early_stopping={str(early).lower()}"])
    return next(t for t in build_tasks(config) if t.kind == "ga")


def _layouts(task):
    """A good layout (a full column) and a weak one (breaks in a corner), both of 20 breaks."""
    good = np.zeros((20, 20), bool)
    good[:, 10] = True
    weak = np.zeros((20, 20), bool)
    weak[:4, :5] = True
    scores = validation_simulator(task.run, task.validation).evaluate(np.stack([good, weak]))
    assert scores[0] > scores[1]
    return good, weak


def test_the_answer_is_the_best_on_validation_of_every_point_with_early_stopping():
    task = _task(True)
    good, weak = _layouts(task)
    # the search "improves" on its search fires from good to weak: the curve's last point offers only weak
    points = [_Point(100, 1.0, 10, 0.80, good[None], np.array([0.80])),
              _Point(200, 2.0, 20, 0.90, weak[None], np.array([0.90]))]
    trace, layout, search = _score_points(points, task)
    assert np.array_equal(layout, good) and search == 0.80
    assert trace["validation"].iloc[1] == trace["validation"].iloc[0]  # the answer kept, not the worse one
    plain = _task(False)
    trace, layout, search = _score_points(points, plain)
    assert np.array_equal(layout, weak) and search == 0.90
    assert trace["validation"].iloc[1] < trace["validation"].iloc[0]


def test_a_better_later_answer_still_wins_and_the_switch_off_keeps_old_task_keys():
    task = _task(True)
    good, weak = _layouts(task)
    points = [_Point(100, 1.0, 10, 0.80, weak[None], np.array([0.80])),
              _Point(200, 2.0, 20, 0.90, good[None], np.array([0.90]))]
    _, layout, _ = _score_points(points, task)
    assert np.array_equal(layout, good)
    off, on = _task(False), task
    assert task_key(off) != task_key(on)
    # pinned: the key of a task from before the switch existed (stored tasks still resume)
    config = load_compare_config(CONFIG)
    first = build_tasks(config)[0]
    assert task_key(first) == PINNED_FIRST_TASK


PINNED_FIRST_TASK = "vanilla-seed0-e6eac9c7d57c9f2e"  # main before validation.early_stopping
