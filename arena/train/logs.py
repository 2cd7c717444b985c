"""What a run reports: TensorBoard scalars with stable names, a CSV of the same, a rich progress bar, and with
`--plot` PNG curves (`plot_run`: writes `<run>/curves.png` from the CSV and the newest checkpoint's evaluations).

Scalars (under `<run>/logs/`, the same names for every algorithm; SB3 adds its own `train/*`
and `rollout/*`). The CSV is `progress.csv`, or `progress_<N>.csv` for a session resumed at
step N (`read_progress` joins them):

| name | what |
| --- | --- |
| `reward/<term>` | mean per-episode total of each reward term, episodes finished in the last rollout |
| `league/win_rate/<opponent>` | the learner's win rate (draws half) against each pool opponent, whole run |
| `league/snapshots` | snapshots in the pool |
| `eval/score/<opponent>` | score rate of the newest checkpoint against each benchmark |
| `eval/rating` | the newest checkpoint's Elo rating (first benchmark = 1000) |
| `time/frames_per_second` | game frames stepped per second (policy steps x repeat) |
"""

from __future__ import annotations

import csv
import json
import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from stable_baselines3.common.callbacks import BaseCallback

from arena.train.checkpoints import check_not_past, newest_checkpoint
from arena.train.league import OpponentPool, Record

LOG_DIR = "logs"


class RunLog:
    """The run's SB3 logger (TensorBoard + CSV) and its progress bar."""

    def __init__(self, run_dir: Path, total: int, start: int = 0, frames_per_step: int = 1,
                 formats: tuple[str, ...] = ("tensorboard", "csv")):
        self.sb3_logger = sb3_logger(run_dir / LOG_DIR, start, formats)
        self.frames_per_step = frames_per_step
        self.progress = Progress(TextColumn(f"[bold]{run_dir.name}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[status]}"), TimeRemainingColumn(), transient=False)
        self.task = self.progress.add_task("train", total=total, completed=start, status="")
        self.progress.start()
        self.clock = (time.perf_counter(), start)

    def rollout(self, steps: int, status: str) -> None:
        started, first = self.clock
        elapsed = time.perf_counter() - started
        if elapsed > 0 and steps > first:
            self.sb3_logger.record("time/frames_per_second", (steps - first) * self.frames_per_step / elapsed)
        self.progress.update(self.task, completed=steps, status=status)

    def evaluation(self, scores: dict[str, float], ratings: dict[str, float], steps: int) -> None:
        for opponent, score in scores.items():
            self.sb3_logger.record(f"eval/score/{_tag(opponent)}", score)
        self.sb3_logger.record("eval/rating", ratings.get(f"step_{steps}", 0.0))
        self.sb3_logger.record("time/total_timesteps", steps)  # the CSV row's step, as SB3's own rows have it
        self.sb3_logger.dump(steps)
        summary = ", ".join(f"{name} {score:.0%}" for name, score in scores.items())
        anchor = f" ({next(iter(scores))} = 1000)" if scores else ""  # the first benchmark anchors the scale
        self.progress.console.print(f"step {steps:,}: scores {summary}; Elo rating "
                                    f"{ratings.get(f'step_{steps}', 0.0):.0f}{anchor}", soft_wrap=True)  # one line in logs

    def close(self) -> None:
        self.progress.stop()
        self.sb3_logger.close()


def sb3_logger(folder: Path, start: int = 0, formats: tuple[str, ...] = ("tensorboard", "csv")) -> Any:
    """An SB3 logger writing `formats` into `folder`, its CSV `progress_<start>.csv` for a session resumed at step
    `start` (one must not overwrite the earlier session's)."""
    from stable_baselines3.common.logger import Logger, make_output_format

    suffix = f"_{start}" if start else ""
    return Logger(str(folder), [make_output_format(f, str(folder), suffix) for f in formats])


def check_libraries(plot: bool) -> None:
    """Before a run trains: ModuleNotFoundError (which `arena train` turns into what to install) for a library its
    logs need. SB3's TensorBoard output only asserts once it is made, and `plot` draws after the last step."""
    import tensorboard  # noqa: F401

    if plot:
        import matplotlib  # noqa: F401


