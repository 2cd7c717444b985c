"""`--plot`: PNG curves of a run, from its CSV log and its newest checkpoint's evaluation history.

    plot_run("checkpoints/my_run")   # writes my_run/curves.png
"""

from __future__ import annotations

from pathlib import Path

from arena.train.checkpoints import SaveHandler, SaveHandlerMode
from arena.train.logs import read_progress


def plot_run(run_dir: str | Path) -> Path:
    """Episode reward and reward terms over training; evaluation scores and rating per checkpoint, if any."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run_dir = Path(run_dir)
    rows = read_progress(run_dir)
    latest = SaveHandler(run_name=run_dir.name, save_path=str(run_dir.parent), mode=SaveHandlerMode.RESUME).latest()
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
    rewards.legend(fontsize="small")
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

