"""`plot_results`: the competition's learning-curve picture of a training run's monitor log."""

from __future__ import annotations

from pathlib import Path

from arena.train.selfplay import plot_monitor


def plot_results(log_folder: str, title: str = "Learning Curve") -> Path:
    """Plot `log_folder`'s `monitor.csv` (episode rewards, smoothed over 50) to `log_folder + title + ".png"`."""
    return plot_monitor(Path(log_folder) / "monitor.csv", Path(log_folder + title + ".png"))