def whole_rollouts(timesteps: int, n_steps: int, n_envs: int, learner: str) -> int:
    """`timesteps` rounded up to whole rollouts of `n_steps` x `n_envs` policy steps (an on-policy
    `learner` stops only between rollouts), saying so at the start when that changes it."""
    rollout = n_steps * n_envs
    total = -(-timesteps // rollout) * rollout
    if total != timesteps:
        print(f"training {total:,} policy steps instead of {timesteps:,}: {learner} learns from whole rollouts "
              f"of n_steps {n_steps} x n_envs {n_envs} = {rollout:,} steps; ask for a multiple of {rollout:,} "
              f"to train exactly that many", flush=True)
    return total


class ProgressCallback(BaseCallback):
    """Moves the run's progress bar (and logs its speed) after every rollout."""

    def __init__(self, log: RunLog):
        super().__init__()
        self.log = log

    def _on_step(self) -> bool:
        return True

    def _on_rollout_end(self) -> None:
        self.log.rollout(self.num_timesteps, self.status())

    def status(self) -> str:
        """A short line shown beside the bar."""
        return ""


class LeagueCallback(ProgressCallback):
    """Records every finished episode in the pool and logs reward terms and win rates after each rollout."""

    def __init__(self, pool: OpponentPool, log: RunLog):
        super().__init__(log)
        self.pool = pool
        self.terms: dict[str, list[float]] = defaultdict(list)

    def _on_step(self) -> bool:
        for info in self.locals["infos"]:
            league = info.get("league")
            if league is None:
                continue
            self.pool.record(league["opponent"], league["snapshot"], league["outcome"])
            for term, total in info.get("reward_terms", {}).items():
                self.terms[term].append(total)
        return True

    def _on_rollout_end(self) -> None:
        for term, totals in self.terms.items():
            self.logger.record(f"reward/{term}", sum(totals) / len(totals))
        self.terms.clear()
        for name, record in self._by_name().items():
            self.logger.record(f"league/win_rate/{_tag(name)}", record.win_rate)
        self.logger.record("league/snapshots", len(self.pool.snapshots))
        super()._on_rollout_end()

    def status(self) -> str:
        return "  ".join(f"{name} {record.win_rate:.0%}" for name, record in sorted(self._by_name().items()))

    def _by_name(self) -> dict[str, Record]:
        """The learner's record against each pool opponent, all snapshots of self-play together."""
        totals: dict[str, Record] = defaultdict(Record)
        for key, record in self.pool.records.items():
            total = totals[key.split("@", 1)[0]]
            total.wins, total.draws, total.losses = (total.wins + record.wins, total.draws + record.draws,
                                                     total.losses + record.losses)
        return dict(totals)


def finish_run(run_dir: Path, evaluation: dict[str, Any], summary: str, plot: bool) -> None:
    """Keep a finished run's last evaluation in `evaluation.json`, print `summary`, and draw its curves if asked."""
    (run_dir / "evaluation.json").write_text(json.dumps(evaluation))
    print(summary)
    if plot:
        plot_run(run_dir)


def trained_already(run_dir: Path, resumed_at: int, timesteps: int, plot: bool = False) -> bool:
    """Whether a run resumed at step `resumed_at` has nothing left of the `timesteps` asked (saying so, and
    drawing its curves if `plot`: a run stopped while it drew them has only them to make); ArenaError where
    it is past them."""
    check_not_past(run_dir, resumed_at, timesteps)
    if resumed_at != timesteps:
        return False
    # A run retried until it succeeds: it has.
    print(f"{run_dir} has trained its {resumed_at:,} steps already: nothing more to do")
    if plot:
        plot_run(run_dir)
    return True


def read_progress(run_dir: Path) -> list[dict[str, str]]:
    """The CSV rows of all a run's sessions in step order; rows a later session redid are dropped."""
    sessions = sorted((int(m.group(1) or 0), path) for path in (Path(run_dir) / LOG_DIR).glob("progress*.csv")
                      if (m := re.fullmatch(r"progress(?:_(\d+))?\.csv", path.name)))
    rows: list[dict[str, str]] = []
    for index, (start, path) in enumerate(sessions):
        end = sessions[index + 1][0] if index + 1 < len(sessions) else None
        with path.open(newline="") as handle:
            rows += [r for r in csv.DictReader(handle) if r.get("time/total_timesteps")
                     and (end is None or float(r["time/total_timesteps"]) <= end)]
    return rows


def plot_run(run_dir: str | Path) -> Path:
    """Episode reward and reward terms over training; evaluation scores and rating per checkpoint, if any."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run_dir = Path(run_dir)
    rows = read_progress(run_dir)
    latest = newest_checkpoint(run_dir)  # None: curves of a run before its first checkpoint
    history = latest[1].get("evaluation", {}).get("history", []) if latest else []
    panels = 3 if history else 1  # snake and relay runs have no league evaluations
    figure, axes = plt.subplots(1, panels, figsize=(5 * panels, 4), squeeze=False)
    rewards = axes[0][0]
    steps = [float(r["time/total_timesteps"]) for r in rows]
    columns = sorted(c for c in (rows[0] if rows else {}) if c.startswith("reward/") or c == "eval/mean_reward")
    for column in ["rollout/ep_rew_mean", *columns]:
        points = [(x, float(r[column])) for x, r in zip(steps, rows) if r.get(column)]
        if points:
            rewards.plot(*zip(*points), label=column.split("/", 1)[1])
    rewards.set(title="rewards per episode", xlabel="policy steps")
    if rewards.lines:
        rewards.legend(fontsize="small")
    else:
        rewards.text(0.5, 0.5, "no episode finished yet", ha="center", va="center", transform=rewards.transAxes)
    if history:
        scores, rating = axes[0][1:]
        for opponent in sorted({name for entry in history for name in entry["scores"]}):
            points = [(e["steps"], e["scores"][opponent]) for e in history if opponent in e["scores"]]
            scores.plot(*zip(*points), marker="o", label=opponent)
        scores.set(title="evaluation score rate", xlabel="policy steps", ylim=(-0.02, 1.02))
        scores.legend(fontsize="small")
        rating.plot([e["steps"] for e in history], [e["rating"] for e in history], marker="o")
        rating.set(title="Elo rating (first benchmark = 1000)", xlabel="policy steps")
    figure.tight_layout()
    out = run_dir / "curves.png"
    figure.savefig(out, dpi=100)
    plt.close(figure)
    return out


def _tag(name: str) -> str:
    """A name usable in a TensorBoard tag."""
    return "".join(c if c.isalnum() or c in "_-." else "_" for c in name)
