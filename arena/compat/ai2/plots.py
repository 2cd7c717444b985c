"""`plot_results`: the competition's learning-curve picture of a training run's monitor logs."""

from __future__ import annotations

from pathlib import Path

from arena.train.selfplay import plot_monitor


def plot_results(log_folder: str, title: str = "Learning Curve") -> Path:
    """Plot the episode rewards (smoothed over 50) of every SB3 monitor log in `log_folder` (`*monitor.csv`, as
    the competition's reads them: `monitor.csv`, a VecMonitor's `monitor.monitor.csv`, one per worker, ...) to
    `log_folder + title + ".png"`."""
    logs = sorted(Path(log_folder).glob("*monitor.csv"))
    if not logs:
        raise FileNotFoundError(f"{log_folder}: no monitor log (*monitor.csv, what SB3's Monitor writes) to plot")
    return plot_monitor(logs, Path(log_folder + title + ".png"))
