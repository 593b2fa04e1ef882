"""latentga.models.summary: the lines a run prints about its model."""

import pandas as pd

from latentga.models.summary import quality_line, stop_reason, training_summary


def _history(best_flags):
    return pd.DataFrame({"epoch": range(1, len(best_flags) + 1), "best": best_flags})


def test_early_stopping_is_named_with_its_reason_and_the_kept_epoch():
    msg = stop_reason(_history([True, True, False, True, False, False, False]), epochs=30, patience=3)
    assert msg.startswith("stopped early at epoch 7 of 30") and "not improved for 3 epochs" in msg
    assert msg.endswith("epoch 4")
    assert stop_reason(_history([True] * 5), epochs=5, patience=3).startswith("trained all 5 epochs")
    assert stop_reason(_history([True, False]), epochs=5, patience=3).startswith("stopped at epoch 2 of 5;")


def test_quality_line_reports_validation_precision_and_label_mae(tmp_path):
    metrics = pd.DataFrame([{"split": "train", "n": 90, "precision": 1.0, "recall": 1.0, "mae": 0.0009},
                            {"split": "validation", "n": 10, "precision": 0.957, "recall": 0.95, "mae": 0.0017}])
    line = quality_line(metrics)
    assert line.startswith("validation (10 layouts): precision 0.957, recall 0.950, label MAE 0.0017")
    assert "label MAE" not in quality_line(metrics.drop(columns=["mae"]))
    metrics.to_csv(tmp_path / "metrics.csv", index=False)
    _history([True, False, False]).to_csv(tmp_path / "history.csv", index=False)
    lines = training_summary(tmp_path, epochs=10, patience=2)
    assert lines[0].startswith("stopped early at epoch 3 of 10") and lines[1] == line
    assert training_summary(tmp_path / "missing", 10, 2) == []
