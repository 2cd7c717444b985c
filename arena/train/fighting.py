"""`arena train fighting`: `train_fighter(config)`, the fighting game's self-play league, one segment per checkpoint.

    set up   the run's folder, the opponent pool (`arena.train.league`), the envs (batched on the native
             engine, `arena.train.batched`, or in worker processes), the model (`build_model`),
             its weights from the newest checkpoint (`resume=True`) or a warm start by imitation
    for each segment of `save_freq` policy steps:
        start    seed the envs and generators from (seed, segment); hand the pool's table to the envs
        collect + learn   SB3's rollouts and updates (`model.learn`), recording every finished episode
                          (and calling one's own SB3 callbacks, any of which may stop the run; SIGINT or
                          SIGTERM stops it at the end of the rollout under way)
        save     the SB3 zip and the league state; the zip joins the pool as a snapshot
        evaluate against the benchmarks and earlier snapshots; ratings; TensorBoard scalars (not where a
                 signal stopped the run within a segment: the resumed run evaluates at the segment's end)

Segments are `save_freq` policy steps rounded up to whole rollouts; the last one ends at
`timesteps` (rounded up to a whole rollout, which the run says when it starts). Every segment
starts from fresh episodes and generators derived from its index, so a run resumed from a
checkpoint at a segment's end (`resume=True`) continues exactly as the uninterrupted run would
have; one resumed from a shorter last segment finishes that segment from its start's seeds.
"""

from __future__ import annotations

import math
from functools import partial
from pathlib import Path
from typing import Any

from stable_baselines3.common.callbacks import BaseCallback, CallbackList
from stable_baselines3.common.utils import set_random_seed
from stable_baselines3.common.vec_env import VecMonitor

from arena.held_signals import signals_held
from arena.seeding import derive_seed
from arena.train.algorithms import algorithm_class, policy_name
from arena.train.checkpoints import (STOPPED_NOW, SaveHandler, SaveHandlerMode, load_checkpoint,
                                     update_league_state)
from arena.train.config import TrainConfig, check_resumable, save_config
from arena.train.controls import Controls
from arena.train.evaluation import Evaluator
from arena.train.imitation import collect, pretrain
from arena.train.batched import training_envs
from arena.train.league import build_pool
from arena.train.logs import LOG_DIR, LeagueCallback, RunLog, check_libraries, plot_run, trained_already, whole_rollouts
from arena.train.policy import PolicyAgent, write_sidecar

# Said as Ctrl-C or SIGTERM comes: an evaluation under way is finished too, so that the run's history keeps it.
STOPPING_LEAGUE = ("stopping at the end of the rollout or evaluation under way, where the run is saved "
                   "(Ctrl-C again: at once)")


def train_fighter(config: TrainConfig, resume: bool = False, callback: BaseCallback | list[BaseCallback] | None = None
                  ) -> Path:
    """Train (or, with `resume`, go on training) `config.run`; returns the run's folder. `callback`: SB3
    callbacks of one's own, called as one `model.learn` over the run calls them (`WholeRun`), beside the league's;
    one that stops training (its `_on_step` returns False) ends the run with a checkpoint at the step where it
    stopped. SIGINT or SIGTERM stops the run at the end of the rollout (or evaluation) under way, saved there;
    the signal is then raised again (KeyboardInterrupt for SIGINT)."""
    check_libraries(config.plot)
    run_dir = Path(config.save_path) / config.run
    if resume:
        check_resumable(config, run_dir)
    controls = Controls(config.repeat, config.combos)
    saver = SaveHandler(save_freq=config.save_freq, max_saved=config.max_saved, run_name=config.run,
                        save_path=config.save_path, mode=SaveHandlerMode.RESUME if resume else SaveHandlerMode.FORCE,
                        quiet=True)
    latest = saver.latest() if resume else None
    resumed_at = int(latest[1]["num_timesteps"]) if latest is not None else 0
    if latest is not None and trained_already(run_dir, resumed_at, config.timesteps, config.plot):
        return run_dir
    save_config(config, saver.run_dir / "config.yaml")
    write_sidecar(saver.run_dir, {"algo": config.algo, "env": "fighting", "env_options": {},
                                 "controls": controls.to_dict()})
    printed = run_dir / LOG_DIR / "opponents"
    pool = build_pool(config.opponents, partial(PolicyAgent, controls=controls, sample=True), output_dir=printed)
    if any("submission" in spec for spec in config.opponents.values()):
        print(f"what the submissions among the opponents print goes to {printed}/")
    venv = VecMonitor(training_envs(config, pool.opponents, controls))
    model = build_model(config, venv)
    if latest is not None:
        load_checkpoint(model, latest[0], resumed_at)
        pool.load_state(latest[1]["pool"])
        print(f"resuming from step {model.num_timesteps:,} ({latest[0]})")
    elif config.imitate and config.algo == "recurrent_ppo":
        print("no imitation warm start for recurrent_ppo (its policy needs whole sequences): starting from scratch")
    elif config.imitate:
        warm_start(model, config)
    saver.agent = model
    evaluator = Evaluator(config.eval_opponents, controls, config.eval_games, config.seed,
                          state=latest[1].get("evaluation") if latest else None)
    rollout = config.n_steps * config.n_envs
    total = whole_rollouts(config.timesteps, config.n_steps, config.n_envs, config.algo.upper())
    segment_steps = math.ceil(config.save_freq / rollout) * rollout
    log = RunLog(saver.run_dir, total, start=model.num_timesteps, frames_per_step=controls.repeat)
    model.set_logger(log.sb3_logger)
    own = WholeRun(callback if isinstance(callback, list) else [callback] if callback is not None else [])
    stopped = False
    try:
        # stopped between rollouts, where the run is whole to save; a second signal stops it at once
        with signals_held(STOPPING_LEAGUE, again=STOPPED_NOW) as stop:
            callbacks = CallbackList([_StopBetweenRollouts(stop), LeagueCallback(pool, log), own])
            while model.num_timesteps < total and not stopped and not stop:
                segment = model.num_timesteps // segment_steps
                # start: fresh episodes and generators for this segment
                set_random_seed(derive_seed(config.seed, segment, 0))
                venv.seed(derive_seed(config.seed, segment, 1))
                model.set_env(venv)  # makes SB3 reset the envs (with the seeds above) when learning starts
                venv.env_method("set_table", pool.table())
                # collect + learn: to the segment's end, or to the run's when that comes first
                end = min((segment + 1) * segment_steps, total)
                begun = model.num_timesteps
                try:
                    model.learn(end - model.num_timesteps, callback=callbacks, reset_num_timesteps=False)
                except _Stopping:
                    if model.num_timesteps == begun:  # it came before the segment's first rollout: saved already
                        break
                stopped = model.num_timesteps < end and not stop  # one's own callback stopped it
                # save (past a second Ctrl-C too: a checkpoint is written whole)
                with signals_held():
                    league = {"num_timesteps": model.num_timesteps, "pool": pool.state(),
                              "evaluation": evaluator.state()}
                    saver.num_timesteps = model.num_timesteps
                    path = saver.save_agent(league)
                    pool.add_snapshot(path, keep=config.max_saved)
                # evaluate: at the evaluations' steps; where a signal stopped the segment, when it has been resumed
                if (config.eval_freq and model.num_timesteps % config.eval_freq < segment_steps
                        and not (stop and model.num_timesteps < end)):
                    scores = evaluator.evaluate(path, model.num_timesteps)
                    log.evaluation(scores, evaluator.ratings(), model.num_timesteps)
                    league["evaluation"] = evaluator.state()
                league["pool"] = pool.state()
                with signals_held():
                    update_league_state(Path(path), league)
            own.end_run()
    finally:
        venv.close()
        log.close()
    if stopped:
        print(f"stopped by a callback at step {model.num_timesteps:,} of {total:,}")
    if config.plot:
        plot_run(saver.run_dir)
    return saver.run_dir


