"""`arena export`: a training run's checkpoint as a submission folder that plays offline.

    export_run("ppo_fighter", "submissions/ppo_fighter")

writes `agent.py` (`SubmittedAgent`, a `PolicyAgent`), `model.zip` (the checkpoint), `policy.json`
(algorithm, controls) and `arena.toml`: name, env, weights, and under `[options]` every game option
the run trained with (snake's `num_snakes`, `frame_stack`, grid and vision; the relay's
`num_players` and `leg_length`), so `arena validate` and `arena match` build the game the policy
knows. Nothing is downloaded at play time. Fighting, relay and snake runs export alike (a snake
run's learner i with `prefix="snake_i"`).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from arena.errors import ArenaError
from arena.export_folder import MARK, STAGING_PREFIX, export_folder
from arena.held_signals import signals_held
from arena.train.checkpoints import checkpoint_steps, run_meant, saved_checkpoints
from arena.train.policy import SIDECAR, load_model, read_sidecar

AGENT_PY = '''"""{name}: a {env} policy trained with `arena train` (run {run!r}, {steps:,} policy steps).

It plays the SB3 model in model.zip as policy.json says (algorithm, and for the fighting game the
controls: key combinations, frames per decision); see `arena.train.policy.PolicyAgent`.
"""

{mark}
from arena.train.policy import PolicyAgent


class SubmittedAgent(PolicyAgent):
    """The trained policy in model.zip."""
'''


def export_run(run: str, out: str | Path, save_path: str = "checkpoints", steps: int | None = None,
               sample: bool | None = None, prefix: str = "rl_model") -> Path:
    """Write run `run`'s newest checkpoint `<prefix>_<N>_steps.zip` (or N = `steps`) as the submission folder `out`.
    `sample`: draw actions from the policy, or play its most likely ones; by default as the run's evaluations
    played it (the fighting league samples; snake and relay runs play the most likely action)."""
    run_dir = Path(save_path) / run
    meant = run_meant(run_dir)
    if meant is not None:
        raise ArenaError(f"{run_dir}: no such run; did you mean {meant}?")
    saved = saved_checkpoints(run_dir, prefix)
    if not saved:
        others = sorted({path.name.rsplit("_", 2)[0] for path in run_dir.glob("*_*_steps.zip")})
        if others:
            raise ArenaError(f"{run_dir}: no {prefix}_*_steps.zip checkpoints to export; it holds those of "
                             f"{', '.join(others)}: name one with --prefix (e.g. --prefix {others[0]})")
        raise ArenaError(f"{run_dir}: no checkpoints to export; train first (arena train ... --run {run})")
    checkpoint = saved[-1] if steps is None else run_dir / f"{prefix}_{steps}_steps.zip"
    if not checkpoint.is_file():
        raise ArenaError(f"{checkpoint}: no such checkpoint; the run has {', '.join(p.name for p in saved)}")
    sidecar = read_sidecar(checkpoint)
    env = sidecar.get("env", "fighting")
    out = export_folder(out)
    if sample is None:  # a run that does not say is one from before runs said: only the fighting league sampled
        sample = sidecar.get("sample", env == "fighting")
    manifest = manifest_text(out.name, env, sidecar.get("env_options", {}))
    # Every file is made ready in a folder of its own inside `out` first (torch loads for seconds), then renamed
    # in with Ctrl-C held, agent.py last: a stopped export leaves no part of a submission (see `export_folder`).
    with tempfile.TemporaryDirectory(prefix=STAGING_PREFIX, dir=out) as staging:
        ready = Path(staging)
        # Copied before torch loads: a run still going replaces its checkpoints, deleting older ones.
        shutil.copyfile(checkpoint, ready / "model.zip")
        _save_for_play(ready / "model.zip")
        (ready / SIDECAR).write_text(json.dumps({**sidecar, "sample": sample}))
        (ready / "arena.toml").write_text(manifest)
        (ready / "agent.py").write_text(AGENT_PY.format(name=out.name, env=env, run=run,
                                                        steps=checkpoint_steps(checkpoint), mark=MARK))
        with signals_held():
            for name in (SIDECAR, "arena.toml", "model.zip", "agent.py"):
                os.replace(ready / name, out / name)
    return out


def manifest_text(name: str, env: str, options: dict[str, Any]) -> str:
    """The `arena.toml` of an exported policy: what it is, its weights, and the game options it was trained with."""
    unwritable = [key for key, value in options.items() if not isinstance(value, (bool, int, float, str))]
    if unwritable:
        raise ArenaError(f"the run trained with {', '.join(f'{k}={options[k]!r}' for k in unwritable)}, which an "
                         f"arena.toml [options] table cannot state (strings, numbers and true/false only); "
                         f"train with a value it can state")
    lines = [f"name = {_toml(name)}", f"env = {_toml(env)}", 'weights = "model.zip"']
    if options:
        lines += ["", "[options]  # the game the policy was trained on"]
        lines += [f"{key} = {_toml(value)}" for key, value in options.items()]
    return "\n".join(lines) + "\n"


def _toml(value: bool | int | float | str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)  # a JSON string or number is the same TOML value

def _save_for_play(model_zip: Path) -> None:
    """Save the model again without the optimizer's running state (a submission only plays): a third of the size."""
    model = load_model(model_zip)
    policy = model.policy
    policy.optimizer = policy.optimizer_class(policy.parameters(), lr=policy.optimizer.param_groups[0]["lr"],
                                              **policy.optimizer_kwargs)
    model.save(model_zip)
