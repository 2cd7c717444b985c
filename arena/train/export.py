"""`arena export`: a training run's checkpoint as a submission folder that plays offline.

    export_run("ppo_fighter", "submissions/ppo_fighter")

writes `agent.py` (`SubmittedAgent`, a `PolicyAgent`), `model.zip` (the checkpoint), `policy.json`
(algorithm, controls) and `arena.toml` (name, env, weights). Nothing is downloaded at play time.
Fighting, relay and snake runs export alike (a snake run's learner i with `prefix="snake_i"`).
"""

from __future__ import annotations

import json
from pathlib import Path

from arena.errors import ArenaError
from arena.train.checkpoints import SaveHandler, SaveHandlerMode, checkpoint_steps
from arena.train.policy import SIDECAR, load_model, read_sidecar

AGENT_PY = '''"""{name}: a {env} policy trained with `arena train` (run {run!r}, {steps:,} policy steps).

It plays the SB3 model in model.zip as policy.json says (algorithm, and for the fighting game the
controls: key combinations, frames per decision); see `arena.train.policy.PolicyAgent`.
"""

from arena.train.policy import PolicyAgent


class SubmittedAgent(PolicyAgent):
    """The trained policy in model.zip."""
'''


def export_run(run: str, out: str | Path, save_path: str = "checkpoints", steps: int | None = None,
               sample: bool = True, prefix: str = "rl_model") -> Path:
    """Write run `run`'s newest checkpoint `<prefix>_<N>_steps.zip` (or N = `steps`) as the submission folder `out`."""
    saver = SaveHandler(run_name=run, save_path=save_path, name_prefix=prefix, mode=SaveHandlerMode.RESUME)
    if not saver.history:
        raise ArenaError(f"{saver.run_dir}: no {prefix}_*_steps.zip checkpoints to export; train first "
                         f"(arena train ... --run {run}), or name the checkpoints with --prefix (snake: snake_0)")
    checkpoint = Path(saver.history[-1] if steps is None else saver.checkpoint_path(steps))
    if not checkpoint.is_file():
        saved = ", ".join(Path(p).name for p in saver.history)
        raise ArenaError(f"{checkpoint}: no such checkpoint; the run has {saved}")
    sidecar = read_sidecar(checkpoint)
    env = sidecar.get("env", "fighting")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _save_for_play(checkpoint, out / "model.zip")
    (out / SIDECAR).write_text(json.dumps({**sidecar, "sample": sample}))
    (out / "agent.py").write_text(AGENT_PY.format(name=out.name, env=env, run=run, steps=checkpoint_steps(checkpoint)))
    (out / "arena.toml").write_text(f'name = "{out.name}"\nenv = "{env}"\nweights = "model.zip"\n')
    return out


def _save_for_play(checkpoint: Path, out: Path) -> None:
    """The checkpoint's model without the optimizer's running state (a submission only plays): a third of the size."""
    model = load_model(checkpoint)
    policy = model.policy
    policy.optimizer = policy.optimizer_class(policy.parameters(), lr=policy.optimizer.param_groups[0]["lr"],
                                              **policy.optimizer_kwargs)
    model.save(out)