class _Stopping(Exception):
    """Raised out of `model.learn` where a rollout starts once a signal asked the run to stop."""


class _StopBetweenRollouts(BaseCallback):
    """Ends `model.learn` as a rollout starts once a signal in `stop` asked the run to stop: every rollout before
    is learned from, and nothing of the next is played (returning False from `_on_step` would play a step of it)."""

    def __init__(self, stop: list[int]):
        super().__init__()
        self.stop = stop

    def _on_rollout_start(self) -> None:
        if self.stop:
            raise _Stopping

    def _on_step(self) -> bool:
        return True


class WholeRun(CallbackList):
    """One's own callbacks over a run that learns a segment at a time, between its checkpoints: SB3 sets up,
    starts and ends a training at each `model.learn`, and these see it set up and started once, and ended once
    the run is over (`end_run`), as over a single `learn`."""

    def __init__(self, callbacks: list[BaseCallback]):
        super().__init__(callbacks)
        self._begun = self._over = False

    def init_callback(self, model: Any) -> None:
        if not self._begun:
            super().init_callback(model)

    def _on_training_start(self) -> None:
        if not self._begun:
            self._begun = True
            super()._on_training_start()

    def _on_training_end(self) -> None:
        if self._over:
            super()._on_training_end()

    def end_run(self) -> None:
        self._over = True
        if self._begun:  # a resumed run with nothing left to train started none
            self.on_training_end()


def warm_start(model: Any, config: TrainConfig) -> None:
    """Pretrain the new model to imitate `config.imitate` (see `arena.train.imitation`)."""
    # Its games take a minute or more on a few cores: say so before they start.
    print(f"warm start: imitating {config.imitate} for {config.imitation_decisions:,} decisions first", flush=True)
    seed = derive_seed(config.seed, 0, 2)  # segments use (seed, segment, 0 or 1)
    set_random_seed(seed)
    demos = collect(config, config.imitate, config.imitation_decisions, config.workers, seed)
    loss = pretrain(model, *demos, epochs=config.imitation_epochs,
                    batch_size=config.imitation_batch_size)
    print(f"imitated {config.imitate}: {len(demos[1]):,} decisions, loss {loss:.3f}")


def build_model(config: TrainConfig, venv: Any) -> Any:
    """A new SB3 model of `config.algo` on `venv` with the config's hyper-parameters."""
    import torch

    torch.set_num_threads(1)
    settings: dict[str, Any] = dict(learning_rate=config.learning_rate, n_steps=config.n_steps, gamma=config.gamma,
                                    gae_lambda=config.gae_lambda, ent_coef=config.ent_coef, seed=config.seed,
                                    device="cpu", policy_kwargs={"net_arch": list(config.net_arch)})
    if config.algo != "a2c":
        settings.update(batch_size=config.batch_size, n_epochs=config.n_epochs)
    return algorithm_class(config.algo)(policy_name(config.algo), venv, **settings)
